"""A process killed (SIGKILL) in the middle of writes loses nothing saved before and leaves no
half-written record."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from twin.assessments import open_store

WRITER = textwrap.dedent(
    """
    import sys, io
    from twin.assessments import Author, Target, make_assessment, open_store, photo_from_upload
    from twin.assessments.store import AssessmentStore
    from PIL import Image

    path, mode = sys.argv[1], sys.argv[2]
    store = open_store(path)
    author = Author("Writer")
    target = Target("spot", None, 196679.06, 322214.5, 5.9795, 50.8882, "BU09173300", None)
    if mode == "pause":
        original = AssessmentStore._write_heads
        def paused(conn, rows):
            print("mid", rows[0]["id"], rows[0]["current_version"], flush=True)
            import time
            time.sleep(120)  # killed here: version rows written, head not, not committed
            original(conn, rows)
        AssessmentStore._write_heads = staticmethod(paused)
        print("ready", flush=True)
        sys.stdin.readline()
    i = 0
    while True:
        i += 1
        photos = []
        if i % 5 == 0:
            buf = io.BytesIO()
            Image.new("RGB", (64, 48), (i % 255, 80, 160)).save(buf, format="PNG")
            photos = [photo_from_upload(buf.getvalue(), "p.png")]
        a = make_assessment(target, {"ns_sightlines": 1 + i % 5}, notes="n" * (i % 3000),
                            photos=[p.sha256 for p in photos])
        v = store.create(a, author, photos=photos)
        print("saved", v.assessment_id, v.version, flush=True)
        for k in range(2):
            a = make_assessment(target, {"ns_sightlines": 1 + (i + k) % 5}, notes=f"edit {k}",
                                photos=[p.sha256 for p in photos])
            v = store.save(v.assessment_id, a, base_version=v.version, author=author)
            print("saved", v.assessment_id, v.version, flush=True)
    """
)


def _start(path, mode):
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc) -> str:
    """Kill (if still running), reap, and return what it printed that was not read yet."""
    proc.kill()
    rest, _ = proc.communicate(timeout=30)
    return rest


def _check_after_kill(path, saved: dict[str, int]) -> None:
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    raw.close()
    with open_store(path) as store:
        assert store.check_integrity() == []
        frame = store.frame()
        heads = dict(zip(frame["id"], frame["current_version"], strict=True))
        for aid, version in saved.items():  # every reported save survived
            assert heads[aid] >= version, aid
            assert [h.version for h in store.history(aid)] == list(range(1, heads[aid] + 1))
        # no partial rows: every version row belongs to a head and is at most its version
        orphans = store._conn.execute(
            "SELECT count(*) FROM versions v LEFT JOIN assessments a ON a.id = v.assessment_id "
            "WHERE a.id IS NULL OR v.version > a.current_version"
        ).fetchone()[0]
        assert orphans == 0
        # and the store takes new writes after the crash
        v = store.get(next(iter(saved)))
        store.save(v.assessment_id, v.assessment, base_version=v.version, author=_author())
        assert store.check_integrity() == []


def _author():
    from twin.assessments import Author

    return Author("After the crash")


@pytest.mark.slow
@pytest.mark.parametrize("after_saves", [7, 40])
def test_kill_during_a_stream_of_saves_loses_nothing(tmp_path, after_saves):
    path = tmp_path / "crash.sqlite"
    proc = _start(path, "run")
    saved: dict[str, int] = {}
    try:
        n = 0
        while n < after_saves:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            _, aid, version = line.split()
            saved[aid] = int(version)
            n += 1
        time.sleep(0.003 * after_saves)  # land somewhere inside a later write
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        rest = _finish(proc)
    for line in rest.splitlines():  # saves reported before the kill landed
        _, aid, version = line.split()
        saved[aid] = int(version)
    assert proc.returncode == -signal.SIGKILL
    _check_after_kill(path, saved)


@pytest.mark.slow
def test_kill_between_version_row_and_head_leaves_no_half_record(tmp_path):
    path = tmp_path / "crash.sqlite"
    proc = _start(path, "pause")
    try:
        assert proc.stdout.readline().strip() == "ready"
        proc.stdin.write("go\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        assert line.startswith("mid"), proc.stderr.read()
        _, aid, version = line.split()
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        _finish(proc)
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    rows = raw.execute("SELECT count(*) FROM versions WHERE assessment_id = ?", (aid,)).fetchone()
    raw.close()
    assert rows == (0,)  # the version row written inside the killed transaction is gone
    with open_store(path) as store:
        assert store.check_integrity() == []
        assert len(store) == 0
    assert json.dumps({"aid": aid, "version": version})
