"""Permalinks in the app: a saved view's URL (``./?lon=…``) and the Map page opening one.

The query parameters are :func:`viewer.story.view_to_query`'s. The Map page calls
:func:`apply_permalink` before drawing its controls: the view's indicator, year, level, layers,
colourings and camera are put into the page's widgets once per link, and the camera jumps
there (no flight). A scenario in the link colours the buurten by the scenario's change
(:func:`linked_scenario`). A bad link shows one clear message and the normal map.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from twin import Twin
from viewer.i18n import language, t
from viewer.story import PERMALINK_MARK, SavedView, StoryError, view_from_query, view_to_query

__all__ = ["apply_permalink", "linked_scenario", "permalink_url"]

#: Where permalinks point: the app's home, which is the Map page. (A deep link such as
#: ``kaart?…`` works too, but Streamlit then shows a "page not found" notice over the page on
#: first load in headless mode — streamlit/streamlit#8860.)
MAP_PATH = "./"
_APPLIED = "_permalink.applied"
_SCENARIO = "_permalink.scenario"


def permalink_url(view: SavedView, *, page: str = MAP_PATH) -> str:
    """The view's link, relative to the app (``./?lon=5.97&lat=…``)."""
    return f"{page}?{urlencode(view_to_query(view))}"


def _query() -> dict[str, str]:
    return {k: st.query_params.get(k) for k in st.query_params}


def apply_permalink(twin: Twin, map_key: str, *, none: str = "__none__") -> SavedView | None:
    """Put the link's view into the Map page's widgets and camera (once per link)."""
    from viewer.map import fly_to
    from viewer.story_scene import view_for_twin

    params = _query()
    if PERMALINK_MARK not in params:
        return None
    sig = json.dumps(sorted(params.items()))
    fly_key = f"_twinmap.{map_key}.fly"
    if st.session_state.get(_APPLIED) == sig:
        fly = st.session_state.get(fly_key)
        if isinstance(fly, dict) and fly.get("force"):
            st.session_state[fly_key] = {k: v for k, v in fly.items() if k != "force"}
        return None
    st.session_state[_APPLIED] = sig
    try:
        view = view_for_twin(twin, view_from_query(params))
    except StoryError as err:
        st.warning(t("present.link.invalid", message=err.text(language())))
        return None
    s = st.session_state
    s["map.indicator"] = view.indicator or none
    if view.year is not None:
        s["map.year"] = view.year
    s.update(
        {
            "map.level": view.level,
            "map.extrude": view.extrude,
            "map.buildings": view.buildings,
            "map.method": view.method,
            "map.k": view.k,
            "map.palette": view.palette,
            "map.top_down": view.top_down,
            "map.night": view.night,
        }
    )
    for name in ("ground", "buildings", "streets", "lights", "outlines", "labels"):
        s[f"map.layer.{name}"] = name in view.layers
    c = view.camera
    fly_to(
        map_key,
        lon=c.longitude,
        lat=c.latitude,
        zoom=c.zoom,
        pitch=c.pitch,
        bearing=c.bearing,
        duration_ms=0,
        force=True,
    )
    s[_SCENARIO] = (
        {"scenario": view.scenario, "outcome": view.outcome, "horizon": view.horizon, "camera": c}
        if view.scenario is not None
        else None
    )
    return view


def linked_scenario(twin: Twin) -> tuple[Any, Any, str] | None:
    """(area paint, legend, description) of the link's scenario, or None.

    Shows what is coloured and a button to drop the scenario; a scenario that no longer exists
    gives a message and None.
    """
    from viewer.story_scene import scene_from_view

    linked = st.session_state.get(_SCENARIO)
    if not linked:
        return None
    view = SavedView(
        camera=linked["camera"],
        scenario=linked["scenario"],
        outcome=linked["outcome"],
        horizon=linked["horizon"],
    )
    try:
        scene = scene_from_view(twin, view, lang=language())
    except StoryError as err:
        st.warning(t("present.link.invalid", message=err.text(language())))
        st.session_state[_SCENARIO] = None
        return None
    legend = scene.legends[0]
    st.info(t("present.link.scenario", id=linked["scenario"], what=legend.title))
    if st.button(t("present.link.clear"), key="_maplink.clear"):
        st.session_state[_SCENARIO] = None
        st.rerun()
    return scene.areas, legend, scene.description


def view_with_camera(view: SavedView, camera: dict | None) -> SavedView:
    """``view`` with the camera the map reported (keys as deck.gl's view state)."""
    from viewer.story import Camera

    if not camera:
        return view
    cam = Camera(
        **{
            k: float(camera[k])
            for k in ("longitude", "latitude", "zoom", "pitch", "bearing")
            if k in camera
        }
    )
    return replace(view, camera=cam)
