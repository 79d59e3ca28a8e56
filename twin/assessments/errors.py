"""Errors of the CPTED studio: each carries a catalogue key, so the UI can say it in NL or EN.

``str(error)`` is English (for logs and the command line); :meth:`AssessmentError.text` gives
the user's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twin.errors import TwinError

if TYPE_CHECKING:
    from twin.assessments.record import Version

__all__ = ["AssessmentError", "AssessmentInputError", "AssessmentNotFound", "VersionConflict"]


class AssessmentError(TwinError):
    """Base error of the assessment store; ``key`` names the message in the catalogue."""

    def __init__(self, key: str, **params: Any) -> None:
        from twin.assessments.form import message

        self.key, self.params = key, params
        super().__init__(message(key, "en", **params))

    def text(self, lang: str) -> str:
        """The message in the user's language (``nl`` or ``en``)."""
        from twin.assessments.form import message

        return message(self.key, lang, **self.params)


class AssessmentInputError(AssessmentError, ValueError):
    """Bad input: a score, a coordinate, a photo, a date, a name. Nothing was saved."""


class AssessmentNotFound(AssessmentError, KeyError):
    """No assessment with this id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class VersionConflict(AssessmentError):
    """Someone saved in between: the save was refused. Both versions are kept on the error.

    Attributes
    ----------
    mine : dict
        The content that was refused (nothing of it was written).
    theirs : Version
        The current version in the store.
    base : int
        The version the refused save was based on.
    """

    def __init__(self, *, mine: dict[str, Any], theirs: Version, base: int) -> None:
        self.mine, self.theirs, self.base = mine, theirs, base
        super().__init__(
            "version_conflict",
            author=theirs.author,
            saved_at=theirs.saved_at,
            base=base,
            current=theirs.version,
        )
