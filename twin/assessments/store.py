"""The CPTED assessment store: SQLite with full version history, soft delete and conflict checks.

One file, ``assessments.sqlite`` under :attr:`Settings.home_path`, in WAL mode with foreign
keys on. Every write is one ``BEGIN IMMEDIATE`` transaction, so a crash or a kill at any moment
leaves either the whole save or none of it (tested with a killed process).

Tables
------
``assessments``  one head row per assessment: its current version, the deleted flag and the
                 current values denormalised for fast listing, roll-ups and markers.
``versions``     every saved version in full (JSON content), who saved it and when; never
                 updated or deleted.
``photos``       sanitised JPEG bytes as BLOBs, keyed by their SHA-256 (content-addressed).
``version_photos`` which photos each version shows (foreign keys to both).

The head and its current version reference each other (deferred foreign keys): a head without
its version, or a version of an unknown assessment, cannot be committed.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from twin.assessments.errors import AssessmentInputError, AssessmentNotFound, VersionConflict
from twin.assessments.form import PRINCIPLE_IDS
from twin.assessments.identity import Author
from twin.assessments.limits import BUSY_TIMEOUT_MS
from twin.assessments.photos import Photo
from twin.assessments.record import Assessment, Change, Version, diff_data
from twin.settings import get_settings

__all__ = ["STORE_FILE", "AssessmentStore", "open_store", "store_path", "store_signature"]

#: File name of the store inside the home folder.
STORE_FILE = "assessments.sqlite"
#: Schema version, kept in ``PRAGMA user_version`` (migrations key on it).
SCHEMA_VERSION = 1

_PRINCIPLE_COLUMNS = ", ".join(f"p_{p} REAL" for p in PRINCIPLE_IDS)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS assessments (
    id TEXT PRIMARY KEY,
    current_version INTEGER NOT NULL,
    deleted INTEGER NOT NULL CHECK (deleted IN (0, 1)),
    target_kind TEXT NOT NULL,
    target_id TEXT,
    buurt TEXT,
    street TEXT,
    x_rd REAL NOT NULL,
    y_rd REAL NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    overall REAL,
    {_PRINCIPLE_COLUMNS},
    measures TEXT NOT NULL,
    n_photos INTEGER NOT NULL,
    observed_at TEXT NOT NULL,
    time_of_day TEXT NOT NULL,
    author TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    foreign_history TEXT NOT NULL DEFAULT '[]',
    FOREIGN KEY (id, current_version) REFERENCES versions (assessment_id, version)
        DEFERRABLE INITIALLY DEFERRED
);
CREATE TABLE IF NOT EXISTS versions (
    assessment_id TEXT NOT NULL REFERENCES assessments (id) DEFERRABLE INITIALLY DEFERRED,
    version INTEGER NOT NULL CHECK (version >= 1),
    action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'restore', 'import')),
    author TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    deleted INTEGER NOT NULL CHECK (deleted IN (0, 1)),
    data TEXT NOT NULL CHECK (json_valid(data)),
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (assessment_id, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS photos (
    sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    mime TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    added_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS version_photos (
    assessment_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    position INTEGER NOT NULL,
    sha256 TEXT NOT NULL REFERENCES photos (sha256),
    PRIMARY KEY (assessment_id, version, position),
    FOREIGN KEY (assessment_id, version) REFERENCES versions (assessment_id, version)
        DEFERRABLE INITIALLY DEFERRED
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS assessments_buurt ON assessments (buurt);
CREATE INDEX IF NOT EXISTS assessments_street ON assessments (street);
CREATE INDEX IF NOT EXISTS assessments_target ON assessments (target_kind, target_id);
"""


def store_path() -> Path:
    """Where the store lives: ``<home>/assessments.sqlite``."""
    return get_settings().home_path / STORE_FILE


def store_signature(path: str | Path) -> tuple[int, int, str] | None:
    """(count, sum of current versions, last save) of all head rows, or None without a store.

    It changes with every save, delete, restore and import (the sum of current versions only
    grows), so callers cache what they read from the store on it. One aggregate query on a
    short read-only connection (well under a millisecond for 10,000 rows); a write by another
    process (the command line, another app session) shows up too. Never creates the store.
    """
    p = Path(path)
    if not p.exists():
        return None
    conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
    try:
        n, versions, last = conn.execute(
            "SELECT count(*), total(current_version), max(saved_at) FROM assessments"
        ).fetchone()
    except sqlite3.OperationalError:  # created but not yet initialised by its writer
        return (0, 0, "")
    finally:
        conn.close()
    return int(n), int(versions), str(last or "")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class _Write:
    """One version to write (the single edit path: saves, deletes, restores and imports)."""

    assessment_id: str
    version: int
    action: str
    author: str
    saved_at: str
    deleted: bool
    assessment: Assessment
    recorded_by: str
    expect_current: int | None  # None: the assessment must not exist yet
    created_at: str | None = None
    created_by: str | None = None
    foreign_history: list[list[Any]] | None = None  # None: keep the head's
    new_photos: Sequence[Photo] = ()


class AssessmentStore:
    """CPTED assessments in one SQLite file. Safe to share between threads of one process and
    between processes (SQLite locking; writers wait up to ``BUSY_TIMEOUT_MS``)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else store_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            self.path,
            isolation_level=None,
            check_same_thread=False,
            timeout=BUSY_TIMEOUT_MS / 1000,
        )
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        # FULL: each commit is on disk before save() returns, even across a power cut.
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        if self._conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            with self._lock:  # idempotent (IF NOT EXISTS), one transaction
                self._conn.executescript(
                    f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;"
                )

    # -- plumbing ------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> AssessmentStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # -- reading --------------------------------------------------------------------------
    def _head(self, assessment_id: str) -> sqlite3.Row | None:
        return self._conn.execute(
            "SELECT * FROM assessments WHERE id = ?", (assessment_id,)
        ).fetchone()

    @staticmethod
    def _version_from_row(row: sqlite3.Row) -> Version:
        return Version(
            assessment_id=row["assessment_id"],
            version=row["version"],
            action=row["action"],
            author=row["author"],
            saved_at=row["saved_at"],
            deleted=bool(row["deleted"]),
            assessment=Assessment.from_data(json.loads(row["data"])),
        )

    def get(self, assessment_id: str, version: int | None = None) -> Version:
        """The current version of an assessment (or version ``version``); deleted ones too."""
        with self._lock:
            head = self._head(assessment_id)
            if head is None:
                raise AssessmentNotFound("not_found", id=assessment_id)
            row = self._conn.execute(
                "SELECT * FROM versions WHERE assessment_id = ? AND version = ?",
                (assessment_id, version or head["current_version"]),
            ).fetchone()
        if row is None:
            raise AssessmentNotFound("not_found", id=f"{assessment_id} v{version}")
        return self._version_from_row(row)

    def history(self, assessment_id: str) -> list[Version]:
        """Every version saved in this store, oldest first."""
        with self._lock:
            if self._head(assessment_id) is None:
                raise AssessmentNotFound("not_found", id=assessment_id)
            rows = self._conn.execute(
                "SELECT * FROM versions WHERE assessment_id = ? ORDER BY version",
                (assessment_id,),
            ).fetchall()
        return [self._version_from_row(r) for r in rows]

    def history_meta(self, assessment_id: str) -> list[list[Any]]:
        """``[version, action, author, saved_at]`` of every version, including versions made in
        another store and known here only from an import (what exports carry)."""
        with self._lock:
            head = self._head(assessment_id)
            if head is None:
                raise AssessmentNotFound("not_found", id=assessment_id)
            rows = self._conn.execute(
                "SELECT version, action, author, saved_at FROM versions "
                "WHERE assessment_id = ? ORDER BY version",
                (assessment_id,),
            ).fetchall()
        merged = {int(m[0]): list(m) for m in json.loads(head["foreign_history"])}
        merged.update({r[0]: list(r) for r in rows})
        return [merged[v] for v in sorted(merged)]

    def diff(self, assessment_id: str, old: int | None, new: int) -> list[Change]:
        """Field-level changes between two versions (``old`` None or 0: from nothing)."""
        before = self.get(assessment_id, old).data if old else None
        return diff_data(before, self.get(assessment_id, new).data)

    def head(self, assessment_id: str) -> dict[str, Any]:
        """The head row (current values, creation metadata) as a dict."""
        with self._lock:
            row = self._head(assessment_id)
        if row is None:
            raise AssessmentNotFound("not_found", id=assessment_id)
        return dict(row)

    def frame(self, *, include_deleted: bool = False) -> pd.DataFrame:
        """One row per assessment with its current values: the input of roll-ups, filters,
        markers and exports. Columns as in the ``assessments`` table."""
        sql = "SELECT * FROM assessments" + ("" if include_deleted else " WHERE deleted = 0")
        with self._lock:
            frame = pd.read_sql_query(sql + " ORDER BY created_at, id", self._conn)
        frame["deleted"] = frame["deleted"].astype(bool)
        return frame.drop(columns=["foreign_history"])

    def photo(self, sha256: str) -> Photo:
        """A stored photo by its SHA-256."""
        with self._lock:
            row = self._conn.execute("SELECT * FROM photos WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None:
            raise AssessmentInputError("photo_missing", ref=sha256[:12])
        return Photo(row["sha256"], bytes(row["bytes"]), row["width"], row["height"], row["mime"])

    def has_photos(self, refs: Sequence[str]) -> set[str]:
        """Which of ``refs`` are stored."""
        with self._lock:
            found = set()
            for i in range(0, len(refs), 500):
                chunk = list(refs[i : i + 500])
                marks = ",".join("?" * len(chunk))
                found |= {
                    r[0]
                    for r in self._conn.execute(
                        f"SELECT sha256 FROM photos WHERE sha256 IN ({marks})", chunk
                    )
                }
        return found

    def current_versions(
        self, *, include_deleted: bool = False
    ) -> list[tuple[dict[str, Any], Version, list[list[Any]]]]:
        """Every assessment's head, current version and history metadata, in creation order
        (two queries, whatever the count: what exports and reports read)."""
        where = "" if include_deleted else "WHERE a.deleted = 0"
        with self._lock:
            rows = self._conn.execute(
                "SELECT a.created_at AS h_created_at, a.created_by AS h_created_by, "
                "a.foreign_history AS h_foreign, v.* FROM assessments a JOIN versions v "
                "ON v.assessment_id = a.id AND v.version = a.current_version "
                f"{where} ORDER BY a.created_at, a.id"
            ).fetchall()
            local: dict[str, dict[int, list[Any]]] = {}
            for m in self._conn.execute(
                "SELECT assessment_id, version, action, author, saved_at FROM versions"
            ):
                local.setdefault(m[0], {})[m[1]] = [m[1], m[2], m[3], m[4]]
        out = []
        for row in rows:
            merged = {int(h[0]): list(h) for h in json.loads(row["h_foreign"])}
            merged.update(local.get(row["assessment_id"], {}))
            head = {"created_at": row["h_created_at"], "created_by": row["h_created_by"]}
            history = [merged[v] for v in sorted(merged)]
            out.append((head, self._version_from_row(row), history))
        return out

    def import_state(self, ids: Sequence[str]) -> dict[str, tuple[Version, list[list[Any]]]]:
        """For each of ``ids`` already stored: its current version and its history metadata."""
        out: dict[str, tuple[Version, list[list[Any]]]] = {}
        with self._lock:
            for i in range(0, len(ids), 500):
                chunk = list(ids[i : i + 500])
                marks = ",".join("?" * len(chunk))
                for row in self._conn.execute(
                    "SELECT v.* FROM assessments a JOIN versions v ON v.assessment_id = a.id "
                    f"AND v.version = a.current_version WHERE a.id IN ({marks})",
                    chunk,
                ):
                    vid = row["assessment_id"]
                    out[vid] = (self._version_from_row(row), self.history_meta(vid))
        return out

    def __len__(self) -> int:
        with self._lock:
            return self._conn.execute(
                "SELECT count(*) FROM assessments WHERE deleted = 0"
            ).fetchone()[0]

    # -- writing: the one edit path -----------------------------------------------------------
    def create(
        self, assessment: Assessment, author: Author, *, photos: Sequence[Photo] = ()
    ) -> Version:
        """Save a new assessment (version 1). ``photos``: new photos its refs may point to."""
        return self._edit(uuid.uuid4().hex, None, "create", author, assessment, False, photos)

    def save(
        self,
        assessment_id: str,
        assessment: Assessment,
        *,
        base_version: int,
        author: Author,
        photos: Sequence[Photo] = (),
    ) -> Version:
        """Save an edit as a new version. Refused with :class:`VersionConflict` (nothing
        written, both versions on the error) when the current version is not ``base_version``."""
        return self._edit(assessment_id, base_version, "update", author, assessment, False, photos)

    def delete(
        self, assessment_id: str, author: Author, *, base_version: int | None = None
    ) -> Version:
        """Soft delete: a new version marked deleted (undo with :meth:`restore`)."""
        return self._flag(assessment_id, author, True, base_version)

    def restore(
        self, assessment_id: str, author: Author, *, base_version: int | None = None
    ) -> Version:
        """Undo a delete: a new version, not deleted, with the same content."""
        return self._flag(assessment_id, author, False, base_version)

    def _flag(self, assessment_id: str, author: Author, deleted: bool, base: int | None) -> Version:
        current = self.get(assessment_id)
        if current.deleted == deleted:
            raise AssessmentInputError(
                "already_deleted" if deleted else "not_deleted", id=assessment_id
            )
        action = "delete" if deleted else "restore"
        base = base if base is not None else current.version
        return self._edit(assessment_id, base, action, author, current.assessment, deleted, ())

    def _edit(
        self,
        assessment_id: str,
        base: int | None,
        action: str,
        author: Author,
        assessment: Assessment,
        deleted: bool,
        photos: Sequence[Photo],
    ) -> Version:
        """An interactive edit by ``author``, based on version ``base`` (None: a new one)."""
        return self._write_one(
            _Write(
                assessment_id=assessment_id,
                version=(base or 0) + 1,
                action=action,
                author=author.name,
                saved_at=_now(),
                deleted=deleted,
                assessment=assessment,
                recorded_by=author.name,
                expect_current=base,
                new_photos=photos,
            )
        )

    def _write_one(self, write: _Write) -> Version:
        self.write_batch([write])
        return self.get(write.assessment_id)

    def write_batch(self, writes: Sequence[_Write]) -> None:
        """Write versions in one transaction: all or none. Every save, delete, restore and
        import comes through here; each write is checked against the head it expects
        (read inside the transaction, so a concurrent writer cannot slip in between)."""
        with self._tx() as conn:
            heads = self._heads_for(conn, [w.assessment_id for w in writes])
            photos, versions, links, head_rows = [], [], [], []
            now = _now()
            for w in writes:
                head = heads.get(w.assessment_id)
                self._check(conn, w, head)
                photos += [(p.sha256, p.mime, p.width, p.height, p.data, now) for p in w.new_photos]
                versions.append(
                    (
                        w.assessment_id,
                        w.version,
                        w.action,
                        w.author,
                        w.saved_at,
                        int(w.deleted),
                        json.dumps(
                            w.assessment.to_data(), ensure_ascii=False, separators=(",", ":")
                        ),
                        w.recorded_by,
                        now,
                    )
                )
                links += [
                    (w.assessment_id, w.version, i, r) for i, r in enumerate(w.assessment.photos)
                ]
                row = self._head_values(w, head)
                head_rows.append(row)
                heads[w.assessment_id] = {**row, "current_version": w.version}
            conn.executemany(
                "INSERT OR IGNORE INTO photos (sha256, mime, width, height, bytes, added_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                photos,
            )
            conn.executemany(
                "INSERT INTO versions (assessment_id, version, action, author, saved_at, deleted, "
                "data, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                versions,
            )
            conn.executemany(
                "INSERT INTO version_photos (assessment_id, version, position, sha256) "
                "VALUES (?, ?, ?, ?)",
                links,
            )
            self._write_heads(conn, head_rows)

    @staticmethod
    def _heads_for(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        heads: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(ids))
        for i in range(0, len(unique), 500):
            chunk = unique[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for r in conn.execute(
                "SELECT id, current_version, created_at, created_by, foreign_history "
                f"FROM assessments WHERE id IN ({marks})",
                chunk,
            ):
                heads[r["id"]] = dict(r)
        return heads

    def _check(self, conn: sqlite3.Connection, w: _Write, head: dict[str, Any] | None) -> None:
        if w.expect_current is None:
            if head is not None:
                raise AssessmentInputError("import_duplicate_id", id=w.assessment_id)
        elif head is None:
            raise AssessmentNotFound("not_found", id=w.assessment_id)
        elif head["current_version"] != w.expect_current:
            theirs = self._version_from_row(
                conn.execute(
                    "SELECT * FROM versions WHERE assessment_id = ? AND version = ?",
                    (w.assessment_id, head["current_version"]),
                ).fetchone()
            )
            raise VersionConflict(mine=w.assessment.to_data(), theirs=theirs, base=w.expect_current)

    @staticmethod
    def _head_values(w: _Write, head: dict[str, Any] | None) -> dict[str, Any]:
        a, t = w.assessment, w.assessment.target
        ps = a.principle_scores
        scored = [v for v in ps.values() if v is not None]
        if w.foreign_history is not None:
            foreign = json.dumps(w.foreign_history, ensure_ascii=False)
        else:
            foreign = head["foreign_history"] if head else "[]"
        return {
            "id": w.assessment_id,
            "current_version": w.version,
            "deleted": int(w.deleted),
            "target_kind": t.kind,
            "target_id": t.id,
            "buurt": t.buurt,
            "street": t.street,
            "x_rd": t.x,
            "y_rd": t.y,
            "lon": t.lon,
            "lat": t.lat,
            "overall": sum(scored) / len(scored) if scored else None,
            **{f"p_{p}": ps[p] for p in PRINCIPLE_IDS},
            "measures": ";".join(a.measures),
            "n_photos": len(a.photos),
            "observed_at": a.observed_at,
            "time_of_day": a.time_of_day,
            "author": w.author,
            "saved_at": w.saved_at,
            "created_at": head["created_at"] if head else (w.created_at or w.saved_at),
            "created_by": head["created_by"] if head else (w.created_by or w.author),
            "foreign_history": foreign,
        }

    @staticmethod
    def _write_heads(conn: sqlite3.Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Insert or update head rows (the last step of a write)."""
        if not rows:
            return
        names = list(rows[0])
        updates = ", ".join(f"{k} = excluded.{k}" for k in names if k != "id")
        conn.executemany(
            f"INSERT INTO assessments ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
            f"ON CONFLICT (id) DO UPDATE SET {updates}",
            [list(r.values()) for r in rows],
        )

    # -- health ---------------------------------------------------------------------------
    def check_integrity(self) -> list[str]:
        """Problems found (empty when healthy): SQLite's own check, foreign keys, every head
        pointing at its latest version, every version readable, every photo matching its hash."""
        import hashlib

        problems: list[str] = []
        with self._lock:
            conn = self._conn
            result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                problems += [f"integrity_check: {r}" for r in result]
            problems += [
                f"foreign key: {tuple(r)}" for r in conn.execute("PRAGMA foreign_key_check")
            ]
            for row in conn.execute(
                "SELECT a.id, a.current_version, a.deleted, max(v.version) AS latest, "
                "count(v.version) AS n, "
                "(SELECT deleted FROM versions WHERE assessment_id = a.id "
                " AND version = a.current_version) AS vdeleted "
                "FROM assessments a LEFT JOIN versions v ON v.assessment_id = a.id GROUP BY a.id"
            ):
                if row["n"] == 0 or row["latest"] != row["current_version"]:
                    problems.append(f"assessment {row['id']}: head is not its latest version")
                elif row["vdeleted"] != row["deleted"]:
                    problems.append(f"assessment {row['id']}: deleted flag differs from version")
            for row in conn.execute("SELECT assessment_id, version, data FROM versions"):
                try:
                    Assessment.from_data(json.loads(row["data"]))
                except (ValueError, KeyError, TypeError) as exc:
                    problems.append(f"version {row[0]} v{row[1]} unreadable: {exc}")
            for row in conn.execute("SELECT sha256, bytes FROM photos"):
                if hashlib.sha256(row["bytes"]).hexdigest() != row["sha256"]:
                    problems.append(f"photo {row['sha256'][:12]}: bytes do not match the hash")
        return problems


def open_store(path: str | Path | None = None) -> AssessmentStore:
    """The assessment store at ``path`` (default ``<home>/assessments.sqlite``), created if new."""
    return AssessmentStore(path)
