"""Classification of values into colour classes: quantile, equal interval, natural breaks.

Breaks are returned as ``k + 1`` edges from the minimum to the maximum; class ``i`` holds the
values in ``(edges[i], edges[i + 1]]`` (the first class also holds the minimum). Missing values
(NaN) get class -1.
"""

from __future__ import annotations

import numpy as np

from layers.constants import CLASS_METHODS

__all__ = ["class_breaks", "class_index", "fisher_jenks"]

#: Fisher–Jenks is O(k·m²) in the number of distinct values m; above this many, values are first
#: grouped into this many quantile bins (weighted), which keeps the breaks within one bin of the
#: exact optimum.
_MAX_JENKS_VALUES = 1000


def fisher_jenks(values: np.ndarray, k: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Natural breaks (Fisher 1958; Jenks 1967): the k classes of least within-class variance.

    Exact dynamic programme over the sorted distinct values. Returns ``k + 1`` edges; fewer
    when there are fewer distinct values than classes.

    >>> fisher_jenks(np.array([1, 2, 3, 10, 11, 12, 30]), 3).tolist()
    [1.0, 3.0, 12.0, 30.0]
    """
    x = np.asarray(values, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    ok = np.isfinite(x)
    x, w = x[ok], w[ok]
    if x.size == 0:
        return np.asarray([], dtype=float)
    uniq, inverse = np.unique(x, return_inverse=True)
    cnt = np.bincount(inverse, weights=w)
    m = uniq.size
    k = int(min(k, m))
    if k <= 1:
        return np.asarray([uniq[0], uniq[-1]], dtype=float)
    # prefix sums for the weighted sum of squared deviations of any run uniq[i..j]
    s1 = np.concatenate([[0.0], np.cumsum(cnt * uniq)])
    s2 = np.concatenate([[0.0], np.cumsum(cnt * uniq * uniq)])
    sw = np.concatenate([[0.0], np.cumsum(cnt)])

    def ssd(i: np.ndarray, j: int) -> np.ndarray:  # runs i..j (inclusive), i vectorised
        n = sw[j + 1] - sw[i]
        s = s1[j + 1] - s1[i]
        return (s2[j + 1] - s2[i]) - s * s / n

    cost = np.full((k, m), np.inf)
    back = np.zeros((k, m), dtype=np.int64)
    cost[0] = (s2[1:] - s2[0]) - (s1[1:] - s1[0]) ** 2 / (sw[1:] - sw[0])
    for c in range(1, k):
        for j in range(c, m):
            starts = np.arange(c, j + 1)  # first index of the last class
            total = cost[c - 1, starts - 1] + ssd(starts, j)
            best = int(np.argmin(total))
            cost[c, j] = total[best]
            back[c, j] = starts[best]
    edges = [uniq[-1]]
    j = m - 1
    for c in range(k - 1, 0, -1):
        start = back[c, j]
        edges.append(uniq[start - 1])
        j = start - 1
    edges.append(uniq[0])
    return np.asarray(edges[::-1], dtype=float)


def _grouped(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Many distinct values → at most ``_MAX_JENKS_VALUES`` weighted representatives."""
    uniq, counts = np.unique(x, return_counts=True)
    if uniq.size <= _MAX_JENKS_VALUES:
        return uniq, counts.astype(float)
    bins = np.quantile(x, np.linspace(0, 1, _MAX_JENKS_VALUES + 1))
    idx = np.clip(np.searchsorted(bins, x, side="right") - 1, 0, _MAX_JENKS_VALUES - 1)
    weights = np.bincount(idx, minlength=_MAX_JENKS_VALUES).astype(float)
    sums = np.bincount(idx, weights=x, minlength=_MAX_JENKS_VALUES)
    keep = weights > 0
    reps = sums[keep] / weights[keep]
    reps[0], reps[-1] = x.min(), x.max()
    return reps, weights[keep]


def class_breaks(values, k: int, method: str = "quantile") -> np.ndarray:
    """Class edges (``k + 1`` or fewer when values repeat) of the finite ``values``.

    Parameters
    ----------
    values : array-like
        The values to classify; NaN is ignored.
    k : int
        Number of classes wanted (at least 1).
    method : str
        ``quantile`` (equal counts), ``equal_interval`` (equal widths) or ``natural_breaks``
        (Fisher–Jenks).

    >>> class_breaks([1, 2, 3, 4], 2, "equal_interval").tolist()
    [1.0, 2.5, 4.0]
    """
    if method not in CLASS_METHODS:
        raise ValueError(
            f"unknown classification {method!r}; use one of {', '.join(CLASS_METHODS)}"
        )
    if k < 1:
        raise ValueError(f"at least one class is needed, not {k}")
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return np.asarray([], dtype=float)
    lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        return np.asarray([lo])  # one value: one class
    if method == "equal_interval":
        edges = np.linspace(lo, hi, k + 1)
    elif method == "quantile":
        edges = np.quantile(x, np.linspace(0, 1, k + 1))
    else:
        reps, weights = _grouped(x)
        edges = fisher_jenks(reps, k, weights)
        edges[0], edges[-1] = lo, hi
    return np.unique(edges)


def class_index(values, edges: np.ndarray) -> np.ndarray:
    """Class of each value (0 … len(edges) - 2); -1 for NaN or when there are no edges.

    >>> class_index([1.0, 2.5, 2.6, float("nan")], np.array([1.0, 2.5, 4.0])).tolist()
    [0, 0, 1, -1]
    """
    x = np.asarray(values, dtype=float)
    out = np.full(x.shape, -1, dtype=np.int64)
    if len(edges) < 2:
        if len(edges) == 1:
            out[np.isfinite(x)] = 0
        return out
    ok = np.isfinite(x)
    inner = np.asarray(edges[1:-1], dtype=float)
    out[ok] = np.searchsorted(inner, x[ok], side="left")
    return out
