"""Colourings the map page offers: buildings by use, year built or vacancy; areas by indicator.

Each returns what the map draws (a paint rule or an :class:`~viewer.map.AreaPaint`) and the
:class:`~layers.Legend` that explains it, with labels in the session language.
"""

from __future__ import annotations

import numpy as np

from layers import (
    BUILDING_USE_COLOURS,
    OCCUPANCY_COLOURS,
    Classified,
    Legend,
    classify_values,
    indicator_palette,
    legend_from_breaks,
    legend_from_categories,
    paint_classes,
    paint_lut,
)
from layers.constants import NO_DATA_RGBA, SUPPRESSED_RGBA
from twin import Twin, format_value
from viewer.i18n import language, t
from viewer.map import AreaPaint, area_paint_from_values
from viewer.state import indicator_label

__all__ = ["BUILDING_COLOURINGS", "area_colouring", "building_colouring"]

#: How buildings can be coloured on the map page.
BUILDING_COLOURINGS = ("none", "use", "year", "vacancy", "indicator")


def _geometry_source(twin: Twin) -> tuple[str, str, bool]:
    m = twin.manifest.layers.get("buildings")
    return (m.source, m.licence, m.synthetic) if m else ("", "", False)


def building_colouring(
    twin: Twin,
    by: str,
    *,
    k: int = 5,
    method: str = "quantile",
    palette: str = "viridis",
    area_paint: AreaPaint | None = None,
    area_legend: Legend | None = None,
) -> tuple[dict | None, Legend | None]:
    """Paint rule and legend for buildings coloured ``by`` one of :data:`BUILDING_COLOURINGS`."""
    source, licence, synthetic = _geometry_source(twin)
    if by == "none":
        return None, None
    if by == "use":
        uses = sorted({str(u) for u in twin.buildings["use"]})
        colours = [BUILDING_USE_COLOURS.get(u, (128, 128, 128, 255)) for u in uses]
        legend = legend_from_categories(
            t("map.colour.use"),
            [(c, t(f"terms.use.{u}")) for c, u in zip(colours, uses, strict=True)],
            source=source,
            licence=licence,
            synthetic=synthetic,
        )
        return paint_lut("use", colours), legend
    if by == "year":
        years = twin.buildings["year_built"].to_numpy(float)
        years = np.where(years > 0, years, np.nan)
        classified = classify_values(years, k=k, method=method, palette=palette)
        rule = paint_classes("year", classified)
        rule["zeroIsNoData"] = True
        legend = legend_from_breaks(
            t("map.colour.year"), classified.edges, classified.colours,
            fmt=lambda v: f"{v:.0f}", source=source, licence=licence, synthetic=synthetic,
            note=t(f"terms.method.{method}"),
        )  # fmt: skip
        return rule, legend
    if by == "vacancy":
        labels = [t("terms.occupancy.occupied"), t("terms.occupancy.vacant"),
                  t("terms.occupancy.none")]  # fmt: skip
        legend = legend_from_categories(
            t("map.colour.vacancy"), list(zip(OCCUPANCY_COLOURS, labels, strict=True)),
            source=source, licence=licence, synthetic=synthetic,
        )  # fmt: skip
        return paint_lut("occupancy", OCCUPANCY_COLOURS), legend
    if by == "indicator":
        if area_paint is None:
            return None, None
        codes = [str(c) for c in twin.neighbourhoods["code"]]
        lut = [list(area_paint.colours.get(c, NO_DATA_RGBA)) for c in codes]
        for row in lut:
            row[3] = 255
        return paint_lut("area", lut), area_legend
    raise ValueError(f"unknown building colouring {by!r}; use one of {BUILDING_COLOURINGS}")


def area_colouring(
    twin: Twin,
    name: str,
    year: int,
    *,
    level: str = "buurt",
    k: int = 5,
    method: str = "quantile",
    palette: str | None = None,
    extrude: bool = False,
) -> tuple[AreaPaint, Legend, Classified]:
    """Areas of ``level`` coloured by indicator ``name`` in ``year`` (suppressed shown as "<5")."""
    lang = language()
    pub = twin.public
    da = pub.values[name]
    areas = [str(a) for a, lv in zip(da["area"].to_numpy(), da["level"].to_numpy(), strict=True)
             if lv == level]  # fmt: skip
    values = da.sel(year=year, area=areas).to_series()
    mask = pub.mask[name].sel(year=year, area=areas).to_series()
    attrs = da.attrs
    min_count = int(attrs.get("min_count_effective", 5))
    default_palette, reverse = indicator_palette(str(attrs.get("higher_is", "neutral")))
    chosen = palette or default_palette
    fmt = lambda v: format_value(v, lang=lang)  # noqa: E731
    title = indicator_label(twin, name)
    paint, classified = area_paint_from_values(
        values, title=f"{title} {year}", level=level, k=k, method=method, palette=chosen,
        reverse=reverse if palette is None else False, suppressed=mask, fmt=fmt,
        suppressed_text=f"<{min_count}", extrude_m=400.0 if extrude else None,
    )  # fmt: skip
    m = twin.manifest.indicators.get(name)
    extra = [(NO_DATA_RGBA, t("map.legend.no_data"))]
    if bool(mask.any()):
        extra.insert(0, (SUPPRESSED_RGBA, t("map.legend.suppressed", n=min_count)))
    legend = legend_from_breaks(
        f"{title} ({year})", classified.edges, classified.colours, fmt=fmt,
        unit=str(attrs.get("unit", "")), source=m.source if m else str(attrs.get("source", "")),
        licence=m.licence if m else "",
        synthetic=bool(m.synthetic if m else attrs.get("synthetic")),
        note=f"{t('terms.level.' + level)} · {t('terms.method.' + method)}", extra_entries=extra,
    )  # fmt: skip
    return paint, legend, classified
