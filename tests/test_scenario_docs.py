"""The scenario docs stay true to the code and the registry."""

from __future__ import annotations

import re
from pathlib import Path

from scenarios import (
    INTERVENTION_IDS,
    OUTCOME_IDS,
    intervention_catalogue,
    load_registry,
    scenario_from_toml,
)
from scenarios.result import assumptions

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_evidence_page_lists_every_entry_as_in_the_registry():
    text = (DOCS / "evidence.md").read_text(encoding="utf-8")
    reg = load_registry()
    assert reg.version in text
    for e in reg.entries:
        if e.estimate:
            d = e.to_dict()
            effect = f"RR {e.rr:.2f} ({d['rr_95'][0]:.2f}–{d['rr_95'][1]:.2f})"
            flag = e.figure_flag
        else:
            effect, flag = "no reliable estimate", "–"
        sources = "; ".join(f"{c.ref} {c.flag}" for c in e.citations)
        row = f"| `{e.intervention}` | {e.outcome} | {effect} | {e.grade} | {flag} | {sources} |"
        assert row in text, f"docs/evidence.md is out of date for {e.id}: {row}"


def test_scenarios_page_names_every_id_parameter_and_assumption():
    text = (DOCS / "scenarios.md").read_text(encoding="utf-8")
    cat = intervention_catalogue()
    for iid in INTERVENTION_IDS:
        assert f"`{iid}`" in text
        for p in cat[iid].parameters:
            assert f"`{p.name}`" in text, p.name
    for p in cat.common:
        assert f"`{p.name}`" in text
    for oid in OUTCOME_IDS:
        assert f"`{oid}`" in text
    for a in assumptions(load_registry()):
        assert f"`{a['id']}`" in text, a["id"]


def test_the_documented_example_file_parses():
    text = (DOCS / "scenarios.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", text, re.S).group(1)
    s = scenario_from_toml(block)
    assert [i.type for i in s.interventions] == ["street_lighting", "foot_patrol", "cctv"]
    assert s.harm_weights["violence"] == 3.0
