"""The dataset as its users read it, with clients the project did not write: the views and their
comments, exact money in DuckDB and Parquet, Parquet metadata, the dataset README's snippets in
pandas, Polars and R, the typed reader, the Excel workbook read back with openpyxl, and the DuckDB
command line of the quick start."""

import datetime as dt
import json
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal

import duckdb
import openpyxl
import polars as pl
import pytest

from xinjiang_pairing.artifacts import parquet_metadata, write_csv_zip, write_parquet
from xinjiang_pairing.build import STORAGE_VERSION
from xinjiang_pairing.package import load_package
from xinjiang_pairing.read import pandas_frame, polars_frame
from xinjiang_pairing.views import VIEWS
from xinjiang_pairing.workbook import COLUMNS_SHEET, write_xlsx


@pytest.fixture(scope="module")
def db(built):
    con = duckdb.connect(str(built), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def package(root):
    return load_package(root)


# Views


def test_every_view_and_view_column_has_a_comment(db):
    views = dict(db.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal").fetchall())
    assert set(views) == {v.name for v in VIEWS}
    assert all(views.values())
    missing = db.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE table_name IN "
        "(SELECT view_name FROM duckdb_views() WHERE NOT internal) AND (comment IS NULL OR comment = '')"
    ).fetchall()
    assert missing == []


def test_data_dictionary_covers_every_view_column(root):
    text = (root / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    for view in VIEWS:
        assert f"### View {view.name}" in text
        for column, _ in view.columns:
            assert f"| `{column}` |" in text


def test_primary_filter_sees_every_source_that_reported_a_figure(db):
    # a figure whose first report is not primary but a later report (same_as) is
    repeated = db.execute("""
        SELECT f.funding_id FROM funding f JOIN sources s USING (source_id)
        WHERE f.same_as IS NULL AND s.reliability <> 'primary' AND EXISTS (
            SELECT 1 FROM funding r JOIN sources rs USING (source_id)
            WHERE r.same_as = f.funding_id AND rs.reliability = 'primary')
        ORDER BY 1""").fetchall()
    assert repeated, "the data has no figure whose primary report came second"
    primary = {r[0] for r in db.execute("SELECT funding_id FROM funding_figures WHERE has_primary_source").fetchall()}
    assert {r[0] for r in repeated} <= primary
    row = db.execute("SELECT best_reliability, source_reliabilities FROM funding_figures WHERE funding_id = ?",
                     [repeated[0][0]]).fetchone()
    assert row[0] == "primary" and "primary" in row[1]


def test_all_figures_is_funding_and_outcome_figures_with_common_columns(db):
    counts = dict(db.execute("SELECT figure_type, count(*) FROM all_figures GROUP BY ALL").fetchall())
    assert counts == {
        "funding": db.execute("SELECT count(*) FROM funding_figures").fetchone()[0],
        "outcome": db.execute("SELECT count(*) FROM outcome_figures").fetchone()[0],
    }
    after = db.execute("SELECT count(*) FROM all_figures WHERE as_of_date >= DATE '2021-01-01'").fetchone()[0]
    assert 0 < after < sum(counts.values())


def test_views_name_parties_and_places_one_way(db):
    columns = {}
    for name, column in db.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE table_name IN "
            "('pairings_named', 'funding_figures', 'outcome_figures', 'all_figures')").fetchall():
        columns.setdefault(name, set()).add(column)
    for name, cols in columns.items():
        assert {"assisting_party_id", "assisting_party", "recipient_place_id", "recipient"} <= cols, name
        assert not cols & {"funder_party_id", "party_id", "place_id", "funder", "party", "place"}, name


def test_a_city_pairing_rolls_up_to_its_province(db):
    rows = dict(db.execute("SELECT DISTINCT assisting_party_id, assisting_province_id FROM pairings_named "
                           "WHERE assisting_party_id IN ('shenzhen', 'kunshan', 'guangdong')").fetchall())
    assert rows == {"shenzhen": "guangdong", "kunshan": "jiangsu", "guangdong": "guangdong"}
    provinces = [r[0] for r in db.execute(
        "SELECT DISTINCT assisting_province FROM pairings_named "
        "WHERE recipient_parent_place_id = 'kashgar-prefecture' ORDER BY 1").fetchall()]
    assert "Guangdong Province" in provinces and None not in provinces


def test_readme_examples_are_ordered(root):
    text = (root / "README.md").read_text(encoding="utf-8")
    for sql in re.findall(r"```sql\n(.*?)```", text, flags=re.S):
        if "ATTACH" in sql or "INSTALL" in sql:
            continue
        single_row = re.search(r"SELECT (count|sum)\(", sql) or "FROM _release" in sql
        assert "ORDER BY" in sql or single_row, sql


# Money and Parquet


def test_money_is_exact_in_duckdb_and_parquet(db, package, tmp_path):
    types = dict(db.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'funding'")
                 .fetchall())
    assert types["amount"] == types["amount_usd_reported"] == "DECIMAL(38,2)"
    con = duckdb.connect()
    con.execute(f"ATTACH '{db.execute('PRAGMA database_list').fetchall()[0][2]}' AS r (READ_ONLY)")
    paths = write_parquet(con, "r", package, tmp_path)
    funding = next(p for p in paths if p.name.endswith("-funding.parquet"))
    assert con.execute(f"SELECT typeof(amount) FROM '{funding}' LIMIT 1").fetchone()[0] == "DECIMAL(38,2)"
    meta = {k.decode(): v.decode() for k, v in
            con.execute(f"SELECT key, value FROM parquet_kv_metadata('{funding}')").fetchall()}
    res = package.resource("funding")
    assert meta == parquet_metadata(package, res)
    assert meta["version"] == package.version and meta["description"] == res.description
    assert json.loads(meta["table_schema"])["primaryKey"] == res.schema["primaryKey"]
    con.close()


def test_wheel_requires_the_duckdb_that_opens_its_file(root):
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    major, minor = STORAGE_VERSION.lstrip("v").split(".")[:2]
    assert f'"duckdb>={major}.{minor}"' in text
    deps = re.search(r"^dependencies = \[(.*?)\]", text, flags=re.S | re.M)[1]
    assert sorted(re.findall(r'"([a-z]+)', deps)) == ["click", "duckdb"]


# The CSV zip: its README and its snippets


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory, root, package):
    folder = tmp_path_factory.mktemp("zip")
    write_csv_zip(root, folder / "x.zip", "pkg")
    with zipfile.ZipFile(folder / "x.zip") as zf:
        zf.extractall(folder)
    return folder / "pkg"


def snippet(readme: str, language: str, heading: str) -> str:
    part = readme.split(f"### {heading}", 1)[1]
    return re.search(rf"```{language}\n(.*?)```", part, flags=re.S)[1]


def test_zip_readme_is_a_dataset_readme(unpacked, package):
    text = (unpacked / "README.md").read_text(encoding="utf-8")
    for words in ("pandas", "Polars", "### R", "Excel", "DuckDB", "How to cite", "Licence", "CC BY 4.0",
                  "data-dictionary.md", "as_of_date", package.version):
        assert words in text, words
    assert "scripts/build" not in text and "](docs/" not in text
    for link in re.findall(r"\]\(([^)#:]+)\)", text):
        assert (unpacked / link).is_file(), link
    assert (unpacked / "data-dictionary.md").is_file()
    assert list((unpacked / "figures").glob("*.png"))


def check_types(frames: dict, kind: str) -> None:
    funding, sources, meetings = frames["funding"], frames["sources"], frames["meetings"]
    if kind == "pandas":
        assert str(funding["period_start_year"].dtype) == "Int64"
        assert str(sources["published_date"].dtype).startswith("datetime64")
        assert funding["same_as"].isna().any() and not (funding["same_as"] == "").any()
        assert str(funding["amount"].dtype) == "Float64"
    else:
        assert funding["period_start_year"].dtype == pl.Int64
        assert sources["published_date"].dtype == pl.Date
        assert funding["amount"].dtype == pl.Decimal(38, 2)
        assert funding["same_as"].null_count() > 0
    assert len(meetings) > 0


def test_zip_readme_pandas_snippet(unpacked, monkeypatch):
    code = snippet((unpacked / "README.md").read_text(encoding="utf-8"), "python", "Python: pandas")
    monkeypatch.chdir(unpacked)
    scope: dict = {}
    exec(code, scope)  # noqa: S102 - the README's own code
    check_types({t: scope["read"](t) for t in ("funding", "sources", "meetings")}, "pandas")


def test_zip_readme_polars_snippet(unpacked, monkeypatch):
    code = snippet((unpacked / "README.md").read_text(encoding="utf-8"), "python", "Python: Polars")
    monkeypatch.chdir(unpacked)
    scope: dict = {}
    exec(code, scope)  # noqa: S102
    check_types({t: scope["read"](t) for t in ("funding", "sources", "meetings")}, "polars")


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed (apt-get install r-base-core)")
def test_zip_readme_r_snippet(unpacked):
    code = snippet((unpacked / "README.md").read_text(encoding="utf-8"), "r", "R")
    code += """
f <- read_table("funding"); s <- read_table("sources"); p <- read_table("places")
cat(class(s$published_date), class(f$period_start_year), class(f$amount), sum(is.na(f$same_as)) > 0,
    sum(f$same_as == "", na.rm = TRUE), p$name_zh[p$place_id == "kashgar-prefecture"], "\\n")
"""
    out = subprocess.run(["Rscript", "-e", code], cwd=unpacked, capture_output=True, text=True, encoding="utf-8")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["Date", "integer", "numeric", "TRUE", "0", "喀什地区"]


def test_typed_reader(root):
    frames = {t: pandas_frame(t, root) for t in ("funding", "sources", "meetings")}
    check_types(frames, "pandas")
    frames = {t: polars_frame(t, root) for t in ("funding", "sources", "meetings")}
    check_types(frames, "polars")
    total = duckdb.execute(f"SELECT sum(amount::DECIMAL(38,2)) FROM '{root}/data/funding.csv'").fetchone()[0]
    assert polars_frame("funding", root)["amount"].sum() == Decimal(total)


# The workbook


@pytest.mark.slow  # the whole workbook written and read
def test_workbook_reads_back_with_openpyxl(db, package, tmp_path, built):
    con = duckdb.connect()
    con.execute(f"ATTACH '{built}' AS r (READ_ONLY)")
    first = write_xlsx(con, "r", package, tmp_path / "a.xlsx")
    again = write_xlsx(con, "r", package, tmp_path / "b.xlsx")
    con.close()
    assert first.read_bytes() == again.read_bytes(), "the workbook is not byte-reproducible"
    wb = openpyxl.load_workbook(first, read_only=True)
    assert wb.sheetnames == ["about", COLUMNS_SHEET] + [r.name for r in package.resources]
    for res in package.resources:
        rows = list(wb[res.name].iter_rows(values_only=True))
        assert list(rows[0]) == res.field_names
        assert len(rows) - 1 == db.execute(f"SELECT count(*) FROM {res.name}").fetchone()[0]
    places = list(wb["places"].iter_rows(values_only=True))
    head = places[0]
    kashgar = next(r for r in places if r[head.index("place_id")] == "kashgar-prefecture")
    assert kashgar[head.index("name_zh")] == "喀什地区"
    sources = list(wb["sources"].iter_rows(values_only=True))
    published = [r[sources[0].index("published_date")] for r in sources[1:]]
    assert any(isinstance(v, dt.datetime) for v in published)
    columns = list(wb[COLUMNS_SHEET].iter_rows(values_only=True))
    assert len(columns) - 1 == sum(len(r.fields) for r in package.resources)


# The quick start's DuckDB command line


@pytest.mark.slow
def test_quick_start_duckdb_cli_opens_the_file(root, built):
    text = (root / "README.md").read_text(encoding="utf-8")
    assert ".venv/bin/duckdb -readonly dist/xinjiang-pairing-assistance.duckdb" in text
    cli = root / ".venv" / "bin" / "duckdb"
    if not cli.exists():
        pytest.skip("no .venv/bin/duckdb: run scripts/test")
    sql = "SELECT assisting_province FROM pairings_named WHERE assisting_party_id = 'shenzhen' LIMIT 1"
    out = subprocess.run([str(cli), "-readonly", str(built), "-csv", "-c", sql], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["assisting_province", "Guangdong Province"]
