"""The one settings object: every option documented, environment parsed with clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from twin.settings import OPTIONS, Settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_every_option_is_documented():
    text = DOC.read_text(encoding="utf-8")
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| `(\w+)` \|", text, re.M)}
    for name, env, _kind, _default, _doc in OPTIONS:
        assert name in rows, f"settings option {name!r} is not documented in docs/settings.md"
        assert rows[name] == env, f"docs/settings.md gives the wrong variable for {name!r}"
    assert set(rows) == {o[0] for o in OPTIONS}, "docs/settings.md lists options that do not exist"


def test_environment_overrides_defaults():
    s = Settings.from_env(
        {"SOCIALTWIN_MIN_COUNT": "10", "SOCIALTWIN_EXTERNAL_AI": "on", "SOCIALTWIN_LANGUAGE": "en"}
    )
    assert (s.min_count, s.external_ai, s.language) == (10, True, "en")
    assert Settings.from_env({}).external_ai is False


@pytest.mark.parametrize(
    ("env", "value", "message"),
    [
        ("SOCIALTWIN_MIN_COUNT", "five", "is not a whole number"),
        ("SOCIALTWIN_EXTERNAL_AI", "maybe", "is not a yes/no value"),
    ],
)
def test_bad_values_are_explained(env, value, message):
    with pytest.raises(ValueError, match=f"{env}='{value}' {message}"):
        Settings.from_env({env: value})
