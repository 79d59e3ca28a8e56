"""The CPTED assessment store (``twin.assessments``) as an
:class:`~assistant.providers.AssessmentProvider`.

Reads the current version of every (not deleted) assessment in an area and/or on a street and
hands it over in the protocol's shape: per-principle scores (the mean of the principle's items,
``None`` when every item was *n.v.t.*, absent when none was assessed), the time of day, the
date, the notes (free text: the tools pass it as quoted data) and the proposed measures. The
author never leaves this module. A store that does not exist yet is not created: it simply
has no assessments.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assistant._catalogue import normalise
from twin import Twin
from twin.assessments import NA, AssessmentStore, load_form, open_store, store_path

__all__ = ["PRINCIPLE_NAMES", "StoreAssessments", "record_from_version"]

#: Store principle id → protocol principle id (the protocol says ``surveillance``).
PRINCIPLE_NAMES = {
    "natural_surveillance": "surveillance",
    "access_control": "access_control",
    "territoriality": "territoriality",
    "maintenance": "maintenance",
    "activity_support": "activity_support",
    "target_hardening": "target_hardening",
    "lighting": "lighting",
}


def _scores(scores: Mapping[str, Any]) -> dict[str, float | None]:
    items = load_form().items
    given: dict[str, list[float]] = {}
    for item, value in scores.items():
        if item not in items:
            continue
        values = given.setdefault(items[item].principle, [])
        if value != NA:
            values.append(float(value))
    return {
        PRINCIPLE_NAMES[p]: (round(sum(v) / len(v), 2) if v else None) for p, v in given.items()
    }


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def record_from_version(head: Mapping[str, Any], data: Mapping[str, Any], street_name: str) -> dict:
    """One assessment in the protocol's shape (no author) from its head row and content."""
    return {
        "id": str(head["id"]),
        "area": _text(head.get("buurt")),
        "target_kind": str(data["target"]["kind"]),
        "target_name": street_name,
        "scores": _scores(data.get("scores", {})),
        "observed": str(data.get("time_of_day", "")),
        "date": str(data.get("observed_at", ""))[:10],
        "notes": str(data.get("notes", "")),
        "measures": list(data.get("measures", [])),
    }


class StoreAssessments:
    """Assessments of ``twin`` from the store at ``path`` (default ``<home>/assessments.sqlite``).

    Areas are CBS codes: a buurt, a wijk (its buurten) or the municipality (everything).
    Streets are names: every segment of that name counts.
    """

    def __init__(self, twin: Twin, path: str | Path | None = None) -> None:
        self._path = Path(path) if path is not None else None
        self._store: AssessmentStore | None = None
        nb = twin.neighbourhoods
        self._parent = {
            str(c): str(p) for c, p in zip(nb["code"], nb["parent"], strict=True) if p == p and p
        }
        streets = twin.streets
        self._street_name = {
            str(i): (str(n) if isinstance(n, str) else "")
            for i, n in zip(streets["id"], streets["name"], strict=True)
        }

    def _open(self) -> AssessmentStore | None:
        if self._store is None:
            path = self._path or store_path()
            if not path.exists():
                return None  # nothing assessed yet: do not create a store just to read it
            self._store = open_store(path)
        return self._store

    def _within(self, code: str, area: str) -> bool:
        while code:
            if code == area:
                return True
            code = self._parent.get(code, "")
        return False

    def assessments(
        self, area: str | None = None, street: str | None = None
    ) -> list[dict[str, Any]]:
        store = self._open()
        if store is None:
            return []
        frame = store.frame()
        if area:
            buurten = {b for b in set(frame["buurt"].dropna()) if self._within(str(b), area)}
            frame = frame[frame["buurt"].isin(buurten)]
        if street:
            key = normalise(street)
            ids = {i for i, n in self._street_name.items() if n and normalise(n) == key}
            frame = frame[frame["street"].isin(ids)]
        out = []
        for head in frame.to_dict("records"):
            version = store.get(str(head["id"]))
            name = self._street_name.get(_text(head.get("street")), "")
            out.append(record_from_version(head, version.assessment.to_data(), name))
        return out
