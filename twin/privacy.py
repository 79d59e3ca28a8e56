"""Suppression of small counts: the one privacy primitive every consumer uses.

Layers, the assistant, exports and the dashboard never read ``twin.indicators`` directly; they
read :func:`public_indicators`, which hides every value that would reveal a count below the
indicator's minimum (CBS rule of thumb: fewer than 5 → shown as "<5").

Rules, per indicator and year:

1. **Primary.** The count behind a value is the value itself (kind ``count``), or
   ``value × base / per`` (``rate``), or ``value / 100 × base`` (``pct``), with ``base`` the
   population indicator named in the manifest. A value whose count is above 0 and below
   ``min_count`` is suppressed; so is any rate, percentage or score over a base smaller than
   ``min_base`` (too few people to publish a rate).
2. **Secondary (no differencing).** A parent area's value and its visible children would reveal a
   lone suppressed child by subtraction. So when exactly one child of a visible parent is
   suppressed, the visible child with the smallest count is suppressed too, or, if there is none,
   the parent. This repeats up the tree until nothing changes.

Suppressed values become NaN in :attr:`Suppressed.values` and True in :attr:`Suppressed.mask`;
they are never kept anywhere in the returned object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from twin.constants import DEFAULT_MIN_BASE, DEFAULT_MIN_COUNT

__all__ = ["Suppressed", "format_value", "public_indicators", "suppression_mask"]

_COUNT_KINDS = ("count", "rate", "pct")


@dataclass(frozen=True)
class Suppressed:
    """Indicators with small counts removed.

    Attributes
    ----------
    values : xr.Dataset
        Same variables, dims and attributes as the input; suppressed cells are NaN.
    mask : xr.Dataset
        Boolean, True where a value was suppressed (as opposed to missing in the source).
    """

    values: xr.Dataset
    mask: xr.Dataset

    def is_suppressed(self, name: str, area: str, year: int) -> bool:
        return bool(self.mask[name].sel(area=area, year=year))

    def display(
        self, name: str, area: str, year: int, *, lang: str = "nl", decimals: int | None = None
    ) -> str:
        """The value as a reader sees it: a number, "<5" when suppressed, "–" when missing."""
        value = float(self.values[name].sel(area=area, year=year))
        min_count = int(self.values[name].attrs.get("min_count_effective", DEFAULT_MIN_COUNT))
        return format_value(
            value,
            suppressed=self.is_suppressed(name, area, year),
            min_count=min_count,
            lang=lang,
            decimals=decimals,
        )


def format_value(
    value: float,
    *,
    suppressed: bool = False,
    min_count: int = DEFAULT_MIN_COUNT,
    lang: str = "nl",
    decimals: int | None = None,
) -> str:
    """Format one indicator value for reading.

    >>> format_value(12.345, lang="nl", decimals=1)
    '12,3'
    >>> format_value(float("nan"), suppressed=True)
    '<5'
    >>> format_value(45834.0, lang="en")
    '45,834'
    """
    if suppressed:
        return f"<{min_count}"
    if value is None or not np.isfinite(value):
        return "–"
    if decimals is None:
        decimals = 0 if float(value).is_integer() or abs(value) >= 100 else 1
    text = f"{value:,.{decimals}f}"
    if lang in ("nl", "de"):
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def _base_values(ds: xr.Dataset, base: str) -> xr.DataArray | None:
    """The base indicator, with missing years filled from the nearest year that has data."""
    if not base or base not in ds:
        return None
    da = ds[base].transpose("year", "area")
    frame = pd.DataFrame(da.to_numpy()).ffill().bfill()
    return xr.DataArray(frame.to_numpy(), dims=("year", "area"), coords=da.coords)


def _counts(ds: xr.Dataset, name: str) -> xr.DataArray | None:
    da = ds[name]
    kind = da.attrs.get("kind", "value")
    if kind == "count":
        return da
    base = _base_values(ds, da.attrs.get("base", ""))
    if base is None:
        return None
    if kind == "rate":
        return da * base / float(da.attrs.get("per", 1000) or 1000)
    if kind == "pct":
        return da / 100.0 * base
    return None


def _parents(ds: xr.Dataset) -> dict[str, list[int]]:
    """Map parent area code -> positions of its children along the ``area`` dim."""
    if "parent" not in ds.coords:
        return {}
    children: dict[str, list[int]] = {}
    for pos, parent in enumerate(ds["parent"].to_numpy()):
        if isinstance(parent, str) and parent:
            children.setdefault(parent, []).append(pos)
    return children


def _effective_min_count(da: xr.DataArray, floor: int) -> int:
    """The manifest's own minimum, raised to ``floor``; 0 (never suppress) stays 0."""
    own = int(da.attrs.get("min_count", floor))
    return 0 if own == 0 else max(own, floor)


def suppression_mask(
    ds: xr.Dataset,
    name: str,
    *,
    min_count: int = DEFAULT_MIN_COUNT,
    min_base: int = DEFAULT_MIN_BASE,
) -> xr.DataArray:
    """Boolean mask (year × area) of the values of ``name`` that must be suppressed."""
    da = ds[name]
    m = _effective_min_count(da, min_count)
    mask = xr.zeros_like(da, dtype=bool)
    if m == 0:
        return mask
    counts = _counts(ds, name)
    if counts is not None:
        mask = mask | ((counts > 0) & (counts < m))
    base = _base_values(ds, da.attrs.get("base", ""))
    if base is not None and da.attrs.get("kind") != "count":
        mask = mask | (base < min_base)
    mask = mask & da.notnull()
    if counts is None or da.attrs.get("kind") not in _COUNT_KINDS:
        return mask
    return _secondary(mask, counts.where(da.notnull()), _parents(ds), ds.sizes["area"])


def _secondary(
    mask: xr.DataArray, counts: xr.DataArray, children: dict[str, list[int]], n_area: int
) -> xr.DataArray:
    """Apply the no-differencing rule along ``area`` for every year."""
    m = mask.transpose("year", "area").to_numpy().copy()
    c = counts.transpose("year", "area").to_numpy()
    codes = list(mask["area"].to_numpy())
    pos_of = {code: i for i, code in enumerate(codes)}
    for y in range(m.shape[0]):
        changed = True
        while changed:
            changed = False
            for parent, kids in children.items():
                p = pos_of.get(parent)
                if p is None or m[y, p] or not np.isfinite(c[y, p]):
                    continue
                hidden = [k for k in kids if m[y, k]]
                if len(hidden) != 1:
                    continue
                visible = [k for k in kids if not m[y, k] and np.isfinite(c[y, k])]
                if visible:
                    m[y, min(visible, key=lambda k: (c[y, k], codes[k]))] = True
                else:
                    m[y, p] = True
                changed = True
    out = xr.DataArray(
        m, dims=("year", "area"), coords={"year": mask["year"], "area": mask["area"]}
    )
    return out.transpose(*mask.dims)


def public_indicators(
    ds: xr.Dataset, *, min_count: int = DEFAULT_MIN_COUNT, min_base: int = DEFAULT_MIN_BASE
) -> Suppressed:
    """Suppress small counts in every indicator of ``ds``.

    Parameters
    ----------
    ds : xr.Dataset
        Indicators with dims (year, area); variable attrs ``kind``, ``base``, ``per``,
        ``min_count`` as in the manifest; coordinate ``parent`` along ``area``.
    min_count : int
        A floor: an indicator's own ``min_count`` can raise it, never lower it (0 only when the
        manifest says 0, e.g. for a non-personal measure).
    min_base : int
        Rates, percentages and scores over fewer people than this are suppressed.
    """
    values: dict[str, Any] = {}
    masks: dict[str, Any] = {}
    for name in ds.data_vars:
        mask = suppression_mask(ds, str(name), min_count=min_count, min_base=min_base)
        da = ds[name].where(~mask)
        eff = _effective_min_count(ds[name], min_count)
        da.attrs = {**ds[name].attrs, "min_count_effective": eff}
        values[str(name)] = da
        masks[str(name)] = mask
    return Suppressed(
        values=xr.Dataset(values, coords=ds.coords, attrs=ds.attrs),
        mask=xr.Dataset(masks, coords=ds.coords),
    )
