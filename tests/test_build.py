"""The DuckDB file: constraints, comments, views, metadata, atomic writes, old-reader compatibility."""

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import TODAY, csv_rows

from xinjiang_pairing.build import STORAGE_VERSION, build
from xinjiang_pairing.package import load_package


@pytest.fixture
def db(built):
    con = duckdb.connect(str(built), read_only=True)
    yield con
    con.close()


def test_every_resource_is_a_table_with_all_rows(db, root):
    package = load_package(root)
    for res in package.resources:
        assert db.execute(f'SELECT count(*) FROM "{res.name}"').fetchone()[0] == csv_rows(res.path)
        cols = [r[0] for r in db.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [res.name]
        ).fetchall()]
        assert cols == res.field_names


def test_constraints_are_generated_from_the_schemas(db, root):
    kinds = dict(db.execute(
        "SELECT constraint_type, count(*) FROM duckdb_constraints() WHERE table_name = 'funding' GROUP BY 1"
    ).fetchall())
    assert kinds["PRIMARY KEY"] == 1
    assert kinds["FOREIGN KEY"] == len(load_package(root).resource("funding").foreign_keys) == 6
    assert kinds["CHECK"] >= 10
    assert kinds["NOT NULL"] >= 8
    with pytest.raises(duckdb.Error):
        db.execute("INSERT INTO funding (funding_id) VALUES ('x')")  # read-only, and constraints


def test_constraints_hold_in_a_writable_copy(built, tmp_path):
    copy = tmp_path / "w.duckdb"
    shutil.copy(built, copy)
    con = duckdb.connect(str(copy))
    with pytest.raises(duckdb.ConstraintException, match="foreign key"):
        con.execute("UPDATE parties SET place_id = 'atlantis' WHERE party_id = 'shaoxing'")
    with pytest.raises(duckdb.ConstraintException, match="CHECK constraint"):
        con.execute(
            "INSERT INTO indicators VALUES ('new-one', 'x', 'people', 'not-a-category', 'x')"
        )
    con.close()


def test_comments_on_every_table_and_column(db, root):
    package = load_package(root)
    for res in package.resources:
        comment = db.execute("SELECT comment FROM duckdb_tables() WHERE table_name = ?", [res.name]).fetchone()[0]
        assert comment.startswith(res.title)
        for f in res.fields:
            got = db.execute(
                "SELECT comment FROM duckdb_columns() WHERE table_name = ? AND column_name = ?", [res.name, f.name]
            ).fetchone()[0]
            assert got == f.description


def test_release_and_tables_metadata(db, root):
    name, version, commit, storage = db.execute(
        "SELECT package_name, version, git_commit, storage_version FROM _release"
    ).fetchone()
    package = load_package(root)
    assert (name, version, storage) == (package.name, package.version, STORAGE_VERSION)
    assert len(commit) in (0, 40)
    rows = dict(db.execute("SELECT table_name, row_count FROM _tables").fetchall())
    assert rows == {r.name: db.execute(f'SELECT count(*) FROM "{r.name}"').fetchone()[0] for r in package.resources}


def test_views_fold_repeated_figures(db):
    total = db.execute("SELECT count(*) FROM funding").fetchone()[0]
    repeats = db.execute("SELECT count(*) FROM funding WHERE same_as IS NOT NULL").fetchone()[0]
    assert repeats > 0
    assert db.execute("SELECT count(*) FROM funding_figures").fetchone()[0] == total - repeats
    assert db.execute("SELECT sum(reported_by) FROM funding_figures").fetchone()[0] == total
    assert db.execute("SELECT count(*) FROM pairings_named").fetchone()[0] == db.execute(
        "SELECT count(*) FROM pairings").fetchone()[0]
    outcome_total = db.execute("SELECT count(*) FROM outcomes").fetchone()[0]
    assert db.execute("SELECT sum(reported_by) FROM outcome_figures").fetchone()[0] == outcome_total


def test_invalid_data_writes_nothing_and_keeps_the_old_file(pkg, built, tmp_path):
    out = tmp_path / "keep.duckdb"
    shutil.copy(built, out)
    before = out.read_bytes()
    pkg.append_line("parties", "broken,row")
    result = build(pkg.root, out)
    assert not result.report.valid and result.path is None
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.duckdb", "pkg"]


def test_duckdb_1_5_cli_reads_the_file(built):
    cli = shutil.which("duckdb", path=str(Path(sys.executable).parent))
    assert cli, "duckdb-cli (pinned in the lock file) is missing"
    version = subprocess.run([cli, "-version"], capture_output=True, text=True).stdout
    assert version.startswith("v1.5")
    out = subprocess.run(
        [cli, "-readonly", "-csv", "-noheader", str(built), "-c",
         "SELECT count(*) FROM places; SELECT comment FROM duckdb_tables() WHERE table_name = 'places';"],
        capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stderr
    count, comment = out.stdout.strip().splitlines()[:2]
    assert int(count) > 100 and comment.strip('"').startswith("Places: ")


def test_small_packages_get_small_blocks(built, db):
    from xinjiang_pairing.build import DEFAULT_BLOCK_SIZE, SMALL_BLOCK_SIZE, block_size

    assert block_size(500_000) == SMALL_BLOCK_SIZE and block_size(200_000_000) == DEFAULT_BLOCK_SIZE
    assert db.execute("SELECT block_size FROM _release").fetchone()[0] == SMALL_BLOCK_SIZE
    assert db.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0] == SMALL_BLOCK_SIZE
    assert built.stat().st_size < 4_000_000  # 256 KiB blocks made it about 15 MB


def test_every_foreign_key_is_listed_and_declared_in_a_small_package(db, root):
    package = load_package(root)
    listed = db.execute(
        "SELECT table_name, column_names, referenced_table, referenced_columns, declared FROM _foreign_keys"
    ).fetchall()
    expected = [(r.name, list(fk.fields), fk.resource, list(fk.ref_fields), True)
                for r in package.resources for fk in r.foreign_keys]
    assert sorted(listed) == sorted(expected)
    constraints = db.execute("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY'")
    assert constraints.fetchone()[0] == len(expected)


def test_large_tables_keep_keys_but_not_declared_foreign_keys(pkg, tmp_path, monkeypatch):
    import xinjiang_pairing.build as b

    funding, outcomes = len(pkg.rows("funding")), len(pkg.rows("outcomes"))
    assert funding < outcomes
    monkeypatch.setattr(b, "FOREIGN_KEY_MAX_ROWS", funding)  # funding keeps its keys declared, outcomes not
    result = build(pkg.root, tmp_path / "x.duckdb")
    assert result.report.valid, result.report.to_text(5)
    con = duckdb.connect(str(result.path), read_only=True)
    kinds = dict(con.execute(
        "SELECT table_name || ' ' || constraint_type, count(*) FROM duckdb_constraints() "
        "WHERE table_name IN ('funding', 'outcomes') AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY') GROUP BY 1"
    ).fetchall())
    assert kinds == {"funding PRIMARY KEY": 1, "funding FOREIGN KEY": 6, "outcomes PRIMARY KEY": 1}
    declared = dict(con.execute(
        "SELECT table_name, bool_and(declared) FROM _foreign_keys GROUP BY 1").fetchall())
    package = load_package(pkg.root)
    assert declared == {r.name: csv_rows(r.path) <= funding for r in package.resources if r.foreign_keys}
    assert False in declared.values() and True in declared.values()
    for res in package.resources:
        assert con.execute(f'SELECT count(*) FROM "{res.name}"').fetchone()[0] == csv_rows(res.path)
    con.close()


BREAKS = {
    "duplicate primary key": lambda p: p.edit("funding", {"funding_id": p.rows("funding")[1]["funding_id"]},
                                              funding_id=p.rows("funding")[0]["funding_id"]),
    "dangling foreign key": lambda p: p.edit("outcomes", {"outcome_id": p.rows("outcomes")[0]["outcome_id"]},
                                             program_id="no-such-program"),
    "row rule": lambda p: p.edit("funding", {"funding_id": "ecns-2021-aid-funds-since-2019"},
                                 period_end_year="2018"),
    "table rule": lambda p: p.edit("pairings", {"pairing_id": p.rows("pairings")[0]["pairing_id"]},
                                   recipient_place_id="beijing"),
    "type and pattern": lambda p: p.edit("funding", {"funding_id": "ecns-2021-aid-funds-since-2019"},
                                         amount="12x", currency="yuan"),
    "ragged row": lambda p: p.append_line("parties", "broken,row"),
    "missing column": lambda p: p.write("programs", p.rows("programs"), p.header("programs")[:-1]),
}


FAST_BREAKS = ("type and pattern", "table rule")  # the rest in the whole suite only


@pytest.mark.parametrize("kind", [k if k in FAST_BREAKS else pytest.param(k, marks=pytest.mark.slow) for k in BREAKS])
def test_a_failed_build_reports_exactly_what_validate_reports(pkg, tmp_path, kind):
    from xinjiang_pairing.validate import validate_package

    BREAKS[kind](pkg)
    out = tmp_path / "x.duckdb"
    result = build(pkg.root, out, today=TODAY)
    expected = validate_package(pkg.root, today=TODAY)
    assert not expected.valid
    assert result.report.sorted() == expected.sorted()
    assert result.path is None and not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["pkg"]


@pytest.mark.slow  # a synthetic package built
def test_a_synthetic_package_with_faults_of_every_kind(tmp_path):
    from xinjiang_pairing.synthetic import expected_faults, make_package
    from xinjiang_pairing.validate import validate_package

    pkg = make_package(tmp_path / "pkg", rows=400, fault_rate=0.05)
    result = build(pkg, tmp_path / "x.duckdb", today=TODAY)
    expected = validate_package(pkg, today=TODAY)
    assert result.report.sorted() == expected.sorted()
    assert {p.row for p in result.report.problems if p.file == "data/funding.csv"} == set(
        expected_faults(400, 0.05))


@pytest.mark.slow  # builds twice; the flag is in test_cli
def test_all_foreign_keys_declares_them_on_large_tables_too(pkg, tmp_path, monkeypatch):
    import xinjiang_pairing.build as b

    monkeypatch.setattr(b, "FOREIGN_KEY_MAX_ROWS", 60)
    result = build(pkg.root, tmp_path / "x.duckdb", all_foreign_keys=True)
    assert result.report.valid, result.report.to_text(5)
    con = duckdb.connect(str(result.path), read_only=True)
    fks = con.execute("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY'")
    assert fks.fetchone()[0] == sum(len(r.foreign_keys) for r in load_package(pkg.root).resources)
    assert con.execute("SELECT bool_and(declared) FROM _foreign_keys").fetchone()[0] is True
    con.close()


@pytest.mark.slow  # a build in another process
def test_an_interrupted_build_leaves_nothing_behind(root, tmp_path, monkeypatch):
    import xinjiang_pairing.engine as e

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(e.DescriptorCheck, "result", interrupted)
    out = tmp_path / "x.duckdb"
    with pytest.raises(KeyboardInterrupt):
        build(root, out)
    assert list(tmp_path.iterdir()) == []


def test_schemas_and_descriptor_travel_with_the_data(db, root):
    import json

    package = load_package(root)
    stored = dict(db.execute("SELECT table_name, table_schema FROM _schemas").fetchall())
    assert {name: json.loads(text) for name, text in stored.items()} == {
        r.name: json.loads((root / "schemas" / f"{r.name}.json").read_text(encoding="utf-8"))
        for r in package.resources}
    descriptor = json.loads(db.execute("SELECT descriptor FROM _package").fetchone()[0])
    assert descriptor == json.loads((root / "datapackage.json").read_text(encoding="utf-8"))


@pytest.mark.slow  # the package checked four times over
def test_tables_read_in_one_pass_report_true_rows(tmp_path, monkeypatch):
    """A large table is read in one pass (DuckDB may reorder its rows); when a check fails, the
    package is checked again with every table numbered by the reader, so every problem has its
    true row."""
    import xinjiang_pairing.engine as e
    from xinjiang_pairing.synthetic import expected_faults, make_package
    from xinjiang_pairing.validate import validate_package

    pkg = make_package(tmp_path / "pkg", rows=400, fault_rate=0.05)
    exact = validate_package(pkg, today=TODAY, descriptor=False)
    monkeypatch.setattr(e, "EXACT_BYTES", 0)  # every table counts as large
    loads = []
    real_load = e.load
    monkeypatch.setattr(e, "load", lambda con, res, into, exact, scan, again=False: loads.append(exact) or real_load(
        con, res, into, exact, scan, again))
    assert validate_package(pkg, today=TODAY, descriptor=False).sorted() == exact.sorted()
    assert {p.row for p in exact.problems if p.file == "data/funding.csv"} == set(expected_faults(400, 0.05))
    # one pass; the table with failing cells (funding) again exactly, at once, and nothing else
    funding = [r.name for r in load_package(pkg).resources].index("funding")
    assert loads == [False] * (funding + 1) + [True] + [False] * (9 - funding)
    loads.clear()
    keys = make_package(tmp_path / "keys", rows=50)  # no failing cell, a repeated key: all again, exactly
    with (keys / "data" / "outcomes.csv").open("a", encoding="utf-8") as fh:
        fh.write((keys / "data" / "outcomes.csv").read_text(encoding="utf-8").splitlines()[1] + "\n")
    repeated = validate_package(keys, today=TODAY, descriptor=False)
    assert [p.rule for p in repeated.problems] == ["primary-key"] and loads == [False] * 10 + [True] * 10
    loads.clear()
    result = build(make_package(tmp_path / "clean", rows=50), tmp_path / "x.duckdb", today=TODAY)
    assert result.report.valid and loads == [False] * 10  # a clean package is read once


@pytest.mark.slow  # two builds
def test_small_packages_build_on_one_thread_per_query(pkg, tmp_path, monkeypatch):
    """A package whose files are all small is built with one thread per query (``engine.small``);
    one with a large file with DuckDB's default, every core."""
    import xinjiang_pairing.engine as e

    asked = []
    connect = e.connect
    monkeypatch.setattr(e, "connect", lambda threads=None: asked.append(threads) or connect(threads))
    assert build(pkg.root, tmp_path / "small.duckdb").report.valid
    monkeypatch.setattr(e, "EXACT_BYTES", 0)  # every file counts as large
    assert build(pkg.root, tmp_path / "large.duckdb").report.valid
    assert asked == [1, None]
