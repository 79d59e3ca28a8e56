"""What the CPTED studio shows beside the map: the selection with its roll-ups, the form, a
conflict side by side, and the history with field-level diffs.

User text (notes, names) is only ever shown through ``st.text``, ``st.table`` or escaped
markdown, never as HTML.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from twin import Twin
from twin.assessments import MEASURE_IDS, PRINCIPLE_IDS, load_form, principle_scores
from viewer import cpted_form as f
from viewer.cpted_data import assessments_frame, get_store, rollups
from viewer.cpted_model import (
    SCORE_OPTIONS,
    change_rows,
    form_language,
    md_escape,
    target_rows,
    target_title,
)
from viewer.explain import ExplainRequest, explain_button
from viewer.i18n import language, t
from viewer.views import PAGES

__all__ = ["SCENARIOS_PAGE_FILE", "render_form", "render_pending", "render_selection"]

#: The Scenarios page's file in PAGES (the hand-over contract with that page).
SCENARIOS_PAGE_FILE = "scenarios.py"
#: Earlier assessments of the selected building or street listed beside the map.
_MAX_HERE = 5


def _num(v: Any, lang: str) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "–"
    text = f"{float(v):.1f}"
    return text.replace(".", ",") if lang in ("nl", "de") else text


# -- the selection ----------------------------------------------------------------------------
def _rollup_table(twin: Twin, target: dict, lang: str) -> pd.DataFrame | None:
    form, flang = load_form(), form_language(lang)
    by_street, by_buurt = rollups(get_store())
    cols: dict[str, list[str]] = {}
    street, buurt = target.get("street"), target.get("buurt")
    for label, table, key in (
        (t("cpted.rollup.street", lang=lang), by_street, street),
        (t("cpted.rollup.buurt", lang=lang), by_buurt, buurt),
    ):
        if key and key in table.index:
            r = table.loc[key]
            cols[label] = (
                [str(int(r["count"])), _num(r["overall"], lang)]
                + [_num(r[f"p_{p}"], lang) for p in PRINCIPLE_IDS]
                + [str(r["latest"])]
            )
    if not cols:
        return None
    index = [form.label("count", flang), form.label("overall", flang)]
    index += [form.principle_label(p, flang) for p in PRINCIPLE_IDS] + [form.label("latest", flang)]
    return pd.DataFrame(cols, index=index)


def _here(target: dict) -> pd.DataFrame:
    if target.get("kind") not in ("building", "street") or not target.get("id"):
        return pd.DataFrame()
    frame = assessments_frame(get_store())
    rows = frame[(frame["target_kind"] == target["kind"]) & (frame["target_id"] == target["id"])]
    return rows.sort_values("saved_at", ascending=False).head(_MAX_HERE)


def render_selection(twin: Twin) -> None:
    """What is being assessed: its attributes, roll-ups of its street and buurt, and earlier
    assessments of the same building or street."""
    lang = language()
    target = f.meta()["target"]
    if not target:
        st.info(t("cpted.hint_pick"), icon=":material/ads_click:")
        return
    st.subheader(target_title(twin, target, lang))
    st.table(
        pd.DataFrame(
            target_rows(twin, target, lang),
            columns=[t("cpted.col.attribute"), t("cpted.col.value")],
        ),
        hide_index=True,
    )
    table = _rollup_table(twin, target, lang)
    if table is not None:
        st.markdown(f"**{t('cpted.rollup.title')}**")
        st.table(table)
        st.caption(t("cpted.rollup.note"))
    here = _here(target)
    if len(here):
        st.markdown(f"**{t('cpted.here.title', n=len(here))}**")
        for row in here.itertuples():
            c1, c2 = st.columns([3, 1], vertical_alignment="center")
            c1.text(f"{row.observed_at[:10]} · {row.author} · {_num(row.overall, lang)}")
            c2.button(
                t("cpted.open"),
                key=f"cpted-open-{row.id}",
                on_click=f.request_open,
                args=(row.id,),
                disabled=row.id == f.meta()["aid"],
            )


def render_pending(twin: Twin) -> None:
    """Ask before unsaved typing would be replaced by a pick or an open."""
    pending = st.session_state.get(f.S_PENDING)
    if not pending:
        return
    lang = language()
    current = f.meta()["target"]
    what = target_title(twin, current, lang) if current else t("cpted.form.new")
    with st.container(border=True):
        if pending["kind"] == "target":
            st.warning(
                t(
                    "cpted.pending.target",
                    current=md_escape(what),
                    new=md_escape(target_title(twin, pending["target"], lang)),
                )
            )
        else:
            st.warning(t("cpted.pending.open", current=md_escape(what)))
        row = st.container(horizontal=True)
        if pending["kind"] == "target":
            row.button(t("cpted.pending.move"), key="cpted-pending-move", on_click=f.move_draft)
        row.button(
            t("cpted.pending.discard"), key="cpted-pending-discard", on_click=f.discard_changes
        )
        row.button(
            t("cpted.pending.keep"),
            key="cpted-pending-keep",
            on_click=lambda: st.session_state.pop(f.S_PENDING, None),
        )


# -- the conflict -----------------------------------------------------------------------------
def _render_conflict() -> None:
    c = st.session_state.get(f.S_CONFLICT)
    if not c:
        return
    lang = language()
    theirs = c["theirs"]
    theirs_data = theirs.assessment.to_data()
    with st.container(border=True):
        st.markdown(f"**{t('cpted.conflict.title')}**")
        from twin.assessments import diff_data

        changes = diff_data(theirs_data, c["mine"])
        col_field, col_theirs, col_mine = (
            t("cpted.col.field"),
            t("cpted.conflict.theirs", version=theirs.version, author=theirs.author),
            t("cpted.conflict.mine"),
        )
        rows = [
            {
                col_field: r[t("cpted.col.field")],
                col_theirs: r[t("cpted.col.before")],
                col_mine: r[t("cpted.col.after")],
            }
            for r in change_rows(changes, lang)
        ]
        if theirs.deleted:
            st.warning(t("cpted.conflict.deleted", author=md_escape(theirs.author)))
        st.table(pd.DataFrame(rows), hide_index=True)
        if c["mine"].get("notes") != theirs_data.get("notes"):
            left, right = st.columns(2)
            left.caption(col_theirs)
            left.text(theirs_data.get("notes") or "–")
            right.caption(col_mine)
            right.text(c["mine"].get("notes") or "–")
        row = st.container(horizontal=True)
        row.button(
            t("cpted.conflict.reapply", version=theirs.version),
            type="primary",
            key="cpted-conflict-reapply",
            on_click=f.reapply_mine,
        )
        row.button(
            t("cpted.conflict.take_theirs", version=theirs.version),
            key="cpted-conflict-theirs",
            on_click=f.take_theirs,
        )


# -- the form -----------------------------------------------------------------------------------
def _show_message(slot: str) -> None:
    msg = f.message(slot)
    if msg:
        getattr(st, msg[0])(md_escape(msg[1]))


def _principle_block(principle, flang: str, lang: str, na_label: str) -> None:
    scores = f.form_values()["scores"]
    mean = principle_scores({k: v for k, v in scores.items()})[principle.id]
    with st.container(border=True):
        st.markdown(f"**{principle.label[flang]}** · {_num(mean, lang)}")
        for item in principle.items:
            st.segmented_control(
                item.text[flang],
                options=list(SCORE_OPTIONS),
                format_func=lambda o: na_label if o == "n/a" else o,
                key=f.score_key(item.id),
                help=item.source,
            )


def _photos(flang: str) -> None:
    form = load_form()
    refs = st.session_state.get(f.S_REFS) or []
    st.markdown(f"**{form.label('photos', flang)}** ({len(refs)})")
    if refs:
        cols = st.columns(4)
        for i, sha in enumerate(refs):
            with cols[i % 4]:
                data = f.photo_bytes(sha)
                if data is not None:
                    st.image(data, width="stretch")
                st.button(
                    t("cpted.photo_remove"),
                    key=f"cpted-photo-rm-{sha[:16]}",
                    on_click=f.remove_photo,
                    args=(sha,),
                )
    st.file_uploader(
        t("cpted.photo_upload"),
        accept_multiple_files=True,
        key=f"cpted-photos-{st.session_state[f.S_UPLOADER]}",
        on_change=f.add_uploads,
        help=t("cpted.photo_help"),
    )
    _show_message("photos")


def _history(aid: str, lang: str) -> None:
    form, flang = load_form(), form_language(lang)
    store = get_store()
    versions = store.history(aid)
    with st.expander(t("cpted.history.title", n=len(versions))):
        st.table(
            pd.DataFrame(
                [
                    {
                        form.label("version", flang): v.version,
                        form.label("action", flang): form.label(f"action_{v.action}", flang),
                        form.label("author", flang): v.author,
                        form.label("saved_at", flang): f.local_time(v.saved_at),
                    }
                    for v in reversed(versions)
                ]
            ),
            hide_index=True,
        )
        numbers = [v.version for v in versions]
        chosen = st.selectbox(
            t("cpted.history.show"),
            options=list(reversed(numbers)),
            key=f"cpted-history-{aid}-{len(versions)}",
        )
        previous = max((n for n in numbers if n < chosen), default=None)
        changes = store.diff(aid, previous, chosen)
        st.caption(t("cpted.history.diff", new=chosen, old=previous or "–"))
        if changes:
            st.table(pd.DataFrame(change_rows(changes, lang)), hide_index=True)


def _to_scenario(aid: str) -> None:
    v = get_store().get(aid)
    tg = v.assessment.target
    st.session_state["scenario_seed"] = {
        "from_assessment": aid,
        "measures": [
            {
                "intervention": m,
                "target": {"kind": tg.kind, "id": tg.id, "lon": tg.lon, "lat": tg.lat},
            }
            for m in v.assessment.measures
        ],
    }
    page = next((p for p in PAGES if p.file == SCENARIOS_PAGE_FILE), None)
    if page is None:
        st.info(t("cpted.scenario.unavailable"))
        return
    st.switch_page(str(page.path))


def _actions(m: dict, dirty: bool) -> None:
    row = st.container(horizontal=True)
    row.button(
        t("cpted.save"),
        type="primary",
        key="cpted-save",
        on_click=f.save,
        disabled=not m["target"] or m["deleted"],
        icon=":material/save:",
    )
    row.button(
        t("cpted.discard"), key="cpted-discard", on_click=f.discard_changes, disabled=not dirty
    )
    row.button(
        t("cpted.new_here"),
        key="cpted-new",
        on_click=f.new_assessment,
        disabled=not m["target"] or dirty,
    )
    row.button(
        t("cpted.delete"),
        key="cpted-delete",
        on_click=f.delete,
        disabled=not m["aid"] or m["deleted"] or dirty,
        help=t("cpted.delete_help"),
    )
    if dirty:
        st.caption(t("cpted.unsaved"))
    _show_message("form")
    undo = st.session_state.get(f.S_UNDO)
    if undo:
        st.button(
            t("cpted.undo"),
            key="cpted-undo",
            on_click=f.restore,
            args=(undo,),
            icon=":material/undo:",
        )


def render_form(twin: Twin) -> None:
    """The assessment form, its actions and, for a stored assessment, its history."""
    lang = language()
    flang = form_language(lang)
    form = load_form()
    m = f.meta()
    dirty = f.is_dirty()
    if m["aid"]:
        st.subheader(t("cpted.form.edit", id=m["aid"][:8], version=m["base"]))
    else:
        st.subheader(t("cpted.form.new"))
    if m["deleted"]:
        st.warning(t("cpted.form.is_deleted"))
        st.button(t("cpted.undo"), key="cpted-restore", on_click=f.restore, args=(m["aid"],))
    _render_conflict()
    both = st.session_state.get(f.S_REBASED)
    if both:
        names = ", ".join(md_escape(f_label) for f_label in _labels(both, lang))
        st.warning(t("cpted.msg.both_changed", fields=names))
    try:
        who = f.acting_author().name
    except Exception:  # an invalid name: the sidebar says why
        who = "–"
    st.caption(t("cpted.acting_as", name=md_escape(who)))
    c1, c2 = st.columns(2)
    c1.date_input(
        form.label("observed_at", flang),
        key=f.K_DATE,
        max_value=dt.date.today(),
        format="YYYY-MM-DD",
    )
    c2.radio(
        form.label("time_of_day", flang),
        options=["day", "night"],
        horizontal=True,
        format_func=lambda v: form.label(v, flang),
        key=f.K_TOD,
    )
    na_label = form.scale_labels["n_a"][flang]
    st.caption(t("cpted.scale_hint"))
    for principle in form.principles:
        _principle_block(principle, flang, lang, na_label)
    st.text_area(form.label("notes", flang), key=f.K_NOTES, height=140)
    st.multiselect(
        form.label("measures", flang),
        options=list(MEASURE_IDS),
        format_func=lambda mid: form.measure_label(mid, flang),
        key=f.K_MEASURES,
        placeholder=t("cpted.measures_placeholder"),
    )
    _photos(flang)
    _actions(m, dirty)
    _show_message("draft")
    if m["aid"]:
        row = st.container(horizontal=True)
        with row:
            stored = get_store().get(m["aid"]).assessment.measures
            if st.button(
                t("cpted.scenario.button"),
                key="cpted-to-scenario",
                disabled=dirty or not stored or m["deleted"],
                help=t("cpted.scenario.help"),
                icon=":material/trending_up:",
            ):
                _to_scenario(m["aid"])
            tg = m["target"] or {}
            explain_button(
                ExplainRequest(
                    kind="assessment",
                    assessment_id=m["aid"],
                    area=tg.get("buurt"),
                    street_id=tg.get("street"),
                    building_id=tg.get("id") if tg.get("kind") == "building" else None,
                ),
                key="cpted-explain",
            )
        _history(m["aid"], lang)


def _labels(fields: list[str], lang: str) -> list[str]:
    from viewer.cpted_model import field_label

    return [field_label(x, lang) for x in fields]
