"""The assistant's catalogues in ``data/assistant/``: phrases, intents, refusals (TOML, NL and EN).

Every sentence the assistant writes offline, every keyword it recognises and every refusal it
gives lives in these files, so a reader can see (and a translator can change) exactly what it
does. :func:`phrase` formats one phrase; missing keys fail loudly.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from twin import data_dir

__all__ = ["LANGUAGES", "catalogue", "catalogue_dir", "normalise", "phrase"]

#: Languages the assistant answers in (German falls back to English for now).
LANGUAGES = ("nl", "en")


def catalogue_dir() -> Path:
    return data_dir() / "assistant"


@lru_cache(maxsize=8)
def catalogue(name: str) -> dict[str, Any]:
    """One catalogue file (``phrases``, ``intents``, ``refusals``) as a dict."""
    path = catalogue_dir() / f"{name}.toml"
    with path.open("rb") as fh:
        return tomllib.load(fh)


def answer_language(lang: str) -> str:
    """The catalogue language for a UI language (``de`` → ``en`` until German phrases exist)."""
    return lang if lang in LANGUAGES else "en"


def phrase(key: str, lang: str, /, **values: Any) -> str:
    """A phrase from ``phrases.toml`` in ``lang``, formatted with ``values``.

    >>> phrase("synthetic", "en")
    'synthetic'
    """
    table = catalogue("phrases")[answer_language(lang)]
    try:
        text: str = table[key]
    except KeyError as exc:
        raise KeyError(
            f"phrase {key!r} is missing from data/assistant/phrases.toml [{lang}]"
        ) from exc
    return text.format(**values) if values else text


_PUNCT = re.compile(r"[^\w%‰]+")


def normalise(text: str) -> str:
    """Lower case, accents and punctuation removed, single spaces, padded with one space.

    >>> normalise("Versiliënbosch, 't Loon!")
    ' versilienbosch t loon '
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " " + " ".join(_PUNCT.sub(" ", plain).split()) + " "
