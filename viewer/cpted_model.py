"""The CPTED studio's draft: what the form holds, how it becomes an assessment, and how a
refused save is re-applied on top of someone else's version. Pure: no Streamlit, no files.

A draft's *values* are plain JSON-able data, the same shape as the form's widgets::

    {"scores": {"ns_sightlines": "2", "li_even_lighting": "n/a"},  # only assessed items
     "notes": "…", "observed_at": "2025-06-01", "time_of_day": "night",
     "measures": ["street_lighting"], "photos": ["<sha256>", …]}

>>> v = values_from_data({"scores": {"ns_sightlines": 2}, "notes": "x", "measures": []})
>>> v["scores"]
{'ns_sightlines': '2'}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from twin import Twin
from twin.assessments import (
    NA,
    Assessment,
    Change,
    Target,
    diff_data,
    load_form,
    make_assessment,
)
from viewer.i18n import t

__all__ = [
    "SCORE_OPTIONS",
    "assessment_from_values",
    "change_rows",
    "empty_values",
    "field_label",
    "form_language",
    "md_escape",
    "rebase",
    "target_rows",
    "target_title",
    "value_text",
    "values_from_data",
]

#: The choices of every item: 1–5 and not applicable; no choice = not assessed.
SCORE_OPTIONS = ("1", "2", "3", "4", "5", NA)
#: Longest value shown in a diff cell before it is shortened.
_CELL_CHARS = 80
_MD_SPECIAL = set("\\`*_{}[]()#+-.!|~<>:$&")


def md_escape(text: object) -> str:
    r"""Text safe inside Streamlit markdown: every markdown and HTML character escaped.

    >>> md_escape("<img src=x onerror=alert(1)>")
    '\\<img src=x onerror=alert\\(1\\)\\>'
    """
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in str(text))


def form_language(lang: str) -> str:
    """The language of the form catalogue (NL and EN): German readers get English."""
    return lang if lang in ("nl", "en") else "en"


def empty_values(*, observed_at: str | None = None, time_of_day: str = "day") -> dict[str, Any]:
    """A blank draft (date and time of day carried over from the previous one, if given)."""
    return {
        "scores": {},
        "notes": "",
        "observed_at": observed_at or dt.date.today().isoformat(),
        "time_of_day": time_of_day,
        "measures": [],
        "photos": [],
    }


def values_from_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """Draft values from an assessment's stored content (``Assessment.to_data()``)."""
    return {
        "scores": {k: NA if v == NA else str(v) for k, v in (data.get("scores") or {}).items()},
        "notes": data.get("notes") or "",
        "observed_at": (data.get("observed_at") or dt.date.today().isoformat())[:10],
        "time_of_day": data.get("time_of_day") or "day",
        "measures": list(data.get("measures") or []),
        "photos": list(data.get("photos") or []),
    }


def assessment_from_values(values: Mapping[str, Any], target: Mapping[str, Any]) -> Assessment:
    """A validated :class:`Assessment` (raises ``AssessmentInputError`` with an NL/EN text)."""
    return make_assessment(
        Target.from_data(target),
        dict(values.get("scores") or {}),
        notes=values.get("notes", ""),
        observed_at=values.get("observed_at") or None,
        time_of_day=values.get("time_of_day", "day"),
        measures=values.get("measures") or (),
        photos=values.get("photos") or (),
    )


# -- re-applying a refused save ------------------------------------------------------------
def _flatten(data: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            flat.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            flat[key] = value
    return flat


def _unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"target": {}, "scores": {}}
    for key, value in flat.items():
        head, dot, rest = key.partition(".")
        if dot and head in out:
            if value is not None or head == "target":
                out[head][rest] = value
        else:
            out[key] = value
    return out


def rebase(
    base: Mapping[str, Any], mine: Mapping[str, Any], theirs: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Re-apply my changes (``base`` → ``mine``) on top of ``theirs``.

    Every field I changed takes my value; every other field keeps theirs. Returns the merged
    content and the fields both of us changed to different values (mine won; the page shows
    them so the user can check them before saving again).

    >>> base = {"notes": "a", "scores": {"x": 1, "y": 1}}
    >>> mine = {"notes": "a", "scores": {"x": 2, "y": 1}}
    >>> theirs = {"notes": "b", "scores": {"x": 3, "y": 1}}
    >>> merged, both = rebase(base, mine, theirs)
    >>> merged["notes"], merged["scores"], both
    ('b', {'x': 2, 'y': 1}, ['scores.x'])
    """
    my_changes = diff_data(base, mine)
    their_changes = {c.field: c.new for c in diff_data(base, theirs)}
    flat = _flatten(theirs)
    both = []
    for c in my_changes:
        if c.field in their_changes and their_changes[c.field] != c.new:
            both.append(c.field)
        flat[c.field] = c.new
    return _unflatten(flat), both


# -- labels for diffs, conflicts and the selection panel --------------------------------------
def field_label(field: str, lang: str) -> str:
    """A reader's name for a dotted content field (``scores.ns_sightlines`` → the item text)."""
    form, flang = load_form(), form_language(lang)
    head, _, rest = field.partition(".")
    if head == "scores" and rest in form.items:
        principle = form.principle_label(form.items[rest].principle, flang)
        return f"{principle}: {_short(form.item_text(rest, flang), 60)}"
    if head == "target":
        return f"{form.label('location', flang)} ({rest})"
    if head in form.labels:
        return form.label(head, flang)
    return field


def _short(text: str, limit: int = _CELL_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def value_text(field: str, value: Any, lang: str) -> str:
    """A value as plain text for tables (never HTML; the table shows it escaped)."""
    form, flang = load_form(), form_language(lang)
    if value is None or value == "" or value == []:
        return "–"
    if field.startswith("scores."):
        return form.scale_labels["n_a"][flang] if value == NA else str(value)
    if field == "measures":
        return ", ".join(form.measure_label(m, flang) for m in value)
    if field == "photos":
        return t("cpted.photo_count", lang=lang, n=len(value))
    if field == "time_of_day":
        return form.label(str(value), flang) if value in ("day", "night") else str(value)
    if isinstance(value, bool):
        return t("cpted.yes" if value else "cpted.no", lang=lang)
    return _short(value)


def change_rows(changes: Sequence[Change], lang: str) -> list[dict[str, str]]:
    """Rows of a diff table: field, before, after (all plain text)."""
    return [
        {
            t("cpted.col.field", lang=lang): field_label(c.field, lang),
            t("cpted.col.before", lang=lang): value_text(c.field, c.old, lang),
            t("cpted.col.after", lang=lang): value_text(c.field, c.new, lang),
        }
        for c in changes
    ]


def target_title(twin: Twin, target: Mapping[str, Any], lang: str) -> str:
    """One line naming a target: "Gebouw DEMO.pand.1", "Straat Zilverplein", "Plek 50.88, 5.98"."""
    kind = target.get("kind")
    if kind == "street":
        name = _street_name(twin, str(target.get("id")))
        return t("cpted.target.street", lang=lang, name=name or target.get("id"))
    if kind == "building":
        return t("cpted.target.building", lang=lang, id=target.get("id"))
    if kind == "area":
        return t("cpted.target.area", lang=lang, buurt=_area(twin, target.get("buurt")))
    return t(
        "cpted.target.spot",
        lang=lang,
        lat=f"{float(target['lat']):.5f}",
        lon=f"{float(target['lon']):.5f}",
    )


def _area(twin: Twin, code: object) -> str:
    if not code:
        return "–"
    return f"{twin.area_name(str(code))} ({code})"


def _street_name(twin: Twin, street_id: str | None) -> str | None:
    if not street_id:
        return None
    rows = twin.streets[twin.streets["id"] == street_id]
    if rows.empty:
        return None
    name = rows["name"].iloc[0]
    return str(name) if isinstance(name, str) and name else None


def target_rows(twin: Twin, target: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    """What is selected, as (label, value) rows: id/use/buurt of a building, name/class of a
    street, coordinates and buurt of a spot, size of an area; the nearest street for all."""
    rows: list[tuple[str, str]] = []
    kind, tid = target.get("kind"), target.get("id")
    if kind == "building":
        b = twin.buildings[twin.buildings["id"] == tid]
        rows.append((t("cpted.attr.id", lang=lang), str(tid)))
        if not b.empty:
            r = b.iloc[0]
            rows.append((t("map.attr.use", lang=lang), t(f"terms.use.{r['use']}", lang=lang)))
            rows.append((t("map.attr.year_built", lang=lang), str(int(r["year_built"]))))
            rows.append((t("map.attr.dwellings", lang=lang), str(int(r["dwellings"]))))
    elif kind == "street":
        s = twin.streets[twin.streets["id"] == tid]
        name = _street_name(twin, str(tid)) or t("map.attr.unnamed", lang=lang)
        rows.append((t("cpted.attr.name", lang=lang), name))
        if not s.empty:
            cls = s["highway"].iloc[0]
            rows.append(
                (t("map.attr.street_class", lang=lang), t(f"terms.highway.{cls}", lang=lang))
            )
        rows.append((t("cpted.attr.id", lang=lang), str(tid)))
    elif kind == "area" and target.get("area_wkt"):
        import shapely

        poly = shapely.from_wkt(target["area_wkt"])
        rows.append((t("cpted.attr.area_size", lang=lang), f"{poly.area:,.0f} m²"))
        rows.append((t("cpted.attr.corners", lang=lang), str(len(poly.exterior.coords) - 1)))
    rows.append((t("map.attr.buurt", lang=lang), _area(twin, target.get("buurt"))))
    if kind != "street" and target.get("street"):
        name = _street_name(twin, str(target["street"])) or str(target["street"])
        rows.append((t("cpted.attr.nearest_street", lang=lang), name))
    rows.append(
        (
            t("cpted.attr.wgs84", lang=lang),
            f"{float(target['lat']):.6f}, {float(target['lon']):.6f}",
        )
    )
    rows.append(
        (t("cpted.attr.rd", lang=lang), f"{float(target['x']):,.2f}, {float(target['y']):,.2f}")
    )
    return rows
