"""Table Schema -> DuckDB SQL for whole tables: the CSV read, DDL with keys, comments, and the
set-based checks of keys and foreign keys. Columns render themselves (``fields.Field``); nothing
here reads a type or a constraint."""

from __future__ import annotations

from .package import Package, Resource
from .sql import ident, lit, quoted


def read_csv_sql(resource: Resource, rejects: bool = True) -> str:
    """Read the CSV with every column as text, in file order; the schema's missing values are
    NULL. With ``rejects``, malformed lines are collected in ``rejects_<name>`` (without, the
    first one stops the read)."""
    columns = "{" + ", ".join(f"{lit(f.name)}: 'VARCHAR'" for f in resource.fields) + "}"
    opts = [
        "header = true",
        "auto_detect = false",
        f"columns = {columns}",
        "delim = ','",
        "quote = '\"'",
        "escape = '\"'",
        "strict_mode = true",
        "encoding = 'utf-8'",
        f"nullstr = {lit(list(resource.missing_values))}",
    ]
    if rejects:
        opts += [
            "store_rejects = true",
            f"rejects_table = {lit('rejects_' + resource.name)}",
            f"rejects_scan = {lit('rejscan_' + resource.name)}",
        ]
    return f"read_csv({lit(str(resource.path))}, {', '.join(opts)})"


def typed_view(resource: Resource) -> str:
    """The relation of a checked table: its typed columns and ``_row``, the row number in the file."""
    return f"typed_{resource.name}"


def typed_columns(resource: Resource) -> str:
    """The text columns converted to the schema's types, under their own names."""
    return ", ".join(f"{f.cast()} AS {ident(f.name)}" for f in resource.fields)


def create_table_sql(resource: Resource, schema: str = "main", with_fks: bool = True, name: str | None = None,
                     with_pk: bool = True) -> str:
    """CREATE TABLE with the schema's types, NOT NULL, UNIQUE and CHECK constraints, and (unless
    left out) its primary key and foreign keys."""
    lines = [f.column_sql() for f in resource.fields]
    if resource.primary_key and with_pk:
        lines.append(primary_key_clause(resource))
    if with_fks:
        for fk in resource.foreign_keys:
            lines.append(
                f"FOREIGN KEY ({', '.join(ident(x) for x in fk.fields)}) REFERENCES "
                f"{ident(fk.resource)} ({', '.join(ident(x) for x in fk.ref_fields)})"
            )
    body = ",\n  ".join(lines)
    return f"CREATE TABLE {schema}.{ident(name or resource.name)} (\n  {body}\n)"


def primary_key_clause(resource: Resource) -> str:
    return f"PRIMARY KEY ({', '.join(ident(k) for k in resource.primary_key)})"


def comment_sql(resource: Resource, schema: str = "main") -> list[str]:
    table = f"{schema}.{ident(resource.name)}"
    out = [f"COMMENT ON TABLE {table} IS {lit(table_comment(resource))}"]
    for f in resource.fields:
        out.append(f"COMMENT ON COLUMN {table}.{ident(f.name)} IS {lit(f.description)}")
    return out


def table_comment(resource: Resource) -> str:
    return resource.title + (": " + resource.description if resource.description else "")


def cell_failure_filter(resource: Resource) -> str:
    """One condition that is true for every row with at least one failing cell (a cheap first pass)."""
    checks = [c for f in resource.fields for c in f.cell_checks()]
    return " OR ".join(f"({c.failing})" for c in checks) if checks else "FALSE"


def cell_check_sql(resource: Resource, src: str, row: str) -> list[str]:
    """Queries returning (row, column, rule, value, message) for every failing cell of ``src``,
    a relation of the text columns (``row``: the expression for its row number)."""
    return [
        f"SELECT {row} AS row, {lit(c.column)} AS column, {lit(c.rule)} AS rule, "
        f"{ident(c.column)} AS value, {c.message} AS message FROM {src} WHERE {c.failing}"
        for f in resource.fields
        for c in f.cell_checks()
    ]


def key_check_sql(resource: Resource, src: str) -> list[str]:
    """Repeated primary keys and unique values, over the whole table ``src`` (typed, with ``_row``)."""
    queries = [_repeat_sql(src, (f.name,), "unique", f"column {f.name}") for f in resource.fields if f.unique]
    if resource.primary_key:
        queries.append(_repeat_sql(src, resource.primary_key, "primary-key", "primary key"))
    return queries


def _repeat_sql(src: str, keys: tuple[str, ...], rule: str, what: str) -> str:
    """Rows whose key repeats an earlier row's; the window runs only on the repeated keys."""
    cols = ", ".join(ident(k) for k in keys)
    value = " || ', ' || ".join(f"coalesce(CAST(s.{ident(k)} AS VARCHAR), '')" for k in keys)
    not_null = " AND ".join(f"{ident(k)} IS NOT NULL" for k in keys)
    on = " AND ".join(f"s.{ident(k)} = d.{ident(k)}" for k in keys)
    column = ", ".join(keys)
    return (
        f"SELECT row, {lit(column)} AS column, {lit(rule)} AS rule, value, "
        f"{quoted('value')} || ' repeats the {what} of row ' || first_row AS message FROM ("
        f"SELECT s._row AS row, {value} AS value, "
        f"min(s._row) OVER (PARTITION BY {', '.join('s.' + ident(k) for k in keys)}) AS first_row "
        f"FROM {src} s SEMI JOIN (SELECT {cols} FROM {src} WHERE {not_null} GROUP BY ALL HAVING count(*) > 1) d "
        f"ON {on}) WHERE row > first_row"
    )


def foreign_key_sql(resource: Resource, package: Package, tables: dict[str, str]) -> list[str]:
    """Anti-joins for each foreign key whose both tables are in ``tables`` (name -> relation with
    typed columns and ``_row``): a table that could not be read cannot be looked up."""
    queries = []
    for fk in resource.foreign_keys:
        if resource.name not in tables or fk.resource not in tables:
            continue
        child, parent = tables[resource.name], tables[fk.resource]
        join = " AND ".join(f"p.{ident(r)} = c.{ident(f)}" for f, r in zip(fk.fields, fk.ref_fields, strict=True))
        not_null = " AND ".join(f"c.{ident(f)} IS NOT NULL" for f in fk.fields)
        value = " || ', ' || ".join(f"CAST(c.{ident(f)} AS VARCHAR)" for f in fk.fields)
        column = ", ".join(fk.fields)
        target = ", ".join(fk.ref_fields)
        queries.append(
            f"SELECT c._row AS row, {lit(column)} AS column, 'foreign-key' AS rule, "
            f"{value} AS value, {quoted(value)} || ' is not a {target} in {fk.resource}' AS message "
            f"FROM {child} c WHERE {not_null} AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {join})"
        )
    return queries
