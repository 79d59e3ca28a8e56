"""Benchmark: the scenario engine, vectorised (ours) vs a straightforward per-draw Python loop.

The workload of issue 6: 10,000 draws × all 57 buurten × the 10 interventions × all 5
outcomes, horizons year 1 and year 3 with costs (so year 2 is computed too, for the cumulative
cost per prevented incident). Two placements:

- dense: every intervention over every buurt (alley gating on every footpath, service road
  and path): the worst case, every buurt × intervention pair is non-zero;
- local: each intervention on a few streets, buildings, spots or buurten (a realistic plan).

The naive loop uses the same columns and the same random numbers and loops over draws, years,
outcomes, mechanisms, areas and interventions in Python; it runs on a subset of draws and is
scaled linearly to 10,000 (it is linear in draws), and its results are checked against ours.

    python scripts/bench_scenarios.py [--repeat 5] [--naive-draws 200]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time

import numpy as np

from scenarios import INTERVENTION_IDS, model_from_twin, run_scenario, scenario_from_dict
from scenarios.catalogue import intervention_catalogue
from scenarios.engine import ScenarioModel, _effect_normals, plan_columns, simulate
from scenarios.registry import OUTCOME_IDS
from twin import load_twin


def dense(twin) -> dict:
    buurten = list(twin.buurten["code"])
    alleys = list(
        twin.streets.loc[twin.streets["highway"].isin(["footway", "path", "service"]), "id"]
    )
    items = []
    for kind in INTERVENTION_IDS:
        item = {"type": kind, "cost_eur": 100_000.0, "annual_cost_eur": 10_000.0}
        if kind == "alley_gating":
            item["streets"] = alleys
        else:
            item["areas"] = buurten
        items.append(item)
    return {"scenario": {"name": "dense"}, "intervention": items}


def local(twin) -> dict:
    rng = np.random.default_rng(1)
    streets = twin.streets["id"].to_numpy()
    buildings = twin.buildings["id"].to_numpy()
    vacant = twin.buildings.loc[twin.buildings["vacant"], "id"].to_numpy()
    buurten = twin.buurten["code"].to_numpy()
    pts = twin.buildings.geometry.centroid
    spots = [
        [round(pts.iloc[i].x + 20, 1), round(pts.iloc[i].y, 1)] for i in rng.choice(len(pts), 6)
    ]
    pick = lambda a, n: [str(x) for x in rng.choice(a, n, replace=False)]  # noqa: E731
    items = [
        {"type": "street_lighting", "streets": pick(streets, 40), "cost_eur": 200_000.0},
        {"type": "cctv", "spots": spots[:3], "annual_cost_eur": 20_000.0},
        {"type": "vacant_lot_greening", "spots": spots[3:], "cost_eur": 60_000.0},
        {"type": "vacant_building_renovation", "buildings": pick(vacant, 5)},
        {"type": "alley_gating", "streets": pick(streets, 10)},
        {"type": "foot_patrol", "areas": pick(buurten, 4), "hours_per_week": 20.0},
        {"type": "graffiti_litter_removal", "areas": pick(buurten, 3)},
        {"type": "hedge_trimming", "streets": pick(streets, 20)},
        {"type": "youth_facility", "buildings": pick(buildings, 1)},
        {"type": "burglary_proofing", "areas": pick(buurten, 3), "share_of_dwellings": 0.4},
    ]
    return {"scenario": {"name": "local"}, "intervention": items}


def naive_simulate(model: ScenarioModel, scenario, cols, draws: int) -> np.ndarray:
    """The same model, one draw at a time in Python loops: (draw, horizon, area, outcome)."""
    reg = model.registry
    base = model.baseline(scenario.baseline_years)
    B = model.baseline_draws(scenario.baseline_years, scenario.draws, scenario.seed)
    cat = intervention_catalogue()
    rho, phi = reg.effect_correlation, reg.overlap_fraction
    A, n_out = len(base.areas), len(base.outcomes)
    normals = {c.type: _effect_normals(scenario.seed, scenario.draws, c.type) for c in cols}
    out = np.empty((draws, len(scenario.horizons), A, n_out))
    for d in range(draws):
        for t in range(1, max(scenario.horizons) + 1):
            for o, oid in enumerate(base.outcomes):
                k = OUTCOME_IDS.index(oid)
                here = [c for c in cols if c.outcome == oid]
                groups: dict[str, list] = {}
                for c in here:
                    groups.setdefault(cat[c.type].mechanism, []).append(c)
                for a in range(A):
                    m = 1.0
                    for members in groups.values():
                        expected: dict[str, float] = {}
                        for c in members:
                            f = c.year_factor(reg, t) * c.dose
                            e = math.expm1(f * c.mean) * (c.treated[a] + c.ring_mean * c.ring[a])
                            expected[c.type] = expected.get(c.type, 0.0) + e
                        lead = min(
                            sorted(expected, key=INTERVENTION_IDS.index),
                            key=lambda ty: expected[ty],
                        )
                        change = 0.0
                        for c in members:
                            n = normals[c.type]  # rows: u, v (5 outcomes), w (5 outcomes)
                            z = math.sqrt(rho) * n[0, d] + math.sqrt(1 - rho) * n[1 + k, d]
                            w = n[1 + len(OUTCOME_IDS) + k, d]
                            ring_c = min(1.0, max(-1.0, c.ring_mean + c.ring_sd * w))
                            g = math.expm1(c.year_factor(reg, t) * c.dose * (c.mean + c.sd * z))
                            weight = 1.0 if (len(expected) == 1 or c.type == lead) else phi
                            change += weight * (c.treated[a] * g + c.ring[a] * ring_c * g)
                        m *= max(0.0, 1.0 + change)
                    m = max(m, 1.0 - reg.outcomes[oid].cap)
                    if t in scenario.horizons:
                        out[d, scenario.horizons.index(t), a, o] = B[o, a, d] * m
    return out


def timed(fn, repeat: int, clock=time.perf_counter) -> float:
    """Median seconds of ``repeat`` calls (wall clock, or ``time.process_time`` for CPU)."""
    times = []
    for _ in range(repeat):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--naive-draws", type=int, default=200)
    args = parser.parse_args()
    twin = load_twin()
    print(
        f"twin: {twin.name}, {len(twin.buurten)} buurten;"
        " 10,000 draws, 10 interventions, 5 outcomes"
    )
    rows = []
    for label, doc in (("dense", dense(twin)), ("local", local(twin))):
        scenario = scenario_from_dict(doc)
        t0 = time.perf_counter()
        model = model_from_twin(twin)
        first = run_scenario(model, scenario)
        cold = time.perf_counter() - t0
        cols = plan_columns(model, scenario)
        engine = timed(lambda: simulate(model, scenario, cols), args.repeat)  # noqa: B023
        cpu = timed(lambda: simulate(model, scenario, cols), args.repeat, time.process_time)  # noqa: B023
        full = timed(lambda: run_scenario(model, scenario), args.repeat)  # noqa: B023
        table = timed(lambda: first.area_table("burglary", 3), args.repeat)  # noqa: B023
        summary = timed(lambda: first.to_dict(), 1)  # noqa: B023
        n = args.naive_draws
        t0 = time.perf_counter()
        slow = naive_simulate(model, scenario, cols, n)
        naive = (time.perf_counter() - t0) * scenario.draws / n
        ours = first.dataset["scenario"].to_numpy()[:n]
        diff = float(np.max(np.abs(slow - ours) / np.maximum(np.abs(ours), 1.0)))
        rows.append((label, cold, engine, cpu, full, table, summary, naive, diff))
    print(
        f"\n{'placement':<10}{'cold run':>10}{'engine':>10}{'eng. CPU':>10}"
        f"{'run':>10}{'area tbl':>10}"
        f"{'summary':>10}{'naive loop':>12}{'naive/engine':>14}{'max rel diff':>14}"
    )
    for label, cold, engine, cpu, full, table, summary, naive, diff in rows:
        print(
            f"{label:<10}{cold:>9.2f}s{engine * 1000:>8.0f}ms{cpu * 1000:>8.0f}ms"
            f"{full * 1000:>8.0f}ms"
            f"{table * 1000:>8.0f}ms{summary:>9.2f}s{naive:>11.1f}s"
            f"{naive / engine:>13.0f}x{diff:>14.1e}"
        )
    print(
        f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        " (other work slows wall times);"
        "\ncold run: new model (baseline, 10,000 gamma draws, spatial index, kernel) + run;"
        "\nengine: Monte Carlo with cached model (a scenario change in the UI), wall and CPU time;"
        " run: engine +"
        " xarray Dataset;\narea tbl: one outcome × horizon per-buurt table (what a map re-sends);"
        " summary: every total, harm, cost, evidence;"
        f"\nnaive loop: per-draw Python loops, timed on {args.naive_draws} draws, scaled to 10,000."
    )


if __name__ == "__main__":
    main()
