"""Every validator on one package: the project's engine, the stock Frictionless validator and the
Pandera schemas derived from the Table Schemas. ``validate --all`` runs them; ``release`` runs them
on the exact files it publishes and refuses if any one rejects them.

Each validator gives a ``ValidatorResult``: its name, version, verdict, time and located problems
(file, row, column and rule, one line each). A validator that cannot run (an optional dependency
missing) is a failed result that says what to install, never an exception.

The stock validators take seconds where the engine takes a fraction of one, so their results are
remembered (``remembered``) under a digest of every byte they read (the descriptor, the Table
Schemas and the data files), every installed distribution's version, the source of this package
and, for the Pandera schemas whose rules know the date, the day: the same files are not checked
again by the same validator in the same environment.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from . import __version__, remembered

ENGINE, FRICTIONLESS, PANDERA = "xinjiang-pairing", "frictionless", "pandera"
NAMES = (ENGINE, FRICTIONLESS, PANDERA)


@dataclass
class ValidatorResult:
    name: str
    version: str
    valid: bool
    seconds: float
    problems: list[str] = field(default_factory=list)  # located, one line each
    remembered: bool = False  # the result of an earlier run on the same files (``seconds``: that run's)

    def summary(self) -> str:
        if self.valid:
            return f"{self.name} {self.version}: valid"
        first = self.problems[0] if self.problems else "no details"
        return f"{self.name} {self.version}: {len(self.problems)} problem(s), the first: {first}"

    def to_manifest(self) -> dict:
        return {"name": self.name, "version": self.version, "valid": self.valid, "problems": len(self.problems)}


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


EXTRAS = {FRICTIONLESS: "frictionless", PANDERA: "pandera"}  # the extra that installs each validator


def _missing(name: str, error: ImportError) -> ValidatorResult:
    return ValidatorResult(name, "not installed", False, 0.0, [
        f"cannot run {name} ({error.name or error}): install it with "
        f"pip install \"xinjiang-pairing-assistance[{EXTRAS[name]}]\""
    ])


def run_engine(root: Path, today: dt.date | None = None, report=None, seconds: float | None = None) -> ValidatorResult:
    """The project's engine. Pass the ``report`` of a build that already ran it (and its time)."""
    start = time.perf_counter()
    if report is None:
        from .validate import validate_package

        report = validate_package(root, today=today)
        seconds = time.perf_counter() - start
    return ValidatorResult(ENGINE, __version__, report.valid, seconds or 0.0,
                           [p.describe() for p in report.sorted()])


def run_frictionless(root: Path) -> ValidatorResult:
    """The stock Frictionless validator: the descriptor, every schema and every row."""
    start = time.perf_counter()
    try:
        import frictionless
    except ImportError as e:
        return _missing(FRICTIONLESS, e)
    report = frictionless.validate(str(Path(root) / "datapackage.json"))
    problems = [f"datapackage.json: {e.message} [{e.type}]" for e in report.errors]
    for task in report.tasks:
        for e in task.errors:
            where = [task.place or task.name]
            if getattr(e, "row_number", None):
                where.append(f"row {e.row_number}")
            if getattr(e, "field_name", None):
                where.append(f"column {e.field_name}")
            problems.append(f"{', '.join(where)}: {e.message} [{e.type}]")
    return ValidatorResult(FRICTIONLESS, _version("frictionless"), report.valid, time.perf_counter() - start,
                           problems)


def run_pandera(root: Path, today: dt.date | None = None) -> ValidatorResult:
    """The Pandera (Polars) schemas derived from the Table Schemas and row rules, table by table."""
    start = time.perf_counter()
    try:
        import polars as pl

        from .pandera_schemas import failure_cases
    except ImportError as e:
        return _missing(PANDERA, e)
    from .package import PackageError, load_package

    try:
        package = load_package(root)
    except PackageError as e:
        return ValidatorResult(PANDERA, _version("pandera"), False, time.perf_counter() - start,
                               [f"datapackage.json: {e}"])
    problems = []
    for res in package.resources:
        try:
            cases = failure_cases(res, today)
        except (pl.exceptions.PolarsError, OSError, ValueError) as e:
            problems.append(f"{res.rel_path}: cannot be read: {str(e).splitlines()[0]}")
            continue
        if cases is not None:
            for case in cases.iter_rows(named=True):
                row = case.get("index")
                where = [res.rel_path] + ([f"row {row + 2}"] if row is not None else [])
                column = case.get("column")
                if column and column != res.name:
                    where.append(f"column {column}")
                problems.append(f"{', '.join(where)}: {case.get('check')} failed for {case.get('failure_case')!r}")
    return ValidatorResult(PANDERA, _version("pandera"), not problems, time.perf_counter() - start, problems)


def validate_all(root: str | Path, today: dt.date | None = None, engine_report=None,
                 engine_seconds: float | None = None) -> list[ValidatorResult]:
    """All three validators on the package at ``root``, engine first; the stock validators'
    results are remembered for the same files."""
    root = Path(root)
    day = (today or dt.date.today()).isoformat()
    environment = _environment()
    return [run_engine(root, today, engine_report, engine_seconds),
            _remembered(FRICTIONLESS, root, "", environment, lambda: run_frictionless(root)),
            _remembered(PANDERA, root, day, environment, lambda: run_pandera(root, today))]


KIND = "validator-results"  # the folder of remembered results


def _files_digest(root: Path) -> str | None:
    """A digest of every byte the validators read: the descriptor, each Table Schema and each data
    file, read in pieces (None when the package cannot be read: then nothing is remembered)."""
    from .package import PackageError, load_package

    try:
        package = load_package(root)
        data = [remembered.file_digest(r.path) for r in package.resources]
    except (PackageError, OSError):
        return None
    return remembered.digest(*remembered.definitions(package), *data)


def _environment() -> str:
    """What a stock validator's verdict depends on besides the files: every installed distribution
    and its version (the validator's dependencies among them) and the source of this package (its
    Pandera schemas and rules)."""
    return remembered.digest(*_installed(), remembered.package_source())


_METADATA_FOLDER = re.compile(r"[^-]+-[^-]+\.(dist|egg)-info")  # name-version.dist-info, as installers write


def _installed() -> list[str]:
    """Every distribution on ``sys.path``, as the name of its metadata folder, which holds its name
    and version (reading each one's metadata instead takes some 80 ms); a folder named otherwise
    is read."""
    found = set()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            if not _METADATA_FOLDER.fullmatch(name):
                dist = metadata.Distribution.at(os.path.join(entry or ".", name))
                name = f"{dist.metadata['Name']}=={dist.version}"
            found.add(name)
    return sorted(found)


def _remembered(name: str, root: Path, day: str, environment: str, run) -> ValidatorResult:
    """The validator's result, remembered under the files, the ``environment`` and ``day``: the
    verdict is kept only when the files read the same after the run as before it."""
    version = _version(name)
    files = _files_digest(root) if version != "not installed" else None
    if files is None:
        return run()
    key = remembered.digest(name, version, __version__, environment, files, day)
    kept = remembered.as_instance(ValidatorResult, remembered.recall(KIND, key))
    if kept is not None:
        kept.remembered = True
        return kept
    result = run()
    if result.version != "not installed" and _files_digest(root) == files:
        remembered.keep(KIND, key, asdict(result))
    return result


def refusal(results: list[ValidatorResult]) -> str | None:
    """One line naming every validator that rejected the package, or None when all accept it."""
    failed = [r.summary() for r in results if not r.valid]
    return "; ".join(failed) if failed else None
