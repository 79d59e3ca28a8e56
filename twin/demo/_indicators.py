"""Indicators of the demo: the real CBS figures plus modelled ones the open data lacks.

Modelled (synthetic, and flagged so everywhere) indicators are plausibly correlated with the
real figures: perceived unsafety rises with low income, registered crime and vacancy; the
liveability score and its five Leefbaarometer-style dimensions fall with them and rise with
housing value. Wijk and gemeente values are inhabitant-weighted means of their buurten.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from twin.indicators import STANDARD_INDICATORS
from twin.manifest import IndicatorManifest

YEARS = (2016, 2017, 2018, 2019, 2020)

_SYN: dict[str, Any] = dict(
    source="Synthetic (modelled for the demo from the real CBS figures; not measured)",
    licence="CC0 1.0",
    purpose="demonstrate indicators the open data lacks at buurt level",
    legal_basis="no personal data; generated",
    synthetic=True,
    url="",
)

MODELLED: dict[str, dict[str, Any]] = {
    "perceived_unsafety_pct": dict(
        _SYN,
        unit="% inwoners",
        kind="pct",
        base="inhabitants",
        min_count=5,
        higher_is="worse",
        long_name="residents who ever feel unsafe in their own buurt (modelled)",
        notes="Modelled after the Veiligheidsmonitor question 'voelt zich wel eens onveilig in "
        "eigen buurt' (NL 2019: 14 %).",
    ),
    "liveability_score": dict(
        _SYN,
        unit="score 1–9",
        kind="score",
        base="inhabitants",
        min_count=5,
        higher_is="better",
        long_name="liveability score (modelled, Leefbaarometer-style)",
        notes="1 = very insufficient ... 9 = excellent, after the Leefbaarometer 3.0 classes.",
    ),
    "lbm_physical": dict(
        _SYN,
        unit="afwijking",
        kind="score",
        base="inhabitants",
        min_count=5,
        higher_is="better",
        long_name="liveability: physical environment (modelled deviation from NL)",
    ),
    "lbm_housing": dict(
        _SYN,
        unit="afwijking",
        kind="score",
        base="inhabitants",
        min_count=5,
        higher_is="better",
        long_name="liveability: housing stock (modelled deviation from NL)",
    ),
    "lbm_facilities": dict(
        _SYN,
        unit="afwijking",
        kind="score",
        base="inhabitants",
        min_count=5,
        higher_is="better",
        long_name="liveability: facilities (modelled deviation from NL)",
    ),
    "lbm_cohesion": dict(
        _SYN,
        unit="afwijking",
        kind="score",
        base="inhabitants",
        min_count=5,
        higher_is="better",
        long_name="liveability: social cohesion (modelled deviation from NL)",
    ),
    "lbm_nuisance": dict(
        _SYN,
        unit="afwijking",
        kind="score",
        base="inhabitants",
        min_count=5,
        higher_is="better",
        long_name="liveability: nuisance and unsafety (modelled deviation from NL)",
    ),
    "nuisance_reports_per1000": dict(
        _SYN,
        unit="per 1000 inwoners",
        kind="rate",
        base="inhabitants",
        per=1000,
        min_count=5,
        higher_is="worse",
        long_name="nuisance reports per 1000 inhabitants (modelled)",
    ),
    "vacancy_pct": dict(
        _SYN,
        unit="% woningen",
        kind="pct",
        base="dwellings",
        min_count=5,
        higher_is="worse",
        long_name="vacant dwellings (from the synthetic buildings)",
        source="Synthetic (counted from the demo's generated buildings)",
    ),
}


def definitions(date: str) -> dict[str, IndicatorManifest]:
    """Manifest entries of every demo indicator (real and modelled)."""
    out = {}
    for name, spec in {**STANDARD_INDICATORS, **MODELLED}.items():
        period = "2016–2020" if name in MODELLED else "as published by CBS for 2016–2020"
        out[name] = IndicatorManifest(
            **{
                "date": period
                if spec.get("synthetic") is not True
                else f"{period} (generated {date})",
                **spec,
            }
        )
    return out


def _row_mean(values: np.ndarray) -> np.ndarray:
    """Mean of each row over the years that have data (NaN where none has)."""
    n = np.isfinite(values).sum(axis=1)
    return np.where(n > 0, np.nansum(values, axis=1) / np.maximum(n, 1), np.nan)


def _z(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values, float)
    mean, std = np.nanmean(v), np.nanstd(v)
    out = (v - mean) / (std or 1.0)
    return np.nan_to_num(out)


def indicator_table(
    areas: pd.DataFrame, facts: pd.DataFrame, buildings: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Long table (area, indicator, year, value) of real and modelled indicators.

    Parameters
    ----------
    areas : DataFrame
        code, level, parent of gemeente, wijken and buurten.
    facts : DataFrame
        The real figures: code, indicator, year, value.
    buildings : DataFrame
        buurt, dwellings, vacant (for vacancy).
    """
    real = facts.rename(columns={"code": "area"})[["area", "indicator", "year", "value"]]
    buurten = areas[areas["level"] == "buurt"].reset_index(drop=True)
    codes = buurten["code"].to_numpy()
    wide = facts.pivot_table(index="code", columns=["indicator", "year"], values="value")

    def latest(name: str) -> np.ndarray:
        sub = wide[name] if name in wide.columns.get_level_values(0) else None
        if sub is None:
            return np.full(len(codes), np.nan)
        return sub.reindex(codes).ffill(axis=1).iloc[:, -1].to_numpy(dtype=float)

    crime = np.sum(
        [
            _row_mean(wide[n].reindex(codes).to_numpy(dtype=float))
            for n in ("crime_burglary_per1000", "crime_vandalism_per1000", "crime_violence_per1000")
        ],
        axis=0,
    )
    dw = buildings.groupby("buurt")["dwellings"].sum().reindex(codes).fillna(0).to_numpy()
    vac_dw = (
        buildings[buildings["vacant"]]
        .groupby("buurt")["dwellings"]
        .sum()
        .reindex(codes)
        .fillna(0)
        .to_numpy()
    )
    vacancy = np.where(dw > 0, 100 * vac_dw / np.maximum(dw, 1), np.nan)
    zi, zc, zv = _z(latest("pct_low_income")), _z(crime), _z(vacancy)
    zw = _z(latest("woz_value"))
    zr = _z(latest("pct_corporation_rental"))
    area_effect = rng.normal(0, 1, len(codes))
    rows = []
    for year in YEARS:
        t = year - 2018
        noise = rng.normal(0, 1, (8, len(codes)))
        unsafe = np.clip(
            17 + 4.5 * zi + 3.5 * zc + 1.5 * zv - 0.4 * t + 2.0 * area_effect + 1.2 * noise[0],
            3,
            45,
        )
        live = np.clip(
            5.6
            - 0.7 * zi
            - 0.5 * zc
            - 0.3 * zv
            + 0.45 * zw
            + 0.25 * area_effect
            + 0.05 * t
            + 0.12 * noise[1],
            1,
            9,
        )
        dims = {
            "lbm_physical": 0.05 - 0.04 * zi + 0.06 * zw + 0.03 * noise[2],
            "lbm_housing": -0.02 - 0.05 * zr + 0.07 * zw + 0.03 * noise[3],
            "lbm_facilities": 0.03 + 0.02 * zi + 0.03 * noise[4],
            "lbm_cohesion": -0.03 - 0.05 * zi - 0.03 * zr + 0.03 * noise[5],
            "lbm_nuisance": -0.04 - 0.06 * zc - 0.04 * zi - 0.02 * zv + 0.03 * noise[6],
        }
        nuisance = np.clip(
            38 + 12 * zc + 8 * zi + 4 * area_effect + 3 * noise[7] - 1.0 * t, 2, None
        )
        values = {
            "perceived_unsafety_pct": np.round(unsafe, 1),
            "liveability_score": np.round(live, 1),
            "nuisance_reports_per1000": np.round(nuisance, 1),
            **{n: np.round(v, 3) for n, v in dims.items()},
        }
        if year == YEARS[-1]:
            values["vacancy_pct"] = np.round(vacancy, 1)
        for name, vals in values.items():
            for code, v in zip(codes, vals, strict=True):
                if np.isfinite(v):
                    rows.append((code, name, year, float(v)))
    modelled = pd.DataFrame(rows, columns=["area", "indicator", "year", "value"])
    modelled = pd.concat([modelled, _rollup(modelled, areas, facts, buildings)], ignore_index=True)
    out = pd.concat([real, modelled], ignore_index=True)
    out["year"] = out["year"].astype(int)
    return out.sort_values(["indicator", "area", "year"], kind="stable").reset_index(drop=True)


def _rollup(
    modelled: pd.DataFrame, areas: pd.DataFrame, facts: pd.DataFrame, buildings: pd.DataFrame
) -> pd.DataFrame:
    """Wijk and gemeente values of modelled indicators: inhabitant-weighted buurt means."""
    inh = facts[facts["indicator"] == "inhabitants"].set_index(["code", "year"])["value"]
    parent = dict(zip(areas["code"], areas["parent"], strict=True))
    m = modelled.copy()
    m["weight"] = [
        inh.get((a, min(y, 2020)), np.nan) for a, y in zip(m["area"], m["year"], strict=True)
    ]
    m["weight"] = m["weight"].fillna(0)
    out = []
    for level_parent in ("wijk", "gemeente"):
        m["group"] = m["area"].map(parent) if level_parent == "wijk" else "GM0917"
        if level_parent == "gemeente":
            m = m[m["area"].str.startswith("BU")]
        for (grp, name, year), g in m.groupby(["group", "indicator", "year"], sort=True):
            if name == "vacancy_pct":
                b = buildings[buildings["buurt"].isin(g["area"])]
                total = b["dwellings"].sum()
                value = 100 * b.loc[b["vacant"], "dwellings"].sum() / total if total else np.nan
            else:
                w = g["weight"].to_numpy()
                value = np.average(g["value"], weights=w) if w.sum() > 0 else g["value"].mean()
            out.append((grp, name, year, round(float(value), 3 if name.startswith("lbm") else 1)))
    return pd.DataFrame(out, columns=["area", "indicator", "year", "value"])
