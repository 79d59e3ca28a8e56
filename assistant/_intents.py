"""Reading a question: language, intent, and what it names (areas, measures, streets, …).

Simple and transparent on purpose: the patterns live in ``data/assistant/intents.toml`` and
the result records which patterns matched, so anyone can see why a question was read the way
it was (``socialtwin ask --json`` prints it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from assistant._catalogue import catalogue, normalise
from assistant._index import TwinIndex

__all__ = ["Question", "areas_in_text", "read_question"]

_CODE = re.compile(r"\b(?:GM|WK|BU)\d{4,8}\b", re.IGNORECASE)


@dataclass(frozen=True)
class Question:
    """A question as the offline explainer reads it.

    Attributes
    ----------
    intent : str
        ``help``, ``explain_scenario``, ``assessments``, ``what_helps``, ``why_low``,
        ``compare``, ``ranking``, ``source``, ``list_areas``, ``indicator`` or ``unknown``.
    matched : tuple of str
        The patterns of the winning intent that matched (for transparency).
    areas : tuple of str
        CBS codes named or meant ("here" = the area in view), in order; the municipality only
        when it is the sole area.
    city : bool
        The question mentions the city/municipality.
    measures : tuple of str
        Measure keys from the catalogue (indicator names, or analytics topics).
    """

    text: str
    norm: str
    lang: str
    intent: str
    matched: tuple[str, ...] = ()
    scores: dict[str, int] = field(default_factory=dict)
    areas: tuple[str, ...] = ()
    city: bool = False
    measures: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()
    streets: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    scenario: str | None = None
    direction: str = ""
    superlative: str = ""
    wijk: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "matched": list(self.matched),
            "lang": self.lang,
            "areas": list(self.areas),
            "city": self.city,
            "measures": list(self.measures),
            "interventions": list(self.interventions),
            "streets": list(self.streets),
            "layers": list(self.layers),
            "scenario": self.scenario,
        }


@lru_cache(maxsize=1)
def _compiled() -> dict[str, Any]:
    cat = catalogue("intents")

    def comp(patterns: list[str]) -> list[tuple[str, re.Pattern[str]]]:
        return [(p, re.compile(p)) for p in patterns]

    return {
        "intents": [
            (
                i["name"],
                comp(i["patterns"]),
                comp(i.get("strong", [])),
                i.get("bonus", {}),
                i.get("needs", []),
            )
            for i in cat["intent"]
        ],
        "measures": [(m["key"], comp(m["patterns"])) for m in cat["measure"]],
        "interventions": [(m["key"], comp(m["patterns"])) for m in cat["intervention"]],
        "layers": [(k, comp(v)) for k, v in cat["layers"].items()],
        "context": {k: comp(v) for k, v in cat["context"].items()},
        "language": {k: comp(v) for k, v in cat["language"].items()},
    }


def _hits(norm: str, patterns: list[tuple[str, re.Pattern[str]]]) -> list[str]:
    return [p for p, rx in patterns if rx.search(norm)]


def _language(norm: str, default: str) -> str:
    counts = {lang: len(_hits(norm, pats)) for lang, pats in _compiled()["language"].items()}
    nl, en = counts.get("nl", 0), counts.get("en", 0)
    if nl == en:
        return default if default in ("nl", "en") else "en"
    return "nl" if nl > en else "en"


def areas_in_text(text: str, norm: str, index: TwinIndex) -> list[tuple[int, str]]:
    """(position, code) of every area named by code or name, longest names first."""
    found: list[tuple[int, str]] = []
    for m in _CODE.finditer(text):
        code = m.group(0).upper()
        if code in index.pos:
            found.append((m.start(), code))
    taken = [False] * len(norm)
    for alias, code in index.aliases:
        start = norm.find(alias)
        while start >= 0:
            span = range(start + 1, start + len(alias) - 1)
            if not any(taken[i] for i in span):
                for i in span:
                    taken[i] = True
                chosen = code
                if index.levels.get(code) == "buurt" and norm[:start].endswith(" wijk"):
                    wijk = index.parents.get(code, "")
                    if wijk and normalise(index.names.get(wijk, "")).endswith(alias):
                        chosen = wijk
                found.append((start, chosen))
            start = norm.find(alias, start + 1)
    return sorted(found)


def _streets(norm: str, index: TwinIndex) -> list[str]:
    hits = [(norm.find(k), name) for k, (name, _) in index.streets.items() if k in norm]
    return [name for _, name in sorted(hits)]


def read_question(
    text: str,
    index: TwinIndex,
    *,
    area: str | None = None,
    scenario: str | None = None,
    lang: str | None = None,
    default_lang: str = "nl",
    interventions: list[tuple[str, list[str]]] | None = None,
) -> Question:
    """Read ``text``: language, intent, areas, measures, interventions, streets.

    Parameters
    ----------
    area : str, optional
        Code of the area in view (what "here" means; used when the question names none).
    scenario : str, optional
        Id of the scenario in view ("explain this scenario").
    lang : str, optional
        Force the answer language; otherwise it is read from the question.
    interventions : list, optional
        ``(id, words)`` from a connected evidence registry, used before the catalogue's own.
    """
    comp = _compiled()
    norm = normalise(text)
    ctx = comp["context"]
    city = bool(_hits(norm, ctx["city"]))
    found = areas_in_text(text, norm, index)
    named = [code for _, code in found]
    words = norm
    for code in set(named):  # "Op de Nobel" says nothing about the language of the question
        for alias, c in index.aliases:
            if c == code:
                words = words.replace(alias, " ")
    language = lang if lang in ("nl", "en") else _language(words, default_lang)
    if index.municipality in named:
        city = True
    areas = [c for c in dict.fromkeys(named) if c != index.municipality]
    if area and area in index.pos and (not areas or _hits(norm, ctx["here"])):
        areas = [area, *[c for c in areas if c != area]]
    if not areas and index.municipality in named:
        areas = [index.municipality]
    measures = [k for k, pats in comp["measures"] if _hits(norm, pats)]
    found_interventions = []
    for ident, synonyms in interventions or []:
        if any(normalise(w).strip() and normalise(w) in norm for w in synonyms):
            found_interventions.append(ident)
    if not found_interventions:
        found_interventions = [k for k, pats in comp["interventions"] if _hits(norm, pats)]
    streets = _streets(norm, index)
    layers = [k for k, pats in comp["layers"] if _hits(norm, pats)]
    has = {
        "area": bool(areas),
        "areas2": len(areas) >= 2,
        "city": city,
        "measure": bool(measures),
        "intervention": bool(found_interventions),
        "street": bool(streets) or bool(_hits(norm, ctx["this_street"])),
        "scenario": bool(scenario) or bool(_hits(norm, ctx["this_scenario"])),
    }
    scores: dict[str, int] = {}
    matched: dict[str, list[str]] = {}
    for name, patterns, strong, bonus, needs in comp["intents"]:
        strong_hits = _hits(norm, strong)
        hits = strong_hits + _hits(norm, patterns)
        score = 2 * len(strong_hits) + len(hits) - len(strong_hits)
        if hits:
            score += sum(int(v) for k, v in bonus.items() if has.get(k))
        if any(not has.get(n) for n in needs):
            score = 0
        scores[name], matched[name] = score, hits
    best = max(scores, key=lambda n: scores[n]) if scores else "unknown"
    intent = best if scores.get(best, 0) > 0 else "unknown"
    if intent == "unknown" and measures and (areas or city):
        intent = "indicator"
    direction = "low" if _hits(norm, ctx["low"]) else ("high" if _hits(norm, ctx["high"]) else "")
    superlative = next(
        (k for k in ("highest", "lowest", "worst", "best") if _hits(norm, ctx[k])), ""
    )
    return Question(
        text=text,
        norm=norm,
        lang=language,
        intent=intent,
        matched=tuple(matched.get(intent, [])),
        scores=scores,
        areas=tuple(areas),
        city=city,
        measures=tuple(measures),
        interventions=tuple(dict.fromkeys(found_interventions)),
        streets=tuple(streets),
        layers=tuple(layers),
        scenario=scenario,
        direction=direction,
        superlative=superlative,
        wijk=bool(_hits(norm, ctx["wijk"])),
    )
