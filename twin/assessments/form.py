"""The CPTED assessment form as data: principles, items, measures and messages (NL and EN).

Everything a user reads comes from ``data/cpted/form.toml``; this module only loads it.

>>> form = load_form()
>>> form.principle_ids[:2]
('natural_surveillance', 'access_control')
>>> form.measure_label("cctv", "en")
'CCTV'
>>> message("not_found", "en", id="a1")
"Assessment 'a1' does not exist."
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from twin.constants import INTERVENTION_IDS
from twin.paths import data_dir

__all__ = [
    "LANGUAGES",
    "MEASURE_IDS",
    "PRINCIPLE_IDS",
    "Form",
    "Item",
    "Measure",
    "Principle",
    "form_path",
    "load_form",
    "message",
]

#: Languages of the catalogue; the first is the fallback.
LANGUAGES = ("nl", "en")

#: The seven CPTED principles, in form order.
PRINCIPLE_IDS = (
    "natural_surveillance",
    "access_control",
    "territoriality",
    "maintenance",
    "activity_support",
    "target_hardening",
    "lighting",
)

#: Proposed measures = the scenario engine's intervention ids (one tuple, in twin.constants).
MEASURE_IDS = INTERVENTION_IDS


@dataclass(frozen=True)
class Item:
    """One scored statement of the form (5 = fully true here, 1 = not at all)."""

    id: str
    principle: str
    text: dict[str, str]
    source: str


@dataclass(frozen=True)
class Principle:
    id: str
    label: dict[str, str]
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Measure:
    id: str
    label: dict[str, str]
    principles: tuple[str, ...]


@dataclass(frozen=True)
class Form:
    """The whole catalogue (see ``data/cpted/form.toml``)."""

    version: int
    principles: tuple[Principle, ...]
    measures: tuple[Measure, ...]
    labels: dict[str, dict[str, str]]
    messages: dict[str, dict[str, str]]
    scale_labels: dict[str, dict[str, str]]

    @property
    def principle_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.principles)

    @property
    def measure_ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.measures)

    @cached_property
    def items(self) -> dict[str, Item]:
        """Every item by id, in form order."""
        return {i.id: i for p in self.principles for i in p.items}

    def principle(self, pid: str) -> Principle:
        for p in self.principles:
            if p.id == pid:
                return p
        raise KeyError(pid)

    def principle_label(self, pid: str, lang: str) -> str:
        return _pick(self.principle(pid).label, lang)

    def item_text(self, item_id: str, lang: str) -> str:
        return _pick(self.items[item_id].text, lang)

    def measure_label(self, mid: str, lang: str) -> str:
        for m in self.measures:
            if m.id == mid:
                return _pick(m.label, lang)
        raise KeyError(mid)

    def label(self, key: str, lang: str) -> str:
        return _pick(self.labels[key], lang)


def _pick(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts[LANGUAGES[0]]


def form_path() -> Path:
    """The catalogue file, ``data/cpted/form.toml``."""
    return data_dir() / "cpted" / "form.toml"


def _texts(entry: dict, where: str) -> dict[str, str]:
    missing = [lang for lang in LANGUAGES if not str(entry.get(lang, "")).strip()]
    if missing:
        raise ValueError(f"{form_path()}: {where} lacks text in {', '.join(missing)}")
    return {lang: str(entry[lang]) for lang in LANGUAGES}


@cache
def load_form() -> Form:
    """The form catalogue, read and checked once per process."""
    raw = tomllib.loads(form_path().read_text(encoding="utf-8"))
    principles = []
    seen: set[str] = set()
    for p in raw["principles"]:
        items = []
        for i in p["items"]:
            if i["id"] in seen:
                raise ValueError(f"{form_path()}: item id {i['id']!r} is used twice")
            seen.add(i["id"])
            items.append(Item(i["id"], p["id"], _texts(i, f"item {i['id']}"), i["source"]))
        principles.append(Principle(p["id"], _texts(p, f"principle {p['id']}"), tuple(items)))
    measures = tuple(
        Measure(m["id"], _texts(m, f"measure {m['id']}"), tuple(m.get("principles", ())))
        for m in raw["measures"]
    )
    form = Form(
        version=int(raw["version"]),
        principles=tuple(principles),
        measures=measures,
        labels={k: _texts(v, f"label {k}") for k, v in raw["labels"].items()},
        messages={k: _texts(v, f"message {k}") for k, v in raw["messages"].items()},
        scale_labels={k: _texts(v, f"scale {k}") for k, v in raw["scale"]["labels"].items()},
    )
    if form.principle_ids != PRINCIPLE_IDS:
        raise ValueError(f"{form_path()}: principles {form.principle_ids} != {PRINCIPLE_IDS}")
    if form.measure_ids != MEASURE_IDS:
        raise ValueError(f"{form_path()}: measures {form.measure_ids} != {MEASURE_IDS}")
    return form


def message(key: str, lang: str = "en", **params: object) -> str:
    """A user-facing message from the catalogue, filled in, in ``lang`` (English for logs)."""
    template = _pick(load_form().messages[key], lang)
    return template.format(**params)
