"""Offline answers over the plugged-in engines: evidence, assessments, scenarios, analytics."""

from __future__ import annotations

import re
from typing import Any

from assistant._catalogue import catalogue, normalise
from assistant._guards import quote_untrusted
from assistant._offline import Writer, join_items
from assistant._provider_tools import resolve_intervention
from twin import format_value

__all__ = [
    "explain_assessments",
    "explain_engine_missing",
    "explain_measure_why",
    "explain_scenario",
    "explain_what_helps",
]


def explain_engine_missing(w: Writer, engine: str) -> None:
    w.add(w.p("engine_missing", engine=w.p(f"engine_{engine}")))


def _fmt(value: Any, w: Writer, signed: bool = False) -> str:
    if value is None:
        return "–"
    text = format_value(float(value), lang=w.lang)
    if _ZERO.fullmatch(text):
        return "0"  # −0.03 shown as "−0" reads as a (tiny) decrease; say zero
    if signed and float(value) > 0:
        text = "+" + text
    return text.replace("-", "−")


_ZERO = re.compile(r"[-−+]?0(?:[.,]0*)?")


def _name(item: dict[str, Any], w: Writer, key: str = "name") -> str:
    return str(item.get(f"{key}_{w.lang}") or item.get(f"{key}_en") or item.get(key) or "")


# -- what could help --------------------------------------------------------------------------
def _outcomes(w: Writer) -> list[tuple[str, str]]:
    """(outcome id, label) of the problems the question names, or the area's weak points."""
    measures = {m["key"]: m for m in catalogue("intents")["measure"]}
    named = [(measures[k]["outcome"], k) for k in w.q.measures if measures[k].get("outcome")]
    if named:
        return [(o, w.ctx.indicator_label(k) if k in w.ctx.index.meta else k) for o, k in named]
    codes = [c for c in w.q.areas if c != w.ctx.index.municipality]
    if not codes:
        return []
    with_outcome = [k for k, m in measures.items() if m.get("outcome") and k in w.ctx.index.meta]
    res = w.call("compare_areas", areas=codes[:1], indicators=with_outcome)
    if res is None:
        return []
    worse = []
    for comp in res["comparisons"]:
        row = comp["areas"][0]
        if row.get("judgement") == "worse":
            worse.append(
                (
                    measures[comp["indicator"]]["outcome"],
                    w.p(
                        "compare_item",
                        label=comp["label"],
                        value=row["display"],
                        city=comp["city"]["display"],
                    ),
                )
            )
    area = res["areas"][0]["name"]
    if worse:
        w.add(w.p("helps_problem", area=area, items="; ".join(i for _, i in worse)))
    else:
        w.add(w.p("helps_no_problem", area=area))
    return worse


def explain_what_helps(w: Writer) -> None:
    codes = [c for c in w.q.areas if c != w.ctx.index.municipality]
    for c in codes[:1]:
        w.area(c)
    if not w.ctx.providers.has("evidence"):
        explain_engine_missing(w, "evidence")
        if codes:
            from assistant._explain_twin import explain_compare

            w.add(w.p("engine_fallback"))
            explain_compare(w)
        return
    where = w.ctx.index.names.get(codes[0], codes[0]) if codes else ""
    w.add(w.p("helps_title", where=w.p("helps_where", area=where) if where else ""))
    intervention = resolve_intervention(w.ctx, w.q.text)
    results = []
    if intervention:
        measures = {m["key"]: m for m in catalogue("intents")["measure"]}
        named = [measures[k]["outcome"] for k in w.q.measures if measures[k].get("outcome")]
        res = None
        if len(set(named)) == 1:  # "does CCTV work against burglary?": that outcome only
            res = w.call("evidence_for_intervention", intervention=intervention, outcome=named[0])
        if res is None or not res["entries"]:
            res = w.call("evidence_for_intervention", intervention=intervention)
        results.append(res)
    else:
        outcomes = list(dict.fromkeys(o for o, _ in _outcomes(w)))[:2]
        targets: list[str | None] = [*outcomes] if outcomes else [None]
        for outcome in targets:
            res = w.call("evidence_for_intervention", outcome=outcome)
            if res is not None and not res["entries"] and outcome:
                res = w.call("evidence_for_intervention")
            results.append(res)
    entries = [e for r in results if r for e in r["entries"]]
    if not entries:
        w.add(w.p("helps_none"))
        return
    lines = []
    for e in entries[:8]:
        source = {"source": e.get("citation", ""), "grade": e.get("grade", "")}
        outcome = _name(e, w, "outcome_label") or str(e.get("outcome", ""))
        if e.get("no_reliable_estimate") or e.get("effect_pct_median") is None:
            line = w.p(
                "helps_entry_none",
                name=e["name"],
                outcome=outcome,
                grade=e.get("grade", ""),
                cite=w.cite(source),
            )
        else:
            line = w.p(
                "helps_entry",
                name=e["name"],
                outcome=outcome,
                effect=_fmt(e["effect_pct_median"], w, signed=True),
                low=_fmt(e.get("effect_pct_low95"), w, signed=True),
                high=_fmt(e.get("effect_pct_high95"), w, signed=True),
                grade=e.get("grade", ""),
                cite=w.cite(source),
            )
        if not e.get("verified", True):
            line += w.p("helps_unverified")
        if e.get("transfer_note"):
            line += "\n  " + w.p("helps_transfer", note=e["transfer_note"])
        lines.append(line)
    w.add("\n".join(lines))
    w.add(w.p("helps_grades"))
    w.add(w.p("helps_caveat"))
    if any(e.get("interval_basis") for e in entries[:8]):
        w.add(w.p("helps_interval_basis"))
    if w.ctx.providers.has("scenarios"):
        w.add(w.p("helps_scenario"))


# -- assessments ------------------------------------------------------------------------------
def explain_assessments(w: Writer) -> None:
    if not w.ctx.providers.has("assessments"):
        explain_engine_missing(w, "assessments")
        return
    codes = [c for c in w.q.areas if c != w.ctx.index.municipality]
    street = w.q.streets[0] if w.q.streets else None
    if not codes and not street:
        w.add(w.p("assess_need_where"))
        return
    res = w.call("summarise_assessments", area=codes[0] if codes else None, street=street)
    if res is None:
        return
    if codes:
        w.area(codes[0])
    elif street:
        for code in w.ctx.index.streets.get(normalise(street), ("", ()))[1]:
            w.area(code)
    where = join_items(
        [x for x in (res.get("street"), (res.get("area") or {}).get("name")) if x], w.lang
    )
    if not res["count"]:
        w.add(w.p("assess_none", where=where))
        return
    observed = [
        w.p(f"observed_{k}", n=v)
        for k, v in sorted(res["observed"].items())
        if k in ("day", "night")
    ]
    source = res["sources"][0] if res.get("sources") else None
    w.add(
        w.p(
            "assess_head",
            where=where,
            count=res["count"],
            first=res["first_date"],
            last=res["last_date"],
            observed=join_items(observed, w.lang),
            cite=w.cite(source),
        )
    )
    principles = catalogue("phrases")[w.lang]["principles"]
    rows = [w.p("assess_table_head"), "|---|---|---|---|---|---|"]
    for p in res["principles"]:
        rows.append(
            f"| {principles.get(p['principle'], p['principle'])} | {_fmt(p['mean'], w)} | "
            f"{_fmt(p['min'], w)} | {_fmt(p['max'], w)} | {p['n']} | {p['not_applicable']} |"
        )
    if res["principles"]:
        w.add("\n".join(rows))
    if res["weak_points"]:
        weak = [principles.get(p, p) for p in res["weak_points"]]
        w.add(
            w.p(
                "assess_weak",
                threshold=_fmt(res["weak_threshold"], w),
                items=join_items(weak, w.lang),
            )
        )
    if res["measures"]:
        names = _intervention_names(w)
        items = [
            f"{names.get(m['intervention'], m['intervention'])} ({m['count']}×)"
            for m in res["measures"]
        ]
        w.add(w.p("assess_measures", items=", ".join(items)))
    if res["notes"]:
        lines = [
            w.p(
                "assess_notes_head",
                shown=res.get("notes_shown", len(res["notes"])),
                total=res["notes_total"],
            )
        ]
        for note in res["notes"]:
            when = (
                w.p(f"observed_word_{note['observed']}")
                if note["observed"] in ("day", "night")
                else ""
            )
            lines.append(
                w.p(
                    "assess_note",
                    text=quote_untrusted(note["quoted"]),
                    date=note["date"],
                    when=f", {when}" if when else "",
                )
            )
        w.add("\n".join(lines))
    w.add(w.p("assess_caveat", scale=res["scale"]))


def _intervention_names(w: Writer) -> dict[str, str]:
    provider = w.ctx.providers.evidence
    if provider is None:
        return {}
    return {str(i["id"]): _name(dict(i), w) for i in provider.interventions()}


# -- scenarios --------------------------------------------------------------------------------
def explain_scenario(w: Writer) -> None:
    if not w.ctx.providers.has("scenarios"):
        explain_engine_missing(w, "scenarios")
        return
    sid = w.q.scenario
    if not sid:
        listing = w.call("list_scenarios")
        if listing is None:
            return
        items = listing["scenarios"]
        named = [s for s in items if normalise(str(s.get("name", ""))) in w.q.norm]
        if len(named) == 1 or len(items) == 1:
            sid = str((named or items)[0]["id"])
        elif not items:
            w.add(w.p("scenario_none_saved"))
            return
        else:
            saved = [f"„{s.get('name')}” ({s.get('id')})" for s in items]
            w.add(w.p("scenario_which", items=join_items(saved, w.lang)))
            return
    res = w.call("read_scenario", scenario=sid)
    if res is None:
        return
    interventions = []
    for i in res.get("interventions", []):
        areas = [w.ctx.index.names.get(a, a) for a in i.get("areas", [])]
        for a in i.get("areas", []):
            w.area(a)
        interventions.append(
            w.p("scenario_intervention", name=_name(i, w), areas=join_items(areas, w.lang))
        )
    w.add(
        w.p(
            "scenario_head",
            name=quote_untrusted(str(res.get("name", sid))),
            interventions=join_items(interventions, w.lang),
            horizon=_horizon(str(res.get("horizon", "")), w),
            draws=format_value(float(res.get("draws", 0)), lang=w.lang),
        )
    )
    lines = [w.p("scenario_outcomes_head")]
    for o in res.get("outcomes", []):
        lines += _scenario_outcome(o, w)
    w.add("\n".join(lines))
    evidence = res.get("evidence", [])
    if evidence:
        ev_lines = [w.p("scenario_evidence_head")]
        names = _intervention_names(w)
        for i in res.get("interventions", []):
            names.setdefault(str(i.get("kind", "")), _name(i, w))
        labels = {str(o.get("outcome", "")): _name(o, w, "label") for o in res.get("outcomes", [])}
        by_intervention: dict[str, list[str]] = {}
        for e in evidence:
            source = {"source": e.get("citation", ""), "grade": e.get("grade", "")}
            item = w.p(
                "scenario_evidence_item",
                outcome=labels.get(str(e.get("outcome", ""))) or e.get("outcome", ""),
                grade=e.get("grade", ""),
                cite=w.cite(source),
            )
            if not e.get("verified", True):
                item += w.p("helps_unverified")
            by_intervention.setdefault(str(e.get("intervention", "")), []).append(item)
        for ident, items in by_intervention.items():
            ev_lines.append(
                w.p(
                    "scenario_evidence",
                    intervention=names.get(ident) or ident,
                    items="; ".join(items),
                )
            )
        w.add("\n".join(ev_lines))
    if res.get("assumptions"):
        w.add(
            "\n".join([w.p("scenario_assumptions_head"), *[f"- {a}" for a in res["assumptions"]]])
        )
    if res.get("synthetic"):
        w.add(w.p("scenario_synthetic"))


def _horizon(horizon: str, w: Writer) -> str:
    """``"year 3"`` in the answer's language."""
    match = re.fullmatch(r"\s*(?:year|jaar)\s*(\d+)\s*", horizon)
    return w.p("horizon_year", n=match.group(1)) if match else horizon


def _scenario_outcome(o: dict[str, Any], w: Writer) -> list[str]:
    """The lines of one outcome of a scenario result: change with its intervals, or why not."""
    area = w.ctx.index.names.get(str(o.get("area", "")), str(o.get("area", "")))
    label = _name(o, w, "label") or str(o.get("outcome", ""))
    if o.get("no_reliable_evidence"):
        return [w.p("scenario_no_evidence", label=label, area=area)]
    values = {
        "label": label,
        "area": area,
        "change": _fmt(o.get("change_pct_median"), w, signed=True),
        "prob": format_value(100.0 * float(o.get("prob_reduction", 0.0)), lang=w.lang, decimals=0),
    }
    for bound in ("low80", "high80", "low95", "high95"):
        values[bound] = _fmt(o.get(f"change_pct_{bound}"), w, signed=True)
    if o.get("baseline") is None or o.get("median") is None:
        lines = [w.p("scenario_outcome_hidden", **values)]
    else:
        unit = "scenario_unit_pct" if "%" in str(o.get("unit", "")) else "scenario_unit_count"
        lines = [
            w.p(
                "scenario_outcome",
                baseline=_fmt(o["baseline"], w),
                median=_fmt(o["median"], w),
                unit=w.p(unit),
                **values,
            )
        ]
    high95 = o.get("change_pct_high95")
    if high95 is not None and float(high95) >= 0:
        lines.append(w.p("scenario_uncertain"))
    return lines


# -- analytics --------------------------------------------------------------------------------
def _provider_measure(w: Writer, topic: str) -> str | None:
    listing = w.call("list_measures")
    if listing is None:
        return None
    provider = w.ctx.providers.analytics
    assert provider is not None
    infos = provider.measures()
    for name, info in infos.items():
        if name == topic or info.get("topic") == topic:
            return name
    return None


def explain_measure_why(w: Writer, code: str, topic: str) -> None:
    if not w.ctx.providers.has("analytics"):
        explain_engine_missing(w, "analytics")
        return
    measure = _provider_measure(w, topic)
    if measure is None:
        w.add(w.p("measure_unknown", topic=topic))
        return
    res = w.call("explain_measure", area=code, measure=measure)
    if res is None:
        return
    w.area(code)
    m = res["measure"]
    area = res["area"]["name"]
    source = res["sources"][0] if res.get("sources") else None
    if m.get("value") is None:
        w.add(w.p("why_nodata", label=m["label"], area=area))
        return
    city = code == w.ctx.index.municipality
    text = w.p(
        "measure_head_city" if city else "measure_head",
        label=m["label"],
        area=area,
        value=_fmt(m["value"], w),
        unit=m.get("unit", ""),
        city_value=_fmt(m.get("city"), w),
        cite=w.cite(source),
    )
    if res.get("worst"):
        items = [f"{r['name']} ({_fmt(r['value'], w)})" for r in res["worst"]]
        text += " " + w.p("measure_worst", items=join_items(items, w.lang))
    if m.get("city_basis") and not city:
        text += " " + w.p("measure_city_median")
    if m.get("rank_best") is not None:
        text += " " + w.p("measure_rank", rank=m["rank_best"], n=m["rank_of"])
    verdict = {"worse": "why_worse", "better": "why_better", "similar": "why_similar"}.get(
        m.get("judgement", ""), ""
    )
    w.add(text + (" " + w.p(verdict, area=area) if verdict else ""))
    for key, rows in (
        ("measure_components_head", res["components"]),
        ("why_related_head", res["related"]),
    ):
        shown = [r for r in rows if r.get("value") is not None]
        if not shown:
            continue
        lines = [w.p(key, area=area)]
        for r in shown:
            judgement = r.get("judgement", "")
            weight = w.p("measure_weight", weight=_fmt(r["weight"], w)) if "weight" in r else ""
            lines.append(
                w.p(
                    "measure_item_city" if city else "measure_item",
                    label=r["label"],
                    unit=f" {r['unit']}" if r.get("unit") else "",
                    basis=w.p("measure_median_short") if r.get("value_basis") else "",
                    weight=weight,
                    value=_fmt(r["value"], w),
                    city=_fmt(r.get("city"), w),
                    judgement=w.p(f"judgement_{judgement}") if judgement else "",
                )
            )
        w.add("\n".join(lines))
    if res.get("notes"):
        w.add(w.p("source_notes", notes=res["notes"]))
    w.add(w.p("measure_caveat"))
    if any(s.get("synthetic") for s in res.get("sources", [])):
        w.add(w.p("measure_synthetic"))
