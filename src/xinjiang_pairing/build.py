"""Build the DuckDB file from a package, checking everything on the way, atomically.

A build reads each CSV once: every row is checked (the same cell checks as ``validate``) and
converted on the way into a table of a temporary file, and the first failing row stops the load.
The checks that look across rows and tables (keys, foreign keys, domain rules) then run on the
loaded tables, and only a package that passes them all gets its constraints, views and metadata
and replaces the output file. On any failure the temporary file is deleted and the full validator
runs, so the report lists every problem, exactly as ``validate`` would.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import __version__, rules, schema_sql
from .package import Package, PackageError, Resource, load_package
from .report import Problem, Report
from .schema_sql import ident, lit
from .views import VIEWS

DB_NAME = "xinjiang-pairing-assistance.duckdb"
# Written so that DuckDB 1.5.x (the newest CLI on PyPI) and 2.x can both open the file.
STORAGE_VERSION = "v1.5.0"
# Small blocks keep a small package's file small (the default 256 KiB blocks made the real dataset's
# file ten times larger); large packages keep the default, which loads faster.
SMALL_BLOCK_SIZE, DEFAULT_BLOCK_SIZE, SMALL_PACKAGE_BYTES = 16384, 262144, 64 * 1024 * 1024
# DuckDB enforces a declared foreign key with an index that it fills row by row during the insert
# (a second or two per key per million rows, and the file grows with every index), and it cannot
# add a foreign key to a table that holds rows. Tables with more rows than this keep their foreign
# keys as checked facts, listed in _foreign_keys, instead of declared constraints.
FOREIGN_KEY_MAX_ROWS = 100_000


def block_size(csv_bytes: int) -> int:
    return SMALL_BLOCK_SIZE if csv_bytes < SMALL_PACKAGE_BYTES else DEFAULT_BLOCK_SIZE


@dataclass
class BuildResult:
    report: Report
    path: Path | None = None
    tables: dict[str, int] | None = None


class NotClean(Exception):
    """The one-pass load or a check after it failed: the full validator will say why."""


def git_commit(root: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip() if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def load_table(resource: Resource) -> str:
    return f"_load_{resource.name}"


def _load(con, res: Resource) -> None:
    """Read, check and convert one CSV in one pass into ``out._load_<name>``. The filter is the
    cell checks of ``validate``; a row that fails any of them stops the load."""
    con.execute(schema_sql.create_table_sql(res, schema="out", with_fks=False, with_pk=False, name=load_table(res)))
    cols = ", ".join(schema_sql.cast_expr(f) for f in res.fields)
    con.execute(
        f"INSERT INTO out.{ident(load_table(res))} SELECT {cols} FROM {schema_sql.read_csv_sql(res, rejects=False)} "
        f"WHERE CASE WHEN {schema_sql.cell_failure_filter(res)} THEN error('a cell fails a check') ELSE TRUE END"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {schema_sql.typed_view(res)} AS "
        f"SELECT rowid + 2 AS _row, * FROM out.{ident(load_table(res))}"
    )


def _cross_checks(con, package: Package, today: dt.date) -> list[Problem]:
    """The checks across rows and tables, over the loaded tables: the same SQL as ``validate``,
    except for repeated keys, which DuckDB refuses by itself (UNIQUE columns during the load,
    primary keys when they are added), a failure all the same."""
    from .validate import query_problems

    names = {r.name for r in package.resources}
    problems = []
    for res in package.resources:
        problems += query_problems(con, res, schema_sql.foreign_key_sql(res, package, names))
    return problems + rules.run_rules(con, package, names, today, cells_passed=True)


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
            raise NotClean(f"{res.name}: rows reference each other in a cycle")
        done = now


def _finish_tables(con, package: Package, counts: dict[str, int], max_rows: int | None) -> dict[str, bool]:
    """Give every table its final name and constraints; foreign keys are declared on tables of at
    most ``max_rows`` rows (None: on every table). Returns, per table, whether they are."""
    from concurrent.futures import ThreadPoolExecutor

    def declares(res: Resource) -> bool:
        return max_rows is None or counts[res.name] <= max_rows

    small = [r for r in package.load_order() if declares(r)]
    large = [r for r in package.load_order() if not declares(r)]
    # Large tables first (small ones may reference them): the rows stay where they are and each
    # primary key index is built in bulk, one per thread.
    for res in large:
        con.execute(f"ALTER TABLE out.{ident(load_table(res))} RENAME TO {ident(res.name)}")
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
    for res in small:  # recreated with every constraint, in dependency order
        con.execute(schema_sql.create_table_sql(res, schema="out"))
        _insert(con, res)
        con.execute(f"DROP TABLE out.{ident(load_table(res))}")
    for res in package.resources:
        for stmt in schema_sql.comment_sql(res, schema="out"):
            con.execute(stmt)
    return {r.name: r in small or not r.foreign_keys for r in package.resources}


def _write_metadata(con, package: Package, counts: dict[str, int], declared: dict[str, bool],
                    commit: str, blocks: int) -> None:
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


def write_database(package: Package, path: Path, commit: str = "", today: dt.date | None = None,
                   all_foreign_keys: bool = False) -> dict[str, int]:
    """Load, check and write ``package`` to the new file ``path``. Raises ``NotClean`` when a check
    fails; on any failure no file is left behind. Foreign keys are declared on tables of at most
    ``FOREIGN_KEY_MAX_ROWS`` rows, or on every table with ``all_foreign_keys``."""
    import duckdb

    from .validate import connect_engine

    path.unlink(missing_ok=True)
    blocks = block_size(sum(r.path.stat().st_size for r in package.resources))
    con = connect_engine()
    try:
        con.execute(f"ATTACH {lit(str(path))} AS out (STORAGE_VERSION {lit(STORAGE_VERSION)}, BLOCK_SIZE {blocks})")
        try:
            for res in package.load_order():
                _load(con, res)
            if _cross_checks(con, package, today or dt.date.today()):
                raise NotClean("a check across rows or tables fails")
            counts = {
                r.name: con.execute(f"SELECT count(*) FROM out.{ident(load_table(r))}").fetchone()[0]
                for r in package.resources
            }
            declared = _finish_tables(con, package, counts, None if all_foreign_keys else FOREIGN_KEY_MAX_ROWS)
        except (duckdb.InvalidInputException, duckdb.ConversionException, duckdb.ConstraintException) as e:
            raise NotClean(str(e).splitlines()[0]) from None
        con.execute("USE out")
        _write_metadata(con, package, counts, declared, commit, blocks)
        con.execute("CHECKPOINT")
        con.execute("USE memory")
        con.execute("DETACH out")
    except BaseException:
        try:
            con.close()
        finally:
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".wal").unlink(missing_ok=True)
        raise
    con.close()
    return counts


def build(root: str | Path | None = None, out: str | Path | None = None, today: dt.date | None = None,
          commit: str | None = None, all_foreign_keys: bool = False) -> BuildResult:
    """Check everything, then write the DuckDB file. On any problem nothing is written or replaced,
    and the report lists every problem. ``all_foreign_keys``: declare foreign keys on large tables
    too (see ``FOREIGN_KEY_MAX_ROWS``)."""
    from .descriptor import start_check
    from .validate import check_header, validate_package

    report = Report()
    try:
        package = load_package(root)
    except PackageError as e:
        report.add(Problem("datapackage.json", 0, "", "package-error", str(e)))
        return BuildResult(report)
    descriptor_check = start_check(package)  # in another process, beside the load
    path = Path(out) if out else package.root / "dist" / DB_NAME
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    counts = None
    try:
        if not any(check_header(r) for r in package.resources):
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                counts = write_database(package, tmp, git_commit(package.root) if commit is None else commit, today,
                                        all_foreign_keys)
            except NotClean:
                counts = None
        descriptor = descriptor_check.result()
    except BaseException:
        tmp.unlink(missing_ok=True)
        descriptor_check.cancel()
        raise
    if counts is not None and not descriptor:
        os.replace(tmp, path)
        report.rows_checked = dict(counts)
        return BuildResult(report, path, counts)
    tmp.unlink(missing_ok=True)
    if counts is not None:  # the data passed, the descriptor did not
        report.extend(descriptor)
        report.rows_checked = dict(counts)
        return BuildResult(report)
    full, con = validate_package(package.root, today=today, descriptor=False)
    if con is not None:
        con.close()
    full.extend(descriptor)
    if full.valid:  # the one-pass load and the validator disagree: never publish on a doubt
        full.add(Problem("", 0, "", "build-error", "the load stopped although every check passes; please report this"))
    return BuildResult(full)
