"""The descriptor check: ``datapackage.json`` against the Data Package (v2) profile, by Frictionless.

Importing Frictionless and loading its profiles takes most of a second of pure Python, so the check
runs in a separate process beside the data checks (``start_check``): in a thread it would hold the
interpreter lock that the data checks need between their queries. ``python -m
xinjiang_pairing.descriptor PACKAGE`` prints the problems as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict

from .package import Package, PackageError, load_package
from .report import Problem

REQUIRED_KEYS = ("name", "title", "version", "licenses", "created", "contributors", "sources")


def validate_descriptor(package: Package) -> list[Problem]:
    """Check the descriptor against the Data Package (v2) profile with Frictionless."""
    from frictionless import Package as FPackage  # imported here: ~0.6 s

    problems = []
    try:
        report = FPackage.validate_descriptor(package.descriptor, basepath=str(package.root))
        errors = report.errors
    except Exception as e:  # a descriptor Frictionless cannot even load
        note = getattr(getattr(e, "error", None), "note", None) or str(e)
        return [Problem("datapackage.json", 0, "", "package-error", note)]
    for err in errors:
        problems.append(Problem("datapackage.json", 0, "", "package-error", err.note or err.message))
    for key in REQUIRED_KEYS:
        if key not in package.descriptor:
            problems.append(
                Problem("datapackage.json", 0, "", "package-error", f"the descriptor has no '{key}'")
            )
    return problems


class Check:
    """A descriptor check running in another process: ``result()`` waits for its problems,
    ``cancel()`` stops it."""

    def __init__(self, package: Package):
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # what this process imports
        self.problems: list[Problem] | None = None
        try:
            self.proc: subprocess.Popen | None = subprocess.Popen(
                [sys.executable, "-m", "xinjiang_pairing.descriptor", str(package.root)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env,
            )
        except OSError:  # no way to start a process here: check in this one
            self.proc = None
            self.problems = validate_descriptor(package)

    def result(self) -> list[Problem]:
        if self.problems is not None:
            return self.problems
        try:
            out, err = self.proc.communicate()
        except BaseException:
            self.cancel()
            raise
        try:
            if self.proc.returncode != 0:
                raise ValueError((err.strip().splitlines() or ["no output"])[-1])
            self.problems = [Problem(**p) for p in json.loads(out)]
        except (ValueError, TypeError) as e:
            self.problems = [Problem("datapackage.json", 0, "", "package-error", f"the descriptor check failed: {e}")]
        return self.problems

    def cancel(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def start_check(package: Package) -> Check:
    """Start the descriptor check in a separate process."""
    return Check(package)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        problems = validate_descriptor(load_package(argv[0] if argv else None))
    except PackageError as e:
        problems = [Problem("datapackage.json", 0, "", "package-error", str(e))]
    json.dump([asdict(p) for p in problems], sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
