"""The Scenarios page: headless (AppTest) in NL and EN, plus its pure helpers.

AppTest runs the real app (``viewer/app.py``) on the small twin and switches to the page: a
street from the list gets street lighting, the results appear (local first, then the city), the
store saves, duplicates, opens and deletes, two saved scenarios are compared, measures proposed
in a CPTED assessment arrive, and a bad TOML file gets a clear message in the user's language.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as hst
from streamlit.testing.v1 import AppTest

from scenarios import (
    ScenarioError,
    ScenarioStore,
    intervention_catalogue,
    load_registry,
    make_intervention,
    scenario_from_toml,
    scenario_to_toml,
)

APP = str(Path(__file__).resolve().parents[1] / "viewer" / "app.py")
PAGE = "views/scenarios.py"
STREET = "Tinlaan"  # a named street of the small twin (15 segments in Heerlen-Centrum)


def _page(lang: str, monkeypatch, small_dir, seed: dict | None = None) -> AppTest:
    """The app on the small twin in ``lang``, switched to the Scenarios page."""
    from twin.settings import get_settings

    monkeypatch.setenv("SOCIALTWIN_TWIN", str(small_dir))
    monkeypatch.setenv("SOCIALTWIN_LANGUAGE", lang)
    get_settings.cache_clear()
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    if seed is not None:
        at.session_state["scenario_seed"] = seed
    at.switch_page(PAGE).run()
    _ok(at)
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _add_lighting(at: AppTest, street: str = STREET) -> None:
    at.selectbox(key="scen.street_pick").set_value(street).run()
    _ok(at)
    at.selectbox(key="scen.type").set_value("street_lighting").run()
    at.button(key="scen_do.add").click().run()
    _ok(at)


def _frames(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def _frame_with(at: AppTest, column: str) -> pd.DataFrame:
    found = [f for f in _frames(at) if column in f.columns]
    assert found, f"no table with a column {column!r}: {[list(f.columns) for f in _frames(at)]}"
    return found[0]


def _text(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "subheader"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


# -- the page, in Dutch and English ----------------------------------------------------------------
def test_add_lighting_and_read_results_nl(small_dir, small, monkeypatch):
    at = _page("nl", monkeypatch, small_dir)
    assert at.title[0].value == "Wat als …? Scenario's"
    assert any("Voeg een maatregel toe" in i.value for i in at.info)
    _add_lighting(at)
    draft = at.session_state["scen_draft"]
    (item,) = draft.scenario.interventions
    tin = set(small.streets.loc[small.streets["name"] == STREET, "id"])
    assert item.type == "street_lighting" and set(item.targets.streets) == tin
    assert any("Straatverlichting verbeteren toegevoegd" in s.value for s in at.success)

    local = _frame_with(at, "Buurt")  # treated buurten first
    assert (local["Buurt"] == "Heerlen-Centrum").all()
    burglary = local[local["Uitkomst"] == "Inbraak (woning, schuur)"].iloc[0]
    assert burglary["Verandering (mediaan)"].startswith("−")  # an estimate: a reduction
    assert "…" in burglary["80 %-interval"] and "…" in burglary["95 %-interval"]
    violence = local[local["Uitkomst"] == "Geweld en seksuele misdrijven"].iloc[0]
    assert violence["Verandering (mediaan)"] == "geen betrouwbaar bewijs voor een effect"
    assert violence["Voorkomen per jaar (mediaan)"] in ("–", "afgeschermd")  # never a 0

    city = _frame_with(at, "Nu per jaar")
    assert list(city["Uitkomst"])[:3] == [
        "Inbraak (woning, schuur)", "Vernieling en openbare orde", "Geweld en seksuele misdrijven",
    ]  # fmt: skip
    assert city["Uitkomst"].str.contains("synthetisch").any()  # nuisance is synthetic
    assert city.loc[0, "Bewijs"] == "schatting (graad B ✔)"
    assert "geen betrouwbaar bewijs" in city.loc[2, "Bewijs"]
    assert not city["Verandering per jaar (mediaan)"].isin(["0", "0,0", "+0,0"]).any()

    text = _text(at)
    assert "Schade-gewogen index" in text and "Overlastmeldingen 0,25" in text  # the weights
    assert "Ervaren onveiligheid (apart, zwakker pad)" in text
    assert "Welsh, Farrington & Douglas 2022" in text and "✔" in text  # sources in place
    assert "Plafond per uitkomst" in text  # assumptions, labelled
    assert "nieuwe lantaarns op 15 straatdelen" in text  # the twin changed
    # ... and the lighting is recomputed on the changed twin, before → after
    assert "Verlichting vóór → na" in text and "lampmodel" in text
    (dark,) = [m for m in at.metric if m.label.startswith("Donkere straatlengte")]
    assert dark.value.endswith(" m") and dark.delta.endswith(" m")
    light = _frame_with(at, "Donker (m) vóór → na")
    assert STREET in set(light["Straat"]) and (light["Buurt"] != "").all()
    assert light["Gem. lux vóór → na"].str.contains("→").all()
    kernel = _frame_with(at, "Behandeld tot")
    assert set(kernel["Gekozen door"]) == {"register (aanname)"}


def test_add_lighting_in_english(small_dir, monkeypatch):
    at = _page("en", monkeypatch, small_dir)
    assert at.title[0].value == "What if …? Scenarios"
    assert at.selectbox(key="scen.type").label == "Measure"
    _add_lighting(at)
    local = _frame_with(at, "Neighbourhood")
    row = local[local["Outcome"] == "Violent and sexual offences"].iloc[0]
    assert row["Change (median)"] == "no reliable evidence of an effect"
    city = _frame_with(at, "Now per year")
    assert city.loc[0, "Evidence"] == "estimate (grade B ✔)"
    text = _text(at)
    assert "All of Heerlen" in text and "Perceived unsafety (separate, weaker pathway)" in text


def test_cost_edit_and_remove(small_dir, monkeypatch):
    at = _page("nl", monkeypatch, small_dir)
    at.selectbox(key="scen.street_pick").set_value(STREET).run()
    at.number_input(key="scen.new.street_lighting.cost_eur").set_value(40000.0).run()
    at.button(key="scen_do.add").click().run()
    _ok(at)
    cost = _frame_with(at, "Kosten")
    assert list(cost["Kosten"]) == ["€ 40.000", "€ 40.000"]
    assert cost["Per voorkomen incident (mediaan)"].str.startswith("€").all()

    draft = at.session_state["scen_draft"]
    uid = draft.uids[0]
    before = _text(at)
    at.number_input(key=f"scen.i.{uid}.spacing_m").set_value(15.0).run()
    _ok(at)
    item = at.session_state["scen_draft"].scenario.interventions[0]
    assert item.params["spacing_m"] == 15.0 and item.params["cost_eur"] == 40000.0
    after = _text(at)
    lights = [int(re.search(r"(\d+) nieuwe lantaarns", x).group(1)) for x in (before, after)]
    assert lights[1] > lights[0], lights  # closer spacing, more lamps

    at.button(key=f"scen_do.remove.{uid}").click().run()
    _ok(at)
    assert not at.session_state["scen_draft"].scenario.interventions
    assert any("Voeg een maatregel toe" in i.value for i in at.info)


def test_store_save_duplicate_open_delete(small_dir, monkeypatch):
    at = _page("nl", monkeypatch, small_dir)
    _add_lighting(at)
    at.text_input(key="scen.name").set_value("Licht op de Tinlaan").run()
    at.button(key="scen_do.save").click().run()
    _ok(at)
    assert any("'Licht op de Tinlaan' opgeslagen" in s.value for s in at.success)
    with ScenarioStore() as store:
        (info,) = store.list()
    assert info.name == "Licht op de Tinlaan" and info.interventions == 1
    assert "Opgeslagen als scenario" in _text(at)

    # edit: rename and save again → the same stored scenario, revision 2
    at.text_input(key="scen.name").set_value("Licht op de Tinlaan, LED").run()
    assert "Gewijzigd sinds het opslaan" in _text(at)
    at.button(key="scen_do.save").click().run()
    with ScenarioStore() as store:
        stored = store.get(info.id)
    assert stored.revision == 2 and stored.scenario.name == "Licht op de Tinlaan, LED"

    # duplicate → "(kopie)", opened
    at.button(key="scen_do.duplicate").click().run()
    _ok(at)
    assert at.session_state["scen_draft"].scenario.name == "Licht op de Tinlaan, LED (kopie)"
    # a second scenario with a taken name is refused, in Dutch, and nothing is lost
    at.button(key="scen_do.new").click().run()
    _add_lighting(at)
    at.text_input(key="scen.name").set_value("licht op de tinlaan, led").run()
    at.button(key="scen_do.save").click().run()
    assert any("bestaat al een scenario met deze naam" in e.value for e in at.error)
    assert at.session_state["scen_draft"].scenario.interventions  # still on screen

    # open the original, then delete it (only after confirming)
    at.selectbox(key="scen.saved").set_value(info.id).run()
    at.button(key="scen_do.open").click().run()
    assert at.session_state["scen_draft"].stored_id == info.id
    assert at.button(key="scen_do.delete").disabled
    at.checkbox(key="scen.confirm_delete").check().run()
    at.button(key="scen_do.delete").click().run()
    _ok(at)
    with ScenarioStore() as store:
        names = [s.name for s in store.list()]
    assert names == ["Licht op de Tinlaan, LED (kopie)"]
    # what was on screen stays, as an unsaved scenario
    assert at.session_state["scen_draft"].stored_id is None
    assert at.session_state["scen_draft"].scenario.interventions


def _save(small, name: str, *items) -> int:
    from scenarios import Scenario

    with ScenarioStore() as store:
        return store.save(Scenario(name=name, interventions=tuple(items))).id


def test_compare_two_saved_scenarios(small_dir, small, monkeypatch):
    tin = list(small.streets.loc[small.streets["name"] == STREET, "id"])
    a = _save(small, "Licht", make_intervention("street_lighting", streets=tin))
    patrol = make_intervention("foot_patrol", areas=["BU09173300"], hours_per_week=20.0)
    b = _save(small, "Licht en surveillance", make_intervention("street_lighting", streets=tin),
              patrol)  # fmt: skip
    at = _page("en", monkeypatch, small_dir)
    at.segmented_control(key="scen.mode").set_value("compare").run()
    _ok(at)
    assert any("at least two" in i.value for i in at.info)
    at.multiselect(key="scen.compare").set_value([a, b]).run()
    _ok(at)
    table = _frame_with(at, "Licht en surveillance")
    assert list(table.columns) == ["Outcome", "Licht", "Licht en surveillance"]
    burglary = table[table["Outcome"] == "Burglary (dwelling, shed)"].iloc[0]
    assert "80 %:" in burglary["Licht"] and "95 %:" in burglary["Licht"]
    paired = [f for f in _frames(at) if "Licht en surveillance" in f.columns and "Licht" not in
              f.columns]  # fmt: skip
    assert paired and paired[0].iloc[0, 1].count("probability lower") == 1
    areas = _frame_with(at, "Neighbourhood")
    assert list(areas.columns) == ["Neighbourhood", "Licht", "Licht en surveillance"]
    # the map shows one scenario at a time; switching keeps the same classes
    at.segmented_control(key="scen.compare_show").set_value(1).run()
    _ok(at)
    assert "Scenario 'Licht en surveillance'" in _text(at)


def test_measures_from_a_cpted_assessment(small_dir, small, monkeypatch):
    b = small.buildings.iloc[10]
    s = small.streets.iloc[5]
    p = small.to_wgs84("streets").geometry.iloc[5].interpolate(0.5, normalized=True)
    seed = {
        "from_assessment": "A-17",
        "measures": [
            {"intervention": "hedge_trimming", "target": {"kind": "building", "id": b["id"]}},
            # lighting goes on streets: a building target moves to the nearest street
            {"intervention": "street_lighting", "target": {"kind": "building", "id": b["id"]}},
            {"intervention": "cctv", "target": {"kind": "street", "id": s["id"],
                                                "lon": p.x, "lat": p.y}},
            {"intervention": "teleporter", "target": {"kind": "spot", "lon": p.x, "lat": p.y}},
        ],
    }  # fmt: skip
    at = _page("nl", monkeypatch, small_dir, seed=seed)
    items = at.session_state["scen_draft"].scenario.interventions
    assert [i.type for i in items] == ["hedge_trimming", "street_lighting", "cctv"]
    assert items[0].targets.buildings == (b["id"],)
    assert len(items[1].targets.streets) == 1  # moved to a street
    assert items[2].targets.streets == (s["id"],)
    assert at.session_state["scen_draft"].origins == ("A-17",) * 3
    text = _text(at)
    assert "3 maatregel(en) overgenomen uit CPTED-schouw A-17" in text
    assert "kan niet op een gebouw" in text  # says where it went instead
    assert "Onbekende maatregel 'teleporter'" in text
    assert "scenario_seed" not in at.session_state  # taken once
    assert "Voorgesteld in CPTED-schouw A-17" in text
    # hedges and cameras change no computed map, and the page says why
    assert "de tweeling heeft geen laag met hagen of beplanting" in text


@pytest.mark.parametrize(
    ("lang", "content", "expected"),
    [
        ("nl", b"[scenario\nname = 'x'\n", "geen geldige TOML (regel 1)"),
        ("en", b"[scenario\nname = 'x'\n", "not valid TOML (line 1)"),
        ("nl", b"[scenario]\nname = 'x'\n[[intervention]]\ntype = 'foot_patrol'\n"
               b"areas = ['BU09173300']\nhours_per_week = 500.0\n",
         "Maatregel 1 (Voetsurveillance / wijkteam aanwezig): hours_per_week = 500.0 ligt buiten"),
        ("en", b"[scenario]\nname = 'x'\n[[intervention]]\ntype = 'street_lighting'\n"
               b"streets = ['NOPE.1']\n", "street 'NOPE.1' does not exist in this twin"),
        ("nl", b"[[intervention]]\ntype = 'cctv'\n", "De tabel [scenario] ontbreekt"),
        ("en", b"\x89PNG\r\n\x1a\n\x00\x00", "not text (UTF-8)"),
    ],
)  # fmt: skip
def test_bad_toml_gets_a_clear_message(small_dir, monkeypatch, lang, content, expected):
    at = _page(lang, monkeypatch, small_dir)
    _add_lighting(at)
    before = at.session_state["scen_draft"]
    at.file_uploader(key="scen_do.upload").set_value(("plan.toml", content, "application/toml"))
    at.run()
    _ok(at)
    errors = [e.value for e in at.error]
    assert any(expected in e for e in errors), errors
    lost = "niets veranderd" if lang == "nl" else "Nothing was changed"
    assert any(lost in e for e in errors)
    assert at.session_state["scen_draft"] is before  # what was on screen is kept


def test_upload_and_download_round_trip(small_dir, small, monkeypatch):
    tin = list(small.streets.loc[small.streets["name"] == STREET, "id"])[:2]
    text = (f"[scenario]\nname = \"Uit bestand\"\n\n[[intervention]]\ntype = \"cctv\"\n"
            f"streets = {json.dumps(tin)}\ncost_eur = 9000.0\n")  # fmt: skip
    at = _page("nl", monkeypatch, small_dir)
    at.file_uploader(key="scen_do.upload").set_value(("p.toml", text.encode(), "text/plain"))
    at.run()
    _ok(at)
    draft = at.session_state["scen_draft"]
    assert draft.scenario.name == "Uit bestand" and draft.stored_id is None
    assert at.text_input(key="scen.name").value == "Uit bestand"
    assert any("geladen uit het bestand (1 maatregelen)" in s.value for s in at.success)
    (button,) = [b for b in at.get("download_button")]
    assert button.proto.label == "Download als TOML"
    # what the button offers is the documented format and reads back to the same scenario
    assert scenario_from_toml(scenario_to_toml(draft.scenario)) == draft.scenario


def test_explain_saves_first_and_hands_over_the_id(small_dir, monkeypatch):
    import viewer.scenario_store_ui as ui

    handed: list = []  # the request as handed over (the Assistant page consumes it at once)
    real = ui.request_explanation
    monkeypatch.setattr(ui, "request_explanation", lambda r: (handed.append(r), real(r)))
    at = _page("nl", monkeypatch, small_dir)
    _add_lighting(at)
    at.button(key="scen_do.explain").click().run()
    _ok(at)
    with ScenarioStore() as store:
        (info,) = store.list()
    (request,) = handed
    assert request.kind == "scenario" and request.scenario_id == str(info.id)
    assert request.area == "BU09173300"


# -- pure helpers ---------------------------------------------------------------------------------
def test_catalogue_names_match_the_engine():
    from viewer.i18n import t

    for item in intervention_catalogue().interventions:
        for lang in ("nl", "en"):
            assert t(f"scenarios.type.{item.id}", lang=lang) == item.name[lang]
    for oid, outcome in load_registry().outcomes.items():
        for lang in ("nl", "en"):
            assert t(f"scenarios.outcome.{oid}", lang=lang) == outcome.label[lang]


def test_target_from_pick_and_placement(small):
    from viewer.map import Pick
    from viewer.scenario_draft import Target, placement_from_targets, target_from_pick

    i = int(np.flatnonzero(small.streets["name"] == STREET)[0])
    street = target_from_pick(small, Pick("street", "streets", i, "x", "", 0, 0, 0, 0))
    assert street.kind == "street" and street.name == STREET and len(street.ids) == 15
    building = target_from_pick(small, Pick("building", "buildings", 3, "B1", "BU09173300",
                                            5.98, 50.88, 196000.0, 322000.0))  # fmt: skip
    spot = target_from_pick(small, Pick("area", "areas", 2, "BU09173300", "BU09173300",
                                        5.98, 50.88, 196100.123, 322050.456))  # fmt: skip
    assert replace(spot, name="") == Target("spot", (), 196100.12, 322050.46, "BU09173300")
    assert spot.name in set(small.streets["name"].dropna())  # "spot near <street>"
    assert target_from_pick(small, Pick("light", "lights", 1, "L", "", 0, 0, 0, 0)) is None
    where, unused = placement_from_targets("street_lighting", [street, building, spot])
    assert where == {"streets": list(street.ids)} and unused == [building, spot]
    where, unused = placement_from_targets("cctv", [street, spot])
    assert where == {"streets": list(street.ids), "spots": [(196100.12, 322050.46)]}
    assert placement_from_targets("alley_gating", [], area="BU09173300") == ({}, [])
    assert placement_from_targets("foot_patrol", [street], area="BU09173300") == (
        {"areas": ["BU09173300"]}, [])  # fmt: skip


def test_seed_fallbacks(small):
    from viewer.scenario_draft import interventions_from_seed

    b = small.buildings.iloc[0]
    seed = {
        "from_assessment": 5,
        "measures": [
            {"intervention": "alley_gating", "target": {"kind": "area", "id": "BU09173300"}},
            {"intervention": "burglary_proofing", "target": {"kind": "building", "id": "nope"}},
            {"intervention": "foot_patrol", "target": {"kind": "building", "id": b["id"]}},
            "garbage",
        ],
    }
    items, notes = interventions_from_seed(small, seed)
    assert [n.key.rsplit(".", 1)[1] for n in notes] == [
        "cannot_place", "no_target", "moved", "unknown_type"]  # fmt: skip
    (patrol,) = items
    assert patrol.type == "foot_patrol" and len(patrol.targets.spots) == 1  # a spot instead
    assert patrol.label == "CPTED 5"


def test_error_texts_say_what_and_where():
    from viewer.scenario_draft import UploadProblem
    from viewer.scenario_errors import scenario_error_text

    cases = {
        "[scenario]\nname='x'\nfoo=1\n": ("onbekende instelling 'foo'", "unknown setting 'foo'"),
        "[scenario]\nname='x'\n[[intervention]]\ntype='cctv'\n": (
            "Maatregel 1 (Cameratoezicht): de maatregel heeft geen doel",
            "Measure 1 (CCTV): the measure has no target"),
        "[scenario]\nname='x'\n[[intervention]]\ntype='alley_gating'\nareas=['BU09173300']\n": (
            "kan niet op een buurt", "cannot go on a neighbourhood"),
        "[scenario]\nname='x'\n[[intervention]]\ntype='cctv'\nspots=[[1.0, 2.0]]\n": (
            "buiten Nederland", "outside the Netherlands"),
        "[scenario]\nname='x'\n[harm_weights]\nperceived_unsafety=1\n": (
            "In de tabel [harm_weights]: 'perceived_unsafety' is geen",
            "In the table [harm_weights]: 'perceived_unsafety' is not"),
    }  # fmt: skip
    for text, (nl, en) in cases.items():
        with pytest.raises(ScenarioError) as exc:
            scenario_from_toml(text)
        assert nl in scenario_error_text(exc.value, "nl")
        assert en in scenario_error_text(exc.value, "en")
    msg = scenario_error_text(UploadProblem("scenarios.err.too_big", size="2.0", limit="1"), "de")
    assert "2.0 MB" in msg and "Es wurde nichts geändert" in msg
    unknown = scenario_error_text(ScenarioError("something new", where="[scenario]"), "nl")
    assert "something new" in unknown and "In de tabel [scenario]" in unknown


def test_change_paint_classes_and_legend():
    from layers.constants import SUPPRESSED_RGBA
    from viewer.scenario_layers import UNCHANGED_RGBA, change_paint, change_scale

    table = pd.DataFrame({
        "area": ["A", "B", "C", "D"], "change_pct_median": [-12.0, -1.0, 0.0, 3.0],
        "change_median": [-2.0, -0.1, 0.0, np.nan], "affected": [True, True, False, True],
        "suppressed": [False, False, False, True],
    })  # fmt: skip
    paint, legend = change_paint(table, value="pct", title="x", lang="nl")
    assert paint.display == {"A": "−12,0 %", "B": "−1,0 %", "C": "geen verandering (niet bereikt)",
                             "D": "+3,0 %"}  # fmt: skip
    assert paint.colours["C"] == UNCHANGED_RGBA
    a, d = (np.asarray(paint.colours[k][:3], float) for k in "AD")
    assert a[2] > a[0] and d[0] > d[2]  # reductions blue, increases red
    assert [e.label for e in legend.entries][:2] == ["≤ −10 %", "−10 … −5 %"]
    prevented, _ = change_paint(table, value="prevented", title="x", lang="en", scale=5.0)
    assert prevented.colours["D"] == tuple(SUPPRESSED_RGBA)  # a suppressed count stays hidden
    assert prevented.display["A"] == "+2.0"
    assert change_scale([0.3, -0.7]) == 1.0 and change_scale([12.0]) == 20.0
    assert change_scale([]) == 1.0


@given(hst.lists(hst.floats(-60, 60, allow_nan=False), min_size=1, max_size=40))
def test_change_classes_are_monotone_and_symmetric(values):
    from viewer.scenario_layers import change_paint

    n = len(values)
    table = pd.DataFrame({"area": [f"A{i}" for i in range(n)], "change_pct_median": values,
                          "change_median": values, "affected": [True] * n,
                          "suppressed": [False] * n})  # fmt: skip
    paint, legend = change_paint(table, value="pct", title="x", lang="en")
    palette = [e.rgba for e in legend.entries[:-1]]
    classes = [palette.index(tuple(paint.colours[f"A{i}"])) for i in range(n)]
    order = np.argsort(values, kind="stable")
    assert all(np.diff(np.asarray(classes)[order]) >= 0)
    for v, k in zip(values, classes, strict=True):
        if -0.5 < v <= 0.5:
            assert k == len(palette) // 2  # "about no change" is the middle class


def test_scenario_map_payload_stays_small(demo):
    """A scenario's map (areas, highlighted streets and buildings, new lights) is kilobytes."""
    from scenarios import Scenario, model_from_twin, run_scenario, twin_changes
    from viewer.map import map_payload
    from viewer.scenario_layers import change_markers, change_paint, highlight_paints

    streets = list(demo.streets["id"].iloc[:40])
    scenario = Scenario("s", (make_intervention("street_lighting", streets=streets),))
    result = run_scenario(model_from_twin(demo), scenario)
    changed, _ = twin_changes(demo, scenario)
    paint, _ = change_paint(result.area_table("burglary", 3), value="pct", title="t", lang="nl")
    rule, street_paint, _ = highlight_paints(demo, changed, scenario, [], "nl")
    markers = change_markers(demo, changed, "nl")
    payload = map_payload(demo, key="scenario", buildings=rule, areas=paint, streets=street_paint,
                          overlays=[markers])  # fmt: skip
    size = len(json.dumps(payload, separators=(",", ":")))
    assert size < 40_000, size
    assert "coordinates" not in json.dumps(payload)
    assert payload["paint"]["buildings"]["blob"].endswith("scenario-buildings.bin")
    assert payload["overlays"][0]["id"] == "scen-lights"


def test_effective_status_respects_moderators():
    from viewer.scenario_run import effective_status

    evidence = [{"outcomes": [
        {"outcome": "violence", "status": "estimate", "areas_reached": 2,
         "moderator": {"baseline_rank_above": 0.6}, "effect_in_treated_area": {}},
        {"outcome": "burglary", "status": "estimate", "areas_reached": 2,
         "moderator": {"x": 1}, "effect_in_treated_area": {3: {}}},
    ]}]  # fmt: skip
    status = {"violence": "estimate", "burglary": "estimate", "nuisance": "not targeted"}
    assert effective_status(status, evidence) == {
        "violence": "no reliable evidence",
        "burglary": "estimate",
        "nuisance": "not targeted",
    }


@given(hst.floats(-1e4, 1e4, allow_nan=False), hst.sampled_from(["nl", "en", "de"]))
def test_numbers_read_back(v, lang):
    from viewer.scenario_format import fmt_num

    text = fmt_num(v, lang)
    plain = text.replace("−", "-").replace("+", "")
    plain = plain.replace(",", "") if lang == "en" else plain.replace(".", "").replace(",", ".")
    assert abs(float(plain) - v) <= 0.05 + 1e-9
    assert text.startswith("−") == (round(v, 1) < 0)


def test_highlights_show_what_the_scenario_changes(small):
    """Renovated and burglary-proofed buildings, lit and CCTV streets, picked targets."""
    from scenarios import Scenario, twin_changes
    from viewer.assets import get_asset
    from viewer.scenario_draft import Target
    from viewer.scenario_layers import change_markers, highlight_paints, place_markers

    vacant = small.buildings.loc[small.buildings["vacant"], "id"].iloc[0]
    other = small.buildings.loc[~small.buildings["vacant"], "id"].iloc[0]
    lit, watched, picked = small.streets["id"].iloc[:3]
    scenario = Scenario("s", (
        make_intervention("vacant_building_renovation", buildings=[vacant]),
        make_intervention("burglary_proofing", buildings=[other]),
        make_intervention("street_lighting", streets=[lit]),
        make_intervention("cctv", streets=[watched], reach_m=0.0),
        make_intervention("foot_patrol", spots=[(196100.0, 322050.0)]),
    ))  # fmt: skip
    changed, _ = twin_changes(small, scenario)
    basket = [Target("street", (picked,)), Target("spot", (), 196000.0, 322000.0)]
    rule, streets, legend = highlight_paints(small, changed, scenario, basket, "en")
    key = "/".join(rule["blob"].rsplit("/", 2)[-2:])  # <hash>/<name>
    classes = np.frombuffer(get_asset(key).raw, dtype=np.uint8)
    ids = list(small.buildings["id"])
    assert classes[ids.index(vacant)] == 2 and classes[ids.index(other)] == 3
    sid = list(small.streets["id"])
    assert streets.classes[sid.index(lit)] == 2 and streets.classes[sid.index(picked)] == 6
    assert streets.classes[sid.index(watched)] == 3
    labels = {e.label for e in legend.entries}
    assert {"renovated: no longer vacant", "burglary-proofed", "street with new lighting",
            "street in view of CCTV", "picked street (not placed yet)"} <= labels  # fmt: skip
    lights = change_markers(small, changed, "en")
    new = [tip for tip, _ in lights.tooltips if tip.startswith("New street light")]
    assert len(new) == int((changed.lights.get("added_by") == "street_lighting").sum()) > 0
    spots = place_markers(scenario, basket, "en")
    assert spots.ids[0].startswith("placed:5") and spots.ids[1] == basket[1].key


def test_renovating_a_vacant_home_shows_eyes_on_the_street_before_and_after(
    small_dir, small, monkeypatch
):
    b = small.buildings
    home = b[b["vacant"].fillna(False).astype(bool) & (b["use"] == "residential")].iloc[0]
    seed = {"measures": [{"intervention": "vacant_building_renovation",
                          "target": {"kind": "building", "id": home["id"]}}]}  # fmt: skip
    at = _page("nl", monkeypatch, small_dir, seed=seed)
    assert [i.type for i in at.session_state["scen_draft"].scenario.interventions] == [
        "vacant_building_renovation"
    ]
    text = _text(at)
    assert "Ogen op straat vóór → na" in text and "een leegstaand gebouw kijkt niet" in text
    assert "Verlichting vóór → na" not in text  # no lamp changed
    (night,) = [m for m in at.metric if m.label == "Ogen op straat 's avonds"]
    assert night.value.endswith("/ 100") and not night.delta.startswith("−")  # more eyes
    table = _frame_with(at, "'s Avonds (0–100) vóór → na")
    assert len(table) >= 1 and table["'s Avonds (0–100) vóór → na"].str.contains("→").all()
    assert "geen laag met hagen" not in text  # only computed measures: no caveat needed
