"""Rules a Table Schema cannot express, each defined once.

Row rules are SQL conditions on one row (typed columns) that must hold; ``None`` counts as passing.
The same condition text runs in DuckDB (``validate``) and in Polars (``pandera_schemas``).
Table rules look across rows or tables and run in DuckDB.
A rule applies to every resource that has the columns it needs, so the rules serve any package
with this project's column conventions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .package import Field, Package, Resource
from .pattern_edges import may_begin_or_end_with
from .report import Problem
from .schema_sql import ident, lit, typed_view

XINJIANG_PREFIX = "65"  # division codes of places in Xinjiang start with these digits
CNY_PER_USD = (6.0, 8.5)  # plausible range of a reported CNY/USD conversion, 1997 to today
FORMULA_CHARS = "=+@-"  # a text starting with one of these runs as a formula in spreadsheets
WHITESPACE = " \t\n\r\f\v"


@dataclass(frozen=True)
class RowRule:
    name: str
    description: str
    column: str  # the column a failure is reported on
    passes: str  # SQL condition over the row's typed columns
    message: str  # SQL expression for the message
    first_chars: str = ""  # for a text rule "the text does not begin with any of first_chars
    last_chars: str = ""  # (or end with any of last_chars)": the characters

    @property
    def regex(self) -> str | None:
        """The text rule as one regular expression (DuckDB and Polars read it the same way)."""
        return _edge_regex(self.first_chars, self.last_chars) or None


_CLASS_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f", "\v": "\\v", "-": "\\-", "\\": "\\\\",
                  "]": "\\]", "^": "\\^", "[": "\\["}


def _char_class(chars: str) -> str:
    return "[" + "".join(_CLASS_ESCAPES.get(c, c) for c in chars) + "]"


def _edge_regex(first: str, last: str) -> str:
    """Matches a text that begins with one of ``first`` or ends with one of ``last``."""
    parts = [f"^{_char_class(first)}"] if first else []
    parts += [f"{_char_class(last)}$"] if last else []
    return "|".join(parts)


def _edges_ruled_out(f: Field, rule: RowRule) -> bool:
    """Whether the column's enum or pattern already keeps every valid cell clear of the rule's
    characters (so the rule cannot fail once the cell checks pass)."""
    enum = f.constraints.get("enum")
    if enum is not None:
        texts = [str(v) for v in enum if str(v)]
        return not any(t[0] in rule.first_chars or t[-1] in rule.last_chars for t in texts)
    pattern = f.constraints.get("pattern")
    return pattern is not None and not may_begin_or_end_with(pattern, rule.first_chars, rule.last_chars)


def _ordered(a: str, b: str, what: str) -> RowRule:
    return RowRule(
        name=f"{a}<={b}",
        description=f"{a} is not after {b} ({what})",
        column=b,
        passes=f"{ident(a)} <= {ident(b)}",
        message=f"'{b} ' || CAST({ident(b)} AS VARCHAR) || ' is before {a} ' || CAST({ident(a)} AS VARCHAR)",
    )


def _text_rules(f: Field) -> list[RowRule]:
    col = ident(f.name)

    def passes(first: str, last: str = "") -> str:
        return f"NOT ({col} ~ {lit(_edge_regex(first, last))})"

    return [
        RowRule(
            name="no-formula",
            description="text does not start with =, +, - or @ (spreadsheet formula injection)",
            column=f.name,
            passes=passes(FORMULA_CHARS),
            message="'the text starts with ' || left(" + col + ", 1) || ', which spreadsheets run as a formula'",
            first_chars=FORMULA_CHARS,
        ),
        RowRule(
            name="no-stray-whitespace",
            description="text has no leading or trailing whitespace",
            column=f.name,
            passes=passes(WHITESPACE, WHITESPACE),
            message="'the text starts or ends with whitespace'",
            first_chars=WHITESPACE,
            last_chars=WHITESPACE,
        ),
    ]


def row_rules(resource: Resource, today: dt.date, cells_passed: bool = False) -> list[RowRule]:
    """The row rules that apply to a resource, given its columns. With ``cells_passed`` (every cell
    is known to pass its type and constraint checks), text rules that a column's enum or pattern
    already guarantees are left out."""
    names = set(resource.field_names)
    out: list[RowRule] = []
    for a, b, what in (
        ("period_start_year", "period_end_year", "a period cannot end before it starts"),
        ("start_year", "end_year", "a period cannot end before it starts"),
        ("start_date", "end_date", "an event cannot end before it starts"),
        ("published_date", "accessed_date", "a page cannot be read before it was published"),
    ):
        if {a, b} <= names:
            out.append(_ordered(a, b, what))
    for f in resource.fields:
        col = ident(f.name)
        if f.type == "date":
            out.append(
                RowRule(
                    name="not-in-future",
                    description="dates are not after the day of the build",
                    column=f.name,
                    passes=f"{col} <= CAST({lit(today.isoformat())} AS DATE)",
                    message=f"'the date ' || CAST({col} AS VARCHAR) || ' is after today ({today.isoformat()})'",
                )
            )
        if f.type == "string":
            for rule in _text_rules(f):
                if not (cells_passed and _edges_ruled_out(f, rule)):
                    out.append(rule)
    if {"amount", "currency", "amount_usd_reported"} <= names:
        lo, hi = CNY_PER_USD
        out.append(
            RowRule(
                name="usd-conversion-plausible",
                description=f"a reported USD conversion of a CNY amount implies {lo} to {hi} yuan per dollar",
                column="amount_usd_reported",
                passes=f"currency <> 'CNY' OR amount / nullif(amount_usd_reported, 0) BETWEEN {lo} AND {hi}",
                message="'the reported dollar figure implies ' || "
                "CAST(round(amount / nullif(amount_usd_reported, 0), 2) AS VARCHAR) || "
                f"' yuan per dollar, outside {lo} to {hi} (a million/billion slip?)'",
            )
        )
    if {"basis", "notes"} <= names:
        out.append(
            RowRule(
                name="derived-says-why",
                description="a row with basis = derived explains in notes how it was derived",
                column="notes",
                passes="basis <> 'derived' OR coalesce(notes, '') <> ''",
                message="'basis is derived but notes do not say how or why'",
            )
        )
    return out


# ----------------------------------------------------------------------------- table rules

TableRule = Callable[[object, Package, set, dt.date], Iterator[Problem]]
TABLE_RULES: list[TableRule] = []


def table_rule(fn: TableRule) -> TableRule:
    TABLE_RULES.append(fn)
    return fn


def _rows(con, resource: Resource, rule: str, sql: str) -> Iterator[Problem]:
    for row, column, value, message in con.execute(sql).fetchall():
        yield Problem(resource.rel_path, int(row), column, rule, message, value)


def _single_self_fks(resource: Resource):
    for fk in resource.foreign_keys:
        if fk.is_self and len(fk.fields) == 1 and len(resource.primary_key) == 1:
            yield fk.fields[0], resource.primary_key[0]


@table_rule
def no_cycles(con, package: Package, staged: set, today) -> Iterator[Problem]:
    """Following self references (parent, same_as, conflicts_with, ..., in any mix) never leads
    back to the starting row."""
    for res in package.resources:
        if res.name not in staged:
            continue
        t = typed_view(res)
        selfs = list(_single_self_fks(res))
        if not selfs:
            continue
        k = ident(selfs[0][1])
        edges = " UNION ALL ".join(
            f"SELECT {k} AS id, {lit(col)} AS via, {ident(col)} AS ref FROM {t} WHERE {ident(col)} IS NOT NULL"
            for col, _ in selfs
        )
        # UNION (not UNION ALL) keeps each (start, via, cur) once, so the walk ends on any data
        cycles = con.execute(f"""
        WITH RECURSIVE edges AS ({edges}),
        walk(start, via, cur) AS (
            SELECT id, via, ref FROM edges
            UNION
            SELECT w.start, w.via, e.ref FROM walk w JOIN edges e ON e.id = w.cur WHERE w.cur <> w.start
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
            yield from _rows(con, res, "no-cycles", sql)


def _coded_ancestor_sql(t: str, pk: str, parent: str) -> str:
    """For each row: the nearest strict ancestor that has an adcode."""
    k, p = ident(pk), ident(parent)
    return f"""
    WITH RECURSIVE up(start, cur, depth) AS (
        SELECT {k}, {p}, 1 FROM {t} WHERE {p} IS NOT NULL
        UNION ALL
        SELECT u.start, s.{p}, u.depth + 1 FROM up u JOIN {t} s ON s.{k} = u.cur
        WHERE s.adcode IS NULL AND s.{p} IS NOT NULL AND u.depth < 64
    )
    SELECT u.start AS id, a.adcode AS ancestor_code, a.{k} AS ancestor_id
    FROM up u JOIN {t} a ON a.{k} = u.cur WHERE a.adcode IS NOT NULL"""


@table_rule
def adcode_agrees_with_parent(con, package: Package, staged: set, today) -> Iterator[Problem]:
    """A division code starts with the significant digits of its nearest coded ancestor's code."""
    for res in package.resources:
        if res.name not in staged or "adcode" not in res.field_names:
            continue
        t = typed_view(res)
        valid = res.field("adcode").constraints.get("pattern", "[0-9]+")  # malformed codes fail elsewhere
        for col, pk in _single_self_fks(res):
            if not col.startswith("parent"):
                continue
            sql = f"""
            WITH anc AS ({_coded_ancestor_sql(t, pk, col)})
            SELECT s._row, 'adcode', s.adcode,
                   'the code ' || s.adcode || ' does not fall under ' || anc.ancestor_code ||
                   ' of ' || anc.ancestor_id
            FROM {t} s JOIN anc ON anc.id = s.{ident(pk)}
            WHERE regexp_full_match(s.adcode, {lit(valid)}) AND (
                NOT starts_with(s.adcode, regexp_replace(anc.ancestor_code, '(00)+$', ''))
                OR s.adcode = anc.ancestor_code)"""
            yield from _rows(con, res, "adcode-parent", sql)


@table_rule
def adcode_names_agree(con, package: Package, staged: set, today) -> Iterator[Problem]:
    """A place's code exists in the official code list of the stated vintage under the same Chinese name."""
    for res in package.resources:
        if res.name not in staged or "name_zh" not in res.field_names:
            continue
        for fk in res.foreign_keys:
            if fk.fields != ("adcode",) or fk.resource not in staged:
                continue
            ref = package.resource(fk.resource)
            if "name_zh" not in ref.field_names:
                continue
            sql = f"""
            SELECT s._row, 'name_zh', s.name_zh,
                   'the name differs from the official name of ' || s.adcode || ' in {ref.name}: ' || r.name_zh
            FROM {typed_view(res)} s JOIN {typed_view(ref)} r ON r.{ident(fk.ref_fields[0])} = s.adcode
            WHERE s.name_zh <> r.name_zh"""
            yield from _rows(con, res, "adcode-name", sql)


@table_rule
def defined_once(con, package: Package, staged: set, today) -> Iterator[Problem]:
    """No place or party is defined twice under different ids: the same Chinese name under the same
    parent (places) or the same Chinese name (parties) means the same entity."""
    for name, keys in (("places", ("name_zh", "parent_place_id")), ("parties", ("name_zh",))):
        if name not in staged:
            continue
        res = package.resource(name)
        if not set(keys) <= set(res.field_names):
            continue
        cols = ", ".join(ident(k) for k in keys)
        pk = ident(res.primary_key[0])
        sql = f"""
        SELECT row, 'name_zh', name_zh, '"' || name_zh || '" is already defined as ' || first_id || ' (row ' ||
               first_row || ')'
        FROM (SELECT _row AS row, name_zh, min(_row) OVER (PARTITION BY {cols}) AS first_row,
                     first({pk}) OVER (PARTITION BY {cols} ORDER BY _row) AS first_id
              FROM {typed_view(res)} WHERE name_zh IS NOT NULL)
        WHERE row > first_row"""
        yield from _rows(con, res, "defined-once", sql)


def _region_sql(t: str) -> str:
    """place_id -> the code of the place itself or of its nearest coded ancestor."""
    return f"""
    SELECT place_id, adcode AS code FROM {t} WHERE adcode IS NOT NULL
    UNION ALL
    SELECT id, ancestor_code FROM ({_coded_ancestor_sql(t, 'place_id', 'parent_place_id')})
    WHERE id IN (SELECT place_id FROM {t} WHERE adcode IS NULL)"""


@table_rule
def pairings_go_into_xinjiang(con, package: Package, staged: set, today) -> Iterator[Problem]:
    """A pairing goes from a party outside Xinjiang to a place inside it."""
    if not {"pairings", "places", "parties"} <= staged:
        return
    res = package.resource("pairings")
    places, parties, pairings = (typed_view(package.resource(n)) for n in ("places", "parties", "pairings"))
    x = lit(XINJIANG_PREFIX)
    sql = f"""
    WITH region AS ({_region_sql(places)})
    SELECT p._row, 'recipient_place_id', p.recipient_place_id,
           'the recipient ' || p.recipient_place_id || ' is not a place in Xinjiang'
    FROM {pairings} p LEFT JOIN region r ON r.place_id = p.recipient_place_id
    WHERE p.recipient_place_id IS NOT NULL AND NOT starts_with(coalesce(r.code, ''), {x})
    UNION ALL
    SELECT p._row, 'assisting_party_id', p.assisting_party_id,
           'the assisting party ' || p.assisting_party_id || ' is in Xinjiang (' || q.place_id || ')'
    FROM {pairings} p JOIN {parties} q ON q.party_id = p.assisting_party_id
    JOIN region r ON r.place_id = q.place_id
    WHERE starts_with(r.code, {x})"""
    yield from _rows(con, res, "pairing-direction", sql)


@table_rule
def every_source_cited(con, package: Package, staged: set, today) -> Iterator[Problem]:
    """Every row of sources is cited by at least one row of another table."""
    if "sources" not in staged:
        return
    src = package.resource("sources")
    refs = []
    for res in package.resources:
        for fk in res.foreign_keys:
            if fk.resource == "sources" and len(fk.fields) == 1 and not fk.is_self:
                if res.name not in staged:
                    return  # a citing table could not be read: whether a source is cited is unknown
                refs.append(f"SELECT {ident(fk.fields[0])} AS id FROM {typed_view(res)}")
    if not refs:
        return
    sql = f"""
    SELECT s._row, 'source_id', s.source_id, 'the source ' || s.source_id || ' is not cited by any row'
    FROM {typed_view(src)} s WHERE s.source_id NOT IN ({' UNION ALL '.join(refs)})"""
    yield from _rows(con, src, "source-cited", sql)


@table_rule
def same_as_points_at_same_figure(con, package: Package, staged: set, today) -> Iterator[Problem]:
    """same_as points at the first report of the same figure: same amount (or value), another
    source, and a row that is not itself a repeat."""
    for res in package.resources:
        if res.name not in staged or "same_as" not in res.field_names or len(res.primary_key) != 1:
            continue
        names = set(res.field_names)
        if {"amount", "currency"} <= names:
            same = ["amount", "currency"]
        elif {"value", "indicator_id"} <= names:
            same = ["value", "indicator_id"]
        else:
            continue
        t, k = typed_view(res), ident(res.primary_key[0])
        differs = " OR ".join(f"a.{ident(c)} IS DISTINCT FROM b.{ident(c)}" for c in same)
        what = " and ".join(same)
        sql = f"""
        SELECT a._row, 'same_as', a.same_as, CASE
            WHEN {differs} THEN 'same_as points at ' || a.same_as || ', whose {what} differ'
            WHEN a.source_id = b.source_id THEN 'same_as points at ' || a.same_as || ', from the same source'
            ELSE 'same_as points at ' || a.same_as || ', which is itself a repeat of ' || b.same_as END
        FROM {t} a JOIN {t} b ON b.{k} = a.same_as
        WHERE ({differs}) OR a.source_id = b.source_id OR b.same_as IS NOT NULL"""
        yield from _rows(con, res, "same-as", sql)


def _first_pass(rules: list[RowRule]) -> str:
    """One condition true for every row that breaks any of the rules. Regular-expression rules on
    the same column are merged into one expression (text rules are most of the cost)."""
    regex: dict[str, list[str]] = {}
    others = []
    for rule in rules:
        if rule.regex:
            regex.setdefault(rule.column, []).append(rule.regex)
        else:
            others.append(f"NOT coalesce({rule.passes}, TRUE)")
    for column, patterns in regex.items():
        others.append(f"coalesce({ident(column)} ~ {lit('|'.join(patterns))}, FALSE)")
    return " OR ".join(others) or "FALSE"


def run_rules(con, package: Package, staged: set, today: dt.date, cells_passed: bool = False) -> list[Problem]:
    """Every row rule and table rule over the typed views of the ``staged`` tables."""
    problems: list[Problem] = []
    for res in package.resources:
        if res.name not in staged:
            continue
        rules = row_rules(res, today, cells_passed)
        if not rules:
            continue
        bad = f"badrows_{res.name}"
        con.execute(f"CREATE OR REPLACE TEMP TABLE {bad} AS SELECT * FROM {typed_view(res)} WHERE {_first_pass(rules)}")
        if con.execute(f"SELECT count(*) FROM {bad}").fetchone()[0]:
            queries = [
                f"SELECT _row, {lit(rule.column)}, CAST({ident(rule.column)} AS VARCHAR), {rule.message}, "
                f"{lit(rule.name)} FROM {bad} WHERE NOT coalesce({rule.passes}, TRUE)"
                for rule in rules
            ]
            for row, column, value, message, name in con.execute("\nUNION ALL\n".join(queries)).fetchall():
                problems.append(Problem(res.rel_path, int(row), column, name, message, value))
        con.execute(f"DROP TABLE {bad}")
    for fn in TABLE_RULES:
        problems.extend(fn(con, package, staged, today))
    return problems
