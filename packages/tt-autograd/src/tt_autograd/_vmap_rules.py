"""vmap's batching rules: how a logical call on batched tensors runs once on the physical arrays.

:func:`batched_apply` is called by ``Function.apply`` while a vmap runs: it looks
up the rule of the Function (by class name, so tt-nn's Functions have rules
without tt-autograd importing tt-nn) and otherwise loops over the samples
(:func:`tt_autograd.batched.per_sample`, with a warning). Rules:

* element-wise: the batched operands are aligned (their batch dims first, size 1
  where an operand is not batched, logical dims padded to the same rank), so
  NumPy broadcasting pairs sample with sample and lets unbatched operands
  broadcast as they would for one sample;
* dim-taking (reductions, softmax, cumsum, flip, permute, cat, stack, ...): the
  logical dims are normalised against the logical rank and shifted past the
  batch dims (``dim=None`` becomes every logical dim);
* shape-taking (reshape, view, flatten, squeeze, unsqueeze, expand, repeat): the
  logical result shape is worked out on a small dummy array, the batch sizes go
  in front;
* matmul, linear, indexing, gather/scatter, the class-index losses, conv2d, conv_transpose2d and
  pooling (the samples folded into the batch dim N, or into the groups for batched weights): their
  own rules below; more in :mod:`tt_autograd._vmap_rules_more`.
"""

from __future__ import annotations

import math

import numpy as np
from tt_tensor import indexing, shaping
from tt_tensor.checks import normalize_dim

from .batched import BatchedTensor, aligned, logical_ndim, per_sample, physical, union, wrap
from .function import Function
from .functions.shape import PermuteFunction

ELEMENTWISE = set(
    """AddFunction SubFunction MulFunction DivFunction NegFunction PowFunction MaximumFunction MinimumFunction
    WhereFunction ClampFunction ClampBoundsFunction StepFunction FloorDivideFunction RemainderFunction
    ExpFunction LogFunction SqrtFunction ReciprocalFunction AbsFunction SinFunction CosFunction TanhFunction
    SigmoidFunction ReLUFunction CopyFunction CastFunction UnaryMathFunction Log1pFunction Expm1Function
    Log2Function Log10Function Exp2Function SinhFunction CoshFunction TanFunction AsinFunction AcosFunction
    AtanFunction AsinhFunction AcoshFunction AtanhFunction Atan2Function HypotFunction LogaddexpFunction
    XlogyFunction FmodFunction CopysignFunction LeakyReLUFunction GELUFunction SiLUFunction SoftplusFunction
    ELUFunction MishFunction LogSigmoidFunction HardtanhFunction HardsigmoidFunction HardswishFunction
    ThresholdFunction HardshrinkFunction SoftshrinkFunction
    RealFunction ImagFunction ConjFunction ComplexAbsFunction AngleFunction ComplexFunction
    ComplexCastFunction ComplexSgnFunction ComplexPowFunction ErfFunction ErfcFunction ErfinvFunction
    ErfcxFunction NdtrFunction NdtriFunction LogNdtrFunction LgammaFunction DigammaFunction
    PolygammaFunction GammaincFunction GammainccFunction EntrFunction SincFunction Xlog1pyFunction
    ZetaFunction I0Function I0eFunction I1Function I1eFunction""".split()
)
ELEMENTWISE.update(  # (complex_math's holomorphic Functions)
    f"Complex{stem}Function"
    for stem in """Exp Log Log2 Log10 Log1p Expm1 Sqrt Reciprocal Sin Cos Tan Sinh Cosh Tanh Asin Acos Atan
    Asinh Acosh Atanh Exp2 Sigmoid""".split()
)
DIM_TAKING = set(
    """SumFunction MeanFunction VarFunction AmaxFunction LogSumExpFunction ProdFunction CumsumFunction
    SoftmaxFunction LogSoftmaxFunction VectorNormFunction CumprodFunction UnfoldFunction""".split()
)
SHAPE_KERNELS = {
    shaping.reshape,
    shaping.view,
    shaping.squeeze,
    shaping.unsqueeze,
    shaping.flatten,
    shaping.transpose,
}


def batched_apply(cls: type, inputs: tuple, params: dict) -> object:
    """``cls.apply(*inputs, **params)`` for batched inputs, or None when none is batched (or a rule runs)."""
    from .batched import STATE

    if STATE.physical or not any(type(x) is BatchedTensor for x in inputs):  # (keywords are never tensors)
        return None
    rule = RULES.get(cls.__name__)
    if rule is None:
        return per_sample(_name(cls), cls.apply, inputs, params)
    return rule(cls, inputs, params)


def _name(cls: type) -> str:
    from .graph import node_name

    return node_name(cls).removesuffix("0").removesuffix("Backward")


def elementwise(cls: type, inputs: tuple, params: dict) -> object:
    levels, sizes = union(inputs)
    ndim = max(logical_ndim(x) for x in inputs)  # (None and numbers count as 0-d)
    xs = [aligned(x, levels, sizes, ndim) if type(x) is BatchedTensor else x for x in inputs]
    with physical():
        out = cls.apply(*xs, **params)
    return wrap(out, levels)


def dim_taking(cls: type, inputs: tuple, params: dict) -> object:
    x = inputs[0]  # (each of these Functions has one tensor input)
    lead, ndim = len(x._levels), logical_ndim(x)
    key = "axes" if "axes" in params else "dim"  # (the vector norm's name)
    dim = params.get(key)
    if ndim == 0 and cls.__name__ in ("CumsumFunction", "CumprodFunction"):  # (their 0-d cases: own rules)
        return per_sample(_name(cls), cls.apply, inputs, params)
    if dim is None or ndim == 0:  # every logical dim (a 0-d sample's dim 0 is the sample itself)
        axes: object = tuple(range(lead, lead + ndim))
    elif isinstance(dim, (tuple, list)):
        axes = tuple(normalize_dim(_name(cls), d, ndim) + lead for d in dim)
    else:
        axes = normalize_dim(_name(cls), dim, ndim) + lead
    with physical():
        out = cls.apply(*inputs, **{**params, key: axes})
    return wrap(out, x._levels)


def trailing(cls: type, inputs: tuple, params: dict) -> object:
    """Ops on the last dims only (tril, triu, layer_norm, rms_norm, view_as_real, view_as_complex; an
    embedding's lookup, whose output adds dims after its indices' ones): the physical array as it is,
    when only the first input is batched."""
    if any(type(x) is BatchedTensor for x in inputs[1:]) != (cls.__name__ == "EmbeddingFunction"):
        return per_sample(_name(cls), cls.apply, inputs, params)
    if cls.__name__ == "EmbeddingFunction":
        if type(inputs[0]) is BatchedTensor:
            return per_sample(_name(cls), cls.apply, inputs, params)
        with physical():
            out = cls.apply(*inputs, **params)
        return wrap(out, inputs[1]._levels)
    with physical():
        out = cls.apply(*inputs, **params)
    return wrap(out, inputs[0]._levels)


def _logical_result(cls: type, x: BatchedTensor, params: dict) -> tuple:
    """The shape ``cls`` gives one sample of ``x`` (run on a small dummy array)."""
    return cls.forward(Function(), np.empty(x.shape, dtype=np.bool_), **params).shape


def view(cls: type, inputs: tuple, params: dict) -> object:
    x = inputs[0]
    if params["kernel"] not in SHAPE_KERNELS:
        return per_sample(_name(cls), cls.apply, inputs, params)
    shape = _logical_result(cls, x, params)
    with physical():
        batch = x.shape[: len(x._levels)]
        out = cls.apply(x, kernel=shaping.reshape, args=((*batch, *shape),))
    return wrap(out, x._levels)


def permute(cls: type, inputs: tuple, params: dict) -> object:
    x = inputs[0]
    lead = len(x._levels)
    with physical():
        out = cls.apply(x, axes=(*range(lead), *(a + lead for a in params["axes"])))
    return wrap(out, x._levels)


def flip(cls: type, inputs: tuple, params: dict) -> object:
    x = inputs[0]
    with physical():
        out = cls.apply(x, axes=tuple(a + len(x._levels) for a in params["axes"]))
    return wrap(out, x._levels)


def expand_or_repeat(cls: type, inputs: tuple, params: dict) -> object:
    x = inputs[0]
    shape = _logical_result(cls, x, params)
    levels, sizes = union((x,))
    with physical():
        batch = tuple(x.shape[: len(levels)])
        if cls.__name__ == "ExpandFunction":
            source = aligned(x, levels, sizes, len(shape))
            out = cls.apply(source, sizes=(*batch, *shape))
        else:
            source = aligned(x, levels, sizes, len(params["sizes"]))
            out = cls.apply(source, sizes=(*(1,) * len(levels), *params["sizes"]))
    return wrap(out, levels)


def join(cls: type, inputs: tuple, params: dict) -> object:
    """cat and stack: every input expanded to the full batch, the dim shifted."""
    levels, sizes = union(inputs)
    ndim = max(logical_ndim(x) for x in inputs)
    extra = 1 if cls.__name__ == "StackFunction" else 0
    dim = normalize_dim(_name(cls), params["dim"], ndim + extra) + len(levels)
    xs = [aligned(x, levels, sizes, logical_ndim(x), expand=True) for x in inputs]
    with physical():
        out = cls.apply(*xs, dim=dim)
    return wrap(out, levels)


def advanced_apart(key: tuple) -> bool:
    """Whether the advanced indices of ``key`` (arrays, bools, and with them the integers, which
    NumPy then counts as advanced) are apart: NumPy moves their dims in front of the batch dims."""
    advanced = [i for i, k in enumerate(key) if isinstance(k, (np.ndarray, int, np.integer))]
    arrays = any(isinstance(k, (np.ndarray, bool, np.bool_)) for k in key)
    return arrays and advanced[-1] - advanced[0] + 1 != len(advanced)


def getitem(cls: type, inputs: tuple, params: dict) -> object:
    """GetItemFunction (x, ``key``, NumPy's rules): the key behind the batch dims. Advanced indices
    apart put their broadcast dims in front of the batch dims; those are moved back behind them."""
    x, key = inputs[0], params["key"]
    key = key if isinstance(key, tuple) else (key,)
    lead = len(x._levels)
    with physical():
        out = cls.apply(x, key=(*(slice(None),) * lead, *key))
        if advanced_apart(key):
            block = indexing.block_ndim(key)
            axes = (*range(block, block + lead), *range(block), *range(block + lead, out.ndim))
            out = PermuteFunction.apply(out, axes=axes)
    return wrap(out, x._levels)


def matmul(cls: type, inputs: tuple, params: dict) -> object:
    a, b = inputs
    if logical_ndim(a) == 0 or logical_ndim(b) == 0:
        return per_sample(_name(cls), cls.apply, inputs, params)  # refused with the op's own error
    levels, sizes = union(inputs)
    row, column = logical_ndim(a) == 1, logical_ndim(b) == 1
    ndim = max(logical_ndim(a) + row, logical_ndim(b) + column)
    a2 = _unsqueezed(a, -2) if row else a
    b2 = _unsqueezed(b, -1) if column else b
    a2 = aligned(a2, levels, sizes, ndim) if type(a2) is BatchedTensor else a2
    b2 = aligned(b2, levels, sizes, ndim) if type(b2) is BatchedTensor else b2
    with physical():
        out = cls.apply(a2, b2)
        if row or column:
            shape = out.shape
            drop = {len(shape) - 2} if row else set()
            drop |= {len(shape) - 1} if column else set()
            kept = tuple(s for i, s in enumerate(shape) if i not in drop)
            out = out.reshape(kept)
    return wrap(out, levels)


def _unsqueezed(x: object, dim: int) -> object:
    if type(x) is BatchedTensor:
        return x.unsqueeze(dim)
    with physical():
        return x.unsqueeze(dim) if hasattr(x, "unsqueeze") else np.expand_dims(x, dim)


def linear(cls: type, inputs: tuple, params: dict) -> object:
    x, weight, bias = inputs
    if type(weight) is not BatchedTensor and type(bias) is not BatchedTensor:
        with physical():
            out = cls.apply(x, weight, bias)
        return wrap(out, x._levels)
    out = x.matmul(weight.transpose(-1, -2))  # batched weights: the composite, through the rules
    return out if bias is None else out + bias


def class_loss(cls: type, inputs: tuple, params: dict) -> object:
    """cross_entropy / nll_loss (class indices or probabilities): the samples' rows are merged into the
    loss's own batch dim N, the loss taken with reduction="none", then split and reduced per sample."""
    x, target, weight = inputs[0], inputs[1], inputs[2]
    reduction = params["reduction"]
    soft = cls.__name__ == "SoftCrossEntropyFunction"
    if type(weight) is BatchedTensor or (reduction == "mean" and not soft and params.get("label_smoothing")):
        return per_sample(_name(cls), cls.apply, inputs, params)
    levels, sizes = union((x, target))
    count = math.prod(sizes[level] for level in levels)
    xs, ts = x.shape, target.shape
    full_x = aligned(x, levels, sizes, len(xs), expand=True)
    full_t = aligned(target, levels, sizes, len(ts), expand=True)
    with physical():
        merged_x = full_x.reshape(count * xs[0], *xs[1:])
        merged_t = full_t.reshape(count * ts[0], *ts[1:])
        losses = cls.apply(merged_x, merged_t, weight, **{**params, "reduction": "none"})
        rows = (ts[0], *ts[2:]) if soft else ts
        per = losses.reshape(*(sizes[level] for level in levels), *rows)
        axes = tuple(range(len(levels), per.ndim))
        if reduction == "none":
            out = per
        elif reduction == "sum" or not axes:
            out = per.sum(axes) if axes else per
        elif soft:
            out = per.mean(axes)
        else:
            out = per.sum(axes) / _class_weights(full_t.array, weight, params["ignore_index"], len(levels))
    return wrap(out, levels)


def _class_weights(target: np.ndarray, weight: object, ignore_index: int, lead: int) -> np.ndarray:
    """Per sample, the summed weights of its targets that are not ignored (mean's denominator)."""
    kept = target != ignore_index
    each = (
        kept.astype(np.float64)
        if weight is None
        else np.where(kept, weight.array[np.where(kept, target, 0)], 0)
    )
    return each.sum(axis=tuple(range(lead, target.ndim)))


def dropout(cls: type, inputs: tuple, params: dict) -> object:
    """'different' (and 'error', which the generator refuses): one mask per sample, on the physical
    array; 'same': one mask of the logical shape, shared by the samples."""
    from .batched import STATE

    x = inputs[0]
    if any(randomness == "same" for *_, randomness in STATE.levels):
        ones = _plain(np.ones(x.shape, dtype=x.array.dtype))  # one sample's shape
        with physical():
            mask = cls.apply(ones, **params)
        return x * mask
    with physical():
        out = cls.apply(x, **params)
    return wrap(out, x._levels)


def einsum(cls: type, inputs: tuple, params: dict) -> object:
    """One letter per vmap level, in front of each batched operand's subscripts and of the output's."""
    equation = params["equation"].replace(" ", "")
    if "->" not in equation or "." in equation:
        return per_sample(_name(cls), cls.apply, inputs, params)
    left, right = equation.split("->")
    spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in equation]
    levels, _ = union(inputs)
    letter = dict(zip(levels, spare))
    terms = [
        "".join(letter[level] for level in x._levels) + term if type(x) is BatchedTensor else term
        for x, term in zip(inputs, left.split(","))
    ]
    out = "".join(letter[level] for level in levels) + right
    with physical():
        result = cls.apply(*inputs, equation=f"{','.join(terms)}->{out}")
    return wrap(result, levels)


def gather_or_scatter(cls: type, inputs: tuple, params: dict) -> object:
    """gather (input, index) and scatter (input, index, src): every operand that is not a number
    expanded to the whole batch (the index's sizes must cover the input's, so both get the batch
    sizes), the dim shifted past the batch dims."""
    x, index = inputs[0], inputs[1]
    ndim = logical_ndim(x)
    if ndim == 0 or logical_ndim(index) != ndim:  # a 0-d sample (its dim 0 is itself); other ranks: the
        return per_sample(_name(cls), cls.apply, inputs, params)  # op's own error, as for one sample
    levels, sizes = union(inputs)
    dim = normalize_dim(_name(cls), params["dim"], ndim) + len(levels)
    operands = []
    for value in inputs:
        if isinstance(value, np.ndarray) and value.ndim:  # (an index or src given as a list or array)
            value = _plain(value)
        if logical_ndim(value):  # (not a number, to scatter everywhere)
            value = aligned(value, levels, sizes, logical_ndim(value), expand=True)
        operands.append(value)
    with physical():
        out = cls.apply(*operands, **{**params, "dim": dim})
    return wrap(out, levels)


def fold_into_n(cls: type, inputs: tuple, params: dict) -> object:
    """Ops on a batch ``(N, C, H, W)`` whose samples are independent (pooling; a convolution with
    unbatched weights): vmap's samples merged into N, the op run once, N split again. Only the
    first input is batched (the pooling Functions take one tensor; conv2d checks its weights)."""
    x = inputs[0]
    lead = len(x._levels)
    with physical():
        batch, shape = x.shape[:lead], x.shape[lead:]
        out = cls.apply(x.reshape(-1, *shape[1:]), *inputs[1:], **params)
        out = out.reshape(*batch, shape[0], *out.shape[1:])
    return wrap(out, x._levels)


def conv2d(cls: type, inputs: tuple, params: dict) -> object:
    """conv2d (input, weight, bias): unbatched weights fold the samples into N; batched weights (an
    ensemble, or per-sample gradients, where grad tracks each sample's copy) make each sample a set
    of groups, as PyTorch's rule does: input (N, S·C, H, W), weight (S·C_out, ...), groups S·groups."""
    return _grouped(cls, inputs, params, inputs[1].shape[0])


def conv_transpose2d(cls: type, inputs: tuple, params: dict) -> object:
    """conv_transpose2d (input, weight (C_in, C_out/groups, kh, kw), bias), and conv_transpose1d through
    it: as conv2d, the weight's first dim (its input channels) holding the samples' groups."""
    return _grouped(cls, inputs, params, inputs[1].shape[1] * params["groups"])


def _grouped(cls: type, inputs: tuple, params: dict, c_out: int) -> object:
    """A convolution whose weight's dim 0 splits into ``groups``: batched weights stacked along it."""
    x, weight, bias = inputs
    if type(weight) is not BatchedTensor and type(bias) is not BatchedTensor:
        return fold_into_n(cls, inputs, params)
    levels, sizes = union(inputs)
    batch = tuple(sizes[level] for level in levels)
    count = math.prod(batch)
    n, c, h, w = x.shape
    full_x = aligned(x, levels, sizes, x.ndim, expand=True)
    full_w = aligned(weight, levels, sizes, weight.ndim, expand=True)
    full_b = None if bias is None else aligned(bias, levels, sizes, bias.ndim, expand=True)
    with physical():
        xs = full_x.reshape(count, n, c, h, w).permute(1, 0, 2, 3, 4).reshape(n, count * c, h, w)
        ws = full_w.reshape(count * full_w.shape[len(levels)], *full_w.shape[len(levels) + 1 :])
        bs = None if full_b is None else full_b.reshape(count * c_out)
        out = cls.apply(xs, ws, bs, **{**params, "groups": count * params["groups"]})
        ho, wo = out.shape[2:]
        out = out.reshape(n, count, c_out, ho, wo).permute(1, 0, 2, 3, 4).reshape(*batch, n, c_out, ho, wo)
    return wrap(out, levels)


def _plain(array: np.ndarray) -> object:
    from .tensor import Tensor

    return Tensor.from_array(array)


RULES = {name: elementwise for name in ELEMENTWISE}
RULES.update({name: dim_taking for name in DIM_TAKING})
RULES.update(
    ViewFunction=view,
    PermuteFunction=permute,
    FlipFunction=flip,
    ExpandFunction=expand_or_repeat,
    RepeatFunction=expand_or_repeat,
    CatFunction=join,
    StackFunction=join,
    GetItemFunction=getitem,
    MatMulFunction=matmul,
    LinearFunction=linear,
    CrossEntropyFunction=class_loss,
    SoftCrossEntropyFunction=class_loss,
    NLLLossFunction=class_loss,
    DropoutFunction=dropout,
    EinsumFunction=einsum,
    TriangleFunction=trailing,
    LayerNormFunction=trailing,
    RMSNormFunction=trailing,
    EmbeddingFunction=trailing,
    ViewAsRealFunction=trailing,
    ViewAsComplexFunction=trailing,
    GatherFunction=gather_or_scatter,
    ScatterFunction=gather_or_scatter,
    Conv2dFunction=conv2d,
    ConvTranspose2dFunction=conv_transpose2d,
    MaxPool2dFunction=fold_into_n,
    AvgPool2dFunction=fold_into_n,
    AdaptiveAvgPool2dFunction=fold_into_n,
)
