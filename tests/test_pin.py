"""Pinning a release with pip, as the README documents it, in a fresh virtual environment and offline:
the wheel by URL with its hash, and the git tag (a source install, which builds its DuckDB file), both
served from 127.0.0.1. The dependencies come from a folder of wheels repacked from this environment,
so nothing is downloaded."""

import functools
import hashlib
import json
import subprocess
import sys
import threading
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import distribution
from pathlib import Path

import pytest
from test_wheel import copy_project, fresh_venv

import xinjiang_pairing
from xinjiang_pairing.build import build
from xinjiang_pairing.release import write_wheel

pytestmark = pytest.mark.slow  # wheels built, a web server, pip in new virtual environments

RUNTIME = ["duckdb", "click"]
BUILD = ["hatchling", "packaging", "pathspec", "pluggy", "trove-classifiers", "duckdb"]


def repack(name: str, out: Path) -> Path:
    """A wheel of the installed distribution ``name``, made from its installed files."""
    dist = distribution(name)
    info = Path(dist._path)  # the .dist-info folder
    tag = next(line.split(": ", 1)[1] for line in (info / "WHEEL").read_text().splitlines() if line.startswith("Tag"))
    path = out / f"{dist.metadata['Name'].replace('-', '_')}-{dist.version}-{tag}.whl"
    site = info.parent
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:  # not compressed: quicker to write and read
        for file in dist.files:
            if file.parts[0] == ".." or "__pycache__" in file.parts:
                continue
            zf.write(site / file, file.as_posix())
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory, root):
    """A web root on 127.0.0.1: wheels/ (dependencies), dist/ (the release wheel), repo.git (a tag)."""
    web = tmp_path_factory.mktemp("web")
    (web / "wheels").mkdir()
    for name in dict.fromkeys(RUNTIME + BUILD):
        repack(name, web / "wheels")
    project = copy_project(root, tmp_path_factory.mktemp("pin") / "project")
    db = project / "release.duckdb"
    assert build(project, db, commit="test").report.valid
    (web / "dist").mkdir()
    wheel = write_wheel(project, db, web / "dist")
    db.unlink()
    git = functools.partial(subprocess.run, check=True, capture_output=True, cwd=project)
    git(["git", "init", "-q", "-b", "main"])
    git(["git", "add", "-A"])
    git(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-q", "-m", "release"])
    git(["git", "tag", f"v{xinjiang_pairing.__version__}"])
    git(["git", "clone", "-q", "--bare", str(project), str(web / "repo.git")])
    subprocess.run(["git", "update-server-info"], cwd=web / "repo.git", check=True)
    handler = functools.partial(Quiet, directory=str(web))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", wheel
    server.shutdown()


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def pip_install(python: Path, url: str, requirement: str) -> subprocess.CompletedProcess:
    """pip install into the environment of ``python`` (pip's --python), from the web root only."""
    return subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index", "--find-links",
         f"{url}/wheels/", "--no-cache-dir", "--disable-pip-version-check", "-q", requirement],
        capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(python.parents[1])},
    )


def use(python: Path) -> list:
    code = ("import json, xinjiang_pairing as xj; con = xj.connect(); "
            "print(json.dumps([xj.__version__, con.execute('SELECT version FROM _release').fetchone()[0], "
            "con.execute(\"SELECT assisting_province FROM pairings_named WHERE assisting_party_id = 'shenzhen' "
            "LIMIT 1\").fetchone()[0]]))")
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def installed(python: Path) -> tuple[list[str], int]:
    """The packages installed besides pip, and their size on disk in bytes."""
    code = ("import importlib.metadata as m, json; print(json.dumps([[d.metadata['Name'], "
            "sum((d.locate_file(f).stat().st_size for f in d.files or [] if d.locate_file(f).exists()))] "
            "for d in m.distributions() if d.metadata['Name'] not in ('pip', 'setuptools')]))")
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    found = json.loads(out.stdout)
    return sorted(n.lower() for n, _ in found), sum(s for _, s in found)


def test_pin_the_wheel_by_url_and_hash(served, tmp_path, root):
    url, wheel = served
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    python = fresh_venv(tmp_path / "venv")
    out = pip_install(python, url, f"xinjiang-pairing-assistance @ {url}/dist/{wheel.name}#sha256={digest}")
    assert out.returncode == 0, out.stderr
    version = xinjiang_pairing.__version__
    assert use(python) == [version, version, "Guangdong Province"]
    names, size = installed(python)
    assert names == ["click", "duckdb", "xinjiang-pairing-assistance"]
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert f"installs\n{len(names)} packages" in readme or f"installs {len(names)} packages" in readme
    megabytes = round(size / 1e6)
    print(f"installed: {names}, {megabytes} MB")
    assert any(f"{m} MB" in readme for m in range(megabytes - 5, megabytes + 6)), f"{megabytes} MB"


def test_a_wrong_hash_is_refused(served, tmp_path):
    url, wheel = served
    python = fresh_venv(tmp_path / "venv")
    out = pip_install(python, url, f"xinjiang-pairing-assistance @ {url}/dist/{wheel.name}#sha256={'0' * 64}")
    assert out.returncode != 0
    assert "hash" in out.stderr.lower()


def test_pin_the_git_tag_builds_from_source(served, tmp_path):
    url, _ = served
    python = fresh_venv(tmp_path / "venv")
    version = xinjiang_pairing.__version__
    out = pip_install(python, url, f"xinjiang-pairing-assistance @ git+{url}/repo.git@v{version}")
    assert out.returncode == 0, out.stderr
    assert use(python) == [version, version, "Guangdong Province"]
