"""Unsaved CPTED drafts on disk, so a reloaded tab or a restarted app loses no typing.

Session state already keeps a draft across reruns and page switches; a browser reload starts a
new session, though, and would lose it. So while a draft differs from what is saved, the page
writes it here (atomically: temporary file, then rename) on every change, and deletes it once
it is saved or discarded. A new session of the same author is offered its unsaved drafts back.

Layout: ``<home>/cpted_drafts/<draft id>.json`` and the new photos it shows, already stripped of
metadata, as ``<home>/cpted_drafts/photos/<sha256>.jpg``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from twin import get_settings

__all__ = ["drafts_dir", "list_drafts", "read_draft_photo", "remove_draft", "write_draft"]

#: Folder of the drafts inside the home folder.
DRAFTS_FOLDER = "cpted_drafts"
#: Drafts offered back to a new session (newest first).
MAX_OFFERED = 5
_ID = re.compile(r"^[0-9a-f]{32}$")
_SHA = re.compile(r"^[0-9a-f]{64}$")
_log = logging.getLogger(__name__)


def drafts_dir() -> Path:
    """``<home>/cpted_drafts`` (created when first written)."""
    return get_settings().home_path / DRAFTS_FOLDER


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def write_draft(draft_id: str, draft: Mapping[str, Any], photos: Mapping[str, bytes]) -> str:
    """Write a draft (``author``, ``meta``, ``values``, ``baseline``) and its new photos.

    Returns a digest of what was written; the page skips the write when it is unchanged.
    """
    if not _ID.match(draft_id):
        raise ValueError(f"draft id must be 32 hex digits, got {draft_id!r}")
    body = {**draft, "id": draft_id, "updated": dt.datetime.now().isoformat(timespec="seconds")}
    text = json.dumps({k: v for k, v in body.items() if k != "updated"}, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()
    folder = drafts_dir()
    for sha, data in photos.items():
        target = folder / "photos" / f"{sha}.jpg"
        if _SHA.match(sha) and not target.exists():
            _atomic_write(target, data)
    _atomic_write(folder / f"{draft_id}.json", json.dumps(body, ensure_ascii=False).encode())
    return digest


def remove_draft(draft_id: str) -> None:
    """Delete a draft, and the photos no other draft shows."""
    folder = drafts_dir()
    path = folder / f"{draft_id}.json"
    if not _ID.match(draft_id) or not path.exists():
        return
    draft = _read(path)
    mine = set(draft["values"].get("photos", [])) if draft else set()
    path.unlink(missing_ok=True)
    still = {p for d in _all() for p in d.get("values", {}).get("photos", [])}
    for sha in mine - still:
        if _SHA.match(sha):
            (folder / "photos" / f"{sha}.jpg").unlink(missing_ok=True)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        _log.warning("unreadable CPTED draft %s: %s", path.name, exc)
        return None
    return data if isinstance(data, dict) and isinstance(data.get("values"), dict) else None


def _all() -> list[dict[str, Any]]:
    folder = drafts_dir()
    if not folder.is_dir():
        return []
    return [d for p in folder.glob("*.json") if _ID.match(p.stem) and (d := _read(p))]


def list_drafts(author: str, *, exclude: str | None = None) -> list[dict[str, Any]]:
    """Unsaved drafts of ``author`` (newest first), except the draft ``exclude``."""
    found = [d for d in _all() if d.get("author") == author and d.get("id") != exclude]
    found.sort(key=lambda d: str(d.get("updated", "")), reverse=True)
    return found[:MAX_OFFERED]


def read_draft_photo(sha: str) -> bytes | None:
    """A photo kept with a draft (None when it is not there)."""
    path = drafts_dir() / "photos" / f"{sha}.jpg"
    if not _SHA.match(sha) or not path.is_file():
        return None
    data = path.read_bytes()
    return data if hashlib.sha256(data).hexdigest() == sha else None
