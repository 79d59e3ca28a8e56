"""Where the project's engines are plugged into the assistant (the integration point).

:func:`engine_providers` is what the CLI (``socialtwin ask``) and the viewer use. Each engine
has a small adapter that satisfies one protocol of :mod:`assistant.providers`:

- ``twin/assessments`` (CPTED store) → ``AssessmentProvider``: :class:`StoreAssessments`
- ``scenarios`` (engine and store) → ``ScenarioProvider``: :class:`EngineScenarios`
- ``scenarios`` (evidence registry) → ``EvidenceProvider``: :class:`RegistryEvidence`
- ``twin/analytics`` (lighting, surveillance, …) → ``AnalyticsProvider``:
  :func:`assistant._analytics_provider.analytics_provider`

An engine without an adapter counts as "not connected": its tools are not offered to Claude
and the offline explainer says so. See ``docs/assistant.md``.
"""

from __future__ import annotations

from assistant._engine_assessments import StoreAssessments
from assistant._engine_evidence import RegistryEvidence
from assistant._engine_scenarios import EngineScenarios
from assistant.providers import Providers
from twin import Twin

__all__ = ["EngineScenarios", "RegistryEvidence", "StoreAssessments", "engine_providers"]


def engine_providers(twin: Twin) -> Providers:
    """The providers of the engines installed with this project, for ``twin``.

    Assessments and scenarios are read from the stores under the home folder
    (``SOCIALTWIN_HOME``) each time they are asked for, so what was saved a moment ago in the
    app is what the assistant explains. Each adapter reads lazily: nothing is computed or opened
    until a question needs it.
    """
    from assistant._analytics_provider import analytics_provider

    return Providers(
        analytics=analytics_provider(twin),  # twin/analytics: lighting, surveillance, CPTED, …
        assessments=StoreAssessments(twin),
        scenarios=EngineScenarios(twin),
        evidence=RegistryEvidence(),
    )
