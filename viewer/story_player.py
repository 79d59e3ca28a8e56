"""Presentation mode: a story as the browser's story player (``viewer/story_player.js``).

:func:`player_story` turns a :class:`~viewer.story.Story` into what the player needs — for every
step the title, text, caption, camera, legends and the map's paint rules — with file URLs on the
app's asset route. The app shows it with :func:`story_player` (a components-v2 component);
the offline council pack (:mod:`viewer.pack`) inlines the same data with the files.

The player runs entirely in the browser: stepping forward and back, the camera flights and the
keys need no round trip to Python, and every file is fetched before the first step shows, so
a presentation keeps running when the network (or even the app server) goes away.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Any

import streamlit as st

from twin import Twin
from viewer.i18n import t, use_language
from viewer.map import legends_payload, map_payload
from viewer.story import SavedView, Story, StoryError
from viewer.story_scene import Scene, scene_from_view

__all__ = ["player_js_path", "player_story", "slug", "step_scene", "story_player"]

#: Length of a camera flight between two steps (ms): long enough to follow, short for a talk.
FLIGHT_MS = 2000
_KEYS = (
    "next",
    "prev",
    "count",
    "fullscreen",
    "png",
    "help",
    "key_next",
    "key_prev",
    "key_ends",
    "key_full",
    "key_blank",
    "key_exit",
)


def player_js_path() -> Path:
    """The story player's one self-contained JavaScript file."""
    return Path(__file__).resolve().parent / "story_player.js"


def slug(text: str) -> str:
    """A file-name-safe form of a title (``"Heerlen bij nacht"`` → ``heerlen-bij-nacht``)."""
    s = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    return s[:60] or "story"


def _plain(view: SavedView) -> SavedView:
    return replace(
        view,
        indicator=None,
        year=None,
        scenario=None,
        outcome=None,
        horizon=None,
        buildings="none" if view.buildings == "indicator" else view.buildings,
    )


def step_scene(
    twin: Twin, view: SavedView, *, lang: str, story: Story | None = None, scenario_store=None
) -> tuple[Scene, str]:
    """The scene of a view, or a plain one and the reason when the view cannot be shown."""
    try:
        return scene_from_view(
            twin, view, lang=lang, story=story, scenario_store=scenario_store
        ), ""
    except StoryError as err:
        plain = scene_from_view(twin, _plain(view), lang=lang)
        return plain, err.text(lang)


def player_story(
    twin: Twin,
    story: Story,
    *,
    lang: str,
    key: str = "story",
    scenario_store=None,
    duration_ms: int = FLIGHT_MS,
    hash_steps: bool = False,
    height: int | None = None,
) -> dict[str, Any]:
    """Everything the story player shows, as JSON-able data (see ``docs/presentation.md``)."""
    steps = []
    synthetic_geometry = bool(twin.meta.get("synthetic_geometry"))
    with use_language(lang):
        for step in story.steps:
            scene, problem = step_scene(
                twin, step.view, lang=lang, story=story, scenario_store=scenario_store
            )
            v = scene.view
            payload = map_payload(
                twin,
                key=key,
                layers=v.layers,
                buildings=scene.buildings,
                areas=scene.areas,
                night=v.night,
                top_down=v.top_down,
                ground_click=False,
                description=scene.description,
            )
            caption = v.caption or scene.description
            if problem:
                caption = f"{caption} — {problem}" if caption else problem
            steps.append(
                {
                    "title": step.title,
                    "text": step.text,
                    "caption": caption,
                    "camera": v.camera.to_view_state(),
                    "payload": payload,
                    "legends": legends_payload(scene.legends),
                    "synthetic": bool(scene.synthetic or synthetic_geometry),
                    "problem": problem,
                }
            )
        i18n = {k: t(f"present.player.{k}") for k in _KEYS}
        i18n["synthetic"] = t("present.player.synthetic")
        i18n["source"] = t("app.source")
        footer = t("present.player.footer", twin=twin.name)
    data = {
        "key": key,
        "title": story.title,
        "lang": lang,
        "steps": steps,
        "i18n": i18n,
        "duration": int(duration_ms),
        "hash": bool(hash_steps),
        "slug": slug(story.title),
        "footer": footer,
    }
    if height:
        data["height"] = int(height)
    blob = json.dumps(data, sort_keys=True, default=str).encode()
    data["signature"] = hashlib.blake2b(blob, digest_size=8).hexdigest()
    return data


_LOADER = """
export default async function (component) {
  const mod = await import(new URL(component.data.playerScript, window.location.href).href);
  return mod.default(component);
}
"""
_component = st.components.v2.component("storyplayer", js=_LOADER)


def story_player(
    twin: Twin, story: Story, *, key: str, lang: str, height: int = 600, scenario_store=None
) -> None:
    """Show ``story`` in the app's story player (keys, full screen, PNG, smooth flights)."""
    from viewer.assets import put_pinned
    from viewer.map._payload import script_urls

    _, map_script = script_urls()
    player = put_pinned(player_js_path().read_bytes(), "story_player.js", "text/javascript")
    data = _cached(twin, story, lang=lang, key=f"story-{key}", height=height,
                   scenario_store=scenario_store)  # fmt: skip
    _component(
        key=key,
        data={"story": data, "mapScript": map_script, "playerScript": player},
        height=height,
    )


_CACHE: OrderedDict[str, dict[str, Any]] = OrderedDict()
#: Player data kept per process: rebuilding the demo's 7 steps costs ~1 s, and a page with the
#: player reruns on every widget change elsewhere on it.
_CACHE_SIZE = 16


def _cached(twin: Twin, story: Story, **kw: Any) -> dict[str, Any]:
    """:func:`player_story`, reused while the twin, story, scenarios and options are the same."""
    from viewer.story import story_to_json
    from viewer.story_scene import scenario_doc

    docs = {}
    for sid in story.scenario_ids():
        try:
            docs[sid] = scenario_doc(sid, story, kw.get("scenario_store"))
        except StoryError:
            docs[sid] = None
    opts = {k: v for k, v in kw.items() if k != "scenario_store"}
    raw = json.dumps([twin.fingerprint, story_to_json(story), docs, opts], sort_keys=True,
                     default=str)  # fmt: skip
    key = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    data = player_story(twin, story, **kw)
    _CACHE[key] = data
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return data
