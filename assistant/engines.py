"""Where the project's engines are plugged into the assistant (the integration point).

:func:`engine_providers` is what the CLI (``socialtwin ask``) and the viewer use. Each engine
needs a small adapter that satisfies one protocol of :mod:`assistant.providers`:

- ``twin/assessments`` (CPTED store)      → :class:`~assistant.providers.AssessmentProvider`
- ``twin/analytics`` (lighting, …)        → :class:`~assistant.providers.AnalyticsProvider`
- ``scenarios`` (engine and store)        → :class:`~assistant.providers.ScenarioProvider`
- ``scenarios`` (evidence registry)       → :class:`~assistant.providers.EvidenceProvider`

Until an adapter is added here, its engine counts as "not connected": its tools are not
offered to Claude and the offline explainer says so. See ``docs/assistant.md``.
"""

from __future__ import annotations

from assistant.providers import Providers
from twin import Twin

__all__ = ["engine_providers"]


def engine_providers(twin: Twin) -> Providers:
    """The providers of the engines installed with this project, for ``twin``.

    Each adapter reads lazily: nothing is computed or opened until a question needs it.
    """
    from assistant._analytics_provider import analytics_provider

    return Providers(
        analytics=analytics_provider(twin),  # twin/analytics: lighting, surveillance, CPTED, …
    )
