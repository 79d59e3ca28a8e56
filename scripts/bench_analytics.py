"""Benchmark: the night analytics on the whole demo against a naive baseline, and scaling.

1. **Demo, ours vs naive.** Ours is ``analyse_twin`` on the embedded demo: every street
   segment, every building, the 5 m lighting raster over the whole municipality, the 10 m
   surveillance raster, hidden spots, CPTED indicator, feeling vs fact. The naive baseline
   computes the same two expensive measures the textbook way — illuminance by a Python loop
   over all lamps for every point, and surveillance by a Python loop over all façade pieces
   for every point with each sight line tested against every building (no spatial index) —
   on a random subset of the points, extrapolated to the number of points ours evaluates
   (the full naive run would take hours). Both use the same model and give the same numbers
   (checked on the subset).
2. **Scaling.** The demo tiled 1×, 4× (2×2) and 16× (4×4) with offsets, each analysed in a
   fresh process: time (wall and CPU) and peak memory (max RSS).

    python scripts/bench_analytics.py [--scales 1,4,16] [--naive-points 40]

The machine is shared: wall times vary with load, CPU times less so; ratios matter most.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
import xarray as xr

ROOT = Path(__file__).resolve().parents[1]
#: Gap between tiles of the synthetic larger cities (m).
TILE_GAP = 200.0


def tiled_twin(twin, n: int):
    """The twin repeated on a k × k grid (n = k²), with unique ids and area codes per tile."""
    import geopandas as gpd

    k = math.isqrt(n)
    if k * k != n:
        raise SystemExit(f"scale {n} is not a square number of tiles")
    if k == 1:
        return twin
    minx, miny, maxx, maxy = twin.neighbourhoods.total_bounds
    w, h = maxx - minx + TILE_GAP, maxy - miny + TILE_GAP
    layers: dict[str, list] = {
        n: [] for n in ("neighbourhoods", "buildings", "streets", "lights", "ground")
    }
    datasets = []
    for t in range(n):
        dx, dy = (t % k) * w, (t // k) * h
        sfx = "" if t == 0 else f"-{t}"
        for name, parts in layers.items():
            frame = getattr(twin, name).copy()
            frame["geometry"] = frame.geometry.translate(dx, dy)
            for col in ("id", "buurt", "code", "parent"):
                if col in frame:
                    frame[col] = [v + sfx if isinstance(v, str) and v else v for v in frame[col]]
            parts.append(frame)
        ds = twin.indicators.copy()
        ds = ds.assign_coords(
            area=[str(a) + sfx for a in ds["area"].values],
            parent=("area", [p + sfx if p else p for p in ds["parent"].values]),
        )
        datasets.append(ds)
    frames = {
        name: gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs)
        for name, parts in layers.items()
    }
    return replace(
        twin,
        name=f"{twin.name} × {n}",
        indicators=xr.concat(datasets, dim="area"),
        path=None,
        **frames,
    )


def child(scale: int) -> None:
    """Analyse the demo tiled ``scale`` times; print one JSON line with times and memory."""
    from twin import load_twin
    from twin.analytics import analyse_twin

    twin = tiled_twin(load_twin(), scale)
    t0 = time.perf_counter()
    _ = twin.fingerprint
    fingerprint_s = time.perf_counter() - t0
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    w0, c0 = time.perf_counter(), time.process_time()
    analysis = analyse_twin(twin, use_cache=False)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "scale": scale,
                "buildings": len(twin.buildings),
                "segments": len(twin.streets),
                "lights": len(twin.lights),
                "lux_cells": int(analysis.lux.size),
                "hidden_spots": len(analysis.hidden_spots),
                "fingerprint_s": fingerprint_s,
                "wall_s": wall,
                "cpu_s": cpu,
                "rss_before_mb": rss0,
                "peak_rss_mb": peak,
                "steps": analysis.timings,
                "cpu_steps": analysis.cpu_timings,
            }
        )
    )


def run_child(scale: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(scale)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- the naive baseline -------------------------------------------------------------------


def naive_lux(points: np.ndarray, lamps) -> np.ndarray:
    """Illuminance by a Python loop over every lamp for every point (same model as ours)."""
    out = np.zeros(len(points))
    lx, ly = lamps.xy[:, 0].tolist(), lamps.xy[:, 1].tolist()
    hh, ii, rr = lamps.height.tolist(), lamps.intensity.tolist(), lamps.radius.tolist()
    for k, (px, py) in enumerate(points.tolist()):
        e = 0.0
        for x, y, h, i, r in zip(lx, ly, hh, ii, rr, strict=True):
            d2 = (px - x) ** 2 + (py - y) ** 2
            if d2 <= r * r:
                e += i * h / (d2 + h * h) ** 1.5
        out[k] = e
    return out


def naive_eyes(points: np.ndarray, facades, buildings: np.ndarray, view: float) -> np.ndarray:
    """Night eyes by a Python loop over every façade piece for every point; each sight line is
    tested against every building (vectorised over buildings, but no spatial index)."""
    out = np.zeros(len(points))
    fx, fy = facades.xy[:, 0].tolist(), facades.xy[:, 1].tolist()
    nx, ny = facades.normal[:, 0].tolist(), facades.normal[:, 1].tolist()
    w = (facades.night * facades.length).tolist()
    for k, (px, py) in enumerate(points.tolist()):
        eyes = 0.0
        for x, y, a, b, weight in zip(fx, fy, nx, ny, w, strict=True):
            dx, dy = px - x, py - y
            if dx * dx + dy * dy > view * view or dx * a + dy * b <= 0:
                continue
            line = shapely.LineString([(x, y), (px, py)])
            if not shapely.intersects(line, buildings).any():
                eyes += weight
        out[k] = eyes
    return out


def naive_side_by_side(n_points: int, ours: dict) -> list[tuple[str, float, float, int]]:
    """(step, naive seconds extrapolated, naive seconds per point, points) per measure."""
    from scipy.spatial import cKDTree

    from twin import load_twin
    from twin.analytics import (
        AnalysisSettings,
        eyes_at_points,
        facades_from_buildings,
        grid_for,
        lamps_from_lights,
        lux_at_points,
        public_space_mask,
        samples_along,
    )
    from twin.analytics.sightlines import obstacles_from_footprints

    twin = load_twin()
    s = AnalysisSettings()
    rng = np.random.default_rng(917)
    lines = twin.streets.geometry.to_numpy()
    areas = twin.buurten.geometry
    lamps = lamps_from_lights(twin.lights, s)
    light_samples = samples_along(lines, s.lighting_spacing)
    eye_samples = samples_along(lines, s.surveillance_spacing)
    grid = grid_for(tuple(areas.total_bounds), s.lux_resolution)
    sgrid = grid_for(tuple(areas.total_bounds), s.surveillance_resolution)
    water = twin.ground.geometry[twin.ground["kind"] == "water"]
    spublic = public_space_mask(sgrid, areas, twin.buildings.geometry, water)
    facades = facades_from_buildings(twin.buildings, s)
    # ours scores the street space: public cells within path_buffer of a street or path
    cells = sgrid.centres(np.flatnonzero(spublic.ravel()))
    near, _ = cKDTree(light_samples.xy).query(cells, distance_upper_bound=s.path_buffer)
    cells = cells[np.isfinite(near)]
    d, _ = cKDTree(facades.xy).query(cells, distance_upper_bound=s.view_distance)
    eye_cells = cells[np.isfinite(d)]

    # points ours evaluates: every lux cell, the lighting samples, then eyes at samples + cells
    lux_points = grid.width * grid.height + len(light_samples)
    eye_points = len(eye_samples) + len(eye_cells)

    pick = rng.choice(len(light_samples), n_points, replace=False)
    pts = light_samples.xy[pick]
    t0 = time.process_time()
    slow = naive_lux(pts, lamps)
    lux_per_point = (time.process_time() - t0) / n_points
    assert np.allclose(slow, lux_at_points(pts, lamps)), "naive and ours disagree on lux"

    both = np.vstack([eye_samples.xy, eye_cells])
    pts = both[rng.choice(len(both), max(4, n_points // 4), replace=False)]
    buildings = twin.buildings.geometry.to_numpy()
    t0 = time.process_time()
    slow = naive_eyes(pts, facades, buildings, s.view_distance)
    eyes_per_point = (time.process_time() - t0) / len(pts)
    fast = eyes_at_points(pts, facades, obstacles_from_footprints(buildings), s.view_distance)
    fast = fast.night
    assert np.allclose(slow, fast), "naive and ours disagree on eyes"
    return [
        ("lighting (raster + segments)", lux_per_point * lux_points, lux_per_point, lux_points),
        (
            "surveillance (segments + raster)",
            eyes_per_point * eye_points,
            eyes_per_point,
            eye_points,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,4,16", help="tilings of the demo (square numbers)")
    parser.add_argument("--naive-points", type=int, default=40, help="points in the naive subset")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child)
        return
    load = os.getloadavg()[0]
    print(f"(2-core machine, load average {load:.1f} at start)")
    scales = [int(s) for s in args.scales.split(",")]
    results = [run_child(s) for s in scales]
    one = results[0]

    # ratios in CPU seconds: the machine is shared, and CPU time is what load does not inflate
    steps = one["cpu_steps"]
    lighting_ours = steps["lighting raster"] + steps["lighting per segment"]
    surveil_ours = steps["surveillance per segment"] + steps["surveillance raster"]
    naive = naive_side_by_side(args.naive_points, one)
    print(
        f"\nWhole demo ({one['buildings']:,} buildings, {one['segments']:,} segments, "
        f"{one['lights']:,} lights, {one['lux_cells']:,} lux cells at 5 m)"
    )
    print("CPU seconds; the naive path on a random subset of the points, extrapolated")
    print(f"{'step':34} {'naive s (extrap.)':>18} {'ours s':>8} {'ratio':>9}")
    for (name, slow, per, n), fast in zip(naive, (lighting_ours, surveil_ours), strict=True):
        print(
            f"{name:34} {slow:18,.0f} {fast:8.1f} {slow / fast:8,.0f}x   "
            f"({per * 1e3:.2f} ms/point x {n:,} points)"
        )
    rest = one["cpu_s"] - lighting_ours - surveil_ours
    total_naive = sum(x[1] for x in naive) + rest
    print(f"{'hidden spots, vacancy, CPTED, feeling':34} {'(same)':>18} {rest:8.1f}")
    print(
        f"{'total':34} {total_naive:18,.0f} {one['cpu_s']:8.1f} {total_naive / one['cpu_s']:8,.0f}x"
    )
    print(
        f"ours: wall {one['wall_s']:.1f} s, CPU {one['cpu_s']:.1f} s (target <= 30 s); "
        f"twin fingerprint {one['fingerprint_s']:.1f} s once per twin"
    )
    print("steps (CPU s): " + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()))
    print("steps (wall s): " + ", ".join(f"{k} {v:.1f}" for k, v in one["steps"].items()))

    print("\nScaling (the demo tiled; each in a fresh process; twin MB = max RSS after loading")
    print("and tiling, before the analysis; peak MB = max RSS of the whole process)")
    print(
        f"{'scale':>5} {'buildings':>10} {'segments':>9} {'lux cells':>11} {'wall s':>7} "
        f"{'CPU s':>7} {'CPU/1x':>7} {'twin MB':>8} {'peak MB':>8} {'MB/1x':>6} {'spots':>7}"
    )
    for r in results:
        print(
            f"{r['scale']:>4}x {r['buildings']:>10,} {r['segments']:>9,} {r['lux_cells']:>11,} "
            f"{r['wall_s']:>7.1f} {r['cpu_s']:>7.1f} {r['cpu_s'] / one['cpu_s']:>6.1f}x "
            f"{r['rss_before_mb']:>8,.0f} {r['peak_rss_mb']:>8,.0f} "
            f"{r['peak_rss_mb'] / one['peak_rss_mb']:>5.1f}x "
            f"{r['hidden_spots']:>7,}"
        )


if __name__ == "__main__":
    main()
