"""The stock validators' verdicts, remembered for the same files: reused only for the same bytes,
day and code, kept only when the files did not change during the run, and never taken from a
record that is not a whole, well-formed result."""

import json

import pytest

from xinjiang_pairing import gate, remembered


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XINJIANG_PAIRING_CACHE", str(tmp_path / "cache"))


def remembered_run(root, day, run):
    return gate._remembered(gate.FRICTIONLESS, root, day, gate._environment(), run)


def counting(valid: bool = True, during=None):
    calls = []

    def run(parts):
        calls.append(1)
        if during:
            during()
        return gate.ValidatorResult(gate.FRICTIONLESS, gate._version(gate.FRICTIONLESS), valid, 1.5,
                                    [] if valid else ["data/x.csv, row 2: bad [type-error]"])
    return run, calls


def test_a_verdict_is_reused_for_the_same_files_day_and_code_only(pkg, tmp_path, monkeypatch):
    run, calls = counting(valid=False)
    first = remembered_run(pkg.root, "2026-11-30", run)
    again = remembered_run(pkg.root, "2026-11-30", run)
    assert (first.remembered, again.remembered, len(calls)) == (False, True, 1)
    assert (again.valid, again.problems, again.seconds) == (first.valid, first.problems, first.seconds)
    assert not remembered_run(pkg.root, "2026-12-01", run).remembered  # another day
    pkg.edit("parties", {"party_id": "shaoxing"}, name_en="Shaoxing, edited")  # other bytes
    assert not remembered_run(pkg.root, "2026-11-30", run).remembered
    monkeypatch.setattr(remembered, "package_source", lambda: "other code")  # the project's code changed
    assert not remembered_run(pkg.root, "2026-11-30", run).remembered
    assert len(calls) == 4
    nothing = tmp_path / "nothing"  # a package that cannot be read: run every time, never kept
    nothing.mkdir()
    for _ in range(2):
        assert not remembered_run(nothing, "", run).remembered
    assert len(calls) == 6


def test_a_verdict_on_files_that_changed_during_the_run_is_not_kept(pkg):
    run, calls = counting(during=lambda: pkg.edit("parties", {"party_id": "shaoxing"}, name_en="Changed"))
    remembered_run(pkg.root, "", run)
    assert not remembered.folder(gate.KIND).exists() or not any(remembered.folder(gate.KIND).iterdir())


def test_a_damaged_record_is_not_trusted(pkg):
    run, calls = counting()
    remembered_run(pkg.root, "", run)
    [record] = remembered.folder(gate.KIND).iterdir()
    kept = json.loads(record.read_text(encoding="utf-8"))
    damaged = [{**kept, "valid": "yes"}, {**kept, "problems": "none"}, {**kept, "problems": [1]},
               {**kept, "seconds": None}, {**kept, "seconds": True}, {**kept, "name": 1}, {**kept, "extra": 1},
               {**kept, "seconds": "1.5"}, {k: v for k, v in kept.items() if k != "problems"}, [kept], "{",
               "[" * 100000]
    for record_text in damaged:
        record.write_text(record_text if isinstance(record_text, str) else json.dumps(record_text),
                          encoding="utf-8")
        result = remembered_run(pkg.root, "", run)
        assert (result.remembered, result.valid) == (False, True)
    assert len(calls) == 1 + len(damaged)


def test_the_environment_names_every_installed_distribution_and_its_version(tmp_path, monkeypatch):
    """Read from the names of the metadata folders (quick), it lists what importlib.metadata finds;
    a folder not named name-version is read, and another version changes the environment."""
    import re
    import sys
    from importlib import metadata

    def canonical(name: str) -> str:
        return re.sub(r"[-_.]+", "_", name).lower()

    def listed() -> set[tuple[str, str]]:
        out = set()
        for entry in gate._installed():
            name, version = entry.split("==") if "==" in entry else re.fullmatch(
                r"([^-]+)-([^-]+)\.(?:dist|egg)-info", entry).groups()
            out.add((canonical(name), version))
        return out

    assert listed() == {(canonical(d.metadata["Name"]), d.version) for d in metadata.distributions()}
    before = gate._environment()
    odd = tmp_path / "site" / "odd.egg-info"
    odd.mkdir(parents=True)
    (odd / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: odd-thing\nVersion: 1.2\n", encoding="utf-8")
    monkeypatch.setattr(sys, "path", [*sys.path, str(tmp_path / "site")])
    assert ("odd_thing", "1.2") in listed() and gate._environment() != before
    (odd / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: odd-thing\nVersion: 1.3\n", encoding="utf-8")
    assert ("odd_thing", "1.3") in listed()


def test_table_verdicts_are_kept_under_the_files_each_check_reads(pkg):
    """A table's verdict is reused while its file and the files its foreign keys point at are the
    same, and the descriptor and schemas too; ``PACKAGE`` (the descriptor) reads no data file."""
    from xinjiang_pairing.package import load_package

    checked = []

    def parts():
        package, files = gate._read(pkg.root)
        return gate.Tables("base", package, files)

    def check(tables, part):
        return tables(part, lambda: checked.append(part) or (part != "funding", [f"{part}: checked"]))

    tables = parts()
    assert tables.tables == [r.name for r in load_package(pkg.root).resources]
    for part in [gate.PACKAGE, *tables.tables]:
        check(tables, part)
    assert checked == [gate.PACKAGE, *tables.tables]
    checked.clear()
    tables = parts()
    verdicts = [check(tables, part) for part in [gate.PACKAGE, *tables.tables]]
    assert checked == [] and verdicts[tables.tables.index("funding") + 1] == (False, ["funding: checked"])
    pkg.edit("parties", {"party_id": "shaoxing"}, name_en="Shaoxing, edited")
    tables = parts()
    for part in [gate.PACKAGE, *tables.tables]:
        check(tables, part)
    reading_parties = [r.name for r in load_package(pkg.root).resources
                       if r.name == "parties" or any(fk.resource == "parties" for fk in r.foreign_keys)]
    assert "funding" in reading_parties and "division_codes" not in reading_parties
    assert checked == reading_parties
    checked.clear()
    for edit in ("again", "once more"):  # a check that reads no other table (Pandera's)
        pkg.edit("parties", {"party_id": "shaoxing"}, name_en=f"Shaoxing, edited {edit}")
        package, files = gate._read(pkg.root)
        alone = gate.Tables("alone", package, files, references=False)
        for part in [gate.PACKAGE, *alone.tables]:
            check(alone, part)
    assert checked == [gate.PACKAGE, *alone.tables, "parties"]
    checked.clear()
    schema = pkg.root / "schemas" / "indicators.json"
    schema.write_text(schema.read_text(encoding="utf-8").replace('"description"', '"description" ', 1),
                      encoding="utf-8")  # the same schema, written otherwise: kept
    descriptor = json.loads(schema.read_text(encoding="utf-8"))
    descriptor["description"] = "Another description."  # another schema: every verdict checked again
    schema.write_text(json.dumps(descriptor), encoding="utf-8")
    tables = parts()
    for part in [gate.PACKAGE, *tables.tables]:
        check(tables, part)
    assert checked == [gate.PACKAGE, *tables.tables]


def test_a_table_verdict_on_files_that_changed_meanwhile_or_damaged_is_not_used(pkg):
    package, files = gate._read(pkg.root)
    tables = gate.Tables("base", package, files)
    calls = []

    def edit():
        calls.append(1)
        pkg.edit("parties", {"party_id": "shaoxing"}, name_en="Changed")
        return True, []

    tables("parties", edit)
    assert not remembered.folder(gate.PART_KIND).exists() or not any(remembered.folder(gate.PART_KIND).iterdir())
    package, files = gate._read(pkg.root)
    tables = gate.Tables("base", package, files)
    tables("parties", lambda: (True, []))
    [record] = remembered.folder(gate.PART_KIND).iterdir()
    for damaged in ['[true, "none"]', '["yes", []]', "[true, [1]]", "[true]", '{"valid": true}', "{"]:
        record.write_text(damaged, encoding="utf-8")
        assert tables("parties", lambda: (False, ["checked"])) == (False, ["checked"])
        record.write_text("[true, []]", encoding="utf-8")
        assert tables("parties", lambda: (False, ["checked"])) == (True, [])


def small_package(root):
    """Three tables: ``children`` point at ``parents``; ``others`` at nothing."""
    root.mkdir()
    (root / "data").mkdir()
    key = {"name": "id", "type": "integer", "constraints": {"required": True}}
    schemas = {
        "parents": {"fields": [key, {"name": "name", "type": "string"}], "primaryKey": ["id"]},
        "children": {"fields": [key, {"name": "parent", "type": "integer"},
                                {"name": "n", "type": "integer", "constraints": {"minimum": 0}}],
                     "primaryKey": ["id"], "foreignKeys": [{"fields": ["parent"],
                                                            "reference": {"resource": "parents", "fields": ["id"]}}]},
        "others": {"fields": [key, {"name": "kind", "type": "string", "constraints": {"enum": ["a", "b"]}}],
                   "primaryKey": ["id"]},
    }
    rows = {"parents": "id,name\n1,one\n2,two\n", "children": "id,parent,n\n1,1,0\n2,2,5\n3,1,7\n",
            "others": "id,kind\n1,a\n2,b\n"}
    for name, text in rows.items():
        (root / "data" / f"{name}.csv").write_text(text, encoding="utf-8")
    (root / "datapackage.json").write_text(json.dumps({"name": "small", "resources": [
        {"name": name, "path": f"data/{name}.csv", "profile": "tabular-data-resource", "format": "csv",
         "encoding": "utf-8", "schema": schema} for name, schema in schemas.items()]}), encoding="utf-8")
    return root


def edit_descriptor(root, change):
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    change(descriptor)
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


def append(root, table, line):
    with (root / "data" / f"{table}.csv").open("a", encoding="utf-8") as fh:
        fh.write(line)


BREAKS = {
    "extra cell": lambda root: append(root, "children", "4,2,1,\n"),
    "repeated key": lambda root: append(root, "parents", "2,again\n"),
    "dangling foreign key": lambda root: append(root, "children", "4,9,1\n"),
    "missing file": lambda root: (root / "data" / "others.csv").unlink(),
    "unknown type": lambda root: edit_descriptor(root, lambda d: d["resources"][2]["schema"]["fields"][1].update(
        type="text")),
    "not JSON": lambda root: (root / "datapackage.json").write_text("{", encoding="utf-8"),
}


@pytest.mark.parametrize("name", list(BREAKS))
def test_table_by_table_frictionless_finds_what_frictionless_validate_finds(tmp_path, name):
    """``run_frictionless`` checks the descriptor, then each table (to remember each verdict), and
    reports what ``frictionless validate`` reports on the whole package, in the same order."""
    import frictionless

    root = small_package(tmp_path / "package")
    assert gate.run_frictionless(root).valid
    BREAKS[name](root)
    report = frictionless.validate(str(root / "datapackage.json"))
    whole = (report.valid, gate._frictionless_problems(report))
    assert whole[0] is False and whole[1]
    plain = gate.run_frictionless(root)
    assert (plain.valid, plain.problems) == whole
    first, again = (gate._remembered(gate.FRICTIONLESS, root, "", "env", lambda parts: gate.run_frictionless(
        root, parts)) for _ in range(2))
    assert (first.valid, first.problems) == (again.valid, again.problems) == whole


def test_after_a_change_to_one_table_only_the_tables_whose_checks_read_it_are_checked_again(tmp_path, monkeypatch):
    import frictionless
    from conftest import TODAY

    from xinjiang_pairing import pandera_schemas

    root = small_package(tmp_path / "package")
    assert [r.valid for r in gate.validate_all(root, TODAY)][1:] == [True, True]  # the stock validators
    append(root, "parents", "x,three\n")
    checked = {"frictionless": [], "pandera": []}
    table_validate, failure_cases = frictionless.Resource.validate, pandera_schemas.failure_cases

    def frictionless_table(self, *args, **kwargs):
        checked["frictionless"].append(self.name)
        return table_validate(self, *args, **kwargs)

    monkeypatch.setattr(frictionless.Resource, "validate", frictionless_table)
    monkeypatch.setattr(pandera_schemas, "failure_cases",
                        lambda res, today=None: checked["pandera"].append(res.name) or failure_cases(res, today))
    results = gate.validate_all(root, TODAY)
    assert checked == {"frictionless": ["parents", "children"], "pandera": ["parents"]}
    assert [(r.name, r.valid, r.remembered) for r in results][1:] == [
        ("frictionless", False, False), ("pandera", False, False)]
    monkeypatch.undo()
    fresh = [gate.run_frictionless(root), gate.run_pandera(root, TODAY)]  # nothing remembered
    assert [(r.valid, r.problems) for r in results[1:]] == [(r.valid, r.problems) for r in fresh]
    assert all(any(p.startswith("data/parents.csv, row 4, column id: ") for p in r.problems) for r in fresh)


def test_a_descriptor_not_read_as_a_package_gets_frictionless_validate_s_verdict(tmp_path, monkeypatch):
    import frictionless

    root = small_package(tmp_path / "package")
    report = frictionless.Report.from_validation(errors=[])
    monkeypatch.setattr(frictionless, "Resource", lambda descriptor: object())  # read as something else
    monkeypatch.setattr(frictionless, "validate", lambda descriptor: report)
    result = gate.run_frictionless(root)
    assert (result.valid, result.problems) == (True, [])
