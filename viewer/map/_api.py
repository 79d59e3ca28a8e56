"""``twin_map``: the Streamlit component (components v2) that runs ``twinmap.js``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import shapely
import streamlit as st

from twin import Twin
from viewer.map._paint import AreaPaint, Markers, RasterOverlay, StreetPaint
from viewer.map._payload import DEFAULT_LAYERS, Pick, map_payload, pick_from_event

__all__ = ["MapResult", "fly_to", "fly_to_area", "selected", "twin_map"]

# The component's inline code is a loader: the real script is a cached file (twinmap.js), so a
# rerun does not re-send it.
_LOADER = """
export default async function (component) {
  const mod = await import(new URL(component.data.script, window.location.href).href);
  return mod.default(component);
}
"""
_component = st.components.v2.component("twinmap", js=_LOADER)


@dataclass(frozen=True)
class MapResult:
    """What the map reports back.

    Attributes
    ----------
    pick : Pick or None
        The click of this rerun (None when this rerun was not caused by a click).
    selection : Pick or None
        The last click on this map in this session (kept across reruns).
    view : dict or None
        The camera at the last click, or the reported camera with ``report_view=True``.
    """

    pick: Pick | None
    selection: Pick | None
    view: dict | None


def _state_key(key: str, what: str) -> str:
    return f"_twinmap.{key}.{what}"


def _ignore() -> None:
    return None


def _pick_callback(
    twin: Twin, key: str, overlays: Sequence[object], on_pick: Callable[[Pick], None]
) -> Callable[[], None]:
    """The component callback that hands a click to ``on_pick`` before the script runs; it
    resolves marker indices against ``overlays``, the ones of the run that drew the map."""

    def run() -> None:
        state = st.session_state.get(key)
        event = state.get("pick") if isinstance(state, Mapping) else getattr(state, "pick", None)
        pick = pick_from_event(twin, event, overlays)
        if pick is None:
            return
        st.session_state[_state_key(key, "selection")] = pick
        st.session_state[_state_key(key, "handled")] = pick
        on_pick(pick)

    return run


def fly_to(key: str, *, lon: float, lat: float, zoom: float = 15.5, pitch: float | None = None,
           bearing: float | None = None, duration_ms: int | None = None,
           force: bool = False) -> None:  # fmt: skip
    """Fly the camera of map ``key`` to a point on its next draw (once).

    ``duration_ms`` sets the flight's length (default 1.2 s); 0 jumps. ``force`` makes the
    flight win over a camera the browser kept for this map (a permalink opened in a tab that
    showed the map before).
    """
    sk = _state_key(key, "fly")
    token = int(st.session_state.get(sk, {}).get("token", 0)) + 1
    view = {"longitude": float(lon), "latitude": float(lat), "zoom": float(zoom)}
    if pitch is not None:
        view["pitch"] = float(pitch)
    if bearing is not None:
        view["bearing"] = float(bearing)
    # the session tells the browser a fly-to asked for on another page from one it already made
    st.session_state[sk] = {"view": view, "token": token, "session": _session_id()}
    if duration_ms is not None:
        st.session_state[sk]["duration"] = int(duration_ms)
    if force:
        st.session_state[sk]["force"] = True


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else ""


def fly_to_area(twin: Twin, key: str, code: str) -> None:
    """Fly map ``key`` to a wijk or buurt (zoom chosen from its size)."""
    nb = twin.to_wgs84("neighbourhoods")
    row = nb[nb["code"] == code]
    if row.empty:
        raise KeyError(f"unknown area code {code!r}")
    geom = row.geometry.iloc[0]
    w, s, e, n = geom.bounds
    p = shapely.point_on_surface(geom)
    span = max(e - w, (n - s) * 1.6, 1e-4)
    import math

    zoom = max(min(math.log2(360 * 700 / (span * 512)), 17.0), 11.0)
    fly_to(key, lon=p.x, lat=p.y, zoom=round(zoom, 2))


def selected(key: str) -> Pick | None:
    """The last pick on map ``key`` in this session (or None)."""
    return st.session_state.get(_state_key(key, "selection"))


def twin_map(
    twin: Twin,
    *,
    key: str = "map",
    layers: Iterable[str] = DEFAULT_LAYERS,
    buildings: dict | None = None,
    areas: AreaPaint | None = None,
    streets: StreetPaint | None = None,
    overlays: Sequence[RasterOverlay | Markers] = (),
    night: bool = False,
    top_down: bool = False,
    ground_click: bool = True,
    report_view: bool = False,
    description: str = "",
    height: int = 620,
    on_pick: Callable[[Pick], None] | None = None,
    download: dict | None = None,
) -> MapResult:
    """Draw the 3D map of ``twin`` and return what the user picked.

    Parameters
    ----------
    twin : Twin
        The twin to draw (its geometry is baked and cached once).
    key : str
        Unique per map on a page; keeps the camera and the selection across reruns.
    layers : iterable of str
        Base layers to show, from :data:`LAYER_NAMES`.
    buildings : dict or None
        A paint rule for buildings (see :mod:`layers.styles`), e.g. by use or year built.
    areas : AreaPaint or None
        Neighbourhoods coloured (and optionally extruded) by any per-area value.
    streets : StreetPaint or None
        Streets coloured by any per-segment value (replaces colouring by class).
    overlays : sequence
        :class:`RasterOverlay` and :class:`Markers`, drawn in order.
    night, top_down : bool
        Night mode (dark ground, glowing lights) and the top-down camera.
    ground_click : bool
        Report clicks on empty ground (exact coordinates) as picks of kind ``ground``.
    report_view : bool
        Report the camera after every move (causes a rerun per move; off by default).
    description : str
        A sentence describing what is coloured, read by screen readers with the camera's place.
    height : int
        Height in pixels.
    on_pick : callable, optional
        Called with the :class:`Pick` of a click *before* the page's script runs (a widget
        callback), so the page can change its state, overlays included, and draw them in the
        same run. Marker picks are resolved against the overlays that were on screen.
    download : dict or None
        A PNG button for slides: :func:`viewer.map.map_image` says what the image carries.
    """
    fly = st.session_state.get(_state_key(key, "fly"))
    payload = map_payload(
        twin,
        key=key,
        layers=layers,
        buildings=buildings,
        areas=areas,
        streets=streets,
        overlays=overlays,
        night=night,
        top_down=top_down,
        fly=fly,
        ground_click=ground_click,
        report_view=report_view,
        description=description,
        height=height,
        download=download,
    )
    result = _component(
        key=key,
        data=payload,
        default={"view": None},
        height=height,
        on_pick_change=_pick_callback(twin, key, overlays, on_pick) if on_pick else _ignore,
        on_view_change=_ignore,
    )
    event = getattr(result, "pick", None)
    handled = st.session_state.pop(_state_key(key, "handled"), None)
    pick = handled if handled is not None else pick_from_event(twin, event, overlays)
    if pick is not None:
        st.session_state[_state_key(key, "selection")] = pick
    view = getattr(result, "view", None) or (event or {}).get("view")
    return MapResult(pick=pick, selection=selected(key), view=view)
