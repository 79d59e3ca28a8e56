"""A smaller twin: only some buurten (for a focused view, fast tests and browser tests)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import geopandas as gpd
import shapely

from twin.model import Twin

__all__ = ["subset_twin"]


def subset_twin(twin: Twin, buurten: Iterable[str]) -> Twin:
    """The part of ``twin`` inside the given buurten (CBS codes).

    Keeps those buurten, their wijken and the gemeente (with their own geometry and
    indicators), the buildings and streets of those buurten, and the lights and ground inside.
    """
    codes = set(buurten)
    nb = twin.neighbourhoods
    unknown = codes - set(nb.loc[nb["level"] == "buurt", "code"])
    if unknown:
        raise KeyError(f"unknown buurt codes: {', '.join(sorted(unknown))}")
    parents = set(nb.loc[nb["code"].isin(codes), "parent"])
    grand = set(nb.loc[nb["code"].isin(parents), "parent"])
    keep_areas = codes | parents | grand
    areas = nb[nb["code"].isin(keep_areas)].reset_index(drop=True)
    region = shapely.union_all(nb.loc[nb["code"].isin(codes)].geometry.to_numpy())
    prepared = region.buffer(1.0)
    shapely.prepare(prepared)

    def inside(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        if len(frame) == 0:
            return frame
        mask = shapely.intersects(prepared, frame.geometry.to_numpy())
        return frame[mask].reset_index(drop=True)

    ground = inside(twin.ground)
    if len(ground):
        ground = ground.copy()
        clipped = shapely.intersection(ground.geometry.to_numpy(), region)
        ground.geometry = clipped
        kinds = shapely.get_type_id(clipped)
        ground = ground[(kinds == 3) | (kinds == 6)].reset_index(drop=True)
    return replace(
        twin,
        name=f"{twin.name} — {', '.join(sorted(codes))}",
        neighbourhoods=areas,
        buildings=twin.buildings[twin.buildings["buurt"].isin(codes)].reset_index(drop=True),
        streets=twin.streets[twin.streets["buurt"].isin(codes)].reset_index(drop=True),
        lights=inside(twin.lights),
        ground=ground,
        indicators=twin.indicators.sel(
            area=[a for a in twin.indicators["area"].to_numpy() if a in keep_areas]
        ),
        path=None,
    )
