"""The one way this project opens a SQLite store of what users create.

:class:`SqliteStore` is the base of the scenario, story and receipt stores: one file under the
home folder, WAL journal, foreign keys on, every write one ``BEGIN IMMEDIATE`` transaction
(:meth:`SqliteStore._tx`) that is rolled back whole on any error, so a crash or a kill leaves
either the whole write or none of it. The schema is created on open; a ``meta`` table holds
its version.

>>> import tempfile, pathlib
>>> class Notes(SqliteStore):
...     SCHEMA = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);" \\
...              "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT)"
>>> with Notes(pathlib.Path(tempfile.mkdtemp()) / "n.sqlite") as s:
...     with s._tx() as db:
...         _ = db.execute("INSERT INTO notes (text) VALUES ('hallo')")
...     s._db.execute("SELECT text FROM notes").fetchall()
[('hallo',)]
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar, Self

from twin.settings import get_settings

__all__ = ["SqliteStore"]


class SqliteStore:
    """A SQLite store: ``Store()`` opens the one in the home folder, ``Store(path)`` another.

    Subclasses set :attr:`FILE` (the file name in the home folder), :attr:`SCHEMA` (statements
    separated by ``;``, with a ``meta (key, value)`` table) and may set
    :attr:`SCHEMA_VERSION` and :attr:`SYNCHRONOUS` (``FULL``: an fsync per commit, for what a
    person typed; ``NORMAL``: durable across application crashes, for what can be redone).
    """

    FILE: ClassVar[str] = "store.sqlite"
    SCHEMA: ClassVar[str] = ""
    SCHEMA_VERSION: ClassVar[str] = "1"
    SYNCHRONOUS: ClassVar[str] = "FULL"

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else get_settings().home_path / self.FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            self.path, isolation_level=None, timeout=10.0, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute(f"PRAGMA synchronous={self.SYNCHRONOUS}")
        with self._tx() as db:
            for statement in self.SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (self.SCHEMA_VERSION,)
            )

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``): committed whole or rolled back whole."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
