"""The rule registry: every rule a Table Schema cannot express, with a code, a title, a
description and the columns it needs, and the runner that applies them.

- ``generic``: rules any package with these column conventions can use (periods that end after
  they start, no dates in the future, text safe in spreadsheets, no cycles of self references);
- ``dataset``: the rules of this dataset (pairing direction, division codes, sources, figures
  and their quotes).

A rule is either a row rule (an SQL condition on one row, over typed columns, that must hold;
``None`` counts as passing; the same text runs in DuckDB and in Polars) or a table rule (a
function that looks across rows or tables and yields problems). It applies to every table that
has the columns it needs, so adding one is one registration in ``generic`` or ``dataset``; the
engine, the data dictionary and the Pandera schemas find it here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from ..lanes import run_lanes
from ..package import Package, Resource
from ..report import Problem
from ..sql import ident, lit

TableCheck = Callable[[object, Package, dict[str, str], dt.date], Iterator[Problem]]
SCRATCH = "_rule_"  # temporary tables that table rules share within one run are named so (``scratch``)


@dataclass(frozen=True)
class RowRule:
    """A row rule as it applies to one table."""

    code: str
    description: str
    column: str  # the column a failure is reported on
    passes: str  # SQL condition over the row's typed columns
    message: str  # SQL expression for the message
    first_chars: str = ""  # for a text rule "the text does not begin with any of first_chars
    last_chars: str = ""  # (or end with any of last_chars)": the characters

    @property
    def regex(self) -> str | None:
        """The text rule as one regular expression (DuckDB and Polars read it the same way)."""
        return edge_regex(self.first_chars, self.last_chars) or None


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    description: str
    needs: tuple[str, ...]  # the columns a table needs for the rule ("table.column": a named table's)
    scope: str  # "generic" or "dataset"
    rows: Callable[[Resource, dt.date], list[RowRule]] | None = None
    table: TableCheck | None = None
    shares: str = ""  # table rules with the same name here share scratch tables: they run on one connection
    per_table: bool = False  # a table rule that may run on any part of the tables (see ``_parts``)

    def applies_to(self, resource: Resource) -> bool:
        return all("." in n or n in resource.field_names for n in self.needs)

    def __str__(self) -> str:
        return self.code


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    if rule.code in RULES:
        raise ValueError(f"rule {rule.code} is registered twice")
    RULES[rule.code] = rule
    return rule


def table_rule(code: str, title: str, needs: tuple[str, ...] = (), scope: str = "generic", shares: str = "",
               per_table: bool = False):
    """Register the decorated function as a table rule (its docstring is the description);
    the name it is bound to becomes the ``Rule``. Rules that make or read the same ``scratch``
    tables name one ``shares``; ``per_table``: the rule checks the tables it is given in ``staged``
    and nothing else, so that it can run on parts of them (``_parts``) side by side."""
    def wrap(fn: TableCheck) -> Rule:
        return register(Rule(code, title, " ".join((fn.__doc__ or title).split()), needs, scope, table=fn,
                             shares=shares, per_table=per_table))
    return wrap


def row_rule(code: str, title: str, description: str, needs: tuple[str, ...] = (), scope: str = "generic"):
    """Register the decorated function (resource, today) -> list[RowRule] as a row rule."""
    def wrap(fn: Callable[[Resource, dt.date], list[RowRule]]) -> Rule:
        return register(Rule(code, title, description, needs, scope, rows=fn))
    return wrap


# ----------------------------------------------------------------------------- text rules' regex

_CLASS_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f", "\v": "\\v", "-": "\\-", "\\": "\\\\",
                  "]": "\\]", "^": "\\^", "[": "\\["}


def _char_class(chars: str) -> str:
    return "[" + "".join(_CLASS_ESCAPES.get(c, c) for c in chars) + "]"


@lru_cache(maxsize=1024)
def edge_regex(first: str, last: str) -> str:
    """Matches a text that begins with one of ``first`` or ends with one of ``last``."""
    parts = [f"^{_char_class(first)}"] if first else []
    parts += [f"{_char_class(last)}$"] if last else []
    return "|".join(parts)


# ----------------------------------------------------------------------------- running

def row_rules(resource: Resource, today: dt.date, cells_passed: bool = False) -> list[RowRule]:
    """The row rules that apply to a resource, given its columns. With ``cells_passed`` (every cell
    is known to pass its type and constraint checks), text rules that a column's enum or pattern
    already guarantees are left out."""
    out: list[RowRule] = []
    for rule in RULES.values():
        if rule.rows is None or not rule.applies_to(resource):
            continue
        for r in rule.rows(resource, today):
            if cells_passed and r.regex and not resource.field(r.column).may_begin_or_end_with(
                    r.first_chars, r.last_chars):
                continue
            out.append(r)
    return out


def table_rules() -> list[Rule]:
    return [r for r in RULES.values() if r.table is not None]


def rows(con, resource: Resource, rule: Rule | str, sql: str) -> Iterator[Problem]:
    """Problems from a query returning (row, column, value, message)."""
    for row, column, value, message in con.execute(sql).fetchall():
        yield Problem(resource.rel_path, int(row), column, str(rule), message, value)


def _first_pass(rules: list[RowRule]) -> str:
    """One condition true for every row that breaks any of the rules. Text rules on the same
    column become one test of the text's first and last characters: is it among the characters
    (``contains`` on a string of them; a whole character found in whole characters), which reads
    two characters where a regular expression ending in ``$`` reads the whole text (text rules are
    most of the cost), and plans in a fraction of the time of ``ord(...) IN (...)`` lists; the
    rules' own conditions then find which rule it was."""
    edges: dict[str, tuple[set[str], set[str]]] = {}
    others = []
    for rule in rules:
        if rule.regex:
            first, last = edges.setdefault(rule.column, (set(), set()))
            first.update(rule.first_chars)
            last.update(rule.last_chars)
        else:
            others.append(f"NOT coalesce({rule.passes}, TRUE)")
    for column, (first, last) in edges.items():
        col = ident(column)
        tests = [f"contains({lit(''.join(sorted(first)))}, left({col}, 1))"] if first else []
        tests += [f"contains({lit(''.join(sorted(last)))}, right({col}, 1))"] if last else []
        others.append(f"coalesce({col} <> '' AND ({' OR '.join(tests)}), FALSE)")  # contains(x, '') is true
    return " OR ".join(others) or "FALSE"


_made: dict[int, set[str]] = {}  # the scratch tables made on each connection (by id) in this run


def scratch(con, name: str) -> tuple[str, bool]:
    """The temporary table ``name`` that several table rules of one run share (made by the first
    that needs it: rules that share one name the same ``shares``, and run on one connection),
    quoted, and whether it was made already. It goes with the connection."""
    table = SCRATCH + name
    made = _made.setdefault(id(con), set())
    exists = table in made
    made.add(table)
    return ident(table), exists


def run_rules(con, package: Package, staged: dict[str, str], today: dt.date, clean: set = frozenset()
              ) -> list[Problem]:
    """Every row rule and table rule over the ``staged`` tables (name -> the relation of its typed
    columns and ``_row``, the line where the row begins; ``clean``: those whose every cell is
    known to pass its checks). The row rules and the table rules run two at a time, each on a
    connection of its own (``con.cursor()``), rules that share scratch tables one after the other
    on one (for each part of the tables apart, if they are ``per_table``: ``_parts``); the
    problems come in the order of the registry."""
    tasks = [lambda c: _row_problems(c, package, staged, today, clean)]
    lanes: dict[object, list[int]] = {0: [0]}  # tasks that must share a connection, in order
    for rule in table_rules():
        for part in _parts(rule, package, staged):
            key = (rule.shares, *part) if rule.shares else len(tasks)
            lanes.setdefault(key, []).append(len(tasks))
            tasks.append(lambda c, check=rule.table, part=part: check(c, package, part, today))

    def closing(cursor) -> None:
        _made.pop(id(cursor), None)  # its scratch tables go with the cursor

    found = run_lanes(con, [[lambda c, i=i: list(tasks[i](c)) for i in lane] for lane in lanes.values()], closing)
    by_task: dict[int, list[Problem]] = {}
    for lane, got in zip(lanes.values(), found, strict=True):
        by_task.update(zip(lane, got, strict=True))
    return [p for i in range(len(tasks)) for p in by_task[i]]


def _parts(rule: Rule, package: Package, staged: dict[str, str]) -> list[dict[str, str]]:
    """The parts of ``staged`` a table rule is given, each run on a lane of its own: all the tables,
    or for a ``per_table`` rule each large table alone (so that large tables are checked side by
    side) and the other tables it applies to together (one query for them all, not one each)."""
    if not rule.per_table:
        return [staged]
    from ..engine import is_large

    applying = {n: r for n, r in staged.items() if rule.applies_to(package.resource(n))}
    small = {n: r for n, r in applying.items() if not is_large(package.resource(n))}
    return [{n: r} for n, r in applying.items() if n not in small] + ([small] if small else [])


def _row_problems(con, package: Package, staged: dict[str, str], today: dt.date, clean: set) -> list[Problem]:
    problems: list[Problem] = []
    applying = {res.name: row_rules(res, today, res.name in clean) for res in package.resources if res.name in staged}
    first = {name: _first_pass(rules) for name, rules in applying.items() if rules}
    if first:  # which tables have a row that breaks a rule: one pass over each, in one query
        counts = " UNION ALL ".join(
            f"SELECT {lit(name)}, count(*) FROM {staged[name]} WHERE {cond}"
            for name, cond in first.items())
        failing = [name for name, n in con.execute(counts).fetchall() if n]
    else:
        failing = []
    ctes, queries = [], []  # the broken rules of those rows, in one query
    for name in failing:
        res = package.resource(name)
        bad = ident(f"badrows_{name}")
        ctes.append(f"{bad} AS MATERIALIZED (SELECT * FROM {staged[name]} WHERE {first[name]})")
        queries += [
            f"SELECT {lit(res.rel_path)}, _row, {lit(rule.column)}, CAST({ident(rule.column)} AS VARCHAR), "
            f"{rule.message}, {lit(rule.code)} FROM {bad} WHERE NOT coalesce({rule.passes}, TRUE)"
            for rule in applying[name]
        ]
    if queries:
        sql = "WITH " + ", ".join(ctes) + "\n" + "\nUNION ALL\n".join(queries)
        for file, row, column, value, message, code in con.execute(sql).fetchall():
            problems.append(Problem(file, int(row), column, code, message, value))
    return problems


# generic rules first, then this dataset's (the order of the data dictionary)
from . import generic  # noqa: E402,F401,I001
from . import dataset  # noqa: E402,F401,I001
