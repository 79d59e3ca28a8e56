"""Lines of sight against footprints: touching blocks, courtyards stay open, chunks agree."""

from __future__ import annotations

import numpy as np
from shapely.geometry import MultiPolygon, Polygon, box

from twin.analytics import blocked, obstacles_from_footprints, sightlines


def test_courtyards_walls_corners_and_separate_parts():
    yard = Polygon([(0, 0), (30, 0), (30, 30), (0, 30)], [[(10, 10), (10, 20), (20, 20), (20, 10)]])
    pair = MultiPolygon([box(40, 0, 45, 5), box(50, 0, 55, 5)])
    obstacles = obstacles_from_footprints(np.array([yard, pair], dtype=object))
    segments = {
        "inside the courtyard": ((12, 12), (18, 18), False),
        "inside a wall": ((2, 2), (4, 3), True),
        "outside, alongside": ((-5, 15), (-1, 15), False),
        "through a corner point only": ((-5, 35), (5, 25), True),  # touches (0, 30): blocks
        "ending on a corner": ((-5, 35), (0, 30), True),
        "passing a corner at 0.7 m": ((-5, 26), (4, 35), False),
        "between the two parts": ((47.5, -5), (47.5, 10), False),
        "through one part": ((42, -5), (42, 10), True),
    }
    start = np.array([s for s, _, _ in segments.values()], dtype=float)
    end = np.array([e for _, e, _ in segments.values()], dtype=float)
    expected = [b for _, _, b in segments.values()]
    assert blocked(start, end, obstacles).tolist() == expected


def test_chunks_give_the_same_answer(monkeypatch):
    rng = np.random.default_rng(5)
    boxes = np.array([box(x, y, x + 4, y + 4) for x, y in rng.uniform(0, 100, (40, 2))])
    start, end = rng.uniform(0, 100, (300, 2)), rng.uniform(0, 100, (300, 2))
    obstacles = obstacles_from_footprints(boxes)
    whole = blocked(start, end, obstacles)
    monkeypatch.setattr(sightlines, "SIGHT_CHUNK", 7)
    assert blocked(start, end, obstacles).tolist() == whole.tolist()
    assert 0 < whole.sum() < len(whole)
