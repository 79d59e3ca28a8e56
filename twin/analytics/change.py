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
from twin.analytics.sampling import samples_along
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

_KEYS = ("height", "lumen")


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
        for key in _KEYS:
            frame[key] = lights[key].to_numpy(dtype=float)
        return frame.set_index("id")

    a, b = table(before), table(after)
    gone = a.loc[a.index.difference(b.index), ["x", "y"]]
    new = b.loc[b.index.difference(a.index), ["x", "y"]]
    both = a.index.intersection(b.index)
    cols = ["x", "y", *_KEYS]
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
    empty = pd.DataFrame(
        columns=[
            "id",
            "name",
            "buurt",
            "length_m",
            "lux_mean_before",
            "lux_mean_after",
            "dark_m_before",
            "dark_m_after",
        ]
    )
    if len(spots) == 0 or len(streets) == 0:
        return LightingChange(empty, 0, settings.dark_lux, _totals(empty))
    before, after = (lamps_from_lights(t.lights, settings) for t in (base, changed))
    reach = max(before.max_radius, after.max_radius)
    # segments within reach of a changed lamp: the distance from a lamp to a line is at most
    # the distance to its nearest sample point, so test the lines themselves
    lines = streets.geometry.to_numpy()
    tree = shapely.STRtree(lines)
    hit = np.unique(tree.query(shapely.points(spots), predicate="dwithin", distance=reach)[1])
    samples = samples_along(lines[hit], settings.lighting_spacing)
    stats = []
    for lamps in (before, after):
        lux = lux_at_points(samples.xy, lamps)
        table = segment_lighting(samples, lux, len(hit), settings.dark_lux)
        length = np.bincount(samples.line, samples.length, minlength=len(hit))
        table["dark_m"] = table["dark_share"] * length
        stats.append((table, length))
    (b, length), (a, _) = stats
    segments = pd.DataFrame(
        {
            "id": streets["id"].to_numpy()[hit],
            "name": streets["name"].to_numpy()[hit],
            "buurt": streets["buurt"].to_numpy()[hit],
            "length_m": length,
            "lux_mean_before": b["lux_mean"].to_numpy(),
            "lux_mean_after": a["lux_mean"].to_numpy(),
            "dark_m_before": b["dark_m"].to_numpy(),
            "dark_m_after": a["dark_m"].to_numpy(),
        }
    )
    # a segment whose light did not change at all is not "affected" (a lamp's reach is a
    # bound, not a promise); keep only those that change by more than rounding
    moved = ~np.isclose(segments["lux_mean_before"], segments["lux_mean_after"], atol=1e-3)
    segments = segments[moved].reset_index(drop=True)
    return LightingChange(segments, len(spots), settings.dark_lux, _totals(segments))


def _totals(segments: pd.DataFrame) -> dict[str, float]:
    length = float(segments["length_m"].sum()) if len(segments) else 0.0

    def mean(col: str) -> float:
        if not length:
            return float("nan")
        return float((segments[col] * segments["length_m"]).sum() / length)

    return {
        "segments": float(len(segments)),
        "length_m": length,
        "lux_mean_before": mean("lux_mean_before"),
        "lux_mean_after": mean("lux_mean_after"),
        "dark_m_before": float(segments["dark_m_before"].sum()) if length else 0.0,
        "dark_m_after": float(segments["dark_m_after"].sum()) if length else 0.0,
    }


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
    columns = ["id", "name", "buurt", "length_m"] + [
        f"{m}_{w}"
        for m in ("surveillance_night", "surveillance_day", "unobserved_m")
        for w in ("before", "after")
    ]
    if len(footprints) == 0 or len(streets) == 0:
        empty = pd.DataFrame(columns=columns)
        return SurveillanceChange(empty, 0, settings.unobserved_score, _watch_totals(empty))
    lines = streets.geometry.to_numpy()
    reach = settings.view_distance
    hit = np.unique(
        shapely.STRtree(lines).query(footprints, predicate="dwithin", distance=reach)[1]
    )
    samples = samples_along(lines[hit], settings.surveillance_spacing)
    stats = []
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
        stats.append(table)
    b, a = stats
    segments = pd.DataFrame(
        {
            "id": streets["id"].to_numpy()[hit],
            "name": streets["name"].to_numpy()[hit],
            "buurt": streets["buurt"].to_numpy()[hit],
            "length_m": np.bincount(samples.line, samples.length, minlength=len(hit)),
        }
    )
    for col in ("surveillance_night", "surveillance_day", "unobserved_m"):
        segments[f"{col}_before"] = b[col].to_numpy()
        segments[f"{col}_after"] = a[col].to_numpy()
    moved = ~(
        np.isclose(segments["surveillance_night_before"], segments["surveillance_night_after"])
        & np.isclose(segments["surveillance_day_before"], segments["surveillance_day_after"])
    )
    segments = segments[moved].reset_index(drop=True)
    return SurveillanceChange(
        segments, len(footprints), settings.unobserved_score, _watch_totals(segments)
    )


def _watch_totals(segments: pd.DataFrame) -> dict[str, float]:
    length = float(segments["length_m"].sum()) if len(segments) else 0.0

    def mean(col: str) -> float:
        if not length:
            return float("nan")
        return float((segments[col] * segments["length_m"]).sum() / length)

    out = {"segments": float(len(segments)), "length_m": length}
    for when in ("before", "after"):
        out[f"surveillance_night_{when}"] = mean(f"surveillance_night_{when}")
        out[f"surveillance_day_{when}"] = mean(f"surveillance_day_{when}")
        out[f"unobserved_m_{when}"] = (
            float(segments[f"unobserved_m_{when}"].sum()) if length else 0.0
        )
    return out
