"""Map (home): the 3D city coloured by what matters, with search, layers, legend and picking."""

from __future__ import annotations

import streamlit as st

from layers import CLASS_METHODS, PALETTES, legend_html
from twin import Twin, indicator_names
from viewer.colouring import BUILDING_COLOURINGS, area_colouring, building_colouring
from viewer.i18n import language, t
from viewer.map import LAYER_NAMES, fly_to_area, map_image, twin_map
from viewer.night_map import night_controls, night_layers, night_side_panel
from viewer.panel import selection_panel
from viewer.permalink import apply_permalink, linked_scenario
from viewer.state import (
    area_label,
    get_twin,
    indicator_label,
    indicator_years,
    synthetic_notice,
    take_map_focus,
)

__all__ = ["MAP_KEY", "render"]

#: Key of the map on this page (keeps its camera and selection).
MAP_KEY = "home"
_NONE = "__none__"


def _search(twin: Twin) -> None:
    nb = twin.neighbourhoods
    options = [str(c) for c, lv in zip(nb["code"], nb["level"], strict=True) if lv != "gemeente"]

    def go() -> None:
        code = st.session_state.get("map.search")
        if code:
            fly_to_area(twin, MAP_KEY, code)

    st.selectbox(
        t("map.search"),
        options=options,
        index=None,
        format_func=lambda c: area_label(twin, c),
        placeholder=t("map.search_placeholder"),
        key="map.search",
        on_change=go,
    )


def _controls(twin: Twin) -> dict:
    """The sidebar controls; returns the chosen options."""
    names = indicator_names(twin.indicators)
    opts: dict = {}
    lang = language()  # format functions may run outside the script run (AppTest); fix it here
    with st.sidebar:
        _search(twin)
        st.markdown(f"**{t('map.section.colour')}**")
        default = "perceived_unsafety_pct" if "perceived_unsafety_pct" in names else _NONE
        st.session_state.setdefault("map.indicator", default)
        opts["indicator"] = st.selectbox(
            t("map.indicator"),
            options=[_NONE, *names],
            format_func=lambda n: (
                t("map.indicator_none") if n == _NONE else indicator_label(twin, n)
            ),
            key="map.indicator",
        )
        if opts["indicator"] != _NONE:
            years = indicator_years(twin, opts["indicator"])
            if len(years) > 1:
                if st.session_state.get("map.year") not in years:
                    st.session_state["map.year"] = years[-1]
                opts["year"] = st.select_slider(t("map.year"), options=years, key="map.year")
            else:
                opts["year"] = years[0] if years else twin.years[-1]
                st.caption(t("map.single_year", year=opts["year"]))
            opts["level"] = st.radio(
                t("map.level"), options=["buurt", "wijk"], horizontal=True,
                format_func=lambda lv: t(f"terms.level.{lv}", lang=lang), key="map.level",
            )  # fmt: skip
            opts["extrude"] = st.toggle(t("map.extrude"), key="map.extrude")
        opts["buildings"] = st.selectbox(
            t("map.buildings_by"),
            options=list(BUILDING_COLOURINGS),
            format_func=lambda b: t(f"map.buildings.{b}", lang=lang),
            key="map.buildings",
        )
        with st.expander(t("map.section.classes")):
            opts["method"] = st.selectbox(
                t("map.method"), options=list(CLASS_METHODS),
                format_func=lambda m: t(f"terms.method.{m}", lang=lang), key="map.method",
            )  # fmt: skip
            st.session_state.setdefault("map.k", 5)
            opts["k"] = st.slider(t("map.classes"), 3, 7, key="map.k")
            opts["palette"] = st.selectbox(
                t("map.palette"), options=["auto", *PALETTES],
                format_func=lambda p: t("map.palette_auto", lang=lang) if p == "auto" else p,
                key="map.palette",
            )  # fmt: skip
        st.markdown(f"**{t('map.section.view')}**")
        opts["top_down"] = st.toggle(t("map.top_down"), key="map.top_down")
        opts["night"] = st.toggle(t("map.night"), key="map.night")
        opts["night_choice"] = night_controls() if opts["night"] else None  # night analytics
        with st.expander(t("map.section.layers"), expanded=False):
            opts["layers"] = []
            for name in LAYER_NAMES:
                st.session_state.setdefault(f"map.layer.{name}", True)
                if st.checkbox(t(f"terms.layer.{name}"), key=f"map.layer.{name}"):
                    opts["layers"].append(name)
    return opts


def render() -> None:
    twin = get_twin()
    st.title(t("map.title"))
    st.caption(
        t("app.twin_caption", name=twin.name, wijken=len(twin.wijken), buurten=len(twin.buurten),
          buildings=f"{len(twin.buildings):,}".replace(",", "."))
    )  # fmt: skip
    synthetic_notice(twin)
    apply_permalink(twin, MAP_KEY, none=_NONE)  # a saved view's link (./?lon=…) opens here
    opts = _controls(twin)
    palette = None if opts["palette"] == "auto" else opts["palette"]
    area_paint = area_legend = None
    describe = []
    if opts["indicator"] != _NONE:
        area_paint, area_legend, _ = area_colouring(
            twin, opts["indicator"], opts["year"], level=opts["level"], k=opts["k"],
            method=opts["method"], palette=palette, extrude=opts["extrude"],
        )  # fmt: skip
        describe.append(_describe_areas(twin, area_paint, opts))
    linked = linked_scenario(twin)
    if linked:
        area_paint, area_legend, text = linked
        describe.append(text)
    rule, building_legend = building_colouring(
        twin, opts["buildings"], k=opts["k"], method=opts["method"],
        palette=palette or "viridis", area_paint=area_paint, area_legend=area_legend,
    )  # fmt: skip
    if opts["buildings"] != "none":
        describe.append(t("map.describe.buildings", by=t(f"map.buildings.{opts['buildings']}")))
    night = night_layers(twin, opts["night_choice"])  # night analytics: rasters, streets, spots
    describe.append(night.description)
    description = " ".join(d for d in describe if d) or t("map.describe.plain")

    from viewer.assets import routes_mounted

    if not routes_mounted():
        st.warning(t("map.no_asset_route"))
    focus = take_map_focus(twin)  # "show on map" from another page (e.g. the assistant)
    if focus:
        fly_to_area(twin, MAP_KEY, focus)
    col_map, col_side = st.columns([3, 1], gap="small")
    with col_map:
        result = twin_map(
            twin, key=MAP_KEY, layers=opts["layers"], buildings=rule, areas=area_paint,
            streets=night.streets, overlays=night.overlays,
            night=opts["night"], top_down=opts["top_down"], description=description,
            height=640, download=map_image(
                f"{twin.name}-kaart", title=area_legend.title if area_legend else t("map.title"),
                subtitle=description, label=t("present.png.label"),
                hint=t("present.png.hint"), badge=t("app.synthetic_badge"), footer=twin.name,
                legends=[area_legend, building_legend, *night.legends]),
        )  # fmt: skip
        st.caption(description)
    with col_side:
        legends = [area_legend] + ([building_legend] if building_legend is not area_legend else [])
        legends += night.legends
        for legend in (lg for lg in legends if lg is not None):
            st.markdown(
                legend_html(legend, synthetic_badge=t("app.synthetic_badge"),
                            source_label=t("app.source")),
                unsafe_allow_html=True,
            )  # fmt: skip
        selection_panel(twin, result.selection, year=opts.get("year"))
        night_side_panel(twin, night, result, MAP_KEY)


def _describe_areas(twin: Twin, paint, opts: dict) -> str:
    """One sentence: what colours the areas, and where it is highest and lowest."""
    import numpy as np

    name = opts["indicator"]
    da = twin.public.values[name].sel(year=opts["year"])
    codes = [c for c in paint.display if np.isfinite(float(da.sel(area=c)))]
    if not codes:
        return t("map.describe.areas_empty", indicator=indicator_label(twin, name),
                 year=opts["year"])  # fmt: skip
    vals = {c: float(da.sel(area=c)) for c in codes}
    hi = max(vals, key=vals.__getitem__)
    lo = min(vals, key=vals.__getitem__)
    return t(
        "map.describe.areas", indicator=indicator_label(twin, name), year=opts["year"],
        level=t(f"terms.level.{opts['level']}"), high=twin.area_name(hi),
        high_value=paint.display[hi], low=twin.area_name(lo), low_value=paint.display[lo],
    )  # fmt: skip


if __name__ == "__main__":
    render()
