"""Hidden spots: places in public space that are both dark and unobserved at night.

On the surveillance grid (default 10 m), a cell is **hidden** when it is *walkable* — public
space within ``path_buffer`` of a street, path or footway (where people actually walk) and
within ``built_up_distance`` of a building (inside the built-up area: an unlit path across
fields is a dark route, not an entrapment spot) — its illuminance is below ``dark_lux`` and its
night surveillance score below ``unobserved_score``. Cells are judged at their centre, except
cells that a street or path passes through: those are judged by the path's own sample points
(mean lux and night score of the points in the cell), so an alley narrower than a cell, between
garden sheds, is still found. Touching hidden
cells (8-neighbourhood) form one spot. Each cell's severity is

    (1 - lux / dark_lux) · (1 - night score / unobserved_score)     (0–1)

and a spot's **severity** is the sum over its cells times the cell area (m²): a large, pitch
dark, unwatched place ranks first; a small one at the edge of the thresholds last. Each spot
carries its reasons as numbers (mean and highest lux, mean and highest night score, area, length
of street or path through it) and as a sentence.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import shapely
from scipy import ndimage

from twin.analytics.grid import RasterGrid
from twin.analytics.params import AnalysisSettings
from twin.analytics.sampling import Samples
from twin.constants import RD_CRS

__all__ = ["HIDDEN_COLUMNS", "cells_with_samples", "hidden_cells", "hidden_spots"]

#: Columns of the hidden-spots frame, in order (plus ``geometry``).
HIDDEN_COLUMNS = (
    "rank",
    "severity",
    "area_m2",
    "lux_mean",
    "lux_max",
    "night_mean",
    "night_max",
    "path_m",
    "street_id",
    "street_name",
    "highway",
    "buurt",
    "reason",
)


def cells_with_samples(
    grid: RasterGrid,
    cells: tuple[np.ndarray, np.ndarray, np.ndarray],
    xy: np.ndarray,
    lux: np.ndarray,
    night: np.ndarray,
    *,
    among: np.ndarray,
) -> np.ndarray:
    """Judge the cells that path sample points fall in by those points.

    ``cells`` is ``(cell_lux, cell_night, walkable)``; the first two are updated in place with
    the mean lux and night score of the sample points in each cell (cells of mask ``among``
    only). Returns ``walkable`` with those cells added.
    """
    cell_lux, cell_night, walkable = cells
    row, col = grid.cell_of(xy)
    ok = (row >= 0) & (row < grid.height) & (col >= 0) & (col < grid.width)
    flat = row[ok] * grid.width + col[ok]
    keep = among.ravel()[flat]
    flat, lux, night = flat[keep], lux[ok][keep], night[ok][keep]
    if len(flat) == 0:
        return walkable
    size = grid.width * grid.height
    n = np.bincount(flat, minlength=size)
    hit = np.flatnonzero(n)
    cell_lux.ravel()[hit] = np.bincount(flat, lux, minlength=size)[hit] / n[hit]
    cell_night.ravel()[hit] = np.bincount(flat, night, minlength=size)[hit] / n[hit]
    out = walkable.copy()
    out.ravel()[hit] = True
    return out


def hidden_cells(
    lux: np.ndarray, night: np.ndarray, walkable: np.ndarray, settings: AnalysisSettings
) -> np.ndarray:
    """Boolean grid: walkable public cells that are dark and unobserved at night.

    ``lux`` and ``night`` (score) may be NaN outside the cells that were evaluated.
    """
    with np.errstate(invalid="ignore"):
        return (
            walkable
            & (np.nan_to_num(lux, nan=np.inf) < settings.dark_lux)
            & (np.nan_to_num(night, nan=np.inf) < settings.unobserved_score)
        )


def hidden_spots(
    grid: RasterGrid,
    lux: np.ndarray,
    night: np.ndarray,
    walkable: np.ndarray,
    settings: AnalysisSettings,
    *,
    samples: Samples,
    streets: pd.DataFrame,
) -> gpd.GeoDataFrame:
    """Ranked hidden spots as polygons with their reasons.

    Parameters
    ----------
    grid : RasterGrid
        The grid of ``lux``, ``night`` and ``walkable``.
    lux, night : ndarray
        Illuminance (lux) and night surveillance score per cell.
    walkable : ndarray of bool
        Public cells near a street or path.
    samples : Samples
        Points along ``streets`` (for the length of path through each spot and its street).
    streets : DataFrame
        ``id``, ``name``, ``highway``, ``buurt`` of the segments the samples lie on.
    """
    hidden = hidden_cells(lux, night, walkable, settings)
    labels, n = ndimage.label(hidden, structure=np.ones((3, 3), dtype=int))
    if n == 0:
        return _empty()
    lab = labels.ravel()
    inside = lab > 0
    cell_lux = lux.ravel()[inside]
    cell_night = night.ravel()[inside]
    which = lab[inside]
    cells = np.bincount(which, minlength=n + 1)[1:]
    area = cells * grid.res**2
    sev = (1 - cell_lux / settings.dark_lux) * (1 - cell_night / settings.unobserved_score)
    severity = np.bincount(which, sev, minlength=n + 1)[1:] * grid.res**2
    lux_mean = np.bincount(which, cell_lux, minlength=n + 1)[1:] / cells
    night_mean = np.bincount(which, cell_night, minlength=n + 1)[1:] / cells
    lux_max = _group_max(which, cell_lux, n)
    night_max = _group_max(which, cell_night, n)

    path_m, street_row = _paths_through(labels, grid, samples, n)
    has_street = street_row >= 0
    pick = street_row

    def street_col(name: str) -> np.ndarray:
        out = np.full(n, None, dtype=object)
        if len(streets):
            out[has_street] = streets[name].to_numpy(dtype=object)[pick[has_street]]
        return out

    frame = pd.DataFrame(
        {
            "label": np.arange(1, n + 1),
            "severity": severity,
            "area_m2": area,
            "lux_mean": lux_mean,
            "lux_max": lux_max,
            "night_mean": night_mean,
            "night_max": night_max,
            "path_m": path_m,
            "street_id": street_col("id"),
            "street_name": street_col("name"),
            "highway": street_col("highway"),
            "buurt": street_col("buurt"),
        }
    )
    geoms = _polygons(labels, hidden, grid, n)
    frame = frame.sort_values(["severity", "label"], ascending=[False, True], kind="stable")
    frame.insert(0, "rank", np.arange(1, n + 1))
    frame["reason"] = [_reason(r, settings) for r in frame.to_dict("records")]
    out = gpd.GeoDataFrame(
        frame.drop(columns="label"), geometry=geoms[frame["label"].to_numpy() - 1], crs=RD_CRS
    )
    return out.reset_index(drop=True)


def _group_max(group: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n + 1, -np.inf)
    np.maximum.at(out, group, values)
    return out[1:]


def _paths_through(
    labels: np.ndarray, grid: RasterGrid, samples: Samples, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Length (m) of street sample points inside each spot, and the row of the street with the
    most length inside it (-1 when none)."""
    path_m: np.ndarray = np.zeros(n)
    best: np.ndarray = np.full(n, -1, dtype=np.int64)
    if len(samples) == 0:
        return path_m, best
    row, col = grid.cell_of(samples.xy)
    ok = (row >= 0) & (row < grid.height) & (col >= 0) & (col < grid.width)
    spot = np.zeros(len(samples), dtype=np.int64)
    spot[ok] = labels[row[ok], col[ok]]
    hit = spot > 0
    if not hit.any():
        return path_m, best
    path_m = np.bincount(spot[hit], samples.length[hit], minlength=n + 1)[1:]
    per = (
        pd.DataFrame({"spot": spot[hit], "line": samples.line[hit], "m": samples.length[hit]})
        .groupby(["spot", "line"], sort=True)["m"]
        .sum()
        .reset_index()
        .sort_values(["spot", "m", "line"], ascending=[True, False, True], kind="stable")
        .drop_duplicates("spot")
    )
    best[per["spot"].to_numpy() - 1] = per["line"].to_numpy()
    return path_m, best


def _polygons(labels: np.ndarray, hidden: np.ndarray, grid: RasterGrid, n: int) -> np.ndarray:
    """One (multi)polygon per spot label, outlining its cells."""
    parts: list[list[shapely.Geometry]] = [[] for _ in range(n)]
    for geom, value in rasterio.features.shapes(
        labels.astype(np.int32), mask=hidden, connectivity=8, transform=grid.transform
    ):
        parts[int(value) - 1].append(shapely.geometry.shape(geom))
    return np.array([p[0] if len(p) == 1 else shapely.union_all(p) for p in parts], dtype=object)


def _reason(r: dict, settings: AnalysisSettings) -> str:
    """The reasons of one spot as a sentence (English; the UI words it from the numbers)."""
    where = f"{r['path_m']:.0f} m of {r['highway'] or 'street'}"
    if isinstance(r["street_name"], str) and r["street_name"]:
        where += f" ({r['street_name']})"
    return (
        f"dark: mean {r['lux_mean']:.2f} lux, brightest {r['lux_max']:.2f} "
        f"(< {settings.dark_lux:g} lux); unobserved at night: score {r['night_mean']:.2f}, "
        f"at most {r['night_max']:.2f} (< {settings.unobserved_score:g}); "
        f"{r['area_m2']:.0f} m²; {where}"
    )


def _empty() -> gpd.GeoDataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=float) for c in HIDDEN_COLUMNS})
    for c in ("street_id", "street_name", "highway", "buurt", "reason"):
        frame[c] = frame[c].astype(object)
    frame["rank"] = frame["rank"].astype(np.int64)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=RD_CRS), crs=RD_CRS)
