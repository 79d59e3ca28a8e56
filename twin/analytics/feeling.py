"""Feeling vs fact: per buurt, perceived unsafety against registered crime, both standardised.

``feeling_gap = z(perceived unsafety) - z(registered crime)``, where ``z`` is the standard
score across the buurten that have both values in the same year (mean 0, standard deviation 1,
population formula). Reading it:

- **gap > 0**: residents feel less safe than the buurt's registered crime would suggest
  (relative to the other buurten) — worth asking why: lighting, vacancy, nuisance, reputation;
- **gap < 0**: residents feel safer than its registered crime suggests;
- **|gap| < 0.5**: in line.

Registered crime is the sum of the crime rates per 1000 inhabitants in the twin (burglary,
vandalism, violence in the demo). Only the **public** (suppressed) values are used: a buurt where
any of them is suppressed gets no gap, so no small count is estimated. The year is the latest
in which at least :data:`MIN_BUURTEN` buurten have both values. Registered crime depends on
reporting and police activity, and the demo's perceived unsafety is synthetic: the result is
flagged ``synthetic`` whenever an input is.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from twin.manifest import Manifest

__all__ = ["IN_LINE", "MIN_BUURTEN", "crime_indicators", "feeling_vs_fact"]

#: A gap smaller than this (in standard deviations) reads as "in line".
IN_LINE = 0.5
#: Standardising over fewer buurten than this says nothing.
MIN_BUURTEN = 5
#: The perceived-unsafety indicator (Veiligheidsmonitor: "voelt zich wel eens onveilig").
PERCEIVED = "perceived_unsafety_pct"


def crime_indicators(public: xr.Dataset) -> list[str]:
    """Registered-crime rate indicators of a twin: ``crime_*`` variables of kind 'rate'."""
    return sorted(
        str(n)
        for n in public.data_vars
        if str(n).startswith("crime_") and public[n].attrs.get("kind") == "rate"
    )


def _reading(gap: float) -> str:
    if not np.isfinite(gap):
        return "no data"
    if gap >= IN_LINE:
        return "feels less safe than crime suggests"
    if gap <= -IN_LINE:
        return "feels safer than crime suggests"
    return "in line"


def feeling_vs_fact(
    public: xr.Dataset,
    manifest: Manifest,
    *,
    perceived: str = PERCEIVED,
    crime: Sequence[str] | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Per buurt (index: CBS code) the standardised gap between feeling and registered crime.

    Parameters
    ----------
    public : xr.Dataset
        ``twin.public.values``: indicators after suppression (never the raw ones).
    manifest : Manifest
        The twin's manifest (for the synthetic flags of the inputs).
    perceived : str
        The perceived-unsafety indicator.
    crime : sequence of str, optional
        Crime rate indicators to add up; default :func:`crime_indicators`.
    year : int, optional
        Year to compare; default the latest with enough buurten.

    Returns
    -------
    DataFrame
        ``year``, ``perceived``, ``crime``, ``z_perceived``, ``z_crime``, ``feeling_gap``,
        ``reading``; ``attrs`` hold ``synthetic``, ``inputs``, ``year`` and ``note``.
    """
    buurten = [
        str(a)
        for a, lv in zip(public["area"].values, public["level"].values, strict=True)
        if lv == "buurt"
    ]
    crime = list(crime_indicators(public) if crime is None else crime)
    columns = ["year", "perceived", "crime", "z_perceived", "z_crime", "feeling_gap", "reading"]
    out = pd.DataFrame(index=pd.Index(buurten, name="code"), columns=columns, dtype=float)
    out["reading"] = "no data"
    inputs = [perceived, *crime]
    missing = [n for n in inputs if n not in public]
    out.attrs.update(
        synthetic=any(manifest[n].synthetic for n in inputs if n in manifest),
        inputs=inputs,
        year=None,
        note="",
    )
    if missing or not crime or not buurten:
        out.attrs["note"] = f"not available: the twin lacks {', '.join(missing) or 'crime rates'}"
        return out
    sub = public.sel(area=buurten)
    feel = sub[perceived].transpose("year", "area").to_numpy()
    rates = np.stack([sub[n].transpose("year", "area").to_numpy() for n in crime])
    total = rates.sum(axis=0)  # NaN when any category is suppressed or missing
    both = np.isfinite(feel) & np.isfinite(total)
    years = [int(y) for y in sub["year"].to_numpy()]
    usable = [k for k, y in enumerate(years) if both[k].sum() >= MIN_BUURTEN]
    if year is not None:
        if year not in years:
            raise ValueError(f"no indicator year {year}; years: {years}")
        usable = [years.index(year)]
    if not usable:
        out.attrs["note"] = f"fewer than {MIN_BUURTEN} buurten have both values in any year"
        return out
    k = usable[-1]
    ok = both[k]
    f, c = feel[k], total[k]
    zf = _standardise(f, ok)
    zc = _standardise(c, ok)
    out["year"] = float(years[k])
    out["perceived"] = np.where(np.isfinite(f), f, np.nan)
    out["crime"] = c
    out["z_perceived"] = zf
    out["z_crime"] = zc
    out["feeling_gap"] = zf - zc
    out["reading"] = [_reading(g) for g in out["feeling_gap"]]
    out.attrs.update(
        year=years[k],
        note=f"{int(ok.sum())} of {len(buurten)} buurten have both values in {years[k]}",
    )
    return out


def _standardise(values: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """z-scores over the ``ok`` entries; NaN elsewhere (and everywhere when there is no spread)."""
    out = np.full(len(values), np.nan)
    sd = float(np.std(values[ok]))
    if sd > 0:
        out[ok] = (values[ok] - float(np.mean(values[ok]))) / sd
    return out
