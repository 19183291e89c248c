"""Table Schema -> DuckDB SQL for whole tables: the CSV read, DDL with keys, comments, and the
set-based checks of keys and foreign keys. Columns render themselves (``fields.Field``); nothing
here reads a type or a constraint."""

from __future__ import annotations

import hashlib

from .package import Package, Resource
from .sql import ident, lit, quoted


def internal_name(prefix: str, resource: Resource) -> str:
    """A generated name for an internal relation of ``resource`` (letters, digits and ``_`` only),
    for the places where DuckDB takes a name as a string: no resource name ever reaches SQL as
    text to parse."""
    return f"{prefix}_{hashlib.sha256(resource.name.encode('utf-8')).hexdigest()[:16]}"


def read_csv_sql(resource: Resource, rejects: bool = True) -> str:
    """Read the CSV with every column as text, in file order; the schema's missing values are
    NULL. With ``rejects``, malformed lines are collected in the table
    ``internal_name('rejects', resource)`` (without, the first one stops the read)."""
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
    ]
    if resource.missing_values != ("",):  # the empty cell is DuckDB's default (a list reads slower)
        missing = resource.missing_values
        opts.append(f"nullstr = {lit(missing[0] if len(missing) == 1 else list(missing))}")
    if rejects:
        opts += [
            "store_rejects = true",
            f"rejects_table = {lit(internal_name('rejects', resource))}",
            f"rejects_scan = {lit(internal_name('rejscan', resource))}",
        ]
    return f"read_csv({lit(str(resource.path))}, {', '.join(opts)})"


def typed_view(resource: Resource) -> str:
    """The relation of a checked table: its typed columns and ``_row``, the row number in the file."""
    return ident(f"typed_{resource.name}")


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
    return " OR ".join(f"({c.first_pass or c.failing})" for c in checks) if checks else "FALSE"


def cell_check_sql(resource: Resource, src: str, row: str) -> list[str]:
    """Queries returning (row, column, rule, value, message) for every failing cell of ``src``,
    a relation of the text columns (``row``: the expression for its row number)."""
    return [
        f"SELECT {row} AS row, {lit(c.column)} AS column, {lit(c.rule)} AS rule, "
        f"{ident(c.column)} AS value, {c.message} AS message FROM {src} WHERE {c.failing}"
        for f in resource.fields
        for c in f.cell_checks()
    ]


def key_check_sql(resource: Resource, src: str) -> list[tuple[str, str]]:
    """Repeated primary keys and unique values, over the whole table ``src`` (typed, with ``_row``):
    for each key, an aggregate over the table that is above 0 when a key repeats (a cheap first
    pass) and the query that finds the rows."""
    keys = [((f.name,), "unique", f"column {f.name}") for f in resource.fields if f.unique]
    if resource.primary_key:
        keys.append((resource.primary_key, "primary-key", "primary key"))
    out = []
    for cols, rule, what in keys:
        not_null = " AND ".join(f"{ident(k)} IS NOT NULL" for k in cols)
        distinct = ident(cols[0]) if len(cols) == 1 else "(" + ", ".join(ident(k) for k in cols) + ")"
        gate = f"count(*) FILTER (WHERE {not_null}) - count(DISTINCT {distinct}) FILTER (WHERE {not_null})"
        out.append((gate, _repeat_sql(src, cols, rule, what)))
    return out


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


def foreign_key_sql(package: Package, tables: dict[str, str]) -> str | None:
    """One query for every foreign key whose both tables are in ``tables`` (name -> relation with
    typed columns and ``_row``; a table that could not be read cannot be looked up), returning
    (file, kind, row, column, rule, value, message) for each value not found. The values of all
    keys are compared in one anti-join, as text of the referenced column's type."""
    refs, keys, facts = [], [], []
    for res in package.resources:
        for fk in res.foreign_keys:
            if res.name not in tables or fk.resource not in tables:
                continue
            parent = package.resource(fk.resource)
            i = len(facts)
            as_parent = [f"CAST(TRY_CAST({ident(f)} AS {parent.field(r).sql_type}) AS VARCHAR)"
                         for f, r in zip(fk.fields, fk.ref_fields, strict=True)]
            shown = " || ', ' || ".join(f"CAST({ident(f)} AS VARCHAR)" for f in fk.fields)
            not_null = " AND ".join(f"{ident(f)} IS NOT NULL" for f in fk.fields)
            refs.append(f"SELECT {i} AS fk, _row, {_key_text(as_parent)} AS v, {shown} AS shown "
                        f"FROM {tables[res.name]} WHERE {not_null}")
            own = [f"CAST({ident(r)} AS VARCHAR)" for r in fk.ref_fields]
            keys.append(f"SELECT {i} AS fk, {_key_text(own)} AS v FROM {tables[fk.resource]}")
            facts.append(f"({i}, {lit(res.rel_path)}, {lit(', '.join(fk.fields))}, "
                         f"{lit(' is not a ' + ', '.join(fk.ref_fields) + ' in ' + fk.resource)})")
    if not facts:
        return None
    return (
        f"SELECT f.file, '' AS kind, r._row AS row, f.col AS column, 'foreign-key' AS rule, r.shown AS value, "
        f"{quoted('r.shown')} || f.words AS message "
        f"FROM (SELECT * FROM ({' UNION ALL '.join(refs)}) ANTI JOIN ({' UNION ALL '.join(keys)}) USING (fk, v)) r "
        f"JOIN (VALUES {', '.join(facts)}) f(fk, file, col, words) USING (fk)"
    )


def _key_text(parts: list[str]) -> str:
    """One column's text, or the texts of several columns joined by a control character."""
    return parts[0] if len(parts) == 1 else f"concat_ws(chr(31), {', '.join(parts)})"
