"""Wheel build hook: the wheel of version X.Y.Z carries the data package and the DuckDB file of X.Y.Z
under ``xinjiang_pairing/data/`` (datapackage.json, schemas/, data/, xinjiang-pairing-assistance.duckdb),
where ``xinjiang_pairing.connect()`` finds them.

Editable installs are left alone, so that setting up a checkout does not need a built file.
"""

from __future__ import annotations

import json
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

DB = "dist/xinjiang-pairing-assistance.duckdb"
TARGET = "xinjiang_pairing/data"


def built_version(db: Path) -> str | None:
    """The version recorded in the DuckDB file, if duckdb is importable here (it is not in an
    isolated build environment)."""
    try:
        import duckdb
    except ImportError:
        return None
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT version FROM _release").fetchone()[0]
    finally:
        con.close()


class DataFilesHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        wanted = self.metadata.version
        db = root / DB
        if not db.is_file():
            raise RuntimeError(
                f"{DB} is missing: run scripts/build (or xinjiang-pairing build) before building the wheel"
            )
        described = json.loads((root / "datapackage.json").read_text(encoding="utf-8")).get("version")
        if described != wanted:
            raise RuntimeError(f"datapackage.json is version {described} but the package is {wanted}")
        found = built_version(db)
        if found is not None and found != wanted:
            raise RuntimeError(f"{DB} is version {found}, not {wanted}: rebuild it with scripts/build")
        build_data["force_include"].update({
            str(db): f"{TARGET}/{db.name}",
            str(root / "datapackage.json"): f"{TARGET}/datapackage.json",
            str(root / "schemas"): f"{TARGET}/schemas",
            str(root / "data"): f"{TARGET}/data",
        })
