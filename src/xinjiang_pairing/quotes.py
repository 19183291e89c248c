"""Reading figures in text: what the quote rules need to compare ``as_reported``, ``quote`` and the
numbers of a row.

- ``normalise``: Unicode NFKC, straight quotes, one space for any run of whitespace, no comma
  between two digits (``1,700`` and ``1，700`` read as ``1700``). The quote rules do the same in
  SQL for texts of ASCII characters only; a test holds the two alike.
- ``fragments``: the bits of ``as_reported`` (``a ... b`` is two bits, each taken from the quote).
- ``numbers``: the numbers written with digits.
- ``amounts``: every value a figure of the text can stand for, in full units: a number, or a
  number times the unit written after it (``1.7 trillion``, ``72亿``, ``8.75万``, ``6500多万``,
  ``2个亿``), a number word (``two``, ``两``) or a number written in Chinese numerals (``近百億``,
  ``一千二百万``).
"""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans("“”„‟″‘’‚‛′「」", "\"\"\"\"\"\'\'\'\'\'\"\"")
_SEPARATOR = re.compile(r"(?<=[0-9]),(?=[0-9])")  # NFKC has made a full-width comma plain
NUMBER = r"[0-9]+(?:\.[0-9]+)?"  # a number as written, after normalising
_NUMBER = re.compile(NUMBER)
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)\s*")

# units written after a number, and what they multiply it by: longest first; 多/余/几 ("more
# than") and the measure word 个/個 (2个亿, "two hundred million") may stand between
UNITS = [
    ("万亿", 1e12), ("萬億", 1e12), ("万億", 1e12), ("千万", 1e7), ("千萬", 1e7), ("百万", 1e6), ("百萬", 1e6),
    ("亿", 1e8), ("億", 1e8), ("万", 1e4), ("萬", 1e4), ("千", 1e3),
    ("trillion", 1e12), ("billion", 1e9), ("million", 1e6), ("thousand", 1e3),
    ("bln", 1e9), ("bn", 1e9), ("mln", 1e6), ("mn", 1e6),
]
_AFTER_NUMBER = re.compile(
    r"(\d+(?:\.\d+)?)(?:\s*-?\s*[多余餘几幾]?\s*[个個]?\s*("
    + "|".join(re.escape(u) for u, _ in UNITS)
    + r")(?![a-z]))?",
    re.IGNORECASE,
)
_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_WORD = re.compile(r"\b(" + "|".join(_WORDS) + r")\b", re.IGNORECASE)

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_CN_RUN = re.compile("[" + "".join(_CN_DIGITS) + "".join(_CN_SMALL) + "".join(_CN_BIG) + "]+")


def normalise(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES)
    return _SEPARATOR.sub("", " ".join(text.split()))


def fragments(as_reported: str | None) -> list[str]:
    return [f for f in _ELLIPSIS.split(normalise(as_reported)) if f]


def numbers(text: str | None) -> list[str]:
    return _NUMBER.findall(normalise(text))


def chinese_numeral(run: str) -> int | None:
    """The value of a run of Chinese numerals (``一千二百万`` is 12000000, ``百億`` is 10000000000);
    None if the run is not a well-formed number."""
    total, section, digit = 0, 0, None
    for ch in run:
        if ch in _CN_DIGITS:
            if digit is not None:
                return None
            digit = _CN_DIGITS[ch]
        elif ch in _CN_SMALL:
            section += (1 if digit is None else digit) * _CN_SMALL[ch]
            digit = None
        else:  # 万, 亿
            unit = _CN_BIG[ch]
            value = section + (digit or 0)
            if value == 0:
                value = 1 if total == 0 else 0
            if total and total < unit:
                total = (total + value) * unit  # 万亿: a larger unit after a smaller one multiplies all
            else:
                total += value * unit
            section, digit = 0, None
    value = total + section + (digit or 0)
    return value or None


def amounts(text: str | None) -> set[float]:
    """Every value a figure written in ``text`` can stand for, in full units."""
    t = normalise(text)
    out: set[float] = set()
    units = dict((u.lower(), m) for u, m in UNITS)
    for m in _AFTER_NUMBER.finditer(t):
        n = float(m.group(1))
        out.add(n * units[m.group(2).lower()] if m.group(2) else n)
    for m in _WORD.finditer(t):
        out.add(float(_WORDS[m.group(1).lower()]))
    for m in _CN_RUN.finditer(t):
        if all(ch in _CN_BIG for ch in m.group(0)):
            continue  # a unit after digits (72亿), read above
        value = chinese_numeral(m.group(0))
        if value is not None:
            out.add(float(value))
    return out


def matches(value: float, candidates: set[float]) -> bool:
    return any(abs(value - c) <= 1e-9 * max(abs(value), 1.0) for c in candidates)
