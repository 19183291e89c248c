"""Domain rules that a Table Schema cannot express, each on a deliberately broken copy."""

from conftest import TODAY, problems

from xinjiang_pairing import engine
from xinjiang_pairing.package import load_package
from xinjiang_pairing.report import Problem
from xinjiang_pairing.rules import RULES, Rule, dataset, generic, row_rules, scratch
from xinjiang_pairing.sql import lit


def test_period_cannot_end_before_it_starts(pkg):
    row = pkg.edit("funding", {"funding_id": "ecns-2021-aid-funds-since-2019"}, period_end_year="2018")
    assert problems(pkg) == [
        f'data/funding.csv, row {row}, column "period_end_year": period_end_year 2018 is before '
        f"period_start_year 2019 [{generic.PERIOD_YEARS}]"
    ]


def test_dates_not_after_the_build_date(pkg):
    row = pkg.edit("sources", {"source_id": "xinhua-2023-09-22-commentary"}, accessed_date="2027-01-01")
    assert problems(pkg) == [
        f'data/sources.csv, row {row}, column "accessed_date": the date 2027-01-01 is after today (2026-12-01) '
        f"[{generic.not_in_future}]"
    ]


def test_accessed_not_before_published(pkg):
    row = pkg.edit("sources", {"source_id": "xinhua-2023-09-22-commentary"}, accessed_date="2023-09-01")
    assert problems(pkg) == [
        f'data/sources.csv, row {row}, column "accessed_date": accessed_date 2023-09-01 is before published_date '
        f"2023-09-22 [{dataset.ACCESSED_AFTER_PUBLISHED}]"
    ]


def test_usd_conversion_million_billion_slip(pkg):
    row = pkg.edit("funding", {"funding_id": "xinhua-2023-aid-funds-past-decade"}, amount_usd_reported="23700000")
    assert [p for p in problems(pkg) if f"[{dataset.figure_matches_reported}]" not in p] == [
        f'data/funding.csv, row {row}, column "amount_usd_reported": the reported dollar figure implies 7173.0 '
        f"yuan per dollar, outside 6.0 to 8.5 (a million/billion slip?) [{dataset.usd_conversion_plausible}]"
    ]


def test_pairing_must_go_into_xinjiang(pkg):
    row = pkg.edit("pairings", {"pairing_id": "shenzhen-kashgar-city"}, recipient_place_id="kunshan")
    assert problems(pkg) == [
        f'data/pairings.csv, row {row}, column "recipient_place_id": the recipient kunshan is not a place in '
        f"Xinjiang [{dataset.pairings_go_into_xinjiang}]"
    ]


def test_pairing_must_come_from_outside_xinjiang(pkg):
    row = pkg.edit("parties", {"party_id": "shaoxing"}, place_id="hotan-city")
    pairing = next(i + 2 for i, p in enumerate(pkg.rows("pairings")) if p["assisting_party_id"] == "shaoxing")
    assert problems(pkg) == [
        f'data/pairings.csv, row {pairing}, column "assisting_party_id": the assisting party shaoxing is in Xinjiang '
        f"(hotan-city) [{dataset.pairings_go_into_xinjiang}]"
    ]
    assert row


def test_parent_chains_have_no_cycles(pkg):
    a = pkg.edit("places", {"place_id": "xinjiang"}, parent_place_id="xpcc")
    b = pkg.rows("places")
    rows = {r["place_id"]: i + 2 for i, r in enumerate(b)}
    found = [p for p in problems(pkg) if f"[{generic.no_cycles}]" in p]
    assert found == [
        f'data/places.csv, row {a}, column "parent_place_id": following parent_place_id from "xinjiang" '
        f"leads back to it (a cycle) [{generic.no_cycles}]",
        f'data/places.csv, row {rows["xpcc"]}, column "parent_place_id": following parent_place_id from "xpcc" '
        f"leads back to it (a cycle) [{generic.no_cycles}]",
    ]


def test_adcode_agrees_with_parent(pkg):
    row = pkg.edit("places", {"place_id": "awati-county"}, parent_place_id="hotan-prefecture")
    assert f'data/places.csv, row {row}, column "adcode": the code 652928 does not fall under 653200 of ' \
        f"hotan-prefecture [{dataset.adcode_agrees_with_parent}]" in problems(pkg)


def test_every_source_is_cited(pkg):
    rows = pkg.rows("sources")
    extra = dict(rows[0], source_id="uncited-page", url="https://example.org/uncited-page")
    pkg.write("sources", rows + [extra])
    assert problems(pkg) == [
        f'data/sources.csv, row {len(rows) + 2}, column "source_id": the source uncited-page is not cited by '
        f"any row [{dataset.every_source_cited}]"
    ]


def test_no_formula_injection_or_stray_whitespace(pkg):
    row = pkg.edit("parties", {"party_id": "shaoxing"}, notes="=HYPERLINK(1)", name_en="Shaoxing City ")
    assert problems(pkg) == [
        f'data/parties.csv, row {row}, column "name_en": the text starts or ends with whitespace '
        f"[{generic.NO_STRAY_WHITESPACE}]",
        f'data/parties.csv, row {row}, column "notes": the text starts with =, which spreadsheets run as a '
        f"formula [{generic.NO_FORMULA}]",
    ]


def test_derived_rows_say_why(pkg):
    row = pkg.edit("pairings", {"pairing_id": "shenzhen-kashgar-city"}, basis="derived", notes="")
    assert problems(pkg) == [
        f'data/pairings.csv, row {row}, column "notes": basis is derived but notes do not say how or why '
        f"[{dataset.derived_says_why}]"
    ]


def test_same_as_must_point_at_the_same_figure(pkg):
    row = pkg.edit("funding", {"funding_id": "ecns-2021-soe-investment-since-2019"},
                   same_as="ecns-2021-aid-funds-since-2019")
    assert problems(pkg) == [
        f'data/funding.csv, row {row}, column "same_as": same_as points at ecns-2021-aid-funds-since-2019, '
        f"whose amount and currency differ [{dataset.same_as_points_at_same_figure}]"
    ]


def test_adcode_must_carry_its_official_name(pkg):
    row = pkg.edit("places", {"place_id": "awati-county"}, name_zh="阿瓦提")
    assert problems(pkg) == [
        f'data/places.csv, row {row}, column "name_zh": the name differs from the official name of 652928 in '
        f"division_codes: 阿瓦提县 [{dataset.adcode_names_agree}]"
    ]


def test_adcode_must_exist_in_the_official_list(pkg):
    row = pkg.edit("places", {"place_id": "awati-county"}, adcode="652999")
    assert f'data/places.csv, row {row}, column "adcode": "652999" is not a code in division_codes [foreign-key]' \
        in problems(pkg)


def test_a_place_is_defined_once(pkg):
    rows = pkg.rows("places")
    first = next(i for i, r in enumerate(rows) if r["place_id"] == "awati-county")
    rows.append(dict(rows[first], place_id="awat-county", adcode="", former_adcode=""))
    pkg.write("places", rows)
    assert problems(pkg) == [
        f'data/places.csv, row {len(rows) + 1}, column "name_zh": "阿瓦提县" is already defined as awati-county '
        f"(row {first + 2}) [{dataset.defined_once}]"
    ]


def test_text_rules_left_out_where_enum_or_pattern_guarantees_them(pkg):
    import json

    from xinjiang_pairing.package import load_package

    def text_rule_columns(cells_passed):
        res = load_package(pkg.root).resource("funding")
        return {r.column for r in row_rules(res, TODAY, cells_passed) if r.code == generic.NO_FORMULA.code}

    everything = text_rule_columns(False)
    assert {"funding_id", "flow_type", "currency", "as_reported", "notes"} <= everything
    assert text_rule_columns(True) == {"locator", "as_reported", "quote", "notes"}
    schema = pkg.root / "schemas" / "funding.json"
    descriptor = json.loads(schema.read_text())
    for field in descriptor["fields"]:
        if field["name"] == "flow_type":
            field["constraints"]["enum"].append("-other")
        if field["name"] == "currency":
            field["constraints"]["pattern"] = "^[A-Z]{3}|=$"
    schema.write_text(json.dumps(descriptor))
    assert text_rule_columns(True) == {"locator", "as_reported", "quote", "notes", "flow_type", "currency"}


def test_text_rules_read_the_same_in_duckdb_and_python(pkg):
    import re

    import duckdb

    from xinjiang_pairing.package import load_package

    res = load_package(pkg.root).resource("funding")
    texts = ["=1+1", "+1", "-x", "@a", "a-b", " a", "a ", "a\tb", "\va", "a\n", "\u00a0a", "ok"]
    con = duckdb.connect()
    for rule in {r.code: r for r in row_rules(res, TODAY) if r.regex}.values():
        python = [bool(re.search(rule.regex, t)) for t in texts]
        sql = con.execute(f"SELECT [t ~ '{rule.regex}' FOR t IN ?]", [texts]).fetchone()[0]
        assert sql == python, rule.code
    formula = next(r for r in row_rules(res, TODAY) if r.code == generic.NO_FORMULA.code)
    assert [t for t in texts if re.search(formula.regex, t)] == ["=1+1", "+1", "-x", "@a"]


def test_first_pass_finds_every_row_a_text_rule_finds(pkg):
    """The one cheap condition over a table's text rules is true for exactly the texts one of the
    rules' regular expressions finds: every formula and whitespace character (multi-byte ones too)
    at either end, not in the middle; a NULL or empty text passes."""
    import re

    import duckdb

    from xinjiang_pairing.rules import _first_pass

    res = load_package(pkg.root).resource("funding")
    text_rules = [r for r in row_rules(res, TODAY) if r.regex and r.column == "notes"]
    chars = sorted(set(generic.FORMULA_CHARS + generic.WHITESPACE))
    texts = [None, "", "ok", "a b", "数字", *(t for c in chars for t in (c + "x", "x" + c, "x" + c + "y", c))]
    expected = [t is not None and any(re.search(r.regex, t) for r in text_rules) for t in texts]
    con = duckdb.connect()
    found = con.execute(f"SELECT [{_first_pass(text_rules)} FOR notes IN ?]", [texts]).fetchone()[0]
    assert found == expected
    assert sum(expected) > len(chars)  # both ends of many characters were flagged


def test_cycles_through_different_self_references(pkg, tmp_path):
    from xinjiang_pairing.build import build

    rows = pkg.rows("pairings")
    a, b = rows[0]["pairing_id"], rows[1]["pairing_id"]
    rows[0]["parent_pairing_id"], rows[1]["conflicts_with"] = b, a
    pkg.write("pairings", rows)
    found = [p for p in problems(pkg) if f"[{generic.no_cycles}]" in p]
    assert found == [
        f'data/pairings.csv, row 2, column "parent_pairing_id": following parent_pairing_id from "{a}" '
        f"leads back to it (a cycle) [{generic.no_cycles}]",
        f'data/pairings.csv, row 3, column "conflicts_with": following conflicts_with from "{b}" '
        f"leads back to it (a cycle) [{generic.no_cycles}]",
    ]
    result = build(pkg.root, tmp_path / "x.duckdb", today=TODAY)
    assert [p.describe() for p in result.report.sorted() if p.rule == generic.no_cycles.code] == found
    assert not (tmp_path / "x.duckdb").exists()


def test_long_cycles_are_found(pkg):
    rows = pkg.rows("pairings")
    ring = rows[:70]
    for i, row in enumerate(ring):
        row["parent_pairing_id"] = ring[(i + 1) % len(ring)]["pairing_id"]
    pkg.write("pairings", rows)
    found = [p for p in problems(pkg) if f"[{generic.no_cycles}]" in p]
    assert len(found) == 70
    assert found[0] == (f'data/pairings.csv, row 2, column "parent_pairing_id": following parent_pairing_id '
                        f'from "{ring[0]["pairing_id"]}" leads back to it (a cycle) [{generic.no_cycles}]')


def test_rules_that_share_scratch_tables_run_on_one_cursor_for_each_part_apart(monkeypatch):
    """Table rules run in lanes: a ``per_table`` rule is given each large table alone and the other
    tables together, rules that name one ``shares`` run one after the other on one cursor for each
    part (the scratch table the first makes is there for the second), and the problems come in the
    order of the registry."""
    seen = []

    def make(con, package, staged, today):
        table, exists = scratch(con, "test_" + "_".join(staged))
        counts = " UNION ALL ".join(f"SELECT {lit(n)} AS name, count(*) AS n FROM {r}" for n, r in staged.items())
        con.execute(f"CREATE TEMP TABLE {table} AS {counts}")
        seen.append(("make", tuple(staged), id(con), exists))
        for name in staged:
            yield Problem(f"data/{name}.csv", 0, "", "test-make", "made")

    def read(con, package, staged, today):
        table, exists = scratch(con, "test_" + "_".join(staged))
        counted = dict(con.execute(f"SELECT name, n FROM {table}").fetchall())
        seen.append(("read", tuple(staged), id(con), exists))
        for name in staged:
            yield Problem(f"data/{name}.csv", 0, "", "test-read", f"{counted[name]} rows")

    for code, fn in (("test-make", make), ("test-read", read)):
        monkeypatch.setitem(RULES, code, Rule(code, code, code, ("quote",), "generic", table=fn, shares="test",
                                              per_table=True))
    package = load_package()
    quoting = [r.name for r in package.resources if "quote" in r.field_names]
    size = {r.name: r.path.stat().st_size for r in package.resources}
    large = sorted(quoting, key=size.get)[-2:]  # the two largest tables with a quote count as large
    monkeypatch.setattr(engine, "EXACT_BYTES", min(size[n] for n in large) - 1)
    assert sorted(n for n in quoting if size[n] > engine.EXACT_BYTES) == sorted(large)
    parts = [(n,) for n in quoting if n in large] + [tuple(n for n in quoting if n not in large)]
    report = engine.check(engine.connect(), package, today=TODAY)
    found = [p for p in report.problems if p.rule.startswith("test-")]
    assert len(found) == len(report.problems)  # the package passes every other check
    counts = report.rows_checked
    assert [(p.file, p.rule, p.message) for p in found] == (
        [(f"data/{n}.csv", "test-make", "made") for part in parts for n in part]
        + [(f"data/{n}.csv", "test-read", f"{counts[n]} rows") for part in parts for n in part])
    cursors = {part: c for step, part, c, _ in seen if step == "make"}
    assert sorted(cursors) == sorted(parts) and len(parts) == 3 and len(parts[2]) > 1
    assert sorted((step, part, c == cursors[part], exists) for step, part, c, exists in seen) == sorted(
        [("make", part, True, False) for part in parts] + [("read", part, True, True) for part in parts])
