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
again by the same validator in the same environment. Their verdict on each table is remembered
too (``Tables``), under the descriptor, the Table Schemas and the files that table's check reads
(its own and those its foreign keys point at): after a change to one table, only the tables
whose checks read it are checked again.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Protocol

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


Verdict = tuple[bool, list[str]]  # a validator's verdict on one part of a package: valid, and its problems
PACKAGE = ""  # the part of a package that is not a table: its descriptor and Table Schemas


class Parts(Protocol):
    """How a stock validator checks each part of a package (``PACKAGE`` and each table, by name):
    ``parts(part, run)`` returns ``run()``'s verdict, or one remembered (``Tables``). ``tables``:
    the tables of the package's descriptor, in order, or None when the validator reads them itself."""

    @property
    def tables(self) -> list[str] | None: ...

    def __call__(self, part: str, run: Callable[[], Verdict]) -> Verdict: ...


class Each:
    """Check each part of a package, remembering nothing (the default of ``run_frictionless`` and
    ``run_pandera``); the tables are those the validator reads."""

    tables: list[str] | None = None

    def __call__(self, part: str, run: Callable[[], Verdict]) -> Verdict:
        return run()


_each = Each()


def _frictionless_problems(report) -> list[str]:
    problems = [f"datapackage.json: {e.message} [{e.type}]" for e in report.errors]
    for task in report.tasks:
        for e in task.errors:
            where = [task.place or task.name]
            if getattr(e, "row_number", None):
                where.append(f"row {e.row_number}")
            if getattr(e, "field_name", None):
                where.append(f"column {e.field_name}")
            problems.append(f"{', '.join(where)}: {e.message} [{e.type}]")
    return problems


def run_frictionless(root: Path, parts: Parts = _each) -> ValidatorResult:
    """The stock Frictionless validator: the descriptor, every schema and every row. It runs as
    ``frictionless validate`` does, the descriptor and schemas first, then table by table, each
    through ``parts`` (which may remember verdicts: ``Tables``)."""
    start = time.perf_counter()
    try:
        import frictionless
        from frictionless.resources import PackageResource
    except ImportError as e:
        return _missing(FRICTIONLESS, e)
    version = _version("frictionless")
    descriptor = str(Path(root) / "datapackage.json")
    opened: list = []  # the package as Frictionless reads it, once, if a part is checked

    def package():
        if not opened:
            try:
                source = frictionless.Resource(descriptor)
                if not isinstance(source, PackageResource):  # not read as a package: as frictionless validate does
                    opened.append((None, frictionless.validate(descriptor)))
                else:
                    read = source.read_metadata()
                    read.to_descriptor(validate=True)  # the descriptor and schemas against their profiles
                    opened.append((read, None))
            except frictionless.FrictionlessException as e:
                opened.append((None, frictionless.Report.from_validation(errors=e.to_errors())))
        return opened[0]

    def metadata() -> Verdict:
        _, report = package()
        return (True, []) if report is None else (report.valid, _frictionless_problems(report))

    def table(name: str) -> Verdict:
        read, _ = package()
        if read is None:  # reported below
            return False, []
        report = read.get_resource(name).validate(checklist=frictionless.Checklist())
        return report.valid, _frictionless_problems(report)

    valid, problems = parts(PACKAGE, metadata)
    if valid:
        names = parts.tables
        if names is None:  # as Frictionless reads them
            read, _ = package()
            names = [r.name for r in read.resources] if read is not None else []
        for name in names:
            ok, found = parts(name, lambda name=name: table(name))
            valid, problems = valid and ok, problems + found
        if opened and opened[0][0] is None:  # the descriptor, whose verdict was kept, cannot be read now
            valid, problems = metadata()
    return ValidatorResult(FRICTIONLESS, version, valid, time.perf_counter() - start, problems)


def run_pandera(root: Path, today: dt.date | None = None,
                parts: Parts = _each) -> ValidatorResult:
    """The Pandera (Polars) schemas derived from the Table Schemas and row rules, table by table
    (each through ``parts``, which may remember verdicts: ``Tables``)."""
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

    def table(res) -> Verdict:
        try:
            cases = failure_cases(res, today)
        except (pl.exceptions.PolarsError, OSError, ValueError) as e:
            return False, [f"{res.rel_path}: cannot be read: {str(e).splitlines()[0]}"]
        problems = []
        if cases is not None:
            for case in cases.iter_rows(named=True):
                row = case.get("index")
                where = [res.rel_path] + ([f"row {row + 2}"] if row is not None else [])
                column = case.get("column")
                if column and column != res.name:
                    where.append(f"column {column}")
                problems.append(f"{', '.join(where)}: {case.get('check')} failed for {case.get('failure_case')!r}")
        return not problems, problems

    problems = [p for res in package.resources for p in parts(res.name, lambda res=res: table(res))[1]]
    return ValidatorResult(PANDERA, _version("pandera"), not problems, time.perf_counter() - start, problems)


def validate_all(root: str | Path, today: dt.date | None = None, engine_report=None,
                 engine_seconds: float | None = None) -> list[ValidatorResult]:
    """All three validators on the package at ``root``, engine first; the stock validators'
    results are remembered for the same files, and their verdicts on each table for the files
    that table's check reads."""
    root = Path(root)
    day = (today or dt.date.today()).isoformat()
    environment = _environment()
    return [run_engine(root, today, engine_report, engine_seconds),
            _remembered(FRICTIONLESS, root, "", environment, lambda parts: run_frictionless(root, parts)),
            _remembered(PANDERA, root, day, environment, lambda parts: run_pandera(root, today, parts),
                        references=False)]  # Pandera checks each table alone


KIND = "validator-results"  # the folder of remembered results
PART_KIND = "validator-verdicts"  # the folder of remembered verdicts on parts of packages


def _read(root: Path):
    """The package at ``root`` and the digest of each of its data files, read in pieces (None when
    the package or a file cannot be read: then nothing is remembered)."""
    from .package import PackageError, load_package

    try:
        package = load_package(root)
        return package, {r.name: remembered.file_digest(r.path) for r in package.resources}
    except (PackageError, OSError):
        return None


class Tables:
    """A stock validator's verdict on each part of a package (``PACKAGE`` and each table, by name),
    remembered under ``base`` (the validator, the versions, the environment and the day), the
    descriptor and every Table Schema, and the bytes of the files the part's check reads: a table's
    own and, with ``references`` (a validator that checks foreign keys), those of the tables its
    foreign keys point at; none for ``PACKAGE``. A verdict is kept only when those files read the
    same after the check as before it."""

    def __init__(self, base: str, package, files: dict[str, bytes], references: bool = True):
        self.base = remembered.digest(base, *remembered.definitions(package))
        self.tables = [r.name for r in package.resources]  # in the order of the descriptor
        self.paths = {r.name: r.path for r in package.resources}
        self.files = files
        self.reads = {PACKAGE: [], **{r.name: sorted({r.name, *(fk.resource for fk in r.foreign_keys if references)})
                                      for r in package.resources}}

    def _digests(self, names: list[str]) -> list[bytes] | None:
        try:
            return [remembered.file_digest(self.paths[n]) for n in names]
        except (OSError, KeyError):
            return None

    def __call__(self, part: str, run: Callable[[], Verdict]) -> Verdict:
        reads = self.reads.get(part)
        if reads is None or any(n not in self.files for n in reads):  # a part this package does not have
            return run()
        key = remembered.digest(self.base, part, *(self.files[n] for n in reads))
        kept = remembered.recall(PART_KIND, key)
        if (isinstance(kept, list) and len(kept) == 2 and isinstance(kept[0], bool) and isinstance(kept[1], list)
                and all(isinstance(p, str) for p in kept[1])):
            return kept[0], kept[1]
        valid, problems = run()
        if self._digests(reads) == [self.files[n] for n in reads]:
            remembered.keep(PART_KIND, key, [valid, problems])
        return valid, problems


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


def _remembered(name: str, root: Path, day: str, environment: str,
                run: Callable[[Parts], ValidatorResult],
                references: bool = True) -> ValidatorResult:
    """The validator's result, remembered under the files, the ``environment`` and ``day``: the
    verdict is kept only when the files read the same after the run as before it. ``run(parts)``
    runs the validator, each part of the package through ``parts`` (``Tables``: verdicts on each
    part remembered; ``references``: a table's check reads the tables its foreign keys point at)."""
    version = _version(name)
    read = _read(root) if version != "not installed" else None
    if read is None:
        return run(_each)
    package, files = read
    base = remembered.digest(name, version, __version__, environment, day)

    def key_of(read) -> str:
        return remembered.digest(base, *remembered.definitions(read[0]), *read[1].values())

    key = key_of(read)
    kept = remembered.as_instance(ValidatorResult, remembered.recall(KIND, key))
    if kept is not None:
        kept.remembered = True
        return kept
    result = run(Tables(base, package, files, references))
    after = _read(root)
    if result.version != "not installed" and after is not None and key_of(after) == key:
        remembered.keep(KIND, key, asdict(result))
    return result


def refusal(results: list[ValidatorResult]) -> str | None:
    """One line naming every validator that rejected the package, or None when all accept it."""
    failed = [r.summary() for r in results if not r.valid]
    return "; ".join(failed) if failed else None
