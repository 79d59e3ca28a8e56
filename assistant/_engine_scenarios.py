"""The scenario engine and store (``scenarios``) as a
:class:`~assistant.providers.ScenarioProvider`.

Saved scenarios are read from the scenario store (``<home>/scenarios.sqlite``; a store that
does not exist yet is not created) and run read-only on this twin; ``run`` runs an unsaved
scenario and never saves it. A result becomes the protocol's summary:

- one row per outcome for the municipality, and one per outcome with an estimate for each of
  the (at most :data:`MAX_AREAS`) buurten the interventions treat most, at one horizon;
- medians with 80 % and 95 % intervals, the % change, P(reduction), and
  ``no_reliable_evidence`` where only measures without an estimate reach the outcome;
- per buurt, absolute counts are withheld (``None``) where the source suppressed the buurt's
  value — only the % change and P(reduction) are given, as on the Scenarios page;
- the evidence behind each effect (grade, citations with their ✔/◐/✖ flags) and the model's
  assumptions.

Results are cached per scenario revision and horizon: the first explanation of a saved
scenario runs it (about a second and a half for the demo), later ones are read back.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from assistant._engine_evidence import FLAG_MEANING
from assistant.tools import ToolError
from scenarios import (
    Scenario,
    ScenarioError,
    ScenarioResult,
    ScenarioStore,
    intervention_catalogue,
    make_intervention,
    model_from_twin,
    run_scenario,
)
from scenarios.constants import STORE_FILE
from scenarios.result import stats_of
from twin import Twin, get_settings

__all__ = ["MAX_AREAS", "EngineScenarios", "summary_from_result"]

#: Buurten reported per scenario (the most treated first): enough to explain, short to read.
MAX_AREAS = 3
#: Results kept in memory (per scenario revision and horizon).
MAX_CACHED = 16


def _r(value: Any, nd: int = 1) -> float | None:
    if value is None:
        return None
    v = float(value)
    return round(v, nd) if np.isfinite(v) else None


def _horizon_year(horizon: str | int | None, years: tuple[int, ...]) -> int:
    """The year of ``"year 3"`` (or 3); default the scenario's last horizon."""
    if horizon is None or horizon == "":
        return years[-1]
    text = str(horizon).lower().replace("year", "").replace("jaar", "").strip()
    try:
        year = int(text)
    except ValueError as exc:
        raise ScenarioError(f"horizon {horizon!r}: write 'year 1' or 'year 3'") from exc
    if year not in years:
        raise ScenarioError(f"horizon {horizon!r}: this scenario reports years {list(years)}")
    return year


def _treated(result: ScenarioResult) -> tuple[list[str], dict[int, list[str]]]:
    """Buurten treated by the scenario (most treated first) and per intervention."""
    codes = [str(c) for c in result.dataset["area"].to_numpy()]
    total = np.zeros(len(codes))
    per: dict[int, np.ndarray] = {}
    for col in result.raw["columns"]:
        total += col.treated
        per[col.instance] = per.get(col.instance, np.zeros(len(codes))) + col.treated
    order = [codes[i] for i in np.argsort(-total, kind="stable") if total[i] > 0]
    return order, {n: [codes[i] for i in np.flatnonzero(v > 0)] for n, v in per.items()}


def _outcome_row(
    result: ScenarioResult, outcome: str, year: int, area: str, status: str, municipality: str
) -> dict[str, Any]:
    o = result.registry.outcomes[outcome]
    ds = result.dataset
    h = list(result.horizons).index(year)
    base = ds["baseline"].sel(outcome=outcome).to_numpy()
    scen = ds["scenario"].sel(outcome=outcome).to_numpy()[:, h]
    inhabitants = ds["inhabitants"].to_numpy().astype(float)
    if area == municipality:
        b, s, inh, hidden = base.sum(axis=1), scen.sum(axis=1), inhabitants.sum(), False
    else:
        i = [str(c) for c in ds["area"].to_numpy()].index(area)
        b, s, inh = base[:, i], scen[:, i], float(inhabitants[i])
        hidden = bool(ds["suppressed"].sel(outcome=outcome).to_numpy()[i])
    as_pct = o.pathway == "perception" and inh > 0
    scale = 100.0 / inh if as_pct else 1.0
    change = np.where(b > 0, (s - b) / np.where(b > 0, b, 1.0) * 100.0, 0.0)
    st_s, st_c = stats_of(s * scale), stats_of(change)
    row: dict[str, Any] = {
        "outcome": outcome,
        "label_nl": o.name("nl"),
        "label_en": o.name("en"),
        "unit": "% of residents" if as_pct else "expected count per year",
        "area": area,
        "horizon": f"year {year}",
        "baseline": _r(np.median(b * scale)),
        "median": _r(st_s["median"]),
        "low80": _r(st_s["lo80"]),
        "high80": _r(st_s["hi80"]),
        "low95": _r(st_s["lo95"]),
        "high95": _r(st_s["hi95"]),
        "change_pct_median": _r(st_c["median"]),
        "change_pct_low80": _r(st_c["lo80"]),
        "change_pct_high80": _r(st_c["hi80"]),
        "change_pct_low95": _r(st_c["lo95"]),
        "change_pct_high95": _r(st_c["hi95"]),
        "prob_reduction": _r(np.mean(s < b), 2),
        "no_reliable_evidence": status == "no reliable evidence",
        "evidence_status": status,
        "synthetic": bool(ds["synthetic"].sel(outcome=outcome)),
    }
    if hidden:  # the source suppressed this buurt's figure: relative change only
        for key in ("baseline", "median", "low80", "high80", "low95", "high95"):
            row[key] = None
        row["suppressed"] = True
    return row


def _evidence(result: ScenarioResult) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for block in result.evidence("en"):
        for e in block["outcomes"]:
            key = (str(e["intervention"]), str(e["outcome"]))
            if key in seen:
                continue
            estimate = e["status"] == "estimate"
            seen[key] = {
                "intervention": key[0],
                "outcome": key[1],
                "status": e["status"],
                "grade": e["grade"],
                "citation": "; ".join(f"{c['text']} {c['flag']}" for c in e["citations"]),
                "citations": [
                    {**c, "flag_meaning": FLAG_MEANING.get(c["flag"], "")} for c in e["citations"]
                ],
                "verified": e.get("figure_flag") == "✔" if estimate else True,
                "transfer_note": e.get("transfer", ""),
            }
    return list(seen.values())


def _sources(result: ScenarioResult, synthetic: bool) -> list[dict[str, Any]]:
    twin = result.model.twin
    out = [
        {
            "source": "Social Twin scenario engine (Monte Carlo over the evidence registry "
            f"v{result.registry.version}) on {twin.name}",
            "licence": "",
            "synthetic": synthetic,
            "kind": "scenario",
        }
    ]
    for outcome in result.outcomes:
        m = twin.manifest.indicators.get(result.registry.outcomes[outcome].indicator)
        entry = {
            "source": m.source if m else outcome,
            "licence": m.licence if m else "",
            "synthetic": bool(m.synthetic) if m else False,
            "kind": "data",
        }
        if entry not in out:
            out.append(entry)
    return out


def summary_from_result(
    result: ScenarioResult,
    *,
    scenario_id: str = "",
    created: str = "",
    horizon: str | int | None = None,
) -> dict[str, Any]:
    """A scenario result in the shape of the scenario protocol (JSON-able)."""
    twin = result.model.twin
    municipality = str(twin.meta.get("municipality", ""))
    if municipality not in set(twin.neighbourhoods["code"]):
        levels = twin.neighbourhoods
        municipality = str(levels.loc[levels["level"] == "gemeente", "code"].iloc[0])
    year = _horizon_year(horizon, result.horizons)
    status = result.evidence_status()
    treated, per_intervention = _treated(result)
    cat = intervention_catalogue()
    outcomes = [  # the treated buurten first (where the change is), then the city
        _outcome_row(result, o, year, area, status[o], municipality)
        for area in treated[:MAX_AREAS]
        for o in result.outcomes
        if status[o] == "estimate"
    ]
    outcomes += [
        _outcome_row(result, o, year, municipality, status[o], municipality)
        for o in result.outcomes
        if status[o] != "not targeted"
    ]
    synthetic = bool(twin.meta.get("synthetic_geometry")) or any(r["synthetic"] for r in outcomes)
    interventions = [
        {
            "kind": item.type,
            "name_nl": cat[item.type].label("nl"),
            "name_en": cat[item.type].label("en"),
            "areas": per_intervention.get(n, []),
            "params": dict(item.params),
            "targets": {k: len(v) for k, v in vars(item.targets).items() if v},
        }
        for n, item in enumerate(result.scenario.interventions)
    ]
    return {
        "id": scenario_id,
        "name": result.scenario.name,
        "created": created,
        "horizon": f"year {year}",
        "horizons": [f"year {y}" for y in result.horizons],
        "draws": result.scenario.draws,
        "seed": result.scenario.seed,
        "synthetic": synthetic,
        "interventions": interventions,
        "outcomes": outcomes,
        "not_targeted": [o for o in result.outcomes if status[o] == "not targeted"],
        "buurten_treated": len(treated),
        "evidence": _evidence(result),
        "assumptions": [a["text"] for a in result.assumptions],
        "sources": _sources(result, synthetic),
    }


class EngineScenarios:
    """Saved scenarios of this installation, run on ``twin`` (read-only)."""

    def __init__(self, twin: Twin, path: str | Path | None = None) -> None:
        self.twin = twin
        self._path = Path(path) if path is not None else None
        self._model: Any = None
        self._cache: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._lock = threading.Lock()

    def _store(self) -> ScenarioStore | None:
        path = self._path or get_settings().home_path / STORE_FILE
        return ScenarioStore(path) if path.exists() else None

    def _run(self, key: tuple[Any, ...], scenario: Scenario, **meta: Any) -> dict[str, Any]:
        with self._lock:  # one run at a time; the model caches baseline draws and zones
            if key in self._cache:
                return self._cache[key]
            if self._model is None:
                self._model = model_from_twin(self.twin)
            summary = summary_from_result(run_scenario(self._model, scenario), **meta)
            if len(self._cache) >= MAX_CACHED:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = summary
            return summary

    def scenarios(self) -> list[dict[str, Any]]:
        store = self._store()
        if store is None:
            return []
        with store:
            return [
                {
                    "id": str(i.id),
                    "name": i.name,
                    "created": i.updated_at,
                    "interventions": list(i.types),
                }
                for i in store.list()
            ]

    def scenario(self, scenario_id: str) -> dict[str, Any] | None:
        store = self._store()
        if store is None or not str(scenario_id).strip().isdigit():
            return None
        with store:
            try:
                saved = store.get(int(scenario_id))
            except ScenarioError:
                return None
        key = ("saved", saved.id, saved.revision, self.twin.fingerprint)
        return self._run(key, saved.scenario, scenario_id=str(saved.id), created=saved.updated_at)

    def run(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        try:
            horizon = _horizon_year(spec.get("horizon", "year 1"), (1, 3))
            items = [
                make_intervention(
                    str(i["kind"]), areas=list(i.get("areas", [])), **dict(i.get("params") or {})
                )
                for i in spec.get("interventions", [])
            ]
            scenario = Scenario(name="unsaved run", interventions=tuple(items), horizons=(horizon,))
            key = ("run", repr(scenario), self.twin.fingerprint)
            return self._run(key, scenario)
        except ScenarioError as exc:  # a wrong kind, area or parameter: the caller can fix it
            raise ToolError(str(exc)) from exc
