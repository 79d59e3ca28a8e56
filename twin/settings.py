"""The one settings object: every option with its type, default and environment variable.

Each option is documented in ``docs/settings.md``; a test fails when one is not. Read settings
with :func:`get_settings` (the environment is read once per process; tests call
``get_settings.cache_clear()``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["OPTIONS", "Settings", "get_settings"]


def _opt(default: Any, env: str, doc: str) -> Any:
    return field(default=default, metadata={"env": env, "doc": doc})


@dataclass(frozen=True)
class Settings:
    """Options of Social Twin Heerlen (see ``docs/settings.md``)."""

    twin_path: str = _opt(
        "", "SOCIALTWIN_TWIN", "Twin directory to open; empty means the embedded Heerlen demo."
    )
    home: str = _opt(
        str(Path.home() / ".local" / "share" / "socialtwin"),
        "SOCIALTWIN_HOME",
        "Folder for what users create (SQLite stores for assessments, scenarios, stories, audit).",
    )
    language: str = _opt("nl", "SOCIALTWIN_LANGUAGE", "Default UI language: nl, en or de.")
    min_count: int = _opt(
        5,
        "SOCIALTWIN_MIN_COUNT",
        "Floor for suppression: counts below it are shown as '<N'. A layer's manifest may raise "
        "it, never lower it.",
    )
    port: int = _opt(8501, "SOCIALTWIN_PORT", "Port of the web app started by `socialtwin view`.")
    address: str = _opt(
        "127.0.0.1",
        "SOCIALTWIN_ADDRESS",
        "Address the web app listens on; 0.0.0.0 shares it on the local network.",
    )
    external_ai: bool = _opt(
        False,
        "SOCIALTWIN_EXTERNAL_AI",
        "Administrator switch: allow sending questions and area aggregates to the Anthropic API.",
    )
    anthropic_api_key: str = _opt(
        "", "ANTHROPIC_API_KEY", "Key for the Anthropic API; used only when external_ai is on."
    )
    author: str = _opt(
        "",
        "SOCIALTWIN_AUTHOR",
        "Name recorded as the author of CPTED assessments; empty means the login name.",
    )
    fetch_cache: str = _opt(
        "",
        "SOCIALTWIN_FETCH_CACHE",
        "Folder for `socialtwin fetch` downloads; empty means <home>/cache/fetch.",
    )
    fetch_delay: float = _opt(
        1.0, "SOCIALTWIN_FETCH_DELAY", "Seconds between two requests to the same host (fetch)."
    )
    fetch_retries: int = _opt(
        5, "SOCIALTWIN_FETCH_RETRIES", "Retries of a failed or interrupted download (fetch)."
    )
    fetch_timeout: float = _opt(
        120.0, "SOCIALTWIN_FETCH_TIMEOUT", "Seconds to wait for a server before retrying (fetch)."
    )
    pdok_url: str = _opt(
        "https://service.pdok.nl",
        "SOCIALTWIN_PDOK_URL",
        "PDOK services: CBS Wijk- en Buurtkaart WFS and BAG WFS (fetch).",
    )
    bag3d_wfs_url: str = _opt(
        "https://data.3dbag.nl/api/BAG3D/wfs",
        "SOCIALTWIN_3DBAG_WFS_URL",
        "3DBAG WFS whose tiles layer lists the GeoPackage tiles to download (fetch).",
    )
    cbs_odata_url: str = _opt(
        "https://opendata.cbs.nl/ODataApi/odata",
        "SOCIALTWIN_CBS_ODATA_URL",
        "CBS StatLine OData for Kerncijfers wijken en buurten (fetch).",
    )
    politie_odata_url: str = _opt(
        "https://dataderden.cbs.nl/ODataApi/odata",
        "SOCIALTWIN_POLITIE_ODATA_URL",
        "OData for the Politie tables 47018NED and 47022NED (fetch).",
    )
    leefbaarometer_url: str = _opt(
        "https://www.leefbaarometer.nl/resources",
        "SOCIALTWIN_LEEFBAAROMETER_URL",
        "Folder of the Leefbaarometer open-data zip files (fetch).",
    )
    overpass_url: str = _opt(
        "https://overpass-api.de/api/interpreter",
        "SOCIALTWIN_OVERPASS_URL",
        "Overpass API for OpenStreetMap roads and street lamps (fetch).",
    )
    claude_model: str = _opt(
        "claude-sonnet-5", "SOCIALTWIN_CLAUDE_MODEL", "Claude model the assistant asks."
    )
    claude_max_tokens: int = _opt(
        1500, "SOCIALTWIN_CLAUDE_MAX_TOKENS", "Most tokens Claude may write per step."
    )
    claude_timeout: float = _opt(
        30.0, "SOCIALTWIN_CLAUDE_TIMEOUT", "Seconds before a Claude request is abandoned."
    )
    claude_retries: int = _opt(
        2, "SOCIALTWIN_CLAUDE_RETRIES", "Retries of a failed Claude request (429, 5xx, network)."
    )
    claude_base_url: str = _opt(
        "", "SOCIALTWIN_CLAUDE_BASE_URL", "Anthropic API address; empty means the SDK default."
    )
    claude_max_steps: int = _opt(
        6, "SOCIALTWIN_CLAUDE_MAX_STEPS", "Most tool-use rounds per answer before giving up."
    )
    public_mode: bool = _opt(
        False,
        "SOCIALTWIN_PUBLIC",
        "Public mode: the app shows only the residents' view (read-only, aggregated figures).",
    )
    analytics_warmup: bool = _opt(
        True,
        "SOCIALTWIN_ANALYTICS_WARMUP",
        "The app computes the night analytics in the background after it loads its twin.",
    )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Settings from environment variables (unset ones keep their defaults)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f.metadata["env"])
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(raw, type(f.default), f.metadata["env"])
        return cls(**values)

    @property
    def home_path(self) -> Path:
        return Path(self.home).expanduser()


def _parse(raw: str, kind: type, env: str) -> Any:
    if kind is bool:
        low = raw.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{env}={raw!r} is not a yes/no value (use 1/0, true/false, on/off)")
    if kind is int:
        try:
            return int(raw)
        except ValueError as exc:
            raise ValueError(f"{env}={raw!r} is not a whole number") from exc
    if kind is float:
        try:
            return float(raw)
        except ValueError as exc:
            raise ValueError(f"{env}={raw!r} is not a number") from exc
    return raw


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings.from_env()


#: (name, environment variable, type, default, doc) of every option, for docs and tests.
OPTIONS = tuple(
    (f.name, f.metadata["env"], type(f.default).__name__, f.default, f.metadata["doc"])
    for f in fields(Settings)
)
