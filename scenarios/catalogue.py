"""The intervention catalogue: ids, parameters (unit, default, bounds), targets, mechanism.

The catalogue is data (``data/evidence/interventions.toml``) so that the Scenarios page, the
CPTED studio's "proposed measures" and the assistant all list the same ten interventions.

>>> cat = intervention_catalogue()
>>> cat.ids[:2]
('street_lighting', 'cctv')
>>> cat["foot_patrol"].parameter("hours_per_week").default
10.0
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from scenarios.errors import ScenarioError
from twin import data_dir
from twin.constants import INTERVENTION_IDS

__all__ = [
    "INTERVENTION_IDS",
    "TARGET_KINDS",
    "Catalogue",
    "InterventionType",
    "Parameter",
    "intervention_catalogue",
]

#: What an intervention can be placed on: street segments, buildings, points, whole buurten.
TARGET_KINDS = ("streets", "buildings", "spots", "area")
_TYPES = {"float": float, "int": int, "bool": bool}


@dataclass(frozen=True)
class Parameter:
    """One parameter of an intervention: name, type, unit, default, bounds, label."""

    name: str
    type: str
    unit: str = ""
    default: Any = None
    min: float | None = None
    max: float | None = None
    model: bool = True
    label: dict[str, str] = field(default_factory=dict)
    doc: str = ""

    def check(self, value: Any, *, where: str) -> Any:
        """The value converted to this parameter's type, or a :class:`ScenarioError`."""
        kind = _TYPES[self.type]
        if kind is bool:
            if not isinstance(value, bool):
                raise ScenarioError(
                    f"{self.name} must be true or false, not {value!r}", where=where
                )
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(f"{self.name} must be a number, not {value!r}", where=where)
        if kind is int and float(value) != int(value):
            raise ScenarioError(f"{self.name} must be a whole number, not {value!r}", where=where)
        value = kind(value)
        lo = self.min if self.min is not None else -float("inf")
        hi = self.max if self.max is not None else float("inf")
        if not lo <= value <= hi:
            unit = f" {self.unit}" if self.unit else ""
            raise ScenarioError(
                f"{self.name} = {value}{unit} is outside {self.min}–{self.max}{unit}", where=where
            )
        return value

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "unit": self.unit,
            "default": self.default,
            "min": self.min,
            "max": self.max,
            "model": self.model,
            "label": dict(self.label),
            "doc": self.doc,
        }


@dataclass(frozen=True)
class InterventionType:
    """An intervention of the catalogue (e.g. ``street_lighting``)."""

    id: str
    name: dict[str, str]
    mechanism: str
    targets: tuple[str, ...]
    physical: bool
    twin_change: str
    parameters: tuple[Parameter, ...]

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    def label(self, lang: str = "nl") -> str:
        return self.name.get(lang) or self.name.get("en") or self.id

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": dict(self.name),
            "mechanism": self.mechanism,
            "targets": list(self.targets),
            "physical": self.physical,
            "twin_change": self.twin_change,
            "parameters": [p.to_dict() for p in self.parameters],
        }


@dataclass(frozen=True)
class Catalogue:
    """All interventions, the common parameters and the mechanisms, in catalogue order."""

    interventions: tuple[InterventionType, ...]
    common: tuple[Parameter, ...]
    mechanisms: dict[str, dict[str, str]]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.interventions)

    def __getitem__(self, intervention_id: str) -> InterventionType:
        for i in self.interventions:
            if i.id == intervention_id:
                return i
        raise ScenarioError(
            f"unknown intervention {intervention_id!r}",
            hint=f"known: {', '.join(self.ids)}",
        )

    def __contains__(self, intervention_id: object) -> bool:
        return intervention_id in self.ids

    def parameters_of(self, intervention_id: str) -> tuple[Parameter, ...]:
        """The intervention's own parameters followed by the common ones."""
        return self[intervention_id].parameters + self.common

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the UI, the CPTED form and the assistant."""
        return {
            "interventions": [i.to_dict() for i in self.interventions],
            "common_parameters": [p.to_dict() for p in self.common],
            "mechanisms": {k: dict(v) for k, v in self.mechanisms.items()},
        }


def _parameter(raw: dict[str, Any], where: str) -> Parameter:
    if raw.get("type") not in _TYPES:
        raise ScenarioError(f"parameter type {raw.get('type')!r} unknown", where=where)
    return Parameter(
        name=str(raw["name"]),
        type=str(raw["type"]),
        unit=str(raw.get("unit", "")),
        default=raw.get("default"),
        min=raw.get("min"),
        max=raw.get("max"),
        model=bool(raw.get("model", True)),
        label=dict(raw.get("label", {})),
        doc=str(raw.get("doc", "")),
    )


def catalogue_from_dict(raw: dict[str, Any], *, source: str = "interventions.toml") -> Catalogue:
    """Build and check a :class:`Catalogue` from the parsed TOML."""
    mechanisms = {str(k): dict(v) for k, v in raw.get("mechanisms", {}).items()}
    common = tuple(_parameter(p, f"{source}: common_parameter") for p in raw["common_parameter"])
    items = []
    for entry in raw["intervention"]:
        where = f"{source}: intervention {entry.get('id')!r}"
        if entry.get("mechanism") not in mechanisms:
            raise ScenarioError(f"mechanism {entry.get('mechanism')!r} is not listed", where=where)
        bad = set(entry.get("targets", [])) - set(TARGET_KINDS)
        if bad or not entry.get("targets"):
            raise ScenarioError(f"targets must be some of {TARGET_KINDS}", where=where)
        items.append(
            InterventionType(
                id=str(entry["id"]),
                name=dict(entry["name"]),
                mechanism=str(entry["mechanism"]),
                targets=tuple(entry["targets"]),
                physical=bool(entry.get("physical", False)),
                twin_change=str(entry.get("twin_change", "")),
                parameters=tuple(_parameter(p, where) for p in entry.get("parameter", [])),
            )
        )
    cat = Catalogue(tuple(items), common, mechanisms)
    if cat.ids != INTERVENTION_IDS:
        raise ScenarioError(
            f"the catalogue must list exactly the canonical ids {INTERVENTION_IDS}, in order",
            where=source,
        )
    return cat


def catalogue_path() -> Path:
    return data_dir() / "evidence" / "interventions.toml"


@lru_cache(maxsize=4)
def intervention_catalogue(path: str | None = None) -> Catalogue:
    """The intervention catalogue (the shipped one unless ``path`` is given)."""
    file = Path(path) if path else catalogue_path()
    with open(file, "rb") as fh:
        return catalogue_from_dict(tomllib.load(fh), source=file.name)
