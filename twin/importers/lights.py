"""Street lights of an imported twin: OSM ``highway=street_lamp`` points where the map has them,
else an estimate from the street network, flagged ``estimated = True``.

The estimate places lights at the spacing, mounting height and luminous flux usual for each
road class in Dutch public lighting (after NPR 13201 practice, as in the demo): it shows where
lights are *expected*, not where they are; dark streets cannot be found from it. Classes that
are usually unlit (tracks, paths, footways, motorways outside junctions) get none.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from twin.constants import RD_CRS

__all__ = ["LIGHTING", "lights_from_lamps", "lights_from_streets"]

#: highway class → (spacing m, mounting height m, luminous flux lm). Classes not listed are
#: taken as unlit by the estimate; OSM lamps next to them get the default below.
LIGHTING: dict[str, tuple[float, float, float]] = {
    "trunk": (35.0, 12.0, 15_000.0),
    "primary": (32.0, 10.0, 12_000.0),
    "secondary": (32.0, 8.0, 8_000.0),
    "tertiary": (35.0, 8.0, 6_000.0),
    "unclassified": (50.0, 6.0, 4_000.0),
    "residential": (35.0, 5.0, 3_000.0),
    "living_street": (30.0, 4.5, 2_500.0),
    "pedestrian": (25.0, 4.5, 3_000.0),
    "service": (40.0, 4.0, 2_000.0),
}
#: Mounting height and flux of a lamp whose street class says nothing.
DEFAULT_LAMP = (4.5, 2_500.0)
#: Two estimated lights closer than this (where segments meet) are one light.
MIN_LIGHT_DISTANCE_M = 8.0


def lights_from_streets(
    streets: gpd.GeoDataFrame, *, prefix: str = "est.light"
) -> gpd.GeoDataFrame:
    """Estimated lights along lit street classes (``estimated`` is True for all).

    Lights sit at the class spacing along each segment, starting half a spacing in; a segment
    shorter than half a spacing gets none.
    """
    geoms = streets.geometry.to_numpy()
    cls = streets["highway"].astype("string").to_numpy(dtype=object)
    spec = np.array([LIGHTING.get(c, (np.nan, np.nan, np.nan)) for c in cls], dtype=float)
    length = shapely.length(geoms)
    lit = np.isfinite(spec[:, 0])
    n = np.where(lit, np.floor(length / np.where(lit, spec[:, 0], 1.0) + 0.5), 0).astype(int)
    seg = np.repeat(np.arange(len(geoms)), n)
    k = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    dist = (k + 0.5) * length[seg] / np.maximum(n[seg], 1)
    points = shapely.line_interpolate_point(geoms[seg], dist)
    keep = _thinned(points, MIN_LIGHT_DISTANCE_M)
    seg, points = seg[keep], points[keep]
    return gpd.GeoDataFrame(
        {
            "id": [f"{prefix}.{i:06d}" for i in range(len(seg))],
            "height": spec[seg, 1],
            "lumen": spec[seg, 2],
            "estimated": np.ones(len(seg), dtype=bool),
            "street": streets["id"].to_numpy(dtype=object)[seg],
        },
        geometry=shapely.set_precision(points, 0.01),
        crs=RD_CRS,
    )


def _thinned(points: np.ndarray, distance: float) -> np.ndarray:
    """Keep the first of any points closer than ``distance`` (in order)."""
    keep = np.ones(len(points), dtype=bool)
    if len(points) == 0:
        return keep
    left, right = shapely.STRtree(points).query(points, predicate="dwithin", distance=distance)
    pairs = right < left
    for i, j in zip(left[pairs], right[pairs], strict=True):
        if keep[j]:
            keep[i] = False
    return keep


def lights_from_lamps(lamps: gpd.GeoDataFrame, streets: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Lights at mapped lamp positions (``estimated`` False): height from the OSM ``height`` tag
    where given, else from the nearest street's class, as the luminous flux is."""
    if len(lamps) == 0:
        return gpd.GeoDataFrame(
            {"id": [], "height": [], "lumen": [], "estimated": [], "street": []},
            geometry=gpd.GeoSeries([], crs=RD_CRS),
            crs=RD_CRS,
        )
    pts = lamps.geometry.to_numpy()
    tree = shapely.STRtree(streets.geometry.to_numpy())
    nearest = tree.query_nearest(pts, return_distance=False, all_matches=False)
    street_of = np.full(len(pts), -1)
    street_of[nearest[0]] = nearest[1]
    cls = streets["highway"].astype("string").to_numpy(dtype=object)[street_of]
    spec = np.array([LIGHTING.get(c, (0.0, *DEFAULT_LAMP))[1:] for c in cls], dtype=float)
    tagged = pd.to_numeric(lamps.get("tagged_height"), errors="coerce")
    tagged = np.asarray(tagged, dtype=float) if tagged is not None else np.full(len(pts), np.nan)
    ok = np.isfinite(tagged) & (tagged > 0) & (tagged <= 50)
    return gpd.GeoDataFrame(
        {
            "id": lamps["id"].to_numpy(dtype=object),
            "height": np.where(ok, tagged, spec[:, 0]),
            "lumen": spec[:, 1],
            "estimated": np.zeros(len(pts), dtype=bool),
            "street": streets["id"].to_numpy(dtype=object)[street_of],
        },
        geometry=pts,
        crs=RD_CRS,
    )
