"""Download a release file by version, verified against a SHA-256 checksum, into a local cache.

The checksum is the one given, or else the one listed in the release's ``manifest.json`` (fetched
from the same place). Files are cached with pooch: a file already in the cache with the right
checksum is not downloaded again. ``XINJIANG_PAIRING_CACHE`` sets the cache folder.

(The module is not called ``fetch`` so that it does not shadow ``xinjiang_pairing.fetch``.)
"""

from __future__ import annotations

import json
import logging
import os
import re
from contextlib import contextmanager
from pathlib import Path

from . import CACHE_ENV
from .artifacts import MANIFEST, file_name

DEFAULT_BASE_URL = "https://github.com/xinjiang-pairing/xinjiang-pairing-assistance/releases/download"


class FetchError(Exception):
    """A download failed or was refused: a message for a person, no traceback."""


def release_url(version: str, name: str, base_url: str | None = None) -> str:
    """Where file ``name`` of release ``version`` is. GitHub release assets live under the tag,
    ``<base>/v<version>/<name>``; any other base URL is a copy of ``dist/``: ``<base>/<version>/<name>``."""
    base = (base_url or DEFAULT_BASE_URL).rstrip("/")
    folder = f"v{version}" if base.endswith("/releases/download") else version
    return f"{base}/{folder}/{name}"


def cache_dir(version: str) -> Path:
    import pooch

    root = os.environ.get(CACHE_ENV) or pooch.os_cache("xinjiang-pairing")
    return Path(root) / version


def normalize_sha256(value: str) -> str:
    digest = value.lower().removeprefix("sha256:")
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError(f"not a SHA-256 checksum (64 hexadecimal digits): {value!r}")
    return digest


@contextmanager
def _quiet_pooch():
    """pooch logs every download at INFO level; keep stderr for problems."""
    logger = logging.getLogger("pooch")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _retrieve(url: str, version: str, name: str, digest: str | None, missing: str) -> Path:
    import pooch
    import requests

    try:
        with _quiet_pooch():
            return Path(pooch.retrieve(
                url, known_hash=f"sha256:{digest}" if digest else None, fname=name,
                path=cache_dir(version), progressbar=False,
            ))
    except requests.HTTPError as e:
        status = e.response.status_code if e.response is not None else None
        if status == 404:
            raise FetchError(missing) from None
        raise FetchError(f"cannot download {url}: HTTP {status}") from None
    except requests.RequestException as e:
        raise FetchError(f"cannot download {url}: {type(e).__name__}") from None
    except ValueError as e:  # pooch: the checksum does not match (the download was deleted), or a bad URL
        if "does not match the known hash" not in str(e):
            raise FetchError(f"cannot download {url}: {e}") from None
        got = re.search(r"but got ([0-9a-f]{64})", str(e))
        raise FetchError(
            f"checksum mismatch for {url}: expected sha256 {digest}, got {got[1] if got else 'another'}; "
            "the download was discarded"
        ) from None


def manifest(version: str, base_url: str | None = None) -> dict:
    """The ``manifest.json`` of a release (cached like the files)."""
    url = release_url(version, MANIFEST, base_url)
    path = _retrieve(url, version, MANIFEST, None, f"release {version} not found at {url}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = {f["name"]: f["sha256"] for f in data["files"]}
    except (json.JSONDecodeError, KeyError, TypeError):
        path.unlink(missing_ok=True)
        raise FetchError(f"the manifest of release {version} at {url} is not a release manifest") from None
    return {**data, "files_sha256": files}


def fetch(version: str, sha256: str | None = None, base_url: str | None = None, file: str = "duckdb") -> Path:
    """Download (or take from the cache) a file of release ``version``; returns its local path.

    ``file``: ``duckdb``, ``csv`` (the zip of the CSV package) or ``parquet:<table>``. ``sha256``: the
    expected checksum; without it, the one in the release's manifest.json is used.
    """
    name = file_name(version, file)
    url = release_url(version, name, base_url)
    missing = f"{name} not found at {url}"
    if sha256:
        digest = normalize_sha256(sha256)
        missing = f"release {version} not found at {url}"
    else:
        listed = manifest(version, base_url)["files_sha256"]
        if name not in listed:
            raise FetchError(f"release {version} has no file {name} (see {release_url(version, MANIFEST, base_url)})")
        digest = listed[name]
    return _retrieve(url, version, name, digest, missing)
