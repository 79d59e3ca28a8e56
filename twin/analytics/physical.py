"""The expensive, weight-independent part of the analysis: rasters, segment measures and
hidden spots of a twin (:func:`physical_analysis`). :mod:`twin.analytics.analysis` caches it and
adds the CPTED indicator, the buurt summary and feeling vs fact.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xarray as xr
from scipy import ndimage
from scipy.spatial import cKDTree

from twin.analytics.cpted import vacancy_nearby
from twin.analytics.grid import (
    RasterGrid,
    burn_polygons,
    grid_for,
    public_space_mask,
    raster_from_array,
)
from twin.analytics.hidden import cells_with_samples, hidden_spots
from twin.analytics.lighting import lamps_from_lights, lux_at_points, lux_grid, segment_lighting
from twin.analytics.params import AnalysisSettings
from twin.analytics.provenance import derived_manifest
from twin.analytics.sampling import samples_along
from twin.analytics.sightlines import Obstacles, obstacles_from_footprints
from twin.analytics.surveillance import (
    Facades,
    eyes_at_points,
    facades_from_buildings,
    score_from_eyes,
    segment_surveillance,
)
from twin.model import Twin

__all__ = ["INPUTS", "Physical", "physical_analysis"]


@dataclass(frozen=True, eq=False)
class Physical:
    """The expensive, weight-independent part of an analysis."""

    lux: xr.DataArray
    surveillance_day: xr.DataArray
    surveillance_night: xr.DataArray
    segments: gpd.GeoDataFrame
    hidden_spots: gpd.GeoDataFrame
    timings: dict[str, float]
    cpu_timings: dict[str, float]


class _Clock:
    """Wall and CPU seconds per step (CPU time is steadier on a shared machine)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._t, self._c = time.perf_counter(), time.process_time()

    def lap(self, name: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.timings[name] = round(now - self._t, 4)
        self.cpu[name] = round(cpu - self._c, 4)
        self._t, self._c = now, cpu


def physical_analysis(twin: Twin, settings: AnalysisSettings) -> Physical:
    """Rasters, segment measures and hidden spots (no weights involved). Not cached."""
    clock = _Clock()
    areas = twin.buurten.geometry if len(twin.buurten) else twin.neighbourhoods.geometry
    if len(areas) == 0:
        raise ValueError("the twin has no neighbourhoods to analyse")
    water = twin.ground.geometry[twin.ground["kind"] == "water"] if len(twin.ground) else None
    buildings, streets = twin.buildings, twin.streets
    lines = streets.geometry.to_numpy()
    bounds = tuple(areas.total_bounds)

    # lighting: raster and segments
    lamps = lamps_from_lights(twin.lights, settings)
    grid = grid_for(bounds, settings.lux_resolution)
    public = public_space_mask(grid, areas, buildings.geometry, water)
    lux = lux_grid(lamps, grid)
    lux[~public] = np.nan
    clock.lap("lighting raster")
    light_samples = samples_along(lines, settings.lighting_spacing)
    lighting = segment_lighting(
        light_samples, lux_at_points(light_samples.xy, lamps), len(streets), settings.dark_lux
    )
    clock.lap("lighting per segment")

    # surveillance: segments and raster
    facades = facades_from_buildings(buildings, settings)
    obstacles = obstacles_from_footprints(buildings.geometry.to_numpy())
    eye_samples = samples_along(lines, settings.surveillance_spacing)
    eyes = eyes_at_points(eye_samples.xy, facades, obstacles, settings.view_distance)
    watching = segment_surveillance(eye_samples, eyes, len(streets), settings)
    clock.lap("surveillance per segment")
    sgrid = grid_for(bounds, settings.surveillance_resolution)
    built = burn_polygons(buildings.geometry.to_numpy(), sgrid)
    spublic = public_space_mask(sgrid, areas, buildings.geometry, water)
    street_space = _near(sgrid, spublic, light_samples.xy, settings.path_buffer)
    day, night = _surveillance_grid(sgrid, street_space, facades, obstacles, settings)
    clock.lap("surveillance raster")

    # hidden spots on the surveillance grid
    built_up = ndimage.distance_transform_edt(~built) * sgrid.res <= settings.built_up_distance
    walkable = street_space & built_up
    cells = np.flatnonzero(walkable.ravel())
    cell_lux = np.full(sgrid.shape, np.nan)
    cell_lux.ravel()[cells] = lux_at_points(sgrid.centres(cells), lamps)
    cell_night = night.copy()
    # the paths themselves, measured exactly at their sample points: narrow alleys between
    # sheds have no cell centre in public space, but people walk there
    on_path = burn_polygons(areas.to_numpy(), sgrid) & built_up
    walkable = cells_with_samples(
        sgrid,
        (cell_lux, cell_night, walkable),
        eye_samples.xy,
        lux_at_points(eye_samples.xy, lamps),
        score_from_eyes(eyes.night, settings.full_view_m),
        among=on_path,
    )
    spots = hidden_spots(
        sgrid,
        cell_lux,
        cell_night,
        walkable,
        settings,
        samples=light_samples,
        streets=_street_keys(twin),
    )
    spots = _fill_spot_buurten(spots, twin)
    clock.lap("hidden spots")

    nearby, vacancy = vacancy_nearby(lines, buildings, settings.vacancy_radius)
    segments = gpd.GeoDataFrame(
        {
            **{c: _street_keys(twin)[c].to_numpy() for c in ("id", "highway", "name", "buurt")},
            "length_m": shapely.length(lines),
            **{c: lighting[c].to_numpy() for c in lighting},
            **{c: watching[c].to_numpy() for c in watching},
            "buildings_nearby": nearby.astype(np.int64),
            "vacancy_share": vacancy,
        },
        geometry=streets.geometry.to_numpy(),
        crs=streets.crs,
    )
    clock.lap("vacancy nearby")

    def raster(values: np.ndarray, g: RasterGrid, name: str, units: str, long: str) -> xr.DataArray:
        m = derived_manifest(twin, name, layers=INPUTS[name])
        return raster_from_array(
            values.astype(np.float32),
            g,
            name=name,
            attrs={"units": units, "long_name": long, **m.to_dict()},
        )

    return Physical(
        lux=raster(lux, grid, "lux", "lx", "horizontal illuminance"),
        surveillance_day=raster(
            day, sgrid, "surveillance_day", "1", "eyes on the street, day (0-1)"
        ),
        surveillance_night=raster(
            night, sgrid, "surveillance_night", "1", "eyes on the street, night (0-1)"
        ),
        segments=segments,
        hidden_spots=spots,
        timings=clock.timings,
        cpu_timings=clock.cpu,
    )


#: The twin layers each output is computed from.
INPUTS: dict[str, tuple[str, ...]] = {
    "lux": ("lights", "buildings", "neighbourhoods", "ground"),
    "surveillance_day": ("buildings", "neighbourhoods", "ground"),
    "surveillance_night": ("buildings", "neighbourhoods", "ground"),
    "segments": ("streets", "lights", "buildings"),
    "hidden_spots": ("lights", "buildings", "streets", "neighbourhoods", "ground"),
    "buurten": ("streets", "lights", "buildings", "neighbourhoods"),
}


def _street_keys(twin: Twin) -> pd.DataFrame:
    """``id``, ``highway``, ``name``, ``buurt`` of each segment; a missing buurt is taken from
    the buurt holding the segment's midpoint."""
    streets = twin.streets
    keys = pd.DataFrame(
        {c: streets[c].astype(object).to_numpy() for c in ("id", "highway", "name", "buurt")}
    )
    missing = keys["buurt"].isna().to_numpy()
    if missing.any() and len(twin.buurten):
        mid = shapely.line_interpolate_point(
            streets.geometry.to_numpy()[missing], 0.5, normalized=True
        )
        keys.loc[missing, "buurt"] = _buurt_of(mid, twin)
    return keys


def _buurt_of(points: np.ndarray, twin: Twin) -> np.ndarray:
    """CBS code of the buurt holding each point (None outside every buurt)."""
    buurten = twin.buurten
    out = np.full(len(points), None, dtype=object)
    if len(points) == 0 or len(buurten) == 0:
        return out
    pt, area = shapely.STRtree(buurten.geometry.to_numpy()).query(points, predicate="within")
    out[pt] = buurten["code"].to_numpy(dtype=object)[area]
    return out


def _fill_spot_buurten(spots: gpd.GeoDataFrame, twin: Twin) -> gpd.GeoDataFrame:
    missing = spots["buurt"].isna().to_numpy()
    if missing.any():
        spots = spots.copy()
        spots.loc[missing, "buurt"] = _buurt_of(
            shapely.point_on_surface(spots.geometry.to_numpy()[missing]), twin
        )
    return spots


def _near(grid: RasterGrid, among: np.ndarray, xy: np.ndarray, distance: float) -> np.ndarray:
    """Cells of mask ``among`` whose centre is within ``distance`` of any point of ``xy``."""
    out = np.zeros(grid.shape, dtype=bool)
    cells = np.flatnonzero(among.ravel())
    if len(xy) and len(cells):
        d, _ = cKDTree(xy).query(grid.centres(cells), distance_upper_bound=distance)
        out.ravel()[cells[np.isfinite(d)]] = True
    return out


def _surveillance_grid(
    grid: RasterGrid,
    street_space: np.ndarray,
    facades: Facades,
    obstacles: Obstacles,
    settings: AnalysisSettings,
) -> tuple[np.ndarray, np.ndarray]:
    """Day and night scores on the cells of ``street_space``: evaluated where a watching façade
    is within the view distance, 0 elsewhere in the street space, NaN outside it (gardens,
    fields and buildings are not scored)."""
    day = np.where(street_space, 0.0, np.nan)
    night = day.copy()
    if len(facades) == 0:
        return day, night
    cells = np.flatnonzero(street_space.ravel())
    xy = grid.centres(cells)
    d, _ = cKDTree(facades.xy).query(xy, distance_upper_bound=settings.view_distance)
    reach = np.isfinite(d)
    eyes = eyes_at_points(xy[reach], facades, obstacles, settings.view_distance)
    day.ravel()[cells[reach]] = score_from_eyes(eyes.day, settings.full_view_m)
    night.ravel()[cells[reach]] = score_from_eyes(eyes.night, settings.full_view_m)
    return day, night
