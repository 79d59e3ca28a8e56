"""``analyse_twin``: lighting, surveillance, hidden spots, the street CPTED indicator and feeling
vs fact for a whole twin, in one call, cached by the twin's fingerprint.

The expensive physical part (rasters, segment measures, hidden spots) is cached by
``(twin.fingerprint, settings)``; the CPTED composite and feeling vs fact are recomputed in
milliseconds from it, so changing weights or experts' scores never redoes the lighting. A
scenario that moves lights produces a new twin (``twin.replace_layers``) with a new
fingerprint, and so a fresh analysis; rerunning the app with the same twin hits the cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import xarray as xr

from twin.analytics.cpted import cpted_components, cpted_indicator, expert_component
from twin.analytics.feeling import PERCEIVED, crime_indicators, feeling_vs_fact
from twin.analytics.params import AnalysisSettings, CptedWeights
from twin.analytics.physical import INPUTS, Physical, physical_analysis
from twin.analytics.provenance import derived_manifest
from twin.manifest import LayerManifest
from twin.model import Twin

__all__ = ["Analysis", "analyse_twin", "clear_analysis_cache"]

#: Physical analyses kept in memory (one demo analysis is ~60 MB, mostly the 5 m lux raster).
BASE_CACHE_SIZE = 4
#: Composed analyses kept (cheap: they share the physical part).
CACHE_SIZE = 16

_LOCK = threading.RLock()
_BASE: OrderedDict[Hashable, Physical] = OrderedDict()
_FULL: OrderedDict[Hashable, Analysis] = OrderedDict()


@dataclass(frozen=True, eq=False)
class Analysis:
    """Everything the night analytics computed for one twin.

    Attributes
    ----------
    lux : xr.DataArray
        Horizontal illuminance (lux) on the RD grid, NaN outside public space.
    surveillance_day, surveillance_night : xr.DataArray
        Eyes-on-the-street score (0–1) on the surveillance grid, NaN outside public space.
    segments : GeoDataFrame
        One row per street segment (same order as ``twin.streets``): lighting
        (``lux_mean``, ``lux_min``, ``lux_uniformity``, ``dark_share``), surveillance
        (``eyes_day``/``eyes_night`` in weighted façade metres, ``surveillance_day``/``_night``
        0–1), ``buildings_nearby``, ``vacancy_share``, the CPTED components
        (``cpted_<name>``, 0–1), ``cpted_indicator`` (0–100) and ``cpted_basis``.
    hidden_spots : GeoDataFrame
        Ranked polygons that are dark and unobserved at night, with their reasons.
    buurten : DataFrame
        Per-buurt summary (index: CBS buurt code), including feeling vs fact.
    feeling : DataFrame
        Feeling vs fact per buurt (see :func:`~twin.analytics.feeling.feeling_vs_fact`).
    manifests : dict of str to LayerManifest
        Provenance of each output (keys are the attribute names).
    settings, weights : AnalysisSettings, CptedWeights
        The assumptions used.
    fingerprint : str
        ``twin.fingerprint`` of the analysed twin.
    timings, cpu_timings : dict of str to float
        Wall-clock and CPU seconds per step (of the run that computed the physical part).
    """

    lux: xr.DataArray
    surveillance_day: xr.DataArray
    surveillance_night: xr.DataArray
    segments: gpd.GeoDataFrame
    hidden_spots: gpd.GeoDataFrame
    buurten: pd.DataFrame
    feeling: pd.DataFrame
    manifests: dict[str, LayerManifest]
    settings: AnalysisSettings
    weights: CptedWeights
    fingerprint: str
    timings: dict[str, float] = field(default_factory=dict)
    cpu_timings: dict[str, float] = field(default_factory=dict)

    @property
    def rasters(self) -> dict[str, xr.DataArray]:
        """The rasters by name (for export and map overlays)."""
        return {
            "lux": self.lux,
            "surveillance_day": self.surveillance_day,
            "surveillance_night": self.surveillance_night,
        }

    @property
    def synthetic(self) -> bool:
        """True when any output was computed from synthetic inputs."""
        return any(m.synthetic for m in self.manifests.values())


def clear_analysis_cache() -> None:
    """Forget every cached analysis."""
    with _LOCK:
        _BASE.clear()
        _FULL.clear()


def analyse_twin(
    twin: Twin,
    *,
    settings: AnalysisSettings | None = None,
    weights: CptedWeights | None = None,
    expert_segments: pd.Series | None = None,
    expert_buurten: pd.Series | None = None,
    use_cache: bool = True,
) -> Analysis:
    """Lighting, natural surveillance, hidden spots, the street CPTED indicator and feeling vs
    fact for ``twin``.

    Parameters
    ----------
    twin : Twin
        The twin to analyse (scenarios pass the twin with their changed layers).
    settings : AnalysisSettings, optional
        Model assumptions; defaults as documented in ``docs/analytics.md``.
    weights : CptedWeights, optional
        Weights of the street CPTED indicator.
    expert_segments, expert_buurten : Series, optional
        CPTED experts' scores 1–5, indexed by street segment id or by CBS buurt code
        (a segment's own score wins over its buurt's).
    use_cache : bool
        Reuse an earlier result for the same twin fingerprint and inputs.
    """
    settings = settings or AnalysisSettings()
    weights = weights or CptedWeights()
    key = (
        twin.fingerprint,
        settings,
        weights,
        _series_key(expert_segments),
        _series_key(expert_buurten),
    )
    with _LOCK:
        if use_cache and key in _FULL:
            _FULL.move_to_end(key)
            return _FULL[key]
        physical = _physical(twin, settings, use_cache)
        result = _compose(twin, physical, settings, weights, expert_segments, expert_buurten)
        if use_cache:
            _FULL[key] = result
            while len(_FULL) > CACHE_SIZE:
                _FULL.popitem(last=False)
        return result


def _series_key(series: pd.Series | None) -> Hashable:
    if series is None:
        return None
    return tuple((str(k), repr(v)) for k, v in series.items())


def _physical(twin: Twin, settings: AnalysisSettings, use_cache: bool) -> Physical:
    key = (twin.fingerprint, settings)
    if use_cache and key in _BASE:
        _BASE.move_to_end(key)
        return _BASE[key]
    result = physical_analysis(twin, settings)
    if use_cache:
        _BASE[key] = result
        while len(_BASE) > BASE_CACHE_SIZE:
            _BASE.popitem(last=False)
    return result


def _compose(
    twin: Twin,
    physical: Physical,
    settings: AnalysisSettings,
    weights: CptedWeights,
    expert_segments: pd.Series | None,
    expert_buurten: pd.Series | None,
) -> Analysis:
    """Add the CPTED indicator, the per-buurt summary and feeling vs fact (fast)."""
    segments = physical.segments.copy()
    experts = expert_component(
        segments["id"], segments["buurt"], segments=expert_segments, buurten=expert_buurten
    )
    comp = cpted_components(segments, settings, experts)
    for c in comp:
        segments[f"cpted_{c}"] = comp[c].to_numpy()
    indicator = cpted_indicator(comp, weights)
    segments["cpted_indicator"] = indicator["cpted_indicator"].to_numpy()
    segments["cpted_basis"] = indicator["cpted_basis"].to_numpy()

    crime = crime_indicators(twin.public.values)
    feeling = feeling_vs_fact(twin.public.values, twin.manifest, crime=crime)
    buurten = _buurt_summary(twin, segments, physical.hidden_spots, feeling)
    has_experts = expert_segments is not None or expert_buurten is not None
    expert_note = "with CPTED experts' scores" if has_experts else "without experts' scores"
    weights_note = ", ".join(f"{k} {v:g}" for k, v in weights.to_dict().items())
    cpted_note = f"street CPTED indicator: weights {weights_note}; {expert_note}"
    manifests = {
        name: LayerManifest(
            **{k: v for k, v in getattr(physical, name).attrs.items() if k in _FIELDS}
        )
        for name in ("lux", "surveillance_day", "surveillance_night")
    }
    manifests["segments"] = derived_manifest(
        twin, "segments", layers=INPUTS["segments"], notes=cpted_note
    )
    manifests["hidden_spots"] = derived_manifest(
        twin, "hidden_spots", layers=INPUTS["hidden_spots"]
    )
    indicators = [PERCEIVED, *crime]
    manifests["feeling_vs_fact"] = derived_manifest(
        twin,
        "feeling_vs_fact",
        indicators=indicators,
        notes=feeling.attrs.get("note", ""),
        min_count=5,
    )
    manifests["buurten"] = derived_manifest(
        twin,
        "buurten",
        layers=INPUTS["buurten"],
        indicators=indicators,
        notes=cpted_note,
        min_count=5,
    )
    # the frames carry their manifest too (as the rasters do in their attributes)
    for frame, name in (
        (segments, "segments"),
        (physical.hidden_spots, "hidden_spots"),
        (buurten, "buurten"),
        (feeling, "feeling_vs_fact"),
    ):
        frame.attrs["manifest"] = manifests[name].to_dict()
    return Analysis(
        lux=physical.lux,
        surveillance_day=physical.surveillance_day,
        surveillance_night=physical.surveillance_night,
        segments=segments,
        hidden_spots=physical.hidden_spots,
        buurten=buurten,
        feeling=feeling,
        manifests=manifests,
        settings=settings,
        weights=weights,
        fingerprint=twin.fingerprint,
        timings=dict(physical.timings),
        cpu_timings=dict(physical.cpu_timings),
    )


_FIELDS = set(LayerManifest.__dataclass_fields__)


def _weighted(
    frame: pd.DataFrame, column: str, by: str = "buurt", weight: str = "length_m"
) -> pd.Series:
    ok = frame[column].notna()
    w = frame[weight].where(ok, 0.0)
    num = (frame[column].fillna(0.0) * w).groupby(frame[by]).sum()
    den = w.groupby(frame[by]).sum()
    return (num / den).where(den > 0)


def _buurt_summary(
    twin: Twin, segments: pd.DataFrame, spots: pd.DataFrame, feeling: pd.DataFrame
) -> pd.DataFrame:
    """One row per buurt: lighting, surveillance, hidden spots, CPTED indicator, feeling gap."""
    codes = pd.Index(twin.buurten["code"].astype(str), name="code")
    out = pd.DataFrame(index=codes)
    out["name"] = [twin.area_name(c) for c in codes]
    by = segments.groupby("buurt")
    out["street_km"] = (by["length_m"].sum() / 1000).reindex(codes).fillna(0.0)
    out["lux_mean"] = _weighted(segments, "lux_mean").reindex(codes)
    out["lux_min"] = by["lux_min"].min().reindex(codes)
    out["dark_share"] = _weighted(segments, "dark_share").reindex(codes)
    out["surveillance_day"] = _weighted(segments, "surveillance_day").reindex(codes)
    out["surveillance_night"] = _weighted(segments, "surveillance_night").reindex(codes)
    out["vacancy_share"] = _weighted(segments, "vacancy_share").reindex(codes)
    out["hidden_spots"] = spots.groupby("buurt").size().reindex(codes).fillna(0).astype(np.int64)
    out["hidden_m2"] = spots.groupby("buurt")["area_m2"].sum().reindex(codes).fillna(0.0)
    out["cpted_indicator"] = _weighted(segments, "cpted_indicator").reindex(codes)
    for c in ("perceived", "crime", "feeling_gap", "reading"):
        out[c] = feeling[c].reindex(codes)
    out["reading"] = out["reading"].fillna("no data")
    return out
