"""Tools over the twin itself: areas, indicators (public values only), comparisons, manifests."""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from assistant._catalogue import catalogue, normalise
from assistant.tools import ToolContext, ToolError, tool
from twin import LAYER_NAMES, format_value

__all__ = ["compare_defaults", "value_entry"]

#: Below this share of the spread between buurten a difference with the city is "similar".
SIMILAR_SPREAD = 0.25
#: At most this many areas in one comparison (keeps answers readable and payloads small).
MAX_COMPARE = 6

_AREA = {"type": "string", "description": "CBS code (BU…, WK…, GM…) or name of the area"}
_INDICATORS = {
    "type": "array",
    "items": {"type": "string"},
    "description": "indicator names (see describe_layer); omit for the standard set",
}


def compare_defaults() -> list[str]:
    """The indicators a comparison shows when none is named (from ``intents.toml``)."""
    return list(catalogue("intents")["compare_default"])


def _decimals(values: list[float]) -> int:
    """One decimal unless every value is whole or large (as :func:`twin.format_value`)."""
    finite = [v for v in values if np.isfinite(v)]
    return 0 if all(float(v).is_integer() or abs(v) >= 100 for v in finite) else 1


def value_entry(ctx: ToolContext, name: str, code: str, yi: int) -> dict[str, Any]:
    """One public value: ``year``, ``value`` (None when hidden), ``display``, ``suppressed``."""
    idx = ctx.index
    pos = idx.pos[code]
    raw = float(idx.values[name][yi, pos])
    hidden = bool(idx.suppressed[name][yi, pos])
    return {
        "year": idx.years[yi],
        "value": None if hidden or not np.isfinite(raw) else round(raw, 4),
        "display": format_value(
            raw,
            suppressed=hidden,
            min_count=idx.min_counts[name],
            lang=ctx.lang,
            decimals=idx.decimals.get(name),
        ),
        "suppressed": hidden,
    }


def _indicator_head(ctx: ToolContext, name: str) -> dict[str, Any]:
    meta = ctx.index.meta[name]
    return {
        "indicator": name,
        "label": ctx.indicator_label(name),
        "unit": meta["unit"],
        "unit_label": ctx.unit_label(str(meta["unit"])),
        "higher_is": meta["higher_is"],
        "synthetic": bool(meta["synthetic"]),
        "source": meta["source"],
    }


def _has_data(ctx: ToolContext, name: str, codes: list[str], yi: int) -> bool:
    idx = ctx.index
    cols = [idx.pos[c] for c in codes]
    return bool(
        np.isfinite(idx.values[name][yi, cols]).any() or idx.suppressed[name][yi, cols].any()
    )


def _year_index(ctx: ToolContext, name: str, codes: list[str], year: int | None) -> int | None:
    idx = ctx.index
    if year is not None:
        if year not in idx.years:
            raise ToolError(f"no indicator year {year}; years: {idx.years[0]}–{idx.years[-1]}")
        return idx.years.index(year)
    for yi in range(len(idx.years) - 1, -1, -1):
        if _has_data(ctx, name, codes, yi):
            return yi
    return None


def _sources(ctx: ToolContext, names: list[str], *layers: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for entry in [ctx.layer_source(lay) for lay in layers] + [
        ctx.indicator_source(n) for n in names
    ]:
        if entry not in out:
            out.append(entry)
    return out


@tool(
    "list_areas",
    "List the municipality, wijken and buurten of the twin with their CBS codes. Filter by "
    "level and/or by a parent area (the buurten of a wijk).",
    {
        "type": "object",
        "properties": {
            "level": {"type": "string", "enum": ["gemeente", "wijk", "buurt"]},
            "within": {"type": "string", "description": "code or name of a parent area"},
        },
    },
)
def list_areas(ctx: ToolContext, level: str | None = None, within: str | None = None) -> dict:
    idx = ctx.index
    parent = ctx.area_code(within) if within else None
    codes = [
        c
        for c in idx.codes
        if (level is None or idx.levels.get(c) == level)
        and (parent is None or idx.parents.get(c) == parent)
    ]
    return {
        "within": ctx.area_ref(parent) if parent else None,
        "areas": [{**ctx.area_ref(c), "parent": idx.parents.get(c, "")} for c in codes],
        "count": len(codes),
        "sources": [ctx.layer_source("neighbourhoods")],
    }


@tool(
    "find_area",
    "Find areas by (part of) a name or a CBS code; returns the best matches with codes.",
    {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
)
def find_area(ctx: ToolContext, query: str) -> dict:
    idx = ctx.index
    key = normalise(query)
    found: list[str] = []
    if query.strip().upper() in idx.pos:
        found.append(query.strip().upper())
    found += [code for alias, code in idx.aliases if key.strip() and key.strip() in alias]
    if not found:
        with contextlib.suppress(ToolError):
            found.append(ctx.area_code(query))
    unique = list(dict.fromkeys(found))[:10]
    return {
        "query": query,
        "matches": [{**ctx.area_ref(c), "parent": idx.parents.get(c, "")} for c in unique],
        "sources": [ctx.layer_source("neighbourhoods")],
    }


@tool(
    "get_indicators",
    "Indicator values of one area for every year with data: value (None when suppressed "
    "because it rests on fewer than the minimum count), display text (e.g. '<5'), unit, "
    "source and whether the figure is synthetic.",
    {
        "type": "object",
        "properties": {
            "area": _AREA,
            "indicators": _INDICATORS,
            "latest_only": {"type": "boolean", "description": "only the latest year with data"},
        },
        "required": ["area"],
    },
)
def get_indicators(
    ctx: ToolContext, area: str, indicators: list[str] | None = None, latest_only: bool = False
) -> dict:
    idx = ctx.index
    code = ctx.area_code(area)
    names = [ctx.check_indicator(n) for n in indicators] if indicators else list(idx.indicators)
    out = []
    for name in names:
        years = [yi for yi in range(len(idx.years)) if _has_data(ctx, name, [code], yi)]
        if latest_only:
            years = years[-1:]
        out.append(
            {
                **_indicator_head(ctx, name),
                "values": [value_entry(ctx, name, code, yi) for yi in years],
            }
        )
    return {
        "area": ctx.area_ref(code),
        "indicators": out,
        "sources": _sources(ctx, names),
        "suppression": "values that rest on too few people are hidden (value None) and shown "
        "as '<N'",
    }


def _rank(values: np.ndarray, value: float) -> tuple[int, int, int]:
    """(rank from the highest, rank from the lowest, number of areas with a value)."""
    finite = values[np.isfinite(values)]
    return int((finite > value).sum() + 1), int((finite < value).sum() + 1), int(finite.size)


def _compare_one(ctx: ToolContext, name: str, codes: list[str], yi: int) -> dict[str, Any]:
    idx = ctx.index
    arr = idx.values[name][yi]
    city = idx.municipality
    city_entry = value_entry(ctx, name, city, yi)
    city_v = city_entry["value"]
    higher_is = idx.meta[name]["higher_is"]
    rows = []
    for code in codes:
        entry = {**ctx.area_ref(code), **value_entry(ctx, name, code, yi)}
        v = entry["value"]
        if v is not None:
            peers = arr[[idx.pos[c] for c in idx.level_peers(code)]]
            entry["rank_highest"], entry["rank_lowest"], entry["rank_of"] = _rank(peers, v)
            spread = float(np.nanstd(peers)) if np.isfinite(peers).sum() > 1 else 0.0
        if v is not None and city_v is not None and code != city:
            diff = v - city_v
            dec = idx.decimals.get(name) or _decimals([v, city_v])
            entry["diff_vs_city"] = round(diff, dec)
            entry["diff_display"] = format_value(abs(diff), lang=ctx.lang, decimals=dec)
            if city_v:
                entry["ratio_vs_city"] = round(v / city_v, 1)
            similar = abs(diff) <= SIMILAR_SPREAD * spread
            entry["position"] = "similar" if similar else ("higher" if diff > 0 else "lower")
            if not similar and higher_is in ("better", "worse"):
                worse = (diff > 0) == (higher_is == "worse")
                entry["judgement"] = "worse" if worse else "better"
        rows.append(entry)
    return {**_indicator_head(ctx, name), "year": idx.years[yi], "areas": rows, "city": city_entry}


@tool(
    "compare_areas",
    "Compare one or more areas with each other and with the municipality on indicators: "
    "values, difference with the city, rank among areas of the same level (1 = highest), and "
    "whether the difference is better or worse. Suppressed values stay hidden.",
    {
        "type": "object",
        "properties": {
            "areas": {"type": "array", "items": _AREA, "description": "1 to 6 areas"},
            "indicators": _INDICATORS,
            "year": {"type": "integer", "description": "omit for the latest year with data"},
        },
        "required": ["areas"],
    },
)
def compare_areas(
    ctx: ToolContext, areas: list[str], indicators: list[str] | None = None, year: int | None = None
) -> dict:
    idx = ctx.index
    codes = list(dict.fromkeys(ctx.area_code(a) for a in areas))
    if not codes or len(codes) > MAX_COMPARE:
        raise ToolError(f"compare 1 to {MAX_COMPARE} areas, not {len(codes)}")
    names = [ctx.check_indicator(n) for n in (indicators or compare_defaults())]
    comparisons = []
    for name in names:
        yi = _year_index(ctx, name, [*codes, idx.municipality], year)
        if yi is not None:
            comparisons.append(_compare_one(ctx, name, codes, yi))
    return {
        "areas": [ctx.area_ref(c) for c in codes],
        "municipality": ctx.area_ref(idx.municipality),
        "comparisons": comparisons,
        "sources": _sources(ctx, names),
    }


@tool(
    "rank_areas",
    "The areas with the highest or lowest values of one indicator (latest year with data "
    "unless a year is given); suppressed values are left out.",
    {
        "type": "object",
        "properties": {
            "indicator": {"type": "string"},
            "level": {"type": "string", "enum": ["wijk", "buurt"]},
            "order": {"type": "string", "enum": ["highest", "lowest"]},
            "top": {"type": "integer", "description": "how many (1–20, default 5)"},
            "year": {"type": "integer"},
        },
        "required": ["indicator"],
    },
)
def rank_areas(
    ctx: ToolContext,
    indicator: str,
    level: str = "buurt",
    order: str = "highest",
    top: int = 5,
    year: int | None = None,
) -> dict:
    idx = ctx.index
    name = ctx.check_indicator(indicator)
    codes = [c for c in idx.codes if idx.levels.get(c) == level]
    yi = _year_index(ctx, name, codes, year)
    if yi is None:
        raise ToolError(f"{name} has no values for {level} areas")
    arr = idx.values[name][yi, [idx.pos[c] for c in codes]]
    visible = [(c, v) for c, v in zip(codes, arr, strict=True) if np.isfinite(v)]
    visible.sort(key=lambda cv: (-cv[1] if order == "highest" else cv[1], cv[0]))
    top = max(1, min(20, int(top)))
    return {
        **_indicator_head(ctx, name),
        "year": idx.years[yi],
        "order": order,
        "level": level,
        "areas": [
            {**ctx.area_ref(c), **value_entry(ctx, name, c, yi), "rank": i + 1}
            for i, (c, _) in enumerate(visible[:top])
        ],
        "areas_with_value": len(visible),
        "areas_hidden": int(idx.suppressed[name][yi, [idx.pos[c] for c in codes]].sum()),
        "city": value_entry(ctx, name, idx.municipality, yi),
        "sources": _sources(ctx, [name]),
    }


@tool(
    "describe_layer",
    "Where a layer or indicator comes from: source, licence, purpose, legal basis, date, "
    "whether it is synthetic, minimum count for suppression. Without a name: all of them.",
    {
        "type": "object",
        "properties": {"layer": {"type": "string", "description": "layer or indicator name"}},
    },
)
def describe_layer(ctx: ToolContext, layer: str | None = None) -> dict:
    twin = ctx.twin
    idx = ctx.index
    counts = twin.counts()
    if not layer:
        return {
            "twin": twin.name,
            "layers": [
                {"layer": n, "count": counts[n], "synthetic": m.synthetic, "source": m.source}
                for n, m in twin.manifest.layers.items()
                if n in counts
            ],
            "indicators": [
                {**_indicator_head(ctx, n), "years": _years_with_data(ctx, n)}
                for n in idx.indicators
            ],
            "sources": _sources(ctx, idx.indicators, *[n for n in LAYER_NAMES if n in counts]),
        }
    if layer in twin.manifest.layers:
        m = twin.manifest.layers[layer]
        return {
            "layer": layer,
            "kind": "layer",
            "count": counts.get(layer, 0),
            **m.to_dict(),
            "sources": [ctx.layer_source(layer)],
        }
    name = ctx.check_indicator(layer)
    return {
        "layer": name,
        "kind": "indicator",
        **{k: v for k, v in idx.meta[name].items()},
        "label": ctx.indicator_label(name),
        "min_count": idx.min_counts[name],
        "years": _years_with_data(ctx, name),
        "purpose": twin.manifest.indicators[name].purpose
        if name in twin.manifest.indicators
        else "",
        "sources": [ctx.indicator_source(name)],
    }


def _years_with_data(ctx: ToolContext, name: str) -> list[int]:
    idx = ctx.index
    has = np.isfinite(idx.values[name]).any(axis=1) | idx.suppressed[name].any(axis=1)
    return [y for y, h in zip(idx.years, has, strict=True) if h]
