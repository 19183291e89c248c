"""Figures over time as SVG: one mark per reported figure (a dot for a date, a bar for a period),
never a sum. Each mark links to the figure's card on the same page."""

from __future__ import annotations

import math

from .html import amount, e

W, H, LEFT, RIGHT, TOP, BOTTOM = 640, 230, 78, 16, 14, 34
COLORS = {"primary": "#1d6b2f", "repost": "#b07000", "secondary": "#a61b1b"}


def year_of(text) -> int | None:
    s = str(text or "")
    return int(s[:4]) if len(s) >= 4 and s[:4].isdigit() else None


def span(row: dict, source: dict | None) -> tuple[int, int, bool] | None:
    """(first year, last year, dated by period) of a figure, or None if it has no date at all."""
    start, end = row.get("period_start_year"), row.get("period_end_year")
    if start is not None or end is not None:
        start = int(start if start is not None else end)
        end = int(end if end is not None else start)
        return start, end, True
    year = year_of(row.get("as_of_date")) or year_of((source or {}).get("published_date"))
    return (year, year, False) if year else None


def _ticks_log(lo: float, hi: float) -> list[float]:
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    return [10.0 ** k for k in range(a, b + 1)]


def _ticks_linear(hi: float) -> list[float]:
    if hi <= 0:
        return [0.0]
    step = 10 ** math.floor(math.log10(hi))
    for m in (1, 2, 5):
        if hi / (step * m) <= 5:
            step *= m
            break
    return [round(i * step, 12) for i in range(int(hi // step) + 2)]  # 0.6, not 0.6000000000000001


def timeline(marks: list[dict], unit: str, label: str) -> str:
    """``marks``: {id, anchor, start, end, value, text, reliability}. Returns a <figure> or ''."""
    marks = [m for m in marks if m["value"] is not None and m["start"] is not None]
    if not marks:
        return ""
    y0, y1 = min(m["start"] for m in marks), max(m["end"] for m in marks)
    x_lo, x_hi = y0 - 0.7, y1 + 0.7
    values = [float(m["value"]) for m in marks]
    positive = [v for v in values if v > 0]
    log = bool(positive) and len(positive) == len(values) and max(values) / min(values) >= 20
    if log:
        ticks = _ticks_log(min(values), max(values))
        lo, hi = math.log10(ticks[0]), math.log10(ticks[-1])
        if hi == lo:
            hi += 1

        def fy(v):
            return TOP + (H - TOP - BOTTOM) * (1 - (math.log10(v) - lo) / (hi - lo))
    else:
        ticks = _ticks_linear(max(values + [0]))
        top = ticks[-1] or 1

        def fy(v):
            return TOP + (H - TOP - BOTTOM) * (1 - v / top)

    def fx(year):
        return LEFT + (W - LEFT - RIGHT) * (year - x_lo) / (x_hi - x_lo)

    out = [f'<svg class="chart" viewBox="0 0 {W} {H}" xmlns="http://www.w3.org/2000/svg" '
           f'aria-label="{e(label)}: one mark per reported figure">',
           '<g font-size="11" fill="#444">']
    for t in ticks:
        y = fy(t)
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e3e3"/>'
                   f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{e(amount(t))}</text>')
    step = max(1, math.ceil((y1 - y0 + 1) / 10))
    for year in range(y0, y1 + 1, step):
        out.append(f'<text x="{fx(year):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">{year}</text>')
    out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{H - BOTTOM}" y2="{H - BOTTOM}" stroke="#888"/>')
    out.append(f'<text x="4" y="{TOP - 2}" font-size="11">{e(unit)}{" (log scale)" if log else ""}</text></g>')
    for m in marks:
        color = COLORS.get(m.get("reliability"), "#555")
        y = fy(float(m["value"]))
        text = e(m["text"])
        out.append(f'<a href="#{e(m["anchor"])}" aria-label="{text}"><title>{text}</title>')
        if m["end"] > m["start"]:
            out.append(f'<line x1="{fx(m["start"]):.1f}" x2="{fx(m["end"]):.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                       f'stroke="{color}" stroke-width="6" stroke-linecap="round" opacity=".8"/>')
        else:
            shape = "circle" if m.get("dated_by_period") else "rect"
            if shape == "circle":
                out.append(f'<circle cx="{fx(m["start"]):.1f}" cy="{y:.1f}" r="6" fill="{color}" opacity=".85"/>')
            else:
                out.append(f'<rect x="{fx(m["start"]) - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" '
                           f'fill="none" stroke="{color}" stroke-width="2.5"/>')
        out.append("</a>")
    out.append("</svg>")
    caption = (f"{e(label)}. Each mark is one reported figure: a bar spans the years it covers, a dot a single "
               "year, a square the date of the report when no period is given. Colour: the source's reliability "
               "(green primary, amber repost, red secondary). Figures overlap: never add them up.")
    return f'<figure>{"".join(out)}<figcaption>{caption}</figcaption></figure>'
