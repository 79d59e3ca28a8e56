"""Synthetic street lights at realistic spacing, with some deliberately dark streets.

Spacing, mounting height and flux per road class follow common Dutch practice (NPR 13201
classes): main roads 8–10 m masts every ~32 m, residential streets 4–6 m poles every ~35 m.
Most back alleys (achterpaden) and many park paths are unlit, as in reality; about 6 % of
residential streets are left entirely dark and another 8 % have failed lamps (gaps).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from twin.constants import RD_CRS
from twin.demo._streets import ROAD_WIDTH

# class: (spacing m, mounting height m, luminous flux lm, share of segments lit)
LIGHTING = {
    "primary": (32.0, 10.0, 12_000.0, 1.0),
    "secondary": (32.0, 8.0, 8_000.0, 1.0),
    "tertiary": (35.0, 8.0, 6_000.0, 1.0),
    "residential": (35.0, 5.0, 3_000.0, 1.0),
    "pedestrian": (25.0, 4.5, 3_000.0, 1.0),
    "service": (40.0, 4.0, 2_000.0, 0.6),
    "unclassified": (50.0, 6.0, 4_000.0, 0.4),
    "footway": (40.0, 4.0, 1_500.0, 0.2),
    "path": (45.0, 4.0, 1_500.0, 0.3),
    "track": (50.0, 4.0, 1_500.0, 0.0),
}
#: Share of residential streets (by name) left dark, and with failed lamps.
DARK_STREETS, GAPPY_STREETS = 0.06, 0.08
#: Two lamps closer than this are one lamp (where segments meet).
MIN_LAMP_DISTANCE = 8.0


def street_lights(streets: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Lights with ``id``, ``height``, ``lumen``, ``estimated`` and the ``street`` they light."""
    names = sorted({n for n in streets.loc[streets["highway"] == "residential", "name"] if n})
    fate = {n: rng.random() for n in names}
    xs, ys, heights, lumens, street_ids = [], [], [], [], []
    for seg in streets.itertuples():
        spacing, height, lumen, lit = LIGHTING.get(seg.highway, (40.0, 4.0, 1500.0, 0.0))
        if rng.random() >= lit:
            continue
        f = fate.get(seg.name, 1.0) if seg.highway == "residential" else 1.0
        if f < DARK_STREETS:
            continue
        gappy = f < DARK_STREETS + GAPPY_STREETS
        line = seg.geometry
        n = max(int(line.length // spacing), 1 if line.length > spacing / 2 else 0)
        if n == 0:
            continue
        pos = (np.arange(n) + 0.5) * line.length / n
        if gappy:
            pos = pos[rng.random(n) < 0.45]
        offset = ROAD_WIDTH.get(seg.highway, 4.0) / 2 + 0.6
        for k, s in enumerate(pos):
            p = np.array(line.interpolate(s).coords[0])
            q = np.array(line.interpolate(min(s + 1, line.length)).coords[0])
            d = q - p if s + 1 <= line.length else p - np.array(line.interpolate(s - 1).coords[0])
            d = d / (np.hypot(*d) or 1)
            side = 1 if (k % 2 == 0 or seg.highway not in ("primary", "secondary")) else -1
            p = p + np.array([-d[1], d[0]]) * offset * side
            xs.append(p[0])
            ys.append(p[1])
            heights.append(height)
            lumens.append(lumen * rng.uniform(0.9, 1.1))
            street_ids.append(seg.id)
    pts = shapely.points(np.round(xs, 2), np.round(ys, 2))
    keep = np.ones(len(pts), bool)
    pairs = shapely.STRtree(pts).query(pts, predicate="dwithin", distance=MIN_LAMP_DISTANCE)
    order = np.lexsort((pairs[1], pairs[0]))  # by lamp, so earlier lamps are settled first
    for i, j in zip(pairs[0][order], pairs[1][order], strict=True):
        if j < i and keep[j]:
            keep[i] = False
    idx = np.flatnonzero(keep)
    return gpd.GeoDataFrame(
        {
            "id": [f"DEMO.lamp.{i:06d}" for i in range(len(idx))],
            "height": np.asarray(heights)[idx],
            "lumen": np.round(np.asarray(lumens)[idx], -1),
            "estimated": np.zeros(len(idx), bool),
            "street": np.asarray(street_ids, dtype=object)[idx],
        },
        geometry=pts[idx],
        crs=RD_CRS,
    )
