"""Test doubles for the assistant: a fake Anthropic Messages API and fake providers.

:class:`FakeAnthropic` is a real HTTP server on 127.0.0.1 that speaks the Messages API wire
format — JSON for plain requests, server-sent events for streams (``message_start``,
``content_block_start``/``delta``/``stop`` with ``text_delta`` and ``input_json_delta``,
``message_delta`` with usage, ``message_stop``, ``ping``, ``error``) — and plays a script of
replies, recording every request. Point the SDK at it with ``base_url`` (the
``claude_base_url`` setting). The fake providers serve fixed, clearly fake data in the shapes
of :mod:`assistant.providers`, for tests and for page tests of the integrator.

Nothing here is used by the assistant itself.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = [
    "FakeAnalytics",
    "FakeAnthropic",
    "FakeAssessments",
    "FakeEvidence",
    "FakeScenarios",
    "Reply",
    "closed_port",
    "fake_providers",
]

FAKE_SOURCE = "FAKE test data (assistant.testing), not real"


@dataclass
class Reply:
    """One scripted reply of the fake API.

    ``kind``: ``"message"`` (``content`` blocks, ``stop_reason``, ``usage``), ``"error"``
    (``status`` with an API error body of ``error_type``), ``"hang"`` (wait ``delay`` seconds
    before answering, to trigger client timeouts), ``"raw"`` (send ``raw`` bytes as an event
    stream: malformed data), ``"error_mid_stream"`` (start a message, then an ``error`` event).
    """

    kind: str = "message"
    content: list[dict[str, Any]] = field(default_factory=list)
    stop_reason: str = "end_turn"
    usage: dict[str, int] = field(default_factory=dict)
    status: int = 200
    error_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes = b""

    @classmethod
    def text(cls, text: str, **usage: int) -> Reply:
        return cls(content=[{"type": "text", "text": text}], usage=usage)

    @classmethod
    def tool_use(cls, *calls: tuple[str, dict[str, Any]], text: str = "", **usage: int) -> Reply:
        blocks: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
        for i, (name, arguments) in enumerate(calls):
            blocks.append(
                {"type": "tool_use", "id": f"toolu_fake{i}", "name": name, "input": arguments}
            )
        return cls(content=blocks, stop_reason="tool_use", usage=usage)

    @classmethod
    def error(cls, status: int, error_type: str, **headers: str) -> Reply:
        return cls(kind="error", status=status, error_type=error_type, headers=dict(headers))


ReplyLike = Reply | Callable[[dict[str, Any]], Reply]

_ERROR_MESSAGES = {
    "rate_limit_error": "Number of request tokens has exceeded your per-minute rate limit",
    "overloaded_error": "Overloaded",
    "authentication_error": "invalid x-api-key",
    "api_error": "Internal server error",
    "invalid_request_error": "invalid request",
}


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def _message(reply: Reply, model: str, n: int) -> dict[str, Any]:
    usage = {
        "input_tokens": reply.usage.get("input_tokens", 100),
        "output_tokens": reply.usage.get("output_tokens", 20),
        "cache_creation_input_tokens": reply.usage.get("cache_creation_input_tokens", 0),
        "cache_read_input_tokens": reply.usage.get("cache_read_input_tokens", 0),
    }
    return {
        "id": f"msg_fake{n:04d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": reply.content,
        "stop_reason": reply.stop_reason,
        "stop_sequence": None,
        "usage": usage,
    }


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def stream_events(reply: Reply, model: str, n: int) -> list[bytes]:
    """The SSE frames of one streamed message, as the real API sends them."""
    full = _message(reply, model, n)
    start = {**full, "content": [], "stop_reason": None}
    start["usage"] = {**full["usage"], "output_tokens": 1}
    frames = [_sse("message_start", {"type": "message_start", "message": start})]
    frames.append(_sse("ping", {"type": "ping"}))
    for i, block in enumerate(reply.content):
        if block["type"] == "text":
            frames.append(
                _sse(
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": i,
                        "content_block": {"type": "text", "text": ""},
                    },
                )
            )
            for piece in _chunks(block["text"], 7):
                frames.append(
                    _sse(
                        "content_block_delta",
                        {
                            "type": "content_block_delta",
                            "index": i,
                            "delta": {"type": "text_delta", "text": piece},
                        },
                    )
                )
        else:
            head = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            frames.append(
                _sse(
                    "content_block_start",
                    {"type": "content_block_start", "index": i, "content_block": head},
                )
            )
            raw = json.dumps(block["input"])
            for piece in _chunks(raw, max(1, len(raw) // 3 + 1)):
                frames.append(
                    _sse(
                        "content_block_delta",
                        {
                            "type": "content_block_delta",
                            "index": i,
                            "delta": {"type": "input_json_delta", "partial_json": piece},
                        },
                    )
                )
        frames.append(_sse("content_block_stop", {"type": "content_block_stop", "index": i}))
    frames.append(
        _sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": reply.stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": full["usage"]["output_tokens"]},
            },
        )
    )
    frames.append(_sse("message_stop", {"type": "message_stop"}))
    return frames


class FakeAnthropic:
    """A fake Anthropic Messages API on 127.0.0.1 that plays scripted replies.

    Use as a context manager; ``url`` is the ``base_url`` for the SDK, ``requests`` the
    recorded requests (``{"path", "headers", "body"}``).
    """

    def __init__(self, replies: Sequence[ReplyLike] = ()) -> None:
        self.replies: list[ReplyLike] = list(replies)
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def queue(self, *replies: ReplyLike) -> None:
        with self._lock:
            self.replies.extend(replies)

    def _next(self, body: dict[str, Any]) -> tuple[Reply, int]:
        with self._lock:
            self.requests.append(body)
            n = len(self.requests)
            item = self.replies.pop(0) if self.replies else Reply.error(500, "api_error")
        return (item(body) if callable(item) else item), n

    def __enter__(self) -> FakeAnthropic:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                headers = {k.lower(): v for k, v in self.headers.items()}
                record = {"path": self.path, "headers": headers, "body": body}
                reply, n = fake._next(record)
                if reply.delay:
                    time.sleep(reply.delay)
                # the client may have given up (timeout): then there is nothing to answer
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer(reply, body, n)

            def _send(
                self, status: int, ctype: str, payload: bytes, headers: Mapping[str, str] = {}
            ) -> None:
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(payload)))
                self.send_header("request-id", "req_fake")
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)
                self.wfile.flush()

            def _answer(self, reply: Reply, body: dict[str, Any], n: int) -> None:
                model = str(body.get("model", "claude-fake"))
                if reply.kind == "error":
                    err = {
                        "type": "error",
                        "error": {
                            "type": reply.error_type,
                            "message": _ERROR_MESSAGES.get(reply.error_type, reply.error_type),
                        },
                    }
                    headers = {"x-should-retry": "false", **reply.headers}
                    self._send(reply.status, "application/json", json.dumps(err).encode(), headers)
                    return
                if reply.kind == "hang":
                    reply = Reply.text("too late")
                if not body.get("stream"):
                    payload = json.dumps(_message(reply, model, n)).encode()
                    self._send(200, "application/json", payload)
                    return
                if reply.kind == "raw":
                    frames = [reply.raw]
                elif reply.kind == "error_mid_stream":
                    frames = stream_events(Reply.text("Even kijken"), model, n)[:4]
                    frames.append(
                        _sse(
                            "error",
                            {
                                "type": "error",
                                "error": {"type": "overloaded_error", "message": "Overloaded"},
                            },
                        )
                    )
                else:
                    frames = stream_events(reply, model, n)
                self._send(200, "text/event-stream", b"".join(frames))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def closed_port() -> int:
    """A local port nobody listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- fake providers -------------------------------------------------------------------------
def _source(kind: str) -> dict[str, Any]:
    return {"source": FAKE_SOURCE, "licence": "CC0", "synthetic": True, "kind": kind}


@dataclass
class FakeAssessments:
    """Assessments from a fixed list (each with ``area`` = buurt and ``wijk``)."""

    records: list[dict[str, Any]]

    def assessments(
        self, area: str | None = None, street: str | None = None
    ) -> list[dict[str, Any]]:
        out = []
        for r in self.records:
            if area and area not in (r.get("area"), r.get("wijk")):
                continue
            if street and r.get("target_name") != street:
                continue
            out.append({k: v for k, v in r.items() if k != "wijk"})
        return out


@dataclass
class FakeAnalytics:
    """Analytics measures and per-buurt summaries from fixed tables."""

    infos: dict[str, dict[str, Any]]
    table: dict[str, dict[str, float | None]]

    def measures(self) -> dict[str, dict[str, Any]]:
        return self.infos

    def summaries(self) -> dict[str, dict[str, float | None]]:
        return self.table


@dataclass
class FakeScenarios:
    """Saved scenario summaries; ``run`` returns the first one with the spec's interventions."""

    saved: dict[str, dict[str, Any]]
    runs: list[Mapping[str, Any]] = field(default_factory=list)

    def scenarios(self) -> list[dict[str, Any]]:
        return [
            {"id": k, "name": v["name"], "created": v.get("created", "")}
            for k, v in self.saved.items()
        ]

    def scenario(self, scenario_id: str) -> dict[str, Any] | None:
        return self.saved.get(scenario_id)

    def run(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        self.runs.append(spec)
        base = dict(next(iter(self.saved.values())))
        return {
            **base,
            "id": "",
            "name": "unsaved run",
            "interventions": list(spec["interventions"]),
        }


@dataclass
class FakeEvidence:
    """An evidence registry from fixed entries."""

    items: list[dict[str, Any]]
    entries: list[dict[str, Any]]

    def interventions(self) -> list[dict[str, Any]]:
        return self.items

    def evidence(
        self, intervention: str | None = None, outcome: str | None = None
    ) -> list[dict[str, Any]]:
        return [
            e
            for e in self.entries
            if (intervention is None or e["intervention"] == intervention)
            and (outcome is None or e["outcome"] == outcome)
        ]


def _fake_evidence() -> FakeEvidence:
    items = [
        {
            "id": "street_lighting",
            "name_nl": "Betere straatverlichting",
            "name_en": "Improved street lighting",
            "synonyms": ["straatverlichting", "verlichting", "street lighting", "lighting"],
        },
        {
            "id": "cctv",
            "name_nl": "Cameratoezicht",
            "name_en": "CCTV",
            "synonyms": ["camera", "camera's", "cctv"],
        },
        {
            "id": "alley_gating",
            "name_nl": "Achterpaden afsluiten",
            "name_en": "Alley gating",
            "synonyms": ["achterpad", "achterpaden", "alley gating", "alley gates"],
        },
        {
            "id": "youth_facility",
            "name_nl": "Jongerencentrum",
            "name_en": "Youth facility",
            "synonyms": ["jongerencentrum", "youth centre", "youth facility"],
        },
    ]

    def entry(
        i: str,
        o: str,
        lo: str,
        le: str,
        med: float | None,
        low: float | None,
        high: float | None,
        grade: str,
        cite: str,
        verified: bool = True,
        note: str = "",
    ) -> dict[str, Any]:
        return {
            "intervention": i,
            "outcome": o,
            "outcome_label_nl": lo,
            "outcome_label_en": le,
            "effect_pct_median": med,
            "effect_pct_low95": low,
            "effect_pct_high95": high,
            "no_reliable_estimate": med is None,
            "grade": grade,
            "citation": cite,
            "verified": verified,
            "transfer_note": note,
            "reach": "",
            "time_to_effect": "",
        }

    entries = [
        entry(
            "street_lighting",
            "burglary",
            "woninginbraak",
            "burglary",
            -14.0,
            -25.0,
            -2.0,
            "B",
            "Welsh, Farrington & Douglas 2022 (FAKE test entry)",
            note="mostly US/UK studies",
        ),
        entry(
            "alley_gating",
            "burglary",
            "woninginbraak",
            "burglary",
            -37.0,
            -50.0,
            -20.0,
            "B",
            "Bowers, Johnson & Hirschfield 2004 (FAKE test entry)",
        ),
        entry(
            "cctv",
            "burglary",
            "woninginbraak",
            "burglary",
            -13.0,
            -22.0,
            -3.0,
            "B",
            "Piza et al. 2019 (FAKE test entry)",
            verified=False,
        ),
        entry(
            "youth_facility",
            "burglary",
            "woninginbraak",
            "burglary",
            None,
            None,
            None,
            "C",
            "Taheri & Welsh 2016 (FAKE test entry)",
        ),
        entry(
            "street_lighting",
            "perceived_unsafety",
            "onveiligheidsgevoel",
            "perceived safety",
            None,
            None,
            None,
            "C",
            "Lorenc et al. 2013 (FAKE test entry)",
        ),
    ]
    return FakeEvidence(items, entries)


def _fake_scenarios(buurt: str, municipality: str) -> FakeScenarios:
    summary = {
        "id": "sc1",
        "name": "Licht in het centrum",
        "created": "2026-01-15",
        "horizon": "year 1",
        "draws": 10000,
        "synthetic": True,
        "interventions": [
            {
                "kind": "street_lighting",
                "name_nl": "Betere straatverlichting",
                "name_en": "Improved street lighting",
                "areas": [buurt],
                "params": {"lamps": 40},
            },
        ],
        "outcomes": [
            {
                "outcome": "burglary",
                "label_nl": "Woninginbraak",
                "label_en": "Burglary",
                "unit": "per year",
                "area": buurt,
                "baseline": 11.0,
                "median": 9.5,
                "low80": 8.1,
                "high80": 10.8,
                "low95": 7.2,
                "high95": 11.6,
                "change_pct_median": -13.6,
                "change_pct_low80": -26.4,
                "change_pct_high80": -1.8,
                "change_pct_low95": -34.5,
                "change_pct_high95": 5.5,
                "prob_reduction": 0.83,
                "no_reliable_evidence": False,
            },
            {
                "outcome": "perceived_unsafety",
                "label_nl": "Onveiligheidsgevoel",
                "label_en": "Feeling unsafe",
                "unit": "%",
                "area": buurt,
                "baseline": None,
                "median": None,
                "low80": None,
                "high80": None,
                "low95": None,
                "high95": None,
                "change_pct_median": None,
                "change_pct_low80": None,
                "change_pct_high80": None,
                "change_pct_low95": None,
                "change_pct_high95": None,
                "prob_reduction": 0.0,
                "no_reliable_evidence": True,
            },
        ],
        "evidence": [
            {
                "intervention": "street_lighting",
                "outcome": "burglary",
                "grade": "B",
                "citation": "Welsh, Farrington & Douglas 2022 (FAKE test entry)",
                "verified": True,
            },
        ],
        "assumptions": ["Effects of independent measures multiply (FAKE)."],
        "sources": [_source("scenario")],
    }
    return FakeScenarios({"sc1": summary})


def _fake_analytics(buurten: list[str], municipality: str) -> FakeAnalytics:
    infos = {
        "mean_lux": {
            "label_nl": "Gemiddelde verlichting",
            "label_en": "Mean illuminance",
            "unit": "lux",
            "higher_is": "better",
            "topic": "lighting",
            "source": FAKE_SOURCE,
            "synthetic": True,
            "related": ["dark_share", "hidden_spots"],
            "notes": "Point-source model (FAKE).",
        },
        "dark_share": {
            "label_nl": "Donkere straatlengte",
            "label_en": "Dark street length",
            "unit": "%",
            "higher_is": "worse",
            "source": FAKE_SOURCE,
            "synthetic": True,
        },
        "hidden_spots": {
            "label_nl": "Verborgen plekken",
            "label_en": "Hidden spots",
            "unit": "count",
            "higher_is": "worse",
            "topic": "hidden_spots",
            "source": FAKE_SOURCE,
            "synthetic": True,
        },
        "cpted_score": {
            "label_nl": "CPTED-score",
            "label_en": "CPTED score",
            "unit": "0–1",
            "higher_is": "better",
            "topic": "cpted_score",
            "source": FAKE_SOURCE,
            "synthetic": True,
            "weights": {"mean_lux": 0.5, "dark_share": 0.3, "hidden_spots": 0.2},
        },
    }
    table: dict[str, dict[str, float | None]] = {}
    for i, code in enumerate(buurten):
        k = (i * 37) % 17
        table[code] = {
            "mean_lux": round(2.0 + k * 0.6, 2),
            "dark_share": round(40.0 - k * 2.0, 1),
            "hidden_spots": float((17 - k) // 3),
            "cpted_score": round(0.2 + k * 0.04, 2),
        }
    return FakeAnalytics(infos, table)


def fake_providers(twin: Any, *, note: str | None = None) -> Any:
    """All four providers with fake data for ``twin``'s first buurten (tests, page tests)."""
    from assistant.providers import Providers

    buurten = list(twin.buurten["code"])
    municipality = str(
        twin.neighbourhoods.loc[twin.neighbourhoods["level"] == "gemeente", "code"].iloc[0]
    )
    first = buurten[0]
    streets = twin.streets[(twin.streets["buurt"] == first) & twin.streets["name"].notna()]
    street = str(streets["name"].iloc[0]) if len(streets) else "Teststraat"
    wijk = str(twin.neighbourhoods.set_index("code").loc[first, "parent"])
    records = [
        {
            "id": "a1",
            "area": first,
            "wijk": wijk,
            "target_kind": "street",
            "target_name": street,
            "scores": {"lighting": 2, "surveillance": 3, "maintenance": 2, "access_control": None},
            "observed": "night",
            "date": "2026-02-03",
            "notes": note or "Lange donkere strook bij de garages.",
            "measures": ["street_lighting"],
            "author": "SHOULD NOT LEAK",
        },
        {
            "id": "a2",
            "area": first,
            "wijk": wijk,
            "target_kind": "street",
            "target_name": street,
            "scores": {"lighting": 1, "surveillance": 2, "maintenance": 3, "access_control": 4},
            "observed": "day",
            "date": "2026-03-10",
            "notes": "Heg ontneemt het zicht; bel 06-12345678.",
            "measures": ["street_lighting", "alley_gating"],
            "author": "SHOULD NOT LEAK",
        },
    ]
    return Providers(
        assessments=FakeAssessments(records),
        analytics=_fake_analytics(buurten, municipality),
        scenarios=_fake_scenarios(first, municipality),
        evidence=_fake_evidence(),
    )
