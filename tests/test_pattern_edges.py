"""Which characters can begin or end a text matching a pattern: exact on what it follows, safe otherwise."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinjiang_pairing.pattern_edges import may_begin_or_end_with
from xinjiang_pairing.rules import FORMULA_CHARS, WHITESPACE

RULED_OUT = [
    r"^[a-z0-9]+(-[a-z0-9]+)*$",  # the id pattern of every table
    r"^[A-Z]{3}$",
    r"^[0-9]{6}([0-9]{6})?$",
    r"^https?://\S+$",
    r"^\w+$",
    r"^(ab|cd)?x$",
]
POSSIBLE = [
    r"^.*$",  # anything
    r"^a|-b$",  # one branch may begin with -
    r"^(a)?-$",  # the optional group may be skipped
    r"^[^a]+$",  # a negated set
    r"^\d+\s$",  # ends with whitespace
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


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_never_says_clear_when_a_matching_text_is_not(data):
    """For generated patterns, every text that matches must respect a "clear" answer."""
    atom = st.sampled_from(["a", "-", " ", "=", "[a-z]", "[^a]", r"\d", r"\s", r"\w", ".", "[-x]", "(a|-)"])
    quant = st.sampled_from(["", "?", "*", "+", "{2}"])
    parts = data.draw(st.lists(st.tuples(atom, quant).map("".join), min_size=1, max_size=4))
    pattern = "^" + "".join(parts) + "$"
    if may_begin_or_end_with(pattern, FORMULA_CHARS + WHITESPACE, WHITESPACE):
        return
    text = data.draw(st.from_regex(pattern, fullmatch=True))
    assert re.fullmatch(pattern, text)
    if text:
        assert text[0] not in FORMULA_CHARS + WHITESPACE and text[-1] not in WHITESPACE, (pattern, text)
