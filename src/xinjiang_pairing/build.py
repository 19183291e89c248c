"""Build the DuckDB file: ``validate`` into a new file, then finish it, atomically.

The engine loads every CSV once into a table of a temporary file and runs every check there (the
same code as ``validate``, so a failed build reports exactly what ``validate`` reports). Only a
package that passes them all gets its constraints, comments, views, metadata and Table Schemas,
and replaces the output file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import DB_FILE, __version__, engine, schema_sql
from .gitrepo import head_commit
from .package import Package, PackageError, Resource, load_package
from .report import Report, package_problem
from .signals import stop_on_signals
from .sql import ident, lit
from .views import VIEWS

# Written so that DuckDB 1.5.x (the newest CLI on PyPI) and 2.x can both open the file.
STORAGE_VERSION = "v1.5.0"
# Small blocks keep a small package's file small (the default 256 KiB blocks made the real dataset's
# file ten times larger); larger packages keep the default, which loads faster (a 22 MB table in
# 0.45 s instead of 0.65 s).
SMALL_BLOCK_SIZE, DEFAULT_BLOCK_SIZE, SMALL_PACKAGE_BYTES = 16384, 262144, 16 * 1024 * 1024
# DuckDB enforces a declared foreign key (and a CHECK or UNIQUE constraint) only on a table created
# with it, filling a foreign key's index row by row during the insert (a second or two per key per
# million rows, and the file grows with every index). Tables with more rows than this keep the rows
# where the load put them: their primary key and NOT NULL columns are declared, their foreign keys
# are listed in _foreign_keys and their other constraints are in _schemas, all checked.
FOREIGN_KEY_MAX_ROWS = 100_000


class OutputError(Exception):
    """The output cannot be written where asked: a one-line refusal, nothing written."""


def check_output(path: Path) -> None:
    """Refuse an output that is not a regular file (a device, a folder, a link, a pipe) or whose
    folder cannot be written: only regular files are ever written or replaced."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise OutputError(f"{path}: {e.strerror or e}") from None
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise OutputError(f"{path} is a symbolic link: give the path of a regular file")
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{path} is a folder: give the path of a file")
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(f"{path} is not a regular file (a device, a pipe or a socket): refused")
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise OutputError(f"{parent} is not a folder")
    if parent.is_dir() and not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"the folder {parent} cannot be written")


def temporary_path(path: Path) -> Path:
    """The temporary file beside ``path`` that this process writes and then renames."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def remove_stale(path: Path) -> list[Path]:
    """Remove the temporary files beside ``path`` left by runs that no longer run (a process
    killed with SIGKILL, a machine that lost power). Returns those removed."""
    removed = []
    pattern = re.compile(re.escape(f".{path.name}.") + r"(\d+)\.tmp(\.wal)?")
    try:
        candidates = list(path.parent.iterdir())
    except OSError:
        return removed
    for p in candidates:
        m = pattern.fullmatch(p.name)
        if not m or int(m[1]) == os.getpid() or _alive(int(m[1])):
            continue
        try:
            if p.is_file() and not p.is_symlink():
                p.unlink()
                removed.append(p)
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def block_size(csv_bytes: int) -> int:
    return SMALL_BLOCK_SIZE if csv_bytes < SMALL_PACKAGE_BYTES else DEFAULT_BLOCK_SIZE


@dataclass
class BuildResult:
    report: Report
    path: Path | None = None
    tables: dict[str, int] | None = None


def _insert(con, res: Resource) -> None:
    """Insert the loaded rows into the table with all its constraints; rows that reference rows
    of the same table go in after their targets."""
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
        if now == done:  # cannot happen after the checks (no cycles); never loop forever
            raise RuntimeError(f"{res.name}: rows reference each other in a cycle")
        done = now


def _finish_tables(con, package: Package, counts: dict[str, int], max_rows: int | None) -> dict[str, bool]:
    """Give every table its final name and constraints; foreign keys are declared on tables of at
    most ``max_rows`` rows (None: on every table). Returns, per table, whether they are."""
    def declares(res: Resource) -> bool:
        return max_rows is None or counts[res.name] <= max_rows

    small = [r for r in package.load_order() if declares(r)]
    large = [r for r in package.load_order() if not declares(r)]
    # Large tables first (small ones may reference them): the rows stay where they are and each
    # primary key index is built in bulk, one per thread.
    for res in large:
        table = f"out.{ident(engine.loaded_table(res))}"
        con.execute(f"ALTER TABLE {table} DROP COLUMN {engine.BAD}")
        con.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {engine.ROW}")
        con.execute(f"ALTER TABLE {table} RENAME TO {ident(res.name)}")
        for f in res.fields:
            if f.not_null and not f.in_key:
                con.execute(f"ALTER TABLE out.{ident(res.name)} ALTER COLUMN {ident(f.name)} SET NOT NULL")
    keys = [f"ALTER TABLE out.{ident(r.name)} ADD {schema_sql.primary_key_clause(r)}" for r in large if r.primary_key]
    if keys:
        cursors = [con.cursor() for _ in keys]
        try:
            with ThreadPoolExecutor(max_workers=min(len(keys), os.cpu_count() or 2)) as pool:
                for future in [pool.submit(c.execute, sql) for c, sql in zip(cursors, keys, strict=True)]:
                    future.result()
        finally:
            for c in cursors:
                c.close()
    # The rest, and the metadata after it, in one transaction that ``write_database`` commits: one
    # write of the catalogue instead of one for each of some three hundred statements.
    con.execute("BEGIN TRANSACTION")
    for res in small:  # recreated with every constraint, in dependency order
        con.execute(schema_sql.create_table_sql(res, schema="out"))
        _insert(con, res)
        con.execute(f"DROP TABLE out.{ident(engine.loaded_table(res))}")
    for res in package.resources:
        for stmt in schema_sql.comment_sql(res, schema="out"):
            con.execute(stmt)
    return {r.name: r in small or not r.foreign_keys for r in package.resources}


def _write_metadata(con, package: Package, counts: dict[str, int], declared: dict[str, bool],
                    commit: str, blocks: int) -> None:
    names = {r.name for r in package.resources}
    for view in VIEWS:
        if set(view.needs) <= names:
            for stmt in view.statements():  # CREATE VIEW, its comment and its columns' comments
                con.execute(stmt)
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
    con.executemany(
        "INSERT INTO _tables VALUES (?, ?, ?, ?)",
        [[r.name, counts[r.name], r.title, r.description] for r in package.resources],
    )
    con.execute("COMMENT ON TABLE _tables IS 'Tables of the dataset with row counts and descriptions.'")
    con.execute(
        "CREATE TABLE _foreign_keys (table_name VARCHAR NOT NULL, column_names VARCHAR[] NOT NULL, "
        "referenced_table VARCHAR NOT NULL, referenced_columns VARCHAR[] NOT NULL, declared BOOLEAN NOT NULL)"
    )
    rows = [
        [r.name, list(fk.fields), fk.resource, list(fk.ref_fields), declared[r.name]]
        for r in package.resources
        for fk in r.foreign_keys
    ]
    if rows:
        con.executemany("INSERT INTO _foreign_keys VALUES (?, ?, ?, ?, ?)", rows)
    con.execute(
        "COMMENT ON TABLE _foreign_keys IS 'Every foreign key of the Table Schemas, all checked before the "
        "file was written; declared = false: not a DuckDB constraint (a large table, see the README).'"
    )
    con.execute("CREATE TABLE _schemas (table_name VARCHAR PRIMARY KEY, table_schema JSON NOT NULL)")
    con.executemany("INSERT INTO _schemas VALUES (?, ?)",
                    [[r.name, json.dumps(r.schema, ensure_ascii=False)] for r in package.resources])
    con.execute("COMMENT ON TABLE _schemas IS 'The Table Schema of every table, as published with the data: "
                "types, constraints (all checked before the file was written), keys and descriptions.'")
    con.execute("CREATE TABLE _package AS SELECT CAST(? AS JSON) AS descriptor",
                [json.dumps(package.descriptor, ensure_ascii=False)])
    con.execute("COMMENT ON TABLE _package IS 'The data package descriptor (datapackage.json) of this file.'")


def write_database(package: Package, path: Path, commit: str = "", today: dt.date | None = None,
                   all_foreign_keys: bool = False) -> Report:
    """Check ``package`` into the new file ``path`` and, when every data check passes, finish it.
    Returns the engine's report (its ``rows_checked`` are the table's row counts). When a check
    fails, or on any error, no file is left behind. Foreign keys are declared on tables of at most
    ``FOREIGN_KEY_MAX_ROWS`` rows, or on every table with ``all_foreign_keys``."""
    path.unlink(missing_ok=True)
    csv_bytes = sum(r.path.stat().st_size for r in package.resources if r.path.is_file())
    blocks = block_size(csv_bytes)
    con = engine.connect(threads=engine.threads(package))
    try:
        con.execute(f"ATTACH {lit(str(path))} AS out (STORAGE_VERSION {lit(STORAGE_VERSION)}, BLOCK_SIZE {blocks})")
        report = engine.check(con, package, "out", today)
        if report.valid:
            counts = dict(report.rows_checked)
            declared = _finish_tables(con, package, counts, None if all_foreign_keys else FOREIGN_KEY_MAX_ROWS)
            con.execute("USE out")
            _write_metadata(con, package, counts, declared, commit, blocks)
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
            con.execute("USE memory")
        con.execute("DETACH out")
    except BaseException:
        con.close()
        _remove(path)
        raise
    con.close()
    if not report.valid:
        _remove(path)
    return report


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)


def build(root: str | Path | None = None, out: str | Path | None = None, today: dt.date | None = None,
          commit: str | None = None, all_foreign_keys: bool = False) -> BuildResult:
    """Check everything, then write the DuckDB file (default ``dist/xinjiang-pairing-assistance.duckdb``).

    The outcomes:

    - the descriptor cannot be read: the report holds that one problem; nothing is written;
    - a check fails (the descriptor, a file's structure, a cell, a key, a foreign key, a rule): the
      report lists every problem, the same as ``validate``'s; the new file is deleted and the output
      file, if any, is left as it was;
    - every check passes: the finished file replaces the output file atomically; the result holds
      its path and the row count of every table.

    An output that is not a regular file, or that cannot be written, raises ``OutputError`` before
    anything is read. An interruption (SIGINT, SIGTERM, SIGHUP) or an error deletes the new file;
    temporary files left by a killed run are removed by the next build. ``all_foreign_keys``: declare foreign keys
    on large tables too (see ``FOREIGN_KEY_MAX_ROWS``).
    """
    try:
        package = load_package(root)
    except PackageError as e:
        return BuildResult(Report(e.problems or [package_problem(str(e))]))
    path = Path(out) if out else package.root / "dist" / DB_FILE
    check_output(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"the folder {path.parent} cannot be made: {e.strerror or e}") from None
    remove_stale(path)
    descriptor_check = engine.DescriptorCheck(package)  # beside the load
    tmp = temporary_path(path)
    with stop_on_signals():
        try:
            report = write_database(package, tmp, head_commit(package.root) if commit is None else commit, today,
                                    all_foreign_keys)
            report.extend(descriptor_check.result())
            if report.valid:
                check_output(path)  # again: the target may have changed during the build
                os.replace(tmp, path)
        except OSError as e:
            _remove(tmp)
            raise OutputError(f"{path} was not written: {e.strerror or e}") from None
        except BaseException:
            _remove(tmp)
            raise
    if not report.valid:
        _remove(tmp)
        return BuildResult(report)
    return BuildResult(report, path, dict(report.rows_checked))
