"""Data and sources: the manifest as a readable table, and the layers a source did not provide."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from twin import Twin, indicator_names
from viewer.i18n import t
from viewer.state import get_twin, indicator_label, indicator_years

__all__ = ["indicator_table", "layer_table", "render"]


def _yes(flag: bool) -> str:
    return t("panel.yes") if flag else t("panel.no")


def layer_table(twin: Twin) -> pd.DataFrame:
    """One row per layer: count, source, licence, purpose, legal basis, date, synthetic."""
    counts = twin.counts()
    rows = []
    for name, m in sorted(twin.manifest.layers.items()):
        rows.append({
            t("sources.col.layer"): t(f"terms.layer.{name}") if name in counts else name,
            t("sources.col.count"): counts.get(name, 0),
            t("sources.col.source"): m.source,
            t("sources.col.licence"): m.licence,
            t("sources.col.purpose"): m.purpose,
            t("sources.col.legal_basis"): m.legal_basis,
            t("sources.col.date"): m.date,
            t("sources.col.synthetic"): _yes(m.synthetic),
            t("sources.col.min_count"): m.min_count,
            t("sources.col.url"): m.url,
            t("sources.col.notes"): m.notes,
        })  # fmt: skip
    return pd.DataFrame(rows)


def indicator_table(twin: Twin) -> pd.DataFrame:
    """One row per indicator: unit, years, source, licence, synthetic, minimum count."""
    rows = []
    for name in indicator_names(twin.indicators):
        m = twin.manifest.indicators[name]
        years = indicator_years(twin, name)
        rows.append({
            t("sources.col.indicator"): indicator_label(twin, name),
            t("sources.col.unit"): m.unit,
            t("sources.col.years"): f"{years[0]}–{years[-1]}" if len(years) > 1 else
            (str(years[0]) if years else "–"),
            t("sources.col.source"): m.source,
            t("sources.col.licence"): m.licence,
            t("sources.col.synthetic"): _yes(m.synthetic),
            t("sources.col.min_count"): m.min_count,
            t("sources.col.purpose"): m.purpose,
            t("sources.col.legal_basis"): m.legal_basis,
            t("sources.col.url"): m.url,
        })  # fmt: skip
    return pd.DataFrame(rows)


def render() -> None:
    twin = get_twin()
    st.title(t("sources.title"))
    st.markdown(t("sources.intro"))
    if twin.gaps:
        st.warning(t("app.gaps_notice", layers=", ".join(twin.gaps)), icon=":material/warning:")
    else:
        st.success(t("sources.no_gaps"))
    if twin.meta.get("synthetic_geometry") or twin.manifest.any_synthetic():
        st.info(t("app.synthetic_notice"), icon=":material/science:")
    st.subheader(t("sources.layers"))
    st.dataframe(layer_table(twin), hide_index=True, width="stretch", key="src.layers")
    st.subheader(t("sources.indicators"))
    st.dataframe(indicator_table(twin), hide_index=True, width="stretch", key="src.indicators")
    st.subheader(t("sources.privacy"))
    st.markdown(t("sources.privacy_text"))
    if twin.meta.get("attribution"):
        st.caption(f"{t('sources.attribution')}: {twin.meta['attribution']}")


if __name__ == "__main__":
    render()
