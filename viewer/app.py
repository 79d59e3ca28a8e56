"""Streamlit entry point: ``socialtwin view`` runs this file."""

from __future__ import annotations

import streamlit as st

from twin import load_twin

st.set_page_config(page_title="Social Twin Heerlen", layout="wide")


@st.cache_resource(show_spinner=False)
def _twin():
    return load_twin()


def _home() -> None:
    twin = _twin()
    st.title("Social Twin Heerlen")
    counts = twin.counts()
    st.write(
        f"{twin.name}: {len(twin.wijken)} wijken, {len(twin.buurten)} buurten, "
        f"{counts['buildings']:,} gebouwen, {counts['streets']:,} straten, "
        f"{counts['lights']:,} lantaarns."
    )
    if twin.manifest.any_synthetic():
        st.info("Demo: de geometrie is synthetisch; de cijfers per buurt komen van het CBS.")


st.navigation([st.Page(_home, title="Kaart", url_path="kaart", default=True)]).run()
