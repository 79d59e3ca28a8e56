"""Registered crime: Politie/CBS 47018NED (yearly) and 47022NED (monthly) → crime counts.

The tables are long: one row per crime code (``SoortMisdrijf``, padded: ``"1.1.1   "``), area
(``WijkenEnBuurten``: ``"GM0917    "``, ``"WK091710  "``, ``"BU09171000"``) and period
(``Perioden``: ``2018JJ00`` for a year, ``2017MM12`` for a month), with the count in
``GeregistreerdeMisdrijven_1``. ``0.0.0`` is the total of all crimes.

An empty value is **withheld** by the source (too few to publish), never zero: it stays NaN, a
group that includes a withheld code is withheld too, and the count of withheld cells is stated
in the manifest. (StatLine's ``-`` means *nihil*, i.e. zero, and is read as 0.)

Crime codes are grouped into the twin's indicators by ``data/sources/politie_soortmisdrijf.csv``:
burglary (1.1.1, 1.1.2), vandalism and public order (2.2.1, 3.6.4), violent and sexual offences
(1.4.1–1.4.7), and the total (0.0.0). Monthly tables are summed to years; a year with fewer than
12 months in the file is left out (and named in the notes) rather than shown as a low count.
Rates per 1000 inhabitants are computed when the twin is assembled, with CBS inhabitants.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from twin.errors import TwinDataError
from twin.importers._statline import StatlineTable, read_statline
from twin.paths import data_dir

__all__ = ["CrimeImport", "crime_codes", "crime_counts_from_politie", "crime_counts_from_table"]

_YEAR = re.compile(r"^(\d{4})JJ00$")
_MONTH = re.compile(r"^(\d{4})MM(\d{2})$")
_CODE = re.compile(r"^(GM|WK|BU)\d{4,8}$")
#: StatLine symbols: '-' is nihil (zero); '.', 'x' and empty mean the value is withheld.
_WITHHELD = {"", ".", "x", "X"}


@lru_cache(maxsize=1)
def crime_codes() -> dict[str, str]:
    """Crime code → twin group, from ``data/sources/politie_soortmisdrijf.csv``."""
    path = data_dir() / "sources" / "politie_soortmisdrijf.csv"
    with open(path, encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return {r["code"]: r["twin_group"] for r in rows}


@dataclass
class CrimeImport:
    """Crime counts per twin group (long table) and what the reader noticed."""

    indicators: pd.DataFrame
    years: list[int]
    withheld: int
    notes: list[str] = field(default_factory=list)


def _measure(table: StatlineTable) -> str:
    col = table.column("GeregistreerdeMisdrijven") or table.column("TotaalGeregistreerdeMisdrijven")
    if col is None:
        raise TwinDataError(
            "has no count column GeregistreerdeMisdrijven",
            file=table.file,
            field="GeregistreerdeMisdrijven_1",
            hint="download the TypedDataSet of table 47018NED or 47022NED",
        )
    return col


def _counts(raw: pd.Series, file: str, column: str) -> np.ndarray:
    text = raw.astype("string").str.strip().fillna("")
    withheld = text.isin(_WITHHELD).to_numpy()
    text = text.where(text != "-", "0")
    values = pd.to_numeric(text.where(~text.isin(_WITHHELD)), errors="coerce")
    bad = values.isna().to_numpy() & ~withheld
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise TwinDataError(
            f"value {raw.iloc[row]!r} is not a count", file=file, field=column, row=row
        )
    if (values < 0).any():
        row = int(np.flatnonzero((values < 0).to_numpy())[0])
        raise TwinDataError(
            f"value {raw.iloc[row]!r} is negative", file=file, field=column, row=row
        )
    return values.to_numpy(dtype=float)


def crime_counts_from_table(
    table: StatlineTable, *, municipality: str | None = None
) -> CrimeImport:
    """Counts per area, year and twin group from one 47018NED / 47022NED table. Pure."""
    for dim in ("SoortMisdrijf", "WijkenEnBuurten", "Perioden"):
        if table.column(dim) is None:
            raise TwinDataError(
                "is missing",
                file=table.file,
                field=dim,
                hint="a 47018NED/47022NED table has SoortMisdrijf, WijkenEnBuurten, Perioden",
            )
    measure = _measure(table)
    code = table.key(table.column("SoortMisdrijf") or "")
    area = table.key(table.column("WijkenEnBuurten") or "")
    period = table.key(table.column("Perioden") or "")
    count = _counts(table.frame[measure], table.file, measure)
    year = period.str.extract(_YEAR)[0]
    month = period.str.extract(_MONTH)
    monthly = month[0].notna().to_numpy()
    yearly = year.notna().to_numpy()
    if not (monthly | yearly).all():
        row = int(np.flatnonzero(~(monthly | yearly))[0])
        raise TwinDataError(
            f"value {period.iloc[row]!r} is neither a year (2018JJ00) nor a month (2017MM12)",
            file=table.file,
            field=table.column("Perioden"),
            row=row,
        )
    groups = crime_codes()
    keep = code.isin(list(groups)).to_numpy() & area.str.match(_CODE).fillna(False).to_numpy()
    if municipality:
        digits = municipality.strip().upper().removeprefix("GM")
        keep &= area.str[2:6].eq(digits).fillna(False).to_numpy()
    frame = pd.DataFrame(
        {
            "code": code.to_numpy(dtype=object),
            "area": area.to_numpy(dtype=object),
            "year": np.where(yearly, year.fillna("0"), month[0].fillna("0")).astype(int),
            "month": np.where(monthly, month[1].fillna("0"), "0").astype(int),
            "count": count,
        }
    )[keep]
    notes: list[str] = []
    if frame.empty:
        return CrimeImport(_empty(), [], 0, ["no rows for the twin's crime codes and areas"])
    if monthly[keep].any():
        frame, dropped = _months_to_years(frame)
        if dropped:
            notes.append(
                "incomplete years left out (fewer than 12 months in the file): "
                + ", ".join(str(y) for y in dropped)
            )
    withheld_cells = int(frame["count"].isna().sum())
    present = set(frame["code"])
    rows = []
    for group in sorted(set(groups.values())):
        codes = [c for c, g in groups.items() if g == group]
        missing = [c for c in codes if c not in present]
        if missing:
            notes.append(f"{group}: codes {', '.join(missing)} are not in the file; not computed")
            continue
        sub = frame[frame["code"].isin(codes)]
        summed = sub.groupby(["area", "year"])["count"].agg(
            lambda s: s.sum() if s.notna().all() else np.nan
        )
        complete = sub.groupby(["area", "year"])["code"].nunique() == len(codes)
        summed = summed[complete.reindex(summed.index).fillna(False).to_numpy()]
        rows.append(
            pd.DataFrame(
                {
                    "area": summed.index.get_level_values(0),
                    "indicator": f"{group}_count",
                    "year": summed.index.get_level_values(1).astype(int),
                    "value": summed.to_numpy(dtype=float),
                }
            )
        )
    table_out = pd.concat(rows, ignore_index=True) if rows else _empty()
    withheld_groups = int(table_out["value"].isna().sum())
    if withheld_cells:
        notes.append(
            f"{withheld_cells} values withheld by the source (empty, not zero); "
            f"{withheld_groups} area-years of the twin's groups are therefore withheld"
        )
    return CrimeImport(
        indicators=table_out,
        years=sorted({int(y) for y in table_out["year"]}),
        withheld=withheld_groups,
        notes=notes,
    )


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"area": [], "indicator": [], "year": [], "value": []})


def _months_to_years(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[int]]:
    months = frame[frame["month"] > 0]
    years = frame[frame["month"] == 0]
    n = months.groupby("year")["month"].nunique()
    complete = n[n == 12].index
    dropped = sorted(int(y) for y in n[n < 12].index)
    full = months[months["year"].isin(complete)]
    summed = (
        full.groupby(["code", "area", "year"])["count"]
        .agg(lambda s: s.sum() if s.notna().all() and len(s) == 12 else np.nan)
        .reset_index()
    )
    summed["month"] = 0
    out = pd.concat([years, summed[years.columns]], ignore_index=True)
    return out.drop_duplicates(["code", "area", "year"], keep="first"), dropped


def crime_counts_from_politie(
    paths: Sequence[str | os.PathLike[str]], *, municipality: str | None = None
) -> CrimeImport:
    """Crime counts from 47018NED / 47022NED files (OData JSON or CSV).

    Yearly figures win over months summed to the same year.
    """
    parts, notes, withheld = [], [], 0
    for raw in paths:
        result = crime_counts_from_table(read_statline(Path(raw)), municipality=municipality)
        parts.append(result.indicators)
        withheld += result.withheld
        notes += [f"{Path(raw).name}: {n}" for n in result.notes]
    table = pd.concat(parts, ignore_index=True)
    table = table.drop_duplicates(["area", "indicator", "year"], keep="first").reset_index(
        drop=True
    )
    return CrimeImport(
        indicators=table,
        years=sorted({int(y) for y in table["year"]}),
        withheld=withheld,
        notes=notes,
    )
