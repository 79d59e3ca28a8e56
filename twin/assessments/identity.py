"""Who is acting: the one place that names the author of every save.

For now an author is a plain name (``SOCIALTWIN_AUTHOR``, else the login name). Real accounts
and roles come later: they will replace :func:`current_author` and extend :class:`Author`; the
store takes an :class:`Author` on every write and never asks anyone else.
"""

from __future__ import annotations

import getpass
import unicodedata
from dataclasses import dataclass

from twin.assessments.errors import AssessmentInputError
from twin.assessments.limits import MAX_AUTHOR_CHARS
from twin.settings import get_settings

__all__ = ["Author", "current_author"]


@dataclass(frozen=True)
class Author:
    """A named identity (later: an account with roles).

    >>> Author("  Anna de Vries ").name
    'Anna de Vries'
    """

    name: str

    def __post_init__(self) -> None:
        name = " ".join(str(self.name).split())
        bad = any(unicodedata.category(c).startswith("C") for c in name)
        if not name or len(name) > MAX_AUTHOR_CHARS or bad:
            raise AssessmentInputError("author_invalid", limit=MAX_AUTHOR_CHARS)
        object.__setattr__(self, "name", name)

    def __str__(self) -> str:
        return self.name


def current_author(name: str | None = None) -> Author:
    """The author acting now: ``name`` if given, else ``SOCIALTWIN_AUTHOR``, else the login."""
    if name is not None and name.strip():
        return Author(name)
    configured = get_settings().author
    if configured.strip():
        return Author(configured)
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers)
        login = "unknown"
    return Author(login)
