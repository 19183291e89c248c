"""Time each validator of `validate --all` (and of the release gate) on the real data package.

Prints, per validator, the median in-process time of N runs (default 5), run round-robin so that
each repetition runs every validator once, and the ratio to the project's engine. Imports are
done once before timing.

usage: python scripts/bench_validators.py [N]
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from xinjiang_pairing.gate import run_engine, run_frictionless, run_pandera

ROOT = Path(__file__).resolve().parent.parent


MARK = "<!-- validators: written by scripts/bench_validators.py -->"
DOC = ROOT / "docs" / "benchmarks.md"


def main(n: int) -> None:
    runs: dict[str, list[float]] = {"xinjiang-pairing": [], "frictionless": [], "pandera": []}
    versions = {}
    for _ in range(n):
        for fn in (run_engine, run_frictionless, run_pandera):
            result = fn(ROOT)
            assert result.valid, result.summary()
            runs[result.name].append(result.seconds)
            versions[result.name] = result.version
    base = statistics.median(runs["xinjiang-pairing"])
    print(f"real data package, median of {n} round-robin runs (in-process, imports excluded)")
    print(f"{'validator':<20} {'version':<10} {'median s':>9} {'min s':>7} {'max s':>7} {'x engine':>9}")
    rows = []
    for name, times in runs.items():
        med = statistics.median(times)
        print(f"{name:<20} {versions[name]:<10} {med:9.2f} {min(times):7.2f} {max(times):7.2f} {med / base:9.1f}")
        cells = (name, versions[name], f"{med:.2f}", f"{min(times):.2f}", f"{max(times):.2f}", f"{med / base:.1f}")
        rows.append("| " + " | ".join(cells) + " |")
    section = [
        MARK, "", "## Each validator on the real dataset (`validate --all`, the release gate)", "",
        f"In-process seconds (imports excluded), median of {n} round-robin runs on this machine; "
        "`python scripts/bench_validators.py` writes this section.", "",
        "| validator | version | median s | min s | max s | × engine |", "|---|---|---|---|---|---|", *rows, "",
    ]
    old = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    head = old[:old.index(MARK)] if MARK in old else old.rstrip("\n") + "\n\n"
    DOC.write_text(head + "\n".join(section), encoding="utf-8")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
