"""The checks connect through DuckDB's extension module, whose objects are the ``duckdb`` package's
own, and ``validate`` does not import the package (its Python layer takes some 150 ms to import)."""

import subprocess
import sys

import duckdb
import pytest
from conftest import ROOT

from xinjiang_pairing import duckdb_core

USED = ("connect", "Error", "InterruptException", "OutOfMemoryException", "DuckDBPyConnection")


@pytest.mark.parametrize("name", USED)
def test_the_engine_s_objects_are_the_package_s_own(name):
    assert getattr(duckdb_core.duckdb, name) is getattr(duckdb, name)


def test_a_connection_of_the_engine_runs_what_the_checks_ask():
    con = duckdb_core.duckdb.connect()
    try:
        assert con.execute("SELECT unnest(?) AS x", [[1, 2]]).fetchall() == [(1,), (2,)]
        with pytest.raises(duckdb.Error):  # caught as the package's exception
            con.execute("SELECT no_such_column")
    finally:
        con.close()


@pytest.mark.slow  # another Python process
def test_validate_does_not_import_the_duckdb_package():
    code = ("import sys; from xinjiang_pairing.validate import validate_package; "
            f"report = validate_package({str(ROOT)!r}, descriptor=False); "
            "print(report.valid, 'duckdb' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["True", "False"], out.stderr
