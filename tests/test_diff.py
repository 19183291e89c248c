"""Comparing two versions: rows on primary keys, schema changes, the version bump they need, and the
four forms a version can come in (folder, CSV zip, dist/<version>/ folder, DuckDB file)."""

import json

import pytest
from click.testing import CliRunner
from conftest import PackageCopy

from xinjiang_pairing.build import build
from xinjiang_pairing.cli import cli
from xinjiang_pairing.diff import compare, constraint_changes
from xinjiang_pairing.package import load_package
from xinjiang_pairing.release import write_release


@pytest.fixture
def old(tmp_path) -> PackageCopy:
    return PackageCopy(tmp_path / "old")


def edit_schema(pkg: PackageCopy, table: str, change) -> None:
    path = pkg.root / "schemas" / f"{table}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    change(schema)
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")


def field_of(schema: dict, name: str) -> dict:
    return next(f for f in schema["fields"] if f["name"] == name)


def outcome(old, new):
    d = compare(old.root, new.root)
    return d.level, [c.text() for c in d.reasons]


def test_same_package_has_no_differences(old, pkg):
    d = compare(old.root, pkg.root)
    assert (d.level, d.reasons) == (None, [])
    assert d.to_changelog() == "No changes.\n"
    assert "no differences" in d.to_text()


def test_row_added_is_minor(old, pkg):
    row = dict(pkg.rows("indicators")[0], indicator_id="new-indicator")
    pkg.write("indicators", pkg.rows("indicators") + [row])
    assert outcome(old, pkg) == ("minor", ["indicators: 1 row added"])
    d = compare(old.root, pkg.root)
    table = next(t for t in d.rows if t.table == "indicators")
    assert (table.added, table.removed, table.changed) == ([{"indicator_id": "new-indicator"}], [], [])


def test_row_removed_from_an_unreferenced_table_is_patch(old, pkg):
    referenced = {r["same_as"] for r in pkg.rows("funding")} | {r["conflicts_with"] for r in pkg.rows("funding")}
    gone = next(r["funding_id"] for r in pkg.rows("funding") if r["funding_id"] not in referenced)
    pkg.write("funding", [r for r in pkg.rows("funding") if r["funding_id"] != gone])
    assert outcome(old, pkg) == ("patch", ["funding: 1 row removed"])


def test_referenced_row_deleted_is_major(old, pkg):
    rows = pkg.rows("indicators")
    pkg.write("indicators", rows[1:])
    assert outcome(old, pkg) == ("major", ["indicators: 1 row removed from a referenced table"])


def test_changed_cell_is_patch_with_old_and_new_value(old, pkg):
    first = pkg.rows("funding")[0]
    pkg.edit("funding", {"funding_id": first["funding_id"]}, notes="Corrected.", amount="12.5")
    assert outcome(old, pkg) == ("patch", ["funding: 1 row changed"])
    d = compare(old.root, pkg.root)
    changed = next(t for t in d.rows if t.table == "funding").changed
    assert changed == [{
        "key": {"funding_id": first["funding_id"]},
        "cells": {
            "amount": {"old": f"{float(first['amount']):.2f}", "new": "12.50"},  # money is exact: DECIMAL(38, 2)
            "notes": {"old": first["notes"] or None, "new": "Corrected."},
        },
    }]


def test_values_are_compared_typed_so_1_equals_1_0(old, pkg):
    first = pkg.rows("funding")[0]
    pkg.edit("funding", {"funding_id": first["funding_id"]}, amount=first["amount"] + ".0")
    assert outcome(old, pkg) == (None, [])


def test_field_added_is_minor(old, pkg):
    edit_schema(pkg, "indicators", lambda s: s["fields"].append({"name": "extra", "type": "integer"}))
    pkg.write("indicators", [dict(r, extra="1") for r in pkg.rows("indicators")], pkg.header("indicators") + ["extra"])
    assert outcome(old, pkg) == ("minor", ["indicators: field added: extra (integer)"])


def test_field_removed_is_major(old, pkg):
    edit_schema(pkg, "indicators", lambda s: s["fields"].remove(field_of(s, "definition")))
    header = [h for h in pkg.header("indicators") if h != "definition"]
    pkg.write("indicators", pkg.rows("indicators"), header)
    assert outcome(old, pkg) == ("major", ["indicators: field removed: definition"])


def test_enum_tightened_is_major_and_loosened_is_minor(old, pkg):
    values = field_of(json.loads((old.root / "schemas" / "indicators.json").read_text()), "category")["constraints"]
    dropped = values["enum"][-1]
    edit_schema(pkg, "indicators", lambda s: field_of(s, "category")["constraints"]["enum"].remove(dropped))
    assert outcome(old, pkg) == (
        "major", [f"indicators: constraint tightened: category enum values removed: {dropped}"]
    )
    assert outcome(pkg, old) == (
        "minor", [f"indicators: constraint loosened: category enum values added: {dropped}"]
    )


def test_retyped_and_reordered_fields_are_major(old, pkg):
    def change(s):
        s["fields"].insert(0, s["fields"].pop(1))  # name_en before indicator_id
        field_of(s, "unit")["type"] = "any"
    edit_schema(pkg, "indicators", change)
    header = pkg.header("indicators")
    pkg.write("indicators", pkg.rows("indicators"), [header[1], header[0], *header[2:]])
    assert outcome(old, pkg) == ("major", [
        "indicators: field retyped: unit (string -> any)",
        "indicators: fields reordered: name_en, indicator_id, unit, category, definition",
    ])


def test_metadata_only_is_patch(old, pkg):
    path = pkg.root / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["title"] += " (revised)"
    descriptor["version"] = "99.0.0"  # the version itself is not a change
    path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    edit_schema(pkg, "indicators", lambda s: field_of(s, "unit").update(description="The unit."))
    assert outcome(old, pkg) == ("patch", [
        "package: descriptor properties changed: title",
        "indicators: field descriptions changed: unit",
    ])


def test_bounds_patterns_and_keys():
    assert constraint_changes({"minimum": 0.0}, {"minimum": 1.0}) == [(True, "minimum raised (0 -> 1)")]
    assert constraint_changes({"maximum": 10.0}, {"maximum": 20.0}) == [(False, "maximum raised (10 -> 20)")]
    assert constraint_changes({"pattern": "a+"}, {"pattern": "b+"}) == [(True, "pattern changed (a+ -> b+)")]
    assert constraint_changes({}, {"required": True}) == [(True, "required added")]
    assert constraint_changes({"required": True}, {}) == [(False, "required removed")]


def test_foreign_key_added_is_major(old, pkg):
    def change(s):
        s["foreignKeys"] = [{"fields": "unit", "reference": {"resource": "indicators", "fields": "indicator_id"}}]
    edit_schema(pkg, "indicators", change)
    assert outcome(old, pkg) == ("major", ["indicators: foreign key added: (unit) -> indicators (indicator_id)"])


def test_table_added_and_removed(old, pkg):
    descriptor = json.loads((pkg.root / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "meetings"]
    (pkg.root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert outcome(old, pkg) == ("major", ["meetings: table removed"])
    assert outcome(pkg, old)[1] == ["meetings: table added"]


def test_changelog_and_text(old, pkg):
    row = dict(pkg.rows("indicators")[0], indicator_id="new-indicator")
    pkg.write("indicators", pkg.rows("indicators") + [row])
    first = pkg.rows("funding")[0]["funding_id"]
    pkg.edit("funding", {"funding_id": first}, notes="Corrected.")
    edit_schema(pkg, "indicators", lambda s: s["fields"].append({"name": "extra", "type": "string"}))
    pkg.write("indicators", pkg.rows("indicators"), pkg.header("indicators") + ["extra"])
    d = compare(old.root, pkg.root)
    assert d.to_changelog() == (
        "### Data\n\n"
        "- `funding`: 0 added, 0 removed, 1 changed\n"
        "- `indicators`: 1 added, 0 removed, 0 changed\n\n"
        "### Schema\n\n"
        "- `indicators`: field added: extra (string)\n"
    )
    text = d.to_text()
    assert "indicators: 1 added, 0 removed, 0 changed\n  field added: extra (string)  [minor]\n" \
           "  + indicator_id=new-indicator" in text
    assert f"  ~ funding_id={first}: notes: " in text
    assert text.endswith("release: MINOR\n  minor: indicators: field added: extra (string)\n"
                         "  minor: indicators: 1 row added\n  patch: funding: 1 row changed")


@pytest.fixture(scope="module")
def forms(tmp_path_factory, root):
    """One version in all four forms, and a second version with one changed cell."""
    base = tmp_path_factory.mktemp("forms")
    old = PackageCopy(base / "old")
    dist = base / "dist" / "9.9.9"
    write_release(load_package(old.root), dist, commit="")
    new = PackageCopy(base / "new")
    first = new.rows("funding")[0]["funding_id"]
    new.edit("funding", {"funding_id": first}, notes="Corrected.")
    version = load_package(old.root).version
    return {
        "folder": old.root,
        "zip": next(dist.glob("*-csv.zip")),
        "release": dist,
        "duckdb": next(dist.glob("*.duckdb")),
        "new": new.root,
        "first": first,
        "version": version,
    }


@pytest.mark.slow  # a release of every form (forms): a wheel, a workbook, a site
@pytest.mark.parametrize("kind", ["folder", "zip", "release", "duckdb"])
def test_every_form_reads_the_same(forms, kind):
    same = compare(forms["folder"], forms[kind])
    assert (same.new.kind, same.new.version) == (kind, forms["version"])
    assert (same.level, same.reasons) == (None, [])
    d = compare(forms[kind], forms["new"])
    assert [c.text() for c in d.reasons] == ["funding: 1 row changed"]
    changed = next(t for t in d.rows if t.table == "funding").changed
    assert [(c["key"], list(c["cells"])) for c in changed] == [({"funding_id": forms["first"]}, ["notes"])]


@pytest.mark.slow  # a release of every form (forms): a wheel, a workbook, a site
def test_schema_changes_read_back_from_duckdb_files(forms, pkg, tmp_path):
    edit_schema(pkg, "indicators", lambda s: field_of(s, "category")["constraints"]["enum"].append("other"))
    edit_schema(pkg, "funding", lambda s: field_of(s, "amount")["constraints"].update(minimum=1))
    assert build(pkg.root, tmp_path / "new.duckdb").report.valid
    d = compare(forms["duckdb"], tmp_path / "new.duckdb")
    assert [c.text() for c in d.reasons] == [
        "funding: constraint tightened: amount minimum raised (0 -> 1)",
        "indicators: constraint loosened: category enum values added: other",
    ]


@pytest.mark.slow  # two builds
def test_undeclared_foreign_keys_of_large_tables_read_back_from_duckdb_files(old, tmp_path, monkeypatch):
    import duckdb

    import xinjiang_pairing.build as b

    monkeypatch.setattr(b, "FOREIGN_KEY_MAX_ROWS", 60)  # funding (54 rows) declares, outcomes (92) does not
    result = build(old.root, tmp_path / "large.duckdb")
    assert result.report.valid
    con = duckdb.connect(str(result.path), read_only=True)
    assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'outcomes' "
                       "AND constraint_type = 'FOREIGN KEY'").fetchone()[0] == 0
    con.close()
    d = compare(old.root, result.path)
    assert (d.level, d.reasons) == (None, [])


def run(*args):
    return CliRunner().invoke(cli, ["diff", *map(str, args)])


def test_cli_text_json_and_changelog(old, pkg):
    row = dict(pkg.rows("indicators")[0], indicator_id="new-indicator")
    pkg.write("indicators", pkg.rows("indicators") + [row])
    text = run(old.root, pkg.root)
    assert text.exit_code == 0 and "release: MINOR" in text.stdout
    data = json.loads(run(old.root, pkg.root, "--json").stdout)
    assert data["level"] == "minor"
    assert data["tables"]["indicators"]["added"] == 1
    assert data["tables"]["indicators"]["rows"]["added"] == [{"indicator_id": "new-indicator"}]
    assert data["reasons"] == [
        {"level": "minor", "table": "indicators", "change": "1 row added", "detail": ""}
    ]
    log = run(old.root, pkg.root, "--changelog")
    assert log.stdout == "### Data\n\n- `indicators`: 1 added, 0 removed, 0 changed\n"


def test_cli_usage_errors(old, tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_text("hello")
    bad = run(old.root, junk)
    assert bad.exit_code == 2
    assert "not a data package folder, a release CSV zip, a dist/<version>/ folder or a DuckDB file" in bad.stderr
    both = run(old.root, old.root, "--json", "--changelog")
    assert both.exit_code == 2 and "use --json or --changelog, not both" in both.stderr


def test_cli_unreadable_version_exit_1(old, pkg):
    pkg.append_line("parties", 'broken,"unclosed')
    result = run(old.root, pkg.root)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"cannot read {pkg.path('parties')}: ")
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.output


@pytest.mark.slow  # a release of every form (forms): a wheel, a workbook, a site
def test_a_file_without_table_schemas_is_refused_with_a_way_forward(forms, tmp_path):
    import shutil

    import duckdb

    from xinjiang_pairing.snapshot import SnapshotError

    old = tmp_path / "old.duckdb"
    shutil.copy(forms["duckdb"], old)
    con = duckdb.connect(str(old))
    con.execute("DROP TABLE _schemas")
    con.execute("DROP TABLE _package")
    con.close()
    with pytest.raises(SnapshotError, match=r"holds no Table Schemas \(a file written before 0.3.0\): compare the "
                                            r"release's CSV zip instead"):
        compare(old, forms["folder"])
