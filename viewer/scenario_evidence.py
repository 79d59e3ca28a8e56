"""Where every number comes from: registry entries, citations, assumptions, twin changes.

- :func:`outcome_sources` — one popover per outcome next to the results table, listing the
  registry entries behind it (grade, ✔/◐/✖ flags, effect with its prediction interval,
  citations);
- :func:`render_evidence` — per intervention, every outcome's entry (an expander each);
- :func:`render_assumptions` — the engine's labelled assumptions and this scenario's kernel
  radii, headed "assumptions", not evidence;
- :func:`render_changes` — what the physical measures change in the twin;
  :func:`render_street_change` — lux and dark street length, or eyes on the street and
  unobserved length, before → after on the streets a change reaches
  (:func:`twin.analytics.lighting_change`, :func:`twin.analytics.surveillance_change`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from scenarios import Scenario, intervention_catalogue
from twin import Twin, format_value
from twin.analytics import LightingChange, SurveillanceChange
from viewer.i18n import t
from viewer.scenario_format import outcome_label, type_label
from viewer.scenario_run import ResultView

__all__ = [
    "change_rows",
    "entry_markdown",
    "kernel_rows",
    "outcome_sources",
    "render_assumptions",
    "render_changes",
    "render_evidence",
    "render_street_change",
]


def _rr(v: float | None, lang: str) -> str:
    return format_value(v, lang=lang, decimals=2) if v is not None else "–"


def entry_markdown(entry: dict[str, Any], horizon: int, lang: str) -> str:
    """One registry entry as Markdown: status, grade, flags, effect, citations, notes."""
    grade = entry["grade"]
    if entry["status"] == "estimate":
        lo, hi = entry["rr_95"]
        head = t(
            "scenarios.ev.estimate",
            lang=lang,
            grade=grade,
            flag=entry.get("figure_flag", ""),
            rr=_rr(entry["rr_median"], lang),
            lo=_rr(lo, lang),
            hi=_rr(hi, lang),
        )
        here = entry.get("effect_in_treated_area", {})
        eff = here.get(horizon) or here.get(str(horizon))
        if eff:
            head += " " + t(
                "scenarios.ev.treated",
                lang=lang,
                year=horizon,
                rr=_rr(eff["median"], lang),
                lo=_rr(eff["95"][0], lang),
                hi=_rr(eff["95"][1], lang),
            )
        elif entry.get("moderator"):
            head += " " + t("scenarios.ev.moderated", lang=lang)
        if entry.get("dose_factor") is not None:
            head += " " + t(
                "scenarios.ev.dose",
                lang=lang,
                dose=format_value(entry["dose_factor"], lang=lang, decimals=2),
            )
    else:
        head = t("scenarios.ev.none", lang=lang, grade=grade)
    lines = [head]
    for c in entry.get("citations", []):
        supports = f" — {c['supports']}" if c.get("supports") else ""
        lines.append(f"- {c['flag']} {c['text']}{supports}")
    if entry.get("summary"):
        lines.append(f"\n_{t('scenarios.ev.summary', lang=lang)}_ {entry['summary']}")
    if entry.get("transfer"):
        lines.append(f"\n_{t('scenarios.ev.transfer', lang=lang)}_ {entry['transfer']}")
    return "\n".join(lines)


def outcome_sources(view: ResultView, lang: str, horizon: int | None = None) -> None:
    """A popover per outcome: the registry entries behind its numbers, in place."""
    horizon = horizon or view.result.horizons[-1]
    outcomes = view.result.outcomes
    st.caption(t("scenarios.ev.popover_hint", lang=lang))
    cols = st.columns(len(outcomes))
    for col, outcome in zip(cols, outcomes, strict=True):
        with (
            col,
            st.popover(
                t("scenarios.ev.sources_of", lang=lang, outcome=outcome_label(outcome, lang)),
                use_container_width=True,
            ),
        ):
            found = False
            for item in view.evidence:
                for e in item["outcomes"]:
                    if e["outcome"] == outcome and e.get("areas_reached", 0) > 0:
                        found = True
                        st.markdown(
                            f"**{item['intervention']}. {type_label(item['type'], lang)}**"
                            f" · `{e['id']}`"
                        )
                        st.markdown(entry_markdown(e, horizon, lang))
            if not found:
                st.markdown(t("scenarios.status.not_targeted", lang=lang))


def render_evidence(view: ResultView, horizon: int, lang: str) -> None:
    """Per intervention of the scenario, the evidence for each outcome."""
    st.subheader(t("scenarios.ev.title", lang=lang))
    st.caption(t("scenarios.ev.flags", lang=lang))
    for item in view.evidence:
        name = type_label(item["type"], lang)
        label = f" — {item['label']}" if item.get("label") else ""
        with st.expander(f"{item['intervention']}. {name}{label}"):
            for e in item["outcomes"]:
                st.markdown(f"**{outcome_label(e['outcome'], lang)}** · `{e['id']}`")
                st.markdown(entry_markdown(e, horizon, lang))


def kernel_rows(scenario: Scenario, view: ResultView, lang: str) -> list[dict[str, str]]:
    """Treated reach and ring width per intervention × outcome, marked where the user set them."""
    rows = []
    for item, ev in zip(scenario.interventions, view.evidence, strict=True):
        for e in ev["outcomes"]:
            k = e["kernel"]
            reach = item.params.get("reach_m", k["treated_m"])
            ring = item.params.get("ring_m", k["ring_m"])
            own = "reach_m" in item.params or "ring_m" in item.params
            rows.append(
                {
                    t("scenarios.col.intervention", lang=lang): f"{ev['intervention']}. "
                    f"{type_label(item.type, lang)}",
                    t("scenarios.col.outcome", lang=lang): outcome_label(e["outcome"], lang),
                    t("scenarios.col.reach", lang=lang): f"{format_value(reach, lang=lang)} m",
                    t("scenarios.col.ring", lang=lang): f"{format_value(ring, lang=lang)} m",
                    t("scenarios.col.ring_prior", lang=lang): t(
                        f"scenarios.ring.{k['ring_prior']}", lang=lang
                    ),
                    t("scenarios.col.set_by", lang=lang): t(
                        "scenarios.cell.set_by_you" if own else "scenarios.cell.set_by_registry",
                        lang=lang,
                    ),
                }
            )
    return rows


def render_assumptions(scenario: Scenario, view: ResultView, lang: str) -> None:
    """The engine's assumptions (combination rules, cap, kernels, ...), labelled as such."""
    with st.expander(t("scenarios.as.title", lang=lang)):
        st.caption(t("scenarios.as.caption", lang=lang))
        for a in view.assumptions:
            title = t(f"scenarios.as.{a['id']}", lang=lang)
            st.markdown(f"- **{title}** (`{a['id']}`): {a['text']}")
        st.markdown(f"**{t('scenarios.as.kernel_title', lang=lang)}**")
        st.dataframe(kernel_rows(scenario, view, lang), hide_index=True)


@dataclass(frozen=True)
class _Column:
    """One before → after column of a street-change table: key in the segments frame, label
    key, decimals, unit, and the factor to show it with (0–1 scores as 0–100)."""

    key: str
    label: str
    decimals: int
    unit: str = ""
    factor: float = 1.0


#: What each street change shows: two metrics (a total in metres, which the caption gives
#: before the measure, and a length-weighted mean) and the table's columns; the first column
#: orders the table (largest change first).
_CHANGES: dict[str, dict[str, Any]] = {
    "light": {
        "metrics": (_Column("dark_m", "scenarios.ch.light.dark_total", 0, "m"),
                    _Column("lux_mean", "scenarios.ch.light.lux_total", 1, "lux")),
        "columns": (_Column("dark_m", "scenarios.ch.light.dark", 0),
                    _Column("lux_mean", "scenarios.ch.light.lux", 1)),
    },
    "watch": {
        "metrics": (_Column("unobserved_m", "scenarios.ch.watch.unobserved_total", 0, "m"),
                    _Column("surveillance_night", "scenarios.ch.watch.night_total", 1,
                            "/ 100", 100.0)),
        "columns": (_Column("surveillance_night", "scenarios.ch.watch.night", 1, "", 100.0),
                    _Column("surveillance_day", "scenarios.ch.watch.day", 1, "", 100.0),
                    _Column("unobserved_m", "scenarios.ch.watch.unobserved", 0)),
    },
}  # fmt: skip


def change_rows(
    kind: str, segments: pd.DataFrame, names: dict[str, str], lang: str, limit: int = 12
) -> list[dict[str, Any]]:
    """The segments that change most (``kind`` "light" or "watch"), before → after per column;
    ``names`` maps buurt codes to names."""
    cols = _CHANGES[kind]["columns"]
    order = [f"_d{i}" for i in range(len(cols))]
    seg = segments.assign(
        **{o: (segments[f"{c.key}_after"] - segments[f"{c.key}_before"]).abs()
           for o, c in zip(order, cols, strict=True)}
    ).sort_values(order, ascending=False)  # fmt: skip
    rows = []
    for r in seg.head(limit).to_dict("records"):
        name = r["name"] if isinstance(r["name"], str) and r["name"] else "–"
        row = {
            t("scenarios.ch.light.street", lang=lang): name,
            t("scenarios.ch.light.buurt", lang=lang): names.get(str(r["buurt"]), r["buurt"]),
            t("scenarios.ch.light.length", lang=lang): format_value(
                r["length_m"], lang=lang, decimals=0
            ),
        }
        for c in cols:
            before, after = (c.factor * r[f"{c.key}_{w}"] for w in ("before", "after"))
            row[t(c.label, lang=lang)] = _arrow(before, after, c.decimals, lang)
        rows.append(row)
    return rows


def _arrow(before: float, after: float, decimals: int, lang: str) -> str:
    a = format_value(before, lang=lang, decimals=decimals)
    b = format_value(after, lang=lang, decimals=decimals)
    return f"{a} → {b}"


def render_street_change(
    twin: Twin, kind: str, change: LightingChange | SurveillanceChange, lang: str, **labels: str
) -> None:
    """Before → after on the streets a change reaches: two metrics, a caption, a table."""
    if change.empty:
        return
    spec, tot = _CHANGES[kind], change.totals
    st.markdown(f"**{t(f'scenarios.ch.{kind}.title', lang=lang)}**")
    for col, m in zip(st.columns(len(spec["metrics"])), spec["metrics"], strict=True):
        after = m.factor * tot[f"{m.key}_after"]
        delta = after - m.factor * tot[f"{m.key}_before"]
        unit = f" {m.unit}" if m.unit else ""
        col.metric(
            t(m.label, lang=lang, **labels),
            format_value(after, lang=lang, decimals=m.decimals) + unit,
            delta=format_value(delta, lang=lang, decimals=m.decimals) + unit,
            delta_color="inverse" if m.key.endswith("_m") else "normal",
        )
    st.caption(
        t(
            f"scenarios.ch.{kind}.caption",
            lang=lang,
            segments=format_value(tot["segments"], lang=lang, decimals=0),
            length=format_value(tot["length_m"], lang=lang, decimals=0),
            before=format_value(tot[f"{spec['metrics'][0].key}_before"], lang=lang, decimals=0),
            **labels,
        )
    )
    hoods = twin.neighbourhoods
    names = dict(zip(hoods["code"].astype(str), hoods["name"].astype(str), strict=True))
    st.dataframe(change_rows(kind, change.segments, names, lang), hide_index=True)


def render_changes(
    twin: Twin,
    log: list[dict[str, Any]],
    lang: str,
    lighting: LightingChange | None = None,
    watching: SurveillanceChange | None = None,
) -> None:
    """What the scenario's physical measures change in the twin, and the light and the eyes
    on the street that makes."""
    st.subheader(t("scenarios.ch.title", lang=lang))
    lines = []
    for entry in log:
        kind = entry["type"]
        values = {k: v for k, v in entry.items() if k != "type"}
        values.setdefault("column", "")
        lines.append(
            f"- **{type_label(kind, lang)}**: " + t(f"scenarios.ch.{kind}", lang=lang, **values)
        )
    physical = {i.id for i in intervention_catalogue().interventions if i.physical}
    if not lines:
        st.caption(
            t(
                "scenarios.ch.none",
                lang=lang,
                types=", ".join(type_label(k, lang) for k in sorted(physical)),
            )
        )
        return
    st.markdown("\n".join(lines))
    st.caption(t("scenarios.ch.map_hint", lang=lang))
    if lighting is not None:
        lux = format_value(lighting.dark_lux, lang=lang)
        render_street_change(twin, "light", lighting, lang, lux=lux)
    if watching is not None:
        score = format_value(100 * watching.unobserved_score, lang=lang, decimals=0)
        render_street_change(twin, "watch", watching, lang, score=score)
    computed = {"street_lighting", "vacant_building_renovation"}
    if any(entry["type"] not in computed for entry in log):
        st.caption(t("scenarios.ch.not_recomputed", lang=lang))
