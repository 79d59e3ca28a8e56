"""Scenario-file errors in the user's language.

The engine's :class:`~scenarios.ScenarioError` speaks English (logs, the command line). The page
shows the same problem in Dutch, English or German: :func:`scenario_error_text` recognises the
engine's messages, says where (which intervention, which table) and what to do, and always adds
that nothing saved was lost. An unrecognised message is shown in the engine's words.
"""

from __future__ import annotations

import logging
import re

from scenarios import ScenarioError, intervention_catalogue
from viewer.i18n import t
from viewer.scenario_draft import UploadProblem

__all__ = ["scenario_error_text"]

_log = logging.getLogger(__name__)

# (pattern of the engine's message, catalogue key); named groups become format values
_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"not valid TOML: (?P<detail>.*?)(?: \(at line (?P<line>\d+), column \d+\))?$", "toml"),
    (r"the \[scenario\] table is missing", "no_scenario"),
    (r"a scenario must be a table", "no_scenario"),
    (r"unknown table '(?P<name>[^']*)'", "unknown_table"),
    (r"unknown setting '(?P<name>[^']*)'", "unknown_setting"),
    (r"name must be text of 1–120 characters", "name"),
    (r"(?P<name>\w+) must be a whole number in (?P<lo>\d+)–(?P<hi>\d+)", "setting_range"),
    (r"horizons must be years 1–(?P<hi>\d+)", "horizons"),
    (r"'(?P<name>[^']*)' is not a crime or nuisance outcome", "harm_outcome"),
    (r"(?P<name>\w+) must be a number in 0–1000", "harm_value"),
    (r"must be a table of outcome = weight", "harm_table"),
    (r"interventions must be \[\[intervention\]\] tables", "items"),
    (r"must be a table", "items"),
    (r"type '(?P<name>[^']*)' is not an intervention", "unknown_type"),
    (r"type (?P<name>.*) is not an intervention", "unknown_type"),
    (r"unknown field '(?P<name>[^']*)'", "unknown_field"),
    (r"has no target", "no_target"),
    (r"cannot be placed on (?P<kind>\w+)", "wrong_target"),
    (r"(?P<name>\w+) = (?P<value>\S+)(?: [^–]*)? is outside (?P<range>.+)", "out_of_range"),
    (r"(?P<name>\w+) must be true or false", "not_bool"),
    (r"(?P<name>\w+) must be a whole number", "not_int"),
    (r"(?P<name>\w+) must be a number", "not_number"),
    (r"(?P<name>\w+) must be a list of ids", "not_ids"),
    (r"(?P<name>\w+) must be a list of \[x, y\] pairs", "not_points"),
    (r"(?P<name>spots_lonlat) must be", "not_points"),
    (r"spots are outside the Netherlands", "spots_outside"),
    (r"(?P<name>\w+) must be text", "field_text"),
)


def _message_of(exc: ScenarioError) -> str:
    """The engine's message without its ``where:`` prefix and ``(hint)`` suffix."""
    text = str(exc)
    if exc.where and text.startswith(f"{exc.where}: "):
        text = text[len(exc.where) + 2 :]
    if exc.hint and text.endswith(f" ({exc.hint})"):
        text = text[: -len(exc.hint) - 3]
    return text


def _where_text(where: str | None, lang: str) -> str:
    if not where:
        return ""
    m = re.match(r"intervention (\d+)(?: \((\w+)\))?", where)
    if m:
        kind = m.group(2)
        name = intervention_catalogue()[kind].label(lang) if kind else ""
        key = "scenarios.err.where_item_named" if name else "scenarios.err.where_item"
        return t(key, lang=lang, n=m.group(1), name=name)
    if where.startswith("["):
        return t("scenarios.err.where_table", lang=lang, table=where)
    return ""  # a file path: the user knows which file they uploaded


def scenario_error_text(exc: Exception, lang: str) -> str:
    """One paragraph saying what is wrong with a scenario file, where, and what to do."""
    head = t("scenarios.err.bad_file", lang=lang)
    tail = t("scenarios.err.nothing_lost", lang=lang)
    if isinstance(exc, UploadProblem):
        values = dict(exc.values)
        if "type" in values:
            values["type"] = intervention_catalogue()[values["type"]].label(lang)
        if "what" in values:
            values["what"] = t(f"scenarios.kind.{values['what']}", lang=lang)
        return f"{head} {t(exc.key, lang=lang, **values)} {tail}"
    if not isinstance(exc, ScenarioError):
        _log.warning("unexpected scenario file error: %s", exc)
        return f"{head} {t('scenarios.err.other', lang=lang, detail=str(exc))} {tail}"
    message = _message_of(exc)
    where = _where_text(exc.where, lang)
    for pattern, key in _PATTERNS:
        m = re.match(pattern, message)
        if m:
            values = {k: (v or "?") for k, v in m.groupdict().items()}
            if key == "wrong_target":
                values["kind"] = t(f"scenarios.kind.{values['kind'].rstrip('s')}", lang=lang)
            body = t(f"scenarios.err.{key}", lang=lang, **values)
            break
    else:
        _log.info("scenario file error without a translation: %s", message)
        body = t("scenarios.err.other", lang=lang, detail=message)
    where_part = f"{where}: " if where else ""
    return f"{head} {where_part}{body} {tail}"
