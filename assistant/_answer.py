"""What an answer is made of, and the events a page consumes while it streams."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant._grounding import Grounding
from assistant.tools import ToolCall

__all__ = ["Answer", "Citation", "Event", "Usage", "citations_from_calls"]


@dataclass(frozen=True)
class Citation:
    """One source an answer rests on; ``n`` is the number used in ``[n]`` markers."""

    n: int
    source: str
    licence: str = ""
    synthetic: bool = False
    kind: str = "data"
    grade: str = ""
    url: str = ""
    date: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "source": self.source,
            "licence": self.licence,
            "synthetic": self.synthetic,
            "kind": self.kind,
            "grade": self.grade,
            "url": self.url,
            "date": self.date,
        }


def citations_from_calls(calls: list[ToolCall]) -> list[Citation]:
    """The distinct sources of successful tool calls, numbered in order of first use."""
    seen: dict[tuple[str, str, str], Citation] = {}
    for call in calls:
        if not call.ok:
            continue
        for s in call.result.get("sources", []) or []:
            key = (str(s.get("source", "")), str(s.get("licence", "")), str(s.get("grade", "")))
            if key not in seen and key[0]:
                seen[key] = Citation(
                    n=len(seen) + 1,
                    source=key[0],
                    licence=key[1],
                    synthetic=bool(s.get("synthetic", False)),
                    kind=str(s.get("kind", "data")),
                    grade=key[2],
                    url=str(s.get("url", "")),
                    date=str(s.get("date", "")),
                )
    return list(seen.values())


def citation_number(citations: list[Citation], source: dict[str, Any]) -> int | None:
    for c in citations:
        if c.source == source.get("source") and c.grade == str(source.get("grade", "")):
            return c.n
    return None


@dataclass(frozen=True)
class Usage:
    """Tokens used by an answer (all zero offline)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    requests: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_creation_input_tokens + other.cache_creation_input_tokens,
            self.cache_read_input_tokens + other.cache_read_input_tokens,
            self.requests + other.requests,
        )

    @property
    def total(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_creation_input_tokens
            + self.cache_read_input_tokens
        )

    def to_dict(self) -> dict[str, int]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_creation_input_tokens": self.cache_creation_input_tokens,
            "cache_read_input_tokens": self.cache_read_input_tokens,
            "requests": self.requests,
            "total": self.total,
        }


@dataclass(frozen=True)
class Answer:
    """A finished answer.

    Attributes
    ----------
    text : str
        The answer as written (Markdown), before marking.
    marked_text : str
        What to show: every number the grounding check could not match is marked.
    backend : str
        ``"offline"`` or ``"claude"`` (a fall-back answer is ``"offline"`` with a ``notice``).
    areas : tuple of str
        CBS codes the answer talks about, for "show on map" links.
    notice : str
        A visible notice, e.g. why Claude was not used for this answer.
    """

    question: str
    text: str
    marked_text: str
    lang: str
    backend: str
    intent: str = ""
    citations: tuple[Citation, ...] = ()
    grounding: Grounding = field(default_factory=Grounding)
    tool_calls: tuple[ToolCall, ...] = ()
    areas: tuple[str, ...] = ()
    usage: Usage = field(default_factory=Usage)
    notice: str = ""
    refusal: dict[str, str] | None = None
    question_reading: dict[str, Any] | None = None

    @property
    def refused(self) -> bool:
        return self.refusal is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.marked_text,
            "answer_unmarked": self.text,
            "lang": self.lang,
            "backend": self.backend,
            "intent": self.intent,
            "citations": [c.to_dict() for c in self.citations],
            "grounding": self.grounding.to_dict(),
            "tool_calls": [c.to_dict() for c in self.tool_calls],
            "areas": list(self.areas),
            "usage": self.usage.to_dict(),
            "notice": self.notice,
            "refusal": self.refusal,
            "reading": self.question_reading,
        }


@dataclass(frozen=True)
class Event:
    """One step of a streamed answer.

    ``kind`` is ``"text"`` (``text`` is the next piece to show; numbers in it are already
    checked and marked), ``"tool"`` (``tool`` and ``arguments`` of a call being made),
    ``"notice"`` (``text`` to show prominently, e.g. the fall-back), ``"reset"`` (discard the
    text shown so far; a fall-back answer follows), or ``"done"`` (``answer`` is final).
    """

    kind: str
    text: str = ""
    tool: str = ""
    arguments: dict[str, Any] | None = None
    answer: Answer | None = None
