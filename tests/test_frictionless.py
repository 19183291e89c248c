"""The official Frictionless validator agrees that the published package is valid."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the frictionless command line on the whole package


def test_official_frictionless_validate_passes(root):
    exe = shutil.which("frictionless", path=str(Path(sys.executable).parent))
    out = subprocess.run([exe, "validate", "--json", "datapackage.json"], cwd=root, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:]
    assert '"valid": true' in out.stdout


def test_official_validator_rejects_a_broken_copy(pkg):
    pkg.append_line("parties", "beijing,Beijing again,北京市,municipality,beijing,,")
    exe = shutil.which("frictionless", path=str(Path(sys.executable).parent))
    out = subprocess.run([exe, "validate", "--json", "datapackage.json"], cwd=pkg.root, capture_output=True, text=True)
    assert out.returncode == 1
    assert "primary-key" in out.stdout
