"""How the Scenarios page writes numbers and names (decimal comma in NL/DE, true minus signs).

>>> fmt_pct(-1.234, "nl"), fmt_interval(-3.0, 0.8, "en", " %"), fmt_count(2.0, "nl", sign=False)
('−1,2 %', '−3.0 … +0.8 %', '2,0')
"""

from __future__ import annotations

import numpy as np

from twin import format_value
from viewer.i18n import t

__all__ = [
    "fmt_count",
    "fmt_interval",
    "fmt_num",
    "fmt_p",
    "fmt_pct",
    "fmt_plain",
    "outcome_label",
    "type_label",
]


def fmt_num(v: float | None, lang: str, decimals: int | None = 1, sign: bool = True) -> str:
    """A number with a true minus sign (and ``+`` for positive values when ``sign``)."""
    if v is None or not np.isfinite(v):
        return "–"
    v = float(v)
    if decimals is None:
        decimals = 0 if v.is_integer() or abs(v) >= 100 else 1
    text = format_value(abs(v), lang=lang, decimals=decimals)
    if round(abs(v), decimals) == 0:
        return text
    return f"−{text}" if v < 0 else (f"+{text}" if sign else text)


def fmt_pct(v: float | None, lang: str) -> str:
    """A signed percentage, e.g. ``−1,2 %``."""
    return "–" if v is None or not np.isfinite(v) else f"{fmt_num(v, lang)} %"


def fmt_count(v: float | None, lang: str, sign: bool = True) -> str:
    """A count per year with one decimal, signed by default (``−0,6``)."""
    return fmt_num(v, lang, sign=sign)


def fmt_interval(lo: float | None, hi: float | None, lang: str, unit: str = "") -> str:
    """``lo … hi`` with signs (an interval dash would read as a minus)."""
    return f"{fmt_num(lo, lang)} … {fmt_num(hi, lang)}{unit}"


def fmt_p(v: float, lang: str) -> str:
    """A probability in whole percent."""
    return f"{format_value(100 * float(v), lang=lang, decimals=0)} %"


def fmt_plain(v: float, lang: str) -> str:
    """A short plain number as written (``0,25``, ``3``): weights, metres."""
    text = f"{float(v):g}"
    return text.replace(".", ",") if lang in ("nl", "de") else text


def outcome_label(outcome: str, lang: str | None = None) -> str:
    """An outcome's name in the session language."""
    return t(f"scenarios.outcome.{outcome}", lang=lang)


def type_label(kind: str, lang: str | None = None) -> str:
    """An intervention type's name in the session language."""
    return t(f"scenarios.type.{kind}", lang=lang)
