"""The descriptor check by Frictionless, run in a thread of the same process beside the data checks."""

import subprocess

from xinjiang_pairing import engine
from xinjiang_pairing.descriptor import validate_descriptor
from xinjiang_pairing.package import load_package
from xinjiang_pairing.validate import validate_package


def break_contributors(pkg):
    text = (pkg.root / "datapackage.json").read_text()
    (pkg.root / "datapackage.json").write_text(text.replace('"contributors": [', '"contributors": "nobody", "x": ['))


def test_the_thread_reports_what_frictionless_reports(pkg):
    break_contributors(pkg)
    package = load_package(pkg.root)
    direct = validate_descriptor(package)
    assert [p.message for p in direct] == ["'nobody' is not of type 'array' at property 'contributors'"]
    assert engine.DescriptorCheck(package).result() == direct


def test_a_valid_descriptor_has_no_problems(root):
    assert engine.DescriptorCheck(load_package(root)).result() == []


def test_a_check_that_cannot_run_is_a_problem_not_a_pass(root, monkeypatch, tmp_path):
    import xinjiang_pairing.descriptor as d

    monkeypatch.setenv("XINJIANG_PAIRING_CACHE", str(tmp_path))
    def broken(package):
        raise ModuleNotFoundError("No module named 'frictionless'")

    monkeypatch.setattr(d, "validate_descriptor", broken)
    problems = engine.DescriptorCheck(load_package(root)).result()
    assert [p.describe() for p in problems] == [
        "datapackage.json: the descriptor check failed: No module named 'frictionless' [package-error]"
    ]


def test_validate_starts_no_other_process(root, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a process was started")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    assert validate_package(root).valid


def test_an_unchanged_descriptor_is_not_checked_again(pkg, monkeypatch, tmp_path):
    import xinjiang_pairing.descriptor as d

    monkeypatch.setenv("XINJIANG_PAIRING_CACHE", str(tmp_path))
    break_contributors(pkg)
    first = d.remembered_check(load_package(pkg.root))
    monkeypatch.setattr(d, "validate_descriptor", lambda package: [])
    assert d.remembered_check(load_package(pkg.root)) == first != []
    descriptor = pkg.root / "datapackage.json"
    descriptor.write_text(descriptor.read_text().replace('"contributors": "nobody"', '"contributors": "someone"'))
    assert d.remembered_check(load_package(pkg.root)) == []  # changed: checked again


def test_a_damaged_remembered_check_is_not_used(pkg, monkeypatch, tmp_path):
    import json

    import xinjiang_pairing.descriptor as d
    from xinjiang_pairing import remembered

    monkeypatch.setenv("XINJIANG_PAIRING_CACHE", str(tmp_path))
    break_contributors(pkg)
    first = d.remembered_check(load_package(pkg.root))
    [record] = remembered.folder(d.KIND).iterdir()
    kept = json.loads(record.read_text(encoding="utf-8"))
    monkeypatch.setattr(d, "validate_descriptor", lambda package: [])  # what a check run now gives
    for damaged in ([{**kept[0], "row": "x"}], [{**kept[0], "row": True}], [{**kept[0], "extra": 1}], {"a": 1}):
        record.write_text(json.dumps(damaged), encoding="utf-8")
        assert d.remembered_check(load_package(pkg.root)) == []  # checked again, not read back
    record.write_text(json.dumps(kept), encoding="utf-8")
    assert d.remembered_check(load_package(pkg.root)) == first
