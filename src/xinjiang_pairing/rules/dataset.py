"""The rules of this dataset: where pairings go, how division codes nest, how sources, repeated
figures and quotes are kept. Each applies to any table with the columns it names."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

from .. import quotes
from ..package import Package, Resource
from ..quotes import NUMBER, UNITS, normalise
from ..report import Problem
from ..sql import ident, lit
from . import RowRule, row_rule, rows, scratch, table_rule
from .generic import ordered, single_self_keys

XINJIANG_PREFIX = "65"  # division codes of places in Xinjiang start with these digits
FIGURE_COLUMNS = ("amount", "value", "amount_usd_reported")  # checked against as_reported
CNY_PER_USD = (6.0, 8.5)  # plausible range of a reported CNY/USD conversion, 1997 to today

ACCESSED_AFTER_PUBLISHED = ordered("published_date", "accessed_date", "a page cannot be read before it was published",
                                   scope="dataset")


@row_rule("usd-conversion-plausible", "Plausible dollar conversions",
          f"a reported USD conversion of a CNY amount implies {CNY_PER_USD[0]} to {CNY_PER_USD[1]} yuan per dollar",
          needs=("amount", "currency", "amount_usd_reported"), scope="dataset")
def usd_conversion_plausible(resource: Resource, today: dt.date) -> list[RowRule]:
    lo, hi = CNY_PER_USD
    return [RowRule(
        code="usd-conversion-plausible", description=usd_conversion_plausible.description,
        column="amount_usd_reported",
        passes=f"currency <> 'CNY' OR amount / nullif(amount_usd_reported, 0) BETWEEN {lo} AND {hi}",
        message="'the reported dollar figure implies ' || "
        "CAST(round(amount / nullif(amount_usd_reported, 0), 2) AS VARCHAR) || "
        f"' yuan per dollar, outside {lo} to {hi} (a million/billion slip?)'",
    )]


@row_rule("derived-says-why", "Derived rows say why", "a row with basis = derived explains in notes how it was derived",
          needs=("basis", "notes"), scope="dataset")
def derived_says_why(resource: Resource, today: dt.date) -> list[RowRule]:
    return [RowRule(
        code="derived-says-why", description=derived_says_why.description, column="notes",
        passes="basis <> 'derived' OR coalesce(notes, '') <> ''",
        message="'basis is derived but notes do not say how or why'",
    )]


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


@table_rule("adcode-parent", "Division codes nest", needs=("adcode",), scope="dataset")
def adcode_agrees_with_parent(con, package: Package, staged: dict[str, str], today) -> Iterator[Problem]:
    """A division code starts with the significant digits of its nearest coded ancestor's code."""
    for res in package.resources:
        if res.name not in staged or "adcode" not in res.field_names:
            continue
        t = staged[res.name]
        valid = res.field("adcode").constraints.get("pattern", "[0-9]+")  # malformed codes fail elsewhere
        for col, pk in single_self_keys(res):
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
            yield from rows(con, res, adcode_agrees_with_parent, sql)


@table_rule("adcode-name", "Division codes carry their official names", needs=("adcode", "name_zh"),
            scope="dataset")
def adcode_names_agree(con, package: Package, staged: dict[str, str], today) -> Iterator[Problem]:
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
            FROM {staged[res.name]} s JOIN {staged[ref.name]} r ON r.{ident(fk.ref_fields[0])} = s.adcode
            WHERE s.name_zh <> r.name_zh"""
            yield from rows(con, res, adcode_names_agree, sql)


@table_rule("defined-once", "Places and parties defined once",
            needs=("places.name_zh", "places.parent_place_id", "parties.name_zh"), scope="dataset")
def defined_once(con, package: Package, staged: dict[str, str], today) -> Iterator[Problem]:
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
              FROM {staged[res.name]} WHERE name_zh IS NOT NULL)
        WHERE row > first_row"""
        yield from rows(con, res, defined_once, sql)


def _region_sql(t: str) -> str:
    """place_id -> the code of the place itself or of its nearest coded ancestor."""
    return f"""
    SELECT place_id, adcode AS code FROM {t} WHERE adcode IS NOT NULL
    UNION ALL
    SELECT id, ancestor_code FROM ({_coded_ancestor_sql(t, 'place_id', 'parent_place_id')})
    WHERE id IN (SELECT place_id FROM {t} WHERE adcode IS NULL)"""


@table_rule("pairing-direction", "Pairings go into Xinjiang",
            needs=("pairings.recipient_place_id", "pairings.assisting_party_id", "places.adcode", "parties.place_id"),
            scope="dataset")
def pairings_go_into_xinjiang(con, package: Package, staged: dict[str, str], today) -> Iterator[Problem]:
    """A pairing goes from a party outside Xinjiang to a place inside it."""
    if not {"pairings", "places", "parties"} <= staged.keys():
        return
    res = package.resource("pairings")
    places, parties, pairings = (staged[n] for n in ("places", "parties", "pairings"))
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
    yield from rows(con, res, pairings_go_into_xinjiang, sql)


@table_rule("source-cited", "Every source cited", needs=("sources.source_id",), scope="dataset")
def every_source_cited(con, package: Package, staged: dict[str, str], today) -> Iterator[Problem]:
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
                refs.append(f"SELECT {ident(fk.fields[0])} AS id FROM {staged[res.name]}")
    if not refs:
        return
    sql = f"""
    SELECT s._row, 'source_id', s.source_id, 'the source ' || s.source_id || ' is not cited by any row'
    FROM {staged[src.name]} s WHERE s.source_id NOT IN ({' UNION ALL '.join(refs)})"""
    yield from rows(con, src, every_source_cited, sql)


@table_rule("same-as", "same_as points at the same figure", needs=("same_as", "source_id"), scope="dataset")
def same_as_points_at_same_figure(con, package: Package, staged: dict[str, str], today) -> Iterator[Problem]:
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
        t, k = staged[res.name], ident(res.primary_key[0])
        differs = " OR ".join(f"a.{ident(c)} IS DISTINCT FROM b.{ident(c)}" for c in same)
        what = " and ".join(same)
        sql = f"""
        SELECT a._row, 'same_as', a.same_as, CASE
            WHEN {differs} THEN 'same_as points at ' || a.same_as || ', whose {what} differ'
            WHEN a.source_id = b.source_id THEN 'same_as points at ' || a.same_as || ', from the same source'
            ELSE 'same_as points at ' || a.same_as || ', which is itself a repeat of ' || b.same_as END
        FROM {t} a JOIN {t} b ON b.{k} = a.same_as
        WHERE ({differs}) OR a.source_id = b.source_id OR b.same_as IS NOT NULL"""
        yield from rows(con, res, same_as_points_at_same_figure, sql)


# ----------------------------------------------------------------------------- quotes

# The numbers and units of ``quotes``, in SQL: a number and what is written right after it (maybe
# after spaces or one hyphen): a Chinese unit (the longest that fits: 120万千瓦 is 120万), or an English
# word, whose value is that of the unit it names (1 for any other word).
_CHINESE_UNITS = "|".join(u for u, _ in UNITS if not u.isascii())
NUMBER_WITH_WORD = rf"{NUMBER}(?:(?:\s*-\s*|\s*)(?:{_CHINESE_UNITS}|[a-zA-Z]+))?"
RELATIVE_TOLERANCE = 1e-9
UNIT_AT_END = r"[^0-9.\s-]*$"  # the unit of a figure (neither digits, point, spaces nor hyphen)


# What ``normalise`` does to a text of ASCII characters only (NFKC leaves those as they are), in SQL:
# whitespace as Python's str.split() reads it, collapsed and trimmed; commas between digits removed
# (twice: a pass leaves every other comma of "1,2,3"). Each step runs only on texts that need it
# (a cheap test first: most texts have single spaces and no comma).
_SPACE = r"[ \t\n\r\f\v\x1c-\x1f]+"
_ODD_SPACE = r"[\t\n\r\f\v\x1c-\x1f]|  |^ | $"


def _normalise_sql(col: str) -> str:
    spaced = (f"CASE WHEN regexp_matches({col}, {lit(_ODD_SPACE)}) "
              f"THEN trim(regexp_replace({col}, {lit(_SPACE)}, ' ', 'g'), ' ') ELSE {col} END")
    joined = spaced
    for _ in range(2):
        joined = f"regexp_replace({joined}, '([0-9]),([0-9])', '\\1\\2', 'g')"
    return f"CASE WHEN contains({col}, ',') THEN {joined} ELSE {spaced} END"


def _ascii(col: str) -> str:
    """True for a text of ASCII characters only (as many bytes as characters), or NULL."""
    return f"strlen(coalesce({col}, '')) = length(coalesce({col}, ''))"


def _safe_edge(char: str) -> str:
    """True for a character (or none) next to which a number cannot grow or change when the texts
    are normalised: ASCII other than digits, point and comma, or a Chinese character."""
    return f"({char} = '' OR regexp_full_match({char}, '[ -+\\-/:-~\\p{{Han}}]'))"


# as_reported found as it is in quote (``verbatim``: its wording is taken from the quote), at a
# place where no number of the quote runs into it (``whole``: its numbers are numbers of the quote)
VERBATIM = "quote IS NOT NULL AND contains(quote, as_reported)"
_AT = "instr(quote, as_reported)"
WHOLE = (f"{VERBATIM} AND ({_safe_edge('left(as_reported, 1)')} OR {_safe_edge(f'substring(quote, {_AT} - 1, 1)')})"
         f" AND ({_safe_edge('right(as_reported, 1)')} "
         f"OR {_safe_edge(f'substring(quote, {_AT} + length(as_reported), 1)')})")


def _quoted_rows(con, tables: list[Resource], staged: dict[str, str]) -> str:
    """The rows of ``tables`` with an as_reported and a quote (or with basis = stated), in one
    scratch table made once per run and shared by the quote rules: the table (``_t``, its place in
    ``tables``), the row number, as_reported normalised (``a``), quote normalised (``q``, left
    empty where as_reported is ``whole`` in it: nothing is left to compare), as_reported as
    written, ``verbatim``, ``stated`` and each table's figure columns (named ``<_t>:<column>``, so
    that each keeps its type). The tables are stacked first and the texts normalised once over
    all of them: one query to plan, not one for each table. A row with an empty quote is left to
    the schema's ``required``, so that it is one clear problem. Texts of ASCII characters only are
    normalised in SQL; the others in Python (Unicode NFKC is not a DuckDB function)."""
    name, exists = scratch(con, "quoted_" + "_".join(r.name for r in tables))
    if exists:
        return name

    def picked(k: int, res: Resource) -> str:
        stated = "basis = 'stated'" if "basis" in res.field_names else "FALSE"
        extras = "".join(f", {ident(c)} AS {ident(f'{k}:{c}')}" for c in _figures(res))
        return (f"SELECT {k} AS _t, _row, as_reported, quote, coalesce({stated}, FALSE) AS stated{extras} "
                f"FROM {staged[res.name]} WHERE as_reported IS NOT NULL AND (quote IS NOT NULL OR {stated})")

    stacked = " UNION ALL BY NAME ".join(picked(k, res) for k, res in enumerate(tables))
    figures = [f"{k}:{c}" for k, res in enumerate(tables) for c in _figures(res)]
    extras = "".join(f", {ident(c)}" for c in figures)
    plain = f"{_ascii('as_reported')} AND {_ascii('quote')}"
    flagged = f"SELECT *, coalesce({VERBATIM}, FALSE) AS verbatim, coalesce({WHOLE}, FALSE) AS whole FROM ({stacked})"
    con.execute(
        f"CREATE TEMP TABLE {name} AS SELECT _t, _row, {_normalise_sql('as_reported')} AS a, "
        f"CASE WHEN NOT whole THEN {_normalise_sql('quote')} END AS q, as_reported, verbatim, stated{extras} "
        f"FROM ({flagged}) WHERE {plain}"
    )
    found = con.execute(
        f"SELECT _t, _row, as_reported, CASE WHEN NOT whole THEN quote END, verbatim, stated{extras} "
        f"FROM ({flagged}) WHERE NOT ({plain})").fetchall()
    if found:
        columns = list(zip(*found, strict=True))
        names = ["_t", "_row", "a", "q", "as_reported", "verbatim", "stated", *figures]
        con.execute(
            f"INSERT INTO {name} BY NAME SELECT " + ", ".join(f"unnest(?) AS {ident(n)}" for n in names),
            [list(columns[0]), list(columns[1]), [normalise(t) for t in columns[2]],
             [None if t is None else normalise(t) for t in columns[3]], list(columns[2]),
             *[list(c) for c in columns[4:]]],
        )
    return name


def _figures(res: Resource) -> list[str]:
    return [c for c in FIGURE_COLUMNS if c in res.field_names]


def _over_quotes(con, package: Package, staged: dict[str, str], rule, query) -> Iterator[Problem]:
    """Problems from ``query(t)``, a query over the scratch table ``t`` of the quoting tables of
    ``staged`` returning (table, row, column, value, message), the table as its ``_t``."""
    tables = list(_quoting(package, staged))
    if not tables:
        return
    for k, row, column, value, message in con.execute(query(_quoted_rows(con, tables, staged))).fetchall():
        yield Problem(tables[k].rel_path, int(row), column, str(rule), message, value)


@table_rule("quote-has-reported-wording", "as_reported is taken from quote", needs=("as_reported", "quote"),
            scope="dataset", shares="quotes", per_table=True)
def quote_has_reported_wording(con, package: Package, staged: dict[str, str], today) -> Iterator[Problem]:
    """The wording of as_reported is taken from quote: it appears in quote as written, or, split
    at " ... " (or "…"), each part appears in quote (both compared after Unicode NFKC, with quotes
    made straight, whitespace collapsed and thousands separators removed)."""
    # most texts are one piece (no "..."): a plain test; the others are split
    yield from _over_quotes(con, package, staged, quote_has_reported_wording, lambda t: f"""
    SELECT _t, _row, 'as_reported', as_reported, 'the wording "' || a || '" of as_reported is not in quote'
    FROM {t} WHERE NOT verbatim AND q IS NOT NULL AND a <> '' AND NOT contains(a, '...')
    AND NOT contains(q, a)
    UNION ALL
    SELECT _t, _row, 'as_reported', as_reported,
           'the wording "' || missing[1] || '" of as_reported is not in quote'
    FROM (SELECT _t, _row, as_reported, list_filter(
              list_transform(string_split_regex(a, '\\s*\\.\\.\\.\\s*'), lambda x: trim(x)),
              lambda x: x <> '' AND NOT contains(q, x)) AS missing
          FROM {t} WHERE NOT verbatim AND q IS NOT NULL AND contains(a, '...'))
    WHERE len(missing) > 0""")


@table_rule("quote-has-reported-numbers", "Every number of as_reported is in quote", needs=("as_reported", "quote"),
            scope="dataset", shares="quotes", per_table=True)
def quote_has_reported_numbers(con, package: Package, staged: dict[str, str], today) -> Iterator[Problem]:
    """Every number in as_reported (digits with an optional decimal part, after the same
    normalising) appears as a number in quote."""
    # A text found whole in the quote that neither begins nor ends with a digit or a point has
    # its numbers in the quote as they are (no number of the quote runs into or out of it):
    # only the other rows are read number by number.
    yield from _over_quotes(con, package, staged, quote_has_reported_numbers, lambda t: f"""
    SELECT _t, _row, 'as_reported', as_reported, 'the number ' || n || ' in as_reported is not in quote'
    FROM (SELECT _t, _row, as_reported, unnest(regexp_extract_all(a, {lit(NUMBER)})) AS n,
                 regexp_extract_all(q, {lit(NUMBER)}) AS qs
          FROM {t} WHERE q IS NOT NULL
          AND NOT (contains(q, a) AND NOT regexp_matches(a, '^[0-9.]|[0-9.]$')))
    WHERE NOT list_contains(qs, n)  -- as written first; as a number (1.50 is 1.5) only if not
      AND NOT list_contains(list_transform(qs, lambda x: CAST(x AS DOUBLE)), CAST(n AS DOUBLE))""")


@table_rule("figure-matches-reported", "Figures are the reported numbers in full units",
            needs=("as_reported", "quote", "basis"), scope="dataset", shares="quotes", per_table=True)
def figure_matches_reported(con, package: Package, staged: dict[str, str], today) -> Iterator[Problem]:
    """On a stated row, amount (or value) and amount_usd_reported, where given, equal a figure of
    as_reported in full units, to a relative 10^-9: a number times the unit written right after it
    (亿 or 億 10^8, 万 or 萬 10^4, 万亿 10^12, 千万 10^7, 百万 10^6, trillion, billion, million,
    thousand, bn, mln or mn, also after a hyphen as in "70-million", after 多 or 余 as in "6500多万" or
    after the measure word 个 as in "2个亿";
    no unit: 1), a number word (two, 两) or a number in Chinese numerals (近百億 is 10^10)."""
    units = "MAP {" + ", ".join(f"{lit(u.lower())}: {v!r}" for u, v in UNITS) + "}"
    # every figure of as_reported in full units, as a list per row: its number, times the unit
    # that ends it (the text after the number and the gap; regexp_extract: ltrim by characters is
    # slower); a row without any number in as_reported has none and matches nothing
    figures_of = (f"list_transform(regexp_extract_all(a, {lit(NUMBER_WITH_WORD)}), lambda m: "
                  f"CAST(regexp_extract(m, '^[0-9.]+') AS DOUBLE) * "
                  f"coalesce({units}[lower(regexp_extract(m, {lit(UNIT_AT_END)}))], 1.0))")
    tables = list(_quoting(package, staged))
    for k, res in enumerate(tables):
        figures = _figures(res)
        if "basis" not in res.field_names or not figures:
            continue
        scratched = _quoted_rows(con, tables, staged)
        # this table's stated rows of the scratch table, its figure columns under their own names;
        # a figure is ok when it is missing, or finite and near a figure of as_reported
        own = ", ".join(f"{ident(f'{k}:{c}')} AS {ident(c)}" for c in figures)
        # a number too long for a DOUBLE reads as infinity, which is near nothing
        near = "isfinite(x) AND abs(x - {c}) <= " + repr(RELATIVE_TOLERANCE) + " * greatest(abs(x), abs({c}))"
        ok = ", ".join(
            f"{ident(c)} IS NULL OR (isfinite(CAST({ident(c)} AS DOUBLE)) AND "
            f"coalesce(list_bool_or(list_transform(xs, lambda x: {near.format(c=ident(c))})), FALSE)) "
            f"AS {ident('ok_' + c)}" for c in figures)
        rows_ok = (f"SELECT _row, as_reported, {', '.join(ident(c) for c in figures)}, {ok} FROM "
                   f"(SELECT _row, as_reported, {own}, {figures_of} AS xs FROM {scratched} "
                   f"WHERE _t = {k} AND stated AND a <> '')")
        failing = " AND ".join(ident("ok_" + c) for c in figures)
        checks = " UNION ALL ".join(f"""
            SELECT _row, {lit(c)} AS col, CAST({ident(c)} AS VARCHAR) AS value,
                   '{c} ' || CASE WHEN {ident(c)} = trunc({ident(c)}) AND abs({ident(c)}) < 1e18
                                  THEN CAST(CAST({ident(c)} AS HUGEINT) AS VARCHAR)
                                  ELSE CAST({ident(c)} AS VARCHAR) END ||
                   ' is not a number of as_reported (' || as_reported || ') in full units' AS message,
                   CAST({ident(c)} AS DOUBLE) AS figure, as_reported
            FROM failing WHERE NOT {ident('ok_' + c)}"""
            for c in figures)
        sql = f"WITH failing AS MATERIALIZED (SELECT * FROM ({rows_ok}) WHERE NOT ({failing})) {checks}"
        # SQL reads digits and the common units; the rows it cannot match are read again in Python,
        # which also knows traditional characters, 多/余, number words and Chinese numerals
        for row, column, value, message, figure, reported in con.execute(sql).fetchall():
            if not math.isfinite(figure) or not quotes.matches(figure, quotes.amounts(reported)):
                yield Problem(res.rel_path, int(row), column, str(figure_matches_reported), message, value)


def _quoting(package: Package, staged: dict[str, str]) -> Iterator[Resource]:
    """The checked tables that have as_reported and quote."""
    for res in package.resources:
        if res.name in staged and {"as_reported", "quote"} <= set(res.field_names):
            yield res
