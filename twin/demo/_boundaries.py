"""Synthetic neighbourhood boundaries around the real buurt centroids.

The municipality outline is a smoothed union of discs around the buurt centroids, scaled to the
real land area (45.5 km²). Buurten are the cells of a power diagram (a weighted Voronoi diagram)
inside that outline, with weights fitted so that each cell's area approaches the buurt's real
area; power cells are convex, never overlap and cover the plane, so the buurten tile the outline.
Wijken are unions of their buurten, the gemeente the union of all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
import shapely.affinity
from shapely.geometry import Polygon, box

#: Heerlen's land area (CBS: 45.53 km²).
MUNICIPAL_AREA_M2 = 45.5e6
#: Buurten listed with 0.0 km² (rounded) get at least this much room.
MIN_BUURT_AREA_M2 = 0.06e6
#: Highest gross density we allow a buurt, dwellings per km² (dense Dutch centres reach ~8000).
MAX_DENSITY = 6000.0


def _outline(xy: np.ndarray, target_area: np.ndarray, rng: np.random.Generator) -> Polygon:
    """A smooth, connected outline around the centroids with the municipal area."""
    radii = np.sqrt(target_area / np.pi)
    wobble = rng.uniform(0.9, 1.15, len(xy))

    def shape(scale: float) -> Polygon:
        discs = shapely.buffer(shapely.points(xy), radii * wobble * scale, quad_segs=16)
        merged = shapely.union_all(discs).buffer(450, quad_segs=8).buffer(-450, quad_segs=8)
        if merged.geom_type == "MultiPolygon":  # close narrow gaps between far clusters
            merged = merged.buffer(900, quad_segs=8).buffer(-900, quad_segs=8)
        if merged.geom_type == "MultiPolygon":
            merged = max(merged.geoms, key=lambda g: g.area)
        return Polygon(merged.exterior)

    lo, hi = 0.5, 2.0
    for _ in range(40):  # bisection on the disc scale
        mid = (lo + hi) / 2
        if shape(mid).area < MUNICIPAL_AREA_M2:
            lo = mid
        else:
            hi = mid
    return shapely.simplify(shape((lo + hi) / 2), 5.0)


def _clip(poly: np.ndarray, u: np.ndarray, d: float) -> np.ndarray:
    """Sutherland–Hodgman: the part of convex polygon ``poly`` (n×2) where u·p <= d."""
    if len(poly) == 0:
        return poly
    s = poly @ u - d
    inside = s <= 0
    if inside.all():
        return poly
    if not inside.any():
        return poly[:0]
    out = []
    n = len(poly)
    for k in range(n):
        a, b = poly[k], poly[(k + 1) % n]
        sa, sb = s[k], s[(k + 1) % n]
        if sa <= 0:
            out.append(a)
        if (sa <= 0) != (sb <= 0):
            out.append(a + (b - a) * (sa / (sa - sb)))
    return np.array(out)


def _power_cells(xy: np.ndarray, weights: np.ndarray, frame: Polygon) -> list[Polygon]:
    """Power-diagram cells of the sites clipped to ``frame``."""
    origin = xy.mean(axis=0)  # work near the origin: keeps the half-plane maths exact
    xy = xy - origin
    local = shapely.affinity.translate(frame, -origin[0], -origin[1])
    minx, miny, maxx, maxy = local.bounds
    start = np.array([[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy]])
    sq = (xy**2).sum(axis=1)
    cells = []
    for i in range(len(xy)):
        poly = start
        for j in range(len(xy)):
            if i == j:
                continue
            # p in cell i  <=>  |p-ci|^2 - wi <= |p-cj|^2 - wj  <=>  u.p <= d
            n = xy[j] - xy[i]
            c = (sq[j] - sq[i] - weights[j] + weights[i]) / 2
            norm = float(np.hypot(*n))
            poly = _clip(poly, n / norm, c / norm)
        cell = Polygon(poly).intersection(local) if len(poly) >= 3 else Polygon()
        cells.append(shapely.affinity.translate(cell, origin[0], origin[1]))
    return cells


def buurt_boundaries(
    areas: pd.DataFrame, rng: np.random.Generator, *, iterations: int = 60
) -> tuple[Polygon, list[Polygon]]:
    """Outline of the municipality and one polygon per buurt (in the order of ``areas``).

    Parameters
    ----------
    areas : DataFrame
        Buurten with ``rd_x``, ``rd_y`` (real centroids) and ``area_km2_approx``.
    """
    xy = areas[["rd_x", "rd_y"]].to_numpy(dtype=float)
    target = np.maximum(areas["area_km2_approx"].to_numpy(dtype=float) * 1e6, MIN_BUURT_AREA_M2)
    if "dwellings" in areas:  # the extract's areas are rounded: leave room for every dwelling
        target = np.maximum(target, areas["dwellings"].to_numpy(dtype=float) / MAX_DENSITY * 1e6)
    target = target * MUNICIPAL_AREA_M2 / target.sum()
    outline = _outline(xy, target, rng)
    weights = np.zeros(len(xy))
    step = 0.6
    for _ in range(iterations):
        cells = _power_cells(xy, weights, outline)
        got = np.array([c.area for c in cells])
        # a larger weight grows a cell; the change needed scales with the cell's size
        weights += step * (target - got) / np.pi * 2
    cells = _power_cells(xy, weights, outline)
    return outline, _tidy(cells, xy)


def _tidy(cells: list[Polygon], xy: np.ndarray) -> list[Polygon]:
    """Snap to 1 cm and give any detached piece of a cell to the neighbour it touches most."""
    cells = list(shapely.set_precision(np.array(cells, dtype=object), 0.01, mode="pointwise"))
    for i, cell in enumerate(cells):
        if cell.geom_type != "MultiPolygon":
            continue
        parts = sorted(cell.geoms, key=lambda g: g.area, reverse=True)
        keep = next((p for p in parts if p.contains(shapely.Point(xy[i]))), parts[0])
        cells[i] = keep
        for piece in parts:
            if piece is keep:
                continue
            shared = [
                (piece.boundary.intersection(other.boundary).length, j)
                for j, other in enumerate(cells)
                if j != i
            ]
            j = max(shared)[1]
            cells[j] = shapely.union(cells[j], piece)
    return [shapely.make_valid(c) if not c.is_valid else c for c in cells]


def frame_box(outline: Polygon, margin: float = 500) -> Polygon:
    """A rectangle around the outline (for terrain and tests)."""
    return box(*shapely.buffer(outline, margin).bounds)
