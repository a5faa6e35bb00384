"""The Pareto view: which versions of a model are worth keeping, by accuracy, latency and size.

Optimising a model buys speed or size with accuracy. Version ``a``
**dominates** ``b`` if it is at least as good on every axis (accuracy no
lower, latency and size no higher) and better on one; the versions no other
dominates form the **Pareto front** — every other one is beaten outright
and can be dropped. The front is computed for all pairs at once as an
``(n, n)`` boolean matrix (``n`` versions: ``O(n²)`` comparisons).

:func:`plot_pareto` draws accuracy against latency with the marker's area
proportional to the size and the front in colour, and saves a PNG
(matplotlib, the ``plot`` extra: ``pip install tinytorch[plot]``).

Example:
    >>> points = [ParetoPoint("fp32", 0.99, 4.0, 400), ParetoPoint("int8", 0.985, 2.0, 100),
    ...           ParetoPoint("bad", 0.98, 3.0, 200)]
    >>> [p.name for p in pareto_front(points)]
    ['fp32', 'int8']
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class ParetoPoint:
    """One version of a model: its accuracy (0–1), latency (ms) and size (bytes)."""

    name: str
    accuracy: float
    latency_ms: float
    size_bytes: float


def dominated(accuracy: np.ndarray, latency: np.ndarray, size: np.ndarray) -> np.ndarray:
    """``(n,)`` booleans: is point ``i`` dominated (another no worse on all axes, better on one)?"""
    # "cost" columns: lower is better on every axis
    cost = np.stack([-np.asarray(accuracy, float), np.asarray(latency, float), np.asarray(size, float)], 1)
    # BEGIN SOLUTION 19
    # TODO: for each point, whether another is no worse on every axis (accuracy up, latency and size down)
    #   and better on one (§ How it is built, pareto.py); all pairs at once with broadcasting.
    # HINT: turn accuracy into a cost (-accuracy) so that lower is better on all three axes.
    no_worse = np.all(cost[:, None, :] <= cost[None, :, :], axis=2)  # [j, i]: j no worse than i everywhere
    better = np.any(cost[:, None, :] < cost[None, :, :], axis=2)
    return np.any(no_worse & better, axis=0)
    # END SOLUTION


def pareto_front(points: list[ParetoPoint]) -> list[ParetoPoint]:
    """The points no other point dominates, in the order given."""
    if not points:
        return []
    mask = dominated(
        np.array([p.accuracy for p in points]),
        np.array([p.latency_ms for p in points]),
        np.array([p.size_bytes for p in points]),
    )
    return [p for p, out in zip(points, mask) if not out]


def plot_pareto(
    points: list[ParetoPoint], path: str | os.PathLike, title: str = "accuracy vs latency vs size"
):
    """Save a PNG: accuracy against latency, marker area ∝ size, the front coloured; returns the path."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:  # an optional extra: say how to get it
        raise ImportError("plot_pareto needs matplotlib: pip install 'tinytorch[plot]'") from error
    front = {p.name for p in pareto_front(points)}
    sizes = np.array([p.size_bytes for p in points], float)
    area = 40 + 400 * sizes / sizes.max()
    figure, axes = plt.subplots(figsize=(6.5, 4.5))
    for on_front, colour, label in ((True, "tab:blue", "on the front"), (False, "tab:gray", "dominated")):
        chosen = [i for i, p in enumerate(points) if (p.name in front) == on_front]
        if chosen:
            x = [points[i].latency_ms for i in chosen]
            y = [100 * points[i].accuracy for i in chosen]
            axes.scatter(x, y, s=area[chosen], color=colour, alpha=0.7, label=label)
    for point in points:
        label = f"{point.name}\n{point.size_bytes / 2**10:,.0f} KiB"
        where = (point.latency_ms, 100 * point.accuracy)
        axes.annotate(label, where, fontsize=8, xytext=(6, -12), textcoords="offset points")
    axes.margins(0.15)
    axes.set_xlabel("latency (ms, lower is better)")
    axes.set_ylabel("accuracy (%)")
    axes.set_title(title)
    axes.legend(loc="best", title="marker area ∝ size", fontsize=8)
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
