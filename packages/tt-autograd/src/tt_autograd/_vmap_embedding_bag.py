"""vmap's ``embedding_bag`` (tt-text) without the per-sample loop: every sample's bags side by side.

Sample ``s`` of a batch of ``S`` becomes a block of ``embedding_bag``'s own bags: its ids point into
the weights of the samples stacked ``(S·V, D)`` (offset by ``s·V`` when the weight is batched), its
bags follow the previous sample's (offsets shifted by ``s·K``, ``K`` the ids of a sample), its
per-sample weights likewise. One call then gives ``(S·bags, D)``, split back into ``(S, bags, D)``.
Cost: the op's on arrays ``S`` times larger (a batched weight is expanded to the whole batch).

* :func:`embedding_bag` is ``EmbeddingBagFunction``'s rule: batched weight or per-sample weights,
  ids shared (the Function's ``rows``, ``bag_of`` and ``kept`` arrays, shifted per sample);
* :func:`batched_form` is the function's own batched form (tt-tensor's ``batchable`` protocol,
  ``BatchedTensor._batched_functions``): batched ids or offsets, which the function reads as arrays.
  Ids out of range and offsets the op refuses loop over the samples, so the error is the op's own.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

import numpy as np

from ._vmap_rules import RULES
from .batched import STATE, BatchedTensor, aligned, per_sample, physical, union, wrap
from .tensor import Tensor


def embedding_bag(cls: type, inputs: tuple, params: dict) -> Tensor:
    """EmbeddingBagFunction (weight ``(V, D)``, per_sample_weights ``(K,)`` or None; ``rows``, ``bag_of``,
    ``kept`` index arrays, ``num_bags``, ``mode``) with a batched weight or per-sample weights."""
    weight, scales = inputs
    levels, sizes = union(inputs)
    batch = tuple(sizes[level] for level in levels)
    count, bags = math.prod(batch), params["num_bags"]
    step = np.arange(count)[:, None]
    rows, ids = params["rows"], (0 if scales is None else scales.shape[0])
    shifted = {
        "rows": np.broadcast_to(rows + step * weight.shape[0] if type(weight) is BatchedTensor else rows,
                                (count, rows.size)).reshape(-1),
        "bag_of": (params["bag_of"] + step * bags).reshape(-1),
        "kept": (params["kept"] + step * ids).reshape(-1),
        "num_bags": count * bags,
    }  # fmt: skip
    stacked = _stacked(weight, levels, sizes)
    flat = None if scales is None else _stacked(scales, levels, sizes, expand=True)  # (one per id)
    with physical():
        out = cls.apply(stacked, flat, **{**params, **shifted})
        out = out.reshape(*batch, bags, out.shape[-1])
    return wrap(out, levels)


def _stacked(value: object, levels: tuple, sizes: dict, expand: bool = False) -> object:
    """A batched ``value`` (any with ``expand``) expanded to the whole batch and its samples stacked
    along dim 0; an unbatched one as it is."""
    if type(value) is not BatchedTensor and not expand:
        return value
    full = aligned(value, levels, sizes, value.ndim, expand=True)
    with physical():
        return full.reshape(-1, *full.shape[len(levels) + 1 :])


def batched_form(function: Callable, *args: object, **kwargs: object) -> Tensor:
    """``embedding_bag`` with batched ids or offsets (module docstring); other calls as they are (a
    batched weight goes through the Function's rule)."""
    if STATE.physical:
        return function(*args, **kwargs)
    bound = inspect.signature(function).bind(*args, **kwargs)
    bound.apply_defaults()
    given = bound.arguments
    ids, weight, offsets, scales = (given[k] for k in ("input", "weight", "offsets", "per_sample_weights"))
    if type(ids) is not BatchedTensor and type(offsets) is not BatchedTensor:
        return function(*args, **kwargs)
    flat = _flattened(ids, weight, offsets, scales, given)
    if flat is None:  # (what the op refuses: its own error, from the loop)
        return per_sample("embedding_bag", function, args, kwargs)
    levels, sizes, call, bags = flat
    with physical():
        out = function(**{**given, **call})
        out = out.reshape(*(sizes[level] for level in levels), -1, out.shape[-1])[..., :bags, :]
    return wrap(out, levels)


def _flattened(ids, weight, offsets, scales, given: dict) -> tuple | None:
    """``(levels, sizes, the call's new arguments, bags per sample)``, or None for a call to loop."""
    ids, offsets = (
        v if v is None or isinstance(v, Tensor) else Tensor.from_array(np.asarray(v)) for v in (ids, offsets)
    )
    levels, sizes = union(v for v in (ids, weight, offsets, scales) if isinstance(v, Tensor))
    count = math.prod(sizes[level] for level in levels)
    if not isinstance(weight, Tensor) or weight.ndim != 2 or ids.ndim not in (1, 2):
        return None
    if (ids.ndim == 2) != (offsets is None) or (
        scales is not None and tuple(scales.shape) != tuple(ids.shape)
    ):
        return None
    vocabulary, shape = weight.shape[0], tuple(ids.shape)
    array = _array(ids, levels, sizes, count)  # (a dtype that is not an integer one: the call's own error)
    if array.size and (array.min() < 0 or array.max() >= vocabulary):
        return None
    step = np.arange(count).reshape(-1, *(1,) * len(shape))
    padding = given["padding_idx"]
    if padding is not None:
        padding = padding + vocabulary if padding < 0 else padding
    if type(weight) is BatchedTensor:  # (ids of sample s point into its block of the stacked weights)
        shifted = (array + step * vocabulary).astype(array.dtype)  # (its dtype: the call's check names it)
        array = shifted if padding is None else np.where(array == padding, padding, shifted)
    call = {
        "input": Tensor.from_array(array.reshape(-1, *shape[1:])),
        "weight": _stacked(weight, levels, sizes),
    }
    call["padding_idx"] = padding
    if scales is not None:
        full = aligned(scales, levels, sizes, len(shape), expand=True)
        with physical():
            call["per_sample_weights"] = full.reshape(-1, *shape[1:])
    if offsets is None:
        return levels, sizes, call, shape[0]
    starts, last = _array(offsets, levels, sizes, count), bool(given["include_last_offset"])
    if starts.ndim != 2 or starts.shape[1] < 1 + last:
        return None
    if np.any(starts[:, 0] != 0) or np.any(np.diff(starts, axis=1) < 0) or np.any(starts[:, -1] > shape[0]):
        return None
    # (with include_last_offset the end of the last bag starts a bag of the ids past it, dropped after)
    call["offsets"] = Tensor.from_array((starts + step[:, :1] * shape[0]).astype(starts.dtype).reshape(-1))
    call["include_last_offset"] = False
    return levels, sizes, call, starts.shape[1] - last


def _array(value: Tensor, levels: tuple, sizes: dict, count: int) -> np.ndarray:
    """The array of ``value`` (ids, offsets: no gradient), one row per sample of the whole batch."""
    full = aligned(value, levels, sizes, value.ndim, expand=True)
    with physical():
        return np.asarray(full.array).reshape(count, *full.shape[len(levels) :])


RULES.update(EmbeddingBagFunction=embedding_bag)
