"""Errors the twin raises: each names what was wrong, where, and what to do next."""

from __future__ import annotations


class TwinError(Exception):
    """Base class for every error the twin package raises on purpose."""


class TwinDataError(TwinError):
    """Bad data in a twin directory or an imported file.

    The message names the file, the layer, the field and the row where they are known, and says
    what to do next. The parts are also kept as attributes for programs (and the UI) to use.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        layer: str | None = None,
        field: str | None = None,
        row: object | None = None,
        hint: str | None = None,
    ) -> None:
        self.file, self.layer, self.field, self.row, self.hint = file, layer, field, row, hint
        where = []
        if file:
            where.append(str(file))
        if layer:
            where.append(f"layer '{layer}'")
        if field:
            where.append(f"field '{field}'")
        if row is not None:
            where.append(f"row {row}")
        text = (", ".join(where) + ": " if where else "") + message
        if hint:
            text += f" — {hint}"
        self.detail = message
        super().__init__(text)


class TwinNotFoundError(TwinError):
    """A twin directory or one of its required files does not exist."""
