"""Hostile input: packages, files and commands written to break the publisher. Every class of attack
of docs/security.md has a test here: names never reach SQL as text, the structure is checked
before data, cells follow the Table Schema spec, outputs are only regular files, query is
read-only, and every command fails with one line, never a traceback."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TODAY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinjiang_pairing.build import OutputError, build, remove_stale
from xinjiang_pairing.cli import cli
from xinjiang_pairing.download import FetchError, fetch, normalize_version
from xinjiang_pairing.validate import validate_package

SCHEMA = {"fields": [{"name": "id", "type": "integer"}, {"name": "x", "type": "number"},
                     {"name": "ok", "type": "boolean"}], "primaryKey": ["id"]}


def package(folder: Path, csv: bytes = b"id,x,ok\n1,2.5,true\n2,3,false\n", name: str = "things",
            schema: dict | None = None, extra: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = {"$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
                  "name": "t", "title": "T", "version": "1.0.0", "created": "2026-01-01T00:00:00Z",
                  "licenses": [{"name": "CC-BY-4.0"}], "contributors": [{"title": "T"}],
                  "sources": [{"title": "T"}],
                  "resources": [{"name": name, "path": "t.csv", "schema": schema or SCHEMA}]}
    descriptor.update(extra or {})
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    (folder / "t.csv").write_bytes(csv)
    return folder


def found(folder: Path) -> list[str]:
    return [p.describe() for p in validate_package(folder, today=TODAY, descriptor=False).sorted()]


# 1. identifiers


@pytest.mark.parametrize("name", ["my-things", "my.things", "select", "x1_2"])
def test_names_frictionless_accepts_work(tmp_path, name):
    assert found(package(tmp_path, name=name)) == []
    result = build(tmp_path, tmp_path / "out.duckdb", today=TODAY, commit="")
    assert result.report.valid and result.tables == {name: 2}


def test_a_name_carrying_sql_is_refused_before_anything_runs(tmp_path):
    evil = "x AS SELECT 1; COPY (SELECT 'p') TO 'out.txt' (HEADER false); CREATE TABLE y"
    problems = found(package(tmp_path, name=evil))
    assert len(problems) == 1 and "is not a resource name" in problems[0] and "resources[0].name" in problems[0]
    assert not (tmp_path / "out.txt").exists() and not Path("out.txt").exists()


def test_field_names_with_quotes_and_sql_are_only_ever_identifiers(tmp_path):
    schema = {"fields": [{"name": 'a"b; DROP TABLE x; --', "type": "integer"}, {"name": "ok", "type": "boolean"}]}
    assert found(package(tmp_path, b'"a""b; DROP TABLE x; --",ok\n1,true\nz,false\n', schema=schema)) == [
        't.csv, row 3, column "a"b; DROP TABLE x; --": "z" is not an integer [type-error]']


# 2. structure before data


@pytest.mark.parametrize("schema, where, words", [
    ({"fields": [{"name": "a", "type": "integer", "constraints": {"foo": 1}}]}, "fields[0].constraints.foo",
     "not a Table Schema constraint"),
    ({"fields": [{"name": "a", "type": "integer", "constraints": {"pattern": "x"}}]},
     "fields[0].constraints.pattern", "does not apply to type"),
    ({"fields": [{"name": "a", "type": "geopoint"}]}, "fields[0].type", "not implemented by this project"),
    ({"fields": [{"name": "a", "type": "string", "constraints": {"pattern": "("}}]},
     "fields[0].constraints.pattern", "not a valid regular expression"),
    ({"fields": [{"name": "a"}], "primaryKey": ["b"]}, "primaryKey", '"b" is not a field'),
    ({"fields": [{"name": "a"}], "foreignKeys": [{"fields": "a", "reference": {"resource": "nowhere",
                                                                               "fields": "id"}}]},
     "foreignKeys[0].reference.resource", "not a resource of this package"),
    ({"fields": [{"name": "a", "type": "number", "decimalChar": ","}]}, "fields[0].decimalChar", "not implemented"),
    ({"fields": [{"name": "_row"}]}, "fields[0].name", "reserved"),
    ({"fields": [{"name": "_ROW"}]}, "fields[0].name", "reserved"),
    ({"fields": [{"name": "RowId"}]}, "fields[0].name", "reserved"),
    ({"fields": [{"name": "Name"}, {"name": "name"}]}, "fields[1].name",
     'the field name "name" differs from "Name" only in case, and SQL reads the two as one name'),
    ({"fields": [{"name": "a"}, {"name": "b"}], "uniqueKeys": [["a", "b"]]}, "uniqueKeys",
     "uniqueKeys are not implemented by this project (they would not be checked)"),
])
def test_schema_problems_are_located_and_refused_before_data(tmp_path, schema, where, words):
    problems = found(package(tmp_path, b"\xff\xfe not even utf-8", schema=schema))
    assert len(problems) == 1, problems
    assert where in problems[0] and words in problems[0]


@pytest.mark.parametrize("path", [["a.csv", "b.csv"], "../t.csv", "/etc/passwd", "http://127.0.0.1/t.csv"])
def test_paths_the_project_cannot_or_must_not_read_are_refused(tmp_path, path):
    folder = package(tmp_path)
    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["resources"][0]["path"] = path
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    problems = found(folder)
    assert len(problems) == 1 and "resources[0].path" in problems[0]


# 3. cells and rows as the spec says


@pytest.mark.parametrize("csv, expected", [
    (b"id,x,ok\n1,2,true,,\n", "t.csv, row 2: the row has 5 cells, the header has 3 (the extra cells are empty) "
                               "[extra-cell]"),
    (b"id,x,ok\n1,2,true\n\n2,3,false\n", "t.csv, row 3: the row is blank [blank-row]"),
    (b"id,x,ok\n1,1e309,true\n", 't.csv, row 2, column "x": "1e309" is not a number [type-error]'),
    (b"id,x,ok\n1,2,true\n,,\n", "t.csv, row 3: the row is blank: every cell is missing [blank-row]"),
])
def test_what_the_csv_reader_passes_over_is_reported_at_its_line(tmp_path, monkeypatch, csv, expected):
    import xinjiang_pairing.engine as engine

    assert expected in found(package(tmp_path, csv))
    monkeypatch.setattr(engine, "SCAN_CHUNK", 1)  # the line scan reads the file byte by byte: the same
    assert expected in found(package(tmp_path, csv))
    assert all(" row 3" in p or " row 2" in p for p in found(package(tmp_path, csv)))


TEXT_SCHEMA = {"fields": [{"name": "id", "type": "integer"}, {"name": "note", "type": "string"},
                          {"name": "n", "type": "integer"}]}


@pytest.mark.parametrize("way", ["read", "counted", "one pass"])  # read record by record (a small file);
# counted in the loaded table; read in one pass (then again if a cell fails)
@pytest.mark.parametrize("csv, expected", [
    # commas and line breaks inside cells do not hide an extra empty cell or a blank line
    (b'id,note,n\n1,"a,b",1\n2,"c,\nd",2,\n',
     ["t.csv, row 3: the row has 4 cells, the header has 3 (the extra cells are empty) [extra-cell]"]),
    (b'id,note,n\n1,"a\nb",1\n\n2,x,2\n', ["t.csv, row 4: the row is blank [blank-row]"]),
    # in a row with a failing cell, its texts are counted (the cell waits for the file to be fixed)
    (b'id,note,n\n1,"a,b",x\n2,y,2,\n',
     ["t.csv, row 3: the row has 4 cells, the header has 3 (the extra cells are empty) [extra-cell]"]),
    (b'id,note,n\n1,"a,b",x\n2,"y,\nz",2\n', ['t.csv, row 2, column "n": "x" is not an integer [type-error]']),
])
def test_commas_and_breaks_inside_cells_are_told_from_extra_cells_and_blank_lines(
        tmp_path, monkeypatch, way, csv, expected):
    import xinjiang_pairing.engine as engine

    if way != "read":
        monkeypatch.setattr(engine, "SCAN_EXACT_BYTES", 0)
    if way == "one pass":
        monkeypatch.setattr(engine, "EXACT_BYTES", 0)
    assert found(package(tmp_path, csv, schema=TEXT_SCHEMA)) == expected


def test_a_clean_file_with_commas_inside_cells_is_not_read_record_by_record(tmp_path, monkeypatch):
    """Over ``SCAN_EXACT_BYTES``, the commas and line breaks inside cells are counted in the table."""
    import xinjiang_pairing.engine as engine

    def refuse(self):
        raise AssertionError("read record by record")

    monkeypatch.setattr(engine.LineScan, "read_records", refuse)
    monkeypatch.setattr(engine, "SCAN_EXACT_BYTES", 0)
    assert found(package(tmp_path, b'id,note,n\r\n1,"a,b,c",1\r\n2,",",2\r\n3,x,3', schema=TEXT_SCHEMA)) == []
    monkeypatch.setattr(engine, "EXACT_BYTES", 0)  # read in one pass: a break inside a cell needs no reading either
    assert found(package(tmp_path, b'id,note,n\n1,"a,\r\nb",1\n2,x,2\n', schema=TEXT_SCHEMA)) == []


def test_a_small_file_with_commas_inside_cells_is_read_not_counted_in_the_table(tmp_path, monkeypatch):
    """Up to ``SCAN_EXACT_BYTES``, reading the file record by record costs less than a query."""
    import xinjiang_pairing.engine as engine

    read = []
    exactly = engine.LineScan.read_records

    def counted(*args):
        raise AssertionError("counted in the table")

    monkeypatch.setattr(engine, "in_cells", counted)
    monkeypatch.setattr(engine.LineScan, "read_records",
                        lambda self: (self._exact is None and read.append(self)) or exactly(self))  # readings
    assert found(package(tmp_path / "clean", b'id,note,n\r\n1,"a,b,c",1\r\n2,"x\ny",2\r\n', schema=TEXT_SCHEMA)) == []
    assert len(read) == 1
    assert found(package(tmp_path / "extra", b'id,note,n\n1,"a,b",1\n2,"c,\nd",2,\n', schema=TEXT_SCHEMA)) == [
        "t.csv, row 3: the row has 4 cells, the header has 3 (the extra cells are empty) [extra-cell]"]
    assert len(read) == 2


@pytest.mark.parametrize("chunk", [None, 1, 3])  # the line scan's piece size: a file in pieces of 1 or 3 bytes too
@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_rows_after_a_cell_that_spans_lines_are_reported_at_their_line(tmp_path, monkeypatch, ending, chunk):
    import xinjiang_pairing.engine as engine

    if chunk:
        monkeypatch.setattr(engine, "SCAN_CHUNK", chunk)
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "note", "type": "string"}], "primaryKey": ["id"]}
    text = ending.join(['id,note', '1,"one', 'two"', '2,"a', '', 'b"', 'x,fine', '3,4,5', '1,again', ''])
    assert found(package(tmp_path / "bad", text.encode(), schema=schema)) == [
        "t.csv, row 8: the row has 3 cells, the header has 2 [extra-cell]"]
    text = ending.join(['id,note', '1,"one', 'two"', '2,"a', '', 'b"', 'x,fine', '2,again', ''])
    assert found(package(tmp_path / "keys", text.encode(), schema=schema)) == [
        't.csv, row 7, column "id": "x" is not an integer [type-error]',
        't.csv, row 8, column "id": "2" repeats the primary key of row 4 [primary-key]']


@pytest.mark.parametrize("large", [False, True])  # True: read in one pass, then again with its row numbers
def test_cells_longer_than_python_csv_default_keep_rows_at_their_line(tmp_path, monkeypatch, large):
    import xinjiang_pairing.engine as engine

    if large:
        monkeypatch.setattr(engine, "EXACT_BYTES", 0)
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "txt", "type": "string"},
                         {"name": "n", "type": "integer", "constraints": {"maximum": 10}}]}
    text = 'id,txt,n\n1,"a\nb' + "x" * 140_000 + '",1\n2,x,11\n'
    assert found(package(tmp_path, text.encode(), schema=schema)) == [
        't.csv, row 4, column "n": "11" is above the maximum 10 [maximum]']


def test_a_table_read_again_reports_its_malformed_lines_once(tmp_path, monkeypatch):
    import xinjiang_pairing.engine as engine

    monkeypatch.setattr(engine, "EXACT_BYTES", 0)  # read in one pass, then again for its failing cell
    folder = package(tmp_path, b"id,x,ok\n1,2,true\n2,3\n3,x,false\n4,5,true\n")
    report = validate_package(folder, today=TODAY, descriptor=False)
    assert [p.describe() for p in report.problems] == [  # the rest waits for the file to be fixed
        "t.csv, row 3: the row has 2 cells, the header has 3 [missing-cell]"]
    assert report.rows_checked == {"things": 4}


def test_cr_only_line_endings_are_read(tmp_path):
    assert found(package(tmp_path, b"id,x,ok\r1,2,true\r2,3,false\r")) == []


def test_exclusive_bounds_and_date_range(tmp_path):
    schema = {"fields": [{"name": "n", "type": "integer", "constraints": {"exclusiveMinimum": 0,
                                                                          "exclusiveMaximum": 10}},
                         {"name": "d", "type": "date"}]}
    assert found(package(tmp_path, b"n,d\n0,2020-01-01\n10,0000-01-01\n5,2020-02-29\n", schema=schema)) == [
        't.csv, row 2, column "n": "0" is not above the exclusive minimum 0 [exclusiveMinimum]',
        't.csv, row 3, column "d": "0000-01-01" is not a date (YYYY-MM-DD) [type-error]',
        't.csv, row 3, column "n": "10" is not below the exclusive maximum 10 [exclusiveMaximum]',
    ]


def test_nan_and_infinities_are_numbers_but_overflow_is_not(tmp_path):
    """The spec's NaN, INF and -INF (any case) are numbers; NaN meets no bound; a figure too large for
    a double is not a number; an amount of money (a decimal) holds none of them."""
    schema = {"fields": [{"name": "x", "type": "number"},
                         {"name": "y", "type": "number", "constraints": {"minimum": 0}},
                         {"name": "amount", "type": "number"}]}
    assert found(package(tmp_path / "bad", b"x,y,amount\nNaN,1,1\n1e309,NaN,NaN\n+INF,-INF,INF\n",
                         schema=schema)) == [
        't.csv, row 3, column "amount": "NaN" is not an amount of money (a number with at most 2 decimals) '
        '[type-error]',
        't.csv, row 3, column "x": "1e309" is not a number [type-error]',
        't.csv, row 3, column "y": "NaN" (not a number) cannot meet the minimum 0 [minimum]',
        't.csv, row 4, column "amount": "INF" is not an amount of money (a number with at most 2 decimals) '
        '[type-error]',
        't.csv, row 4, column "x": "+INF" is not a number [type-error]',
        't.csv, row 4, column "y": "-INF" is below the minimum 0 [minimum]',
    ]
    good = package(tmp_path / "good", b"x,y,amount\nNaN,inf,1\nINF,1e308,2\n-inf,nan,3\n",
                   schema={"fields": schema["fields"][:1] + [{"name": "y", "type": "number"}, schema["fields"][2]]})
    assert found(good) == []
    import frictionless

    assert frictionless.validate(str(good / "datapackage.json")).valid  # the stock validator agrees
    result = build(good, tmp_path / "out.duckdb", today=TODAY, commit="")
    assert result.report.valid
    import math

    import duckdb

    with duckdb.connect(str(tmp_path / "out.duckdb"), read_only=True) as con:
        (x1, y1), (x2, y2), (x3, y3) = con.execute('SELECT x, y FROM things ORDER BY amount').fetchall()
    assert math.isnan(x1) and x2 == math.inf and x3 == -math.inf and y1 == math.inf and y2 == 1e308
    assert math.isnan(y3)


def test_what_only_data_package_v2_has_needs_a_v2_descriptor(tmp_path):
    """Without "$schema" a descriptor is Data Package v1 (as the spec and Frictionless read it), which
    has no exclusive bounds and no missingValues objects: refused, saying how to declare v2."""
    schema = {"fields": [{"name": "n", "type": "integer", "constraints": {"exclusiveMinimum": 0}}],
              "missingValues": [{"value": "", "label": "none"}]}
    folder = package(tmp_path / "v1", b"n\n1\n", schema=schema)
    descriptor = json.loads((folder / "datapackage.json").read_text())
    del descriptor["$schema"]
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    how = ('is part of Data Package v2, and this package is v1 (it declares no "$schema", or a v1 profile): set '
           '"$schema": "https://datapackage.org/profiles/2.0/datapackage.json" in datapackage.json [package-error]')
    assert found(folder) == [
        f"datapackage.json: at resources[0].schema.fields[0].constraints.exclusiveMinimum: the constraint "
        f"'exclusiveMinimum' {how}",
        f"datapackage.json: at resources[0].schema.missingValues: missingValues in object form {how}",
    ]
    assert found(package(tmp_path / "v2", b"n\n1\n", schema=schema)) == []
    from xinjiang_pairing.profiles import datapackage_version  # read as Frictionless reads "$schema"

    assert [datapackage_version({"$schema": s}) for s in (
        "HTTPS://datapackage.org/profiles/1.0/datapackage.json", "https://datapackage.org/profiles/1.0/x?y=1",
        "https://datapackage.org/profiles/2.0/datapackage.json", "https://example.org/profiles/1.0/x")] == [
        "v1", "v1", "v2", "unknown"]
    # and the stock validator, given the v2 package, agrees (its schemas are checked in the package's version)
    assert validate_package(package(tmp_path / "v2b", b"n\n1\n", schema=schema), today=TODAY).valid


def test_every_unicode_space_is_stray_whitespace():
    from xinjiang_pairing.rules.generic import WHITESPACE

    assert {"\u00a0", "\u3000", "\u2009", "\u200b", "\ufeff", " ", "\t"} <= set(WHITESPACE)


# 4. outputs


def test_special_files_folders_and_links_are_never_replaced(tmp_path):
    folder = package(tmp_path / "pkg")
    (tmp_path / "target").write_bytes(b"keep")
    (tmp_path / "link").symlink_to(tmp_path / "target")
    for out, words in [("/dev/null", "not a regular file"), (tmp_path, "is a folder"),
                       (tmp_path / "link", "symbolic link")]:
        with pytest.raises(OutputError, match=words):
            build(folder, out, today=TODAY, commit="")
    assert (tmp_path / "target").read_bytes() == b"keep"


def test_stale_temporary_files_of_dead_runs_are_removed(tmp_path):
    out = tmp_path / "x.duckdb"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = [tmp_path / f".x.duckdb.{dead.stdout.strip()}.tmp", tmp_path / f".x.duckdb.{dead.stdout.strip()}.tmp.wal"]
    alive = tmp_path / f".x.duckdb.{os.getppid()}.tmp"
    for p in [*stale, alive]:
        p.write_bytes(b"")
    assert sorted(remove_stale(out)) == sorted(stale)
    assert alive.exists()


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "said"), [
    (signal.SIGTERM, "stopped by signal SIGTERM: temporary files removed, nothing was written\n"),
    (signal.SIGINT, "interrupted: nothing was written\n")])
@pytest.mark.parametrize("delay", [0.0, 0.3])
def test_a_signal_during_build_leaves_no_temporary_files(tmp_path, delay, sig, said):
    """Two tables, read at the same time (two lanes): SIGTERM or Ctrl-C stops both reads and the
    build says so, whether it comes as the file is made or during the reads."""
    rows = b"".join(b"%d,%d.5,true\n" % (i, i) for i in range(500_000))
    folder = package(tmp_path / "pkg", b"id,x,ok\n" + rows)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"].append({**descriptor["resources"][0], "name": "others", "path": "u.csv"})
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    (folder / "u.csv").write_bytes(b"id,x,ok\n" + rows)
    out = tmp_path / "dist" / "x.duckdb"
    out.parent.mkdir()
    out.write_bytes(b"previous")
    proc = subprocess.Popen([sys.executable, "-m", "xinjiang_pairing.cli", "build", str(folder), "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while time.time() < deadline and not any(p.name.endswith(".tmp") for p in out.parent.iterdir()):
        time.sleep(0.02)
    time.sleep(delay)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (1, said)
    assert sorted(p.name for p in out.parent.iterdir()) == ["x.duckdb"]
    assert out.read_bytes() == b"previous"


def test_fetch_versions_cannot_leave_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XINJIANG_PAIRING_CACHE", str(tmp_path / "cache"))
    assert normalize_version("v0.3.0") == "0.3.0"
    for bad in ["../x", "0.3", "0.3.0/../../x", "", "/etc"]:
        with pytest.raises(FetchError, match="is not a version"):
            fetch(bad, sha256="0" * 64, base_url="http://127.0.0.1:9")
    with pytest.raises(FetchError, match="--sha256"):
        fetch("0.3.0", sha256="", base_url="http://127.0.0.1:9")
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


# 5. query


def test_query_cannot_write_read_outside_or_install(tmp_path):
    out = tmp_path / "x.duckdb"
    assert build(package(tmp_path / "pkg"), out, today=TODAY, commit="").report.valid
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    for sql in [f"COPY (SELECT 1) TO '{tmp_path / 'w.csv'}'", f"SELECT * FROM read_csv('{secret}')",
                "INSTALL httpfs", "SET enable_external_access = true", f"ATTACH '{tmp_path / 'n.duckdb'}'",
                "DELETE FROM things", "SELECT * FROM range(10) r, range(10) s"]:
        args = ["query", sql, "-d", str(out)] + (["--max-rows", "50"] if "range" in sql else [])
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1, (sql, result.output)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not (tmp_path / "w.csv").exists() and not (tmp_path / "n.duckdb").exists()
    assert CliRunner().invoke(cli, ["query", "  ", "-d", str(out)]).exit_code == 2


# 6. one error path


def hostile_inputs(tmp_path: Path) -> list[list[str]]:
    bad = tmp_path / "bad"
    package(bad, b"id,x,ok\r\n1,2,true\r\n")
    (bad / "datapackage.json").write_text('{"resources": [{"name": "t", "path": ["a", "b"]}]}')
    notjson = tmp_path / "notjson"
    notjson.mkdir()
    (notjson / "datapackage.json").write_bytes(b"\xff{")
    dbfile = tmp_path / "not.duckdb"
    dbfile.write_bytes(b"not a database")
    return [
        ["validate", str(bad)], ["validate", str(notjson)], ["validate", str(tmp_path / "none")],
        ["validate", "--json", str(bad)], ["build", str(bad)], ["build", str(notjson), "-o", "/dev/null"],
        ["build", str(tmp_path / "none"), "-o", str(tmp_path)], ["query", "SELECT 1", "-d", str(dbfile)],
        ["query", "SELECT 1", "-d", str(tmp_path / "none.duckdb")], ["tables", "-d", str(dbfile)],
        ["fetch", "../../x"], ["fetch", "0.3.0", "--sha256", ""], ["fetch", "0.3.0", "--file", "parquet:../x"],
        ["diff", str(bad), str(notjson)], ["citation", str(notjson)], ["site", str(bad), "-d", str(dbfile)],
        ["release", str(notjson)],
    ]


@pytest.mark.slow
def test_every_command_fails_with_one_line_on_hostile_input(tmp_path):
    for args in hostile_inputs(tmp_path):
        proc = subprocess.run([sys.executable, "-m", "xinjiang_pairing.cli", *args], capture_output=True, text=True,
                              timeout=120, env={**os.environ, "XINJIANG_PAIRING_CACHE": str(tmp_path / "cache")})
        assert proc.returncode in (1, 2), (args, proc.stderr)
        assert "Traceback" not in proc.stderr + proc.stdout, (args, proc.stderr)


def test_a_missing_optional_dependency_names_the_extra(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_pooch(name, *args, **kwargs):
        if name == "pooch" or name.startswith("pooch."):
            raise ModuleNotFoundError("No module named 'pooch'", name="pooch")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pooch)
    monkeypatch.delenv("XINJIANG_PAIRING_CACHE", raising=False)
    result = CliRunner().invoke(cli, ["fetch", "0.3.0"])
    assert result.exit_code == 1
    assert result.stderr.strip() == ("this command needs the optional package pooch: "
                                     "pip install 'xinjiang-pairing-assistance[fetch]'")


# 7. the property test

NAMES = st.sampled_from(["a", "b", "my-things", "x.y", "A B", "x;y", "", "_row", "über", 'q"x'])
TYPES = st.sampled_from(["string", "integer", "number", "date", "boolean", "year", "geopoint", "strin"])
CELLS = st.sampled_from(["1", "-0", "1e309", "NaN", "", " 1", "2020-02-30", "2020-01-01", "true", "=1+1",
                         "x\u3000", '"q""', "9999999999999999999", "0000-01-01", ",", "\u00a0"])
CONSTRAINTS = st.sampled_from([{}, {"required": True}, {"minimum": 0}, {"exclusiveMaximum": 5},
                               {"pattern": "[0-9]+"}, {"enum": ["1", "true"]}, {"maxLength": 2}, {"foo": 1}])
ENDINGS = st.sampled_from([b"\n", b"\r\n", b"\r"])


def files_outside_temp(*folders: Path) -> dict[Path, tuple[int, int]]:
    """Every file (size, modification time) in ``folders``, the repository and the home folder's
    top level and cache: where a stray write outside the output and the temporary folder would
    show."""
    from conftest import ROOT

    home = Path.home()
    places = [*(p for f in folders for p in f.rglob("*")), *home.glob("*"), *home.glob(".cache/*"),
              *(p for p in ROOT.iterdir() if p.name not in {".git", ".venv", "node_modules", ".hypothesis",
                                                             ".pytest_cache", ".ruff_cache"})]
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in places if p.is_file()}


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(fields=st.lists(st.tuples(NAMES, TYPES, CONSTRAINTS), min_size=1, max_size=3), name=NAMES,
       rows=st.lists(st.lists(CELLS, min_size=0, max_size=4), max_size=5), ending=ENDINGS,
       latin1=st.booleans())
def test_hostile_packages_never_crash_and_never_pass_what_frictionless_rejects(
        tmp_path_factory, fields, name, rows, ending, latin1):
    import frictionless

    folder = tmp_path_factory.mktemp("prop")
    schema = {"fields": [{"name": n, "type": t, "constraints": c} for n, t, c in fields]}
    text = ending.decode().join([",".join(n for n, _, _ in fields)] + [",".join(r) for r in rows]) + ending.decode()
    data = text.encode("latin-1", "replace") if latin1 else text.encode("utf-8")
    package(folder, data, name=name or "t", schema=schema)
    # named difference: without a dialect Frictionless guesses the delimiter from the data ("x;y"
    # reads as two columns); the project reads the spec's default, a comma. State it for both.
    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["resources"][0]["dialect"] = {"delimiter": ","}
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    out = folder / "out.duckdb"
    out.write_bytes(b"previous")
    work = tmp_path_factory.mktemp("cwd")  # the working folder: a relative path would land here
    before = files_outside_temp(folder, work)
    before.pop(out)
    cwd = os.getcwd()
    os.chdir(work)
    try:
        result = CliRunner().invoke(cli, ["build", str(folder), "-o", str(out)])
    finally:
        os.chdir(cwd)
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output
    after = files_outside_temp(folder, work)
    after.pop(out)
    assert after == before  # nothing written but the output (and temporary files)
    report = validate_package(folder, today=TODAY, descriptor=False)
    if result.exit_code != 0:
        assert out.read_bytes() == b"previous"
    if report.valid:
        stock = frictionless.validate(str(folder / "datapackage.json"))
        # named differences: the project refuses what Frictionless accepts, never the other way
        assert stock.valid, stock.flatten(["type", "note"])
