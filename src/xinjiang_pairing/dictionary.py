"""The data dictionary (docs/data-dictionary.md), generated from the descriptor and Table Schemas."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .build import FOREIGN_KEY_MAX_ROWS
from .package import Package, Resource, load_package
from .rules import row_rules, table_rules
from .views import VIEWS

DICTIONARY_FILE = Path("docs") / "data-dictionary.md"


def _constraints(f, res: Resource) -> str:
    references = [f"→ {fk.resource}.{', '.join(fk.ref_fields)}" for fk in res.foreign_keys if f.name in fk.fields]
    return "; ".join(f.words(references))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(package: Package) -> str:
    d = package.descriptor
    lines = [
        "# Data dictionary",
        "",
        "<!-- Generated from datapackage.json and schemas/ by `xinjiang-pairing docs`. Do not edit by hand. -->",
        "",
        f"Package `{package.name}`, version {package.version}. {d.get('description', '')}",
        "",
        "**Figures overlap.** Funding and outcome rows of different scopes, periods and flow types "
        "describe overlapping money and results: never add them up. A figure reported by several "
        "sources appears once per source; rows with `same_as` repeat an earlier row. Count each "
        "figure once with `WHERE same_as IS NULL`, or use the views `funding_figures` and "
        "`outcome_figures`.",
        "",
        "Types: `string` is text (VARCHAR in DuckDB), `integer` BIGINT, `number` DOUBLE, `date` DATE "
        "(YYYY-MM-DD). Money (`amount`, `amount_usd_reported`) is exact: DECIMAL(38, 2) in DuckDB and "
        "Parquet, never a binary float. An empty CSV cell is a missing value (NULL).",
        "",
        "## Tables",
        "",
    ]
    for res in package.resources:
        lines.append(f"- [`{res.name}`](#{res.name}): {res.description}")
    for res in package.resources:
        lines += [
            "",
            f"## {res.name}",
            "",
            f"{res.title}. {res.description}",
            "",
            f"File `{res.rel_path}`, schema `schemas/{res.name}.json`, primary key "
            f"`{', '.join(res.primary_key)}`.",
            "",
            "| column | type | constraints | description |",
            "|---|---|---|---|",
        ]
        for f in res.fields:
            lines.append(f"| `{f.name}` | {f.type} | {_cell(_constraints(f, res))} | {_cell(f.description)} |")
        rules = {(r.code, r.description) for r in row_rules(res, dt.date.today())}
        if rules:
            lines += ["", "Further rules checked on every row:", ""]
            lines += [f"- {desc} (`{code}`)" for code, desc in sorted(rules, key=lambda x: x[1])]
    lines += ["", "## Rules across rows and tables", ""]
    for rule in table_rules():
        lines.append(f"- {rule.description} (`{rule.code}`)")
    lines += ["", "## Views in the DuckDB file", ""]
    for v in VIEWS:
        lines.append(f"- [`{v.name}`](#view-{v.name.replace('_', '-')}): {v.description}")
    lines += [
        "- `_release`: package name and version, build time, git commit, DuckDB version, storage "
        "version and block size of the file.",
        "- `_tables`: every table with its row count, title and description.",
        "- `_foreign_keys`: every foreign key (table, columns, referenced table and columns), and whether it "
        f"is declared as a DuckDB constraint in the file (tables over {FOREIGN_KEY_MAX_ROWS:,} rows: not "
        "unless built with `--all-foreign-keys`).",
    ]
    for v in VIEWS:
        lines += ["", f"### View {v.name}", "", v.description, "", f"Needs the tables {', '.join(v.needs)}.",
                  "", "| column | description |", "|---|---|"]
        lines += [f"| `{c}` | {_cell(text)} |" for c, text in v.columns]
    lines.append("")
    return "\n".join(lines)


def write_document(root: str | Path | None, name: Path, render_package) -> Path:
    """Write a document generated from the package (``render_package(package)``) to ``name`` under
    the package's folder."""
    package = load_package(root)
    path = package.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_package(package), encoding="utf-8")
    return path


def write(root: str | Path | None = None) -> Path:
    return write_document(root, DICTIONARY_FILE, render)
