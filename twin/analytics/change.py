"""Lighting and natural surveillance before and after a change of the twin (a scenario's).

Only the street segments a change can reach are recomputed: a lamp that was added, removed or
altered (position, height, lumen) lights nothing beyond its influence radius, and a building
whose use or vacancy changed is seen from nowhere beyond the view distance, so every other
segment is identical on both twins. That keeps a scenario's "before → after" to milliseconds
instead of a whole-city analysis.
Use::

    change = lighting_change(twin, apply_to_twin(twin, scenario))
    change.totals["dark_m_before"], change.totals["dark_m_after"]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from twin.analytics.lighting import lamps_from_lights, lux_at_points, segment_lighting
from twin.analytics.params import AnalysisSettings
from twin.analytics.sampling import Samples, samples_along
from twin.analytics.sightlines import obstacles_from_footprints
from twin.analytics.surveillance import (
    eyes_at_points,
    facades_from_buildings,
    score_from_eyes,
    segment_surveillance,
)
from twin.model import Twin

__all__ = [
    "LightingChange",
    "SurveillanceChange",
    "changed_buildings",
    "changed_lamps",
    "lighting_change",
    "surveillance_change",
]

_LAMP_KEYS = ("height", "lumen")


@dataclass(frozen=True)
class _Measures:
    """What a change compares: length-weighted means, summed metres, and which columns decide
    whether a segment changed at all."""

    means: tuple[str, ...]
    sums: tuple[str, ...]
    moved_by: tuple[str, ...]

    @property
    def columns(self) -> list[str]:
        compared = [f"{c}_{w}" for c in (*self.means, *self.sums) for w in ("before", "after")]
        return ["id", "name", "buurt", "length_m", *compared]


_LIGHT = _Measures(means=("lux_mean",), sums=("dark_m",), moved_by=("lux_mean",))
_WATCH = _Measures(
    means=("surveillance_night", "surveillance_day"),
    sums=("unobserved_m",),
    moved_by=("surveillance_night", "surveillance_day"),
)


def _lengths(samples: Samples, n: int) -> np.ndarray:
    return np.bincount(samples.line, samples.length, minlength=n)


def _compare(
    streets: gpd.GeoDataFrame,
    hit: np.ndarray,
    samples: Samples,
    before: pd.DataFrame,
    after: pd.DataFrame,
    measures: _Measures,
    atol: float = 1e-8,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Segments ``hit`` with their values before and after, only those that changed, and the
    totals over them."""
    segments = pd.DataFrame(
        {
            "id": streets["id"].to_numpy()[hit],
            "name": streets["name"].to_numpy()[hit],
            "buurt": streets["buurt"].to_numpy()[hit],
            "length_m": _lengths(samples, len(hit)),
        }
    )
    for col in (*measures.means, *measures.sums):
        segments[f"{col}_before"] = before[col].to_numpy()
        segments[f"{col}_after"] = after[col].to_numpy()
    moved = np.zeros(len(segments), dtype=bool)
    for col in measures.moved_by:
        moved |= ~np.isclose(segments[f"{col}_before"], segments[f"{col}_after"], atol=atol)
    segments = segments[moved].reset_index(drop=True)
    return segments, _totals(segments, measures)


def _nothing(measures: _Measures) -> tuple[pd.DataFrame, dict[str, float]]:
    segments = pd.DataFrame(columns=measures.columns)
    return segments, _totals(segments, measures)


def _totals(segments: pd.DataFrame, measures: _Measures) -> dict[str, float]:
    """Segment count and length; length-weighted means (NaN without length); summed metres."""
    length = float(segments["length_m"].sum()) if len(segments) else 0.0
    out = {"segments": float(len(segments)), "length_m": length}
    for when in ("before", "after"):
        for col in measures.means:
            values = segments[f"{col}_{when}"]
            weighted = (values * segments["length_m"]).sum() / length if length else np.nan
            out[f"{col}_{when}"] = float(weighted)
        for col in measures.sums:
            out[f"{col}_{when}"] = float(segments[f"{col}_{when}"].sum()) if length else 0.0
    return out


@dataclass(frozen=True)
class LightingChange:
    """Per affected street segment, illuminance before and after; and their totals.

    ``segments`` has columns ``id``, ``name``, ``buurt``, ``length_m``, ``lux_mean_before``,
    ``lux_mean_after``, ``dark_m_before``, ``dark_m_after`` (metres of the segment below
    ``dark_lux``). ``totals`` sums the lengths and length-weights the means over those
    segments. ``lamps_changed`` counts the places where a lamp was added, removed or altered
    (an altered lamp counts its old and its new place).
    """

    segments: pd.DataFrame
    lamps_changed: int
    dark_lux: float
    totals: dict[str, float] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.segments.empty


def changed_lamps(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> np.ndarray:
    """Positions (n, 2) of every lamp added, removed or altered between two ``lights`` layers.

    Lamps are matched by ``id``; a lamp whose position, height or lumen differs counts on both
    sides (its old and its new place).
    """

    def table(lights: gpd.GeoDataFrame) -> pd.DataFrame:
        xy = shapely.get_coordinates(lights.geometry.to_numpy())
        frame = pd.DataFrame({"id": lights["id"].astype(str).to_numpy(), "x": xy[:, 0]})
        frame["y"] = xy[:, 1]
        for key in _LAMP_KEYS:
            frame[key] = lights[key].to_numpy(dtype=float)
        return frame.set_index("id")

    a, b = table(before), table(after)
    gone = a.loc[a.index.difference(b.index), ["x", "y"]]
    new = b.loc[b.index.difference(a.index), ["x", "y"]]
    both = a.index.intersection(b.index)
    cols = ["x", "y", *_LAMP_KEYS]
    moved = both[(a.loc[both, cols] != b.loc[both, cols]).any(axis=1).to_numpy()]
    parts = [gone, new, a.loc[moved, ["x", "y"]], b.loc[moved, ["x", "y"]]]
    return np.concatenate([p.to_numpy(dtype=float) for p in parts]).reshape(-1, 2)


def lighting_change(
    base: Twin, changed: Twin, settings: AnalysisSettings | None = None
) -> LightingChange:
    """Street lighting on ``base`` and ``changed`` for the segments the changed lamps reach.

    Uses the same lamp model, sample spacing and dark threshold as
    :func:`~twin.analytics.analyse_twin` (``docs/analytics.md``), so the "before" values are the
    analysis's own segment values. The streets layer must be the same on both twins.
    """
    settings = settings or AnalysisSettings()
    spots = changed_lamps(base.lights, changed.lights)
    streets = base.streets
    if len(spots) == 0 or len(streets) == 0:
        segments, totals = _nothing(_LIGHT)
        return LightingChange(segments, 0, settings.dark_lux, totals)
    before, after = (lamps_from_lights(t.lights, settings) for t in (base, changed))
    reach = max(before.max_radius, after.max_radius)
    # segments within reach of a changed lamp: the distance from a lamp to a line is at most
    # the distance to its nearest sample point, so test the lines themselves
    lines = streets.geometry.to_numpy()
    tree = shapely.STRtree(lines)
    hit = np.unique(tree.query(shapely.points(spots), predicate="dwithin", distance=reach)[1])
    samples = samples_along(lines[hit], settings.lighting_spacing)
    tables = []
    for lamps in (before, after):
        lux = lux_at_points(samples.xy, lamps)
        table = segment_lighting(samples, lux, len(hit), settings.dark_lux)
        table["dark_m"] = table["dark_share"] * _lengths(samples, len(hit))
        tables.append(table)
    # a segment whose light did not change at all is not "affected" (a lamp's reach is a
    # bound, not a promise); keep only those that change by more than rounding
    segments, totals = _compare(streets, hit, samples, tables[0], tables[1], _LIGHT, atol=1e-3)
    return LightingChange(segments, len(spots), settings.dark_lux, totals)


@dataclass(frozen=True)
class SurveillanceChange:
    """Per affected street segment, natural surveillance (0–1) before and after; and totals.

    ``segments`` has columns ``id``, ``name``, ``buurt``, ``length_m``,
    ``surveillance_night_before/after``, ``surveillance_day_before/after`` and
    ``unobserved_m_before/after`` (metres of the segment whose night score is below
    ``unobserved_score``). ``buildings_changed`` counts buildings whose use or vacancy changed,
    or that were added or removed.
    """

    segments: pd.DataFrame
    buildings_changed: int
    unobserved_score: float
    totals: dict[str, float] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.segments.empty


def changed_buildings(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> np.ndarray:
    """Footprints of every building added, removed, or whose use or vacancy changed."""
    a = before.set_index(before["id"].astype(str))
    b = after.set_index(after["id"].astype(str))
    gone = a.index.difference(b.index)
    new = b.index.difference(a.index)
    both = a.index.intersection(b.index)
    differs = (a.loc[both, "use"].astype(str) != b.loc[both, "use"].astype(str)) | (
        a.loc[both, "vacant"].fillna(False).astype(bool)
        != b.loc[both, "vacant"].fillna(False).astype(bool)
    )
    moved = both[differs.to_numpy()]
    geoms = [a.geometry.loc[gone], b.geometry.loc[new], b.geometry.loc[moved]]
    return np.concatenate([g.to_numpy() for g in geoms])


def surveillance_change(
    base: Twin, changed: Twin, settings: AnalysisSettings | None = None
) -> SurveillanceChange:
    """Natural surveillance on ``base`` and ``changed`` for the segments changed buildings see.

    A building's windows watch at most ``view_distance`` metres, so only segments that close
    to a changed building can change; their sample points, and the façades and obstacles near
    them, are computed as :func:`~twin.analytics.analyse_twin` does (same weights, same
    lines of sight, party walls included).
    """
    settings = settings or AnalysisSettings()
    footprints = changed_buildings(base.buildings, changed.buildings)
    streets = base.streets
    if len(footprints) == 0 or len(streets) == 0:
        segments, totals = _nothing(_WATCH)
        return SurveillanceChange(segments, 0, settings.unobserved_score, totals)
    lines = streets.geometry.to_numpy()
    reach = settings.view_distance
    hit = np.unique(
        shapely.STRtree(lines).query(footprints, predicate="dwithin", distance=reach)[1]
    )
    samples = samples_along(lines[hit], settings.surveillance_spacing)
    tables = []
    for twin in (base, changed):
        geoms = twin.buildings.geometry.to_numpy()
        # every façade and obstacle a sample can see lies within view_distance of it
        near = np.unique(
            shapely.STRtree(geoms).query(lines[hit], predicate="dwithin", distance=2 * reach)[1]
        )
        nearby = twin.buildings.iloc[near]
        facades = facades_from_buildings(nearby, settings)
        obstacles = obstacles_from_footprints(nearby.geometry.to_numpy())
        eyes = eyes_at_points(samples.xy, facades, obstacles, reach)
        table = segment_surveillance(samples, eyes, len(hit), settings)
        night = score_from_eyes(eyes.night, settings.full_view_m)
        table["unobserved_m"] = np.bincount(
            samples.line,
            samples.length * (night < settings.unobserved_score),
            minlength=len(hit),
        )
        tables.append(table)
    segments, totals = _compare(streets, hit, samples, tables[0], tables[1], _WATCH)
    return SurveillanceChange(segments, len(footprints), settings.unobserved_score, totals)
