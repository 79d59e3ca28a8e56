"""Bring imported geometry into RD New, detecting a wrong or missing CRS from the coordinates.

A source may declare RD New (EPSG:28992), RD New + NAP (EPSG:7415, 3DBAG), WGS84 (GeoJSON from
OSM) or any other CRS pyproj knows: it is reprojected. When a file declares nothing, the
coordinates decide: values that fit the Netherlands in RD New are taken as RD New, longitudes
and latitudes of the Netherlands as WGS84. When the declared CRS contradicts the coordinates
(RD-sized numbers labelled as degrees), or nothing fits, the import is refused with the reason
and what to do (``--crs EPSG:xxxx``).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj

from twin.constants import RD_CRS, WGS84_CRS
from twin.errors import TwinDataError

__all__ = ["RD_BOUNDS", "frame_in_rd"]

#: The Netherlands in RD New with a margin (metres): x −10 km … 310 km, y 280 km … 640 km.
RD_BOUNDS = (-10_000.0, 280_000.0, 310_000.0, 640_000.0)
#: The Netherlands in WGS84 with a margin (degrees): lon 2.5 … 7.6, lat 50.5 … 53.9.
WGS84_BOUNDS = (2.5, 50.5, 7.6, 53.9)

_RD = pyproj.CRS.from_user_input(RD_CRS)


def _inside(bounds: np.ndarray, box: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = bounds
    return bool(box[0] <= x0 <= x1 <= box[2] and box[1] <= y0 <= y1 <= box[3])


def _horizontal(crs: pyproj.CRS) -> pyproj.CRS:
    """The horizontal part of a compound CRS (EPSG:7415 = RD New + NAP height → EPSG:28992)."""
    if crs.is_compound and crs.sub_crs_list:
        return crs.sub_crs_list[0]
    return crs


def _describe(crs: pyproj.CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def frame_in_rd(
    frame: gpd.GeoDataFrame,
    *,
    file: str,
    layer: str | None = None,
    assume: str | None = None,
) -> tuple[gpd.GeoDataFrame, str]:
    """``frame`` in RD New, and a note saying what was done to get there ('' when nothing).

    Parameters
    ----------
    frame : GeoDataFrame
        Geometry as read from the source, with the CRS the file declares (or none).
    file, layer : str
        Named in errors.
    assume : str, optional
        A CRS the user says the file is in (``--crs``); overrides what the file declares.

    Raises
    ------
    TwinDataError
        When the CRS is unknown, or contradicts the coordinates.
    """
    geoms = frame.geometry
    present = geoms[~(geoms.isna() | geoms.is_empty)]
    bounds = present.total_bounds if len(present) else np.array([np.nan] * 4)
    have_bounds = bool(np.isfinite(bounds).all())
    hint = _HINT
    if assume:
        try:
            declared = pyproj.CRS.from_user_input(assume)
        except pyproj.exceptions.CRSError as exc:
            raise TwinDataError(f"--crs {assume!r} is not a CRS pyproj knows", file=file) from exc
        frame = frame.set_crs(declared, allow_override=True)
        how = f"given as {_describe(declared)} (--crs)"
    elif frame.crs is None:
        if not have_bounds or _inside(bounds, RD_BOUNDS):
            return frame.set_crs(RD_CRS), "no CRS in the file; coordinates fit RD New (EPSG:28992)"
        if _inside(bounds, WGS84_BOUNDS):
            out = frame.set_crs(WGS84_CRS).to_crs(RD_CRS)
            return out, "no CRS in the file; coordinates fit WGS84 and were reprojected"
        raise TwinDataError(
            "has no coordinate reference system, and its coordinates "
            f"({_fmt(bounds)}) fit neither RD New nor WGS84 over the Netherlands",
            file=file,
            layer=layer,
            field="geometry",
            hint=hint,
        )
    else:
        declared = pyproj.CRS.from_user_input(frame.crs)
        how = f"declared as {_describe(declared)}"
    assert declared is not None
    horizontal = _horizontal(declared)
    if horizontal.equals(_RD):
        if have_bounds and not _inside(bounds, RD_BOUNDS):
            raise _mismatch(
                how, bounds, "are not RD New coordinates in the Netherlands", file, layer
            )
        out = frame if declared.equals(_RD) else frame.set_crs(RD_CRS, allow_override=True)
        return out, "" if declared.equals(_RD) else f"{how}; horizontal part RD New kept"
    try:
        out = frame.set_crs(horizontal, allow_override=True).to_crs(RD_CRS)
    except Exception as exc:
        raise TwinDataError(
            f"is {how}, which cannot be transformed to RD New ({exc})",
            file=file,
            layer=layer,
            hint=hint,
        ) from exc
    if have_bounds:
        new = out.geometry[~(out.geometry.isna() | out.geometry.is_empty)].total_bounds
        if not (np.isfinite(new).all() and _inside(new, RD_BOUNDS)):
            raise _mismatch(
                how, bounds, "do not lie in the Netherlands when read that way", file, layer
            )
    return out, f"{how}; reprojected to RD New (EPSG:28992)"


_HINT = "pass the right CRS with --crs EPSG:xxxx (e.g. EPSG:28992 for RD New)"


def _mismatch(
    how: str, bounds: np.ndarray, problem: str, file: str, layer: str | None
) -> TwinDataError:
    """The error for a declared CRS that the coordinates contradict."""
    return TwinDataError(
        f"is {how}, but its coordinates ({_fmt(bounds)}) {problem}{_looks_like(bounds)}",
        file=file,
        layer=layer,
        field="geometry",
        hint=_HINT,
    )


def _fmt(bounds: np.ndarray) -> str:
    return ", ".join(f"{v:.6g}" for v in bounds)


def _looks_like(bounds: np.ndarray) -> str:
    if _inside(bounds, RD_BOUNDS):
        return "; they look like RD New (EPSG:28992)"
    if _inside(bounds, WGS84_BOUNDS):
        return "; they look like longitude/latitude (EPSG:4326)"
    return ""
