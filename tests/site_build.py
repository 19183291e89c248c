"""The data explorer built once per test run from this repository's data, for test_site*.py."""

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import real_database

from xinjiang_pairing.site import SiteError, build_site

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def built() -> tuple[Path, Path]:
    """(DuckDB file, site folder) in a temporary folder; the site sits in ``<tmp>/serve/site``."""
    tmp = Path(tempfile.mkdtemp(prefix="xj-site-test-"))
    atexit.register(shutil.rmtree, tmp, True)
    db = real_database()
    try:
        site = build_site(ROOT, db, tmp / "serve" / "site").path
    except SiteError as e:
        pytest.exit(f"cannot build the site for the tests: {e}", returncode=3)
    return db, site
