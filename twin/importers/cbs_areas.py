"""CBS Wijk- en Buurtkaart (GeoPackage, layers ``gemeenten``, ``wijken``, ``buurten``).

The 2022-and-later files use long lower-case attribute names (``buurtcode``, ``buurtnaam``,
``aantal_inwoners``, ``gemiddelde_woningwaarde``, ...). Values ``-99997`` (secret or absent),
``-99995`` (published later), ``-99991`` (no longer published) and the older ``-99999999``
family mean *no data*: they become NaN, never a number (:data:`CBS_NODATA_BELOW`).

The reference year comes from the ``jaar`` column, else ``jrstatcode`` (``2023BU...``), else the
file name (``wijkenbuurten_2023_v1.gpkg``), else ``--year``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from twin.constants import RD_CRS
from twin.errors import TwinDataError
from twin.importers._common import (
    cbs_numbers,
    layer_names,
    read_layer,
    require_columns,
    year_from_name,
)
from twin.importers._crs import frame_in_rd

__all__ = [
    "WBK_INDICATORS",
    "AreasImport",
    "areas_from_wijkbuurtkaart",
    "indicators_from_attributes",
]

#: Twin indicator → the Wijk- en Buurtkaart attribute names it has had over the years.
WBK_INDICATORS: dict[str, tuple[str, ...]] = {
    "inhabitants": ("aantal_inwoners",),
    "households": ("aantal_huishoudens", "aantal_particuliere_huishoudens"),
    "dwellings": ("woningvoorraad", "aantal_woningen"),
    "woz_value": ("gemiddelde_woningwaarde", "gemiddelde_woz_waarde_woning"),
    "pct_corporation_rental": (
        "perc_huurwoningen_in_bezit_woningcorporaties",
        "percentage_huurwoningen_in_bezit_woningcorporaties",
    ),
    "pct_low_income": (
        "percentage_huishoudens_met_laag_inkomen",
        "percentage_huishoudens_met_een_laag_inkomen",
    ),
    "pct_social_minimum": (
        "percentage_huishoudens_onder_of_rond_sociaal_minimum",
        "perc_huishoudens_onder_of_rond_sociaal_minimum",
    ),
    "vacancy_pct": ("percentage_leegstand_woningen",),
}

_LEVELS = {
    "gemeenten": ("gemeente", "gemeentecode", "gemeentenaam", None),
    "wijken": ("wijk", "wijkcode", "wijknaam", "gemeentecode"),
    "buurten": ("buurt", "buurtcode", "buurtnaam", "wijkcode"),
}


@dataclass
class AreasImport:
    """Neighbourhoods and their key figures from one Wijk- en Buurtkaart."""

    neighbourhoods: gpd.GeoDataFrame
    indicators: pd.DataFrame
    year: int
    municipality: str
    name: str
    notes: list[str] = field(default_factory=list)


def indicators_from_attributes(attrs: pd.DataFrame, year: int) -> pd.DataFrame:
    """Long table (area, indicator, year, value) from the Wijk- en Buurtkaart attributes.

    ``attrs`` has a ``code`` column and the attribute columns; no-data codes are dropped.
    """
    parts = []
    for name, aliases in WBK_INDICATORS.items():
        col = next((a for a in aliases if a in attrs.columns), None)
        if col is None:
            continue
        values = cbs_numbers(attrs[col])
        keep = values.notna().to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "area": attrs["code"].to_numpy()[keep],
                    "indicator": name,
                    "year": year,
                    "value": values.to_numpy()[keep],
                }
            )
        )
    if not parts:
        return pd.DataFrame({"area": [], "indicator": [], "year": [], "value": []})
    return pd.concat(parts, ignore_index=True)


def _year_of(frame: pd.DataFrame, path: Path, year: int | None, file: str, layer: str) -> int:
    if year is not None:
        return int(year)
    if "jaar" in frame.columns:
        years = pd.to_numeric(frame["jaar"], errors="coerce").dropna()
        if len(years):
            return int(years.mode().iloc[0])
    if "jrstatcode" in frame.columns:
        found = frame["jrstatcode"].astype("string").str.extract(r"^(\d{4})")[0].dropna()
        if len(found):
            return int(found.mode().iloc[0])
    from_name = year_from_name(path)
    if from_name:
        return from_name
    raise TwinDataError(
        "says nothing about its year (no 'jaar' or 'jrstatcode' column, no year in the name)",
        file=file,
        layer=layer,
        hint="pass --year YYYY",
    )


def _valid(frame: gpd.GeoDataFrame, notes: list[str], layer: str) -> gpd.GeoDataFrame:
    geoms = frame.geometry.to_numpy()
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        fixed = shapely.make_valid(geoms[bad])
        fixed = np.array([_polygons_only(g) for g in fixed], dtype=object)
        geoms = geoms.copy()
        geoms[bad] = fixed
        frame = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))
        notes.append(f"{int(bad.sum())} invalid {layer} polygons repaired (make_valid)")
    return frame


def _polygons_only(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys) if polys else geom


def areas_from_wijkbuurtkaart(
    path: str | os.PathLike[str],
    *,
    municipality: str | None = None,
    year: int | None = None,
    crs: str | None = None,
) -> AreasImport:
    """Gemeente, wijken and buurten of one municipality, with their key figures.

    Parameters
    ----------
    path : path-like
        A Wijk- en Buurtkaart GeoPackage (the whole country, or one municipality's extract).
    municipality : str, optional
        CBS code, e.g. ``"GM0917"``; needed when the file holds more than one municipality.
    year : int, optional
        Overrides the year read from the file.
    """
    path = Path(path)
    file = str(path)
    layers = layer_names(path)
    if "buurten" not in layers:
        raise TwinDataError(
            f"has no layer 'buurten' (layers: {', '.join(layers) or 'none'})",
            file=file,
            layer="buurten",
            hint="a CBS Wijk- en Buurtkaart GeoPackage holds gemeenten, wijken and buurten",
        )
    notes: list[str] = []
    frames: dict[str, gpd.GeoDataFrame] = {}
    for layer, (_level, code_col, name_col, parent_col) in _LEVELS.items():
        if layer not in layers:
            continue
        frame = read_layer(path, layer)
        needed = [code_col, name_col, "gemeentecode"] + ([parent_col] if parent_col else [])
        require_columns(
            frame,
            dict.fromkeys(needed),
            file=file,
            layer=layer,
            hint="expected the long lower-case names of the 2022-and-later Wijk- en "
            "Buurtkaart (gemeentecode, wijkcode, buurtcode, ...)",
        )
        frame, note = frame_in_rd(frame, file=file, layer=layer, assume=crs)
        if note:
            notes.append(f"{layer}: {note}")
        frames[layer] = frame
    buurten = frames["buurten"]
    codes = sorted(set(buurten["gemeentecode"].astype("string").str.strip().dropna()))
    if municipality is None:
        if len(codes) != 1:
            raise TwinDataError(
                f"holds {len(codes)} municipalities",
                file=file,
                layer="buurten",
                field="gemeentecode",
                hint="pass --municipality GMxxxx (e.g. GM0917 for Heerlen)",
            )
        municipality = codes[0]
    municipality = municipality.strip().upper()
    if municipality not in codes:
        raise TwinDataError(
            f"has no buurten of municipality {municipality}",
            file=file,
            layer="buurten",
            field="gemeentecode",
            hint=f"municipalities in the file include {', '.join(codes[:5])}",
        )
    the_year = _year_of(buurten, path, year, file, "buurten")
    rows = []
    attrs = []
    for layer, (level, code_col, name_col, parent_col) in _LEVELS.items():
        if layer not in frames:
            continue
        frame = frames[layer]
        frame = frame[frame["gemeentecode"].astype("string").str.strip() == municipality]
        frame = _valid(frame.reset_index(drop=True), notes, layer)
        code = frame[code_col].astype("string").str.strip()
        dup = code.duplicated().to_numpy()
        if dup.any():
            raise TwinDataError(
                f"value {code.iloc[int(np.flatnonzero(dup)[0])]!r} occurs more than once",
                file=file,
                layer=layer,
                field=code_col,
                row=int(np.flatnonzero(dup)[0]),
            )
        rows.append(
            gpd.GeoDataFrame(
                {
                    "code": code.to_numpy(dtype=object),
                    "name": frame[name_col].astype("string").str.strip().to_numpy(dtype=object),
                    "level": level,
                    "parent": (
                        frame[parent_col].astype("string").str.strip().to_numpy(dtype=object)
                        if parent_col
                        else None
                    ),
                },
                geometry=frame.geometry.to_numpy(),
                crs=RD_CRS,
            )
        )
        attrs.append(pd.DataFrame(frame.drop(columns=frame.geometry.name)).assign(code=code))
    derived = _derived_levels(frames["buurten"], municipality, rows[-1], set(frames))
    if derived:
        notes.append(f"{', '.join(derived.keys())} derived from the buurten (layer missing)")
    neighbourhoods = pd.concat(list(derived.values()) + rows, ignore_index=True)
    neighbourhoods = gpd.GeoDataFrame(neighbourhoods, geometry="geometry", crs=RD_CRS)
    order = neighbourhoods["level"].map({"gemeente": 0, "wijk": 1, "buurt": 2})
    neighbourhoods = neighbourhoods.iloc[np.argsort(order.to_numpy(), kind="stable")]
    neighbourhoods = neighbourhoods.reset_index(drop=True)
    gm = neighbourhoods[neighbourhoods["level"] == "gemeente"]
    name = str(gm["name"].iloc[0]) if len(gm) else municipality
    table = indicators_from_attributes(pd.concat(attrs, ignore_index=True), the_year)
    return AreasImport(
        neighbourhoods=neighbourhoods,
        indicators=table,
        year=the_year,
        municipality=municipality,
        name=name,
        notes=notes,
    )


def _derived_levels(
    buurten: gpd.GeoDataFrame, municipality: str, buurt_rows: gpd.GeoDataFrame, have: set[str]
) -> dict[str, gpd.GeoDataFrame]:
    """Wijken and gemeente as unions of buurten, when their layers are missing."""
    out: dict[str, gpd.GeoDataFrame] = {}
    mine = buurten[buurten["gemeentecode"].astype("string").str.strip() == municipality]
    if "gemeenten" not in have:
        name = mine["gemeentenaam"].iloc[0] if "gemeentenaam" in mine.columns else municipality
        out["gemeente"] = gpd.GeoDataFrame(
            {
                "code": [municipality],
                "name": [str(name).strip()],
                "level": "gemeente",
                "parent": [None],
            },
            geometry=[shapely.union_all(buurt_rows.geometry.to_numpy(), grid_size=0.01)],
            crs=RD_CRS,
        )
    if "wijken" not in have:
        groups = buurt_rows.groupby("parent", sort=True)
        names = (
            mine.groupby(mine["wijkcode"].astype("string").str.strip())["wijknaam"].first()
            if "wijknaam" in mine.columns
            else pd.Series(dtype=object)
        )
        out["wijk"] = gpd.GeoDataFrame(
            {
                "code": list(groups.groups),
                "name": [str(names.get(c, c)).strip() for c in groups.groups],
                "level": "wijk",
                "parent": municipality,
            },
            geometry=[shapely.union_all(g.geometry.to_numpy(), grid_size=0.01) for _, g in groups],
            crs=RD_CRS,
        )
    return out
