"""The data explorer in a real headless Chromium, served from 127.0.0.1: pages of every kind load
without a console error or a request outside their folder, search narrows a table, the map opens a place's page,
a README query in the SQL console gives the CLI's rows, no serious accessibility violation; and
screenshots of home, map and a party page (written to dist/test-artifacts/, shown in the README
from docs/screenshots/)."""

import csv
import functools
import http.server
import io
import os
import re
import shutil
import threading
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from site_build import ROOT, built

from xinjiang_pairing.cli import cli
from xinjiang_pairing.site import node_modules
from xinjiang_pairing.site.data import readme_queries
from xinjiang_pairing.site.html import number

pytestmark = pytest.mark.slow

ARTIFACTS = Path(os.environ.get("XINJIANG_PAIRING_ARTIFACTS", ROOT / "dist" / "test-artifacts"))
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"]
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def chromium() -> str:
    path = os.environ.get("XINJIANG_PAIRING_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        pytest.exit("the browser tests need Chromium: apt-get install chromium "
                    "(or set XINJIANG_PAIRING_CHROMIUM to a Chromium binary)", returncode=3)
    return path


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    """Serves the folder above the site, so that a request leaving the site would still be answered
    (and seen); returns the site's base URL."""
    _, site = built()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site.parent)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/{site.name}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.exit("the browser tests need Playwright: pip install -r requirements.lock (scripts/test does)",
                    returncode=3)
    executable = chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=ARGS)
        yield b
        b.close()


class Watched:
    """A page that records console errors and requests leaving the site."""

    def __init__(self, browser, base: str, viewport=DESKTOP, weigh: bool = True, init_script: Path | None = None):
        self.base = base
        self.context = browser.new_context(viewport=viewport, accept_downloads=True)
        if init_script:  # run in every page before its own scripts (compiled once, not per page)
            self.context.add_init_script(path=str(init_script))
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.bytes: dict[str, int] = {}
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", self._request)
        if weigh:  # the size of every response (each read back from the browser: slow)
            self.page.on("response", self._response)

    def _request(self, request):
        url = request.url
        if not (url.startswith(self.base) or url.startswith(("data:", "blob:"))):
            self.outside.append(url)

    def _response(self, response):
        try:
            self.bytes[response.url] = len(response.body())
        except Exception:  # noqa: BLE001 (redirects and aborted requests have no body)
            pass

    def goto(self, path: str):
        self.bytes.clear()
        self.page.goto(self.base + path, wait_until="load")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def watched(browser, server):
    w = Watched(browser, server, weigh=False)
    yield w
    w.close()


@pytest.fixture
def weighed(browser, server):
    """A watched page that also records the size of every response."""
    w = Watched(browser, server)
    yield w
    w.close()


def pages_of_every_kind(site: Path) -> list[str]:
    """Every page at the top and every folder's index, and in each folder of pages of one kind
    (one template, one script) its first, last and largest page. Every page's files and links are
    checked without a browser in test_site.py; opening all of them here (over 450) would cost half
    a minute and open the same template with other rows."""
    chosen = {p for p in site.glob("*.html")} | set(site.glob("*/index.html"))
    for folder in (d for d in site.iterdir() if d.is_dir()):
        pages = sorted(p for p in folder.glob("*.html") if p.name != "index.html")
        if pages:
            chosen |= {pages[0], pages[-1], max(pages, key=lambda p: p.stat().st_size)}
    return sorted(p.relative_to(site).as_posix() for p in chosen if p.name != "sql.html")


def test_pages_of_every_kind_load_without_errors_or_outside_requests(browser, server):
    _, site = built()
    pages = pages_of_every_kind(site)
    assert {p.split("/")[0] for p in pages if "/" in p} >= {"parties", "places", "sources", "meetings", "tables"}
    w = Watched(browser, server, weigh=False)
    try:
        for path in pages:
            w.goto(path)
            assert not w.errors, (path, w.errors)
            assert not w.outside, (path, w.outside)
    finally:
        w.close()


def test_first_render_and_weight(weighed):
    watched = weighed
    for path in ("index.html", "map.html", "parties/zhejiang.html"):
        page = watched.goto(path)
        fcp = page.evaluate("""() => new Promise(resolve => {
            const e = performance.getEntriesByName('first-contentful-paint')[0];
            if (e) return resolve(e.startTime);
            new PerformanceObserver(l => resolve(l.getEntries()[0].startTime)).observe({type: 'paint', buffered: true});
        })""")
        assert fcp < 1000, (path, fcp)
        if path != "map.html":
            assert sum(watched.bytes.values()) < 500_000, (path, watched.bytes)


def test_search_filter_sort_and_csv_download_of_a_table(watched, tmp_path):
    page = watched.goto("tables/pairings.html")
    status = page.locator("#table-status")
    total = int(status.inner_text().split(" of ")[1].split()[0])
    assert status.inner_text() == f"{total} of {total} rows"
    page.fill("#table-search", "zhejiang")
    page.wait_for_function("() => !document.getElementById('table-status').textContent.startsWith("
                           f"'{total} of')")
    shown = int(status.inner_text().split(" of ")[0])
    assert 0 < shown < total
    for row in page.locator("#table-rows tbody tr").all_inner_texts():
        assert "zhejiang" in row.lower()
    page.select_option("#filter-program_id", "round-2010")
    page.focus("#table-rows thead th:nth-child(4) button")
    page.keyboard.press("Enter")  # sort by the keyboard
    assert page.locator("#table-rows thead th:nth-child(4)").get_attribute("aria-sort") == "ascending"
    filtered = int(status.inner_text().split(" of ")[0])
    with page.expect_download() as download:
        page.click("#table-csv")
    path = tmp_path / "rows.csv"
    download.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert len(rows) == filtered and all(r["program_id"] == "round-2010" for r in rows)
    assert not watched.errors and not watched.outside


@pytest.mark.parametrize(("table", "column", "order", "mark"),
                         [("funding", "amount", "descending", ","), ("outcomes", "value", "ascending", ".")])
def test_numbers_sort_as_numbers_and_show_every_digit_as_the_other_pages_do(watched, table, column, order, mark):
    """Numbers (given to the page as their plain decimal text, so that no digit is lost) sort by
    value and are shown as ``html.number`` shows them on every other page."""
    db, _ = built()
    page = watched.goto(f"tables/{table}.html")
    index = page.evaluate(f"() => window.XJ_TABLE.columns.indexOf('{column}')") + 1
    header = page.locator(f"#table-rows thead th:nth-child({index}) button")
    header.click()
    if order == "descending":
        header.click()
    assert page.locator(f"#table-rows thead th:nth-child({index})").get_attribute("aria-sort") == order
    cells = page.locator(f"#table-rows tbody td:nth-child({index})")
    shown = [c.inner_text() for c in cells.all()]
    # closed at once: an open connection of another configuration to the same file makes the
    # command line's read-only connection fail in this process (test_readme_queries_...)
    with duckdb.connect(str(db), read_only=True) as con:
        values = [v for (v,) in con.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL "
                                            f"ORDER BY {column} {order[:-6]} LIMIT {len(shown)}").fetchall()]
    assert shown == [number(v) for v in values]  # e.g. 1,684,000,000,000 (the DECIMAL's .00 not shown), 6.6
    assert any(mark in t for t in shown)  # thousands separators among the largest amounts, decimals among values
    assert cells.first.get_attribute("class") == "num"
    # a year is shown as written, not grouped (2019, not 2,019)
    year = page.evaluate("() => window.XJ_TABLE.columns.indexOf('period_start_year')") + 1
    shown_years = page.locator(f"#table-rows tbody td:nth-child({year})").all_inner_texts()
    assert any(shown_years) and all(re.fullmatch("(19|20)[0-9]{2}|", t) for t in shown_years)
    assert not watched.errors


def point_inside(page, place_id: str) -> tuple[float, float]:
    """Screen coordinates of a point inside a unit's shape (not only inside its bounding box)."""
    return page.evaluate("""(id) => {
        const a = document.querySelector(`#xj-map a[data-place="${id}"]`);
        const path = a.querySelector('path');
        const svg = path.ownerSVGElement, box = path.getBBox(), m = path.getScreenCTM();
        for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
            const p = svg.createSVGPoint();
            p.x = box.x + box.width * i / 20; p.y = box.y + box.height * j / 20;
            if (path.isPointInFill(p) && document.elementFromPoint(
                    p.matrixTransform(m).x, p.matrixTransform(m).y)?.closest('a') === a) {
                const s = p.matrixTransform(m); return [s.x, s.y];
            }
        }
        return null;
    }""", place_id)


def test_a_click_on_the_map_opens_the_place_page(watched):
    page = watched.goto("map.html")
    page.locator("#xj-map").scroll_into_view_if_needed()
    x, y = point_inside(page, "aksu-city")
    page.mouse.move(x, y)
    assert "Aksu City" in page.locator("#map-info").inner_text()
    page.mouse.click(x, y)
    page.wait_for_url("**/places/aksu-city.html")
    assert "Aksu City" in page.locator("h1").inner_text()
    page = watched.goto("map.html")
    page.focus('#xj-map a[data-place="shache-county"]')  # by keyboard: focus, then Enter
    assert "Shache" in page.locator("#map-info").inner_text()
    page.keyboard.press("Enter")
    page.wait_for_url("**/places/shache-county.html")
    assert not watched.errors and not watched.outside


def cli_csv(sql: str, database: Path) -> list[list[str]]:
    result = CliRunner().invoke(cli, ["query", sql, "-d", str(database), "--format", "csv"])
    assert result.exit_code == 0, result.output
    return list(csv.reader(io.StringIO(result.stdout)))


def test_readme_queries_in_the_sql_console_return_the_cli_rows(watched):
    db, _ = built()
    page = watched.goto("sql.html")
    page.wait_for_function("() => window.XJ_SQL_READY !== undefined")
    page.evaluate("() => window.XJ_SQL_READY")
    queries = readme_queries(ROOT)
    assert len(queries) >= 10
    for i in range(len(queries)):  # every example sorts its rows fully: the same rows in the same order
        page.evaluate("() => { window.XJ_LAST_RESULT = null; }")
        page.click(f'button[data-example="{i}"]')  # one click: the query is filled in and run
        page.wait_for_function("() => window.XJ_LAST_RESULT !== null", timeout=60_000)
        result = page.evaluate("() => window.XJ_LAST_RESULT")
        got = [result["columns"], *result["rows"]]
        assert got == cli_csv(queries[i][1], db), queries[i][1]
        assert page.locator("#sql-table tbody tr").count() == len(result["rows"])
    # values of every type as the command line shows them: exact numbers keep their scale (Arrow hands
    # DuckDB-WASM's DECIMAL over as an unscaled integer), times, lists and structs are written out
    decimals = ("SELECT CAST(-1.5 AS DECIMAL(10, 2)) AS a, CAST(0.05 AS DECIMAL(38, 2)) AS b, "
                "CAST(-0.05 AS DECIMAL(38, 4)) AS c, CAST(123456789012345678901234.5 AS DECIMAL(38, 1)) AS d, "
                "CAST(7 AS DECIMAL(5, 0)) AS e")
    others = ("SELECT TIME '12:34:56' AS t, TIME '01:02:03.25' AS t2, TIMESTAMP '2020-01-02 03:04:05.5' AS ts, "
              "[1, 2] AS l, ['a', NULL] AS l2, {'a': 1, 'b': 'x'} AS s, CAST(2 AS HUGEINT) ^ 100 AS h, 0.1 AS f")
    for sql in (decimals, others):
        page.evaluate("() => { window.XJ_LAST_RESULT = null; }")
        page.fill("#sql", sql)
        page.click("#sql-run")
        page.wait_for_function("() => window.XJ_LAST_RESULT !== null", timeout=60_000)
        result = page.evaluate("() => window.XJ_LAST_RESULT")
        assert [result["columns"], *result["rows"]] == cli_csv(sql, db), sql
    assert result["rows"] != [] and page.evaluate("() => window.XJ_LAST_RESULT.rows[0][3]") == "[1, 2]"
    # elements of lists are read one by one (Arrow's storage holds a decimal in four words, and
    # something for a missing number); Python writes Decimal('1.50') where the console writes 1.50
    lists = ("SELECT [1.5::DECIMAL(10, 2), -2.25::DECIMAL(10, 2), NULL] AS d, [1, NULL, 3] AS i, "
             "[TIMESTAMP '2020-01-01 10:00:00.5'] AS t")
    page.evaluate("() => { window.XJ_LAST_RESULT = null; }")
    page.fill("#sql", lists)
    page.click("#sql-run")
    page.wait_for_function("() => window.XJ_LAST_RESULT !== null", timeout=60_000)
    assert page.evaluate("() => window.XJ_LAST_RESULT.rows") == [
        ["[1.50, -2.25, None]", "[1, None, 3]", "['2020-01-01 10:00:00.500000']"]]
    with page.expect_download() as download:
        page.click("#sql-csv")
    assert download.value.suggested_filename == "query.csv"
    assert not watched.errors, watched.errors
    assert not watched.outside, watched.outside


AXE_PAGES = ["index.html", "map.html", "parties/zhejiang.html", "places/kashgar-prefecture.html",
             "sources/xinhua-2023-09-22-commentary.html", "meetings/national-meeting-08.html",
             "tables/pairings.html", "conflicts.html", "sql.html", "places/index.html"]


def test_no_serious_accessibility_violation(browser, server):
    axe = node_modules(ROOT) / "axe-core" / "axe.min.js"
    if not axe.is_file():
        pytest.exit(f"the accessibility check needs axe-core: run npm ci in {ROOT}", returncode=3)
    serious = []
    watched = Watched(browser, server, weigh=False, init_script=axe)
    try:
        for path in AXE_PAGES:
            page = watched.goto(path)
            found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
            serious += [(path, v["id"], v["help"], [n["target"] for n in v["nodes"][:3]])
                        for v in found if v["impact"] in ("serious", "critical")]
    finally:
        watched.close()
    assert not serious, serious


def test_pages_fit_a_phone_screen(browser, server):
    w = Watched(browser, server, viewport=PHONE)
    try:
        for path in ("index.html", "map.html", "parties/zhejiang.html", "tables/pairings.html", "sql.html"):
            page = w.goto(path)
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            wide = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e =>
                e.getBoundingClientRect().right > window.innerWidth + 1
                && !(e.parentElement && e.parentElement.closest('.scroll'))).map(e => e.tagName + '.' + e.className)""")
            assert overflow <= 1, (path, overflow, wide[:5])
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        w.goto("parties/zhejiang.html").screenshot(path=str(ARTIFACTS / "party-phone.png"))
    finally:
        w.close()


def test_screenshots(watched):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, path in (("home", "index.html"), ("map", "map.html"), ("party", "parties/zhejiang.html")):
        page = watched.goto(path)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("home", "map", "party"):
        assert f"(docs/screenshots/{name}.png)" in readme
        assert (ROOT / "docs" / "screenshots" / f"{name}.png").is_file()
