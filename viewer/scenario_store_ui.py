"""The scenario on the page and the store: name, save, open, duplicate, delete, files, Explain.

The scenario being built is a :class:`~viewer.scenario_draft.Draft` in
``st.session_state["scen_draft"]``; every store operation is a button callback that replaces it
and leaves a message for the next run (:func:`flash`). Saving checks the revision the draft was
opened at, so two people editing one scenario never overwrite each other silently. Errors are
shown in the user's language; nothing saved is lost by a failed operation.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from scenarios import OUTCOME_IDS, ScenarioError, ScenarioStore, load_registry, scenario_to_toml
from twin import Twin
from viewer.explain import ExplainRequest, request_explanation
from viewer.i18n import t
from viewer.scenario_draft import Draft, draft_from_stored, new_draft, scenario_from_upload
from viewer.scenario_errors import scenario_error_text

__all__ = [
    "DRAFT_KEY",
    "current_draft",
    "flash",
    "render_explain",
    "render_flash",
    "render_store_panel",
    "save_draft",
    "set_draft",
]

#: Session keys: the draft, messages for the next run.
DRAFT_KEY = "scen_draft"
_FLASH_KEY = "scen_flash"
#: Draws a user can choose: quick look, default, fine intervals.
DRAW_CHOICES = (2_000, 10_000, 50_000)


def flash(level: str, text: str) -> None:
    """Leave a message (``success``, ``info``, ``warning``, ``error``) for the page to show."""
    st.session_state.setdefault(_FLASH_KEY, []).append((level, text))


def render_flash() -> None:
    """Show and forget the messages left by callbacks."""
    for level, text in st.session_state.pop(_FLASH_KEY, []):
        getattr(st, level)(text)


def current_draft(lang: str) -> Draft:
    """The draft of this session (a new, empty one on the first visit)."""
    if DRAFT_KEY not in st.session_state:
        set_draft(new_draft(t("scenarios.default_name", lang=lang)))
    return st.session_state[DRAFT_KEY]


def set_draft(draft: Draft) -> None:
    """Replace the draft and the widgets that show its settings."""
    st.session_state[DRAFT_KEY] = draft
    s = draft.scenario
    st.session_state["scen.name"] = s.name
    st.session_state["scen.description"] = s.description
    st.session_state["scen.seed"] = s.seed
    st.session_state["scen.draws"] = s.draws if s.draws in DRAW_CHOICES else DRAW_CHOICES[1]
    reg = load_registry()
    for o in OUTCOME_IDS:
        default = reg.outcomes[o].harm_weight
        if default is not None:
            st.session_state[f"scen.w.{o}"] = float(s.harm_weights.get(o, default))


def _store_error(exc: ScenarioError, lang: str) -> str:
    text = str(exc)
    if "already exists" in text:
        return t("scenarios.store.name_taken", lang=lang)
    if "changed by someone else" in text:
        return t("scenarios.store.conflict", lang=lang)
    if "no saved scenario" in text:
        return t("scenarios.store.gone", lang=lang)
    if "name must be" in text:
        return t("scenarios.err.name", lang=lang)
    return t("scenarios.store.failed", lang=lang, detail=text)


def save_draft(lang: str) -> Draft | None:
    """Save the draft (new, or an update of the scenario it edits); None when that failed."""
    draft: Draft = st.session_state[DRAFT_KEY]
    try:
        with ScenarioStore() as store:
            if draft.stored_id is None:
                stored = store.save(draft.scenario)
            else:
                stored = store.update(
                    draft.stored_id, draft.scenario, expected_revision=draft.revision
                )
    except ScenarioError as exc:
        flash("error", _store_error(exc, lang))
        if "no saved scenario" in str(exc):
            st.session_state[DRAFT_KEY] = Draft(
                draft.scenario, draft.uids, draft.origins, next_uid=draft.next_uid
            )
        return None
    saved = draft.saved_as(stored)
    st.session_state[DRAFT_KEY] = saved
    return saved


# -- callbacks -----------------------------------------------------------------------------------
def _on_save(lang: str) -> None:
    if save_draft(lang) is not None:
        flash(
            "success",
            t("scenarios.store.saved", lang=lang, name=st.session_state[DRAFT_KEY].scenario.name),
        )


def _on_new(lang: str) -> None:
    old: Draft = st.session_state[DRAFT_KEY]
    set_draft(new_draft(t("scenarios.default_name", lang=lang), next_uid=old.next_uid))
    st.session_state["scen_basket"] = []


def _on_open(lang: str) -> None:
    sid = st.session_state.get("scen.saved")
    if sid is None:
        return
    old: Draft = st.session_state[DRAFT_KEY]
    try:
        with ScenarioStore() as store:
            stored = store.get(int(sid))
    except ScenarioError as exc:
        flash("error", _store_error(exc, lang))
        return
    set_draft(draft_from_stored(stored, next_uid=old.next_uid))
    flash("info", t("scenarios.store.opened", lang=lang, name=stored.scenario.name))


def _copy_name(store: ScenarioStore, name: str, lang: str) -> str:
    candidate, n = t("scenarios.store.copy_name", lang=lang, name=name), 2
    while store.find(candidate) is not None:
        candidate = t("scenarios.store.copy_name_n", lang=lang, name=name, n=n)
        n += 1
    return candidate[:120]


def _on_duplicate(lang: str) -> None:
    sid = st.session_state.get("scen.saved")
    if sid is None:
        return
    try:
        with ScenarioStore() as store:
            source = store.get(int(sid))
            copy = store.duplicate(int(sid), name=_copy_name(store, source.scenario.name, lang))
    except ScenarioError as exc:
        flash("error", _store_error(exc, lang))
        return
    old: Draft = st.session_state[DRAFT_KEY]
    set_draft(draft_from_stored(copy, next_uid=old.next_uid))
    st.session_state["scen.saved"] = copy.id
    flash("success", t("scenarios.store.duplicated", lang=lang, name=copy.scenario.name))


def _on_delete(lang: str) -> None:
    sid = st.session_state.get("scen.saved")
    if sid is None or not st.session_state.get("scen.confirm_delete"):
        return
    try:
        with ScenarioStore() as store:
            name = store.get(int(sid)).scenario.name
            store.delete(int(sid))
    except ScenarioError as exc:
        flash("error", _store_error(exc, lang))
        return
    st.session_state["scen.confirm_delete"] = False
    st.session_state["scen.saved"] = None
    draft: Draft = st.session_state[DRAFT_KEY]
    if draft.stored_id == int(sid):  # keep what is on screen, as an unsaved scenario
        st.session_state[DRAFT_KEY] = Draft(
            draft.scenario, draft.uids, draft.origins, next_uid=draft.next_uid
        )
    flash("success", t("scenarios.store.deleted", lang=lang, name=name))


def _on_upload(twin: Twin, lang: str) -> None:
    upload = st.session_state.get("scen_do.upload")
    if upload is None:
        return
    try:
        scenario = scenario_from_upload(twin, upload.getvalue())
    except ValueError as exc:  # ScenarioError and UploadProblem are ValueErrors
        flash("error", scenario_error_text(exc, lang))
        return
    old: Draft = st.session_state[DRAFT_KEY]
    n = len(scenario.interventions)
    # a new, unsaved draft: saving it creates a new stored scenario
    set_draft(
        Draft(
            scenario,
            tuple(range(old.next_uid, old.next_uid + n)),
            ("",) * n,
            next_uid=old.next_uid + n,
        )
    )
    flash("success", t("scenarios.file.loaded", lang=lang, name=scenario.name, n=n))


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:60] or "scenario"


# -- the panel -----------------------------------------------------------------------------------
def _status(draft: Draft, lang: str) -> str:
    if draft.stored_id is None:
        return t("scenarios.store.status_new", lang=lang)
    if draft.dirty:
        return t("scenarios.store.status_dirty", lang=lang, id=draft.stored_id)
    return t("scenarios.store.status_saved", lang=lang, id=draft.stored_id, rev=draft.revision)


def _sync_settings(draft: Draft) -> Draft:
    """Apply the name, description and settings widgets to the draft."""
    s = draft.scenario
    name = (st.session_state.get("scen.name") or "").strip() or s.name
    weights = dict(s.harm_weights)
    reg = load_registry()
    for o in OUTCOME_IDS:
        v = st.session_state.get(f"scen.w.{o}")
        if v is not None and reg.outcomes[o].harm_weight is not None:
            if float(v) == reg.outcomes[o].harm_weight and o not in s.harm_weights:
                continue
            weights[o] = float(v)
    changes = {
        "name": name[:120],
        "description": st.session_state.get("scen.description") or "",
        "seed": int(st.session_state.get("scen.seed", s.seed)),
        "draws": int(st.session_state.get("scen.draws", s.draws)),
        "harm_weights": weights,
    }
    if any(getattr(s, k) != v for k, v in changes.items()):
        draft = draft.with_scenario(**changes)
        st.session_state[DRAFT_KEY] = draft
    return draft


def _button_pair(*buttons: tuple[str, Any, str], lang: str) -> None:
    """Two store buttons side by side: (name, callback, type); keys ``scen_do.<name>``."""
    for col, (name, callback, kind) in zip(st.columns(2), buttons, strict=True):
        label = t(f"scenarios.store.{name}", lang=lang)
        col.button(label, key=f"scen_do.{name}", on_click=callback, args=(lang,), type=kind,
                   use_container_width=True)  # fmt: skip


def render_store_panel(twin: Twin, lang: str) -> Draft:
    """The sidebar: this scenario (name, settings, save, file) and the saved ones."""
    draft = current_draft(lang)
    st.markdown(f"**{t('scenarios.store.this', lang=lang)}**")
    st.text_input(t("scenarios.store.name", lang=lang), key="scen.name", max_chars=120)
    st.text_area(t("scenarios.store.description", lang=lang), key="scen.description", height=68)
    with st.expander(t("scenarios.store.settings", lang=lang)):
        st.selectbox(
            t("scenarios.store.draws", lang=lang),
            DRAW_CHOICES,
            key="scen.draws",
            format_func=lambda n: f"{n:,}".replace(",", "."),
        )
        st.number_input(
            t("scenarios.store.seed", lang=lang),
            min_value=0,
            max_value=2**32 - 1,
            step=1,
            key="scen.seed",
            help=t("scenarios.store.seed_help", lang=lang),
        )
        st.caption(t("scenarios.store.weights", lang=lang))
        reg = load_registry()
        for o in OUTCOME_IDS:
            if reg.outcomes[o].harm_weight is not None:
                st.number_input(
                    t(f"scenarios.outcome.{o}", lang=lang),
                    min_value=0.0,
                    max_value=1000.0,
                    step=0.25,
                    key=f"scen.w.{o}",
                )
    draft = _sync_settings(draft)
    st.caption(_status(draft, lang))
    _button_pair(("save", _on_save, "primary"), ("new", _on_new, "secondary"), lang=lang)
    st.download_button(
        t("scenarios.file.download", lang=lang),
        data=scenario_to_toml(draft.scenario),
        file_name=f"{_slug(draft.scenario.name)}.toml",
        mime="application/toml",
        key="scen_do.download",
        use_container_width=True,
    )
    st.file_uploader(
        t("scenarios.file.upload", lang=lang),
        type=["toml"],
        key="scen_do.upload",
        on_change=_on_upload,
        args=(twin, lang),
        help=t("scenarios.file.upload_help", lang=lang),
    )

    st.markdown(f"**{t('scenarios.store.saved_title', lang=lang)}**")
    with ScenarioStore() as store:
        saved = store.list()
    if not saved:
        st.caption(t("scenarios.store.empty", lang=lang))
        return draft
    names = {s.id: f"{s.name} ({s.interventions})" for s in saved}
    if st.session_state.get("scen.saved") not in names:
        st.session_state["scen.saved"] = saved[0].id
    st.selectbox(
        t("scenarios.store.list", lang=lang),
        list(names),
        key="scen.saved",
        format_func=lambda i: names.get(i, str(i)),
    )
    _button_pair(("open", _on_open, "secondary"), ("duplicate", _on_duplicate, "secondary"),
                 lang=lang)  # fmt: skip
    st.checkbox(t("scenarios.store.confirm_delete", lang=lang), key="scen.confirm_delete")
    st.button(
        t("scenarios.store.delete", lang=lang),
        key="scen_do.delete",
        on_click=_on_delete,
        args=(lang,),
        disabled=not st.session_state.get("scen.confirm_delete"),
        use_container_width=True,
    )
    return draft


def render_explain(draft: Draft, area: str | None, lang: str) -> None:
    """ "Explain" hands the (saved) scenario to the assistant; an unsaved one is saved first."""
    if not st.button(
        t("explain.button", lang=lang),
        key="scen_do.explain",
        icon=":material/psychology:",
        disabled=not draft.scenario.interventions,
        help=t("scenarios.explain_help", lang=lang),
    ):
        return
    if draft.dirty or draft.stored_id is None:
        draft = save_draft(lang) or draft
        if draft.stored_id is None or draft.dirty:
            render_flash()
            return
    request_explanation(
        ExplainRequest(kind="scenario", scenario_id=str(draft.stored_id), area=area or None)
    )
