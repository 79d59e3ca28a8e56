"""Suppression of small counts: no path reveals a value below the minimum count."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

from twin import format_value, public_indicators


def _dataset(counts_by_area, parents, kind="count", base=None):
    areas = list(counts_by_area)
    values = np.array([counts_by_area[a] for a in areas], dtype=float)[None, :]
    data = {
        "x": xr.DataArray(
            values,
            dims=("year", "area"),
            attrs={"kind": kind, "min_count": 5, "base": "pop" if base else "", "per": 1000},
        )
    }
    if base is not None:
        data["pop"] = xr.DataArray(
            np.array([base[a] for a in areas], float)[None, :],
            dims=("year", "area"),
            attrs={"kind": "count", "min_count": 0},
        )
    return xr.Dataset(
        data,
        coords={
            "year": [2020],
            "area": areas,
            "parent": ("area", [parents.get(a, "") for a in areas]),
        },
    )


@st.composite
def trees(draw):
    """A gemeente with wijken with buurten, each buurt with a random count; parents are sums."""
    n_wijk = draw(st.integers(1, 4))
    counts, parents = {}, {}
    total = 0
    for w in range(n_wijk):
        wcode = f"WK{w}"
        parents[wcode] = "GM"
        wsum = 0
        for b in range(draw(st.integers(1, 4))):
            bcode = f"BU{w}{b}"
            parents[bcode] = wcode
            c = draw(st.integers(0, 40))
            counts[bcode] = c
            wsum += c
        counts[wcode] = wsum
        total += wsum
    counts["GM"] = total
    return counts, parents


@given(trees())
def test_no_visible_count_below_threshold(tree):
    counts, parents = tree
    out = public_indicators(_dataset(counts, parents))
    v = out.values["x"].to_numpy()[0]
    visible = v[np.isfinite(v)]
    assert not ((visible > 0) & (visible < 5)).any()


@given(trees())
def test_no_lone_suppressed_child_under_a_visible_parent(tree):
    counts, parents = tree
    out = public_indicators(_dataset(counts, parents))
    mask = dict(zip(out.mask["area"].to_numpy(), out.mask["x"].to_numpy()[0], strict=True))
    for parent in set(parents.values()):
        kids = [a for a, p in parents.items() if p == parent]
        hidden = [k for k in kids if mask[k]]
        if not mask[parent]:
            # otherwise parent minus visible children reveals the hidden child
            assert len(hidden) != 1


@given(trees())
def test_suppressed_values_are_gone(tree):
    counts, parents = tree
    out = public_indicators(_dataset(counts, parents))
    m = out.mask["x"].to_numpy()
    assert np.isnan(out.values["x"].to_numpy()[m]).all()
    assert "x" in out.values and out.values["x"].attrs["min_count_effective"] == 5


@given(st.integers(0, 3000), st.floats(0, 60))
def test_rates_hide_small_counts_and_small_bases(pop, rate):
    ds = _dataset({"A": rate}, {}, kind="rate", base={"A": pop})
    out = public_indicators(ds)
    count = rate * pop / 1000
    hidden = bool(out.mask["x"].to_numpy()[0, 0])
    if pop < 50 or 0 < count < 5:
        assert hidden
    else:
        assert not hidden


def test_zero_min_count_is_never_suppressed():
    ds = _dataset({"A": 2.0}, {})
    ds["x"].attrs["min_count"] = 0
    assert not public_indicators(ds).mask["x"].any()


def test_demo_in_de_cramer_is_suppressed(demo):
    # In de Cramer has 5 inhabitants: no rate, percentage or score may be shown for it
    pub = demo.public
    assert pub.is_suppressed("perceived_unsafety_pct", "BU09173002", 2020)
    assert pub.display("perceived_unsafety_pct", "BU09173002", 2020) == "<5"
    assert not pub.is_suppressed("inhabitants", "BU09173002", 2020)
    assert pub.display("inhabitants", "GM0917", 2020, lang="nl") == "87.086"


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (1234.5, "nl", "1.234"),
        (12.34, "en", "12.3"),
        (0.5, "de", "0,5"),
        (float("nan"), "nl", "–"),
    ],
)
def test_format_value(value, lang, expected):
    assert format_value(value, lang=lang) == expected
