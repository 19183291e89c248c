"""Pictures generated from the data: the pairing map and reported aid funds by period.

Each SVG carries a fingerprint of the data it was drawn from (in its metadata), so a test can
tell when a figure is stale. Requires matplotlib (optional dependency ``charts``).
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from .package import Package, load_package

FIGURES = {
    "pairing-map": ("places", "parties", "pairings"),
    "aid-funds": ("funding", "sources"),
}
FINGERPRINT_PREFIX = "data-sha256:"
COUNTY_LEVELS = {"county", "autonomous_county", "county_level_city", "district"}


def fingerprint(package: Package, name: str) -> str:
    h = hashlib.sha256()
    for table in FIGURES[name]:
        h.update(package.resource(table).path.read_bytes())
    h.update(Path(__file__).read_bytes())  # a change of drawing code also makes the figures stale
    return FINGERPRINT_PREFIX + h.hexdigest()


def _rows(package: Package, table: str) -> list[dict]:
    with package.resource(table).path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _setup():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "xinjiang-pairing", "svg.fonttype": "none", "font.size": 9,
                         "font.family": "DejaVu Sans"})
    return plt


def _save(fig, package: Package, name: str) -> list[Path]:
    out = package.root / "docs" / "figures"
    out.mkdir(parents=True, exist_ok=True)
    fp = fingerprint(package, name)
    svg, png = out / f"{name}.svg", out / f"{name}.png"
    fig.savefig(svg, format="svg", metadata={"Date": None, "Description": fp}, bbox_inches="tight")
    fig.savefig(png, format="png", dpi=110, metadata={"Description": fp}, bbox_inches="tight")
    return [svg, png]


def pairing_map_data(package: Package):
    """(parties in order, recipients in order, edges {(party, recipient): county units}, dashed edges)."""
    places = {p["place_id"]: p for p in _rows(package, "places")}
    parties = {p["party_id"]: p for p in _rows(package, "parties")}
    top = [p for p in parties.values() if p["parent_party_id"] == "assisting-provinces-19"]
    top_ids = {p["party_id"] for p in top}

    def recipient_group(place_id: str) -> str:
        """The prefecture-level unit or XPCC division a place belongs to."""
        node = place_id
        while places[node]["parent_place_id"] not in ("xinjiang", "xpcc", ""):
            node = places[node]["parent_place_id"]
        return node

    edges: dict[tuple[str, str], int] = {}
    dashed: set[tuple[str, str]] = set()
    for row in _rows(package, "pairings"):
        party = row["assisting_party_id"] or "unknown"
        if party != "unknown" and party not in top_ids:
            continue  # city-level pairings are drawn through their province
        group = recipient_group(row["recipient_place_id"])
        key = (party, group)
        is_county = places[row["recipient_place_id"]]["level"] in COUNTY_LEVELS
        edges[key] = edges.get(key, 0) + (1 if is_county else 0)
        if party == "unknown" or row["conflicts_with"] or row["program_id"] != "round-2010":
            dashed.add(key)
    party_order = sorted(top_ids, key=lambda p: parties[p]["name_en"]) + (
        ["unknown"] if any(k[0] == "unknown" for k in edges) else []
    )
    groups = {g for _, g in edges}
    prefectures = sorted((g for g in groups if not g.startswith("xpcc")), key=lambda g: places[g]["name_en"])
    divisions = sorted((g for g in groups if g.startswith("xpcc")), key=lambda g: int(g.rsplit("-", 1)[-1]))
    names = {p: parties[p]["name_en"].replace(" Province", "").replace(" Municipality", "") for p in top_ids}
    names["unknown"] = "(not known)"
    for g in groups:
        names[g] = places[g]["name_en"].replace(" Autonomous Prefecture", " AP")
    return party_order, prefectures + divisions, edges, dashed, names


def draw_pairing_map(package: Package) -> list[Path]:
    plt = _setup()
    parties, recipients, edges, dashed, names = pairing_map_data(package)
    fig, ax = plt.subplots(figsize=(9, 9))
    cmap = plt.get_cmap("tab20")
    py = {p: len(parties) - 1 - i for i, p in enumerate(parties)}
    scale = (len(parties) - 1) / max(len(recipients) - 1, 1)
    ry = {r: (len(recipients) - 1 - i) * scale for i, r in enumerate(recipients)}
    for (party, group), units in sorted(edges.items()):
        color = "#888888" if party == "unknown" else cmap(parties.index(party) % 20)
        ax.plot([0, 1], [py[party], ry[group]], color=color, alpha=0.75,
                linewidth=0.8 + 0.5 * min(units, 12), linestyle="--" if (party, group) in dashed else "-")
    for p in parties:
        ax.text(-0.02, py[p], names[p], ha="right", va="center")
    for r in recipients:
        ax.text(1.02, ry[r], names[r], ha="left", va="center")
    ax.set_xlim(-0.45, 1.5)
    ax.axis("off")
    ax.set_title("Pairing assistance to Xinjiang: assisting parties and recipients (as reported)\n"
                 "line width: county-level units paired; dashed: 2014 extension, disputed or unknown party",
                 fontsize=10)
    paths = _save(fig, package, "pairing-map")
    plt.close(fig)
    return paths


def aid_funds_data(package: Package) -> list[dict]:
    """Program-wide aid-fund figures (first reports only), with the years they cover."""
    sources = {s["source_id"]: s for s in _rows(package, "sources")}
    out = []
    for row in _rows(package, "funding"):
        if row["flow_type"] not in ("aid_funds", "aid_funds_planned") or row["scope"] != "program_total":
            continue
        if row["same_as"] or row["currency"] != "CNY" or row["recipient_place_id"] not in ("", "xinjiang"):
            continue  # first reports of Xinjiang-wide figures only (XPCC-level totals are a subset)
        end = row["period_end_year"] or (row["as_of_date"] or sources[row["source_id"]]["published_date"])[:4]
        if not end:
            continue
        start = row["period_start_year"] or end
        out.append({
            "id": row["funding_id"], "start": int(start), "end": int(end),
            "amount_bn": float(row["amount"]) / 1e9, "planned": row["flow_type"] == "aid_funds_planned",
            "start_known": bool(row["period_start_year"]), "qualifier": row["amount_qualifier"],
            "label": " ".join(row["source_id"].split("-")[:2]),  # e.g. "xinhua 2023" (ASCII: fonts)
        })
    return sorted(out, key=lambda r: (r["end"], r["start"], r["amount_bn"]))


def draw_aid_funds(package: Package) -> list[Path]:
    plt = _setup()
    rows = aid_funds_data(package)
    fig, ax = plt.subplots(figsize=(9, max(5.5, 0.2 * len(rows))))  # room for one label per figure
    label_y: list[float] = []  # keep labels of figures at similar heights apart
    span = max((r["amount_bn"] for r in rows), default=1)
    for r in sorted(rows, key=lambda r: r["amount_bn"]):
        y = r["amount_bn"]
        while any(abs(y - other) < span * 0.035 for other in label_y):
            y += span * 0.035
        label_y.append(y)
        r["label_y"] = y
    for r in rows:
        style = dict(color="#b35806" if r["planned"] else "#2166ac", linewidth=3, alpha=0.8)
        if r["start"] == r["end"]:
            ax.plot([r["end"] - 0.4, r["end"] + 0.4], [r["amount_bn"]] * 2, **style)
        else:
            ax.plot([r["start"], r["end"]], [r["amount_bn"]] * 2, **style)
        if not r["start_known"] and r["start"] == r["end"]:
            ax.plot([r["end"]], [r["amount_bn"]], marker="<", color=style["color"])
        ax.annotate(f"{r['amount_bn']:g} bn ({r['qualifier'].replace('_', ' ')}), {r['label']}",
                    (r["end"] + 0.5, r["label_y"]), fontsize=7, va="center")
    ax.set_xlabel("years the figure covers (as reported)")
    ax.set_ylabel("billion yuan, as reported")
    ax.set_title("Reported aid funds from the assisting provinces and municipalities, by period\n"
                 "each bar is one reported figure; bars overlap in time and must not be added up "
                 "(orange: planned; ◀: start of period not stated)", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    if rows:
        ax.set_xlim(min(r["start"] for r in rows) - 1, max(r["end"] for r in rows) + 9)
        ax.set_ylim(0, max(r["label_y"] for r in rows) + span * 0.05)  # every label inside the axes
    paths = _save(fig, package, "aid-funds")
    plt.close(fig)
    return paths


def write_figures(root: str | Path | None = None) -> list[Path]:
    package = load_package(root)
    return draw_pairing_map(package) + draw_aid_funds(package)


def embedded_fingerprint(svg: Path) -> str | None:
    text = svg.read_text(encoding="utf-8")
    start = text.find(FINGERPRINT_PREFIX)
    return text[start:start + len(FINGERPRINT_PREFIX) + 64] if start >= 0 else None
