"""Results remembered between runs: kept as JSON in the user's cache folder (or the folder named by
``XINJIANG_PAIRING_CACHE``), each under a digest of everything it depends on, so that a result is
only ever reused for the same inputs checked by the same code. A cache that cannot be read or
written is no error: the work is done again."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from . import CACHE_ENV


def folder(kind: str) -> Path:
    """The folder of one kind of result."""
    root = os.environ.get(CACHE_ENV) or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / \
        "xinjiang-pairing"
    return Path(root) / kind


def digest(*parts: str | bytes) -> str:
    """One key for all ``parts`` (texts or bytes), in order."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def file_digest(path: Path) -> bytes:
    """The SHA-256 of a file's bytes, read in pieces."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.digest()


def package_source() -> str:
    """A digest of every Python file of this package (results depend on its code)."""
    here = Path(__file__).parent
    return digest(*(part for p in sorted(here.rglob("*.py"))
                    for part in (p.relative_to(here).as_posix(), p.read_bytes())))


def recall(kind: str, key: str):
    """The value kept under ``key``, or None."""
    try:
        return json.loads((folder(kind) / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None


def keep(kind: str, key: str, value) -> None:
    """Keep ``value`` (JSON) under ``key``, written whole or not at all."""
    path = folder(kind) / f"{key}.json"
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
