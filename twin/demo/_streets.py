"""A synthetic, connected street network for the demo.

- Buurt boundaries between built-up buurten are streets (so every grid meets its neighbours).
- Inside each buurt, a rotated grid of residential streets with block sizes that fit its density;
  achterpaden (back alleys, footways) halfway between parallel streets in row-house buurten;
  pedestrian shopping streets in the two centres; a few tracks and paths in the green buurten.
- Main roads (primary, secondary, tertiary) follow a spanning tree and the short edges of a
  Delaunay triangulation of the buurt centres.

All lines are noded into segments that meet at their crossings.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.affinity
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree, shortest_path
from scipy.spatial import Delaunay
from shapely.geometry import LineString

from twin.constants import RD_CRS
from twin.demo._names import StreetNamer

#: Carriageway width per OSM highway class, metres (for setbacks and road polygons).
ROAD_WIDTH = {
    "primary": 14.0,
    "secondary": 11.0,
    "tertiary": 9.0,
    "residential": 7.0,
    "pedestrian": 8.0,
    "unclassified": 6.0,
    "service": 4.0,
    "footway": 2.0,
    "path": 2.0,
    "track": 3.0,
}
#: Rank for choosing a segment's class where two generated lines coincide.
_RANK = {k: i for i, k in enumerate(reversed(list(ROAD_WIDTH)))}


def _grid_lines(poly, theta, long_gap, short_gap, rng, alleys: bool):
    """Grid lines (and alleys) of one buurt, clipped to ``poly``; yields (line, kind, axis_id)."""
    c = poly.centroid
    local = shapely.affinity.rotate(poly, -theta, origin=c, use_radians=False)
    minx, miny, maxx, maxy = local.bounds
    out: list[tuple[LineString, str, tuple[str, int] | None]] = []
    ox, oy = rng.uniform(0, long_gap), rng.uniform(0, short_gap)
    # streets along x, spaced short_gap apart in y (long blocks)
    ys = np.arange(miny + oy, maxy, short_gap)
    for k, y in enumerate(ys):
        out.append((LineString([(minx - 1, y), (maxx + 1, y)]), "residential", ("x", k)))
        if alleys and k + 1 < len(ys):
            out.append(
                (
                    LineString([(minx - 1, y + short_gap / 2), (maxx + 1, y + short_gap / 2)]),
                    "footway",
                    None,
                )
            )
    xs = np.arange(minx + ox, maxx, long_gap)
    for k, x in enumerate(xs):
        out.append((LineString([(x, miny - 1), (x, maxy + 1)]), "residential", ("y", k)))
    result = []
    for line, kind, axis in out:
        piece = line.intersection(local)
        if piece.is_empty or piece.length < 25:
            continue
        piece = shapely.affinity.rotate(piece, theta, origin=c, use_radians=False)
        result.append((piece, kind, axis))
    return result


def _bend(a, b, rng, amount=0.06):
    """A gently bent line from a to b (three vertices)."""
    a, b = np.asarray(a), np.asarray(b)
    mid = (a + b) / 2
    d = b - a
    normal = np.array([-d[1], d[0]]) / (np.hypot(*d) or 1)
    mid = mid + normal * rng.normal(0, amount) * np.hypot(*d)
    return LineString([a, mid, b])


def street_network(plans, outline, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Noded street segments with ``id``, ``highway``, ``name``, ``buurt``.

    Parameters
    ----------
    plans : list of BuurtPlan
        Per-buurt polygon, built-up zone, grid rotation and spacing.
    """
    namer = StreetNamer(rng)
    lines: list[tuple[LineString, str, str | None]] = []
    n = len(plans)

    # 1. main roads along a spanning tree and short Delaunay edges of buurt centres
    centres = np.array([p.built.representative_point().coords[0] for p in plans])
    tri = Delaunay(centres)
    edge_set = set()
    for simplex in tri.simplices:
        for i in range(3):
            a, b = sorted((int(simplex[i]), int(simplex[(i + 1) % 3])))
            edge_set.add((a, b))
    edges = sorted(edge_set)
    lengths = np.array([np.hypot(*(centres[a] - centres[b])) for a, b in edges])
    graph = coo_matrix((lengths, ([a for a, _ in edges], [b for _, b in edges])), shape=(n, n))
    mst_graph = minimum_spanning_tree(graph)
    mst = mst_graph.tocoo()
    tree = {tuple(sorted((int(i), int(j)))) for i, j in zip(mst.row, mst.col, strict=True)}
    # primary: the tree path from the northernmost to the southernmost buurt
    _, pred = shortest_path(
        mst_graph, directed=False, return_predecessors=True, indices=int(np.argmax(centres[:, 1]))
    )
    primary = set()
    node = int(np.argmin(centres[:, 1]))
    while pred[node] >= 0:
        primary.add(tuple(sorted((node, int(pred[node])))))
        node = int(pred[node])
    for (a, b), length in zip(edges, lengths, strict=True):
        in_tree = (a, b) in tree
        if not in_tree and length > 1400:
            continue
        line = _bend(centres[a], centres[b], rng)
        if line.difference(outline).length > 0.05 * line.length:
            continue
        if (a, b) in primary:
            kind = "primary"
        elif in_tree and plans[a].wijk != plans[b].wijk:
            kind = "secondary"
        else:
            kind = "tertiary"
        lines.append((line.intersection(outline), kind, namer.main()))

    # 2. where built-up zones of two buurten meet, their shared boundary is a street
    for i in range(n):
        for j in range(i + 1, n):
            if "rural" in (plans[i].character, plans[j].character):
                continue
            shared = shapely.get_parts(
                shapely.intersection(plans[i].polygon.boundary, plans[j].polygon.boundary)
            )
            shared = shared[shapely.get_type_id(shared) == 1]
            if len(shared) == 0:
                continue
            zone = shapely.union(plans[i].built.buffer(40), plans[j].built.buffer(40))
            shared = shapely.intersection(
                shapely.line_merge(shapely.multilinestrings(shared)), zone
            )
            for part in shapely.get_parts(shared):
                if part.geom_type == "LineString" and part.length > 40:
                    lines.append((part, "residential", namer.local()))

    # 3. local grids, alleys, pedestrian centres, rural roads and tracks
    for plan in plans:
        poly = plan.polygon
        if plan.character == "rural":
            start = np.array(poly.representative_point().coords[0])
            angle = rng.uniform(0, np.pi)
            d = np.array([np.cos(angle), np.sin(angle)]) * 3000
            for part in shapely.get_parts(LineString([start - d, start + d]).intersection(poly)):
                if part.geom_type == "LineString" and part.length > 50:
                    lines.append((part, "unclassified", namer.local()))
        else:
            names: dict[tuple[str, int], str] = {}
            for piece, kind, axis in _grid_lines(
                plan.built, plan.theta, plan.long_gap, plan.short_gap, rng, plan.alleys
            ):
                if kind == "residential" and rng.random() < 0.05:
                    continue  # a few missing links: cul-de-sacs and woonerven
                if kind == "footway" and rng.random() < 0.3:
                    continue
                name = None
                if kind == "residential":
                    name = names.setdefault(axis, namer.local())
                    if plan.character == "centre" and rng.random() < 0.5:
                        kind = "pedestrian"
                    elif plan.character in ("business", "hospital"):
                        kind = "service" if rng.random() < 0.3 else "residential"
                for part in shapely.get_parts(piece):
                    if part.geom_type == "LineString":
                        lines.append((part, kind, name))
        green = poly.difference(plan.built)
        for _ in range(int(green.area / 3e5)):  # tracks and paths through the green
            p = np.array(green.representative_point().coords[0]) + rng.normal(0, 250, 2)
            angle = rng.uniform(0, np.pi)
            d = np.array([np.cos(angle), np.sin(angle)]) * 350
            for part in shapely.get_parts(LineString([p - d, p + d]).intersection(green)):
                if part.geom_type == "LineString" and part.length > 60:
                    lines.append((part, str(rng.choice(["track", "path"])), None))

    return _noded(lines, [p.polygon for p in plans], [p.code for p in plans])


def _noded(lines, polygons, codes) -> gpd.GeoDataFrame:
    """Node all lines at their crossings and carry class and name over to the pieces."""
    geoms = shapely.set_precision(np.array([g for g, _, _ in lines], dtype=object), 0.01)
    kinds = np.array([k for _, k, _ in lines], dtype=object)
    names = np.array([nm for _, _, nm in lines], dtype=object)
    noded = _node(geoms)
    mids = shapely.line_interpolate_point(noded, 0.5, normalized=True)
    tree = shapely.STRtree(geoms)
    pairs = tree.query(mids, predicate="dwithin", distance=0.05)
    best = np.full(len(noded), -1)
    for seg, src in zip(pairs[0], pairs[1], strict=True):
        if best[seg] < 0 or _RANK[kinds[src]] > _RANK[kinds[best[seg]]]:
            best[seg] = src
    keep = best >= 0
    noded, best, mids = noded[keep], best[keep], mids[keep]
    frame = gpd.GeoDataFrame(
        {"highway": kinds[best], "name": names[best]}, geometry=noded, crs=RD_CRS
    )
    frame = _connect(frame)
    mids = shapely.line_interpolate_point(frame.geometry.to_numpy(), 0.5, normalized=True)
    owner = shapely.STRtree(np.array(polygons, dtype=object)).query(mids, predicate="intersects")
    buurt = np.full(len(frame), None, dtype=object)
    # a street on a buurt boundary belongs to the first buurt it touches (stable order)
    for seg, poly in sorted(zip(owner[0], owner[1], strict=True), reverse=True):
        buurt[seg] = codes[poly]
    frame["buurt"] = buurt
    # a stable order: by buurt, then position
    order = np.lexsort((np.round(shapely.get_y(mids), 2), np.round(shapely.get_x(mids), 2)))
    frame = frame.iloc[order].reset_index(drop=True)
    frame.insert(0, "id", [f"DEMO.weg.{i:06d}" for i in range(len(frame))])
    return frame[["id", "highway", "name", "buurt", "geometry"]]


def _node(geoms: np.ndarray) -> np.ndarray:
    """Split lines at every crossing; returns the pieces (LineStrings)."""
    parts = shapely.get_parts(geoms)
    parts = parts[(shapely.get_type_id(parts) == 1) & ~shapely.is_empty(parts)]
    parts = parts[shapely.length(parts) > 0]
    # a fixed-precision union nodes robustly (snap rounding to 1 cm) where plain noding fails
    return shapely.get_parts(shapely.union_all(parts, grid_size=0.01))


def _connect(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Join every detached piece of network to the main one with a short service road."""
    for _ in range(20):
        ends = np.concatenate(
            [
                shapely.get_coordinates(shapely.get_point(frame.geometry.to_numpy(), 0)),
                shapely.get_coordinates(shapely.get_point(frame.geometry.to_numpy(), -1)),
            ]
        )
        keys = ends
        uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
        m = len(frame)
        a, b = inverse[:m], inverse[m:]
        graph = coo_matrix((np.ones(m), (a, b)), shape=(len(uniq), len(uniq)))
        ncomp, labels = connected_components(graph, directed=False)
        if ncomp == 1:
            return frame
        sizes = np.bincount(labels)
        main = int(np.argmax(sizes))
        seg_label = labels[a]
        main_lines = shapely.STRtree(frame.geometry.to_numpy()[seg_label == main])
        main_geoms = frame.geometry.to_numpy()[seg_label == main]
        additions = []
        for comp in range(ncomp):
            if comp == main:
                continue
            nodes = uniq[labels == comp]
            pts = shapely.points(nodes)
            idx = main_lines.nearest(pts)
            dists = shapely.distance(pts, main_geoms[idx])
            k = int(np.argmin(dists))
            link = np.asarray(shapely.shortest_line(pts[k], main_geoms[idx[k]]).coords)
            d = link[1] - link[0]
            d = d / (np.hypot(*d) or 1.0)
            # overshoot by 1 m so the link truly crosses the line it joins (noding needs a crossing)
            additions.append(LineString([link[0], link[1] + d]))
        extra = gpd.GeoDataFrame(
            {"highway": ["service"] * len(additions), "name": [None] * len(additions)},
            geometry=additions,
            crs=frame.crs,
        )
        merged = pd.concat([frame, extra], ignore_index=True)
        geoms = merged.geometry.to_numpy()
        parts = _node(geoms)
        mids = shapely.line_interpolate_point(parts, 0.5, normalized=True)
        pairs = shapely.STRtree(geoms).query(mids, predicate="dwithin", distance=0.05)
        src = np.full(len(parts), -1)
        for seg, s in zip(pairs[0], pairs[1], strict=True):
            if src[seg] < 0:
                src[seg] = s
        ok = src >= 0
        frame = gpd.GeoDataFrame(
            {
                "highway": merged["highway"].to_numpy()[src[ok]],
                "name": merged["name"].to_numpy()[src[ok]],
            },
            geometry=parts[ok],
            crs=frame.crs,
        )
    raise RuntimeError("street network did not become connected")
