"""The Claude backend: a streamed tool-use loop over the same read-only tools.

Used only when an administrator switched ``external_ai`` on *and* a key is set. The fixed
system prompt and the twin context are sent as two system blocks marked for prompt caching;
text streams out through :class:`~assistant._grounding.StreamMarker`, so a number that is not in
a tool result is marked before anyone sees it. Any failure (rate limit, overload, timeout,
connection, malformed stream, too many steps) raises :class:`ClaudeFailure`, and the assistant
answers offline instead with a visible notice.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from assistant._answer import Event, Usage
from assistant._catalogue import catalogue_dir
from assistant._grounding import FactPool, StreamMarker
from assistant.tools import ToolCall, ToolContext, declarations, result_text, run_tool
from twin import Settings, indicator_names

__all__ = ["ClaudeFailure", "ClaudeRequest", "ClaudeResult", "stream_claude", "twin_context"]

log = logging.getLogger(__name__)

#: Back-off between retries (seconds, doubled per retry), and the most we wait even when the
#: server asks for longer: a person is waiting for the answer.
RETRY_BASE_S, RETRY_MAX_S = 0.5, 4.0
_CACHE = {"type": "ephemeral"}


class ClaudeFailure(Exception):
    """Claude could not answer; ``kind`` picks the notice shown to the user."""

    def __init__(self, kind: str, detail: str, usage: Usage | None = None) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail = kind, detail
        self.usage = usage or Usage()


@dataclass
class ClaudeResult:
    """What a finished Claude answer leaves behind."""

    text: str = ""
    usage: Usage = field(default_factory=Usage)
    truncated: bool = False
    model: str = ""


def system_prompt() -> str:
    return (catalogue_dir() / "system_prompt.md").read_text(encoding="utf-8")


def twin_context(ctx: ToolContext) -> dict[str, Any]:
    """The fixed context of a twin sent (and cached) with every request; also grounding data."""
    idx = ctx.index
    public = ctx.twin.public.values
    return {
        "twin": ctx.twin.name,
        "municipality": idx.municipality,
        "areas": [
            [c, idx.names.get(c, c), idx.levels.get(c, ""), idx.parents.get(c, "")]
            for c in idx.codes
        ],
        "indicators": [
            {
                "name": n,
                "unit": idx.meta[n]["unit"],
                "higher_is": idx.meta[n]["higher_is"],
                "synthetic": bool(idx.meta[n]["synthetic"]),
                "source": idx.meta[n]["source"],
                "years": [
                    int(y)
                    for y, has in zip(
                        idx.years, public[n].notnull().any("area").to_numpy(), strict=True
                    )
                    if has
                ],
            }
            for n in indicator_names(public)
        ],
        "connected_engines": ctx.providers.connected(),
    }


def _client(settings: Settings) -> Any:
    import anthropic

    return anthropic.Anthropic(
        api_key=settings.anthropic_api_key,
        base_url=settings.claude_base_url or None,
        timeout=settings.claude_timeout,
        max_retries=0,  # retried here, with a cap on the wait (see RETRY_MAX_S)
    )


def failure_kind(exc: BaseException) -> str:
    """Which notice fits an exception from the SDK or the stream."""
    import anthropic

    if isinstance(exc, ClaudeFailure):
        return exc.kind
    body = getattr(exc, "body", None)
    err_type = ""
    if isinstance(body, dict):
        err = body.get("error", body)
        err_type = str(err.get("type", "")) if isinstance(err, dict) else ""
    if isinstance(exc, anthropic.APIStatusError):
        status = exc.status_code
        if status == 529 or err_type == "overloaded_error":
            return "overloaded"
        if status == 429 or err_type == "rate_limit_error":
            return "rate_limit"
        if status in (401, 403):
            return "auth"
        return "server"
    if isinstance(exc, anthropic.APITimeoutError):
        return "timeout"
    if isinstance(exc, anthropic.APIConnectionError):
        return "connection"
    malformed = (ValueError, KeyError, TypeError, RuntimeError, AttributeError, AssertionError)
    if isinstance(exc, malformed):
        return "malformed"
    if isinstance(exc, anthropic.APIResponseValidationError):
        return "malformed"
    return "other"


def _retryable(kind: str) -> bool:
    return kind in ("rate_limit", "overloaded", "server", "connection", "timeout")


def _retry_wait(exc: BaseException, attempt: int) -> float:
    wait = RETRY_BASE_S * 2**attempt
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is not None:
        for key, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
            try:
                wait = float(headers[key]) * scale
                break
            except (KeyError, TypeError, ValueError):
                continue
    return max(0.0, min(wait, RETRY_MAX_S))


def _usage(message: Any) -> Usage:
    u = message.usage
    return Usage(
        int(u.input_tokens or 0),
        int(u.output_tokens or 0),
        int(getattr(u, "cache_creation_input_tokens", 0) or 0),
        int(getattr(u, "cache_read_input_tokens", 0) or 0),
        1,
    )


def _param(block: Any) -> dict[str, Any] | None:
    if block.type == "text":
        return {"type": "text", "text": block.text} if block.text else None
    if block.type == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    return None


def user_message(question: str, ctx: ToolContext, area: str | None, scenario: str | None) -> str:
    lines = [question.strip(), ""]
    if area and area in ctx.index.pos:
        lines.append(
            f"(The user is looking at {ctx.index.names.get(area, area)} ({area}) on the map.)"
        )
    if scenario:
        lines.append(f"(The user is looking at the scenario with id {json.dumps(scenario)}.)")
    lines.append("(Answer in Dutch.)" if ctx.lang == "nl" else "(Answer in English.)")
    return "\n".join(lines).strip()


@dataclass
class ClaudeRequest:
    """One question for Claude and what the conversation collects while it is answered."""

    ctx: ToolContext
    question: str
    area: str | None
    scenario: str | None
    pool: FactPool
    calls: list[ToolCall]
    labels: dict[str, str]


def stream_claude(
    settings: Settings, request: ClaudeRequest, client: Any = None
) -> Generator[Event, None, ClaudeResult]:
    """Stream a Claude answer; tool calls land in ``request.calls``, results in ``request.pool``.

    Returns (as the generator's value) the :class:`ClaudeResult`; raises
    :class:`ClaudeFailure` on any failure.
    """
    own = client is None
    client = _client(settings) if own else client
    try:
        return (yield from _loop(settings, request, client))
    finally:
        if own:
            client.close()


def _loop(
    settings: Settings, request: ClaudeRequest, client: Any
) -> Generator[Event, None, ClaudeResult]:
    ctx, pool, calls = request.ctx, request.pool, request.calls
    context = twin_context(ctx)
    pool.add(context)
    system = [
        {"type": "text", "text": system_prompt(), "cache_control": _CACHE},
        {
            "type": "text",
            "text": "Context of this twin (JSON):\n" + json.dumps(context, ensure_ascii=False),
            "cache_control": _CACHE,
        },
    ]
    tools = declarations(ctx)
    messages: list[dict[str, Any]] = [
        {
            "role": "user",
            "content": user_message(request.question, ctx, request.area, request.scenario),
        }
    ]
    result = ClaudeResult(model=settings.claude_model)
    texts: list[str] = []
    for _step in range(max(1, settings.claude_max_steps)):
        message = None
        marker = StreamMarker(pool, request.labels, ctx.lang)
        for attempt in range(settings.claude_retries + 1):
            emitted = False
            try:
                with client.messages.stream(
                    model=settings.claude_model,
                    max_tokens=settings.claude_max_tokens,
                    system=system,
                    tools=tools,
                    messages=messages,
                ) as stream:
                    for event in stream:
                        if event.type == "text":
                            shown = marker.feed(event.text)
                            if shown:
                                emitted = True
                                yield Event("text", shown)
                    message = stream.get_final_message()
                break
            except Exception as exc:
                kind = failure_kind(exc)
                log.warning("Claude request failed (%s, attempt %d): %s", kind, attempt + 1, exc)
                if emitted or not _retryable(kind) or attempt == settings.claude_retries:
                    raise ClaudeFailure(kind, str(exc), result.usage) from exc
                time.sleep(_retry_wait(exc, attempt))
        assert message is not None
        rest = marker.flush()
        if rest:
            yield Event("text", rest)
        result.usage = result.usage + _usage(message)
        text = "".join(b.text for b in message.content if b.type == "text")
        if text.strip():
            texts.append(text.strip())
            yield Event("text", "\n\n")
        tool_uses = [b for b in message.content if b.type == "tool_use"]
        if message.stop_reason == "max_tokens":
            result.truncated = True
        if message.stop_reason != "tool_use" or not tool_uses:
            result.text = "\n\n".join(texts)
            return result
        content = [p for p in (_param(b) for b in message.content) if p]
        messages.append({"role": "assistant", "content": content})
        results = []
        for block in tool_uses:
            arguments = block.input if isinstance(block.input, dict) else {}
            yield Event("tool", tool=block.name, arguments=arguments)
            call = run_tool(ctx, block.name, arguments)
            calls.append(call)
            pool.add(call.result)
            results.append(
                {
                    "type": "tool_result",
                    "tool_use_id": block.id,
                    "content": result_text(call),
                    "is_error": not call.ok,
                }
            )
        messages.append({"role": "user", "content": results})
    raise ClaudeFailure("steps", f"more than {settings.claude_max_steps} tool rounds", result.usage)
