"""Which characters can begin or end, or appear anywhere in, a text that fully matches a Table
Schema ``pattern`` (as DuckDB's regexp_full_match reads it).

Used to skip a text rule ("does not start with =", "no leading or trailing whitespace") on a column
whose pattern already rules the characters out, once every cell is known to match its pattern, and
to leave out of the count of commas and line breaks inside cells the columns that cannot hold one.
The answer errs on the safe side: whenever the pattern uses something this module does not follow
(flags, back references, look-arounds, a syntax Python cannot parse), it says "may".
"""

from __future__ import annotations

import re
from functools import lru_cache

try:  # the parser behind the re module (Python 3.11+)
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover - other Pythons: never skip a rule
    _c = _p = None

# What the classes mean to RE2, the engine of DuckDB's regexp_full_match (its \s leaves out \v,
# Python's does not), written so that Python's re reads them the same way.
_CATEGORY = {
    "CATEGORY_DIGIT": r"[0-9]",
    "CATEGORY_NOT_DIGIT": r"[^0-9]",
    "CATEGORY_SPACE": r"[\t\n\f\r ]",
    "CATEGORY_NOT_SPACE": r"[^\t\n\f\r ]",
    "CATEGORY_WORD": r"[0-9A-Za-z_]",
    "CATEGORY_NOT_WORD": r"[^0-9A-Za-z_]",
}


class _Unknown(Exception):
    pass


def _in_set(items, ch: str) -> bool:
    negate, hit = False, False
    for op, av in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            hit |= ord(ch) == av
        elif name == "RANGE":
            hit |= av[0] <= ord(ch) <= av[1]
        elif name == "CATEGORY" and str(av) in _CATEGORY:
            hit |= re.fullmatch(_CATEGORY[str(av)], ch) is not None
        else:
            raise _Unknown(name)
    return hit != negate


def _edge(seq, chars: str, last: bool) -> tuple[bool, bool]:
    """(can a match of ``seq`` begin (or end, if ``last``) with one of ``chars``, can it be empty)."""
    hits = False
    for op, av in reversed(list(seq)) if last else seq:
        name = str(op)
        if name == "LITERAL":
            h, nullable = chr(av) in chars, False
        elif name == "NOT_LITERAL":
            h, nullable = any(ord(ch) != av for ch in chars), False
        elif name == "ANY":
            h, nullable = bool(chars), False
        elif name == "IN":
            h, nullable = any(_in_set(av, ch) for ch in chars), False
        elif name == "SUBPATTERN":
            _group, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                raise _Unknown("flags")
            h, nullable = _edge(sub, chars, last)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            lo, _hi, sub = av
            h, inner = _edge(sub, chars, last)
            nullable = lo == 0 or inner
        elif name == "BRANCH":
            parts = [_edge(alt, chars, last) for alt in av[1]]
            h, nullable = any(p[0] for p in parts), any(p[1] for p in parts)
        elif name == "AT" and str(av) in ("AT_BEGINNING", "AT_BEGINNING_STRING", "AT_END", "AT_END_STRING"):
            h, nullable = False, True
        else:
            raise _Unknown(name)
        hits |= h
        if not nullable:
            return hits, False
    return hits, True


def _answer(pattern: str, question) -> bool:
    """``question(parsed)`` for the parsed pattern, or True (may) for what is not followed: flags,
    a POSIX class ([:space:] reads differently), a syntax Python cannot parse, an unknown node."""
    if _p is None or "[:" in pattern:
        return True
    try:
        parsed = _p.parse(pattern)
        if parsed.state.flags & ~(_c.SRE_FLAG_UNICODE):
            return True
        return question(parsed)
    except (_Unknown, re.error, RecursionError, ValueError, TypeError):
        return True


@lru_cache(maxsize=1024)
def may_begin_or_end_with(pattern: str, first: str, last: str) -> bool:
    """True unless no text that fully matches ``pattern`` begins with a character of ``first`` or
    ends with a character of ``last`` (any characters: RE2's classes \\d, \\s and \\w are ASCII, as
    written above, and literals and ranges compare code points)."""
    return _answer(pattern, lambda parsed: _edge(parsed, first, last=False)[0] or _edge(parsed, last, last=True)[0])


def _holds(seq, chars: str) -> bool:
    """Whether a match of ``seq`` can hold one of ``chars`` anywhere."""
    for op, av in seq:
        name = str(op)
        if name == "LITERAL":
            h = chr(av) in chars
        elif name == "NOT_LITERAL":
            h = any(ord(ch) != av for ch in chars)
        elif name == "ANY":
            h = bool(chars)
        elif name == "IN":
            h = any(_in_set(av, ch) for ch in chars)
        elif name == "SUBPATTERN":
            _group, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                raise _Unknown("flags")
            h = _holds(sub, chars)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            h = _holds(av[2], chars)
        elif name == "BRANCH":
            h = any(_holds(alt, chars) for alt in av[1])
        elif name == "AT" and str(av) in ("AT_BEGINNING", "AT_BEGINNING_STRING", "AT_END", "AT_END_STRING"):
            h = False
        else:
            raise _Unknown(name)
        if h:
            return True
    return False


@lru_cache(maxsize=1024)
def may_contain(pattern: str, chars: str) -> bool:
    """True unless no text that fully matches ``pattern`` holds a character of ``chars`` (read as
    ``may_begin_or_end_with`` reads patterns)."""
    return _answer(pattern, lambda parsed: _holds(parsed, chars))
