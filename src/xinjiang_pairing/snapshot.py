"""One version of the data package, loaded into DuckDB for comparison, from any form it is published in:
a folder holding datapackage.json, a release CSV zip, a ``dist/<version>/`` folder, or a DuckDB file
(whose schema is read back from ``duckdb_columns()`` and ``duckdb_constraints()``).

Constraints are normalized to one vocabulary (required, unique, enum, pattern, minimum, maximum,
minLength, maxLength), so that a folder and a DuckDB file of the same version compare equal.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from .package import PACKAGE_FILE, PackageError, load_package
from .schema_sql import DUCKDB_TYPES, cast_expr, ident, lit, read_csv_sql

KINDS = ("folder", "zip", "release", "duckdb")
DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file
# Descriptor properties that change with every release and are not metadata changes.
VOLATILE = {"resources", "version", "created"}


class SnapshotError(Exception):
    """A version cannot be read: a message for a person, no traceback."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # the Table Schema type; the SQL type when read from a DuckDB file
    sql_type: str
    constraints: dict = field(hash=False)
    description: str | None = None


@dataclass
class Table:
    name: str
    columns: list[Column]
    primary_key: tuple[str, ...]
    foreign_keys: frozenset  # of (fields, referenced table, referenced fields)
    comment: str | None = None

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass
class Snapshot:
    path: Path
    kind: str
    version: str | None
    schema: str  # the DuckDB schema that holds the tables
    tables: dict[str, Table]
    metadata: dict | None = None  # descriptor properties other than VOLATILE (folders and zips)

    def describe(self) -> str:
        return f"{self.path} ({self.kind}, version {self.version or 'unknown'})"


def detect(path: str | Path) -> str | None:
    """Which kind of input ``path`` is, or None."""
    path = Path(path)
    if path.is_dir():
        if (path / PACKAGE_FILE).is_file():
            return "folder"
        return "release" if _release_file(path) else None
    if not path.is_file():
        return None
    if path.name == PACKAGE_FILE:
        return "folder"
    if zipfile.is_zipfile(path):
        return "zip"
    with path.open("rb") as fh:
        return "duckdb" if fh.read(12)[8:12] == DUCKDB_MAGIC else None


def _release_file(folder: Path) -> Path | None:
    """The file of a dist/<version>/ folder to read: the CSV zip (full schemas), else the DuckDB file."""
    for pattern in ("*-csv.zip", "*.duckdb"):
        found = sorted(folder.glob(pattern))
        if found:
            return found[0]
    return None


def load(con, path: str | Path, schema: str, stack: ExitStack) -> Snapshot:
    """Load ``path`` into DuckDB schema ``schema``; temporary files live as long as ``stack``."""
    path = Path(path)
    kind = detect(path)
    if kind is None:
        raise SnapshotError(
            f"{path} is not a data package folder, a release CSV zip, a dist/<version>/ folder or a DuckDB file"
        )
    source = path
    if kind == "release":
        source = _release_file(path)
    if source.suffix == ".zip":
        source = _unzip(source, stack)
    if detect(source) == "duckdb":
        snap = _load_duckdb(con, source, schema)
    else:
        snap = _load_folder(con, source.parent if source.is_file() else source, schema)
    snap.path, snap.kind = path, kind
    return snap


def _unzip(path: Path, stack: ExitStack) -> Path:
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="xj-diff-")))
    with zipfile.ZipFile(path) as zf:
        zf.extractall(folder)
    candidates = [folder, *[p for p in folder.iterdir() if p.is_dir()]]
    for candidate in candidates:
        if (candidate / PACKAGE_FILE).is_file():
            return candidate
    raise SnapshotError(f"{path} holds no {PACKAGE_FILE} (at its top or in one folder)")


def _load_folder(con, root: Path, schema: str) -> Snapshot:
    import duckdb

    try:
        package = load_package(root)
    except PackageError as e:
        raise SnapshotError(str(e)) from None
    con.execute(f"CREATE SCHEMA {ident(schema)}")
    tables = {}
    for res in package.resources:
        cols = ", ".join(f"{cast_expr(f)} AS {ident(f.name)}" for f in res.fields)
        try:
            con.execute(
                f"CREATE TABLE {ident(schema)}.{ident(res.name)} AS "
                f"SELECT {cols} FROM {read_csv_sql(res, rejects=False)}"
            )
        except duckdb.Error as e:
            raise SnapshotError(f"cannot read {res.path}: {str(e).splitlines()[0]}") from None
        columns = [
            Column(
                f.name,
                f.type,
                DUCKDB_TYPES.get(f.type, "VARCHAR"),
                _field_constraints(f.constraints, f.name, res.primary_key),
                f.description,
            )
            for f in res.fields
        ]
        fks = frozenset((fk.fields, fk.resource, fk.ref_fields) for fk in res.foreign_keys)
        comment = res.title + (": " + res.description if res.description else "")
        tables[res.name] = Table(res.name, columns, res.primary_key, fks, comment)
    metadata = {k: v for k, v in package.descriptor.items() if k not in VOLATILE}
    return Snapshot(root, "folder", package.version or None, schema, tables, metadata)


def _field_constraints(c: dict, name: str, primary_key: tuple[str, ...]) -> dict:
    """A Table Schema field's constraints as the DuckDB file declares them."""
    out: dict = {}
    if c.get("required") or name in primary_key:
        out["required"] = True
    if c.get("unique") and (name,) != tuple(primary_key):
        out["unique"] = True
    if "enum" in c:
        out["enum"] = frozenset(str(v) for v in c["enum"])
    if "pattern" in c:
        out["pattern"] = str(c["pattern"])
    for key in ("minimum", "maximum", "minLength", "maxLength"):
        if key in c:
            out[key] = _number_or_text(c[key])
    return out


def _number_or_text(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


# CHECK constraints as schema_sql writes them, read back from duckdb_constraints().constraint_text.
_QUOTED = r"'((?:[^']|'')*)'"
CHECK_FORMS = [
    ("pattern", re.compile(rf"CHECK\(regexp_full_match\(.+?, {_QUOTED}\)\)", re.S)),
    ("enum", re.compile(r"CHECK\(\(.+? IN \((.*)\)\)\)", re.S)),
    ("minLength", re.compile(r"CHECK\(\(length\(.+\) >= (.+)\)\)", re.S)),
    ("maxLength", re.compile(r"CHECK\(\(length\(.+\) <= (.+)\)\)", re.S)),
    ("minimum", re.compile(r"CHECK\(\(.+ >= (.+)\)\)", re.S)),
    ("maximum", re.compile(r"CHECK\(\(.+ <= (.+)\)\)", re.S)),
]


def _literal(text: str):
    text = text.strip()
    m = re.fullmatch(_QUOTED, text, re.S)
    return m.group(1).replace("''", "'") if m else _number_or_text(text)


def parse_check(text: str) -> tuple[str, object]:
    """(constraint, value) of a CHECK constraint; ("checks", text) for a form not known here."""
    for key, form in CHECK_FORMS:
        m = form.fullmatch(text)
        if not m:
            continue
        if key == "pattern":
            return key, m.group(1).replace("''", "'")
        if key == "enum":
            items = re.findall(rf"{_QUOTED}|([^,\s][^,]*)", m.group(1))
            return key, frozenset(q.replace("''", "'") if q or not bare else bare.strip() for q, bare in items)
        return key, _literal(m.group(1))
    return "checks", text


def _load_duckdb(con, path: Path, schema: str) -> Snapshot:
    import duckdb

    db = f"{schema}_file"
    try:
        con.execute(f"ATTACH {lit(str(path))} AS {ident(db)} (READ_ONLY)")
    except duckdb.Error as e:
        raise SnapshotError(f"cannot open {path}: {str(e).splitlines()[0]}") from None
    where = "database_name = ? AND schema_name = 'main' AND NOT starts_with(table_name, '_')"
    names = con.execute(
        f"SELECT table_name, comment FROM duckdb_tables() WHERE {where} ORDER BY table_name", [db]
    ).fetchall()
    cols: dict[str, list] = {}
    for table, column, data_type, comment in con.execute(
        f"SELECT table_name, column_name, data_type, comment FROM duckdb_columns() WHERE {where} "
        "ORDER BY table_name, column_index",
        [db],
    ).fetchall():
        cols.setdefault(table, []).append((column, data_type, comment))
    constraints: dict[str, dict[str, dict]] = {}
    keys: dict[str, tuple] = {}
    fks: dict[str, set] = {}
    for table, ctype, text, columns, ref_table, ref_columns in con.execute(
        "SELECT table_name, constraint_type, constraint_text, constraint_column_names, referenced_table, "
        f"referenced_column_names FROM duckdb_constraints() WHERE {where} ORDER BY constraint_index",
        [db],
    ).fetchall():
        per_column = constraints.setdefault(table, {})
        if ctype == "PRIMARY KEY":
            keys[table] = tuple(columns)
        elif ctype == "FOREIGN KEY":
            fks.setdefault(table, set()).add((tuple(columns), ref_table, tuple(ref_columns)))
        elif len(columns) == 1:
            c = per_column.setdefault(columns[0], {})
            if ctype == "NOT NULL":
                c["required"] = True
            elif ctype == "UNIQUE":
                c["unique"] = True
            elif ctype == "CHECK":
                key, value = parse_check(text)
                if key == "checks":
                    c["checks"] = c.get("checks", frozenset()) | {value}
                else:
                    c[key] = value
    listed = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = '_foreign_keys'", [db]
    ).fetchone()[0]
    if listed:  # every foreign key, also those of large tables that are not declared as constraints
        fks = {}
        for table, columns, ref_table, ref_columns in con.execute(
            "SELECT table_name, column_names, referenced_table, referenced_columns "
            f"FROM {ident(db)}.main._foreign_keys"
        ).fetchall():
            fks.setdefault(table, set()).add((tuple(columns), ref_table, tuple(ref_columns)))
    con.execute(f"CREATE SCHEMA {ident(schema)}")
    tables = {}
    for name, comment in names:
        con.execute(f"CREATE VIEW {ident(schema)}.{ident(name)} AS SELECT * FROM {ident(db)}.main.{ident(name)}")
        columns = [
            Column(c, t, t, constraints.get(name, {}).get(c, {}), d) for c, t, d in cols.get(name, [])
        ]
        tables[name] = Table(name, columns, keys.get(name, ()), frozenset(fks.get(name, ())), comment)
    version = None
    has_release = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = '_release'", [db]
    ).fetchone()[0]
    if has_release:
        version = con.execute(f"SELECT version FROM {ident(db)}.main._release").fetchone()[0]
    return Snapshot(path, "duckdb", version, schema, tables)
