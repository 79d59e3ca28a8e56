"""The app server: Streamlit (``app.py``) plus the route that serves the map's cached files.

``socialtwin view`` runs ``streamlit run viewer/server.py``; Streamlit finds :data:`app` and
serves ``app.py`` with the extra route of :func:`viewer.assets.asset_routes`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from viewer.assets import asset_routes

app = st.App(str(Path(__file__).resolve().parent / "app.py"), routes=asset_routes())
