"""The whole embedded demo, analysed once (slow: ~15 s)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from twin.analytics import analyse_twin, analysis_summary


@pytest.mark.slow
def test_the_demo_analysis_in_summary_statistics(demo):
    analysis = analyse_twin(demo)
    seg = analysis.segments
    assert len(seg) == len(demo.streets)
    assert list(seg["id"]) == list(demo.streets["id"])
    length = seg["length_m"].to_numpy()
    # the demo's residential streets: 3000 lm at 5 m every ~35 m -> a few lux on average
    assert 1.5 < np.average(seg["lux_mean"], weights=length) < 4.0
    assert 0.2 < np.average(seg["dark_share"], weights=length) < 0.6
    assert seg["lux_min"].min() == 0.0  # the deliberately dark streets and unlit alleys
    assert seg["lux_mean"].max() < 40
    assert seg[["surveillance_day", "surveillance_night"]].stack().between(0, 1).all()
    night = np.average(seg["surveillance_night"], weights=length)
    day = np.average(seg["surveillance_day"], weights=length)
    assert 0.3 < night < 0.8 and day < night  # mostly homes: more eyes in the evening
    assert seg["cpted_indicator"].between(0, 100).all()
    # rasters: 5 m lux over the municipality, public space only; 10 m surveillance
    assert analysis.lux.attrs["res"] == 5.0 and analysis.surveillance_night.attrs["res"] == 10.0
    lux = analysis.lux.to_numpy()
    assert 0.3 < np.isnan(lux).mean() < 0.7  # outside the boundary, buildings, water
    assert 10 < np.nanmax(lux) < 60
    # hidden spots: many, ranked, each with a reason
    spots = analysis.hidden_spots
    assert 200 < len(spots) < 10_000
    assert spots["severity"].is_monotonic_decreasing and spots["reason"].str.len().min() > 40
    assert spots["buurt"].notna().all()
    # per buurt: all 57, with a feeling gap where crime is public (standardised: mean 0)
    b = analysis.buurten
    assert len(b) == 57 and b["street_km"].gt(0).all()
    gaps = b["feeling_gap"].dropna()
    assert len(gaps) >= 10 and abs(gaps.mean()) < 1e-9
    assert analysis.manifests["feeling_vs_fact"].synthetic  # perceived unsafety is modelled
    json.dumps(analysis_summary(analysis), allow_nan=False)
