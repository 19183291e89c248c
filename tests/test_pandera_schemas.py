"""The Pandera (Polars) schemas derived from the Table Schemas agree with the SQL engine."""

from conftest import TODAY

from xinjiang_pairing.package import load_package
from xinjiang_pairing.pandera_schemas import dataframe_schema, validate_with_pandera
from xinjiang_pairing.rules import row_rules
from xinjiang_pairing.validate import validate_package


def test_schema_columns_come_from_the_table_schema(root):
    for res in load_package(root).resources:
        schema = dataframe_schema(res, TODAY)
        assert list(schema.columns) == res.field_names
        assert {c.name for c in schema.checks} == {r.code for r in row_rules(res, TODAY)}


def test_published_package_passes(root):
    assert validate_with_pandera(root, TODAY) == {r.name: None for r in load_package(root).resources}


def pandera_cells(pkg, table):
    """(row number, column) pairs that Pandera flags; row rules map to the column they blame."""
    res = load_package(pkg.root).resource(table)
    cases = validate_with_pandera(pkg.root, TODAY)[table]
    out = set()
    for case in cases.iter_rows(named=True):
        column = case["column"]
        if column == res.name:  # a row rule: its message starts with the column it blames
            column = case["check"].split(":")[0]
        out.add((case["index"] + 2, column))
    return out


# Rules across rows or tables run in SQL only; Pandera checks one table's rows and cells.
TABLE_LEVEL = {
    "primary-key", "foreign-key", "same-as", "no-cycles", "adcode-parent", "pairing-direction", "source-cited",
}


def engine_cells(pkg, table):
    report = validate_package(pkg.root, today=TODAY, descriptor=False)
    return {(p.row, p.column) for p in report.problems if p.file == f"data/{table}.csv" and p.rule not in TABLE_LEVEL}


def test_same_cells_flagged_as_the_sql_engine(pkg):
    rows = pkg.rows("funding")
    rows[0]["flow_type"] = "gift"  # enum
    rows[1]["currency"] = "yuan"  # pattern
    rows[3]["amount"] = "-5"  # minimum (a row without a dollar figure)
    rows[2]["period_start_year"], rows[2]["period_end_year"] = "2021", "2019"  # row rule
    rows[5]["amount_usd_reported"] = "7730"  # conversion band
    rows[4]["notes"] = " leading space"  # whitespace
    rows[6]["as_reported"] = "@mention"  # formula
    rows[7]["basis"], rows[7]["notes"] = "derived", ""  # derived needs notes
    rows[9]["scope"] = ""  # required
    pkg.write("funding", rows)
    engine = engine_cells(pkg, "funding")
    assert len(engine) == 9
    assert pandera_cells(pkg, "funding") == engine
