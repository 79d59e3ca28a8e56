"""Presentation and stories: present a story full screen, edit it, add views, make the council
pack, and record residents' input (receipts).

Stories live in the story store (SQLite, ``viewer/story_store.py``); the built-in demo story is
read only (copy it to change it). The presentation runs in the browser (``story_player.js``):
keys, clicker, full screen and camera flights need no round trip, so it keeps going without a
network. Views are added from this page's own map (camera reported back) with the layers,
indicator, year or saved scenario chosen beside it.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace

import streamlit as st

from scenarios import OUTCOME_IDS, ScenarioStore, load_registry
from twin import Twin, indicator_names
from viewer.i18n import language, t
from viewer.map import map_image, twin_map
from viewer.map._payload import initial_view
from viewer.permalink import permalink_url, view_with_camera
from viewer.receipts import STAGES, ReceiptError, ReceiptStore
from viewer.state import get_twin, indicator_label, indicator_years, synthetic_notice
from viewer.story import (
    BUILDING_MODES,
    LAYERS,
    Camera,
    SavedView,
    Step,
    Story,
    StoryError,
    demo_story,
    story_from_json,
    story_to_json,
)
from viewer.story_player import slug, story_player
from viewer.story_scene import scene_from_view
from viewer.story_store import StoredStory, StoryStore

__all__ = ["render"]

DEMO = "demo"
EDITOR_MAP = "present.editor"
_FLASH = "_present.flash"
_PACK = "_present.pack"
_SELECT = "_present.select"


def _flash(kind: str, text: str) -> None:
    st.session_state[_FLASH] = (kind, text)


def _select(choice: str) -> None:
    """Show story ``choice`` on the next run (the selectbox exists already in this one)."""
    st.session_state[_SELECT] = choice


def _show_flash() -> None:
    kind, text = st.session_state.pop(_FLASH, (None, None))
    if kind:
        getattr(st, kind)(text)


def _choose_story(store: StoryStore, lang: str) -> tuple[str, StoredStory | None, Story]:
    infos = store.list()
    options = [DEMO, *[str(i.id) for i in infos]]
    labels = {
        str(i.id): t("present.story_label", lang=lang, title=i.title, steps=i.steps) for i in infos
    }
    demo_title = demo_story(lang).title
    labels[DEMO] = t("present.demo_label", lang=lang, title=demo_title)
    if _SELECT in st.session_state:
        st.session_state["present.story"] = st.session_state.pop(_SELECT)
    if st.session_state.get("present.story") not in options:
        _select(DEMO)
    choice = st.selectbox(
        t("present.story"), options, key="present.story", format_func=lambda o: labels.get(o, o)
    )
    if choice == DEMO:
        return DEMO, None, demo_story(lang)
    stored = store.get(int(choice))
    return choice, stored, stored.story


def _new_story(store: StoryStore) -> None:
    with st.popover(t("present.new"), icon=":material/add:"):
        title = st.text_input(t("present.new_title"), key="present.new_title", max_chars=160)
        if st.button(t("present.new"), key="present.create"):
            try:
                saved = store.create(Story(title=title))
            except StoryError as err:
                st.error(err.text(language()))
                return
            _select(str(saved.id))
            _flash("success", t("present.created", title=saved.story.title))
            st.rerun()


def _tab_present(twin: Twin, story: Story, lang: str) -> None:
    st.caption(t("present.howto"))
    if not story.steps:
        st.info(t("present.empty"))
        return
    story_player(twin, story, key="present.player", lang=lang, height=620)


def _step_keys(sid: int, rev: int, i: int) -> tuple[str, str, str]:
    base = f"present.s{sid}.r{rev}.{i}"
    return f"{base}.title", f"{base}.text", f"{base}.caption"


def _edited(stored: StoredStory) -> Story:
    """The story as the widgets show it now (unsaved edits included)."""
    s, rev, sid = stored.story, stored.revision, stored.id
    state = st.session_state
    steps = []
    for i, step in enumerate(s.steps):
        kt, kx, kc = _step_keys(sid, rev, i)
        view = replace(step.view, caption=state.get(kc, step.view.caption))
        steps.append(
            Step(title=state.get(kt, step.title), text=state.get(kx, step.text), view=view)
        )
    return replace(
        s,
        title=state.get(f"present.s{sid}.r{rev}.title", s.title),
        description=state.get(f"present.s{sid}.r{rev}.description", s.description),
        steps=tuple(steps),
    )


def _save(store: StoryStore, stored: StoredStory, story: Story) -> None:
    try:
        store.update(stored.id, story, expected_revision=stored.revision)
    except StoryError as err:
        _flash("error", err.text(language()))
    else:
        _flash("success", t("present.saved"))
    st.rerun()


def _tab_edit(
    twin: Twin, store: StoryStore, stored: StoredStory | None, story: Story, lang: str
) -> None:
    if stored is None:
        st.info(t("present.demo_readonly"))
        if st.button(
            t("present.copy_demo"), key="present.copy_demo", icon=":material/content_copy:"
        ):
            try:
                saved = store.import_story(story)
            except (StoryError, ValueError) as err:
                st.error(str(err))
                return
            _select(str(saved.id))
            _flash("success", t("present.copied", title=saved.story.title))
            st.rerun()
        _files(store, story, lang)
        return
    sid, rev = stored.id, stored.revision
    st.text_input(
        t("present.field.title"),
        value=story.title,
        key=f"present.s{sid}.r{rev}.title",
        max_chars=160,
    )
    st.text_area(
        t("present.field.description"),
        value=story.description,
        height=68,
        key=f"present.s{sid}.r{rev}.description",
    )
    if not story.steps:
        st.info(t("present.empty"))
    for i, step in enumerate(story.steps):
        kt, kx, kc = _step_keys(sid, rev, i)
        with st.container(border=True):
            head, up, down, rm = st.columns([8, 1, 1, 1], vertical_alignment="center")
            head.markdown(f"**{t('present.step_heading', n=i + 1, title=step.title)}**")
            if up.button("↑", key=f"present.up.{i}", help=t("present.up"), disabled=i == 0):
                _move(store, stored, i, i - 1)
            if down.button(
                "↓",
                key=f"present.down.{i}",
                help=t("present.down"),
                disabled=i == len(story.steps) - 1,
            ):
                _move(store, stored, i, i + 1)
            if rm.button("✕", key=f"present.remove.{i}", help=t("present.remove")):
                edited = _edited(stored)
                steps = list(edited.steps)
                steps.pop(i)
                _save(store, stored, replace(edited, steps=tuple(steps)))
            st.text_input(t("present.field.step_title"), value=step.title, key=kt, max_chars=160)
            st.text_area(t("present.field.step_text"), value=step.text, key=kx, height=90)
            st.text_input(t("present.field.caption"), value=step.view.caption, key=kc)
            st.caption(_summary(twin, step.view, lang))
            st.markdown(f"[🔗 {t('present.permalink')}]({permalink_url(step.view)})")
    left, right = st.columns(2)
    if left.button(t("present.save"), key="present.save", type="primary"):
        _save(store, stored, _edited(stored))
    with right.popover(t("present.delete"), icon=":material/delete:"):
        if st.button(t("present.delete_confirm"), key="present.delete_confirm"):
            store.delete(sid)
            _select(DEMO)
            _flash("success", t("present.deleted"))
            st.rerun()
    _files(store, story, lang, stored)


def _move(store: StoryStore, stored: StoredStory, src: int, dst: int) -> None:
    edited = _edited(stored)
    steps = list(edited.steps)
    steps.insert(dst, steps.pop(src))
    _save(store, stored, replace(edited, steps=tuple(steps)))


def _summary(twin: Twin, view: SavedView, lang: str) -> str:
    if view.scenario is not None:
        what = f"{t('present.add.scenario')} {view.scenario} · {view.outcome} · {view.horizon}"
    elif view.indicator:
        what = f"{indicator_label(twin, view.indicator, lang=lang)} {view.year or ''}".strip()
    else:
        what = t("present.what.plain")
    c = view.camera
    return t(
        "present.view_summary",
        what=what,
        zoom=f"{c.zoom:.1f}",
        pitch=f"{c.pitch:.0f}",
        bearing=f"{c.bearing:.0f}",
    )


def _files(store: StoryStore, story: Story, lang: str, stored: StoredStory | None = None) -> None:
    st.markdown(f"**{t('present.files.heading')}**")
    try:
        exported = store.export_story(stored.id) if stored else story
        st.download_button(
            t("present.files.export"),
            story_to_json(exported).encode(),
            file_name=f"{slug(story.title)}.json",
            mime="application/json",
            key="present.export",
            icon=":material/download:",
        )
    except StoryError as err:
        st.warning(err.text(lang))
    upload = st.file_uploader(t("present.files.import"), type=["json"], key="present.import")
    if upload is not None and st.button(t("present.files.import"), key="present.import_go"):
        try:
            saved = store.import_story(story_from_json(upload.getvalue()))
        except StoryError as err:
            st.error(t("present.files.bad", message=err.text(lang)))
            return
        _select(str(saved.id))
        _flash(
            "success",
            t("present.files.imported", title=saved.story.title, steps=len(saved.story.steps)),
        )
        st.rerun()


def _draft_view(twin: Twin, lang: str) -> SavedView:
    """The view the add-tab's controls describe (camera filled in from the map later)."""
    state = st.session_state
    names = indicator_names(twin.indicators)
    modes = ["none", "indicator", "scenario"]
    by = st.radio(
        t("present.add.colour_by"),
        modes,
        horizontal=True,
        key="present.add.by",
        format_func=lambda m: t(f"present.add.by_{m}", lang=lang),
    )
    kw: dict = {}
    if by == "indicator" and names:
        state.setdefault(
            "present.add.indicator",
            "perceived_unsafety_pct" if "perceived_unsafety_pct" in names else names[0],
        )
        name = st.selectbox(
            t("map.indicator"),
            names,
            key="present.add.indicator",
            format_func=lambda n: indicator_label(twin, n, lang=lang),
        )
        years = indicator_years(twin, name) or twin.years
        if state.get("present.add.year") not in years:
            state["present.add.year"] = years[-1]
        year = (
            st.select_slider(t("map.year"), years, key="present.add.year")
            if len(years) > 1
            else years[0]
        )
        level = st.radio(
            t("map.level"),
            ["buurt", "wijk"],
            horizontal=True,
            key="present.add.level",
            format_func=lambda lv: t(f"terms.level.{lv}", lang=lang),
        )
        extrude = st.toggle(t("map.extrude"), key="present.add.extrude")
        kw = {"indicator": name, "year": year, "level": level, "extrude": extrude}
    elif by == "scenario":
        with ScenarioStore() as sstore:
            saved = sstore.list()
        if not saved:
            st.info(t("present.add.no_scenarios"))
        else:
            ids = [s.id for s in saved]
            names_by_id = {s.id: s.name for s in saved}
            sid = st.selectbox(
                t("present.add.scenario"),
                ids,
                key="present.add.scenario",
                format_func=lambda i: f"{names_by_id.get(i, i)} ({i})",
            )
            reg = load_registry()
            rl = "en" if lang == "de" else lang
            outcome = st.selectbox(
                t("present.add.outcome"),
                list(OUTCOME_IDS),
                key="present.add.outcome",
                format_func=lambda o: reg.outcomes[o].name(rl),
            )
            horizon = st.radio(
                t("present.add.horizon"), [1, 3], horizontal=True, key="present.add.horizon"
            )
            kw = {"scenario": sid, "outcome": outcome, "horizon": horizon}
    buildings = st.selectbox(
        t("map.buildings_by"),
        list(BUILDING_MODES),
        key="present.add.bld",
        format_func=lambda b: t(f"map.buildings.{b}", lang=lang),
    )
    c1, c2 = st.columns(2)
    night = c1.toggle(t("map.night"), key="present.add.night")
    top = c2.toggle(t("map.top_down"), key="present.add.top")
    state.setdefault("present.add.layers", [x for x in LAYERS if x != "lights"])
    layers = st.multiselect(
        t("map.section.layers"),
        list(LAYERS),
        key="present.add.layers",
        format_func=lambda x: t(f"terms.layer.{x}", lang=lang),
    )
    camera = Camera(**initial_view(twin, height_px=520))
    return SavedView(
        camera=camera, layers=tuple(layers), buildings=buildings, night=night, top_down=top, **kw
    )


def _tab_add(twin: Twin, store: StoryStore, stored: StoredStory | None, lang: str) -> None:
    st.caption(t("present.add.intro"))
    if stored is None:
        st.info(t("present.demo_readonly"))
        return
    controls, mapcol = st.columns([1, 2], gap="medium")
    with controls:
        draft = _draft_view(twin, lang)
    try:
        scene = scene_from_view(twin, draft, lang=lang)
    except StoryError as err:
        st.error(err.text(lang))
        return
    with mapcol:
        result = twin_map(
            twin,
            key=EDITOR_MAP,
            layers=draft.layers,
            buildings=scene.buildings,
            areas=scene.areas,
            night=draft.night,
            top_down=draft.top_down,
            report_view=True,
            description=scene.description,
            height=520,
            download=map_image(
                f"{slug(stored.story.title)}-view",
                title=scene.description,
                legends=scene.legends,
                label=t("present.png.label"),
                hint=t("present.png.hint"),
                badge=t("app.synthetic_badge"),
                footer=twin.name,
            ),
        )
        view = view_with_camera(draft, result.view)
        c = view.camera
        if result.view is None:
            st.caption(t("present.add.camera_hint"))
        st.caption(
            t(
                "present.add.current",
                lon=f"{c.longitude:.5f}",
                lat=f"{c.latitude:.5f}",
                zoom=f"{c.zoom:.2f}",
            )
        )
        title = st.text_input(t("present.field.step_title"), key="present.add.title", max_chars=160)
        text = st.text_area(t("present.field.step_text"), key="present.add.text", height=90)
        caption = st.text_input(t("present.field.caption"), key="present.add.caption")
        if st.button(t("present.add.button"), key="present.add.go", type="primary"):
            try:
                saved = store.add_step(
                    stored.id,
                    Step(title=title, text=text, view=replace(view, caption=caption)),
                    expected_revision=stored.revision,
                )
            except StoryError as err:
                st.error(err.text(lang))
                return
            _flash("success", t("present.add.added", n=len(saved.story.steps)))
            st.rerun()


def _tab_pack(twin: Twin, story: Story, lang: str) -> None:
    from viewer.pack_report import PackError, write_pack

    st.write(t("present.pack.intro"))
    st.caption(t("present.pack.cli"))
    with_pdf = st.checkbox(t("present.pack.with_pdf"), value=True, key="present.pack.pdf")
    if st.button(
        t("present.pack.build"), key="present.pack.build", type="primary", disabled=not story.steps
    ):
        start = time.perf_counter()
        with st.spinner(t("present.pack.building")), tempfile.TemporaryDirectory() as tmp:
            try:
                result = write_pack(twin, story, tmp, lang=lang, pdf=with_pdf)
            except (PackError, StoryError, OSError, RuntimeError) as err:
                st.error(t("present.pack.failed", message=str(err)))
                return
            st.session_state[_PACK] = {
                "name": slug(story.title),
                "html": result.html.read_bytes(),
                "pdf": result.pdf.read_bytes() if result.pdf else None,
                "seconds": time.perf_counter() - start,
            }
    pack = st.session_state.get(_PACK)
    if not pack:
        return
    st.success(
        t(
            "present.pack.done",
            size=f"{len(pack['html']) / 1e6:.1f} MB",
            seconds=f"{pack['seconds']:.0f}",
        )
    )
    st.download_button(
        t("present.pack.download_html"),
        pack["html"],
        key="present.pack.html",
        file_name=f"{pack['name']}.html",
        mime="text/html",
    )
    if pack["pdf"]:
        st.download_button(
            t("present.pack.download_pdf"),
            pack["pdf"],
            key="present.pack.pdfdl",
            file_name=f"{pack['name']}.pdf",
            mime="application/pdf",
        )


def _tab_receipts(twin: Twin, lang: str) -> None:
    st.caption(t("present.receipts.intro"))
    buurten = sorted((str(c) for c in twin.buurten["code"]), key=twin.area_name)
    with ReceiptStore() as store, st.form("present.receipts.new", border=True):
        st.markdown(f"**{t('present.receipts.new')}**")
        buurt = st.selectbox(
            t("residents.area.buurt"),
            buurten,
            key="present.receipts.buurt",
            format_func=twin.area_name,
        )
        topic = st.text_input(
            t("present.receipts.topic"), key="present.receipts.topic", max_chars=120
        )
        note = st.text_area(t("present.receipts.note"), key="present.receipts.note", height=68)
        if st.form_submit_button(t("present.receipts.create")):
            try:
                code, _ = store.create(buurt, topic, note=note)
            except ReceiptError as err:
                st.error(err.text(lang))
            else:
                st.success(t("present.receipts.code", code=code))
    with ReceiptStore() as store:
        rows = store.list()
    if not rows:
        return
    st.dataframe(
        [
            {
                t("present.receipts.col.id"): r.id,
                t("residents.area.buurt"): twin.area_name(r.buurt),
                t("present.receipts.topic"): r.topic,
                t("present.receipts.col.stage"): t(f"residents.stage.{r.current}"),
                t("present.receipts.col.on"): r.stages[-1].on,
            }
            for r in rows
        ],
        hide_index=True,
    )
    with st.form("present.receipts.advance", border=True):
        st.markdown(f"**{t('present.receipts.advance')}**")
        rid = st.selectbox(
            t("present.receipts.col.id"),
            [r.id for r in rows],
            key="present.receipts.id",
            format_func=lambda i: f"{i}: {next(r.topic for r in rows if r.id == i)}",
        )
        stage = st.selectbox(
            t("present.receipts.col.stage"),
            list(STAGES[1:]),
            key="present.receipts.stage",
            format_func=lambda s: t(f"residents.stage.{s}", lang=lang),
        )
        note = st.text_area(t("present.receipts.note"), key="present.receipts.anote", height=68)
        ref = st.text_input(t("present.receipts.ref"), key="present.receipts.ref")
        names = ["", *indicator_names(twin.indicators)]
        indicator = st.selectbox(
            t("present.receipts.indicator"),
            names,
            key="present.receipts.indicator",
            format_func=lambda n: n and indicator_label(twin, n, lang=lang),
        )
        if st.form_submit_button(t("present.receipts.save")):
            try:
                with ReceiptStore() as store:
                    store.advance(rid, stage, note=note, ref=ref, indicator=indicator)
            except ReceiptError as err:
                st.error(err.text(lang))
            else:
                _flash("success", t("present.saved"))
                st.rerun()


def render() -> None:
    twin = get_twin()
    lang = language()  # format functions may run outside the script run (AppTest)
    st.title(t("present.title"))
    st.caption(t("present.intro"))
    synthetic_notice(twin)
    _show_flash()
    with StoryStore() as store:
        top, new = st.columns([4, 1], vertical_alignment="bottom")
        with top:
            _, stored, story = _choose_story(store, lang)
        with new:
            _new_story(store)
        tabs = st.tabs(
            [
                t("present.tab.present"),
                t("present.tab.edit"),
                t("present.tab.add"),
                t("present.tab.pack"),
                t("present.tab.receipts"),
            ]
        )
        with tabs[0]:
            _tab_present(twin, story, lang)
        with tabs[1]:
            _tab_edit(twin, store, stored, story, lang)
        with tabs[2]:
            _tab_add(twin, store, stored, lang)
        with tabs[3]:
            _tab_pack(twin, story, lang)
        with tabs[4]:
            _tab_receipts(twin, lang)


if __name__ == "__main__":
    render()
