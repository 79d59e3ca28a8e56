"""Where an assessment is: a building, a street segment, a spot or a small drawn area.

Coordinates may be typed in WGS84 (latitude, longitude — or longitude, latitude) or in RD New
(x, y); the ranges of the Netherlands tell them apart. Every target is stored with an RD point,
its WGS84 equivalent, the buurt it falls in and the nearest street segment.

>>> parse_coordinate("50.8882, 5.9795")[0] > 190_000
True
>>> parse_coordinate("194000 320500")
(194000.0, 320500.0)
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Polygon

from twin.assessments.errors import AssessmentInputError
from twin.assessments.limits import MAX_AREA_M2, STREET_SNAP_M
from twin.assessments.record import Target
from twin.constants import RD_PRECISION_M
from twin.crs import to_rd, to_wgs84
from twin.model import Twin

__all__ = [
    "locate_points",
    "parse_coordinate",
    "target_from_area",
    "target_from_building",
    "target_from_spot",
    "target_from_street",
]

#: The Netherlands in WGS84 and RD New (generous boxes: only to tell the systems apart and
#: catch typos, not to decide what is inside a twin).
_LAT = (50.7, 53.7)
_LON = (3.2, 7.3)
_RD_X = (0.0, 300_000.0)
_RD_Y = (289_000.0, 629_000.0)
#: WGS84 coordinates are kept to 1e-7 degree (≈1 cm), like RD to 1 cm.
_LONLAT_DECIMALS = 7


def _inside(v: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= v <= bounds[1]


def _numbers(text: str) -> list[float]:
    parts = [p for p in re.split(r"[;\s]+|,\s+", text.strip()) if p]
    if len(parts) == 1:
        parts = parts[0].split(",")
    values = []
    for part in parts:
        part = part.strip().replace(",", ".")
        if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", part):
            raise ValueError(part)
        values.append(float(part))
    return values


def parse_coordinate(value: str | Sequence[float]) -> tuple[float, float]:
    """RD (x, y) from typed text or a pair of numbers, WGS84 or RD; rejects anything else.

    Raises
    ------
    AssessmentInputError
        ``coord_malformed`` (not two numbers) or ``coord_out_of_range`` (not in the
        Netherlands in either system).
    """
    text = value if isinstance(value, str) else ", ".join(str(v) for v in value)
    try:
        numbers = _numbers(text) if isinstance(value, str) else [float(v) for v in value]
    except (ValueError, TypeError):
        raise AssessmentInputError("coord_malformed", text=text[:60]) from None
    if len(numbers) != 2 or not all(math.isfinite(v) for v in numbers):
        raise AssessmentInputError("coord_malformed", text=text[:60])
    a, b = numbers
    if _inside(a, _LAT) and _inside(b, _LON):
        lon, lat = b, a
    elif _inside(a, _LON) and _inside(b, _LAT):
        lon, lat = a, b
    elif _inside(a, _RD_X) and _inside(b, _RD_Y):
        return _round_rd(a), _round_rd(b)
    else:
        raise AssessmentInputError("coord_out_of_range", text=text[:60])
    x, y = to_rd(lon, lat)
    return _round_rd(float(x)), _round_rd(float(y))


def _round_rd(v: float) -> float:
    return round(round(v / RD_PRECISION_M) * RD_PRECISION_M, 2)


# -- lookups in the twin (cached per twin object) --------------------------------------------
@lru_cache(maxsize=4)
def _buurten(twin: Twin) -> gpd.GeoDataFrame:
    frame = twin.buurten.reset_index(drop=True)
    frame.sindex  # noqa: B018 - build the spatial index once
    return frame


@lru_cache(maxsize=4)
def _streets(twin: Twin) -> gpd.GeoDataFrame:
    frame = twin.streets.reset_index(drop=True)
    frame.sindex  # noqa: B018
    return frame


@lru_cache(maxsize=4)
def _row_of(twin: Twin, layer: str) -> dict[str, int]:
    return {k: i for i, k in enumerate(twin.layer(layer)["id"])}


def locate_points(
    twin: Twin, x: Sequence[float], y: Sequence[float]
) -> tuple[list[str | None], list[str | None]]:
    """The buurt code and the nearest street segment (within the snap distance) of points.

    Vectorised: one spatial-index query for all points.
    """
    points = shapely.points(np.asarray(x, float), np.asarray(y, float))
    buurten = _buurten(twin)
    codes = np.full(len(points), None, dtype=object)
    pi, bi = buurten.sindex.query(points, predicate="intersects")
    codes[pi[::-1]] = buurten["code"].to_numpy()[bi[::-1]]  # first match wins
    streets = _streets(twin)
    ids = np.full(len(points), None, dtype=object)
    if len(streets):
        pi, si = streets.sindex.nearest(points, max_distance=STREET_SNAP_M, return_all=False)
        ids[pi] = streets["id"].to_numpy()[si]
    return codes.tolist(), ids.tolist()


def _target(
    twin: Twin,
    kind: str,
    tid: str | None,
    x: float,
    y: float,
    *,
    street: str | None = None,
    buurt: str | None = None,
    area_wkt: str | None = None,
) -> Target:
    codes, streets = locate_points(twin, [x], [y])
    buurt = buurt or codes[0]
    if buurt is None:
        raise AssessmentInputError("coord_outside_twin", x=x, y=y)
    lon, lat = to_wgs84(x, y)
    return Target(
        kind=kind,
        id=tid,
        x=_round_rd(x),
        y=_round_rd(y),
        lon=round(float(lon), _LONLAT_DECIMALS),
        lat=round(float(lat), _LONLAT_DECIMALS),
        buurt=buurt,
        street=street or streets[0],
        area_wkt=area_wkt,
    )


def target_from_spot(twin: Twin, where: str | Sequence[float]) -> Target:
    """A spot on the ground: typed or clicked coordinates (WGS84 or RD)."""
    x, y = parse_coordinate(where)
    return _target(twin, "spot", None, x, y)


def target_from_building(twin: Twin, building_id: str) -> Target:
    """A building by id; its point is a point inside the footprint."""
    row = _row_of(twin, "buildings").get(str(building_id))
    if row is None:
        raise AssessmentInputError("unknown_building", id=building_id)
    b = twin.buildings.iloc[row]
    p = b.geometry.representative_point()
    buurt = b["buurt"] if isinstance(b["buurt"], str) else None
    return _target(twin, "building", str(building_id), p.x, p.y, buurt=buurt)


def target_from_street(twin: Twin, street_id: str) -> Target:
    """A street segment by id; its point is the middle of the centre line."""
    row = _row_of(twin, "streets").get(str(street_id))
    if row is None:
        raise AssessmentInputError("unknown_street", id=street_id)
    s = twin.streets.iloc[row]
    p = s.geometry.interpolate(0.5, normalized=True)
    buurt = s["buurt"] if isinstance(s["buurt"], str) else None
    return _target(twin, "street", str(street_id), p.x, p.y, street=str(street_id), buurt=buurt)


def target_from_area(twin: Twin, corners: Sequence[str | Sequence[float]]) -> Target:
    """A small drawn area from its corners (each WGS84 or RD, as for a spot).

    Raises ``area_too_few_points``, ``area_invalid`` (crosses itself) or ``area_too_large``.
    """
    points = [parse_coordinate(c) for c in corners]
    if len(points) > 1 and points[0] == points[-1]:
        points = points[:-1]
    if len(set(points)) < 3:
        raise AssessmentInputError("area_too_few_points")
    polygon = Polygon(points)
    if not polygon.is_valid or polygon.area <= 0:
        raise AssessmentInputError("area_invalid")
    if polygon.area > MAX_AREA_M2:
        raise AssessmentInputError("area_too_large", area=polygon.area, limit=MAX_AREA_M2)
    p = polygon.representative_point()
    return _target(
        twin, "area", None, p.x, p.y, area_wkt=shapely.to_wkt(polygon, rounding_precision=2)
    )
