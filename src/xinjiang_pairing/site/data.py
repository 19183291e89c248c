"""What the explorer shows, read from the built DuckDB file by column name.

Every table and view is read whole (the dataset is small). Columns are looked up by name and may be
absent (``row.get``), so the explorer keeps working when tables gain or lose optional columns.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..views import VIEWS as ALL_VIEWS

# Entity pages: table -> (folder, key column)
ENTITIES = {
    "parties": ("parties", "party_id"),
    "places": ("places", "place_id"),
    "sources": ("sources", "source_id"),
    "meetings": ("meetings", "meeting_id"),
}
# Columns whose values link to an entity page, wherever they appear.
LINK_COLUMNS = {
    "party_id": "parties", "assisting_party_id": "parties", "funder_party_id": "parties",
    "parent_party_id": "parties", "lead_party_id": "parties",
    "place_id": "places", "recipient_place_id": "places", "parent_place_id": "places",
    "source_id": "sources", "other_source_id": "sources",
    "meeting_id": "meetings",
}
FACT_TABLES = ("funding", "outcomes", "pairings", "meetings", "programs")
VIEWS = tuple(v.name for v in ALL_VIEWS)
COUNTY_LEVELS = ("county", "autonomous_county", "county_level_city", "district")


@dataclass
class SiteData:
    root: Path
    descriptor: dict
    tables: dict[str, list[dict]]
    columns: dict[str, list[str]]
    types: dict[str, dict[str, str]]
    descriptions: dict[str, str]
    comments: dict[tuple[str, str], str]
    release: dict
    views_sql: dict[str, str]
    primary_keys: dict[str, list[str]] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return str(self.release.get("version") or self.descriptor.get("version", ""))

    @property
    def resources(self) -> list[str]:
        return [r["name"] for r in self.descriptor.get("resources", []) if r["name"] in self.tables]

    def rows(self, table: str) -> list[dict]:
        return self.tables.get(table, [])

    def index(self, table: str, key: str) -> dict[str, dict]:
        return {r[key]: r for r in self.rows(table) if r.get(key) is not None}

    def has(self, table: str, column: str) -> bool:
        return column in self.columns.get(table, [])


def load(root: Path, database: Path) -> SiteData:
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    try:
        base = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal ORDER BY table_name").fetchall()]
        views = {r[0]: r[1] for r in con.execute(
            "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY view_name").fetchall()}
        tables, columns, types = {}, {}, {}
        for name in base + list(views):
            # a view's rows in a fixed order (a join's order is the engine's), so that the site's files
            # are the same from one build to the next; tables keep their order in the DuckDB file
            cur = con.execute(f'SELECT * FROM "{name}"' + (" ORDER BY ALL" if name in views else ""))
            cols = [d[0] for d in cur.description]
            columns[name] = cols
            tables[name] = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
        for t, c, ty in con.execute("SELECT table_name, column_name, data_type FROM duckdb_columns() "
                                    "WHERE NOT internal ORDER BY table_name, column_index").fetchall():
            # the browser's engine has no JSON extension offline: a JSON column is text there
            types.setdefault(t, {})[c] = "VARCHAR" if ty == "JSON" else ty
        comments = {(t, c): cm for t, c, cm in con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE comment IS NOT NULL").fetchall()}
        descriptions = {t: cm for t, cm in con.execute(
            "SELECT table_name, comment FROM duckdb_tables() WHERE comment IS NOT NULL").fetchall()}
        descriptions.update({v: cm for v, cm in con.execute(
            "SELECT view_name, comment FROM duckdb_views() WHERE comment IS NOT NULL").fetchall()})
        keys = {}
        for t, cols in con.execute("SELECT table_name, constraint_column_names FROM duckdb_constraints() "
                                   "WHERE constraint_type = 'PRIMARY KEY'").fetchall():
            keys[t] = list(cols)
    finally:
        con.close()
    release = tables.get("_release", [{}])[0] if tables.get("_release") else {}
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    for r in descriptor.get("resources", []):
        descriptions.setdefault(r["name"], r.get("description", ""))
    return SiteData(root, descriptor, tables, columns, types, descriptions, comments, release, views, keys)


def csv_data(root: Path, tables: tuple[str, ...] = ("places", "parties", "pairings")) -> SiteData:
    """A SiteData of a few tables read straight from the package's CSV files (empty cells are None),
    for what needs no built file (the map figure of ``docs``)."""
    import csv

    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    paths = {r["name"]: root / r["path"] for r in descriptor.get("resources", [])}
    data, columns = {}, {}
    for table in tables:
        with paths[table].open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            data[table] = [{k: (v if v != "" else None) for k, v in row.items()} for row in reader]
            columns[table] = list(reader.fieldnames or [])
    return SiteData(root, descriptor, data, columns, {}, {}, {}, {}, {})


_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_TEXT = re.compile(r"'(?:[^']|'')*'")
_FILE_READ = re.compile(r"\b(read_\w+|glob|parquet_scan|sniff_csv)\s*\(", re.IGNORECASE)
_QUERY_WORDS = {"SELECT", "WITH", "FROM", "VALUES", "TABLE", "SUMMARIZE", "DESCRIBE", "SHOW", "EXPLAIN"}


def _console_can_run(sql: str) -> bool:
    """A query of the console's tables and views: every statement asks (SELECT, WITH, FROM, ...)
    and none reads a file (``read_csv(...)``, ``FROM 'file.csv'``, ``glob(...)``)."""
    code = _COMMENT.sub(" ", sql)
    if re.search(r"\bFROM\s+'", code, re.IGNORECASE) or _FILE_READ.search(_TEXT.sub("''", code)):
        return False
    statements = [t for t in code.split(";") if t.strip()]
    return bool(statements) and all(
        (m := re.match(r"[\s(]*(\w+)", t)) is not None and m[1].upper() in _QUERY_WORDS for t in statements)


def console_queries(root: Path) -> list[tuple[str, str]]:
    """The SQL examples of the README (``readme_queries``) that the SQL console can run: those that
    query its tables and views, not those that read files or change the database (the README of a
    release's CSV zip shows how to read its CSV files with DuckDB; the console already holds them)."""
    return [(title, sql) for title, sql in readme_queries(root) if _console_can_run(sql)]


def readme_queries(root: Path) -> list[tuple[str, str]]:
    """(title, SQL) of every SQL example in the README; the title is the sentence before it."""
    path = root / "README.md"
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    out = []
    for m in re.finditer(r"```sql\n(.*?)```", text, flags=re.S):
        before = text[: m.start()].rstrip().split("\n\n")[-1]
        title = re.sub(r"\s+", " ", before).strip().rstrip(":")
        title = re.sub(r"[`*\[\]]", "", re.sub(r"\]\([^)]*\)", "]", title))
        if len(title) > 140 or title.startswith("#"):
            title = title.lstrip("# ")[:137] + ("..." if len(title) > 137 else "")
        out.append((title, m.group(1).strip()))
    return out
