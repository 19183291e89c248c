"""Build the DuckDB file from a validated package, atomically."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import __version__, schema_sql
from .package import Package, Resource
from .report import Report
from .schema_sql import ident, lit
from .validate import validate_package
from .views import VIEWS

DB_NAME = "xinjiang-pairing-assistance.duckdb"
# Written so that DuckDB 1.5.x (the newest CLI on PyPI) and 2.x can both open the file.
STORAGE_VERSION = "v1.5.0"
# Small blocks keep a small package's file small (the default 256 KiB blocks made the real dataset's
# file ten times larger); large packages keep the default, which loads faster.
SMALL_BLOCK_SIZE, DEFAULT_BLOCK_SIZE, SMALL_PACKAGE_ROWS = 16384, 262144, 500_000


def block_size(rows: int) -> int:
    return SMALL_BLOCK_SIZE if rows < SMALL_PACKAGE_ROWS else DEFAULT_BLOCK_SIZE


@dataclass
class BuildResult:
    report: Report
    path: Path | None = None
    tables: dict[str, int] | None = None


def git_commit(root: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip() if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def _insert(con, res: Resource) -> None:
    """Insert typed rows; rows that reference rows of the same table go in after their targets."""
    target = f"out.{ident(res.name)}"
    cols = ", ".join(ident(f.name) for f in res.fields)
    src = schema_sql.typed_view(res)
    selfs = [fk for fk in res.foreign_keys if fk.is_self]
    if not selfs or len(res.primary_key) != 1:
        con.execute(f"INSERT INTO {target} SELECT {cols} FROM {src} ORDER BY _row")
        return
    pk = ident(res.primary_key[0])
    ready = " AND ".join(
        f"(s.{c} IS NULL OR s.{c} IN (SELECT {ident(fk.ref_fields[0])} FROM {target}))"
        for fk in selfs
        for c in [ident(fk.fields[0])]
    )
    total = con.execute(f"SELECT count(*) FROM {src}").fetchone()[0]
    done = 0
    while done < total:
        con.execute(
            f"INSERT INTO {target} SELECT {', '.join('s.' + ident(f.name) for f in res.fields)} FROM {src} s "
            f"WHERE s.{pk} NOT IN (SELECT {pk} FROM {target}) AND {ready} ORDER BY s._row"
        )
        now = con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
        if now == done:  # cannot happen after validation (no cycles); never loop forever
            raise RuntimeError(f"{res.name}: rows reference each other in a cycle")
        done = now


def waves(package: Package) -> list[list[Resource]]:
    """Groups of resources that can be loaded at the same time: each group references only
    resources of earlier groups (and itself)."""
    done: set[str] = set()
    pending = list(package.load_order())
    out = []
    while pending:
        wave = [r for r in pending if {fk.resource for fk in r.foreign_keys if not fk.is_self} <= done]
        wave = wave or pending[:1]
        out.append(wave)
        done |= {r.name for r in wave}
        pending = [r for r in pending if r.name not in done]
    return out


def _insert_all(con, package: Package) -> None:
    """Load every table; tables of one wave load in parallel (foreign-key checks dominate the
    cost of loading, and each insert checks on one thread)."""
    from concurrent.futures import ThreadPoolExecutor

    for wave in waves(package):
        if len(wave) == 1:
            _insert(con, wave[0])
            continue
        with ThreadPoolExecutor(max_workers=min(len(wave), os.cpu_count() or 2)) as pool:
            cursors = [con.cursor() for _ in wave]
            for future in [pool.submit(_insert, c, r) for c, r in zip(cursors, wave, strict=True)]:
                future.result()
            for c in cursors:
                c.close()


def write_database(con, package: Package, path: Path, commit: str = "") -> dict[str, int]:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    rows = sum(
        con.execute(f"SELECT count(*) FROM {schema_sql.stage_table(r)}").fetchone()[0] for r in package.resources
    )
    blocks = block_size(rows)
    con.execute(f"ATTACH {lit(str(tmp))} AS out (STORAGE_VERSION {lit(STORAGE_VERSION)}, BLOCK_SIZE {blocks})")
    counts: dict[str, int] = {}
    try:
        for res in package.load_order():
            con.execute(schema_sql.create_table_sql(res, schema="out"))
            for stmt in schema_sql.comment_sql(res, schema="out"):
                con.execute(stmt)
        _insert_all(con, package)
        for res in package.resources:
            counts[res.name] = con.execute(f"SELECT count(*) FROM out.{ident(res.name)}").fetchone()[0]
        con.execute("USE out")
        names = {r.name for r in package.resources}
        for view in VIEWS:
            if set(view.needs) <= names:
                con.execute(f"CREATE VIEW {ident(view.name)} AS {view.sql}")
                con.execute(f"COMMENT ON VIEW {ident(view.name)} IS {lit(view.description)}")
        duckdb_version = con.execute("SELECT version()").fetchone()[0]
        con.execute(
            "CREATE TABLE _release AS SELECT "
            f"{lit(package.name)} AS package_name, {lit(package.version)} AS version, "
            f"CAST({lit(dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M:%S'))} AS TIMESTAMP) AS built_at_utc, "
            f"{lit(commit)} AS git_commit, {lit(duckdb_version)} AS duckdb_version, "
            f"{lit(STORAGE_VERSION)} AS storage_version, {blocks} AS block_size, {lit(__version__)} AS tool_version"
        )
        con.execute("COMMENT ON TABLE _release IS 'Which release this file is and how it was built.'")
        con.execute(
            "CREATE TABLE _tables "
            "(table_name VARCHAR PRIMARY KEY, row_count BIGINT, title VARCHAR, description VARCHAR)"
        )
        for res in package.resources:
            con.execute(
                "INSERT INTO _tables VALUES (?, ?, ?, ?)",
                [res.name, counts[res.name], res.title, res.description],
            )
        con.execute("COMMENT ON TABLE _tables IS 'Tables of the dataset with row counts and descriptions.'")
        con.execute("CHECKPOINT")
        con.execute("USE memory")
        con.execute("DETACH out")
    except BaseException:
        try:
            con.execute("USE memory")
            con.execute("DETACH out")
        except Exception:
            pass
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    return counts


def build(root: str | Path | None = None, out: str | Path | None = None, today: dt.date | None = None) -> BuildResult:
    """Validate, then write the DuckDB file. On any problem nothing is written or replaced."""
    report, con = validate_package(root, today=today)
    if not report.valid or con is None:
        return BuildResult(report)
    package: Package = report.package  # type: ignore[attr-defined]
    path = Path(out) if out else package.root / "dist" / DB_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    counts = write_database(con, package, path, git_commit(package.root))
    con.close()
    return BuildResult(report, path, counts)
