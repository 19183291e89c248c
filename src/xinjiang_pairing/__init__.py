"""Reference dataset on China's pairing assistance program for Xinjiang (对口援疆).

``connect()`` opens the built DuckDB file read-only; ``fetch()`` downloads a release file by
version, verified by checksum. The rest of the Python API behind the ``xinjiang-pairing``
command lives in its modules: ``xinjiang_pairing.validate.validate_package``,
``xinjiang_pairing.build.build``, ``xinjiang_pairing.release.release``, ``xinjiang_pairing.diff``.
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.38.0"

STEM = "xinjiang-pairing-assistance"  # the name of the package, its DuckDB file and its release files
DB_FILE = f"{STEM}.duckdb"
CACHE_ENV = "XINJIANG_PAIRING_CACHE"  # where downloads and descriptor checks are kept, if set


def database_path() -> Path:
    """The DuckDB file of this version: shipped inside the installed package, or built in dist/."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "data" / DB_FILE, here.parents[1] / "dist" / DB_FILE):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(
        f"no {DB_FILE} found: run 'xinjiang-pairing build' (or scripts/build) first"
    )


def connect(path: str | Path | None = None):
    """A read-only DuckDB connection to the dataset."""
    import duckdb

    path = Path(path) if path else database_path()
    if not path.exists():
        raise FileNotFoundError(f"no DuckDB file at {path}")
    return duckdb.connect(str(path), read_only=True)


def fetch(version: str, sha256: str | None = None, base_url: str | None = None, file: str = "duckdb") -> Path:
    """Download a release file (``duckdb``, ``csv`` or ``parquet:<table>``), verified by SHA-256 and
    cached; returns its local path. See ``xinjiang_pairing.download.fetch``."""
    from .download import fetch as run

    return run(version, sha256=sha256, base_url=base_url, file=file)
