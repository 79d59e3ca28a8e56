"""The offline explainer: deterministic answers built from tool results and catalogue phrases.

It reads the question (:mod:`assistant._intents`), calls the same read-only tools Claude would
call, and writes the answer from the phrases in ``data/assistant/phrases.toml``, citing sources
with ``[n]`` markers. It never writes a number that is not in a tool result: the grounding check
runs on its answers too, and the golden tests require them to pass it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assistant._answer import citation_number, citations_from_calls
from assistant._catalogue import catalogue, phrase
from assistant._intents import Question
from assistant.tools import ToolCall, ToolContext, run_tool

__all__ = ["Draft", "Writer", "explain_offline"]


@dataclass
class Draft:
    """An answer before grounding: its text, the tool calls behind it, the areas it is about."""

    text: str
    calls: list[ToolCall] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    intent: str = ""


class Writer:
    """Collects tool calls and paragraphs for one offline answer."""

    def __init__(self, ctx: ToolContext, q: Question) -> None:
        self.ctx, self.q, self.lang = ctx, q, q.lang
        self.intent = q.intent
        self.calls: list[ToolCall] = []
        self.parts: list[str] = []
        self.areas: list[str] = []

    def call(self, name: str, **arguments: Any) -> dict[str, Any] | None:
        """Run a tool (recorded for the audit and the grounding pool); None on an error."""
        args = {k: v for k, v in arguments.items() if v is not None}
        call = run_tool(self.ctx, name, args)
        self.calls.append(call)
        if not call.ok:
            self.add(self.p("tool_error", error=call.result.get("error", "")))
            return None
        return call.result

    def p(self, key: str, **values: Any) -> str:
        return phrase(key, self.lang, **values)

    def add(self, text: str) -> None:
        if text:
            self.parts.append(text)

    def cite(self, source: dict[str, Any] | None) -> str:
        """``[n]`` for a source of a result already fetched ("" when unknown)."""
        if not source:
            return ""
        n = citation_number(citations_from_calls(self.calls), source)
        return f"[{n}]" if n else ""

    def area(self, code: str) -> None:
        if code and code not in self.areas:
            self.areas.append(code)

    def draft(self) -> Draft:
        return Draft("\n\n".join(self.parts), self.calls, self.areas, self.intent)


def join_items(items: list[str], lang: str) -> str:
    """ "a, b en c" / "a, b and c"."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {phrase('and', lang)} " + items[-1]


def examples(lang: str) -> str:
    return "\n".join(f"- {e}" for e in catalogue("phrases")[lang]["examples"])


def explain_help(w: Writer) -> None:
    providers = w.ctx.providers
    names = ("assessments", "analytics", "scenarios", "evidence")
    connected = [w.p(f"engine_{n}") for n in names if providers.has(n)]
    missing = [w.p(f"engine_{n}") for n in names if not providers.has(n)]
    w.add(
        w.p(
            "help",
            twin=w.ctx.twin.name,
            examples=examples(w.lang),
            connected=join_items([w.p("engine_twin"), *connected], w.lang),
            missing=join_items(missing, w.lang) or w.p("nothing"),
        )
    )


def explain_unknown(w: Writer) -> None:
    w.intent = "unknown"
    w.add(w.p("unknown", examples=examples(w.lang)))


def _explainers() -> dict[str, Callable[[Writer], None]]:
    from assistant import _explain_engines as engines
    from assistant import _explain_twin as twin

    return {
        "help": explain_help,
        "unknown": explain_unknown,
        "compare": twin.explain_compare,
        "why_low": twin.explain_why,
        "indicator": twin.explain_indicator,
        "ranking": twin.explain_ranking,
        "source": twin.explain_source,
        "list_areas": twin.explain_list,
        "what_helps": engines.explain_what_helps,
        "assessments": engines.explain_assessments,
        "explain_scenario": engines.explain_scenario,
    }


def explain_offline(q: Question, ctx: ToolContext) -> Draft:
    """Answer ``q`` from the tools alone (no network)."""
    w = Writer(ctx, q)
    _explainers().get(q.intent, explain_unknown)(w)
    if not w.parts:
        explain_unknown(w)
    return w.draft()
