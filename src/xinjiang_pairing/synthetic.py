"""Synthetic copies of the package at any size, for benchmarks and scale tests.

The small tables (sources, places, parties, ...) are copied from a real package; the large fact
tables (``funding``, ``outcomes``) get ``rows`` generated rows each, written by DuckDB from
``range()`` in seconds. With ``fault_rate`` > 0, that share of generated rows carries one known
fault each (cycling through several kinds), so a validator must report exactly those rows.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .package import load_package
from .sql import lit

# fault kind -> (column, SQL expression replacing the column's value in a faulty row)
FAULTS = {
    "type": ("amount", "'12x'"),
    "enum": ("flow_type", "'gift'"),
    "pattern": ("currency", "'yuan'"),
    "minimum": ("period_start_year", "'1900'"),
    "required": ("scope", "NULL"),
    "foreign-key": ("program_id", "'no-such-program'"),
    "period": ("period_end_year", "'2001'"),
    "formula": ("notes", "'=1+1'"),
}
FAULT_ORDER = list(FAULTS)


def _funding_select(rows: int, fault_every: int) -> str:
    kinds = len(FAULT_ORDER)

    def col(name: str, expr: str) -> str:
        if fault_every <= 0:
            return f"{expr} AS {name}"
        cases = " ".join(
            f"WHEN i % {fault_every} = 0 AND (i // {fault_every}) % {kinds} = {k} THEN {FAULTS[f][1]}"
            for k, f in enumerate(FAULT_ORDER)
            if FAULTS[f][0] == name
        )
        return f"CASE {cases} ELSE {expr} END AS {name}" if cases else f"{expr} AS {name}"

    return f"""
    SELECT 'f-' || i AS funding_id,
           {col('program_id', "'round-2010'")},
           ['beijing', 'zhejiang', 'guangdong', 'jiangsu'][1 + i % 4] AS funder_party_id,
           'xinjiang' AS recipient_place_id,
           {col('flow_type', "'aid_funds'")},
           {col('scope', "'party_total'")},
           {col('amount', "CAST(1000 * (i + 1) AS VARCHAR)")},
           {col('currency', "'CNY'")},
           'exact' AS amount_qualifier,
           CASE WHEN i % 3 = 0 THEN CAST(150 * (i + 1) AS VARCHAR) END AS amount_usd_reported,
           {col('period_start_year', "CAST(2010 + i % 5 AS VARCHAR)")},
           {col('period_end_year', "CAST(2015 + i % 5 AS VARCHAR)")},
           '2021-05-08' AS as_of_date,
           'paragraph ' || (1 + i % 20) AS locator,
           NULL AS same_as, NULL AS conflicts_with,
           'xinhua-2023-09-22-commentary' AS source_id,
           'about ' || (i + 1) || ' thousand yuan' ||
               CASE WHEN i % 3 = 0 THEN ' (' || (150 * (i + 1)) || ' U.S. dollars)' ELSE '' END AS as_reported,
           'stated' AS basis,
           {col('notes', "NULL")}
    FROM range({rows}) t(i)"""


def _outcomes_select(rows: int) -> str:
    return f"""
    SELECT 'o-' || i AS outcome_id, 'round-2010' AS program_id,
           ['beijing', 'zhejiang', 'guangdong', 'jiangsu'][1 + i % 4] AS party_id,
           'xinjiang' AS place_id, 'projects-implemented' AS indicator_id,
           CAST(i % 1000 AS VARCHAR) AS value, 'more_than' AS value_qualifier,
           CAST(2010 + i % 5 AS VARCHAR) AS period_start_year, CAST(2016 + i % 5 AS VARCHAR) AS period_end_year,
           '2021-05-08' AS as_of_date, NULL AS locator, NULL AS same_as, NULL AS conflicts_with,
           'xinhua-2023-09-22-commentary' AS source_id, 'over ' || (i % 1000) || ' projects' AS as_reported,
           'stated' AS basis, NULL AS notes
    FROM range({rows}) t(i)"""


def make_package(dest: str | Path, rows: int, fault_rate: float = 0.0, source: str | Path | None = None,
                 large: tuple[str, ...] = ("funding", "outcomes")) -> Path:
    """Write a package to ``dest`` with ``rows`` generated rows in each of the ``large`` tables
    (funding, outcomes or both); the other tables are copied.

    Faulty rows (if any) are every ``1 / fault_rate``-th funding row, starting with the first.
    Returns ``dest``.
    """
    import duckdb

    src = load_package(source)
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "data").mkdir(parents=True)
    shutil.copy(src.root / "datapackage.json", dest / "datapackage.json")
    shutil.copytree(src.root / "schemas", dest / "schemas")
    for res in src.resources:
        if res.name not in large:
            shutil.copy(res.path, dest / res.rel_path)
    fault_every = round(1 / fault_rate) if fault_rate > 0 else 0
    con = duckdb.connect()
    for name, select in (("funding", _funding_select(rows, fault_every)), ("outcomes", _outcomes_select(rows))):
        if name not in large:
            continue
        res = src.resource(name)
        cols = ", ".join(res.field_names)
        path = dest / res.rel_path
        made = {d[0] for d in con.execute(f"SELECT * FROM ({select}) LIMIT 0").description}
        # a column the generator does not know is left empty; a quote repeats as_reported
        generated = ", ".join(
            c if c in made else f"{'as_reported' if c == 'quote' else 'NULL'} AS {c}" for c in res.field_names)
        real = f"SELECT {cols} FROM read_csv({lit(str(res.path))}, all_varchar = true, header = true)"
        # generated rows first (stable row numbers), then the real rows, which cite every source
        con.execute(
            f"COPY (SELECT {generated} FROM ({select}) UNION ALL ({real})) TO {lit(str(path))} "
            "(HEADER, DELIMITER ',')"
        )
    con.close()
    return dest


def expected_faults(rows: int, fault_rate: float) -> dict[int, str]:
    """Row number (header = 1) -> fault kind, for a package made by ``make_package``."""
    if fault_rate <= 0:
        return {}
    every = round(1 / fault_rate)
    return {i + 2: FAULT_ORDER[(i // every) % len(FAULT_ORDER)] for i in range(0, rows, every)}
