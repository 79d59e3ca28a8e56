"""Errors of the scenario engine: one class, a message that says what and where."""

from __future__ import annotations

__all__ = ["ScenarioError"]


class ScenarioError(ValueError):
    """A scenario, registry or store problem a user can fix (bad file, unknown id, ...).

    The message names the problem, where it is (file, intervention, field) and what to do.
    """

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        self.where = where
        self.hint = hint
        text = f"{where}: {message}" if where else message
        if hint:
            text = f"{text} ({hint})"
        super().__init__(text)
