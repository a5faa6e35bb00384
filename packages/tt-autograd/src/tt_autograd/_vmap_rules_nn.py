"""vmap's batching rules for the neural-network Functions of the later packages (registered by name
in :data:`tt_autograd._vmap_rules.RULES`, so tt-autograd imports none of them).

Each runs once on the physical arrays (cost: the op's on arrays B times larger):

* ``ScaledDotProductAttentionFunction`` (tt-text; q ``(*, L, E)``, k ``(*, S, E)``, v ``(*, S, Ev)``,
  a mask broadcasting to ``(*, L, S)``): the batched operands aligned (batch dims first, logical dims
  padded), so vmap's dims lead attention's own broadcasting batch dims; with dropout, vmap's
  randomness: the mask drawn at once, each sample its own ("different") or one shared ("same");
* the binary cross-entropies (tt-nn; input, target, weight, pos_weight are element-wise, broadcasting):
  the operands aligned, the loss taken with ``reduction="none"``, then summed or averaged over each
  sample's own elements;
* ``GroupNormFunction`` (tt-nn; also instance_norm), ``UnfoldFunction``/``FoldFunction`` (tt-vision;
  F.unfold, F.fold): ops on a batch ``(N, C, ...)`` of independent samples, so vmap's samples are
  folded into N; batched affine weights of group norm put the samples into the channels,
  ``(N, S·C, ...)`` in ``S·G`` groups;
* ``PReLUFunction`` (tt-nn): folded into N (one slope per channel of dim 1), or, for a sample of
  fewer than two dims (one slope), the physical array as it is; batched slopes: into the channels;
* ``BatchNormFunction`` (tt-nn): in evaluation folded into N; in training (each sample its own
  batch statistics), or with batched weights or running statistics, the samples go into the
  channels, ``(N, S·C, *)``; batched running statistics are updated in place, per sample; shared
  ones in training are refused with PyTorch's error (each sample would update them); F.batch_norm's
  batched form expands an unbatched input over batched running statistics (an ensemble's);
* ``GridSampleFunction`` (tt-vision; input ``(N, C, H, W)``, grid ``(N, Ho, Wo, 2)``): both expanded
  to the whole batch and folded into N.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

import numpy as np

from ._vmap_random import ERROR
from ._vmap_rules import RULES, fold_into_n
from .batched import STATE, BatchedTensor, aligned, levels_of, logical_ndim, physical, union, wrap
from .tensor import Tensor


def _aligned_all(values: tuple, levels: tuple, sizes: dict) -> list:
    """The batched ones of ``values`` aligned to the highest logical rank among the tensors."""
    ndim = max(logical_ndim(x) for x in values if x is not None)
    return [aligned(x, levels, sizes, ndim) if type(x) is BatchedTensor else x for x in values]


def attention(cls: type, inputs: tuple, params: dict) -> Tensor:
    """ScaledDotProductAttentionFunction (q, k, v, mask, is_causal, scale, dropout_p, rng). With dropout,
    vmap's randomness: "error" refuses; q is expanded over the levels of the running vmaps (their
    sizes in front of the probabilities), and the mask is drawn at once over them, "different" levels
    each sample its own values (the loop's, in order), "same" levels one draw broadcast."""
    levels, sizes = union(inputs)
    rng = inputs[7]
    if inputs[6]:
        modes = {level: randomness for level, _, randomness in STATE.levels}
        if "error" in modes.values():
            raise RuntimeError(f"{ERROR} (the random operation: scaled_dot_product_attention())")
        sizes = {level: size for level, size, _ in STATE.levels}
        levels = tuple(sorted(modes))
        rng = _Draws(rng, tuple(modes[level] == "same" for level in levels))
    operands = _aligned_all(inputs[:4], levels, sizes)
    if inputs[6]:  # (the probabilities get every level's dim: one draw per sample)
        ndim = max(logical_ndim(x) for x in inputs[:4] if x is not None)
        operands[0] = aligned(inputs[0], levels, sizes, ndim, expand=True)
    with physical():
        out = cls.apply(*operands, *inputs[4:7], rng, **params)
    return wrap(out, levels)


class _Draws:
    """A NumPy generator whose ``random(shape)`` draws size 1 along the leading dims of the "same"
    levels (``same``: one flag per leading dim), broadcast to ``shape``: one value shared there."""

    def __init__(self, inner: object, same: tuple) -> None:
        self.inner, self.same = inner, same

    def random(self, shape: tuple, dtype: object = np.float64) -> np.ndarray:
        lead = len(self.same)
        drawn = (1 if same else size for same, size in zip(self.same, shape[:lead]))
        return np.broadcast_to(self.inner.random((*drawn, *shape[lead:]), dtype=dtype), shape)


def binary_loss(cls: type, inputs: tuple, params: dict) -> Tensor:
    """BinaryCrossEntropyFunction (p, target, weight) and BinaryCrossEntropyWithLogitsFunction (x, target,
    weight, pos_weight): element-wise, then reduced per sample."""
    levels, sizes = union(inputs)
    operands = _aligned_all(inputs, levels, sizes)
    reduction = params["reduction"]
    with physical():
        out = cls.apply(*operands, **{**params, "reduction": "none"})
        axes = tuple(range(len(levels), out.ndim))
        if reduction == "sum":
            out = out.sum(axes)
        elif reduction == "mean":
            out = out.mean(axes)
    return wrap(out, levels)


def group_norm(cls: type, inputs: tuple, params: dict) -> Tensor:
    """GroupNormFunction (x ``(N, C, *)``, weight, bias; ``groups``): folded into N when only x is
    batched; batched affine weights put the samples into the channels, ``(N, S·C, *)`` in
    ``S·groups`` groups (each sample's groups are its own channels), the weights flattened to ``S·C``."""
    if not any(type(w) is BatchedTensor for w in inputs[1:]):
        return fold_into_n(cls, inputs, params)
    count = math.prod(union(inputs)[1].values())
    return _into_channels(cls, inputs, {**params, "groups": count * params["groups"]})


def prelu(cls: type, inputs: tuple, params: dict) -> Tensor:
    """PReLUFunction (x, weight: one slope, or one per channel of dim 1): folded into N for samples of
    two or more dims; a sample of fewer has one slope, which every element of the physical array
    takes. Batched weights put the samples into the channels (a sample of fewer than two dims is one
    channel of its own), the slopes expanded to the channels and flattened to ``S·C``."""
    x, weight = inputs
    if type(weight) is BatchedTensor:
        if logical_ndim(x) >= 2:
            return _into_channels(cls, inputs, params)
        return _into_channels(cls, (x.reshape(1, 1, *x.shape), weight), params).reshape(x.shape)
    if logical_ndim(x) >= 2:
        return fold_into_n(cls, inputs, params)
    with physical():
        out = cls.apply(x, weight, **params)
    return wrap(out, x._levels)


#: PyTorch's error for running statistics that training would update once for every sample.
BATCH_NORM_SHARED = (
    "Batch norm got a batched tensor as input while the running_mean or running_var, which will be "
    "updated in place, were not batched.\nIf you are using a module and do not need eval mode, please "
    "set `track_running_stats` to be False.If you are using a prebuilt module and do not need eval mode, "
    "please see the functorch website for resources on how to patch your module to work with vmap"
)


def batch_norm(cls: type, inputs: tuple, params: dict) -> Tensor:
    """BatchNormFunction (x ``(N, C, *)``, weight, bias; running statistics as arrays, ``(C,)`` or
    batched ``(*batch, C)``; training, ...). Evaluation with shared statistics and weights: folded
    into N. Otherwise the samples go into the channels, ``(N, S·C, *)`` (in training each sample
    keeps its own batch statistics), the weights and statistics flattened to ``S·C``; training writes
    the updated statistics back. Training a batched input with shared running statistics (updated
    once per sample) is refused with PyTorch's error; an unbatched input (batched weights) updates
    them once, as every sample's update is the same."""
    x, weight, bias = inputs
    levels, sizes = union(inputs)
    batch = tuple(sizes[level] for level in levels)
    stats = {key: params[key] for key in ("running_mean", "running_var") if params[key] is not None}
    batched = {key for key, value in stats.items() if value.ndim > 1}
    if params["training"] and set(stats) - batched and type(x) is BatchedTensor:
        raise RuntimeError(BATCH_NORM_SHARED)
    for key in batched:
        if params["training"] and stats[key].ndim - 1 < len(levels_of(x)):  # (not batched at a level of x)
            raise RuntimeError(BATCH_NORM_SHARED)
        if stats[key].shape[:-1] != batch:
            raise RuntimeError(
                f"vmap: batch_norm's {key} of physical shape {stats[key].shape} is batched over other vmap "
                f"levels than the input and weights (batch sizes {batch}); batch the running statistics "
                "like the input (the same in_dims), or not at all in evaluation"
            )
    if not batched and not any(type(w) is BatchedTensor for w in (weight, bias)) and not params["training"]:
        return fold_into_n(cls, inputs, params)
    count, channels = math.prod(batch), x.shape[1]
    flat = {
        key: np.broadcast_to(value, (*batch, channels)).reshape(count * channels).copy()
        for key, value in stats.items()
    }
    out = _into_channels(cls, inputs, {**params, **flat})
    if params["training"]:  # (the statistics given are updated in place, as the op's)
        for key, value in stats.items():
            updated = flat[key].reshape(count, channels)
            np.copyto(value, updated.reshape(value.shape) if key in batched else updated[0])
    return out


def batch_norm_form(function: Callable, *args: object, **kwargs: object) -> Tensor:
    """``F.batch_norm``'s batched form (tt-tensor's ``batchable`` protocol): it passes the running
    statistics to BatchNormFunction as arrays, so batched ones of an unbatched input would reach it
    unseen; the input is expanded over their levels (each sample's input the same), so the Function's
    rule sees them. Other calls as they are."""
    given = inspect.signature(function).bind(*args, **kwargs).arguments
    x, stats = given.get("input"), [given.get(k) for k in ("running_mean", "running_var")]
    batched = [s for s in stats if type(s) is BatchedTensor]
    if STATE.physical or not batched or type(x) is BatchedTensor or not isinstance(x, Tensor):
        return function(*args, **kwargs)
    levels, sizes = union(batched)
    full = aligned(x, levels, sizes, x.ndim, expand=True)
    return function(**{**given, "input": wrap(full, levels)})


def _into_channels(cls: type, inputs: tuple, params: dict) -> Tensor:
    """``cls`` (x ``(N, C, *)``, then per-channel tensors ``(C,)``, 1-element ones broadcast, or None) of
    every sample at once: x expanded to the whole batch as ``(N, S·C, *)``, each per-channel tensor
    as ``(S·C,)``; the result split back. Cost: a copy of x in and of the result out."""
    x, *weights = inputs
    levels, sizes = union(inputs)
    batch = tuple(sizes[level] for level in levels)
    count, shape = math.prod(batch), tuple(x.shape)
    n, c, rest = shape[0], shape[1], shape[2:]
    full = aligned(x, levels, sizes, len(shape), expand=True)
    per = [None if w is None else aligned(w, levels, sizes, 1) for w in weights]  # (expanded below)
    with physical():
        folded = full.reshape(count, n, c, *rest).transpose(0, 1).reshape(n, count * c, *rest)
        flat = [None if w is None else w.expand(*batch, c).reshape(count * c) for w in per]
        out = cls.apply(folded, *flat, **params)
        out = out.reshape(n, count, c, *rest).transpose(0, 1).reshape(*batch, n, c, *rest)
    return wrap(out, levels)


def grid_sample(cls: type, inputs: tuple, params: dict) -> Tensor:
    """GridSampleFunction (x ``(N, C, H, W)``, grid ``(N, Ho, Wo, 2)``, options): both expanded to the
    whole batch and folded into N."""
    x, grid, *rest = inputs
    levels, sizes = union((x, grid))
    full = [aligned(t, levels, sizes, logical_ndim(t), expand=True) for t in (x, grid)]
    lead = len(levels)
    with physical():
        batch = full[0].shape[:lead]
        merged = [t.reshape(-1, *t.shape[lead + 1 :]) for t in full]
        out = cls.apply(*merged, *rest, **params)
        out = out.reshape(*batch, -1, *out.shape[1:])
    return wrap(out, levels)


RULES.update(
    ScaledDotProductAttentionFunction=attention,
    BinaryCrossEntropyFunction=binary_loss,
    BinaryCrossEntropyWithLogitsFunction=binary_loss,
    GroupNormFunction=group_norm,
    UnfoldFunction=fold_into_n,
    FoldFunction=fold_into_n,
    GridSampleFunction=grid_sample,
    PReLUFunction=prelu,
    BatchNormFunction=batch_norm,
)
