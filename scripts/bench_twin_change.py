"""Benchmark: a scenario's "before → after" analytics, recomputed locally vs the whole city.

Two scenarios on the demo twin, as the Scenarios page builds them:

- **lighting**: new street lighting on every segment of one street (Kastanjepad);
- **renovation**: every vacant building of one buurt (Maria Gewanden, BU09171000) back in use.

Naive: analyse the changed twin from scratch (``analyse_twin(changed, use_cache=False)``, the
base analysis taken as cached), which is what a page without local recomputation would do for
every scenario change. Ours: :func:`twin.analytics.lighting_change` and
:func:`twin.analytics.surveillance_change`, which recompute only the segments the change
reaches. The script also checks that both give the same after-values on every affected segment.

    python scripts/bench_twin_change.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _cpu_wall(fn, repeat: int) -> tuple[float, float, object]:
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of ours (naive runs once)")
    args = parser.parse_args(argv)

    from scenarios import scenario_from_dict, twin_changes
    from twin import load_twin
    from twin.analytics import analyse_twin, lighting_change, surveillance_change

    twin = load_twin()
    street = list(twin.streets.loc[twin.streets["name"] == "Kastanjepad", "id"])
    plans = {
        "lighting": ({"type": "street_lighting", "streets": street}, lighting_change,
                     ("lux_mean", "lux_mean_after")),
        "renovation": ({"type": "vacant_building_renovation", "areas": ["BU09171000"]},
                       surveillance_change, ("surveillance_night", "surveillance_night_after")),
    }  # fmt: skip
    rows = []
    for name, (item, local, (full_col, local_col)) in plans.items():
        scenario = scenario_from_dict({"scenario": {"name": name}, "intervention": [item]})
        changed, log = twin_changes(twin, scenario)
        wall_o, cpu_o, change = _cpu_wall(lambda c=changed, f=local: f(twin, c), args.repeat)
        wall_n, cpu_n, full = _cpu_wall(lambda c=changed: analyse_twin(c, use_cache=False), 1)
        seg = full.segments.set_index("id")[full_col]
        got = change.segments.set_index("id")[local_col]
        diff = float(np.max(np.abs(seg.loc[got.index].to_numpy() - got.to_numpy())))
        rows.append((name, log[0], len(change.segments), wall_n, cpu_n, wall_o, cpu_o, diff))

    print(f"Scenario before → after on the demo twin ({len(twin.buildings):,} buildings, "
          f"{len(twin.streets):,} segments); naive: whole analysis of the changed twin, once; "
          f"ours: median of {args.repeat}")  # fmt: skip
    head = (f"{'scenario':12} {'segments':>8} {'naive wall':>11} {'naive CPU':>10} "
            f"{'ours wall':>10} {'ours CPU':>9} {'CPU ratio':>10} {'max |diff|':>11}")  # fmt: skip
    print(head)
    for name, _log, n, wn, cn, wo, co, diff in rows:
        print(f"{name:12} {n:>8,} {wn:>10.2f}s {cn:>9.2f}s {1000 * wo:>8.1f}ms {1000 * co:>7.1f}ms "
              f"{cn / max(co, 1e-9):>9,.0f}x {diff:>11.1e}")  # fmt: skip
    for name, log, *_ in rows:
        print(f"  {name}: {log}")
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
