"""Releases, in temporary git repositories made from a copy of the package: the files, their
reproducibility, every refusal, the semantic-versioning gate, scripts/release as CI runs it, and
opening the released DuckDB file from SQL (DuckDB 2.x and the 1.5 command line)."""

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import duckdb
import pytest
import yaml
from click.testing import CliRunner
from conftest import csv_rows
from site_build import missing_references

import xinjiang_pairing
from xinjiang_pairing.build import STORAGE_VERSION
from xinjiang_pairing.citation import write as write_citation
from xinjiang_pairing.cli import cli
from xinjiang_pairing.release import release

pytestmark = pytest.mark.slow  # releases in temporary git repositories

FILES = ["datapackage.json", "README.md", "LICENSE", "LICENSE-DATA", "CITATION.cff", "CHANGELOG.md", ".gitignore",
         "pyproject.toml", "requirements.lock"]
FOLDERS = ["schemas", "data", "scripts"]
VERSION = "1.0.0"
TABLES = ["division_codes", "funding", "indicators", "meetings", "outcomes", "pairings", "parties", "places",
          "programs", "sources"]


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def set_version(repo: Path, version: str, changelog: bool = True) -> None:
    path = repo / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["version"] = version
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    write_citation(repo)
    if changelog:
        with (repo / "CHANGELOG.md").open("a", encoding="utf-8") as fh:
            fh.write(f"\n## [{version}] - 2026-11-22\n\n- Test release.\n")


def commit(repo: Path, message: str = "change") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def make_repo(path: Path, root: Path) -> Path:
    path.mkdir()
    for name in FILES:
        shutil.copy(root / name, path / name)
    for name in FOLDERS:
        shutil.copytree(root / name, path / name)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "Test")
    git(path, "config", "user.email", "test@example.org")
    set_version(path, VERSION)
    commit(path, "package")
    return path


def clone(source: Path, dest: Path) -> Path:
    git(source.parent, "clone", "-q", str(source), str(dest))
    git(dest, "config", "user.name", "Test")
    git(dest, "config", "user.email", "test@example.org")
    return dest


@pytest.fixture(scope="module")
def released(tmp_path_factory, root):
    """Repository ``a`` released as 1.0.0 (the record committed afterwards)."""
    base = tmp_path_factory.mktemp("release")
    a = make_repo(base / "a", root)
    first = release(a)
    built_from = git(a, "rev-parse", "HEAD")
    commit(a, "record release 1.0.0")
    return {"a": a, "first": first, "commit": built_from}


@pytest.fixture
def repo(released, tmp_path):
    """A clone of the released repository, to change and release again."""
    return clone(released["a"], tmp_path / "repo")


def names(version):
    stem = f"xinjiang-pairing-assistance-{version}"
    return sorted([f"{stem}.duckdb", f"{stem}-csv.zip", f"{stem}.xlsx", "manifest.json", "SHA256SUMS", "site"]
                  + [f"{stem}-{t}.parquet" for t in TABLES])


def test_release_writes_every_file(released):
    folder = released["first"].folder
    assert folder == released["a"] / "dist" / VERSION
    assert sorted(p.name for p in folder.iterdir()) == names(VERSION)
    assert sorted(p.name for p in folder.parent.iterdir()) == [VERSION]  # no staging folder left


def test_release_site_offers_the_queries_of_the_readme(released, root):
    """The SQL page of a release's site offers the examples of the README of the repository (the
    README of the CSV zip shows how to read the CSVs, which the console does not need)."""
    from xinjiang_pairing.site.data import console_queries

    text = (released["first"].folder / "site" / "sql.html").read_text(encoding="utf-8")
    payload = re.search(r'<script type="application/json" id="sql-examples">(.*?)</script>', text, re.S)[1]
    queries = [q for _, q in console_queries(root)]
    assert len(queries) >= 10 and json.loads(payload.replace("<\\/", "</")) == queries


def test_sha256sums_is_what_sha256sum_checks(released):
    folder = released["first"].folder
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    assert [line.split("  ")[1] for line in lines] == [n for n in names(VERSION) if n not in ("SHA256SUMS", "site")]
    for line in lines:
        digest, name = line.split("  ")
        assert re.fullmatch("[0-9a-f]{64}", digest)
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    if shutil.which("sha256sum"):
        out = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
        assert out.returncode == 0, out.stdout + out.stderr


def test_manifest(released):
    result = released["first"]
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == result.manifest
    assert (manifest["name"], manifest["version"], manifest["git_commit"]) == (
        "xinjiang-pairing-assistance", VERSION, released["commit"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", manifest["created"])
    assert manifest["duckdb_version"] == duckdb.__version__
    assert manifest["tool_version"] == xinjiang_pairing.__version__
    db = manifest["duckdb_file"]
    assert (db["name"], db["storage_version"], db["readable_by"], db["byte_reproducible"]) == (
        f"xinjiang-pairing-assistance-{VERSION}.duckdb", STORAGE_VERSION, "DuckDB 1.5.x and 2.x", False)
    for table, count in manifest["tables"].items():
        assert count == csv_rows(released["a"] / "data" / f"{table}.csv")
    assert [f["name"] for f in manifest["files"]] == [n for n in names(VERSION) if n not in ("manifest.json",
                                                                                             "SHA256SUMS", "site")]
    assert manifest["site"]["entry"] == "site/index.html"
    home = (result.folder / "site" / "index.html").read_text(encoding="utf-8")  # offers every file with its SHA-256
    assert all(f'href="../{f["name"]}"' in home and f["sha256"] in home for f in manifest["files"])
    for entry in manifest["files"]:
        path = result.folder / entry["name"]
        assert entry["bytes"] == path.stat().st_size
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    record = released["a"] / "releases" / f"{VERSION}.json"
    assert record.read_bytes() == (result.folder / "manifest.json").read_bytes()


def test_parquet_files_ordered_by_primary_key(released):
    folder = released["first"].folder
    con = duckdb.connect()
    for table in TABLES:
        path = str(folder / f"xinjiang-pairing-assistance-{VERSION}-{table}.parquet")
        codecs = {r[0] for r in con.execute("SELECT compression FROM parquet_metadata(?)", [path]).fetchall()}
        assert codecs == {"ZSTD"}
        key = json.loads((released["a"] / "schemas" / f"{table}.json").read_text())["primaryKey"]
        keys = con.execute(f"SELECT {', '.join(key)} FROM read_parquet(?)", [path]).fetchall()
        assert keys == sorted(keys) and len(keys) == released["first"].manifest["tables"][table]


def test_csv_zip_is_the_package_with_fixed_metadata(released):
    with zipfile.ZipFile(released["first"].folder / f"xinjiang-pairing-assistance-{VERSION}-csv.zip") as zf:
        infos = zf.infolist()
        top = f"xinjiang-pairing-assistance-{VERSION}/"
        listed = [i.filename.removeprefix(top) for i in infos]
        assert listed == sorted(listed)
        assert {"datapackage.json", "README.md", "LICENSE", "LICENSE-DATA", "CITATION.cff", "CHANGELOG.md"} <= set(
            listed)
        assert {f"data/{t}.csv" for t in TABLES} | {f"schemas/{t}.json" for t in TABLES} <= set(listed)
        assert {(i.date_time, i.external_attr >> 16, i.compress_type) for i in infos} == {
            ((1980, 1, 1, 0, 0, 0), 0o100644, zipfile.ZIP_DEFLATED)}
        assert zf.read(top + "data/funding.csv") == (released["a"] / "data" / "funding.csv").read_bytes()


def invoke(repo: Path, *args: str):
    return CliRunner().invoke(cli, ["release", str(repo), *args])


def assert_refused(repo: Path, message: str, version: str, *args: str) -> None:
    record = repo / "releases" / f"{version}.json"
    before = record.read_bytes() if record.exists() else None
    result = invoke(repo, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"release refused: {message}\n")
    assert not (repo / "dist" / version).exists()
    assert not list((repo / "dist").glob(".*")) if (repo / "dist").exists() else True
    assert (record.read_bytes() if record.exists() else None) == before


def add_indicator(repo: Path) -> None:
    path = repo / "data" / "indicators.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",", 1)
    path.write_text("\n".join([*lines, f"test-indicator,{first[1]}"]) + "\n", encoding="utf-8")


def test_refused_when_validation_fails(repo):
    set_version(repo, "1.1.0")
    (repo / "data" / "parties.csv").open("a", encoding="utf-8").write("broken,row\n")
    commit(repo)
    rows = len((repo / "data" / "parties.csv").read_text().splitlines())
    columns = len((repo / "data" / "parties.csv").read_text().splitlines()[0].split(","))
    result = invoke(repo)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith(
        f"release refused: validation failed: xinjiang-pairing {xinjiang_pairing.__version__}: 1 problem(s), "
        f"the first: data/parties.csv, row {rows}: the row has 2 cells, the header has {columns} [missing-cell]; "
        "frictionless ")
    assert "; pandera " in result.stderr and result.stderr.count("\n") == 1
    assert not (repo / "dist" / "1.1.0").exists() and not (repo / "releases" / "1.1.0.json").exists()


def _refusals(repo: Path) -> dict[str, str]:
    """Release, which must be refused by validation: {validator: its one-line summary}."""
    result = invoke(repo)
    assert (result.exit_code, result.stdout) == (1, ""), result.output
    assert result.stderr.startswith("release refused: validation failed: ") and result.stderr.count("\n") == 1
    parts = result.stderr.removeprefix("release refused: validation failed: ").rstrip("\n").split("; ")
    assert not (repo / "dist").exists() or not list((repo / "dist").glob("*"))
    return {p.split(" ", 1)[0]: p for p in parts}


def _refused_by(repo: Path, validator: str) -> str:
    refusals = _refusals(repo)
    assert validator in refusals, f"{validator} did not reject: {refusals}"
    return refusals[validator]


def test_refused_when_only_the_engine_rejects(repo):
    """A source no row cites: a rule across tables that only the project's engine checks."""
    set_version(repo, "1.1.0")
    path = repo / "data" / "sources.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with path.open("a", encoding="utf-8", newline="") as fh:  # another page, cited by no row
        csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n").writerow(
            {**rows[0], "source_id": "uncited-source", "url": "https://example.org/uncited-source"})
    commit(repo)
    refusals = _refusals(repo)
    assert list(refusals) == ["xinjiang-pairing"]
    assert refusals["xinjiang-pairing"].endswith("the source uncited-source is not cited by any row [source-cited]")


def test_refused_when_frictionless_rejects(repo):
    """An extra (empty) cell at the end of a row: the stock Frictionless validator rejects it."""
    set_version(repo, "1.1.0")
    path = repo / "data" / "parties.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] += ","
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    commit(repo)
    message = _refused_by(repo, "frictionless")
    assert message.endswith('data/parties.csv, row 3: Row at position "3" has an extra value in field at '
                            'position "8" [extra-cell]')


def test_refused_when_pandera_rejects(repo):
    set_version(repo, "1.1.0")
    path = repo / "data" / "funding.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",aid_funds,", ",gift,", 1), encoding="utf-8")
    commit(repo)
    message = _refused_by(repo, "pandera")
    assert re.search(r"data/funding\.csv, row 2, column flow_type: isin\(.*\) failed for 'gift'$", message)


def test_manifest_records_every_validator(released):
    manifest = released["first"].manifest
    assert [v["name"] for v in manifest["validated_by"]] == ["xinjiang-pairing", "frictionless", "pandera"]
    assert all(v["valid"] and v["problems"] == 0 and v["version"][0].isdigit() for v in manifest["validated_by"])


def test_refused_when_the_citation_files_lag_behind(repo):
    set_version(repo, "1.1.0")
    cff = repo / "CITATION.cff"
    cff.write_text(cff.read_text(encoding="utf-8").replace("version: 1.1.0", "version: 1.0.0"), encoding="utf-8")
    commit(repo)
    assert_refused(repo, "CITATION.cff has version '1.0.0', datapackage.json says '1.1.0': run xinjiang-pairing "
                         "citation, then commit", "1.1.0")


def test_a_recorded_version_that_does_not_reproduce_is_refused(repo, monkeypatch):
    """A CSV zip that differs from the record is refused before anything is built."""
    monkeypatch.setattr("xinjiang_pairing.release.build", lambda *a, **k: pytest.fail("built"))
    record = repo / "releases" / f"{VERSION}.json"
    manifest = json.loads(record.read_text(encoding="utf-8"))
    zipped = next(f for f in manifest["files"] if f["name"].endswith("-csv.zip"))
    zipped["sha256"] = "0" * 64
    record.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    commit(repo)
    before = record.read_bytes()
    assert_refused(repo, f"rebuilding {VERSION} from commit {manifest['git_commit'][:12]} does not reproduce "
                         f"{zipped['name']} byte for byte; the release recorded in releases/{VERSION}.json "
                         "stands unchanged", VERSION)
    assert record.read_bytes() == before


@pytest.mark.parametrize("damage", [
    lambda m: m.update(git_commit=12345),  # not a commit
    lambda m: m.update(files={"x": "y"}),  # not a list of files
    lambda m: m["files"][0].pop("sha256"),  # a file without its digest
    lambda m: m["files"][0].update(sha256=None),
    lambda m: [m],  # not a JSON object
])
def test_a_damaged_record_is_refused_before_anything_is_built(repo, monkeypatch, damage):
    monkeypatch.setattr("xinjiang_pairing.release.build", lambda *a, **k: pytest.fail("built"))
    record = repo / "releases" / f"{VERSION}.json"
    manifest = json.loads(record.read_text(encoding="utf-8"))
    damaged = damage(manifest)
    record.write_text(json.dumps(manifest if damaged is None else damaged, indent=2) + "\n", encoding="utf-8")
    commit(repo)
    before = record.read_bytes()
    assert_refused(repo, f"releases/{VERSION}.json is not a release record with a commit and files", VERSION)
    assert record.read_bytes() == before


def test_refused_when_the_version_is_not_greater(repo):
    set_version(repo, "0.9.0")
    commit(repo)
    assert_refused(repo, "version 0.9.0 is not greater than the last release 1.0.0", "0.9.0")


def test_refused_when_a_released_version_changed(repo):
    add_indicator(repo)
    commit(repo)
    assert_refused(repo, "version 1.0.0 is not greater than the last release 1.0.0, and data/, schemas/ or "
                         "datapackage.json changed since it was released", VERSION)


def test_tags_count_as_releases(repo):
    shutil.rmtree(repo / "releases")
    commit(repo, "no records")
    git(repo, "tag", "-a", "v1.2.0", "-m", "1.2.0")
    set_version(repo, "1.1.0")
    commit(repo)
    assert_refused(repo, "version 1.1.0 is not greater than the last release 1.2.0", "1.1.0")


def test_refused_without_a_changelog_section(repo):
    set_version(repo, "1.0.1", changelog=False)
    commit(repo)
    assert_refused(repo, "CHANGELOG.md has no '## [1.0.1]' section", "1.0.1")


def test_refused_with_uncommitted_changes(repo):
    set_version(repo, "1.0.1")
    commit(repo)
    add_indicator(repo)
    (repo / "data" / "new.csv").write_text("x\n")
    (repo / "notes.txt").write_text("not released\n")
    assert_refused(repo, "uncommitted changes in released files (data/indicators.csv, data/new.csv): commit them first",
                   "1.0.1")
    git(repo, "checkout", "data/indicators.csv")
    (repo / "data" / "new.csv").unlink()
    (repo / "CHANGELOG.md").open("a").write("- More.\n")
    assert_refused(repo, "uncommitted changes in released files (CHANGELOG.md): commit them first", "1.0.1")


def test_refused_outside_git_and_with_a_wrong_tag(repo, tmp_path):
    assert_refused(repo, f"tag v9.9.9 does not match version {VERSION} in datapackage.json", VERSION,
                   "--tag", "v9.9.9")
    plain = tmp_path / "plain"
    shutil.copytree(repo, plain, ignore=shutil.ignore_patterns(".git"))
    set_version(plain, "2.0.0")
    assert_refused(plain, f"{plain} is not a git repository with a commit: a release records its commit", "2.0.0")


def test_gate_refuses_a_patch_for_added_rows_then_accepts_a_minor(repo, monkeypatch):
    add_indicator(repo)
    set_version(repo, "1.0.1")
    commit(repo)
    with monkeypatch.context() as m:  # refused as soon as the engine accepts the files: no stock validator runs
        for name in ("run_frictionless", "run_pandera"):
            m.setattr(f"xinjiang_pairing.gate.{name}", lambda *a, **k: pytest.fail("a stock validator ran"))
        assert_refused(repo, "version 1.0.1 is a patch release but the changes since 1.0.0 need a minor release: "
                             "indicators: 1 row added", "1.0.1")
    set_version(repo, "1.1.0")
    commit(repo)
    result = invoke(repo)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"released 1.1.0 (previous release: 1.0.0) to {repo / 'dist' / '1.1.0'}"
    assert result.stdout.splitlines()[-1] == f"recorded in {repo / 'releases' / '1.1.0.json'}: commit it"
    assert sorted(p.name for p in (repo / "releases").iterdir()) == ["1.0.0.json", "1.1.0.json"]
    home = (repo / "dist" / "1.1.0" / "site" / "index.html").read_text(encoding="utf-8")
    listed = re.search(r'<nav aria-label="Releases"><ul>(.*?)</ul></nav>', home, re.S)[1]
    assert re.findall(r"<li>([0-9.]+) ", listed) == ["1.0.0"]  # the earlier release, from releases/
    assert '<a href="../../1.0.0/site/index.html">explorer</a>' in listed  # dist/1.0.0/site, beside this one


def test_gate_refuses_a_minor_for_a_tightened_constraint(repo):
    path = repo / "schemas" / "indicators.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    next(f for f in schema["fields"] if f["name"] == "definition")["constraints"]["maxLength"] = 100000
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    set_version(repo, "1.1.0")
    commit(repo)
    assert_refused(repo, "version 1.1.0 is a minor release but the changes since 1.0.0 need a major release: "
                         "indicators: constraint tightened: definition maxLength added (100000)", "1.1.0")


def fake_venv(repo: Path, root: Path) -> dict:
    """A .venv that scripts/_setup.sh accepts as set up (its stamp matches the lock) and that uses
    this environment's packages through a .pth file, so that nothing can change this environment.
    Returns the environment for running the scripts: offline, so a set-up attempt fails at once."""
    venv = repo / ".venv"
    base = Path(getattr(sys, "_base_executable", sys.executable))
    (venv / "bin").mkdir(parents=True)
    os.symlink(base, venv / "bin" / "python")
    (venv / "pyvenv.cfg").write_text(f"home = {base.parent}\ninclude-system-site-packages = false\n")
    site = venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    site.mkdir(parents=True)
    (site / "here.pth").write_text(f"{root / 'src'}\n{sysconfig.get_paths()['purelib']}\n")
    command = venv / "bin" / "xinjiang-pairing"
    command.write_text('#!/bin/sh\nexec "$(dirname "$0")/python" -m xinjiang_pairing.cli "$@"\n')
    command.chmod(0o755)
    stamp = hashlib.sha256((repo / "requirements.lock").read_bytes() + (repo / "pyproject.toml").read_bytes())
    (venv / ".installed-lock").write_text(stamp.hexdigest() + "\n")
    return {**os.environ, "PYTHON": sys.executable, "PIP_NO_INDEX": "1", "UV_OFFLINE": "1"}


def test_ci_workflow_runs_only_the_scripts(root):
    workflow = yaml.safe_load((root / ".github" / "workflows" / "ci.yml").read_text())
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    assert [s["run"] for s in steps if "run" in s] == ["scripts/test", 'scripts/release --tag "$GITHUB_REF_NAME"']
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0


def same_release(a: Path, b: Path) -> None:
    """Two releases of one commit: the same bytes in every file but the DuckDB file (not
    byte-reproducible: the manifest says so), and the same manifest but for its date."""
    for name in names(VERSION):
        if name.endswith(".duckdb") or name in ("manifest.json", "SHA256SUMS", "site"):
            continue
        assert (a / name).read_bytes() == (b / name).read_bytes(), name

    def stable(folder):
        m = json.loads((folder / "manifest.json").read_text())
        del m["created"]
        for entry in m["files"]:
            if entry["name"].endswith(".duckdb"):  # not byte-reproducible: the manifest says so
                del entry["sha256"], entry["bytes"]
        return m

    assert stable(a) == stable(b)


def test_scripts_release_on_the_tag_rebuilds_the_recorded_release(released, repo, root):
    """What CI does on tag v1.0.0, after the release record was committed and README and CHANGELOG
    moved on: the version is rebuilt from its recorded commit, in another clone, with the same bytes
    as the first release (the DuckDB file aside), and the record is not rewritten."""
    record = repo / "releases" / f"{VERSION}.json"
    before = record.read_bytes()
    with (repo / "README.md").open("a", encoding="utf-8") as fh:
        fh.write("\nMoved on.\n")
    with (repo / "CHANGELOG.md").open("a", encoding="utf-8") as fh:
        fh.write("\n## [Unreleased]\n\n- Later work.\n")
    commit(repo)
    env = {**fake_venv(repo, root), "GITHUB_REF_NAME": "v1.0.0"}
    git(repo, "tag", "v1.0.0")
    workflow = (root / ".github" / "workflows" / "ci.yml").read_text()
    command = re.search(r"run: (scripts/release.*)", workflow)[1]
    out = subprocess.run(["bash", "-c", command], cwd=repo, capture_output=True, text=True, env=env)
    assert (out.returncode, out.stderr) == (0, "")
    assert out.stdout.splitlines()[0] == (
        f"rebuilt 1.0.0 from its recorded commit to {Path('dist') / VERSION}: the CSV zip and the Parquet files "
        f"match 1.0.0.json byte for byte; the record is unchanged")
    assert sorted(p.name for p in (repo / "dist" / VERSION).iterdir()) == names(VERSION)
    assert record.read_bytes() == before
    for entry in json.loads(before)["files"]:
        if not entry["name"].endswith(".duckdb"):
            path = repo / "dist" / VERSION / entry["name"]
            assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], entry["name"]
    same_release(released["first"].folder, repo / "dist" / VERSION)
    # every page's links, scripts and styles name a file of the release (downloads one folder up)
    assert missing_references(repo / "dist" / VERSION / "site", outside_ok=False) == []
    wrong = subprocess.run(["bash", "-c", command], cwd=repo, capture_output=True, text=True,
                           env={**env, "GITHUB_REF_NAME": "v2.0.0"})
    assert (wrong.returncode, wrong.stderr) == (
        1, f"release refused: tag v2.0.0 does not match version {VERSION} in datapackage.json\n")


def test_released_duckdb_file_opens_read_only_in_duckdb_2_and_the_1_5_cli(released):
    path = released["first"].folder / f"xinjiang-pairing-assistance-{VERSION}.duckdb"
    con = duckdb.connect()
    con.execute(f"ATTACH '{path}' AS xj (READ_ONLY)")
    assert con.execute("SELECT version, storage_version FROM xj._release").fetchone() == (VERSION, STORAGE_VERSION)
    assert con.execute("SELECT count(*) FROM xj.places").fetchone()[0] == released["first"].manifest["tables"][
        "places"]
    with pytest.raises(duckdb.Error, match="read-only"):
        con.execute("CREATE TABLE xj.t (x INTEGER)")
    cli_path = shutil.which("duckdb", path=str(Path(sys.executable).parent))
    out = subprocess.run(
        [cli_path, "-csv", "-noheader", "-c",
         f"ATTACH '{path}' AS xj (READ_ONLY); SELECT version FROM xj._release; SELECT count(*) FROM xj.places;"],
        capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [VERSION, str(released["first"].manifest["tables"]["places"])]


def test_before_1_0_a_minor_bump_may_carry_breaking_changes():
    from xinjiang_pairing.release import covered_level

    assert covered_level((0, 1, 0), (0, 2, 0)) == "major"
    assert covered_level((0, 1, 0), (0, 1, 1)) == "patch"
    assert covered_level((1, 0, 0), (1, 1, 0)) == "minor"
    assert covered_level((0, 9, 0), (1, 0, 0)) == "major"


def test_release_of_the_publisher_carries_its_wheel(tmp_path, root, monkeypatch):
    """A repository with the Python package (src/, hatch_build.py) releases its wheel too: in
    dist/<version>/, in the manifest and in SHA256SUMS; it carries the release's DuckDB file. Once
    recorded, the version is rebuilt from its commit, wheel included, also from a relative path."""
    path = tmp_path / "publisher"
    path.mkdir()
    for name in FILES + ["hatch_build.py"]:
        shutil.copy(root / name, path / name)
    for name in FOLDERS:
        shutil.copytree(root / name, path / name)
    shutil.copytree(root / "src", path / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "Test")
    git(path, "config", "user.email", "test@example.org")
    version = xinjiang_pairing.__version__  # the package's version is the data's
    set_version(path, version)
    commit(path, "package")
    result = release(path)
    wheel = f"xinjiang_pairing_assistance-{version}-py3-none-any.whl"
    assert (result.folder / wheel).is_file()
    assert result.manifest["wheel"]["name"] == wheel
    assert wheel in [f["name"] for f in result.manifest["files"]]
    assert f"  {wheel}" in (result.folder / "SHA256SUMS").read_text()
    with zipfile.ZipFile(result.folder / wheel) as zf:
        assert "xinjiang_pairing/data/xinjiang-pairing-assistance.duckdb" in zf.namelist()
    commit(path, "record the release")
    monkeypatch.chdir(path)
    again = CliRunner().invoke(cli, ["release", "."])
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith(f"rebuilt {version} from its recorded commit to dist/{version}: ")
    assert (path / "dist" / version / wheel).is_file()
