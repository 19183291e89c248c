"""Rules any data package with these column conventions can use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ..package import Package, Resource
from ..report import Problem
from ..sql import ident, lit
from . import RowRule, Rule, edge_regex, register, row_rule, rows, table_rule

FORMULA_CHARS = "=+@-"  # a text starting with one of these runs as a formula in spreadsheets
# every Unicode space (what str.isspace() says, as the Table Schema reads "whitespace") and the
# zero-width characters that paste in unseen
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "\u200b\u2060\ufeff"


def ordered(a: str, b: str, what: str, scope: str = "generic") -> Rule:
    """Register the rule "column a is not after column b"."""
    code = f"{a}<={b}"
    description = f"{a} is not after {b} ({what})"

    def make(resource: Resource, today: dt.date) -> list[RowRule]:
        return [RowRule(
            code=code, description=description, column=b, passes=f"{ident(a)} <= {ident(b)}",
            message=f"'{b} ' || CAST({ident(b)} AS VARCHAR) || ' is before {a} ' || CAST({ident(a)} AS VARCHAR)",
        )]

    return register(Rule(code, f"{a} before {b}", description, (a, b), scope, rows=make))


PERIOD_YEARS = ordered("period_start_year", "period_end_year", "a period cannot end before it starts")
YEARS = ordered("start_year", "end_year", "a period cannot end before it starts")
DATES = ordered("start_date", "end_date", "an event cannot end before it starts")


@row_rule("not-in-future", "No dates in the future", "dates are not after the day of the build")
def not_in_future(resource: Resource, today: dt.date) -> list[RowRule]:
    out = []
    for f in resource.fields:
        if f.type == "date":
            col = ident(f.name)
            out.append(RowRule(
                code="not-in-future", description=not_in_future.description, column=f.name,
                passes=f"{col} <= CAST({lit(today.isoformat())} AS DATE)",
                message=f"'the date ' || CAST({col} AS VARCHAR) || ' is after today ({today.isoformat()})'",
            ))
    return out


def _text_rule(code: str, title: str, description: str, message: str, first: str, last: str = "") -> Rule:
    def make(resource: Resource, today: dt.date) -> list[RowRule]:
        return [
            RowRule(
                code=code, description=description, column=f.name,
                passes=f"NOT ({ident(f.name)} ~ {lit(edge_regex(first, last))})",
                message=message.replace("{col}", ident(f.name)), first_chars=first, last_chars=last,
            )
            for f in resource.fields if f.type == "string"
        ]

    return register(Rule(code, title, description, (), "generic", rows=make))


NO_FORMULA = _text_rule(
    "no-formula", "No spreadsheet formulas", "text does not start with =, +, - or @ (spreadsheet formula injection)",
    "'the text starts with ' || left({col}, 1) || ', which spreadsheets run as a formula'", FORMULA_CHARS,
)
NO_STRAY_WHITESPACE = _text_rule(
    "no-stray-whitespace", "No stray whitespace", "text has no leading or trailing whitespace",
    "'the text starts or ends with whitespace'", WHITESPACE, WHITESPACE,
)


def single_self_keys(resource: Resource):
    """(column, key column) of each foreign key from one column to the table's own one-column key."""
    for fk in resource.foreign_keys:
        if fk.is_self and len(fk.fields) == 1 and len(resource.primary_key) == 1:
            yield fk.fields[0], resource.primary_key[0]


@table_rule("no-cycles", "No cycles of self references")
def no_cycles(con, package: Package, staged: dict[str, str], today) -> Iterator[Problem]:
    """Following self references (parent, same_as, conflicts_with, ..., in any mix) never leads
    back to the starting row."""
    for res in package.resources:
        if res.name not in staged:
            continue
        t = staged[res.name]
        selfs = list(single_self_keys(res))
        if not selfs:
            continue
        k = ident(selfs[0][1])
        edges = " UNION ALL ".join(
            f"SELECT {k} AS id, {lit(col)} AS via, {ident(col)} AS ref FROM {t} WHERE {ident(col)} IS NOT NULL"
            for col, _ in selfs
        )
        # Every row on a cycle is both referenced and referencing, so the walk keeps to such rows (in
        # a tree, that leaves little or nothing). UNION (not UNION ALL) keeps each (start, via, cur)
        # once, so the walk ends on any data.
        cycles = con.execute(f"""
        WITH RECURSIVE edges AS ({edges}),
        core AS (SELECT * FROM edges WHERE id IN (SELECT ref FROM edges) AND ref IN (SELECT id FROM edges)),
        walk(start, via, cur) AS (
            SELECT id, via, ref FROM core
            UNION
            SELECT w.start, w.via, e.ref FROM walk w JOIN core e ON e.id = w.cur WHERE w.cur <> w.start
        )
        SELECT DISTINCT start, via FROM walk WHERE cur = start""").fetchall()
        if not cycles:  # the usual case: no need to look the rows up in a large table
            continue
        for col in sorted({via for _, via in cycles}):
            starts = ", ".join(lit(start) for start, via in cycles if via == col)
            sql = f"""
            SELECT s._row, {lit(col)}, s.{ident(col)},
                   'following {col} from "' || s.{k} || '" leads back to it (a cycle)'
            FROM {t} s WHERE s.{k} IN ({starts})"""
            yield from rows(con, res, no_cycles, sql)
