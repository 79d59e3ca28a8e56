"""UI strings from the catalogues in ``data/i18n/`` (one TOML file per domain).

Each file holds one top-level table named after the file (``map.toml`` → keys ``map.*``); a key
is a table with one string per language::

    [map.title]
    nl = "Kaart"
    en = "Map"
    de = "Karte"

Use :func:`t` in pages: ``t("map.title")`` or ``t("app.gaps_notice", layers="lights")``
(``str.format`` placeholders). The session language lives in ``st.session_state["lang"]``;
outside Streamlit (tests, scripts) the configured default applies. A test fails when a key lacks a
language. Later pages add their own domain file; nothing else needs to change.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from twin import data_dir, get_settings

__all__ = [
    "LANGUAGES",
    "catalogue",
    "catalogue_problems",
    "has",
    "language",
    "set_language",
    "t",
    "use_language",
]

#: UI languages: Dutch first, English second, German welcome (Heerlen is on the border).
LANGUAGES: dict[str, str] = {"nl": "Nederlands", "en": "English", "de": "Deutsch"}
_SESSION_KEY = "lang"
_log = logging.getLogger(__name__)
#: A language forced for a block of code (exports and packs render in a chosen language).
_FORCED: ContextVar[str | None] = ContextVar("socialtwin_language", default=None)


def _catalogue_dir() -> Path:
    return data_dir() / "i18n"


def _flatten(prefix: str, table: dict, out: dict[str, dict[str, str]], where: str) -> None:
    if table and all(isinstance(v, str) for v in table.values()):
        out[prefix] = dict(table)
        return
    for key, value in table.items():
        if not isinstance(value, dict):
            raise ValueError(f"{where}: {prefix}.{key} must be a table of languages")
        _flatten(f"{prefix}.{key}" if prefix else key, value, out, where)


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """Every key → {language: text}, from all files in ``data/i18n/``."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(_catalogue_dir().glob("*.toml")):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        extra = set(data) - {path.stem}
        if extra:
            raise ValueError(f"{path.name}: top-level tables must be [{path.stem}.*], not {extra}")
        found: dict[str, dict[str, str]] = {}
        _flatten("", data, found, path.name)
        dup = set(found) & set(out)
        if dup:
            raise ValueError(f"{path.name}: keys defined twice: {sorted(dup)[:3]}")
        out.update(found)
    return out


def catalogue_problems() -> list[str]:
    """Keys missing a language or with an empty text (what the catalogue test checks)."""
    problems = []
    for key, texts in catalogue().items():
        for lang in LANGUAGES:
            if not texts.get(lang, "").strip():
                problems.append(f"{key}: no {lang}")
        for lang in set(texts) - set(LANGUAGES):
            problems.append(f"{key}: unknown language {lang!r}")
    return problems


def _session():
    try:
        import streamlit as st
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

        if get_script_run_ctx(suppress_warning=True) is None:
            return None
        return st.session_state
    except Exception:  # outside a Streamlit run
        return None


def language() -> str:
    """The session's language (``nl``, ``en`` or ``de``), or the one :func:`use_language` set."""
    forced = _FORCED.get()
    if forced is not None:
        return forced
    state = _session()
    if state is not None and state.get(_SESSION_KEY) in LANGUAGES:
        return str(state[_SESSION_KEY])
    default = get_settings().language
    return default if default in LANGUAGES else "nl"


def set_language(lang: str) -> None:
    """Switch the session's language."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    state = _session()
    if state is not None:
        state[_SESSION_KEY] = lang


@contextmanager
def use_language(lang: str) -> Iterator[str]:
    """Render a block in ``lang`` (e.g. a council pack in English from the command line)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    token = _FORCED.set(lang)
    try:
        yield lang
    finally:
        _FORCED.reset(token)


def has(key: str) -> bool:
    """True when the catalogue has ``key``."""
    return key in catalogue()


def t(key: str, lang: str | None = None, **kw: object) -> str:
    """The text of ``key`` in the session language (or ``lang``), formatted with ``kw``.

    An unknown key returns the key itself (and logs it), so a typo is visible, not fatal.
    """
    texts = catalogue().get(key)
    if texts is None:
        _log.warning("i18n: unknown key %s", key)
        return key
    text = texts.get(lang or language()) or texts.get("nl") or key
    return text.format(**kw) if kw else text
