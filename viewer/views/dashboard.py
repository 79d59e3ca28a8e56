"""Neighbourhood dashboard: every indicator over time for one area, next to the municipality and
any other area; suppressed values read "<5"; sources listed."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from twin import Twin, indicator_names
from viewer.explain import ExplainRequest, explain_button
from viewer.i18n import language, t
from viewer.state import area_label, get_twin, indicator_label, synthetic_notice

__all__ = ["indicator_frame", "render"]

_NONE = "__none__"


def indicator_frame(twin: Twin, name: str, codes: list[str]) -> pd.DataFrame:
    """Long table (area, year, value, shown) of one indicator: ``shown`` is what readers see."""
    pub = twin.public
    lang = language()
    rows = []
    raw = twin.indicators[name]
    for code in codes:
        for year in raw["year"].to_numpy():
            y = int(year)
            if raw.sel(area=code, year=y).isnull() and not pub.is_suppressed(name, code, y):
                continue
            value = float(pub.values[name].sel(area=code, year=y))
            rows.append({"area": area_label(twin, code), "year": y, "value": value,
                         "shown": pub.display(name, code, y, lang=lang)})  # fmt: skip
    return pd.DataFrame(rows, columns=["area", "year", "value", "shown"])


def _chart(frame: pd.DataFrame, unit: str) -> alt.Chart:
    data = frame.dropna(subset=["value"])
    base = alt.Chart(data).encode(
        x=alt.X("year:O", title=None),
        y=alt.Y("value:Q", title=unit or None, scale=alt.Scale(zero=False)),
        color=alt.Color("area:N", title=None, legend=alt.Legend(orient="bottom", columns=1)),
        tooltip=["area:N", "year:O", "shown:N"],
    )
    return (base.mark_line() + base.mark_point(filled=True)).properties(height=170)


def render() -> None:
    twin = get_twin()
    st.title(t("dash.title"))
    synthetic_notice(twin)
    nb = twin.neighbourhoods
    areas = [str(c) for c, lv in zip(nb["code"], nb["level"], strict=True) if lv != "gemeente"]
    gemeente = [str(c) for c, lv in zip(nb["code"], nb["level"], strict=True) if lv == "gemeente"]
    lang = language()
    left, right = st.columns(2)
    code = left.selectbox(t("dash.area"), areas, format_func=lambda c: area_label(twin, c),
                          key="dash.area")  # fmt: skip
    other = right.selectbox(
        t("dash.compare"), [_NONE, *areas], key="dash.compare",
        format_func=lambda c: (
            t("dash.compare_none", lang=lang) if c == _NONE else area_label(twin, c)
        ),
    )  # fmt: skip
    explain_button(ExplainRequest("area", area=code), key="explain.dash")
    codes = [code, *gemeente, *([other] if other not in (_NONE, code) else [])]
    st.caption(t("dash.explain"))
    names = indicator_names(twin.indicators)
    st.session_state["_dash_indicators"] = names
    cols = st.columns(3)
    for i, name in enumerate(names):
        frame = indicator_frame(twin, name, codes)
        if frame.empty:
            continue
        unit = str(twin.indicators[name].attrs.get("unit", ""))
        m = twin.manifest.indicators.get(name)
        with cols[i % 3].container(border=True):
            badge = f" · :violet-badge[{t('app.synthetic_badge')}]" if m and m.synthetic else ""
            st.markdown(f"**{indicator_label(twin, name)}**{badge}")
            st.altair_chart(_chart(frame, unit), width="stretch")
            table = frame.pivot(index="area", columns="year", values="shown").fillna("–")
            table.columns = [str(c) for c in table.columns]
            st.dataframe(table, width="stretch", key=f"dash.table.{name}")
            if m:
                st.caption(f"{t('app.source')}: {m.source} ({m.licence})")
    st.subheader(t("dash.sources"))
    sources = sorted(
        {(m.source, m.licence, m.synthetic) for m in twin.manifest.indicators.values()}
    )
    for source, licence, synthetic in sources:
        flag = f" — **{t('app.synthetic_badge')}**" if synthetic else ""
        st.markdown(f"- {source} ({licence}){flag}")


if __name__ == "__main__":
    render()
