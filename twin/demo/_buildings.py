"""Synthetic buildings along the demo streets, adding up to each buurt's real dwelling count.

Each street side gets one housing type (row houses, semi-detached, detached, apartment blocks)
drawn from the buurt's mix; centres get shops with flats above, business parks boxes and
offices, and every buurt its schools, shops and garage boxes. Footprints are oriented rectangles
set back from the street; a candidate that would overlap a street or another building is not
built. Dwellings are then matched to the real count exactly: peripheral street sides are left
empty where there is too much room, apartment blocks grow where there is too little.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from twin.constants import RD_CRS
from twin.demo._plan import BuurtPlan
from twin.demo._streets import ROAD_WIDTH
from twin.demo._terrain import ground_level

#: Streets that can have buildings along them.
FRONTAGE = (
    "residential",
    "tertiary",
    "secondary",
    "primary",
    "pedestrian",
    "unclassified",
    "service",
)

# housing types: (width range, depth range, gap-after range, front setback range, units per block)
_TYPES = {
    "row": ((5.0, 6.0), (9.0, 10.5), (4.0, 7.0), (3.0, 5.0), (4, 9)),
    "semi": ((7.0, 8.5), (9.5, 11.0), (5.0, 8.0), (5.0, 7.0), (2, 2)),
    "detached": ((9.5, 13.0), (10.0, 12.5), (7.0, 14.0), (6.0, 10.0), (1, 1)),
    "apartment": ((28.0, 60.0), (11.0, 14.0), (14.0, 28.0), (6.0, 10.0), (1, 1)),
    "shop": ((6.0, 12.0), (14.0, 24.0), (0.0, 0.5), (1.0, 2.0), (3, 8)),
    "box": ((30.0, 80.0), (25.0, 60.0), (10.0, 25.0), (8.0, 15.0), (1, 1)),
    "hospital": ((60.0, 120.0), (30.0, 60.0), (20.0, 30.0), (15.0, 25.0), (1, 1)),
    "farm": ((12.0, 16.0), (10.0, 14.0), (25.0, 90.0), (8.0, 20.0), (1, 1)),
}
#: Typical dwellings per metre of frontage, to turn the mix (share of dwellings) into frontage.
_DW_PER_M = {"row": 1 / 6.3, "semi": 1 / 10.5, "detached": 1 / 21.0, "apartment": 1 / 2.6}


class _Candidates:
    """Growing arrays of candidate buildings of one buurt."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def add(self, centre, direction, normal, width, depth, kind, group, dist):
        self.rows.append(
            (
                centre[0],
                centre[1],
                direction[0],
                direction[1],
                normal[0],
                normal[1],
                width,
                depth,
                kind,
                group,
                dist,
            )
        )

    def frame(self) -> pd.DataFrame:
        cols = ["x", "y", "dx", "dy", "nx", "ny", "width", "depth", "kind", "group", "dist"]
        return pd.DataFrame(self.rows, columns=cols)


def _rectangles(f: pd.DataFrame) -> np.ndarray:
    """Oriented rectangles (shapely polygons) for candidate rows."""
    ux, uy = f["dx"].to_numpy(), f["dy"].to_numpy()
    vx, vy = -uy, ux
    hw, hd = f["width"].to_numpy() / 2, f["depth"].to_numpy() / 2
    cx, cy = f["x"].to_numpy(), f["y"].to_numpy()
    corners = np.stack(
        [
            np.stack([cx - ux * hw - vx * hd, cy - uy * hw - vy * hd], -1),
            np.stack([cx + ux * hw - vx * hd, cy + uy * hw - vy * hd], -1),
            np.stack([cx + ux * hw + vx * hd, cy + uy * hw + vy * hd], -1),
            np.stack([cx - ux * hw + vx * hd, cy - uy * hw + vy * hd], -1),
        ],
        axis=1,
    )
    return shapely.polygons(np.round(corners, 2))


def _side_kind(
    plan: BuurtPlan, highway: str, rng: np.random.Generator, housing: float = 0.0
) -> str:
    """Building type of one street side; ``housing`` raises the chance of homes in non-housing
    buurten (business parks with a few homes, farms with farmhouses)."""
    if plan.character in ("business", "hospital") and rng.random() < housing:
        return str(rng.choice(["row", "semi", "apartment"]))
    if plan.character == "centre":
        return "shop" if rng.random() < 0.35 else "apartment"
    if plan.character == "business":
        return "box"
    if plan.character == "hospital":
        return "hospital" if rng.random() < 0.5 else "box"
    if plan.character == "rural":
        return "farm"
    if highway in ("primary", "secondary") and rng.random() < 0.5:
        return "shop" if rng.random() < 0.4 else "apartment"
    kinds = ["apartment", "row", "semi", "detached"]
    frontage = np.array([plan.mix[k] / _DW_PER_M[k] for k in kinds])
    return str(rng.choice(kinds, p=frontage / frontage.sum()))


def _walk(
    cands: _Candidates, line, side: int, kind: str, group: int, road_w: float, centre_xy, rng
) -> None:
    """Place units of ``kind`` along one side of ``line``."""
    (w0, w1), (d0, d1), (g0, g1), (s0, s1), (n0, n1) = _TYPES[kind]
    length = line.length
    margin = road_w + 6.0
    s = margin + rng.uniform(0, 4)
    depth = rng.uniform(d0, d1)
    setback = rng.uniform(s0, s1)
    while s < length - margin:
        units = int(rng.integers(n0, n1 + 1))
        width = rng.uniform(w0, w1)
        if s + units * width > length - margin:
            units = int((length - margin - s) // width)
            if units < max(1, n0 // 2):
                break
        for _ in range(units):
            mid = s + width / 2
            p0 = np.array(line.interpolate(max(mid - 1, 0)).coords[0])
            p1 = np.array(line.interpolate(min(mid + 1, length)).coords[0])
            d = p1 - p0
            d = d / (np.hypot(*d) or 1)
            normal = np.array([-d[1], d[0]]) * side
            p = np.array(line.interpolate(mid).coords[0])
            centre = p + normal * (road_w / 2 + setback + depth / 2)
            dist = float(np.hypot(*(centre - centre_xy)))
            cands.add(centre, d, normal, width - 0.02, depth, kind, group, dist)
            s += width
        group += 1
        s += rng.uniform(g0, g1)


def buildings_for_buurt(
    plan: BuurtPlan,
    streets: gpd.GeoDataFrame,
    street_tree,
    rng: np.random.Generator,
    apartment_boost: float = 1.0,
    housing: float = 0.0,
) -> pd.DataFrame:
    """Candidate buildings of one buurt after collision checks (no dwelling matching yet)."""
    cands = _Candidates()
    centre_xy = np.array(plan.built.representative_point().coords[0])
    mine = streets[(streets["buurt"] == plan.code) & streets["highway"].isin(FRONTAGE)]
    group = 0
    side_kind: dict[tuple[str, int], str] = {}
    for seg in mine.itertuples():
        road_w = ROAD_WIDTH[seg.highway]
        for side in (1, -1):
            key = (seg.name or seg.id, side)
            if key not in side_kind:
                kind = _side_kind(plan, seg.highway, rng, housing)
                if kind in ("row", "semi", "detached") and rng.random() < apartment_boost - 1:
                    kind = "apartment"
                side_kind[key] = kind
            kind = side_kind[key]
            if plan.character == "rural" and rng.random() > 0.3 + housing:
                continue
            _walk(cands, seg.geometry, side, kind, group, road_w, centre_xy, rng)
            group += 10_000
    f = cands.frame()
    if f.empty:
        f["geometry"] = []
        return f
    geoms = _rectangles(f)
    inside = shapely.within(geoms, plan.polygon)
    if plan.character not in ("rural",):
        inside &= shapely.intersects(shapely.centroid(geoms), plan.built.buffer(25))
    keep = inside & _free(geoms, street_tree)
    f = f[keep].reset_index(drop=True)
    f["geometry"] = geoms[keep]
    return f


def _free(geoms: np.ndarray, street_tree, existing: np.ndarray | None = None) -> np.ndarray:
    """Which of ``geoms`` can be built: off the streets, clear of ``existing`` buildings and of
    earlier ones in the list (greedy in order; touching walls are fine)."""
    ok = np.ones(len(geoms), bool)
    ok[street_tree.query(geoms, predicate="intersects")[0]] = False
    shrunk = shapely.buffer(geoms, -0.05, join_style="mitre")
    if existing is not None and len(existing):
        ok[shapely.STRtree(existing).query(shrunk, predicate="intersects")[0]] = False
    pairs = shapely.STRtree(shrunk).query(shrunk, predicate="intersects")
    later = pairs[0] > pairs[1]
    blockers: dict[int, list[int]] = {}
    for i, j in zip(pairs[0][later], pairs[1][later], strict=True):
        blockers.setdefault(int(i), []).append(int(j))
    for i in range(len(geoms)):
        if ok[i] and any(ok[j] for j in blockers.get(i, ())):
            ok[i] = False
    return ok


def _outbuildings(f: pd.DataFrame, street_tree, rng: np.random.Generator) -> pd.DataFrame:
    """Garden sheds and garages behind a share of the houses (BAG counts them as buildings)."""
    kinds = f["kind"].to_numpy()
    p = np.select([np.isin(kinds, ["detached", "semi"]), kinds == "row"], [0.55, 0.3], 0.0)
    pick = np.flatnonzero((rng.random(len(f)) < p) & (f["use"] == "residential").to_numpy())
    if len(pick) == 0:
        return f.iloc[:0]
    h = f.iloc[pick]
    w = rng.uniform(2.5, 3.8, len(h))
    d = rng.uniform(2.5, 4.5, len(h))
    back = h["depth"].to_numpy() / 2 + rng.uniform(3.0, 6.0, len(h)) + d / 2
    sheds = pd.DataFrame(
        {
            "x": h["x"].to_numpy() + h["nx"].to_numpy() * back,
            "y": h["y"].to_numpy() + h["ny"].to_numpy() * back,
            "dx": h["dx"].to_numpy(),
            "dy": h["dy"].to_numpy(),
            "nx": h["nx"].to_numpy(),
            "ny": h["ny"].to_numpy(),
            "width": w,
            "depth": d,
            "kind": "shed",
            "group": -1,
            "dist": h["dist"].to_numpy(),
            "use": "garage",
            "height": rng.uniform(2.3, 3.2, len(h)),
            "dwellings": 0,
            "year_built": np.clip(
                h["year_built"].to_numpy() + rng.integers(0, 30, len(h)), 1900, 2024
            ),
            "floors": 0,
        }
    )
    geoms = _rectangles(sheds)
    ok = _free(geoms, street_tree, f["geometry"].to_numpy())
    sheds = sheds[ok].reset_index(drop=True)
    sheds["geometry"] = geoms[ok]
    return sheds


def _attributes(f: pd.DataFrame, plan: BuurtPlan, rng: np.random.Generator) -> pd.DataFrame:
    """Use, height, year and dwellings per candidate (before matching the dwelling count)."""
    n = len(f)
    use = np.empty(n, dtype=object)
    height = np.zeros(n)
    dwell = np.zeros(n, dtype=np.int64)
    year = np.zeros(n, dtype=np.int64)
    floors = np.zeros(n, dtype=np.int64)
    kinds = f["kind"].to_numpy()
    for i, kind in enumerate(kinds):
        w = f["width"].iat[i]
        if kind in ("row", "semi", "detached"):
            use[i] = "residential"
            dwell[i] = 1
            height[i] = rng.uniform(7.5, 10.5)
            year[i] = int(np.clip(rng.normal(plan.era, 9), 1900, 2022))
        elif kind == "apartment":
            use[i] = "residential"
            fl = int(np.clip(rng.normal(6.5 if plan.dense else 4.0, 1.8), 3, 12))
            floors[i] = fl
            dwell[i] = max(2, round(fl * w / 8.5))
            height[i] = fl * 2.9 + rng.uniform(0.5, 2)
            year[i] = int(np.clip(rng.normal(min(plan.era, 1972), 10), 1950, 2020))
        elif kind == "shop":
            use[i] = "mixed" if rng.random() < 0.45 else "retail"
            fl = int(rng.integers(2, 5))
            floors[i] = fl
            dwell[i] = int(rng.integers(1, 4)) if use[i] == "mixed" else 0
            height[i] = fl * 3.3 + rng.uniform(0, 2)
            year[i] = int(
                np.clip(rng.normal(1935 if plan.character == "centre" else 1965, 20), 1850, 2020)
            )
        elif kind == "box":
            use[i] = (
                str(rng.choice(["industrial", "retail", "office"], p=[0.5, 0.3, 0.2]))
                if plan.character != "hospital"
                else "office"
            )
            height[i] = rng.uniform(6, 11) if use[i] != "office" else rng.uniform(12, 32)
            year[i] = int(rng.integers(1968, 2015))
        elif kind == "hospital":
            use[i] = "healthcare"
            height[i] = rng.uniform(14, 38)
            year[i] = int(rng.integers(1975, 2012))
        elif kind == "farm":
            use[i] = "residential" if rng.random() < 0.75 else "industrial"
            dwell[i] = 1 if use[i] == "residential" else 0
            height[i] = rng.uniform(7, 11)
            year[i] = int(rng.integers(1800, 1990))
    out = f.copy()
    out["use"], out["height"], out["dwellings"], out["year_built"], out["floors"] = (
        use,
        height,
        dwell,
        year,
        floors,
    )
    return out


def _amenities(f: pd.DataFrame, plan: BuurtPlan, rng: np.random.Generator) -> pd.DataFrame:
    """Turn a few residential candidates into schools, community centres, shops and garages."""
    if plan.character != "residential" or len(f) == 0:
        return f
    f = f.copy()
    houses = np.flatnonzero(
        (f["kind"] != "apartment").to_numpy() & (f["use"] == "residential").to_numpy()
    )
    n_school = round(plan.dwellings / 1300 + rng.random() * 0.6)
    n_other = round(plan.dwellings / 500)
    picks = rng.permutation(houses)[: n_school + n_other]
    for k, i in enumerate(picks):
        if k < n_school:
            f.loc[i, ["use", "height", "dwellings"]] = ["education", rng.uniform(7, 11), 0]
            f.loc[i, "year_built"] = int(rng.integers(1955, 2015))
        else:
            use = str(
                rng.choice(["retail", "community", "garage", "office"], p=[0.35, 0.25, 0.3, 0.1])
            )
            height = 3.0 if use == "garage" else rng.uniform(4, 9)
            f.loc[i, ["use", "height", "dwellings"]] = [use, height, 0]
    return f


def _match(f: pd.DataFrame, target: int, rng: np.random.Generator) -> pd.DataFrame:
    """Drop peripheral blocks, or add dwellings, until the buurt's dwellings equal ``target``."""
    f = f.copy()
    dw = f["dwellings"].to_numpy().copy()
    total = int(dw.sum())
    if total > target:
        # whole blocks from the periphery inwards; the last block loses single houses/blocks
        resid = f[dw > 0]
        groups = resid.groupby("group")["dist"].mean().sort_values(ascending=False).index
        drop = np.zeros(len(f), bool)
        for gid in groups:
            members = np.flatnonzero((f["group"] == gid).to_numpy() & (dw > 0))
            if total - int(dw[members].sum()) >= target:
                drop[members] = True
                total -= int(dw[members].sum())
            else:
                for m in members[np.argsort(dw[members])]:
                    if total - dw[m] >= target:
                        drop[m] = True
                        total -= int(dw[m])
            if total == target:
                break
        f = f[~drop].reset_index(drop=True)
        dw = f["dwellings"].to_numpy().copy()
    deficit = target - int(dw.sum())
    if deficit < 0:  # only apartments are left to shrink
        for i in np.flatnonzero(dw > 2)[::-1]:
            take = min(dw[i] - 2, -deficit)
            dw[i] -= take
            deficit += take
            if deficit == 0:
                break
    apts = np.flatnonzero((f["kind"] == "apartment").to_numpy())
    houses = np.flatnonzero(
        (f["use"] == "residential").to_numpy() & (f["kind"] != "apartment").to_numpy()
    )
    per_floor = np.maximum(np.round(f["width"].to_numpy() / 8.5), 1)
    # 1. raise apartment blocks up to 12 floors; 2. split houses into up to 3 dwellings
    for pool, cap in ((apts, 14 * per_floor), (houses, np.full(len(f), 3))):
        while deficit > 0 and len(pool):
            room = np.flatnonzero(dw[pool] < cap[pool])
            if len(room) == 0:
                break
            for i in pool[room][:deficit]:
                dw[i] += 1
                deficit -= 1
    if deficit > 0 and len(f):  # nothing else left: the largest building takes the rest
        dw[int(np.argmax(f["width"].to_numpy() * f["depth"].to_numpy()))] += deficit
    f["dwellings"] = dw
    if len(apts):
        floors = np.ceil(dw[apts] / per_floor[apts])
        f.loc[apts, "height"] = np.maximum(f.loc[apts, "height"].to_numpy(), floors * 2.9 + 1.0)
    return f


def buildings(
    plans: list[BuurtPlan], streets: gpd.GeoDataFrame, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    """All buildings of the demo: ``id``, ``buurt``, ``use``, ``height``, ``ground_level``,
    ``year_built``, ``dwellings``, ``vacant``."""
    widths = streets["highway"].map(ROAD_WIDTH).to_numpy()
    buffers = shapely.buffer(streets.geometry.to_numpy(), widths / 2 + 1.0, cap_style="flat")
    tree = shapely.STRtree(buffers)
    parts = []
    for plan in plans:
        if plan.dwellings == 0 and plan.character == "rural":
            continue
        boost, housing = 1.0, min(plan.dwellings / 400, 0.5)
        for _attempt in range(6):
            f = buildings_for_buurt(
                plan, streets, tree, rng, apartment_boost=boost, housing=housing
            )
            f = _attributes(f, plan, rng)
            f = _amenities(f, plan, rng)
            if int(f["dwellings"].sum()) >= plan.dwellings:
                break
            boost += 0.25  # not enough room: more apartment blocks, more homes elsewhere
            housing = min(housing + 0.2, 0.9)
        f = _match(f, plan.dwellings, rng)
        f = pd.concat([f, _outbuildings(f, tree, rng)], ignore_index=True)
        f["buurt"] = plan.code
        f["vacant"] = _vacancy(f, plan, rng)
        parts.append(f)
    allb = pd.concat(parts, ignore_index=True)
    geoms = allb["geometry"].to_numpy()
    cx, cy = shapely.get_x(shapely.centroid(geoms)), shapely.get_y(shapely.centroid(geoms))
    order = np.lexsort((np.round(cx, 2), np.round(cy, 2), allb["buurt"].to_numpy()))
    allb = allb.iloc[order].reset_index(drop=True)
    cx, cy = cx[order], cy[order]
    out = gpd.GeoDataFrame(
        {
            "id": [f"DEMO.pand.{i:06d}" for i in range(len(allb))],
            "buurt": allb["buurt"].to_numpy(),
            "use": allb["use"].to_numpy(),
            "height": np.round(allb["height"].to_numpy(dtype=float), 1),
            "ground_level": np.round(ground_level(cx, cy), 1),
            "year_built": allb["year_built"].to_numpy(dtype=np.int64),
            "dwellings": allb["dwellings"].to_numpy(dtype=np.int64),
            "vacant": allb["vacant"].to_numpy(dtype=bool),
        },
        geometry=allb["geometry"].to_numpy(),
        crs=RD_CRS,
    )
    return out


def _vacancy(f: pd.DataFrame, plan: BuurtPlan, rng: np.random.Generator) -> np.ndarray:
    """Vacant flags: more in low-income buurten, many shops empty in the centres."""
    use = f["use"].to_numpy()
    p = np.where(use == "residential", 0.01 + plan.low_income / 1000, 0.05)
    p = np.where(np.isin(use, ["retail", "mixed"]) & (plan.character == "centre"), 0.2, p)
    p = np.where(use == "office", 0.12, p)
    p = np.where(use == "education", 0.04, p)
    return rng.random(len(f)) < p
