"""The stock validators' verdicts, remembered for the same files: reused only for the same bytes,
day and code, kept only when the files did not change during the run, and never taken from a
record that is not a whole, well-formed result."""

import json

import pytest

from xinjiang_pairing import gate, remembered


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XINJIANG_PAIRING_CACHE", str(tmp_path / "cache"))


def remembered_run(root, day, run):
    return gate._remembered(gate.FRICTIONLESS, root, day, gate._environment(), run)


def counting(valid: bool = True, during=None):
    calls = []

    def run():
        calls.append(1)
        if during:
            during()
        return gate.ValidatorResult(gate.FRICTIONLESS, gate._version(gate.FRICTIONLESS), valid, 1.5,
                                    [] if valid else ["data/x.csv, row 2: bad [type-error]"])
    return run, calls


def test_a_verdict_is_reused_for_the_same_files_day_and_code_only(pkg, tmp_path, monkeypatch):
    run, calls = counting(valid=False)
    first = remembered_run(pkg.root, "2026-11-30", run)
    again = remembered_run(pkg.root, "2026-11-30", run)
    assert (first.remembered, again.remembered, len(calls)) == (False, True, 1)
    assert (again.valid, again.problems, again.seconds) == (first.valid, first.problems, first.seconds)
    assert not remembered_run(pkg.root, "2026-12-01", run).remembered  # another day
    pkg.edit("parties", {"party_id": "shaoxing"}, name_en="Shaoxing, edited")  # other bytes
    assert not remembered_run(pkg.root, "2026-11-30", run).remembered
    monkeypatch.setattr(remembered, "package_source", lambda: "other code")  # the project's code changed
    assert not remembered_run(pkg.root, "2026-11-30", run).remembered
    assert len(calls) == 4
    nothing = tmp_path / "nothing"  # a package that cannot be read: run every time, never kept
    nothing.mkdir()
    for _ in range(2):
        assert not remembered_run(nothing, "", run).remembered
    assert len(calls) == 6


def test_a_verdict_on_files_that_changed_during_the_run_is_not_kept(pkg):
    run, calls = counting(during=lambda: pkg.edit("parties", {"party_id": "shaoxing"}, name_en="Changed"))
    remembered_run(pkg.root, "", run)
    assert not remembered.folder(gate.KIND).exists() or not any(remembered.folder(gate.KIND).iterdir())


def test_a_damaged_record_is_not_trusted(pkg):
    run, calls = counting()
    remembered_run(pkg.root, "", run)
    [record] = remembered.folder(gate.KIND).iterdir()
    kept = json.loads(record.read_text(encoding="utf-8"))
    damaged = [{**kept, "valid": "yes"}, {**kept, "problems": "none"}, {**kept, "problems": [1]},
               {**kept, "seconds": None}, {**kept, "seconds": True}, {**kept, "name": 1}, {**kept, "extra": 1},
               {**kept, "seconds": "1.5"}, {k: v for k, v in kept.items() if k != "problems"}, [kept], "{",
               "[" * 100000]
    for record_text in damaged:
        record.write_text(record_text if isinstance(record_text, str) else json.dumps(record_text),
                          encoding="utf-8")
        result = remembered_run(pkg.root, "", run)
        assert (result.remembered, result.valid) == (False, True)
    assert len(calls) == 1 + len(damaged)


def test_the_environment_names_every_installed_distribution_and_its_version(tmp_path, monkeypatch):
    """Read from the names of the metadata folders (quick), it lists what importlib.metadata finds;
    a folder not named name-version is read, and another version changes the environment."""
    import re
    import sys
    from importlib import metadata

    def canonical(name: str) -> str:
        return re.sub(r"[-_.]+", "_", name).lower()

    def listed() -> set[tuple[str, str]]:
        out = set()
        for entry in gate._installed():
            name, version = entry.split("==") if "==" in entry else re.fullmatch(
                r"([^-]+)-([^-]+)\.(?:dist|egg)-info", entry).groups()
            out.add((canonical(name), version))
        return out

    assert listed() == {(canonical(d.metadata["Name"]), d.version) for d in metadata.distributions()}
    before = gate._environment()
    odd = tmp_path / "site" / "odd.egg-info"
    odd.mkdir(parents=True)
    (odd / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: odd-thing\nVersion: 1.2\n", encoding="utf-8")
    monkeypatch.setattr(sys, "path", [*sys.path, str(tmp_path / "site")])
    assert ("odd_thing", "1.2") in listed() and gate._environment() != before
    (odd / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: odd-thing\nVersion: 1.3\n", encoding="utf-8")
    assert ("odd_thing", "1.3") in listed()
