"""Validate a data package: descriptor, structure, Table Schema constraints, keys and domain rules.

The data checks run as set-based DuckDB SQL over the CSVs staged as text, so every failing cell
is reported (not only the first) at close to the speed of loading the files.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import os
import tempfile
from pathlib import Path

from . import rules, schema_sql
from .descriptor import start_check
from .package import PackageError, Resource, load_package
from .report import Problem, Report

REJECT_RULES = {
    "MISSING COLUMNS": ("missing-cell", "the row has too few cells"),
    "TOO MANY COLUMNS": ("extra-cell", "the row has too many cells"),
    "INVALID ENCODING": ("encoding-error", "the line is not valid UTF-8"),
    "INVALID UNICODE": ("encoding-error", "the line is not valid UTF-8"),
    "UNQUOTED VALUE": ("source-error", "a quoted value is not closed or is followed by other characters"),
    "LINE SIZE OVER MAXIMUM": ("source-error", "the line is too long"),
}


def check_header(resource: Resource) -> list[Problem]:
    """File-level checks done before DuckDB reads the file: present, not empty, header row."""
    rel = resource.rel_path
    path: Path = resource.path
    if not path.exists():
        return [Problem(rel, 0, "", "scheme-error", "the file does not exist")]
    with path.open("rb") as fh:
        head = fh.read(65536)
    if not head.strip():
        return [Problem(rel, 0, "", "empty-file", "the file is empty: it needs at least a header row")]
    first = head.split(b"\n", 1)[0]
    try:
        line = codecs.decode(first, "utf-8-sig")
    except UnicodeDecodeError as e:
        return [Problem(rel, 1, "", "encoding-error", f"the header row is not valid UTF-8 (byte {e.start + 1})")]
    names = next(csv.reader([line.rstrip("\r")]))
    expected = resource.field_names
    if names == expected:
        return []
    problems = []
    missing = [n for n in expected if n not in names]
    extra = [n for n in names if n not in expected]
    for n in missing:
        problems.append(Problem(rel, 1, n, "header-error", f'the column "{n}" is missing from the header'))
    for n in extra:
        problems.append(
            Problem(rel, 1, n, "header-error", f'the header has a column "{n}" that the schema does not define')
        )
    if not missing and not extra:
        problems.append(
            Problem(rel, 1, "", "header-error",
                    "the columns are not in schema order; expected: " + ", ".join(expected))
        )
    return problems


def stage(con, resource: Resource) -> list[Problem]:
    """Load the CSV as text into a staging table; report every malformed line."""
    rel = resource.rel_path
    table = schema_sql.stage_table(resource)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {schema_sql.read_csv_sql(resource)}")
    except Exception as e:  # a file DuckDB cannot read at all
        return [Problem(rel, 0, "", "source-error", str(e).splitlines()[0])]
    rows = con.execute(
        f"SELECT line, error_type, csv_line FROM rejects_{resource.name} ORDER BY line"
    ).fetchall()
    problems = []
    for line, etype, csv_line in rows:
        rule, words = REJECT_RULES.get(etype, ("source-error", etype.lower()))
        expected = len(resource.fields)
        if rule in ("missing-cell", "extra-cell") and csv_line is not None:
            found = len(next(csv.reader([csv_line]), []))
            words = f"the row has {found} cells, the header has {expected}"
        problems.append(Problem(rel, int(line), "", rule, words))
    return problems


def check_cells(con, resource: Resource) -> list[Problem]:
    """Every failing cell. A first pass finds the rows with any failure in one scan; the detailed
    checks then run on those rows only, so a clean table costs one pass."""
    stage_name = schema_sql.stage_table(resource)
    bad = f"bad_{resource.name}"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {bad} AS SELECT rowid AS _rid, * FROM {stage_name} "
        f"WHERE {schema_sql.cell_failure_filter(resource)}"
    )
    problems = []
    if con.execute(f"SELECT count(*) FROM {bad}").fetchone()[0]:
        problems += query_problems(con, resource, schema_sql.cell_check_sql(resource, bad, "_rid"))
    con.execute(f"DROP TABLE {bad}")
    return problems + query_problems(con, resource, schema_sql.key_check_sql(resource))


def query_problems(con, resource: Resource, queries: list[str]) -> list[Problem]:
    """Run check queries that return (row, column, rule, value, message) as one query."""
    if not queries:
        return []
    sql = "\nUNION ALL\n".join(queries)
    return [
        Problem(resource.rel_path, int(row), column, rule, message, value)
        for row, column, rule, value, message in con.execute(sql).fetchall()
    ]


MEMORY_LIMIT = os.environ.get("XINJIANG_PAIRING_MEMORY_LIMIT", "700MB")


def connect_engine():
    """An in-memory DuckDB for staging and checks, capped in memory (it spills to a temporary
    folder beyond the cap), so large packages validate within a bounded footprint."""
    import duckdb

    spill = Path(tempfile.gettempdir()) / "xinjiang-pairing-duckdb"
    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(spill)})
    con.execute("SET enable_progress_bar = false")
    return con


def validate_package(
    root: str | Path | None = None,
    *,
    today: dt.date | None = None,
    con=None,
    descriptor: bool = True,
) -> tuple[Report, object]:
    """Run every check. Returns the report and the DuckDB connection holding the staged tables
    (``stage_<name>``, as text) and their typed views (``typed_<name>``)."""
    report = Report()
    try:
        package = load_package(root)
    except PackageError as e:
        report.add(Problem("datapackage.json", 0, "", "package-error", str(e)))
        return report, None
    # The descriptor check (Frictionless: most of a second) runs in another process meanwhile.
    descriptor_check = start_check(package) if descriptor else None
    con = con or connect_engine()
    staged: set[str] = set()
    for res in package.resources:
        header = check_header(res)
        if header:
            report.extend(header)
            continue
        problems = stage(con, res)
        report.extend(problems)
        report.rows_checked[res.name] = con.execute(
            f"SELECT count(*) FROM {schema_sql.stage_table(res)}"
        ).fetchone()[0] + len(problems)
        if problems:  # row numbers of later checks would be off: fix the file first
            continue
        staged.add(res.name)
        con.execute(
            f"CREATE OR REPLACE VIEW {schema_sql.typed_view(res)} AS "
            f"{schema_sql.typed_select(res, schema_sql.stage_table(res))}"
        )
        report.extend(check_cells(con, res))
    for res in package.resources:
        if res.name not in staged:
            continue
        report.extend(query_problems(con, res, schema_sql.foreign_key_sql(res, package, staged)))
    report.extend(rules.run_rules(con, package, staged, today or dt.date.today()))
    if descriptor_check is not None:
        report.extend(descriptor_check.result())
    report.package = package  # type: ignore[attr-defined]
    return report, con
