"""Streamlit entry point: the app frame (language, navigation, notices) around the pages.

``socialtwin view`` serves this through ``viewer/server.py``; pages live in ``viewer/views/``
and are registered in :data:`viewer.views.PAGES`.
"""

from __future__ import annotations

import streamlit as st

from twin import get_settings
from viewer.i18n import LANGUAGES, language, t
from viewer.state import keep_widget_state
from viewer.views import pages_for


@st.cache_resource(show_spinner=False)
def _icon():
    """The favicon, drawn here: a ``:material/...:`` or emoji icon would be fetched online."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    for x, h, colour in ((2, 14, "#0072B2"), (12, 24, "#E69F00"), (22, 18, "#009E73")):
        draw.rectangle([x, 31 - h, x + 8, 31], fill=colour)
    return img


st.set_page_config(page_title="Social Twin Heerlen", page_icon=_icon(), layout="wide")

if "lang" not in st.session_state:
    st.session_state["lang"] = language()
keep_widget_state("map.", "dash.", "src.", "cpted.", "scen.", "night.")

with st.sidebar:
    st.selectbox(
        t("app.language"),
        options=list(LANGUAGES),
        format_func=lambda code: LANGUAGES[code],
        key="lang",
    )

pages = [
    st.Page(
        str(spec.path),
        title=t(spec.title_key),
        icon=spec.icon,
        url_path=spec.url_path,
        default=spec.default,
    )
    for spec in pages_for(get_settings().public_mode)  # public mode: the residents' view only
]
st.navigation(pages).run()
