"""Order-statistic kernels beyond the exercises: which element is the median, the k-th, the mode, ...

Not course material. NumPy in, NumPy out, like ``cumulative.py``: each
function returns *indices* (int64, with the reduced dim kept at size 1) and
leaves reading the values to the caller (``Tensor.gather``), so tt-autograd's
recorded ``gather`` sends each value's gradient back to the element it came
from. ``axis`` is already normalised and the input has at least one dim.

Conventions, checked against PyTorch 2.13:

* Sorting is stable with NaN after every number, so ``median`` picks, among
  equal values, the one a stable sort puts at position ``(n - 1) // 2`` (PyTorch's
  index too); it is the *lower* of the two middle values for an even ``n``.
* ``median`` of a row holding a NaN is that row's first NaN; ``nanmedian``
  ignores NaNs (a row of NaNs gives NaN, index 0).
* ``mode`` is the smallest of the most frequent values, at its last position
  (PyTorch's index on rows of up to 16 elements; on longer rows PyTorch returns
  some occurrence). NaNs count as distinct values.
* ``cummax``/``cummin``: ties and NaNs move the index on (the last occurrence),
  and a NaN propagates.

Example:
    >>> import numpy as np
    >>> median_index(np.array([3.0, 1.0, 2.0, 4.0]), 0)
    array([2])
"""

from __future__ import annotations

import numpy as np

INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _sorted_pick(a: np.ndarray, axis: int, position: np.ndarray) -> np.ndarray:
    """The original index of the element a stable, NaN-last sort puts at ``position`` (keepdims)."""
    order = np.argsort(a, axis=axis, kind="stable")
    return np.take_along_axis(order, position, axis=axis).astype(np.int64, copy=False)


def _nan_count(a: np.ndarray, axis: int) -> np.ndarray:
    if a.dtype.kind != "f":
        return np.zeros([1 if d == axis else s for d, s in enumerate(a.shape)], dtype=np.int64)
    return np.isnan(a).sum(axis=axis, keepdims=True)


def median_index(a: np.ndarray, axis: int, ignore_nan: bool = False) -> np.ndarray:
    """Index of the (lower) median along ``axis``; NaN rows give their first NaN unless ``ignore_nan``.

    Cost: a stable sort, O(n log n) per row.
    """
    n = a.shape[axis]
    nans = _nan_count(a, axis)
    if ignore_nan:
        position = np.maximum((n - nans - 1) // 2, 0)
    else:  # a row with a NaN: its first NaN, which the stable sort puts right after the numbers
        position = np.where(nans > 0, n - nans, (n - 1) // 2)
    return _sorted_pick(a, axis, position)


def kthvalue_index(a: np.ndarray, k: int, axis: int) -> np.ndarray:
    """Index of the ``k``-th smallest element (``k`` counts from 1) along ``axis``."""
    position = np.full([1 if d == axis else s for d, s in enumerate(a.shape)], k - 1, dtype=np.int64)
    return _sorted_pick(a, axis, position)


def mode_index(a: np.ndarray, axis: int) -> np.ndarray:
    """Index of the last occurrence of the smallest most frequent value along ``axis``.

    Vectorised over rows: sort, count each element's position within its run of
    equal values, take the first sorted position where that count is the row's
    largest. Cost: a sort, O(n log n) per row.
    """
    rows = np.moveaxis(a, axis, -1)
    n = rows.shape[-1]
    ordered = np.sort(rows, axis=-1)
    starts = np.ones(ordered.shape, dtype=bool)
    starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    positions = np.arange(n)
    run_start = np.maximum.accumulate(np.where(starts, positions, 0), axis=-1)
    run_length = positions - run_start + 1  # how many equal values up to and including this one
    end_of_first_longest = np.argmax(run_length, axis=-1)[..., None]
    value = np.take_along_axis(ordered, end_of_first_longest, axis=-1)
    # A NaN mode (equal to nothing) needs every value to be NaN, so index 0, its first NaN: the fill.
    last = np.where(rows == value, positions, 0).max(axis=-1, keepdims=True)
    return np.moveaxis(last.astype(np.int64), -1, axis)


def cumulative_extreme_index(a: np.ndarray, axis: int, largest: bool) -> np.ndarray:
    """Index of the running max (``largest``) or min along ``axis``: the last of ties, NaN propagating.

    An element is a new record where it equals the running extreme (it is at
    least as large as everything before) or is NaN; the index is the running
    maximum of the record positions. Cost: three passes, no loop over positions.
    """
    accumulate = np.maximum.accumulate if largest else np.minimum.accumulate
    running = accumulate(a, axis=axis)
    record = a == running
    if a.dtype.kind == "f":
        record |= np.isnan(a)
    shape = [1] * a.ndim
    shape[axis] = a.shape[axis]
    positions = np.arange(a.shape[axis]).reshape(shape)
    return np.maximum.accumulate(np.where(record, positions, 0), axis=axis).astype(np.int64)


def check_quantile_args(op: str, a: np.ndarray, q: np.ndarray, interpolation: str) -> None:
    """PyTorch's checks of ``quantile``'s arguments, with its messages and a fix."""
    if a.dtype.kind != "f":
        raise RuntimeError(
            f"{op}() input tensor must be either float or double dtype, got {a.dtype}; convert with .float()"
        )
    if a.size == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty, got shape {a.shape}")
    if q.ndim > 1:
        raise RuntimeError(f"{op}() q must be a scalar or 1D tensor, got shape {q.shape}")
    if q.size and not (np.all(q >= 0) and np.all(q <= 1)):
        bad = q[~((q >= 0) & (q <= 1))].reshape(-1)[0]
        raise RuntimeError(f"{op}() q must be in the range [0, 1] but got {bad}")
    if interpolation not in INTERPOLATIONS:
        raise RuntimeError(
            f"{op}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
            f"but got {interpolation}"
        )


def quantile_positions(
    ordered: np.ndarray, q: np.ndarray, ignore_nan: bool, interpolation: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(below, above, weight)`` for sorted rows ``ordered`` (NaN last, on the last axis), one per q.

    Shapes: ``ordered`` is ``(..., n)``, ``q`` is ``(Q,)``; the results are ``(..., Q)``:
    the quantile is ``lerp(ordered[below], ordered[above], weight)`` (``ordered[below]``
    for ``lower``, ``higher`` and ``nearest``). The rank
    ``q * (count - 1)`` is computed in the input's dtype, as PyTorch does; the count
    is ``n`` (a row with a NaN gives NaN: its rank is the last, a NaN) or, with
    ``ignore_nan``, the non-NaN count (an all-NaN row gives NaN too: rank 0).
    """
    n = ordered.shape[-1]
    nans = np.isnan(ordered).sum(axis=-1, keepdims=True)
    q = q.astype(ordered.dtype)
    if ignore_nan:  # an all-NaN row: rank 0 (its first NaN), as PyTorch
        rank = np.maximum(q * (n - nans - 1).astype(ordered.dtype), 0)
    else:
        rank = np.where(nans > 0, n - 1, q * ordered.dtype.type(n - 1))
    below, above = np.floor(rank), np.ceil(rank)
    if interpolation == "higher":  # lower, higher and nearest read ``below`` only
        below = above
    elif interpolation == "nearest":
        below = np.round(rank)  # half to even, as torch.round
    weight = np.full_like(rank, 0.5) if interpolation == "midpoint" else rank - below
    return below.astype(np.int64), above.astype(np.int64), weight


__all__ = [
    "INTERPOLATIONS",
    "check_quantile_args",
    "cumulative_extreme_index",
    "kthvalue_index",
    "median_index",
    "mode_index",
    "quantile_positions",
]
