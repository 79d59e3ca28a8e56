"""The Monte-Carlo engine: a model (twin + registry + baseline) and a scenario in, draws out.

For every draw, buurt and outcome the scenario's expected count is the baseline draw times a
multiplier built from the placed interventions:

1. **Effect per intervention type** (one draw shared by all its placements, so that two
   scenarios with the same seed are paired): ln RR ~ Normal(mean, sqrt(SE² + tau² +
   sigma_transfer²)) — Normal(0, none_sd) without a reliable estimate — correlated across
   outcomes (``effect_correlation``), scaled by the dose and the time profile of the year.
2. **Kernel**: in buurt a the change is ``treated[a]·(RR−1) + ring[a]·c·(RR−1)``, with c the
   ring coefficient drawn from the entry's diffusion/displacement prior (clipped to [−1, 1]).
   Placements of the same type add up (their treated zones never overlap: a point treated
   twice counts once).
3. **Combination** (assumptions, labelled in every output): within one mechanism the type with
   the largest expected reduction in the buurt counts in full and the others at
   ``overlap_fraction`` (sub-additive); mechanisms multiply (independent); the total reduction
   is capped at the largest reduction seen in any single RCT for that outcome.

The multiplier is never below ``1 − cap`` > 0, so counts are never negative; an empty scenario
multiplies by exactly 1 and returns the baseline draws unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import xarray as xr

from scenarios.baseline import Baseline, baseline_from_twin
from scenarios.catalogue import INTERVENTION_IDS, intervention_catalogue
from scenarios.constants import BASELINE_YEARS
from scenarios.kernel import SpatialIndex
from scenarios.registry import OUTCOME_IDS, EvidenceEntry, Registry, load_registry
from scenarios.scenario import Intervention, Scenario
from twin import Twin

__all__ = ["Column", "ScenarioModel", "model_from_twin", "plan_columns", "simulate"]


@dataclass(eq=False)
class ScenarioModel:
    """What a scenario runs against: the twin, the registry, baselines and a spatial index.

    Build it once per twin (:func:`model_from_twin`) and reuse it: baselines, baseline draws
    and exposure zones are cached, so a scenario change only redoes the cheap part.
    """

    twin: Twin
    registry: Registry
    _baselines: dict[int, Baseline] = field(default_factory=dict)
    _draws: dict[tuple[int, int, int], np.ndarray] = field(default_factory=dict)
    _index: SpatialIndex | None = None
    _normals: dict[tuple[int, int, str], np.ndarray] = field(default_factory=dict)

    def baseline(self, years: int = BASELINE_YEARS) -> Baseline:
        if years not in self._baselines:
            self._baselines[years] = baseline_from_twin(self.twin, self.registry, years=years)
        return self._baselines[years]

    def baseline_draws(self, years: int, draws: int, seed: int) -> np.ndarray:
        """Baseline draws (outcome, area, draw), float32, cached per (years, draws, seed)."""
        key = (years, draws, seed)
        if key not in self._draws:
            if len(self._draws) >= 3:
                self._draws.pop(next(iter(self._draws)))
            self._draws[key] = self.baseline(years).draws(draws, seed)
            self._draws[key].flags.writeable = False
        return self._draws[key]

    def effect_normals(self, seed: int, draws: int, itype: str) -> np.ndarray:
        """Standard normals of one intervention type (cached: a parameter change reuses them)."""
        key = (seed, draws, itype)
        if key not in self._normals:
            if len(self._normals) >= 4 * len(INTERVENTION_IDS):
                self._normals.pop(next(iter(self._normals)))
            self._normals[key] = _effect_normals(seed, draws, itype)
            self._normals[key].flags.writeable = False
        return self._normals[key]

    @property
    def index(self) -> SpatialIndex:
        if self._index is None:
            self._index = SpatialIndex(self.twin, self.baseline().areas)
        return self._index


def model_from_twin(twin: Twin, *, registry: Registry | None = None) -> ScenarioModel:
    """A :class:`ScenarioModel` for ``twin`` (the shipped registry unless one is given)."""
    return ScenarioModel(twin=twin, registry=registry or load_registry())


@dataclass(frozen=True, eq=False)
class Column:
    """One placed intervention × outcome × variant, with its per-area exposure shares."""

    instance: int
    type: str
    outcome: str
    entry: EvidenceEntry
    mean: float  # ln RR mean for this variant (0 where a moderator switches the mean off)
    sd: float
    dose: float
    duration: float | None
    treated: np.ndarray  # (area,)
    ring: np.ndarray  # (area,)
    ring_mean: float
    ring_sd: float

    def year_factor(self, registry: Registry, year: int) -> float:
        return registry.time_profiles[self.entry.time_profile].factor(year, self.duration)


def _dose(entry: EvidenceEntry, item: Intervention) -> float:
    if not entry.dose:
        return 1.0
    value = float(item.param(entry.dose["parameter"]))
    return min(1.0, value / float(entry.dose["reference"]))


def plan_columns(model: ScenarioModel, scenario: Scenario) -> list[Column]:
    """Exposure columns of a scenario (geometry work only; cached per placement)."""
    reg = model.registry
    base = model.baseline(scenario.baseline_years)
    index = model.index
    columns: list[Column] = []
    claimed: dict[tuple[str, str, str], np.ndarray] = {}
    for n, item in enumerate(scenario.interventions):
        where = f"intervention {n + 1} ({item.type})"
        for o, oid in enumerate(base.outcomes):
            entry = reg.entry(item.type, oid)
            basis = reg.outcomes[oid].exposure
            reach = item.params.get("reach_m", entry.kernel.treated_m)
            ring_m = item.params.get("ring_m", entry.kernel.ring_m)
            t_idx, r_idx = index.zones(item.targets, reach, ring_m, basis, where)
            size = len(index.basis(basis).weight)
            done_t = claimed.get((item.type, oid, "t"), np.zeros(size, bool))
            done_r = claimed.get((item.type, oid, "r"), np.zeros(size, bool))
            t_new = t_idx[~done_t[t_idx]]
            r_new = r_idx[~done_t[r_idx] & ~done_r[r_idx]]
            done_t = done_t.copy()
            done_t[t_new] = True
            done_r = done_r.copy()
            done_r[r_new] = True
            claimed[(item.type, oid, "t")] = done_t
            claimed[(item.type, oid, "r")] = done_r
            treated = index.shares(t_new, basis)
            ring = index.shares(r_new, basis)
            if item.type == "burglary_proofing" and basis == "dwellings":
                treated = treated * float(item.param("share_of_dwellings"))
            prior = reg.ring_priors[entry.kernel.ring_prior]
            column = Column(
                instance=n,
                type=item.type,
                outcome=oid,
                entry=entry,
                mean=entry.ln_rr_mean if entry.estimate else 0.0,
                sd=entry.sd,
                dose=_dose(entry, item),
                duration=item.params.get("duration_years"),
                treated=treated,
                ring=ring,
                ring_mean=prior.mean,
                ring_sd=prior.sd,
            )
            if entry.moderator:
                on = base.rate_rank[:, o] >= float(entry.moderator["baseline_rank_above"])
                columns.append(replace(column, treated=treated * on, ring=ring * on))
                columns.append(replace(column, mean=0.0, treated=treated * ~on, ring=ring * ~on))
            else:
                columns.append(column)
    return columns


def _effect_normals(seed: int, draws: int, itype: str) -> np.ndarray:
    """Standard normals of one intervention type: rows u (common), v₁…v₅ (own), w₁…w₅ (ring).

    Keyed by (seed, type) so adding a measure never changes the draws of the others.
    """
    rng = np.random.default_rng([int(seed), 1, INTERVENTION_IDS.index(itype)])
    return rng.standard_normal((1 + 2 * len(OUTCOME_IDS), draws))


def simulate(
    model: ScenarioModel, scenario: Scenario, columns: list[Column] | None = None
) -> dict[str, Any]:
    """Run the Monte Carlo. Returns the raw arrays; :func:`scenarios.run_scenario` wraps them.

    Keys: ``baseline`` (draw, area, outcome), ``scenario`` (draw, horizon, area, outcome) —
    both views of outcome-major arrays —, ``prevented`` (draw, year) cumulative registered
    crimes prevented (None without costs), ``rr`` (treated-area RR draws per placement,
    outcome and horizon) and ``columns``.
    """
    reg = model.registry
    base = model.baseline(scenario.baseline_years)
    cols = plan_columns(model, scenario) if columns is None else columns
    D, A, n_out = scenario.draws, len(base.areas), len(base.outcomes)
    Bo = model.baseline_draws(scenario.baseline_years, D, scenario.seed)  # (outcome, area, draw)
    years = range(1, max(scenario.horizons) + 1)
    rho = reg.effect_correlation
    cat = intervention_catalogue()
    phi = reg.overlap_fraction

    # unit-scale effect draws z per type × outcome and ring coefficients c per placement
    z_of: dict[tuple[str, str], np.ndarray] = {}
    c_of: dict[tuple[int, str], np.ndarray] = {}
    for col in cols:
        n = model.effect_normals(scenario.seed, D, col.type)
        k = OUTCOME_IDS.index(col.outcome)
        if (col.type, col.outcome) not in z_of:
            z_of[(col.type, col.outcome)] = math.sqrt(rho) * n[0] + math.sqrt(1 - rho) * n[1 + k]
        if (col.instance, col.outcome) not in c_of:
            ring = col.ring_mean + col.ring_sd * n[1 + len(OUTCOME_IDS) + k]
            c_of[(col.instance, col.outcome)] = np.clip(ring, -1.0, 1.0)

    crime = {o for o, oid in enumerate(base.outcomes) if reg.outcomes[oid].pathway == "crime"}
    # working layout (outcome, horizon, area, draw): rows of 10,000 contiguous draws vectorise
    scen = np.empty((n_out, len(scenario.horizons), A, D), dtype=np.float32)
    costed = any(item.has_cost for item in scenario.interventions)
    prevented = np.zeros((D, len(years)), dtype=np.float64)
    rr_draws: dict[tuple[int, str, int], np.ndarray] = {}
    for t in years:
        if t not in scenario.horizons and not costed:
            continue  # an in-between year only matters for cumulative costs
        reported = t in scenario.horizons
        for o, oid in enumerate(base.outcomes):
            if not reported and o not in crime:
                continue  # a cost-only year needs registered crime only
            here = [c for c in cols if c.outcome == oid and (c.treated.any() or c.ring.any())]
            floor = np.float32(1.0 - reg.outcomes[oid].cap)
            m, touched, rr = _outcome_multiplier(reg, cat, here, z_of, c_of, t, D, phi, floor)
            if reported:
                for c, draws in rr.items():
                    rr_draws.setdefault((c.instance, oid, t), draws)
            b = Bo[o]
            if m is None:
                if reported:
                    scen[o, scenario.horizons.index(t)] = b
                continue
            bt = b if len(touched) == A else b[touched]
            if o in crime:  # prevented = Σ_a B·(1 − m)
                prevented[:, t - 1] += bt.sum(axis=0, dtype=np.float64)
                prevented[:, t - 1] -= np.einsum("ad,ad->d", bt, m, dtype=np.float64)
            if reported:
                out = scen[o, scenario.horizons.index(t)]
                if len(touched) == A:
                    np.multiply(b, m, out=out)
                else:
                    out[...] = b
                    out[touched] = bt * m
    return {
        "baseline": Bo.transpose(2, 1, 0),  # (draw, area, outcome) view
        "scenario": scen.transpose(3, 1, 2, 0),  # (draw, horizon, area, outcome) view
        "prevented": np.cumsum(prevented, axis=1) if costed else None,
        "rr": rr_draws,
        "columns": cols,
        "baseline_info": base,
    }


def _outcome_multiplier(
    reg: Registry,
    cat: Any,
    here: list[Column],
    z_of: dict[tuple[str, str], np.ndarray],
    c_of: dict[tuple[int, str], np.ndarray],
    t: int,
    D: int,
    phi: float,
    floor: np.float32,
) -> tuple[np.ndarray | None, np.ndarray, dict[Column, np.ndarray]]:
    """The capped (touched area, draw) multiplier of one outcome in year ``t``.

    Returns (None, [], {}) when nothing acts on the outcome. Only the areas that some
    placement reaches (treated or ring) are computed.
    """
    if not here:
        return None, np.zeros(0, int), {}
    oid = here[0].outcome
    touched = np.flatnonzero(np.any([c.treated + np.abs(c.ring) > 0 for c in here], axis=0))
    nA = len(touched)
    J = len(here)
    g = np.empty((J, D), dtype=np.float32)
    h = np.empty((J, D), dtype=np.float32)
    expected = np.empty((J, nA))
    rr: dict[Column, np.ndarray] = {}
    for j, c in enumerate(here):
        f = c.year_factor(reg, t) * c.dose
        gj = np.expm1(f * (c.mean + c.sd * z_of[(c.type, oid)]))
        g[j] = gj
        h[j] = c_of[(c.instance, oid)] * gj
        expected[j] = math.expm1(f * c.mean) * (c.treated + c.ring_mean * c.ring)[touched]
        if c.treated.any() and c.mean == c.entry.ln_rr_mean:
            rr[c] = 1.0 + gj
    gmin, hmin = g.min(axis=1), h.min(axis=1)
    # the type with the largest expected reduction in a buurt counts in full within its
    # mechanism; the other types there count at the overlap fraction (sub-additive)
    groups: dict[str, list[int]] = {}
    for j, c in enumerate(here):
        groups.setdefault(cat[c.type].mechanism, []).append(j)
    mult: np.ndarray | None = None
    ones_d = np.ones((1, D), dtype=np.float32)
    ones_a = np.ones((1, nA), dtype=np.float32)
    for members in groups.values():
        types = sorted({here[j].type for j in members}, key=INTERVENTION_IDS.index)
        weight = np.ones((len(members), nA))
        if len(types) > 1:
            per_type = np.stack(
                [expected[[j for j in members if here[j].type == ty]].sum(axis=0) for ty in types]
            )
            lead = np.argmin(per_type, axis=0)  # the most negative expected change
            for i, j in enumerate(members):
                weight[i] = np.where(lead == types.index(here[j].type), 1.0, phi)
        wt = weight * np.stack([here[j].treated[touched] for j in members])
        wr = weight * np.stack([here[j].ring[touched] for j in members])
        # factor = 1 + Σ wt·g + wr·h over the mechanism's placements, per area and draw
        # (rows without exposure are dropped); einsum with draws innermost, not BLAS: the
        # inner dimension is tiny and threaded BLAS is slower and noisier on a busy machine
        W = np.concatenate([ones_a, wt, wr]).astype(np.float32)
        GH = np.concatenate([ones_d, g[members], h[members]])
        keep = W.any(axis=1)
        factor = np.einsum("jd,ja->ad", GH[keep], W[keep])
        lowest = 1.0 + wt.T @ gmin[members] + wr.T @ hmin[members]
        if (lowest < 0).any():  # a harmful draw with displacement could go below zero
            np.maximum(factor, 0.0, out=factor)
        if mult is None:
            mult = factor
        else:
            mult *= factor
    assert mult is not None
    np.maximum(mult, floor, out=mult)
    return mult, touched, rr


def draws_dataset(model: ScenarioModel, scenario: Scenario, raw: dict[str, Any]) -> xr.Dataset:
    """The draws as an xarray Dataset (draw × horizon × area × outcome)."""
    base: Baseline = raw["baseline_info"]
    reg = model.registry
    return xr.Dataset(
        {
            "baseline": (("draw", "area", "outcome"), raw["baseline"]),
            "scenario": (("draw", "horizon", "area", "outcome"), raw["scenario"]),
        },
        coords={
            "draw": np.arange(scenario.draws),
            "horizon": np.asarray(scenario.horizons),
            "area": np.asarray(base.areas, dtype=object),
            "outcome": np.asarray(base.outcomes, dtype=object),
            "area_name": ("area", np.asarray(base.names, dtype=object)),
            "inhabitants": ("area", base.inhabitants),
            "suppressed": (("area", "outcome"), base.suppressed),
            "synthetic": ("outcome", np.asarray([base.synthetic[o] for o in base.outcomes])),
            "pathway": (
                "outcome",
                np.asarray([reg.outcomes[o].pathway for o in base.outcomes], dtype=object),
            ),
        },
        attrs={
            "title": f"Scenario {scenario.name!r}: expected counts per year",
            "units": "expected registered incidents (perceived_unsafety: residents) per year",
            "seed": scenario.seed,
            "draws": scenario.draws,
            "registry_version": reg.version,
            "twin": model.twin.name,
            "twin_fingerprint": model.twin.fingerprint,
        },
    )
