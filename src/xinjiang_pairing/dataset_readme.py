"""The README.md of the CSV zip: a dataset README for people who never open the repository (what the
data is, the tables, how to read the files in pandas, Polars, R, Excel and DuckDB with the right
types, how to cite it, the licence). Generated from the package folder alone, so the same package
always gives the same text (the zip is byte-reproducible)."""

from __future__ import annotations

import csv
from pathlib import Path

from .package import Package, load_package
from .read import pandas_code, polars_code, r_code


def _rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as fh:
        return max(sum(1 for _ in csv.reader(fh)) - 1, 0)


def _year(package: Package) -> str:
    return str(package.descriptor.get("created", ""))[:4] or "n.d."


def citation(package: Package) -> str:
    d = package.descriptor
    who = "; ".join(c.get("title", "") for c in d.get("contributors", [])) or package.name
    url = d.get("homepage", "")
    where = f" {url}/releases/tag/v{package.version}" if url else ""
    return f"{who} ({_year(package)}). *{d.get('title', package.name)}* (Version {package.version}) [Data set].{where}"


def _date_columns(package: Package) -> list[str]:
    out = []
    for res in package.resources:
        out += [f"`{res.name}.{f.name}`" for f in res.fields if f.type in ("date", "datetime")]
    return out


def render(root: str | Path, files: set[str] = frozenset()) -> str:
    """The dataset README of the package at ``root``; ``files``: the other names in the zip (links to
    the data dictionary and pictures are given only when they are there)."""
    package = load_package(root)
    d = package.descriptor
    version = package.version
    folder = f"{package.name}-{version}"
    lines = [
        f"# {d.get('title', package.name)}",
        "",
        f"Version {version} of the dataset `{package.name}`. {d.get('description', '')}",
        "",
        "Every row of the fact tables quotes the page it was read from (`quote`), keeps the figure's own "
        "wording (`as_reported`) next to a normalised number, and names its source (`source_id`, see "
        "`sources`). **Never add figures up**: figures of different scopes and periods overlap, and a figure "
        "reported by several sources is one row per source (the later rows point at the first with `same_as`; "
        "count each figure once with `same_as` empty).",
        "",
        "## What is in this folder",
        "",
        "| file | what it is |",
        "|---|---|",
        "| `data/<table>.csv` | one table per file: UTF-8, comma-separated, a header row; an empty cell is a "
        "missing value |",
        "| `schemas/<table>.json` | the Table Schema of each table: every column's type, constraints and "
        "description |",
        "| `datapackage.json` | the Frictionless Data Package descriptor: tables, keys, licences, sources |",
    ]
    if "data-dictionary.md" in files:
        lines.append("| `data-dictionary.md` | every column of every table and view, in words |")
    if any(f.startswith("figures/") for f in files):
        lines.append("| `figures/` | pictures drawn from the data |")
    lines += [
        "| `CITATION.cff`, `LICENSE-DATA`, `LICENSE` | how to cite, the data licence, the code licence |",
        "| `CHANGELOG.md` | what changed in each version |",
        "",
        "## The tables",
        "",
        "| table | rows | what a row is |",
        "|---|---|---|",
    ]
    for res in package.resources:
        rows = _rows(res.path) if res.path.is_file() else 0
        lines.append(f"| `{res.name}` | {rows:,} | {res.description.replace('|', '/')} |")
    lines += [
        "",
        "Money (`funding.amount`, `funding.amount_usd_reported`) is in full units of the currency (170 billion "
        "yuan is 170000000000); `amount_usd_reported` is the source's own dollar conversion, never one "
        "computed here. Identifiers (`*_id`) are stable between versions; division codes (`adcode`) are text.",
        "",
        "**Which date means what.** `as_of_date` (funding, outcomes) is the date a figure refers to or was "
        "reported as current, usually the publication date; `period_start_year` and `period_end_year` are the "
        "years the figure covers (empty when the source does not say); `sources.published_date` is when the "
        "page was published, `accessed_date` when it was consulted and `checked_date` when its text was last "
        "checked against the rows. Date columns are ISO dates (YYYY-MM-DD): "
        + ", ".join(_date_columns(package)) + ".",
        "",
    ]
    if "data-dictionary.md" in files:
        lines += ["Every column is described in [data-dictionary.md](data-dictionary.md).", ""]
    lines += [
        "## Reading the files with the right types",
        "",
        "A plain CSV reader guesses types: dates come out as text, years and codes as decimals, empty "
        "columns as text, and empty cells as empty strings. The snippets below give each column the type "
        "its Table Schema declares (generated from `schemas/`); run them in this folder.",
        "",
        "### Python: pandas",
        "",
        "```python",
        pandas_code(package),
        "```",
        "",
        "### Python: Polars",
        "",
        "```python",
        polars_code(package),
        "```",
        "",
        "With the Python package (`pip install xinjiang-pairing-assistance`), "
        "`xinjiang_pairing.read.pandas_frame(\"funding\")` and `polars_frame(\"funding\")` do the same "
        "for the data of the installed version.",
        "",
        "### R",
        "",
        "Base R, no packages needed (an empty cell is `NA`, dates are `Date`):",
        "",
        "```r",
        r_code(package),
        "```",
        "",
        "### Excel, LibreOffice, Google Sheets",
        "",
        f"Open the workbook `{package.name}-{version}.xlsx` published beside this zip: one sheet per table and "
        "a sheet `columns` that explains every column, with Chinese text, dates and numbers as they should be. "
        "The CSV files are UTF-8 without a byte-order mark, which Excel misreads when they are opened by "
        "double-click; to use them in Excel, import them with Data > From Text/CSV and choose UTF-8 "
        "(65001).",
        "",
        "### DuckDB",
        "",
        "```sql",
        "CREATE TABLE funding AS SELECT * FROM read_csv('data/funding.csv', "
        "types = {'amount': 'DECIMAL(38, 2)', 'amount_usd_reported': 'DECIMAL(38, 2)'});",
        "SELECT funding_id, amount, currency, as_of_date FROM funding WHERE same_as IS NULL "
        "ORDER BY as_of_date, funding_id;",
        "```",
        "",
        f"The DuckDB file `{package.name}-{version}.duckdb` published beside this zip holds every table with "
        "its constraints and comments, and views that fold repeated figures (`funding_figures`, "
        "`outcome_figures`, `all_figures`) and name the parties and places (`pairings_named`); DuckDB 1.5 or "
        "later opens it (`duckdb -readonly " + f"{package.name}-{version}.duckdb`).",
        "",
        "### Frictionless",
        "",
        "`frictionless validate datapackage.json` checks every file against its Table Schema.",
        "",
    ]
    pictures = sorted(f for f in files if f.startswith("figures/") and f.endswith(".png"))
    if pictures:
        lines += ["## Pictures", ""]
        lines += [f"![{Path(p).stem.replace('-', ' ')}]({p})" for p in pictures]
        lines.append("")
    licences = "; ".join(f"{lic.get('name')}: {lic.get('title', '')}" for lic in d.get("licenses", []))
    lines += [
        "## How to cite",
        "",
        "Cite the version you used, and, for a figure, the source the row names:",
        "",
        f"> {citation(package)}",
        "",
        "## Licence",
        "",
        f"The data compilation is licensed under the Creative Commons Attribution 4.0 licence (CC BY 4.0, "
        f"`LICENSE-DATA`); the publishing code under the MIT licence (`LICENSE`). ({licences}.) The texts of "
        "the cited pages belong to their publishers: the dataset keeps only short quotations.",
        "",
        f"This folder is `{folder}`, the CSV zip of version {version}. Its checksum is in the release's "
        "`SHA256SUMS`.",
        "",
    ]
    return "\n".join(lines)
