"""The night analytics for the app: one analysis per model, experts' scores from the user's store,
and the files derived from it (raster PNGs, GeoTIFFs, summaries), each made once.

- :func:`night_analysis` — ``analyse_twin`` with the CPTED experts' scores saved in the user's
  assessment store. ``analyse_twin`` caches by ``twin.fingerprint``: a rerun costs nothing, a
  twin with moved lights (a scenario) gets a new fingerprint and a fresh analysis, and new
  weights or a newly saved assessment only recompose the indicator (milliseconds).
- :func:`raster_image` — a raster coloured and encoded as PNG once per analysis; the map serves
  it content-addressed (``viewer/assets.py``), so the browser fetches it once.
- :func:`geotiff_zip`, :func:`summary_csv`, :func:`summary_json` — the downloads.

No widgets here; the pages (``viewer/views/night.py``, the map's night mode) call these.
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
import threading
import time
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from layers.rasters import RasterImage, image_from_raster
from twin import Twin
from twin.analytics import (
    Analysis,
    CptedWeights,
    ExpertScores,
    analyse_twin,
    analysis_summary,
    expert_scores_from_assessments,
    write_geotiffs,
)
from twin.analytics.export import BUURT_COLUMNS

__all__ = [
    "COMPONENTS",
    "FeelingTable",
    "NightAnalysis",
    "buurt_components",
    "expert_scores",
    "feeling_table",
    "geotiff_zip",
    "night_analysis",
    "raster_image",
    "summary_csv",
    "summary_json",
]

_log = logging.getLogger(__name__)

#: The CPTED indicator's components, in the order of :class:`CptedWeights`.
COMPONENTS: tuple[str, ...] = CptedWeights().components
#: Coloured raster PNGs kept (three rasters of two models: the demo's lux PNG is 1.5 MB).
_IMAGE_CACHE = 6
#: GeoTIFF zips kept (the demo's is 4.2 MB, made in 0.3 s).
_ZIP_CACHE = 2
#: Per-buurt summary columns of the CSV download: those of ``socialtwin analyse``, and more.
SUMMARY_COLUMNS = (*BUURT_COLUMNS, "vacancy_share", "hidden_m2")

_lock = threading.RLock()
_images: OrderedDict[Hashable, RasterImage] = OrderedDict()
_zips: OrderedDict[Hashable, bytes] = OrderedDict()


@dataclass(frozen=True)
class NightAnalysis:
    """An :class:`~twin.analytics.Analysis` with the experts' scores that went into it and the
    seconds it took in this call (≈0 when it came from the cache)."""

    analysis: Analysis
    experts: ExpertScores
    seconds: float


def _cached(cache: OrderedDict, key: Hashable, size: int, make: Callable[[], Any]) -> Any:
    with _lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    value = make()
    with _lock:
        cache[key] = value
        while len(cache) > size:
            cache.popitem(last=False)
    return value


def expert_scores(twin: Twin, store_file: str | Path | None = None) -> ExpertScores:
    """The CPTED experts' scores saved in the user's store (``<home>/assessments.sqlite``) that
    concern ``twin``. No store yet: no scores (nothing is created just by looking)."""
    from twin.assessments import open_store, store_path

    path = Path(store_file) if store_file is not None else store_path()
    if not path.exists():
        return expert_scores_from_assessments(twin, None)
    store = open_store(path)
    try:
        frame = store.frame()
    finally:
        store.close()
    return expert_scores_from_assessments(twin, frame)


def night_analysis(
    twin: Twin, weights: CptedWeights | None = None, *, experts: ExpertScores | None = None
) -> NightAnalysis:
    """The night analytics of ``twin`` with the experts' scores from the user's store.

    Cached by the twin's fingerprint, the weights and the scores (``analyse_twin``).
    """
    experts = experts if experts is not None else expert_scores(twin)
    start = time.perf_counter()
    analysis = analyse_twin(
        twin,
        weights=weights,
        expert_segments=experts.segments,
        expert_buurten=experts.buurten,
    )
    seconds = time.perf_counter() - start
    if seconds > 1.0:
        _log.info("night analysis of %s: %.1f s (then cached)", twin.name, seconds)
    return NightAnalysis(analysis, experts, seconds)


def raster_image(analysis: Analysis, name: str) -> RasterImage:
    """Raster ``name`` (``lux``, ``surveillance_day``, ``surveillance_night``) coloured and
    encoded as PNG, once per analysis (a rerun reuses the bytes)."""
    if name not in analysis.rasters:
        raise KeyError(f"unknown raster {name!r}; rasters: {', '.join(analysis.rasters)}")
    key = (analysis.fingerprint, analysis.settings, name)
    return _cached(_images, key, _IMAGE_CACHE, lambda: image_from_raster(analysis.rasters[name]))


def geotiff_zip(analysis: Analysis) -> bytes:
    """A zip of ``lux.tif``, ``surveillance_day.tif`` and ``surveillance_night.tif`` (RD New,
    float32, NaN as nodata, manifest as tags), made once per analysis."""

    def make() -> bytes:
        buf = io.BytesIO()
        with tempfile.TemporaryDirectory(prefix="socialtwin-tif-") as tmp:
            paths = write_geotiffs(analysis, tmp)
            with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
                for p in paths:  # already deflate-compressed inside
                    zf.write(p, arcname=p.name)
        return buf.getvalue()

    return _cached(_zips, (analysis.fingerprint, analysis.settings), _ZIP_CACHE, make)


def summary_csv(analysis: Analysis) -> bytes:
    """Per-buurt summary as CSV (UTF-8 with BOM, so spreadsheets read accents): one row per
    buurt, plain column names, and whether the inputs were synthetic."""
    frame = analysis.buurten.reindex(columns=list(SUMMARY_COLUMNS)).copy()
    frame["synthetic"] = analysis.synthetic
    frame["source"] = analysis.manifests["buurten"].source
    text = frame.to_csv(index_label="code", float_format="%.4f", lineterminator="\r\n")
    return ("\ufeff" + text).encode("utf-8")


def summary_json(analysis: Analysis) -> bytes:
    """What ``socialtwin analyse --json`` prints (per buurt, totals, settings, weights,
    manifests), with every hidden spot (the command lists the first ten)."""
    summary = analysis_summary(analysis, top_spots=len(analysis.hidden_spots))
    return json.dumps(summary, ensure_ascii=False, indent=1).encode("utf-8")


def buurt_components(analysis: Analysis) -> pd.DataFrame:
    """Per buurt the length-weighted mean of each CPTED component (0–1; NaN when unknown)."""
    seg = analysis.segments
    out = {}
    for c in COMPONENTS:
        v = seg[f"cpted_{c}"].to_numpy(dtype=float)
        w = np.where(np.isfinite(v), seg["length_m"].to_numpy(dtype=float), 0.0)
        num = pd.Series(np.nan_to_num(v) * w).groupby(seg["buurt"].to_numpy()).sum()
        den = pd.Series(w).groupby(seg["buurt"].to_numpy()).sum()
        out[c] = (num / den).where(den > 0)
    return pd.DataFrame(out).reindex(analysis.buurten.index)


@dataclass(frozen=True)
class FeelingTable:
    """Feeling vs fact for the page: the buurten with a gap, and the ones left out and why.

    Attributes
    ----------
    rows : DataFrame
        Buurten with a gap (index: code), columns of :func:`~twin.analytics.feeling_vs_fact`.
    year : int or None
        The year compared (None: not computable; ``note`` says why).
    suppressed : list of str
        Buurten left out because a figure is suppressed (a count below the minimum).
    missing : list of str
        Buurten left out because a figure is missing.
    min_count : int
        The suppression threshold of the inputs.
    synthetic : bool
        An input is synthetic.
    note : str
        The analysis's note (how many buurten had both values, or why none).
    """

    rows: pd.DataFrame
    year: int | None
    suppressed: list[str]
    missing: list[str]
    min_count: int
    synthetic: bool
    note: str


def feeling_table(twin: Twin, analysis: Analysis) -> FeelingTable:
    """Feeling vs fact per buurt, with the buurten left out split into suppressed and missing."""
    feeling = analysis.feeling
    year = feeling.attrs.get("year")
    inputs = [n for n in feeling.attrs.get("inputs", []) if n in twin.public.values]
    rows = feeling[np.isfinite(feeling["feeling_gap"].to_numpy(dtype=float))]
    suppressed: list[str] = []
    missing: list[str] = []
    min_count = max((int(twin.public.values[n].attrs.get("min_count_effective", 5))
                     for n in inputs), default=5)  # fmt: skip
    if year is not None:
        for code in feeling.index.difference(rows.index):
            masked = any(bool(twin.public.mask[n].sel(area=code, year=year)) for n in inputs)
            (suppressed if masked else missing).append(str(code))
    return FeelingTable(
        rows=rows,
        year=int(year) if year is not None else None,
        suppressed=sorted(suppressed),
        missing=sorted(missing),
        min_count=min_count,
        synthetic=bool(feeling.attrs.get("synthetic", False)),
        note=str(feeling.attrs.get("note", "")),
    )
