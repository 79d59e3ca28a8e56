"""Spatial kernel: which share of each buurt's exposure an intervention treats, and its ring.

Where crime happens inside a buurt is not known, so each outcome has an exposure basis:
``dwellings`` (burglary, perceived unsafety: dwellings at building centroids) or
``street_length`` (violence, vandalism, nuisance: street centre lines sampled every
:data:`~scenarios.constants.STREET_SAMPLE_M` metres). For a placed intervention:

- **treated**: exposure within ``treated_m`` of a target street, building or spot, or inside a
  targeted buurt — it gets the full effect;
- **ring**: exposure within a further ``ring_m`` (outside the treated zone) — it gets a
  diffusion (+) or displacement (−) share of the effect, drawn from the entry's ring prior.

Shares are per buurt: ``treated[a]`` = treated exposure in buurt a / all exposure in buurt a.
Distances are in RD New metres. The radii are modelling assumptions (no source states metre
buffers) and are user-visible parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely

from scenarios.constants import STREET_SAMPLE_M
from scenarios.errors import ScenarioError
from scenarios.scenario import Targets
from twin import Twin

__all__ = ["PointSet", "SpatialIndex"]


@dataclass(frozen=True, eq=False)
class PointSet:
    """Weighted points of one exposure basis, each in one area (index into the area list)."""

    points: np.ndarray  # shapely points
    weight: np.ndarray
    area: np.ndarray  # int, -1 = outside every buurt
    totals: np.ndarray  # weight per area

    @cached_property
    def tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.points)


def _within(ps: PointSet, geoms: np.ndarray, distance: float) -> np.ndarray:
    """Mask of the points within ``distance`` of any of ``geoms``.

    One union of buffers, then one prepared point-in-polygon query: much faster than pairwise
    ``dwithin`` when many targets lie close together (thousands of alleys, whole buurten).
    """
    mask = np.zeros(len(ps.weight), bool)
    if not len(geoms):
        return mask
    zone = shapely.union_all(shapely.buffer(geoms, distance, quad_segs=4))
    mask[ps.tree.query(zone, predicate="intersects")] = True
    return mask


class SpatialIndex:
    """Geometry lookups and exposure shares for one twin (build once, reuse per scenario)."""

    def __init__(self, twin: Twin, areas: tuple[str, ...]):
        self.areas = areas
        self._pos = {c: i for i, c in enumerate(areas)}
        nb = twin.neighbourhoods
        buurten = nb[nb["level"] == "buurt"].set_index("code")
        self._area_geom = {c: buurten.geometry.get(c) for c in areas}
        self._wijk_kids: dict[str, list[str]] = {}
        for code, parent in zip(buurten.index, buurten["parent"], strict=True):
            if isinstance(parent, str):
                self._wijk_kids.setdefault(parent, []).append(code)
        self._streets = dict(zip(twin.streets["id"], twin.streets.geometry, strict=True))
        self._buildings = dict(zip(twin.buildings["id"], twin.buildings.geometry, strict=True))
        self._twin = twin
        self._cache: dict[tuple[object, ...], tuple[np.ndarray, np.ndarray]] = {}

    # -- point sets --------------------------------------------------------------------------
    def _area_index(self, codes: np.ndarray, geoms: np.ndarray) -> np.ndarray:
        idx = np.asarray(
            [self._pos.get(c, -1) if isinstance(c, str) else -1 for c in codes], dtype=np.int64
        )
        lost = idx < 0
        if lost.any():  # points without a buurt code: locate them
            polys = [self._area_geom[c] for c in self.areas]
            tree = shapely.STRtree(polys)
            pi, ai = tree.query(geoms[lost], predicate="intersects")
            fill = np.full(lost.sum(), -1)
            fill[pi] = ai
            idx[lost] = fill
        return idx

    def _point_set(self, points: np.ndarray, weight: np.ndarray, area: np.ndarray) -> PointSet:
        keep = (weight > 0) & (area >= 0)
        points, weight, area = points[keep], weight[keep], area[keep]
        totals = np.bincount(area, weights=weight, minlength=len(self.areas))
        return PointSet(points, weight.astype(float), area, totals)

    @cached_property
    def dwellings(self) -> PointSet:
        b = self._twin.buildings
        pts = shapely.point_on_surface(b.geometry.to_numpy())
        area = self._area_index(b["buurt"].to_numpy(), pts)
        return self._point_set(pts, b["dwellings"].to_numpy(dtype=float), area)

    @cached_property
    def street_length(self) -> PointSet:
        s = self._twin.streets
        lines = s.geometry.to_numpy()
        lengths = shapely.length(lines)
        n = np.maximum(np.ceil(lengths / STREET_SAMPLE_M).astype(int), 1)
        seg = np.repeat(np.arange(len(lines)), n)
        offsets = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        frac = (offsets + 0.5) / np.repeat(n, n)
        pts = shapely.line_interpolate_point(lines[seg], frac, normalized=True)
        weight = (lengths / n)[seg]
        area = self._area_index(s["buurt"].to_numpy()[seg], pts)
        return self._point_set(pts, weight, area)

    def basis(self, name: str) -> PointSet:
        if name not in ("dwellings", "street_length"):
            raise ValueError(f"unknown exposure basis {name!r}")
        ps: PointSet = getattr(self, name)
        return ps

    # -- targets -----------------------------------------------------------------------------
    def area_codes(self, codes: tuple[str, ...], where: str = "") -> list[str]:
        """Buurt codes of ``codes`` (a wijk code stands for all its buurten)."""
        out: list[str] = []
        for c in codes:
            if c in self._pos:
                out.append(c)
            elif c in self._wijk_kids:
                out.extend(self._wijk_kids[c])
            else:
                raise ScenarioError(
                    f"area {c!r} is not a buurt or wijk of this twin", where=where or None
                )
        return list(dict.fromkeys(out))

    def target_geometries(self, targets: Targets, where: str = "") -> np.ndarray:
        """Geometries of the streets, buildings and spots of ``targets`` (RD)."""
        geoms = []
        for sid in targets.streets:
            if sid not in self._streets:
                raise ScenarioError(f"street {sid!r} is not in this twin", where=where or None)
            geoms.append(self._streets[sid])
        for bid in targets.buildings:
            if bid not in self._buildings:
                raise ScenarioError(f"building {bid!r} is not in this twin", where=where or None)
            geoms.append(self._buildings[bid])
        geoms.extend(shapely.points(np.asarray(targets.spots)) if targets.spots else [])
        return np.asarray(geoms, dtype=object)

    def zones(
        self, targets: Targets, treated_m: float, ring_m: float, basis: str, where: str = ""
    ) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the basis points in the treated zone and in the ring (disjoint)."""
        key = (targets.key(), float(treated_m), float(ring_m), basis)
        if key in self._cache:
            return self._cache[key]
        ps = self.basis(basis)
        geoms = self.target_geometries(targets, where)
        reach = max(float(treated_m), 0.5)  # a point on a line or in a footprint is treated
        treated = _within(ps, geoms, reach)
        near = _within(ps, geoms, reach + ring_m) if ring_m > 0 else treated.copy()
        if targets.areas:
            codes = self.area_codes(targets.areas, where)
            treated |= np.isin(ps.area, [self._pos[c] for c in codes])
            if ring_m > 0 and not treated.all():
                polys = np.asarray([self._area_geom[c] for c in codes], dtype=object)
                near |= _within(ps, polys, ring_m)
        ring = near & ~treated
        out = (np.flatnonzero(treated), np.flatnonzero(ring))
        self._cache[key] = out
        return out

    def shares(self, idx: np.ndarray, basis: str) -> np.ndarray:
        """Share of each area's exposure covered by the points ``idx``."""
        ps = self.basis(basis)
        covered = np.bincount(ps.area[idx], weights=ps.weight[idx], minlength=len(self.areas))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(ps.totals > 0, covered / ps.totals, 0.0)
