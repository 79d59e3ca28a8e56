"""Scenarios: named sets of placed interventions, read from and written to TOML.

A scenario file (documented in ``docs/scenarios.md``) has a ``[scenario]`` table (name,
seed, draws, horizons), an optional ``[harm_weights]`` table and one ``[[intervention]]``
table per measure: its ``type`` (a catalogue id), what it is placed on (``streets``,
``buildings``, ``spots`` in RD metres or ``spots_lonlat``, ``areas``) and its parameters.

>>> s = scenario_from_toml('''
... [scenario]
... name = "Licht in Centrum"
... [[intervention]]
... type = "street_lighting"
... areas = ["BU09173300"]
... ''')
>>> s.interventions[0].param("spacing_m")
30.0
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scenarios.catalogue import intervention_catalogue
from scenarios.constants import (
    BASELINE_YEARS,
    DEFAULT_DRAWS,
    DEFAULT_HORIZONS,
    DEFAULT_SEED,
    MAX_DRAWS,
    MAX_HORIZON,
    MIN_DRAWS,
)
from scenarios.errors import ScenarioError
from scenarios.registry import OUTCOME_IDS

__all__ = [
    "Intervention",
    "Scenario",
    "Targets",
    "make_intervention",
    "scenario_from_dict",
    "scenario_from_toml",
    "scenario_to_dict",
    "scenario_to_toml",
]

_TARGET_KEYS = ("streets", "buildings", "spots", "spots_lonlat", "areas")
_SETTINGS = ("name", "description", "seed", "draws", "horizons", "baseline_years")


@dataclass(frozen=True)
class Targets:
    """What an intervention is placed on. Spots are (x, y) in RD New metres."""

    streets: tuple[str, ...] = ()
    buildings: tuple[str, ...] = ()
    spots: tuple[tuple[float, float], ...] = ()
    areas: tuple[str, ...] = ()

    @property
    def kinds(self) -> tuple[str, ...]:
        """Kinds present, in catalogue vocabulary (streets, buildings, spots, area)."""
        out = []
        for kind, values in (
            ("streets", self.streets),
            ("buildings", self.buildings),
            ("spots", self.spots),
            ("area", self.areas),
        ):
            if values:
                out.append(kind)
        return tuple(out)

    def is_empty(self) -> bool:
        return not self.kinds

    def key(self) -> tuple[Any, ...]:
        """Hashable identity (exposures are cached on it)."""
        return (self.streets, self.buildings, self.spots, self.areas)


@dataclass(frozen=True)
class Intervention:
    """One placed measure: a catalogue ``type``, its targets and its parameters."""

    type: str
    targets: Targets
    params: dict[str, Any] = field(default_factory=dict)
    label: str = ""

    def param(self, name: str) -> Any:
        """A parameter's value, or its catalogue default (None for unset optional ones)."""
        if name in self.params:
            return self.params[name]
        for p in intervention_catalogue().parameters_of(self.type):
            if p.name == name:
                return p.default
        raise KeyError(f"{self.type} has no parameter {name!r}")

    @property
    def cost_eur(self) -> float:
        return float(self.params.get("cost_eur", 0.0) or 0.0)

    @property
    def annual_cost_eur(self) -> float:
        return float(self.params.get("annual_cost_eur", 0.0) or 0.0)

    @property
    def has_cost(self) -> bool:
        return "cost_eur" in self.params or "annual_cost_eur" in self.params

    def cost_until(self, year: int) -> float:
        """One-off cost plus running cost for the years it runs, up to ``year``."""
        duration = self.params.get("duration_years")
        running = year if duration is None else min(float(duration), year)
        return self.cost_eur + self.annual_cost_eur * running


@dataclass(frozen=True)
class Scenario:
    """A named set of interventions with the engine's settings."""

    name: str
    interventions: tuple[Intervention, ...] = ()
    description: str = ""
    seed: int = DEFAULT_SEED
    draws: int = DEFAULT_DRAWS
    horizons: tuple[int, ...] = DEFAULT_HORIZONS
    baseline_years: int = BASELINE_YEARS
    harm_weights: dict[str, float] = field(default_factory=dict)

    def with_interventions(self, interventions: list[Intervention]) -> Scenario:
        return replace(self, interventions=tuple(interventions))


# -- parsing ---------------------------------------------------------------------------------
def _strings(value: Any, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ScenarioError(f"{key} must be a list of ids (text)", where=where)
    return tuple(dict.fromkeys(value))


def _points(value: Any, key: str, where: str) -> tuple[tuple[float, float], ...]:
    ok = isinstance(value, list) and all(
        isinstance(p, list | tuple)
        and len(p) == 2
        and all(isinstance(c, int | float) and not isinstance(c, bool) for c in p)
        and all(math.isfinite(c) for c in p)
        for p in value
    )
    if not ok:
        raise ScenarioError(f"{key} must be a list of [x, y] pairs", where=where)
    return tuple((float(p[0]), float(p[1])) for p in value)


def _targets(raw: dict[str, Any], where: str) -> Targets:
    spots = _points(raw["spots"], "spots", where) if "spots" in raw else ()
    if "spots_lonlat" in raw:
        lonlat = _points(raw["spots_lonlat"], "spots_lonlat", where)
        if not all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in lonlat):
            raise ScenarioError("spots_lonlat must be [longitude, latitude] pairs", where=where)
        from pyproj import Transformer

        tr = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
        spots += tuple((round(x, 2), round(y, 2)) for x, y in (tr.transform(*p) for p in lonlat))
    if spots and not all(-7_000 <= x <= 300_000 and 289_000 <= y <= 629_000 for x, y in spots):
        raise ScenarioError(
            "spots are outside the Netherlands in RD New",
            where=where,
            hint="give spots as [x, y] in RD metres, or use spots_lonlat = [[lon, lat]]",
        )
    return Targets(
        streets=_strings(raw["streets"], "streets", where) if "streets" in raw else (),
        buildings=_strings(raw["buildings"], "buildings", where) if "buildings" in raw else (),
        spots=spots,
        areas=_strings(raw["areas"], "areas", where) if "areas" in raw else (),
    )


def _intervention(raw: Any, n: int) -> Intervention:
    where = f"intervention {n + 1}"
    if not isinstance(raw, dict):
        raise ScenarioError("must be a table", where=where)
    cat = intervention_catalogue()
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in cat:
        raise ScenarioError(
            f"type {kind!r} is not an intervention",
            where=where,
            hint=f"use one of {', '.join(cat.ids)}",
        )
    where = f"intervention {n + 1} ({kind})"
    spec = cat[kind]
    params_spec = {p.name: p for p in cat.parameters_of(kind)}
    unknown = sorted(set(raw) - {"type", "label", *_TARGET_KEYS, *params_spec})
    if unknown:
        raise ScenarioError(
            f"unknown field {unknown[0]!r}",
            where=where,
            hint=f"fields: type, label, {', '.join(_TARGET_KEYS)}, {', '.join(params_spec)}",
        )
    targets = _targets(raw, where)
    if targets.is_empty():
        raise ScenarioError(
            "has no target", where=where, hint=f"place it on {' or '.join(spec.targets)}"
        )
    wrong = [k for k in targets.kinds if k not in spec.targets]
    if wrong:
        raise ScenarioError(
            f"cannot be placed on {wrong[0]}",
            where=where,
            hint=f"it goes on {', '.join(spec.targets)}",
        )
    params = {k: params_spec[k].check(v, where=where) for k, v in raw.items() if k in params_spec}
    label = raw.get("label", "")
    if not isinstance(label, str):
        raise ScenarioError("label must be text", where=where)
    return Intervention(type=kind, targets=targets, params=params, label=label)


def make_intervention(
    type: str,
    *,
    streets: tuple[str, ...] | list[str] = (),
    buildings: tuple[str, ...] | list[str] = (),
    spots: tuple[tuple[float, float], ...] | list[list[float]] = (),
    areas: tuple[str, ...] | list[str] = (),
    label: str = "",
    **params: Any,
) -> Intervention:
    """A checked :class:`Intervention`, e.g. from a CPTED assessment's proposed measure.

    >>> make_intervention("hedge_trimming", buildings=["DEMO.pand.000001"]).targets.kinds
    ('buildings',)
    """
    raw: dict[str, Any] = {"type": type, **params}
    for key, value in (("streets", streets), ("buildings", buildings), ("areas", areas)):
        if value:
            raw[key] = list(value)
    if spots:
        raw["spots"] = [list(p) for p in spots]
    if label:
        raw["label"] = label
    return _intervention(raw, 0)


def scenario_from_dict(raw: dict[str, Any]) -> Scenario:
    """A validated :class:`Scenario` from plain data (parsed TOML or JSON)."""
    if not isinstance(raw, dict):
        raise ScenarioError("a scenario must be a table")
    head = raw.get("scenario")
    if not isinstance(head, dict):
        raise ScenarioError(
            "the [scenario] table is missing",
            hint='start the file with [scenario] and name = "..."',
        )
    unknown = sorted(set(raw) - {"scenario", "harm_weights", "intervention"})
    if unknown:
        raise ScenarioError(
            f"unknown table {unknown[0]!r}",
            hint="tables: [scenario], [harm_weights], [[intervention]]",
        )
    bad = sorted(set(head) - set(_SETTINGS))
    if bad:
        raise ScenarioError(
            f"unknown setting {bad[0]!r}",
            where="[scenario]",
            hint=f"settings: {', '.join(_SETTINGS)}",
        )
    name = head.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        raise ScenarioError("name must be text of 1–120 characters", where="[scenario]")

    def integer(key: str, default: int, lo: int, hi: int) -> int:
        v = head.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ScenarioError(f"{key} must be a whole number in {lo}–{hi}", where="[scenario]")
        return v

    horizons = head.get("horizons", list(DEFAULT_HORIZONS))
    if (
        not isinstance(horizons, list)
        or not horizons
        or not all(
            isinstance(h, int) and not isinstance(h, bool) and 1 <= h <= MAX_HORIZON
            for h in horizons
        )
    ):
        raise ScenarioError(
            f"horizons must be years 1–{MAX_HORIZON}, e.g. [1, 3]", where="[scenario]"
        )
    weights = raw.get("harm_weights", {})
    if not isinstance(weights, dict):
        raise ScenarioError("must be a table of outcome = weight", where="[harm_weights]")
    for k, v in weights.items():
        if k not in OUTCOME_IDS or k == "perceived_unsafety":
            raise ScenarioError(
                f"{k!r} is not a crime or nuisance outcome",
                where="[harm_weights]",
                hint="perceived unsafety is its own pathway and has no harm weight",
            )
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1000:
            raise ScenarioError(f"{k} must be a number in 0–1000", where="[harm_weights]")
    items = raw.get("intervention", [])
    if not isinstance(items, list):
        raise ScenarioError("interventions must be [[intervention]] tables")
    description = head.get("description", "")
    if not isinstance(description, str):
        raise ScenarioError("description must be text", where="[scenario]")
    return Scenario(
        name=name.strip(),
        description=description,
        seed=integer("seed", DEFAULT_SEED, 0, 2**32 - 1),
        draws=integer("draws", DEFAULT_DRAWS, MIN_DRAWS, MAX_DRAWS),
        horizons=tuple(sorted(set(horizons))),
        baseline_years=integer("baseline_years", BASELINE_YEARS, 1, 5),
        harm_weights={k: float(v) for k, v in weights.items()},
        interventions=tuple(_intervention(r, n) for n, r in enumerate(items)),
    )


def scenario_from_toml(text_or_path: str | Path) -> Scenario:
    """A scenario from TOML text, or from a ``.toml`` file path."""
    where = None
    if isinstance(text_or_path, Path) or (
        "\n" not in str(text_or_path) and str(text_or_path).endswith(".toml")
    ):
        path = Path(text_or_path)
        where = str(path)
        if not path.is_file():
            raise ScenarioError("file does not exist", where=where)
        text = path.read_text(encoding="utf-8")
    else:
        text = str(text_or_path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"not valid TOML: {exc}", where=where) from exc
    try:
        return scenario_from_dict(raw)
    except ScenarioError as exc:
        if where:
            raise ScenarioError(str(exc), where=where) from exc
        raise


# -- writing ---------------------------------------------------------------------------------
def scenario_to_dict(s: Scenario) -> dict[str, Any]:
    """Plain data that :func:`scenario_from_dict` reads back to an equal scenario."""
    head: dict[str, Any] = {"name": s.name}
    if s.description:
        head["description"] = s.description
    head |= {"seed": s.seed, "draws": s.draws, "horizons": list(s.horizons)}
    head["baseline_years"] = s.baseline_years
    out: dict[str, Any] = {"scenario": head}
    if s.harm_weights:
        out["harm_weights"] = dict(s.harm_weights)
    items = []
    for i in s.interventions:
        d: dict[str, Any] = {"type": i.type}
        if i.label:
            d["label"] = i.label
        t = i.targets
        if t.streets:
            d["streets"] = list(t.streets)
        if t.buildings:
            d["buildings"] = list(t.buildings)
        if t.spots:
            d["spots"] = [list(p) for p in t.spots]
        if t.areas:
            d["areas"] = list(t.areas)
        d |= i.params
        items.append(d)
    out["intervention"] = items
    return out


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else "nan"
    if isinstance(v, str):
        out = []
        for ch in v:
            if ch in ('"', "\\"):
                out.append("\\" + ch)
            elif ord(ch) < 0x20 or ord(ch) == 0x7F:
                out.append(f"\\u{ord(ch):04x}")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def scenario_to_toml(s: Scenario) -> str:
    """The scenario as a TOML file (readable, round-trips through :func:`scenario_from_toml`)."""
    d = scenario_to_dict(s)
    lines = ["[scenario]"] + [f"{k} = {_value(v)}" for k, v in d["scenario"].items()]
    if "harm_weights" in d:
        lines += ["", "[harm_weights]"] + [
            f"{k} = {_value(v)}" for k, v in d["harm_weights"].items()
        ]
    for item in d["intervention"]:
        lines += ["", "[[intervention]]"] + [f"{k} = {_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"
