"""Scenario results: the draws Dataset and its summaries (never a bare point estimate).

:func:`run_scenario` runs a scenario on a model and returns a :class:`ScenarioResult`:

- ``result.dataset`` — xarray Dataset (draw × horizon × area × outcome) of expected yearly
  counts, with ``baseline`` (draw × area × outcome);
- :meth:`ScenarioResult.totals` — city totals per outcome and horizon: median, 80 % and 95 %
  intervals of the scenario, the change and the % change, and P(reduction);
- :meth:`ScenarioResult.area_table` — the small per-buurt table a map needs (one outcome,
  one horizon): what the UI re-sends when a scenario changes;
- :meth:`ScenarioResult.harm` — a harm-weighted index with its (visible) weights;
- :meth:`ScenarioResult.cost` — cost per prevented incident where costs are given;
- :meth:`ScenarioResult.evidence` — per intervention × outcome: estimate or "no reliable
  evidence", grade, flags, citations, and the effect in the treated area;
- :attr:`ScenarioResult.assumptions` — every modelling assumption, labelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from scenarios.engine import ScenarioModel, draws_dataset, simulate
from scenarios.registry import Registry
from scenarios.scenario import Scenario

__all__ = ["QUANTILES", "ScenarioResult", "assumptions", "run_scenario", "stats_of"]

#: What the default harm weights are (and are not).
HARM_WEIGHTS_BASIS = (
    "illustrative defaults of the project (violence 3, burglary 2, vandalism 1, nuisance 0.25), "
    "not a published index; set [harm_weights] in the scenario (WODC 'omvang × ernst' or the "
    "Cambridge Crime Harm Index are the recommended sources)"
)
#: 2.5 %, 10 %, 50 %, 90 %, 97.5 %: the 95 % and 80 % intervals and the median.
QUANTILES = (0.025, 0.10, 0.50, 0.90, 0.975)
NO_EVIDENCE_TEXT = {
    "en": "no reliable evidence of an effect (this widens the interval; it is not 'no effect')",
    "nl": "geen betrouwbaar bewijs voor een effect "
    "(dit verbreedt het interval; het is niet 'geen effect')",
}


def stats_of(x: np.ndarray, axis: int = 0) -> dict[str, np.ndarray]:
    """Median, 80 % and 95 % bounds of draws along ``axis``."""
    q = np.quantile(np.asarray(x, dtype=np.float64), QUANTILES, axis=axis)
    return {"median": q[2], "lo80": q[1], "hi80": q[3], "lo95": q[0], "hi95": q[4]}


def _round(v: Any, nd: int = 3) -> Any:
    if v is None:
        return None
    f = float(v)
    return None if not np.isfinite(f) else round(f, nd)


def _interval(st: dict[str, np.ndarray], i: Any = ()) -> dict[str, Any]:
    return {
        "median": _round(st["median"][i]),
        "80": [_round(st["lo80"][i]), _round(st["hi80"][i])],
        "95": [_round(st["lo95"][i]), _round(st["hi95"][i])],
    }


def _median_moved(s: np.ndarray, b: np.ndarray, moved: np.ndarray) -> np.ndarray:
    """Median of ``s`` minus the median of ``b`` where something moved, 0 elsewhere."""
    out = np.zeros(b.shape[1])
    if len(moved):
        out[moved] = np.median(s[:, moved], axis=0) - np.median(b[:, moved], axis=0)
    return out


def assumptions(reg: Registry) -> list[dict[str, str]]:
    """The modelling assumptions every result carries (also listed in docs/scenarios.md)."""
    prof = "; ".join(
        f"{p.name}: {', '.join(f'{x:g}' for x in p.year_factors)} ({p.after_stop} when stopped)"
        for p in reg.time_profiles.values()
    )
    caps = "; ".join(f"{o.id} {o.cap:.1%}" for o in reg.outcomes.values())
    texts = {
        "combination.independent": "Interventions with different mechanisms combine "
        "multiplicatively (their log effects add): assumed independent.",
        "combination.overlap": "Within one mechanism, in each buurt the type with the largest "
        f"expected reduction counts in full and the others at {reg.overlap_fraction:g} of their "
        "effect (sub-additive overlap). No validated rule exists (EVIDENCE.md §5.5).",
        "combination.cap": "Each outcome's combined reduction is capped at the largest reduction "
        f"seen in any single RCT for that crime type: {caps}.",
        "effects.transfer": "Effects from other settings are applied to Heerlen with an extra "
        "spread sigma_transfer per entry; tau and the registry's SE rules are assumptions where "
        "no interval was retrieved.",
        "effects.correlation": "One intervention's effects on different outcomes are correlated "
        f"(rho = {reg.effect_correlation:g}); different interventions are independent.",
        "effects.none": "An entry without a reliable estimate is drawn as ln RR ~ Normal(0, "
        f"{reg.none_sd:g}): it may help or harm; it widens intervals and does not move the median.",
        "kernel.radii": "Treated reach and ring width in metres are modelling assumptions (no "
        "source states metre buffers); they are parameters of each intervention.",
        "kernel.ring": "The ring's change is a fraction c of the treated change, c drawn from the "
        "entry's diffusion/displacement prior and clipped to [−1, 1].",
        "kernel.exposure": "Where crime happens inside a buurt is unknown: burglary and perceived "
        "unsafety follow dwellings; street crime and nuisance follow street length.",
        "time.profiles": f"Share of the full log effect by year — {prof}.",
        "baseline.stationary": "The baseline is the mean of the most recent indicator years, "
        "assumed to hold in the horizon years (no trend).",
        "baseline.imputed": "Suppressed or missing buurt values are estimated from the public "
        "remainder of their wijk or municipality and carry extra uncertainty; their absolute "
        "numbers are never shown per buurt.",
        "outcome.expected": "Results are expected yearly counts; a single year's registered count "
        "scatters further around them (Poisson).",
    }
    return [{"id": k, "text": v} for k, v in texts.items()]


@dataclass(eq=False)
class ScenarioResult:
    """The outcome of :func:`run_scenario`."""

    scenario: Scenario
    model: ScenarioModel
    dataset: xr.Dataset
    prevented: np.ndarray | None
    raw: dict[str, Any]

    # -- basics ------------------------------------------------------------------------------
    @property
    def registry(self) -> Registry:
        return self.model.registry

    @property
    def outcomes(self) -> tuple[str, ...]:
        return tuple(str(o) for o in self.dataset["outcome"].to_numpy())

    @property
    def horizons(self) -> tuple[int, ...]:
        return self.scenario.horizons

    @property
    def assumptions(self) -> list[dict[str, str]]:
        return assumptions(self.registry)

    def harm_weights(self) -> dict[str, float]:
        """Harm weights in use: the registry's defaults, overridden by the scenario's."""
        out = {}
        for oid in self.outcomes:
            o = self.registry.outcomes[oid]
            if o.pathway != "perception" and o.harm_weight is not None:
                out[oid] = float(self.scenario.harm_weights.get(oid, o.harm_weight))
        return out

    def evidence_status(self) -> dict[str, str]:
        """Per outcome: ``estimate``, ``no reliable evidence`` or ``not targeted``."""
        out = {}
        for oid in self.outcomes:
            cols = [
                c
                for c in self.raw["columns"]
                if c.outcome == oid and (c.treated.any() or c.ring.any())
            ]
            if not cols:
                out[oid] = "not targeted"
            elif any(c.entry.estimate for c in cols):
                out[oid] = "estimate"
            else:
                out[oid] = "no reliable evidence"
        return out

    # -- totals ------------------------------------------------------------------------------
    def totals(self) -> pd.DataFrame:
        """City totals per outcome × horizon (rows), with medians and intervals (columns)."""
        ds = self.dataset
        base = ds["baseline"].sum("area").to_numpy()  # (draw, outcome)
        scen = ds["scenario"].sum("area").to_numpy()  # (draw, horizon, outcome)
        inh = float(ds["inhabitants"].sum())
        status = self.evidence_status()
        rows = []
        for h, year in enumerate(self.horizons):
            for o, oid in enumerate(self.outcomes):
                b, s = base[:, o], scen[:, h, o]
                change = s - b
                pct = np.where(b > 0, change / np.where(b > 0, b, 1) * 100, 0.0)
                row: dict[str, Any] = {"horizon": year, "outcome": oid, "evidence": status[oid]}
                for name, arr in (
                    ("baseline", b),
                    ("scenario", s),
                    ("change", change),
                    ("change_pct", pct),
                ):
                    st = stats_of(arr)
                    for k, v in st.items():
                        row[f"{name}_{k}"] = float(v)
                row["p_reduction"] = float(np.mean(s < b))
                if oid == "perceived_unsafety" and inh > 0:
                    for k, v in stats_of(s / inh * 100).items():
                        row[f"scenario_pct_{k}"] = float(v)
                    row["baseline_pct_median"] = float(np.median(b / inh * 100))
                row["synthetic"] = bool(ds["synthetic"].sel(outcome=oid))
                rows.append(row)
        return pd.DataFrame(rows)

    def area_table(self, outcome: str, horizon: int | None = None) -> pd.DataFrame:
        """Per-buurt change of one outcome at one horizon: small, ready for a map layer.

        Absolute counts are withheld (NaN) where the source suppressed the buurt's value;
        relative change and P(reduction) are shown for every buurt.
        """
        horizon = self.horizons[-1] if horizon is None else horizon
        ds = self.dataset
        b = ds["baseline"].sel(outcome=outcome).to_numpy()
        s = ds["scenario"].sel(outcome=outcome, horizon=horizon).to_numpy()
        change = s - b
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = np.where(b > 0, change / b * 100, 0.0)
        # quantiles only where something changed (elsewhere every draw is exactly 0)
        moved = np.flatnonzero(np.any(change != 0, axis=0))
        q_change = {k: np.zeros(b.shape[1]) for k in ("median", "lo80", "hi80", "lo95", "hi95")}
        q_pct = {k: v.copy() for k, v in q_change.items()}
        if len(moved):
            for target, arr in ((q_change, change), (q_pct, pct)):
                for k, v in stats_of(arr[:, moved]).items():
                    target[k][moved] = v
        hidden = ds["suppressed"].sel(outcome=outcome).to_numpy()
        base_median = self._baseline_median(outcome)
        frame = pd.DataFrame(
            {
                "area": ds["area"].to_numpy(),
                "name": ds["area_name"].to_numpy(),
                "baseline_median": base_median,
                "scenario_median": base_median + _median_moved(s, b, moved),
                "change_median": q_change["median"],
                "change_lo80": q_change["lo80"],
                "change_hi80": q_change["hi80"],
                "change_pct_median": q_pct["median"],
                "change_pct_lo80": q_pct["lo80"],
                "change_pct_hi80": q_pct["hi80"],
                "change_pct_lo95": q_pct["lo95"],
                "change_pct_hi95": q_pct["hi95"],
                "p_reduction": (s < b).mean(axis=0),
                "suppressed": hidden,
            }
        )
        for col in (
            "baseline_median",
            "scenario_median",
            "change_median",
            "change_lo80",
            "change_hi80",
        ):
            frame.loc[hidden, col] = np.nan
        frame["affected"] = ~np.isclose(q_pct["lo95"], 0) | ~np.isclose(q_pct["hi95"], 0)
        return frame

    def _baseline_median(self, outcome: str) -> np.ndarray:
        cache = self.raw.setdefault("_baseline_median", {})
        if outcome not in cache:
            cache[outcome] = np.median(
                self.dataset["baseline"].sel(outcome=outcome).to_numpy(), axis=0
            )
        return np.asarray(cache[outcome])

    # -- harm, perception, cost --------------------------------------------------------------
    def harm(self) -> dict[str, Any]:
        """Harm-weighted index (sum of weight × count over crime and nuisance outcomes)."""
        weights = self.harm_weights()
        ds = self.dataset
        w = xr.DataArray(
            [weights.get(o, 0.0) for o in self.outcomes],
            dims="outcome",
            coords={"outcome": list(self.outcomes)},
        )
        base = (ds["baseline"].sum("area") * w).sum("outcome").to_numpy()
        scen = (ds["scenario"].sum("area") * w).sum("outcome").to_numpy()
        out: dict[str, Any] = {
            "weights": weights,
            "weights_basis": HARM_WEIGHTS_BASIS,
            "baseline": _interval(stats_of(base)),
            "horizons": {},
        }
        for h, year in enumerate(self.horizons):
            change = scen[:, h] - base
            out["horizons"][year] = {
                "scenario": _interval(stats_of(scen[:, h])),
                "change": _interval(stats_of(change)),
                "change_pct": _interval(stats_of(change / base * 100)),
                "p_reduction": _round(np.mean(change < 0)),
            }
        return out

    def cost(self) -> dict[str, Any] | None:
        """Cost per prevented registered crime (burglary + vandalism + violence), cumulative.

        None when no intervention has a cost. Bounds where the prevented count is not above
        zero are None ("no incident prevented" — the cost per incident is unbounded).
        """
        if self.prevented is None:
            return None
        out: dict[str, Any] = {
            "outcomes": [o for o in self.outcomes if self.registry.outcomes[o].pathway == "crime"],
            "horizons": {},
        }
        for year in self.horizons:
            total = sum(i.cost_until(year) for i in self.scenario.interventions)
            prev = self.prevented[:, year - 1]
            q = np.quantile(prev, QUANTILES)

            def per(x: float, total: float = total) -> float | None:
                return round(total / x, 0) if x > 0 else None

            out["horizons"][year] = {
                "cost_eur": round(total, 2),
                "prevented": {
                    "median": _round(q[2], 1),
                    "80": [_round(q[1], 1), _round(q[3], 1)],
                    "95": [_round(q[0], 1), _round(q[4], 1)],
                },
                "eur_per_prevented": {
                    "median": per(q[2]),
                    "80": [per(q[3]), per(q[1])],
                    "95": [per(q[4]), per(q[0])],
                },
                "p_any_prevented": _round(np.mean(prev > 0)),
            }
        return out

    # -- evidence ----------------------------------------------------------------------------
    def evidence(self, lang: str = "en") -> list[dict[str, Any]]:
        """Per placed intervention × outcome: status, grade, citations, treated-area effect."""
        out = []
        cols = self.raw["columns"]
        rr = self.raw["rr"]
        for n, item in enumerate(self.scenario.interventions):
            rows = []
            for oid in self.outcomes:
                mine = [c for c in cols if c.instance == n and c.outcome == oid]
                if not mine:
                    continue
                entry = mine[0].entry
                d = entry.to_dict()
                reach = [c for c in mine if c.treated.any()]
                d["treated_share_max"] = _round(
                    max((float(c.treated.max()) for c in mine), default=0.0)
                )
                d["areas_reached"] = int(
                    np.count_nonzero(np.any([c.treated + np.abs(c.ring) > 0 for c in mine], axis=0))
                )
                if not entry.estimate:
                    d["text"] = NO_EVIDENCE_TEXT.get(lang, NO_EVIDENCE_TEXT["en"])
                d["effect_in_treated_area"] = {
                    year: _interval(stats_of(rr[(n, oid, year)]))
                    for year in self.horizons
                    if reach and (n, oid, year) in rr
                }
                if mine[0].dose != 1.0:
                    d["dose_factor"] = _round(mine[0].dose)
                rows.append(d)
            out.append(
                {"intervention": n + 1, "type": item.type, "label": item.label, "outcomes": rows}
            )
        return out

    # -- export ------------------------------------------------------------------------------
    def to_dict(self, *, areas: bool = False, lang: str = "en") -> dict[str, Any]:
        """Everything a reader needs, as JSON-ready data (``--json`` prints this)."""
        totals = self.totals()
        out_totals: dict[str, Any] = {}
        for row in totals.to_dict("records"):
            block = out_totals.setdefault(str(row["horizon"]), {})
            entry = {
                "evidence": row["evidence"],
                "synthetic": row["synthetic"],
                "p_reduction": _round(row["p_reduction"]),
            }
            for name in ("baseline", "scenario", "change", "change_pct"):
                entry[name] = {
                    "median": _round(row[f"{name}_median"]),
                    "80": [_round(row[f"{name}_lo80"]), _round(row[f"{name}_hi80"])],
                    "95": [_round(row[f"{name}_lo95"]), _round(row[f"{name}_hi95"])],
                }
            if row["outcome"] == "perceived_unsafety" and "scenario_pct_median" in row:
                entry["scenario_pct"] = {
                    "median": _round(row["scenario_pct_median"]),
                    "80": [_round(row["scenario_pct_lo80"]), _round(row["scenario_pct_hi80"])],
                    "95": [_round(row["scenario_pct_lo95"]), _round(row["scenario_pct_hi95"])],
                }
                entry["pathway_note"] = (
                    "perceived safety is a separate, weaker pathway; it is not in the harm index"
                )
            block[row["outcome"]] = entry
        base = self.raw["baseline_info"]
        out: dict[str, Any] = {
            "scenario": {
                "name": self.scenario.name,
                "description": self.scenario.description,
                "interventions": len(self.scenario.interventions),
            },
            "settings": {
                "seed": self.scenario.seed,
                "draws": self.scenario.draws,
                "horizons": list(self.horizons),
                "baseline_years": self.scenario.baseline_years,
            },
            "twin": {"name": self.model.twin.name, "fingerprint": self.model.twin.fingerprint},
            "registry_version": self.registry.version,
            "units": self.dataset.attrs["units"],
            "baseline": base.to_dict(),
            "totals": out_totals,
            "harm_index": self.harm(),
            "cost": self.cost(),
            "evidence": self.evidence(lang),
            "assumptions": self.assumptions,
        }
        if areas:
            out["areas"] = {
                oid: {
                    str(year): self.area_table(oid, year).replace({np.nan: None}).to_dict("records")
                    for year in self.horizons
                }
                for oid in self.outcomes
            }
        return out


def run_scenario(model: ScenarioModel, scenario: Scenario) -> ScenarioResult:
    """Run ``scenario`` on ``model`` (seeded, reproducible) and wrap the draws."""
    raw = simulate(model, scenario)
    return ScenarioResult(
        scenario=scenario,
        model=model,
        dataset=draws_dataset(model, scenario, raw),
        prevented=raw["prevented"],
        raw=raw,
    )
