"""The story store (SQLite): stories built in the app, their steps in order.

One file under ``get_settings().home_path`` (``stories.sqlite``), WAL journal, foreign keys on,
every change one ``BEGIN IMMEDIATE … COMMIT`` transaction. A story is a row in ``stories``
(title, description, revision); its steps are rows in ``steps`` (position, title, text, the
view as JSON), deleted with it. Views refer to saved scenarios by id (the scenario store);
:meth:`StoryStore.import_story` saves a file's embedded scenarios there and re-points the views.
Edits may carry the revision the editor started from: a save over someone else's newer save is
refused, nothing is lost.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from twin.sqlite import SqliteStore
from viewer.story import (
    MAX_STEPS,
    MAX_TEXT,
    MAX_TITLE,
    Step,
    Story,
    StoryError,
    view_from_dict,
    view_to_dict,
)

__all__ = ["STORE_FILE", "StoredStory", "StoryInfo", "StoryStore"]

#: File name of the story store under the home folder.
STORE_FILE = "stories.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stories (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    revision INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS steps (
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    view TEXT NOT NULL,
    PRIMARY KEY (story_id, position)
);
"""
_SCHEMA_VERSION = "1"


@dataclass(frozen=True)
class StoredStory:
    """A story as saved: id, revision and times."""

    id: int
    story: Story
    revision: int
    updated_at: str


@dataclass(frozen=True)
class StoryInfo:
    """One line of :meth:`StoryStore.list`."""

    id: int
    title: str
    steps: int
    revision: int
    updated_at: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _check_title(title: str) -> str:
    if not isinstance(title, str) or not title.strip():
        raise StoryError("required", "a story needs a title", field="title")
    if len(title) > MAX_TITLE:
        raise StoryError(
            "too_long",
            f"title is longer than {MAX_TITLE} characters",
            field="title",
            limit=MAX_TITLE,
        )
    return title.strip()


def _check_step(step: Step) -> Step:
    title = _check_title(step.title)
    if len(step.text) > MAX_TEXT:
        raise StoryError(
            "too_long",
            f"step text is longer than {MAX_TEXT} characters",
            field="text",
            limit=MAX_TEXT,
        )
    return Step(title=title, text=step.text.strip(), view=step.view.normalised())


class StoryStore(SqliteStore):
    """Saved stories in SQLite. ``StoryStore()`` opens the one in the home folder."""

    FILE = STORE_FILE
    SCHEMA = _SCHEMA
    SCHEMA_VERSION = _SCHEMA_VERSION
    SYNCHRONOUS = "FULL"

    # -- reading -----------------------------------------------------------------------------
    def get(self, story_id: int) -> StoredStory:
        """A saved story by id (its scenarios are not embedded; see :meth:`export_story`)."""
        row = self._db.execute(
            "SELECT title, description, revision, updated_at FROM stories WHERE id = ?",
            (story_id,),
        ).fetchone()
        if row is None:
            raise StoryError("not_found", f"no saved story with id {story_id}", value=story_id)
        title, description, revision, updated = row
        steps = tuple(
            Step(title=t, text=x, view=view_from_dict(json.loads(v), f"step {p + 1}"))
            for p, t, x, v in self._db.execute(
                "SELECT position, title, text, view FROM steps WHERE story_id = ?"
                " ORDER BY position",
                (story_id,),
            )
        )
        return StoredStory(story_id, Story(title, steps, description), revision, updated)

    def find(self, title: str) -> StoredStory | None:
        """The most recently changed story with this title (ignoring case), or None."""
        row = self._db.execute(
            "SELECT id FROM stories WHERE lower(title) = lower(?) ORDER BY updated_at DESC",
            (title.strip(),),
        ).fetchone()
        return self.get(row[0]) if row else None

    def list(self) -> list[StoryInfo]:
        """All saved stories, most recently changed first."""
        rows = self._db.execute(
            "SELECT s.id, s.title, s.revision, s.updated_at,"
            " (SELECT count(*) FROM steps p WHERE p.story_id = s.id)"
            " FROM stories s ORDER BY s.updated_at DESC, s.id DESC"
        ).fetchall()
        return [StoryInfo(i, t, n, r, u) for i, t, r, u, n in rows]

    # -- writing -----------------------------------------------------------------------------
    def _write_steps(self, db: sqlite3.Connection, sid: int, steps: tuple[Step, ...]) -> None:
        if len(steps) > MAX_STEPS:
            raise StoryError("too_many", f"a story has at most {MAX_STEPS} steps", limit=MAX_STEPS)
        db.execute("DELETE FROM steps WHERE story_id = ?", (sid,))
        for pos, step in enumerate(steps):
            db.execute(
                "INSERT INTO steps VALUES (?, ?, ?, ?, ?)",
                (sid, pos, step.title, step.text, json.dumps(view_to_dict(step.view))),
            )

    def create(self, story: Story) -> StoredStory:
        """Save a new story (title required; steps checked)."""
        title = _check_title(story.title)
        steps = tuple(_check_step(s) for s in story.steps)
        now = _now()
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO stories (title, description, revision, created_at, updated_at)"
                " VALUES (?, ?, 1, ?, ?)",
                (title, story.description.strip(), now, now),
            )
            sid = int(cur.lastrowid or 0)
            self._write_steps(db, sid, steps)
        return self.get(sid)

    def update(
        self, story_id: int, story: Story, *, expected_revision: int | None = None
    ) -> StoredStory:
        """Replace title, description and steps; the revision goes up.

        With ``expected_revision``, refuse (and change nothing) when someone else saved since.
        """
        title = _check_title(story.title)
        steps = tuple(_check_step(s) for s in story.steps)
        with self._tx() as db:
            row = db.execute("SELECT revision FROM stories WHERE id = ?", (story_id,)).fetchone()
            if row is None:
                raise StoryError("not_found", f"no saved story with id {story_id}", value=story_id)
            if expected_revision is not None and row[0] != expected_revision:
                raise StoryError(
                    "conflict",
                    f"story {story_id} was changed elsewhere (revision "
                    f"{row[0]}, you edited {expected_revision})",
                    value=row[0],
                )
            db.execute(
                "UPDATE stories SET title = ?, description = ?, revision = revision + 1,"
                " updated_at = ? WHERE id = ?",
                (title, story.description.strip(), _now(), story_id),
            )
            self._write_steps(db, story_id, steps)
        return self.get(story_id)

    def _edit_steps(self, story_id: int, edit, expected_revision: int | None) -> StoredStory:
        current = self.get(story_id)
        steps = list(current.story.steps)
        edit(steps)
        rev = current.revision if expected_revision is None else expected_revision
        return self.update(
            story_id, replace(current.story, steps=tuple(steps)), expected_revision=rev
        )

    def add_step(
        self,
        story_id: int,
        step: Step,
        *,
        position: int | None = None,
        expected_revision: int | None = None,
    ) -> StoredStory:
        """Insert a step (at the end by default)."""
        return self._edit_steps(
            story_id,
            lambda s: s.insert(len(s) if position is None else position, step),
            expected_revision,
        )

    def move_step(
        self, story_id: int, src: int, dst: int, *, expected_revision: int | None = None
    ) -> StoredStory:
        """Move the step at position ``src`` to position ``dst`` (0-based)."""

        def move(steps: list[Step]) -> None:
            if not (0 <= src < len(steps) and 0 <= dst < len(steps)):
                raise StoryError(
                    "position", f"no step at position {src + 1} or {dst + 1}", value=src + 1
                )
            steps.insert(dst, steps.pop(src))

        return self._edit_steps(story_id, move, expected_revision)

    def remove_step(
        self, story_id: int, position: int, *, expected_revision: int | None = None
    ) -> StoredStory:
        """Remove the step at ``position`` (0-based)."""

        def remove(steps: list[Step]) -> None:
            if not 0 <= position < len(steps):
                raise StoryError(
                    "position", f"no step at position {position + 1}", value=position + 1
                )
            steps.pop(position)

        return self._edit_steps(story_id, remove, expected_revision)

    def delete(self, story_id: int) -> None:
        """Delete a story and its steps."""
        with self._tx() as db:
            if db.execute("DELETE FROM stories WHERE id = ?", (story_id,)).rowcount == 0:
                raise StoryError("not_found", f"no saved story with id {story_id}", value=story_id)

    # -- files -------------------------------------------------------------------------------
    def export_story(self, story_id: int, scenario_store=None) -> Story:
        """The story with the saved scenarios it uses embedded (ready for :func:`story_to_json`).

        A scenario that was deleted since is left out; :func:`story_from_json` then refuses the
        file, so exporting checks it: raises :class:`StoryError` naming the step.
        """
        from scenarios import ScenarioError, ScenarioStore, scenario_to_dict

        story = self.get(story_id).story
        store = scenario_store or ScenarioStore()
        embedded: dict[int, dict] = {}
        for sid in story.scenario_ids():
            try:
                embedded[sid] = scenario_to_dict(store.get(sid).scenario)
            except ScenarioError:
                step = next(i for i, s in enumerate(story.steps, 1) if s.view.scenario == sid)
                raise StoryError(
                    "scenario_gone",
                    f"step {step} uses saved scenario {sid}, which no longer exists",
                    step=step,
                    value=sid,
                ) from None
        return replace(story, scenarios=embedded)

    def import_story(self, story: Story, scenario_store=None) -> StoredStory:
        """Save a story read from a file: its scenarios go into the scenario store first.

        An embedded scenario equal to a saved one (same name and content) is reused; otherwise
        it is saved (under "… (2)" when the name is taken) and the views point to the new id.
        """
        from scenarios import ScenarioStore

        store = scenario_store or ScenarioStore()
        mapping = {sid: _saved_scenario_id(store, doc) for sid, doc in story.scenarios.items()}
        steps = tuple(
            replace(s, view=replace(s.view, scenario=mapping[s.view.scenario]))
            if s.view.scenario in mapping
            else s
            for s in story.steps
        )
        return self.create(replace(story, steps=steps, scenarios={}))


def _saved_scenario_id(store, doc: dict) -> int:
    """Id of a saved scenario equal to ``doc``, saving it first when there is none."""
    from scenarios import scenario_from_dict, scenario_to_dict

    scenario = scenario_from_dict(doc)
    existing = store.find(scenario.name)
    if existing is not None and scenario_to_dict(existing.scenario) == scenario_to_dict(scenario):
        return existing.id
    name, n = scenario.name, 2
    while store.find(name) is not None:
        name = f"{scenario.name} ({n})"
        n += 1
    return store.save(replace(scenario, name=name)).id
