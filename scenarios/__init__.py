"""What-if scenarios: evidence-based effects of place-based interventions, with honest uncertainty.

>>> from twin import load_twin
>>> from scenarios import model_from_twin, run_scenario, scenario_from_toml, template_toml
>>> twin = load_twin()
>>> model = model_from_twin(twin)                     # build once per twin; caches inside
>>> scenario = scenario_from_toml(template_toml(twin))
>>> result = run_scenario(model, scenario)           # 10,000 seeded draws
>>> sorted(result.dataset.sizes.items())
[('area', 57), ('draw', 10000), ('horizon', 2), ('outcome', 5)]

Public API:

- catalogue and evidence: :func:`intervention_catalogue` (the ten canonical interventions,
  their parameters and targets, as data), :func:`load_registry` (the evidence registry);
- scenarios: :class:`Scenario`, :class:`Intervention`, :class:`Targets`,
  :func:`make_intervention` (e.g. from a CPTED proposed measure),
  :func:`scenario_from_toml`, :func:`scenario_from_dict`, :func:`scenario_to_toml`,
  :func:`scenario_to_dict`, :func:`template_toml`;
- running: :func:`model_from_twin`, :func:`run_scenario` → :class:`ScenarioResult`
  (``dataset``, ``totals()``, ``area_table()``, ``harm()``, ``cost()``, ``evidence()``,
  ``assumptions``, ``to_dict()``);
- comparing: :func:`compare_results` → :class:`Comparison`;
- the changed twin: :func:`apply_to_twin`, :func:`twin_changes`;
- saving: :class:`ScenarioStore` (SQLite; the only module here that touches files);
- errors: :class:`ScenarioError`.
"""

from __future__ import annotations

from scenarios.catalogue import (
    INTERVENTION_IDS,
    Catalogue,
    InterventionType,
    Parameter,
    intervention_catalogue,
)
from scenarios.compare import Comparison, compare_results
from scenarios.engine import ScenarioModel, model_from_twin
from scenarios.errors import ScenarioError
from scenarios.registry import OUTCOME_IDS, EvidenceEntry, Registry, load_registry
from scenarios.result import ScenarioResult, run_scenario
from scenarios.scenario import (
    Intervention,
    Scenario,
    Targets,
    make_intervention,
    scenario_from_dict,
    scenario_from_toml,
    scenario_to_dict,
    scenario_to_toml,
)
from scenarios.store import ScenarioInfo, ScenarioStore, StoredScenario
from scenarios.template import template_toml
from scenarios.twin_changes import apply_to_twin, twin_changes

__all__ = [
    "INTERVENTION_IDS",
    "OUTCOME_IDS",
    "Catalogue",
    "Comparison",
    "EvidenceEntry",
    "Intervention",
    "InterventionType",
    "Parameter",
    "Registry",
    "Scenario",
    "ScenarioError",
    "ScenarioInfo",
    "ScenarioModel",
    "ScenarioResult",
    "ScenarioStore",
    "StoredScenario",
    "Targets",
    "apply_to_twin",
    "compare_results",
    "intervention_catalogue",
    "load_registry",
    "make_intervention",
    "model_from_twin",
    "run_scenario",
    "scenario_from_dict",
    "scenario_from_toml",
    "scenario_to_dict",
    "scenario_to_toml",
    "template_toml",
    "twin_changes",
]
