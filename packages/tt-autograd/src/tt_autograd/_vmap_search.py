"""vmap's forms of the functions tt-tensor computes on sorted arrays, for any batched argument:
``isin`` (batched test elements), ``searchsorted`` and ``bucketize`` (batched boundaries), ``histc`` and
``histogram`` (batched input; each sample its own range when none is given, or batched bin edges).

One sample's call would search its values in its own sorted row; all the samples at once search
row by row in one pass, :func:`searchsorted_rows`: the rows' entries and values sorted together by
(row, value), so each value's index is the count of its row's entries sorted before it (a count,
so a row need not be in order: searchsorted's ``sorter`` changes nothing). The
histograms then count each sample's bin indices with one ``bincount`` over (sample, bin) cells.
Cost: a sort of every row and value, ``O(N log N)`` for ``N`` of them (no Python loop, no
``(values, entries)`` comparison array).

Each form first runs the function on one sample's zeros (or on empty arrays), so a call the op
refuses raises the op's own error; data it refuses (a histogram range that is not finite) loops
over the samples, for the same reason. No gradients (as the ops').
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _math_more_kernels as kernels
from ._math_more_methods import HistogramResult
from .batched import STATE, BatchedTensor, _tensors, aligned, logical_ndim, per_sample, physical, union, wrap
from .tensor import Tensor


def searchsorted_rows(rows: np.ndarray, values: np.ndarray, right: bool) -> np.ndarray:
    """``np.searchsorted(rows[r], values[r], side)`` for every row ``r`` of ``rows`` ``(R, M)`` (each
    sorted) and ``values`` ``(R, K)``, as one int64 array ``(R, K)``; NaN sorts last, as NumPy's.
    Entries equal to a value sort before it (``right``) or after it, so the count is the index."""
    count, m = rows.shape
    k = values.shape[1]
    joined = np.concatenate([rows, values], axis=1, dtype=np.result_type(rows, values)).reshape(-1)
    is_value = np.concatenate([np.zeros((count, m), bool), np.ones((count, k), bool)], axis=1).reshape(-1)
    row = np.repeat(np.arange(count), m + k)
    order = np.lexsort((is_value if right else ~is_value, joined, row))
    entries_before = np.cumsum(~is_value[order]) - np.repeat(np.arange(count) * m, m + k)
    found = np.empty(joined.size, dtype=np.int64)
    found[order] = entries_before
    return found.reshape(count, m + k)[:, m:]


def _full(value: Any, levels: tuple, sizes: dict) -> np.ndarray:
    """The array of ``value`` (a tensor or a number) with one row per sample of the whole batch."""
    if not isinstance(value, Tensor):
        value = Tensor.from_array(np.asarray(value))
    full = aligned(value, levels, sizes, logical_ndim(value), expand=True)
    with physical():
        count = math.prod(sizes[level] for level in levels)
        return np.asarray(full.array).reshape(count, *full.shape[len(levels) :])


def _one_sample(value: Any) -> Any:
    """Zeros of one sample's shape and dtype (for the op's own checks), or ``value`` if not a tensor."""
    if type(value) is not BatchedTensor:
        return value
    return Tensor.from_array(np.zeros(value.shape, dtype=value.array.dtype))


def _batched(out: np.ndarray, levels: tuple, sizes: dict, shape: tuple) -> Tensor:
    return wrap(Tensor.from_array(out.reshape(*(sizes[level] for level in levels), *shape)), levels)


def isin_form(function: Callable, *args: Any, **kwargs: Any) -> Any:
    """``isin``: batched elements alone are element-wise (run on the physical array); batched test
    elements search each sample's elements in its own sorted tests."""
    if STATE.physical:
        return function(*args, **kwargs)
    given = inspect.signature(function).bind(*args, **kwargs).arguments
    elements, tests = given["elements"], given.get("test_elements")
    if type(tests) is not BatchedTensor:
        return _element_wise(function, "elements", args, kwargs)
    probe = function(**{key: _one_sample(value) for key, value in given.items()})  # (the op's checks)
    levels, sizes = union((elements, tests))
    items, table = _full(elements, levels, sizes), _full(tests, levels, sizes)
    items, table = items.reshape(len(items), -1), np.sort(table.reshape(len(table), -1), axis=-1)
    found = np.zeros(items.shape, dtype=bool)
    if table.shape[1]:
        at = np.minimum(searchsorted_rows(table, items, right=False), table.shape[1] - 1)
        found = np.take_along_axis(table, at, axis=-1) == items
    if given.get("invert", False):
        found = ~found
    return _batched(found, levels, sizes, tuple(probe.shape))


def searchsorted_form(function: Callable, *args: Any, **kwargs: Any) -> Any:
    """``searchsorted``: batched values alone in one sorted row are element-wise; a batched sequence (or
    sorter) is searched row by row: a 1-D sample's row with the sample's values, an N-D sample's rows
    (matching the values' leading dims, tt-tensor's own N-D search) by the function on the physical
    arrays, the sequence expanded to the whole batch."""
    if STATE.physical:
        return function(*args, **kwargs)
    given = inspect.signature(function).bind(*args, **kwargs).arguments
    sequence, sorter = given["sorted_sequence"], given.get("sorter")
    shared = type(sequence) is not BatchedTensor and type(sorter) is not BatchedTensor
    if shared and (not isinstance(sequence, Tensor) or sequence.ndim == 1):  # (N-D rows pair with values')
        return _element_wise(function, "values", args, kwargs)
    probe = function(**{key: _one_sample(value) for key, value in given.items()})  # (the op's checks)
    right = bool(given.get("right", False)) or given.get("side") == "right"
    return _searched(function, given, ("sorted_sequence", "values"), right, probe)


def bucketize_form(function: Callable, *args: Any, **kwargs: Any) -> Any:
    """``bucketize``: a batched input alone is element-wise; batched boundaries are searched row by
    row (each sample's 1-D boundaries with its input)."""
    if STATE.physical:
        return function(*args, **kwargs)
    given = inspect.signature(function).bind(*args, **kwargs).arguments
    if type(given["boundaries"]) is not BatchedTensor:
        return _element_wise(function, "input", args, kwargs)
    probe = function(**{key: _one_sample(value) for key, value in given.items()})  # (the op's checks)
    return _searched(function, given, ("boundaries", "input"), bool(given.get("right", False)), probe)


def _searched(function: Callable, given: dict, names: tuple, right: bool, probe: Tensor) -> Tensor:
    """The search of the values ``given[names[1]]`` in the sorted rows ``given[names[0]]`` of every sample."""
    sequence, values, sorter = given[names[0]], given[names[1]], given.get("sorter")
    levels, sizes = union(v for v in (sequence, values, sorter) if isinstance(v, Tensor))
    if logical_ndim(sequence) > 1:  # N-D rows (searchsorted): the function on the arrays, expanded
        full = {key: _expanded(value, levels, sizes) for key, value in given.items()}
        with physical():
            return wrap(function(**full), levels)
    rows = _full(sequence, levels, sizes)  # (the count needs no order: a sorter changes nothing)
    items = _full(values, levels, sizes)
    found = searchsorted_rows(rows, items.reshape(len(items), -1), right)
    return _batched(found.astype(probe.array.dtype), levels, sizes, tuple(probe.shape))


def _expanded(value: Any, levels: tuple, sizes: dict) -> Any:
    """A tensor expanded to the whole batch (physical), or ``value`` itself if not a tensor."""
    if not isinstance(value, Tensor):
        return value
    return aligned(value, levels, sizes, logical_ndim(value), expand=True)


def element_wise_in(argument: str) -> Callable:
    """The batched form of a function computed on arrays that is element-wise in ``argument`` (isin's
    elements, searchsorted's values, bucketize's input, unravel_index's indices): when only that
    argument is batched, the function runs on its physical array, the result batched like it;
    otherwise the loop (its array would mix the samples: silently wrong)."""

    def form(function: Callable, *args: Any, **kwargs: Any) -> Any:
        if STATE.physical:
            return function(*args, **kwargs)
        return _element_wise(function, argument, args, kwargs)

    return form


def _element_wise(function: Callable, argument: str, args: tuple, kwargs: dict) -> Any:
    """``function`` on the physical array of its batched ``argument``, when no other tensor argument
    is batched; else the loop."""
    arguments = inspect.signature(function).bind(*args, **kwargs).arguments
    given = arguments.get(argument)
    others = [value for name, value in arguments.items() if name != argument]
    if type(given) is BatchedTensor and not any(type(v) is BatchedTensor for v in _tensors(others)):
        with physical():
            out = function(*args, **kwargs)
        return (
            tuple(wrap(o, given._levels) for o in out) if isinstance(out, tuple) else wrap(out, given._levels)
        )
    return per_sample(f"torch.{function.__name__}", function, args, kwargs)


def histc(self: BatchedTensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """``Tensor.histc`` of each sample: its own range (its min and max) for the default ``min = max = 0``,
    the edges of each sample's linspace, every sample's values counted at once."""
    if STATE.physical:
        return Tensor.histc(self, bins, min, max)
    probe = Tensor.histc(_one_sample(self), bins, min, max)  # (the op's checks)
    values = _full(self, self._levels, union((self,))[1])
    values = values.reshape(len(values), -1)
    low, high = np.full(len(values), float(min)), np.full(len(values), float(max))
    if min == max == 0 and values.shape[1]:
        low, high = values.min(axis=1).astype(np.float64), values.max(axis=1).astype(np.float64)
    if not (np.isfinite(low).all() and np.isfinite(high).all()):  # (NaN or inf in a sample)
        return per_sample("Tensor.histc", Tensor.histc, (self, bins, min, max), {})  # (the op's error)
    low, high = np.where(low == high, low - 1, low), np.where(low == high, high + 1, high)
    edges = np.linspace(low, high, bins + 1, axis=1).astype(values.dtype)
    inside = (values >= edges[:, :1]) & (values <= edges[:, -1:])
    where = np.minimum(searchsorted_rows(edges, values, right=True) - 1, bins - 1)
    counts = _counted(where, inside, None, bins)
    return _batched(counts.astype(values.dtype), self._levels, union((self,))[1], tuple(probe.shape))


def histogram(self: BatchedTensor, bins: Any = 100, *, range: Any = None, weight: Any = None,  # noqa: A002
              density: bool = False) -> Any:  # fmt: skip
    """``Tensor.histogram`` of each sample: shared edges (a number of bins over ``range``, or a tensor of
    edges), each sample's own (its min and max without ``range``; a batched tensor of edges); a
    batched ``weight`` weighs each sample's values; ``density`` per sample."""
    if STATE.physical:
        return Tensor.histogram(self, bins, range=range, weight=weight, density=density)
    given = {"range": range, "weight": weight, "density": density}
    probe = Tensor.histogram(
        _one_sample(self), _one_sample(bins), range=range, weight=_one_sample(weight), density=density
    )  # (the op's checks)
    levels, sizes = union(v for v in (self, bins, weight) if isinstance(v, Tensor))
    values = _full(self, levels, sizes)
    values = values.reshape(len(values), -1)
    if isinstance(bins, Tensor):
        edges = _full(bins, levels, sizes)
    else:
        count = int(bins)
        if range is not None:
            low, high = (np.full(len(values), bound) for bound in kernels._range(values, range))
        elif values.shape[1]:
            low, high = values.min(axis=1).astype(np.float64), values.max(axis=1).astype(np.float64)
        else:
            low, high = np.zeros(len(values)), np.ones(len(values))
        if not (np.isfinite(low).all() and np.isfinite(high).all()):
            return per_sample("Tensor.histogram", Tensor.histogram, (self, bins), given)  # (the op's error)
        low, high = np.where(low == high, low - 0.5, low), np.where(low == high, high + 0.5, high)
        edges = np.linspace(low, high, count + 1, axis=1).astype(values.dtype)
    if np.any(edges[:, :-1] > edges[:, 1:]):
        return per_sample("Tensor.histogram", Tensor.histogram, (self, bins), given)  # (the op's error)
    inside = (values >= edges[:, :1]) & (values <= edges[:, -1:])
    where = np.minimum(searchsorted_rows(edges, values, right=True) - 1, edges.shape[1] - 2)
    scales = None if weight is None else _full(weight, levels, sizes).reshape(values.shape)
    hist = _counted(where, inside, scales, edges.shape[1] - 1)
    if density:
        hist = hist / (hist.sum(axis=1, keepdims=True) * np.diff(edges.astype(np.float64), axis=1))
    shapes = (tuple(probe.hist.shape), tuple(probe.bin_edges.shape))
    return HistogramResult(
        _batched(hist.astype(values.dtype), levels, sizes, shapes[0]),
        _batched(np.ascontiguousarray(edges), levels, sizes, shapes[1]),
    )


def _counted(where: np.ndarray, inside: np.ndarray, weights: Any, bins: int) -> np.ndarray:
    """Per row, the (weighted) count of the values ``inside`` in each bin ``where`` says: ``(R, bins)``
    float64, by one bincount over (row, bin) cells."""
    cells = (np.arange(len(where))[:, None] * bins + where)[inside]
    chosen = None if weights is None else weights[inside].astype(np.float64)
    counts = np.bincount(cells, weights=chosen, minlength=len(where) * bins)
    return counts.reshape(len(where), bins).astype(np.float64)


#: The batched forms (tt-tensor's ``batchable`` functions, by name), for ``BatchedTensor._batched_functions``.
FORMS = {
    "isin": isin_form,
    "searchsorted": searchsorted_form,
    "bucketize": bucketize_form,
    "unravel_index": element_wise_in("indices"),
}
