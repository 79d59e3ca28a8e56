"""Running scenarios for the page: cached per twin fingerprint and scenario content.

The model (baseline draws, spatial index) is built once per twin; a result is cached under the
twin's fingerprint and the scenario's TOML text, so a rerun that changes nothing about the
scenario (a click on the map, another outcome on the map) costs nothing, and a parameter change
reruns only the Monte Carlo (≈ 0.05–0.4 s). Summaries are computed once per result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from scenarios import (
    Comparison,
    Scenario,
    ScenarioModel,
    ScenarioResult,
    compare_results,
    model_from_twin,
    run_scenario,
    scenario_to_toml,
    twin_changes,
)
from twin import Twin
from twin.analytics import (
    LightingChange,
    SurveillanceChange,
    lighting_change,
    surveillance_change,
)

__all__ = [
    "ResultView",
    "changes_of",
    "comparison_of",
    "effective_status",
    "model_of",
    "result_of",
    "street_changes_of",
    "view_of",
]

#: Results kept in memory (a demo result holds ~35 MB of draws): the current scenario, a few
#: recent edits and up to four compared ones.
_MAX_RESULTS = 8


@dataclass(frozen=True)
class ResultView:
    """The summaries of one result the page shows (computed once, then reused)."""

    result: ScenarioResult
    totals: pd.DataFrame
    status: dict[str, str]
    harm: dict[str, Any]
    cost: dict[str, Any] | None
    evidence: list[dict[str, Any]]
    assumptions: list[dict[str, str]]

    areas: dict[tuple[str, int], pd.DataFrame] = field(default_factory=dict)

    def area_table(self, outcome: str, horizon: int) -> pd.DataFrame:
        """Per-buurt change of one outcome at one horizon (computed once per view)."""
        key = (outcome, horizon)
        if key not in self.areas:
            self.areas[key] = self.result.area_table(outcome, horizon)
        return self.areas[key]


@st.cache_resource(show_spinner=False, max_entries=4)
def _model(fingerprint: str, _twin: Twin) -> ScenarioModel:
    return model_from_twin(_twin)


def model_of(twin: Twin) -> ScenarioModel:
    """The scenario model of ``twin`` (built once per fingerprint)."""
    return _model(twin.fingerprint, twin)


@st.cache_resource(show_spinner=False, max_entries=_MAX_RESULTS)
def _result(fingerprint: str, toml: str, _twin: Twin, _scenario: Scenario) -> ScenarioResult:
    return run_scenario(model_of(_twin), _scenario)


def result_of(twin: Twin, scenario: Scenario) -> ScenarioResult:
    """The result of ``scenario`` on ``twin``, cached by content and twin fingerprint."""
    return _result(twin.fingerprint, scenario_to_toml(scenario), twin, scenario)


def effective_status(status: dict[str, str], evidence: list[dict[str, Any]]) -> dict[str, str]:
    """The engine's evidence status per outcome, aware of moderators.

    An estimate that a moderator switches off in every buurt it reaches (foot patrol on
    violence below the top 40 % of buurten) counts as "no reliable evidence" there: the
    engine treats it as no estimate, so the page must not present its median as an effect.
    """
    out = dict(status)
    for outcome, current in status.items():
        if current != "estimate":
            continue
        live = [
            e
            for item in evidence
            for e in item["outcomes"]
            if e["outcome"] == outcome
            and e["status"] == "estimate"
            and e.get("areas_reached", 0) > 0
            and not (e.get("moderator") and not e.get("effect_in_treated_area"))
        ]
        if not live:
            out[outcome] = "no reliable evidence"
    return out


@st.cache_resource(show_spinner=False, max_entries=_MAX_RESULTS)
def _view(fingerprint: str, toml: str, _twin: Twin, _scenario: Scenario) -> ResultView:
    r = result_of(_twin, _scenario)
    evidence = r.evidence("en")
    status = effective_status(r.evidence_status(), evidence)
    totals = r.totals()
    totals["evidence"] = totals["outcome"].map(status)
    return ResultView(
        result=r,
        totals=totals,
        status=status,
        harm=r.harm(),
        cost=r.cost(),
        evidence=evidence,
        assumptions=r.assumptions,
    )


def view_of(twin: Twin, scenario: Scenario) -> ResultView:
    """Result and summaries of ``scenario`` (cached like :func:`result_of`)."""
    return _view(twin.fingerprint, scenario_to_toml(scenario), twin, scenario)


@st.cache_resource(show_spinner=False, max_entries=_MAX_RESULTS)
def _changes(
    fingerprint: str, toml: str, _twin: Twin, _scenario: Scenario
) -> tuple[Twin, list[dict[str, Any]]]:
    return twin_changes(_twin, _scenario)


def changes_of(twin: Twin, scenario: Scenario) -> tuple[Twin, list[dict[str, Any]]]:
    """The twin after the scenario's physical measures, and the log of changes (cached)."""
    return _changes(twin.fingerprint, scenario_to_toml(scenario), twin, scenario)


@st.cache_resource(show_spinner=False, max_entries=4)
def _comparison(
    fingerprint: str, tomls: tuple[str, ...], _twin: Twin, _scenarios: tuple[Scenario, ...]
) -> Comparison:
    return compare_results([result_of(_twin, s) for s in _scenarios])


def comparison_of(twin: Twin, scenarios: list[Scenario]) -> Comparison:
    """:func:`scenarios.compare_results` of 2–4 scenarios on ``twin`` (cached)."""
    tomls = tuple(scenario_to_toml(s) for s in scenarios)
    return _comparison(twin.fingerprint, tomls, twin, tuple(scenarios))


@st.cache_resource(show_spinner=False, max_entries=_MAX_RESULTS)
def _street_changes(
    fingerprint: str, toml: str, _twin: Twin, _changed: Twin
) -> tuple[LightingChange, SurveillanceChange]:
    return lighting_change(_twin, _changed), surveillance_change(_twin, _changed)


def street_changes_of(
    twin: Twin, scenario: Scenario
) -> tuple[list[dict[str, Any]], LightingChange, SurveillanceChange]:
    """The log of what the scenario changes in the twin (:func:`changes_of`), and the street
    lighting and natural surveillance before → after the change (cached per scenario content).

    Only the segments a changed lamp or building reaches are recomputed (milliseconds to a
    fraction of a second); see :func:`twin.analytics.lighting_change` and
    :func:`twin.analytics.surveillance_change`.
    """
    toml = scenario_to_toml(scenario)
    changed, log = _changes(twin.fingerprint, toml, twin, scenario)
    lighting, watching = _street_changes(twin.fingerprint, toml, twin, changed)
    return log, lighting, watching
