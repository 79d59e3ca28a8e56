"""Printable assessment reports: one location, or an area with a summary (HTML; PDF via
:func:`viewer.printing.pdf_from_html`).

The HTML is one self-contained document — photos embedded as data URIs, no script, no remote
resources, a Content-Security-Policy that forbids both — rendered by Jinja2 with autoescaping
on, so notes, names and ids always show as text. :func:`report_html` is pure (data in, text
out); :func:`entries_from_store` gathers the data.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jinja2

from twin.assessments.form import PRINCIPLE_IDS, load_form
from twin.assessments.record import NA, Change, Version, diff_data
from twin.assessments.store import AssessmentStore
from twin.paths import data_dir

__all__ = ["ReportEntry", "entries_from_store", "report_html"]

#: Longest value shown in a history change before it is shortened.
_CHANGE_CHARS = 60


@dataclass(frozen=True)
class ReportEntry:
    """Everything a report shows of one assessment."""

    current: Version
    history: Sequence[Version]
    history_meta: Sequence[Sequence[Any]]
    photos: Mapping[str, bytes] = field(default_factory=dict)


def entries_from_store(
    store: AssessmentStore, ids: Sequence[str], *, with_photos: bool = True
) -> list[ReportEntry]:
    """Report entries for assessments by id, in the given order."""
    entries = []
    for aid in ids:
        current = store.get(aid)
        photos = (
            {ref: store.photo(ref).data for ref in current.assessment.photos} if with_photos else {}
        )
        entries.append(ReportEntry(current, store.history(aid), store.history_meta(aid), photos))
    return entries


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(data_dir() / "cpted"),
        autoescape=True,  # every {{ }} is escaped: notes and names can never become markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2")


def _cls(score: float | None) -> str:
    return "na" if score is None else str(min(5, max(1, round(score))))


def _fmt(score: float | None, lang: str) -> str:
    if score is None:
        return "–"
    text = f"{score:.1f}"
    return text.replace(".", ",") if lang == "nl" else text


def _short(value: Any, lang: str) -> str:
    if isinstance(value, bool):
        value = {True: ("ja", "yes"), False: ("nee", "no")}[value][lang != "nl"]
    elif isinstance(value, list):
        value = ", ".join(map(str, value))
    text = "–" if value is None or value == "" else str(value)
    text = " ".join(text.split())
    return text if len(text) <= _CHANGE_CHARS else text[: _CHANGE_CHARS - 1] + "…"


def _change_text(change: Change, lang: str) -> str:
    form = load_form()
    name = change.field
    if name.startswith("scores."):
        item = name.split(".", 1)[1]
        name = item if item not in form.items else f"{form.label('score', lang)} {item}"
    elif name.startswith("target."):
        name = f"{form.label('location', lang)} {name.split('.', 1)[1]}"
    elif name in form.labels:
        name = form.label(name, lang)
    return f"{name}: {_short(change.old, lang)} → {_short(change.new, lang)}"


def _entry_context(entry: ReportEntry, lang: str, names: Mapping[str, str]) -> dict[str, Any]:
    form = load_form()
    v, a = entry.current, entry.current.assessment
    t = a.target
    kind = form.label(f"kind_{t.kind}", lang)
    kind = kind[:1].upper() + kind[1:]
    target_label = f"{kind} {t.id}" if t.id else kind
    buurt_label = f"{names.get(t.buurt, t.buurt)} ({t.buurt})" if t.buurt else "–"
    ps = a.principle_scores
    principles = []
    for p in form.principles:
        items = [
            {
                "text": form.item_text(i.id, lang),
                "value": form.scale_labels["n_a"][lang] if a.scores[i.id] == NA else a.scores[i.id],
                "cls": "na" if a.scores[i.id] == NA else str(a.scores[i.id]),
            }
            for i in p.items
            if i.id in a.scores
        ]
        if items:
            principles.append(
                {"label": form.principle_label(p.id, lang), "score": ps[p.id], "rows": items}
            )
    local = {h.version: h for h in entry.history}
    history = []
    previous: dict[str, Any] | None = None
    for meta in entry.history_meta:
        number = int(meta[0])
        here = local.get(number)
        if here is not None:
            changes = (
                [_change_text(c, lang) for c in diff_data(previous, here.data)] if previous else []
            )
            previous = here.data
        else:
            changes = []
        history.append(
            {
                "version": number,
                "action": form.label(f"action_{meta[1]}", lang),
                "author": meta[2],
                "saved_at": str(meta[3]).replace("T", " ").rstrip("Z"),
                "changes": changes,
            }
        )
    return {
        "target_label": target_label,
        "buurt_label": buurt_label,
        "street": t.street,
        "rd": f"{t.x:.2f}, {t.y:.2f}",
        "wgs84": f"{t.lat:.6f}, {t.lon:.6f}",
        "observed": a.observed_at.replace("T", " "),
        "time_of_day": form.label(a.time_of_day, lang),
        "author": v.author,
        "version": v.version,
        "saved_at": v.saved_at.replace("T", " ").rstrip("Z"),
        "deleted": v.deleted,
        "overall": a.overall,
        "principles": principles,
        "notes": a.notes,
        "measures": [form.measure_label(m, lang) for m in a.measures],
        "photos": [
            {"ref": ref[:12], "uri": "data:image/jpeg;base64," + base64.b64encode(data).decode()}
            for ref, data in ((r, entry.photos.get(r)) for r in a.photos)
            if data
        ],
        "history": history,
    }


def _summary(entries: Sequence[ReportEntry], lang: str) -> dict[str, Any]:
    form = load_form()
    overall = [o for e in entries if (o := e.current.assessment.overall) is not None]
    per: dict[str, list[float]] = {p: [] for p in PRINCIPLE_IDS}
    measures: Counter[str] = Counter()
    for e in entries:
        for p, s in e.current.assessment.principle_scores.items():
            if s is not None:
                per[p].append(s)
        measures.update(e.current.assessment.measures)
    dates = [e.current.assessment.observed_at[:10] for e in entries]
    return {
        "count": len(entries),
        "overall": sum(overall) / len(overall) if overall else None,
        "principles": {p: (sum(v) / len(v) if v else None) for p, v in per.items()},
        "latest": max(dates) if dates else None,
        "measures": [(form.measure_label(m, lang), n) for m, n in measures.most_common()],
    }


def report_html(
    entries: Sequence[ReportEntry],
    *,
    lang: str = "nl",
    title: str | None = None,
    area_name: str | None = None,
    twin_name: str = "",
    synthetic: bool = False,
    area_names: Mapping[str, str] | None = None,
    generated: dt.datetime | None = None,
) -> str:
    """The report as one HTML document.

    One entry and no ``area_name``: a location report. Otherwise an area report that starts
    with a summary (count, mean scores per principle, measures proposed, a table of all
    assessments) followed by every assessment on its own page.
    """
    form = load_form()
    lang = lang if lang in ("nl", "en") else "nl"
    is_area = area_name is not None or len(entries) != 1
    if title is None:
        if is_area:
            title = f"{form.label('report_title_area', lang)} {area_name or ''}".strip()
        else:
            title = form.label("report_title_location", lang)
    names = dict(area_names or {})
    context_entries = [_entry_context(e, lang, names) for e in entries]
    generated = generated or dt.datetime.now().astimezone()
    return _template().render(
        lang=lang,
        title=title,
        subtitle=None
        if is_area
        else context_entries[0]["target_label"]
        if context_entries
        else None,
        generated=generated.strftime("%Y-%m-%d %H:%M"),
        twin_name=twin_name,
        synthetic=synthetic,
        L={k: form.label(k, lang) for k in form.labels},
        principles=[{"id": p, "label": form.principle_label(p, lang)} for p in PRINCIPLE_IDS],
        summary=_summary(entries, lang) if is_area else None,
        entries=context_entries,
        fmt=lambda s: _fmt(s, lang),
        cls=_cls,
    )
