"""Validate a data package: the descriptor, and every CSV against its Table Schema, keys and rules.

The data checks run in the engine (``engine.check``) as set-based DuckDB SQL over the CSVs, so every
failing cell is reported (not only the first) at close to the speed of loading the files; the
descriptor check runs beside them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from . import engine
from .package import PackageError, load_package
from .report import Report, package_problem


def validate_package(root: str | Path | None = None, *, today: dt.date | None = None,
                     descriptor: bool = True) -> Report:
    """Run every check and return the report. ``descriptor=False`` leaves out the descriptor check."""
    try:
        package = load_package(root)
    except PackageError as e:
        return Report(e.problems or [package_problem(str(e))])
    descriptor_check = engine.DescriptorCheck(package) if descriptor else None
    with engine.session(package) as con:
        report = engine.check(con, package, "main", today)
    if descriptor_check is not None:
        report.extend(descriptor_check.result())
    return report
