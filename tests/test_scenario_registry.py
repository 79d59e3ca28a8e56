"""The evidence registry and the intervention catalogue: schema, ranges, completeness, flags."""

from __future__ import annotations

import copy
import math
import tomllib

import pytest

from scenarios import (
    INTERVENTION_IDS,
    OUTCOME_IDS,
    ScenarioError,
    intervention_catalogue,
    load_registry,
)
from scenarios.registry import registry_from_dict, registry_path, registry_problems


@pytest.fixture(scope="module")
def raw():
    with open(registry_path(), "rb") as fh:
        return tomllib.load(fh)


def test_shipped_registry_has_no_problems(raw):
    assert registry_problems(raw) == []
    reg = load_registry()
    assert reg.version and reg.updated
    assert len(reg.entries) == len(INTERVENTION_IDS) * len(OUTCOME_IDS)


def test_every_intervention_has_an_entry_per_outcome():
    reg = load_registry()
    for iid in INTERVENTION_IDS:
        assert [e.outcome for e in reg.entries_for(iid)] == list(OUTCOME_IDS)


def test_estimates_are_sourced_and_never_unverified():
    reg = load_registry()
    estimates = [e for e in reg.entries if e.estimate]
    assert len(estimates) >= 10
    for e in estimates:
        assert e.figure_flag in ("✔", "◐"), e.id
        assert any(c.flag in ("✔", "◐") for c in e.citations), e.id
        assert e.ln_rr_se > 0 and e.sd > e.ln_rr_se
    for e in reg.entries:
        assert e.citations, e.id
        assert all(c.text and c.ref in reg.sources for c in e.citations)


def test_figures_match_the_evidence_review():
    """Spot checks against EVIDENCE.md: the registry's RRs are the review's percentages."""
    reg = load_registry()
    expect = {
        ("street_lighting", "burglary"): 0.86,  # −14 % (Welsh, Farrington & Douglas 2022)
        ("vacant_lot_greening", "burglary"): 0.781,  # −21.9 % (Branas 2018)
        ("vacant_lot_greening", "perceived_unsafety"): 0.422,  # −57.8 %
        ("foot_patrol", "violence"): 0.77,  # −23 % (Ratcliffe 2011)
        ("alley_gating", "burglary"): 0.63,  # −37 % (Bowers 2004)
        ("burglary_proofing", "burglary"): 0.74,  # −26 % (Vollaard & van Ours 2011)
        ("cctv", "burglary"): 0.84,  # −16 % (Welsh & Farrington 2009, ◐)
    }
    for (i, o), rr in expect.items():
        assert reg.entry(i, o).rr == pytest.approx(rr, abs=0.001)
    assert reg.entry("cctv", "burglary").figure_flag == "◐"
    # p < .001 → SE = |ln RR| / 3.29
    e = reg.entry("vacant_lot_greening", "burglary")
    assert e.se_basis == "p_bound" and e.ln_rr_se == pytest.approx(
        abs(e.ln_rr_mean) / 3.29, rel=0.01
    )


def test_no_estimate_entries_say_so():
    reg = load_registry()
    e = reg.entry("hedge_trimming", "burglary")
    assert not e.estimate and e.status == "no reliable estimate"
    d = e.to_dict()
    assert d["text"] == "no reliable evidence of an effect"
    assert "rr_median" not in d and e.rr == 1.0 and e.sd == pytest.approx(reg.none_sd)
    # firearm evidence is not applied to Dutch (non-firearm) violence
    assert not reg.entry("vacant_building_renovation", "violence").estimate


def test_caps_come_from_rcts():
    reg = load_registry()
    assert reg.outcomes["burglary"].cap == pytest.approx(0.219)
    assert reg.outcomes["violence"].cap == pytest.approx(0.36)
    assert all("✔" in o.cap_basis for o in reg.outcomes.values())


def _broken(raw, mutate):
    bad = copy.deepcopy(raw)
    mutate(bad)
    return registry_problems(bad)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r["entry"].pop(0), "street_lighting × burglary: 0 entries"),
        (lambda r: r["entry"].append(copy.deepcopy(r["entry"][0])), "2 entries"),
        (lambda r: r["entry"][0].update(grade="E"), "grade must be one of"),
        (lambda r: r["entry"][0].update(figure_flag="✖"), "✖ numbers are never used"),
        (lambda r: r["entry"][0].update(ln_rr_mean=3.0), "ln_rr_mean = 3.0 outside"),
        (lambda r: r["entry"][0].update(ln_rr_se=-0.1), "ln_rr_se = -0.1 outside"),
        (lambda r: r["entry"][0].update(tau="big"), "tau must be a number"),
        (lambda r: r["entry"][0]["citations"][0].update(ref="nobody2020"), "not in [sources]"),
        (lambda r: r["entry"][0]["citations"][0].update(flag="?"), "flag must be one of"),
        (lambda r: r["entry"][0].update(citations=[]), "no citations"),
        (lambda r: r["entry"][0].update(crime_types=["firearm violence"]), "do not map to outcome"),
        (
            lambda r: r["entry"][0].update(time_profile="forever"),
            "time profile 'forever' not defined",
        ),
        (lambda r: r["entry"][0]["kernel"].update(ring_prior="magic"), "ring prior 'magic'"),
        (lambda r: r["entry"][0]["kernel"].update(ring_m=-5), "ring_m = -5 outside"),
        (lambda r: r["entry"][2].update(ln_rr_mean=-0.2), "given although estimate = false"),
        (lambda r: r["outcomes"]["burglary"].update(cap=1.5), "cap = 1.5 outside"),
        (lambda r: r["defaults"].update(overlap_fraction=2), "overlap_fraction = 2 outside"),
    ],
)
def test_validation_finds_each_problem(raw, mutate, message):
    problems = _broken(raw, mutate)
    assert any(message in p for p in problems), problems


def test_loading_a_broken_registry_fails_clearly(raw):
    bad = copy.deepcopy(raw)
    bad["entry"][0]["grade"] = "Z"
    with pytest.raises(ScenarioError, match=r"registry\.toml: .*grade must be one of"):
        registry_from_dict(bad)


def test_time_profiles():
    reg = load_registry()
    patrol, physical = reg.time_profiles["patrol"], reg.time_profiles["physical"]
    assert patrol.factor(1, 1.0) == 1.0 and patrol.factor(3, 1.0) == 0.0  # ends when stopped
    assert patrol.factor(2, 1.5) == pytest.approx(0.85 * 0.5)
    assert physical.factor(3, 1.0) == 1.0  # persists
    assert physical.factor(1, None) < physical.factor(3, None)
    assert reg.time_profiles["social"].factor(1, None) < 0.5


def test_catalogue_is_canonical_and_listable():
    cat = intervention_catalogue()
    assert cat.ids == INTERVENTION_IDS
    data = cat.to_dict()
    assert [i["id"] for i in data["interventions"]] == list(INTERVENTION_IDS)
    for item in data["interventions"]:
        assert item["name"]["nl"] and item["name"]["en"]
        assert set(item["targets"]) <= {"streets", "buildings", "spots", "area"}
        for p in item["parameters"]:
            if p["type"] != "bool":
                assert p["min"] <= p["default"] <= p["max"], (item["id"], p["name"])
    common = {p["name"] for p in data["common_parameters"]}
    assert {"cost_eur", "annual_cost_eur", "duration_years", "reach_m", "ring_m"} <= common
    assert cat["foot_patrol"].parameter("hours_per_week").unit == "hours per week"
    assert cat["street_lighting"].physical and not cat["foot_patrol"].physical
    with pytest.raises(ScenarioError, match="unknown intervention 'teleport'"):
        cat["teleport"]


def test_entry_intervals_are_ordered():
    for e in load_registry().entries:
        if e.estimate:
            d = e.to_dict()
            assert d["rr_95"][0] < d["rr_80"][0] < d["rr_median"] < d["rr_80"][1] < d["rr_95"][1]
            assert math.isclose(d["rr_median"], e.rr)
