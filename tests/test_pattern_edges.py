"""Which characters can begin or end, or appear in, a text matching a pattern: exact on what it
follows, safe otherwise."""

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinjiang_pairing.pattern_edges import may_begin_or_end_with, may_contain
from xinjiang_pairing.rules.generic import FORMULA_CHARS, WHITESPACE

DUCKDB = duckdb.connect()

RULED_OUT = [
    r"^[a-z0-9]+(-[a-z0-9]+)*$",  # the id pattern of every table
    r"^[A-Z]{3}$",
    r"^[0-9]{6}([0-9]{6})?$",
    r"^\w+$",
    r"^(ab|cd)?x$",
]
POSSIBLE = [
    r"^.*$",  # anything
    r"^a|-b$",  # one branch may begin with -
    r"^(a)?-$",  # the optional group may be skipped
    r"^[^a]+$",  # a negated set
    r"^\d+\s$",  # ends with whitespace
    r"^https?://\S+$",  # to DuckDB (RE2), \S takes a vertical tab, which counts as whitespace here
    r"^[\w-]+$",  # - is in the set
    r"(?i)^[a-z]+$",  # flags are not followed: safe answer
    r"^[[:space:]]x$",  # a POSIX class reads differently elsewhere: safe answer
    r"^(a)\1$",  # a back reference is not followed: safe answer
    r"^\p{L}+$",  # Python cannot parse it: safe answer
]


@pytest.mark.parametrize("pattern", RULED_OUT)
def test_patterns_that_keep_texts_clear(pattern):
    assert not may_begin_or_end_with(pattern, FORMULA_CHARS + WHITESPACE, WHITESPACE)


@pytest.mark.parametrize("pattern", POSSIBLE)
def test_patterns_that_may_not(pattern):
    assert may_begin_or_end_with(pattern, FORMULA_CHARS + WHITESPACE, WHITESPACE)


def matching_texts(data, atoms: list[str], alphabet: str, clear) -> tuple[str, list[str]]:
    """A generated pattern of ``atoms`` and the texts DuckDB finds to match it (random texts of
    ``alphabet`` and one drawn from the pattern), or none if ``clear(pattern)`` is False."""
    quant = st.sampled_from(["", "?", "*", "+", "{2}"])
    parts = data.draw(st.lists(st.tuples(st.sampled_from(atoms), quant).map("".join), min_size=1, max_size=4))
    pattern = "^" + "".join(parts) + "$"
    if not clear(pattern):
        return pattern, []
    texts = data.draw(st.lists(st.text(alphabet=alphabet, max_size=6), min_size=20, max_size=40))
    texts.append(data.draw(st.from_regex(pattern, fullmatch=True)))
    return pattern, DUCKDB.execute("SELECT [t FOR t IN ? IF regexp_full_match(t, ?)]", [texts, pattern]).fetchone()[0]


@pytest.mark.slow  # 60 generated patterns
@settings(max_examples=60, deadline=None)
@given(st.data())
def test_never_says_clear_when_a_matching_text_is_not(data):
    """For generated patterns, every text that DuckDB finds to match must respect a "clear" answer."""
    atoms = ["a", "-", " ", "=", "[a-z]", "[^a]", r"\d", r"\s", r"\S", r"\w", ".", "[-x]", "(a|-)"]
    pattern, matching = matching_texts(data, atoms, "a-= x1_\t\v\n\u00a0",
                                       lambda p: not may_begin_or_end_with(p, FORMULA_CHARS + WHITESPACE, WHITESPACE))
    for text in matching:
        if text:
            assert text[0] not in FORMULA_CHARS + WHITESPACE and text[-1] not in WHITESPACE, (pattern, text)


BREAKS = ",\n\r"  # what the count of commas and line breaks inside cells looks for
WITHOUT_BREAKS = [*RULED_OUT, r"^a|-b$", r"^(a)?-$", r"^\d+ $"]
MAY_HOLD_BREAKS = [
    r"^.*$",  # anything
    r"^[^a]+$",  # a negated set
    r"^\d+\s$",  # \s holds a line break
    r"^\S+$",  # a comma is not whitespace
    r"^[a,]$",  # a comma in a set
    r"^a(,b)*$",  # a comma in a repeated group
    r"^(x|\n)$",  # a line break in one branch
    r"(?i)^[a-z]+$",  # flags are not followed: safe answer
    r"^[[:alpha:]]x$",  # a POSIX class reads differently elsewhere: safe answer
    r"^(a)\1$",  # a back reference is not followed: safe answer
    r"^\p{L}+$",  # Python cannot parse it: safe answer
]


@pytest.mark.parametrize("pattern", WITHOUT_BREAKS)
def test_patterns_whose_texts_hold_no_comma_or_line_break(pattern):
    assert not may_contain(pattern, BREAKS)


@pytest.mark.parametrize("pattern", MAY_HOLD_BREAKS)
def test_patterns_whose_texts_may_hold_one(pattern):
    assert may_contain(pattern, BREAKS)


@pytest.mark.slow  # 60 generated patterns
@settings(max_examples=60, deadline=None)
@given(st.data())
def test_never_says_none_when_a_matching_text_holds_one(data):
    """For generated patterns, no text that DuckDB finds to match holds a character ruled out."""
    atoms = ["a", ",", "\n", " ", "[a-z]", "[^a]", r"\d", r"\s", r"\S", r"\w", ".", "[,x]", "(a|,)"]
    pattern, matching = matching_texts(data, atoms, "a,\n\r x1_\t", lambda p: not may_contain(p, BREAKS))
    for text in matching:
        assert not set(text) & set(BREAKS), (pattern, text)
