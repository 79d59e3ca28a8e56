"""Session-wide things every page uses: the twin, labels of indicators, the synthetic notice."""

from __future__ import annotations

import logging
import threading

import streamlit as st

from twin import Twin, load_twin
from viewer.i18n import has, t

__all__ = [
    "MAP_FOCUS_KEY",
    "area_label",
    "get_twin",
    "indicator_label",
    "indicator_years",
    "keep_widget_state",
    "request_map_focus",
    "start_analytics_warmup",
    "synthetic_notice",
    "take_map_focus",
]

#: Session key through which any page asks the Map page to fly to an area: the value is a CBS
#: code; the Map page takes it (once) on its next draw. Set it with :func:`request_map_focus`.
MAP_FOCUS_KEY = "show_on_map"


#: Seconds after the twin is first loaded before the analytics warm-up starts (the first page
#: run, with the map's baking, goes first).
WARMUP_DELAY_S = 5.0


@st.cache_resource(show_spinner=False)
def _load(path: str) -> Twin:
    from twin import get_settings

    twin = load_twin(path or None)
    settings = get_settings()
    if settings.analytics_warmup and not settings.public_mode:  # the residents' view needs none
        start_analytics_warmup(twin, WARMUP_DELAY_S)
    return twin


def start_analytics_warmup(twin: Twin, delay: float) -> threading.Timer:
    """Compute ``twin``'s night analytics in a background thread after ``delay`` seconds.

    ``analyse_twin`` caches by the twin's fingerprint and holds its lock while computing, so a
    page that asks in the meantime waits for this result instead of computing it twice. A
    failure is logged, never raised: the page then computes on first use and shows the error.
    """

    def warm() -> None:
        try:
            from twin.analytics import analyse_twin

            analyse_twin(twin)
        except Exception:  # the page reports it when it asks
            logging.getLogger(__name__).exception("analytics warm-up failed")

    timer = threading.Timer(delay, warm)
    timer.daemon = True
    timer.name = "analytics-warmup"
    timer.start()
    return timer


def get_twin() -> Twin:
    """The twin this app shows (``SOCIALTWIN_TWIN`` or the embedded demo), loaded once."""
    from twin import get_settings

    return _load(get_settings().twin_path)


def indicator_label(twin: Twin, name: str, lang: str | None = None) -> str:
    """The indicator's name in the session language (catalogue, else the manifest's name)."""
    key = f"terms.indicator.{name}"
    if has(key):
        return t(key, lang=lang)
    m = twin.manifest.indicators.get(name)
    return (m.long_name if m and m.long_name else name).replace("_", " ")


def area_label(twin: Twin, code: str) -> str:
    """ "Name (code)" of a wijk or buurt."""
    return f"{twin.area_name(code)} ({code})"


def indicator_years(twin: Twin, name: str) -> list[int]:
    """Years in which the source has values for ``name`` (suppressed ones included)."""
    da = twin.indicators[name].dropna("year", how="all")
    return [int(y) for y in da["year"].to_numpy()]


def synthetic_notice(twin: Twin) -> None:
    """Say plainly what is synthetic, and which layers the source did not provide."""
    if twin.meta.get("synthetic_geometry") or twin.manifest.any_synthetic():
        st.info(t("app.synthetic_notice"), icon=":material/science:")
    if twin.gaps:
        st.warning(t("app.gaps_notice", layers=", ".join(twin.gaps)))


def keep_widget_state(*prefixes: str) -> None:
    """Keep the values of page widgets when the user visits another page and comes back.

    Streamlit forgets a widget's value when the widget is not drawn in a run; re-assigning the
    value marks it as user state.
    """
    for k in list(st.session_state.keys()):
        if isinstance(k, str) and k.startswith(prefixes):
            st.session_state[k] = st.session_state[k]


def request_map_focus(code: str) -> None:
    """Ask the Map page to fly to area ``code`` when it is drawn next ("show on map")."""
    st.session_state[MAP_FOCUS_KEY] = str(code)


def take_map_focus(twin: Twin) -> str | None:
    """The area a page asked the Map page to show, once (removed when read); None if unknown."""
    code = st.session_state.pop(MAP_FOCUS_KEY, None)
    return code if isinstance(code, str) and code in set(twin.neighbourhoods["code"]) else None
