"""The audit log: every answer, in SQLite (WAL) under the user's home folder.

One row per answer (question, area, language, backend, intent, the answer as shown, the
grounding result, token use, notice, refusal) and one row per tool call with its arguments.
Tool *results* are not stored: they are recomputed from the twin on demand and can be large.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant._answer import Answer
from twin import get_settings

__all__ = ["AUDIT_FILE", "AuditLog"]

#: File name of the audit log inside ``get_settings().home_path``.
AUDIT_FILE = "assistant_audit.sqlite"
_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY,
    asked_at TEXT NOT NULL,
    question TEXT NOT NULL,
    area TEXT,
    scenario TEXT,
    lang TEXT NOT NULL,
    backend TEXT NOT NULL,
    intent TEXT,
    answer TEXT NOT NULL,
    grounded INTEGER NOT NULL,
    grounding TEXT NOT NULL,
    usage TEXT NOT NULL,
    notice TEXT NOT NULL DEFAULT '',
    refusal TEXT
);
CREATE TABLE IF NOT EXISTS tool_calls (
    answer_id INTEGER NOT NULL REFERENCES answers(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    arguments TEXT NOT NULL,
    ok INTEGER NOT NULL,
    ms REAL NOT NULL,
    PRIMARY KEY (answer_id, seq)
);
CREATE INDEX IF NOT EXISTS answers_asked_at ON answers(asked_at);
"""


class AuditLog:
    """Append-only log of the assistant's answers.

    Parameters
    ----------
    path : path-like, optional
        The SQLite file; default ``<home>/assistant_audit.sqlite``.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else get_settings().home_path / AUDIT_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version > _SCHEMA_VERSION:
                raise RuntimeError(
                    f"{self.path} was written by a newer version (schema {version}); "
                    "upgrade Social Twin Heerlen or move the file away"
                )
            con.executescript(_SCHEMA)
            con.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=10)
        try:
            con.execute("PRAGMA foreign_keys=ON")
            # WAL + NORMAL: a crash never corrupts the log; a power cut may lose the last rows
            con.execute("PRAGMA synchronous=NORMAL")
            yield con
        finally:
            con.close()

    def record(
        self, answer: Answer, *, area: str | None = None, scenario: str | None = None
    ) -> int:
        """Store one answer and its tool calls in one transaction; returns the answer id."""
        with self._connect() as con, con:
            cur = con.execute(
                "INSERT INTO answers (asked_at, question, area, scenario, lang, backend, intent,"
                " answer, grounded, grounding, usage, notice, refusal)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    answer.question,
                    area,
                    scenario,
                    answer.lang,
                    answer.backend,
                    answer.intent,
                    answer.marked_text,
                    int(answer.grounding.ok),
                    json.dumps(answer.grounding.to_dict(), ensure_ascii=False),
                    json.dumps(answer.usage.to_dict()),
                    answer.notice,
                    json.dumps(answer.refusal, ensure_ascii=False) if answer.refusal else None,
                ),
            )
            answer_id = int(cur.lastrowid or 0)
            con.executemany(
                "INSERT INTO tool_calls (answer_id, seq, name, arguments, ok, ms)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        answer_id,
                        i,
                        c.name,
                        json.dumps(c.arguments, ensure_ascii=False, sort_keys=True),
                        int(c.ok),
                        round(c.ms, 3),
                    )
                    for i, c in enumerate(answer.tool_calls)
                ],
            )
        return answer_id

    def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest answers, newest first, each with its tool calls."""
        with self._connect() as con:
            con.row_factory = sqlite3.Row
            rows = con.execute(
                "SELECT * FROM answers ORDER BY id DESC LIMIT ?", (int(limit),)
            ).fetchall()
            out = []
            for row in rows:
                entry = dict(row)
                for key in ("grounding", "usage", "refusal"):
                    if entry[key]:
                        entry[key] = json.loads(entry[key])
                calls = con.execute(
                    "SELECT name, arguments, ok, ms FROM tool_calls WHERE answer_id = ?"
                    " ORDER BY seq",
                    (row["id"],),
                ).fetchall()
                entry["tool_calls"] = [
                    {**dict(c), "arguments": json.loads(c["arguments"]), "ok": bool(c["ok"])}
                    for c in calls
                ]
                out.append(entry)
            return out

    def count(self) -> int:
        with self._connect() as con:
            return int(con.execute("SELECT COUNT(*) FROM answers").fetchone()[0])
