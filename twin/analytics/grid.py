"""RD New raster grids, public space, and georeferenced xarray rasters.

A :class:`RasterGrid` is north-up, aligned to whole multiples of :data:`GRID_ALIGN_M` in RD
New, so grids of different cell sizes over the same area line up. Rasters are
``xr.DataArray`` with dims ``(y, x)`` (cell centres), a ``spatial_ref`` coordinate carrying
the CRS as WKT and the GDAL geotransform (the convention rioxarray and QGIS read), and the
attributes ``crs``, ``transform``, ``res`` plus the manifest fields.

**Public space** is everything inside the municipality's buurten (the part of the municipality
the twin covers) that is not under a building footprint and not open water. Private gardens,
yards and car parks are not told apart from streets in open data, so they count as public
space; hidden-spot searches therefore look only near streets and paths.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio.features
import shapely
import xarray as xr
from pyproj import CRS
from rasterio.transform import Affine

from twin.constants import RD_CRS

__all__ = [
    "GRID_ALIGN_M",
    "RasterGrid",
    "burn_polygons",
    "grid_for",
    "grid_of",
    "public_space_mask",
    "raster_from_array",
]

#: Grid origins snap to multiples of this (m): grids of 5, 10, 20 and 25 m all line up.
GRID_ALIGN_M = 100.0


@dataclass(frozen=True)
class RasterGrid:
    """A north-up RD New grid: origin (west, north), cell size and shape."""

    west: float
    north: float
    res: float
    width: int
    height: int

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    @property
    def transform(self) -> Affine:
        return Affine(self.res, 0.0, self.west, 0.0, -self.res, self.north)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of the grid's outer edges."""
        return (
            self.west,
            self.north - self.height * self.res,
            self.west + self.width * self.res,
            self.north,
        )

    @cached_property
    def x(self) -> np.ndarray:
        """Cell-centre x coordinates (columns)."""
        return self.west + (np.arange(self.width) + 0.5) * self.res

    @cached_property
    def y(self) -> np.ndarray:
        """Cell-centre y coordinates (rows, north to south)."""
        return self.north - (np.arange(self.height) + 0.5) * self.res

    def cell_of(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, col) of the cells holding points ``xy`` (may be outside the grid)."""
        col = np.floor((xy[:, 0] - self.west) / self.res).astype(np.int64)
        row = np.floor((self.north - xy[:, 1]) / self.res).astype(np.int64)
        return row, col

    def centres(self, flat_index: np.ndarray) -> np.ndarray:
        """(n, 2) cell-centre coordinates of cells given by flat (row-major) index."""
        row, col = np.divmod(flat_index, self.width)
        return np.column_stack([self.x[col], self.y[row]])


def grid_for(bounds: tuple[float, float, float, float], res: float) -> RasterGrid:
    """The smallest aligned grid of cell size ``res`` covering ``bounds`` (minx, miny, maxx, maxy).

    >>> g = grid_for((191_239.6, 315_888.5, 191_262.0, 315_901.0), 5.0)
    >>> (g.west, g.north, g.width, g.height)
    (191200.0, 316000.0, 13, 23)
    """
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    if not (math.isfinite(minx) and maxx >= minx and maxy >= miny):
        raise ValueError(f"cannot make a grid over empty or invalid bounds {bounds!r}")
    if not res > 0:
        raise ValueError(f"cell size must be positive, not {res!r}")
    west = math.floor(minx / GRID_ALIGN_M) * GRID_ALIGN_M
    north = math.ceil(maxy / GRID_ALIGN_M) * GRID_ALIGN_M
    width = max(1, math.ceil((maxx - west) / res))
    height = max(1, math.ceil((north - miny) / res))
    return RasterGrid(west=west, north=north, res=float(res), width=width, height=height)


def _polygon_mappings(geoms: np.ndarray) -> list[dict[str, Any]]:
    """GeoJSON-like polygon mappings of (multi)polygons, built in bulk.

    About five times faster than ``__geo_interface__`` one geometry at a time, which would
    dominate the rasterising of a city's buildings.
    """
    polys = shapely.get_parts(geoms)
    rings, poly_of_ring = shapely.get_rings(polys, return_index=True)
    coords, ring_of_coord = shapely.get_coordinates(rings, return_index=True)
    starts = np.searchsorted(ring_of_coord, np.arange(len(rings) + 1))
    flat = coords.tolist()
    by_poly: list[list[list[list[float]]]] = [[] for _ in range(len(polys))]
    for k, p in enumerate(poly_of_ring.tolist()):
        by_poly[p].append(flat[starts[k] : starts[k + 1]])
    return [{"type": "Polygon", "coordinates": r} for r in by_poly if r]


def burn_polygons(geoms: np.ndarray, grid: RasterGrid) -> np.ndarray:
    """Boolean raster: True where a cell centre lies in any of ``geoms`` (polygons)."""
    geoms = np.asarray(geoms, dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(geoms) == 0:
        return np.zeros(grid.shape, dtype=bool)
    burnt = rasterio.features.rasterize(
        ((g, 1) for g in _polygon_mappings(geoms)),
        out_shape=grid.shape,
        transform=grid.transform,
        dtype="uint8",
    )
    return burnt.astype(bool)


def public_space_mask(
    grid: RasterGrid,
    areas: gpd.GeoSeries,
    buildings: gpd.GeoSeries,
    water: gpd.GeoSeries | None = None,
) -> np.ndarray:
    """True for cells whose centre is in ``areas`` but not in a building or in water."""
    inside = burn_polygons(areas.to_numpy(), grid)
    inside &= ~burn_polygons(buildings.to_numpy(), grid)
    if water is not None and len(water):
        inside &= ~burn_polygons(water.to_numpy(), grid)
    return inside


def raster_from_array(
    values: np.ndarray, grid: RasterGrid, *, name: str, attrs: dict[str, Any]
) -> xr.DataArray:
    """A georeferenced ``(y, x)`` DataArray on ``grid`` with CRS and transform attributes."""
    if values.shape != grid.shape:
        raise ValueError(f"values of shape {values.shape} do not fit grid {grid.shape}")
    t = grid.transform
    gdal = (t.c, t.a, t.b, t.f, t.d, t.e)
    spatial_ref = xr.DataArray(
        0,
        attrs={
            "crs_wkt": _rd_wkt(),
            "spatial_ref": _rd_wkt(),
            "GeoTransform": " ".join(repr(float(v)) for v in gdal),
        },
    )
    return xr.DataArray(
        values,
        dims=("y", "x"),
        coords={"y": grid.y, "x": grid.x, "spatial_ref": spatial_ref},
        name=name,
        attrs={
            "crs": RD_CRS,
            "transform": tuple(float(v) for v in (t.a, t.b, t.c, t.d, t.e, t.f)),
            "res": grid.res,
            "grid_mapping": "spatial_ref",
            **attrs,
        },
    )


def grid_of(raster: xr.DataArray) -> RasterGrid:
    """The :class:`RasterGrid` of a raster made by :func:`raster_from_array`."""
    a, _b, c, _d, _e, f = raster.attrs["transform"]
    return RasterGrid(
        west=c, north=f, res=a, width=int(raster.sizes["x"]), height=int(raster.sizes["y"])
    )


@lru_cache(maxsize=1)
def _rd_wkt() -> str:
    return str(CRS.from_user_input(RD_CRS).to_wkt())
