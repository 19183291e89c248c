"""The descriptor check by Frictionless, run in a separate process beside the data checks."""

import json
import subprocess
import sys

from xinjiang_pairing.descriptor import start_check, validate_descriptor
from xinjiang_pairing.package import load_package


def break_contributors(pkg):
    text = (pkg.root / "datapackage.json").read_text()
    (pkg.root / "datapackage.json").write_text(text.replace('"contributors": [', '"contributors": "nobody", "x": ['))


def test_the_separate_process_reports_what_frictionless_reports(pkg):
    break_contributors(pkg)
    package = load_package(pkg.root)
    in_process = validate_descriptor(package)
    assert [p.message for p in in_process] == ["'nobody' is not of type 'array' at property 'contributors'"]
    assert start_check(package).result() == in_process


def test_a_valid_descriptor_has_no_problems(root):
    assert start_check(load_package(root)).result() == []


def test_module_prints_problems_as_json(pkg):
    break_contributors(pkg)
    out = subprocess.run([sys.executable, "-m", "xinjiang_pairing.descriptor", str(pkg.root)],
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [{
        "file": "datapackage.json", "row": 0, "column": "", "rule": "package-error",
        "message": "'nobody' is not of type 'array' at property 'contributors'", "value": None,
    }]


def fake_python(tmp_path, monkeypatch, script: str) -> None:
    """Let the check start a shell script instead of Python."""
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\n" + script)
    fake.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(fake))


def test_a_check_that_cannot_run_is_a_problem_not_a_pass(root, monkeypatch, tmp_path):
    fake_python(tmp_path, monkeypatch, "echo 'ModuleNotFoundError: No module named frictionless' >&2\nexit 1\n")
    problems = start_check(load_package(root)).result()
    assert [p.describe() for p in problems] == [
        "datapackage.json: the descriptor check failed: ModuleNotFoundError: No module named frictionless "
        "[package-error]"
    ]


def test_the_separate_process_imports_what_this_one_does(root, tmp_path):
    """The check runs the same code as the process that starts it, also when that code was found
    through sys.path rather than the environment."""
    import os
    import shutil

    import xinjiang_pairing

    copy = tmp_path / "src" / "xinjiang_pairing"
    shutil.copytree(xinjiang_pairing.__path__[0], copy)
    module = copy / "descriptor.py"
    module.write_text(module.read_text().replace(
        "    problems = []\n", '    problems = [Problem("datapackage.json", 0, "", "marker", "the copy ran")]\n', 1))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(copy.parent)!r}); "
         "from xinjiang_pairing.descriptor import start_check; from xinjiang_pairing.package import load_package; "
         f"print([p.rule for p in start_check(load_package({str(root)!r})).result()])"],
        capture_output=True, text=True, env=env,
    )
    assert out.stdout.strip() == "['marker']", out.stderr


def test_unreadable_output_is_a_problem(root, monkeypatch, tmp_path):
    fake_python(tmp_path, monkeypatch, "echo 'not json'\n")
    problems = start_check(load_package(root)).result()
    assert [p.rule for p in problems] == ["package-error"]
    assert problems[0].message.startswith("the descriptor check failed: Expecting value")
