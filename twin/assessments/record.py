"""An assessment's content, its versions, its scores and the diff between two versions.

Pure: validation and arithmetic only, no files, no database.

Scores: each item is 1–5 or ``"n/a"`` (not applicable); items left out were not assessed.
A principle's score is the mean of its numeric items; the overall score is the mean of the
principle scores, so every principle weighs the same however many items it has. ``n/a`` and
unassessed items count nowhere.

>>> s = {"ns_sightlines": 2, "ns_overlooking_windows": 4, "li_even_lighting": "n/a",
...      "li_faces_recognisable": 5}
>>> principle_scores(s)["natural_surveillance"], principle_scores(s)["lighting"]
(3.0, 5.0)
>>> overall_score(s)
4.0
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from twin.assessments.errors import AssessmentInputError
from twin.assessments.form import MEASURE_IDS, PRINCIPLE_IDS, load_form
from twin.assessments.limits import MAX_NOTE_CHARS, MAX_PHOTOS

__all__ = [
    "NA",
    "TARGET_KINDS",
    "TIMES_OF_DAY",
    "Assessment",
    "Change",
    "Target",
    "Version",
    "diff_data",
    "make_assessment",
    "overall_score",
    "principle_scores",
]

#: The stored value of "not applicable".
NA = "n/a"
#: Spellings of "not applicable" accepted on input.
_NA_SPELLINGS = {"n/a", "na", "n.v.t.", "nvt", "n.v.t", "not applicable", "-"}
TARGET_KINDS = ("building", "street", "spot", "area")
TIMES_OF_DAY = ("day", "night")
#: Actions recorded in the history.
ACTIONS = ("create", "update", "delete", "restore", "import")

Score = int | str


@dataclass(frozen=True)
class Target:
    """What is assessed and where: RD point (x, y), its WGS84 twin (lon, lat), the buurt and
    the nearest street segment; ``area_wkt`` (RD) for a drawn area."""

    kind: str
    id: str | None
    x: float
    y: float
    lon: float
    lat: float
    buurt: str | None = None
    street: str | None = None
    area_wkt: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in TARGET_KINDS:
            raise AssessmentInputError("unknown_target_kind", kind=self.kind)

    def to_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "x": self.x,
            "y": self.y,
            "lon": self.lon,
            "lat": self.lat,
            "buurt": self.buurt,
            "street": self.street,
            "area_wkt": self.area_wkt,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Target:
        values: dict[str, Any] = {k: data.get(k) for k in cls.__dataclass_fields__}
        return cls(**values)


@dataclass(frozen=True)
class Assessment:
    """The content of one assessment (what an expert fills in). Build it with
    :func:`make_assessment`, which validates every field."""

    target: Target
    scores: Mapping[str, Score] = field(default_factory=dict)
    notes: str = ""
    observed_at: str = ""
    time_of_day: str = "day"
    measures: tuple[str, ...] = ()
    photos: tuple[str, ...] = ()

    @property
    def principle_scores(self) -> dict[str, float | None]:
        return principle_scores(self.scores)

    @property
    def overall(self) -> float | None:
        return overall_score(self.scores)

    def to_data(self) -> dict[str, Any]:
        """Plain JSON-able content (what each version stores)."""
        items = load_form().items
        return {
            "target": self.target.to_data(),
            "scores": {k: self.scores[k] for k in items if k in self.scores},
            "notes": self.notes,
            "observed_at": self.observed_at,
            "time_of_day": self.time_of_day,
            "measures": list(self.measures),
            "photos": list(self.photos),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Assessment:
        return cls(
            target=Target.from_data(data["target"]),
            scores=dict(data.get("scores", {})),
            notes=data.get("notes", ""),
            observed_at=data.get("observed_at", ""),
            time_of_day=data.get("time_of_day", "day"),
            measures=tuple(data.get("measures", ())),
            photos=tuple(data.get("photos", ())),
        )


@dataclass(frozen=True)
class Version:
    """One saved version of an assessment: its content and who saved it, when, and how."""

    assessment_id: str
    version: int
    action: str
    author: str
    saved_at: str
    deleted: bool
    assessment: Assessment

    @property
    def data(self) -> dict[str, Any]:
        """The content plus the deleted flag: what the field-level diff compares."""
        return {**self.assessment.to_data(), "deleted": self.deleted}


@dataclass(frozen=True)
class Change:
    """One changed field between two versions (``field`` is a dotted path, e.g. ``scores.x``)."""

    field: str
    old: Any
    new: Any


# -- validation ---------------------------------------------------------------------------------
_FAST_SCORES: dict[object, Score] = {
    **{v: v for v in range(1, 6)},
    **{str(v): v for v in range(1, 6)},
    NA: NA,
}


def _score(item: str, value: object) -> Score:
    if type(value) in (int, str) and value in _FAST_SCORES:
        return _FAST_SCORES[value]
    original = value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NA
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _NA_SPELLINGS:
            return NA
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            raise AssessmentInputError("score_invalid", value=value, item=item) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AssessmentInputError("score_invalid", value=value, item=item)
    if value != int(value) or not 1 <= value <= 5:
        raise AssessmentInputError("score_invalid", value=original, item=item)
    return int(value)


def _observed_at(value: str | dt.date | None) -> str:
    if value is None or value == "":
        return dt.date.today().isoformat()
    if isinstance(value, dt.datetime):
        parsed: dt.date = value
    elif isinstance(value, dt.date):
        parsed = value
    else:
        text = str(value).strip()
        try:
            parsed = (
                dt.datetime.fromisoformat(text) if len(text) > 10 else dt.date.fromisoformat(text)
            )
        except ValueError:
            raise AssessmentInputError("observed_at_invalid", value=value) from None
    day = parsed.date() if isinstance(parsed, dt.datetime) else parsed
    if day > dt.date.today() + dt.timedelta(days=1):
        raise AssessmentInputError("observed_at_future", value=day.isoformat())
    if isinstance(parsed, dt.datetime):
        return parsed.replace(microsecond=0).isoformat(timespec="minutes")
    return parsed.isoformat()


def _notes(text: str | None) -> str:
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\x00", "")
    if len(text) > MAX_NOTE_CHARS:
        raise AssessmentInputError("note_too_long", length=len(text), limit=MAX_NOTE_CHARS)
    return text


def make_assessment(
    target: Target,
    scores: Mapping[str, object] | None = None,
    *,
    notes: str | None = "",
    observed_at: str | dt.date | None = None,
    time_of_day: str = "day",
    measures: Iterable[str] = (),
    photos: Iterable[str] = (),
) -> Assessment:
    """A validated :class:`Assessment`; raises :class:`AssessmentInputError` on bad input.

    ``scores`` maps item ids to 1–5 (int or text) or n/a (``None``, ``"n/a"``, ``"n.v.t."``).
    """
    items = load_form().items
    clean: dict[str, Score] = {}
    for item, value in (scores or {}).items():
        if item not in items:
            raise AssessmentInputError("unknown_item", item=item)
        clean[item] = _score(item, value)
    measure_list = list(dict.fromkeys(measures))
    for m in measure_list:
        if m not in MEASURE_IDS:
            raise AssessmentInputError("unknown_measure", measure=m)
    tod = str(time_of_day).strip().lower()
    if tod not in TIMES_OF_DAY:
        raise AssessmentInputError("time_of_day_invalid", value=time_of_day)
    photo_list = list(dict.fromkeys(photos))
    if len(photo_list) > MAX_PHOTOS:
        raise AssessmentInputError("too_many_photos", limit=MAX_PHOTOS)
    text = _notes(notes)
    if not clean and not text.strip():
        raise AssessmentInputError("nothing_scored")
    return Assessment(
        target=target,
        scores={k: clean[k] for k in items if k in clean},
        notes=text,
        observed_at=_observed_at(observed_at),
        time_of_day=tod,
        measures=tuple(m for m in MEASURE_IDS if m in measure_list),
        photos=tuple(photo_list),
    )


# -- scores -------------------------------------------------------------------------------------
def principle_scores(scores: Mapping[str, Score]) -> dict[str, float | None]:
    """Mean numeric score per principle (None when nothing numeric was scored)."""
    items = load_form().items
    sums = dict.fromkeys(PRINCIPLE_IDS, 0.0)
    counts = dict.fromkeys(PRINCIPLE_IDS, 0)
    for item, value in scores.items():
        if value == NA or item not in items:
            continue
        p = items[item].principle
        sums[p] += float(value)
        counts[p] += 1
    return {p: (sums[p] / counts[p] if counts[p] else None) for p in PRINCIPLE_IDS}


def overall_score(scores: Mapping[str, Score]) -> float | None:
    """Mean of the principle scores that exist (None when nothing was scored)."""
    values = [v for v in principle_scores(scores).values() if v is not None]
    return sum(values) / len(values) if values else None


# -- diff ---------------------------------------------------------------------------------------
def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def diff_data(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[Change]:
    """Field-level changes from ``old`` to ``new`` (``old`` None: everything is new).

    >>> [c.field for c in diff_data({"a": 1, "s": {"x": 2}}, {"a": 1, "s": {"x": 3, "y": 1}})]
    ['s.x', 's.y']
    """
    before = _flatten(old or {})
    after = _flatten(new)
    keys = list(after) + [k for k in before if k not in after]
    return [Change(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
