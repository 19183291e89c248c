"""Citation metadata that survives the repository: CITATION.cff and .zenodo.json follow datapackage.json."""

import json
import shutil

from click.testing import CliRunner

from xinjiang_pairing.citation import mismatches, write, zenodo_metadata
from xinjiang_pairing.cli import cli


def copy_with_citation(pkg, root):
    for name in ("CITATION.cff", ".zenodo.json"):
        shutil.copy(root / name, pkg.root / name)
    return pkg


def test_citation_files_match_the_descriptor(root):
    assert mismatches(root) == []
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    cff = (root / "CITATION.cff").read_text(encoding="utf-8")
    assert f"\nversion: {descriptor['version']}\n" in cff
    assert f'\ndate-released: "{descriptor["created"][:10]}"\n' in cff


def test_zenodo_metadata_names_both_licenses_and_the_release(root):
    meta = json.loads((root / ".zenodo.json").read_text(encoding="utf-8"))
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    assert meta == zenodo_metadata(descriptor)
    assert meta["upload_type"] == "dataset" and meta["license"] == "cc-by-4.0"
    assert "CC-BY-4.0" in meta["notes"] and "MIT" in meta["notes"]
    assert {r["identifier"] for r in meta["related_identifiers"]} == {
        descriptor["homepage"], f"{descriptor['homepage']}/releases/tag/v{descriptor['version']}"}


def test_a_new_version_is_reported_then_written(pkg, root):
    copy_with_citation(pkg, root)
    path = pkg.root / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    old = descriptor["version"]
    descriptor["version"], descriptor["created"] = "9.8.7", "2031-02-03T00:00:00Z"
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8")
    assert mismatches(pkg.root) == [
        f"CITATION.cff has version '{old}', datapackage.json says '9.8.7'",
        f"CITATION.cff has date-released '{(root / 'CITATION.cff').read_text().split('date-released: ')[1][1:11]}', "
        "datapackage.json says '2031-02-03'",
        ".zenodo.json is missing or out of date for version 9.8.7",
    ]
    result = CliRunner().invoke(cli, ["citation", str(pkg.root), "--check"])
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (
        1, "citation files out of date: run xinjiang-pairing citation")
    write(pkg.root)
    assert mismatches(pkg.root) == []
    assert json.loads((pkg.root / ".zenodo.json").read_text())["publication_date"] == "2031-02-03"
    result = CliRunner().invoke(cli, ["citation", str(pkg.root), "--check"])
    assert (result.exit_code, result.stdout) == (0, "citation files match datapackage.json\n")
