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

from .package import Field, Package, Resource, load_package
from .rules import row_rules

POLARS_TYPES = {"string": "String", "integer": "Int64", "number": "Float64", "date": "Date", "boolean": "Boolean"}


def _column(f: Field, pk: tuple[str, ...]):
    import pandera.polars as pa
    import polars as pl

    c = f.constraints
    checks = []
    if "enum" in c:
        checks.append(pa.Check.isin(c["enum"]))
    if "pattern" in c:
        checks.append(pa.Check.str_matches("^(?:" + c["pattern"].lstrip("^").rstrip("$") + ")$"))
    if "minimum" in c:
        checks.append(pa.Check.ge(c["minimum"]))
    if "maximum" in c:
        checks.append(pa.Check.le(c["maximum"]))
    if "minLength" in c:
        checks.append(pa.Check.str_length(min_value=c["minLength"]))
    if "maxLength" in c:
        checks.append(pa.Check.str_length(max_value=c["maxLength"]))
    if c.get("unique") and pk != (f.name,):  # unique among non-empty values, as in SQL
        checks.append(
            pa.Check(
                lambda data: data.lazyframe.select(
                    pl.col(data.key).is_null() | ~pl.col(data.key).is_duplicated()
                ),
                name="unique",
            )
        )
    return pa.Column(
        getattr(pl, POLARS_TYPES.get(f.type, "String")),
        checks=checks,
        nullable=not (f.required or f.name in pk),
        unique=pk == (f.name,),
        description=f.description,
    )


def _rule_check(rule):
    import pandera.polars as pa
    import polars as pl

    def passes(data) -> object:
        return data.lazyframe.select(pl.sql_expr(rule.passes).fill_null(True))

    return pa.Check(passes, name=rule.name, error=f"{rule.column}: {rule.description}")


def dataframe_schema(resource: Resource, today: dt.date | None = None):
    """A ``pandera.polars.DataFrameSchema`` for one resource."""
    import pandera.polars as pa

    today = today or dt.date.today()
    return pa.DataFrameSchema(
        {f.name: _column(f, resource.primary_key) for f in resource.fields},
        checks=[_rule_check(r) for r in row_rules(resource, today)],
        unique=list(resource.primary_key) if len(resource.primary_key) > 1 else None,
        strict=True,
        ordered=True,
        name=resource.name,
        description=resource.description,
    )


def read_csv(resource: Resource):
    """Read a resource's CSV into Polars with the schema's types. Dates are parsed explicitly
    (Polars 2 no longer casts text to dates); cells that fail to parse become null."""
    import polars as pl

    df = pl.read_csv(resource.path, infer_schema=False)
    exprs = []
    for f in resource.fields:
        col = pl.when(pl.col(f.name) != "").then(pl.col(f.name))  # "" is missing, as in the schema
        if f.type == "date":
            exprs.append(col.str.to_date("%Y-%m-%d", strict=False).alias(f.name))
        elif f.type in POLARS_TYPES and f.type != "string":
            exprs.append(col.cast(getattr(pl, POLARS_TYPES[f.type]), strict=False).alias(f.name))
        else:
            exprs.append(col.alias(f.name))
    return df.with_columns(exprs)


def validate_with_pandera(root: str | Path | None = None, today: dt.date | None = None) -> dict:
    """Validate every resource with its Pandera schema. Returns {resource: failure cases (Polars
    DataFrame) or None when valid}."""
    import pandera.errors

    package: Package = load_package(root)
    out = {}
    for res in package.resources:
        try:
            dataframe_schema(res, today).validate(read_csv(res), lazy=True)
            out[res.name] = None
        except pandera.errors.SchemaErrors as e:
            out[res.name] = e.failure_cases
    return out
