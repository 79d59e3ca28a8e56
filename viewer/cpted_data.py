"""The CPTED studio's data: the store, its table cached per change, markers, roll-ups, legend.

Reading 10,000 assessments takes a few hundred milliseconds, and a page reruns on every click.
So the table is read once per *change*: :func:`store_signature` is one aggregate query over the
head rows (the sum of current versions grows with every save, delete, restore and import), and
the frame, roll-ups and markers are cached on it. The markers overlay is built once per change
and filter, and its file keeps its URL, so the browser downloads it once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from layers import NO_DATA_RGBA, Legend, legend_from_categories, palette_colors
from layers.constants import MAX_MARKERS
from twin import Twin
from twin.assessments import (
    AssessmentStore,
    filter_assessments,
    load_form,
    open_store,
    rollup_by_buurt,
    rollup_by_street,
    store_path,
)
from twin.assessments import store_signature as _store_signature
from twin.assessments.limits import MARKER_COORD_DECIMALS
from viewer.cpted_model import form_language
from viewer.i18n import t
from viewer.map import Markers, StreetPaint

__all__ = [
    "MARKER_LAYER",
    "MAX_MARKERS",
    "Filters",
    "assessments_frame",
    "filtered_frame",
    "get_store",
    "marker_colours",
    "markers_overlay",
    "rollups",
    "score_legend",
    "store_signature",
    "street_score_paint",
]

#: Overlay id of the assessment markers (a pick reports it as ``Pick.layer``).
MARKER_LAYER = "cpted"
#: Marker colours: overall score rounded to 1–5 → RdYlBu (red = poor, blue = good; colour-blind
#: safe); unscored (notes only) → the no-data grey.
_SCORE_EDGES = np.array([1.5, 2.5, 3.5, 4.5])
_SCORE_COLOURS = palette_colors("RdYlBu", 5)
#: Characters of a note shown in a marker's tooltip.
_TIP_NOTE_CHARS = 90

Filters = Mapping[str, Any]


@st.cache_resource(show_spinner=False)
def _store(path: str) -> AssessmentStore:
    return open_store(path)


def get_store() -> AssessmentStore:
    """The assessment store of this app (``<home>/assessments.sqlite``), one per process."""
    return _store(str(store_path()))


def store_signature(store: AssessmentStore) -> tuple[int, int, str]:
    """(count, sum of current versions, last save) of all head rows: changes with every write
    (:func:`twin.assessments.store_signature`; the page's store always exists)."""
    return _store_signature(store.path) or (0, 0, "")


@st.cache_resource(show_spinner=False, max_entries=8)
def _frame(path: str, signature: tuple, include_deleted: bool) -> pd.DataFrame:
    return _store(path).frame(include_deleted=include_deleted)


def assessments_frame(store: AssessmentStore, *, include_deleted: bool = False) -> pd.DataFrame:
    """The store's table (one row per assessment), read once per change. Do not modify it."""
    return _frame(str(store.path), store_signature(store), include_deleted)


def filtered_frame(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """``frame`` narrowed by the page's filters (principle, score range, author, dates)."""
    lo, hi = filters.get("score") or (1.0, 5.0)
    return filter_assessments(
        frame,
        principle=filters.get("principle") or None,
        min_score=lo if lo > 1.0 else None,
        max_score=hi if hi < 5.0 else None,
        author=filters.get("author") or None,
        since=filters.get("since"),
        until=filters.get("until"),
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def _rollups(path: str, signature: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = _frame(path, signature, False)
    return rollup_by_street(frame), rollup_by_buurt(frame)


def rollups(store: AssessmentStore) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Roll-ups per street segment and per buurt of all (not deleted) assessments."""
    return _rollups(str(store.path), store_signature(store))


def marker_colours(scores: np.ndarray) -> np.ndarray:
    """RGBA per overall score: five classes around the whole scores, grey when unscored.

    >>> marker_colours(np.array([1.0, 4.6, np.nan]))[:, 3].tolist()
    [255, 255, 150]
    """
    scores = np.asarray(scores, dtype=float)
    cls = np.digitize(np.nan_to_num(scores, nan=0.0), _SCORE_EDGES)
    rgba = np.column_stack([_SCORE_COLOURS[cls], np.full(len(scores), 255)]).astype(np.uint8)
    rgba[~np.isfinite(scores)] = NO_DATA_RGBA
    return rgba


def score_legend(lang: str) -> Legend:
    """The legend of the marker colours."""
    form, flang = load_form(), form_language(lang)
    entries = [
        (tuple(c), form.scale_labels[str(i + 1)][flang]) for i, c in enumerate(_SCORE_COLOURS)
    ]
    entries.append((NO_DATA_RGBA, t("cpted.legend.unscored", lang=lang)))
    return legend_from_categories(
        t("cpted.legend.title", lang=lang), entries, note=t("cpted.legend.note", lang=lang)
    )


def _tooltips(twin: Twin, frame: pd.DataFrame, lang: str) -> list[tuple[str, list]]:
    form, flang = load_form(), form_language(lang)
    names = dict(zip(twin.streets["id"], twin.streets["name"], strict=True))
    kind_label = {k: form.label(f"kind_{k}", flang) for k in ("building", "street", "spot", "area")}
    tod = {k: form.label(k, flang) for k in ("day", "night")}
    labels = [form.label(k, flang) for k in ("overall", "author", "observed_at", "notes")]
    tips = []
    cols = (
        "target_kind",
        "target_id",
        "street",
        "overall",
        "author",
        "observed_at",
        "time_of_day",
        "notes",
    )
    for kind, tid, street, overall, author, day, when, notes in zip(
        *(frame[c] if c in frame else [""] * len(frame) for c in cols), strict=True
    ):
        what = names.get(tid) if kind == "street" else tid
        label = kind_label.get(kind, kind)
        title = f"{label[:1].upper()}{label[1:]} {what or ''}".strip()
        score = "–" if overall is None or overall != overall else f"{overall:.1f}"
        score = score.replace(".", ",") if lang in ("nl", "de") else score
        note = " ".join(str(notes or "").split())
        if len(note) > _TIP_NOTE_CHARS:
            note = note[: _TIP_NOTE_CHARS - 1] + "…"
        rows = [
            (labels[0], score),
            (labels[1], str(author)),
            (labels[2], f"{str(day)[:10]} ({tod.get(when, when)})"),
        ]
        if note:
            rows.append((labels[3], note))
        if street and kind != "street" and names.get(street):
            rows.append((t("cpted.attr.nearest_street", lang=lang), str(names[street])))
        tips.append((title, rows))
    return tips


@st.cache_resource(show_spinner=False, max_entries=16)
def _markers(
    path: str, signature: tuple, filters: tuple, lang: str, _twin: Twin, twin_key: str
) -> Markers:
    frame = filtered_frame(_frame(path, signature, False), dict(filters))
    if len(frame) > MAX_MARKERS:  # the map's limit: the newest, the page says so
        frame = frame.sort_values("saved_at", ascending=False).head(MAX_MARKERS)
    return Markers(
        MARKER_LAYER,
        frame["lon"].round(MARKER_COORD_DECIMALS).tolist(),
        frame["lat"].round(MARKER_COORD_DECIMALS).tolist(),
        frame["id"].tolist(),
        rgba=marker_colours(frame["overall"].to_numpy(float)),
        tooltips=_tooltips_of(_store(path), _twin, frame, lang),
        radius_m=5.0,
    )


#: Tooltips and notes by (store, id, version, …): a version never changes, so after the first
#: build only the assessments saved since are read and formatted again.
_tip_cache: dict[tuple, tuple[str, list]] = {}
_notes_cache: dict[tuple[str, str, int], str] = {}
#: Above this many unknown versions, read all current versions in one query.
_NOTES_BULK = 50
#: Entries kept before a cache starts over (a few hundred bytes each).
_CACHE_LIMIT = 200_000


def _notes(store: AssessmentStore, frame: pd.DataFrame) -> list[str]:
    """The current notes of every row of ``frame`` (the head table does not hold them)."""
    path = str(store.path)
    keys = [(path, i, int(v)) for i, v in zip(frame["id"], frame["current_version"], strict=True)]
    missing = [k for k in keys if k not in _notes_cache]
    if len(_notes_cache) + len(missing) > _CACHE_LIMIT:
        _notes_cache.clear()
    if len(missing) > _NOTES_BULK:
        for _, v, _ in store.current_versions():
            _notes_cache[(path, v.assessment_id, v.version)] = v.assessment.notes
    else:
        for k in missing:
            _notes_cache[k] = store.get(k[1], k[2]).assessment.notes
    return [_notes_cache.get(k, "") for k in keys]


def _tooltips_of(store: AssessmentStore, twin: Twin, frame: pd.DataFrame, lang: str) -> list:
    """Every row's tooltip, formatted once per version and language."""
    base = (str(store.path), twin.fingerprint, lang)
    keys = [(*base, i, int(v)) for i, v in zip(frame["id"], frame["current_version"], strict=True)]
    todo = [j for j, k in enumerate(keys) if k not in _tip_cache]
    if todo:
        if len(_tip_cache) + len(todo) > _CACHE_LIMIT:
            _tip_cache.clear()
            todo = list(range(len(keys)))
        rows = frame.iloc[todo]
        tips = _tooltips(twin, rows.assign(notes=_notes(store, rows)), lang)
        _tip_cache.update({keys[j]: tip for j, tip in zip(todo, tips, strict=True)})
    return [_tip_cache[k] for k in keys]


def markers_overlay(store: AssessmentStore, twin: Twin, filters: Filters, lang: str) -> Markers:
    """The assessments matching ``filters`` as map markers coloured by overall score, with
    escaped tooltips; the same object (and file URL) until the store or the filters change."""
    key = tuple(sorted((k, v if not isinstance(v, list) else tuple(v)) for k, v in filters.items()))
    return _markers(str(store.path), store_signature(store), key, lang, twin, twin.fingerprint)


def street_score_paint(twin: Twin, store: AssessmentStore, lang: str) -> StreetPaint | None:
    """Street segments coloured by their mean assessed score (the street roll-up), in the
    marker colours; unassessed segments grey. None when no street has a score yet."""
    scores = rollups(store)[0]["overall"].dropna()
    if scores.empty:
        return None
    aligned = scores.reindex(twin.streets["id"].to_numpy()).to_numpy(float)
    classes = np.where(np.isfinite(aligned), np.digitize(np.nan_to_num(aligned), _SCORE_EDGES), -1)
    return StreetPaint(
        classes=classes.astype(np.int16),
        colours=[(*(int(v) for v in c), 255) for c in _SCORE_COLOURS],
        values=aligned,
        title=t("cpted.legend.street_title", lang=lang),
    )
