"""The rules on quotes: as_reported is taken from quote, its numbers are in quote, and a stated
figure is a number of as_reported in full units. On small packages with those columns."""

import csv
import json

import pytest
from conftest import problems

from xinjiang_pairing.quotes import normalise
from xinjiang_pairing.rules import dataset

TEXT = {"type": "string"}
FIELDS = {
    "funding": [
        {"name": "funding_id", "type": "string", "constraints": {"required": True}},
        {"name": "amount", "type": "number"},
        {"name": "amount_usd_reported", "type": "number"},
        {"name": "as_reported", **TEXT},
        {"name": "quote", "type": "string", "constraints": {"required": True}},
        {"name": "basis", "type": "string", "constraints": {"enum": ["stated", "derived"]}},
        {"name": "notes", **TEXT},
    ],
    "outcomes": [
        {"name": "outcome_id", "type": "string", "constraints": {"required": True}},
        {"name": "value", "type": "number"},
        {"name": "as_reported", **TEXT},
        {"name": "quote", "type": "string", "constraints": {"required": True}},
        {"name": "basis", "type": "string", "constraints": {"enum": ["stated", "derived"]}},
        {"name": "notes", **TEXT},
    ],
}
XINHUA = "China has invested 120 billion yuan (17.5 billion U.S. dollars) in Xinjiang over the decade."


def write(root, funding=(), outcomes=(), without=()):
    """A two-table package; rows are dicts (missing columns empty); ``without``: columns left out."""
    (root / "data").mkdir(parents=True)
    resources = []
    for name, rows in (("funding", funding), ("outcomes", outcomes)):
        fields = [f for f in FIELDS[name] if f["name"] not in without]
        names = [f["name"] for f in fields]
        with (root / "data" / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=names, lineterminator="\n", extrasaction="ignore")
            w.writeheader()
            for i, row in enumerate(rows):
                w.writerow({names[0]: f"{name}-{i + 1}", "basis": "stated", **row})
        resources.append({"name": name, "path": f"data/{name}.csv", "schema": {
            "fields": fields, "primaryKey": [names[0]]}})
    (root / "datapackage.json").write_text(json.dumps({"name": "quotes", "resources": resources}))
    return root


def test_normalising():
    assert normalise("  “nearly”\u00a0 1,700\t亿 ‘元’ …") == "\"nearly\" 1700 亿 '元' ..."
    assert normalise("１，７００") == "1700"
    assert normalise("12,345,678 and 3, 4") == "12345678 and 3, 4"


def test_wording_and_numbers_taken_from_the_quote_pass(tmp_path):
    root = write(tmp_path / "pkg", funding=[
        {"amount": "120000000000", "amount_usd_reported": "17500000000", "quote": XINHUA,
         "as_reported": "120 billion yuan (17.5 billion U.S. dollars)"},
        {"amount": "17000000", "quote": "援助资金１，７００万元，用于“民生”项目。",
         "as_reported": "援助资金1,700万元 … 用于\"民生\"项目"},
        {"amount": "30000000000", "quote": "共投入援疆资金300亿元", "as_reported": "300亿元"},
    ], outcomes=[
        {"value": "1200", "quote": "More than 1,200 projects were built.", "as_reported": "More than 1,200 projects"},
        {"value": "5", "quote": "5 thousand teachers", "as_reported": "5 thousand teachers", "basis": "derived",
         "notes": "counted in persons, not thousands"},
    ])
    assert problems(root) == []


def test_wording_not_in_the_quote(tmp_path):
    root = write(tmp_path / "pkg", funding=[
        {"amount": "120000000000", "quote": XINHUA, "as_reported": "120 billion yuan ... 八县一市"},
    ])
    assert problems(root) == [
        'data/funding.csv, row 2, column "as_reported": the wording "八县一市" of as_reported is not in quote '
        f"[{dataset.quote_has_reported_wording}]"
    ]


def test_a_number_of_as_reported_missing_from_its_quote(tmp_path):
    root = write(tmp_path / "pkg", funding=[
        {"amount": "120000000000", "quote": "China has invested nearly 100 billion yuan in Xinjiang.",
         "as_reported": "nearly 120 billion yuan"},
    ])
    assert problems(root) == [
        'data/funding.csv, row 2, column "as_reported": the number 120 in as_reported is not in quote '
        f"[{dataset.quote_has_reported_numbers}]",
        'data/funding.csv, row 2, column "as_reported": the wording "nearly 120 billion yuan" of as_reported is '
        f"not in quote [{dataset.quote_has_reported_wording}]",
    ]


@pytest.mark.parametrize("reported, quote, number", [
    ("5 million", "It gave 15 million yuan.", "5"),  # inside the quote, but part of a longer number there
    ("gave 1", "gave 1.5 million", "1"),
    ("gave 1.", "gave 1.5 million", "1"),
    (".5 million", "gave 1.5 million", "5"),
    ("2 and x", "the 12 and x", "2"),
    ("about 5", "about 5.5 million", "5"),
    ("5 million", "5 million and 15 million", None),  # found first where nothing runs on
    ("1.5 million", "gave 1.5 million", None),
    ("援助资金1700万元", "共有援助资金1700万元。", None),
    ("5 million", "gave \uff115 million", "5"),  # found as it is, next to a digit once normalised (１5 is 15)
    ("000 yuan", "gave 1\uff0c000 yuan", "000"),  # next to a comma once normalised (1，000 is 1000)
    ("5万元", "资金5万元", None),  # next to a Chinese character: nothing runs on
])
def test_a_number_cut_from_a_longer_one_of_the_quote_is_not_in_it(tmp_path, reported, quote, number):
    root = write(tmp_path / "pkg", funding=[{"quote": quote, "as_reported": reported}])
    found = [p for p in problems(root) if f"[{dataset.quote_has_reported_numbers}]" in p]
    assert found == ([] if number is None else [
        f'data/funding.csv, row 2, column "as_reported": the number {number} in as_reported is not in quote '
        f"[{dataset.quote_has_reported_numbers}]"])


def test_an_empty_quote_is_one_clear_problem(tmp_path):
    root = write(tmp_path / "pkg", funding=[
        {"amount": "120000000000", "quote": "", "as_reported": "nearly 120 billion yuan"},
    ])
    assert problems(root) == ['data/funding.csv, row 2, column "quote": a value is required [required]']


def test_a_figure_not_in_full_units(tmp_path):
    root = write(tmp_path / "pkg", funding=[
        {"amount": "17000000000", "quote": "nearly 120 billion yuan", "as_reported": "nearly 120 billion yuan"},
        {"amount": "120000000000", "amount_usd_reported": "17500000", "quote": XINHUA,
         "as_reported": "120 billion yuan (17.5 billion U.S. dollars)"},
        {"amount": "3000000", "quote": "共投入援疆资金300亿元", "as_reported": "300亿元", "basis": "derived",
         "notes": "a share of the total"},
    ], outcomes=[{"value": "12", "quote": "12万人次", "as_reported": "12万人次"}])
    code = dataset.figure_matches_reported
    assert problems(root) == [
        'data/funding.csv, row 2, column "amount": amount 17000000000 is not a number of as_reported '
        f"(nearly 120 billion yuan) in full units [{code}]",
        'data/funding.csv, row 3, column "amount_usd_reported": amount_usd_reported 17500000 is not a number of '
        f"as_reported (120 billion yuan (17.5 billion U.S. dollars)) in full units [{code}]",
        'data/outcomes.csv, row 2, column "value": value 12 is not a number of as_reported (12万人次) in full units '
        f"[{code}]",
    ]


def test_a_unit_before_another_word_and_figures_that_are_not_finite(tmp_path):
    """120万千瓦 is 120万 (of 千瓦), never 120; NaN and infinities are no figure of any text."""
    text = {"quote": "装机120万千瓦，80 percent", "as_reported": "装机120万千瓦"}
    root = write(tmp_path / "pkg", outcomes=[{"value": "120", **text}, {"value": "1200000", **text},
                                             {"value": "NaN", **text}, {"value": "-INF", **text}])
    code = dataset.figure_matches_reported
    assert problems(root) == [
        f'data/outcomes.csv, row 2, column "value": value 120 is not a number of as_reported (装机120万千瓦) in full '
        f"units [{code}]",
        f'data/outcomes.csv, row 4, column "value": value nan is not a number of as_reported (装机120万千瓦) in full '
        f"units [{code}]",
        f'data/outcomes.csv, row 5, column "value": value -inf is not a number of as_reported (装机120万千瓦) in '
        f"full units [{code}]",
    ]


def test_a_number_too_long_for_a_double_matches_no_figure(tmp_path):
    """A number of over 308 digits reads as infinity in SQL: it is no figure of as_reported."""
    reported = "9" * 400 + " yuan"
    root = write(tmp_path / "pkg", funding=[{"amount": "5", "quote": reported, "as_reported": reported}])
    assert problems(root) == [
        f'data/funding.csv, row 2, column "amount": amount 5 is not a number of as_reported ({reported}) in full units '
        f"[{dataset.figure_matches_reported}]"]


@pytest.mark.parametrize("reported, amount", [
    ("1.2万亿元", 1.2e12), ("3千万", 3e7), ("5百万", 5e6), ("2 trillion", 2e12), ("7 thousand", 7e3),
    ("4.5 bn", 4.5e9), ("6 mln", 6e6), ("8 mn", 8e6), ("9 Billion", 9e9), ("0.1亿", 1e7), ("42", 42),
    ("a 70-million-yuan investment", 7e7), ("近百億", 1e10), ("超過千億元", 1e11), ("6500多万元", 6.5e7),
    ("420余万元", 4.2e6), ("50.95億元", 5.095e9), ("helped two patients", 2), ("一千二百万", 1.2e7),
    ("the 11th batch", 11), ("装机120万千瓦", 1.2e6), ("1.5亿千瓦时", 1.5e8), ("5 - million", 5e6),
    ("援助資金近2個億", 2e8), ("投入3个亿", 3e8), ("1.5多个亿", 1.5e8),
])
def test_units(tmp_path, reported, amount):
    root = write(tmp_path / "pkg", funding=[{"amount": repr(amount), "quote": reported, "as_reported": reported}])
    assert problems(root) == []


def test_rules_need_both_columns(tmp_path):
    """A table without quote is not checked by these rules."""
    root = write(tmp_path / "pkg", funding=[{"amount": "1", "as_reported": "nothing like it"}], without=("quote",))
    assert problems(root) == []


def test_texts_of_ascii_characters_are_normalised_alike_in_sql():
    import duckdb

    from xinjiang_pairing.rules.dataset import _normalise_sql

    texts = ["  a\t\tb \n", "1,2,3,4", "12,345,678.5 yuan", "a ,1", "1, 700", "\x1ca\x1fb\x0b", "x,", ",1", "",
             "nearly 120 billion", "3,\n4", "1,,2", "a  b", " lead", "trail ", "plain words", "1,2 and  3",
             "tab\tonly"]
    sql = duckdb.connect().execute(f"SELECT [{_normalise_sql('t')} FOR t IN ?]", [texts]).fetchone()[0]
    assert sql == [normalise(t) for t in texts]


def test_synthetic_packages_stay_valid_when_figures_carry_a_quote(pkg, tmp_path):
    """When funding and outcomes have a quote column (the published package has one; a copy
    without it gets one here), the generated rows of the benchmark packages quote their
    as_reported and pass these rules."""
    from conftest import TODAY

    from xinjiang_pairing.synthetic import make_package
    from xinjiang_pairing.validate import validate_package

    for table in ("funding", "outcomes"):
        path = pkg.root / "schemas" / f"{table}.json"
        schema = json.loads(path.read_text(encoding="utf-8"))
        if "quote" in [f["name"] for f in schema["fields"]]:
            continue
        at = [f["name"] for f in schema["fields"]].index("as_reported") + 1
        schema["fields"].insert(at, {"name": "quote", "type": "string", "constraints": {"required": True}})
        path.write_text(json.dumps(schema), encoding="utf-8")
        header = pkg.header(table)
        header.insert(at, "quote")
        pkg.write(table, [dict(r, quote=r["as_reported"] or "-") for r in pkg.rows(table)], header)
    made = make_package(tmp_path / "synthetic", 30, source=pkg.root)
    report = validate_package(made, today=TODAY, descriptor=False)
    assert [p.describe() for p in report.sorted() if p.row <= 31] == []


def test_the_quote_rules_share_one_table_per_run_and_leave_none_behind(tmp_path):
    """The normalised quotes are made once per run (a second run on the same connection sees its own
    data, not the first run's) and dropped after it."""
    import datetime as dt

    from xinjiang_pairing import engine
    from xinjiang_pairing.package import load_package
    from xinjiang_pairing.rules import SCRATCH

    good = write(tmp_path / "good", funding=[{"amount": "300", "quote": "it cost 300 yuan", "as_reported": "300 yuan"}])
    bad = write(tmp_path / "bad", funding=[{"amount": "300", "quote": "it cost 200 yuan", "as_reported": "300 yuan"}])
    con = engine.connect()
    try:
        first = engine.check(con, load_package(good), "main", dt.date(2026, 11, 30))
        second = engine.check(con, load_package(bad), "main", dt.date(2026, 11, 30))
        left = con.execute("SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, ?)",
                           [SCRATCH]).fetchall()
    finally:
        con.close()
    assert first.problems == [] and left == []
    assert sorted(p.rule for p in second.problems) == sorted([
        dataset.quote_has_reported_numbers.code, dataset.quote_has_reported_wording.code])


def test_tables_checked_together_keep_their_rows_apart(tmp_path):
    """Small tables are checked in one scratch table: each problem names its own table and row, for
    texts normalised in SQL (ASCII) and in Python (the others), with each table's figure column."""
    root = write(tmp_path / "pkg", funding=[
        {"amount": "300", "quote": "it cost 300 yuan", "as_reported": "300 yuan"},
        {"amount": "500000000", "quote": "投入资金3亿元", "as_reported": "投入资金5亿元"},
    ], outcomes=[
        {"value": "12", "quote": "12 projects", "as_reported": "12 projects"},
        {"value": "7", "quote": "建成项目8个", "as_reported": "建成项目8个"},
        {"value": "9", "quote": "9 new schools opened", "as_reported": "9 schools"},
    ])
    wording, numbers, figure = (dataset.quote_has_reported_wording, dataset.quote_has_reported_numbers,
                                dataset.figure_matches_reported)
    assert problems(root) == [
        'data/funding.csv, row 3, column "as_reported": the number 5 in as_reported is not in quote '
        f"[{numbers}]",
        'data/funding.csv, row 3, column "as_reported": the wording "投入资金5亿元" of as_reported is not in quote '
        f"[{wording}]",
        'data/outcomes.csv, row 3, column "value": value 7 is not a number of as_reported (建成项目8个) in full units '
        f"[{figure}]",
        'data/outcomes.csv, row 4, column "as_reported": the wording "9 schools" of as_reported is not in quote '
        f"[{wording}]",
    ]
