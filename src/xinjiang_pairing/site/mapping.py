"""The map of Xinjiang coloured by assisting party: which party each county-level unit is paired
with (found by official division code through the places table), drawn as SVG for the explorer and
for ``docs/figures/``, and as PNG with matplotlib.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from .boundaries import LAT0, decode, load
from .boundaries import path as boundaries_path
from .data import SiteData

TOP_PARTY = "assisting-provinces-19"
MAIN_ROUND = "round-2010"
# 19 distinct colours (matplotlib's tab20 without its greys, plus a dark blue).
PALETTE = ["#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a", "#d62728", "#ff9896", "#9467bd",
           "#c5b0d5", "#8c564b", "#c49c94", "#e377c2", "#f7b6d2", "#bcbd22", "#dbdb8d", "#17becf", "#9edae5",
           "#393b79"]
# Fixed colours for the 19, chosen so that neighbours on the map differ; others take the palette.
PARTY_COLORS = {
    "beijing": "#1f77b4", "tianjin": "#9edae5", "anhui": "#ff9896", "shanghai": "#bcbd22", "shandong": "#f7b6d2",
    "guangdong": "#ff7f0e", "shenzhen": "#17becf", "jiangxi": "#8c564b", "jiangsu": "#c5b0d5",
    "zhejiang": "#393b79", "hebei": "#2ca02c", "hunan": "#9467bd", "henan": "#d62728", "fujian": "#ffbb78",
    "shanxi": "#dbdb8d", "liaoning": "#e377c2", "hubei": "#98df8a", "jilin": "#c49c94", "heilongjiang": "#aec7e8",
}
UNKNOWN_COLOR = "#bdbdbd"  # paired in a later round, assisting party not known
NONE_COLOR = "#f2f2f2"  # no pairing in the data
FINGERPRINT_COLUMNS = {"place_id", "name_en", "name_zh", "level", "parent_place_id", "adcode", "former_adcode",
                       "party_id", "parent_party_id", "pairing_id", "program_id", "assisting_party_id",
                       "recipient_place_id", "conflicts_with", "parent_pairing_id"}
WIDTH = 1000
MARGIN = 8


@dataclass
class Unit:
    code: str
    place: dict
    party_id: str | None  # the assisting province or municipality (one of the 19), or None
    pairing: dict | None  # the pairing the colour comes from
    via: dict | None  # the place that pairing names (the unit itself, its prefecture or XPCC division)
    note: str  # "", "unknown" (later round, party not known)
    polygons: list  # [[ring of (x, y)]] in map units
    xpcc: bool


@dataclass
class MapModel:
    units: list[Unit]
    parties: list[dict]  # the assisting parties shown, in legend order
    colors: dict[str, str]
    outline: list[list[tuple[float, float]]]  # arcs on Xinjiang's outer border
    prefecture_borders: list[list[tuple[float, float]]]  # arcs between prefecture-level units
    height: float
    metadata: dict
    paths: dict[str, str] = field(default_factory=dict, repr=False)  # SVG path data, made once per shape

    def unit_for_place(self, place_id: str) -> Unit | None:
        return next((u for u in self.units if u.place.get("place_id") == place_id), None)

    def path(self, key: str) -> str:
        """The SVG path data of a unit (by code), or of the "outline" or the "borders" (every map of
        the site draws the same shapes: each is written once)."""
        if key not in self.paths:
            if key == "outline":
                self.paths[key] = line_d(self.outline)
            elif key == "borders":
                self.paths[key] = line_d(self.prefecture_borders)
            else:
                unit = next(u for u in self.units if u.code == key)
                self.paths[key] = path_d([r for poly in unit.polygons for r in poly])
        return self.paths[key]


def _projector(arcs):
    k = math.cos(math.radians(LAT0))
    xs = [lon * k for a in arcs for lon, _ in a]
    ys = [lat for a in arcs for _, lat in a]
    x0, x1, y1 = min(xs), max(xs), max(ys)
    s = (WIDTH - 2 * MARGIN) / (x1 - x0)
    height = (y1 - min(ys)) * s + 2 * MARGIN

    def project(p):
        return (round((p[0] * k - x0) * s + MARGIN, 1), round((y1 - p[1]) * s + MARGIN, 1))

    return project, height


def party_colors(data: SiteData) -> tuple[list[dict], dict[str, str]]:
    top = sorted((p for p in data.rows("parties") if p.get("parent_party_id") == TOP_PARTY),
                 key=lambda p: p.get("name_en") or "")
    free = [c for c in PALETTE if c not in PARTY_COLORS.values()] or PALETTE
    colors = {}
    for i, p in enumerate(top):
        colors[p["party_id"]] = PARTY_COLORS.get(p["party_id"]) or free[i % len(free)]
    return top, colors


def _top_party(party_id: str | None, parties: dict[str, dict], top_ids: set[str]) -> str | None:
    seen = set()
    while party_id and party_id not in top_ids and party_id not in seen:
        seen.add(party_id)
        party_id = (parties.get(party_id) or {}).get("parent_party_id")
    return party_id if party_id in top_ids else None


def assign(data: SiteData, place: dict) -> tuple[str | None, dict | None, dict | None, str]:
    """(top party, pairing, the place it names, note) for a county-level place: its own pairing of the
    2010 round, else the one of its prefecture or XPCC division; else a later round's."""
    places = data.index("places", "place_id")
    parties = data.index("parties", "party_id")
    top_ids = {p["party_id"] for p in data.rows("parties") if p.get("parent_party_id") == TOP_PARTY}
    by_recipient: dict[str, list[dict]] = {}
    for row in data.rows("pairings"):
        by_recipient.setdefault(row.get("recipient_place_id"), []).append(row)
    later = None
    node, seen = place, set()
    while node and node["place_id"] not in seen:
        seen.add(node["place_id"])
        rows = sorted(by_recipient.get(node["place_id"], []), key=lambda r: (bool(r.get("conflicts_with")),
                                                                             bool(r.get("parent_pairing_id"))))
        for row in rows:
            party = _top_party(row.get("assisting_party_id"), parties, top_ids)
            if row.get("program_id") == MAIN_ROUND and party:
                return party, row, node, ""
            if later is None:
                later = (party, row, node, "" if party else "unknown")
        node = places.get(node.get("parent_place_id") or "")
    return later if later else (None, None, None, "")


def build_model(data: SiteData) -> MapModel:
    topology = load(data.root)
    shapes, arcs = decode(topology)
    project, height = _projector(arcs)
    by_code: dict[str, dict] = {}
    for p in data.rows("places"):
        for c in (p.get("adcode"), p.get("former_adcode")):
            if c:
                by_code.setdefault(str(c), p)
    top, colors = party_colors(data)
    units = []
    for code, shape in shapes.items():
        place = by_code.get(code) or {"place_id": None, "name_en": shape["name_zh"], "name_zh": shape["name_zh"]}
        party, pairing, via, note = assign(data, place) if place.get("place_id") else (None, None, None, "")
        polygons = [[[project(p) for p in ring] for ring in poly] for poly in shape["polygons"]]
        units.append(Unit(code, place, party, pairing, via, note, polygons, code.startswith("6590")))
    # borders: arcs used once are Xinjiang's outline; arcs between units of different prefectures
    users: dict[int, list[str]] = {}
    for code, shape in shapes.items():
        for i in shape["arcs"]:
            users.setdefault(i, []).append(code)
    outline, borders = [], []
    for i, codes in users.items():
        line = [project(p) for p in arcs[i]]
        if len(codes) == 1:
            outline.append(line)
        elif len({c[:4] for c in codes}) > 1:
            borders.append(line)
    shown = {u.party_id for u in units if u.party_id}
    parties = [p for p in top if p["party_id"] in shown]
    return MapModel(units, parties, colors, outline, borders, round(height, 1), topology.get("metadata", {}))


def path_d(rings) -> str:
    """SVG path data with relative moves (compact)."""
    out = []
    for ring in rings:
        if len(ring) < 2:
            continue
        x, y = ring[0]
        parts = [f"M{x:g} {y:g}"]
        for px, py in ring[1:]:
            dx, dy = round(px - x, 1), round(py - y, 1)
            if dx or dy:
                parts.append(f"l{dx:g} {dy:g}")
                x, y = round(x + dx, 1), round(y + dy, 1)
        out.append("".join(parts) + "z")
    return "".join(out)


def line_d(lines) -> str:
    return path_d(lines).replace("z", "")


def unit_color(model: MapModel, unit: Unit) -> str:
    if unit.party_id:
        return model.colors[unit.party_id]
    return UNKNOWN_COLOR if unit.note == "unknown" else NONE_COLOR


def unit_label(unit: Unit, parties: dict[str, dict]) -> str:
    name = f"{unit.place.get('name_en')} {unit.place.get('name_zh')}"
    if unit.party_id:
        p = parties[unit.party_id]
        who = f"assisted by {p.get('name_en')} {p.get('name_zh')}"
        if unit.via and unit.via.get("place_id") != unit.place.get("place_id"):
            who += f" (pairing of {unit.via.get('name_en')})"
    elif unit.note == "unknown":
        who = "paired in a later round; assisting party not known"
    else:
        who = "no pairing in the data"
    return f"{name}: {who}" + ("; XPCC city" if unit.xpcc else "")


def svg(model: MapModel, data: SiteData, href=None, highlight: set[str] | None = None, legend: bool = False,
        title: str = "Map of Xinjiang's county-level units coloured by assisting party",
        element_id: str = "xj-map") -> str:
    """The map as SVG. ``href(place_id)`` makes each unit a link; ``highlight`` (codes) draws a
    locator map instead: only those units coloured."""
    parties = data.index("parties", "party_id")
    extra = 30 + 18 * ((len(model.parties) + 4) // 2) if legend else 0
    h = model.height + extra
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {h:g}" id="{element_id}" class="map"'
           + (' role="img"' if href is None else "") + f' aria-labelledby="{element_id}-title">',
           f'<title id="{element_id}-title">{escape(title)}</title>',
           "<defs><pattern id=\"xpcc-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
           "patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#222\" "
           "stroke-width=\"1.4\" stroke-opacity=\".55\"/></pattern></defs>",
           '<g class="units" stroke="#fff" stroke-width=".6" stroke-linejoin="round">']
    for unit in model.units:
        if highlight is not None:
            fill = "#c0392b" if unit.code in highlight else "#ececec"
        else:
            fill = unit_color(model, unit)
        d = model.path(unit.code)
        label = escape(unit_label(unit, parties), quote=True)
        attrs = (f'data-code="{unit.code}" data-place="{escape(unit.place.get("place_id") or "")}" '
                 f'data-party="{escape(unit.party_id or "")}"')
        shape = f'<path d="{d}" fill="{fill}" fill-rule="evenodd"/>'
        if unit.xpcc and highlight is None:
            shape += f'<path d="{d}" fill="url(#xpcc-hatch)" fill-rule="evenodd" stroke="none"/>'
        if href and unit.place.get("place_id"):
            out.append(f'<a href="{escape(href(unit.place["place_id"]))}" aria-label="{label}" {attrs}>'
                       f"<title>{label}</title>{shape}</a>")
        else:
            out.append(f"<g {attrs}><title>{label}</title>{shape}</g>")
    out.append("</g>")
    out.append(f'<path d="{model.path("borders")}" fill="none" stroke="#333" stroke-width="1.1" '
               'stroke-linejoin="round" pointer-events="none"/>')
    out.append(f'<path d="{model.path("outline")}" fill="none" stroke="#111" stroke-width="1.6" '
               'stroke-linejoin="round" pointer-events="none"/>')
    if legend:
        y = model.height + 24
        out.append(f'<g font-family="DejaVu Sans, Noto Sans CJK SC, sans-serif" font-size="15" fill="#111">'
                   f'<text x="{MARGIN}" y="{y}">Colour: the province or municipality each county-level unit is '
                   'paired with (2010 round, as reported). Hatched: XPCC cities.</text>')
        items = [(model.colors[p["party_id"]], f'{p.get("name_en")} {p.get("name_zh")}') for p in model.parties]
        items += [(UNKNOWN_COLOR, "later round, party not known"), (NONE_COLOR, "no pairing in the data")]
        for i, (color, text) in enumerate(items):
            x = MARGIN + (i % 2) * (WIDTH / 2)
            yy = y + 18 + 18 * (i // 2)
            out.append(f'<rect x="{x:g}" y="{yy - 12:g}" width="22" height="14" fill="{color}" stroke="#555" '
                       f'stroke-width=".5"/><text x="{x + 30:g}" y="{yy:g}">{escape(text)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def fingerprint(data: SiteData) -> str:
    h = hashlib.sha256()
    for table in ("places", "parties", "pairings"):
        for row in data.rows(table):
            h.update(repr(sorted((k, str(v)) for k, v in row.items() if k in FINGERPRINT_COLUMNS)).encode())
    h.update(boundaries_path(data.root).read_bytes())
    h.update(Path(__file__).read_bytes())
    return "data-sha256:" + h.hexdigest()


def write_docs_figures(root: str | Path | None = None) -> list[Path]:
    """Draw docs/figures/xinjiang-map.{svg,png} from the package's CSV files."""
    from .. import site
    from .data import csv_data

    root = Path(root).resolve() if root else site.CHECKOUT
    return write_figures(csv_data(root), root / "docs" / "figures")


def write_figures(data: SiteData, out: Path) -> list[Path]:
    """docs/figures/xinjiang-map.svg (the explorer's map with its legend) and .png (matplotlib)."""
    model = build_model(data)
    out.mkdir(parents=True, exist_ok=True)
    fp = fingerprint(data)
    svg_path, png_path = out / "xinjiang-map.svg", out / "xinjiang-map.png"
    text = svg(model, data, legend=True)
    text = text.replace("<title", f"<desc>{fp}</desc><title", 1)
    svg_path.write_text(text + "\n", encoding="utf-8")
    try:
        _png(model, data, png_path, fp)
    except ImportError:
        return [svg_path]
    return [svg_path, png_path]


def _png(model: MapModel, data: SiteData, path: Path, fp: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, PathPatch
    from matplotlib.path import Path as MPath

    fig, ax = plt.subplots(figsize=(10, model.height / WIDTH * 10 + 2.6))
    for unit in model.units:
        verts, codes = [], []
        for poly in unit.polygons:
            for ring in poly:
                verts += ring + [ring[0]]
                codes += [MPath.MOVETO] + [MPath.LINETO] * (len(ring) - 1) + [MPath.CLOSEPOLY]
        mp = MPath(verts, codes)
        ax.add_patch(PathPatch(mp, facecolor=unit_color(model, unit), edgecolor="white", linewidth=0.4))
        if unit.xpcc:
            ax.add_patch(PathPatch(mp, facecolor="none", edgecolor="#222", hatch="////", linewidth=0))
    for lines, width, color in ((model.prefecture_borders, 0.8, "#333"), (model.outline, 1.2, "#111")):
        for line in lines:
            ax.plot([p[0] for p in line], [p[1] for p in line], color=color, linewidth=width)
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(model.height, 0)
    ax.set_aspect("equal")
    ax.axis("off")
    handles = [Patch(facecolor=model.colors[p["party_id"]], edgecolor="#555", label=p.get("name_en"))
               for p in model.parties]
    handles += [Patch(facecolor=UNKNOWN_COLOR, edgecolor="#555", label="later round, party not known"),
                Patch(facecolor=NONE_COLOR, edgecolor="#555", label="no pairing in the data"),
                Patch(facecolor="white", edgecolor="#222", hatch="////", label="XPCC city")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=4, fontsize=8, frameon=False)
    ax.set_title("Pairing assistance to Xinjiang: county-level units by assisting party (2010 round, as reported)",
                 fontsize=10)
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Description": fp})
    plt.close(fig)
