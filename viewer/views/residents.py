"""Residents' view (public, read-only): your neighbourhood in plain language, and "what happened
with your input" — a contribution receipt looked up by its code.

Only aggregated, suppressed figures (``twin.public``): a buurt's value, the whole municipality's,
and the years before, with "<5" where the number would reveal too few people. Nothing here
writes anything; receipts are recorded by staff (Presentation page or ``socialtwin receipt``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from twin import Twin
from viewer.colouring import area_colouring
from viewer.i18n import has, language, t
from viewer.map import map_image, twin_map
from viewer.receipts import STAGES, Receipt, ReceiptError, ReceiptStore
from viewer.state import get_twin, indicator_label, indicator_years, synthetic_notice

__all__ = ["RESIDENT_TOPICS", "render"]

#: Indicators the residents' view offers, as plain questions (in this order, when present).
RESIDENT_TOPICS = (
    "perceived_unsafety_pct",
    "crime_burglary_per1000",
    "crime_vandalism_per1000",
    "crime_violence_per1000",
    "nuisance_reports_per1000",
    "liveability_score",
)
MAP_KEY = "residents"
_PICKED = "_residents.picked"


def _topics(twin: Twin) -> list[str]:
    return [n for n in RESIDENT_TOPICS if n in twin.indicators and indicator_years(twin, n)]


def _question(twin: Twin, name: str, lang: str) -> str:
    key = f"residents.topic.{name}"
    return t(key, lang=lang) if has(key) else indicator_label(twin, name, lang=lang)


def _receipt_section() -> None:
    st.subheader(t("residents.receipt.title"))
    st.write(t("residents.receipt.intro"))
    with st.form("residents.lookup_form", clear_on_submit=False, border=False):
        code = st.text_input(
            t("residents.receipt.code"),
            key="residents.code",
            placeholder="7K3M-Q9TR-2XHD",
            max_chars=24,
        )
        submitted = st.form_submit_button(t("residents.receipt.lookup"))
    if not submitted:
        return
    lang = language()
    try:
        with ReceiptStore() as store:
            receipt = store.lookup(code)
    except ReceiptError as err:
        st.error(err.text(lang), icon=":material/error:")
        return
    _show_receipt(get_twin(), receipt, lang)


def _show_receipt(twin: Twin, r: Receipt, lang: str) -> None:
    place = twin.area_name(r.buurt) if r.buurt in set(twin.neighbourhoods["code"]) else r.buurt
    st.success(t("residents.receipt.found", topic=r.topic, place=place, on=r.created_on))
    for stage in STAGES:
        reached = r.reached(stage)
        mark = "✅" if reached else "⬜"
        head = f"{mark} **{t(f'residents.stage.{stage}')}**"
        if reached:
            head += f" · {reached.on}"
        st.markdown(head)
        st.caption(t(f"residents.stage_explain.{stage}"))
        if reached and reached.note:
            st.markdown(f"> {reached.note}")
        if reached and stage == "effect" and reached.indicator in twin.indicators:
            st.dataframe(_trend(twin, reached.indicator, r.buurt, lang), hide_index=True)
    if r.current != "effect":
        st.info(t("residents.receipt.pending", stage=t(f"residents.stage.{r.current}")))


def _trend(twin: Twin, name: str, code: str, lang: str) -> pd.DataFrame:
    """The buurt's and the municipality's public values over the years."""
    pub = twin.public
    nb = twin.neighbourhoods
    city = [str(c) for c, lv in zip(nb["code"], nb["level"], strict=True) if lv == "gemeente"]
    rows = []
    for year in indicator_years(twin, name):
        row = {
            t("residents.col.year", lang=lang): str(year),
            twin.area_name(code): pub.display(name, code, year, lang=lang),
        }
        if city:
            row[twin.area_name(city[0])] = pub.display(name, city[0], year, lang=lang)
        rows.append(row)
    return pd.DataFrame(rows)


def _neighbourhood_section(twin: Twin) -> None:
    st.subheader(t("residents.area.title"))
    lang = language()
    topics = _topics(twin)
    if not topics:
        st.info(t("residents.area.no_topics"))
        return
    if _PICKED in st.session_state:
        st.session_state["residents.buurt"] = st.session_state.pop(_PICKED)
    buurten = sorted((str(c) for c in twin.buurten["code"]), key=twin.area_name)
    left, right = st.columns([1, 1])
    name = left.radio(
        t("residents.area.topic"),
        topics,
        key="residents.topic",
        format_func=lambda n: _question(twin, n, lang),
    )
    code = right.selectbox(
        t("residents.area.buurt"),
        buurten,
        index=None,
        placeholder=t("residents.area.pick"),
        key="residents.buurt",
        format_func=twin.area_name,
    )
    year = indicator_years(twin, name)[-1]
    paint, legend, _ = area_colouring(twin, name, year, level="buurt")
    col_map, col_text = st.columns([3, 2], gap="medium")
    with col_map:
        result = twin_map(
            twin,
            key=MAP_KEY,
            layers=("ground", "buildings", "outlines", "labels"),
            areas=paint,
            ground_click=True,
            height=520,
            description=t(
                "residents.area.describe", question=_question(twin, name, lang), year=year
            ),
            download=map_image(
                f"{name}-{year}",
                title=_question(twin, name, lang),
                subtitle=legend.title,
                legends=[legend],
                footer=twin.name,
                label=t("present.png.label"),
                hint=t("present.png.hint"),
                badge=t("app.synthetic_badge"),
            ),
        )
        st.caption(t("residents.area.click"))
    if result.pick is not None and result.pick.area and result.pick.area != code:
        st.session_state[_PICKED] = result.pick.area
        st.rerun()
    with col_text:
        _explain(twin, name, year, code, legend, lang)


def _explain(twin: Twin, name: str, year: int, code: str | None, legend, lang: str) -> None:
    pub = twin.public
    unit = str(twin.public.values[name].attrs.get("unit", ""))
    st.markdown(f"**{_question(twin, name, lang)}**")
    key = f"residents.explain.{name}"
    if has(key):
        st.write(t(key))
    nb = twin.neighbourhoods
    city = [str(c) for c, lv in zip(nb["code"], nb["level"], strict=True) if lv == "gemeente"]
    if code:
        value = pub.display(name, code, year, lang=lang)
        st.metric(
            t("residents.area.in", place=twin.area_name(code), year=year), f"{value} {unit}".strip()
        )
        if pub.is_suppressed(name, code, year):
            st.caption(t("residents.area.suppressed"))
    if city:
        st.metric(
            t("residents.area.in", place=twin.area_name(city[0]), year=year),
            f"{pub.display(name, city[0], year, lang=lang)} {unit}".strip(),
        )
    if code:
        st.dataframe(_trend(twin, name, code, lang), hide_index=True)
    source = f"{legend.source} ({legend.licence})" if legend.licence else legend.source
    st.caption(t("residents.area.source", source=source))
    if legend.synthetic:
        st.caption(t("residents.area.synthetic"))


def render() -> None:
    twin = get_twin()
    st.title(t("residents.title"))
    st.write(t("residents.intro"))
    synthetic_notice(twin)
    _receipt_section()
    st.divider()
    _neighbourhood_section(twin)
    st.divider()
    st.caption(t("residents.privacy"))


if __name__ == "__main__":
    render()
