"""What the Scenarios page draws on the map: change per buurt, and what the scenario changes.

- :func:`change_paint` — buurten coloured by the median % change or the prevented incidents of
  one outcome (fixed, symmetric classes, so colours mean the same in every scenario);
- :func:`highlight_paints` — streets and buildings the scenario touches (new lights, CCTV,
  sightlines, gates, renovated or burglary-proofed buildings) and the picked targets; both are
  per-feature class files fetched once per change (one byte per feature, never geometry);
- :func:`change_markers`, :func:`place_markers` — new and replaced lights, spots.

Only these small things travel on a scenario change; the geometry stays in the browser.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from layers import Legend, LegendEntry, class_index, palette_colors
from layers.constants import SUPPRESSED_RGBA
from scenarios import Scenario
from twin import Twin, to_wgs84
from viewer.assets import put_blob
from viewer.i18n import t
from viewer.map import AreaPaint, Markers, StreetPaint
from viewer.scenario_draft import Target
from viewer.scenario_format import fmt_num

__all__ = [
    "PCT_EDGES",
    "change_markers",
    "change_paint",
    "change_scale",
    "change_values",
    "highlight_paints",
    "place_markers",
]

#: Class edges of the % change map: symmetric around zero, the same for every scenario, so a
#: colour reads the same when scenarios are compared. ±0.5 % is "about no change".
PCT_EDGES = (-10.0, -5.0, -2.0, -0.5, 0.5, 2.0, 5.0, 10.0)
#: Buurten no measure reaches (every draw exactly unchanged): pale, see-through.
UNCHANGED_RGBA = (205, 205, 205, 70)
_NICE = (1.0, 2.0, 5.0)

_STREET_COLOURS = (
    (150, 150, 150, 150),  # 0 not in the scenario
    (230, 159, 0, 255),  # 1 target of a measure
    (240, 228, 66, 255),  # 2 new lights
    (0, 114, 178, 255),  # 3 CCTV
    (0, 158, 115, 255),  # 4 sightlines improved
    (204, 121, 167, 255),  # 5 gated
    (86, 180, 233, 255),  # 6 picked, not yet placed
)
_BUILDING_COLOURS = (
    (226, 224, 218, 255),  # 0 not in the scenario
    (236, 168, 140, 255),  # 1 vacant now
    (0, 158, 115, 255),  # 2 renovated: no longer vacant
    (0, 114, 178, 255),  # 3 burglary-proofed
    (230, 159, 0, 255),  # 4 target of a measure
    (86, 180, 233, 255),  # 5 picked, not yet placed
)
_NEW_LIGHT = (255, 214, 10, 255)
_OLD_LIGHT = (90, 90, 90, 200)
_PLACED_SPOT = (204, 121, 167, 255)
_PICKED_SPOT = (86, 180, 233, 255)


def _fmt(v: float, lang: str, unit: str = "", decimals: int | None = 1) -> str:
    return f"{fmt_num(v, lang, decimals=decimals)}{unit}"


def change_scale(values: Sequence[float]) -> float:
    """A round number at least as large as every ``|value|`` (the extent of the classes)."""
    finite = [abs(float(v)) for v in values if v is not None and np.isfinite(v)]
    top = max(finite, default=0.0)
    if top <= 0:
        return 1.0
    exp = math.floor(math.log10(top))
    for step in (*_NICE, 10.0):
        if step * 10**exp >= top:
            return step * 10**exp
    return 10.0 ** (exp + 1)


def change_values(table: pd.DataFrame, value: str) -> pd.Series:
    """Per-buurt map value: ``pct`` (median % change) or ``prevented`` (incidents per year)."""
    # prevented = −change; NaN where the buurt's count is suppressed
    out = table["change_pct_median"] if value == "pct" else -table["change_median"]
    return pd.Series(out.to_numpy(dtype=float), index=table["area"].astype(str))


def _edges(value: str, scale: float | None) -> tuple[float, ...]:
    if value == "pct":
        return PCT_EDGES
    m = scale or 1.0
    return (-m, -m / 2, -m / 5, -m / 20, m / 20, m / 5, m / 2, m)


def change_paint(
    table: pd.DataFrame, *, value: str, title: str, lang: str, scale: float | None = None
) -> tuple[AreaPaint, Legend]:
    """Buurten coloured by the change of one outcome; blue = fewer incidents, red = more.

    ``scale`` fixes the extent of the prevented-incidents classes (for comparable maps of
    several scenarios); % change always uses :data:`PCT_EDGES`.
    """
    values = change_values(table, value)
    affected = pd.Series(table["affected"].to_numpy(bool), index=values.index)
    hidden = pd.Series(table["suppressed"].to_numpy(bool), index=values.index)
    if value != "pct" and scale is None:
        scale = change_scale(values[affected].to_numpy())
    inner = _edges(value, scale)
    # reductions are good: blue. For % change they are negative, for prevented positive.
    colours = palette_colors("RdYlBu", len(inner) + 1, reverse=(value == "pct"))
    edges = np.array([-np.inf, *inner, np.inf])
    classes = class_index(values.to_numpy(), edges)
    unit = " %" if value == "pct" else ""
    paint_colours, display = {}, {}
    for code, v, k in zip(values.index, values.to_numpy(), classes, strict=True):
        if not affected[code]:
            paint_colours[code] = UNCHANGED_RGBA
            display[code] = t("scenarios.map.unchanged", lang=lang)
        elif value != "pct" and hidden[code]:
            paint_colours[code] = tuple(SUPPRESSED_RGBA)
            display[code] = t("scenarios.map.hidden", lang=lang)
        else:
            paint_colours[code] = (*(int(c) for c in colours[k]), 215) if k >= 0 else UNCHANGED_RGBA
            display[code] = _fmt(v, lang, unit)
    labels = [f"≤ {_fmt(inner[0], lang, unit, None)}"]
    labels += [
        f"{_fmt(a, lang, '', None)} … {_fmt(b, lang, unit, None)}"
        for a, b in itertools.pairwise(inner)
    ]
    labels += [f"> {_fmt(inner[-1], lang, unit, None)}"]
    entries = [
        LegendEntry((*(int(c) for c in col), 215), lab)
        for col, lab in zip(colours, labels, strict=True)
    ]
    entries.append(LegendEntry(UNCHANGED_RGBA, t("scenarios.map.unchanged", lang=lang)))
    if value != "pct":
        entries.append(LegendEntry(tuple(SUPPRESSED_RGBA), t("scenarios.map.hidden", lang=lang)))
    legend = Legend(
        title=title, entries=tuple(entries), note=t("scenarios.map.legend_note", lang=lang)
    )
    paint = AreaPaint(colours=paint_colours, display=display, title=title, level="buurt")
    return paint, legend


# -- what the scenario touches -------------------------------------------------------------------
def _spots_of(scenario: Scenario) -> list[tuple[float, float, int]]:
    return [
        (x, y, n)
        for n, item in enumerate(scenario.interventions, start=1)
        for x, y in item.targets.spots
    ]


def highlight_paints(
    twin: Twin, changed: Twin, scenario: Scenario, basket: Sequence[Target], lang: str
) -> tuple[dict, StreetPaint, Legend]:
    """Paint rules for buildings and streets the scenario touches, and their legend."""
    s = twin.streets
    sid = s["id"].astype(str).to_numpy()
    scls = np.zeros(len(s), dtype=np.int16)
    targeted = {i for item in scenario.interventions for i in item.targets.streets}
    scls[np.isin(sid, list(targeted))] = 1
    for column, k in (("gated", 5), ("sightlines_improved", 4), ("cctv", 3)):
        if column in changed.streets:
            scls[changed.streets[column].to_numpy(dtype=bool)] = k
    lights = changed.lights
    if "added_by" in lights:
        lit = set(lights.loc[lights["added_by"] == "street_lighting", "street"].astype(str))
        scls[np.isin(sid, list(lit))] = 2
    picked = {i for tg in basket if tg.kind == "street" for i in tg.ids}
    scls[np.isin(sid, list(picked))] = 6
    street_paint = StreetPaint(
        classes=scls.astype(np.int64),
        colours=_STREET_COLOURS,
        title=t("scenarios.map.street_title", lang=lang),
    )

    b = twin.buildings
    bid = b["id"].astype(str).to_numpy()
    vacant = b["vacant"].to_numpy(dtype=bool)
    bcls = np.where(vacant, 1, 0).astype(np.uint8)
    targeted_b = {i for item in scenario.interventions for i in item.targets.buildings}
    bcls[np.isin(bid, list(targeted_b))] = 4
    if "burglary_proofed" in changed.buildings:
        bcls[changed.buildings["burglary_proofed"].to_numpy(dtype=bool)] = 3
    bcls[vacant & ~changed.buildings["vacant"].to_numpy(dtype=bool)] = 2
    bcls[np.isin(bid, [i for tg in basket if tg.kind == "building" for i in tg.ids])] = 5
    rule = {
        "blob": put_blob(bcls.tobytes(), "scenario-buildings.bin"),
        "lut": [list(c) for c in _BUILDING_COLOURS],
    }

    present_s = set(np.unique(scls).tolist())
    present_b = set(np.unique(bcls).tolist())
    entries = [
        LegendEntry(_STREET_COLOURS[k], t(f"scenarios.map.street.{k}", lang=lang))
        for k in range(1, 7)
        if k in present_s
    ]
    entries += [
        LegendEntry(_BUILDING_COLOURS[k], t(f"scenarios.map.building.{k}", lang=lang))
        for k in range(1, 6)
        if k in present_b
    ]
    legend = Legend(title=t("scenarios.map.touch_title", lang=lang), entries=tuple(entries))
    return rule, street_paint, legend


def change_markers(twin: Twin, changed: Twin, lang: str) -> Markers | None:
    """New lights (yellow) and the lights they replace (grey), as one marker overlay."""
    lights = changed.lights
    new = lights[lights.get("added_by", pd.Series("", index=lights.index)) == "street_lighting"]
    gone = twin.lights[~twin.lights["id"].isin(lights["id"])]
    if not len(new) and not len(gone):
        return None
    names = dict(zip(twin.streets["id"].astype(str), twin.streets["name"], strict=True))
    xs = np.concatenate([new.geometry.x.to_numpy(), gone.geometry.x.to_numpy()])
    ys = np.concatenate([new.geometry.y.to_numpy(), gone.geometry.y.to_numpy()])
    lon, lat = to_wgs84(xs, ys)
    tips = []
    for _, row in new.iterrows():
        street = names.get(str(row.get("street", "")), "") or "–"
        tips.append(
            (
                t("scenarios.map.new_light", lang=lang),
                [
                    (t("scenarios.map.lumen", lang=lang), f"{row['lumen']:.0f} lm"),
                    (t("scenarios.map.height", lang=lang), f"{row['height']:.0f} m"),
                    (t("scenarios.map.street_name", lang=lang), str(street)),
                ],
            )
        )
    tips += [(t("scenarios.map.old_light", lang=lang), [])] * len(gone)
    rgba = [_NEW_LIGHT] * len(new) + [_OLD_LIGHT] * len(gone)
    ids = [str(i) for i in new["id"]] + [str(i) for i in gone["id"]]
    return Markers(
        "scen-lights",
        list(map(float, lon)),
        list(map(float, lat)),
        ids,
        rgba=rgba,
        tooltips=tips,
        radius_m=2.5,
    )


def place_markers(scenario: Scenario, basket: Sequence[Target], lang: str) -> Markers | None:
    """Spots of placed measures (pink) and picked spots not yet used (light blue)."""
    placed = _spots_of(scenario)
    picked = [tg for tg in basket if tg.kind == "spot"]
    if not placed and not picked:
        return None
    xs = [p[0] for p in placed] + [tg.x for tg in picked]
    ys = [p[1] for p in placed] + [tg.y for tg in picked]
    lon, lat = to_wgs84(np.asarray(xs), np.asarray(ys))
    tips = [(t("scenarios.map.placed_spot", lang=lang, n=n), []) for _, _, n in placed]
    tips += [(t("scenarios.map.picked_spot", lang=lang), [])] * len(picked)
    ids = [f"placed:{n}:{i}" for i, (_, _, n) in enumerate(placed)]
    ids += [tg.key for tg in picked]
    rgba = [_PLACED_SPOT] * len(placed) + [_PICKED_SPOT] * len(picked)
    return Markers(
        "scen-spots",
        list(map(float, np.atleast_1d(lon))),
        list(map(float, np.atleast_1d(lat))),
        ids,
        rgba=rgba,
        tooltips=tips,
        radius_m=7.0,
    )
