"""The grounding check: every number in an answer must come from the tool results.

A number in an answer is *grounded* when some number in the tool results of the same
conversation gives it, within the rounding the answer shows (``12`` for 12.34; ``12,3`` for
12.34), or after a unit change (4.6 per 1000 = 0.46 %; a fraction 0.21 = 21 %). Anything else is
flagged, and :func:`marked_text` marks it so it is never read as fact.

Statuses, best first: ``exact``, ``rounded``, ``converted`` (unit change), ``approximate``
("about 46,000"), ``quoted`` (inside a quotation taken word for word from untrusted free text
in the results: reported, not claimed — such text never grounds a number outside a quotation),
then the failures ``unit_mismatch`` (right digits,
wrong unit: 4.6 % for 4.6 per 1000) and ``unmatched`` (invented).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant._numbers import TextNumber, canonical_quote, numbers_in_text, unit_kind

__all__ = [
    "UNTRUSTED_KEY",
    "FactPool",
    "Grounding",
    "NumberCheck",
    "StreamMarker",
    "check_grounding",
    "marked_text",
]

#: Key under which tool results carry untrusted free text (assessment notes): it is shown as a
#: quotation and its numbers never ground a claim.
UNTRUSTED_KEY = "quoted"
#: Statuses that fail the check.
FAILED = ("unmatched", "unit_mismatch")
_RANK = {
    "exact": 0,
    "rounded": 1,
    "converted": 2,
    "approximate": 3,
    "quoted": 4,
    "unit_mismatch": 5,
    "unmatched": 6,
}
_UNITS = ("", "pct", "per1000")


@dataclass(frozen=True)
class NumberCheck:
    """The verdict on one number of an answer."""

    text: str
    start: int
    end: int
    value: float
    unit: str
    status: str
    matched: float | None = None

    @property
    def ok(self) -> bool:
        return self.status not in FAILED

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "value": self.value,
            "unit": self.unit,
            "status": self.status,
            "matched": self.matched,
        }


@dataclass(frozen=True)
class Grounding:
    """Result of the grounding check of one answer."""

    checks: tuple[NumberCheck, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every number is grounded."""
        return all(c.ok for c in self.checks)

    @property
    def flagged(self) -> tuple[NumberCheck, ...]:
        return tuple(c for c in self.checks if not c.ok)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.checks:
            out[c.status] = out.get(c.status, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "numbers": len(self.checks),
            "flagged": [c.to_dict() for c in self.flagged],
            "counts": self.counts(),
        }


@dataclass
class FactPool:
    """The numbers in a conversation's tool results, each with its unit kind."""

    values: list[float] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    _arrays: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def from_results(cls, results: Iterable[Any]) -> FactPool:
        pool = cls()
        for result in results:
            pool.add(result)
        return pool

    def add(self, result: Any) -> None:
        """Add every number in a JSON-like tool result (numbers inside strings too)."""
        for value, unit in _walk(result, ""):
            if unit == _QUOTE_UNIT:
                self.quotes.append(canonical_quote(str(value)))
                continue
            self.values.append(abs(float(value)))
            self.units.append(unit)
        self._arrays = None

    def has_quote(self, quote: str) -> bool:
        """True when ``quote`` is taken word for word from untrusted text in the results."""
        wanted = canonical_quote(quote).strip(" .…")
        return bool(wanted) and any(wanted in q for q in self.quotes)

    def __len__(self) -> int:
        return len(self.values)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._arrays is None:
            vals = np.asarray(self.values, dtype=float)
            units = np.asarray([_UNITS.index(u) for u in self.units], dtype=np.int8)
            self._arrays = (vals, units)
        return self._arrays


_QUOTE_UNIT = "\x00quote"
#: Keys such as ``pct_low_income``, ``vacancy_pct``, ``effect_pct_median`` hold percentages.
_PCT_KEY = re.compile(r"(?:^|_)pct(?:_|$)")


def _walk(node: Any, unit: str) -> Iterator[tuple[Any, str]]:
    if isinstance(node, bool) or node is None:
        return
    if isinstance(node, int | float):
        if math.isfinite(node):
            yield float(node), unit
        return
    if isinstance(node, str):
        for number in numbers_in_text(node, "en"):
            for value, _ in number.readings:
                yield value, number.unit or unit
        return
    if isinstance(node, dict):
        here = unit_kind(node["unit"]) if isinstance(node.get("unit"), str) else unit
        hidden = node.get("suppressed") is True
        for key, value in node.items():
            if key == UNTRUSTED_KEY:
                yield value, _QUOTE_UNIT  # untrusted text grounds quotations, never numbers
                continue
            if hidden and key == "display":
                continue  # "<5" of a hidden value is not a value
            kind = "pct" if isinstance(key, str) and _PCT_KEY.search(key) else here
            yield from _walk(value, kind)
        return
    if isinstance(node, list | tuple):
        for item in node:
            yield from _walk(item, unit)


def _tolerance(value: float, decimals: int, approximate: bool) -> float:
    tol = 0.5 * 10.0 ** (-decimals)
    if approximate and decimals == 0 and value:
        digits = str(int(abs(value)))
        zeros = len(digits) - len(digits.rstrip("0"))
        tol = max(tol, 0.5 * 10.0**zeros, 0.05 * abs(value))
    return tol * (1 + 1e-9) + 1e-9


def _check_number(number: TextNumber, pool: FactPool) -> NumberCheck:
    vals, units = pool.arrays()
    best: tuple[str, float | None, float] = ("unmatched", None, number.readings[0][0])
    u = number.unit
    for value, decimals in number.readings:
        a = abs(value)
        tol = _tolerance(a, decimals, number.approximate)
        if not len(vals):
            break
        # a number with a unit needs a fact with that unit: a count of 0 does not ground "0 %"
        same = (units == _UNITS.index(u)) if u else np.ones(len(vals), bool)
        other = ~same & (units != 0)
        candidates: list[tuple[str, np.ndarray, np.ndarray]] = [
            ("direct", vals, same),
            ("mismatch", vals, other),
        ]
        if u == "pct":
            candidates.append(("converted", vals / 10.0, units == 2))
            candidates.append(("converted", vals * 100.0, (units == 0) & (vals <= 1.0)))
        elif u == "per1000":
            candidates.append(("converted", vals * 10.0, units == 1))
        for how, shifted, allowed in candidates:
            diff = np.abs(shifted - a)
            hit = allowed & (diff <= tol)
            if not hit.any():
                continue
            i = int(np.argmin(np.where(hit, diff, np.inf)))
            exact = diff[i] <= 1e-9 * max(1.0, a)
            if how == "direct":
                status = (
                    "exact"
                    if exact
                    else ("approximate" if diff[i] > 0.5 * 10.0**-decimals + 1e-9 else "rounded")
                )
            elif how == "converted":
                status = "converted"
            else:
                status = "unit_mismatch"
            if _RANK[status] < _RANK[best[0]]:
                best = (status, float(vals[i]), value)
    status, matched, value = best
    if number.quote and pool.has_quote(number.quote):
        status, matched = "quoted", None
    return NumberCheck(number.text, number.start, number.end, value, u, status, matched)


def check_grounding(text: str, pool: FactPool, lang: str = "nl") -> Grounding:
    """Check every number of ``text`` against the numbers of the tool results.

    Parameters
    ----------
    text : str
        The answer (Markdown).
    pool : FactPool
        Numbers of the conversation's tool results (:meth:`FactPool.from_results`).
    lang : str
        Language of the answer: decides how ``1.234`` is read first (both readings are tried).
    """
    return Grounding(tuple(_check_number(n, pool) for n in numbers_in_text(text, lang)))


def marked_text(text: str, grounding: Grounding, labels: dict[str, str]) -> str:
    """``text`` with every flagged number marked, e.g. ``12,7 ⚠[unverified]``.

    ``labels`` maps a failed status (``unmatched``, ``unit_mismatch``) to a template with
    ``{number}``.
    """
    out, pos = [], 0
    for check in grounding.flagged:
        out.append(text[pos : check.start])
        out.append(labels[check.status].format(number=check.text))
        pos = check.end
    out.append(text[pos:])
    return "".join(out)


class StreamMarker:
    """Check and mark a streamed answer piece by piece, so no unverified number shows unmarked.

    Text is held back until every number in it has enough following text to read its unit;
    :meth:`feed` returns what can be shown now, :meth:`flush` the rest.
    """

    _LOOKAHEAD = 24
    #: Already shown text kept as context (an opening quote, "about" before a number).
    _CONTEXT = 200

    def __init__(self, pool: FactPool, labels: dict[str, str], lang: str = "nl") -> None:
        self.pool, self.labels, self.lang = pool, labels, lang
        self._pending = ""
        self._shown = ""

    def feed(self, delta: str) -> str:
        self._pending += delta
        cut = len(self._pending) - self._LOOKAHEAD
        if cut <= 0:
            return ""
        while cut > 0 and not self._pending[cut - 1].isspace():
            cut -= 1
        for number in numbers_in_text(self._pending, self.lang):
            unsure = number.end > cut or number.end + self._LOOKAHEAD > len(self._pending)
            if number.start < cut and unsure:
                cut = number.start
                while cut > 0 and not self._pending[cut - 1].isspace():
                    cut -= 1
                break
        return self._emit(cut) if cut > 0 else ""

    def flush(self) -> str:
        return self._emit(len(self._pending))

    def _emit(self, cut: int) -> str:
        head, self._pending = self._pending[:cut], self._pending[cut:]
        context = self._shown[-self._CONTEXT :]
        grounding = check_grounding(context + head, self.pool, self.lang)
        shift = len(context)
        mine = Grounding(
            tuple(
                NumberCheck(c.text, c.start - shift, c.end - shift, c.value, c.unit, c.status)
                for c in grounding.checks
                if c.start >= shift
            )
        )
        self._shown += head
        return marked_text(head, mine, self.labels)
