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


VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")


def normalize_version(value: str) -> str:
    """``1.2.3`` or ``v1.2.3`` as ``1.2.3``; anything else (a path, ``..``, a URL) is refused, so
    that a version never leads outside the cache folder or the release's URL."""
    version = value.strip().removeprefix("v")
    if not VERSION.fullmatch(version):
        raise FetchError(f"{value!r} is not a version: use MAJOR.MINOR.PATCH (e.g. 0.3.0), v0.3.0 or latest")
    return version


def cache_dir(version: str) -> Path:
    """The cache folder of one version (not made here: a failed download leaves no empty folder)."""
    version = normalize_version(version)
    root = os.environ.get(CACHE_ENV)
    if not root:
        import pooch

        root = pooch.os_cache("xinjiang-pairing")
    return Path(root) / version


def normalize_sha256(value) -> str:
    if not isinstance(value, str):
        raise ValueError(f"not a SHA-256 checksum (64 hexadecimal digits): {value!r}")
    digest = value.strip().lower().removeprefix("sha256:")
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError(f"not a SHA-256 checksum (64 hexadecimal digits): {value!r}")
    return digest


@contextmanager
def _quiet_pooch():
    """pooch logs every download at INFO level; keep stderr for problems. Its logger is its own
    (``pooch.get_logger()``), not the one ``logging.getLogger("pooch")`` returns."""
    import pooch

    logger = pooch.get_logger()
    level, disabled = logger.level, logger.disabled
    logger.setLevel(logging.ERROR)
    logger.disabled = True  # its warnings name its own internals; failures are reported by FetchError
    try:
        yield
    finally:
        logger.setLevel(level)
        logger.disabled = disabled


def _retrieve(url: str, version: str, name: str, digest: str | None, missing: str) -> Path:
    folder = cache_dir(version)
    existed = folder.exists()
    try:
        return _download(url, folder, name, digest, missing)
    finally:
        if not existed:  # a failed look-up leaves no empty cache folder behind
            try:
                folder.rmdir()
            except OSError:
                pass


def _download(url: str, folder: Path, name: str, digest: str | None, missing: str) -> Path:
    import pooch
    import requests

    try:
        with _quiet_pooch():
            return Path(pooch.retrieve(
                url, known_hash=f"sha256:{digest}" if digest else None, fname=name,
                path=folder, progressbar=False,
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
    version = normalize_version(version)
    url = release_url(version, MANIFEST, base_url)
    path = _retrieve(url, version, MANIFEST, None, f"release {version} not found at {url}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = {f["name"]: normalize_sha256(f["sha256"]) for f in data["files"]}
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, UnicodeDecodeError):
        path.unlink(missing_ok=True)
        _remove_empty(path.parent)
        raise FetchError(f"the manifest of release {version} at {url} is not a release manifest with a "
                         "SHA-256 checksum for every file: refused") from None
    return {**data, "files_sha256": files}


def fetch(version: str, sha256: str | None = None, base_url: str | None = None, file: str = "duckdb") -> Path:
    """Download (or take from the cache) a file of release ``version``; returns its local path.

    ``file``: ``duckdb``, ``csv`` (the zip of the CSV package) or ``parquet:<table>``. ``sha256``: the
    expected checksum; without it, the one in the release's manifest.json is used.
    """
    version = latest(base_url) if version == "latest" else normalize_version(version)
    if file.startswith("parquet:") and not re.fullmatch(r"[a-z0-9._-]+", file.removeprefix("parquet:")):
        raise FetchError(f"{file!r}: a table name has lower-case letters, digits, '-', '_' and '.' only")
    try:
        name = file_name(version, file)
    except ValueError as e:
        raise FetchError(str(e)) from None
    url = release_url(version, name, base_url)
    missing = f"{name} not found at {url}"
    if sha256 is not None:
        try:
            digest = normalize_sha256(sha256)
        except ValueError as e:
            raise FetchError(f"--sha256: {e}") from None
        missing = f"release {version} not found at {url}"
    else:
        listed = manifest(version, base_url)["files_sha256"]
        if name not in listed:
            raise FetchError(f"release {version} has no file {name} (see {release_url(version, MANIFEST, base_url)})")
        digest = listed[name]
    return _retrieve(url, version, name, digest, missing)


def _remove_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def versions(base_url: str | None = None) -> list[str]:
    """The released versions, oldest first: from the listing of ``base_url`` (a copy of ``dist/``
    served over HTTP: the links ``X.Y.Z/`` of its index page), or, without one, from the records in
    ``releases/`` beside the package (a checkout of the repository)."""
    if base_url and not base_url.rstrip("/").endswith("/releases/download"):
        import requests

        try:
            response = requests.get(base_url.rstrip("/") + "/", timeout=30)
            response.raise_for_status()
        except requests.RequestException as e:
            raise FetchError(f"cannot list the releases at {base_url}: {type(e).__name__}") from None
        found = set(re.findall(r'href="(?:\./)?v?((?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*))/?"',
                               response.text))
    else:
        from .package import DEFAULT_ROOT

        records = DEFAULT_ROOT / "releases"
        found = {p.stem for p in records.glob("*.json") if VERSION.fullmatch(p.stem)} if records.is_dir() else set()
        if not found:
            raise FetchError("no list of releases here: give --base-url of a release folder served over HTTP, "
                             "or fetch a version by number")
    return sorted(found, key=lambda v: tuple(int(x) for x in v.split(".")))


def latest(base_url: str | None = None) -> str:
    found = versions(base_url)
    if not found:
        raise FetchError(f"no release found at {base_url or 'the releases/ records'}")
    return found[-1]
