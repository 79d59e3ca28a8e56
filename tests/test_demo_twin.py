"""The embedded Heerlen demo: real figures, plausible generated geometry, honest labels."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from twin import RD_CRS


def test_counts_match_heerlen(demo):
    nb = demo.neighbourhoods
    assert (nb["level"] == "wijk").sum() == 23
    assert (nb["level"] == "buurt").sum() == 57
    assert (nb["level"] == "gemeente").sum() == 1
    assert nb["code"].str.match(r"^(GM0917|WK0917\d\d|BU0917\d{4})$").all()
    assert 25_000 <= len(demo.buildings) <= 50_000
    assert len(demo.streets) > 3_000
    assert len(demo.lights) > 5_000


def test_real_codes_and_names(demo):
    names = dict(zip(demo.neighbourhoods["code"], demo.neighbourhoods["name"], strict=True))
    assert names["BU09173300"] == "Heerlen-Centrum"
    assert names["WK091712"] == "Wijk 12 Hoensbroek-De Dem"
    assert names["BU09172300"] == "Verspreide huizen"


def test_everything_in_rd(demo):
    for name in ("neighbourhoods", "buildings", "streets", "lights", "ground"):
        assert demo.layer(name).crs.to_string() == RD_CRS


def test_buurten_tile_the_municipality(demo):
    buurten = demo.buurten.geometry.to_numpy()
    gemeente = demo.neighbourhoods.loc[demo.neighbourhoods["level"] == "gemeente"].geometry.iloc[0]
    assert shapely.coverage_is_valid(buurten)  # no overlaps, edges match
    total = shapely.area(buurten).sum()
    assert total / 1e6 == pytest.approx(45.5, rel=0.03)
    assert gemeente.area == pytest.approx(total, rel=1e-6)
    assert all(g.geom_type == "Polygon" for g in buurten)


def test_wijken_are_unions_of_their_buurten(demo):
    nb = demo.neighbourhoods
    for wijk in demo.wijken.itertuples():
        parts = nb.loc[nb["parent"] == wijk.code].geometry
        assert shapely.union_all(parts.to_numpy()).area == pytest.approx(
            wijk.geometry.area, rel=1e-6
        )


def test_dwellings_match_cbs_per_buurt(demo):
    built = demo.buildings.groupby("buurt")["dwellings"].sum()
    cbs = demo.indicators["dwellings"].sel(year=2019)
    for code in demo.buurten["code"]:
        real = float(cbs.sel(area=code))
        assert abs(built.get(code, 0) - real) <= max(0.02 * real, 1), code
    assert built.sum() == pytest.approx(45_834, rel=0.02)


def test_buildings_fit_their_type(demo):
    b = demo.buildings
    assert b["id"].is_unique
    assert shapely.is_valid(b.geometry.to_numpy()).all()
    res = b[b["use"] == "residential"]
    flats = res[res["dwellings"] >= 8]
    houses = res[res["dwellings"] == 1]
    assert flats["height"].median() > houses["height"].median() + 4
    assert houses["height"].between(5, 14).mean() > 0.95
    assert b["year_built"].between(1800, 2025).all()
    assert b.loc[b["use"] == "garage", "dwellings"].eq(0).all()
    assert 0.01 < b["vacant"].mean() < 0.1
    for use in ("residential", "retail", "office", "education", "industrial", "mixed"):
        assert (b["use"] == use).sum() > 0, use
    # buildings do not overlap each other (touching walls are fine)
    geoms = shapely.buffer(b.geometry.to_numpy(), -0.1, join_style="mitre")
    pairs = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    assert (pairs[0] != pairs[1]).sum() == 0


def test_street_network_is_connected(demo):
    s = demo.streets
    ends = np.concatenate(
        [
            shapely.get_coordinates(shapely.get_point(s.geometry.to_numpy(), 0)),
            shapely.get_coordinates(shapely.get_point(s.geometry.to_numpy(), -1)),
        ]
    )
    uniq, inv = np.unique(np.round(ends, 2), axis=0, return_inverse=True)
    m = len(s)
    graph = coo_matrix((np.ones(m), (inv[:m], inv[m:])), shape=(len(uniq), len(uniq)))
    n, _labels = connected_components(graph, directed=False)
    assert n == 1
    classes = set(s["highway"])
    assert {"primary", "secondary", "tertiary", "residential", "footway"} <= classes
    assert s["buurt"].notna().all()


def test_lights_spacing_and_dark_streets(demo):
    s, lights = demo.streets, demo.lights
    res = s[s["highway"] == "residential"]
    near = shapely.STRtree(lights.geometry.to_numpy())
    lit = np.zeros(len(res), bool)
    lit[near.query(res.geometry.to_numpy(), predicate="dwithin", distance=8.0)[0]] = True
    assert 0.6 < lit.mean() < 0.98  # most residential streets lit, some deliberately dark
    assert lights["height"].between(3, 12).all()
    assert lights["lumen"].between(1_000, 15_000).all()
    length_per_light = res.length.sum() / len(lights)
    assert 20 < length_per_light < 80


def test_ground_has_every_kind(demo):
    kinds = set(demo.ground["kind"])
    assert {"built", "road", "park", "water", "forest", "farmland"} <= kinds
    assert shapely.is_valid(demo.ground.geometry.to_numpy()).all()


def test_indicators_real_and_synthetic_are_labelled(demo):
    ds = demo.indicators
    assert set(ds.sizes) == {"year", "area"}
    assert list(ds["year"].to_numpy()) == [2016, 2017, 2018, 2019, 2020]
    for name in ("inhabitants", "crime_burglary_per1000", "pct_low_income", "woz_value"):
        assert ds[name].attrs["synthetic"] is False or ds[name].attrs["synthetic"] == 0
        assert "CBS" in ds[name].attrs["source"]
        assert ds[name].attrs["licence"] == "CC BY 4.0"
    for name in (
        "perceived_unsafety_pct",
        "liveability_score",
        "lbm_nuisance",
        "nuisance_reports_per1000",
        "vacancy_pct",
    ):
        assert bool(ds[name].attrs["synthetic"]) is True
        assert "ynthetic" in ds[name].attrs["source"]
    # a real figure, exactly as published
    assert float(ds["inhabitants"].sel(area="GM0917", year=2020)) == 87086
    assert float(ds["crime_burglary_per1000"].sel(area="BU09171001", year=2016)) == 6


def test_modelled_indicators_are_plausibly_correlated(demo):
    ds = demo.indicators.sel(area=demo.buurten["code"].to_numpy())
    unsafe = ds["perceived_unsafety_pct"].sel(year=2018).to_numpy()
    income = ds["pct_low_income"].sel(year=2018).to_numpy()
    live = ds["liveability_score"].sel(year=2018).to_numpy()
    ok = np.isfinite(unsafe) & np.isfinite(income)
    assert np.corrcoef(unsafe[ok], income[ok])[0, 1] > 0.3
    assert np.corrcoef(live[ok], unsafe[ok])[0, 1] < -0.3
    assert np.nanmin(live) >= 1 and np.nanmax(live) <= 9
    assert 8 < np.nanmean(unsafe) < 35


def test_manifest_complete(demo):
    m = demo.manifest
    for name in ("neighbourhoods", "buildings", "streets", "lights", "ground"):
        entry = m.layers[name]
        assert entry.source and entry.licence and entry.purpose and entry.legal_basis
        assert entry.synthetic is True
    for name in demo.indicators.data_vars:
        assert name in m.indicators
        assert m.indicators[name].min_count in (0, 5)


def test_demo_is_small_and_loads(demo):
    size = sum(p.stat().st_size for p in demo.path.iterdir())
    assert size < 25 * 2**20
