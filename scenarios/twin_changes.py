"""Physical interventions change the twin: :func:`apply_to_twin` returns the changed model.

- ``street_lighting``: the lights on the targeted streets are replaced (or, with
  ``replace_existing = false``, supplemented) by new lights every ``spacing_m`` metres, at
  ``height_m`` and ``lumen``, standing :data:`~scenarios.constants.LIGHT_OFFSET_M` from the
  centre line; new lights have ids ``SCEN.lamp.<n>`` and ``added_by = "street_lighting"``.
- ``vacant_building_renovation``: the targeted buildings (all vacant ones in a targeted area)
  are no longer vacant.
- ``hedge_trimming``: the targeted streets (or those within ``reach_m`` of a targeted spot or
  building) get ``sightlines_improved = True``.
- ``cctv``: streets within the camera reach get ``cctv = True``; ``alley_gating``: targeted
  streets get ``gated = True``; ``burglary_proofing``: buildings get ``burglary_proofed = True``.
- ``vacant_lot_greening``: a square park of ``lot_m2`` at each spot in the ``ground`` layer.

Non-physical measures (patrol, clean-up, youth facility) leave the twin as it is.

**Hook for the analytics.** The lighting and surveillance analytics (``twin`` analytics, issue
4) take a twin; recompute them on ``apply_to_twin(twin, scenario)`` to see the scenario's
lux, dark street length and eyes on the street next to the baseline. The returned twin has a
new ``fingerprint``, so caches keyed on it recompute.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from scenarios.constants import LIGHT_MATCH_M, LIGHT_OFFSET_M
from scenarios.errors import ScenarioError
from scenarios.scenario import Intervention, Scenario
from twin import Twin

__all__ = ["apply_to_twin", "twin_changes"]


def _streets_of(twin: Twin, item: Intervention, reach: float, where: str) -> np.ndarray:
    """Positions (in ``twin.streets``) of the streets an intervention acts on."""
    s = twin.streets
    t = item.targets
    hit = s["id"].isin(t.streets).to_numpy().copy()
    missing = set(t.streets) - set(s["id"])
    if missing:
        raise ScenarioError(f"street {sorted(missing)[0]!r} is not in this twin", where=where)
    geoms = []
    if t.buildings:
        b = twin.buildings.set_index("id")
        missing = set(t.buildings) - set(b.index)
        if missing:
            raise ScenarioError(f"building {sorted(missing)[0]!r} is not in this twin", where=where)
        geoms += list(b.geometry.loc[list(t.buildings)])
    if t.spots:
        geoms += list(shapely.points(np.asarray(t.spots)))
    if geoms:
        idx = shapely.STRtree(s.geometry.to_numpy()).query(
            geoms, predicate="dwithin", distance=reach
        )[1]
        hit[np.unique(idx)] = True
    if t.areas:
        hit |= s["buurt"].isin(_buurten(twin, t.areas, where)).to_numpy()
    return np.flatnonzero(hit)


def _buurten(twin: Twin, codes: tuple[str, ...], where: str) -> list[str]:
    nb = twin.neighbourhoods
    out = []
    for c in codes:
        kids = nb.loc[(nb["level"] == "buurt") & ((nb["code"] == c) | (nb["parent"] == c)), "code"]
        if not len(kids):
            raise ScenarioError(f"area {c!r} is not a buurt or wijk of this twin", where=where)
        out += list(kids)
    return out


def _flag(frame: gpd.GeoDataFrame, column: str, rows: np.ndarray) -> gpd.GeoDataFrame:
    frame = frame.copy()
    values = (
        frame[column].to_numpy(dtype=bool).copy() if column in frame else np.zeros(len(frame), bool)
    )
    values[rows] = True
    frame[column] = values
    return frame


def _new_lights(
    twin: Twin, lines: gpd.GeoSeries, street_ids: list[str], item: Intervention, start: int
) -> gpd.GeoDataFrame:
    spacing = float(item.param("spacing_m"))
    xs, ys, owner = [], [], []
    for sid, line in zip(street_ids, lines, strict=True):
        length = line.length
        n = max(int(length // spacing), 1)
        pos = (np.arange(n) + 0.5) * length / n
        pts = shapely.line_interpolate_point(line, pos)
        ahead = shapely.line_interpolate_point(line, np.minimum(pos + 1.0, length))
        behind = shapely.line_interpolate_point(line, np.maximum(pos - 1.0, 0.0))
        d = shapely.get_coordinates(ahead) - shapely.get_coordinates(behind)
        d /= np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)[:, None]
        p = shapely.get_coordinates(pts) + np.column_stack([-d[:, 1], d[:, 0]]) * LIGHT_OFFSET_M
        xs += list(p[:, 0])
        ys += list(p[:, 1])
        owner += [sid] * n
    k = len(xs)
    return gpd.GeoDataFrame(
        {
            "id": [f"SCEN.lamp.{start + i:06d}" for i in range(k)],
            "height": np.full(k, float(item.param("height_m"))),
            "lumen": np.full(k, float(item.param("lumen"))),
            "estimated": np.zeros(k, bool),
            "street": np.asarray(owner, dtype=object),
            "added_by": np.full(k, "street_lighting", dtype=object),
        },
        geometry=shapely.points(np.round(xs, 2), np.round(ys, 2)),
        crs=twin.lights.crs or twin.streets.crs,
    )


def _lighting(twin: Twin, item: Intervention, where: str, log: list[dict[str, Any]]) -> Twin:
    rows = _streets_of(twin, item, LIGHT_MATCH_M, where)
    streets = twin.streets.iloc[rows]
    lights = twin.lights.copy()
    if "added_by" not in lights:
        lights["added_by"] = ""
    removed = 0
    if bool(item.param("replace_existing")) and len(lights) and len(streets):
        if "street" in lights:
            drop = lights["street"].isin(streets["id"]).to_numpy()
        else:
            near = shapely.STRtree(lights.geometry.to_numpy()).query(
                streets.geometry.to_numpy(), predicate="dwithin", distance=LIGHT_MATCH_M
            )[1]
            drop = np.zeros(len(lights), bool)
            drop[near] = True
        removed = int(drop.sum())
        lights = lights[~drop]
    start = int(lights["id"].astype(str).str.startswith("SCEN.lamp.").sum())
    new = _new_lights(twin, streets.geometry, list(streets["id"]), item, start)
    merged = pd.concat([lights, new], ignore_index=True)
    log.append(
        {
            "type": item.type,
            "streets": len(streets),
            "lights_added": len(new),
            "lights_removed": removed,
        }
    )
    return twin.replace_layers(lights=gpd.GeoDataFrame(merged, geometry="geometry", crs=new.crs))


def _buildings_of(twin: Twin, item: Intervention, where: str, vacant_only: bool) -> np.ndarray:
    b = twin.buildings
    t = item.targets
    missing = set(t.buildings) - set(b["id"])
    if missing:
        raise ScenarioError(f"building {sorted(missing)[0]!r} is not in this twin", where=where)
    hit = b["id"].isin(t.buildings).to_numpy().copy()
    if t.areas:
        in_area = b["buurt"].isin(_buurten(twin, t.areas, where)).to_numpy()
        hit |= in_area & (b["vacant"].to_numpy(dtype=bool) if vacant_only else True)
    return np.flatnonzero(hit)


def apply_to_twin(twin: Twin, scenario: Scenario) -> Twin:
    """The twin as it would be after the scenario's physical interventions (pure)."""
    return twin_changes(twin, scenario)[0]


def twin_changes(twin: Twin, scenario: Scenario) -> tuple[Twin, list[dict[str, Any]]]:
    """:func:`apply_to_twin` plus a log of what changed (one dict per intervention)."""
    log: list[dict[str, Any]] = []
    out = twin
    for n, item in enumerate(scenario.interventions):
        where = f"intervention {n + 1} ({item.type})"
        if item.type == "street_lighting":
            out = _lighting(out, item, where, log)
        elif item.type == "vacant_building_renovation":
            rows = _buildings_of(out, item, where, vacant_only=True)
            b = out.buildings.copy()
            was = int(b["vacant"].to_numpy(dtype=bool)[rows].sum())
            vacant = b["vacant"].to_numpy(dtype=bool).copy()
            vacant[rows] = False
            b["vacant"] = vacant
            out = out.replace_layers(buildings=b)
            log.append({"type": item.type, "buildings": len(rows), "no_longer_vacant": was})
        elif item.type == "burglary_proofing":
            rows = _buildings_of(out, item, where, vacant_only=False)
            out = out.replace_layers(buildings=_flag(out.buildings, "burglary_proofed", rows))
            log.append({"type": item.type, "buildings": len(rows)})
        elif item.type in ("hedge_trimming", "cctv", "alley_gating"):
            column = {
                "hedge_trimming": "sightlines_improved",
                "cctv": "cctv",
                "alley_gating": "gated",
            }[item.type]
            default_reach = 50.0 if item.type == "cctv" else 20.0
            rows = _streets_of(out, item, float(item.params.get("reach_m", default_reach)), where)
            out = out.replace_layers(streets=_flag(out.streets, column, rows))
            log.append({"type": item.type, "streets": len(rows), "column": column})
        elif item.type == "vacant_lot_greening" and item.targets.spots:
            side = float(item.param("lot_m2")) ** 0.5
            parks = gpd.GeoDataFrame(
                {"kind": ["park"] * len(item.targets.spots)},
                geometry=[
                    shapely.box(x - side / 2, y - side / 2, x + side / 2, y + side / 2)
                    for x, y in item.targets.spots
                ],
                crs=out.ground.crs or out.streets.crs,
            )
            ground = gpd.GeoDataFrame(
                pd.concat([out.ground, parks], ignore_index=True), crs=parks.crs
            )
            out = out.replace_layers(ground=ground)
            log.append({"type": item.type, "parks_added": len(parks)})
    if out is not twin:
        out = replace(out, meta={**twin.meta, "scenario": scenario.name})
    return out, log
