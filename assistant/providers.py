"""The protocol between the assistant and the engines it explains.

The assistant reads the twin itself. The CPTED assessments (``twin/assessments``), the street
analytics (``twin/analytics``), the scenario engine and the evidence registry (``scenarios/``)
are reached through four small read-only *providers*. An integrator writes an adapter that
satisfies a protocol below and passes it in :class:`Providers`; the tools, the offline explainer
and the Claude backend pick it up. A provider that is not plugged in makes its tools disappear
from what Claude is offered, and the offline explainer says the engine is not connected.

All returned structures are plain dicts and lists (JSON-able), documented field by field
here and in ``docs/assistant.md``. Numbers must already respect suppression. Every result
carries ``sources``: a list of ``{"source", "licence", "synthetic", "kind", "grade"?, "url"?}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "AnalyticsProvider",
    "AssessmentProvider",
    "EvidenceProvider",
    "Providers",
    "ScenarioProvider",
]


@runtime_checkable
class AssessmentProvider(Protocol):
    """Read access to CPTED assessments.

    ``assessments(area=None, street=None)`` returns the current version of every assessment in a
    buurt/wijk (by CBS code; a wijk includes its buurten) and/or on a street (by name), as dicts:

    - ``id`` (str), ``area`` (buurt code), ``target_kind`` ("building", "street", "spot",
      "area"), ``target_name`` (street name or building label, may be ""),
    - ``scores``: principle → score 1–5, or None for n/a. Principles: ``surveillance``,
      ``access_control``, ``territoriality``, ``maintenance``, ``activity_support``,
      ``target_hardening``, ``lighting``,
    - ``observed`` ("day" or "night"), ``date`` (ISO date),
    - ``notes`` (free text, untrusted), ``measures`` (intervention ids proposed).

    No author field: the assistant never sees who wrote an assessment.
    """

    def assessments(
        self, area: str | None = None, street: str | None = None
    ) -> Sequence[Mapping[str, Any]]: ...


@runtime_checkable
class AnalyticsProvider(Protocol):
    """Per-buurt results of the street analytics (lighting, surveillance, hidden spots, …).

    ``measures()`` describes each measure: ``{name: {"label_nl", "label_en", "unit",
    "higher_is" ("better"/"worse"), "source", "licence", "synthetic", "notes",
    "related": [other measure names that explain it], "weights": {component: weight} for a
    composite such as the CPTED score}}``.

    ``summaries()`` gives ``{buurt_code: {measure: value or None}}`` for every buurt, plus the
    municipality code for the city-wide value when the engine computes one (otherwise the
    assistant reports the median of the buurten and says so).
    """

    def measures(self) -> Mapping[str, Mapping[str, Any]]: ...

    def summaries(self) -> Mapping[str, Mapping[str, float | None]]: ...


@runtime_checkable
class ScenarioProvider(Protocol):
    """Saved scenarios and the engine, read-only (running a scenario does not save it).

    ``scenarios()`` lists ``{"id", "name", "created"}``. ``scenario(id)`` and ``run(spec)``
    return a summary:

    - ``id``, ``name``, ``horizon`` ("year 1"/"year 3"), ``draws`` (int), ``synthetic`` (bool),
    - ``interventions``: ``[{"kind", "name_nl", "name_en", "areas": [codes], "params": {}}]``,
    - ``outcomes``: ``[{"outcome", "label_nl", "label_en", "unit", "area" (code, or the
      municipality), "baseline", "median", "low80", "high80", "low95", "high95",
      "change_pct_median", "change_pct_low80", "change_pct_high80", "change_pct_low95",
      "change_pct_high95", "prob_reduction", "no_reliable_evidence" (bool)}]``; absolute
      values are None (and ``"suppressed": True``) where the source suppressed the figure,
      ``unit`` containing "%" means a share of residents, otherwise a count per year,
    - ``evidence``: ``[{"intervention", "outcome", "grade" A–D, "citation", "verified"}]``,
    - ``assumptions``: list of sentences, ``sources``: as everywhere.

    ``spec`` for ``run`` is ``{"interventions": [{"kind", "areas": [codes], "params": {}}],
    "horizon": "year 1"}``.
    """

    def scenarios(self) -> Sequence[Mapping[str, Any]]: ...

    def scenario(self, scenario_id: str) -> Mapping[str, Any] | None: ...

    def run(self, spec: Mapping[str, Any]) -> Mapping[str, Any]: ...


@runtime_checkable
class EvidenceProvider(Protocol):
    """The evidence registry.

    ``interventions()`` lists ``{"id", "name_nl", "name_en", "synonyms": [words, NL and EN]}``.
    ``evidence(intervention=None, outcome=None)`` returns entries (either filter may be None):
    ``{"intervention", "outcome", "outcome_label_nl", "outcome_label_en",
    "effect_pct_median", "effect_pct_low95", "effect_pct_high95" (% change; None with
    ``no_reliable_estimate``), "no_reliable_estimate" (bool), "grade" (A–D), "citation",
    "verified" (bool), "transfer_note", "reach", "time_to_effect"}``.
    """

    def interventions(self) -> Sequence[Mapping[str, Any]]: ...

    def evidence(
        self, intervention: str | None = None, outcome: str | None = None
    ) -> Sequence[Mapping[str, Any]]: ...


@dataclass(frozen=True)
class Providers:
    """The engines plugged into the assistant; any may be None (not connected)."""

    assessments: AssessmentProvider | None = None
    analytics: AnalyticsProvider | None = None
    scenarios: ScenarioProvider | None = None
    evidence: EvidenceProvider | None = None

    def has(self, name: str) -> bool:
        return getattr(self, name, None) is not None

    def connected(self) -> list[str]:
        return [n for n in ("assessments", "analytics", "scenarios", "evidence") if self.has(n)]
