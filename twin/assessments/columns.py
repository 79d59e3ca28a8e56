"""The exchange column schema: one table layout for GeoJSON, GeoPackage and CSV.

Documented column by column in ``docs/cpted.md``; a test checks that doc and code agree.
Cells are converted between typed values and text here, so every format round-trips the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from twin.assessments.form import PRINCIPLE_IDS, load_form

__all__ = ["COLUMNS", "DERIVED", "Column", "column_names", "defuse_formula", "restore_formula"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, int, float, bool
    doc: str
    derived: bool = False  # written on export, ignored on import


def _columns() -> tuple[Column, ...]:
    cols = [
        Column("id", "text", "Assessment id (32 hex digits). Empty on import: a new assessment."),
        Column("version", "int", "Version number of this row's content (1 = first save)."),
        Column("deleted", "bool", "true when soft-deleted (exported only with --include-deleted)."),
        Column("target_kind", "text", "building, street, spot or area."),
        Column("target_id", "text", "Building or street segment id; empty for spots and areas."),
        Column("x_rd", "float", "RD New x of the assessed point (m, 1 cm)."),
        Column("y_rd", "float", "RD New y of the assessed point (m, 1 cm)."),
        Column("lon", "float", "WGS84 longitude of the same point (1e-7°)."),
        Column("lat", "float", "WGS84 latitude of the same point (1e-7°)."),
        Column("area_wkt_rd", "text", "Drawn area as WKT polygon in RD New; empty otherwise."),
        Column("buurt", "text", "CBS buurt code the point falls in (looked up when empty)."),
        Column("street", "text", "Nearest street segment id within 30 m (looked up when empty)."),
        Column("observed_at", "text", "Date (YYYY-MM-DD) or date and time of the observation."),
        Column("time_of_day", "text", "day or night."),
        Column("overall", "float", "Overall score 1–5 (mean of principle scores).", True),
    ]
    cols += [
        Column(f"p_{p}", "float", f"Score of principle {p} (mean of its items).", True)
        for p in PRINCIPLE_IDS
    ]
    cols += [
        Column(f"s_{item}", "text", f"Item {item}: 1–5, n/a, or empty (not assessed).")
        for item in load_form().items
    ]
    cols += [
        Column("notes", "text", "Free notes, any Unicode, line breaks kept."),
        Column("measures", "text", "Proposed measures: catalogue ids separated by ';'."),
        Column("photos", "text", "Photo references: SHA-256 of each JPEG, separated by ';'."),
        Column("author", "text", "Who saved this version."),
        Column("saved_at", "text", "When this version was saved (UTC, ISO 8601)."),
        Column("created_by", "text", "Who created the assessment (version 1)."),
        Column("created_at", "text", "When version 1 was saved (UTC, ISO 8601)."),
        Column(
            "history", "text", "JSON list of [version, action, author, saved_at], oldest first."
        ),
    ]
    return tuple(cols)


#: Every exchange column, in file order.
COLUMNS: tuple[Column, ...] = _columns()
#: Names of columns written on export and ignored on import (recomputed from the scores).
DERIVED = frozenset(c.name for c in COLUMNS if c.derived)
_KIND = {c.name: c.kind for c in COLUMNS}


def column_names() -> list[str]:
    return [c.name for c in COLUMNS]


_FORMULA = re.compile(r"^'*[=+\-@\t\r]")


def defuse_formula(text: str) -> str:
    """Prefix ``'`` to a text cell a spreadsheet would run as a formula (CSV injection).

    Reversible: :func:`restore_formula` removes exactly the added quote.

    >>> defuse_formula("=HYPERLINK(1)"), restore_formula("'=HYPERLINK(1)")
    ("'=HYPERLINK(1)", '=HYPERLINK(1)')
    >>> restore_formula(defuse_formula("'=x"))
    "'=x"
    """
    return "'" + text if _FORMULA.match(text) else text


def restore_formula(text: str) -> str:
    return text[1:] if text.startswith("'") and _FORMULA.match(text) else text


def typed(name: str, text: str | None) -> Any:
    """A cell's typed value from its text (None for empty)."""
    if text is None or text == "":
        return None
    kind = _KIND.get(name, "text")
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    if kind == "bool":
        low = text.strip().lower()
        if low in ("true", "1", "yes", "ja"):
            return True
        if low in ("false", "0", "no", "nee"):
            return False
        raise ValueError(f"{text!r} is not true or false")
    return text


def as_text(name: str, value: Any) -> str | None:
    """A cell's canonical text from any format's value (None for empty/missing)."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN from a data frame
        return None
    kind = _KIND.get(name, "text")
    if kind == "bool" and isinstance(value, bool | int):
        return "true" if value else "false"
    if kind == "int" and isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text if text != "" else None


def typed_row(row: Mapping[str, str | None]) -> dict[str, Any]:
    """Typed values of a text row (for GeoJSON properties and GeoPackage fields)."""
    return {k: typed(k, v) for k, v in row.items()}
