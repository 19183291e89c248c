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
# What the CSV zip holds besides its generated README.md (the dataset README, see dataset_readme.py):
# files (name in the zip: file in the package folder), then folders (all their files).
ZIP_FILES = {
    "datapackage.json": "datapackage.json",
    "LICENSE": "LICENSE",
    "LICENSE-DATA": "LICENSE-DATA",
    "CITATION.cff": "CITATION.cff",
    "CHANGELOG.md": "CHANGELOG.md",
    "data-dictionary.md": "docs/data-dictionary.md",
}
ZIP_FOLDERS = {"schemas": "schemas", "data": "data", "figures": "docs/figures"}
ZIP_SKIP = (".svg",)  # the pictures go in as PNG, which every viewer opens
# Fixed entry metadata, so that the same files always give the same zip bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_MODE = 0o100644
DUCKDB_NOTE = (
    "DuckDB files are not byte-reproducible: building the same commit twice gives a file with the same "
    "tables and rows but different bytes. The CSV zip and the Parquet files are byte-reproducible."
)


def file_name(version: str, kind: str) -> str:
    """The name of a release file: ``duckdb``, ``csv`` (the zip), ``xlsx`` (the workbook), ``wheel``
    (the Python package with the data) or ``parquet:<table>``."""
    if kind == "duckdb":
        return f"{STEM}-{version}.duckdb"
    if kind == "csv":
        return f"{STEM}-{version}-csv.zip"
    if kind == "xlsx":
        return f"{STEM}-{version}.xlsx"
    if kind == "wheel":
        return f"{STEM.replace('-', '_')}-{version}-py3-none-any.whl"
    table = kind.removeprefix("parquet:")
    if kind.startswith("parquet:") and table and "/" not in table:
        return f"{STEM}-{version}-{table}.parquet"
    raise ValueError(f"unknown release file {kind!r}: use duckdb, csv, xlsx, wheel or parquet:<table>")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def zip_members(root: Path) -> list[tuple[str, Path]]:
    """(name inside the zip, file) for every file of the package folder the CSV zip holds, sorted."""
    members = [(name, root / rel) for name, rel in ZIP_FILES.items() if (root / rel).is_file()]
    for name, rel in ZIP_FOLDERS.items():
        for path in (root / rel).rglob("*"):
            inner = path.relative_to(root / rel)
            if path.is_file() and not any(p.startswith(".") for p in inner.parts) and path.suffix not in ZIP_SKIP:
                members.append((f"{name}/{inner.as_posix()}", path))
    return sorted(members)


def zip_entries(root: Path) -> list[tuple[str, bytes]]:
    """(name inside the zip, bytes) of the CSV zip: the package's files and the generated README."""
    from .dataset_readme import render

    entries = [(name, path.read_bytes()) for name, path in zip_members(root)]
    names = {name for name, _ in entries}
    entries.append(("README.md", render(root, names).encode("utf-8")))
    return sorted(entries)


def write_csv_zip(root: Path, path: Path, folder: str) -> None:
    """Zip the package under ``folder/`` with fixed dates, permissions and compression."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in zip_entries(root):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=ZIP_DATE)
            info.create_system = 3  # Unix, so that the permissions below are read
            info.external_attr = ZIP_MODE << 16
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)


def parquet_metadata(package, res) -> dict[str, str]:
    """The key-value metadata of a table's Parquet file: what a Parquet reader needs to document it."""
    return {
        "package": package.name,
        "version": package.version,
        "table": res.name,
        "title": res.title or "",
        "description": res.description or "",
        "table_schema": json.dumps(res.schema or {}, ensure_ascii=False, sort_keys=True),
        "licenses": json.dumps(package.descriptor.get("licenses", []), ensure_ascii=False, sort_keys=True),
    }


def write_parquet(con, database: str, package, out: Path) -> list[Path]:
    """One zstd Parquet file per table of ``database``, rows ordered by primary key, with the package
    version, the table's description and its Table Schema as key-value metadata."""
    paths = []
    for res in package.resources:
        path = out / file_name(package.version, f"parquet:{res.name}")
        order = ", ".join(ident(k) for k in res.primary_key) if res.primary_key else "ALL"
        meta = ", ".join(f"{lit(k)}: {lit(v)}" for k, v in parquet_metadata(package, res).items())
        con.execute(
            f"COPY (SELECT * FROM {ident(database)}.{ident(res.name)} ORDER BY {order}) "
            f"TO {lit(str(path))} (FORMAT parquet, COMPRESSION zstd, KV_METADATA {{{meta}}})"
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
