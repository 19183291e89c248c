"""The descriptor check by Frictionless, run in a separate process beside the data checks."""

import json
import subprocess
import sys

from xinjiang_pairing.descriptor import start_check, validate_descriptor
from xinjiang_pairing.package import load_package


def break_contributors(pkg):
    text = (pkg.root / "datapackage.json").read_text()
    (pkg.root / "datapackage.json").write_text(text.replace('"contributors": [', '"contributors": "nobody", "x": ['))


def test_the_separate_process_reports_what_frictionless_reports(pkg):
    break_contributors(pkg)
    package = load_package(pkg.root)
    in_process = validate_descriptor(package)
    assert [p.message for p in in_process] == ["'nobody' is not of type 'array' at property 'contributors'"]
    assert start_check(package)() == in_process


def test_a_valid_descriptor_has_no_problems(root):
    assert start_check(load_package(root))() == []


def test_module_prints_problems_as_json(pkg):
    break_contributors(pkg)
    out = subprocess.run([sys.executable, "-m", "xinjiang_pairing.descriptor", str(pkg.root)],
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [{
        "file": "datapackage.json", "row": 0, "column": "", "rule": "package-error",
        "message": "'nobody' is not of type 'array' at property 'contributors'", "value": None,
    }]


def test_a_check_that_cannot_run_is_a_problem_not_a_pass(root, monkeypatch, tmp_path):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'ModuleNotFoundError: No module named frictionless' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(fake))
    problems = start_check(load_package(root))()
    assert [p.describe() for p in problems] == [
        "datapackage.json: the descriptor check failed: ModuleNotFoundError: No module named frictionless "
        "[package-error]"
    ]
