"""The CPTED studio's draft in session state, and every action that changes it.

Widgets whose values must survive reruns and page switches have keys starting ``cpted.``
(``viewer/app.py`` keeps them); buttons, uploaders and other one-shot widgets use ``cpted-``
(Streamlit forbids setting those through session state). Plain state is ``cpted_*``.

Every action that changes form values runs as a widget callback, before the script draws the
widgets; nothing is ever written to the store except by :func:`save`, :func:`delete` and
:func:`restore`, each one transaction in the store.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

import streamlit as st

from twin.assessments import (
    AssessmentError,
    AssessmentInputError,
    Photo,
    Target,
    VersionConflict,
    current_author,
    load_form,
    photo_from_upload,
)
from twin.assessments.limits import MAX_PHOTOS
from twin.assessments.photos import check_stored_photo
from viewer import cpted_drafts
from viewer.cpted_data import get_store
from viewer.cpted_model import (
    assessment_from_values,
    empty_values,
    form_language,
    rebase,
    values_from_data,
)
from viewer.i18n import language, t

__all__ = [
    "K_AUTHOR",
    "K_DATE",
    "K_MEASURES",
    "K_NOTES",
    "K_TOD",
    "acting_author",
    "add_uploads",
    "autosave",
    "delete",
    "discard_changes",
    "form_values",
    "init_state",
    "is_dirty",
    "load_assessment",
    "local_time",
    "message",
    "meta",
    "move_draft",
    "new_assessment",
    "photo_bytes",
    "reapply_mine",
    "remove_photo",
    "request_open",
    "request_target",
    "restore",
    "restore_draft",
    "save",
    "score_key",
    "set_message",
    "take_theirs",
]

K_NOTES = "cpted.notes"
K_DATE = "cpted.observed"
K_TOD = "cpted.tod"
K_MEASURES = "cpted.measures"
K_AUTHOR = "cpted.author"
S_META = "cpted_meta"  # {"aid", "base", "target", "deleted"}: what the form is about
S_BASELINE = "cpted_baseline"  # values as loaded or last saved: "dirty" = differs from these
S_REFS = "cpted_photo_refs"  # the photos the draft shows (SHA-256, in order)
S_NEW_PHOTOS = "cpted_new_photos"  # sha → Photo uploaded in this session, not yet saved
S_MSG = "cpted_msg"  # slot → (kind, text)
S_CONFLICT = "cpted_conflict"  # the refused save, both versions
S_PENDING = "cpted_pending"  # a pick or an open that waits because the draft is dirty
S_REBASED = "cpted_rebased"  # fields both sides changed, after re-applying
S_UNDO = "cpted_undo"  # id of the assessment just deleted (offers undo)
S_UPLOADER = "cpted_uploader_n"  # the uploader's key counter (a new key empties it)
S_DRAFT = "cpted_draft"  # {"id", "digest"}: this session's draft file


def score_key(item: str) -> str:
    return f"cpted.score.{item}"


def _ss() -> Any:
    return st.session_state


def init_state() -> None:
    """Default state for a new session (never overwrites what is there)."""
    ss = _ss()
    ss.setdefault(S_META, {"aid": None, "base": None, "target": None, "deleted": False})
    ss.setdefault(S_NEW_PHOTOS, {})
    ss.setdefault(S_MSG, {})
    ss.setdefault(S_UPLOADER, 0)
    ss.setdefault(S_DRAFT, {"id": uuid.uuid4().hex, "digest": None})
    if S_BASELINE not in ss:
        ss[S_BASELINE] = empty_values()
        _put(ss[S_BASELINE])
    ss.setdefault(S_REFS, [])
    for key, value in _widget_values(ss[S_BASELINE]).items():
        if key not in ss:
            ss[key] = value


def meta() -> dict[str, Any]:
    return _ss()[S_META]


def message(slot: str) -> tuple[str, str] | None:
    return _ss()[S_MSG].get(slot)


def set_message(slot: str, kind: str | None, text: str = "") -> None:
    msgs = _ss()[S_MSG]
    if kind is None:
        msgs.pop(slot, None)
    else:
        msgs[slot] = (kind, text)


# -- values <-> widgets ---------------------------------------------------------------------
def _widget_values(values: Mapping[str, Any]) -> dict[str, Any]:
    scores = values.get("scores") or {}
    out: dict[str, Any] = {score_key(i): scores.get(i) for i in load_form().items}
    out[K_NOTES] = values.get("notes", "")
    out[K_DATE] = dt.date.fromisoformat(values.get("observed_at") or dt.date.today().isoformat())
    out[K_TOD] = values.get("time_of_day", "day")
    out[K_MEASURES] = list(values.get("measures") or [])
    return out


def _put(values: Mapping[str, Any]) -> None:
    """Show ``values`` in the form (only before the widgets are drawn, e.g. in a callback)."""
    ss = _ss()
    for key, value in _widget_values(values).items():
        ss[key] = value
    ss[S_REFS] = list(values.get("photos") or [])


def form_values() -> dict[str, Any]:
    """The draft as the widgets hold it now."""
    ss = _ss()
    day = ss.get(K_DATE)
    return {
        "scores": {
            i: ss[score_key(i)] for i in load_form().items if ss.get(score_key(i)) is not None
        },
        "notes": ss.get(K_NOTES) or "",
        "observed_at": day.isoformat() if isinstance(day, dt.date) else str(day or ""),
        "time_of_day": ss.get(K_TOD) or "day",
        "measures": list(ss.get(K_MEASURES) or []),
        "photos": list(ss.get(S_REFS) or []),
    }


def is_dirty() -> bool:
    """True when the form differs from what was loaded or last saved."""
    return form_values() != _ss()[S_BASELINE]


def acting_author():
    """The :class:`Author` this session acts as (the backend's one identity function)."""
    return current_author(_ss().get(K_AUTHOR) or None)


def _flang() -> str:
    return form_language(language())


# -- opening, starting, moving --------------------------------------------------------------
def _carry_over() -> dict[str, Any]:
    """A blank draft that keeps the date and time of day of the current one (a site walk)."""
    v = form_values()
    return empty_values(observed_at=v["observed_at"], time_of_day=v["time_of_day"])


def _load(values: Mapping[str, Any], *, aid, base, target, deleted=False) -> None:
    ss = _ss()
    ss[S_META] = {"aid": aid, "base": base, "target": target, "deleted": deleted}
    ss[S_BASELINE] = {**values}
    _put(values)
    ss.pop(S_CONFLICT, None)
    ss.pop(S_PENDING, None)
    ss.pop(S_REBASED, None)


def new_assessment(target: Mapping[str, Any] | None = None) -> None:
    """Start a blank assessment of ``target`` (default: the current target)."""
    target = target if target is not None else meta()["target"]
    _load(_carry_over(), aid=None, base=None, target=dict(target) if target else None)
    set_message("form", None)


def load_assessment(aid: str) -> None:
    """Open a stored assessment (deleted ones too) for editing."""
    try:
        v = get_store().get(aid)
    except AssessmentError as exc:
        set_message("form", "error", exc.text(_flang()))
        return
    data = v.assessment.to_data()
    _load(values_from_data(data), aid=aid, base=v.version, target=data["target"], deleted=v.deleted)
    set_message("form", "info", t("cpted.msg.opened", version=v.version, author=v.author))


def request_target(target: Target | Mapping[str, Any]) -> None:
    """A new target was picked: start assessing it, unless that would drop unsaved typing."""
    data = target.to_data() if isinstance(target, Target) else dict(target)
    if is_dirty():
        _ss()[S_PENDING] = {"kind": "target", "target": data}
    else:
        new_assessment(data)


def request_open(aid: str) -> None:
    """Open an assessment (a marker or a list row), unless that would drop unsaved typing."""
    if aid == meta()["aid"]:
        _ss().pop(S_PENDING, None)
        return
    if is_dirty():
        _ss()[S_PENDING] = {"kind": "open", "aid": aid}
    else:
        load_assessment(aid)


def move_draft() -> None:
    """Keep the typing, but make the pending pick its target."""
    pending = _ss().pop(S_PENDING, None)
    if pending and pending["kind"] == "target":
        meta()["target"] = pending["target"]


def discard_changes() -> None:
    """Go back to what was loaded (or blank), then do what was pending."""
    ss = _ss()
    pending = ss.pop(S_PENDING, None)
    ss[S_NEW_PHOTOS] = {}
    _put(ss[S_BASELINE])
    ss.pop(S_REBASED, None)
    if pending and pending["kind"] == "target":
        new_assessment(pending["target"])
    elif pending and pending["kind"] == "open":
        load_assessment(pending["aid"])


# -- photos -----------------------------------------------------------------------------------
def add_uploads() -> None:
    """Callback of the photo uploader: check, strip and keep each file, then empty it."""
    ss = _ss()
    key = f"cpted-photos-{ss[S_UPLOADER]}"
    files = ss.get(key) or []
    refs, errors = list(ss.get(S_REFS) or []), []
    for f in files:
        try:
            photo = photo_from_upload(f.getvalue(), f.name)
        except AssessmentInputError as exc:
            errors.append(exc.text(_flang()))
            continue
        if photo.sha256 in refs:
            continue
        if len(refs) >= MAX_PHOTOS:
            errors.append(AssessmentInputError("too_many_photos", limit=MAX_PHOTOS).text(_flang()))
            break
        ss[S_NEW_PHOTOS][photo.sha256] = photo
        refs.append(photo.sha256)
    ss[S_REFS] = refs
    ss[S_UPLOADER] += 1
    set_message("photos", "error" if errors else None, "\n\n".join(errors))


def remove_photo(sha: str) -> None:
    _ss()[S_REFS] = [r for r in _ss()[S_REFS] if r != sha]


def photo_bytes(sha: str) -> bytes | None:
    """A photo of the draft: uploaded in this session, or from the store."""
    new = _ss()[S_NEW_PHOTOS].get(sha)
    if new is not None:
        return new.data
    try:
        return get_store().photo(sha).data
    except AssessmentError:
        return None


# -- saving, deleting, conflicts --------------------------------------------------------------
def save() -> None:
    """Save the draft: a new assessment, or the next version of the open one."""
    ss, m, flang = _ss(), meta(), _flang()
    if not m["target"]:
        set_message("form", "error", t("cpted.msg.no_target"))
        return
    values = form_values()
    try:
        author = acting_author()
        assessment = assessment_from_values(values, m["target"])
        photos = [ss[S_NEW_PHOTOS][r] for r in assessment.photos if r in ss[S_NEW_PHOTOS]]
        store = get_store()
        if m["aid"]:
            v = store.save(
                m["aid"], assessment, base_version=m["base"], author=author, photos=photos
            )
        else:
            v = store.create(assessment, author, photos=photos)
    except VersionConflict as exc:
        ss[S_CONFLICT] = {"aid": m["aid"], "base": exc.base, "mine": exc.mine, "theirs": exc.theirs}
        set_message("form", "warning", exc.text(flang))
        return
    except AssessmentError as exc:
        set_message("form", "error", exc.text(flang))
        return
    _load(
        values_from_data(v.assessment.to_data()),
        aid=v.assessment_id,
        base=v.version,
        target=v.assessment.target.to_data(),
    )
    ss[S_NEW_PHOTOS] = {}
    ss.pop(S_UNDO, None)
    set_message(
        "form",
        "success",
        t(
            "cpted.msg.saved",
            version=v.version,
            id=v.assessment_id[:8],
            author=v.author,
            time=local_time(v.saved_at),
        ),
    )


def local_time(iso: str) -> str:
    try:
        return dt.datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return iso


def reapply_mine() -> None:
    """After a conflict: put my changes on top of their version; the user checks and saves."""
    ss = _ss()
    c = ss.pop(S_CONFLICT, None)
    if not c:
        return
    store = get_store()
    base = store.get(c["aid"], c["base"]).assessment.to_data()
    theirs = c["theirs"]
    merged, both = rebase(base, c["mine"], theirs.assessment.to_data())
    # deleted in between: saving the re-applied changes brings it back (said on the page)
    ss[S_META] = {
        "aid": c["aid"],
        "base": theirs.version,
        "target": merged["target"],
        "deleted": False,
    }
    ss[S_BASELINE] = values_from_data(theirs.assessment.to_data())
    _put(values_from_data(merged))
    ss[S_REBASED] = both
    set_message("form", "info", t("cpted.msg.reapplied", version=theirs.version))


def take_theirs() -> None:
    """After a conflict: drop my changes and load their version."""
    c = _ss().pop(S_CONFLICT, None)
    if c:
        load_assessment(c["aid"])


def delete() -> None:
    """Soft-delete the open assessment (a new version; undo brings it back)."""
    m = meta()
    try:
        v = get_store().delete(m["aid"], acting_author(), base_version=m["base"])
    except VersionConflict as exc:
        set_message("form", "warning", exc.text(_flang()))
        return
    except AssessmentError as exc:
        set_message("form", "error", exc.text(_flang()))
        return
    _ss()[S_UNDO] = v.assessment_id
    new_assessment(m["target"])
    set_message("form", "success", t("cpted.msg.deleted", id=v.assessment_id[:8]))


def restore(aid: str | None = None) -> None:
    """Undo a delete, and open the assessment again."""
    ss = _ss()
    aid = aid or ss.get(S_UNDO) or meta()["aid"]
    try:
        v = get_store().restore(aid, acting_author())
    except AssessmentError as exc:
        set_message("form", "error", exc.text(_flang()))
        return
    ss.pop(S_UNDO, None)
    load_assessment(aid)
    set_message("form", "success", t("cpted.msg.restored", id=aid[:8], version=v.version))


# -- drafts on disk ---------------------------------------------------------------------------
def autosave() -> None:
    """Write the draft to disk while it is dirty; remove the file once it is clean."""
    ss = _ss()
    draft = ss[S_DRAFT]
    if not is_dirty() or not meta()["target"]:
        if draft["digest"] is not None:
            cpted_drafts.remove_draft(draft["id"])
            draft["digest"] = None
        return
    try:
        author = acting_author().name
    except AssessmentError:
        return
    body = {"author": author, "meta": meta(), "values": form_values(), "baseline": ss[S_BASELINE]}
    photos = {sha: p.data for sha, p in ss[S_NEW_PHOTOS].items() if sha in ss[S_REFS]}
    try:
        digest = cpted_drafts.write_draft(draft["id"], body, photos)
    except OSError as exc:  # a full disk must not break the page; the session still has it
        set_message("draft", "warning", t("cpted.msg.draft_not_written", reason=str(exc)))
        return
    draft["digest"] = digest


def restore_draft(found: Mapping[str, Any]) -> None:
    """Take over a draft left by an earlier session (reload, restart)."""
    ss = _ss()
    photos: dict[str, Photo] = {}
    for sha in found["values"].get("photos", []):
        data = cpted_drafts.read_draft_photo(sha)
        if data is not None:
            try:
                photos[sha] = check_stored_photo(data, sha)
            except AssessmentInputError:
                continue
    m = found.get("meta") or {}
    _load(
        found.get("baseline") or empty_values(),
        aid=m.get("aid"),
        base=m.get("base"),
        target=m.get("target"),
        deleted=bool(m.get("deleted")),
    )
    _put(found["values"])
    stored = get_store().has_photos(ss[S_REFS])
    ss[S_REFS] = [r for r in ss[S_REFS] if r in photos or r in stored]  # lost photos: dropped
    ss[S_NEW_PHOTOS] = photos
    old = ss[S_DRAFT]["id"]
    cpted_drafts.remove_draft(old)
    ss[S_DRAFT] = {"id": found["id"], "digest": None}
    set_message("form", "info", t("cpted.msg.draft_restored", time=found.get("updated", "")))
