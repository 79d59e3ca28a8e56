"""The ground layer of the demo: built land, roads, parks, water, forest and farmland.

Drawn instead of a basemap. Built-up zones come from the buurt plans; the green around them is
park near houses and forest or farmland further out; the Geleenbeek runs through the valley (and
is culverted where it crosses built land, as in Heerlen); ponds lie in the parks.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import LineString

from twin.constants import RD_CRS
from twin.demo._plan import BuurtPlan
from twin.demo._streets import ROAD_WIDTH

#: Green within this distance of built land is a park; further out forest or farmland.
PARK_BELT_M = 160.0


def ground(
    plans: list[BuurtPlan],
    streets: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    outline,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """Land-use polygons with ``kind`` (built, road, park, water, forest, farmland)."""
    rows: list[tuple[str, object]] = []
    built_all = shapely.union_all([p.built for p in plans if p.character != "rural"])
    footprints = shapely.union_all(buildings.geometry.buffer(3.0).to_numpy())
    pocket_parks = []
    for plan in plans:
        if plan.character in ("residential",) and plan.dwellings > 300:
            for _ in range(int(plan.dwellings / 450) + 1):  # pocket parks where no house stands
                c = plan.built.representative_point()
                p = shapely.Point(np.array(c.coords[0]) + rng.normal(0, 120, 2))
                sq = p.buffer(rng.uniform(22, 40), cap_style="square")
                if plan.built.contains(sq) and not sq.intersects(footprints):
                    pocket_parks.append(sq)
    parks_inside = shapely.union_all(pocket_parks) if pocket_parks else shapely.Polygon()
    rows.append(("built", shapely.difference(built_all, parks_inside)))
    green = shapely.difference(outline, built_all)
    belt = shapely.intersection(green, built_all.buffer(PARK_BELT_M))
    rows.append(("park", shapely.union(belt, parks_inside)))
    outer = shapely.difference(green, belt)
    # split the outer green in forest and farmland by a smooth random field
    cells = []
    minx, miny, maxx, maxy = outline.bounds
    size = 400.0
    for x in np.arange(minx, maxx, size):
        for y in np.arange(miny, maxy, size):
            cells.append(shapely.box(x, y, x + size, y + size))
    cell_array = np.array(cells, dtype=object)
    phase = rng.uniform(0, 2 * np.pi, 2)
    cx, cy = (
        shapely.get_x(shapely.centroid(cell_array)),
        shapely.get_y(shapely.centroid(cell_array)),
    )
    field = (
        np.sin(cx / 1300 + phase[0])
        + np.cos(cy / 900 + phase[1])
        + rng.normal(0, 0.4, len(cell_array))
    )
    forest_cells = shapely.union_all(cell_array[field > 0.3])
    rows.append(("forest", shapely.intersection(outer, forest_cells)))
    rows.append(("farmland", shapely.difference(outer, forest_cells)))
    # water: the Geleenbeek in the valley (open only outside built land) and ponds in parks
    ys = np.linspace(maxy + 500, miny - 500, 60)
    xs = 195_300 + 0.35 * (ys - 322_000) + 120 * np.sin(ys / 700)
    beek = LineString(np.column_stack([xs, ys])).buffer(5.0)
    water = [shapely.intersection(beek, shapely.difference(green, built_all.buffer(10)))]
    park_geom = rows[1][1]
    for part in sorted(shapely.get_parts(park_geom), key=lambda g: -g.area)[:6]:
        if part.area < 4e4:
            continue
        c = part.representative_point()
        pond = shapely.affinity.scale(c.buffer(rng.uniform(20, 45)), 1.6, 1.0)
        pond = shapely.affinity.rotate(pond, rng.uniform(0, 180))
        if part.contains(pond):
            water.append(pond)
    rows.append(("water", shapely.union_all(water)))
    widths = streets["highway"].map(ROAD_WIDTH).to_numpy()
    roads = shapely.buffer(streets.geometry.to_numpy(), widths / 2, cap_style="flat")
    rows.append(("road", shapely.union_all(roads, grid_size=0.01)))
    # one polygon per piece, clipped to the municipality, in a fixed order
    kinds, geoms = [], []
    for kind, geom in rows:
        geom = shapely.intersection(shapely.make_valid(geom), outline, grid_size=0.01)
        for part in shapely.get_parts(geom):
            if part.geom_type == "Polygon" and part.area > 1.0 and part.is_valid:
                kinds.append(kind)
                geoms.append(part)
    return gpd.GeoDataFrame({"kind": kinds}, geometry=geoms, crs=RD_CRS)
