"""Indicators: an xarray Dataset with dims (year, area), one variable per indicator.

Each variable carries the manifest fields as attributes (``source``, ``licence``, ``unit``,
``synthetic``, ``min_count``, ``kind``, ``base``, ``per``, ``higher_is``). On disk a twin keeps
them as a long table (area, indicator, year, value) next to ``manifest.json``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from twin.errors import TwinDataError
from twin.manifest import IndicatorManifest

__all__ = [
    "STANDARD_INDICATORS",
    "indicator_names",
    "indicator_series",
    "indicators_from_table",
    "table_from_indicators",
]

_CBS = dict(
    source="CBS, Kerncijfers wijken en buurten",
    licence="CC BY 4.0",
    purpose="describe the population and housing of each neighbourhood",
    legal_basis="open data (CBS, Wet op het Centraal bureau voor de statistiek)",
    url="https://www.cbs.nl/nl-nl/reeksen/kerncijfers-wijken-en-buurten-2004-2020",
    synthetic=False,
)
_POLITIE = dict(
    _CBS,
    source="CBS, Kerncijfers wijken en buurten (registered crime, Politie)",
    purpose="describe registered crime per neighbourhood",
)

#: Definitions of the indicators the twin knows by name (CBS and modelled ones). Importers and
#: the demo use them; a twin may hold others, described in its own manifest.
STANDARD_INDICATORS: dict[str, dict[str, Any]] = {
    "inhabitants": dict(
        _CBS,
        unit="inwoners",
        kind="count",
        min_count=0,
        higher_is="neutral",
        long_name="inhabitants",
    ),
    "households": dict(
        _CBS,
        unit="huishoudens",
        kind="count",
        min_count=0,
        higher_is="neutral",
        long_name="private households",
    ),
    "dwellings": dict(
        _CBS,
        unit="woningen",
        kind="count",
        min_count=0,
        higher_is="neutral",
        long_name="dwellings (woningvoorraad)",
    ),
    "woz_value": dict(
        _CBS,
        unit="x 1000 EUR",
        kind="value",
        base="inhabitants",
        min_count=5,
        higher_is="neutral",
        long_name="average WOZ value of dwellings",
    ),
    "pct_corporation_rental": dict(
        _CBS,
        unit="%",
        kind="value",
        base="inhabitants",
        min_count=5,
        higher_is="neutral",
        long_name="share of dwellings rented from a corporation",
    ),
    "pct_low_income": dict(
        _CBS,
        unit="% huishoudens",
        kind="pct",
        base="households",
        min_count=5,
        higher_is="worse",
        long_name="households with a low income",
    ),
    "pct_social_minimum": dict(
        _CBS,
        unit="% huishoudens",
        kind="pct",
        base="households",
        min_count=5,
        higher_is="worse",
        long_name="households at or below the social minimum",
    ),
    "crime_burglary_per1000": dict(
        _POLITIE,
        unit="per 1000 inwoners",
        kind="rate",
        base="inhabitants",
        per=1000,
        min_count=5,
        higher_is="worse",
        long_name="registered burglary (dwelling, shed) per 1000",
    ),
    "crime_vandalism_per1000": dict(
        _POLITIE,
        unit="per 1000 inwoners",
        kind="rate",
        base="inhabitants",
        per=1000,
        min_count=5,
        higher_is="worse",
        long_name="registered vandalism and public-order offences per 1000",
    ),
    "crime_violence_per1000": dict(
        _POLITIE,
        unit="per 1000 inwoners",
        kind="rate",
        base="inhabitants",
        per=1000,
        min_count=5,
        higher_is="worse",
        long_name="registered violent and sexual offences per 1000",
    ),
}


def indicator_names(ds: xr.Dataset) -> list[str]:
    """Indicator variable names in a stable order (standard ones first)."""
    known = [n for n in STANDARD_INDICATORS if n in ds.data_vars]
    return known + sorted(str(n) for n in ds.data_vars if n not in STANDARD_INDICATORS)


def indicators_from_table(
    table: pd.DataFrame,
    areas: pd.DataFrame,
    definitions: dict[str, IndicatorManifest],
    *,
    file: str = "indicators.parquet",
) -> xr.Dataset:
    """Build the (year × area) Dataset from a long table.

    Parameters
    ----------
    table : DataFrame
        Columns ``area``, ``indicator``, ``year``, ``value``.
    areas : DataFrame
        Columns ``code``, ``name``, ``level``, ``parent`` (the neighbourhoods layer); the
        Dataset has one ``area`` per row, in this order.
    definitions : dict
        Manifest entry per indicator; every indicator in the table needs one.
    """
    for col in ("area", "indicator", "year", "value"):
        if col not in table.columns:
            raise TwinDataError("is missing", file=file, layer="indicators", field=col)
    unknown_areas = sorted(set(table["area"]) - set(areas["code"]))
    if unknown_areas:
        row = int(np.flatnonzero(table["area"].isin(unknown_areas).to_numpy())[0])
        raise TwinDataError(
            f"area code {unknown_areas[0]!r} is not in the neighbourhoods layer "
            f"({len(unknown_areas)} unknown codes)",
            file=file,
            layer="indicators",
            field="area",
            row=row,
        )
    undefined = sorted(set(table["indicator"]) - set(definitions))
    if undefined:
        raise TwinDataError(
            f"indicator {undefined[0]!r} has no manifest entry",
            file=file,
            layer="indicators",
            field="indicator",
            hint="add its source, licence and unit to manifest.json",
        )
    dup = table.duplicated(["area", "indicator", "year"]).to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        raise TwinDataError(
            "area, indicator and year occur twice", file=file, layer="indicators", row=row
        )
    years = sorted(int(y) for y in table["year"].unique()) if len(table) else []
    codes = list(areas["code"])
    data_vars = {}
    for name in sorted(definitions):
        sub = table[table["indicator"] == name]
        grid = np.full((len(years), len(codes)), np.nan)
        if len(sub):
            yi = np.searchsorted(years, sub["year"].astype(int).to_numpy())
            ai = pd.Index(codes).get_indexer(sub["area"])
            grid[yi, ai] = sub["value"].astype(float).to_numpy()
        attrs = {k: v for k, v in asdict(definitions[name]).items()}
        data_vars[name] = xr.DataArray(grid, dims=("year", "area"), attrs=attrs)
    return xr.Dataset(
        data_vars,
        coords={
            "year": np.asarray(years, dtype=int),
            "area": np.asarray(codes, dtype=object),
            "name": ("area", np.asarray(list(areas["name"]), dtype=object)),
            "level": ("area", np.asarray(list(areas["level"]), dtype=object)),
            "parent": (
                "area",
                np.asarray(
                    [p if isinstance(p, str) else "" for p in areas["parent"]], dtype=object
                ),
            ),
        },
    )


def table_from_indicators(ds: xr.Dataset) -> pd.DataFrame:
    """The long table (area, indicator, year, value) of a Dataset; NaN cells are left out."""
    parts = []
    for name in sorted(str(n) for n in ds.data_vars):
        frame = ds[name].to_dataframe(name="value").reset_index()[["area", "year", "value"]]
        frame = frame[frame["value"].notna()]
        frame.insert(1, "indicator", name)
        parts.append(frame)
    if not parts:
        return pd.DataFrame({"area": [], "indicator": [], "year": [], "value": []})
    out = pd.concat(parts, ignore_index=True)
    out["year"] = out["year"].astype("int32")
    out["area"] = out["area"].astype(str)
    return out.sort_values(["indicator", "area", "year"], kind="stable").reset_index(drop=True)


def indicator_series(ds: xr.Dataset, name: str, year: int) -> pd.Series:
    """Values of one indicator for one year, indexed by area code (NaN where missing)."""
    if name not in ds:
        raise KeyError(f"unknown indicator {name!r}; known: {', '.join(indicator_names(ds))}")
    years = ds["year"].to_numpy()
    if year not in years:
        raise KeyError(f"indicator {name!r} has no year {year}; years: {list(years)}")
    da = ds[name].sel(year=year)
    return pd.Series(da.to_numpy(), index=ds["area"].to_numpy(), name=name)
