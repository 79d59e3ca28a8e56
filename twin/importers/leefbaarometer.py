"""Leefbaarometer 3.0: buurt scores → indicators; 100 m grid scores + grid GeoPackage → raster.

The open data has, per measurement year (``jaar``), the liveability score ``lbm``, its
deviation from the national average ``afw`` (not in every release) and the five dimensions as
deviations: ``fys`` (physical environment), ``onv`` (nuisance and unsafety), ``soc`` (social
cohesion), ``vrz`` (facilities), ``won`` (housing). Buurten are keyed by ``bu_code``; grid cells
by ``grid_id``, whose 100 m squares come from the separate grid GeoPackage (``grid_id`` +
polygon, RD New).

In the twin the buurt scores become indicators (``liveability_lbm``, ``liveability_deviation``,
``lbm_physical``, ``lbm_nuisance``, ``lbm_cohesion``, ``lbm_facilities``, ``lbm_housing``);
the grid becomes one GeoTIFF per year in the twin's ``rasters/`` folder (float32, 100 m RD
cells, one band per variable, NaN outside the municipality): see ``docs/import.md``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from twin.errors import TwinDataError
from twin.importers._common import csv_from_text, layer_names, read_layer, require_columns
from twin.importers._crs import frame_in_rd

__all__ = [
    "GRID_CELL_M",
    "LBM_VARIABLES",
    "LiveabilityImport",
    "grid_cells",
    "liveability_from_leefbaarometer",
    "scores_from_csv_text",
]

#: Leefbaarometer column → twin indicator.
LBM_VARIABLES = {
    "lbm": "liveability_lbm",
    "afw": "liveability_deviation",
    "fys": "lbm_physical",
    "onv": "lbm_nuisance",
    "soc": "lbm_cohesion",
    "vrz": "lbm_facilities",
    "won": "lbm_housing",
}
#: Size of a Leefbaarometer grid cell, metres.
GRID_CELL_M = 100.0
_BUURT_KEYS = ("bu_code", "buurtcode", "BU_CODE")


@dataclass
class LiveabilityImport:
    """Buurt indicators (long table) and grid scores (one row per cell and year)."""

    indicators: pd.DataFrame
    grid: pd.DataFrame | None
    years: list[int]
    notes: list[str] = field(default_factory=list)


def scores_from_csv_text(text: str, *, file: str) -> pd.DataFrame:
    """A Leefbaarometer scores CSV (``,`` or ``;`` separated, ``.`` or ``,`` decimals)."""
    frame = csv_from_text(
        text,
        file=file,
        decimal_comma_with_semicolon=True,
        low_memory=False,
        dtype={k: str for k in ("grid_id", *_BUURT_KEYS)},
    )
    frame.columns = [str(c).strip() for c in frame.columns]
    require_columns(
        frame,
        ("jaar",),
        file=file,
        hint="a Leefbaarometer scores file has jaar, lbm, fys, onv, soc, vrz, won",
    )
    present = [c for c in LBM_VARIABLES if c in frame.columns]
    if not present:
        raise TwinDataError(
            "has none of the score columns lbm, afw, fys, onv, soc, vrz, won",
            file=file,
            field="lbm",
        )
    for col in ["jaar", *present]:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() & frame[col].notna() & (frame[col].astype("string").str.strip() != "")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise TwinDataError(
                f"value {frame[col].iloc[row]!r} is not a number", file=file, field=col, row=row
            )
        frame[col] = values
    if frame["jaar"].isna().any():
        row = int(np.flatnonzero(frame["jaar"].isna().to_numpy())[0])
        raise TwinDataError("is empty", file=file, field="jaar", row=row)
    frame["jaar"] = frame["jaar"].astype(int)
    return frame


def _buurt_indicators(frame: pd.DataFrame, key: str, municipality: str | None) -> pd.DataFrame:
    codes = frame[key].astype("string").str.strip()
    keep = np.array(codes.notna().to_numpy(), dtype=bool)
    if municipality:
        keep &= codes.str[2:6].eq(municipality.upper().removeprefix("GM")).fillna(False).to_numpy()
    parts = []
    for col, name in LBM_VARIABLES.items():
        if col not in frame.columns:
            continue
        ok = keep & frame[col].notna().to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "area": codes.to_numpy(dtype=object)[ok],
                    "indicator": name,
                    "year": frame["jaar"].to_numpy()[ok],
                    "value": frame[col].to_numpy(dtype=float)[ok],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def grid_cells(grid: gpd.GeoDataFrame, *, file: str, layer: str | None) -> pd.DataFrame:
    """``grid_id`` → lower-left corner (``x0``, ``y0``) of each 100 m cell, checked square."""
    require_columns(grid, ("grid_id",), file=file, layer=layer)
    bounds = shapely.bounds(grid.geometry.to_numpy())
    size_x, size_y = bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]
    wrong = ~(np.isclose(size_x, GRID_CELL_M, atol=0.5) & np.isclose(size_y, GRID_CELL_M, atol=0.5))
    if wrong.any():
        row = int(np.flatnonzero(wrong)[0])
        raise TwinDataError(
            f"cell is {size_x[row]:.1f} × {size_y[row]:.1f} m, expected "
            f"{GRID_CELL_M:g} × {GRID_CELL_M:g} m",
            file=file,
            layer=layer,
            field="geometry",
            row=row,
            hint="use the Leefbaarometer 100 m grid GeoPackage",
        )
    return pd.DataFrame(
        {
            "grid_id": grid["grid_id"].astype("string").str.strip().to_numpy(dtype=object),
            "x0": np.round(bounds[:, 0] / GRID_CELL_M) * GRID_CELL_M,
            "y0": np.round(bounds[:, 1] / GRID_CELL_M) * GRID_CELL_M,
        }
    )


def liveability_from_leefbaarometer(
    paths: Sequence[str | os.PathLike[str]],
    *,
    municipality: str | None = None,
    extent: tuple[float, float, float, float] | None = None,
    crs: str | None = None,
) -> LiveabilityImport:
    """Buurt indicators and grid scores from Leefbaarometer files, recognised by content.

    Parameters
    ----------
    paths : list of path-like
        Any of: the buurt scores CSV (``bu_code``), the grid scores CSV (``grid_id``), the grid
        GeoPackage (``grid_id`` + 100 m squares). Grid scores need the grid GeoPackage.
    municipality : str, optional
        Keep only this municipality's buurten.
    extent : (xmin, ymin, xmax, ymax), optional
        Keep only grid cells in this RD box (the municipality's), so the twin stays small.
    """
    buurt_parts, grid_scores, cells, notes = [], [], [], []
    for raw in paths:
        path = Path(raw)
        file = str(path)
        if not path.exists():
            raise TwinDataError("does not exist", file=file)
        if path.suffix.lower() in (".gpkg", ".geojson", ".json", ".shp", ".fgb"):
            layers = layer_names(path)
            layer = next((n for n in layers if "grid" in n.lower()), layers[0] if layers else None)
            grid = read_layer(path, layer)
            if "grid_id" not in grid.columns:
                notes.append(f"{path.name}: no grid_id (buurt geometry?) — not used")
                continue
            grid, note = frame_in_rd(grid, file=file, layer=layer, assume=crs)
            if note:
                notes.append(f"{path.name}: {note}")
            if extent is not None:
                grid = grid.cx[extent[0] : extent[2], extent[1] : extent[3]]
            cells.append(grid_cells(grid, file=file, layer=layer))
            continue
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        frame = scores_from_csv_text(text, file=file)
        key = next((k for k in _BUURT_KEYS if k in frame.columns), None)
        if key is not None:
            buurt_parts.append(_buurt_indicators(frame, key, municipality))
        elif "grid_id" in frame.columns:
            frame["grid_id"] = frame["grid_id"].astype("string").str.strip()
            grid_scores.append(frame)
        else:
            raise TwinDataError(
                "has neither bu_code (buurt scores) nor grid_id (grid scores)",
                file=file,
                field="bu_code",
            )
    indicators = (
        pd.concat(buurt_parts, ignore_index=True)
        if buurt_parts
        else pd.DataFrame({"area": [], "indicator": [], "year": [], "value": []})
    )
    grid = None
    if grid_scores:
        if not cells:
            raise TwinDataError(
                "grid scores need the grid GeoPackage (grid_id + 100 m squares) to be placed",
                file=str(paths[0]),
                hint="pass the grid GeoPackage together with the grid CSV",
            )
        where = pd.concat(cells, ignore_index=True).drop_duplicates("grid_id")
        scores = pd.concat(grid_scores, ignore_index=True)
        grid = scores.merge(where, on="grid_id", how="inner")
        unplaced = int((~scores["grid_id"].isin(where["grid_id"])).sum())
        if unplaced and extent is None:
            notes.append(f"{unplaced} grid scores have no cell in the grid GeoPackage")
        cols = ["grid_id", "jaar", "x0", "y0"] + [c for c in LBM_VARIABLES if c in grid.columns]
        grid = grid[cols].rename(columns={"jaar": "year"}).reset_index(drop=True)
        notes.append(f"{len(grid)} grid cell-years placed on the 100 m grid")
    years = set(indicators["year"].astype(int).tolist())
    if grid is not None:
        years |= set(grid["year"].astype(int).tolist())
    return LiveabilityImport(indicators=indicators, grid=grid, years=sorted(years), notes=notes)
