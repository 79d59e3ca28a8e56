"""Hidden spots, the street CPTED indicator, feeling vs fact, the cache and the manifests."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from twins import BUURT, house, indicator_attrs, indicator_manifests, lamp, make_twin, street

from twin import Manifest
from twin.analytics import (
    AnalysisSettings,
    CptedWeights,
    analyse_twin,
    analysis_summary,
    cpted_indicator,
    feeling_vs_fact,
)
from twin.privacy import public_indicators


def _neighbourhood():
    """A lit street lined with homes (y = 0) and, behind the homes' gardens, an unlit back
    alley (y = 40) between rows of garden sheds that hide it from the back windows."""
    homes = [house(x, 8) for x in range(0, 100, 10)] + [house(x, -18) for x in range(0, 100, 10)]
    sheds = [house(x, 30, w=8, d=6, use="garage", height=2.5) for x in range(0, 100, 10)]
    sheds += [house(x, 44, w=8, d=6, use="garage", height=2.5) for x in range(0, 100, 10)]
    streets = [
        street([(0, 0), (100, 0)], name="Voorstraat"),
        street([(0, 40), (100, 40)], highway="footway", name="Achterpad"),
    ]
    lights = [lamp(x, 4.0) for x in range(0, 101, 25)]
    return make_twin([*homes, *sheds], streets, lights, area=(-50, -50, 150, 150))


def test_hidden_spots_find_the_dark_unwatched_alley_and_not_the_lit_street():
    analysis = analyse_twin(_neighbourhood(), use_cache=False)
    seg = analysis.segments.set_index("name")
    assert seg.loc["Achterpad", "surveillance_night"] < 0.1
    assert seg.loc["Achterpad", "lux_mean"] < 1.0
    spots = analysis.hidden_spots
    assert len(spots) >= 1
    top = spots.iloc[0]
    assert top["rank"] == 1 and top["street_name"] == "Achterpad" and top["highway"] == "footway"
    assert top["lux_max"] < 1.0 and top["night_max"] < 0.2
    assert top["path_m"] > 50 and top["area_m2"] >= 500
    assert "dark: mean" in top["reason"] and "unobserved at night" in top["reason"]
    assert top["buurt"] == BUURT
    assert list(spots["rank"]) == list(range(1, len(spots) + 1))
    assert spots["severity"].is_monotonic_decreasing
    assert (
        spots.crs.to_epsg() == 28992
        and spots.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    )
    # no spot touches the lit street
    voor = analysis.segments.set_index("name").loc["Voorstraat", "geometry"]
    assert not spots.intersects(voor.buffer(3)).any()


def test_lighting_the_alley_removes_its_hidden_spot():
    twin = _neighbourhood()
    before = analyse_twin(twin, use_cache=False).hidden_spots
    lamps = make_twin(
        lights=[
            *(lamp(x, 4.0) for x in range(0, 101, 25)),
            *(lamp(x, 40) for x in range(0, 101, 20)),
        ]
    ).lights
    after = analyse_twin(twin.replace_layers(lights=lamps), use_cache=False).hidden_spots
    assert (before["street_name"] == "Achterpad").any()
    assert not (after["street_name"] == "Achterpad").any()


def test_cpted_weights_are_visible_adjustable_and_checked():
    w = CptedWeights()
    assert sum(w.to_dict().values()) == pytest.approx(1.0)
    assert set(w.to_dict()) == set(w.components)
    with pytest.raises(ValueError, match="CPTED weights must be zero or more"):
        CptedWeights(vacancy=-1)
    with pytest.raises(ValueError, match="at least one CPTED weight must be above zero"):
        CptedWeights(**dict.fromkeys(w.components, 0.0))


def test_cpted_indicator_is_the_weighted_mean_of_known_components():
    comp = pd.DataFrame(
        {
            "lighting_level": [0.5, 0.5],
            "lighting_continuity": [1.0, 1.0],
            "surveillance_night": [0.0, 0.0],
            "surveillance_day": [1.0, 1.0],
            "vacancy": [1.0, 1.0],
            "experts": [np.nan, 1.0],
        }
    )
    w = CptedWeights()
    out = cpted_indicator(comp, w)
    # without experts: (0.2*0.5 + 0.2*1 + 0.25*0 + 0.1*1 + 0.1*1) / 0.85 = 0.5 / 0.85
    assert out["cpted_indicator"].iloc[0] == pytest.approx(100 * 0.5 / 0.85)
    assert out["cpted_indicator"].iloc[1] == pytest.approx(100 * (0.5 + 0.15) / 1.0)
    assert (
        out["cpted_basis"].iloc[0]
        == "lighting_level+lighting_continuity+surveillance_night+surveillance_day+vacancy"
    )
    only_light = cpted_indicator(comp, CptedWeights(0, 1, 0, 0, 0, 0))
    assert only_light["cpted_indicator"].tolist() == [100.0, 100.0]


def test_experts_scores_enter_the_indicator_per_segment_and_per_buurt():
    twin = _neighbourhood()
    plain = analyse_twin(twin).segments
    assert plain["cpted_experts"].isna().all()
    poor = analyse_twin(twin, expert_buurten=pd.Series({BUURT: 1.0})).segments
    assert (poor["cpted_experts"] == 0.0).all()
    assert (poor["cpted_indicator"] < plain["cpted_indicator"]).all()
    mixed = analyse_twin(
        twin,
        expert_buurten=pd.Series({BUURT: 1.0}),
        expert_segments=pd.Series({"T.weg.1": 5.0}),
    ).segments.set_index("id")
    assert mixed.loc["T.weg.1", "cpted_experts"] == 1.0  # its own score wins
    assert mixed.loc["T.weg.0", "cpted_experts"] == 0.0  # from the buurt
    assert "experts" in mixed.loc["T.weg.1", "cpted_basis"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"expert_segments": pd.Series({"T.weg.0": 7.0})}, "experts' scores must be 1–5"),
        ({"expert_segments": pd.Series({"T.weg.0": "good"})}, "experts' scores must be 1–5"),
        ({"expert_segments": pd.Series({"nope": 3.0})}, "unknown street segment ids, e.g. 'nope'"),
        ({"expert_buurten": pd.Series({"BU00000000": 3.0})}, "unknown buurt codes"),
    ],
)
def test_bad_experts_scores_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        analyse_twin(_neighbourhood(), **kwargs)


def _feeling_dataset(perceived, burglary, violence, *, synthetic=True, inhabitants=None):
    n = len(perceived)
    codes = [f"BU0999000{i}" for i in range(n)]
    attrs_p = indicator_attrs("pct", synthetic=synthetic)
    attrs_c = indicator_attrs("rate", synthetic=False, source="CBS")
    data = {
        "perceived_unsafety_pct": (("year", "area"), [perceived], attrs_p),
        "crime_burglary_per1000": (("year", "area"), [burglary], attrs_c),
        "crime_violence_per1000": (("year", "area"), [violence], attrs_c),
    }
    if inhabitants is not None:
        for name in ("crime_burglary_per1000", "crime_violence_per1000"):
            data[name][2].update(base="inhabitants")
        data["inhabitants"] = (
            ("year", "area"),
            [inhabitants],
            {**indicator_attrs("count", synthetic=False), "min_count": 0},
        )
    ds = xr.Dataset(
        data,
        coords={
            "year": [2018],
            "area": np.array(codes, dtype=object),
            "level": ("area", np.array(["buurt"] * n, dtype=object)),
            "name": ("area", np.array(codes, dtype=object)),
            "parent": ("area", np.array([""] * n, dtype=object)),
        },
    )
    return ds, Manifest(indicators=indicator_manifests(ds))


def test_feeling_vs_fact_by_hand():
    # perceived 10..50: mean 30, sd sqrt(200) = 14.142 -> z = -1.414, -0.707, 0, 0.707, 1.414
    # crime (sum of the two rates) 50..10: z = +1.414 .. -1.414; gap = z_p - z_c = 2 z_p
    # the sixth buurt has a suppressed rate: no gap, and it is left out of the standardising
    ds, manifest = _feeling_dataset(
        [10, 20, 30, 40, 50, 99], [40, 30, 20, 10, 0, 5], [10, 10, 10, 10, 10, np.nan]
    )
    out = feeling_vs_fact(ds, manifest)
    s = np.sqrt(200.0)
    assert out["z_perceived"].iloc[:5].tolist() == pytest.approx(
        [-20 / s, -10 / s, 0, 10 / s, 20 / s]
    )
    assert out["feeling_gap"].iloc[:5].tolist() == pytest.approx(
        [-40 / s, -20 / s, 0, 20 / s, 40 / s]
    )
    assert np.isnan(out["feeling_gap"].iloc[5])
    assert out["reading"].tolist() == [
        "feels safer than crime suggests",
        "feels safer than crime suggests",
        "in line",
        "feels less safe than crime suggests",
        "feels less safe than crime suggests",
        "no data",
    ]
    assert out.attrs["synthetic"] is True and out.attrs["year"] == 2018
    assert "5 of 6 buurten" in out.attrs["note"]
    real, manifest = _feeling_dataset(
        [10, 20, 30, 40, 50], [1, 2, 3, 4, 5], [1, 1, 1, 1, 1], synthetic=False
    )
    assert feeling_vs_fact(real, manifest).attrs["synthetic"] is False


def test_feeling_vs_fact_uses_only_public_values():
    # buurt 0 has 60 inhabitants and 2 burglaries per 1000: 0.12 burglaries, a count below 5,
    # so the public view hides it and the buurt gets no gap
    ds, manifest = _feeling_dataset(
        [10, 20, 30, 40, 50, 60],
        [2, 30, 20, 10, 15, 25],
        [10, 10, 10, 10, 10, 10],
        inhabitants=[60, 5000, 5000, 5000, 5000, 5000],
    )
    public = public_indicators(ds).values
    assert np.isnan(float(public["crime_burglary_per1000"].isel(area=0, year=0)))
    out = feeling_vs_fact(public, manifest)
    assert np.isnan(out["feeling_gap"].iloc[0]) and out["reading"].iloc[0] == "no data"
    assert out["feeling_gap"].iloc[1:].notna().all()


def test_feeling_vs_fact_without_the_inputs_says_so():
    ds, manifest = _feeling_dataset([10, 20, 30, 40, 50], [1, 2, 3, 4, 5], [1, 1, 1, 1, 1])
    out = feeling_vs_fact(ds.drop_vars("perceived_unsafety_pct"), manifest)
    assert out["feeling_gap"].isna().all()
    assert "lacks perceived_unsafety_pct" in out.attrs["note"]
    with pytest.raises(ValueError, match="no indicator year 1999"):
        feeling_vs_fact(ds, manifest, year=1999)


def test_the_cache_is_keyed_by_the_twin_fingerprint():
    twin = _neighbourhood()
    first = analyse_twin(twin)
    assert analyse_twin(twin) is first
    # a scenario moves the lights: a new twin, a new fingerprint, a new analysis
    moved = twin.lights.copy()
    moved["geometry"] = moved.geometry.translate(0, 36)
    scenario = twin.replace_layers(lights=moved)
    second = analyse_twin(scenario)
    assert second is not first and second.fingerprint != first.fingerprint
    assert not np.allclose(
        np.nan_to_num(second.lux.to_numpy()), np.nan_to_num(first.lux.to_numpy())
    )
    assert analyse_twin(twin) is first  # the baseline stays cached
    # other weights reuse the physical part: same rasters, new indicator
    reweighted = analyse_twin(twin, weights=CptedWeights(surveillance_night=1.0))
    assert reweighted.lux is first.lux and reweighted.hidden_spots is first.hidden_spots
    assert not reweighted.segments["cpted_indicator"].equals(first.segments["cpted_indicator"])
    assert analyse_twin(twin, use_cache=False) is not first
    assert analyse_twin(twin, settings=AnalysisSettings(dark_lux=2.0)) is not first


def test_every_output_has_a_manifest_saying_computed_from_and_synthetic():
    analysis = analyse_twin(_neighbourhood())
    expected = {
        "lux",
        "surveillance_day",
        "surveillance_night",
        "segments",
        "hidden_spots",
        "buurten",
        "feeling_vs_fact",
    }
    assert set(analysis.manifests) == expected
    for name, m in analysis.manifests.items():
        assert m.source.startswith("computed from"), name
        assert m.synthetic is True, name  # the test twin's layers are synthetic
        assert "SYNTHETIC" in m.notes, name
    assert "not a prediction" in analysis.manifests["segments"].notes
    assert "not a prediction" in analysis.manifests["buurten"].notes
    assert analysis.lux.attrs["source"] == analysis.manifests["lux"].source
    assert analysis.segments.attrs["manifest"]["source"].startswith("computed from streets")
    assert analysis.hidden_spots.attrs["manifest"]["synthetic"] is True
    assert analysis.buurten.attrs["manifest"] == analysis.manifests["buurten"].to_dict()
    assert analysis.synthetic


def test_summary_is_plain_json_with_every_buurt():
    analysis = analyse_twin(_neighbourhood())
    summary = analysis_summary(analysis)
    text = json.dumps(summary, allow_nan=False)
    assert "not a prediction" in text
    assert [b["code"] for b in summary["buurten"]] == [BUURT]
    row = summary["buurten"][0]
    issue = "lux_mean lux_min dark_share surveillance_day surveillance_night hidden_spots"
    assert set(issue.split()) | {"cpted_indicator", "feeling_gap"} <= set(row)
    assert summary["totals"]["segments"] == 2
    spot = summary["hidden_spots"][0]
    assert spot["rank"] == 1 and 5.8 < spot["lon"] < 6.1 and 50.8 < spot["lat"] < 51.0
    assert summary["weights"] == CptedWeights().to_dict()


def test_buurt_summary_is_length_weighted_over_segments():
    analysis = analyse_twin(_neighbourhood())
    seg = analysis.segments
    b = analysis.buurten.loc[BUURT]
    w = seg["length_m"]
    assert b["lux_mean"] == pytest.approx((seg["lux_mean"] * w).sum() / w.sum())
    assert b["lux_min"] == pytest.approx(seg["lux_min"].min())
    assert b["street_km"] == pytest.approx(0.2)
    assert b["hidden_spots"] == len(analysis.hidden_spots)
