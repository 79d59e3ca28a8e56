"""Explain buttons: hand what is on screen to the Assistant page with one click.

Any page puts an :class:`ExplainRequest` behind a button with :func:`explain_button`; the
Assistant page (``viewer/views/assistant.py``, URL ``assistent``) takes it with
:func:`pending_explanation` and answers it. The request carries references (area code, scenario
id, assessment id, street id), never values: the assistant reads the values itself through its
tools, so suppression and grounding apply as always.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from viewer.i18n import t
from viewer.views import PAGES

__all__ = [
    "ASSISTANT_URL_PATH",
    "ExplainRequest",
    "explain_button",
    "pending_explanation",
    "request_explanation",
]

#: URL path of the Assistant page in :data:`viewer.views.PAGES`.
ASSISTANT_URL_PATH = "assistent"
_KEY = "explain_request"


@dataclass(frozen=True)
class ExplainRequest:
    """What to explain.

    Parameters
    ----------
    kind : str
        'area', 'scenario', 'assessment', 'street' or 'building'.
    area : str, optional
        CBS code of the area concerned.
    scenario_id, assessment_id, street_id, building_id : str, optional
        References to the object on screen.
    question : str, optional
        A question to ask instead of the default question for ``kind``.
    """

    kind: str
    area: str | None = None
    scenario_id: str | None = None
    assessment_id: str | None = None
    street_id: str | None = None
    building_id: str | None = None
    question: str | None = None


def request_explanation(request: ExplainRequest) -> None:
    """Store the request and open the Assistant page."""
    st.session_state[_KEY] = request
    page = next((p for p in PAGES if p.url_path == ASSISTANT_URL_PATH), None)
    if page is None:  # the Assistant page is not installed in this build
        st.info(t("explain.unavailable"))
        return
    st.switch_page(str(page.path))


def pending_explanation() -> ExplainRequest | None:
    """The request left by an Explain button, once (it is removed when read)."""
    request = st.session_state.pop(_KEY, None)
    return request if isinstance(request, ExplainRequest) else None


def explain_button(request: ExplainRequest, *, key: str, label: str | None = None) -> None:
    """A button that hands ``request`` to the assistant."""
    if st.button(label or t("explain.button"), key=key, icon=":material/psychology:"):
        request_explanation(request)
