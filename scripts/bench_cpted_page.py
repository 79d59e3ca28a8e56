"""Benchmark: what the CPTED studio page costs per rerun with 10,000 assessments on the map.

Every click on a Streamlit page reruns its script, so the page must not re-read the store or
rebuild the markers each time. Printed side by side in one run, naive path and ours:

1. a rerun with nothing changed: the table (naive: ``store.frame()``; ours: one aggregate
   query, then the cached frame) and the markers overlay (naive: built and baked again; ours:
   the cached overlay, its file already baked);
2. the bytes a rerun sends to the browser for the markers (naive: every marker inline as JSON,
   as ``st.pydeck_chart`` would; ours: the map payload with the overlay's URL, the file itself
   fetched once);
3. the first rerun after one assessment was saved (naive: everything rebuilt; ours: the table
   re-read, notes fetched only for the changed version, markers rebuilt once);
4. a whole page run in Streamlit's AppTest (ours only; for scale).

    python scripts/bench_cpted_page.py [--rows 10000] [--reruns 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def _ms(times: list[float]) -> tuple[float, float]:
    ms = sorted(t * 1000 for t in times)
    return statistics.median(ms), ms[max(int(0.95 * len(ms)) - 1, 0)]


def _timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


_WORDS = ("donker", "achterpad", "hagen", "te", "hoog", "lamp", "defect", "bij", "nr.", "zicht",
          "slecht", "graffiti", "op", "de", "muur", "fietsen", "jongeren", "'s avonds", "poort",
          "open", "zwerfafval", "container", "geen", "toezicht", "vanaf", "woningen")  # fmt: skip


def _vary_notes(path: Path) -> None:
    """Give every row its own note (the shared benchmark file repeats one; real notes differ,
    and the markers file is gzipped, so repetition would flatter its size)."""
    import csv

    import numpy as np

    rng = np.random.default_rng(5)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        words = rng.choice(_WORDS, size=int(rng.integers(4, 30)))
        row["notes"] = " ".join(words) + f" ({int(rng.integers(1, 200))})"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--reruns", type=int, default=20)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-cpted-page-"))
    os.environ["SOCIALTWIN_HOME"] = str(home)
    warnings.filterwarnings("ignore")  # Streamlit's "no runtime" notices outside a server
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)

    import bench_assessments as ba

    from twin import load_twin
    from twin.assessments import Author, import_assessments, make_assessment, marker_payload
    from viewer import cpted_data as cd
    from viewer.map import Markers, map_payload

    twin = load_twin()
    src = home / "in.csv"
    ba.write_csv(twin, args.rows, src)
    _vary_notes(src)
    store = cd.get_store()
    import_assessments(store, src, Author("Veldwerk"), twin=twin)
    filters = {"principle": "", "score": (1.0, 5.0), "author": "", "since": None, "until": None}
    lang = "nl"

    def naive_markers() -> Markers:
        frame = store.frame()
        payload = marker_payload(frame)
        notes = {v.assessment_id: v.assessment.notes for _, v, _ in store.current_versions()}
        frame = frame.assign(notes=[notes.get(i, "") for i in frame["id"]])
        m = Markers(
            "cpted",
            payload["lon"],
            payload["lat"],
            frame["id"].tolist(),
            rgba=cd.marker_colours(frame["overall"].to_numpy(float)),
            tooltips=cd._tooltips(twin, frame, lang),
        )
        m.to_payload((5.9, 50.8))
        return m

    def ours_markers() -> Markers:
        cd.assessments_frame(store)
        m = cd.markers_overlay(store, twin, filters, lang)
        m.to_payload((5.9, 50.8))
        return m

    ours_markers()  # warm: the first run after start reads and bakes once
    n = args.reruns
    rows = []
    rows.append(("naive: read the table", _timed(store.frame, max(3, n // 4))))
    rows.append(("ours: signature query + cached table",
                 _timed(lambda: cd.assessments_frame(store), n)))  # fmt: skip
    rows.append(("naive: table + notes + markers built and baked", _timed(naive_markers, 3)))
    rows.append(("ours: the same from the caches", _timed(ours_markers, n)))
    print(f"1. A rerun with nothing changed, {args.rows:,} assessments (ms)")
    print(f"{'path':58}{'median':>9}{'p95':>9}")
    for label, times in rows:
        med, p95 = _ms(times)
        print(f"{label:58}{med:9.1f}{p95:9.1f}")
    ratio = _ms(rows[2][1])[0] / _ms(rows[3][1])[0]
    print(f"{'ratio naive/ours (markers, median)':58}{ratio:8.0f}x")

    # 2. bytes per rerun
    m = ours_markers()
    frame = store.frame()
    inline = json.dumps(
        [
            {"lon": lo, "lat": la, "rgba": [int(v) for v in c], "tooltip": tip}
            for lo, la, c, tip in zip(m.lon, m.lat, m.rgba, m.tooltips, strict=True)
        ],
        ensure_ascii=False,
    ).encode()
    ours = json.dumps(map_payload(twin, key="cpted", overlays=[m])).encode()
    blob = m._baked[next(iter(m._baked))]
    import gzip

    def gz(b: bytes) -> int:
        return len(gzip.compress(b, 6))

    print()
    print("2. Bytes a rerun sends for the markers")
    print(f"{'path':58}{'bytes':>12}{'gzip':>11}")
    print(
        f"{'naive: every marker inline as JSON, every rerun':58}{len(inline):12,}{gz(inline):11,}"
    )
    print(f"{'ours: the whole map payload (URL of the markers file)':58}{len(ours):12,}"
          f"{gz(ours):11,}")  # fmt: skip
    print(f"{'(ours: the markers file, fetched once per change)':58}{len(blob):12,}{gz(blob):11,}")
    print(f"{'ratio naive/ours per rerun':58}{len(inline) / len(ours):11.0f}x"
          f"{gz(inline) / gz(ours):10.0f}x")  # fmt: skip

    # 3. the first rerun after a save
    v = store.get(frame["id"].iloc[0])
    a = v.assessment

    def save_then(fn) -> float:
        nonlocal v
        edited = make_assessment(a.target, {**a.scores, "ma_repairs": 1 + v.version % 5},
                                 notes=a.notes, observed_at=a.observed_at)  # fmt: skip
        v = store.save(v.assessment_id, edited, base_version=v.version, author=Author("Bench"))
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    naive_after = [save_then(naive_markers) for _ in range(3)]
    ours_after = [save_then(ours_markers) for _ in range(5)]
    print()
    print("3. The first rerun after one save (ms)")
    print(f"{'path':58}{'median':>9}{'p95':>9}")
    print(f"{'naive: everything rebuilt':58}{_ms(naive_after)[0]:9.1f}{_ms(naive_after)[1]:9.1f}")
    print(f"{'ours: table re-read, one note fetched, markers rebuilt':58}"
          f"{_ms(ours_after)[0]:9.1f}{_ms(ours_after)[1]:9.1f}")  # fmt: skip

    # 4. a whole page run (AppTest), for scale
    from streamlit.testing.v1 import AppTest

    os.environ["SOCIALTWIN_LANGUAGE"] = "nl"
    at = AppTest.from_file(str(ROOT / "viewer" / "app.py"), default_timeout=600)
    at.run()
    at.switch_page("views/cpted.py")
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    reruns = []
    for _ in range(5):
        t0 = time.perf_counter()
        at.run()
        reruns.append(time.perf_counter() - t0)
    assert not at.exception, [e.value for e in at.exception]
    print()
    print("4. The whole studio page in AppTest, demo twin (ms)")
    print(f"{'first run (reads the store, builds the markers)':58}{first * 1000:9.0f}")
    print(f"{'rerun, nothing changed (median of 5)':58}{statistics.median(reruns) * 1000:9.0f}")


if __name__ == "__main__":
    main()
