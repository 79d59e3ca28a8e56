"""The results of a scenario on the page: local first, then the city, never a bare number.

Order on screen (honest for local measures: a street's lighting barely moves the city total):

1. the treated buurten — median % change with 80 % and 95 % intervals, P(reduction), and the
   incidents prevented per year (withheld where the source suppressed the buurt's count);
2. the whole municipality — the same per outcome, with the evidence status and grades;
3. the harm-weighted index with its weights in view;
4. perceived safety, as its own weaker pathway (never in the harm index);
5. cost per prevented incident where costs are given.

"No reliable evidence of an effect" is written out where that is the truth, never shown as 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from twin import Twin, format_value
from viewer.i18n import t
from viewer.scenario_format import (
    fmt_count,
    fmt_interval,
    fmt_p,
    fmt_pct,
    fmt_plain,
    outcome_label,
)
from viewer.scenario_run import ResultView

__all__ = ["city_table", "cost_table", "render_results", "treated_areas"]

#: Most buurten listed in the "treated buurten" table before the rest goes into an expander.
MAX_LOCAL_ROWS = 8


# -- evidence status -----------------------------------------------------------------------------
def _status_text(status: str, lang: str) -> str:
    return t(f"scenarios.status.{status.replace(' ', '_')}", lang=lang)


def grades_by_outcome(view: ResultView) -> dict[str, list[tuple[str, str, str, str]]]:
    """Per outcome: (intervention type, grade, figure flag, status) of every entry that reaches."""
    out: dict[str, list[tuple[str, str, str, str]]] = {}
    for item in view.evidence:
        for e in item["outcomes"]:
            if e.get("areas_reached", 0) > 0:
                out.setdefault(e["outcome"], []).append(
                    (item["type"], e["grade"], e.get("figure_flag", ""), e["status"])
                )
    return out


def _evidence_cell(view: ResultView, outcome: str, lang: str) -> str:
    status = view.status.get(outcome, "not targeted")
    grades = grades_by_outcome(view).get(outcome, [])
    if status == "estimate":  # the grades of the estimates the numbers rest on
        marks = sorted({f"{g} {f}".strip() for _, g, f, s in grades if s == "estimate"})
    else:
        marks = sorted({g for _, g, _, _ in grades})
    text = _status_text(status, lang)
    return f"{text} ({t('scenarios.grade', lang=lang)} {', '.join(marks)})" if marks else text


# -- local first ---------------------------------------------------------------------------------
def treated_areas(view: ResultView, horizon: int) -> list[str]:
    """Buurten any measure reaches, most changed first (by the largest |median % change|)."""
    score: dict[str, float] = {}
    for outcome in view.result.outcomes:
        table = view.area_table(outcome, horizon)
        for code, hit, v in zip(
            table["area"], table["affected"], table["change_pct_median"], strict=True
        ):
            if hit:
                score[str(code)] = max(score.get(str(code), 0.0), abs(float(v)))
    return sorted(score, key=lambda c: -score[c])


def _outcome_name(view: ResultView, outcome: str, lang: str) -> str:
    """The outcome's name, marked "synthetic" where the twin's figures are modelled."""
    name = outcome_label(outcome, lang)
    if bool(view.result.dataset["synthetic"].sel(outcome=outcome)):
        name += f" · {t('app.synthetic_badge', lang=lang)}"
    return name


def _local_rows(view: ResultView, codes: list[str], horizon: int, lang: str) -> pd.DataFrame:
    rows = []
    for code in codes:
        for outcome in view.result.outcomes:
            table = view.area_table(outcome, horizon).set_index("area")
            r = table.loc[code]
            status = view.status.get(outcome, "not targeted")
            if not r["affected"]:
                median = t("scenarios.cell.not_reached", lang=lang)
            elif status == "no reliable evidence":
                median = _status_text(status, lang)
            else:
                median = fmt_pct(r["change_pct_median"], lang)
            if r["suppressed"]:
                prevented = t("scenarios.cell.hidden", lang=lang)
            elif not r["affected"] or status == "no reliable evidence":
                prevented = "–"  # never a 0 where the evidence says nothing
            else:
                prevented = fmt_count(-r["change_median"], lang, sign=False)
            rows.append(
                {
                    t("scenarios.col.buurt", lang=lang): str(r["name"]),
                    t("scenarios.col.outcome", lang=lang): _outcome_name(view, outcome, lang),
                    t("scenarios.col.change_pct", lang=lang): median,
                    t("scenarios.col.i80", lang=lang): fmt_interval(
                        r["change_pct_lo80"], r["change_pct_hi80"], lang, " %"
                    ),
                    t("scenarios.col.i95", lang=lang): fmt_interval(
                        r["change_pct_lo95"], r["change_pct_hi95"], lang, " %"
                    ),
                    t("scenarios.col.p_reduction", lang=lang): fmt_p(r["p_reduction"], lang),
                    t("scenarios.col.prevented", lang=lang): prevented,
                }
            )
    return pd.DataFrame(rows)


def _render_local(view: ResultView, horizon: int, lang: str) -> list[str]:
    codes = treated_areas(view, horizon)
    st.subheader(t("scenarios.res.local_title", lang=lang, year=horizon))
    if not codes:
        st.info(t("scenarios.res.local_none", lang=lang))
        return codes
    st.caption(t("scenarios.res.local_caption", lang=lang))
    st.dataframe(
        _local_rows(view, codes[:MAX_LOCAL_ROWS], horizon, lang),
        hide_index=True,
        key="scen_tbl.local",
    )
    if len(codes) > MAX_LOCAL_ROWS:
        with st.expander(t("scenarios.res.local_more", lang=lang, n=len(codes) - MAX_LOCAL_ROWS)):
            st.dataframe(_local_rows(view, codes[MAX_LOCAL_ROWS:], horizon, lang), hide_index=True)
    return codes


# -- the whole municipality ----------------------------------------------------------------------
def city_table(view: ResultView, horizon: int, lang: str) -> pd.DataFrame:
    """One row per crime or nuisance outcome: baseline, change with intervals, evidence."""
    rows = []
    totals = view.totals[view.totals["horizon"] == horizon]
    for _, r in totals.iterrows():
        outcome = r["outcome"]
        if outcome == "perceived_unsafety":
            continue
        status = r["evidence"]
        name = _outcome_name(view, outcome, lang)
        if status == "not targeted":
            change = i80 = i95 = pct = p = "–"
        else:
            change = (
                _status_text(status, lang)
                if status == "no reliable evidence"
                else fmt_count(r["change_median"], lang)
            )
            i80 = fmt_interval(r["change_lo80"], r["change_hi80"], lang)
            i95 = fmt_interval(r["change_lo95"], r["change_hi95"], lang)
            interval = fmt_interval(r["change_pct_lo95"], r["change_pct_hi95"], lang, " %")
            median = (
                "" if status == "no reliable evidence" else fmt_pct(r["change_pct_median"], lang)
            )
            pct = t("scenarios.cell.pct", lang=lang, median=median, interval=interval).strip()
            p = fmt_p(r["p_reduction"], lang)
        rows.append(
            {
                t("scenarios.col.outcome", lang=lang): name,
                t("scenarios.col.baseline", lang=lang): format_value(
                    r["baseline_median"], lang=lang, decimals=0
                ),
                t("scenarios.col.change", lang=lang): change,
                t("scenarios.col.i80", lang=lang): i80,
                t("scenarios.col.i95", lang=lang): i95,
                t("scenarios.col.change_pct_95", lang=lang): pct,
                t("scenarios.col.p_reduction", lang=lang): p,
                t("scenarios.col.evidence", lang=lang): _evidence_cell(view, outcome, lang),
            }
        )
    return pd.DataFrame(rows)


def _render_city(twin: Twin, view: ResultView, horizon: int, lang: str) -> None:
    from viewer.scenario_evidence import outcome_sources

    st.subheader(t("scenarios.res.city_title", lang=lang, name=twin.name, year=horizon))
    st.caption(t("scenarios.res.city_caption", lang=lang))
    st.dataframe(city_table(view, horizon, lang), hide_index=True, key="scen_tbl.city")
    outcome_sources(view, lang)


def _render_harm(view: ResultView, horizon: int, lang: str) -> None:
    h = view.harm
    block = h["horizons"].get(horizon) or h["horizons"].get(str(horizon))
    weights = " · ".join(
        f"{outcome_label(o, lang)} {fmt_plain(w, lang)}" for o, w in h["weights"].items()
    )
    st.markdown(f"**{t('scenarios.res.harm_title', lang=lang)}**")
    c = block["change_pct"]
    st.markdown(
        t(
            "scenarios.res.harm_line",
            lang=lang,
            median=fmt_pct(c["median"], lang),
            i80=fmt_interval(*c["80"], lang, " %"),
            i95=fmt_interval(*c["95"], lang, " %"),
            p=fmt_p(block["p_reduction"], lang),
        )
    )
    st.caption(t("scenarios.res.harm_weights", lang=lang, weights=weights))


def _render_perception(view: ResultView, horizon: int, lang: str) -> None:
    totals = view.totals
    row = totals[(totals["horizon"] == horizon) & (totals["outcome"] == "perceived_unsafety")]
    st.markdown(f"**{t('scenarios.res.perception_title', lang=lang)}**")
    if row.empty:
        st.caption(t("scenarios.res.perception_missing", lang=lang))
        return
    r = row.iloc[0]
    status = r["evidence"]
    if status == "not targeted":
        st.markdown(t("scenarios.res.perception_untouched", lang=lang))
    else:
        change = (
            _status_text(status, lang)
            if status == "no reliable evidence"
            else fmt_pct(r["change_pct_median"], lang)
        )
        now = format_value(r.get("baseline_pct_median", np.nan), lang=lang, decimals=1)
        st.markdown(
            t(
                "scenarios.res.perception_line",
                lang=lang,
                now=now,
                change=change,
                i80=fmt_interval(r["change_pct_lo80"], r["change_pct_hi80"], lang, " %"),
                i95=fmt_interval(r["change_pct_lo95"], r["change_pct_hi95"], lang, " %"),
                p=fmt_p(r["p_reduction"], lang),
            )
        )
    if r["synthetic"]:
        st.caption(t("scenarios.res.synthetic_outcome", lang=lang))
    st.caption(t("scenarios.res.perception_note", lang=lang))


def cost_table(cost: dict[str, Any], lang: str) -> pd.DataFrame:
    """Cumulative cost, prevented registered crimes and € per prevented incident per horizon."""
    none = t("scenarios.cell.none_prevented", lang=lang)

    def eur(v: float | None) -> str:
        return none if v is None else f"€ {format_value(v, lang=lang, decimals=0)}"

    rows = []
    for year, c in cost["horizons"].items():
        per = c["eur_per_prevented"]
        rows.append(
            {
                t("scenarios.col.horizon", lang=lang): t("scenarios.horizon", lang=lang, year=year),
                t("scenarios.col.cost", lang=lang): eur(c["cost_eur"]),
                t("scenarios.col.prevented_total", lang=lang): t(
                    "scenarios.cell.median_80",
                    lang=lang,
                    median=fmt_count(c["prevented"]["median"], lang, sign=False),
                    interval=fmt_interval(*c["prevented"]["80"], lang),
                ),
                t("scenarios.col.per_incident", lang=lang): eur(per["median"]),
                t(
                    "scenarios.col.per_incident_80", lang=lang
                ): f"{eur(per['80'][0])} … {eur(per['80'][1])}",
            }
        )
    return pd.DataFrame(rows)


def _render_cost(view: ResultView, lang: str) -> None:
    st.markdown(f"**{t('scenarios.res.cost_title', lang=lang)}**")
    if view.cost is None:
        st.caption(t("scenarios.res.cost_none", lang=lang))
        return
    st.dataframe(cost_table(view.cost, lang), hide_index=True, key="scen_tbl.cost")
    outcomes = ", ".join(outcome_label(o, lang) for o in view.cost["outcomes"])
    st.caption(t("scenarios.res.cost_caption", lang=lang, outcomes=outcomes))


def render_results(twin: Twin, view: ResultView, horizon: int, lang: str) -> list[str]:
    """All result sections for one horizon; returns the treated buurten (most changed first)."""
    r = view.result
    st.caption(
        t(
            "scenarios.res.run_caption",
            lang=lang,
            draws=f"{r.scenario.draws:,}".replace(",", "." if lang != "en" else ","),
            seed=r.scenario.seed,
            version=r.registry.version,
        )
    )
    codes = _render_local(view, horizon, lang)
    _render_city(twin, view, horizon, lang)
    left, right = st.columns(2)
    with left:
        _render_harm(view, horizon, lang)
    with right:
        _render_perception(view, horizon, lang)
    _render_cost(view, lang)
    return codes
