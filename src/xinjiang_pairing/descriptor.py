"""The descriptor check: ``datapackage.json`` and its Table Schemas against the Data Package (v2)
profiles, by Frictionless, plus the properties this project requires of every release.

Frictionless takes most of a second to import and check, more than the data checks of the real
dataset, so ``remembered_check`` keeps each result in the user's cache folder (or
``XINJIANG_PAIRING_CACHE``), keyed by the descriptor, every Table Schema, the installed
Frictionless and the source of this package: an unchanged descriptor is not checked again. The
engine runs the check in a thread beside the data checks (``engine.DescriptorCheck``).
"""

from __future__ import annotations

import os
from dataclasses import asdict

from . import remembered
from .package import Package
from .profiles import V2_TABLE_SCHEMA, datapackage_version
from .report import Problem, package_problem

REQUIRED_KEYS = ("name", "title", "version", "licenses", "created", "contributors", "sources")
KIND = "descriptor-checks"  # the folder of remembered results


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
    from frictionless import Schema  # the schemas too: the package check does not read schema files

    # a schema checked alone is read as Data Package v1: give it the version of its package
    version = datapackage_version(package.descriptor)
    for res in package.resources:
        schema = res.schema
        if version == "v2" and isinstance(schema, dict) and "$schema" not in schema:
            schema = {"$schema": V2_TABLE_SCHEMA, **schema}
        try:
            schema_errors = Schema.validate_descriptor(schema).errors
        except Exception as e:  # noqa: BLE001 - a schema Frictionless cannot load
            schema_errors = [e]
        for err in schema_errors:
            note = getattr(err, "note", None) or getattr(err, "message", None) or str(err)
            problems.append(package_problem(f"the Table Schema of resource '{res.name}': {note}"))
    for key in REQUIRED_KEYS:
        if key not in package.descriptor:
            problems.append(package_problem(f"the descriptor has no '{key}'"))
    return problems


def _key(package: Package) -> str:
    from importlib.util import find_spec

    spec = find_spec("frictionless")  # which Frictionless, without importing it: its file and time
    frictionless = f"{spec.origin}:{os.stat(spec.origin).st_mtime_ns}" if spec and spec.origin else ""
    return remembered.digest(frictionless, remembered.package_source(), *remembered.definitions(package))


def remembered_check(package: Package) -> list[Problem]:
    """``validate_descriptor``, or its remembered result for the same descriptor and schemas."""
    key = _key(package)
    kept = remembered.recall(KIND, key)
    if isinstance(kept, list):
        problems = [remembered.as_instance(Problem, p) for p in kept]
        if None not in problems:
            return problems
    problems = validate_descriptor(package)
    remembered.keep(KIND, key, [asdict(p) for p in problems])
    return problems
