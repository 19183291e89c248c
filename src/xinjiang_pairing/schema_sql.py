"""Table Schema -> DuckDB SQL: staging reads, typed selects, DDL with constraints, comments and
set-based check queries. Every statement is generated from the schema; nothing is typed twice."""

from __future__ import annotations

from dataclasses import dataclass

from .package import Field, Package, Resource

DUCKDB_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "date": "DATE",
    "boolean": "BOOLEAN",
    "year": "INTEGER",
    "datetime": "TIMESTAMP",
}

# A value of the type, as text (the staged cell), must fully match this expression.
TYPE_PATTERNS = {
    "integer": r"[-+]?[0-9]+",
    "year": r"[0-9]{4}",
    "number": r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?",
    "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "datetime": r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z?",
    "boolean": r"(true|false|True|False|TRUE|FALSE)",
}
TYPE_WORDS = {
    "integer": "an integer",
    "year": "a year",
    "number": "a number",
    "date": "a date (YYYY-MM-DD)",
    "datetime": "a date and time",
    "boolean": "true or false",
}


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def stage_table(resource: Resource) -> str:
    return f"stage_{resource.name}"


def typed_view(resource: Resource) -> str:
    return f"typed_{resource.name}"


def read_csv_sql(resource: Resource, rejects: bool = True) -> str:
    """Read the CSV with every column as text, in file order; with ``rejects``, malformed lines
    are collected in ``rejects_<name>`` (without, the first one stops the read)."""
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
    if rejects:
        opts += [
            "store_rejects = true",
            f"rejects_table = {lit('rejects_' + resource.name)}",
            f"rejects_scan = {lit('rejscan_' + resource.name)}",
        ]
    return f"read_csv({lit(str(resource.path))}, {', '.join(opts)})"


def cast_expr(f: Field, column: str | None = None) -> str:
    col = column or ident(f.name)
    t = DUCKDB_TYPES.get(f.type, "VARCHAR")
    if t == "VARCHAR":
        return col
    return f"TRY_CAST({col} AS {t})"


def typed_select(resource: Resource, source: str) -> str:
    cols = ", ".join(f"{cast_expr(f)} AS {ident(f.name)}" for f in resource.fields)
    return f"SELECT rowid + 2 AS _row, {cols} FROM {source}"


def _check_constraints(f: Field) -> list[str]:
    c = f.constraints
    col = ident(f.name)
    out = []
    if "enum" in c:
        out.append(f"{col} IN ({', '.join(lit(v) for v in c['enum'])})")
    if "pattern" in c:
        out.append(f"regexp_full_match({col}, {lit(c['pattern'])})")
    if "minimum" in c:
        out.append(f"{col} >= {lit(c['minimum'])}")
    if "maximum" in c:
        out.append(f"{col} <= {lit(c['maximum'])}")
    if "minLength" in c:
        out.append(f"length({col}) >= {int(c['minLength'])}")
    if "maxLength" in c:
        out.append(f"length({col}) <= {int(c['maxLength'])}")
    return out


def create_table_sql(
    resource: Resource, schema: str = "main", with_fks: bool = True, name: str | None = None,
    with_pk: bool = True,
) -> str:
    """CREATE TABLE with the schema's types, NOT NULL, UNIQUE and CHECK constraints, and (unless
    left out) its primary key and foreign keys."""
    lines = []
    for f in resource.fields:
        col = f"{ident(f.name)} {DUCKDB_TYPES.get(f.type, 'VARCHAR')}"
        if f.required or f.name in resource.primary_key:
            col += " NOT NULL"
        if f.constraints.get("unique") and (f.name,) != resource.primary_key:
            col += " UNIQUE"
        for chk in _check_constraints(f):
            col += f" CHECK ({chk})"
        lines.append(col)
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
    text = resource.title + (": " + resource.description if resource.description else "")
    out = [f"COMMENT ON TABLE {table} IS {lit(text)}"]
    for f in resource.fields:
        out.append(f"COMMENT ON COLUMN {table}.{ident(f.name)} IS {lit(f.description)}")
    return out


def _quoted(col: str) -> str:
    """SQL text for a value inside a message: "value" (shortened)."""
    return f"'\"' || left({col}, 80) || CASE WHEN length({col}) > 80 THEN '…' ELSE '' END || '\"'"


@dataclass(frozen=True)
class CellCheck:
    column: str
    rule: str
    failing: str  # SQL condition, true when the cell fails
    message: str  # SQL expression for the message


def cell_checks(resource: Resource) -> list[CellCheck]:
    """The per-cell checks of a resource (types and constraints), over the staged text columns."""
    out: list[CellCheck] = []
    for f in resource.fields:
        col = ident(f.name)
        c = f.constraints

        def add(rule: str, failing: str, message: str, f=f) -> None:
            out.append(CellCheck(f.name, rule, failing, message))

        if f.required or f.name in resource.primary_key:
            add("required", f"{col} IS NULL", "'a value is required'")
        typed = col
        if f.type in TYPE_PATTERNS:
            cast = cast_expr(f)
            add(
                "type-error",
                f"{col} IS NOT NULL AND (NOT regexp_full_match({col}, {lit(TYPE_PATTERNS[f.type])}) OR {cast} IS NULL)",
                f"{_quoted(col)} || ' is not {TYPE_WORDS[f.type]}'",
            )
            typed = cast
        if "enum" in c:
            allowed = ", ".join(str(v) for v in c["enum"])
            add(
                "enum",
                f"{col} IS NOT NULL AND {col} NOT IN ({', '.join(lit(str(v)) for v in c['enum'])})",
                f"{_quoted(col)} || ' is not one of the allowed values: ' || {lit(allowed)}",
            )
        if "pattern" in c:
            add(
                "pattern",
                f"{col} IS NOT NULL AND NOT regexp_full_match({col}, {lit(c['pattern'])})",
                f"{_quoted(col)} || ' does not match the pattern ' || {lit(c['pattern'])}",
            )
        for key, op, word in (("minimum", "<", "below the minimum"), ("maximum", ">", "above the maximum")):
            if key in c:
                add(key, f"{typed} {op} {lit(c[key])}", f"{_quoted(col)} || ' is {word} ' || {lit(str(c[key]))}")
        for key, op, word in (("minLength", "<", "shorter than"), ("maxLength", ">", "longer than")):
            if key in c:
                add(
                    key,
                    f"length({col}) {op} {int(c[key])}",
                    f"'the value has ' || length({col}) || ' characters, {word} {int(c[key])}'",
                )
    return out


def cell_failure_filter(resource: Resource) -> str:
    """One condition that is true for every row with at least one failing cell (a cheap first pass)."""
    checks = cell_checks(resource)
    return " OR ".join(f"({c.failing})" for c in checks) if checks else "FALSE"


def cell_check_sql(resource: Resource, src: str | None = None, rowid: str = "rowid") -> list[str]:
    """Queries returning (row, column, rule, value, message) for every failing cell of ``src``
    (default: the staged table; ``rowid`` names its row-position column)."""
    src = src or stage_table(resource)
    return [
        f"SELECT {rowid} + 2 AS row, {lit(c.column)} AS column, {lit(c.rule)} AS rule, "
        f"{ident(c.column)} AS value, {c.message} AS message FROM {src} WHERE {c.failing}"
        for c in cell_checks(resource)
    ]


def key_check_sql(resource: Resource) -> list[str]:
    """Repeated primary keys and unique values, over the whole table (typed view)."""
    src = typed_view(resource)
    queries = [
        _repeat_sql(src, (f.name,), "unique", f"column {f.name}")
        for f in resource.fields
        if f.constraints.get("unique") and (f.name,) != resource.primary_key
    ]
    if resource.primary_key:
        queries.append(_repeat_sql(src, resource.primary_key, "primary-key", "primary key"))
    return queries


def _repeat_sql(src: str, keys: tuple[str, ...], rule: str, what: str) -> str:
    cols = ", ".join(ident(k) for k in keys)
    value = " || ', ' || ".join(f"coalesce(CAST({ident(k)} AS VARCHAR), '')" for k in keys)
    not_null = " AND ".join(f"{ident(k)} IS NOT NULL" for k in keys)
    column = ", ".join(keys)
    return (
        f"SELECT row, {lit(column)} AS column, {lit(rule)} AS rule, value, "
        f"{_quoted('value')} || ' repeats the {what} of row ' || first_row AS message FROM ("
        f"SELECT _row AS row, {value} AS value, "
        f"min(_row) OVER (PARTITION BY {cols}) AS first_row FROM {src} WHERE {not_null}"
        f") WHERE row > first_row"
    )


def foreign_key_sql(resource: Resource, package: Package, staged: set[str] | None = None) -> list[str]:
    """Anti-joins for each foreign key, over the typed views (only keys into ``staged`` tables,
    when given: a table that could not be read cannot be looked up)."""
    queries = []
    for fk in resource.foreign_keys:
        if staged is not None and fk.resource not in staged:
            continue
        child = typed_view(resource)
        parent = typed_view(package.resource(fk.resource))
        join = " AND ".join(f"p.{ident(r)} = c.{ident(f)}" for f, r in zip(fk.fields, fk.ref_fields, strict=True))
        not_null = " AND ".join(f"c.{ident(f)} IS NOT NULL" for f in fk.fields)
        value = " || ', ' || ".join(f"CAST(c.{ident(f)} AS VARCHAR)" for f in fk.fields)
        column = ", ".join(fk.fields)
        target = ", ".join(fk.ref_fields)
        queries.append(
            f"SELECT c._row AS row, {lit(column)} AS column, 'foreign-key' AS rule, "
            f"{value} AS value, {_quoted(value)} || ' is not a {target} in {fk.resource}' AS message "
            f"FROM {child} c WHERE {not_null} AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {join})"
        )
    return queries
