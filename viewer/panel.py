"""The side panel: attributes of what was picked, and its neighbourhood's indicators with sources.

Values come from ``twin.public`` (suppressed shown as "<5"); every page that shows a selection
can call :func:`selection_panel`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from twin import Twin
from viewer.explain import ExplainRequest, explain_button
from viewer.i18n import language, t
from viewer.map import Pick
from viewer.state import area_label, indicator_label

__all__ = ["area_indicator_table", "selection_panel"]


def area_indicator_table(twin: Twin, code: str, year: int | None = None) -> pd.DataFrame:
    """One row per indicator for area ``code``: value as shown ("<5", "–"), unit, year, source.

    The value is the one for ``year`` when the indicator has it, else its latest year.
    """
    lang = language()
    pub = twin.public
    rows = []
    for name in pub.values.data_vars:
        name = str(name)
        raw = twin.indicators[name].sel(area=code)
        years = [int(y) for y, v in zip(raw["year"].to_numpy(), raw.to_numpy(), strict=True)
                 if v == v]  # fmt: skip
        if not years:
            continue
        y = year if year in years else years[-1]
        m = twin.manifest.indicators.get(name)
        rows.append(
            {
                t("panel.col.indicator"): indicator_label(twin, name),
                t("panel.col.value"): pub.display(name, code, y, lang=lang),
                t("panel.col.unit"): str(pub.values[name].attrs.get("unit", "")),
                t("panel.col.year"): y,
                t("panel.col.source"): (m.source if m else "")
                + (f" — {t('app.synthetic_badge')}" if m and m.synthetic else ""),
            }
        )
    return pd.DataFrame(rows)


def _attributes(twin: Twin, pick: Pick) -> list[tuple[str, str]]:
    if pick.kind == "building":
        row = twin.buildings.iloc[pick.index]
        return [
            (t("panel.attr.id"), str(row["id"])),
            (t("map.attr.use"), t(f"terms.use.{row['use']}")),
            (t("map.attr.year_built"), str(int(row["year_built"]))),
            (t("map.attr.height"), f"{float(row['height']):.1f} m"),
            (t("map.attr.dwellings"), str(int(row["dwellings"]))),
            (t("map.attr.vacant"), t("panel.yes") if bool(row["vacant"]) else t("panel.no")),
        ]
    if pick.kind == "street":
        row = twin.streets.iloc[pick.index]
        name = (
            row["name"] if isinstance(row["name"], str) and row["name"] else t("map.attr.unnamed")
        )
        return [
            (t("panel.attr.name"), name),
            (t("map.attr.street_class"), t(f"terms.highway.{row['highway']}")),
            (t("panel.attr.id"), str(row["id"])),
        ]
    if pick.kind == "light":
        row = twin.lights.iloc[pick.index]
        return [
            (t("panel.attr.id"), str(row["id"])),
            (t("map.attr.lumen"), f"{float(row['lumen']):.0f}"),
            (t("map.attr.height"), f"{float(row['height']):.1f} m"),
        ]
    if pick.kind == "area":
        return [(t("panel.attr.name"), area_label(twin, pick.id))]
    if pick.kind == "marker":
        return [(t("panel.attr.id"), pick.id)]
    return []


def selection_panel(twin: Twin, pick: Pick | None, *, year: int | None = None) -> None:
    """Show the picked feature's attributes and its buurt's indicators with sources."""
    if pick is None:
        st.caption(t("panel.hint"))
        return
    st.subheader(t(f"panel.kind.{pick.kind}"))
    attrs = _attributes(twin, pick)
    attrs.append((t("panel.attr.coordinates"), f"{pick.lat:.6f}, {pick.lon:.6f}"))
    attrs.append((t("panel.attr.rd"), f"{pick.x:,.1f}, {pick.y:,.1f}"))
    # st.table, not st.dataframe: plain HTML text that screen readers (and tests) can read
    st.table(pd.DataFrame(attrs, columns=[t("panel.col.attribute"), t("panel.col.value")]),
             hide_index=True)  # fmt: skip
    if pick.area:
        st.markdown(f"**{t('panel.indicators_of', area=area_label(twin, pick.area))}**")
        st.table(area_indicator_table(twin, pick.area, year), hide_index=True)
        explain_button(ExplainRequest("area", area=pick.area), key=f"explain.panel.{pick.area}")
    else:
        st.caption(t("panel.outside"))
