"""Assemble a twin from imported parts: the pure core of ``socialtwin import``.

Each source kind contributes a :class:`Part` (layers, tables, notes, metadata). Assembly joins
them: buildings and streets get their buurt by location (a building's point on surface, a
segment's midpoint), and what lies outside the municipality's buurten is left out and counted;
BAG uses and unit counts join the buildings by id; dwellings come from BAG units, or else are
CBS's woningvoorraad per buurt shared over the buurt's plausible residential buildings by floor
area (flagged ``dwellings_estimated``); street lights are OSM lamps where streets have them and
estimates elsewhere; crime counts become rates per 1000 inhabitants with CBS inhabitants.
Nothing here reads or writes files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from twin.constants import RD_CRS, RD_PRECISION_M
from twin.importers.bag import use_from_gebruiksdoel
from twin.importers.lights import lights_from_lamps, lights_from_streets
from twin.importers.sources import indicator_manifest, layer_manifest, years_text
from twin.indicators import indicators_from_table, table_from_indicators
from twin.manifest import IndicatorManifest, LayerManifest, Manifest
from twin.model import Twin
from twin.store import empty_layer

__all__ = [
    "INDICATOR_ORDER",
    "REQUIRED_KINDS",
    "Assembly",
    "Part",
    "buurt_of",
    "dwellings_by_share",
    "twin_from_parts",
]

#: The layers a twin cannot do without, and the source kind that provides each.
REQUIRED_KINDS = {"neighbourhoods": "wijkbuurtkaart", "buildings": "3dbag", "streets": "osm"}
#: Indicator tables are stacked in this order; a later kind wins for the same area and year
#: (StatLine is corrected after the Wijk- en Buurtkaart is printed, so it wins over it).
INDICATOR_ORDER = ("base", "wijkbuurtkaart", "kerncijfers", "leefbaarometer", "politie")
#: Crime groups whose counts become rates per 1000 inhabitants.
CRIME_RATES = {
    "crime_burglary_count": "crime_burglary_per1000",
    "crime_vandalism_count": "crime_vandalism_per1000",
    "crime_violence_count": "crime_violence_per1000",
}
#: A building takes part in sharing a buurt's dwellings when its footprint is at least this
#: large (m²) and it is at least this high (m): sheds, garages and carports do not.
MIN_DWELLING_FOOTPRINT_M2, MIN_DWELLING_HEIGHT_M = 30.0, 2.5
#: Uses that may hold dwellings when BAG does not say.
_MAYBE_RESIDENTIAL = ("residential", "mixed", "unknown")


@dataclass
class Part:
    """What one source kind contributed: layers, tables, notes and metadata."""

    kind: str
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Assembly:
    """The assembled twin, or what is still missing for one."""

    twin: Twin | None
    missing: list[str]
    notes: dict[str, list[str]] = field(default_factory=dict)
    grid: pd.DataFrame | None = None


def buurt_of(points: np.ndarray, buurten: gpd.GeoDataFrame) -> np.ndarray:
    """The code of the buurt each point lies in (None outside every buurt)."""
    out = np.full(len(points), None, dtype=object)
    if len(points) == 0 or len(buurten) == 0:
        return out
    tree = shapely.STRtree(buurten.geometry.to_numpy())
    pi, bi = tree.query(points, predicate="intersects")
    order = np.argsort(pi, kind="stable")
    pi, bi = pi[order], bi[order]
    first = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.array([], dtype=bool)
    out[pi[first]] = buurten["code"].to_numpy(dtype=object)[bi[first]]
    return out


def dwellings_by_share(buurt: np.ndarray, weight: np.ndarray, totals: pd.Series) -> np.ndarray:
    """Share each buurt's total over its buildings in proportion to ``weight``, in whole
    dwellings that add up exactly (largest remainder).

    >>> dwellings_by_share(np.array(["A", "A", "A"]), np.array([1.0, 1.0, 2.0]),
    ...                    pd.Series({"A": 10})).tolist()
    [3, 2, 5]
    """
    frame = pd.DataFrame({"buurt": buurt, "w": np.maximum(weight, 0.0)})
    frame["total"] = frame["buurt"].map(totals).fillna(0).to_numpy(dtype=float)
    sums = frame.groupby("buurt")["w"].transform("sum").to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        quota = np.where(sums > 0, frame["total"].to_numpy() * frame["w"].to_numpy() / sums, 0.0)
    base = np.floor(quota)
    frame["base"], frame["frac"] = base, quota - base
    left = (
        (
            frame.groupby("buurt")["total"].transform("first")
            - frame.groupby("buurt")["base"].transform("sum")
        )
        .round()
        .to_numpy()
    )
    rank = frame.groupby("buurt")["frac"].rank(method="first", ascending=False).to_numpy()
    return (base + (rank <= left)).astype(int)


def on_grid(frame: gpd.GeoDataFrame, notes: list[str], what: str) -> gpd.GeoDataFrame:
    """``frame`` with coordinates on the twin's 1 cm grid, valid, and without empty shapes.

    Rounds point by point (fast, and GEOS then knows the geometries are on the grid, so
    :func:`twin.write_twin` does not redo it); a geometry that is invalid after rounding (or
    was invalid in the source) is snapped with GEOS's topology-preserving precision reduction
    instead, which repairs it. Shapes that collapse to nothing are left out. Counts go to
    ``notes``.
    """
    geoms = frame.geometry.to_numpy()
    was_invalid = ~shapely.is_valid(geoms)
    rounded = shapely.set_precision(geoms, RD_PRECISION_M, mode="pointwise")
    bad = ~shapely.is_valid(rounded) | was_invalid
    if bad.any():
        rounded[bad] = shapely.set_precision(geoms[bad], RD_PRECISION_M)
    empty = shapely.is_empty(rounded) | shapely.is_missing(rounded)
    if was_invalid.any():
        notes.append(f"{int(was_invalid.sum())} invalid {what} in the source repaired")
    if empty.any():
        notes.append(f"{int(empty.sum())} {what} too small for the 1 cm grid left out")
    out = frame.copy()
    out = out.set_geometry(gpd.GeoSeries(rounded, index=frame.index, crs=frame.crs))
    return out[~empty].reset_index(drop=True)


def _latest_per_area(table: pd.DataFrame, indicator: str) -> pd.Series:
    sub = table[table["indicator"] == indicator].sort_values("year")
    return sub.groupby("area")["value"].last()


def _buildings(
    raw: gpd.GeoDataFrame,
    buurten: gpd.GeoDataFrame,
    units: pd.DataFrame | None,
    table: pd.DataFrame,
    notes: list[str],
) -> gpd.GeoDataFrame:
    raw = on_grid(raw, notes, "footprints")
    points = shapely.point_on_surface(raw.geometry.to_numpy())
    codes = buurt_of(points, buurten)
    outside = np.array([c is None for c in codes])
    if outside.any():
        notes.append(
            f"{int(outside.sum())} buildings outside the municipality's buurten left out "
            "(source tiles reach beyond its border)"
        )
    frame = raw[~outside].copy()
    frame["buurt"] = codes[~outside]
    frame = frame.reset_index(drop=True)
    known = pd.to_numeric(frame["dwellings"], errors="coerce").to_numpy(dtype=float)
    if units is not None and len(units):
        joined = units.set_index("id").reindex(frame["id"])
        has = frame["id"].isin(units["id"]).to_numpy()
        doel = np.array(frame["gebruiksdoel"].astype(object).to_numpy(), dtype=object)
        doel[has] = joined["gebruiksdoel"].astype(object).to_numpy()[has]
        frame["gebruiksdoel"] = doel
        frame["use"] = use_from_gebruiksdoel(frame["gebruiksdoel"])
        in_bag = np.nan_to_num(joined["units"].to_numpy(dtype=float), nan=0.0)
        known = np.where(has, in_bag, known)
        notes.append(
            f"use and units of {int(has.sum())} of {len(frame)} buildings from BAG "
            "(gebruiksdoel, aantal_verblijfsobjecten; a mixed-use pand counts all its units as "
            "dwellings, an upper bound); buildings not in the BAG file keep use 'unknown'"
        )
    use = frame["use"].to_numpy(dtype=object)
    residential = np.isin(use, ["residential", "mixed"])
    dwellings = np.where(np.isfinite(known) & residential, known, 0.0)
    estimated = ~np.isfinite(known)
    cbs = _latest_per_area(table, "dwellings") if len(table) else pd.Series(dtype=float)
    if estimated.any() and len(cbs):
        area = shapely.area(frame.geometry.to_numpy())
        height = frame["height"].to_numpy(dtype=float)
        candidate = (
            estimated
            & np.isin(use, _MAYBE_RESIDENTIAL)
            & (area >= MIN_DWELLING_FOOTPRINT_M2)
            & (height >= MIN_DWELLING_HEIGHT_M)
        )
        known_sum = pd.Series(dwellings[~estimated]).groupby(frame["buurt"][~estimated]).sum()
        left = (cbs - known_sum.reindex(cbs.index).fillna(0)).clip(lower=0).round()
        floors = np.maximum(1.0, np.round(height / 3.0))
        shares = dwellings_by_share(
            frame["buurt"].to_numpy(dtype=object)[candidate],
            (area * floors)[candidate],
            left,
        )
        dwellings[candidate] = shares
        notes.append(
            f"dwellings of {int(estimated.sum())} buildings estimated: each buurt's CBS "
            "woningvoorraad (latest year) shared over its possibly residential buildings "
            f"(≥ {MIN_DWELLING_FOOTPRINT_M2:g} m², ≥ {MIN_DWELLING_HEIGHT_M:g} m high) by floor "
            "area; flagged dwellings_estimated"
        )
    elif estimated.any():
        notes.append(
            f"dwellings of {int(estimated.sum())} buildings unknown (no BAG units and no CBS "
            "woningvoorraad): set to 0 and flagged dwellings_estimated"
        )
    frame["dwellings"] = dwellings.astype("int64")
    frame["dwellings_estimated"] = estimated
    frame["year_built"] = frame["year_built"].astype("Int64")
    first = ["id", "buurt", "use", "height", "ground_level", "year_built", "dwellings", "vacant"]
    rest = [c for c in frame.columns if c not in first and c != "geometry"]
    return gpd.GeoDataFrame(frame[[*first, *rest, "geometry"]], geometry="geometry", crs=RD_CRS)


def _lines_only(geoms: np.ndarray) -> np.ndarray:
    """Line parts of each geometry (a clip may leave points where a line touches the edge)."""
    out = geoms.copy()
    types = shapely.get_type_id(geoms)
    for k in np.flatnonzero(~np.isin(types, [1, 5])):
        parts = [p for p in shapely.get_parts(geoms[k]) if p.geom_type == "LineString"]
        out[k] = shapely.line_merge(shapely.MultiLineString(parts)) if parts else None
    return out


def _streets(
    raw: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame, outline, notes: list[str]
) -> gpd.GeoDataFrame:
    geoms = _lines_only(shapely.intersection(raw.geometry.to_numpy(), outline))
    inside = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    inside &= np.nan_to_num(shapely.length(geoms), nan=0.0) > 0.01
    clipped = int((inside & ~shapely.equals(geoms, raw.geometry.to_numpy())).sum())
    if (~inside).any() or clipped:
        notes.append(
            f"{int((~inside).sum())} street segments outside the municipality left out and "
            f"{clipped} cut at its border"
        )
    frame = raw[inside].copy()
    frame = frame.set_geometry(gpd.GeoSeries(geoms[inside], index=frame.index, crs=RD_CRS))
    mids = shapely.line_interpolate_point(frame.geometry.to_numpy(), 0.5, normalized=True)
    frame["buurt"] = buurt_of(mids, buurten)
    cols = ["id", "highway", "name", "buurt"]
    out = gpd.GeoDataFrame(
        frame[[*cols, "geometry"]].reset_index(drop=True), geometry="geometry", crs=RD_CRS
    )
    return on_grid(out, notes, "street segments")


#: A mapped lamp this close to a street marks the street as mapped (no estimated lights there).
LAMP_STREET_DISTANCE_M = 25.0


def _lights(
    lamps: gpd.GeoDataFrame | None, streets: gpd.GeoDataFrame, outline, notes: list[str]
) -> gpd.GeoDataFrame:
    mapped = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=RD_CRS), crs=RD_CRS)
    if lamps is not None and len(lamps):
        inside = shapely.intersects(lamps.geometry.to_numpy(), outline)
        mapped = lights_from_lamps(lamps[inside].reset_index(drop=True), streets)
    estimate = lights_from_streets(streets)
    if len(mapped):
        near = shapely.STRtree(streets.geometry.to_numpy()).query(
            mapped.geometry.to_numpy(), predicate="dwithin", distance=LAMP_STREET_DISTANCE_M
        )[1]
        covered = set(streets["id"].to_numpy(dtype=object)[near])
        estimate = estimate[~estimate["street"].isin(covered)]
    out = pd.concat([mapped, estimate], ignore_index=True) if len(mapped) else estimate
    out = on_grid(gpd.GeoDataFrame(out, geometry="geometry", crs=RD_CRS), notes, "lights")
    notes.append(
        f"{len(mapped)} lights mapped in OSM (highway=street_lamp; height from the 'height' tag "
        f"or the street class, flux from the class); {len(estimate)} estimated from road class "
        "on streets without mapped lamps (estimated = True: where lights are expected, not "
        "where they are)"
    )
    return gpd.GeoDataFrame(out.reset_index(drop=True), geometry="geometry", crs=RD_CRS)


def _indicators(
    parts: dict[str, Part], base: Twin | None, areas: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, IndicatorManifest], list[str]]:
    stacked = []
    for kind in INDICATOR_ORDER:
        if kind == "base":
            if base is not None and len(base.indicators.data_vars):
                t = table_from_indicators(base.indicators)
                stacked.append(t.assign(kind="base"))
            continue
        if kind in parts and "indicators" in parts[kind].tables:
            stacked.append(parts[kind].tables["indicators"].assign(kind=kind))
    if not stacked:
        return pd.DataFrame({"area": [], "indicator": [], "year": [], "value": []}), {}, []
    table = pd.concat(stacked, ignore_index=True)
    table = table[table["area"].isin(set(areas["code"]))]
    table = table.drop_duplicates(["area", "indicator", "year"], keep="last")
    notes: list[str] = []
    rates = _crime_rates(table)
    if len(rates):
        have = table.set_index(["area", "indicator", "year"]).index
        new = rates[~rates.set_index(["area", "indicator", "year"]).index.isin(have)]
        table = pd.concat([table, new.assign(kind="politie-rate")], ignore_index=True)
    defs: dict[str, IndicatorManifest] = {}
    for name, sub in table.groupby("indicator", sort=True):
        by_kind = {k: sorted({int(y) for y in g["year"]}) for k, g in sub.groupby("kind")}
        defs[str(name)] = _indicator_definition(str(name), by_kind, parts, base)
    table = table.drop(columns="kind").reset_index(drop=True)
    return table, defs, notes


#: A crime count without inhabitants for its own year uses the nearest year within this many
#: years (population changes by well under 1 % a year; CBS's own tables lag the Politie's).
RATE_YEAR_TOLERANCE = 2


def _inhabitants_for(inhabitants: pd.DataFrame, area: np.ndarray, year: np.ndarray) -> np.ndarray:
    """Inhabitants of each (area, year), else of the nearest year within the tolerance
    (the earlier one on a tie)."""
    out = np.full(len(area), np.nan)
    gap = np.full(len(area), np.inf)
    by_area = {a: g for a, g in inhabitants.groupby("area")}
    for k, (a, y) in enumerate(zip(area, year, strict=True)):
        g = by_area.get(a)
        if g is None:
            continue
        d = (g["year"].to_numpy() - y).astype(float)
        score = np.abs(d) + np.where(d > 0, 0.1, 0.0)
        j = int(np.argmin(score))
        if abs(d[j]) <= RATE_YEAR_TOLERANCE:
            out[k], gap[k] = g["value"].to_numpy()[j], abs(d[j])
    return out


def _crime_rates(table: pd.DataFrame) -> pd.DataFrame:
    """Rates per 1000 inhabitants from the crime counts (withheld counts stay withheld)."""
    inhabitants = table[table["indicator"] == "inhabitants"][["area", "year", "value"]]
    out = []
    for count, rate in CRIME_RATES.items():
        sub = table[table["indicator"] == count]
        if sub.empty:
            continue
        base = _inhabitants_for(inhabitants, sub["area"].to_numpy(), sub["year"].to_numpy())
        with np.errstate(invalid="ignore", divide="ignore"):
            value = sub["value"].to_numpy(dtype=float) / base * 1000.0
        ok = np.isfinite(value) & (base > 0)
        out.append(
            pd.DataFrame(
                {
                    "area": sub["area"].to_numpy()[ok],
                    "indicator": rate,
                    "year": sub["year"].to_numpy()[ok],
                    "value": np.round(value[ok], 2),
                }
            )
        )
    if not out:
        return pd.DataFrame({"area": [], "indicator": [], "year": [], "value": []})
    return pd.concat(out, ignore_index=True)


def _indicator_definition(
    name: str, by_kind: dict[str, list[int]], parts: dict[str, Part], base: Twin | None
) -> IndicatorManifest:
    years = sorted({y for ys in by_kind.values() for y in ys})
    if set(by_kind) == {"base"} and base is not None:
        return base.manifest.indicators[name]
    kinds = [k for k in by_kind if k != "base"]
    main = "politie" if "politie-rate" in by_kind else kinds[-1]
    notes = []
    if "politie-rate" in by_kind:
        notes.append(
            f"{years_text(by_kind['politie-rate'])}: computed as the Politie count / CBS "
            f"inhabitants × 1000 (inhabitants of the nearest year within "
            f"{RATE_YEAR_TOLERANCE} years where that year's are not imported)"
        )
    for kind in kinds:
        if kind != "politie-rate" and (len(kinds) > 1 or "politie-rate" in by_kind):
            notes.append(f"{years_text(by_kind[kind])}: as published in {_LABEL[kind]}")
    for kind in kinds:
        if kind in parts and kind != "politie-rate":
            notes += [n for n in parts[kind].meta.get("indicator_notes", []) if n]
    if "base" in by_kind:
        notes.append(f"{years_text(by_kind['base'])}: kept from the twin before this import")
    return indicator_manifest(name, main, years=years, notes=notes)


_LABEL = {
    "wijkbuurtkaart": "the CBS Wijk- en Buurtkaart",
    "kerncijfers": "CBS Kerncijfers wijken en buurten",
    "politie": "the Politie tables",
    "leefbaarometer": "the Leefbaarometer",
}


def _layer_notes(kind: str, parts: dict[str, Part], extra: list[str]) -> list[str]:
    return (parts[kind].notes if kind in parts else []) + extra


def twin_from_parts(
    parts: dict[str, Part], *, base: Twin | None = None, today: str | None = None
) -> Assembly:
    """Assemble the twin from the parts (and an existing twin for what they lack).

    Returns an :class:`Assembly` whose ``twin`` is None, with ``missing`` saying which kinds
    still need importing, while neighbourhoods, buildings or streets have no source.
    """
    today = today or dt.date.today().isoformat()
    missing = [
        f"{layer} (import {kind})"
        for layer, kind in REQUIRED_KINDS.items()
        if kind not in parts and base is None
    ]
    if missing:
        return Assembly(twin=None, missing=missing)
    notes: dict[str, list[str]] = {k: [] for k in ("buildings", "streets", "lights")}
    layer_mf: dict[str, LayerManifest] = dict(base.manifest.layers) if base else {}
    if "wijkbuurtkaart" in parts:
        wbk = parts["wijkbuurtkaart"]
        nb_notes = list(wbk.notes)
        neighbourhoods = on_grid(wbk.layers["neighbourhoods"], nb_notes, "area polygons")
        municipality, name = wbk.meta["municipality"], wbk.meta["name"]
        layer_mf["neighbourhoods"] = layer_manifest(
            "wijkbuurtkaart", date=str(wbk.meta["year"]), notes=nb_notes
        )
    else:
        assert base is not None
        neighbourhoods, municipality, name = base.neighbourhoods, base.municipality, base.name
    buurten = neighbourhoods[neighbourhoods["level"] == "buurt"]
    outline = shapely.union_all(buurten.geometry.to_numpy(), grid_size=0.01)
    areas = pd.DataFrame(neighbourhoods.drop(columns="geometry"))
    table, defs, _ = _indicators(parts, base, areas)
    if "3dbag" in parts:
        p = parts["3dbag"]
        units = parts["bag"].tables.get("units") if "bag" in parts else None
        buildings = _buildings(p.layers["buildings"], buurten, units, table, notes["buildings"])
        sources = layer_manifest("3dbag", date=p.meta.get("version") or today, notes=[])
        extra = {}
        if units is not None:
            extra = dict(
                source=f"{sources.source}; use and units: Kadaster BAG via PDOK",
                licence="CC BY 4.0 (3DBAG); CC0 1.0 (BAG)",
            )
        layer_mf["buildings"] = layer_manifest(
            "3dbag",
            date=p.meta.get("version") or today,
            notes=_layer_notes("3dbag", parts, notes["buildings"]),
            **extra,
        )
    else:
        assert base is not None
        buildings = base.buildings.copy()
        buildings["buurt"] = buurt_of(
            shapely.point_on_surface(buildings.geometry.to_numpy()), buurten
        )
    lamps = None
    if "osm" in parts:
        p = parts["osm"]
        streets = _streets(p.layers["streets"], buurten, outline, notes["streets"])
        lamps = p.layers.get("lamps")
        date = p.meta.get("osm_date") or today
        layer_mf["streets"] = layer_manifest(
            "osm", date=date, notes=_layer_notes("osm", parts, notes["streets"])
        )
        lights = _lights(lamps, streets, outline, notes["lights"])
        layer_mf["lights"] = layer_manifest(
            "osm",
            date=date,
            notes=notes["lights"],
            purpose="street lights (mapped where OSM has them, estimated elsewhere)",
            source="© OpenStreetMap contributors (highway=street_lamp); estimates from road "
            "class where none are mapped",
        )
    else:
        assert base is not None
        streets, lights = base.streets, base.lights
    gaps = []
    if base is not None and "ground" not in base.gaps:
        ground = base.ground
    else:
        ground = empty_layer("ground")
        gaps.append("ground")
        layer_mf.pop("ground", None)
    if len(lights) == 0:
        lights = empty_layer("lights")
        gaps.append("lights")
    indicators = indicators_from_table(table, areas, defs)
    imported = {k: {**p.meta, "notes": p.notes} for k, p in sorted(parts.items())}
    twin = Twin(
        name=name,
        municipality=municipality,
        neighbourhoods=neighbourhoods,
        buildings=buildings,
        streets=streets,
        lights=lights,
        ground=ground,
        indicators=indicators,
        manifest=Manifest(layers=layer_mf, indicators=defs),
        gaps=tuple(gaps),
        meta={
            **(
                {k: v for k, v in base.meta.items() if k not in ("name", "municipality")}
                if base
                else {}
            ),
            "imported": imported,
            "synthetic_geometry": any(
                layer_mf[k].synthetic
                for k in ("neighbourhoods", "buildings", "streets")
                if k in layer_mf
            ),
            "assembled": today,
        },
    )
    grid = parts["leefbaarometer"].tables.get("grid") if "leefbaarometer" in parts else None
    return Assembly(twin=twin, missing=[], notes=notes, grid=grid)
