"""Benchmark: cold load of the demo twin, ours (GeoParquet) vs the naive format (GeoJSON).

Each measurement runs in a fresh Python process (a cold load: imports, file reads, validation,
indicator Dataset) and is repeated; the table shows the median and the ratio. Also prints the
on-disk size per building and per street segment.

    python scripts/bench_load.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

OURS = """
import time; t0 = time.perf_counter()
from twin import load_twin
t1 = time.perf_counter()
twin = load_twin({path!r})
t2 = time.perf_counter()
print(t2 - t0, t2 - t1)
"""

NAIVE = """
import time; t0 = time.perf_counter()
import geopandas as gpd, pandas as pd, json
from twin.indicators import indicators_from_table
from twin.manifest import Manifest
from twin.validate import validate_layer
t1 = time.perf_counter()
layers = {{}}
for name in ("neighbourhoods", "buildings", "streets", "lights", "ground"):
    frame = gpd.read_file({geojson!r} + f"/{{name}}.geojson").to_crs(28992)
    validate_layer(frame, name)
    layers[name] = frame
manifest = Manifest.from_dict(json.load(open({path!r} + "/manifest.json")))
table = pd.read_csv({geojson!r} + "/indicators.csv")
ds = indicators_from_table(table, layers["neighbourhoods"].drop(columns="geometry"),
                           manifest.indicators)
t2 = time.perf_counter()
print(t2 - t0, t2 - t1)
"""


def timed(code: str, repeat: int) -> tuple[float, float]:
    """Median (with imports, load only) seconds over fresh processes."""
    total, load = [], []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
        )
        a, b = out.stdout.strip().splitlines()[-1].split()
        total.append(float(a))
        load.append(float(b))
    return statistics.median(total), statistics.median(load)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from twin import demo_twin_path, load_twin
    from twin.indicators import table_from_indicators

    path = demo_twin_path()
    twin = load_twin(path)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        for name in ("neighbourhoods", "buildings", "streets", "lights", "ground"):
            twin.to_wgs84(name).to_file(f"{tmp}/{name}.geojson", driver="GeoJSON")
        table_from_indicators(twin.indicators).to_csv(f"{tmp}/indicators.csv", index=False)
        print(f"(wrote GeoJSON copies in {time.perf_counter() - t0:.1f} s)")
        naive = timed(NAIVE.format(geojson=tmp, path=str(path)), args.repeat)
        geojson_bytes = sum(p.stat().st_size for p in Path(tmp).iterdir())
    ours = timed(OURS.format(path=str(path)), args.repeat)
    our_bytes = sum(p.stat().st_size for p in path.iterdir())

    print(f"\nCold load of the demo, median of {args.repeat} fresh processes")
    print(f"{'path':<34}{'s (with imports)':>18}{'s (load only)':>15}{'on disk':>12}")
    rows = [
        ("naive: GeoJSON (WGS84) + CSV", naive, geojson_bytes),
        ("ours: GeoParquet (RD) + parquet", ours, our_bytes),
    ]
    for label, (tot, load), size in rows:
        print(f"{label:<34}{tot:>18.2f}{load:>15.2f}{size / 2**20:>9.1f} MB")
    print(
        f"{'ratio naive/ours':<34}{naive[0] / ours[0]:>17.1f}x{naive[1] / ours[1]:>14.1f}x"
        f"{geojson_bytes / our_bytes:>11.1f}x"
    )

    b = (path / "buildings.parquet").stat().st_size
    s = (path / "streets.parquet").stat().st_size
    print("\nOn-disk size (GeoParquet, zstd, 1 cm coordinates)")
    nb, ns = len(twin.buildings), len(twin.streets)
    print(f"  per building:       {b / nb:6.1f} bytes ({nb:,} buildings)")
    print(f"  per street segment: {s / ns:6.1f} bytes ({ns:,} segments)")


if __name__ == "__main__":
    main()
