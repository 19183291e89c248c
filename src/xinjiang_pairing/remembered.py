"""Results remembered between runs: kept as JSON in the user's cache folder (or the folder named by
``XINJIANG_PAIRING_CACHE``), each under a digest of everything it depends on, so that a result is
only ever reused for the same inputs checked by the same code. A cache that cannot be read or
written is no error: the work is done again."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import types
import typing
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


def definitions(package) -> list[str]:
    """The descriptor and every Table Schema of ``package``, as stable texts (to digest)."""
    return [json.dumps(package.descriptor, sort_keys=True), *(json.dumps(r.schema, sort_keys=True)
                                                               for r in package.resources)]


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


def as_instance(cls, value):
    """A kept value (a JSON object) as an instance of the dataclass ``cls``, or None unless it has
    exactly the class's fields, each of the type the class declares: a damaged record is not used."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    if not isinstance(value, dict) or set(value) != names or not all(_is_a(value[n], hints[n]) for n in names):
        return None
    return cls(**value)


def _is_a(value, hint) -> bool:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        return any(_is_a(value, h) for h in typing.get_args(hint))
    if origin is list:
        return isinstance(value, list) and all(_is_a(v, typing.get_args(hint)[0]) for v in value)
    if hint is type(None):
        return value is None
    if isinstance(value, bool) and hint is not bool:  # JSON true is not a number
        return False
    return isinstance(value, (int, float) if hint is float else hint)


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
