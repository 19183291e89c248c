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


QUERY_MEMORY_LIMIT = "1GB"


def read_only_connection(path, memory_limit: str = QUERY_MEMORY_LIMIT):
    """A connection for SQL that nobody here wrote (``query``): the database read-only, no file
    outside it read or written (``enable_external_access = false``), no extension installed or
    loaded automatically, memory capped with nothing spilled to disk, and the configuration locked
    so that the SQL cannot undo any of it."""
    import duckdb

    return duckdb.connect(str(path), read_only=True, config={
        "enable_external_access": False,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
        "memory_limit": memory_limit,
        "temp_directory": "",
        "lock_configuration": True,
    })
