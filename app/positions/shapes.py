"""Country outlines for the map: Natural Earth shapes (world-atlas TopoJSON) as SVG paths.

Decoded once per process and cached. Points closer than a tolerance to the last kept
point are dropped, which keeps the page small while leaving small states visible.
"""

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycountry

ATLAS = (
    Path(__file__).resolve().parent.parent / "static/vendor/world-atlas-2.0.2/countries-50m.json"
)
TOLERANCE_DEGREES = 0.4
# Antarctica and the far north add nothing to positions on European security.
LAT_MIN, LAT_MAX = -58.0, 84.0
# Natural Earth numeric ids that ISO 3166-1 does not list, or lists under another code.
EXTRA_IDS = {"-99": None}
NAME_FALLBACK = {"Kosovo": "XK"}


@dataclass(frozen=True)
class CountryShape:
    """One country's outline."""

    code: str
    name: str
    path: str


def _project(lon: float, lat: float) -> tuple[float, float]:
    # Equirectangular with latitudes stretched like Miller's, so Europe is not squashed.
    lat = max(LAT_MIN, min(LAT_MAX, lat))
    y = 1.25 * math.log(math.tan(math.pi / 4 + 0.4 * math.radians(lat)))
    return (lon + 180.0), (90.0 - math.degrees(y))


def _decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def _unwrap(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    # A ring crossing the antimeridian (Chukotka, Fiji) would be drawn across the whole
    # map; move its far-west points east of 180 degrees instead.
    lons = [lon for lon, _ in ring]
    if max(lons) - min(lons) <= 180:
        return ring
    return [(lon + 360 if lon < 0 else lon, lat) for lon, lat in ring]


def _simplify(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    kept = [ring[0]]
    for point in ring[1:]:
        last = kept[-1]
        if abs(point[0] - last[0]) + abs(point[1] - last[1]) >= TOLERANCE_DEGREES:
            kept.append(point)
    return kept


def _path(rings: list[list[tuple[float, float]]]) -> str:
    parts = []
    for ring in rings:
        projected = [_project(lon, lat) for lon, lat in ring]
        parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in projected) + "Z")
    return "".join(parts)


def _code(geometry: dict[str, Any]) -> str | None:
    numeric = geometry.get("id")
    name = geometry.get("properties", {}).get("name", "")
    if numeric and numeric not in EXTRA_IDS:
        record = pycountry.countries.get(numeric=numeric)
        if record is not None:
            return str(record.alpha_2)
    return NAME_FALLBACK.get(name)


@lru_cache(maxsize=1)
def country_shapes() -> tuple[CountryShape, ...]:
    """Every country the atlas draws, with its ISO alpha-2 code, name and SVG path."""
    topology = json.loads(ATLAS.read_text(encoding="utf-8"))
    arcs = _decode_arcs(topology)
    shapes = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = _code(geometry)
        if code in (None, "AQ") or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
        rings = [_unwrap(_ring(ring, arcs)) for polygon in polygons for ring in polygon]
        simplified = [r for r in (_simplify(r) for r in rings) if len(r) >= 3]
        if not simplified:
            # A microstate smaller than the tolerance keeps its largest ring as drawn.
            simplified = [max(rings, key=len)]
        shapes.append(
            CountryShape(code=code, name=geometry["properties"]["name"], path=_path(simplified))
        )
    return tuple(sorted(shapes, key=lambda s: s.code))


VIEWBOX = "0 -25 360 182"
EUROPE_VIEWBOX = "150 -2 85 60"
