"""Pandera (Polars backend) schemas derived from the Table Schemas and the row rules.

For users who load the CSVs into Polars and want the same checks in their own pipelines, and as
an independent second implementation that the tests compare with the SQL engine. Column types,
required, enum, pattern, ranges and lengths come from ``schemas/``; the rules a Table Schema cannot
express come from ``rules.row_rules`` (the same SQL condition text, evaluated by Polars).

Requires the optional dependencies ``pandera`` and ``polars``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .package import Package, Resource, load_package
from .rules import row_rules


def _rule_check(rule):
    import pandera.polars as pa
    import polars as pl

    def passes(data) -> object:
        return data.lazyframe.select(pl.sql_expr(rule.passes).fill_null(True))

    return pa.Check(passes, name=rule.code, error=f"{rule.column}: {rule.description}")


def dataframe_schema(resource: Resource, today: dt.date | None = None):
    """A ``pandera.polars.DataFrameSchema`` for one resource."""
    import pandera.polars as pa

    today = today or dt.date.today()
    return pa.DataFrameSchema(
        {f.name: f.pandera_column() for f in resource.fields},
        checks=[_rule_check(r) for r in row_rules(resource, today)],
        unique=list(resource.primary_key) if len(resource.primary_key) > 1 else None,
        strict=True,
        ordered=True,
        name=resource.name,
        description=resource.description,
    )


def read_csv(resource: Resource):
    """Read a resource's CSV into Polars with the schema's types and missing values. Dates are
    parsed explicitly (Polars 2 no longer casts text to dates); cells that fail to parse become null."""
    import polars as pl

    df = pl.read_csv(resource.path, infer_schema=False, null_values=list(resource.missing_values),
                     empty_string_is_null="" in resource.missing_values)
    return df.with_columns([f.polars_read() for f in resource.fields])


def failure_cases(resource: Resource, today: dt.date | None = None):
    """Validate one resource with its Pandera schema: its failure cases (a Polars DataFrame), or None
    when valid. A file Polars cannot read raises Polars' error."""
    import pandera.errors

    try:
        dataframe_schema(resource, today).validate(read_csv(resource), lazy=True)
        return None
    except pandera.errors.SchemaErrors as e:
        return e.failure_cases


def validate_with_pandera(root: str | Path | None = None, today: dt.date | None = None) -> dict:
    """Validate every resource with its Pandera schema. Returns {resource: failure cases (Polars
    DataFrame) or None when valid}."""
    package: Package = load_package(root)
    return {res.name: failure_cases(res, today) for res in package.resources}
