"""Validation problems as values: where (file, row, column), which rule, and a sentence for a person."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    """One failing check. ``row`` is the line of the file where the row begins, the header being 1
    (the row's number as Frictionless counts it, unless a quoted cell before it spans lines); 0 =
    the whole file."""

    file: str
    row: int
    column: str
    rule: str
    message: str
    value: str | None = field(default=None, compare=False)

    def describe(self) -> str:
        where = self.file
        if self.row:
            where += f", row {self.row}"
        if self.column:
            where += f', column "{self.column}"'
        return f"{where}: {self.message} [{self.rule}]" if where else f"{self.message} [{self.rule}]"


def package_problem(message: str) -> Problem:
    """A problem of the descriptor or of the package as a whole."""
    return Problem("datapackage.json", 0, "", "package-error", message)


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    rows_checked: dict[str, int] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.problems

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems) -> None:
        self.problems.extend(problems)

    def sorted(self) -> list[Problem]:
        return sorted(set(self.problems))

    def to_text(self, limit: int | None = None) -> str:
        problems = self.sorted()
        tables = len(self.rows_checked)
        rows = sum(self.rows_checked.values())
        if not problems:
            return f"valid: {tables} tables, {rows} rows, no problems"
        shown = problems if limit is None else problems[:limit]
        lines = [p.describe() for p in shown]
        if len(shown) < len(problems):
            lines.append(f"... and {len(problems) - len(shown)} more (use --limit 0 to list all)")
        lines.append(f"invalid: {len(problems)} problem(s) in {tables} tables, {rows} rows")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "valid": self.valid,
            "rows_checked": self.rows_checked,
            "problems": [asdict(p) for p in self.sorted()],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
