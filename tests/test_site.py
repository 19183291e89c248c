"""The data explorer without a browser: map boundaries by official code, the pages written, their
links and weight, quotes when the column exists, and the SQL set-up of the browser console run here."""

import csv
import io
import json
import re
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from site_build import ROOT, built, missing_references

from xinjiang_pairing.cli import cli, format_rows
from xinjiang_pairing.site.boundaries import build_topology, decode, load
from xinjiang_pairing.site.data import COUNTY_LEVELS, console_queries, csv_data, readme_queries
from xinjiang_pairing.site.data import load as load_data
from xinjiang_pairing.site.mapping import build_model, fingerprint
from xinjiang_pairing.site.pages import Site

# Units established after the boundaries were drawn: part of their neighbours' shapes (see reference/boundaries).
NO_SHAPE = {"659011", "659012"}
PAGE_BUDGET = 500_000


def rows(table):
    with (ROOT / "data" / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def data():
    db, _ = built()
    return load_data(ROOT, db)


@pytest.fixture(scope="module")
def site():
    return built()[1]


def test_every_county_of_the_pairing_map_finds_its_shape_by_code():
    shapes = {g["properties"]["code"] for g in load(ROOT)["objects"]["counties"]["geometries"]}
    places = {p["place_id"]: p for p in rows("places")}
    recipients = {r["recipient_place_id"] for r in rows("pairings")}

    def codes(p):
        return {c for c in (p["adcode"], p["former_adcode"]) if c}

    def in_xinjiang(p):
        return any(c.startswith("65") for c in codes(p))

    county_units = [p for p in places.values() if p["level"] in COUNTY_LEVELS and in_xinjiang(p)]
    assert len(county_units) > 100
    paired = [p for p in county_units if p["place_id"] in recipients]
    assert len(paired) >= 82  # the 82 units of the 2010 round
    for p in paired:
        assert codes(p) & shapes, f"{p['place_id']} ({p['adcode']}) has no shape"
    missing = {p["adcode"] for p in county_units if not codes(p) & shapes}
    assert missing <= NO_SHAPE, missing
    assert not {p["place_id"] for p in county_units if p["adcode"] in NO_SHAPE} & recipients
    every_code = {c for p in places.values() for c in codes(p)}
    assert shapes <= every_code, "a shape no place matches"


def test_every_unit_of_the_map_is_coloured_from_the_pairings(data):
    model = build_model(data)
    by_place = {u.place["place_id"]: u for u in model.units}
    assert len(model.units) == 106 and len(model.parties) == 19
    assert by_place["aksu-city"].party_id == "zhejiang"
    assert by_place["shawan-city"].party_id == "liaoning"  # found by its former code 654223
    assert by_place["kunyu-city"].party_id == "beijing" and by_place["kunyu-city"].xpcc
    assert by_place["shihezi-city"].via["place_id"] == "xpcc-division-8"  # through its XPCC division
    assert by_place["karamay-district"].party_id is None and by_place["karamay-district"].note == "unknown"
    assert by_place["tianshan-district"].party_id is None and by_place["tianshan-district"].note == ""


def test_shared_borders_are_simplified_once():
    """Two squares sharing a wavy edge: the edge becomes one arc, used by both (no gap, no overlap)."""
    wave = [(1_000_000, y * 100_000 + (3_000 if y % 2 else 0)) for y in range(11)]
    left = [(0, 0), *wave, (0, 1_000_000), (0, 0)]
    right = [(1_000_000, 0), (2_000_000, 0), (2_000_000, 1_000_000), *reversed(wave)]
    units = {"1": {"name_zh": "甲", "polygons": [[left]]}, "2": {"name_zh": "乙", "polygons": [[right]]}}
    topo = build_topology(units, tolerance_km=1.0, quantization=1000)
    shapes, arcs = decode(topo)
    shared = set(shapes["1"]["arcs"]) & set(shapes["2"]["arcs"])
    assert len(shared) == 1
    edge = arcs[shared.pop()]
    assert len(edge) == 2  # wiggles of about 300 m are gone at a 1 km tolerance
    assert topo["arcs"] and json.dumps(topo)


def test_the_site_has_a_page_per_entity_with_stable_urls(site):
    for table, folder, key in (("parties", "parties", "party_id"), ("places", "places", "place_id"),
                               ("sources", "sources", "source_id"), ("meetings", "meetings", "meeting_id")):
        for row in rows(table):
            assert (site / folder / f"{row[key]}.html").is_file(), (folder, row[key])
    for path in ("index.html", "map.html", "conflicts.html", "sql.html", "tables/index.html",
                 "tables/pairings.html", "tables/funding_figures.html", "tables/conflicts.html"):
        assert (site / path).is_file(), path


def html_pages(site):
    return sorted(site.rglob("*.html"))


def test_every_page_says_how_to_cite_and_links_only_inside_the_site(site):
    external = re.compile(r'<(?:script|link|img|iframe|source)\b[^>]*(?:src|href)="(?!data:)([^"]*)"')
    for page in html_pages(site):
        text = page.read_text(encoding="utf-8")
        assert "<h2>How to cite</h2>" in text, page
        for url in external.findall(text):
            assert not re.match(r"^(https?:)?//|^/", url), (page, url)
            assert (page.parent / url).resolve().is_file(), (page, url)
        assert 'lang="zh-Hans"' in text, page  # Chinese names are marked as such


def test_internal_links_resolve(site):
    """Every link, script, style sheet and image of every page names a file of the site."""
    assert missing_references(site) == []


def weight(site: Path, page: str) -> int:
    """Bytes the page loads: the HTML and the files its tags name (the SQL engine excepted)."""
    path = site / page
    text = path.read_text(encoding="utf-8")
    total = len(text.encode())
    for url in re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="(?!data:)([^"]*)"', text):
        total += (path.parent / url).resolve().stat().st_size
    return total


@pytest.mark.parametrize("page", ["index.html", "parties/zhejiang.html"])
def test_page_weight_is_under_the_budget(site, page):
    assert weight(site, page) < PAGE_BUDGET


def test_the_sql_engine_loads_only_on_its_page(site):
    for page in html_pages(site):
        text = page.read_text(encoding="utf-8")
        assert ("assets/sql.js" in text) == (page.name == "sql.html" and page.parent == site), page


def test_figures_show_their_wording_source_and_reliability(site):
    text = (site / "parties" / "zhejiang.html").read_text(encoding="utf-8")
    assert "never add them up" in text
    cards = re.findall(r'<article class="fig".*?</article>', text, flags=re.S)
    assert cards
    for card in cards:
        assert "As reported:" in card and 'href="../sources/' in card and 'class="rel rel-' in card
    assert '<svg class="chart"' in text


def test_quotes_are_shown_when_the_column_exists(data):
    funding = data.tables["funding"]
    row = next(r for r in funding if r.get("funder_party_id") == "zhejiang")
    data.tables["funding"] = [{**r, "quote": "QUOTED TEXT" if r is row else None} for r in funding]
    data.columns["funding"] = [*data.columns["funding"], "quote"]
    try:
        pages = Site(data, [], []).build([])
    finally:
        data.tables["funding"] = funding
        data.columns["funding"] = data.columns["funding"][:-1]
    assert "QUOTED TEXT" in pages["parties/zhejiang.html"]
    assert "QUOTED TEXT" in pages[f"sources/{row['source_id']}.html"]


def test_docs_map_figure_is_up_to_date():
    svg = (ROOT / "docs" / "figures" / "xinjiang-map.svg").read_text(encoding="utf-8")
    assert (ROOT / "docs" / "figures" / "xinjiang-map.png").is_file()
    assert fingerprint(csv_data(ROOT)) in svg, "stale map: run xinjiang-pairing docs"


def test_browser_sql_setup_gives_the_same_rows_as_the_cli(site):
    """The statements the console runs, run here by DuckDB on the site's CSVs, answer every README
    query as the built file does."""
    db, _ = built()
    setup = json.loads((site / "data" / "setup.json").read_text(encoding="utf-8"))
    con = duckdb.connect()
    con.execute(f"SET file_search_path = '{site / 'data'}'")
    for statement in setup["statements"]:
        con.execute(statement)
    with duckdb.connect(str(db), read_only=True) as ref:  # closed at once (see test_site_browser)
        for _, sql in readme_queries(ROOT):
            if "_release" in sql:
                continue  # the built_at time differs between two builds
            got, want = con.execute(sql), ref.execute(sql)
            got_rows, want_rows = got.fetchall(), want.fetchall()
            assert [d[0] for d in got.description] == [d[0] for d in want.description], sql
            assert sorted(map(repr, got_rows)) == sorted(map(repr, want_rows)), sql


def test_amounts_and_numbers_keep_every_digit():
    """A figure is shown with every digit it has, never rounded; a word for its size."""
    from decimal import Decimal

    from xinjiang_pairing.site.html import amount, grouped, number, plain

    assert amount(Decimal("170000000000.00")) == "170 billion"
    assert amount(1234567890) == "1.23456789 billion"
    assert amount(1684000000000) == "1.684 trillion"
    assert amount(-1500000) == "-1.5 million"
    assert amount(Decimal("987654.32")) == "987,654.32"
    assert [number(v) for v in (102.65, 1234.5, 0.05, 1e-05, 7, 92.44, None)] == [
        "102.65", "1,234.5", "0.05", "0.00001", "7", "92.44", ""]
    assert [plain(v) for v in (Decimal("170000000000.00"), 1e-07, -1234.5, 2.5e20, Decimal("0.10"), -0.0,
                               Decimal("-0.00"), float("nan"), float("-inf"))] == [
        "170000000000", "0.0000001", "-1234.5", "250000000000000000000", "0.1", "0", "0", "NaN", "-Infinity"]
    assert [grouped(t) for t in GROUPING] == [
        "1,234,567.891", "-1,000", "999", "0.00001", "12a34", "1.2.3", "Infinity", "", "0,012", "1234.", "-",
        "1,000,000"]


# texts for html.grouped and its copy in table.js: plain decimals, and others left as they are
GROUPING = ("1234567.891", "-1000", "999", "0.00001", "12a34", "1.2.3", "Infinity", "", "0012", "1234.", "-",
            "1000000")


def test_the_table_pages_group_numbers_as_html_grouped_does(tmp_path):
    """``grouped`` in table.js, run by Node.js, gives what ``html.grouped`` gives."""
    import random
    import re
    import subprocess

    from xinjiang_pairing.site import STATIC
    from xinjiang_pairing.site.html import grouped, plain

    source = re.search(r"^  function grouped\(t\) \{\n.*?^  \}$", (STATIC / "table.js").read_text(encoding="utf-8"),
                       re.S | re.M)
    assert source, "table.js has no function grouped(t)"
    rng = random.Random(7)
    texts = [*GROUPING, *(plain(rng.uniform(-1e12, 1e12)) for _ in range(200)),
             *(plain(rng.randrange(-10**20, 10**20)) for _ in range(200)), *(plain(10.0 ** k) for k in range(-8, 22))]
    script = tmp_path / "grouped.js"
    script.write_text(source[0] + "\nconsole.log(JSON.stringify(JSON.parse(require('fs').readFileSync(0, 'utf8'))"
                      ".map(grouped)));\n", encoding="utf-8")
    done = subprocess.run(["node", str(script)], input=json.dumps(texts), capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == [grouped(t) for t in texts]


def test_the_tables_of_the_explorer_get_every_number_as_its_plain_decimal(site, data):
    """Numbers go to a table page as text (``plain``): no digit is lost to a JSON number, and the
    page shows them grouped as the other pages do (checked in a browser in test_site_browser)."""
    from xinjiang_pairing.site.html import plain

    for name, column in (("funding", "amount"), ("outcomes", "value")):
        text = (site / "data" / "rows" / f"{name}.js").read_text(encoding="utf-8")
        payload = json.loads(text.removeprefix("window.XJ_TABLE=").rstrip().removesuffix(";"))
        i = payload["columns"].index(column)
        assert i in payload["numeric"] and i in payload["grouped"]
        sent = [r[i] for r in payload["rows"]]
        assert sent == [None if r[column] is None else plain(r[column]) for r in data.rows(name)]
        assert all(v is None or isinstance(v, str) for v in sent)
        # a year is a number but is shown as written (2019, not 2,019); a date goes as its ISO text
        year, day = payload["columns"].index("period_start_year"), payload["columns"].index("as_of_date")
        assert year in payload["numeric"] and year not in payload["grouped"] and day not in payload["numeric"]
        assert [r[day] for r in payload["rows"]] == [
            None if r["as_of_date"] is None else r["as_of_date"].isoformat() for r in data.rows(name)]


def test_the_console_offers_the_readme_queries_it_can_run(tmp_path):
    """Not those that read files or create tables: the console already holds every table."""
    (tmp_path / "README.md").write_text(
        "Read the CSV:\n\n```sql\nCREATE TABLE funding AS SELECT * FROM read_csv('data/funding.csv');\n"
        "SELECT 1;\n```\n\nCount them:\n\n```sql\nSELECT count(*) FROM funding;\n```\n\n"
        "A Parquet file:\n\n```sql\nSELECT * FROM read_parquet ('x.parquet');\n```\n\n"
        "Open the file:\n\n```sql\nSELECT 1;\nATTACH 'x.duckdb' AS xj;\n```\n", encoding="utf-8")
    assert len(readme_queries(tmp_path)) == 4
    assert console_queries(tmp_path) == [("Count them", "SELECT count(*) FROM funding;")]
    assert console_queries(ROOT) == readme_queries(ROOT)  # every query of this README runs in the console
    from xinjiang_pairing.site.data import _console_can_run

    runs = ["SELECT 1", "WITH a AS (SELECT 1) SELECT * FROM a;", "FROM funding", "(SELECT 1) UNION (SELECT 2)",
            "SELECT 'read_csv(x)' AS hint", "-- a comment\nSELECT 1; SELECT 2", "DESCRIBE funding", "SUMMARIZE places"]
    refused = ["-- load it\nCREATE TABLE t AS SELECT 1", "SELECT * FROM 'data/x.csv'", "SELECT * FROM glob('*')",
               "SELECT * FROM parquet_scan('x')", "UPDATE funding SET amount = 0", "DELETE FROM funding",
               "SET threads = 1", "PRAGMA version", "SELECT 1; DROP TABLE funding", "ATTACH 'x.duckdb'",
               "/* x */ INSTALL httpfs", "SELECT * FROM READ_PARQUET ('x')", "COPY funding TO 'x.csv'", ""]
    assert [q for q in runs if not _console_can_run(q)] == []
    assert [q for q in refused if _console_can_run(q)] == []


@pytest.mark.slow  # builds and writes a second site
def test_site_command_writes_the_site_and_says_what_is_missing(tmp_path, monkeypatch):
    db, _ = built()
    out = tmp_path / "site"
    monkeypatch.chdir(tmp_path)  # a relative output folder, away from the package
    result = CliRunner().invoke(cli, ["site", str(ROOT), "-d", str(db), "-o", "site"])
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file() and (out / "assets" / "duckdb" / "duckdb-eh.wasm").is_file()
    assert (out / "assets" / "sql.js").stat().st_size > 100_000  # the SQL console, bundled
    home = (out / "index.html").read_text(encoding="utf-8")  # away from dist/: releases, but no explorer links
    assert "<li>0.3.0 " in home and ">explorer</a>" not in home
    again = tmp_path / "again"  # the same database gives the same site, byte for byte
    assert CliRunner().invoke(cli, ["site", str(ROOT), "-d", str(db), "-o", str(again)]).exit_code == 0
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert [f for f in files if (out / f).read_bytes() != (again / f).read_bytes()] == []
    monkeypatch.setenv("XINJIANG_PAIRING_NODE_MODULES", str(tmp_path / "none"))
    result = CliRunner().invoke(cli, ["site", str(ROOT), "-d", str(db), "-o", str(tmp_path / "other")])
    assert result.exit_code == 1 and "npm ci" in result.stderr and not (tmp_path / "other").exists()


@pytest.mark.slow  # writes a second site
def test_home_lists_the_releases_with_their_explorers_beside_dist_site(pkg):
    """In its default folder, dist/site, the site links each release's explorer in dist/<version>/site."""
    import shutil

    from xinjiang_pairing.site import build_site

    db, _ = built()
    shutil.copytree(ROOT / "releases", pkg.root / "releases")
    site = build_site(pkg.root, db).path
    assert site == pkg.root.resolve() / "dist" / "site"
    text = (site / "index.html").read_text(encoding="utf-8")
    listed = re.search(r'<nav aria-label="Releases"><ul>(.*?)</ul></nav>', text, re.S)[1]
    recorded = sorted((p.stem for p in (ROOT / "releases").glob("*.json")),
                      key=lambda v: tuple(map(int, v.split("."))), reverse=True)
    assert re.findall(r"<li>([0-9.]+) ", listed) == recorded
    assert f'<a href="../{recorded[0]}/site/index.html">explorer</a>' in listed


def test_home_lists_downloads_with_sha256(site):
    text = (site / "index.html").read_text(encoding="utf-8")
    for row in re.findall(r'<a href="data/([a-z_]+\.csv)" download>.*?<code>([0-9a-f]{64})</code>', text):
        import hashlib

        assert hashlib.sha256((site / "data" / row[0]).read_bytes()).hexdigest() == row[1]
    assert text.count("download>") >= 10


def test_csv_of_the_cli_matches_format(data):
    """The console's CSV follows the CLI's: integers without '.0', dates as ISO, empty for NULL."""
    out = format_rows(["a", "b", "c"], [(1.0, None, "x")], "csv")
    assert list(csv.reader(io.StringIO(out))) == [["a", "b", "c"], ["1", "", "x"]]


def test_a_party_page_maps_the_current_pairings_only(site):
    """Zhejiang assists Aksu since 2010; it assisted Hotan in the first round (1997-2010), which is
    listed in the table but not drawn as a current pairing on the party's map."""
    page = (site / "parties" / "zhejiang.html").read_text(encoding="utf-8")
    mini = page[page.index('id="mini-map"'):page.index("</svg>", page.index('id="mini-map"'))]
    red = set(re.findall(r'data-place="([^"]+)"[^>]*>(?:(?!</g>).)*?fill="#c0392b"', mini, flags=re.S))
    assert "aksu-city" in red and "kuche-city" in red
    assert not {"hotan-city", "hotan-county", "moyu-county"} & red
    assert "Hotan Prefecture" in page  # the first-round pairing is in the table
