"""Downloading a release by version, verified by checksum and cached, from a release folder served
on 127.0.0.1; and the commands' help, which must not load the heavy libraries."""

import functools
import http.server
import json
import subprocess
import sys
import threading

import duckdb
import pytest
from click.testing import CliRunner

import xinjiang_pairing
from xinjiang_pairing.artifacts import file_entries, file_name, sha256
from xinjiang_pairing.cli import cli
from xinjiang_pairing.download import DEFAULT_BASE_URL, FetchError, fetch, release_url

VERSION = "1.2.3"


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A folder laid out like dist/ (one release, 1.2.3), served over HTTP; ``requests`` lists the
    paths asked for. The cache is a fresh folder."""
    monkeypatch.setenv("XINJIANG_PAIRING_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "site" / VERSION
    folder.mkdir(parents=True)
    con = duckdb.connect(str(folder / file_name(VERSION, "duckdb")))
    con.execute("CREATE TABLE places AS SELECT 'kashgar' AS place_id")
    con.close()
    (folder / file_name(VERSION, "csv")).write_bytes(b"PK zip bytes")
    (folder / file_name(VERSION, "parquet:places")).write_bytes(b"PAR1 parquet bytes")
    manifest = {"name": "xinjiang-pairing-assistance", "version": VERSION,
                "files": file_entries(sorted(folder.iterdir()))}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=folder.parent))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield {"base": f"http://127.0.0.1:{server.server_port}", "folder": folder, "requests": requests,
           "cache": tmp_path / "cache" / VERSION}
    server.shutdown()
    server.server_close()


def test_download_is_verified_and_cached(site):
    name = file_name(VERSION, "duckdb")
    path = fetch(VERSION, base_url=site["base"])
    assert path == site["cache"] / name
    assert path.read_bytes() == (site["folder"] / name).read_bytes()
    assert site["requests"] == [f"/{VERSION}/manifest.json", f"/{VERSION}/{name}"]
    assert fetch(VERSION, base_url=site["base"]) == path
    assert len(site["requests"]) == 2  # the second call was served from the cache
    con = xinjiang_pairing.connect(path)
    assert con.execute("SELECT place_id FROM places").fetchall() == [("kashgar",)]
    with pytest.raises(duckdb.Error, match="read-only"):
        con.execute("DELETE FROM places")


def test_package_level_fetch_other_files_and_explicit_checksum(site):
    parquet = xinjiang_pairing.fetch(VERSION, base_url=site["base"], file="parquet:places")
    zipped = xinjiang_pairing.fetch(VERSION, base_url=site["base"], file="csv")  # called twice: still the function
    assert (parquet.read_bytes(), zipped.read_bytes()) == (b"PAR1 parquet bytes", b"PK zip bytes")
    digest = sha256(site["folder"] / file_name(VERSION, "duckdb"))
    path = fetch(VERSION, sha256=digest.upper(), base_url=site["base"])
    assert sha256(path) == digest
    assert site["requests"][-1] == f"/{VERSION}/{file_name(VERSION, 'duckdb')}"  # no manifest needed


def test_corrupted_file_is_refused(site):
    name = file_name(VERSION, "csv")
    expected = sha256(site["folder"] / name)
    (site["folder"] / name).write_bytes(b"tampered")
    with pytest.raises(FetchError) as e:
        fetch(VERSION, base_url=site["base"], file="csv")
    assert str(e.value) == (
        f"checksum mismatch for {site['base']}/{VERSION}/{name}: expected sha256 {expected}, "
        f"got {sha256(site['folder'] / name)}; the download was discarded"
    )
    assert not (site["cache"] / name).exists()


def test_wrong_explicit_checksum_is_refused_by_the_cli(site):
    name = file_name(VERSION, "duckdb")
    result = CliRunner().invoke(cli, ["fetch", VERSION, "--base-url", site["base"], "--sha256", "0" * 64])
    assert result.exit_code == 1
    assert result.stderr == (
        f"checksum mismatch for {site['base']}/{VERSION}/{name}: expected sha256 {'0' * 64}, "
        f"got {sha256(site['folder'] / name)}; the download was discarded\n"
    )
    assert "Traceback" not in result.output and not (site["cache"] / name).exists()


def test_missing_version_is_refused(site):
    with pytest.raises(FetchError, match="^release 9.9.9 not found at .*/9.9.9/manifest.json$"):
        fetch("9.9.9", base_url=site["base"])
    result = CliRunner().invoke(cli, ["fetch", "9.9.9", "--base-url", site["base"]])
    assert (result.exit_code, result.stderr) == (1, f"release 9.9.9 not found at {site['base']}/9.9.9/manifest.json\n")


def test_file_not_in_the_release(site):
    with pytest.raises(FetchError, match=f"^release {VERSION} has no file xinjiang-pairing-assistance-1.2.3-x.parquet"):
        fetch(VERSION, base_url=site["base"], file="parquet:x")


def test_cli_prints_the_local_path(site):
    result = CliRunner().invoke(cli, ["fetch", VERSION, "--base-url", site["base"], "--file", "parquet:places"])
    assert (result.exit_code, result.stdout) == (0, f"{site['cache'] / file_name(VERSION, 'parquet:places')}\n")


@pytest.mark.parametrize("args, message", [
    (["--file", "json"], "unknown release file 'json': use duckdb, csv, xlsx, wheel or parquet:<table>"),
    (["--sha256", "abc"], "not a SHA-256 checksum (64 hexadecimal digits): 'abc'"),
])
def test_cli_usage_errors(args, message):
    result = CliRunner().invoke(cli, ["fetch", VERSION, *args])
    assert result.exit_code == 2 and message in result.stderr


def test_url_layouts():
    name = file_name(VERSION, "duckdb")
    assert release_url(VERSION, name) == f"{DEFAULT_BASE_URL}/v{VERSION}/{name}"
    assert DEFAULT_BASE_URL.endswith("/releases/download")
    assert release_url(VERSION, name, "https://example.org/dist/") == f"https://example.org/dist/{VERSION}/{name}"


@pytest.mark.parametrize("command", [[], ["release"], ["diff"], ["fetch"]])
def test_help_loads_no_heavy_library(command):
    code = (
        "import sys\nfrom xinjiang_pairing.cli import cli\n"
        f"try:\n    cli({command + ['--help']!r})\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('duckdb', 'frictionless', 'pooch', 'requests') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "[]"


def test_list_and_latest_read_the_release_folder(site):
    """Versions sort as numbers (1.10.0 after 1.2.3); latest fetches the highest."""
    newer = site["folder"].parent / "1.10.0"
    newer.mkdir()
    con = duckdb.connect(str(newer / file_name("1.10.0", "duckdb")))
    con.execute("CREATE TABLE places AS SELECT 'hotan' AS place_id")
    con.close()
    (newer / "manifest.json").write_text(json.dumps(
        {"name": "xinjiang-pairing-assistance", "version": "1.10.0", "files": file_entries(sorted(newer.iterdir()))}))
    listed = CliRunner().invoke(cli, ["fetch", "--list", "--base-url", site["base"]])
    assert (listed.exit_code, listed.stdout) == (0, "1.2.3\n1.10.0\n")
    got = CliRunner().invoke(cli, ["fetch", "latest", "--base-url", site["base"]])
    assert got.exit_code == 0, got.output
    path = got.stdout.strip()
    assert path.endswith(file_name("1.10.0", "duckdb"))
    con = duckdb.connect(path, read_only=True)
    assert con.execute("SELECT place_id FROM places").fetchall() == [("hotan",)]
    con.close()


def test_the_command_prints_the_path_and_nothing_else(site):
    """As a process: stdout holds the path, stderr nothing on success and one line on failure (the
    download library's own log lines never show)."""
    command = [sys.executable, "-m", "xinjiang_pairing.cli", "fetch", "--base-url", site["base"]]
    done = subprocess.run([*command, VERSION], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{site['cache'] / file_name(VERSION, 'duckdb')}\n", "")
    missing = subprocess.run([*command, "9.9.9"], capture_output=True, text=True, timeout=120)
    assert (missing.returncode, missing.stdout) == (1, "")
    assert missing.stderr == f"release 9.9.9 not found at {site['base']}/9.9.9/manifest.json\n"
