"""Scenarios: "what if we light these streets?" — build it on the map, see the honest answer.

Build: pick streets, buildings, spots or a buurt on the map, place interventions from the
catalogue, and see the expected change per buurt (map colours) and in tables: the treated
buurten first, then the city, with 80 % and 95 % intervals, evidence grades and sources in
place, the assumptions, and what the measures change in the twin. Save, open, duplicate,
delete and compare scenarios; download or upload them as TOML; hand one to the assistant.

Measures proposed in a CPTED assessment arrive through ``st.session_state["scenario_seed"]``
(``{"from_assessment": id, "measures": [{"intervention": id, "target": {...}}]}``).
"""

from __future__ import annotations

import time
from dataclasses import replace

import streamlit as st

from layers import Legend, legend_html
from scenarios import INTERVENTION_IDS, OUTCOME_IDS, Scenario
from twin import Twin
from viewer.i18n import language, t
from viewer.map import AreaPaint, twin_map
from viewer.scenario_builder import (
    basket,
    pick_into_basket,
    render_form,
    render_items,
    render_targets,
)
from viewer.scenario_compare import render_compare
from viewer.scenario_draft import interventions_from_seed
from viewer.scenario_evidence import render_assumptions, render_changes, render_evidence
from viewer.scenario_format import outcome_label, type_label
from viewer.scenario_layers import (
    change_markers,
    change_paint,
    highlight_paints,
    place_markers,
)
from viewer.scenario_results import render_results, treated_areas
from viewer.scenario_run import changes_of, street_changes_of, view_of
from viewer.scenario_store_ui import (
    DRAFT_KEY,
    current_draft,
    flash,
    render_explain,
    render_flash,
    render_store_panel,
)
from viewer.state import get_twin, synthetic_notice

__all__ = ["MAP_KEY", "SEED_KEY", "render"]

#: Key of the map on this page (build and compare share it, and so share the camera).
MAP_KEY = "scenario"
#: Where the CPTED studio leaves proposed measures for this page.
SEED_KEY = "scenario_seed"
_MAP_HEIGHT = 560


def _take_seed(twin: Twin, lang: str) -> None:
    """Add the measures proposed in a CPTED assessment (once), saying where they came from."""
    seed = st.session_state.pop(SEED_KEY, None)
    if not seed:
        return
    if not isinstance(seed, dict):
        flash("warning", t("scenarios.seed.unreadable", lang=lang))
        return
    source = str(seed.get("from_assessment", "") or "?")
    items, notes = interventions_from_seed(twin, seed)
    draft = current_draft(lang)
    st.session_state[DRAFT_KEY] = draft.added(items, origin=source)
    level = "success" if items else "warning"
    flash(level, t("scenarios.seed.title", lang=lang, n=len(items), id=source))
    for note in notes:
        values = dict(note.values)
        if values.get("type") in INTERVENTION_IDS:
            values["type"] = type_label(values["type"], lang)
        for k in ("kind", "from", "to"):
            if k in values:
                values[k] = t(f"scenarios.kind.{values[k]}", lang=lang)
        flash(
            "info" if note.key.endswith(("added", "moved")) else "warning",
            t(note.key, lang=lang, **values),
        )


def _display_options(scenario: Scenario, lang: str) -> dict:
    """What the map and tables show: outcome, horizon, % or prevented incidents, night view."""
    st.markdown(f"**{t('scenarios.show.title', lang=lang)}**")
    st.session_state.setdefault("scen.outcome", OUTCOME_IDS[0])
    opts = {
        "outcome": st.selectbox(
            t("scenarios.show.outcome", lang=lang),
            list(OUTCOME_IDS),
            key="scen.outcome",
            format_func=lambda o: outcome_label(o, lang),
        ),
    }
    horizons = list(scenario.horizons)
    if st.session_state.get("scen.horizon") not in horizons:
        st.session_state["scen.horizon"] = horizons[-1]
    opts["horizon"] = st.radio(
        t("scenarios.show.horizon", lang=lang),
        horizons,
        key="scen.horizon",
        horizontal=True,
        format_func=lambda h: t("scenarios.horizon", lang=lang, year=h),
    )
    st.session_state.setdefault("scen.value", "pct")
    opts["value"] = st.radio(
        t("scenarios.show.value", lang=lang),
        ["pct", "prevented"],
        key="scen.value",
        horizontal=True,
        format_func=lambda v: t(f"scenarios.show.value_{v}", lang=lang),
    )
    opts["night"] = st.toggle(t("scenarios.show.night", lang=lang), key="scen.night")
    opts["top_down"] = st.toggle(t("scenarios.show.top_down", lang=lang), key="scen.top_down")
    return opts


def _legend_html(legend: Legend, lang: str) -> str:
    return legend_html(
        legend,
        synthetic_badge=t("app.synthetic_badge", lang=lang),
        source_label=t("app.source", lang=lang),
    )


def _draw_map(
    twin: Twin,
    scenario: Scenario,
    area_paint: AreaPaint | None,
    area_legend: Legend | None,
    description: str,
    opts: dict,
    lang: str,
):
    """The map with the change per buurt and what the scenario touches; returns MapResult."""
    changed, _ = changes_of(twin, scenario) if scenario.interventions else (twin, [])
    rule, street_paint, touch_legend = highlight_paints(twin, changed, scenario, basket(), lang)
    overlays = [
        m
        for m in (change_markers(twin, changed, lang), place_markers(scenario, basket(), lang))
        if m is not None
    ]
    result = twin_map(
        twin,
        key=MAP_KEY,
        buildings=rule,
        areas=area_paint,
        streets=street_paint,
        overlays=overlays,
        night=opts["night"],
        top_down=opts["top_down"],
        ground_click=True,
        description=description,
        height=_MAP_HEIGHT,
    )
    st.caption(description)
    c1, c2 = st.columns(2)
    if area_legend is not None:
        c1.markdown(_legend_html(area_legend, lang), unsafe_allow_html=True)
    if touch_legend.entries:
        c2.markdown(_legend_html(touch_legend, lang), unsafe_allow_html=True)
    return result


def _area_layer(view, opts: dict, lang: str) -> tuple[AreaPaint, Legend, str]:
    """Buurten by the chosen outcome's change; legend; a sentence saying what is shown."""
    outcome, horizon, value = opts["outcome"], opts["horizon"], opts["value"]
    table = view.area_table(outcome, horizon)
    title = t(f"scenarios.value.{value}", lang=lang, outcome=outcome_label(outcome, lang))
    paint, legend = change_paint(table, value=value, title=title, lang=lang)
    synthetic = bool(view.result.dataset["synthetic"].sel(outcome=outcome))
    legend = replace(
        legend,
        synthetic=synthetic,
        note=f"{legend.note} " + t("scenarios.horizon", lang=lang, year=horizon),
        source=t("scenarios.map.source", lang=lang, version=view.result.registry.version),
    )
    hit = table[table["affected"]].sort_values("change_pct_median")
    if hit.empty:
        describe = t("scenarios.map.describe_none", lang=lang, title=title)
    else:
        top = hit.iloc[0]
        describe = t(
            "scenarios.map.describe",
            lang=lang,
            title=title,
            year=horizon,
            n=len(hit),
            name=top["name"],
            value=paint.display[str(top["area"])],
        )
    return paint, legend, describe


def _build(twin: Twin, opts: dict, lang: str) -> None:
    draft = st.session_state[DRAFT_KEY]
    scenario = draft.scenario
    view, took = None, 0.0
    if scenario.interventions:
        start = time.perf_counter()
        view = view_of(twin, scenario)
        took = time.perf_counter() - start
    col_map, col_side = st.columns([3, 2], gap="medium")
    with col_map:
        if view is not None:
            paint, legend, describe = _area_layer(view, opts, lang)
        else:
            paint, legend, describe = None, None, t("scenarios.map.describe_empty", lang=lang)
        result = _draw_map(twin, scenario, paint, legend, describe, opts, lang)
        if result.pick is not None and pick_into_basket(twin, result.pick):
            st.rerun()
    with col_side:
        render_targets(twin, lang)
        st.divider()
        render_form(twin, lang)
    render_items(twin, draft, lang)
    if view is None:
        st.info(t("scenarios.res.empty", lang=lang))
        return
    st.divider()
    horizon = opts["horizon"]
    head, button = st.columns([4, 1], vertical_alignment="bottom")
    head.header(t("scenarios.res.title", lang=lang, name=scenario.name))
    with button:
        codes = treated_areas(view, horizon)
        render_explain(draft, codes[0] if codes else None, lang)
    st.caption(t("scenarios.res.took", lang=lang, ms=f"{1000 * took:.0f}"))
    render_results(twin, view, horizon, lang)
    render_evidence(view, horizon, lang)
    render_assumptions(scenario, view, lang)
    log, lighting, watching = street_changes_of(twin, scenario)
    render_changes(twin, log, lang, lighting=lighting, watching=watching)


def render() -> None:
    twin = get_twin()
    lang = language()  # format functions may run outside the script run (AppTest); fix it here
    st.title(t("scenarios.title", lang=lang))
    st.caption(t("scenarios.caption", lang=lang))
    synthetic_notice(twin)
    current_draft(lang)
    _take_seed(twin, lang)
    with st.sidebar:
        draft = render_store_panel(twin, lang)
        opts = _display_options(draft.scenario, lang)
    render_flash()
    st.session_state.setdefault("scen.mode", "build")
    mode = st.segmented_control(
        t("scenarios.mode.label", lang=lang),
        ["build", "compare"],
        key="scen.mode",
        label_visibility="collapsed",
        format_func=lambda m: t(f"scenarios.mode.{m}", lang=lang),
    )
    if mode == "compare":

        def draw(scenario: Scenario, paint: AreaPaint, legend: Legend, describe: str) -> None:
            _draw_map(twin, scenario, paint, legend, describe, opts, lang)

        render_compare(twin, opts, lang, draw)
    else:
        _build(twin, opts, lang)


if __name__ == "__main__":
    render()
