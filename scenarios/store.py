"""The scenario store (SQLite): save, name, duplicate, edit, delete and list scenarios.

One file under ``get_settings().home_path`` (``scenarios.sqlite``), in WAL mode with foreign
keys on; every change is one transaction. A scenario is a row in ``scenarios`` (name, settings,
revision) and one row per intervention in ``interventions`` (type, label, targets and
parameters as JSON), deleted with it (``ON DELETE CASCADE``). Edits check the revision the
editor started from, so two people editing the same scenario never overwrite each other
silently.

This is the only module of ``scenarios`` that touches files.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scenarios.constants import STORE_FILE
from scenarios.errors import ScenarioError
from scenarios.scenario import Scenario, scenario_from_dict, scenario_to_dict
from twin.sqlite import SqliteStore

__all__ = ["ScenarioInfo", "ScenarioStore", "StoredScenario"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scenarios (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    settings TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS interventions (
    scenario_id INTEGER NOT NULL REFERENCES scenarios(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    type TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    targets TEXT NOT NULL,
    params TEXT NOT NULL,
    PRIMARY KEY (scenario_id, position)
);
CREATE INDEX IF NOT EXISTS interventions_type ON interventions(type);
"""
_SCHEMA_VERSION = "1"


@dataclass(frozen=True)
class StoredScenario:
    """A scenario as saved: its id, revision and times."""

    id: int
    scenario: Scenario
    revision: int
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class ScenarioInfo:
    """One line of :meth:`ScenarioStore.list`."""

    id: int
    name: str
    description: str
    interventions: int
    types: tuple[str, ...]
    revision: int
    updated_at: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


class ScenarioStore(SqliteStore):
    """Saved scenarios in SQLite. ``ScenarioStore()`` opens the one in the home folder."""

    FILE = STORE_FILE
    SCHEMA = _SCHEMA
    SCHEMA_VERSION = _SCHEMA_VERSION
    SYNCHRONOUS = "NORMAL"

    @staticmethod
    def _settings(s: Scenario) -> str:
        head = scenario_to_dict(s)["scenario"]
        head.pop("name")
        head.pop("description", None)
        return json.dumps({"scenario": head, "harm_weights": s.harm_weights}, sort_keys=True)

    def _write_interventions(self, db: sqlite3.Connection, sid: int, s: Scenario) -> None:
        db.execute("DELETE FROM interventions WHERE scenario_id = ?", (sid,))
        for pos, item in enumerate(scenario_to_dict(s)["intervention"]):
            targets = {
                k: item.pop(k) for k in ("streets", "buildings", "spots", "areas") if k in item
            }
            kind = item.pop("type")
            label = item.pop("label", "")
            db.execute(
                "INSERT INTO interventions VALUES (?, ?, ?, ?, ?, ?)",
                (sid, pos, kind, label, json.dumps(targets), json.dumps(item, sort_keys=True)),
            )

    def _check_name(self, db: sqlite3.Connection, name: str, own_id: int | None) -> None:
        row = db.execute("SELECT id FROM scenarios WHERE name_key = ?", (_key(name),)).fetchone()
        if row and row[0] != own_id:
            raise ScenarioError(
                f"a scenario named {name!r} already exists", hint="choose another name"
            )

    # -- operations --------------------------------------------------------------------------
    def save(self, scenario: Scenario) -> StoredScenario:
        """Save a new scenario under its name (names are unique, ignoring case)."""
        now = _now()
        with self._tx() as db:
            self._check_name(db, scenario.name, None)
            cur = db.execute(
                "INSERT INTO scenarios (name, name_key, description, settings, revision,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)",
                (
                    scenario.name,
                    _key(scenario.name),
                    scenario.description,
                    self._settings(scenario),
                    now,
                    now,
                ),
            )
            sid = int(cur.lastrowid or 0)
            self._write_interventions(db, sid, scenario)
        return self.get(sid)

    def get(self, scenario_id: int) -> StoredScenario:
        """A saved scenario by id."""
        row = self._db.execute(
            "SELECT name, description, settings, revision, created_at, updated_at"
            " FROM scenarios WHERE id = ?",
            (scenario_id,),
        ).fetchone()
        if row is None:
            raise ScenarioError(f"no saved scenario with id {scenario_id}")
        name, description, settings, revision, created, updated = row
        raw: dict[str, Any] = json.loads(settings)
        head = raw["scenario"] | {"name": name, "description": description}
        items = []
        for kind, label, targets, params in self._db.execute(
            "SELECT type, label, targets, params FROM interventions"
            " WHERE scenario_id = ? ORDER BY position",
            (scenario_id,),
        ):
            item = {"type": kind, **json.loads(targets), **json.loads(params)}
            if label:
                item["label"] = label
            items.append(item)
        doc: dict[str, Any] = {"scenario": head, "intervention": items}
        if raw.get("harm_weights"):
            doc["harm_weights"] = raw["harm_weights"]
        return StoredScenario(scenario_id, scenario_from_dict(doc), revision, created, updated)

    def find(self, name: str) -> StoredScenario | None:
        """A saved scenario by name (ignoring case and extra spaces), or None."""
        row = self._db.execute(
            "SELECT id FROM scenarios WHERE name_key = ?", (_key(name),)
        ).fetchone()
        return self.get(row[0]) if row else None

    def list(self) -> list[ScenarioInfo]:
        """All saved scenarios, most recently changed first."""
        rows = self._db.execute(
            "SELECT s.id, s.name, s.description, s.revision, s.updated_at,"
            " (SELECT group_concat(type, ',') FROM (SELECT type FROM interventions i"
            "  WHERE i.scenario_id = s.id ORDER BY position)),"
            " (SELECT count(*) FROM interventions i WHERE i.scenario_id = s.id)"
            " FROM scenarios s ORDER BY s.updated_at DESC, s.id DESC"
        ).fetchall()
        return [
            ScenarioInfo(
                sid,
                name,
                desc,
                n,
                tuple(t for t in dict.fromkeys((types or "").split(",")) if t),
                rev,
                upd,
            )
            for sid, name, desc, rev, upd, types, n in rows
        ]

    def update(
        self, scenario_id: int, scenario: Scenario, *, expected_revision: int | None = None
    ) -> StoredScenario:
        """Replace a saved scenario (name, settings, interventions): its revision goes up.

        With ``expected_revision``, refuse when someone else saved it in the meantime.
        """
        with self._tx() as db:
            row = db.execute(
                "SELECT revision FROM scenarios WHERE id = ?", (scenario_id,)
            ).fetchone()
            if row is None:
                raise ScenarioError(f"no saved scenario with id {scenario_id}")
            if expected_revision is not None and row[0] != expected_revision:
                raise ScenarioError(
                    f"scenario {scenario_id} was changed by someone else "
                    f"(revision {row[0]}, you edited {expected_revision})",
                    hint="reload it and apply your change again",
                )
            self._check_name(db, scenario.name, scenario_id)
            db.execute(
                "UPDATE scenarios SET name = ?, name_key = ?, description = ?, settings = ?,"
                " revision = revision + 1, updated_at = ? WHERE id = ?",
                (
                    scenario.name,
                    _key(scenario.name),
                    scenario.description,
                    self._settings(scenario),
                    _now(),
                    scenario_id,
                ),
            )
            self._write_interventions(db, scenario_id, scenario)
        return self.get(scenario_id)

    def rename(
        self, scenario_id: int, name: str, *, expected_revision: int | None = None
    ) -> StoredScenario:
        """Give a saved scenario a new name."""
        from dataclasses import replace

        if not name.strip() or len(name) > 120:
            raise ScenarioError("name must be text of 1–120 characters")
        current = self.get(scenario_id)
        return self.update(
            scenario_id,
            replace(current.scenario, name=name.strip()),
            expected_revision=expected_revision,
        )

    def duplicate(self, scenario_id: int, name: str | None = None) -> StoredScenario:
        """A copy of a saved scenario under a new name ("… (copy)", "… (copy 2)", …)."""
        from dataclasses import replace

        source = self.get(scenario_id).scenario
        if name is None:
            base = f"{source.name} (copy)"
            name, n = base, 2
            while self.find(name) is not None:
                name = f"{source.name} (copy {n})"
                n += 1
        return self.save(replace(source, name=name))

    def delete(self, scenario_id: int) -> None:
        """Delete a saved scenario and its interventions."""
        with self._tx() as db:
            cur = db.execute("DELETE FROM scenarios WHERE id = ?", (scenario_id,))
            if cur.rowcount == 0:
                raise ScenarioError(f"no saved scenario with id {scenario_id}")
