"""The assistant: guards first, then Claude (when allowed) or the offline explainer, then checks.

Every answer, from either backend, goes through the same steps: refusal check → answer
(streamed) → grounding check and marking → citations and "show on map" areas → audit log.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

from assistant._answer import Answer, Event, Usage, citations_from_calls
from assistant._audit import AuditLog
from assistant._catalogue import normalise, phrase
from assistant._claude import ClaudeFailure, ClaudeRequest, stream_claude
from assistant._grounding import FactPool, Grounding, check_grounding, marked_text
from assistant._intents import Question, areas_in_text, read_question
from assistant._offline import explain_offline
from assistant.providers import Providers
from assistant.tools import ToolCall, ToolContext
from twin import Settings, Twin, get_settings, load_twin

__all__ = ["Assistant", "ask", "explain_question"]

log = logging.getLogger(__name__)

_AREA_ARGS = ("area", "within", "areas")


class Assistant:
    """Answers questions about one twin.

    Parameters
    ----------
    twin : Twin, optional
        Default: :func:`twin.load_twin` (the configured twin or the embedded demo).
    providers : Providers, optional
        The engines plugged in (assessments, analytics, scenarios, evidence).
    settings : Settings, optional
        Default: :func:`twin.get_settings`. Claude is used only when ``external_ai`` is on and
        ``anthropic_api_key`` is set.
    audit : AuditLog, bool
        ``True`` (default) logs to ``<home>/assistant_audit.sqlite``; ``False`` logs nothing.
    client : object, optional
        An ``anthropic.Anthropic`` client to use instead of one built from the settings.

    Examples
    --------
    >>> a = Assistant(audit=False)
    >>> answer = a.ask("Hoeveel inwoners heeft Heerlen-Centrum?")
    >>> answer.backend, answer.grounding.ok
    ('offline', True)
    """

    def __init__(
        self,
        twin: Twin | None = None,
        *,
        providers: Providers | None = None,
        settings: Settings | None = None,
        audit: AuditLog | bool = True,
        client: Any = None,
    ) -> None:
        self.twin = twin if twin is not None else load_twin()
        self.providers = providers or Providers()
        self.settings = settings or get_settings()
        self.audit: AuditLog | None = AuditLog() if audit is True else (audit or None)
        self.client = client

    @property
    def claude_allowed(self) -> bool:
        """True when an administrator switched external AI on and a key is configured."""
        return bool(self.settings.external_ai and self.settings.anthropic_api_key)

    @property
    def backend(self) -> str:
        return "claude" if self.claude_allowed else "offline"

    def _context(self, lang: str) -> ToolContext:
        return ToolContext(self.twin, self.providers, lang)

    def read(
        self,
        question: str,
        *,
        area: str | None = None,
        scenario: str | None = None,
        lang: str | None = None,
    ) -> Question:
        """How the offline explainer reads a question (intent, areas, measures …)."""
        ctx = self._context("en")
        words: list[tuple[str, list[str]]] = []
        if self.providers.evidence is not None:
            for item in self.providers.evidence.interventions():
                names = [item.get("name_nl", ""), item.get("name_en", "")]
                words.append((str(item["id"]), [*names, *(item.get("synonyms") or [])]))
        return read_question(
            question,
            ctx.index,
            area=area.upper() if area else None,
            scenario=scenario,
            lang=lang,
            default_lang=self.settings.language,
            interventions=words,
        )

    def ask(self, question: str, **kwargs: Any) -> Answer:
        """The final answer (the stream consumed)."""
        answer = None
        for event in self.stream(question, **kwargs):
            if event.kind == "done":
                answer = event.answer
        assert answer is not None
        return answer

    def stream(
        self,
        question: str,
        *,
        area: str | None = None,
        scenario: str | None = None,
        lang: str | None = None,
        offline: bool = False,
    ) -> Iterator[Event]:
        """Answer step by step: ``text``/``tool``/``notice``/``reset`` events, then ``done``.

        Parameters
        ----------
        area : str, optional
            CBS code of the area in view ("here").
        scenario : str, optional
            Id of the scenario in view ("explain this result").
        lang : str, optional
            ``"nl"`` or ``"en"``; default: read from the question.
        offline : bool
            Never use Claude for this answer.
        """
        q = self.read(question, area=area, scenario=scenario, lang=lang)
        ctx = self._context(q.lang)
        labels = {k: phrase(f"mark_{k}", q.lang) for k in ("unmatched", "unit_mismatch")}
        refusal = _refusal(question, q.lang)
        if refusal is not None:
            text = phrase("refused", q.lang, reason=refusal["reason"])
            yield Event("text", text)
            yield self._done(
                q,
                text,
                [],
                check_grounding(text, FactPool(), q.lang),
                "guard",
                labels,
                area=area,
                scenario=scenario,
                refusal=refusal,
            )
            return
        notice, usage, claude_calls = "", Usage(), []
        if self.claude_allowed and not offline:
            calls: list[ToolCall] = []
            pool = FactPool()
            request = ClaudeRequest(ctx, question, area, scenario, pool, calls, labels)
            try:
                result = yield from stream_claude(self.settings, request, self.client)
            except ClaudeFailure as failure:
                log.warning("assistant falls back to offline: %s", failure)
                notice = phrase(f"notice_{failure.kind}", q.lang)
                usage, claude_calls = failure.usage, calls
                yield Event("reset")
                yield Event("notice", notice)
            else:
                note = phrase("notice_truncated", q.lang) if result.truncated else ""
                yield self._done(
                    q,
                    result.text,
                    calls,
                    check_grounding(result.text, pool, q.lang),
                    "claude",
                    labels,
                    usage=result.usage,
                    area=area,
                    scenario=scenario,
                    notice=note,
                    claude=True,
                )
                return
        draft = explain_offline(q, ctx)
        for call in draft.calls:
            yield Event("tool", tool=call.name, arguments=call.arguments)
        pool = FactPool.from_results(c.result for c in draft.calls)
        grounding = check_grounding(draft.text, pool, q.lang)
        shown = marked_text(draft.text, grounding, labels)
        for paragraph in shown.split("\n\n"):
            yield Event("text", paragraph + "\n\n")
        yield self._done(
            q,
            draft.text,
            [*claude_calls, *draft.calls],
            grounding,
            "offline",
            labels,
            usage=usage,
            area=area,
            scenario=scenario,
            notice=notice,
            areas=draft.areas,
            intent=draft.intent,
        )

    def _done(
        self,
        q: Question,
        text: str,
        calls: list[ToolCall],
        grounding: Grounding,
        backend: str,
        labels: dict[str, str],
        *,
        usage: Usage | None = None,
        area: str | None = None,
        scenario: str | None = None,
        notice: str = "",
        refusal: dict[str, str] | None = None,
        areas: list[str] | None = None,
        claude: bool = False,
        intent: str = "",
    ) -> Event:
        if claude and not grounding.ok:
            notice = " ".join(n for n in (notice, phrase("notice_ungrounded", q.lang)) if n)
        answer = Answer(
            question=q.text,
            text=text,
            marked_text=marked_text(text, grounding, labels),
            lang=q.lang,
            backend=backend,
            intent="refused" if refusal else intent,
            citations=tuple(citations_from_calls(calls)),
            grounding=grounding,
            tool_calls=tuple(calls),
            areas=tuple(areas if areas is not None else self._areas(text, calls)),
            usage=usage or Usage(),
            notice=notice,
            refusal=refusal,
            question_reading=q.to_dict(),
        )
        if self.audit is not None:
            try:
                self.audit.record(answer, area=area, scenario=scenario)
            except sqlite3.Error as exc:  # the answer matters more than its log line
                log.error("could not write the assistant audit log: %s", exc)
        return Event("done", answer=answer)

    def _areas(self, text: str, calls: list[ToolCall]) -> list[str]:
        """Areas an answer talks about: named in it, or asked about in its tool calls."""
        index = self._context("en").index
        found = [code for _, code in areas_in_text(text, normalise(text), index)]
        for call in calls:
            for key in _AREA_ARGS:
                value = call.arguments.get(key)
                for v in value if isinstance(value, list) else [value]:
                    if isinstance(v, str):
                        code = v.strip().upper()
                        if code in index.pos:
                            found.append(code)
                        elif re.match(r"^[\w' .-]+$", v):
                            found += [c for _, c in areas_in_text(v, normalise(v), index)]
        return [c for c in dict.fromkeys(found) if c != index.municipality]


def _refusal(question: str, lang: str) -> dict[str, str] | None:
    from assistant._guards import refusal_for

    refusal = refusal_for(question, lang)
    return refusal.to_dict() if refusal else None


def explain_question(kind: str, lang: str = "nl") -> str:
    """The question behind an "Explain" button: ``scenario``, ``area`` or ``assessment``.

    Ask it with the thing in view: ``stream(explain_question("area"), area=code)``.

    >>> explain_question("scenario", "en")[:29]
    'Explain this scenario result:'
    """
    return phrase(f"explain_{kind}", lang)


def ask(question: str, **kwargs: Any) -> Answer:
    """One answer from a default :class:`Assistant` (the configured twin, no providers)."""
    options = {k: kwargs.pop(k) for k in ("area", "scenario", "lang", "offline") if k in kwargs}
    return Assistant(**kwargs).ask(question, **options)
