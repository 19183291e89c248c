"""Wheel build hook: the wheel of version X.Y.Z carries the data package and the DuckDB file of X.Y.Z
under ``xinjiang_pairing/data/`` (datapackage.json, schemas/, data/, xinjiang-pairing-assistance.duckdb),
where ``xinjiang_pairing.connect()`` finds them.

Which DuckDB file:

- ``XINJIANG_PAIRING_WHEEL_DATABASE``, if set (``release`` sets it to the release's file);
- else ``dist/xinjiang-pairing-assistance.duckdb`` of a checkout (``scripts/build``);
- else, in a source build (``pip install`` from a git URL or an sdist), the hook builds it from the
  data package with the checks of ``build`` (duckdb is a build requirement) into a temporary folder.

Editable installs are left alone, so that setting up a checkout does not need a built file.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

DB = "dist/xinjiang-pairing-assistance.duckdb"
TARGET = "xinjiang_pairing/data"
DATABASE_ENV = "XINJIANG_PAIRING_WHEEL_DATABASE"


def built_version(db: Path) -> str | None:
    """The version recorded in the DuckDB file, if duckdb is importable here."""
    try:
        import duckdb
    except ImportError:
        return None
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT version FROM _release").fetchone()[0]
    finally:
        con.close()


def build_database(root: Path, out: Path) -> None:
    """Check the data package at ``root`` and write its DuckDB file to ``out`` (a source build)."""
    sys.path.insert(0, str(root / "src"))
    try:
        from xinjiang_pairing.build import write_database
        from xinjiang_pairing.package import load_package

        report = write_database(load_package(root), out)
    finally:
        sys.path.remove(str(root / "src"))
    if not report.valid:
        raise RuntimeError(f"the data package is not valid, no DuckDB file: {report.sorted()[0].describe()}")


class DataFilesHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        wanted = self.metadata.version
        described = json.loads((root / "datapackage.json").read_text(encoding="utf-8")).get("version")
        if described != wanted:
            raise RuntimeError(f"datapackage.json is version {described} but the package is {wanted}")
        db = Path(os.environ[DATABASE_ENV]) if os.environ.get(DATABASE_ENV) else root / DB
        if os.environ.get(DATABASE_ENV) and not db.is_file():
            raise RuntimeError(f"{DATABASE_ENV} names {db}, which does not exist")
        if not db.is_file():  # a source build: build the file it needs
            self._tmp = tempfile.TemporaryDirectory(prefix="xj-wheel-")
            db = Path(self._tmp.name) / Path(DB).name
            build_database(root, db)
        found = built_version(db)
        if found is not None and found != wanted:
            raise RuntimeError(f"{db.name} is version {found}, not {wanted}: rebuild it with scripts/build")
        build_data["force_include"].update({
            str(db): f"{TARGET}/{Path(DB).name}",
            str(root / "datapackage.json"): f"{TARGET}/datapackage.json",
            str(root / "schemas"): f"{TARGET}/schemas",
            str(root / "data"): f"{TARGET}/data",
        })

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        tmp = getattr(self, "_tmp", None)
        if tmp is not None:
            tmp.cleanup()
