"""One version of the data package, loaded into DuckDB for comparison, from any form it is published in:
a folder holding datapackage.json, a release CSV zip, a ``dist/<version>/`` folder, or a DuckDB file
(which carries its descriptor and Table Schemas in ``_package`` and ``_schemas``).

Every form is read through the same Table Schemas, and each field gives its constraints in one
normalised form (``Field.normalised``), so that a folder and a DuckDB file of the same version
compare equal. DuckDB files written before 0.3.0 hold no Table Schemas: compare their release CSV
zip (``xinjiang-pairing fetch VERSION --file csv``) or their ``dist/<version>/`` folder, which is
read through the zip.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from .package import PACKAGE_FILE, Package, PackageError, load_package, package_from
from .schema_sql import read_csv_sql, table_comment, typed_columns
from .sql import ident, lit

DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file
# Descriptor properties that change with every release and are not metadata changes.
VOLATILE = {"resources", "version", "created"}


class SnapshotError(Exception):
    """A version cannot be read: a message for a person, no traceback."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # the Table Schema type
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
    metadata: dict | None = None  # descriptor properties other than VOLATILE

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
        package = load_package(root, supported_only=False)  # diff compares schemas it does not check
    except PackageError as e:
        raise SnapshotError(str(e)) from None
    con.execute(f"CREATE SCHEMA {ident(schema)}")
    for res in package.resources:
        try:
            con.execute(
                f"CREATE TABLE {ident(schema)}.{ident(res.name)} AS "
                f"SELECT {typed_columns(res)} FROM {read_csv_sql(res, rejects=False)}"
            )
        except duckdb.Error as e:
            raise SnapshotError(f"cannot read {res.path}: {str(e).splitlines()[0]}") from None
    return _snapshot(root, "folder", package, schema)


def _snapshot(path: Path, kind: str, package: Package, schema: str) -> Snapshot:
    """The tables of ``package``, loaded into ``schema``, as their Table Schemas describe them."""
    tables = {}
    for res in package.resources:
        columns = [Column(f.name, f.type, f.sql_type, f.normalised(), f.description) for f in res.fields]
        fks = frozenset((fk.fields, fk.resource, fk.ref_fields) for fk in res.foreign_keys)
        tables[res.name] = Table(res.name, columns, res.primary_key, fks, table_comment(res))
    metadata = {k: v for k, v in package.descriptor.items() if k not in VOLATILE}
    return Snapshot(path, kind, package.version or None, schema, tables, metadata)


def _load_duckdb(con, path: Path, schema: str) -> Snapshot:
    import duckdb

    db = f"{schema}_file"
    try:
        con.execute(f"ATTACH {lit(str(path))} AS {ident(db)} (READ_ONLY)")
    except duckdb.Error as e:
        raise SnapshotError(f"cannot open {path}: {str(e).splitlines()[0]}") from None
    found = {name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main'", [db]).fetchall()}
    if not {"_package", "_schemas"} <= found:
        raise SnapshotError(
            f"{path} holds no Table Schemas (a file written before 0.3.0): compare the release's CSV zip "
            "instead (xinjiang-pairing fetch VERSION --file csv), or its dist/<version>/ folder"
        )
    descriptor = json.loads(con.execute(f"SELECT descriptor FROM {ident(db)}.main._package").fetchone()[0])
    schemas = {name: json.loads(text) for name, text in con.execute(
        f"SELECT table_name, table_schema FROM {ident(db)}.main._schemas").fetchall()}
    try:
        package = package_from(descriptor, path.parent, str(path), schemas)
    except (PackageError, KeyError, TypeError) as e:
        raise SnapshotError(f"{path}: its descriptor cannot be read: {e}") from None
    con.execute(f"CREATE SCHEMA {ident(schema)}")
    for res in package.resources:
        source = f"{ident(db)}.main.{ident(res.name)}"
        con.execute(f"CREATE VIEW {ident(schema)}.{ident(res.name)} AS SELECT * FROM {source}")
    return _snapshot(path, "duckdb", package, schema)
