import atexit
import csv
import datetime as dt
import functools
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 12, 1)  # the day the tests pretend it is (the rule on future dates)


def problems(root, descriptor: bool = False) -> list[str]:
    """What validate reports for the package in ``root`` (a folder or a PackageCopy), as text."""
    from xinjiang_pairing.validate import validate_package

    report = validate_package(root.root if isinstance(root, PackageCopy) else root, today=TODAY,
                              descriptor=descriptor)
    return [p.describe() for p in report.sorted()]


def csv_rows(path: Path) -> int:
    """Data rows of a CSV file (records, not lines: quoted cells may hold line breaks)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


class PackageCopy:
    """A copy of the repository's data package in a temporary folder, to break on purpose."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True)
        shutil.copy(ROOT / "datapackage.json", root / "datapackage.json")
        shutil.copytree(ROOT / "schemas", root / "schemas")
        shutil.copytree(ROOT / "data", root / "data")

    def path(self, table: str) -> Path:
        return self.root / "data" / f"{table}.csv"

    def rows(self, table: str) -> list[dict]:
        with self.path(table).open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    def header(self, table: str) -> list[str]:
        with self.path(table).open(encoding="utf-8", newline="") as fh:
            return next(csv.reader(fh))

    def write(self, table: str, rows: list[dict], header: list[str] | None = None) -> None:
        header = header or self.header(table)
        with self.path(table).open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n", extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)

    def append_line(self, table: str, line: str | bytes) -> int:
        """Append a raw line; returns its row number (header = row 1)."""
        data = line if isinstance(line, bytes) else line.encode("utf-8")
        with self.path(table).open("ab") as fh:
            fh.write(data + b"\n")
        return len(self.path(table).read_bytes().rstrip(b"\n").split(b"\n"))

    def edit(self, table: str, match: dict, **changes) -> int:
        """Change the first row matching ``match``; returns its row number."""
        rows = self.rows(table)
        for i, row in enumerate(rows):
            if all(row[k] == v for k, v in match.items()):
                row.update(changes)
                self.write(table, rows)
                return i + 2
        raise LookupError(match)


@pytest.fixture(autouse=True, scope="session")
def cache(tmp_path_factory):
    """Descriptor checks, validators' verdicts and downloads are kept in a folder of this test
    session, which the workers of one run (pytest-xdist) share: what one has checked, the other
    reads back (each result is written whole or not at all)."""
    import os

    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "cache"
    folder.mkdir(exist_ok=True)
    os.environ["XINJIANG_PAIRING_CACHE"] = str(folder)
    return folder


@pytest.fixture
def pkg(tmp_path) -> PackageCopy:
    return PackageCopy(tmp_path / "pkg")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@functools.cache
def real_database() -> Path:
    """The repository's package built once per test process, for tests that read
    it: open it read-only, or copy it before changing it."""
    from xinjiang_pairing.build import build

    folder = Path(tempfile.mkdtemp(prefix="xj-test-db-"))
    atexit.register(shutil.rmtree, folder, True)
    result = build(ROOT, folder / "x.duckdb")
    assert result.report.valid, result.report.to_text(20)
    return result.path


@pytest.fixture(scope="session")
def built() -> Path:
    """The repository's package built once (see ``real_database``)."""
    return real_database()


# The files whose tests take longest run first: with one file to a worker (scripts/test), a long
# file started last would keep one core busy after the other is done.
LONGEST_FIRST = ("test_release.py", "test_site_browser.py", "test_pin.py", "test_differential.py", "test_wheel.py")


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within a file, and of the other files, is kept
