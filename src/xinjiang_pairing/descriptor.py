"""The descriptor check: ``datapackage.json`` and its Table Schemas against the Data Package (v2)
profiles, by Frictionless, plus the properties this project requires of every release.

The engine runs it in a thread beside the data checks (``engine.DescriptorCheck``).
"""

from __future__ import annotations

from .package import Package
from .report import Problem, package_problem

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
        return [package_problem(note)]
    for err in errors:
        problems.append(package_problem(err.note or err.message))
    for key in REQUIRED_KEYS:
        if key not in package.descriptor:
            problems.append(package_problem(f"the descriptor has no '{key}'"))
    return problems
