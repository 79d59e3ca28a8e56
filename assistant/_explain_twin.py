"""Offline answers over the twin: compare, why, figures, rankings, sources, areas."""

from __future__ import annotations

from typing import Any

from assistant._catalogue import catalogue
from assistant._offline import Writer, join_items

__all__ = [
    "explain_compare",
    "explain_indicator",
    "explain_list",
    "explain_ranking",
    "explain_source",
    "explain_why",
]


def _measure_info(key: str) -> dict[str, Any]:
    for m in catalogue("intents")["measure"]:
        if m["key"] == key:
            return dict(m)
    return {}


def twin_measures(w: Writer) -> list[str]:
    """Measures of the question that are indicators of this twin."""
    return [m for m in w.q.measures if m in w.ctx.index.values]


def analytics_measures(w: Writer) -> list[str]:
    return [m for m in w.q.measures if _measure_info(m).get("kind") == "analytics"]


def _unit(head: dict[str, Any]) -> str:
    return str(head.get("unit_label") or head.get("unit") or "")


def _label(head: dict[str, Any], w: Writer) -> str:
    flag = " ⚠" if head.get("synthetic") else ""
    return f"{head['label']}{flag}"


def _synthetic_note(w: Writer, heads: list[dict[str, Any]]) -> None:
    synthetic = [h["label"] for h in heads if h.get("synthetic")]
    if synthetic:
        w.add(w.p("synthetic_note", items=join_items(list(dict.fromkeys(synthetic)), w.lang)))


def _suppressed_note(w: Writer, entries: list[dict[str, Any]]) -> None:
    if any(e.get("suppressed") for e in entries):
        w.add(w.p("suppressed_note"))


def _rank_worst(row: dict[str, Any], higher_is: str) -> int | None:
    key = "rank_lowest" if higher_is == "better" else "rank_highest"
    return row.get(key)


def _peers(w: Writer, code: str) -> str:
    level = w.ctx.index.levels.get(code, "buurt")
    return w.p(f"level_{level}_plural")


# -- compare ----------------------------------------------------------------------------------
def explain_compare(w: Writer) -> None:
    q, idx = w.q, w.ctx.index
    codes = [c for c in q.areas if c != idx.municipality]
    if not codes:
        explain_indicator(w)
        return
    res = w.call("compare_areas", areas=codes, indicators=twin_measures(w) or None)
    if res is None:
        return
    for c in codes:
        w.area(c)
    names = [a["name"] for a in res["areas"]]
    city = res["municipality"]["name"]
    w.add(w.p("compare_title", areas=join_items(names, w.lang), city=city))
    header = [w.p("col_indicator"), w.p("col_year"), *names, city, w.p("col_source")]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for comp in res["comparisons"]:
        cells = [f"{_label(comp, w)} ({_unit(comp)})", str(comp["year"])]
        cells += [a["display"] for a in comp["areas"]]
        cells += [comp["city"]["display"], w.cite(_source_of(w, comp))]
        rows.append("| " + " | ".join(cells) + " |")
    w.add("\n".join(rows))
    for i, area in enumerate(res["areas"]):
        groups: dict[str, list[str]] = {"worse": [], "better": [], "similar": [], "other": []}
        for comp in res["comparisons"]:
            row = comp["areas"][i]
            if row.get("value") is None or comp["city"].get("value") is None:
                continue
            item = w.p(
                "compare_item",
                label=comp["label"],
                value=row["display"],
                city=comp["city"]["display"],
            )
            rank = _rank_worst(row, comp["higher_is"])
            if row.get("judgement") in ("worse", "better") and rank is not None:
                item += " " + w.p(
                    "compare_rank", rank=rank, n=row["rank_of"], peers=_peers(w, area["code"])
                )
            key = row.get("judgement") or (
                "similar" if row.get("position") == "similar" else "other"
            )
            groups[key].append(item)
        lines = [f"**{area['name']}** ({area['code']})"]
        for key in ("worse", "better"):
            if groups[key]:
                lines.append("- " + w.p(f"compare_{key}", city=city))
                lines += [f"    - {item}" for item in groups[key]]
        for key in ("similar", "other"):
            if groups[key]:
                lines.append("- " + w.p(f"compare_{key}", city=city) + " " + "; ".join(groups[key]))
        if len(lines) == 1:
            lines.append("- " + w.p("compare_none"))
        w.add("\n".join(lines))
    w.add(w.p("compare_similar_rule"))
    _synthetic_note(w, res["comparisons"])
    _suppressed_note(w, [a for c in res["comparisons"] for a in c["areas"]])


def _source_of(w: Writer, head: dict[str, Any]) -> dict[str, Any] | None:
    name = head.get("indicator")
    return w.ctx.indicator_source(name) if name in w.ctx.index.meta else None


# -- why --------------------------------------------------------------------------------------
def explain_why(w: Writer) -> None:
    q, idx = w.q, w.ctx.index
    codes = [c for c in q.areas if c != idx.municipality]
    if not codes:
        w.add(w.p("need_area"))
        return
    code = codes[0]
    if analytics_measures(w) and not twin_measures(w):
        from assistant._explain_engines import explain_measure_why

        explain_measure_why(w, code, analytics_measures(w)[0])
        return
    measures = twin_measures(w)
    if not measures:
        options = [w.ctx.indicator_label(m) for m in catalogue("intents")["compare_default"]]
        w.add(
            w.p(
                "need_measure", area=idx.names.get(code, code), measures=join_items(options, w.lang)
            )
        )
        return
    measure = measures[0]
    related = [m for m in _measure_info(measure).get("related", []) if m in idx.values]
    res = w.call("compare_areas", areas=[code], indicators=[measure, *related])
    if res is None:
        return
    w.area(code)
    comps = {c["indicator"]: c for c in res["comparisons"]}
    area = res["areas"][0]["name"]
    main = comps.get(measure)
    if main is None:
        w.add(w.p("why_nodata", label=w.ctx.indicator_label(measure), area=area))
        return
    row, city = main["areas"][0], main["city"]
    if row.get("value") is None:
        key = "why_suppressed" if row.get("suppressed") else "why_nodata"
        w.add(w.p(key, label=main["label"], area=area))
        return
    head = w.p(
        "why_head",
        label=main["label"],
        area=area,
        value=row["display"],
        unit=_unit(main),
        year=main["year"],
        city_value=city["display"],
        city=res["municipality"]["name"],
        cite=w.cite(_source_of(w, main)),
    )
    rank = _rank_worst(row, main["higher_is"])
    if rank is not None and main["higher_is"] in ("better", "worse"):
        head += " " + w.p("why_rank", rank=rank, n=row["rank_of"], peers=_peers(w, code))
    verdict = row.get("judgement") or row.get("position") or ""
    key = {
        "worse": "why_worse",
        "better": "why_better",
        "similar": "why_similar",
        "higher": "why_higher",
        "lower": "why_lower",
    }.get(verdict, "")
    w.add(head + (" " + w.p(key, area=area) if key else ""))
    rel = [
        comps[m]
        for m in related
        if m in comps
        and comps[m]["areas"][0].get("value") is not None
        and comps[m]["city"].get("value") is not None
    ]
    if rel:
        intro = "why_dims_head" if measure == "liveability_score" else "why_related_head"
        lines = [w.p(intro, area=area)]
        for comp in rel:
            r = comp["areas"][0]
            judgement = r.get("judgement") or r.get("position") or ""
            lines.append(
                w.p(
                    "why_item",
                    label=_label(comp, w),
                    value=r["display"],
                    city=comp["city"]["display"],
                    year=comp["year"],
                    judgement=w.p(f"judgement_{judgement}") if judgement else "",
                    cite=w.cite(_source_of(w, comp)),
                )
            )
        w.add("\n".join(lines))
    w.add(w.p("why_caveat"))
    _synthetic_note(w, [main, *rel])


# -- figures ----------------------------------------------------------------------------------
def explain_indicator(w: Writer) -> None:
    q, idx = w.q, w.ctx.index
    codes = list(q.areas) or ([idx.municipality] if q.city or twin_measures(w) else [])
    measures = twin_measures(w)
    if not codes:
        if analytics_measures(w):
            w.add(w.p("need_area"))
        else:
            from assistant._offline import explain_unknown

            explain_unknown(w)
        return
    code = codes[0]
    if not measures and analytics_measures(w):
        # "how good is the lighting here?": the street analytics' figure, explained
        from assistant._explain_engines import explain_measure_why

        explain_measure_why(w, code, analytics_measures(w)[0])
        return
    if not measures:
        _key_figures(w, code)
        return
    res = w.call("get_indicators", area=code, indicators=measures)
    if res is None:
        return
    if code != idx.municipality:
        w.area(code)
    city = None
    if code != idx.municipality:
        city = w.call(
            "get_indicators", area=idx.municipality, indicators=measures, latest_only=True
        )
    for k, ind in enumerate(res["indicators"]):
        values = ind["values"]
        if not values:
            w.add(w.p("why_nodata", label=ind["label"], area=res["area"]["name"]))
            continue
        series = ", ".join(f"{v['year']}: {v['display']}" for v in values)
        text = w.p(
            "indicator_series",
            label=_label(ind, w),
            area=res["area"]["name"],
            unit=_unit(ind),
            series=series,
            cite=w.cite(_source_of(w, ind)),
        )
        shown = [v for v in values if v["value"] is not None]
        if len(shown) >= 2 and shown[0]["value"] != shown[-1]["value"]:
            text += " " + w.p(
                "indicator_trend",
                first=shown[0]["display"],
                y0=shown[0]["year"],
                last=shown[-1]["display"],
                y1=shown[-1]["year"],
            )
        if city is not None:
            cv = city["indicators"][k]["values"]
            if cv:
                text += " " + w.p(
                    "indicator_city",
                    city=city["area"]["name"],
                    value=cv[-1]["display"],
                    year=cv[-1]["year"],
                )
        w.add(text)
        _suppressed_note(w, values)
    _synthetic_note(w, res["indicators"])


def _key_figures(w: Writer, code: str) -> None:
    names = catalogue("intents")["compare_default"]
    res = w.call("get_indicators", area=code, indicators=["inhabitants", *names], latest_only=True)
    if res is None:
        return
    w.area(code)
    w.add(w.p("key_figures_title", area=res["area"]["name"]))
    rows = [
        "| "
        + " | ".join([w.p("col_indicator"), w.p("col_year"), w.p("col_value"), w.p("col_source")])
        + " |",
        "|---|---|---|---|",
    ]
    for ind in res["indicators"]:
        if ind["values"]:
            v = ind["values"][-1]
            rows.append(
                f"| {_label(ind, w)} ({_unit(ind)}) | {v['year']} | {v['display']} | "
                f"{w.cite(_source_of(w, ind))} |"
            )
    w.add("\n".join(rows))
    _synthetic_note(w, res["indicators"])
    _suppressed_note(w, [i["values"][-1] for i in res["indicators"] if i["values"]])


def explain_ranking(w: Writer) -> None:
    q = w.q
    measures = twin_measures(w)
    if not measures:
        if analytics_measures(w):
            from assistant._explain_engines import explain_engine_missing

            explain_engine_missing(w, "analytics")
            return
        from assistant._offline import explain_unknown

        explain_unknown(w)
        return
    measure = measures[0]
    higher_is = w.ctx.index.meta[measure]["higher_is"]
    order = {"highest": "highest", "lowest": "lowest"}.get(q.superlative)
    if order is None:
        worst_high = higher_is != "better"
        order = "highest" if (q.superlative == "worst") == worst_high else "lowest"
    level = "wijk" if q.wijk else "buurt"
    res = w.call("rank_areas", indicator=measure, order=order, level=level, top=5)
    if res is None:
        return
    w.add(
        w.p(
            "rank_title",
            label=_label(res, w),
            count=len(res["areas"]),
            peers=w.p(f"level_{level}_plural"),
            order=w.p(f"order_{order}"),
            year=res["year"],
            unit=_unit(res),
            cite=w.cite(_source_of(w, res)),
        )
    )
    w.add(
        "\n".join(
            w.p("rank_item", name=a["name"], code=a["code"], value=a["display"])
            for a in res["areas"]
        )
    )
    for a in res["areas"]:
        w.area(a["code"])
    tail = [
        w.p(
            "rank_city",
            city=w.ctx.index.names[w.ctx.index.municipality],
            value=res["city"]["display"],
        )
    ]
    if res.get("areas_hidden"):
        tail.append(
            w.p("rank_hidden", hidden=res["areas_hidden"], peers=w.p(f"level_{level}_plural"))
        )
    w.add(" ".join(tail))
    _synthetic_note(w, [res])


# -- sources and areas -----------------------------------------------------------------------
def explain_source(w: Writer) -> None:
    q = w.q
    target = q.layers[0] if q.layers else (twin_measures(w)[0] if twin_measures(w) else None)
    res = w.call("describe_layer", layer=target)
    if res is None:
        return
    if target:
        label = res.get("label") or target
        w.add(
            w.p(
                "source_layer",
                label=label,
                source=res.get("source", ""),
                licence=res.get("licence", ""),
                date=res.get("date", ""),
                purpose=res.get("purpose", ""),
                legal_basis=res.get("legal_basis", ""),
                cite=w.cite(res["sources"][0] if res.get("sources") else None),
            )
        )
        w.add(w.p("source_synthetic" if res.get("synthetic") else "source_real"))
        if res.get("min_count"):
            w.add(w.p("source_min_count", min_count=res["min_count"]))
        if res.get("notes"):
            w.add(w.p("source_notes", notes=res["notes"]))
    else:
        real = [i for i in res["indicators"] if not i["synthetic"]]
        synth = [i for i in res["indicators"] if i["synthetic"]]
        by_source: dict[str, list[str]] = {}
        for i in real:
            by_source.setdefault(i["source"], []).append(i["label"])
        for source, labels in by_source.items():
            w.add(w.p("source_overview_real", source=source, items=join_items(labels, w.lang)))
        if synth:
            w.add(
                w.p("source_overview_synth", items=join_items([i["label"] for i in synth], w.lang))
            )
        layers = [
            f"{lay['layer']}" + (f" ({w.p('synthetic')})" if lay["synthetic"] else "")
            for lay in res["layers"]
        ]
        w.add(w.p("source_overview_layers", items=join_items(layers, w.lang)))
    if any(
        word in q.norm for word in (" onderdrukt", " verborgen", " suppress", " hidden", " privacy")
    ):
        w.add(w.p("suppression_explained"))


def explain_list(w: Writer) -> None:
    q, idx = w.q, w.ctx.index
    codes = list(q.areas)
    asks_code = any(k in q.norm for k in (" code", " cbs "))
    if codes and asks_code:
        for code in codes[:3]:
            w.area(code)
            w.add(
                w.p(
                    "find_one",
                    name=idx.names.get(code, code),
                    code=code,
                    level=w.p(f"level_{idx.levels.get(code, 'buurt')}"),
                )
            )
        w.call("find_area", query=idx.names.get(codes[0], codes[0]))
        return
    parent = next((c for c in codes if idx.levels.get(c) in ("wijk", "gemeente")), None)
    if parent and parent != idx.municipality:
        res = w.call("list_areas", within=parent)
        if res is None:
            return
        w.area(parent)
        items = [f"{a['name']} ({a['code']})" for a in res["areas"]]
        w.add(
            w.p(
                "list_within",
                parent=res["within"]["name"],
                code=parent,
                count=res["count"],
                peers=w.p("level_buurt_plural"),
                items=join_items(items, w.lang),
            )
        )
        return
    level = "buurt" if (" buurt" in q.norm and not q.wijk) else "wijk"
    res = w.call("list_areas", level=level)
    if res is None:
        return
    items = [f"{a['name']} ({a['code']})" for a in res["areas"]]
    w.add(
        w.p(
            "list_all",
            city=idx.names.get(idx.municipality, ""),
            count=res["count"],
            peers=w.p(f"level_{level}_plural"),
            items=join_items(items, w.lang),
        )
    )
