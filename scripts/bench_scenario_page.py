"""Benchmark: what a scenario change on the Scenarios page costs, naive path vs ours, one run.

On the demo twin (57 buurten, 27,151 buildings), a planner lights a street, then changes the
spacing of the poles, then looks at another outcome. For each step:

- **compute**: the naive page rebuilds the model and reruns everything on every rerun; ours
  keeps the model per twin fingerprint and caches results by scenario content (what
  ``viewer.scenario_run`` does with ``st.cache_resource``), so a rerun that does not change the
  scenario is a lookup and a parameter change reruns only the Monte Carlo and the summaries;
- **bytes**: the naive page re-sends the map as ``st.pydeck_chart`` would — buurt polygons
  coloured by the change, every building, the new lights — as pydeck JSON; ours sends the
  map's rerun message (``viewer.map.map_payload``: a colour per buurt, per-feature class files
  fetched by URL, marker files by URL).

    python scripts/bench_scenario_page.py [--repeat 3]

Times are wall-clock medians on a shared 2-core machine: compare the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from dataclasses import replace

from scenarios import (
    Scenario,
    make_intervention,
    model_from_twin,
    run_scenario,
    scenario_to_toml,
    twin_changes,
)
from twin import load_twin


def _summaries(result) -> None:
    result.totals()
    result.harm()
    result.cost()
    result.evidence("en")
    result.area_table("burglary", 3)


def _naive_compute(twin, scenario: Scenario) -> None:
    model = model_from_twin(twin)  # no cache: every rerun starts from scratch
    _summaries(run_scenario(model, scenario))
    twin_changes(twin, scenario)


class Ours:
    """The page's caching, without Streamlit: model per fingerprint, results per content."""

    def __init__(self) -> None:
        self.models: dict = {}
        self.results: dict = {}

    def compute(self, twin, scenario: Scenario) -> None:
        key = (twin.fingerprint, scenario_to_toml(scenario))
        if key in self.results:
            return
        if twin.fingerprint not in self.models:
            self.models[twin.fingerprint] = model_from_twin(twin)
        result = run_scenario(self.models[twin.fingerprint], scenario)
        _summaries(result)
        self.results[key] = (result, twin_changes(twin, scenario))


def _naive_bytes(twin, result, changed) -> int:
    import pydeck as pdk

    table = result.area_table("burglary", 3).set_index("area")["change_pct_median"]
    nb = twin.to_wgs84("neighbourhoods")
    buurten = nb[nb["level"] == "buurt"].copy()
    buurten["change"] = buurten["code"].map(table).fillna(0.0)
    buildings = twin.to_wgs84("buildings")[["id", "height", "vacant", "geometry"]]
    lights = changed.to_wgs84("lights")
    lights = lights[lights.get("added_by", "") == "street_lighting"]
    deck = pdk.Deck(
        layers=[
            pdk.Layer("GeoJsonLayer", json.loads(buurten.to_json()), get_fill_color=[0, 0, 200]),
            pdk.Layer("GeoJsonLayer", json.loads(buildings.to_json()), extruded=True,
                      get_elevation="properties.height"),
            pdk.Layer("ScatterplotLayer", [{"p": [g.x, g.y]} for g in lights.geometry],
                      get_position="p"),
        ],
    )  # fmt: skip
    return len(deck.to_json().encode())


def _our_bytes(twin, scenario, result, changed) -> int:
    from viewer.map import map_payload
    from viewer.scenario_layers import change_markers, change_paint, highlight_paints

    paint, _ = change_paint(result.area_table("burglary", 3), value="pct", title="t", lang="nl")
    rule, streets, _ = highlight_paints(twin, changed, scenario, [], "nl")
    markers = change_markers(twin, changed, "nl")
    payload = map_payload(twin, key="scenario", buildings=rule, areas=paint, streets=streets,
                          overlays=[markers] if markers else [])  # fmt: skip
    return len(json.dumps(payload, separators=(",", ":")).encode())


_CPU: list[float] = []


def _time(fn, repeat: int) -> float:
    """Median wall time; the median CPU time of the same calls goes to ``_CPU``."""
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    _CPU.append(statistics.median(cpu))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    twin = load_twin()
    street = twin.streets["name"].dropna().iloc[0]
    ids = list(twin.streets.loc[twin.streets["name"] == street, "id"])
    lit = Scenario("Licht", (make_intervention("street_lighting", streets=ids),))

    def spaced(metres: float) -> Scenario:
        item = make_intervention("street_lighting", streets=ids, spacing_m=metres)
        return replace(lit, interventions=(item,))

    _naive_compute(twin, lit)  # warm up (imports, registry, first numpy calls) for both paths
    ours = Ours()
    first = _time(lambda: ours.compute(twin, lit), 1)  # builds the model: the first visit
    spacings = iter(range(20, 20 + args.repeat))  # each a new content: a real cache miss
    change = _time(lambda: ours.compute(twin, spaced(next(spacings))), args.repeat)
    closer = spaced(20)
    same = _time(lambda: ours.compute(twin, closer), args.repeat)
    ours_cpu = _CPU[-3:]
    rows = [
        ("add a measure (first run)", _time(lambda: _naive_compute(twin, lit), args.repeat), first),
        ("change a parameter", _time(lambda: _naive_compute(twin, closer), args.repeat), change),
        ("rerun, same scenario", _time(lambda: _naive_compute(twin, closer), args.repeat), same),
    ]

    result, (changed, _) = ours.results[(twin.fingerprint, scenario_to_toml(closer))]
    naive_b = _naive_bytes(twin, result, changed)
    ours_b = _our_bytes(twin, closer, result, changed)

    print(f"Scenarios page on the demo twin ({len(twin.buildings):,} buildings, "
          f"{len(twin.buurten)} buurten); {street}: {len(ids)} segments lit\n")  # fmt: skip
    print(f"{'step':32}{'naive':>12}{'ours':>12}{'ours CPU':>12}{'naive/ours':>12}")
    for (label, naive, measured), cpu in zip(rows, ours_cpu, strict=True):
        ratio = naive / measured if measured > 0 else float("inf")
        print(f"{label:32}{naive * 1000:>10.0f}ms{measured * 1000:>10.2f}ms"
              f"{cpu * 1000:>10.2f}ms{ratio:>11.0f}x")  # fmt: skip
    print(f"{'map bytes per scenario change':32}{naive_b / 1e6:>10.2f}MB{ours_b / 1e3:>10.1f}kB"
          f"{'':>12}{naive_b / ours_b:>11.0f}x")  # fmt: skip
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nload average {load:.1f} on {os.cpu_count()} cores (other work slows wall times)")


if __name__ == "__main__":
    main()
