"""``histogramdd``: counts of points in a grid of bins over D dimensions (``torch.histogramdd``).

The last axis of ``input`` holds each point's D coordinates; every other axis lists
points. Bins are equal-width over ``range`` (default: each coordinate's min to max) or
given as edges, one tensor per dimension; each bin is closed on the left, the last one
on both sides (NumPy's and PyTorch's rule). NumPy's ``histogramdd`` does the counting.
No gradient (counts are piecewise constant). Cost: O(points · D · log bins).

Example:
    >>> import tt_autograd as autograd
    >>> points = autograd.tensor([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]])
    >>> histogramdd(points, bins=2).hist
    tensor([[1., 0.],
            [1., 1.]])
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from tt_tensor.checks import check_number

from .tensor import Tensor

__all__ = ["histogramdd"]

HistogramddResult = namedtuple("histogramdd", ["hist", "bin_edges"])


def histogramdd(
    input: Tensor,  # noqa: A002  (PyTorch's argument name)
    bins: object = 10,
    range: list[float] | None = None,  # noqa: A002  (positional, as PyTorch's)
    weight: Tensor | None = None,
    density: bool = False,
) -> HistogramddResult:
    """``(hist, bin_edges)``: ``hist`` shaped ``(bins_1, …, bins_D)``, ``bin_edges`` D 1-d tensors.

    Args:
        input: ``(*, D)`` floating-point points.
        bins: an int (every dimension), a list of D ints, or a list of D 1-d edge tensors.
        range: ``[min_1, max_1, …, min_D, max_D]`` for integer bins.
        weight: ``input.shape[:-1]``, each point's weight.
        density: divide by the total weight and each bin's volume (a density).
    """
    if not isinstance(input, Tensor) or input.ndim < 1:
        raise TypeError(f"histogramdd: input must be a tensor of shape (*, D), got {type(input).__name__}")
    points = input.array
    if points.dtype.kind != "f":
        raise RuntimeError(f"histogramdd: input must be floating point, got {input.dtype}")
    dims = points.shape[-1]
    points = points.reshape(-1, dims)
    edges = _edges(bins, dims, points.dtype)
    ranges = _ranges(range, dims)
    weights = None
    if weight is not None:
        if not isinstance(weight, Tensor) or tuple(weight.shape) != tuple(input.shape[:-1]):
            shape = getattr(weight, "shape", type(weight).__name__)
            raise RuntimeError(
                f"histogramdd: weight must be a tensor of the input's shape without its last dim, "
                f"{tuple(input.shape[:-1])}, got {shape}"
            )
        weights = weight.array.reshape(-1)
    hist, bin_edges = np.histogramdd(points, bins=edges, range=ranges, weights=weights, density=bool(density))
    return HistogramddResult(
        input.from_array(hist.astype(points.dtype)),
        tuple(input.from_array(e.astype(points.dtype)) for e in bin_edges),
    )


def _edges(bins: object, dims: int, dtype: np.dtype) -> list[object]:
    """``bins`` as NumPy's list: D counts or D edge arrays."""
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
        bins = [int(bins)] * dims
    if not isinstance(bins, (list, tuple)) or len(bins) != dims:
        raise RuntimeError(
            f"histogramdd: bins must be an int or a list of {dims} ints or 1-d tensors (one per dimension of "
            f"the points' last axis), got {bins!r}"
        )
    out: list[object] = []
    for b in bins:
        if isinstance(b, Tensor):
            if b.ndim != 1 or b.shape[0] < 2 or np.any(np.diff(b.array) < 0):
                raise RuntimeError(f"histogramdd: bin edges must be 1-d, at least 2, not decreasing; got {b}")
            out.append(b.array.astype(dtype))
        else:
            count = int(check_number("histogramdd", "bins", b))
            if count <= 0:
                raise RuntimeError(f"histogramdd: bins must be > 0, but got {count}")
            out.append(count)
    return out


def _ranges(range_: object, dims: int) -> list[tuple[float, float]] | None:
    if range_ is None:
        return None
    values = [float(check_number("histogramdd", "range", v)) for v in range_]
    if len(values) != 2 * dims:
        raise RuntimeError(
            f"histogramdd: range must be [min_1, max_1, ..., min_D, max_D] with {2 * dims} numbers, "
            f"got {len(values)}"
        )
    pairs = list(zip(values[0::2], values[1::2]))
    for low, high in pairs:
        if not low <= high:
            raise RuntimeError(f"histogramdd: each range's min must be <= its max, got [{low}, {high}]")
    return pairs
