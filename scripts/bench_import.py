"""Benchmark: import of 100,000 buildings from a 3DBAG-shaped GeoPackage, ours vs a naive path.

Generates (synthetically, deterministic) a 3DBAG-shaped GeoPackage — layers ``pand`` with the
usual BAG and 3DBAG attributes, ``lod12_2d`` and ``lod22_2d`` roof parts with
``b3_h_dak_*`` heights — plus a Wijk- en Buurtkaart of 100 buurten and an OSM street grid for
the same 10 × 10 km, then measures in fresh processes:

- **naive**: row-by-row reading of the GeoPackage (sqlite3 cursor, one geometry blob at a time
  through shapely, the way a fiona loop reads features), roof parts joined in Python dicts,
  each building's buurt looked up on its own;
- **ours (core)**: ``buildings_from_3dbag`` (pyogrio + Arrow, vectorised join) and the
  vectorised buurt assignment — the same work as the naive path;
- **ours (full import)**: ``socialtwin import 3dbag`` end to end: read, join BAG-less dwelling
  estimates, assemble, validate, write GeoParquet atomically and read it back.

Prints wall time and peak memory (max RSS of the process) side by side, and the ratio.

    python scripts/bench_import.py [--buildings 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

ROOT = Path(__file__).resolve().parents[1]
X0, Y0, SIDE = 185_000.0, 315_000.0, 10_000.0


def make_sources(folder: Path, n: int, seed: int = 917) -> dict[str, Path]:
    """A 3DBAG-shaped GeoPackage of ``n`` buildings, a Wijk- en Buurtkaart and OSM streets."""
    rng = np.random.default_rng(seed)
    per_row = int(np.ceil(np.sqrt(n)))
    step = SIDE / per_row
    k = np.arange(n)
    x = X0 + (k % per_row) * step + 2.0
    y = Y0 + (k // per_row) * step + 2.0
    w = rng.uniform(6, 12, n)
    d = rng.uniform(7, 14, n)
    ids = np.array([f"NL.IMBAG.Pand.0917100000{i:06d}" for i in k], dtype=object)
    ground = 95 + 10 * rng.random(n)
    height = rng.gamma(4.0, 2.2, n) + 2.5
    years = rng.integers(1900, 2024, n)
    pand = gpd.GeoDataFrame(
        {
            "identificatie": ids,
            "status": np.where(rng.random(n) < 0.01, "Pand buiten gebruik", "Pand in gebruik"),
            "oorspronkelijkbouwjaar": years,
            "begingeldigheid": "2010-10-13",
            "eindgeldigheid": None,
            "documentdatum": "2010-10-13",
            "documentnummer": "1098447",
            "voorkomenidentificatie": 1,
            "geconstateerd": False,
            "tijdstipregistratie": "2010-10-13T12:43:04Z",
            "b3_h_maaiveld": ground,
            "b3_dak_type": rng.choice(["slanted", "horizontal", "multiple horizontal"], n),
            "b3_pw_bron": "AHN4",
            "b3_pw_datum": 2020,
            "b3_pw_onvoldoende": rng.random(n) < 0.01,
            "b3_kas_warenhuis": False,
            "b3_bouwlagen": rng.integers(1, 5, n),
            "b3_opp_grond": w * d,
            "b3_opp_dak_plat": w * d * 0.3,
            "b3_opp_dak_schuin": w * d * 0.7,
            "b3_opp_buitenmuur": 2 * (w + d) * height,
            "b3_volume_lod12": w * d * height,
            "b3_volume_lod22": w * d * height * 0.9,
            "b3_rmse_lod12": rng.uniform(0.02, 0.4, n),
            "b3_val3dity_lod12": "[]",
            "b3_nodata_fractie_ahn4": 0.0,
            "b3_puntdichtheid_ahn4": rng.uniform(10, 40, n),
        },
        geometry=shapely.box(x, y, x + w, y + d),
        crs="EPSG:28992",
    )
    two = rng.random(n) < 0.2  # a fifth of the buildings have two roof parts
    half = np.where(two, w / 2, w)
    part_ids = np.concatenate([ids, ids[two]])
    boxes = np.concatenate(
        [
            shapely.box(x, y, x + half, y + d),
            shapely.box((x + half)[two], y[two], (x + w)[two], (y + d)[two]),
        ]
    )
    h70 = np.concatenate([ground + height, ground[two] + height[two] * 0.7])

    def roofs(extra: dict | None = None) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(
            {
                "identificatie": part_ids,
                "b3_pand_deel_id": 0,
                "b3_dd_id": np.concatenate([np.zeros(n, int), np.ones(int(two.sum()), int)]),
                "b3_h_dak_50p": h70 - 0.3,
                "b3_h_dak_70p": h70,
                "b3_h_dak_max": h70 + 1.5,
                "b3_h_dak_min": h70 - 2.5,
                **(extra or {}),
            },
            geometry=boxes,
            crs="EPSG:28992",
        )

    gpkg = folder / "3dbag_v20240420_bench.gpkg"
    pyogrio.write_dataframe(pand, gpkg, layer="pand", driver="GPKG")
    pyogrio.write_dataframe(roofs(), gpkg, layer="lod12_2d", driver="GPKG")
    pyogrio.write_dataframe(
        roofs({"b3_azimut": 180.0, "b3_hellingshoek": 30.0}), gpkg, layer="lod22_2d", driver="GPKG"
    )
    wbk = folder / "wijkenbuurten_2023_bench.gpkg"
    cells = [(i, j) for j in range(10) for i in range(10)]
    buurt = gpd.GeoDataFrame(
        {
            "buurtcode": [f"BU0917{j:02d}{i:02d}" for i, j in cells],
            "buurtnaam": [f"Buurt {j}-{i}" for i, j in cells],
            "wijkcode": [f"WK0917{j:02d}" for i, j in cells],
            "wijknaam": [f"Wijk {j}" for i, j in cells],
            "gemeentecode": "GM0917",
            "gemeentenaam": "Heerlen",
            "jaar": 2023,
            "aantal_inwoners": 1000,
            "woningvoorraad": 450,
        },
        geometry=[
            shapely.box(X0 + i * 1000, Y0 + j * 1000, X0 + (i + 1) * 1000, Y0 + (j + 1) * 1000)
            for i, j in cells
        ],
        crs="EPSG:28992",
    )
    pyogrio.write_dataframe(buurt, wbk, layer="buurten", driver="GPKG")
    lines = [
        shapely.LineString([(X0, Y0 + v), (X0 + SIDE, Y0 + v)]) for v in np.arange(50, SIDE, 200)
    ]
    lines += [
        shapely.LineString([(X0 + v, Y0), (X0 + v, Y0 + SIDE)]) for v in np.arange(50, SIDE, 200)
    ]
    osm = gpd.GeoDataFrame(
        {"@id": [f"way/{k}" for k in range(len(lines))], "highway": "residential"},
        geometry=lines,
        crs="EPSG:28992",
    ).to_crs("EPSG:4326")
    roads = folder / "roads.geojson"
    roads.write_text(osm.to_json(drop_id=True))
    return {"3dbag": gpkg, "wbk": wbk, "osm": roads}


NAIVE = r"""
import resource, sqlite3, struct, sys, time
import shapely
t0 = time.perf_counter()
gpkg, wbk = sys.argv[1], sys.argv[2]

def geom(blob):
    flags = blob[3]
    env = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 7]
    return shapely.from_wkb(bytes(blob[8 + env:]))

con = sqlite3.connect(gpkg)
parts = {}
for ident, h70, blob in con.execute("SELECT identificatie, b3_h_dak_70p, geom FROM lod12_2d"):
    parts.setdefault(ident, []).append((geom(blob).area, h70))
rows = []
for ident, status, year, ground, floors, blob in con.execute(
    "SELECT identificatie, status, oorspronkelijkbouwjaar, b3_h_maaiveld, b3_bouwlagen, geom "
    "FROM pand"
):
    g = geom(blob)
    ps = [(a, h) for a, h in parts.get(ident, []) if h is not None]
    if ps and ground is not None:
        h = sum(a * h for a, h in ps) / sum(a for a, _ in ps) - ground
    else:
        h = None
    if h is None or h <= 0:
        h = (floors or 1) * 3.0
    rows.append((ident, status, year, h, ground, g))
bcon = sqlite3.connect(wbk)
buurten = [(code, geom(blob)) for code, blob in bcon.execute("SELECT buurtcode, geom FROM buurten")]
tree = shapely.STRtree([g for _, g in buurten])
out = []
for ident, status, year, h, ground, g in rows:
    p = g.point_on_surface()
    hit = tree.query(p, predicate="intersects")
    out.append((ident, buurten[hit[0]][0] if len(hit) else None, h))
t1 = time.perf_counter()
print(t1 - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, len(out))
"""

CORE = r"""
import resource, sys, time
t0 = time.perf_counter()
import pyogrio, shapely
from twin.importers import buildings_from_3dbag
from twin.importers.assemble import buurt_of
gpkg, wbk = sys.argv[1], sys.argv[2]
frame = buildings_from_3dbag([gpkg]).frame
buurten = pyogrio.read_dataframe(wbk, layer="buurten", columns=["buurtcode"]).rename(
    columns={"buurtcode": "code"})
codes = buurt_of(shapely.point_on_surface(frame.geometry.to_numpy()), buurten)
t1 = time.perf_counter()
print(t1 - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, len(codes))
"""

FULL = r"""
import resource, sys, time
t0 = time.perf_counter()
from twin.importers import import_files
report = import_files("3dbag", [sys.argv[1]], sys.argv[2])
t1 = time.perf_counter()
print(t1 - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
      report.counts["buildings"])
"""


def run(code: str, *args: str) -> tuple[float, float, int]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT
    )
    if out.returncode:
        raise SystemExit(out.stderr)
    seconds, rss, count = out.stdout.split()[-3:]
    return float(seconds), float(rss), int(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildings", type=int, default=100_000)
    parser.add_argument("--keep", metavar="DIR", default=None, help="keep the generated files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        src = make_sources(folder, args.buildings)
        size = src["3dbag"].stat().st_size / 1e6
        print(f"(generated {args.buildings:,} synthetic buildings, {size:.0f} MB GeoPackage, "
              f"in {time.perf_counter() - t:.0f} s)")  # fmt: skip
        from twin.importers import import_many

        twin = folder / "twin"
        import_many([("wijkbuurtkaart", [src["wbk"]]), ("osm", [src["osm"]])], twin)
        naive = run(NAIVE, str(src["3dbag"]), str(src["wbk"]))
        core = run(CORE, str(src["3dbag"]), str(src["wbk"]))
        full = run(FULL, str(src["3dbag"]), str(twin))
        meta = json.loads((twin / "twin.json").read_text())
    print(f"\nImport of {args.buildings:,} buildings from a 3DBAG-shaped GeoPackage "
          "(fresh process each; seconds include imports)")  # fmt: skip
    print(f"{'path':58} {'s':>7} {'peak RSS MB':>12} {'buildings':>10}")
    rows = [
        ("naive: row by row (sqlite3 + shapely per feature + dicts)", naive),
        ("ours, same work: pyogrio/Arrow + vectorised join + buurt", core),
        ("ours, full `import 3dbag`: + assemble, validate, write", full),
    ]
    for label, (s, rss, n) in rows:
        print(f"{label:58} {s:7.1f} {rss:12.0f} {n:10,}")
    print(f"{'ratio naive / ours (same work)':58} {naive[0] / core[0]:6.1f}x "
          f"{naive[1] / core[1]:11.1f}x")  # fmt: skip
    verdict = "met" if full[0] <= 20 else "NOT met"
    print(f"\ntarget: full import of 100,000 buildings ≤ 20 s — {verdict} ({full[0]:.1f} s; "
          f"twin assembled {meta['assembled']})")  # fmt: skip


if __name__ == "__main__":
    main()
