"""Small HTML helpers: escaping, bilingual names, the page shell with navigation and "how to cite"."""

from __future__ import annotations

import re
from decimal import Context, Decimal
from html import escape

NAV = [("index.html", "Home"), ("map.html", "Map"), ("parties/index.html", "Parties"),
       ("places/index.html", "Places"), ("sources/index.html", "Sources"), ("meetings/index.html", "Meetings"),
       ("tables/index.html", "Tables"), ("conflicts.html", "Conflicts"), ("sql.html", "SQL")]


def e(value) -> str:
    return "" if value is None else escape(str(value), quote=True)


def zh(text) -> str:
    return f'<span lang="zh-Hans" class="zh">{e(text)}</span>' if text else ""


def names(row: dict | None, en: str = "name_en", cn: str = "name_zh") -> str:
    if not row:
        return ""
    return f"{e(row.get(en))} {zh(row.get(cn))}".strip()


def plain_names(row: dict | None) -> str:
    if not row:
        return ""
    return " ".join(str(v) for v in (row.get("name_en"), row.get("name_zh")) if v)


def reliability(value) -> str:
    if not value:
        return ""
    return f'<span class="rel rel-{e(value)}" title="source reliability">{e(value)}</span>'


_WIDE = Context(prec=400)  # every digit of a DECIMAL(38) or of any float, with room to divide by 10^12


def _exact(value) -> Decimal:
    """The value as an exact decimal (a float as the shortest text that reads back as it)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def plain(value) -> str:
    """Every digit of the value as a plain decimal, without exponent or trailing zeros (never
    rounded): Decimal('170000000000.00') -> '170000000000', 1e-05 -> '0.00001'. The explorer's
    tables receive their numbers as this text."""
    if value is None:
        return ""
    v = _exact(value)
    if not v.is_finite():
        return str(v)
    v = abs(v) if v == 0 else v.normalize(_WIDE)  # -0.0 is 0
    return f"{v.quantize(1, context=_WIDE) if v == v.to_integral_value(context=_WIDE) else v:f}"


_PLAIN = re.compile(r"(-?)([0-9]+)(\.[0-9]+)?")
_THOUSANDS = re.compile(r"\B(?=(?:[0-9]{3})+(?![0-9]))")


def grouped(text: str) -> str:
    """A plain decimal with thousands separators in its whole part: '-1234567.891' ->
    '-1,234,567.891'; any other text unchanged. The explorer's tables (``table.js``) group the
    same text the same way."""
    m = _PLAIN.fullmatch(text)
    return f"{m[1]}{_THOUSANDS.sub(',', m[2])}{m[3] or ''}" if m else text


def number(value) -> str:
    """Every digit of the value, with thousands separators: 1234.5 -> '1,234.5' (never rounded)."""
    return grouped(plain(value))


def amount(value) -> str:
    """170000000000 -> '170 billion', 1234567890 -> '1.23456789 billion': a word for the size, and
    every digit of the value (never rounded); smaller numbers with thousands separators."""
    if value is None:
        return ""
    v = _exact(value)
    if v.is_finite():
        for size, word in ((10**12, "trillion"), (10**9, "billion"), (10**6, "million")):
            if abs(v) >= size:
                return f"{number(_WIDE.divide(v, size))} {word}"
    return number(v)


def table(headers: list[str], rows: list[list[str]], caption: str = "", numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f'<th scope="col">{h}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
                                    for i, c in enumerate(r)) + "</tr>" for r in rows)
    cap = f"<caption>{caption}</caption>" if caption else ""
    label = e(_strip(caption)) or "table"
    return (f'<div class="scroll" role="region" aria-label="{label}" tabindex="0"><table>{cap}<thead><tr>{head}'
            f"</tr></thead><tbody>{body}</tbody></table></div>")


def _strip(text: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", text or "")


def page(*, path: str, title: str, body: str, site: dict, scripts: tuple[str, ...] = (), head: str = "") -> str:
    """A whole page. ``path`` is the page's path inside the site (for relative links and citation)."""
    base = "../" * path.count("/")
    nav = "".join(
        f'<li><a href="{base}{href}"' + (' aria-current="page"' if href == path else "") + f">{label}</a></li>"
        for href, label in NAV)
    scripts_html = "".join(f'<script src="{base}{s}" defer></script>' for s in ("assets/site.js", *scripts))
    cite = (f'{e(site["authors"])}. <i>{e(site["title"])}</i>, version {e(site["version"])}. '
            f'<span class="cite-url">{e(path)}</span>.')
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(_strip(title))} · Pairing assistance to Xinjiang data</title>
<meta name="description" content="{e(site['description'])}">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{base}assets/site.css">
{head}{scripts_html}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><a class="brand" href="{base}index.html">Pairing assistance to Xinjiang
<span lang="zh-Hans">对口援疆</span> · data {e(site['version'])}</a>
<nav aria-label="Site"><ul>{nav}</ul></nav></header>
<main id="main">
<h1>{title}</h1>
{body}
</main>
<footer class="site"><div>
<h2>How to cite</h2>
<blockquote>{cite}</blockquote>
<p>For a figure, cite also the source its row names. Figures are recorded as reported, mostly by Chinese state
media; they overlap and are never to be added up. Data: <a href="https://creativecommons.org/licenses/by/4.0/">CC BY
4.0</a>; code: MIT. Built from release {e(site['version'])} of the data package.</p>
</div></footer>
</body>
</html>
"""
