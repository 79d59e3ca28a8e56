"""Read-only tools: one definition for both backends, public values only, sources everywhere."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant import TOOLS, Providers, ToolContext, run_tool, tool
from assistant.testing import fake_providers
from assistant.tools import declarations

ALL_CALLS = [
    ("list_areas", {}),
    ("list_areas", {"level": "buurt", "within": "WK091733"}),
    ("find_area", {"query": "centrum"}),
    ("get_indicators", {"area": "BU09173300"}),
    ("get_indicators", {"area": "Schandelen", "indicators": ["crime_burglary_per1000"]}),
    ("compare_areas", {"areas": ["BU09173300", "Grasbroek"]}),
    ("rank_areas", {"indicator": "liveability_score", "order": "lowest", "top": 3}),
    ("describe_layer", {}),
    ("describe_layer", {"layer": "lights"}),
    ("describe_layer", {"layer": "vacancy_pct"}),
    ("summarise_assessments", {"area": "BU09171000"}),
    ("list_measures", {}),
    ("explain_measure", {"area": "BU09171000", "measure": "cpted_score"}),
    ("list_scenarios", {}),
    ("read_scenario", {"scenario": "sc1"}),
    ("run_scenario", {"interventions": [{"kind": "cctv", "areas": ["Heerlen-Centrum"]}]}),
    ("evidence_for_intervention", {"intervention": "camera's"}),
]


@pytest.fixture(scope="module")
def ctx(demo):
    return ToolContext(demo, fake_providers(demo), "nl")


def test_every_tool_is_declared_once_for_both_backends(ctx):
    names = [d["name"] for d in declarations(ctx)]
    assert sorted(names) == sorted(TOOLS)
    for decl in declarations(ctx):
        assert set(decl) == {"name", "description", "input_schema"}
        assert decl["input_schema"]["type"] == "object" and len(decl["description"]) > 20


def test_tools_of_missing_engines_are_not_offered(demo):
    bare = [d["name"] for d in declarations(ToolContext(demo, Providers(), "nl"))]
    assert bare == [
        "list_areas",
        "find_area",
        "get_indicators",
        "compare_areas",
        "rank_areas",
        "describe_layer",
    ]
    call = run_tool(ToolContext(demo, Providers()), "read_scenario", {"scenario": "sc1"})
    assert not call.ok and "not connected" in call.result["error"]


@pytest.mark.parametrize(
    ("name", "args"), ALL_CALLS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ALL_CALLS)]
)
def test_results_are_json_with_sources(ctx, name, args):
    call = run_tool(ctx, name, args)
    assert call.ok, call.result
    text = json.dumps(call.result, allow_nan=False)  # NaN would fail here
    assert json.loads(text) == call.result
    if name != "list_scenarios":
        assert call.result["sources"], f"{name} names no source"
        assert all("synthetic" in s and "source" in s for s in call.result["sources"])


def test_no_tool_can_write(ctx, demo):
    before = demo.fingerprint
    records_before = json.dumps(ctx.providers.assessments.records, sort_keys=True)
    for name, args in ALL_CALLS:
        run_tool(ctx, name, args)
    assert demo.fingerprint == before
    assert json.dumps(ctx.providers.assessments.records, sort_keys=True) == records_before
    writers = [
        n
        for n in TOOLS
        if n.split("_")[0] in ("save", "delete", "write", "update", "set", "create", "edit")
    ]
    assert writers == []
    call = run_tool(ctx, "delete_assessment", {"id": "a1"})
    assert not call.ok and "only read" in call.result["error"]
    assert run_tool(ctx, "run_scenario", {"interventions": []}).result["saved"] is False


def test_arguments_are_checked(ctx):
    cases = [
        ("get_indicators", {}, "lacks required argument"),
        ("get_indicators", {"area": 3}, "must be of type string"),
        ("get_indicators", {"area": "BU09173300", "colour": "red"}, "unknown argument"),
        ("list_areas", {"level": "street"}, "must be one of"),
        (
            "rank_areas",
            {"indicator": "crime_burglary_per1000", "top": True},
            "must be of type integer",
        ),
    ]
    for name, args, message in cases:
        call = run_tool(ctx, name, args)
        assert not call.ok and message in call.result["error"], call.result


def test_unknown_area_and_indicator_get_suggestions(ctx):
    area = run_tool(ctx, "get_indicators", {"area": "Heerlen Centrm"})
    assert "did you mean Heerlen-Centrum (BU09173300)" in area.result["error"]
    ind = run_tool(ctx, "get_indicators", {"area": "BU09173300", "indicators": ["burglary_rate"]})
    assert "unknown indicator 'burglary_rate'" in ind.result["error"]


def test_compare_includes_the_city_and_ranks(ctx, demo):
    res = run_tool(
        ctx, "compare_areas", {"areas": ["BU09173300"], "indicators": ["crime_violence_per1000"]}
    ).result
    comp = res["comparisons"][0]
    row, city = comp["areas"][0], comp["city"]
    raw = demo.public.values["crime_violence_per1000"].sel(area="BU09173300", year=comp["year"])
    assert row["value"] == pytest.approx(float(raw))
    assert city["value"] == pytest.approx(
        float(demo.public.values["crime_violence_per1000"].sel(area="GM0917", year=comp["year"]))
    )
    assert row["diff_vs_city"] == pytest.approx(row["value"] - city["value"], abs=0.051)
    assert 1 <= row["rank_highest"] <= row["rank_of"] <= 57
    assert row["rank_highest"] + row["rank_lowest"] == row["rank_of"] + 1
    assert row["judgement"] == "worse"  # 35 against 7 per 1000


def _suppressed_cells(demo):
    mask = demo.public.mask
    cells = []
    for name in mask.data_vars:
        m = mask[name].transpose("year", "area")
        for yi, ai in zip(*np.nonzero(m.to_numpy()), strict=True):
            cells.append((str(name), int(m["year"].values[yi]), str(m["area"].values[ai])))
    return cells


def test_suppressed_values_never_leave_a_tool(ctx, demo):
    cells = _suppressed_cells(demo)
    assert len(cells) > 100  # the demo really has hidden values
    for name, year, area in cells[:: max(1, len(cells) // 60)]:
        res = run_tool(ctx, "get_indicators", {"area": area, "indicators": [name]}).result
        entry = next(v for v in res["indicators"][0]["values"] if v["year"] == year)
        assert entry["value"] is None and entry["suppressed"] and entry["display"].startswith("<")
        comp = run_tool(
            ctx, "compare_areas", {"areas": [area], "indicators": [name], "year": year}
        ).result
        row = comp["comparisons"][0]["areas"][0]
        assert row["value"] is None
        assert not {"diff_vs_city", "ratio_vs_city", "rank_highest"} & set(row)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_raw_value_of_a_hidden_cell_appears_in_no_result(ctx, demo, data):
    """Property: the raw (unsuppressed) number of a hidden cell is nowhere in its area's results."""
    cells = _suppressed_cells(demo)
    name, year, area = data.draw(st.sampled_from(cells))
    raw = float(demo.indicators[name].sel(area=area, year=year))
    for tool_name, args in [
        ("get_indicators", {"area": area, "indicators": [name]}),
        ("compare_areas", {"areas": [area], "indicators": [name], "year": year}),
    ]:
        res = run_tool(ctx, tool_name, args).result
        rows = res.get("indicators", res.get("comparisons"))[0]
        entries = rows.get("values") or rows.get("areas")
        mine = [e for e in entries if e.get("year", year) == year and e.get("code", area) == area]
        assert all(e["value"] is None for e in mine)
        assert all(
            str(round(raw, 1)) not in e["display"] or e["display"].startswith("<") for e in mine
        )


def test_assessment_notes_are_quoted_redacted_and_anonymous(ctx):
    res = run_tool(ctx, "summarise_assessments", {"area": "BU09171000"}).result
    text = json.dumps(res, ensure_ascii=False)
    assert "SHOULD NOT LEAK" not in text and "author" not in text
    assert "06-12345678" not in text and "[…]" in text
    assert all(set(n) == {"quoted", "date", "target", "observed"} for n in res["notes"])
    lighting = next(p for p in res["principles"] if p["principle"] == "lighting")
    assert (lighting["n"], lighting["mean"], lighting["min"], lighting["max"]) == (2, 1.5, 1, 2)
    access = next(p for p in res["principles"] if p["principle"] == "access_control")
    assert (access["n"], access["not_applicable"]) == (1, 1)  # n/a excluded from the mean


def test_adding_a_tool_is_one_function(ctx):
    @tool(
        "count_lights_test",
        "Number of street lights of the twin (test tool).",
        {"type": "object", "properties": {}},
    )
    def count_lights_test(c: ToolContext) -> dict:
        return {"lights": len(c.twin.lights), "sources": [c.layer_source("lights")]}

    try:
        assert "count_lights_test" in [d["name"] for d in declarations(ctx)]
        call = run_tool(ctx, "count_lights_test", {})
        assert call.ok and call.result["lights"] == len(ctx.twin.lights)
        with pytest.raises(ValueError, match="defined twice"):
            tool("count_lights_test", "again", {"type": "object"})(count_lights_test)
    finally:
        TOOLS.pop("count_lights_test")
