"""The street CPTED indicator: a transparent composite of lighting, surveillance, vacancy and
(optionally) CPTED experts' scores, per street segment and per buurt.

It is an **indicator, not a prediction**: it summarises how a street scores on design features
that CPTED associates with safety; it says nothing about whether crime will happen there.

Every component is a 0–1 value where 1 is the better design (see
:class:`~twin.analytics.params.CptedWeights`); the indicator is the weighted mean of the
components a segment has, times 100. A missing component (no experts' score, no buildings
nearby) drops out and the remaining weights are rescaled, so the indicator is always the
weighted mean of what is known, and ``cpted_basis`` lists what that was.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from twin.analytics.params import AnalysisSettings, CptedWeights

__all__ = [
    "EXPERT_SCALE",
    "cpted_components",
    "cpted_indicator",
    "expert_component",
    "vacancy_nearby",
]

#: Experts score CPTED principles on 1 (poor) to 5 (good), as in the CPTED studio.
EXPERT_SCALE = (1.0, 5.0)


def vacancy_nearby(
    lines: np.ndarray, buildings: gpd.GeoDataFrame, radius: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per line: the number of buildings whose centre is within ``radius`` (garages and sheds
    not counted) and the share of them that is vacant (NaN when there are none)."""
    counted = buildings[buildings["use"].astype(str) != "garage"]
    n: np.ndarray = np.zeros(len(lines))
    vacant: np.ndarray = np.zeros(len(lines))
    if len(counted) and len(lines):
        centres = shapely.point_on_surface(counted.geometry.to_numpy())
        line, b = shapely.STRtree(centres).query(lines, predicate="dwithin", distance=radius)
        flag = counted["vacant"].fillna(False).to_numpy(dtype=bool)[b]
        n = np.bincount(line, minlength=len(lines)).astype(float)
        vacant = np.bincount(line, flag.astype(float), minlength=len(lines))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n > 0, vacant / n, np.nan)
    return n, share


def expert_component(
    segment_ids: pd.Series,
    segment_buurten: pd.Series,
    *,
    segments: pd.Series | None = None,
    buurten: pd.Series | None = None,
) -> np.ndarray:
    """Experts' scores (1–5) per segment as a 0–1 component; a segment's own score wins over
    its buurt's. NaN where neither is given.

    Raises ValueError when a score is outside 1–5 or names an unknown segment or buurt.
    """
    out = np.full(len(segment_ids), np.nan)
    for series, keys, what in (
        (buurten, segment_buurten, "buurt codes"),
        (segments, segment_ids, "street segment ids"),
    ):
        if series is None or len(series) == 0:
            continue
        values = pd.to_numeric(series, errors="coerce")
        lo, hi = EXPERT_SCALE
        bad = values[(values < lo) | (values > hi) | (values.isna() & series.notna())]
        if len(bad):
            raise ValueError(
                f"experts' scores must be {lo:g}–{hi:g}; {len(bad)} are not, "
                f"e.g. {bad.index[0]!r}: {series[bad.index[0]]!r}"
            )
        unknown = sorted(set(series.index.astype(str)) - set(keys.astype(str)))
        if unknown:
            raise ValueError(
                f"experts' scores name {len(unknown)} unknown {what}, e.g. {unknown[0]!r}; "
                "use the ids of the twin's streets or the CBS buurt codes"
            )
        mapped = keys.astype(str).map(values.groupby(values.index.astype(str)).mean())
        have = mapped.notna().to_numpy()
        out[have] = (mapped.to_numpy(dtype=float)[have] - lo) / (hi - lo)
    return out


def cpted_components(
    segments: pd.DataFrame, settings: AnalysisSettings, experts: np.ndarray | None = None
) -> pd.DataFrame:
    """The 0–1 components of each segment (1 = the better design); NaN where unknown.

    ``segments`` needs ``lux_mean``, ``dark_share``, ``surveillance_day``,
    ``surveillance_night`` and ``vacancy_share``.
    """
    comp = pd.DataFrame(index=segments.index)
    comp["lighting_level"] = np.minimum(1.0, segments["lux_mean"] / settings.lux_target)
    comp["lighting_continuity"] = 1.0 - segments["dark_share"]
    comp["surveillance_night"] = segments["surveillance_night"]
    comp["surveillance_day"] = segments["surveillance_day"]
    comp["vacancy"] = 1.0 - np.minimum(1.0, segments["vacancy_share"] / settings.vacancy_full)
    comp["experts"] = np.nan if experts is None else experts
    return comp


def cpted_indicator(components: pd.DataFrame, weights: CptedWeights) -> pd.DataFrame:
    """The indicator (0–100) and its basis: the weighted mean of the available components.

    >>> comp = pd.DataFrame({"lighting_level": [1.0, 0.0], "lighting_continuity": [1.0, 0.0],
    ...     "surveillance_night": [1.0, 0.0], "surveillance_day": [1.0, 0.0],
    ...     "vacancy": [1.0, float("nan")], "experts": [float("nan"), float("nan")]})
    >>> cpted_indicator(comp, CptedWeights())["cpted_indicator"].tolist()
    [100.0, 0.0]
    """
    w = weights.to_dict()
    names = list(weights.components)
    values = components[names].to_numpy(dtype=float)
    wv = np.array([w[n] for n in names])
    have = ~np.isnan(values) & (wv > 0)
    total = (have * wv).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(total > 0, (np.nan_to_num(values) * have * wv).sum(axis=1) / total, np.nan)
    basis = ["+".join(n for n, h in zip(names, row, strict=True) if h) for row in have]
    return pd.DataFrame(
        {"cpted_indicator": 100.0 * score, "cpted_basis": basis}, index=components.index
    )
