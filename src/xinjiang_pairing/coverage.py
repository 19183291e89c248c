"""The coverage report (docs/coverage.md): what the data holds per assisting party, per year and per
table, and how much of it rests on a source whose text was checked. Generated from the CSV files."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from .dictionary import write_document
from .package import Package

COVERAGE_FILE = Path("docs") / "coverage.md"
FACT_TABLES = ("funding", "outcomes", "pairings", "meetings", "programs")
CHECKED = "text_checked"
# the column naming the party a row is about, per table
PARTY_COLUMN = {"funding": "funder_party_id", "outcomes": "party_id", "pairings": "assisting_party_id"}


def _read(package: Package, name: str) -> list[dict]:
    with open(package.resource(name).path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _year(row: dict) -> str:
    """The year a figure refers to: the end of its period, else the year it was current."""
    if row.get("period_end_year"):
        return row["period_end_year"]
    if row.get("period_start_year"):
        return row["period_start_year"]
    return (row.get("as_of_date") or "")[:4]


@dataclass
class Coverage:
    tables: list[tuple[str, int, int]]  # table, rows, rows whose source is text_checked
    parties: list[tuple[str, str, int, int, int, int]]  # id, name, funding, outcomes, pairings, sources
    years: list[tuple[str, int, int, int]]  # year, funding, outcomes, sources
    sources: tuple[int, int]  # sources, text_checked
    provincial: frozenset[str]  # the 19 assisting provinces, municipalities and Shenzhen

    def headline(self) -> dict[str, int]:
        rows = {t: n for t, n, _ in self.tables}
        checked = sum(c for _, _, c in self.tables)
        total = sum(n for _, n, _ in self.tables)
        return {
            "funding": rows.get("funding", 0),
            "outcomes": rows.get("outcomes", 0),
            "pairings": rows.get("pairings", 0),
            "sources": self.sources[0],
            "sources_checked": self.sources[1],
            "fact_rows": total,
            "fact_rows_checked": checked,
            "parties_with_figures": sum(1 for p in self.parties if p[2] + p[3] and p[0] in self.provincial),
        }


def compute(package: Package) -> Coverage:
    sources = {r["source_id"]: r for r in _read(package, "sources")}
    status = {k: r.get("text_status", "") for k, r in sources.items()}
    parties = _read(package, "parties")
    provincial = frozenset(p["party_id"] for p in parties if p["parent_party_id"] == "assisting-provinces-19")
    tables = []
    per_party: dict[str, Counter] = defaultdict(Counter)
    party_sources: dict[str, set] = defaultdict(set)
    per_year: dict[str, Counter] = defaultdict(Counter)
    year_sources: dict[str, set] = defaultdict(set)
    parent = {p["party_id"]: p["parent_party_id"] for p in parties}
    for name in FACT_TABLES:
        rows = _read(package, name)
        tables.append((name, len(rows), sum(1 for r in rows if status.get(r["source_id"]) == CHECKED)))
        col = PARTY_COLUMN.get(name)
        for r in rows:
            if col and r.get(col):
                # a city's rows count for its province too
                party = r[col]
                seen = set()
                while party and party not in seen:
                    seen.add(party)
                    per_party[party][name] += 1
                    party_sources[party].add(r["source_id"])
                    party = "" if party in provincial else parent.get(party, "")
            if name in ("funding", "outcomes"):
                y = _year(r)
                if y:
                    per_year[y][name] += 1
                    year_sources[y].add(r["source_id"])
    party_rows = [
        (p["party_id"], p["name_en"], per_party[p["party_id"]]["funding"], per_party[p["party_id"]]["outcomes"],
         per_party[p["party_id"]]["pairings"], len(party_sources[p["party_id"]]))
        for p in parties
    ]
    years = [(y, per_year[y]["funding"], per_year[y]["outcomes"], len(year_sources[y])) for y in sorted(per_year)]
    return Coverage(tables, party_rows, years, (len(sources), sum(1 for s in status.values() if s == CHECKED)),
                    provincial)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def render(package: Package) -> str:
    c = compute(package)
    h = c.headline()
    lines = [
        "# Coverage",
        "",
        "<!-- Generated from data/ by `xinjiang-pairing docs`. Do not edit by hand. -->",
        "",
        f"Version {package.version}: {h['funding']} funding figures, {h['outcomes']} outcome figures and "
        f"{h['pairings']} pairings from {h['sources']} sources. The text of {h['sources_checked']} sources "
        f"was read and quoted (`text_checked`); {_pct(h['fact_rows_checked'], h['fact_rows'])} of fact rows "
        "rest on such a source. Counts are numbers of rows, not of distinct facts: a figure reported by "
        "two sources is two rows.",
        "",
        "## Per table",
        "",
        "| table | rows | source text checked | share |",
        "|---|---:|---:|---:|",
    ]
    for name, n, checked in c.tables:
        lines.append(f"| `{name}` | {n} | {checked} | {_pct(checked, n)} |")
    lines += [
        "",
        "## Per assisting party",
        "",
        "Rows that name the party (a city's rows count for its province too), and the distinct sources "
        "they cite.",
        "",
        "| party | name | funding | outcomes | pairings | sources |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for pid, name, f, o, p, s in c.parties:
        lines.append(f"| `{pid}` | {name} | {f} | {o} | {p} | {s} |")
    lines += [
        "",
        "## Per year",
        "",
        "Funding and outcome rows by the year they refer to (the end of the period, else the year the "
        "figure was current), and the distinct sources they cite.",
        "",
        "| year | funding | outcomes | sources |",
        "|---|---:|---:|---:|",
    ]
    for y, f, o, s in c.years:
        lines.append(f"| {y} | {f} | {o} | {s} |")
    lines.append("")
    return "\n".join(lines)


def write(root: str | Path | None = None) -> Path:
    return write_document(root, COVERAGE_FILE, render)
