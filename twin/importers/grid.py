"""The Leefbaarometer 100 m grid as rasters: one GeoTIFF per year in a twin's ``rasters/``.

Each file ``rasters/leefbaarometer_<year>.tif`` is float32 on 100 m RD New cells aligned to
the Leefbaarometer grid (multiples of 100 m), one band per variable (``lbm``, ``afw``, ``fys``,
``onv``, ``soc``, ``vrz``, ``won`` as present, named in the band descriptions), NaN where the
grid has no score or the cell centre lies outside the municipality. ``twin.json`` lists them
under ``rasters``; :func:`liveability_grid` reads one back as an xarray DataArray.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import rasterio
import shapely
import xarray as xr
from affine import Affine

from twin.constants import RD_CRS
from twin.errors import TwinNotFoundError
from twin.importers.leefbaarometer import GRID_CELL_M, LBM_VARIABLES

__all__ = ["GridRaster", "liveability_grid", "rasters_from_grid", "write_rasters"]

RASTER_DIR = "rasters"


class GridRaster:
    """One year of the grid: bands × rows × cols, its affine transform and band names."""

    def __init__(self, year: int, data: np.ndarray, transform: Any, bands: list[str]) -> None:
        self.year, self.data, self.transform, self.bands = year, data, transform, bands

    @property
    def name(self) -> str:
        return f"leefbaarometer_{self.year}"


def rasters_from_grid(grid: pd.DataFrame, outline: shapely.Geometry) -> list[GridRaster]:
    """Rasters per year from grid rows (``year``, ``x0``, ``y0`` and score columns). Pure."""
    if grid is None or grid.empty:
        return []
    cx = grid["x0"].to_numpy(dtype=float) + GRID_CELL_M / 2
    cy = grid["y0"].to_numpy(dtype=float) + GRID_CELL_M / 2
    inside = shapely.contains_xy(outline, cx, cy)
    grid = grid[inside]
    if grid.empty:
        return []
    x0 = float(np.floor(grid["x0"].min() / GRID_CELL_M) * GRID_CELL_M)
    y1 = float(np.ceil((grid["y0"].max() + GRID_CELL_M) / GRID_CELL_M) * GRID_CELL_M)
    cols = round((float(grid["x0"].max()) - x0) / GRID_CELL_M) + 1
    rows = round((y1 - float(grid["y0"].min())) / GRID_CELL_M)
    transform = Affine(GRID_CELL_M, 0.0, x0, 0.0, -GRID_CELL_M, y1)  # north-up, 100 m cells
    bands = [c for c in LBM_VARIABLES if c in grid.columns]
    out = []
    for year, sub in grid.groupby("year", sort=True):
        data = np.full((len(bands), rows, cols), np.nan, dtype="float32")
        c = np.round((sub["x0"].to_numpy() - x0) / GRID_CELL_M).astype(int)
        r = np.round((y1 - sub["y0"].to_numpy()) / GRID_CELL_M).astype(int) - 1
        for b, name in enumerate(bands):
            data[b, r, c] = sub[name].to_numpy(dtype="float32")
        out.append(GridRaster(int(year), data, transform, bands))
    return out


def write_rasters(rasters: list[GridRaster], directory: str | os.PathLike[str]) -> dict[str, Any]:
    """Write each raster as ``<directory>/rasters/<name>.tif``; return their entries for
    ``twin.json`` (file, year, bands, cell size)."""
    info: dict[str, Any] = {}
    if not rasters:
        return info
    folder = Path(directory) / RASTER_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for raster in rasters:
        path = folder / f"{raster.name}.tif"
        bands, height, width = raster.data.shape
        with rasterio.open(
            path,
            "w",
            driver="GTiff",
            width=width,
            height=height,
            count=bands,
            dtype="float32",
            crs=RD_CRS,
            transform=raster.transform,
            nodata=np.nan,
            compress="deflate",
        ) as dst:
            dst.write(raster.data)
            for k, name in enumerate(raster.bands, start=1):
                dst.set_band_description(k, name)
            dst.update_tags(year=str(raster.year), source="Leefbaarometer 3.0 (BZK)")
        info[raster.name] = {
            "file": f"{RASTER_DIR}/{path.name}",
            "year": raster.year,
            "bands": raster.bands,
            "cell_m": GRID_CELL_M,
            "source": "Leefbaarometer 3.0, 100 m grid",
        }
    return info


def liveability_grid(twin_dir: str | os.PathLike[str], year: int | None = None) -> xr.DataArray:
    """The Leefbaarometer grid of an imported twin as a DataArray (band, y, x), RD New.

    ``year`` defaults to the latest in the twin.
    """
    folder = Path(twin_dir) / RASTER_DIR
    files = sorted(folder.glob("leefbaarometer_*.tif"))
    if not files:
        raise TwinNotFoundError(f"{folder} holds no Leefbaarometer grid")
    by_year = {int(p.stem.rsplit("_", 1)[1]): p for p in files}
    if year is None:
        year = max(by_year)
    if year not in by_year:
        raise TwinNotFoundError(f"no Leefbaarometer grid for {year}; years: {sorted(by_year)}")
    with rasterio.open(by_year[year]) as src:
        data = src.read()
        t = src.transform
        names = [d or f"band{k}" for k, d in enumerate(src.descriptions, start=1)]
    xs = t.c + (np.arange(data.shape[2]) + 0.5) * t.a
    ys = t.f + (np.arange(data.shape[1]) + 0.5) * t.e
    return xr.DataArray(
        data,
        dims=("band", "y", "x"),
        coords={"band": names, "y": ys, "x": xs},
        attrs={"crs": RD_CRS, "year": year, "source": "Leefbaarometer 3.0, 100 m grid"},
        name="leefbaarometer",
    )
