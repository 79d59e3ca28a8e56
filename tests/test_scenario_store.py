"""The scenario store: every operation, transactions, WAL and foreign keys."""

from __future__ import annotations

import sqlite3

import pytest

from scenarios import ScenarioError, ScenarioStore, scenario_from_dict
from twin import get_settings


def make(name="Centrum licht", **extra):
    return scenario_from_dict(
        {
            "scenario": {"name": name, "description": "test", "seed": 5, "draws": 500},
            "harm_weights": {"violence": 4.0},
            "intervention": [
                {
                    "type": "street_lighting",
                    "streets": ["DEMO.weg.000002"],
                    "spacing_m": 25.0,
                    "cost_eur": 1000.0,
                    "label": "a <b>",
                },
                {"type": "foot_patrol", "areas": ["BU09173300"], "hours_per_week": 12.0},
                {"type": "cctv", "spots": [[191500.0, 325500.0]]},
            ],
            **extra,
        }
    )


@pytest.fixture
def store():
    with ScenarioStore() as s:
        yield s


def test_store_lives_in_the_home_folder_with_wal_and_foreign_keys(store):
    assert store.path.parent == get_settings().home_path
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_save_and_get_round_trip(store):
    s = make()
    saved = store.save(s)
    assert saved.id > 0 and saved.revision == 1
    again = store.get(saved.id)
    assert again.scenario == s
    assert again.scenario.interventions[0].label == "a <b>"
    assert store.find("  centrum   LICHT ").id == saved.id
    assert store.find("nope") is None


def test_names_are_unique_ignoring_case(store):
    store.save(make())
    with pytest.raises(ScenarioError, match="already exists"):
        store.save(make(name="CENTRUM LICHT"))
    assert len(store.list()) == 1


def test_list(store):
    a = store.save(make("A"))
    b = store.save(make("B"))
    rows = store.list()
    assert {r.id for r in rows} == {a.id, b.id}
    row = next(r for r in rows if r.id == a.id)
    assert row.name == "A" and row.interventions == 3
    assert row.types == ("street_lighting", "foot_patrol", "cctv")


def test_edit_bumps_the_revision_and_checks_it(store):
    saved = store.save(make())
    from dataclasses import replace

    edited = replace(
        saved.scenario, interventions=saved.scenario.interventions[:1], description="korter"
    )
    after = store.update(saved.id, edited, expected_revision=1)
    assert after.revision == 2 and len(after.scenario.interventions) == 1
    assert after.scenario.description == "korter"
    with pytest.raises(ScenarioError, match="changed by someone else"):
        store.update(saved.id, saved.scenario, expected_revision=1)
    assert store.get(saved.id).revision == 2  # the refused edit changed nothing


def test_rename(store):
    saved = store.save(make())
    store.save(make("Bezet"))
    assert store.rename(saved.id, "Nieuwe naam").scenario.name == "Nieuwe naam"
    with pytest.raises(ScenarioError, match="already exists"):
        store.rename(saved.id, "bezet")
    with pytest.raises(ScenarioError, match="1–120 characters"):
        store.rename(saved.id, "   ")
    assert store.get(saved.id).scenario.name == "Nieuwe naam"


def test_duplicate(store):
    saved = store.save(make())
    one = store.duplicate(saved.id)
    two = store.duplicate(saved.id)
    named = store.duplicate(saved.id, "Variant B")
    assert one.scenario.name == "Centrum licht (copy)"
    assert two.scenario.name == "Centrum licht (copy 2)"
    assert named.scenario.name == "Variant B"
    assert one.scenario.interventions == saved.scenario.interventions
    assert len({one.id, two.id, named.id, saved.id}) == 4


def test_delete_cascades(store):
    saved = store.save(make())
    store.delete(saved.id)
    assert store.list() == []
    left = store._db.execute("SELECT count(*) FROM interventions").fetchone()[0]
    assert left == 0
    with pytest.raises(ScenarioError, match="no saved scenario with id"):
        store.get(saved.id)
    with pytest.raises(ScenarioError, match="no saved scenario with id"):
        store.delete(saved.id)


def test_a_failed_write_leaves_nothing_half_done(store, monkeypatch):
    saved = store.save(make())
    from dataclasses import replace

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_write_interventions", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        store.update(saved.id, replace(saved.scenario, name="Half"))
    with pytest.raises(RuntimeError, match="disk full"):
        store.save(make("Nieuw"))
    monkeypatch.undo()
    assert [r.name for r in store.list()] == ["Centrum licht"]
    assert store.get(saved.id).scenario == saved.scenario


def test_saved_scenarios_survive_reopening(store):
    saved = store.save(make())
    store.close()
    with ScenarioStore() as again:
        assert again.get(saved.id).scenario == saved.scenario


def test_foreign_keys_are_enforced(store):
    with pytest.raises(sqlite3.IntegrityError):
        store._db.execute("INSERT INTO interventions VALUES (999, 0, 'cctv', '', '{}', '{}')")
