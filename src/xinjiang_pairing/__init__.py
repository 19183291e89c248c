"""Reference dataset on China's pairing assistance program for Xinjiang (对口援疆).

``connect()`` opens the built DuckDB file read-only; ``validate_package`` and ``build`` are the
Python API behind the ``xinjiang-pairing`` command.
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.2.0"

DB_FILE = "xinjiang-pairing-assistance.duckdb"


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


def validate_package(root=None, **kwargs):
    from .validate import validate_package as run

    return run(root, **kwargs)[0]


def build(root=None, out=None, **kwargs):
    from .build import build as run

    return run(root, out, **kwargs)
