"""The stock validators' verdicts, remembered for the same files: reused only under the same key,
and never from a record that is not a whole, well-formed result."""

import json

from xinjiang_pairing import gate, remembered


def counting(valid: bool):
    calls = []

    def run():
        calls.append(1)
        return gate.ValidatorResult(gate.FRICTIONLESS, gate._version(gate.FRICTIONLESS), valid, 1.5,
                                    [] if valid else ["data/x.csv, row 2: bad [type-error]"])
    return run, calls


def test_a_verdict_is_reused_for_the_same_files_and_day_only(tmp_path, monkeypatch):
    monkeypatch.setenv("XINJIANG_PAIRING_CACHE", str(tmp_path))
    run, calls = counting(False)
    first = gate._remembered(gate.FRICTIONLESS, "files-1", "2026-11-30", run)
    again = gate._remembered(gate.FRICTIONLESS, "files-1", "2026-11-30", run)
    assert (first.remembered, again.remembered, len(calls)) == (False, True, 1)
    assert (again.valid, again.problems, again.seconds) == (first.valid, first.problems, first.seconds)
    gate._remembered(gate.FRICTIONLESS, "files-2", "2026-11-30", run)  # other files
    gate._remembered(gate.FRICTIONLESS, "files-1", "2026-12-01", run)  # another day
    gate._remembered(gate.FRICTIONLESS, None, "", run)  # a package that cannot be read: never kept
    gate._remembered(gate.FRICTIONLESS, None, "", run)
    assert len(calls) == 5


def test_a_damaged_record_is_not_trusted(tmp_path, monkeypatch):
    monkeypatch.setenv("XINJIANG_PAIRING_CACHE", str(tmp_path))
    run, calls = counting(True)
    gate._remembered(gate.FRICTIONLESS, "files", "", run)
    [record] = remembered.folder(gate.KIND).iterdir()
    kept = json.loads(record.read_text(encoding="utf-8"))
    for damaged in ({**kept, "valid": "yes"}, {**kept, "problems": "none"}, {**kept, "extra": 1},
                    {k: v for k, v in kept.items() if k != "problems"}, [kept], "{"):
        record.write_text(damaged if isinstance(damaged, str) else json.dumps(damaged), encoding="utf-8")
        result = gate._remembered(gate.FRICTIONLESS, "files", "", run)
        assert (result.remembered, result.valid) == (False, True)
    assert len(calls) == 7
