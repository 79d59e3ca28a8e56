"""The evidence registry (``scenarios``) as an :class:`~assistant.providers.EvidenceProvider`.

One entry per intervention × outcome of ``data/evidence/registry.toml``, read through the
scenarios package (:func:`scenarios.load_registry`, :func:`scenarios.intervention_catalogue`).
Log risk ratios become % changes as ``100 × (exp(x) − 1)``. The 95 % interval is the one the
scenario engine draws from: the study's standard error widened by heterogeneity (τ) and the
transfer to this setting (σ_transfer), so it is what the evidence says *for here*, and says so.
An entry without an estimate is ``no_reliable_estimate`` (never "no effect").

>>> e = RegistryEvidence().evidence("street_lighting", "burglary")[0]
>>> e["effect_pct_median"], e["grade"], e["figure_flag"]
(-14.0, 'B', '✔')
"""

from __future__ import annotations

import math
from typing import Any

from assistant._catalogue import catalogue
from scenarios import Registry, intervention_catalogue, load_registry
from scenarios.registry import EvidenceEntry

__all__ = ["RegistryEvidence", "effect_pct", "evidence_entry"]

#: z of the two-sided 95 % interval.
_Z95 = 1.959964
#: What the verification flags of the evidence review mean (EVIDENCE.md).
FLAG_MEANING = {
    "✔": "read in a source excerpt",
    "◐": "from a secondary source",
    "✖": "unverified (never used as an estimate)",
}
#: How the interval was made, stated with every entry.
INTERVAL_BASIS = (
    "95 % interval of the effect applied here: the study's standard error widened by "
    "heterogeneity (tau) and transfer to this setting (sigma_transfer), as the scenario engine "
    "draws it"
)


def effect_pct(ln_rr: float) -> float:
    """A log risk ratio as a % change, to one decimal.

    >>> effect_pct(-0.1508)
    -14.0
    """
    return round(100.0 * (math.exp(ln_rr) - 1.0), 1)


def _citation(entry: EvidenceEntry) -> str:
    return "; ".join(f"{c.text} {c.flag}" for c in entry.citations)


def evidence_entry(registry: Registry, entry: EvidenceEntry) -> dict[str, Any]:
    """One registry entry in the shape of the evidence protocol (plus flags and citations)."""
    outcome = registry.outcomes[entry.outcome]
    out: dict[str, Any] = {
        "intervention": entry.intervention,
        "outcome": entry.outcome,
        "outcome_label_nl": outcome.name("nl"),
        "outcome_label_en": outcome.name("en"),
        "effect_pct_median": None,
        "effect_pct_low95": None,
        "effect_pct_high95": None,
        "no_reliable_estimate": not entry.estimate,
        "grade": entry.grade,
        "citation": _citation(entry),
        "verified": entry.figure_flag == "✔" if entry.estimate else True,
        "figure_flag": entry.figure_flag if entry.estimate else "",
        "citations": [
            {
                "text": c.text,
                "flag": c.flag,
                "flag_meaning": FLAG_MEANING[c.flag],
                "supports": c.supports,
            }
            for c in entry.citations
        ],
        "summary": entry.summary,
        "transfer_note": entry.transfer,
        "reach": f"{entry.kernel.treated} (within {entry.kernel.treated_m:g} m)",
        "time_to_effect": registry.time_profiles[entry.time_profile].basis,
    }
    if entry.estimate:
        half = _Z95 * entry.sd
        out |= {
            "effect_pct_median": effect_pct(entry.ln_rr_mean),
            "effect_pct_low95": effect_pct(entry.ln_rr_mean - half),
            "effect_pct_high95": effect_pct(entry.ln_rr_mean + half),
            "interval_basis": INTERVAL_BASIS,
        }
    else:
        out["text"] = "no reliable evidence of an effect (not the same as no effect)"
    return out


class RegistryEvidence:
    """The shipped evidence registry (or ``registry``) behind the evidence protocol."""

    def __init__(self, registry: Registry | None = None) -> None:
        self.registry = registry or load_registry()
        words = {
            str(i["key"]): list(i.get("words", [])) for i in catalogue("intents")["intervention"]
        }
        cat = intervention_catalogue()
        self._items = [
            {
                "id": ident,
                "name_nl": cat[ident].label("nl"),
                "name_en": cat[ident].label("en"),
                "synonyms": words.get(ident, []),
            }
            for ident in cat.ids
        ]

    def interventions(self) -> list[dict[str, Any]]:
        return [dict(i) for i in self._items]

    def evidence(
        self, intervention: str | None = None, outcome: str | None = None
    ) -> list[dict[str, Any]]:
        return [
            evidence_entry(self.registry, e)
            for e in self.registry.entries
            if (intervention is None or e.intervention == intervention)
            and (outcome is None or e.outcome == outcome)
        ]
