"""Saved views, permalinks, the story file format and the story store."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from viewer.story import (
    BUILDING_MODES,
    FILE_FORMAT,
    LAYERS,
    MAX_STEPS,
    Camera,
    SavedView,
    Step,
    Story,
    StoryError,
    demo_story,
    story_from_json,
    story_to_dict,
    story_to_json,
    view_from_query,
    view_to_query,
)
from viewer.story_store import StoryStore

CAM = Camera(5.9768, 50.8875, 15.2, 50.0, 10.0)


def _story(n: int = 3) -> Story:
    steps = tuple(
        Step(f"Stap {i}", SavedView(replace(CAM, zoom=14 + i), indicator="perceived_unsafety_pct",
                                    year=2020, caption=f"bijschrift {i}"), f"tekst {i}")
        for i in range(n)
    )  # fmt: skip
    return Story("Verhaal", steps, "beschrijving")


def test_layers_and_building_modes_match_the_map():
    from viewer.colouring import BUILDING_COLOURINGS
    from viewer.map import LAYER_NAMES

    assert tuple(LAYER_NAMES) == LAYERS
    assert tuple(BUILDING_COLOURINGS) == BUILDING_MODES


cameras = st.builds(
    Camera,
    longitude=st.floats(-180, 180),
    latitude=st.floats(-85, 85),
    zoom=st.floats(0, 22),
    pitch=st.floats(0, 85),
    bearing=st.floats(-720, 720),
)
views = st.builds(
    SavedView,
    camera=cameras,
    layers=st.lists(st.sampled_from(LAYERS), unique=True).map(tuple),
    indicator=st.sampled_from([None, "perceived_unsafety_pct", "liveability_score"]),
    year=st.sampled_from([None, 2016, 2020]),
    level=st.sampled_from(["buurt", "wijk"]),
    buildings=st.sampled_from(BUILDING_MODES),
    night=st.booleans(),
    top_down=st.booleans(),
    extrude=st.booleans(),
    k=st.integers(3, 7),
    scenario=st.sampled_from([None, 1, 42]),
    caption=st.text(max_size=80),
).map(lambda v: replace(v, outcome="burglary" if v.scenario else None))


@given(views)
def test_a_permalink_restores_the_view_exactly(view):
    v = view.normalised()
    assert view_from_query(view_to_query(v)) == v
    # and normalising is idempotent: a stored view and its link are the same view
    assert v.normalised() == v


def test_permalink_is_short_and_readable():
    q = view_to_query(SavedView(CAM, indicator="perceived_unsafety_pct", year=2020))
    assert q == {"lon": "5.9768", "lat": "50.8875", "zoom": "15.2", "pitch": "50",
                 "bearing": "10", "ind": "perceived_unsafety_pct", "year": "2020"}  # fmt: skip


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"lat": "50.8", "zoom": "15"}, "lacks the parameter lon"),
        ({"lon": "abc", "lat": "50.8", "zoom": "15"}, "lon='abc' is not valid"),
        ({"lon": "5.9", "lat": "50.8", "zoom": "40"}, "zoom 40.0 is outside"),
        ({"lon": "5.9", "lat": "50.8", "zoom": "15", "layers": "ground,rivers"}, "rivers"),
        ({"lon": "5.9", "lat": "50.8", "zoom": "15", "night": "yes"}, "night='yes'"),
        ({"lon": "5.9", "lat": "50.8", "zoom": "15", "scen": "3"}, "needs an outcome"),
        ({"lon": "5.9", "lat": "95", "zoom": "15"}, "not a longitude/latitude"),
    ],
)
def test_bad_permalinks_say_which_parameter(params, match):
    with pytest.raises(StoryError, match=match):
        view_from_query(params)


def test_story_file_round_trip_and_format():
    story = _story()
    text = story_to_json(story)
    doc = json.loads(text)
    assert doc["format"] == FILE_FORMAT and doc["version"] == 1
    assert [s["title"] for s in doc["steps"]] == ["Stap 0", "Stap 1", "Stap 2"]
    assert story_from_json(text.encode()) == story
    assert story_from_json(text) == story


@pytest.mark.parametrize(
    ("data", "code", "nl", "en"),
    [
        (b"{not json", "json", "geen geldige JSON (regel 1", "not valid JSON (line 1"),
        (b"\xff\xfe\x00", "encoding", "geen UTF-8", "not UTF-8"),
        (b"[]", "not_story", "geen verhaalbestand", "not a Social Twin story file"),
        (b'{"format": "socialtwin-story", "version": 9, "title": "x"}', "version",
         "versie van het verhaalbestand (9)", "version (9) is not supported"),
        (b'{"format": "socialtwin-story", "version": 1, "title": ""}', "required",
         "title is leeg", "title is empty"),
        (b'{"format": "socialtwin-story", "version": 1, "title": "x", "steps": [{"title": "a",'
         b' "view": {"camera": {"longitude": 5, "latitude": 50}}}]}', "camera",
         "steps[1].view.camera", "steps[1].view.camera needs longitude, latitude and zoom"),
        (b'{"format": "socialtwin-story", "version": 1, "title": "x", "steps": [{"title": "a",'
         b' "view": {"camera": {"longitude": 5, "latitude": 50, "zoom": 12}, "scenario": 4,'
         b' "outcome": "burglary"}}]}', "scenario_missing", "stap 1 gebruikt scenario 4",
         "step 1 uses scenario 4"),
        (b'{"format": "socialtwin-story", "version": 1, "title": "x", "colour": 1}',
         "unknown_field", "onbekend veld colour", "unknown field colour"),
        (b" " * 2_000_001, "too_big", "te groot", "too large"),
    ],
)  # fmt: skip
def test_bad_story_files_get_clear_messages_in_dutch_and_english(data, code, nl, en):
    with pytest.raises(StoryError) as info:
        story_from_json(data)
    err = info.value
    assert err.code == code
    assert nl in err.text("nl"), err.text("nl")
    assert en in err.text("en") or en in str(err), (err.text("en"), str(err))


def test_too_many_steps_refused():
    doc = story_to_dict(_story(1))
    doc["steps"] = doc["steps"] * (MAX_STEPS + 1)
    with pytest.raises(StoryError, match=f"at most {MAX_STEPS} steps"):
        story_from_json(json.dumps(doc))


def test_embedded_scenario_is_checked():
    doc = story_to_dict(_story(1))
    doc["steps"][0]["view"].update(scenario=1, outcome="burglary", horizon=3)
    doc["scenarios"] = {"1": {"scenario": {"name": "x"}, "intervention": [{"type": "nope"}]}}
    with pytest.raises(StoryError, match="scenario 1 is not valid") as info:
        story_from_json(json.dumps(doc))
    assert "scenario 1 in het bestand is ongeldig" in info.value.text("nl")


@pytest.mark.parametrize("lang", ["nl", "en", "de"])
def test_demo_story_fits_the_demo_twin(demo, lang):
    from viewer.story_scene import scene_from_view

    story = demo_story(lang)
    assert 5 <= len(story.steps) <= 12 and story.scenario_ids() == [1]
    kinds = set()
    for step in story.steps:
        scene = scene_from_view(demo, step.view, lang=lang, story=story)
        kinds.add("scenario" if scene.scenario else "indicator" if scene.table is not None else
                  "plain")  # fmt: skip
        assert scene.description
        if scene.scenario is not None:
            totals = scene.scenario.totals
            # every total carries its 80 % and 95 % interval around the median
            assert (totals["change_pct_lo95"] <= totals["change_pct_lo80"]).all()
            assert (totals["change_pct_lo80"] <= totals["change_pct_median"] + 1e-9).all()
            assert (totals["change_pct_median"] <= totals["change_pct_hi80"] + 1e-9).all()
            assert (totals["change_pct_hi80"] <= totals["change_pct_hi95"]).all()
            assert {e["outcomes"][0]["grade"] for e in scene.scenario.evidence} <= set("ABCD")
    assert kinds == {"scenario", "indicator", "plain"}


def test_scene_uses_only_public_values(demo):
    """A suppressed value shows as "<N" in the scene's table, never as its number."""
    from viewer.story_scene import scene_from_view

    small = demo
    pub = small.public
    for name in pub.values.data_vars:
        mask = pub.mask[name]
        stacked = mask.stack(cell=("year", "area"))
        hits = stacked[stacked].cell.values
        if len(hits):
            year, area = int(hits[0][0]), str(hits[0][1])
            level = str(small.indicators[name].sel(area=area)["level"].item())
            break
    else:
        raise AssertionError("the demo has suppressed values (the test needs one)")
    view = SavedView(CAM, indicator=str(name), year=year, level=level)
    scene = scene_from_view(small, view, lang="nl")
    row = scene.table[scene.table["area"] == area].iloc[0]
    assert row["value"].startswith("<")
    raw = float(small.indicators[name].sel(area=area, year=year))
    assert str(round(raw, 1)).replace(".", ",") not in row["value"]


def test_scene_errors_name_indicator_and_year(small):
    from viewer.story_scene import scene_from_view

    with pytest.raises(StoryError, match="no indicator 'nope'"):
        scene_from_view(small, SavedView(CAM, indicator="nope"), lang="nl")
    with pytest.raises(StoryError, match="no values for 1999"):
        scene_from_view(small, SavedView(CAM, indicator="perceived_unsafety_pct", year=1999),
                        lang="nl")  # fmt: skip


# -- the store -----------------------------------------------------------------------------------
def test_store_create_edit_reorder_delete(tmp_path):
    with StoryStore(tmp_path / "s.sqlite") as store:
        saved = store.create(_story())
        assert saved.revision == 1 and len(saved.story.steps) == 3
        moved = store.move_step(saved.id, 2, 0)
        assert [s.title for s in moved.story.steps] == ["Stap 2", "Stap 0", "Stap 1"]
        assert moved.revision == 2
        added = store.add_step(saved.id, Step("Nieuw", SavedView(CAM)), position=1)
        assert [s.title for s in added.story.steps][:2] == ["Stap 2", "Nieuw"]
        removed = store.remove_step(saved.id, 1)
        assert [s.title for s in removed.story.steps] == ["Stap 2", "Stap 0", "Stap 1"]
        # views come back exactly as saved
        assert removed.story.steps[0].view == _story().steps[2].view.normalised()
        assert [i.title for i in store.list()] == ["Verhaal"]
        store.delete(saved.id)
        assert store.list() == []
        with pytest.raises(StoryError, match="no saved story"):
            store.get(saved.id)


def test_store_refuses_a_stale_edit_and_loses_nothing(tmp_path):
    with StoryStore(tmp_path / "s.sqlite") as a, StoryStore(tmp_path / "s.sqlite") as b:
        saved = a.create(_story())
        b.update(saved.id, replace(saved.story, title="B was first"),
                 expected_revision=saved.revision)  # fmt: skip
        with pytest.raises(StoryError, match="changed elsewhere") as info:
            a.update(saved.id, replace(saved.story, title="A later"),
                     expected_revision=saved.revision)  # fmt: skip
        assert "niets overschreven" in info.value.text("nl")
        assert a.get(saved.id).story.title == "B was first"


def test_store_is_wal_with_foreign_keys_and_cascades(tmp_path):
    path = tmp_path / "s.sqlite"
    with StoryStore(path) as store:
        saved = store.create(_story())
        store.delete(saved.id)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT count(*) FROM steps").fetchone()[0] == 0


def test_a_bad_step_rolls_the_whole_save_back(tmp_path):
    with StoryStore(tmp_path / "s.sqlite") as store:
        saved = store.create(_story())
        bad = replace(saved.story, steps=(*saved.story.steps, Step("", SavedView(CAM))))
        with pytest.raises(StoryError, match="needs a title"):
            store.update(saved.id, bad)
        assert store.get(saved.id) == saved


def test_export_embeds_scenarios_and_import_restores_them(tmp_path, demo):
    from scenarios import ScenarioStore, scenario_from_toml, template_toml

    sstore = ScenarioStore(tmp_path / "sc.sqlite")
    sid = sstore.save(scenario_from_toml(template_toml(demo))).id
    view = SavedView(CAM, scenario=sid, outcome="burglary", horizon=3)
    with StoryStore(tmp_path / "s.sqlite") as store:
        saved = store.create(Story("Met scenario", (Step("Wat als", view),)))
        exported = store.export_story(saved.id, sstore)
        text = story_to_json(exported)
        assert json.loads(text)["scenarios"][str(sid)]["scenario"]["name"].startswith("Voorbeeld")
        # on another machine: an empty scenario store
        other = ScenarioStore(tmp_path / "other.sqlite")
        other.save(scenario_from_toml(template_toml(demo).replace("Voorbeeld", "Ander")))
        imported = store.import_story(story_from_json(text), other)
        new_id = imported.story.steps[0].view.scenario
        assert other.get(new_id).scenario.name == exported.scenarios[sid]["scenario"]["name"]
        # importing again reuses the same saved scenario
        again = store.import_story(story_from_json(text), other)
        assert again.story.steps[0].view.scenario == new_id
        sstore.delete(sid)
        with pytest.raises(StoryError, match="no longer exists") as info:
            store.export_story(saved.id, sstore)
        assert "bestaat niet (meer)" in info.value.text("nl")
