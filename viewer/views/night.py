"""Nacht en zicht / Night and sight: the street CPTED indicator with adjustable weights, hidden
spots ranked with their reasons, feeling vs fact per buurt, and the downloads.

The analysis itself is ``twin.analytics.analyse_twin`` (via ``viewer.night_data``), computed once
per model; moving a weight slider only recomposes the indicator from the cached components.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from twin import Twin, format_value
from twin.analytics import CptedWeights
from twin.analytics.feeling import MIN_BUURTEN
from viewer.i18n import language, t
from viewer.night_data import (
    COMPONENTS,
    NightAnalysis,
    buurt_components,
    feeling_table,
    geotiff_zip,
    night_analysis,
    summary_csv,
    summary_json,
)
from viewer.night_layers import spot_reason
from viewer.night_map import focus_spot, session_weights
from viewer.state import get_twin, synthetic_notice

__all__ = ["render"]

_DEFAULT = CptedWeights()
#: Hidden spots in the table (all are in the downloads).
TABLE_SPOTS = 100
_READINGS = {
    "feels less safe than crime suggests": "night.reading.less_safe",
    "feels safer than crime suggests": "night.reading.safer",
    "in line": "night.reading.in_line",
    "no data": "night.reading.no_data",
}


def _reset_weights() -> None:
    for c in COMPONENTS:
        st.session_state[f"night.w.{c}"] = float(getattr(_DEFAULT, c))


def _weights() -> CptedWeights:
    """The weight sliders (sidebar); all zero falls back to the defaults, with a warning."""
    with st.sidebar:
        st.markdown(f"**{t('night.weights.head')}**")
        st.caption(t("night.weights.help"))
        values = {}
        for c in COMPONENTS:
            key = f"night.w.{c}"
            st.session_state.setdefault(key, float(getattr(_DEFAULT, c)))
            values[c] = st.slider(t(f"night.component.{c}"), 0.0, 1.0, step=0.05, key=key,
                                  help=t(f"night.component_doc.{c}"))  # fmt: skip
        st.button(t("night.weights.reset"), key="night_btn.reset", on_click=_reset_weights)
    if sum(values.values()) <= 0:
        st.warning(t("night.weights.all_zero"))
    return session_weights()  # the same weights colour the map's streets


def _pct(v: float, lang: str, decimals: int = 0) -> str:
    return format_value(100 * v, lang=lang, decimals=decimals) if np.isfinite(v) else "–"


def _cpted(twin: Twin, night: NightAnalysis, weights: CptedWeights) -> None:
    lang = language()
    a = night.analysis
    st.info(t("night.cpted.not_prediction"), icon=":material/info:")
    if night.experts.assessments:
        st.caption(t("night.experts.used", n=night.experts.assessments))
    else:
        st.caption(t("night.experts.none"))
    if night.experts.outside:
        st.caption(t("night.experts.outside", n=night.experts.outside))

    seg = a.segments
    ok = np.isfinite(seg["cpted_indicator"].to_numpy(dtype=float))
    length = seg["length_m"].to_numpy(dtype=float)
    city = float(np.average(seg["cpted_indicator"][ok], weights=length[ok])) if ok.any() else np.nan
    default = night_analysis(twin, _DEFAULT, experts=night.experts).analysis.segments
    base = (float(np.average(default["cpted_indicator"][ok], weights=length[ok]))
            if ok.any() else np.nan)  # fmt: skip
    st.metric(t("night.cpted.city", name=twin.name), format_value(city, lang=lang, decimals=1),
              delta=None if weights == _DEFAULT or not np.isfinite(city)
              else t("night.cpted.vs_default", d=format_value(city - base, lang=lang,
                                                              decimals=1)),
              delta_color="off")  # fmt: skip

    total = sum(weights.to_dict().values())
    doc = pd.DataFrame(
        {
            t("night.col.component"): [t(f"night.component.{c}") for c in COMPONENTS],
            t("night.col.measures"): [t(f"night.component_doc.{c}") for c in COMPONENTS],
            t("night.col.weight"): [
                format_value(getattr(weights, c), lang=lang, decimals=2) for c in COMPONENTS
            ],
            t("night.col.share"): [
                f"{_pct(getattr(weights, c) / total, lang)} %" for c in COMPONENTS
            ],
        }
    )
    st.markdown(f"**{t('night.cpted.components')}**")
    st.table(doc, hide_index=True)
    st.caption(t("night.cpted.formula"))

    st.markdown(f"**{t('night.cpted.per_buurt')}**")
    comp = buurt_components(a)
    b = a.buurten
    table = pd.DataFrame(
        {
            t("night.col.buurt"): b["name"],
            t("night.col.indicator"): b["cpted_indicator"].round(1),
            **{t(f"night.component.{c}"): (100 * comp[c]).round(0) for c in COMPONENTS},
            t("night.col.spots"): b["hidden_spots"],
            t("night.col.street_km"): b["street_km"].round(1),
        },
        index=b.index.rename(t("night.col.code")),
    ).sort_values(t("night.col.indicator"))
    st.dataframe(table)
    st.caption(t("night.cpted.components_scale"))

    st.markdown(f"**{t('night.cpted.per_segment')}**")
    codes = list(table.index)
    buurt = st.selectbox(t("night.cpted.buurt"), options=codes, key="night.buurt",
                         format_func=lambda c: f"{twin.area_name(c)} ({c})")  # fmt: skip
    rows = seg[seg["buurt"] == buurt].sort_values("cpted_indicator")
    st.dataframe(
        pd.DataFrame(
            {
                t("night.col.street"): [
                    n if isinstance(n, str) and n else t("map.attr.unnamed") for n in rows["name"]
                ],
                t("night.col.segment"): rows["id"],
                t("night.col.length"): rows["length_m"].round(0),
                t("night.col.indicator"): rows["cpted_indicator"].round(1),
                **{
                    t(f"night.component.{c}"): (100 * rows[f"cpted_{c}"]).round(0)
                    for c in COMPONENTS
                },
            }
        ),
        hide_index=True,
    )


def _show_on_map(twin: Twin, night: NightAnalysis, rank: int) -> None:
    from viewer.views.map import MAP_KEY

    st.session_state["map.night"] = True
    st.session_state["map.night.spots"] = True
    st.session_state.setdefault("map.night.overlay", "lux")
    focus_spot(MAP_KEY, night, rank)
    st.switch_page("views/map.py")


def _spots(twin: Twin, night: NightAnalysis) -> None:
    lang = language()
    a = night.analysis
    spots = a.hidden_spots
    s = a.settings
    st.caption(t("night.spots.how", n=len(spots), dark=format_value(s.dark_lux, lang=lang),
                 unobserved=format_value(s.unobserved_score, lang=lang)))  # fmt: skip
    if not len(spots):
        st.info(t("night.spots.none"))
        return
    top = spots.head(TABLE_SPOTS)

    def label(rank: int) -> str:
        r = spots[spots["rank"] == rank].iloc[0]
        name = r["street_name"] if isinstance(r["street_name"], str) and r["street_name"] else (
            t("map.attr.unnamed", lang=lang))  # fmt: skip
        area = twin.area_name(r["buurt"]) if isinstance(r["buurt"], str) else "–"
        return f"{rank}. {name} ({area})"

    ranks = [int(r) for r in top["rank"]]
    col_pick, col_go = st.columns([3, 1], vertical_alignment="bottom")
    with col_pick:
        rank = st.selectbox(t("night.spots.pick"), options=ranks, key="night.spot",
                            format_func=label)  # fmt: skip
    with col_go:
        go = st.button(t("night.spots.show"), key="night_btn.show_on_map", icon=":material/map:")
    if go and rank is not None:
        _show_on_map(twin, night, int(rank))
    st.dataframe(
        pd.DataFrame(
            {
                t("night.col.rank"): top["rank"],
                t("night.col.buurt"): [
                    twin.area_name(c) if isinstance(c, str) else "–" for c in top["buurt"]
                ],
                t("night.col.street"): [
                    n if isinstance(n, str) and n else t("map.attr.unnamed")
                    for n in top["street_name"]
                ],
                t("night.col.area_m2"): top["area_m2"].round(0),
                t("night.col.lux"): top["lux_mean"].round(2),
                t("night.col.night_score"): top["night_mean"].round(2),
                t("night.col.why"): [spot_reason(r, a, lang) for r in top.to_dict("records")],
            }
        ),
        hide_index=True,
    )
    if len(spots) > TABLE_SPOTS:
        st.caption(t("night.spots.more", n=len(spots) - TABLE_SPOTS))


def _feeling(twin: Twin, night: NightAnalysis) -> None:
    lang = language()
    ft = feeling_table(twin, night.analysis)
    st.markdown(t("night.feeling.explain"))
    if ft.synthetic:
        st.caption(f":violet-badge[{t('app.synthetic_badge')}] {t('night.feeling.synthetic')}")
    if ft.year is None or ft.rows.empty:
        st.info(t("night.feeling.unavailable", min=MIN_BUURTEN))
        return
    st.caption(t("night.feeling.year", year=ft.year, n=len(ft.rows), total=len(twin.buurten)))
    if ft.suppressed:
        st.caption(t("night.feeling.suppressed", n=len(ft.suppressed), min=ft.min_count))
    if ft.missing:
        st.caption(t("night.feeling.missing", n=len(ft.missing)))
    r = ft.rows.sort_values("feeling_gap", ascending=False)
    fmt = lambda v: format_value(float(v), lang=lang, decimals=2)  # noqa: E731
    st.dataframe(
        pd.DataFrame(
            {
                t("night.col.buurt"): [twin.area_name(c) for c in r.index],
                t("night.col.perceived"): r["perceived"].round(1),
                t("night.col.crime"): r["crime"].round(1),
                t("night.col.z_perceived"): r["z_perceived"].round(2),
                t("night.col.z_crime"): r["z_crime"].round(2),
                t("night.col.gap"): r["feeling_gap"].round(2),
                t("night.col.reading"): [
                    t(_READINGS.get(x, "night.reading.no_data")) for x in r["reading"]
                ],
            },
            index=r.index.rename(t("night.col.code")),
        ),
    )
    high = r.index[0]
    low = r.index[-1]
    st.caption(t("night.feeling.extremes", high=twin.area_name(high),
                 high_gap=fmt(r["feeling_gap"].iloc[0]), low=twin.area_name(low),
                 low_gap=fmt(r["feeling_gap"].iloc[-1])))  # fmt: skip
    _feeling_chart(twin, r)


def _feeling_chart(twin: Twin, r: pd.DataFrame) -> None:
    """z(crime) against z(feeling), coloured by the gap; on the diagonal feeling fits the facts."""
    data = pd.DataFrame({"buurt": [twin.area_name(c) for c in r.index],
                         "x": r["z_crime"].round(2), "y": r["z_perceived"].round(2),
                         "gap": r["feeling_gap"].round(2)})  # fmt: skip
    lo = float(min(data["x"].min(), data["y"].min())) - 0.2
    hi = float(max(data["x"].max(), data["y"].max())) + 0.2
    diagonal = {"x": {"datum": lo}, "y": {"datum": lo}, "x2": {"datum": hi}, "y2": {"datum": hi}}
    points = {
        "x": {"field": "x", "type": "quantitative", "title": t("night.col.z_crime")},
        "y": {"field": "y", "type": "quantitative", "title": t("night.col.z_perceived")},
        "color": {"field": "gap", "type": "quantitative", "title": t("night.col.gap"),
                  "scale": {"scheme": "purpleorange", "reverse": True, "domain": [-2, 2]}},
        "tooltip": [{"field": "buurt", "title": t("night.col.buurt")},
                    {"field": "gap", "title": t("night.col.gap")}],
    }  # fmt: skip
    spec = {"layer": [
        {"mark": {"type": "rule", "strokeDash": [4, 4], "color": "#888"}, "encoding": diagonal},
        {"mark": {"type": "circle", "size": 90, "opacity": 0.9}, "encoding": points},
    ]}  # fmt: skip
    st.vega_lite_chart(data, spec, height=340)
    st.caption(t("night.feeling.chart"))


def _downloads(twin: Twin, night: NightAnalysis) -> None:
    a = night.analysis
    st.caption(t("night.download.help"))
    if a.synthetic:
        st.caption(f":violet-badge[{t('app.synthetic_badge')}] {t('night.download.synthetic')}")
    slug = "".join(ch if ch.isalnum() else "-" for ch in twin.name.lower()).strip("-")[:40]
    st.download_button(t("night.download.geotiff"), data=lambda: geotiff_zip(a),
                       file_name=f"{slug}-night-rasters.zip", mime="application/zip",
                       key="night_btn.dl.geotiff", icon=":material/download:")  # fmt: skip
    st.download_button(t("night.download.csv"), data=summary_csv(a),
                       file_name=f"{slug}-night-buurten.csv", mime="text/csv",
                       key="night_btn.dl.csv", icon=":material/download:")  # fmt: skip
    st.download_button(t("night.download.json"), data=lambda: summary_json(a),
                       file_name=f"{slug}-night-summary.json", mime="application/json",
                       key="night_btn.dl.json", icon=":material/download:")  # fmt: skip


def render() -> None:
    twin = get_twin()
    st.title(t("night.title"))
    st.caption(t("night.caption"))
    synthetic_notice(twin)
    weights = _weights()
    with st.spinner(t("night.map.computing")):
        night = night_analysis(twin, weights)
    tabs = st.tabs([t("night.tab.cpted"), t("night.tab.spots"), t("night.tab.feeling"),
                    t("night.tab.downloads")])  # fmt: skip
    with tabs[0]:
        _cpted(twin, night, weights)
    with tabs[1]:
        _spots(twin, night)
    with tabs[2]:
        _feeling(twin, night)
    with tabs[3]:
        _downloads(twin, night)


if __name__ == "__main__":
    render()
