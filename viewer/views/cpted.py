"""CPTED studio: pick a building, street, spot or area on the 3D map, assess it on the seven
CPTED principles, and see every assessment as a marker coloured by its overall score.

The page wires widgets to ``twin.assessments`` (see ``docs/cpted.md``, "API for the page"):
``viewer/cpted_form.py`` holds the draft and the actions, ``viewer/cpted_panel.py`` the form
and the selection panel, ``viewer/cpted_data.py`` the cached table, markers and roll-ups,
``viewer/cpted_exchange.py`` export, import and reports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from layers import legend_html
from twin import Twin, to_wgs84
from twin.assessments import (
    PRINCIPLE_IDS,
    AssessmentInputError,
    current_author,
    load_form,
    target_from_area,
    target_from_building,
    target_from_spot,
    target_from_street,
)
from viewer import cpted_drafts
from viewer import cpted_form as f
from viewer.cpted_data import (
    MARKER_LAYER,
    MAX_MARKERS,
    assessments_frame,
    filtered_frame,
    get_store,
    markers_overlay,
    score_legend,
    street_score_paint,
)
from viewer.cpted_exchange import render_exchange, render_reports
from viewer.cpted_model import form_language, md_escape, target_title
from viewer.cpted_panel import render_form, render_pending, render_selection
from viewer.i18n import language, t
from viewer.map import Markers, Pick, RasterOverlay, fly_to, twin_map
from viewer.state import get_twin, synthetic_notice

__all__ = ["MAP_KEY", "render"]

#: Key of the map on this page (keeps its camera and selection).
MAP_KEY = "cpted"
#: Overlays of the selection and of the corners of an area being drawn (picks on them ignored).
_TARGET_LAYER, _CORNER_LAYER = "cpted-target", "cpted-corners"
#: Rows in the list of assessments (the newest; narrow with the filters).
MAX_LIST = 500
#: Pixels of the longest side of the drawn area's image.
_AREA_PX = 256
S_VERTICES = "cpted_vertices"
S_SEEN = "cpted_seen_pick"
S_LIST_IDS = "cpted_list_ids"


# -- sidebar: who, filters, view ----------------------------------------------------------------
def _sidebar(frame: pd.DataFrame) -> dict:
    lang = language()
    flang = form_language(lang)
    form = load_form()
    ss = st.session_state
    with st.sidebar:
        st.markdown(f"**{t('cpted.side.who')}**")
        if f.K_AUTHOR not in ss:
            try:
                ss[f.K_AUTHOR] = current_author().name
            except AssessmentInputError:  # an unusable SOCIALTWIN_AUTHOR: the box says why
                ss[f.K_AUTHOR] = ""
        st.text_input(t("cpted.side.author"), key=f.K_AUTHOR, help=t("cpted.side.author_help"))
        try:
            st.caption(t("cpted.acting_as", name=md_escape(f.acting_author().name)))
        except AssessmentInputError as exc:
            st.error(md_escape(exc.text(flang)))
        st.markdown(f"**{t('cpted.filter.title')}**")
        ss.setdefault("cpted.f_principle", "")
        principle = st.selectbox(
            t("cpted.filter.principle"),
            options=["", *PRINCIPLE_IDS],
            key="cpted.f_principle",
            format_func=lambda p: (
                form.principle_label(p, flang) if p else t("cpted.filter.all", lang=lang)
            ),
        )
        ss.setdefault("cpted.f_score", (1.0, 5.0))
        score = st.slider(t("cpted.filter.score"), 1.0, 5.0, step=0.5, key="cpted.f_score")
        authors = sorted({str(a) for a in frame["author"]})
        if ss.get("cpted.f_author", "") not in ["", *authors]:
            ss["cpted.f_author"] = ""
        author = st.selectbox(
            t("cpted.filter.author"),
            options=["", *authors],
            key="cpted.f_author",
            format_func=lambda a: a or t("cpted.filter.all", lang=lang),
        )
        ss.setdefault("cpted.f_since", None)
        ss.setdefault("cpted.f_until", None)
        c1, c2 = st.columns(2)
        since = c1.date_input(t("cpted.filter.since"), key="cpted.f_since", format="YYYY-MM-DD")
        until = c2.date_input(t("cpted.filter.until"), key="cpted.f_until", format="YYYY-MM-DD")
        st.markdown(f"**{t('cpted.side.view')}**")
        night = st.toggle(t("cpted.side.night"), key="cpted.night")
        streets = st.toggle(t("cpted.side.street_scores"), key="cpted.street_scores")
    filters = {
        "principle": principle,
        "score": tuple(score),
        "author": author,
        "since": since,
        "until": until,
    }
    return {"filters": filters, "night": night, "streets": streets}


# -- the map and what a click does ------------------------------------------------------------
def _on_pick(twin: Twin, pick: Pick) -> None:
    """A click on the map, handed over before the script draws anything (a map callback)."""
    st.session_state[S_SEEN] = pick
    _handle_pick(twin, pick, st.session_state.get("cpted.mode") or "pick")


def _handle_pick(twin: Twin, pick: Pick, mode: str) -> None:
    if mode == "area":  # every click is a corner, wherever it lands
        st.session_state[S_VERTICES].append([round(pick.x, 2), round(pick.y, 2)])
        return
    if pick.kind == "marker":
        if pick.layer == MARKER_LAYER:
            f.request_open(pick.id)
        return  # the selection's own marker or an area corner: nothing to do
    if pick.kind == "building":
        target = _target_or_say_why("pick", target_from_building, twin, pick.id)
    elif pick.kind == "street":
        target = _target_or_say_why("pick", target_from_street, twin, pick.id)
    else:  # the ground, a light, an area: the exact spot clicked
        target = _target_or_say_why("pick", target_from_spot, twin, (pick.x, pick.y))
    if target is not None:
        f.request_target(target)


def _polygon_overlay(corners_rd: list[list[float]], oid: str) -> RasterOverlay | None:
    """A drawn area as a translucent image over the ground (no change to the map needed)."""
    if len(corners_rd) < 2:
        return None
    from PIL import Image, ImageDraw

    xy = np.asarray(corners_rd, float)
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1])
    lon, lat = np.asarray(lon), np.asarray(lat)
    pad_x = max(float(np.ptp(lon)) * 0.05, 2e-5)
    pad_y = max(float(np.ptp(lat)) * 0.05, 2e-5)
    w, e, s, n = lon.min() - pad_x, lon.max() + pad_x, lat.min() - pad_y, lat.max() + pad_y
    scale = _AREA_PX / max(e - w, (n - s) * 1.6)
    width, height = max(int((e - w) * scale), 8), max(int((n - s) * 1.6 * scale), 8)
    pts = [
        ((x - w) / (e - w) * width, (n - y) / (n - s) * height)
        for x, y in zip(lon, lat, strict=True)
    ]
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    if len(pts) >= 3:
        draw.polygon(pts, fill=(230, 159, 0, 90), outline=(213, 94, 0, 255), width=3)
    else:
        draw.line(pts, fill=(213, 94, 0, 255), width=3)
    return RasterOverlay(oid, np.asarray(img), (w, s, e, n), opacity=1.0)


def _overlays(twin: Twin, filters: dict, lang: str) -> list:
    """Drawn in order: areas, the selection (a dark disc that rings the markers on it), the
    assessment markers, and the corners of an area being drawn."""
    overlays: list = []
    target = f.meta()["target"]
    if target and target.get("area_wkt"):
        import shapely

        ring = shapely.from_wkt(target["area_wkt"]).exterior.coords[:-1]
        overlays.append(_polygon_overlay([list(c) for c in ring], "cpted-area"))
    verts = st.session_state[S_VERTICES]
    drawn = _polygon_overlay(verts, "cpted-drawing") if verts else None
    if drawn is not None:
        overlays.append(drawn)
    if target:
        title = target_title(twin, target, lang)
        overlays.append(
            Markers(
                _TARGET_LAYER,
                [target["lon"]],
                [target["lat"]],
                ["target"],
                rgba=(20, 20, 20, 255),
                radius_m=8.0,
                tooltips=[(title, [])],
            )
        )
    overlays.append(markers_overlay(get_store(), twin, filters, lang))
    if verts:
        xy = np.asarray(verts, float)
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1])
        ids = [str(i) for i in range(len(xy))]
        overlays.append(
            Markers(
                _CORNER_LAYER,
                np.atleast_1d(lon).tolist(),
                np.atleast_1d(lat).tolist(),
                ids,
                rgba=(213, 94, 0, 255),
                radius_m=2.0,
            )
        )
    return overlays


def _target_or_say_why(slot: str, make, *args):
    """``make(*args)``, or None after showing its NL/EN message in ``slot``."""
    try:
        target = make(*args)
    except AssessmentInputError as exc:
        f.set_message(slot, "error", exc.text(form_language(language())))
        return None
    f.set_message(slot, None)
    return target


def _go_to_coordinate(twin: Twin) -> None:
    """Callback of the coordinate field: a spot from typed WGS84 or RD coordinates."""
    target = _target_or_say_why(
        "coord", target_from_spot, twin, st.session_state.get("cpted.coord") or ""
    )
    if target is not None:
        f.request_target(target)
        fly_to(MAP_KEY, lon=target.lon, lat=target.lat, zoom=17.5)


def _finish_area(twin: Twin, typed: bool = False) -> None:
    """Callback: the drawn (or typed) corners become an area target (≤ 5 ha)."""
    ss = st.session_state
    if typed:
        corners: list = [ln for ln in (ss.get("cpted.area_text") or "").splitlines() if ln.strip()]
    else:
        corners = [tuple(v) for v in ss[S_VERTICES]]
    target = _target_or_say_why("area", target_from_area, twin, corners)
    if target is not None:
        ss[S_VERTICES] = []
        ss["cpted.mode"] = "pick"
        f.request_target(target)


def _area_tools(twin: Twin) -> None:
    ss = st.session_state
    verts = ss[S_VERTICES]
    st.caption(t("cpted.area.hint", n=len(verts)))
    b1, b2, b3 = st.columns(3)
    b1.button(
        t("cpted.area.finish"),
        key="cpted-area-finish",
        type="primary",
        on_click=_finish_area,
        args=(twin,),
        disabled=len(verts) < 3,
    )
    b2.button(
        t("cpted.area.undo"),
        key="cpted-area-undo",
        disabled=not verts,
        on_click=lambda: ss[S_VERTICES].pop(),
    )
    b3.button(
        t("cpted.area.clear"),
        key="cpted-area-clear",
        disabled=not verts,
        on_click=lambda: ss.__setitem__(S_VERTICES, []),
    )
    with st.expander(t("cpted.area.typed")):
        st.text_area(
            t("cpted.area.typed_label"),
            key="cpted.area_text",
            height=110,
            placeholder="50.88820, 5.97950\n50.88840, 5.97990\n50.88800, 5.98010",
        )
        st.button(
            t("cpted.area.use_typed"),
            key="cpted-area-typed",
            on_click=_finish_area,
            args=(twin, True),
        )
    _message("area")


def _message(slot: str) -> None:
    msg = f.message(slot)
    if msg:
        getattr(st, msg[0])(md_escape(msg[1]))


def _map(twin: Twin, opts: dict, shown: pd.DataFrame) -> None:
    lang = language()
    ss = st.session_state
    ss.setdefault("cpted.mode", "pick")
    mode = st.segmented_control(
        t("cpted.mode.label"),
        options=["pick", "area"],
        required=True,
        format_func=lambda m: t(f"cpted.mode.{m}", lang=lang),
        key="cpted.mode",
    )
    streets = street_score_paint(twin, get_store(), lang) if opts["streets"] else None
    description = t("cpted.describe", n=min(len(shown), MAX_MARKERS))
    result = twin_map(
        twin,
        key=MAP_KEY,
        overlays=_overlays(twin, opts["filters"], lang),
        streets=streets,
        night=opts["night"],
        ground_click=True,
        description=description,
        height=620,
        on_pick=lambda pick: _on_pick(twin, pick),
    )
    if result.selection is not None and result.selection != ss.get(S_SEEN):
        # a selection set by other means than a click (tests, another page's hand-over): its
        # overlays show from the next run on
        _on_pick(twin, result.selection)
    _message("pick")
    st.markdown(
        legend_html(
            score_legend(lang),
            synthetic_badge=t("app.synthetic_badge"),
            source_label=t("app.source"),
        ),
        unsafe_allow_html=True,
    )
    st.caption(description)
    if len(shown) > MAX_MARKERS:
        st.warning(t("cpted.too_many_markers", n=len(shown), limit=MAX_MARKERS))
    c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
    c1.text_input(
        t("cpted.coord.label"),
        key="cpted.coord",
        placeholder="50.88820, 5.97950",
        help=t("cpted.coord.help"),
    )
    c2.button(t("cpted.coord.go"), key="cpted-coord-go", on_click=_go_to_coordinate, args=(twin,))
    _message("coord")
    if mode == "area":
        _area_tools(twin)


# -- below the map: list, exchange, reports ---------------------------------------------------
def _open_from_list() -> None:
    state = st.session_state.get("cpted-list")
    rows = getattr(getattr(state, "selection", None), "rows", None) or (
        (state or {}).get("selection", {}).get("rows", []) if isinstance(state, dict) else []
    )
    listed = st.session_state.get(S_LIST_IDS) or []
    if rows and rows[0] < len(listed):
        aid, lon, lat = listed[rows[0]]
        f.request_open(aid)
        fly_to(MAP_KEY, lon=lon, lat=lat, zoom=17.5)


def _list(twin: Twin, shown: pd.DataFrame, frame: pd.DataFrame) -> None:
    lang = language()
    form, flang = load_form(), form_language(lang)
    deleted = st.toggle(t("cpted.list.show_deleted"), key="cpted.show_deleted")
    if deleted:  # read only when asked: the table with deleted rows is a second query
        everything = assessments_frame(get_store(), include_deleted=True)
        rows = everything[everything["deleted"]]
    else:
        rows = shown
    rows = rows.sort_values("saved_at", ascending=False).head(MAX_LIST)
    st.session_state[S_LIST_IDS] = list(zip(rows["id"], rows["lon"], rows["lat"], strict=True))
    names = dict(zip(twin.streets["id"], twin.streets["name"], strict=True))
    kinds = {k: form.label(f"kind_{k}", flang) for k in ("building", "street", "spot", "area")}
    table = pd.DataFrame(
        {
            form.label("observed_at", flang): rows["observed_at"].str.slice(0, 10),
            form.label("target", flang): [
                f"{kinds.get(k, k)} {(names.get(i) if k == 'street' else i) or ''}".strip()
                for k, i in zip(rows["target_kind"], rows["target_id"], strict=True)
            ],
            form.label("buurt", flang): [
                twin.area_name(b) if isinstance(b, str) else "–" for b in rows["buurt"]
            ],
            form.label("overall", flang): rows["overall"].round(1),
            form.label("author", flang): rows["author"],
            form.label("version", flang): rows["current_version"],
            form.label("saved_at", flang): rows["saved_at"].str.slice(0, 16).str.replace("T", " "),
        }
    )
    if deleted:
        st.caption(t("cpted.list.deleted_caption", n=len(rows)))
    else:
        st.caption(
            t(
                "cpted.list.caption",
                shown=len(shown),
                total=len(frame),
                limit=MAX_LIST,
            )
        )
    st.dataframe(
        table,
        key="cpted-list",
        on_select=_open_from_list,
        selection_mode="single-row",
        hide_index=True,
        width="stretch",
    )


def _drafts_offer(twin: Twin) -> None:
    """Offer drafts an earlier session of this author left unsaved (a reload, a restart)."""
    if f.is_dirty():
        return
    try:
        author = f.acting_author().name
    except AssessmentInputError:
        return
    found = cpted_drafts.list_drafts(author, exclude=st.session_state[f.S_DRAFT]["id"])
    if not found:
        return
    lang = language()
    with st.container(border=True):
        st.info(t("cpted.drafts.found", n=len(found)), icon=":material/history:")
        for d in found:
            target = (d.get("meta") or {}).get("target")
            c1, c2, c3 = st.columns([3, 1, 1], vertical_alignment="center")
            c1.text(
                f"{d.get('updated', '')[:16].replace('T', ' ')} · "
                f"{target_title(twin, target, lang) if target else '–'}"
            )
            c2.button(
                t("cpted.drafts.restore"),
                key=f"cpted-draft-restore-{d['id']}",
                on_click=f.restore_draft,
                args=(d,),
            )
            c3.button(
                t("cpted.drafts.discard"),
                key=f"cpted-draft-discard-{d['id']}",
                on_click=cpted_drafts.remove_draft,
                args=(d["id"],),
            )


def render() -> None:
    twin = get_twin()
    f.init_state()
    st.session_state.setdefault(S_VERTICES, [])
    store = get_store()
    frame = assessments_frame(store)
    st.title(t("cpted.title"))
    st.caption(t("cpted.caption", n=len(frame), twin=twin.name))
    synthetic_notice(twin)
    opts = _sidebar(frame)
    shown = filtered_frame(frame, opts["filters"])
    _drafts_offer(twin)
    col_map, col_side = st.columns([3, 2], gap="medium")
    with col_map:
        _map(twin, opts, shown)
    with col_side:
        render_pending(twin)
        render_selection(twin)
        with st.container(border=True):
            render_form(twin)
    st.divider()
    lang = language()
    st.session_state.setdefault("cpted.section", "list")
    section = st.segmented_control(
        t("cpted.section.label"),
        options=["list", "exchange", "reports"],
        format_func=lambda s: t(f"cpted.section.{s}", lang=lang),
        required=True,
        key="cpted.section",
    )
    if section == "exchange":
        render_exchange(twin, frame)
    elif section == "reports":
        render_reports(twin, shown)
    else:
        _list(twin, shown, frame)
    f.autosave()


if __name__ == "__main__":
    render()
