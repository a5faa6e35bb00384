"""vmap's batching rules for the neural-network Functions of the later packages (registered by name
in :data:`tt_autograd._vmap_rules.RULES`, so tt-autograd imports none of them).

Each runs once on the physical arrays (cost: the op's on arrays B times larger):

* ``ScaledDotProductAttentionFunction`` (tt-text; q ``(*, L, E)``, k ``(*, S, E)``, v ``(*, S, Ev)``,
  a mask broadcasting to ``(*, L, S)``): the batched operands aligned (batch dims first, logical dims
  padded), so vmap's dims lead attention's own broadcasting batch dims; with dropout each sample's
  draw would come from the one generator in turn, so that case loops;
* the binary cross-entropies (tt-nn; input, target, weight, pos_weight are element-wise, broadcasting):
  the operands aligned, the loss taken with ``reduction="none"``, then summed or averaged over each
  sample's own elements;
* ``GroupNormFunction`` (tt-nn; also instance_norm), ``UnfoldFunction``/``FoldFunction`` (tt-vision;
  F.unfold, F.fold): ops on a batch ``(N, C, ...)`` of independent samples, so vmap's samples are
  folded into N, when only the first input is batched (batched affine weights loop);
* ``PReLUFunction`` (tt-nn): folded into N (one slope per channel of dim 1), or, for a sample of
  fewer than two dims (one slope), the physical array as it is;
* ``BatchNormFunction`` (tt-nn): in evaluation folded into N; in training (each sample its own
  batch statistics) the samples go into the channels, ``(N, S·C, *)``; training that updates
  running statistics loops (the loop updates them a sample after another);
* ``GridSampleFunction`` (tt-vision; input ``(N, C, H, W)``, grid ``(N, Ho, Wo, 2)``): both expanded
  to the whole batch and folded into N.
"""

from __future__ import annotations

import math

from ._vmap_rules import RULES, _name, fold_into_n
from .batched import BatchedTensor, aligned, logical_ndim, per_sample, physical, union, wrap
from .tensor import Tensor


def _aligned_all(values: tuple, levels: tuple, sizes: dict) -> list:
    """The batched ones of ``values`` aligned to the highest logical rank among the tensors."""
    ndim = max(logical_ndim(x) for x in values if x is not None)
    return [aligned(x, levels, sizes, ndim) if type(x) is BatchedTensor else x for x in values]


def attention(cls: type, inputs: tuple, params: dict) -> Tensor:
    """ScaledDotProductAttentionFunction (q, k, v, mask, is_causal, scale, dropout_p, rng)."""
    if inputs[6]:  # (dropout: the samples' draws in turn, as the loop takes them)
        return per_sample(_name(cls), cls.apply, inputs, params)
    levels, sizes = union(inputs)
    operands = _aligned_all(inputs[:4], levels, sizes)
    with physical():
        out = cls.apply(*operands, *inputs[4:], **params)
    return wrap(out, levels)


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


def fold_first(cls: type, inputs: tuple, params: dict) -> Tensor:
    """GroupNormFunction (x, weight, bias), UnfoldFunction (x), FoldFunction (columns): folded into N
    when only the first input is batched; else the loop."""
    if any(type(x) is BatchedTensor for x in inputs[1:]):
        return per_sample(_name(cls), cls.apply, inputs, params)
    return fold_into_n(cls, inputs, params)


def prelu(cls: type, inputs: tuple, params: dict) -> Tensor:
    """PReLUFunction (x, weight: one slope, or one per channel of dim 1): folded into N for samples of
    two or more dims; a sample of fewer has one slope, which every element of the physical array
    takes. Batched weights loop."""
    x, weight = inputs
    if type(weight) is BatchedTensor:
        return per_sample(_name(cls), cls.apply, inputs, params)
    if logical_ndim(x) >= 2:
        return fold_into_n(cls, inputs, params)
    with physical():
        out = cls.apply(x, weight, **params)
    return wrap(out, x._levels)


def batch_norm(cls: type, inputs: tuple, params: dict) -> Tensor:
    """BatchNormFunction (x ``(N, C, *)``, weight, bias; running stats as arrays; training, ...). In
    evaluation each sample's elements are normalised alone: folded into N. In training each sample
    has its own batch statistics: the samples go into the channels, ``(N, S·C, *)``, the affine
    weights expanded to ``S·C``. Training that updates running statistics (in place, a sample after
    another in the loop) and batched weights in evaluation loop."""
    x, weight, bias = inputs
    if not params["training"]:
        return fold_first(cls, inputs, params)
    if params["running_mean"] is not None or params["running_var"] is not None:
        return per_sample(_name(cls), cls.apply, inputs, params)
    levels, sizes = union(inputs)
    batch = tuple(sizes[level] for level in levels)
    count, shape = math.prod(batch), tuple(x.shape)
    n, c, rest = shape[0], shape[1], shape[2:]
    full = aligned(x, levels, sizes, len(shape), expand=True)
    affine = [None if w is None else aligned(w, levels, sizes, 1, expand=True) for w in (weight, bias)]
    with physical():
        folded = full.reshape(count, n, c, *rest).transpose(0, 1).reshape(n, count * c, *rest)
        flat = [None if w is None else w.reshape(count * c) for w in affine]
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
    GroupNormFunction=fold_first,
    UnfoldFunction=fold_first,
    FoldFunction=fold_first,
    GridSampleFunction=grid_sample,
    PReLUFunction=prelu,
    BatchNormFunction=batch_norm,
)
