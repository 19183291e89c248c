"""SQL text helpers shared by every module that writes DuckDB SQL: identifiers, literals and a
shortened value for messages."""

from __future__ import annotations


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(lit(v) for v in value) + "]"
    return "'" + str(value).replace("'", "''") + "'"


def quoted(col: str) -> str:
    """SQL text for a value inside a message: "value" (shortened)."""
    return f"'\"' || left({col}, 80) || CASE WHEN length({col}) > 80 THEN '…' ELSE '' END || '\"'"
