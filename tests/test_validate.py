"""The validation engine on bad input: each fault gives one located, plain-words problem."""

from conftest import TODAY, problems

from xinjiang_pairing.package import load_package
from xinjiang_pairing.rules import dataset
from xinjiang_pairing.validate import validate_package


def test_the_published_package_is_valid(root):
    report = validate_package(root, today=TODAY)
    assert report.to_text().startswith("valid:"), report.to_text(20)
    assert list(report.rows_checked) == [r.name for r in load_package(root).resources]


def test_ragged_rows_are_located(pkg):
    short = pkg.append_line("parties", "atlantis,Atlantis,亚特兰蒂斯")
    long = pkg.append_line("parties", "x,X,X,province,beijing,,note,extra")
    assert problems(pkg) == [
        f"data/parties.csv, row {short}: the row has 3 cells, the header has 7 [missing-cell]",
        f"data/parties.csv, row {long}: the row has 8 cells, the header has 7 [extra-cell]",
    ]


def test_duplicate_primary_key(pkg):
    row = pkg.append_line("parties", "beijing,Beijing again,北京,municipality,beijing,,")
    assert problems(pkg) == [
        f'data/parties.csv, row {row}, column "party_id": "beijing" repeats the primary key of row 3 [primary-key]'
    ]


def test_a_page_cited_under_a_second_source_id_is_refused(pkg):
    """Each page is one source: a second sources row with the address of another is a problem of
    the url column (and, cited by no fact row, of its own id)."""
    rows = pkg.rows("sources")
    first = rows[0]
    pkg.write("sources", [*rows, {**first, "source_id": "the-same-page-again"}])
    row = len(rows) + 2
    assert problems(pkg) == [
        f'data/sources.csv, row {row}, column "source_id": the source the-same-page-again is not cited by any row '
        f"[{dataset.every_source_cited}]",
        f'data/sources.csv, row {row}, column "url": "{first["url"]}" repeats the column url of row 2 [unique]',
    ]


def test_dangling_foreign_key(pkg):
    row = pkg.edit("parties", {"party_id": "shaoxing"}, place_id="atlantis")
    assert problems(pkg) == [
        f'data/parties.csv, row {row}, column "place_id": "atlantis" is not a place_id in places [foreign-key]'
    ]


def test_dangling_self_reference(pkg):
    row = pkg.edit("places", {"place_id": "kunshan"}, parent_place_id="nowhere")
    assert problems(pkg) == [
        f'data/places.csv, row {row}, column "parent_place_id": "nowhere" is not a place_id in places [foreign-key]'
    ]


def test_wrong_type(pkg):
    row = pkg.edit("programs", {"program_id": "round-2010"}, start_year="2010s")
    assert problems(pkg) == [
        f'data/programs.csv, row {row}, column "start_year": "2010s" is not an integer [type-error]'
    ]


def test_bad_date_is_a_type_error(pkg):
    row = pkg.edit("sources", {"source_id": "xinhua-2023-09-22-commentary"}, published_date="2023-02-30")
    assert problems(pkg) == [
        f'data/sources.csv, row {row}, column "published_date": "2023-02-30" is not a date (YYYY-MM-DD) [type-error]'
    ]


def test_enum_and_pattern(pkg):
    row = pkg.edit("parties", {"party_id": "shaoxing"}, party_type="town", parent_party_id="Zhejiang")
    assert problems(pkg) == [
        f'data/parties.csv, row {row}, column "parent_party_id": "Zhejiang" is not a party_id in parties [foreign-key]',
        f'data/parties.csv, row {row}, column "parent_party_id": "Zhejiang" does not match the pattern '
        f"^[a-z0-9]+(-[a-z0-9]+)*$ [pattern]",
        f'data/parties.csv, row {row}, column "party_type": "town" is not one of the allowed values: province, '
        "municipality, sub_provincial_city, city, county_level_city, district, central_department, central_soes, "
        "collective, institution, enterprise [enum]",
    ]


def test_a_pattern_the_engine_cannot_use_is_named_and_its_file_not_read(pkg):
    import json

    path = pkg.root / "schemas" / "parties.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    field = next(f for f in schema["fields"] if f["name"] == "party_id")
    field["constraints"]["pattern"] = "(?=[a-z])[a-z0-9-]+"  # a lookahead: Python reads it, RE2 does not
    path.write_text(json.dumps(schema), encoding="utf-8")
    assert problems(pkg) == [  # nothing else: the file is not read, nor looked up by others
        "data/parties.csv, column \"party_id\": the pattern '(?=[a-z])[a-z0-9-]+' cannot be used: "
        "Invalid Input Error: invalid perl operator: (?= [schema-error]"]


def test_required_value_missing(pkg):
    row = pkg.edit("places", {"place_id": "kunshan"}, name_zh="")
    assert problems(pkg) == [f'data/places.csv, row {row}, column "name_zh": a value is required [required]']


def test_non_utf8_file(pkg):
    row = pkg.append_line("parties", b"bad,Bad \xff\xfe,X,province,,,")
    assert problems(pkg) == [f"data/parties.csv, row {row}: the line is not valid UTF-8 [encoding-error]"]


def test_missing_column(pkg):
    rows = pkg.rows("parties")
    header = [h for h in pkg.header("parties") if h != "notes"]
    pkg.write("parties", rows, header)
    assert problems(pkg) == [
        'data/parties.csv, row 1, column "notes": the column "notes" is missing from the header [header-error]'
    ]


def test_extra_and_reordered_columns(pkg):
    rows = pkg.rows("indicators")
    header = pkg.header("indicators")
    pkg.write("indicators", rows, header + ["comment"])
    assert problems(pkg) == [
        'data/indicators.csv, row 1, column "comment": the header has a column "comment" that the schema '
        "does not define [header-error]"
    ]
    pkg.write("indicators", rows, list(reversed(header)))
    assert problems(pkg) == [
        "data/indicators.csv, row 1: the columns are not in schema order; expected: "
        + ", ".join(header)
        + " [header-error]"
    ]


def test_empty_file(pkg):
    pkg.path("meetings").write_bytes(b"")
    assert problems(pkg) == [
        "data/meetings.csv: the file is empty: it needs at least a header row [empty-file]"
    ]


def test_missing_file(pkg):
    pkg.path("meetings").unlink()
    assert problems(pkg) == ["data/meetings.csv: the file does not exist [scheme-error]"]


def test_every_fault_is_reported_not_only_the_first(pkg):
    rows = pkg.rows("places")
    for r in rows[:30]:
        r["level"] = "hamlet"
    pkg.write("places", rows)
    found = [p for p in problems(pkg) if "[enum]" in p]
    assert len(found) == 30


def test_invalid_descriptor(pkg):
    text = (pkg.root / "datapackage.json").read_text()
    (pkg.root / "datapackage.json").write_text(text.replace('"contributors": [', '"contributors": "nobody", "x": ['))
    assert problems(pkg, descriptor=True) == [
        "datapackage.json: 'nobody' is not of type 'array' at property 'contributors' [package-error]"
    ]


def test_unreadable_descriptor(pkg):
    (pkg.root / "datapackage.json").write_text("{not json")
    assert problems(pkg) == [
        f"datapackage.json: Package descriptor {pkg.root / 'datapackage.json'} is not valid JSON: "
        "Expecting property name enclosed in double quotes at line 1 [package-error]"
    ]


def small_package(root, missing_values, rows):
    """One table (id, count, note) whose schema declares ``missing_values``."""
    import json

    (root / "data").mkdir(parents=True)
    (root / "data" / "t.csv").write_text("id,count,note\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    schema = {"fields": [{"name": "id", "type": "string", "constraints": {"required": True}},
                         {"name": "count", "type": "integer"}, {"name": "note", "type": "string"}],
              "missingValues": missing_values}
    (root / "datapackage.json").write_text(json.dumps(
        {"name": "t", "resources": [{"name": "t", "path": "data/t.csv", "schema": schema}]}))
    return root


def test_declared_missing_values_are_missing(tmp_path):
    from xinjiang_pairing.pandera_schemas import read_csv

    root = small_package(tmp_path / "p", ["", "NA"], ["a,NA,NA", "NA,1,", "b,,x"])
    assert problems(root) == ['data/t.csv, row 3, column "id": a value is required [required]']
    df = read_csv(load_package(root).resource("t"))
    assert df.rows() == [("a", None, None), (None, 1, None), ("b", None, "x")]


def test_an_empty_cell_is_a_value_unless_declared_missing(tmp_path):
    from xinjiang_pairing.pandera_schemas import read_csv

    root = small_package(tmp_path / "p", ["NA"], ["a,NA,", "b,,x"])
    assert problems(root) == ['data/t.csv, row 3, column "count": "" is not an integer [type-error]']
    assert read_csv(load_package(root).resource("t")).rows()[0] == ("a", None, "")


def test_unreadable_missing_values_are_refused(tmp_path):
    for i, (values, words) in enumerate([
        ([], 'missingValues []: a list with at least one string is needed (the default is [""])'),
        ([0], "missingValues [0]: it must be a list of strings (or of objects with a string \"value\")"),
    ]):
        root = small_package(tmp_path / str(i), values, ["a,1,x"])
        assert problems(root) == [f"datapackage.json: the Table Schema of resource 't' has {words} [package-error]"]


def test_checks_in_one_process_share_a_duckdb_and_leave_nothing_in_it(pkg, root):
    """Each check runs in an in-memory database of its own on the process's one DuckDB
    (``engine.session``), detached when it ends: checks at the same time, in threads, keep their
    tables and problems apart, and afterwards no database or table of theirs is left."""
    import os
    import threading

    from xinjiang_pairing import engine

    row = pkg.edit("parties", {"party_id": "shaoxing"}, place_id="atlantis")
    expected = [f'data/parties.csv, row {row}, column "place_id": "atlantis" is not a place_id in places [foreign-key]']
    found = {}

    def check(name, where):
        found[name] = problems(where)

    threads = [threading.Thread(target=check, args=(f"{kind}-{i}", where))
               for i in range(2) for kind, where in (("broken", pkg), ("published", root))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert found == {f"{kind}-{i}": expected if kind == "broken" else [] for i in range(2)
                     for kind in ("broken", "published")}
    shared = engine._shared[os.getpid()]
    assert [r[0] for r in shared.execute(
        "SELECT database_name FROM duckdb_databases() WHERE NOT internal ORDER BY 1").fetchall()] == ["memory"]
    assert shared.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0] == 0
    assert shared.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone()[0] == 0


def test_small_packages_share_one_duckdb_on_one_thread_and_large_ones_get_their_own(root, monkeypatch):
    """``engine.session``: a package whose files are all small is checked in a database of its own
    on the shared DuckDB, one thread per query; one with a large file on a DuckDB of its own, with
    every thread DuckDB would use."""
    from xinjiang_pairing import engine

    package = load_package(root)
    query = "SELECT current_database(), current_setting('threads')"
    with engine.session(package) as con:
        database, threads = con.execute(query).fetchone()
    assert database.startswith("check_") and threads == 1
    fresh = engine.connect()
    every = fresh.execute("SELECT current_setting('threads')").fetchone()[0]
    fresh.close()
    monkeypatch.setattr(engine, "EXACT_BYTES", 0)  # every file counts as large
    with engine.session(package) as con:
        assert con.execute(query).fetchone() == ("memory", every)
