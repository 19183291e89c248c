"""Citation metadata that survives the repository: ``CITATION.cff`` and ``.zenodo.json`` carry the
version and date of ``datapackage.json`` (its ``created`` day), so that an archived release (a
DOI per version) cites exactly that version.

``write`` brings both files in line with the descriptor; ``mismatches`` lists what differs, and
``release`` refuses while anything does.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

CFF = "CITATION.cff"
ZENODO = ".zenodo.json"
DESCRIPTOR = "datapackage.json"
RELEASE_URL = "{homepage}/releases/tag/v{version}"


def _descriptor(root: Path) -> dict:
    return json.loads((root / DESCRIPTOR).read_text(encoding="utf-8"))


def _date(descriptor: dict) -> str:
    return str(descriptor.get("created", ""))[:10]


def _licenses(descriptor: dict) -> list[str]:
    return [lic["name"] for lic in descriptor.get("licenses", []) if lic.get("name")]


def zenodo_metadata(descriptor: dict) -> dict:
    """The archive metadata of this version (Zenodo's deposit format)."""
    version = descriptor["version"]
    homepage = descriptor.get("homepage", "")
    creators = [{"name": c.get("title") or " ".join(filter(None, (c.get("familyName"), c.get("givenName"))))}
                for c in descriptor.get("contributors", []) if "creator" in c.get("roles", ["creator"])]
    licenses = _licenses(descriptor)
    license_notes = "; ".join(f"{lic['name']}: {lic.get('title', '')}" for lic in descriptor.get("licenses", []))
    related = []
    if homepage:
        related = [
            {"identifier": homepage, "relation": "isSupplementTo", "resource_type": "software", "scheme": "url"},
            {"identifier": RELEASE_URL.format(homepage=homepage, version=version), "relation": "isIdenticalTo",
             "resource_type": "dataset", "scheme": "url"},
        ]
    return {
        "title": descriptor.get("title", descriptor["name"]),
        "upload_type": "dataset",
        "description": descriptor.get("description", ""),
        "version": version,
        "publication_date": _date(descriptor),
        "creators": creators,
        "keywords": descriptor.get("keywords", []),
        "license": licenses[0].lower() if licenses else "",
        "notes": f"Licenses: {license_notes}." if license_notes else "",
        "related_identifiers": related,
    }


def _cff_value(text: str, key: str) -> str | None:
    m = re.search(rf"^{re.escape(key)}:\s*\"?([^\"\n]*)\"?\s*$", text, re.M)
    return m[1].strip() if m else None


def mismatches(root: str | Path) -> list[str]:
    """What in CITATION.cff and .zenodo.json differs from datapackage.json (empty when in line)."""
    root = Path(root)
    descriptor = _descriptor(root)
    version, date = descriptor.get("version", ""), _date(descriptor)
    out = []
    cff = root / CFF
    text = cff.read_text(encoding="utf-8") if cff.is_file() else ""
    if not text:
        out.append(f"{CFF} is missing")
    else:
        for key, want in (("version", version), ("date-released", date)):
            got = _cff_value(text, key)
            if got != want:
                out.append(f"{CFF} has {key} {got!r}, datapackage.json says {want!r}")
    zen = root / ZENODO
    try:
        current = json.loads(zen.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        current = None
    if current != zenodo_metadata(descriptor):
        out.append(f"{ZENODO} is missing or out of date for version {version}")
    return out


def write(root: str | Path) -> list[Path]:
    """Bring CITATION.cff (version, date-released) and .zenodo.json in line with datapackage.json."""
    root = Path(root)
    descriptor = _descriptor(root)
    cff = root / CFF
    text = cff.read_text(encoding="utf-8")
    for key, value in (("version", descriptor["version"]), ("date-released", f'"{_date(descriptor)}"')):
        text = re.sub(rf"^{re.escape(key)}:.*$", f"{key}: {value}", text, count=1, flags=re.M)
    cff.write_text(text, encoding="utf-8")
    zen = root / ZENODO
    zen.write_text(json.dumps(zenodo_metadata(descriptor), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [cff, zen]
