"""From a saved view to what the map draws: paint rules, legends, a description, tables.

One function, :func:`scene_from_view`, serves the story editor, presentation mode, the Map
page's permalinks, the offline council pack and its PDF report, so a view looks the same
everywhere. Scenario views run the saved scenario (cached per twin and scenario) and colour the
buurten by the median % change of one outcome at one horizon, with the 80 % interval in the
tooltip. Indicator values come only from ``twin.public`` (suppressed values stay "<5").
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from layers import NO_DATA_RGBA, Legend, legend_from_breaks, palette_colors
from scenarios import ScenarioError
from twin import Twin, format_value
from viewer.i18n import t, use_language
from viewer.map import AreaPaint
from viewer.story import SavedView, Story, StoryError

__all__ = [
    "ScenarioPart",
    "Scene",
    "scenario_doc",
    "scenario_result",
    "scene_from_view",
    "signed_pct",
    "sources_of",
    "view_for_twin",
]

#: Scenario results kept in memory (each holds its Monte-Carlo draws, ~25 MB for the demo).
_MAX_RESULTS = 4
_models: dict[str, Any] = {}
_results: OrderedDict[tuple[str, str], Any] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class ScenarioPart:
    """A scenario view's numbers: municipality totals with intervals, evidence, per-buurt table."""

    name: str
    outcome: str
    horizon: int
    totals: pd.DataFrame
    evidence: list[dict]
    areas: pd.DataFrame
    assumptions: list[dict]


@dataclass(frozen=True)
class Scene:
    """What the map draws for a view, and what explains it.

    Attributes
    ----------
    view : SavedView
        The view (normalised).
    buildings : dict or None
        Paint rule for buildings (``None``: the plain colour).
    areas : AreaPaint or None
        Neighbourhood colouring (indicator or scenario change).
    legends : tuple of Legend
        What each colour means, with source and the synthetic badge.
    description : str
        One sentence for screen readers and captions of images.
    table : DataFrame or None
        ``area``, ``name``, ``value`` (as displayed), ``sort`` (number) of what colours the
        areas: the report's table.
    scenario : ScenarioPart or None
        For scenario views.
    """

    view: SavedView
    buildings: dict | None
    areas: AreaPaint | None
    legends: tuple[Legend, ...]
    description: str
    table: pd.DataFrame | None
    scenario: ScenarioPart | None

    @property
    def synthetic(self) -> bool:
        return any(lg.synthetic for lg in self.legends)


def scenario_doc(sid: int, story: Story | None = None, store=None) -> dict:
    """The saved scenario ``sid`` as a dict: embedded in the story, else from the store."""
    from scenarios import ScenarioError, ScenarioStore, scenario_to_dict

    if story is not None and sid in story.scenarios:
        return dict(story.scenarios[sid])
    try:
        return scenario_to_dict((store or ScenarioStore()).get(sid).scenario)
    except ScenarioError:
        raise StoryError(
            "scenario_gone", f"saved scenario {sid} does not exist (any more)", value=sid
        ) from None


def scenario_result(twin: Twin, doc: dict):
    """Run (or reuse) the scenario ``doc`` on ``twin``: the model is built once per twin."""
    from scenarios import model_from_twin, run_scenario, scenario_from_dict

    key = (twin.fingerprint, json.dumps(doc, sort_keys=True, default=str))
    with _lock:
        if key in _results:
            _results.move_to_end(key)
            return _results[key]
        model = _models.get(twin.fingerprint)
        if model is None:
            model = _models[twin.fingerprint] = model_from_twin(twin)
        result = run_scenario(model, scenario_from_dict(doc))
        _results[key] = result
        while len(_results) > _MAX_RESULTS:
            _results.popitem(last=False)
        return result


def signed_pct(v: float, lang: str) -> str:
    """A signed percentage with one decimal ("−1,2 %", "+0,4 %", "0,0 %")."""
    if not np.isfinite(v):
        return "–"
    x = round(float(v), 1) + 0.0
    text = format_value(abs(x), lang=lang, decimals=1)
    return ("+" if x > 0 else "−" if x < 0 else "") + text + " %"


def _scenario_paint(twin: Twin, view: SavedView, result, name: str, lang: str):
    """Buurten by the median % change of the outcome; symmetric classes around zero."""
    outcome, horizon = view.outcome or "burglary", view.horizon or result.horizons[-1]
    if horizon not in result.horizons:
        raise StoryError(
            "value",
            f"the scenario has no horizon {horizon} (it reports "
            f"{', '.join(map(str, result.horizons))})",
            field="horizon",
            value=horizon,
        )
    table = result.area_table(outcome, horizon)
    pct = table["change_pct_median"].to_numpy(float)
    span = float(np.nanmax(np.abs(pct))) if np.isfinite(pct).any() else 0.0
    span = max(span, 0.5)
    edges = np.array([-1.0, -0.6, -0.2, 0.2, 0.6, 1.0]) * span
    # reductions in blue-purple (good), increases in orange: PuOr reversed
    rgb = palette_colors("PuOr", 5, reverse=True)
    colours = np.concatenate([rgb, np.full((5, 1), 215)], axis=1).astype(int)
    from layers import class_index

    classes = class_index(np.clip(pct, edges[0], edges[-1]), edges)
    label = result.registry.outcomes[outcome].name(lang if lang != "de" else "en")
    title = t("present.scenario.legend_title", lang=lang, outcome=label, horizon=horizon)
    codes = [str(c) for c in table["area"]]
    display = {
        c: t(
            "present.scenario.tooltip",
            lang=lang,
            median=signed_pct(m, lang),
            lo=signed_pct(lo, lang),
            hi=signed_pct(hi, lang),
        )
        for c, m, lo, hi in zip(
            codes, pct, table["change_pct_lo80"], table["change_pct_hi80"], strict=True
        )
    }
    paint = AreaPaint(
        colours={
            c: tuple(int(x) for x in (colours[k] if k >= 0 else NO_DATA_RGBA))
            for c, k in zip(codes, classes, strict=True)
        },
        display=display,
        title=title,
        level="buurt",
    )
    legend = legend_from_breaks(
        title,
        edges,
        colours,
        fmt=lambda v: signed_pct(v, lang),
        unit="%",
        source=t("present.scenario.source", lang=lang, name=name),
        synthetic=bool(table.shape[0] and result.dataset["synthetic"].sel(outcome=outcome)),
        note=t(
            "present.scenario.legend_note",
            lang=lang,
            draws=format_value(float(result.dataset.sizes["draw"]), lang=lang, decimals=0),
        ),
    )
    frame = pd.DataFrame(
        {
            "area": codes,
            "name": table["name"].astype(str),
            "value": [display[c] for c in codes],
            "sort": pct,
        }
    )
    part = ScenarioPart(
        name=name,
        outcome=outcome,
        horizon=horizon,
        totals=result.totals(),
        evidence=result.evidence(lang="en" if lang == "de" else lang),
        areas=table,
        assumptions=result.assumptions,
    )
    return paint, legend, frame, part


def _indicator_table(twin: Twin, view: SavedView, lang: str) -> pd.DataFrame:
    pub = twin.public
    da = pub.values[view.indicator]
    rows = []
    for code, level in zip(da["area"].to_numpy(), da["level"].to_numpy(), strict=True):
        if level != view.level:
            continue
        value = float(da.sel(year=view.year, area=code))
        rows.append(
            {
                "area": str(code),
                "name": twin.area_name(str(code)),
                "value": pub.display(view.indicator, str(code), view.year, lang=lang),
                "sort": value,
            }
        )
    return pd.DataFrame(rows, columns=["area", "name", "value", "sort"])


def view_for_twin(twin: Twin, view: SavedView) -> SavedView:
    """``view`` checked against ``twin`` (indicator and year exist; no year → the latest)."""
    from dataclasses import replace

    from viewer.state import indicator_years

    if view.indicator is None:
        return view
    if view.indicator not in twin.indicators:
        raise StoryError(
            "indicator",
            f"this twin has no indicator {view.indicator!r}",
            field="indicator",
            value=view.indicator,
        )
    years = indicator_years(twin, view.indicator)
    if not years:
        raise StoryError(
            "indicator",
            f"indicator {view.indicator!r} has no values",
            field="indicator",
            value=view.indicator,
        )
    if view.year is None:
        return replace(view, year=years[-1])
    if view.year not in years:
        raise StoryError(
            "year",
            f"{view.indicator} has no values for {view.year} (years: {', '.join(map(str, years))})",
            field="year",
            value=view.year,
        )
    return view


def scene_from_view(
    twin: Twin, view: SavedView, *, lang: str, story: Story | None = None, scenario_store=None
) -> Scene:
    """What the map draws for ``view`` on ``twin``, with legends and text in ``lang``.

    Raises :class:`StoryError` when the view does not fit the twin (unknown indicator, year,
    scenario).
    """
    from viewer.colouring import area_colouring, building_colouring
    from viewer.state import indicator_label

    view = view_for_twin(twin, view.normalised())
    with use_language(lang):
        palette = None if view.palette == "auto" else view.palette
        area_paint = area_legend = table = part = None
        sentences = []
        if view.scenario is not None:
            doc = scenario_doc(view.scenario, story, scenario_store)
            try:
                result = scenario_result(twin, doc)
            except ScenarioError as err:  # e.g. its streets are not in this twin
                raise StoryError(
                    "scenario_run",
                    f"scenario {view.scenario} cannot run on this twin: {err}",
                    value=view.scenario,
                    detail=str(err),
                ) from None
            name = str(doc.get("scenario", {}).get("name", view.scenario))
            area_paint, area_legend, table, part = _scenario_paint(twin, view, result, name, lang)
            sentences.append(t("present.describe.scenario", name=name, what=area_legend.title))
        elif view.indicator is not None:
            area_paint, area_legend, _ = area_colouring(
                twin,
                view.indicator,
                view.year,
                level=view.level,
                k=view.k,
                method=view.method,
                palette=palette,
                extrude=view.extrude,
            )
            table = _indicator_table(twin, view, lang)
            sentences.append(
                t(
                    "present.describe.indicator",
                    year=view.year,
                    indicator=indicator_label(twin, view.indicator, lang=lang),
                    level=t(f"terms.level.{view.level}"),
                )
            )
        rule, building_legend = building_colouring(
            twin,
            view.buildings,
            k=view.k,
            method=view.method,
            palette=palette or "viridis",
            area_paint=area_paint,
            area_legend=area_legend,
        )
        if view.buildings != "none" and building_legend is not None:
            sentences.append(t("map.describe.buildings", by=t(f"map.buildings.{view.buildings}")))
        legends = tuple(
            lg for lg in dict.fromkeys([area_legend, building_legend]) if lg is not None
        )
        description = " ".join(sentences) or t("map.describe.plain")
    return Scene(
        view=view,
        buildings=rule,
        areas=area_paint,
        legends=legends,
        description=description,
        table=table,
        scenario=part,
    )


def sources_of(twin: Twin, views: list[SavedView]) -> list[dict[str, Any]]:
    """Sources behind a set of views: geometry layers and every indicator shown."""
    out = []
    for name in ("neighbourhoods", "buildings"):
        m = twin.manifest.layers.get(name)
        if m is not None:
            out.append(
                {
                    "what": name,
                    "source": m.source,
                    "licence": m.licence,
                    "synthetic": bool(m.synthetic),
                    "min_count": None,
                }
            )
    for ind in dict.fromkeys(v.indicator for v in views if v.indicator and v.scenario is None):
        m = twin.manifest.indicators.get(ind)
        attrs = twin.public.values[ind].attrs
        out.append(
            {
                "what": ind,
                "source": m.source if m else str(attrs.get("source", "")),
                "licence": m.licence if m else "",
                "synthetic": bool(m.synthetic if m else attrs.get("synthetic")),
                "min_count": int(attrs.get("min_count_effective", 5)),
            }
        )
    return out
