"""Two to four saved scenarios side by side: outcomes with intervals, and the change per buurt.

The maps are *one* map with a selector rather than small multiples: the selector swaps only the
buurt colours (a few kB), the camera stays where the reader put it — so every scenario is seen
from exactly the same view (synced by construction) — and the classes are the same for every
scenario, so a colour means the same number in each. Four WebGL maps side by side would each
load the geometry, drift apart when panned, and in software rendering take seconds per frame.
The numbers for all scenarios at once are in the per-buurt table under the map.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st

from scenarios import Scenario, ScenarioError, ScenarioStore
from scenarios.constants import MAX_COMPARE
from twin import Twin
from viewer.i18n import t
from viewer.scenario_format import fmt_count, fmt_interval, fmt_pct, outcome_label
from viewer.scenario_layers import change_paint, change_scale, change_values
from viewer.scenario_run import comparison_of, view_of

__all__ = ["compare_table", "render_compare"]


def _cell(row: pd.Series, lang: str) -> str:
    if row["evidence"] == "not targeted":
        return t("scenarios.cell.not_reached", lang=lang)
    i95 = fmt_interval(row["change_pct_lo95"], row["change_pct_hi95"], lang, " %")
    if row["evidence"] == "no reliable evidence":
        return t("scenarios.cell.no_evidence_95", lang=lang, i95=i95)
    return t(
        "scenarios.cell.median_80_95",
        lang=lang,
        median=fmt_pct(row["change_pct_median"], lang),
        i80=fmt_interval(row["change_pct_lo80"], row["change_pct_hi80"], lang, " %"),
        i95=i95,
    )


def compare_table(table: pd.DataFrame, names: list[str], horizon: int, lang: str) -> pd.DataFrame:
    """Rows: outcomes; columns: scenarios; cells: median % change with 80 % and 95 % intervals."""
    sub = table[table["horizon"] == horizon]
    rows = []
    for outcome in dict.fromkeys(sub["outcome"]):
        part = sub[sub["outcome"] == outcome].set_index("scenario")
        label = outcome_label(outcome, lang)
        if bool(part["synthetic"].iloc[0]):
            label += f" · {t('app.synthetic_badge', lang=lang)}"
        row = {t("scenarios.col.outcome", lang=lang): label}
        row |= {name: _cell(part.loc[name], lang) for name in names if name in part.index}
        rows.append(row)
    return pd.DataFrame(rows)


def _paired_table(table: pd.DataFrame, names: list[str], horizon: int, lang: str) -> pd.DataFrame:
    sub = table[(table["horizon"] == horizon) & (table["scenario"] != names[0])]
    rows = []
    for outcome in dict.fromkeys(sub["outcome"]):
        part = sub[sub["outcome"] == outcome].set_index("scenario")
        row = {t("scenarios.col.outcome", lang=lang): outcome_label(outcome, lang)}
        residents = outcome == "perceived_unsafety"  # a count of residents, not per year
        for name in names[1:]:
            r = part.loc[name]
            row[name] = t(
                "scenarios.cell.diff_residents" if residents else "scenarios.cell.diff",
                lang=lang,
                median=fmt_count(r["diff_median"], lang),
                i95=fmt_interval(r["diff_lo95"], r["diff_hi95"], lang),
                p=f"{100 * r['p_better_than_first']:.0f} %",
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _area_frame(views: list, names: list[str], outcome: str, horizon: int, lang: str):
    tables = [v.area_table(outcome, horizon) for v in views]
    hit = np.any([tb["affected"].to_numpy() for tb in tables], axis=0)
    base = tables[0]
    frame = pd.DataFrame(
        {
            t("scenarios.col.buurt", lang=lang): [
                f"{n} ({c})" for n, c in zip(base["name"][hit], base["area"][hit], strict=True)
            ]
        }
    )
    for name, tb in zip(names, tables, strict=True):
        frame[name] = [
            fmt_pct(v, lang) if a else t("scenarios.cell.not_reached", lang=lang)
            for v, a in zip(tb["change_pct_median"][hit], tb["affected"][hit], strict=True)
        ]
    return frame


def render_compare(twin: Twin, opts: dict, lang: str, draw_map: Callable[..., None]) -> None:
    """The compare view: choose 2–4 saved scenarios; table, synced map, per-buurt table."""
    with ScenarioStore() as store:
        saved = {s.id: s.name for s in store.list()}
    # a scenario deleted since it was chosen leaves the selection
    kept = [i for i in st.session_state.get("scen.compare", []) if i in saved]
    st.session_state["scen.compare"] = kept
    st.multiselect(
        t("scenarios.cmp.choose", lang=lang, n=MAX_COMPARE),
        list(saved),
        key="scen.compare",
        max_selections=MAX_COMPARE,
        format_func=lambda i: saved.get(i, str(i)),
    )
    chosen = [i for i in st.session_state.get("scen.compare", []) if i in saved]
    if len(chosen) < 2:
        st.info(t("scenarios.cmp.need_two", lang=lang, saved=len(saved)))
        return
    with ScenarioStore() as store:
        scenarios: list[Scenario] = [store.get(i).scenario for i in chosen]
    try:
        comp = comparison_of(twin, scenarios)
    except ScenarioError as exc:
        st.error(t("scenarios.cmp.failed", lang=lang, detail=str(exc)))
        return
    names = comp.names
    views = [view_of(twin, s) for s in scenarios]
    table = comp.table.copy()
    # the page's evidence status (moderator-aware, see viewer.scenario_run.effective_status)
    table["evidence"] = [
        views[names.index(n)].status.get(o, e)
        for n, o, e in zip(table["scenario"], table["outcome"], table["evidence"], strict=True)
    ]
    horizon = opts["horizon"]
    if not all(horizon in s.horizons for s in scenarios):
        horizon = max(set.intersection(*(set(s.horizons) for s in scenarios)) or {1})
    st.subheader(t("scenarios.cmp.table_title", lang=lang, year=horizon))
    st.caption(t("scenarios.cmp.table_caption", lang=lang))
    st.dataframe(
        compare_table(table, names, horizon, lang), hide_index=True, key="scen_tbl.compare"
    )
    if comp.paired and "diff_median" in table:
        st.markdown(f"**{t('scenarios.cmp.paired_title', lang=lang, first=names[0])}**")
        st.dataframe(_paired_table(table, names, horizon, lang), hide_index=True)
        st.caption(t("scenarios.cmp.paired_caption", lang=lang))
    else:
        st.caption(t("scenarios.cmp.unpaired", lang=lang))

    outcome, value = opts["outcome"], opts["value"]
    st.subheader(
        t("scenarios.cmp.map_title", lang=lang, outcome=outcome_label(outcome, lang), year=horizon)
    )
    st.caption(t("scenarios.cmp.map_caption", lang=lang))
    if st.session_state.get("scen.compare_show") not in range(len(names)):
        st.session_state["scen.compare_show"] = 0
    shown = st.segmented_control(
        t("scenarios.cmp.show", lang=lang),
        list(range(len(names))),
        key="scen.compare_show",
        format_func=lambda i: names[i],
    )
    shown = 0 if shown is None else int(shown)
    scale = None
    if value != "pct":
        scale = change_scale(
            np.concatenate(
                [change_values(v.area_table(outcome, horizon), value).to_numpy() for v in views]
            )
        )
    title = t(f"scenarios.value.{value}", lang=lang, outcome=outcome_label(outcome, lang))
    paint, legend = change_paint(
        views[shown].area_table(outcome, horizon), value=value, title=title, lang=lang, scale=scale
    )
    draw_map(
        scenarios[shown],
        paint,
        legend,
        t("scenarios.cmp.describe", lang=lang, name=names[shown], title=title),
    )
    st.markdown(f"**{t('scenarios.cmp.areas_title', lang=lang)}**")
    st.dataframe(_area_frame(views, names, outcome, horizon, lang), hide_index=True)
