"""Differential test: the DuckDB engine and Frictionless flag the same rows and fields.

Hypothesis builds many small two-table packages (with a self reference and a cross-table foreign
key), injects random faults of every class both validators support, and compares what each
reports. Where they differ on purpose, the comparison says so:

- After a ragged row (missing or extra cells) our engine reports the structure of that file and
  stops checking it (later row numbers and values cannot be trusted), while Frictionless goes on
  checking its cells and the foreign keys that point into it. For such a file only the ragged rows
  are compared.
- Frictionless reports one missing-cell error per absent cell, we report one per row: rows are
  compared, not cells.
"""

import csv
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinjiang_pairing.validate import validate_package

SLUG = "^[a-z0-9]+(-[a-z0-9]+)*$"
SCHEMAS = {
    "parents": {
        "fields": [
            {"name": "id", "type": "string", "constraints": {"required": True, "pattern": SLUG}},
            {"name": "name", "type": "string", "constraints": {"required": True, "maxLength": 12}},
            {"name": "kind", "type": "string", "constraints": {"enum": ["city", "county", "division"]}},
            {"name": "size", "type": "integer", "constraints": {"minimum": 0, "maximum": 100}},
            {"name": "born", "type": "date"},
            {"name": "parent_id", "type": "string"},
        ],
        "primaryKey": ["id"],
        "foreignKeys": [{"fields": "parent_id", "reference": {"fields": "id"}}],
    },
    "children": {
        "fields": [
            {"name": "cid", "type": "string", "constraints": {"required": True}},
            {"name": "parent", "type": "string", "constraints": {"required": True}},
            {"name": "amount", "type": "number", "constraints": {"minimum": 0}},
            {"name": "code", "type": "string", "constraints": {"pattern": "^[A-Z]{3}$"}},
            {"name": "year", "type": "integer", "constraints": {"minimum": 1949, "maximum": 2100}},
        ],
        "primaryKey": ["cid"],
        "foreignKeys": [{"fields": "parent", "reference": {"resource": "parents", "fields": "id"}}],
    },
}

# fault class -> (resource, column or None, bad value); None value = special handling
CELL_FAULTS = {
    "type-integer": ("parents", "size", "12a"),
    "type-date": ("parents", "born", "2021-02-30"),
    "type-number": ("children", "amount", "1.5x"),
    "required": ("parents", "name", ""),
    "required-key": ("children", "parent", ""),
    "enum": ("parents", "kind", "village"),
    "pattern": ("children", "code", "AB1"),
    "pattern-slug": ("parents", "id", "Bad_Id"),
    "minimum": ("children", "year", "1900"),
    "maximum": ("parents", "size", "101"),
    "maxLength": ("parents", "name", "a-very-long-name"),
    "foreign-key": ("children", "parent", "nowhere"),
    "self-foreign-key": ("parents", "parent_id", "nowhere"),
}
ROW_FAULTS = ["primary-key", "missing-cell", "extra-cell"]
RULE_CLASS = {  # our rule -> comparable class
    "type-error": "type", "required": "required", "enum": "enum", "pattern": "pattern", "minimum": "minimum",
    "maximum": "maximum", "maxLength": "maxLength", "primary-key": "primary-key", "foreign-key": "foreign-key",
    "missing-cell": "missing-cell", "extra-cell": "extra-cell",
}
ROW_LEVEL = {"primary-key", "foreign-key", "missing-cell", "extra-cell"}


def valid_rows(n_parents: int, n_children: int) -> dict[str, list[list[str]]]:
    parents = [[f"p{i}", f"Place {i}", ["city", "county", "division"][i % 3], str(i * 7 % 100),
                f"20{10 + i:02d}-0{1 + i % 9}-1{i % 9}", f"p{i - 1}" if i else ""] for i in range(n_parents)]
    children = [[f"c{i}", f"p{i % n_parents}", f"{i * 1.5:g}", "ABC", str(1990 + i)] for i in range(n_children)]
    return {"parents": parents, "children": children}


def write_package(root: Path, rows: dict[str, list[list[str]]]) -> None:
    (root / "data").mkdir(parents=True, exist_ok=True)
    resources = []
    for name, schema in SCHEMAS.items():
        with (root / "data" / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow([f["name"] for f in schema["fields"]])
            w.writerows(rows[name])
        resources.append({"name": name, "type": "table", "path": f"data/{name}.csv", "format": "csv",
                          "schema": {"$schema": "https://datapackage.org/profiles/2.0/tableschema.json",
                                     "missingValues": [""], **schema}})
    descriptor = {"$schema": "https://datapackage.org/profiles/2.0/datapackage.json", "name": "differential",
                  "resources": resources}
    (root / "datapackage.json").write_text(json.dumps(descriptor))


def ours(root: Path) -> set[tuple]:
    report = validate_package(root, descriptor=False)
    out = set()
    for p in report.problems:
        cls = RULE_CLASS.get(p.rule)
        if cls is None:
            continue  # this project's own text rules have no Frictionless counterpart
        resource = Path(p.file).stem
        out.add((resource, p.row, None if cls in ROW_LEVEL else p.column, cls))
    return out


def theirs(root: Path) -> set[tuple]:
    from frictionless import Package

    report = Package(str(root / "datapackage.json")).validate()
    out = set()
    for task in report.tasks:
        for e in task.errors:
            if e.type == "constraint-error":
                cls = re.search(r'constraint "(\w+)"', e.note).group(1)
            elif e.type == "type-error":
                cls = "type"
            else:
                cls = e.type
            field = None if cls in ROW_LEVEL else getattr(e, "field_name", None)
            out.add((task.name, e.row_number, field, cls))
    return out


faults = st.lists(st.sampled_from(sorted(CELL_FAULTS) + ROW_FAULTS), min_size=0, max_size=4)


@pytest.mark.slow  # 40 generated packages
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n_parents=st.integers(2, 6), n_children=st.integers(1, 6), chosen=faults, data=st.data())
def test_same_rows_and_fields_as_frictionless(tmp_path_factory, n_parents, n_children, chosen, data):
    rows = valid_rows(n_parents, n_children)
    ragged = set()
    for fault in chosen:
        if fault in CELL_FAULTS:
            resource, column, value = CELL_FAULTS[fault]
            names = [f["name"] for f in SCHEMAS[resource]["fields"]]
            i = data.draw(st.integers(0, len(rows[resource]) - 1))
            if len(rows[resource][i]) == len(names):
                rows[resource][i][names.index(column)] = value
        elif fault == "primary-key":
            resource = data.draw(st.sampled_from(sorted(SCHEMAS)))
            rows[resource].append(list(rows[resource][0]))
        else:
            resource = data.draw(st.sampled_from(sorted(SCHEMAS)))
            i = data.draw(st.integers(0, len(rows[resource]) - 1))
            rows[resource][i] = rows[resource][i][:-1] if fault == "missing-cell" else rows[resource][i] + ["x"]
            ragged.add(resource)
    root = tmp_path_factory.mktemp("pkg")
    write_package(root, rows)
    a, b = ours(root), theirs(root)

    def comparable(found):
        kept = set()
        for resource, row, field, cls in found:
            if resource in ragged and cls not in ("missing-cell", "extra-cell"):
                continue  # see the module docstring: structure first, then the rest
            if cls == "foreign-key" and ragged:
                continue  # a foreign key into or out of a ragged file is not checked by us
            kept.add((resource, row, field, cls))
        return kept

    assert comparable(a) == comparable(b)
    if chosen and not ragged:
        assert a, "an injected fault went unnoticed by both validators"


def test_a_known_fault_of_each_class_is_found_by_both(tmp_path):
    rows = valid_rows(4, 3)
    names = {r: [f["name"] for f in SCHEMAS[r]["fields"]] for r in SCHEMAS}
    for k, (resource, column, value) in enumerate(sorted(CELL_FAULTS.values())):
        i = k % len(rows[resource])
        rows[resource][i][names[resource].index(column)] = value
    write_package(tmp_path, rows)
    a, b = ours(tmp_path), theirs(tmp_path)
    assert a == b
    assert {cls for *_, cls in a} >= {"type", "required", "enum", "pattern", "minimum", "maximum", "maxLength",
                                       "foreign-key"}
