"""A smooth synthetic terrain (metres above NAP) for ground levels of the demo.

Heerlen lies on the slopes of South Limburg: about 80 m NAP in the north (Hoensbroek) to about
200 m in the south-east (Heerlerbaan, Bekkerveld); the Geleenbeek valley runs through the centre.
"""

from __future__ import annotations

import numpy as np

_Y_NORTH, _Y_SOUTH = 327_500.0, 316_500.0


def ground_level(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Ground level in m NAP at RD coordinates ``x``, ``y``.

    >>> float(ground_level(np.array([193000.0]), np.array([327000.0]))[0]) < 110
    True
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    t = np.clip((_Y_NORTH - y) / (_Y_NORTH - _Y_SOUTH), 0, 1)
    base = 80 + 95 * t + 20 * np.clip((x - 194_000) / 5_000, 0, 1) * t
    hills = 6 * np.sin(x / 900.0) * np.cos(y / 1100.0)
    valley = -14 * np.exp(-(((x - 195_300) - 0.35 * (y - 322_000)) ** 2) / (2 * 450.0**2))
    return base + hills + valley
