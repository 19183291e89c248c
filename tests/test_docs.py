"""Documentation that is generated or promised stays true: dictionary, README examples, changelog."""

import json
import re
from pathlib import Path

import duckdb
import pytest
from conftest import PackageCopy, csv_rows

from xinjiang_pairing import __version__
from xinjiang_pairing.cli import cli
from xinjiang_pairing.coverage import COVERAGE_FILE, compute
from xinjiang_pairing.coverage import render as render_coverage
from xinjiang_pairing.dictionary import DICTIONARY_FILE, render
from xinjiang_pairing.package import load_package


def readme(root):
    return (root / "README.md").read_text(encoding="utf-8")


def test_data_dictionary_is_up_to_date(root):
    on_disk = (root / DICTIONARY_FILE).read_text(encoding="utf-8")
    assert on_disk == render(load_package(root)), "run: xinjiang-pairing docs"


def test_coverage_report_is_up_to_date(root):
    on_disk = (root / COVERAGE_FILE).read_text(encoding="utf-8")
    assert on_disk == render_coverage(load_package(root)), "run: xinjiang-pairing docs"


def test_readme_states_the_coverage_headline(root):
    h = compute(load_package(root)).headline()
    text = readme(root)
    for key in ("funding", "outcomes", "pairings", "sources", "sources_checked"):
        assert f"{h[key]:,}" in text, f"the README does not state the coverage figure {key} = {h[key]}"


def test_coverage_counts_rows_and_checked_sources(tmp_path):
    pkg = PackageCopy(tmp_path / "pkg")
    sources = pkg.rows("sources")
    assert any(s["text_status"] == "text_checked" for s in sources)
    before = compute(load_package(pkg.root))
    assert before.sources == (len(sources), sum(s["text_status"] == "text_checked" for s in sources))
    for s in sources:
        s["text_status"] = "not_retrieved"
    pkg.write("sources", sources)
    after = compute(load_package(pkg.root))
    assert after.sources == (len(sources), 0)
    assert [(t, n, 0) for t, n, _ in before.tables] == after.tables
    assert dict((t, n) for t, n, _ in after.tables)["funding"] == len(pkg.rows("funding"))


def test_dictionary_documents_every_column(root):
    text = render(load_package(root))
    for res in load_package(root).resources:
        assert f"\n## {res.name}\n" in text
        for f in res.fields:
            assert f"| `{f.name}` | {f.type} |" in text


@pytest.fixture(scope="module")
def db(built):
    con = duckdb.connect(str(built), read_only=True)
    yield con
    con.close()


def sql_examples(root):
    return re.findall(r"```sql\n(.*?)```", readme(root), flags=re.S)


EXAMPLES = sql_examples(Path(__file__).resolve().parents[1])


def test_readme_has_sql_examples():
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("sql", EXAMPLES, ids=[f"example-{i + 1}" for i in range(len(EXAMPLES))])
def test_readme_sql_example_runs_and_returns_rows(db, sql):
    rows = db.execute(sql).fetchall()
    assert rows, sql


def test_readme_completeness_query_counts_82_of_82(db):
    """82 county-level units in 2010, each paired by a source read (Manas since 0.9.0)."""
    sql = next(e for e in EXAMPLES if "county_units" in e)
    assert db.execute(sql).fetchone()[0] == 82


def test_readme_lists_every_command(root):
    text = readme(root)
    for name in cli.commands:
        assert f"`xinjiang-pairing {name}" in text, name


def test_quick_start_is_the_two_scripts(root):
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", readme(root), flags=re.S).group(1)
    assert [line.split()[0] for line in block.strip().splitlines()] == ["scripts/build", "scripts/test"]
    ci = (root / ".ci" / "run").read_text()
    assert "scripts/test" in ci


def test_versions_agree(root):
    package = load_package(root)
    assert package.version == __version__
    assert f"## [{__version__}]" in (root / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"version: {__version__}\n" in (root / "CITATION.cff").read_text(encoding="utf-8")


def test_licenses_declared_for_code_and_data(root):
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    assert {lic["name"] for lic in descriptor["licenses"]} == {"CC-BY-4.0", "MIT"}
    assert (root / "LICENSE").read_text().startswith("MIT License")
    assert "CC BY 4.0" in (root / "LICENSE-DATA").read_text()


def test_changelog_counts_match_the_data(root):
    """The changelog's counts for the current version are the real row counts."""
    text = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    section = text.split(f"## [{__version__}]")[1].split("\n## [")[0]
    package = load_package(root)
    for table, noun in (("sources", "sources"), ("pairings", "pairings"), ("funding", "funding figures"),
                        ("outcomes", "outcome figures"), ("indicators", "indicators")):
        m = re.search(rf"(\d+) {noun}\b", section)
        if m:
            rows = csv_rows(package.resource(table).path)
            assert int(m.group(1)) == rows, f"{noun}: changelog says {m.group(1)}, data has {rows}"


def test_readme_states_the_foreign_key_limit(root):
    from xinjiang_pairing.build import FOREIGN_KEY_MAX_ROWS

    assert f"more than {FOREIGN_KEY_MAX_ROWS:,} rows keeps its foreign keys" in readme(root).replace("\n", " ")
