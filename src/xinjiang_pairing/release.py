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
import subprocess
import tarfile
import tempfile
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
    write_checksums,
    write_csv_zip,
    write_json,
    write_parquet,
)
from .build import STORAGE_VERSION, build, write_database
from .package import Package, PackageError, load_package
from .schema_sql import lit

RELEASES = "releases"
PACKAGE_PATHS = ("datapackage.json", "schemas", "data")  # the package, as the semver gate compares it
RELEASED_PATHS = tuple(dict.fromkeys(PACKAGE_PATHS + ZIP_FILES + ZIP_FOLDERS))  # must be committed
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


def git(root: Path, *args: str, binary: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=not binary, timeout=60)


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
            try:
                found[version] = json.loads(path.read_text(encoding="utf-8")).get("git_commit", "")
            except (json.JSONDecodeError, AttributeError):
                raise ReleaseRefused(f"{RELEASES}/{path.name} is not a release record (JSON object)") from None
    return found


def check_git(root: Path) -> str:
    """The commit being released; refuses outside git or with uncommitted changes to the files a
    release contains (data/, schemas/, datapackage.json, README.md, licenses, citation, changelog)."""
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


def export_commit(root: Path, commit: str, folder: Path) -> None:
    """Write the package files of ``commit`` into ``folder``."""
    out = git(root, "archive", "--format=tar", commit, "--", *PACKAGE_PATHS, binary=True)
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


def write_release(package: Package, folder: Path, commit: str, tables: dict[str, int] | None = None) -> dict:
    """Write every release file of ``package`` into ``folder``. The DuckDB file is built there
    unless it already is (``tables``: its row counts)."""
    import duckdb

    version = package.version
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / file_name(version, "duckdb")
    if tables is None:
        tables = write_database(package, db, commit)
    write_csv_zip(package.root, folder / file_name(version, "csv"), f"{package.name}-{version}")
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {lit(str(db))} AS released (READ_ONLY)")
        write_parquet(con, "released", {r.name: r.primary_key for r in package.resources}, folder, version)
    finally:
        con.close()
    from .site import write_release_site  # the data explorer, in site/, offering the files above

    site = write_release_site(package.root, folder, file_entries([p for p in folder.iterdir() if p.is_file()]), db)
    created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest = build_manifest(package, commit, tables, folder, created)
    manifest["site"] = site
    write_json(folder / MANIFEST, manifest)
    write_checksums(folder, [p.name for p in folder.iterdir() if p.is_file()])
    return manifest


def release(root: str | Path | None = None, dist: str | Path | None = None, tag: str | None = None,
            today: dt.date | None = None) -> Release:
    """Check, then write ``dist/<version>/`` and ``releases/<version>.json``. Raises ``ReleaseRefused``."""
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
    commit = check_git(root)
    history = released_versions(root)
    previous = previous_release(root, version, history)
    dist = Path(dist) if dist else root / "dist"
    final = dist / package.version
    staging = dist / f".{package.version}.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(parents=True)
        built = build(root, staging / file_name(package.version, "duckdb"), today=today, commit=commit)
        if not built.report.valid:
            problems = built.report.sorted()
            raise ReleaseRefused(
                f"validation failed with {len(problems)} problem(s), the first: {problems[0].describe()}"
            )
        if previous:
            check_bump(root, previous, version)
        manifest = write_release(package, staging, commit, built.tables)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if final.exists():
        shutil.rmtree(final)
    os.replace(staging, final)
    record = root / RELEASES / f"{package.version}.json"
    record.parent.mkdir(exist_ok=True)
    shutil.copyfile(final / MANIFEST, record)
    return Release(package.version, final, record, manifest, show(previous[0]) if previous else None,
                   version in history)
