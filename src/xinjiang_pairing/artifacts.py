"""The files of a release: names, a reproducible zip of the CSV package, Parquet exports, checksums
and the manifest.

Nothing heavy is imported at module level, so that ``download`` (and the CLI) can use
the file names without loading DuckDB.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from . import STEM
from .sql import ident, lit

MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"
# What the CSV zip holds besides the descriptor's data: files, then folders (all their files).
ZIP_FILES = ("datapackage.json", "README.md", "LICENSE", "LICENSE-DATA", "CITATION.cff", "CHANGELOG.md")
ZIP_FOLDERS = ("schemas", "data")
# Fixed entry metadata, so that the same files always give the same zip bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_MODE = 0o100644
DUCKDB_NOTE = (
    "DuckDB files are not byte-reproducible: building the same commit twice gives a file with the same "
    "tables and rows but different bytes. The CSV zip and the Parquet files are byte-reproducible."
)


def file_name(version: str, kind: str) -> str:
    """The name of a release file: ``duckdb``, ``csv`` (the zip) or ``parquet:<table>``."""
    if kind == "duckdb":
        return f"{STEM}-{version}.duckdb"
    if kind == "csv":
        return f"{STEM}-{version}-csv.zip"
    table = kind.removeprefix("parquet:")
    if kind.startswith("parquet:") and table and "/" not in table:
        return f"{STEM}-{version}-{table}.parquet"
    raise ValueError(f"unknown release file {kind!r}: use duckdb, csv or parquet:<table>")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def zip_members(root: Path) -> list[tuple[str, Path]]:
    """(name inside the zip, file) for every file the CSV zip holds, sorted by name."""
    members = [(name, root / name) for name in ZIP_FILES if (root / name).is_file()]
    for folder in ZIP_FOLDERS:
        for path in (root / folder).rglob("*"):
            rel = path.relative_to(root)
            if path.is_file() and not any(part.startswith(".") for part in rel.parts):
                members.append((rel.as_posix(), path))
    return sorted(members)


def write_csv_zip(root: Path, path: Path, folder: str) -> None:
    """Zip the package under ``folder/`` with fixed dates, permissions and compression."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, src in zip_members(root):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=ZIP_DATE)
            info.create_system = 3  # Unix, so that the permissions below are read
            info.external_attr = ZIP_MODE << 16
            zf.writestr(info, src.read_bytes(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)


def write_parquet(con, database: str, tables: dict[str, tuple[str, ...]], out: Path, version: str) -> list[Path]:
    """One zstd Parquet file per table of ``database``, rows ordered by primary key."""
    paths = []
    for table, key in tables.items():
        path = out / file_name(version, f"parquet:{table}")
        order = ", ".join(ident(k) for k in key) if key else "ALL"
        con.execute(
            f"COPY (SELECT * FROM {ident(database)}.{ident(table)} ORDER BY {order}) "
            f"TO {lit(str(path))} (FORMAT parquet, COMPRESSION zstd)"
        )
        paths.append(path)
    return paths


def file_entries(paths: list[Path]) -> list[dict]:
    return [{"name": p.name, "bytes": p.stat().st_size, "sha256": sha256(p)} for p in sorted(paths)]


def write_checksums(folder: Path, names: list[str]) -> Path:
    """``SHA256SUMS`` in the format ``sha256sum -c`` reads: ``<hex>  <name>`` per line."""
    path = folder / CHECKSUMS
    path.write_text("".join(f"{sha256(folder / n)}  {n}\n" for n in sorted(names)), encoding="utf-8")
    return path


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
