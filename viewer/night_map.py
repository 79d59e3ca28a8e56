"""The Map page's night mode: the night analytics' controls, layers and side panel.

``viewer/views/map.py`` calls three functions (and nothing else of the night analytics):

- :func:`night_controls` in the sidebar when night mode is on → a :class:`NightChoice`;
- :func:`night_layers` → a :class:`NightLayers` (street paint, overlays, legends, a sentence for
  screen readers) to pass to ``twin_map``; empty when night mode is off;
- :func:`night_side_panel` under the selection panel: the picked (or focused) hidden spot with
  its reasons, a picked street's night measures, and the ranked hidden spots (a click flies there).

The analysis is computed once per model (a spinner says so the first time) and cached; raster
PNGs and marker files are made once and fetched once by the browser, so switching the street
measure or the overlay re-sends a few kilobytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from layers import Legend
from twin import Twin, format_value
from twin.analytics import CptedWeights
from viewer.i18n import language, t
from viewer.map import MapResult, Markers, RasterOverlay, StreetPaint, fly_to
from viewer.night_data import NightAnalysis, night_analysis
from viewer.night_layers import (
    RASTERS,
    SPOT_LAYER,
    STREET_MEASURES,
    hidden_spot_markers,
    measure_label,
    raster_overlay,
    spot_points,
    spot_reason,
    street_measure_paint,
    street_measure_rows,
)

__all__ = [
    "FOCUS_KEY",
    "NightChoice",
    "NightLayers",
    "focus_spot",
    "night_controls",
    "night_layers",
    "night_side_panel",
    "plain",
    "session_weights",
]

_NONE = "none"
#: Session key of the hidden spot the side panel details (set by the list and the Night page).
FOCUS_KEY = "map.night.focus"
#: Hidden spots listed in the side panel (the Night page lists them all).
SIDE_SPOTS = 8
#: Zoom of the camera when it flies to a hidden spot: a few streets around it.
SPOT_ZOOM = 18.0

_DEFAULTS = {"map.night.overlay": "lux", "map.night.streets": _NONE, "map.night.spots": True}
_MARKDOWN = re.compile(r"([\\`*_\[\]()<>#|~$])")


def plain(text: str) -> str:
    r"""``text`` (a street name from open data, a reason) safe to show as Markdown: the
    characters of links, emphasis, code, HTML, tables and formulas (``$``) escaped, so a name
    can never become a link or markup.

    >>> plain("[x](javascript:alert(1)) <b>")
    '\\[x\\]\\(javascript:alert\\(1\\)\\) \\<b\\>'
    """
    return _MARKDOWN.sub(r"\\\1", str(text))


@dataclass(frozen=True)
class NightChoice:
    """What night mode shows: a raster overlay (or ``none``), the street measure (or ``none``:
    streets by class) and whether hidden spots are marked."""

    overlay: str = _NONE
    streets: str = _NONE
    spots: bool = False

    @property
    def empty(self) -> bool:
        return self.overlay == _NONE and self.streets == _NONE and not self.spots


@dataclass(frozen=True)
class NightLayers:
    """What the map draws for night mode, and the analysis it came from (None: nothing)."""

    streets: StreetPaint | None = None
    overlays: tuple[RasterOverlay | Markers, ...] = ()
    legends: tuple[Legend, ...] = ()
    description: str = ""
    night: NightAnalysis | None = None
    choice: NightChoice = field(default_factory=NightChoice)


def night_controls() -> NightChoice:
    """The night analytics' controls (call inside the sidebar, when night mode is on)."""
    lang = language()  # format functions may run outside the script run (AppTest)
    for key, value in _DEFAULTS.items():
        st.session_state.setdefault(key, value)
    st.markdown(f"**{t('night.map.section')}**")
    overlay = st.selectbox(
        t("night.map.overlay"), options=[_NONE, *RASTERS], key="map.night.overlay",
        format_func=lambda o: t("night.map.none", lang=lang) if o == _NONE
        else measure_label(o, lang),
    )  # fmt: skip
    streets = st.selectbox(
        t("night.map.streets"), options=[_NONE, *STREET_MEASURES], key="map.night.streets",
        format_func=lambda m: t("night.map.by_class", lang=lang) if m == _NONE
        else measure_label(m, lang),
    )  # fmt: skip
    spots = st.toggle(t("night.map.spots"), key="map.night.spots")
    return NightChoice(str(overlay), str(streets), bool(spots))


def session_weights() -> CptedWeights:
    """The CPTED weights chosen on the Night page in this session (the defaults until then, or
    when all are zero), so the map colours streets by the same indicator the page shows."""
    default = CptedWeights()
    values = {c: st.session_state.get(f"night.w.{c}", getattr(default, c))
              for c in default.components}  # fmt: skip
    try:
        return CptedWeights(**{c: float(v) for c, v in values.items()})
    except (TypeError, ValueError):  # all zero, or not numbers
        return default


def night_layers(twin: Twin, choice: NightChoice | None) -> NightLayers:
    """Street paint, overlays and legends for ``choice`` (empty for None or nothing chosen)."""
    if choice is None or choice.empty:
        return NightLayers()
    lang = language()
    with st.spinner(t("night.map.computing")):
        night = night_analysis(twin, session_weights())
    a = night.analysis
    paint = None
    overlays: list[RasterOverlay | Markers] = []
    legends: list[Legend] = []
    describe: list[str] = []
    if choice.overlay != _NONE:
        overlay, legend = raster_overlay(a, choice.overlay, lang=lang)
        overlays.append(overlay)
        legends.append(legend)
        describe.append(t("night.describe.overlay", what=measure_label(choice.overlay)))
    if choice.streets != _NONE:
        paint, legend = street_measure_paint(twin, a, choice.streets, lang=lang)
        legends.append(legend)
        describe.append(t("night.describe.streets", what=measure_label(choice.streets)))
    if choice.spots:
        overlays.append(hidden_spot_markers(twin, a, lang=lang))
        describe.append(t("night.describe.spots", n=len(a.hidden_spots)))
    return NightLayers(paint, tuple(overlays), tuple(legends), " ".join(describe), night, choice)


def focus_spot(map_key: str, night: NightAnalysis, rank: int) -> None:
    """Fly map ``map_key`` to hidden spot ``rank`` and detail it in the side panel."""
    pts = spot_points(night.analysis)
    row = pts[pts["rank"] == rank]
    if row.empty:
        return
    fly_to(map_key, lon=float(row["lon"].iloc[0]), lat=float(row["lat"].iloc[0]),
           zoom=SPOT_ZOOM, pitch=45.0)  # fmt: skip
    st.session_state[FOCUS_KEY] = int(rank)


def _spot_details(twin: Twin, night: NightAnalysis, rank: int) -> None:
    spots = night.analysis.hidden_spots
    hit = spots[spots["rank"] == rank]
    if hit.empty:
        return
    r = hit.iloc[0]
    lang = language()
    st.markdown(f"**{t('night.spot.title', rank=rank)}**")
    buurt = twin.area_name(str(r["buurt"])) if isinstance(r["buurt"], str) else "–"
    st.caption(plain(f"{buurt} · {format_value(float(r['area_m2']), lang=lang, decimals=0)} m²"))
    st.markdown(plain(spot_reason(r, night.analysis, lang)))


def night_side_panel(twin: Twin, layers: NightLayers, result: MapResult, map_key: str) -> None:
    """The night part of the side panel (nothing when night mode shows nothing)."""
    night = layers.night
    if night is None:
        return
    pick = result.pick
    if pick is not None:  # a click on the map replaces the focus of the list
        if pick.kind == "marker" and pick.layer == SPOT_LAYER and pick.id.isdigit():
            st.session_state[FOCUS_KEY] = int(pick.id)
        else:
            st.session_state.pop(FOCUS_KEY, None)
    sel = result.selection
    if sel is not None and sel.kind == "street":
        rows = street_measure_rows(night.analysis, sel.id)
        if rows:
            st.markdown(f"**{t('night.panel.street')}**")
            st.table(pd.DataFrame(rows, columns=[t("night.col.measure"), t("night.col.value")]),
                     hide_index=True)  # fmt: skip
    focus = st.session_state.get(FOCUS_KEY)
    if layers.choice.spots and isinstance(focus, int):
        _spot_details(twin, night, focus)
    if layers.choice.spots:
        _spot_list(night, map_key)


def _spot_list(night: NightAnalysis, map_key: str) -> None:
    spots = night.analysis.hidden_spots
    lang = language()
    st.markdown(f"**{t('night.panel.spots', n=len(spots))}**")
    if not len(spots):
        st.caption(t("night.spots.none"))
        return
    for r in spots.head(SIDE_SPOTS).to_dict("records"):
        rank = int(r["rank"])
        name = r["street_name"] if isinstance(r["street_name"], str) and r["street_name"] else (
            t("map.attr.unnamed"))  # fmt: skip
        label = f"{rank}. {name} — {format_value(float(r['area_m2']), lang=lang, decimals=0)} m²"
        st.button(plain(label), key=f"night_btn.fly.{rank}",
                  help=plain(spot_reason(r, night.analysis, lang)),
                  on_click=focus_spot, args=(map_key, night, rank),
                  width="stretch")  # fmt: skip
    if len(spots) > SIDE_SPOTS:
        st.caption(t("night.panel.more", n=len(spots) - SIDE_SPOTS))
