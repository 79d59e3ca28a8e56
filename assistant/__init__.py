"""The assistant: a deep-tech colleague that explains the twin with checked numbers.

>>> from assistant import Assistant
>>> answer = Assistant(audit=False).ask("How does Heerlen-Centrum compare with the city?")
>>> answer.backend, answer.intent, answer.grounding.ok
('offline', 'compare', True)

Public API:

- :class:`Assistant` — ``ask(question)`` → :class:`Answer`; ``stream(question)`` →
  :class:`Event` s (text pieces, tool calls, notices, then the final answer). Offline by
  default; Claude only when ``external_ai`` is on and a key is set;
- :func:`ask` — one answer from a default assistant; :func:`explain_question` — the question
  behind an "Explain" button (scenario result, neighbourhood, assessment);
- :class:`Providers` and the protocols :class:`AssessmentProvider`,
  :class:`AnalyticsProvider`, :class:`ScenarioProvider`, :class:`EvidenceProvider` — how the
  engines plug in;
- :data:`TOOLS`, :func:`tool`, :class:`ToolContext`, :func:`run_tool` — the read-only tools
  (one definition serves both backends);
- :func:`check_grounding`, :class:`FactPool`, :class:`Grounding` — the number check;
- :func:`refusal_for` — the refusal guard; :class:`AuditLog` — the audit log.
"""

from __future__ import annotations

from assistant import _provider_tools, _twin_tools  # noqa: F401  (register the tools)
from assistant._answer import Answer, Citation, Event, Usage
from assistant._assistant import Assistant, ask, explain_question
from assistant._audit import AuditLog
from assistant._grounding import FactPool, Grounding, NumberCheck, check_grounding, marked_text
from assistant._guards import Refusal, refusal_for
from assistant.providers import (
    AnalyticsProvider,
    AssessmentProvider,
    EvidenceProvider,
    Providers,
    ScenarioProvider,
)
from assistant.tools import TOOLS, Tool, ToolCall, ToolContext, ToolError, run_tool, tool

__all__ = [
    "TOOLS",
    "AnalyticsProvider",
    "Answer",
    "AssessmentProvider",
    "Assistant",
    "AuditLog",
    "Citation",
    "Event",
    "EvidenceProvider",
    "FactPool",
    "Grounding",
    "NumberCheck",
    "Providers",
    "Refusal",
    "ScenarioProvider",
    "Tool",
    "ToolCall",
    "ToolContext",
    "ToolError",
    "Usage",
    "ask",
    "check_grounding",
    "explain_question",
    "marked_text",
    "refusal_for",
    "run_tool",
    "tool",
]
