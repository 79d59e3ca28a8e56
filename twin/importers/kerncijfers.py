"""CBS Kerncijfers wijken en buurten (StatLine tables, one per year) → standard indicators.

Column names carry a suffix that changes by year (``AantalInwoners_5``, ``Woningvoorraad_31``
vs ``Woningvoorraad_34``); we match on the name without it (:func:`base_name`). The year comes
from a ``Perioden`` column (``2020JJ00``) when the table has one, else from the table id
(:data:`KERNCIJFERS_TABLES`), else from a year in the file name, else ``--year``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from twin.errors import TwinDataError
from twin.importers._common import cbs_numbers, year_from_name
from twin.importers._statline import StatlineTable, read_statline

__all__ = [
    "KERNCIJFERS_INDICATORS",
    "KERNCIJFERS_TABLES",
    "KerncijfersImport",
    "indicators_from_kerncijfers",
    "indicators_from_statline",
]

#: StatLine table id → reference year of "Kerncijfers wijken en buurten". Pass ``--year`` for
#: a table not listed here.
KERNCIJFERS_TABLES = {
    "83220NED": 2015,
    "83487NED": 2016,
    "83765NED": 2017,
    "84286NED": 2018,
    "84583NED": 2019,
    "84799NED": 2020,
    "85039NED": 2021,
    "85318NED": 2022,
    "85618NED": 2023,
    "85984NED": 2024,
}

#: StatLine column (without suffix) → twin indicator.
KERNCIJFERS_INDICATORS = {
    "AantalInwoners": "inhabitants",
    "HuishoudensTotaal": "households",
    "Woningvoorraad": "dwellings",
    "GemiddeldeWoningwaarde": "woz_value",
    "InBezitWoningcorporatie": "pct_corporation_rental",
    "HuishoudensMetEenLaagInkomen": "pct_low_income",
    "HuishOnderOfRondSociaalMinimum": "pct_social_minimum",
    "TotaalDiefstalUitWoningSchuurED": "crime_burglary_per1000",
    "VernielingMisdrijfTegenOpenbareOrde": "crime_vandalism_per1000",
    "GeweldsEnSeksueleMisdrijven": "crime_violence_per1000",
}
_REGION_COLUMNS = ("WijkenEnBuurten", "Codering", "RegioS")
_CODE = re.compile(r"^(GM|WK|BU)\d{4,8}$")
_PERIOD = re.compile(r"^(\d{4})JJ00$")


@dataclass
class KerncijfersImport:
    """Indicators (long table) from one or more Kerncijfers tables."""

    indicators: pd.DataFrame
    years: list[int]
    notes: list[str] = field(default_factory=list)


def _years(table: StatlineTable, path: Path, year: int | None) -> pd.Series:
    n = len(table.frame)
    if year is not None:
        return pd.Series(int(year), index=table.frame.index)
    period = table.column("Perioden")
    if period:
        found = table.key(period).str.extract(_PERIOD)[0]
        if found.isna().any():
            row = int(np.flatnonzero(found.isna().to_numpy())[0])
            raise TwinDataError(
                f"value {table.frame[period].iloc[row]!r} is not a year period like 2020JJ00",
                file=table.file,
                field=period,
                row=row,
            )
        return found.astype(int)
    if table.table_id in KERNCIJFERS_TABLES:
        return pd.Series(KERNCIJFERS_TABLES[table.table_id], index=table.frame.index)
    from_name = year_from_name(path)
    if from_name and n:
        return pd.Series(from_name, index=table.frame.index)
    raise TwinDataError(
        f"says nothing about its year (table {table.table_id or 'unknown'}, no Perioden column, "
        "no year in the file name)",
        file=table.file,
        hint="pass --year YYYY",
    )


def indicators_from_statline(
    table: StatlineTable,
    years: pd.Series,
    *,
    municipality: str | None = None,
) -> pd.DataFrame:
    """Long table (area, indicator, year, value) from a Kerncijfers table. Pure."""
    region = next((table.column(c) for c in _REGION_COLUMNS if table.column(c)), None)
    if region is None:
        raise TwinDataError(
            "has no region column (WijkenEnBuurten or Codering)",
            file=table.file,
            field="WijkenEnBuurten",
            hint="download the TypedDataSet of a 'Kerncijfers wijken en buurten' table",
        )
    codes = table.key(region)
    keep = codes.str.match(_CODE).fillna(False)
    if municipality:
        digits = municipality.strip().upper().removeprefix("GM")
        keep &= codes.str[2:6].eq(digits).fillna(False)
    found = {base: table.column(base) for base in KERNCIJFERS_INDICATORS}
    found = {b: c for b, c in found.items() if c}
    if not found:
        raise TwinDataError(
            "has none of the Kerncijfers columns the twin uses "
            f"({', '.join(list(KERNCIJFERS_INDICATORS)[:4])}, ...)",
            file=table.file,
            field="AantalInwoners",
            hint="is this a 'Kerncijfers wijken en buurten' table?",
        )
    parts = []
    for base, col in found.items():
        values = cbs_numbers(table.frame[col])
        ok = (keep & values.notna()).to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "area": codes.to_numpy(dtype=object)[ok],
                    "indicator": KERNCIJFERS_INDICATORS[base],
                    "year": years.to_numpy()[ok],
                    "value": values.to_numpy()[ok],
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    dup = out.duplicated(["area", "indicator", "year"]).to_numpy()
    if dup.any():
        first = out.iloc[int(np.flatnonzero(dup)[0])]
        raise TwinDataError(
            f"area {first['area']} has two rows for {first['year']}",
            file=table.file,
            field=region,
        )
    return out


def indicators_from_kerncijfers(
    paths: Sequence[str | os.PathLike[str]],
    *,
    year: int | None = None,
    municipality: str | None = None,
) -> KerncijfersImport:
    """Standard indicators from Kerncijfers tables (JSON or CSV), one table per year.

    A later file overrides an earlier one for the same area, indicator and year.
    """
    tables, notes = [], []
    for raw in paths:
        path = Path(raw)
        table = read_statline(path)
        years = _years(table, path, year)
        part = indicators_from_statline(table, years, municipality=municipality)
        label = table.table_id or path.name
        notes.append(f"{label}: {len(part)} values for {sorted(set(part['year'].tolist()))}")
        tables.append(part)
    table = pd.concat(tables, ignore_index=True)
    table = table.drop_duplicates(["area", "indicator", "year"], keep="last").reset_index(drop=True)
    return KerncijfersImport(
        indicators=table,
        years=sorted({int(y) for y in table["year"]}),
        notes=notes,
    )
