"""Coordinate transforms between RD New (analysis) and WGS84 (display)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from pyproj import Transformer

from twin.constants import RD_CRS, WGS84_CRS

__all__ = ["to_rd", "to_wgs84"]


@lru_cache(maxsize=4)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def to_wgs84(x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """RD New (x, y) in metres → (longitude, latitude) in degrees.

    >>> lon, lat = to_wgs84(155000.0, 463000.0)   # Amersfoort, the origin of RD
    >>> round(float(lon), 3), round(float(lat), 3)
    (5.387, 52.155)
    """
    lon, lat = _transformer(RD_CRS, WGS84_CRS).transform(x, y)
    return np.asarray(lon), np.asarray(lat)


def to_rd(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """(longitude, latitude) in degrees → RD New (x, y) in metres."""
    x, y = _transformer(WGS84_CRS, RD_CRS).transform(lon, lat)
    return np.asarray(x), np.asarray(y)
