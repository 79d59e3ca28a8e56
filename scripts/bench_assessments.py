"""Benchmark: the CPTED assessment store — saving, importing, and the map's marker payload.

Prints three tables, each with the naive path and ours side by side in one run:

1. saving one assessment: naive (autocommit per field into a key/value table, rollback journal)
   vs our schema without WAL vs ours (one WAL transaction, synchronous=FULL);
2. importing 10,000 rows from CSV: naive (row by row: parse, locate, one transaction per row;
   run on fewer rows and scaled, said so in the table) vs ours (validated in bulk, one
   spatial-index query, one transaction);
3. the marker payload for 10,000 assessments: naive (GeoJSON with every column) vs ours
   (columnar, rounded), in bytes raw and gzipped.

    python scripts/bench_assessments.py [--rows 10000] [--saves 200] [--naive-rows 1000]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from twin import load_twin  # noqa: E402
from twin.assessments import (  # noqa: E402
    Author,
    export_assessments,
    import_assessments,
    load_form,
    make_assessment,
    marker_payload,
    open_store,
    target_from_spot,
)
from twin.assessments.columns import column_names  # noqa: E402
from twin.assessments.target import locate_points  # noqa: E402

AUTHOR = Author("Benchmark")


def _assessment(twin, rng, target=None):
    items = list(load_form().items)
    chosen = rng.choice(items, size=12, replace=False)
    scores = {i: (int(rng.integers(1, 6)) if rng.random() > 0.1 else "n/a") for i in chosen}
    if target is None:
        b = twin.buildings.iloc[int(rng.integers(len(twin.buildings)))]
        p = b.geometry.representative_point()
        target = target_from_spot(twin, (p.x, p.y))
    return make_assessment(
        target,
        scores,
        notes="Donker achterpad, hagen te hoog; verlichting defect bij nr. 12. " * 3,
        observed_at="2025-06-01",
        time_of_day="night",
        measures=["street_lighting", "hedge_trimming"],
    )


# -- 1. saving ------------------------------------------------------------------------------
def naive_save(conn: sqlite3.Connection, aid: str, version: int, data: dict) -> None:
    """Autocommit per field into a key/value table (a transaction, and an fsync, per field)."""
    flat = {f"target.{k}": v for k, v in data["target"].items()}
    flat |= {f"scores.{k}": v for k, v in data["scores"].items()}
    flat |= {k: json.dumps(v) for k, v in data.items() if k not in ("target", "scores")}
    for name, value in flat.items():
        conn.execute(
            "INSERT INTO fields (assessment_id, version, name, value) VALUES (?, ?, ?, ?)",
            (aid, version, name, str(value)),
        )


def bench_save(twin, saves: int, tmp: Path) -> list[tuple[str, float]]:
    rng = np.random.default_rng(1)
    a = _assessment(twin, rng)
    data = a.to_data()
    results = []

    conn = sqlite3.connect(tmp / "naive.sqlite", isolation_level=None)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE fields (assessment_id, version, name, value)")
    times = []
    for i in range(max(10, saves // 4)):  # slow: fewer repetitions
        t0 = time.perf_counter()
        naive_save(conn, "a", i + 1, data)
        times.append(time.perf_counter() - t0)
    conn.close()
    n_fields = len(data["target"]) + len(data["scores"]) + len(data) - 2
    results.append((f"naive: autocommit per field ({n_fields}), rollback journal", times))

    for label, wal in (
        ("our schema, one transaction, rollback journal", False),
        ("ours: one transaction, WAL, synchronous=FULL", True),
    ):
        with open_store(tmp / f"ours_{wal}.sqlite") as store:
            if not wal:
                store._conn.execute("PRAGMA journal_mode=DELETE")
            for _ in range(200):  # a store that already holds some work
                store.create(_assessment(twin, rng, a.target), AUTHOR)
            v = store.create(a, AUTHOR)
            times = []
            for _ in range(saves):
                t0 = time.perf_counter()
                v = store.save(v.assessment_id, a, base_version=v.version, author=AUTHOR)
                times.append(time.perf_counter() - t0)
        results.append((label, times))
    return results


# -- 2. importing ---------------------------------------------------------------------------
def write_csv(twin, rows: int, path: Path) -> None:
    rng = np.random.default_rng(7)
    picks = rng.integers(len(twin.buildings), size=rows * 2)
    points = twin.buildings.geometry.iloc[picks].representative_point()
    buurten, _ = locate_points(twin, points.x.to_numpy(), points.y.to_numpy())
    points = points[[b is not None for b in buurten]].iloc[:rows]  # inside the twin's buurten
    items = list(load_form().items)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        header = [
            "target_kind",
            "x_rd",
            "y_rd",
            "observed_at",
            "time_of_day",
            "notes",
            "measures",
            "author",
        ] + [f"s_{i}" for i in items]
        w.writerow(header)
        for p in points:
            scores = [str(int(rng.integers(1, 6))) if rng.random() < 0.5 else "" for _ in items]
            fixed = ["spot", f"{p.x:.2f}", f"{p.y:.2f}", "2025-05-01", "day"]
            fixed += ["Veel zwerfafval; slecht zicht vanaf de woningen.", "cctv;hedge_trimming"]
            w.writerow([*fixed, "Veldwerk", *scores])


def naive_import(twin, path: Path, store_path: Path, limit: int) -> int:
    """Row by row: parse, locate (one lookup per row), save (one transaction per row)."""
    with path.open(encoding="utf-8", newline="") as f, open_store(store_path) as store:
        n = 0
        for row in csv.DictReader(f):
            target = target_from_spot(twin, (float(row["x_rd"]), float(row["y_rd"])))
            scores = {k[2:]: v for k, v in row.items() if k.startswith("s_") and v}
            a = make_assessment(
                target,
                scores,
                notes=row["notes"],
                observed_at=row["observed_at"],
                time_of_day=row["time_of_day"],
                measures=row["measures"].split(";"),
            )
            store.create(a, AUTHOR)
            n += 1
            if n >= limit:
                break
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--saves", type=int, default=100)
    parser.add_argument("--naive-rows", type=int, default=1_000)
    args = parser.parse_args()
    twin = load_twin()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print(
            f"1. Saving one assessment ({args.saves} saves, naive {max(10, args.saves // 4)}; ms)"
        )
        print(f"{'path':58}{'median':>9}{'p95':>9}")
        res = bench_save(twin, args.saves, tmp)
        ours = statistics.median(res[-1][1]) * 1000
        for label, times in res:
            ms = sorted(t * 1000 for t in times)
            print(f"{label:58}{statistics.median(ms):9.2f}{ms[int(0.95 * len(ms)) - 1]:9.2f}")
        print(f"{'ratio naive/ours (median)':58}{statistics.median(res[0][1]) * 1000 / ours:8.1f}x")

        src = tmp / "in.csv"
        write_csv(twin, args.rows, src)
        t0 = time.perf_counter()
        with open_store(tmp / "imported.sqlite") as store:
            report = import_assessments(store, src, AUTHOR, twin=twin)
            t_ours = time.perf_counter() - t0
            assert report.created == args.rows, report
            t1 = time.perf_counter()
            export_assessments(store, tmp / "out.csv")
            t_export = time.perf_counter() - t1
            frame = store.frame()
        limit = min(args.naive_rows, args.rows)
        t0 = time.perf_counter()
        n = naive_import(twin, src, tmp / "naive_import.sqlite", limit)
        t_naive = (time.perf_counter() - t0) * args.rows / n
        print(f"\n2. Importing {args.rows:,} CSV rows (validate, locate, store; s)")
        print(f"{'path':58}{'s':>9}{'rows/s':>10}")
        label = f"naive: row by row ({n:,} rows timed, scaled to {args.rows:,})"
        print(f"{label:58}{t_naive:9.2f}{args.rows / t_naive:10,.0f}")
        print(
            f"{'ours: bulk validation, one transaction':58}{t_ours:9.2f}{args.rows / t_ours:10,.0f}"
        )
        print(f"{'ratio naive/ours':58}{t_naive / t_ours:8.1f}x")
        print(f"{'(ours: export of the same rows to CSV)':58}{t_export:9.2f}")

        payload = json.dumps(marker_payload(frame), separators=(",", ":")).encode()
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                "properties": {k: r[k] for k in frame.columns if k not in ("lon", "lat")},
            }
            for r in frame.to_dict("records")
        ]
        naive = json.dumps({"type": "FeatureCollection", "features": features}).encode()
        print(f"\n3. Marker payload for {len(frame):,} assessments (sent once per change)")
        print(f"{'payload':58}{'bytes':>12}{'gzip':>12}")
        print(f"{'naive: GeoJSON, every column':58}{len(naive):12,}{len(gzip.compress(naive)):12,}")
        print(
            f"{'ours: columnar lon/lat/score/kind, rounded':58}{len(payload):12,}"
            f"{len(gzip.compress(payload)):12,}"
        )
        print(
            f"{'ratio naive/ours':58}{len(naive) / len(payload):11.1f}x"
            f"{len(gzip.compress(naive)) / len(gzip.compress(payload)):11.1f}x"
        )
        print(f"\n(exchange schema: {len(column_names())} columns)")


if __name__ == "__main__":
    main()
