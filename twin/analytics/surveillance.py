"""Natural surveillance ("eyes on the street"): which façades overlook a place, by day and night.

Model
-----
Every building's outer walls are cut into façade pieces of at most ``facade_spacing`` metres;
each piece is one potential window at its midpoint, looking out along the wall's outward
normal. Pieces whose window point lies inside another building (party walls between row
houses) are dropped: every line of sight from them is blocked. A piece **overlooks** a place P when

1. P is within ``view_distance`` of the window,
2. P is in front of the wall (the vector window → P has a positive component along the
   outward normal), and
3. the straight line window → P crosses no building footprint — every building blocks,
   including the window's own (an L-shaped wing, say) and garden sheds. Line of sight is 2D:
   upper-floor windows that could see over a low shed are not modelled.

The **eyes** at P are the length of the overlooking façade pieces weighted by the use of their
building at that time of day (:data:`~twin.analytics.params.EYES_WEIGHTS`; vacant buildings 0),
in "weighted façade metres". The **score** is ``min(1, eyes / full_view_m)``: 0 = nobody can
see you, 1 = at least ``full_view_m`` metres of lived-in façade look on.

Candidate pairs come from a KD-tree (only window–place pairs within the view distance), and
the lines of sight are tested in bulk against an STRtree of the footprints
(:mod:`twin.analytics.sightlines`), so the cost grows with the number of nearby pairs, i.e.
linearly with city size.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from twin.analytics.params import EYES_WEIGHTS, AnalysisSettings
from twin.analytics.sampling import Samples, pairs_within
from twin.analytics.sightlines import Obstacles, blocked

__all__ = [
    "Eyes",
    "Facades",
    "eyes_at_points",
    "eyes_weights",
    "facades_from_buildings",
    "score_from_eyes",
    "segment_surveillance",
]

#: Windows sit this far (m) outside their wall, so a sight line never grazes its own wall.
FACADE_OFFSET = 0.05
#: Walls shorter than this (m) are corners and digitising noise, not façades.
MIN_FACADE = 1.0
#: Uses not in the weights table count as this one.
FALLBACK_USE = "community"


@dataclass(frozen=True)
class Facades:
    """Façade pieces: window point ``xy``, outward unit ``normal``, piece ``length`` (m), the
    ``building`` (row index) it belongs to, and its weight per metre by ``day`` and ``night``."""

    xy: np.ndarray
    normal: np.ndarray
    length: np.ndarray
    building: np.ndarray
    day: np.ndarray
    night: np.ndarray

    def __len__(self) -> int:
        return len(self.length)


@dataclass(frozen=True)
class Eyes:
    """Weighted façade metres in view at each place, by day and at night."""

    day: np.ndarray
    night: np.ndarray


def eyes_weights(
    buildings: pd.DataFrame, weights: dict[str, tuple[float, float]] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(day, night) weight of each building from its ``use``; vacant buildings get 0."""
    table = EYES_WEIGHTS if weights is None else weights
    fallback = table.get(FALLBACK_USE, (0.0, 0.0))
    pairs = [table.get(u, fallback) for u in buildings["use"].astype(str)]
    w = np.array(pairs, dtype=float).reshape(-1, 2)
    vacant = buildings["vacant"].fillna(False).to_numpy(dtype=bool)
    w[vacant] = 0.0
    return w[:, 0], w[:, 1]


def facades_from_buildings(
    buildings: gpd.GeoDataFrame,
    settings: AnalysisSettings,
    weights: dict[str, tuple[float, float]] | None = None,
) -> Facades:
    """The watching façade pieces of ``buildings`` (pieces of buildings weighted 0 are left out)."""
    day_b, night_b = eyes_weights(buildings, weights)
    watching = np.flatnonzero((day_b > 0) | (night_b > 0))
    parts, owner = shapely.get_parts(buildings.geometry.to_numpy()[watching], return_index=True)
    owner = watching[owner]
    rings = shapely.get_exterior_ring(parts)
    ccw = shapely.is_ccw(rings)
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    start, end, ring = coords[:-1][same], coords[1:][same], ring[:-1][same]
    edge = end - start
    length = np.hypot(edge[:, 0], edge[:, 1])
    keep = length >= MIN_FACADE
    start, edge, length, ring = start[keep], edge[keep], length[keep], ring[keep]
    # outward normal: right of the direction for counter-clockwise rings, left for clockwise
    sign = np.where(ccw[ring], 1.0, -1.0)
    normal = np.column_stack([edge[:, 1], -edge[:, 0]]) * (sign / length)[:, None]
    n = np.maximum(1, np.ceil(length / settings.facade_spacing)).astype(np.int64)
    e = np.repeat(np.arange(len(n)), n)
    k = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    frac = (k + 0.5) / n[e]
    xy = start[e] + edge[e] * frac[:, None] + normal[e] * FACADE_OFFSET
    # a window inside another building (a party wall between row houses) sees nothing
    inside = shapely.STRtree(buildings.geometry.to_numpy()).query(
        shapely.points(xy), predicate="intersects"
    )[0]
    free = np.ones(len(xy), dtype=bool)
    free[inside] = False
    e, xy = e[free], xy[free]
    building = owner[ring[e]]
    return Facades(
        xy=xy,
        normal=normal[e],
        length=(length / n)[e],
        building=building,
        day=day_b[building],
        night=night_b[building],
    )


def eyes_at_points(
    xy: np.ndarray, facades: Facades, obstacles: Obstacles, view_distance: float
) -> Eyes:
    """Weighted façade metres overlooking each point of ``xy`` (n, 2), by day and at night.

    ``obstacles`` holds all building footprints (every building blocks the view; see
    :func:`~twin.analytics.sightlines.obstacles_from_footprints`).
    """
    day = np.zeros(len(xy))
    night = np.zeros(len(xy))
    if len(facades) == 0 or len(xy) == 0:
        return Eyes(day, night)
    tree = cKDTree(facades.xy)
    for i, j, _d in pairs_within(xy, tree, view_distance):
        ahead = np.einsum("ij,ij->i", xy[i] - facades.xy[j], facades.normal[j]) > 0
        i, j = i[ahead], j[ahead]
        seen = ~blocked(facades.xy[j], xy[i], obstacles)
        i, j = i[seen], j[seen]
        day += np.bincount(i, facades.day[j] * facades.length[j], minlength=len(xy))
        night += np.bincount(i, facades.night[j] * facades.length[j], minlength=len(xy))
    return Eyes(day, night)


def score_from_eyes(eyes: np.ndarray, full_view_m: float) -> np.ndarray:
    """0–1 surveillance score: ``min(1, eyes / full_view_m)``.

    >>> score_from_eyes(np.array([0.0, 25.0, 80.0]), 50.0).tolist()
    [0.0, 0.5, 1.0]
    """
    return np.minimum(1.0, np.asarray(eyes, dtype=float) / full_view_m)


def segment_surveillance(
    samples: Samples, eyes: Eyes, n_segments: int, settings: AnalysisSettings
) -> pd.DataFrame:
    """Per segment: mean day and night score and eyes over its sample points (length-weighted)."""
    length = np.bincount(samples.line, samples.length, minlength=n_segments)
    out = {}
    for when, values in (("day", eyes.day), ("night", eyes.night)):
        score = score_from_eyes(values, settings.full_view_m)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"surveillance_{when}"] = (
                np.bincount(samples.line, samples.length * score, minlength=n_segments) / length
            )
            out[f"eyes_{when}"] = (
                np.bincount(samples.line, samples.length * values, minlength=n_segments) / length
            )
    return pd.DataFrame(out)
