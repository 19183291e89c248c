"""DuckDB's engine, imported without the package's Python layer, for the checks.

The ``duckdb`` package is the extension module ``_duckdb`` (the engine: connections, ``execute``,
results, exceptions), re-exported, with a relational API written in Python on top. Importing the
package takes some 150 ms, about a quarter of ``validate`` on the real dataset, and the checks use
none of that API. So ``validate`` and ``build`` connect through the extension module itself: its
objects are the package's own (``_duckdb.connect is duckdb.connect``, the same exception classes;
``tests/test_duckdb_core.py`` holds them to that). Where the extension module cannot be imported
under that name, the package is used."""

try:
    import _duckdb as duckdb
except ImportError:  # pragma: no cover - a DuckDB that no longer ships its engine under this name
    import duckdb

__all__ = ["duckdb"]
