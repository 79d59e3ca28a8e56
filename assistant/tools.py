"""Read-only tools: one definition serves the offline explainer and the Claude backend.

A tool is a Python function plus its declaration (name, description, JSON schema of its
inputs). Adding one is a single decorated function::

    @tool(
        "count_lights",
        "Number of street lights in an area.",
        {"type": "object", "properties": {"area": {"type": "string"}}, "required": ["area"]},
    )
    def count_lights(ctx: ToolContext, area: str) -> dict:
        code = ctx.area_code(area)
        return {"area": code, "lights": ..., "sources": [ctx.layer_source("lights")]}

The function gets a :class:`ToolContext` (the twin's public values, the plugged-in providers,
the answer language) and returns a JSON-able dict that carries its ``sources`` (each with
``synthetic``, and ``grade`` for evidence). Tools only read: the context offers no way to write,
and provider protocols have read methods only.
"""

from __future__ import annotations

import difflib
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from assistant._catalogue import catalogue, normalise
from assistant._index import TwinIndex, index_for
from assistant.providers import Providers
from twin import Twin

__all__ = [
    "TOOLS",
    "Tool",
    "ToolCall",
    "ToolContext",
    "ToolError",
    "declarations",
    "run_tool",
    "tool",
]

log = logging.getLogger(__name__)


class ToolError(Exception):
    """A tool could not answer (unknown area, missing provider): told to the caller, not raised."""


@dataclass(frozen=True)
class Tool:
    """One read-only tool.

    Attributes
    ----------
    name, description : str
        As the model sees them.
    input_schema : dict
        JSON schema (type ``object``) of the arguments.
    func : callable
        ``func(ctx, **arguments) -> dict`` returning a JSON-able result.
    needs : str
        Name of the provider the tool needs (``""`` for the twin only); a tool whose provider
        is not plugged in is not offered.
    """

    name: str
    description: str
    input_schema: dict[str, Any]
    func: Callable[..., dict[str, Any]]
    needs: str = ""

    def declaration(self) -> dict[str, Any]:
        """The Anthropic Messages API tool definition."""
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": self.input_schema,
        }


#: Every tool, by name, in the order they were defined.
TOOLS: dict[str, Tool] = {}


def tool(
    name: str, description: str, input_schema: dict[str, Any], *, needs: str = ""
) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
    """Register a read-only tool (decorator)."""

    def register(func: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        if name in TOOLS:
            raise ValueError(f"tool {name!r} is defined twice")
        TOOLS[name] = Tool(name, description, input_schema, func, needs)
        return func

    return register


@dataclass
class ToolCall:
    """One call of a tool: what was asked and what came back."""

    name: str
    arguments: dict[str, Any]
    result: dict[str, Any]
    ok: bool
    ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": self.arguments, "ok": self.ok}


@dataclass
class ToolContext:
    """What a tool may read: the twin (public values only), the providers, the language."""

    twin: Twin
    providers: Providers = field(default_factory=Providers)
    lang: str = "nl"

    @cached_property
    def index(self) -> TwinIndex:
        return index_for(self.twin)

    # -- areas ------------------------------------------------------------------------------
    def area_code(self, text: str) -> str:
        """The CBS code of an area given by code or name; a clear error otherwise."""
        idx = self.index
        raw = str(text).strip()
        if raw.upper() in idx.pos:
            return raw.upper()
        key = normalise(raw)
        for alias, code in idx.aliases:
            if alias == key:
                return code
        names = {normalise(n).strip(): c for c, n in idx.names.items()}
        close = difflib.get_close_matches(key.strip(), list(names), n=3, cutoff=0.6)
        hint = ", ".join(f"{idx.names[names[c]]} ({names[c]})" for c in close)
        raise ToolError(
            f"unknown area {raw!r}"
            + (f"; did you mean {hint}?" if hint else "")
            + " Use find_area or list_areas to look up codes."
        )

    def area_ref(self, code: str) -> dict[str, str]:
        idx = self.index
        return {"code": code, "name": idx.names.get(code, code), "level": idx.levels.get(code, "")}

    # -- sources ----------------------------------------------------------------------------
    def layer_source(self, layer: str) -> dict[str, Any]:
        m = self.twin.manifest.layers.get(layer)
        if m is None:
            return {"source": f"{self.twin.name}: {layer}", "synthetic": False, "kind": "data"}
        return source_entry(m.source, m.licence, m.synthetic, date=m.date, url=m.url)

    def indicator_source(self, name: str) -> dict[str, Any]:
        m = self.index.meta[name]
        return source_entry(
            str(m["source"]),
            str(m["licence"]),
            bool(m["synthetic"]),
            date=str(m["date"]),
            url=str(m["url"]),
        )

    def indicator_label(self, name: str) -> str:
        labels = (
            catalogue("phrases").get(self.lang, catalogue("phrases")["en"]).get("indicators", {})
        )
        return str(labels.get(name) or self.index.meta.get(name, {}).get("long_name") or name)

    def unit_label(self, unit: str) -> str:
        """A unit in the answer language (units in manifests are Dutch)."""
        units = catalogue("phrases").get(self.lang, {}).get("units", {})
        return str(units.get(unit, unit))

    def check_indicator(self, name: str) -> str:
        if name not in self.index.values:
            close = difflib.get_close_matches(name, self.index.indicators, n=3, cutoff=0.5)
            raise ToolError(
                f"unknown indicator {name!r}"
                + (f"; did you mean {', '.join(close)}?" if close else "")
                + f" Indicators: {', '.join(self.index.indicators)}."
            )
        return name


def source_entry(
    source: str,
    licence: str,
    synthetic: bool,
    *,
    date: str = "",
    url: str = "",
    kind: str = "data",
    grade: str = "",
) -> dict[str, Any]:
    """One ``sources`` entry of a tool result (citations are built from these)."""
    entry: dict[str, Any] = {
        "source": source,
        "licence": licence,
        "synthetic": bool(synthetic),
        "kind": kind,
    }
    if date:
        entry["date"] = date
    if url:
        entry["url"] = url
    if grade:
        entry["grade"] = grade
    return entry


# -- schema check ---------------------------------------------------------------------------
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list, tuple),
    "object": (dict,),
}


def _check(value: Any, schema: dict[str, Any], where: str) -> None:
    kind = schema.get("type")
    if kind:
        allowed = _TYPES[kind]
        bad_bool = isinstance(value, bool) and kind in ("integer", "number")
        if not isinstance(value, allowed) or bad_bool:
            raise ToolError(f"{where} must be of type {kind}, not {type(value).__name__}")
    if "enum" in schema and value not in schema["enum"]:
        raise ToolError(f"{where} must be one of {schema['enum']}, not {value!r}")
    if kind == "array" and "items" in schema:
        for i, item in enumerate(value):
            _check(item, schema["items"], f"{where}[{i}]")
    if kind == "object":
        props = schema.get("properties", {})
        missing = [k for k in schema.get("required", []) if k not in value]
        if missing:
            raise ToolError(f"{where} lacks required argument(s) {', '.join(missing)}")
        extra = sorted(set(value) - set(props))
        if extra and not schema.get("additionalProperties", False):
            raise ToolError(f"{where} has unknown argument(s) {', '.join(extra)}")
        for key, sub in props.items():
            if key in value and value[key] is not None:
                _check(value[key], sub, f"{where}.{key}" if where else key)


def _jsonable(node: Any) -> Any:
    """Plain JSON types only; NaN and infinities become None."""
    if isinstance(node, dict):
        return {str(k): _jsonable(v) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_jsonable(v) for v in node]
    if isinstance(node, np.generic):
        node = node.item()
    if isinstance(node, float) and not math.isfinite(node):
        return None
    if node is None or isinstance(node, str | int | float | bool):
        return node
    return str(node)


def available(ctx: ToolContext) -> list[Tool]:
    """The tools this context can run (those whose provider is plugged in)."""
    return [t for t in TOOLS.values() if not t.needs or ctx.providers.has(t.needs)]


def declarations(ctx: ToolContext) -> list[dict[str, Any]]:
    """Anthropic tool definitions of the available tools."""
    return [t.declaration() for t in available(ctx)]


def run_tool(ctx: ToolContext, name: str, arguments: dict[str, Any] | None) -> ToolCall:
    """Run one tool by name; errors come back as ``{"error": ...}`` with ``ok`` False."""
    args = dict(arguments or {})
    started = time.perf_counter()
    tool_ = TOOLS.get(name)
    try:
        if tool_ is None:
            raise ToolError(
                f"there is no tool {name!r}; the assistant's tools only read: "
                + ", ".join(t.name for t in available(ctx))
            )
        if tool_.needs and not ctx.providers.has(tool_.needs):
            raise ToolError(f"{name} needs the {tool_.needs} engine, which is not connected")
        _check(args, tool_.input_schema, "")
        result = _jsonable(tool_.func(ctx, **args))
        ok = True
    except ToolError as exc:
        result, ok = {"error": str(exc)}, False
    except Exception as exc:  # a broken provider must not break the answer
        log.exception("tool %s failed", name)
        result, ok = {"error": f"{name} failed: {type(exc).__name__}"}, False
    ms = (time.perf_counter() - started) * 1000.0
    return ToolCall(name, args, result, ok, ms)


def result_text(call: ToolCall) -> str:
    """The tool result as sent to a model: compact JSON."""
    return json.dumps(call.result, ensure_ascii=False, separators=(",", ":"))
