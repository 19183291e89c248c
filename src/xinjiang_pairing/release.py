"""Release a version of the data package: check that it may be released, then write ``dist/<version>/``
(DuckDB file, CSV zip, one Parquet file per table, ``manifest.json``, ``SHA256SUMS``) and record it
in ``releases/<version>.json``.

The release history is the set of files in ``releases/`` (plus git tags ``v<version>`` if any); each
record holds the commit it was built from, so the previous release's package can be read back with
``git archive`` for the semantic-versioning gate. Nothing is written when a check fails.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .artifacts import (
    CHECKSUMS,
    DUCKDB_NOTE,
    MANIFEST,
    ZIP_FILES,
    ZIP_FOLDERS,
    file_entries,
    file_name,
    sha256,
    write_checksums,
    write_csv_zip,
    write_json,
    write_parquet,
)
from .build import STORAGE_VERSION, build, write_database
from .gitrepo import git
from .package import Package, PackageError, load_package
from .signals import stop_on_signals
from .sql import lit
from .workbook import write_xlsx

RELEASES = "releases"
PACKAGE_PATHS = ("datapackage.json", "schemas", "data")  # the package, as the semver gate compares it
# The Python package that the wheel of a release is built from (with the release's DuckDB file).
WHEEL_PATHS = ("pyproject.toml", "hatch_build.py", "src", "README.md", "LICENSE")
RELEASED_PATHS = tuple(dict.fromkeys(PACKAGE_PATHS + tuple(ZIP_FILES.values()) + tuple(ZIP_FOLDERS.values())
                                     + ("README.md", ".zenodo.json", RELEASES) + WHEEL_PATHS))  # committed
# Environment variable that hands the hook of hatch_build.py the DuckDB file to put in the wheel.
WHEEL_DATABASE_ENV = "XINJIANG_PAIRING_WHEEL_DATABASE"
NOT_REPRODUCIBLE = (".duckdb", ".whl")  # the wheel carries the DuckDB file
READABLE_BY = "DuckDB 1.5.x and 2.x"


class ReleaseRefused(Exception):
    """A release was refused; the message is one line for a person."""


@dataclass
class Release:
    version: str
    folder: Path
    record: Path
    manifest: dict
    previous: str | None
    rebuild: bool  # the version was released before, from the same package files


def parse_version(text: str) -> tuple[int, int, int] | None:
    m = re.fullmatch(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)", text or "")
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def show(version: tuple[int, int, int]) -> str:
    return ".".join(map(str, version))


def bump_level(old: tuple[int, int, int], new: tuple[int, int, int]) -> str:
    """"major", "minor" or "patch": the part of the version that went up (``new`` > ``old``)."""
    if new[0] != old[0]:
        return "major"
    return "minor" if new[1] != old[1] else "patch"


def covered_level(old: tuple[int, int, int], new: tuple[int, int, int]) -> str:
    """The largest change a bump from ``old`` to ``new`` may carry. As in semantic versioning's
    initial development (0.y.z), a minor bump below 1.0.0 may carry breaking changes."""
    bump = bump_level(old, new)
    return "major" if old[0] == 0 and new[0] == 0 and bump == "minor" else bump


def released_versions(root: Path) -> dict[tuple[int, int, int], str]:
    """Every released version with the commit it was built from: ``releases/*.json``, then tags ``v*``."""
    found: dict[tuple[int, int, int], str] = {}
    out = git(root, "for-each-ref", "--format=%(refname:short) %(*objectname) %(objectname)", "refs/tags/v*")
    for line in out.stdout.splitlines() if out.returncode == 0 else []:
        tag, *ids = line.split()
        version = parse_version(tag[1:])
        if version:
            found[version] = ids[0]  # the tagged commit (of an annotated tag: the first id)
    for path in sorted((root / RELEASES).glob("*.json")):
        version = parse_version(path.stem)
        if version:
            found[version] = Recorded.read(path, path.stem).commit  # refused if it is not a record
    return found


def check_git(root: Path) -> str:
    """The commit being released; refuses outside git or with uncommitted changes to the files a
    release contains or reads (data/, schemas/, datapackage.json, README.md, licenses, citation,
    changelog, the records of earlier releases)."""
    head = git(root, "rev-parse", "--show-toplevel", "HEAD")
    if head.returncode != 0:
        raise ReleaseRefused(f"{root} is not a git repository with a commit: a release records its commit")
    status = git(root, "status", "--porcelain", "--untracked-files=all", "--", *RELEASED_PATHS)
    dirty = [line[3:] for line in status.stdout.splitlines()]
    if dirty:
        listed = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise ReleaseRefused(f"uncommitted changes in released files ({listed}): commit them first")
    return head.stdout.split()[1]


def check_changelog(root: Path, version: str) -> None:
    path = root / "CHANGELOG.md"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if not re.search(rf"^## \[{re.escape(version)}\]", text, re.M):
        raise ReleaseRefused(f"CHANGELOG.md has no '## [{version}]' section")


def previous_release(root: Path, version: tuple[int, int, int], history: dict) -> tuple | None:
    """The release to compare with: the highest one below ``version``. ``version`` itself may be
    released already only if the package is unchanged since (a rebuild, e.g. on the tag in CI)."""
    if version in history:
        commit = history[version]
        if not commit or _changed_since(root, commit):
            raise ReleaseRefused(
                f"version {show(version)} is not greater than the last release {show(max(history))}, "
                f"and data/, schemas/ or datapackage.json changed since it was released"
            )
    elif history and version <= max(history):
        raise ReleaseRefused(f"version {show(version)} is not greater than the last release {show(max(history))}")
    lower = [v for v in history if v < version]
    return (max(lower), history[max(lower)]) if lower else None


def _changed_since(root: Path, commit: str) -> bool:
    out = git(root, "diff", "--quiet", commit, "--", *PACKAGE_PATHS)
    if out.returncode not in (0, 1):
        raise ReleaseRefused(f"commit {commit} is not in this clone: fetch the full history (git fetch --unshallow)")
    return out.returncode == 1


def export_commit(root: Path, commit: str, folder: Path, paths: tuple[str, ...] = PACKAGE_PATHS) -> None:
    """Write the package files of ``commit`` (or the given ``paths`` of it) into ``folder``."""
    existing = git(root, "ls-tree", "--name-only", commit, "--", *paths)
    paths = tuple(existing.stdout.split()) if existing.returncode == 0 and existing.stdout.split() else paths
    out = git(root, "archive", "--format=tar", commit, "--", *paths, binary=True)
    if out.returncode != 0:
        raise ReleaseRefused(f"cannot read commit {commit} of the previous release: fetch the full history")
    with tarfile.open(fileobj=io.BytesIO(out.stdout)) as tar:
        tar.extractall(folder, filter="data")


def check_bump(root: Path, previous: tuple, version: tuple[int, int, int]) -> None:
    """Refuse a version bump smaller than the changes since the previous release need."""
    from .diff import compare

    old_version, commit = previous
    with tempfile.TemporaryDirectory(prefix="xj-previous-") as tmp:
        export_commit(root, commit, Path(tmp))
        diff = compare(tmp, root)
    bump = bump_level(old_version, version)
    missing = diff.reasons_above(covered_level(old_version, version))
    if missing:
        reasons = "; ".join(c.text() for c in missing)
        needed = diff.level
        if old_version[0] == 0 and needed == "major":
            needed = "minor (before 1.0.0, breaking changes go in a minor release)"
        raise ReleaseRefused(
            f"version {show(version)} is a {bump} release but the changes since {show(old_version)} "
            f"need a {needed} release: {reasons}"
        )


def write_wheel(source: Path, db: Path, folder: Path) -> Path | None:
    """Build the wheel of the Python package at ``source`` carrying ``db`` and the data package; None
    when ``source`` holds no Python package (a data package without the publisher)."""
    if not (source / "hatch_build.py").is_file() or not (source / "src" / "xinjiang_pairing").is_dir():
        return None
    from hatchling.builders.wheel import WheelBuilder

    before = os.environ.get(WHEEL_DATABASE_ENV)
    os.environ[WHEEL_DATABASE_ENV] = str(Path(db).resolve())  # the hook runs from another folder
    try:
        built = list(WheelBuilder(str(source)).build(directory=str(Path(folder).resolve()), versions=["standard"]))
    except Exception as e:  # noqa: BLE001 - the hook's message is the reason
        raise ReleaseRefused(f"the wheel could not be built: {e}") from None
    finally:
        if before is None:
            os.environ.pop(WHEEL_DATABASE_ENV, None)
        else:
            os.environ[WHEEL_DATABASE_ENV] = before
    return Path(built[0])


def build_manifest(package: Package, commit: str, tables: dict[str, int], folder: Path, created: str) -> dict:
    import duckdb

    version = package.version
    return {
        "name": package.name,
        "version": version,
        "created": created,
        "git_commit": commit,
        "tool_version": __version__,
        "duckdb_version": duckdb.__version__,
        "duckdb_file": {
            "name": file_name(version, "duckdb"),
            "storage_version": STORAGE_VERSION,
            "readable_by": READABLE_BY,
            "byte_reproducible": False,
            "note": DUCKDB_NOTE,
        },
        "tables": tables,
        "files": file_entries([p for p in folder.iterdir() if p.name not in (MANIFEST, CHECKSUMS) and p.is_file()]),
    }


def write_release(package: Package, folder: Path, commit: str, tables: dict[str, int] | None = None,
                  validators: list | None = None, source: Path | None = None) -> dict:
    """Write every release file of ``package`` into ``folder``. The DuckDB file is built there
    unless it already is (``tables``: its row counts), and the CSV zip is written unless it already
    is. ``validators``: the results of the validators that checked these files, for the manifest.
    ``source``: the folder the package was staged from; its Python package gives the wheel."""
    import duckdb

    version = package.version
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / file_name(version, "duckdb")
    if tables is None:
        report = write_database(package, db, commit)
        if not report.valid:
            raise ValueError(f"the package is not valid: {report.sorted()[0].describe()}")
        tables = dict(report.rows_checked)
    csv_zip = folder / file_name(version, "csv")
    if not csv_zip.exists():
        write_csv_zip(package.root, csv_zip, f"{package.name}-{version}")
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {lit(str(db))} AS released (READ_ONLY)")
        write_parquet(con, "released", package, folder)
        write_xlsx(con, "released", package, folder / file_name(version, "xlsx"))
    finally:
        con.close()
    wheel = write_wheel(source or package.root, db, folder)
    from .site import write_release_site  # the data explorer, in site/, offering the files above

    site = write_release_site(package.root, folder, file_entries([p for p in folder.iterdir() if p.is_file()]), db,
                              source)
    created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest = build_manifest(package, commit, tables, folder, created)
    if validators is not None:
        manifest["validated_by"] = [v.to_manifest() for v in validators]
    manifest["site"] = site
    if wheel is not None:
        manifest["wheel"] = {
            "name": wheel.name,
            "requires": "duckdb>=1.5 and click (connect() needs only DuckDB)",
            "byte_reproducible": False,
            "note": "The wheel carries the DuckDB file of the release, so it is not byte-reproducible either.",
        }
    write_json(folder / MANIFEST, manifest)
    write_checksums(folder, [p.name for p in folder.iterdir() if p.is_file()])
    return manifest


def stage_package(source: Path, staging: Path, name: str, version: str) -> Path:
    """Write the CSV zip of the package at ``source`` into ``staging`` and unpack it beside it:
    the returned folder holds exactly the files the release publishes."""
    csv_zip = staging / file_name(version, "csv")
    write_csv_zip(source, csv_zip, f"{name}-{version}")
    unpacked = staging.parent / f"{staging.name}.package"
    shutil.rmtree(unpacked, ignore_errors=True)
    with zipfile.ZipFile(csv_zip) as zf:
        zf.extractall(unpacked)
    return unpacked / f"{name}-{version}"


@dataclass
class Recorded:
    """A release as its record in ``releases/`` states it: the version, the commit it was built
    from and the SHA-256 of each file."""

    version: str
    commit: str
    files: dict[str, str]
    record_name: str  # the record's file name, for messages

    @classmethod
    def read(cls, record: Path, version: str) -> Recorded:
        """The record at ``record``; refused unless it names a commit and its files' digests."""
        try:
            recorded = json.loads(record.read_text(encoding="utf-8"))
            commit, files = recorded["git_commit"], {f["name"]: f["sha256"] for f in recorded["files"]}
            if isinstance(commit, str) and all(isinstance(v, str) for v in [*files, *files.values()]):
                return cls(version, commit, files, record.name)
        except (OSError, ValueError, KeyError, TypeError):
            pass
        raise ReleaseRefused(f"{RELEASES}/{record.name} is not a release record with a commit and files")

    def check(self, name: str, digest: str) -> None:
        """Refuse unless the file ``name`` rebuilt has the recorded ``digest``."""
        if self.files.get(name) != digest:
            raise ReleaseRefused(
                f"rebuilding {self.version} from commit {self.commit[:12]} does not reproduce {name} byte for byte; "
                f"the release recorded in {RELEASES}/{self.record_name} stands unchanged"
            )


def check_and_write(source: Path, staging: Path, commit: str, today: dt.date | None,
                    then_check=None, recorded: Recorded | None = None) -> dict:
    """Stage the files to publish from ``source``, run every validator on them (refusing if any
    rejects them) and ``then_check`` (the version gate), and write the release into ``staging``.
    The gate runs as soon as the project's own validator accepts the files (it compares valid
    data), before the stock validators, which take longer: a wrong version is refused at once.
    ``recorded``: the record of the release being rebuilt; the staged CSV zip must match it before
    anything is built (refused at once otherwise)."""
    from .gate import refusal, validate_all

    package = load_package(source)
    staged_root = stage_package(source, staging, package.name, package.version)
    try:
        if recorded is not None:
            csv_zip = staging / file_name(package.version, "csv")
            recorded.check(csv_zip.name, sha256(csv_zip))
        staged = load_package(staged_root)
        start = time.perf_counter()
        built = build(staged_root, staging / file_name(package.version, "duckdb"), today=today, commit=commit)
        seconds = time.perf_counter() - start
        if then_check and built.report.valid:
            then_check()
        results = validate_all(staged_root, today, built.report, seconds)
        refused = refusal(results)
        if refused:
            raise ReleaseRefused(f"validation failed: {refused}")
        return write_release(staged, staging, commit, built.tables, results, source)
    finally:
        shutil.rmtree(staged_root.parent, ignore_errors=True)


def reproduce(root: Path, version: str, record: Path, staging: Path, today: dt.date | None) -> dict:
    """Rebuild a recorded release from the files of its commit, and refuse unless every file that
    is promised to be byte-reproducible (the CSV zip and the Parquet files) matches the record."""
    recorded = Recorded.read(record, version)
    with tempfile.TemporaryDirectory(prefix="xj-recorded-") as tmp:
        export_commit(root, recorded.commit, Path(tmp), RELEASED_PATHS)
        manifest = check_and_write(Path(tmp), staging, recorded.commit, today, recorded=recorded)
    for entry in manifest["files"]:
        if not entry["name"].endswith(NOT_REPRODUCIBLE):
            recorded.check(entry["name"], entry["sha256"])
    return manifest


def release(root: str | Path | None = None, dist: str | Path | None = None, tag: str | None = None,
            today: dt.date | None = None) -> Release:
    """Check, then write ``dist/<version>/`` and ``releases/<version>.json``. Raises ``ReleaseRefused``.

    A version that is already recorded is rebuilt from the files of its recorded commit and must
    reproduce the recorded CSV zip and Parquet files byte for byte; its record is never rewritten."""
    try:
        package = load_package(root)
    except PackageError as e:
        raise ReleaseRefused(str(e)) from None
    root = package.root
    version = parse_version(package.version)
    if version is None:
        raise ReleaseRefused(f"version {package.version!r} in datapackage.json is not MAJOR.MINOR.PATCH")
    if tag is not None and tag.removeprefix("v") != package.version:
        raise ReleaseRefused(f"tag {tag} does not match version {package.version} in datapackage.json")
    check_changelog(root, package.version)
    check_citation(root)
    commit = check_git(root)
    history = released_versions(root)
    previous = previous_release(root, version, history)
    record = root / RELEASES / f"{package.version}.json"
    rebuild = record.is_file()
    dist = Path(dist) if dist else root / "dist"
    final = dist / package.version
    staging = dist / f".{package.version}.{os.getpid()}.tmp"
    _remove_stale_staging(dist)
    shutil.rmtree(staging, ignore_errors=True)
    try:
        with stop_on_signals():  # SIGTERM and SIGHUP unwind too, removing the staging folder
            staging.mkdir(parents=True)
            if rebuild:
                manifest = reproduce(root, package.version, record, staging, today)
            else:
                manifest = check_and_write(root, staging, commit, today,
                                           (lambda: check_bump(root, previous, version)) if previous else None)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if final.exists():
        shutil.rmtree(final)
    os.replace(staging, final)
    if not rebuild:
        record.parent.mkdir(exist_ok=True)
        shutil.copyfile(final / MANIFEST, record)
    return Release(package.version, final, record, manifest, show(previous[0]) if previous else None, rebuild)


def _remove_stale_staging(dist: Path) -> None:
    """Remove the staging folders of releases whose process no longer runs (killed with SIGKILL)."""
    from .build import _alive

    if not dist.is_dir():
        return
    for p in dist.iterdir():
        m = re.fullmatch(r"\.[0-9A-Za-z.+-]+\.(\d+)\.tmp", p.name)
        if m and int(m[1]) != os.getpid() and not _alive(int(m[1])) and p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)


def check_citation(root: Path) -> None:
    from .citation import mismatches

    problems = mismatches(root)
    if problems:
        raise ReleaseRefused(f"{problems[0]}: run xinjiang-pairing citation, then commit")
