"""Scenario files: TOML round trips and a clear message for every mistake."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios import (
    INTERVENTION_IDS,
    ScenarioError,
    intervention_catalogue,
    scenario_from_toml,
    scenario_to_toml,
)
from scenarios.scenario import scenario_from_dict

HEAD = '[scenario]\nname = "t"\n'


def one(body: str):
    return scenario_from_toml(HEAD + "[[intervention]]\n" + body)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('type = "teleport"\nareas = ["BU09173300"]', "type 'teleport' is not an intervention"),
        ('type = "cctv"', r"intervention 1 \(cctv\): has no target"),
        ('type = "alley_gating"\nareas = ["BU09173300"]', "cannot be placed on area"),
        ('type = "cctv"\nareas = ["BU09173300"]\ncamras = 3', "unknown field 'camras'"),
        (
            'type = "foot_patrol"\nareas = ["BU09173300"]\nhours_per_week = 500.0',
            "hours_per_week = 500.0 hours per week is outside",
        ),
        (
            'type = "foot_patrol"\nareas = ["BU09173300"]\nhours_per_week = "veel"',
            "must be a number",
        ),
        ('type = "cctv"\nareas = ["BU09173300"]\ncameras = 1.5', "must be a whole number"),
        (
            'type = "street_lighting"\nareas = ["BU09173300"]\nreplace_existing = 1',
            "must be true or false",
        ),
        ('type = "cctv"\nspots = [[1.0, 2.0]]', "outside the Netherlands"),
        ('type = "cctv"\nspots = [[1.0]]', r"spots must be a list of \[x, y\] pairs"),
        (
            'type = "cctv"\nstreets = "DEMO.weg.000001"\nspots_lonlat = [[200.0, 50.9]]',
            r"\[longitude, latitude\]",
        ),
    ],
)
def test_bad_interventions_are_named(body, message):
    with pytest.raises(ScenarioError, match=message):
        one(body)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = 'x'", "the \\[scenario\\] table is missing"),
        ("[scenario]\nname = ''", "name must be text"),
        ("[scenario]\nname = 'x'\ndraws = 5", "draws must be a whole number in 200–200000"),
        ("[scenario]\nname = 'x'\nhorizons = [0]", "horizons must be years"),
        ("[scenario]\nname = 'x'\nsed = 1", "unknown setting 'sed'"),
        ("[scenario]\nname = 'x'\n[harm_weights]\nperceived_unsafety = 1.0", "own pathway"),
        ("[scenario]\nname = 'x'\n[extra]\na = 1", "unknown table 'extra'"),
        ("[scenario\nname = 'x'", "not valid TOML"),
    ],
)
def test_bad_files_are_named(text, message):
    with pytest.raises(ScenarioError, match=message):
        scenario_from_toml(text)


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="file does not exist"):
        scenario_from_toml(tmp_path / "nope.toml")


def test_file_errors_name_the_file(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(HEAD + '[[intervention]]\ntype = "cctv"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"s\.toml: intervention 1 \(cctv\): has no target"):
        scenario_from_toml(path)


def test_lonlat_spots_become_rd():
    s = one('type = "cctv"\nspots_lonlat = [[5.9812, 50.8882]]')
    x, y = s.interventions[0].targets.spots[0]
    assert 190_000 < x < 200_000 and 315_000 < y < 330_000


def test_defaults_fill_in():
    s = one('type = "street_lighting"\nareas = ["BU09173300"]')
    assert s.seed == 917 and s.draws == 10_000 and s.horizons == (1, 3)
    item = s.interventions[0]
    assert item.param("spacing_m") == 30.0 and item.param("cost_eur") is None
    assert not item.has_cost and item.cost_until(3) == 0.0


@st.composite
def scenarios(draw):
    items = []
    for kind in draw(st.lists(st.sampled_from(INTERVENTION_IDS), max_size=5)):
        spec = intervention_catalogue()[kind]
        item = {"type": kind, "label": draw(st.text(max_size=20))}
        target = draw(st.sampled_from(spec.targets))
        if target == "area":
            item["areas"] = ["BU09173300"]
        elif target == "spots":
            item["spots"] = [[draw(st.floats(190_000, 200_000)), draw(st.floats(315_000, 330_000))]]
        else:
            item[target] = [draw(st.text("abc.0123", min_size=1, max_size=12))]
        for p in spec.parameters + intervention_catalogue().common:
            if draw(st.booleans()):
                if p.type == "bool":
                    item[p.name] = draw(st.booleans())
                elif p.type == "int":
                    item[p.name] = draw(st.integers(int(p.min), int(p.max)))
                else:
                    item[p.name] = draw(st.floats(p.min, p.max, allow_nan=False))
        items.append(item)
    return scenario_from_dict(
        {
            "scenario": {
                "name": draw(st.text(min_size=1, max_size=40).filter(str.strip)),
                "description": draw(st.text(max_size=60)),
                "seed": draw(st.integers(0, 2**32 - 1)),
                "draws": draw(st.integers(200, 200_000)),
                "horizons": draw(st.lists(st.integers(1, 10), min_size=1, max_size=3)),
            },
            "harm_weights": draw(
                st.dictionaries(st.sampled_from(["burglary", "violence"]), st.floats(0, 10))
            ),
            "intervention": items,
        }
    )


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_toml_round_trip(s):
    assert scenario_from_toml(scenario_to_toml(s)) == s


def test_make_intervention_for_a_proposed_measure():
    from scenarios import make_intervention

    item = make_intervention(
        "street_lighting", streets=["DEMO.weg.000002"], spacing_m=20.0, label="x"
    )
    assert item.targets.streets == ("DEMO.weg.000002",) and item.param("spacing_m") == 20.0
    spot = make_intervention("cctv", spots=[(191500.0, 325500.0)])
    assert spot.targets.spots == ((191500.0, 325500.0),)
    with pytest.raises(ScenarioError, match="cannot be placed on buildings"):
        make_intervention("alley_gating", buildings=["DEMO.pand.000001"])
    with pytest.raises(ScenarioError, match="type 'lighting' is not an intervention"):
        make_intervention("lighting", areas=["BU09173300"])
