"""The Python package pins the data: its wheel carries the data package and the DuckDB file of its
version. Built offline with hatchling from a copy of the project, installed into a fresh virtual
environment (dependencies from this one, through a .pth file), and used there."""

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from xinjiang_pairing import DB_FILE as DB_NAME
from xinjiang_pairing.build import build

pytestmark = pytest.mark.slow  # a wheel built and installed in a new virtual environment

PROJECT = ["pyproject.toml", "hatch_build.py", "README.md", "LICENSE", "datapackage.json"]


def build_wheel(project: Path) -> subprocess.CompletedProcess:
    code = "from hatchling.build import build_wheel; print(build_wheel('wheels'))"
    return subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True)


def copy_project(root: Path, path: Path) -> Path:
    """The files a wheel is built from: the Python package and the data package."""
    path.mkdir()
    for name in PROJECT:
        shutil.copy(root / name, path / name)
    for name in ("schemas", "data"):
        shutil.copytree(root / name, path / name)
    shutil.copytree(root / "src", path / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return path


def fresh_venv(path: Path) -> Path:
    """A new virtual environment with nothing installed (pip runs from outside it, with --python;
    installing pip into each one would take seconds)."""
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(path)], check=True)
    return path / "bin" / "python"


@pytest.fixture(scope="module")
def project(tmp_path_factory, root):
    return copy_project(root, tmp_path_factory.mktemp("wheel") / "project")


def test_a_source_build_builds_its_duckdb_file(project):
    out = build_wheel(project)  # no dist/ file: the hook checks the package and builds one
    assert out.returncode == 0, out.stderr
    wheel = project / "wheels" / out.stdout.strip().splitlines()[-1]
    with zipfile.ZipFile(wheel) as zf:
        assert f"xinjiang_pairing/data/{DB_NAME}" in zf.namelist()
    shutil.rmtree(project / "wheels")


def test_installed_wheel_serves_its_version(project, tmp_path):
    result = build(project, project / "dist" / DB_NAME)
    assert result.report.valid, result.report.to_text(5)
    out = build_wheel(project)
    assert out.returncode == 0, out.stderr
    wheel = project / "wheels" / out.stdout.strip().splitlines()[-1]
    version = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))["version"]
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    assert {f"xinjiang_pairing/data/{DB_NAME}", "xinjiang_pairing/data/datapackage.json",
            "xinjiang_pairing/data/data/funding.csv", "xinjiang_pairing/data/schemas/funding.json"} <= names

    venv = tmp_path / "venv"
    python = fresh_venv(venv)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-index", "--no-deps",
                    "--disable-pip-version-check", str(wheel)], check=True)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # duckdb and friends come from this environment, after the installed wheel
    (Path(site) / "test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    check = (
        "import duckdb, xinjiang_pairing\n"
        "from xinjiang_pairing.package import load_package\n"
        "con = xinjiang_pairing.connect()\n"
        "print(xinjiang_pairing.__file__)\n"
        "print(xinjiang_pairing.__version__)\n"
        "print(con.execute('SELECT version FROM _release').fetchone()[0])\n"
        "print(con.execute('SELECT count(*) FROM places').fetchone()[0] > 0)\n"
        "try:\n"
        "    con.execute('DELETE FROM meetings')\n"
        "except duckdb.Error as e:\n"
        "    print('read-only' in str(e))\n"
        "print(load_package(xinjiang_pairing.database_path().parent).version)\n"
    )
    out = subprocess.run([str(python), "-c", check], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    where, *rest = out.stdout.split()
    assert Path(where).is_relative_to(venv)
    assert rest == [version, version, "True", "True", version]
