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


def missing_references(site: Path, outside_ok: bool = True) -> list[tuple[str, str]]:
    """(page, reference) for every link, script, style sheet or image of the site's pages that
    names a local file that does not exist. ``outside_ok``: references that leave the site (the
    release's files one folder up, the explorers of other releases) are not checked."""
    import re

    reference = re.compile(r'<(?:a|script|link|img|source)\b[^>]*(?:href|src)="([^"#]*)(?:#[^"]*)?"')
    missing = []
    for page in sorted(site.rglob("*.html")):
        for url in set(reference.findall(page.read_text(encoding="utf-8"))):
            if not url or re.match(r"^[a-z]+:", url):
                continue  # external pages
            target = (page.parent / url).resolve()
            if outside_ok and not target.is_relative_to(site.resolve()):
                continue
            if not target.exists():
                missing.append((page.relative_to(site).as_posix(), url))
    return missing
