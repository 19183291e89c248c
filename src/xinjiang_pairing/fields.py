"""The one home of the Table Schema vocabulary: every type and every constraint this project
understands is one entry of ``TYPES`` or ``CONSTRAINTS``, and a ``Field`` renders itself to every
target from those two tables:

- DuckDB: its column type and CHECK constraints (``sql_type``, ``column_sql``);
- the cell checks over the text of a CSV cell (``cell_checks``);
- Polars and Pandera: its dtype and checks (``polars_type``, ``pandera_column``);
- other clients: its pandas dtype and R column class (``pandas_dtype``, ``r_class``), for the typed
  reader and the snippets of the dataset README;
- the data dictionary: its constraints in words (``words``);
- ``diff``: a normalised form of its constraints (``normalised``), and which direction of a change
  is breaking (``constraint_changes``).

Every other module asks the field; none reads ``constraints`` or maps a type itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .pattern_edges import may_begin_or_end_with, may_contain
from .sql import ident, lit, quoted


@dataclass(frozen=True)
class Type:
    sql: str  # DuckDB type
    pattern: str | None  # the text of a valid value fully matches this (None: any text)
    words: str  # "<cell> is not <words>"
    polars: str  # Polars dtype name, with its arguments if any ("Decimal(38, 2)")
    parse: str = "cast"  # how Polars reads the text: "cast", "date" or "datetime"
    pandas: str = "str"  # pandas dtype ("date": parsed with parse_dates)
    r: str = "character"  # R's column class (read.csv's colClasses)
    invalid: str | None = None  # SQL condition over the typed value ({v}) and its text ({t}) that fails too
    unordered: str | None = None  # SQL condition over the typed value ({v}) that fails every bound (NaN)


TEXT = Type("VARCHAR", None, "text", "String")
TYPES = {
    "string": TEXT,
    "integer": Type("BIGINT", r"[-+]?[0-9]+", "an integer", "Int64", pandas="Int64", r="integer"),
    # the spec's special values NaN, INF and -INF (in any case) are numbers; a figure too large for
    # a double (1e309) is not: it would be stored as infinity
    "number": Type("DOUBLE", r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?|(?i:nan|-?inf)", "a number",
                   "Float64", pandas="Float64", r="numeric",
                   invalid="isinf({v}) AND NOT regexp_full_match({t}, '(?i:-?inf)')", unordered="isnan({v})"),
    "date": Type("DATE", r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "a date (YYYY-MM-DD)", "Date", "date", pandas="date",
                 r="Date", invalid="{v} < DATE '0001-01-01'"),
    "datetime": Type("TIMESTAMP", r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z?", "a date and time",
                     "Datetime", "datetime", pandas="date", r="POSIXct",
                     invalid="{v} < TIMESTAMP '0001-01-01 00:00:00'"),
    "boolean": Type("BOOLEAN", r"(true|false|True|False|TRUE|FALSE)", "true or false", "Boolean",
                    pandas="boolean", r="logical"),
    "year": Type("INTEGER", r"[0-9]{4}", "a year", "Int32", pandas="Int32", r="integer"),
}
# Money: a ``number`` field named ``amount`` or ``amount_<something>`` holds an amount of money, which
# is exact everywhere (DuckDB and Parquet DECIMAL, Polars Decimal), as a Table Schema number is a
# decimal number: never a binary float that rounds. At most 2 decimals (cents, fen), 36 digits; not
# NaN, INF or -INF, which a decimal cannot hold (a named difference from the spec, in docs/security.md).
MONEY = Type("DECIMAL(38, 2)", r"[-+]?([0-9]{1,36}(\.[0-9]{0,2})?|\.[0-9]{1,2})",
             "an amount of money (a number with at most 2 decimals)", "Decimal(38, 2)", pandas="Float64",
             r="numeric")
MONEY_NAME = re.compile(r"amount(_\w+)?")


def _number_or_text(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def show(value) -> str:
    """A constraint value as text: sets sorted, whole numbers without ".0"."""
    if isinstance(value, frozenset):
        return ", ".join(sorted(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class Constraint:
    """One Table Schema constraint, in every target. ``change``: how a change of its value is
    judged: "flag" (adding it tightens), "fewer" (fewer values tighten), "more" (more items
    tighten), "raise" (a higher value tightens), "lower" (a lower value tightens)."""

    key: str
    change: str
    words: Callable[[object], str]
    normal: Callable[[object], object] = _number_or_text
    check: Callable[[str, object], str] | None = None  # DDL CHECK condition over the typed column
    fails: Callable[[str, str, object], str] | None = None  # cell check: (text column, typed column, value)
    message: Callable[[str, object], str] | None = None  # SQL expression for its message
    pandera: Callable[[object], object] | None = None  # the Pandera check (pandera.polars imported)
    label: str = ""  # what a set change lists ("enum values", "check")
    bound: bool = False  # a bound of the typed value: a value the type cannot order (NaN) fails it


def _pa():
    import pandera.polars as pa

    return pa


def _bound(key: str, symbol: str, word: str, length: bool = False) -> Constraint:
    """A lower (≥, or > when exclusive) or upper (≤ or <) bound: of the typed value, or of the
    text's ``length``."""
    lower = symbol in ("≥", ">")
    ok, bad = {"≥": (">=", "<"), "≤": ("<=", ">"), ">": (">", "<="), "<": ("<", ">=")}[symbol]
    if length:
        return Constraint(
            key, "raise" if lower else "lower", lambda v: f"length {symbol} {v}",
            check=lambda col, v: f"length({col}) {ok} {int(v)}",
            fails=lambda col, typed, v: f"length({col}) {bad} {int(v)}",
            message=lambda col, v: f"'the value has ' || length({col}) || ' characters, {word} {int(v)}'",
            pandera=lambda v: _pa().Check.str_length(**{"min_value" if lower else "max_value": v}),
        )
    return Constraint(
        key, "raise" if lower else "lower", lambda v: f"{symbol} {v}",
        check=lambda col, v: f"{col} {ok} {lit(v)}",
        fails=lambda col, typed, v: f"{typed} {bad} {lit(v)}",
        message=lambda col, v: f"{quoted(col)} || ' is {word} ' || {lit(str(v))}",
        pandera=lambda v: getattr(_pa().Check, {"≥": "ge", "≤": "le", ">": "gt", "<": "lt"}[symbol])(v),
        bound=True,
    )


CONSTRAINTS = {c.key: c for c in [
    Constraint("required", "flag", lambda v: "required", normal=lambda v: True),
    Constraint("unique", "flag", lambda v: "unique", normal=lambda v: True),
    Constraint(
        "enum", "fewer", lambda v: "one of: " + ", ".join(f"`{x}`" for x in v),
        normal=lambda v: frozenset(str(x) for x in v),
        check=lambda col, v: f"{col} IN ({', '.join(lit(x) for x in v)})",
        fails=lambda col, typed, v: f"{col} IS NOT NULL AND {col} NOT IN ({', '.join(lit(str(x)) for x in v)})",
        message=lambda col, v: f"{quoted(col)} || ' is not one of the allowed values: ' || "
                               f"{lit(', '.join(str(x) for x in v))}",
        pandera=lambda v: _pa().Check.isin(v), label="enum values",
    ),
    Constraint(
        "pattern", "other", lambda v: f"pattern `{v}`", normal=str,
        check=lambda col, v: f"regexp_full_match({col}, {lit(v)})",
        fails=lambda col, typed, v: f"{col} IS NOT NULL AND NOT regexp_full_match({col}, {lit(v)})",
        message=lambda col, v: f"{quoted(col)} || ' does not match the pattern ' || {lit(v)}",
        pandera=lambda v: _pa().Check.str_matches("^(?:" + v.lstrip("^").rstrip("$") + ")$"),
    ),
    _bound("minimum", "≥", "below the minimum"),
    _bound("maximum", "≤", "above the maximum"),
    _bound("exclusiveMinimum", ">", "not above the exclusive minimum"),
    _bound("exclusiveMaximum", "<", "not below the exclusive maximum"),
    _bound("minLength", "≥", "shorter than", length=True),
    _bound("maxLength", "≤", "longer than", length=True),
    # not a Table Schema constraint: CHECK expressions of an old DuckDB file that no entry above reads
    Constraint("checks", "more", lambda v: "checks", normal=frozenset, label="check"),
]}
# the order in which the data dictionary states a field's constraints
WORDS_ORDER = ("enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
               "pattern")


@dataclass(frozen=True)
class CellCheck:
    column: str
    rule: str
    failing: str  # SQL condition over the text columns, true when the cell fails
    message: str  # SQL expression for the message
    first_pass: str | None = None  # a cheaper condition true at least for every failing cell (the row filter)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str = ""
    constraints: dict = field(default_factory=dict, hash=False, compare=False)
    in_key: bool = False  # part of the table's primary key
    is_key: bool = False  # the table's whole primary key

    @property
    def kind(self) -> Type:
        if self.type == "number" and MONEY_NAME.fullmatch(self.name):
            return MONEY
        return TYPES.get(self.type, TEXT)

    @property
    def pandas_dtype(self) -> str:
        """The pandas dtype of the column ("date": a column for ``parse_dates``)."""
        return self.kind.pandas

    @property
    def r_class(self) -> str:
        """R's column class for ``read.csv(colClasses = ...)``."""
        return self.kind.r

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))

    @property
    def not_null(self) -> bool:
        return self.required or self.in_key

    @property
    def unique(self) -> bool:
        """Unique beyond being the primary key."""
        return bool(self.constraints.get("unique")) and not self.is_key

    def _valued(self):
        """(constraint, value) for each constraint with a value check, in table order."""
        for key, c in CONSTRAINTS.items():
            if key in self.constraints and c.fails is not None:
                yield c, self.constraints[key]

    # DuckDB

    @property
    def sql_type(self) -> str:
        return self.kind.sql

    def cast(self, column: str | None = None) -> str:
        col = column or ident(self.name)
        return col if self.sql_type == "VARCHAR" else f"TRY_CAST({col} AS {self.sql_type})"

    def column_sql(self) -> str:
        """The column in CREATE TABLE: type, NOT NULL, UNIQUE and CHECK constraints."""
        col = ident(self.name)
        out = f"{col} {self.sql_type}"
        if self.not_null:
            out += " NOT NULL"
        if self.unique:
            out += " UNIQUE"
        for c, value in self._valued():
            out += f" CHECK ({c.check(col, value)})"
        return out

    def cell_checks(self) -> list[CellCheck]:
        """Checks of a cell's text (type and constraints), as SQL over the text columns."""
        col = ident(self.name)
        out = []
        if self.not_null:
            out.append(CellCheck(self.name, "required", f"{col} IS NULL", "'a value is required'"))
        typed, valid = col, "TRUE"
        if self.kind.pattern:
            typed = self.cast()
            invalid = f" OR {self.kind.invalid.format(v=typed, t=col)}" if self.kind.invalid else ""
            valid = f"NOT (NOT regexp_full_match({col}, {lit(self.kind.pattern)}) OR {typed} IS NULL{invalid})"
            out.append(CellCheck(
                self.name, "type-error", f"{col} IS NOT NULL AND NOT ({valid})",
                f"{quoted(col)} || ' is not {self.kind.words}'",
            ))
        for c, value in self._valued():
            fails, message, first_pass = c.fails(col, typed, value), c.message(col, value), None
            if c.bound:
                if self.kind.unordered:  # NaN fails every bound, as no comparison holds for it
                    unordered = self.kind.unordered.format(v=typed)
                    fails = f"{fails} OR {unordered}"
                    message = (f"CASE WHEN {unordered} THEN {quoted(col)} || ' (not a number) cannot meet the "
                               f"{c.key} ' || {lit(show(value))} ELSE {message} END")
                # a cell that is not of the type is reported as such, once
                first_pass, fails = fails, f"({fails}) AND {valid}"
            out.append(CellCheck(self.name, c.key, fails, message, first_pass))
        return out

    def may_begin_or_end_with(self, first: str, last: str) -> bool:
        """Whether a cell that passes its enum or pattern may begin with one of ``first`` or end
        with one of ``last`` (True when the field has neither)."""
        enum = self.constraints.get("enum")
        if enum is not None:
            texts = [str(v) for v in enum if str(v)]
            return any(t[0] in first or t[-1] in last for t in texts)
        pattern = self.constraints.get("pattern")
        return pattern is None or may_begin_or_end_with(pattern, first, last)

    def may_contain(self, chars: str) -> bool:
        """Whether a cell that passes its enum or pattern may hold one of ``chars`` (True when the
        field has neither)."""
        enum = self.constraints.get("enum")
        if enum is not None:
            return any(c in str(v) for v in enum for c in chars)
        pattern = self.constraints.get("pattern")
        return pattern is None or may_contain(pattern, chars)

    # Polars and Pandera

    def polars_type(self):
        import polars as pl

        name, _, args = self.kind.polars.partition("(")
        dtype = getattr(pl, name)
        return dtype(*(int(a) for a in args.rstrip(")").split(","))) if args else dtype

    def polars_read(self):
        """A Polars expression turning the text column into the field's type ("" stays missing
        only when the schema says so: the caller passes the missing values to the reader)."""
        import polars as pl

        col = pl.col(self.name)
        if self.kind.parse == "date":
            return col.str.to_date("%Y-%m-%d", strict=False).alias(self.name)
        if self.kind.parse == "datetime":
            return col.str.to_datetime(strict=False).alias(self.name)
        if self.kind is TEXT:
            return col
        return col.cast(self.polars_type(), strict=False).alias(self.name)

    def pandera_column(self):
        import pandera.polars as pa
        import polars as pl

        checks = [CONSTRAINTS[key].pandera(value) for key, value in self.constraints.items()
                  if key in CONSTRAINTS and CONSTRAINTS[key].pandera]
        if self.unique:  # unique among non-empty values, as in SQL
            checks.append(pa.Check(
                lambda data: data.lazyframe.select(pl.col(data.key).is_null() | ~pl.col(data.key).is_duplicated()),
                name="unique",
            ))
        return pa.Column(self.polars_type(), checks=checks, nullable=not self.not_null, unique=self.is_key,
                         description=self.description)

    # Documentation and comparison

    def words(self, references: list[str] = ()) -> list[str]:
        """The field's constraints in words, with the table's ``references`` of it (its foreign
        keys) after required and unique."""
        parts = ["primary key"] if self.in_key else []
        if self.required and not self.in_key:
            parts.append("required")
        if self.constraints.get("unique"):
            parts.append("unique")
        parts += references
        for key in WORDS_ORDER:
            if key in self.constraints:
                parts.append(CONSTRAINTS[key].words(self.constraints[key]))
        return parts

    def normalised(self) -> dict:
        """The constraints as the DuckDB file declares them, in comparable form."""
        out: dict = {}
        if self.not_null:
            out["required"] = True
        if self.unique:
            out["unique"] = True
        for c, value in self._valued():
            out[c.key] = c.normal(value)
        return out


def constraint_changes(old: dict, new: dict) -> list[tuple[bool, str]]:
    """(tighter?, description) for each difference between two normalised constraint sets."""
    out = []
    for key in sorted(set(old) | set(new)):
        o, n = old.get(key), new.get(key)
        if o == n:
            continue
        c = CONSTRAINTS.get(key)
        change = c.change if c else "other"
        if o is None:
            out.append((True, f"{key} added" + ("" if change == "flag" else f" ({show(n)})")))
        elif n is None:
            out.append((False, f"{key} removed"))
        elif change in ("fewer", "more"):
            tighter_side, looser_side = (o - n, n - o) if change == "fewer" else (n - o, o - n)
            verbs = ("removed", "added") if change == "fewer" else ("added", "removed")
            if tighter_side:
                out.append((True, f"{c.label} {verbs[0]}: {show(tighter_side)}"))
            if looser_side:
                out.append((False, f"{c.label} {verbs[1]}: {show(looser_side)}"))
        elif change in ("raise", "lower") and type(o) is type(n):
            higher = n > o
            word = "raised" if higher else "lowered"
            out.append((higher == (change == "raise"), f"{key} {word} ({show(o)} -> {show(n)})"))
        else:  # a pattern changed, or bounds that cannot be ordered: treat as tighter
            out.append((True, f"{key} changed ({show(o)} -> {show(n)})"))
    return out
