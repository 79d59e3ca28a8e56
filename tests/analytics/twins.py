"""Small synthetic twins for the analytics tests: a few buildings, streets and lamps in one buurt.

Everything is in RD New around an arbitrary origin; sizes are in metres. Helpers, not fixtures,
so tests and Hypothesis strategies can build as many variations as they like.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xarray as xr
from shapely.geometry import LineString, Point, box

from twin import RD_CRS, Manifest, Twin
from twin.manifest import IndicatorManifest, LayerManifest

#: Origin of the test area (somewhere in Heerlen) so that WGS84 conversions are sensible.
X0, Y0 = 193_000.0, 320_000.0
BUURT = "BU09990000"
WIJK = "WK099900"


def _layer_manifest(synthetic: bool = True) -> LayerManifest:
    return LayerManifest(
        source="test fixture",
        licence="CC0",
        purpose="tests",
        legal_basis="none needed",
        date="2026",
        synthetic=synthetic,
        min_count=0,
    )


def house(x: float, y: float, w: float = 8.0, d: float = 10.0, **props: object) -> dict:
    """A building record with footprint box (x, y, x + w, y + d) relative to the origin."""
    rec = {
        "geometry": box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + d),
        "use": "residential",
        "height": 9.0,
        "dwellings": 1,
        "vacant": False,
    }
    rec.update(props)
    return rec


def street(
    coords: Sequence[tuple[float, float]], highway: str = "residential", name: str = "Teststraat"
) -> dict:
    return {
        "geometry": LineString([(X0 + x, Y0 + y) for x, y in coords]),
        "highway": highway,
        "name": name,
    }


def lamp(x: float, y: float, height: float = 5.0, lumen: float = 3000.0) -> dict:
    return {"geometry": Point(X0 + x, Y0 + y), "height": height, "lumen": lumen}


def make_twin(
    buildings: Sequence[dict] = (),
    streets: Sequence[dict] = (),
    lights: Sequence[dict] = (),
    *,
    area: tuple[float, float, float, float] = (-100.0, -100.0, 200.0, 200.0),
    water: Sequence[shapely.Geometry] = (),
    indicators: xr.Dataset | None = None,
    name: str = "test twin",
) -> Twin:
    """A one-buurt twin with the given buildings, streets and lights (records as dicts)."""
    minx, miny, maxx, maxy = area
    buurt_poly = box(X0 + minx, Y0 + miny, X0 + maxx, Y0 + maxy)
    nb = gpd.GeoDataFrame(
        {
            "code": ["GM0999", WIJK, BUURT],
            "name": ["Testgemeente", "Testwijk", "Testbuurt"],
            "level": ["gemeente", "wijk", "buurt"],
            "parent": [None, "GM0999", WIJK],
        },
        geometry=[buurt_poly, buurt_poly, buurt_poly],
        crs=RD_CRS,
    )
    b = (
        pd.DataFrame(list(buildings))
        if buildings
        else pd.DataFrame(columns=["geometry", "use", "height", "dwellings", "vacant"])
    )
    bld = gpd.GeoDataFrame(
        {
            "id": [f"T.pand.{i}" for i in range(len(b))],
            "buurt": [BUURT] * len(b),
            "use": b["use"].astype(object).tolist(),
            "height": b["height"].astype(float).tolist(),
            "ground_level": [100.0] * len(b),
            "year_built": [1960] * len(b),
            "dwellings": b["dwellings"].astype(int).tolist(),
            "vacant": b["vacant"].astype(bool).tolist(),
        },
        geometry=gpd.GeoSeries(list(b["geometry"]), crs=RD_CRS),
        crs=RD_CRS,
    )
    s = list(streets)
    st = gpd.GeoDataFrame(
        {
            "id": [f"T.weg.{i}" for i in range(len(s))],
            "highway": [r["highway"] for r in s],
            "name": [r["name"] for r in s],
            "buurt": [BUURT] * len(s),
        },
        geometry=gpd.GeoSeries([r["geometry"] for r in s], crs=RD_CRS),
        crs=RD_CRS,
    )
    lt = list(lights)
    li = gpd.GeoDataFrame(
        {
            "id": [f"T.lamp.{i}" for i in range(len(lt))],
            "height": [float(r["height"]) for r in lt],
            "lumen": [float(r["lumen"]) for r in lt],
            "estimated": [False] * len(lt),
        },
        geometry=gpd.GeoSeries([r["geometry"] for r in lt], crs=RD_CRS),
        crs=RD_CRS,
    )
    ground = gpd.GeoDataFrame(
        {"kind": ["water"] * len(water)},
        geometry=gpd.GeoSeries([shapely.affinity.translate(w, X0, Y0) for w in water], crs=RD_CRS),
        crs=RD_CRS,
    )
    ds = indicators if indicators is not None else _indicators(list(nb["code"]))
    manifest = Manifest(
        layers={
            n: _layer_manifest()
            for n in ("neighbourhoods", "buildings", "streets", "lights", "ground")
        },
        indicators=indicator_manifests(ds),
    )
    return Twin(
        name=name,
        municipality="GM0999",
        neighbourhoods=nb,
        buildings=bld,
        streets=st,
        lights=li,
        ground=ground,
        indicators=ds,
        manifest=manifest,
    )


def indicator_manifests(ds: xr.Dataset) -> dict[str, IndicatorManifest]:
    """Manifest entries of a Dataset's indicators, from their attributes."""
    names = IndicatorManifest.__dataclass_fields__
    return {
        str(n): IndicatorManifest(**{k: v for k, v in ds[n].attrs.items() if k in names})
        for n in ds.data_vars
    }


def indicator_attrs(kind: str = "pct", synthetic: bool = True, source: str = "test") -> dict:
    return {
        "source": source,
        "licence": "CC0",
        "purpose": "tests",
        "legal_basis": "none",
        "date": "2020",
        "synthetic": synthetic,
        "min_count": 5,
        "kind": kind,
        "base": "",
        "per": 1000.0 if kind == "rate" else 1.0,
        "unit": "",
        "higher_is": "worse",
        "long_name": "",
    }


def _indicators(codes: list[str]) -> xr.Dataset:
    values = np.full((1, len(codes)), 20.0)
    return xr.Dataset(
        {"perceived_unsafety_pct": (("year", "area"), values, indicator_attrs("pct"))},
        coords={
            "year": [2020],
            "area": np.array(codes, dtype=object),
            "level": ("area", np.array(["gemeente", "wijk", "buurt"], dtype=object)),
            "name": ("area", np.array(codes, dtype=object)),
            "parent": ("area", np.array(["", "GM0999", WIJK], dtype=object)),
        },
    )
