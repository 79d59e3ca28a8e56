"""The Monte-Carlo engine: golden cases computed by hand, and invariants as properties."""

from __future__ import annotations

import copy
import math
import tomllib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios import (
    INTERVENTION_IDS,
    Scenario,
    ScenarioModel,
    intervention_catalogue,
    model_from_twin,
    run_scenario,
    scenario_from_dict,
)
from scenarios.registry import registry_from_dict, registry_path
from scenarios.scenario import Targets

CENTRUM = "BU09173300"
NORM = {"80": 1.2815516, "95": 1.9599640}


def scen(*items, name="s", **settings_):
    return scenario_from_dict(
        {"scenario": {"name": name, **settings_}, "intervention": list(items)}
    )


@pytest.fixture(scope="module")
def model(demo):
    return model_from_twin(demo)


@pytest.fixture(scope="module")
def small_model(small):
    return model_from_twin(small)


@pytest.fixture(scope="module")
def exact_model(demo):
    """A near-deterministic registry: SE tiny, no tau or transfer spread, fixed ring c."""
    with open(registry_path(), "rb") as fh:
        raw = tomllib.load(fh)
    raw = copy.deepcopy(raw)
    for e in raw["entry"]:
        if e["estimate"]:
            e.update(ln_rr_se=0.001, tau=0.0, sigma_transfer=0.0)
    raw["defaults"]["none_sd"] = 0.01
    for o in raw["outcomes"].values():
        o["cap"] = 0.9
    for p in raw["ring_priors"].values():
        p["sd"] = 0.0
    return ScenarioModel(twin=demo, registry=registry_from_dict(raw))


def ratio_in(result, area, outcome, horizon):
    ds = result.dataset
    s = ds["scenario"].sel(area=area, outcome=outcome, horizon=horizon).to_numpy()
    b = ds["baseline"].sel(area=area, outcome=outcome).to_numpy()
    return s / b


# -- golden cases: one intervention, one area --------------------------------------------------
def test_golden_lighting_whole_buurt_year3(model):
    """Lighting over all of Centrum: RR = max(exp(N(ln .86, s)), 1 − cap) per draw.

    s = sqrt(0.077² + 0.15² + 0.10²) = 0.1960; cap 21.9 % → floor 0.781.
    median 0.860; 80 %: 0.669 → capped 0.781, 1.106; 95 % upper 1.263; P(RR < 1) = Φ(0.769) = 0.779.
    """
    r = run_scenario(model, scen({"type": "street_lighting", "areas": [CENTRUM]}))
    x = ratio_in(r, CENTRUM, "burglary", 3)
    q = np.quantile(x, [0.1, 0.5, 0.9, 0.975])
    assert q[1] == pytest.approx(0.860, abs=0.008)
    assert q[0] == pytest.approx(0.781, abs=1e-4)  # the RCT cap binds the lower tail
    assert q[2] == pytest.approx(1.106, abs=0.015)
    assert q[3] == pytest.approx(1.263, abs=0.025)
    assert np.mean(x < 1) == pytest.approx(0.779, abs=0.015)
    # year 1 gets 0.8 of the log effect (physical profile): median 0.86^0.8 = 0.886
    assert np.median(ratio_in(r, CENTRUM, "burglary", 1)) == pytest.approx(0.886, abs=0.008)
    # a buurt far away is untouched, draw for draw
    far = ratio_in(r, "BU09174200", "burglary", 3)
    assert np.all(far == 1.0)


def test_golden_exact_combination_rules(exact_model):
    m = exact_model
    light = {"type": "street_lighting", "areas": [CENTRUM]}
    cctv = {"type": "cctv", "areas": [CENTRUM]}
    patrol = {"type": "foot_patrol", "areas": [CENTRUM], "hours_per_week": 40.0}
    one = run_scenario(m, scen(light))
    assert np.median(ratio_in(one, CENTRUM, "burglary", 3)) == pytest.approx(0.86, abs=1e-3)
    # same mechanism (surveillance): the larger (CCTV −16 %) in full + 0.5 × lighting (−14 %)
    same = run_scenario(m, scen(light, cctv))
    assert np.median(ratio_in(same, CENTRUM, "burglary", 3)) == pytest.approx(
        1 - 0.16 - 0.5 * 0.14, abs=1e-3
    )
    # different mechanisms multiply: lighting 0.86 × patrol 0.84 on vandalism
    both = run_scenario(m, scen(light, patrol))
    assert np.median(ratio_in(both, CENTRUM, "vandalism", 1)) == pytest.approx(
        0.86**0.8 * 0.84, abs=1e-3
    )
    # patrol at 10 h/week gets a quarter of the log effect (dose reference 40 h)
    quarter = run_scenario(m, scen(patrol | {"hours_per_week": 10.0}))
    assert np.median(ratio_in(quarter, CENTRUM, "vandalism", 1)) == pytest.approx(
        0.84**0.25, abs=1e-3
    )
    # patrol for one year: deterrence ends when stopped
    stopped = run_scenario(m, scen(patrol | {"duration_years": 1.0}))
    assert np.all(ratio_in(stopped, CENTRUM, "vandalism", 3) == 1.0)


def test_golden_ring_diffusion(exact_model):
    """A neighbour buurt in the ring: ratio = 1 + ring share × c × (RR − 1), c = 0.3."""
    m = exact_model
    r = run_scenario(m, scen({"type": "street_lighting", "areas": [CENTRUM]}))
    idx = m.index
    _, ring = idx.zones(Targets(areas=(CENTRUM,)), 25.0, 200.0, "dwellings")
    shares = idx.shares(ring, "dwellings")
    areas = list(m.baseline().areas)
    neighbour = areas[int(np.argmax(shares))]
    expect = 1 + shares.max() * 0.3 * (0.86 - 1)
    assert shares.max() > 0.05
    assert np.median(ratio_in(r, neighbour, "burglary", 3)) == pytest.approx(expect, abs=1e-3)


def test_golden_cap(exact_model, model):
    # burglary proofing (−26 %) over all of Centrum is capped at the RCT maximum (−21.9 %)
    r = run_scenario(model, scen({"type": "burglary_proofing", "areas": [CENTRUM]}))
    assert np.min(ratio_in(r, CENTRUM, "burglary", 3)) == pytest.approx(0.781, abs=1e-4)
    # with a lenient cap the full effect shows, scaled by the share of dwellings treated
    half = run_scenario(
        exact_model,
        scen({"type": "burglary_proofing", "areas": [CENTRUM], "share_of_dwellings": 0.5}),
    )
    assert np.median(ratio_in(half, CENTRUM, "burglary", 3)) == pytest.approx(
        1 - 0.5 * 0.26, abs=1e-3
    )


def test_golden_moderator_foot_patrol(exact_model):
    """Violence: only buurten in the top 40 % of baseline violence get the −23 % mean."""
    m = exact_model
    base = m.baseline()
    o = base.outcomes.index("violence")
    top = base.areas[int(np.argmax(base.rate_rank[:, o]))]
    low = base.areas[int(np.argmin(np.where(base.inhabitants > 500, base.rate_rank[:, o], 9)))]
    r = run_scenario(m, scen({"type": "foot_patrol", "areas": [top, low], "hours_per_week": 40.0}))
    assert np.median(ratio_in(r, top, "violence", 1)) == pytest.approx(0.77, abs=1e-3)
    assert np.median(ratio_in(r, low, "violence", 1)) == pytest.approx(1.0, abs=2e-3)


def test_golden_evidence_worked_example():
    """EVIDENCE.md §6.6: renovation RR 0.61 (0.50–0.72) with greening 0.932 (0.894–0.973),
    tau 0.15 each, independent: median 0.57, 80 % 0.42–0.77, 95 % 0.36–0.90."""
    se = [(math.log(0.72) - math.log(0.50)) / 3.92, (math.log(0.973) - math.log(0.894)) / 3.92]
    mean = math.log(0.61) + math.log(0.932)
    sd = math.sqrt(sum(s**2 + 0.15**2 for s in se))
    assert math.exp(mean) == pytest.approx(0.57, abs=0.005)
    assert math.exp(mean - NORM["80"] * sd) == pytest.approx(0.42, abs=0.005)
    assert math.exp(mean + NORM["80"] * sd) == pytest.approx(0.77, abs=0.005)
    assert math.exp(mean - NORM["95"] * sd) == pytest.approx(0.36, abs=0.005)
    assert math.exp(mean + NORM["95"] * sd) == pytest.approx(0.90, abs=0.005)


def test_golden_baseline_from_public_values(model, demo):
    base = model.baseline()
    pub = demo.public.values
    o = base.outcomes.index("burglary")
    for i, code in enumerate(base.areas):
        rates = pub["crime_burglary_per1000"].sel(area=code, year=[2016, 2017, 2018]).to_numpy()
        inh = pub["inhabitants"].sel(area=code, year=[2016, 2017, 2018]).to_numpy()
        if np.isfinite(rates).all():
            assert base.mean[i, o] == pytest.approx(np.mean(rates * inh / 1000), rel=1e-9)
            assert not base.suppressed[i, o]
        else:
            assert base.suppressed[i, o] and base.imputed_share[i, o] > 0
    assert base.suppressed[:, o].sum() > 0  # the demo has suppressed buurten
    # the municipality total stays close to the public municipal figure
    gm = pub["crime_burglary_per1000"].sel(area="GM0917", year=[2016, 2017, 2018]).to_numpy()
    gm_inh = pub["inhabitants"].sel(area="GM0917", year=[2016, 2017, 2018]).to_numpy()
    assert base.mean[:, o].sum() == pytest.approx(np.mean(gm * gm_inh / 1000), rel=0.1)
    assert base.synthetic["perceived_unsafety"] and not base.synthetic["burglary"]


def test_baseline_never_reads_suppressed_values(demo):
    """Changing hidden raw values (suppressed cells) changes nothing in the baseline."""
    from dataclasses import replace

    name = "crime_burglary_per1000"
    mask = demo.public.mask[name]
    assert bool(mask.any())
    changed = demo.indicators.copy(deep=True)
    inh = changed["inhabitants"].where(changed["inhabitants"] > 0, 1.0)
    other_hidden = 2.0 * 1000 / inh  # every hidden cell now stands for 2 offences
    changed[name] = changed[name].where(~mask, other_hidden)
    assert not bool((changed[name] == demo.indicators[name]).where(mask, False).all())
    other = replace(demo, indicators=changed)
    assert bool((other.public.mask[name] == mask).all())
    a = model_from_twin(demo).baseline()
    b = model_from_twin(other).baseline()
    np.testing.assert_array_equal(a.mean, b.mean)
    np.testing.assert_array_equal(a.var, b.var)


def test_area_table_hides_suppressed_counts(model):
    r = run_scenario(model, scen({"type": "street_lighting", "areas": [CENTRUM]}))
    t = r.area_table("burglary", 3)
    hidden = t["suppressed"].to_numpy()
    assert hidden.any() and (~hidden).any()
    assert t.loc[hidden, ["baseline_median", "scenario_median", "change_median"]].isna().all().all()
    assert t.loc[~hidden, "baseline_median"].notna().all()
    assert t["change_pct_median"].notna().all()
    assert len(t) == 57 and t.memory_usage(deep=True).sum() < 50_000  # small enough to re-send


def test_no_reliable_evidence_is_reported_as_such(model):
    r = run_scenario(model, scen({"type": "hedge_trimming", "areas": [CENTRUM]}))
    assert set(r.evidence_status().values()) == {"no reliable evidence"}
    ev = r.evidence()[0]["outcomes"]
    assert all(e["status"] == "no reliable estimate" for e in ev)
    assert all("not 'no effect'" in e["text"] for e in ev)
    data = r.to_dict()
    assert data["totals"]["3"]["burglary"]["evidence"] == "no reliable evidence"
    assert {a["id"] for a in data["assumptions"]} >= {
        "combination.overlap",
        "combination.cap",
        "effects.none",
    }


def test_cost_per_prevented_incident(exact_model):
    r = run_scenario(
        exact_model,
        scen(
            {
                "type": "burglary_proofing",
                "areas": [CENTRUM],
                "cost_eur": 100000.0,
                "annual_cost_eur": 1000.0,
            }
        ),
    )
    c = r.cost()
    assert c["horizons"][1]["cost_eur"] == 101000.0 and c["horizons"][3]["cost_eur"] == 103000.0
    base = r.dataset["baseline"].sel(area=CENTRUM, outcome="burglary").to_numpy()
    own = np.median(base * (1 - 0.74**0.8))  # Centrum itself in year 1: RR 0.74^0.8
    ds = r.dataset.sel(horizon=1, outcome=["burglary", "vandalism", "violence"])
    total = (ds["baseline"] - ds["scenario"]).sum(["area", "outcome"]).to_numpy()
    assert c["horizons"][1]["prevented"]["median"] == pytest.approx(np.median(total), abs=0.1)
    assert own < c["horizons"][1]["prevented"]["median"] < own * 1.3  # plus a little ring diffusion
    # by year 3 the cumulative count covers three years
    assert c["horizons"][3]["prevented"]["median"] > 2.5 * c["horizons"][1]["prevented"]["median"]
    assert c["horizons"][1]["eur_per_prevented"]["median"] == pytest.approx(
        101000 / c["horizons"][1]["prevented"]["median"], rel=0.01
    )
    assert (
        run_scenario(exact_model, scen({"type": "burglary_proofing", "areas": [CENTRUM]})).cost()
        is None
    )


def test_harm_index_uses_visible_weights(model):
    s = scen({"type": "foot_patrol", "areas": [CENTRUM]})
    heavy = scenario_from_dict(
        {
            "scenario": {"name": "h"},
            "harm_weights": {"violence": 10.0},
            "intervention": [{"type": "foot_patrol", "areas": [CENTRUM]}],
        }
    )
    a, b = run_scenario(model, s).harm(), run_scenario(model, heavy).harm()
    assert a["weights"]["violence"] == 3.0 and b["weights"]["violence"] == 10.0
    assert "perceived_unsafety" not in a["weights"]
    assert "not a published index" in a["weights_basis"]


# -- properties --------------------------------------------------------------------------------
def placed(kind: str, area: str, params: dict) -> dict:
    spec = intervention_catalogue()[kind]
    item = {"type": kind, **params}
    if "area" in spec.targets:
        item["areas"] = [area]
    elif "buildings" in spec.targets:
        item["buildings"] = ["__first__"]
    else:
        item["streets"] = ["__first__"]
    return item


@st.composite
def interventions(draw, twin):
    kinds = draw(st.lists(st.sampled_from(INTERVENTION_IDS), min_size=0, max_size=4))
    out = []
    for kind in kinds:
        params = {}
        for p in intervention_catalogue()[kind].parameters:
            if p.type == "float" and p.model:
                params[p.name] = draw(st.floats(p.min, p.max, allow_nan=False))
        if draw(st.booleans()):
            params["duration_years"] = draw(st.floats(0.25, 5.0))
        item = placed(kind, "BU09173300", params)
        if item.get("buildings") == ["__first__"]:
            item["buildings"] = [
                str(twin.buildings["id"].iloc[draw(st.integers(0, len(twin.buildings) - 1))])
            ]
        if item.get("streets") == ["__first__"]:
            item["streets"] = [
                str(twin.streets["id"].iloc[draw(st.integers(0, len(twin.streets) - 1))])
            ]
        out.append(item)
    return out


@settings(max_examples=25, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2**31))
def test_counts_never_negative_and_intervals_nest(small_model, small, data, seed):
    items = data.draw(interventions(small))
    r = run_scenario(small_model, scen(*items, seed=seed, draws=400))
    s = r.dataset["scenario"].to_numpy()
    assert np.isfinite(s).all() and (s >= 0).all()
    t = r.totals()
    for v in ("scenario", "change", "change_pct"):
        assert (t[f"{v}_lo95"] <= t[f"{v}_lo80"] + 1e-9).all()
        assert (t[f"{v}_lo80"] <= t[f"{v}_median"] + 1e-9).all()
        assert (t[f"{v}_median"] <= t[f"{v}_hi80"] + 1e-9).all()
        assert (t[f"{v}_hi80"] <= t[f"{v}_hi95"] + 1e-9).all()
    a = r.area_table("burglary", 1)
    assert (a["change_pct_lo95"] <= a["change_pct_median"] + 1e-9).all()
    assert (a["change_pct_median"] <= a["change_pct_hi95"] + 1e-9).all()


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31), draws=st.integers(200, 1500))
def test_empty_scenario_returns_the_baseline_exactly(small_model, seed, draws):
    r = run_scenario(small_model, Scenario(name="leeg", seed=seed, draws=draws))
    ds = r.dataset
    for h in r.horizons:
        assert np.array_equal(ds["scenario"].sel(horizon=h).to_numpy(), ds["baseline"].to_numpy())
    assert (r.totals()["change_median"] == 0).all()
    assert set(r.evidence_status().values()) == {"not targeted"}


@settings(max_examples=10, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2**31))
def test_same_seed_same_result(small_model, small, data, seed):
    items = data.draw(interventions(small))
    a = run_scenario(small_model, scen(*items, seed=seed, draws=300))
    b = run_scenario(model_from_twin(small), scen(*items, seed=seed, draws=300))
    assert np.array_equal(a.dataset["scenario"].to_numpy(), b.dataset["scenario"].to_numpy())
    c = run_scenario(small_model, scen(*items, seed=seed + 1, draws=300))
    assert not np.array_equal(a.dataset["baseline"].to_numpy(), c.dataset["baseline"].to_numpy())


def test_more_draws_narrow_monte_carlo_error(small_model):
    """The spread of the estimated median change across seeds shrinks like 1/sqrt(draws)."""
    item = {"type": "street_lighting", "areas": [CENTRUM]}

    def spread(draws: int) -> float:
        meds = [
            np.median(
                run_scenario(small_model, scen(item, seed=s, draws=draws))
                .dataset["scenario"]
                .sel(horizon=3, outcome="burglary")
                .sum("area")
            )
            for s in range(8)
        ]
        return float(np.std(meds))

    few, many = spread(250), spread(8000)
    assert many < few / 2  # theory: 1/sqrt(32) ≈ 0.18


@pytest.mark.parametrize("kind", ["hedge_trimming", "graffiti_litter_removal", "youth_facility"])
@pytest.mark.parametrize("seed", [1, 2])
def test_no_estimate_widens_intervals_without_moving_the_median(model, kind, seed):
    base_item = {"type": "burglary_proofing", "areas": [CENTRUM], "share_of_dwellings": 0.5}
    a = run_scenario(model, scen(base_item, seed=seed))
    b = run_scenario(model, scen(base_item, {"type": kind, "areas": [CENTRUM]}, seed=seed))
    for outcome in ("burglary", "vandalism"):
        x = ratio_in(a, CENTRUM, outcome, 3)
        y = ratio_in(b, CENTRUM, outcome, 3)
        wa = np.subtract(*np.quantile(x, [0.975, 0.025]))
        wb = np.subtract(*np.quantile(y, [0.975, 0.025]))
        assert wb > wa
        assert abs(np.median(y) - np.median(x)) < 0.01
