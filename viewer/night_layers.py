"""Night analytics → what the map draws: raster overlays, streets coloured by a measure, hidden
spots as markers — each with its legend (unit, classes, "computed from …", synthetic badge).

Streets are classed on fixed, meaningful edges (1 lux is "dark", 0.2 is "unobserved") rather
than quantiles, so a street's colour means the same in every neighbourhood and every scenario,
and class colours are taken from the raster's palette at the class's middle: a yellow street and
yellow light on the lux raster mean the same illuminance.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from layers import Legend, LegendEntry
from layers.constants import MAX_MARKERS, NO_DATA_RGBA
from layers.rasters import STYLES, colors_from_values
from twin import Twin, format_value
from twin.analytics import Analysis
from twin.analytics.provenance import parse_computed_source
from twin.crs import to_wgs84
from viewer.i18n import has, language, t
from viewer.map import Markers, RasterOverlay, StreetPaint
from viewer.night_data import raster_image

__all__ = [
    "RASTERS",
    "SPOT_LAYER",
    "STREET_MEASURES",
    "hidden_spot_markers",
    "measure_label",
    "raster_overlay",
    "spot_points",
    "spot_reason",
    "street_measure_paint",
    "street_measure_rows",
]

#: Rasters the map can lay over the ground.
RASTERS = ("lux", "surveillance_day", "surveillance_night")
#: Per-segment measures streets can be coloured by.
STREET_MEASURES = (
    "lux_mean",
    "lux_min",
    "lux_uniformity",
    "dark_share",
    "surveillance_day",
    "surveillance_night",
    "cpted_indicator",
)
#: Id of the hidden-spot marker overlay (a pick reports it as ``Pick.layer``).
SPOT_LAYER = "hidden"
#: Hidden-spot marker colour: a warm red that neither cividis nor viridis uses.
SPOT_RGBA = (255, 86, 86, 255)
#: Hidden-spot marker radius (m): a 10 m cell's half width; at least 4 px on screen.
SPOT_RADIUS_M = 6.0
#: Opacity of a raster overlay: the ground and streets still show through.
RASTER_OPACITY = 0.8
#: Hidden-spot marker sets kept (per analysis and language; the demo's 1,730 take 0.2 s to word).
_MARKER_CACHE = 6
_MARKERS: dict[tuple, Markers] = {}


@dataclass(frozen=True)
class _Scale:
    """Fixed class edges of a measure (``inf`` allowed at the top), the catalogue key of its
    unit, the factor from stored value to shown value (share → %), and the decimals shown in
    the legend and in the side panel."""

    edges: tuple[float, ...]
    unit: str
    factor: float = 1.0
    decimals: int = 1
    detail: int = 2


_LUX = _Scale((0.0, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, math.inf), "night.unit.lux")
_SCORE = _Scale((0.0, 0.2, 0.4, 0.6, 0.8, 1.0), "night.unit.score")
#: Class edges per measure: 1 lux = dark (``dark_lux``), 5 lux = EN 13201 P4 average,
#: 0.2 = unobserved (``unobserved_score``), 0.4 = the uniformity of a good road installation.
SCALES: dict[str, _Scale] = {
    "lux_mean": _LUX,
    "lux_min": _LUX,
    "lux_uniformity": _Scale((0.0, 0.1, 0.2, 0.4, 0.7, 1.0), "night.unit.ratio"),
    "dark_share": _Scale((0.0, 0.1, 0.25, 0.5, 0.75, 1.0), "night.unit.pct_length", 100.0, 0, 0),
    "surveillance_day": _SCORE,
    "surveillance_night": _SCORE,
    "cpted_indicator": _Scale((0.0, 20.0, 40.0, 60.0, 80.0, 100.0), "night.unit.index", 1.0, 0, 0),
}
#: Legend stops of the rasters (values at which a swatch is shown).
RASTER_STOPS = {
    "lux": (0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0),
    "surveillance_day": (0.0, 0.2, 0.4, 0.6, 0.8, 1.0),
    "surveillance_night": (0.0, 0.2, 0.4, 0.6, 0.8, 1.0),
}
_RASTER_UNITS = {"lux": "night.unit.lux", "surveillance_day": "night.unit.score",
                 "surveillance_night": "night.unit.score"}  # fmt: skip


def measure_label(name: str, lang: str | None = None) -> str:
    """The name of a measure or raster in the session language."""
    return t(f"night.measure.{name}", lang=lang)


def _fmt(value: float, decimals: int | None, lang: str) -> str:
    """``decimals`` None: whole numbers without decimals, others with one (12 · 0,5)."""
    return format_value(float(value), lang=lang, decimals=decimals)


def _class_colours(measure: str, edges: Sequence[float]) -> np.ndarray:
    """The raster palette's colour at the middle of each class (log middle on a log scale)."""
    style = STYLES[measure]
    reps = []
    for lo, hi in itertools.pairwise(edges):
        lo_c, hi_c = max(lo, style.vmin), min(hi, style.vmax)
        if style.scale == "log":
            reps.append(math.sqrt(max(lo_c, style.vmin) * max(hi_c, style.vmin)))
        else:
            reps.append((lo_c + hi_c) / 2)
    return colors_from_values(np.asarray(reps), style)


def _class_labels(scale: _Scale, lang: str) -> list[str]:
    e = [v * scale.factor for v in scale.edges]
    d = None if scale.decimals else 0
    labels = []
    for i in range(len(e) - 1):
        if i == 0:
            labels.append(f"< {_fmt(e[1], d, lang)}")
        elif math.isinf(e[i + 1]):
            labels.append(f"≥ {_fmt(e[i], d, lang)}")
        else:
            labels.append(f"{_fmt(e[i], d, lang)} – {_fmt(e[i + 1], d, lang)}")
    return labels


def _aligned(twin: Twin, analysis: Analysis, column: str) -> np.ndarray:
    """Values of a segment column in the order of ``twin.streets``."""
    seg = analysis.segments
    ids = twin.streets["id"].to_numpy()
    if len(seg) == len(ids) and (seg["id"].to_numpy() == ids).all():
        return seg[column].to_numpy(dtype=float)
    return seg.set_index("id")[column].reindex(ids).to_numpy(dtype=float)


def source_label(source: str, lang: str | None = None) -> str:
    """A computed output's source ("computed from lights, buildings of 'Heerlen'") in the
    session language, its inputs named as the app names them; any other source as it is.

    >>> source_label("computed from lights, crime_burglary_per1000 of 'Heerlen (demo)'", "nl")
    "eigen berekening uit lantaarnpalen, woninginbraak (geregistreerd) van 'Heerlen (demo)'"
    """
    parsed = parse_computed_source(source)
    if parsed is None:
        return source
    inputs, twin = parsed
    names = []
    for name in inputs:
        key = next((k for k in (f"terms.layer.{name}", f"terms.indicator.{name}") if has(k)), "")
        names.append(t(key, lang=lang).lower() if key else name)
    return t("night.computed_from", lang=lang, inputs=", ".join(names), twin=twin)


def _manifest_fields(analysis: Analysis, name: str, lang: str) -> dict:
    m = analysis.manifests[name]
    return {"source": source_label(m.source, lang), "licence": m.licence,
            "synthetic": bool(m.synthetic)}  # fmt: skip


def street_measure_paint(
    twin: Twin, analysis: Analysis, measure: str, *, lang: str | None = None
) -> tuple[StreetPaint, Legend]:
    """Streets of ``twin`` coloured by a per-segment ``measure`` of ``analysis`` on fixed
    classes, and its legend."""
    if measure not in SCALES:
        raise ValueError(f"unknown street measure {measure!r}; measures: {', '.join(SCALES)}")
    lang = lang or language()
    scale = SCALES[measure]
    values = _aligned(twin, analysis, measure)
    inner = np.asarray(scale.edges[1:-1])
    classes = np.where(np.isfinite(values), np.searchsorted(inner, values, side="right"), -1)
    colours = _class_colours(measure, scale.edges)
    title = measure_label(measure, lang)
    unit = t(scale.unit, lang=lang)
    paint = StreetPaint(
        classes=classes.astype(np.int64),
        colours=[tuple(int(c) for c in row) for row in colours],
        values=values * scale.factor,
        title=title,
        unit=unit,
    )
    entries = [
        LegendEntry((int(c[0]), int(c[1]), int(c[2]), 255), label)
        for c, label in zip(colours, _class_labels(scale, lang), strict=True)
    ]
    entries.append(LegendEntry(tuple(NO_DATA_RGBA), t("night.legend.no_value", lang=lang)))
    note = t(f"night.legend.note.{measure}", lang=lang,
             dark=_fmt(analysis.settings.dark_lux, None, lang),
             unobserved=_fmt(analysis.settings.unobserved_score, None, lang))  # fmt: skip
    legend = Legend(title=title, unit=unit, entries=tuple(entries), note=note,
                    **_manifest_fields(analysis, "segments", lang))  # fmt: skip
    return paint, legend


def raster_overlay(
    analysis: Analysis, name: str, *, lang: str | None = None
) -> tuple[RasterOverlay, Legend]:
    """Raster ``name`` as a map overlay (PNG made once, served once) and its legend."""
    lang = lang or language()
    image = raster_image(analysis, name)
    overlay = RasterOverlay(f"night-{name}", image.png, image.bounds, opacity=RASTER_OPACITY)
    stops = np.asarray(RASTER_STOPS[name])
    colours = colors_from_values(stops, STYLES[name])
    labels = [_fmt(v, None, lang) for v in stops]
    labels[0], labels[-1] = f"≤ {labels[0]}", f"≥ {labels[-1]}"
    entries = [LegendEntry((int(c[0]), int(c[1]), int(c[2]), 255), lb)
               for c, lb in zip(colours, labels, strict=True)]  # fmt: skip
    res = float(analysis.rasters[name].attrs.get("res", 0) or 0)
    note = t(f"night.legend.raster.{name}", lang=lang, res=_fmt(res, 0, lang),
             dark=_fmt(analysis.settings.dark_lux, None, lang))  # fmt: skip
    legend = Legend(title=measure_label(name, lang), unit=t(_RASTER_UNITS[name], lang=lang),
                    entries=tuple(entries), note=note,
                    **_manifest_fields(analysis, name, lang))  # fmt: skip
    return overlay, legend


def spot_points(analysis: Analysis) -> pd.DataFrame:
    """Per hidden spot (in rank order): ``rank``, ``lon``, ``lat`` of a point inside it."""
    spots = analysis.hidden_spots
    if not len(spots):
        return pd.DataFrame({"rank": [], "lon": [], "lat": []})
    xy = shapely.get_coordinates(shapely.point_on_surface(spots.geometry.to_numpy()))
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1])
    return pd.DataFrame({"rank": spots["rank"].to_numpy(), "lon": lon, "lat": lat})


def _street_name(value: object, lang: str) -> str:
    return value if isinstance(value, str) and value else t("map.attr.unnamed", lang=lang)


def spot_reason(spot: pd.Series | dict, analysis: Analysis, lang: str | None = None) -> str:
    """Why a spot is hidden, in words, from its numbers."""
    lang = lang or language()
    s = analysis.settings
    return t(
        "night.spot.reason_text", lang=lang,
        lux=_fmt(spot["lux_mean"], 2, lang), lux_max=_fmt(spot["lux_max"], 2, lang),
        dark=_fmt(s.dark_lux, None, lang), night=_fmt(spot["night_mean"], 2, lang),
        night_max=_fmt(spot["night_max"], 2, lang), unobserved=_fmt(s.unobserved_score, None, lang),
        area=_fmt(spot["area_m2"], 0, lang), path=_fmt(spot["path_m"], 0, lang),
        street=_street_name(spot["street_name"], lang),
    )  # fmt: skip


def hidden_spot_markers(twin: Twin, analysis: Analysis, *, lang: str | None = None) -> Markers:
    """The hidden spots as pickable markers (id = rank) with their reasons in the tooltip
    (escaped in the browser); made once per analysis and language."""
    lang = lang or language()
    key = (analysis.fingerprint, analysis.settings, lang)
    if key not in _MARKERS:
        _MARKERS[key] = _markers(twin, analysis, lang)
        while len(_MARKERS) > _MARKER_CACHE:
            _MARKERS.pop(next(iter(_MARKERS)))
    return _MARKERS[key]


def _markers(twin: Twin, analysis: Analysis, lang: str) -> Markers:
    spots = analysis.hidden_spots.head(MAX_MARKERS)
    pts = spot_points(analysis).head(MAX_MARKERS)
    tips = []
    for r in spots.to_dict("records"):
        area = twin.area_name(str(r["buurt"])) if isinstance(r["buurt"], str) else "–"
        tips.append((
            t("night.spot.title", lang=lang, rank=int(r["rank"])),
            [(t("night.spot.street", lang=lang), _street_name(r["street_name"], lang)),
             (t("night.spot.buurt", lang=lang), area),
             (t("night.spot.why", lang=lang), spot_reason(r, analysis, lang))],
        ))  # fmt: skip
    return Markers(SPOT_LAYER, pts["lon"].tolist(), pts["lat"].tolist(),
                   [str(int(r)) for r in pts["rank"]], rgba=SPOT_RGBA, tooltips=tips,
                   radius_m=SPOT_RADIUS_M)  # fmt: skip


def street_measure_rows(
    analysis: Analysis, street_id: str, *, lang: str | None = None
) -> list[tuple[str, str]]:
    """(label, value) of every night measure of one street segment, for the side panel."""
    lang = lang or language()
    seg = analysis.segments
    hit = seg.index[seg["id"] == street_id]
    if not len(hit):
        return []
    row = seg.loc[hit[0]]
    out = []
    for m in STREET_MEASURES:
        scale = SCALES[m]
        v = float(row[m])
        shown = _fmt(v * scale.factor, scale.detail, lang) if np.isfinite(v) else "–"
        out.append((measure_label(m, lang), f"{shown} {t(scale.unit, lang=lang)}".strip()))
    return out
