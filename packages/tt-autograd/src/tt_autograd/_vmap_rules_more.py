"""More of vmap's batching rules (:mod:`tt_autograd._vmap_rules` holds the first ones and the lookup).

Each rule runs once on the physical arrays, as there (cost: the op's on arrays B times larger):

* max pooling with indices (``max_pool2d(..., return_indices=True)``, ``adaptive_max_pool2d``, the
  fractional ones; the 1-d forms go through them): the samples folded into N, as the plain
  pooling; the indices the Function appends to its list get the batch dims back, so the caller's
  ``out.from_array`` batches them like ``out``;
* ``cdist`` and ``linalg.solve`` (``SolveFunction``): their batch dims broadcast, so the operands are
  aligned (batch dims first, logical dims padded) and the vmap dims become their own batch dims;
* ``dist`` (``DistFunction``: one p-norm of all of a difference): the difference batched, then the
  vector norm over each sample's dims (``VectorNormFunction``'s rule);
* ``median()``/``nanmedian()`` of all elements: composed from the median along a dim (a rule), so
  that the gradient is still shared by the elements equal to the median (cost: the sort, then a few
  element-wise passes);
* ``roll``: the dims shifted past the batch dims; without dims (a roll of the flattened sample) each
  sample is flattened on its own and rolled along that one dim;
* ``PickAlongDepthFunction`` (tt-vision's pick among the 3-d poolings' per-depth maxima): every
  input expanded to the whole batch and folded into N, as the pooling with indices; the picked
  offsets it appends to ``positions`` get the batch dims back;
* constant padding (``ConstantPadFunction``, ``F.pad``'s constant mode) and resampling along an axis
  (``ResampleFunction``: the other padding modes, ``F.interpolate``): the axes shifted past the
  batch dims;
* the Fourier transforms (``FFTNFunction``, ``RFFTNFunction``, ``IRFFTNFunction``: every ``torch.fft``
  transform): the dims shifted past the batch dims;
* ``diag``: a 1-d sample's matrix built by placing it at the diagonal's positions of zeros, a 2-d
  sample's diagonal read at them, both behind the batch dims (cost: one indexing);
* the matrix Functions on ``(*, m, n)`` (``linalg.det``, ``inv``, ``cholesky``, ``matrix_exp``, ``svd``,
  ``qr``, ``eigh``, ``eig``, ``lu_factor``, ``slogdet``'s log-determinant): vmap's dims lead their batch
  dims, so the physical array as it is (what the ops read from that array outside the Function is
  made with the input's ``from_array``, so it is batched like it);
* the indexed writes (``index_add``, and the Function behind it): the key gets the batch dims in
  front, the tensor written into is expanded to the whole batch, a batched source aligned to the
  written region.

Inputs these rules cannot take (a rank or shape the op refuses) loop over the samples, so the error
is the op's own for one sample.
"""

from __future__ import annotations

import math

import numpy as np
from tt_tensor.checks import normalize_dim

from ._vmap_rules import RULES, _name, fold_into_n
from .batched import BatchedTensor, aligned, logical_ndim, per_sample, physical, union, wrap
from .functions.indexing import GetItemFunction, PlaceAtKeyFunction
from .functions.selection import _diagonal_key
from .tensor import Tensor


def pool_with_indices(cls: type, inputs: tuple, params: dict) -> Tensor:
    """A max pooling that appends its (N, C, ...) int64 indices to the list ``params["indices"]`` (or
    None): folded into N; the appended array reshaped to the output's physical shape."""
    out = fold_into_n(cls, inputs, params)
    kept = params.get("indices")
    if kept is not None:
        kept[-1] = kept[-1].reshape(out.array.shape)
    return out


def fractional_pool(cls: type, inputs: tuple, params: dict) -> Tensor:
    """FractionalMaxPoolFunction (2-d and 3-d): as the pooling with indices, the ``(N, C, dims)``
    random samples of one vmap sample (``_random_samples``, or one draw under randomness="same")
    tiled over the batch, as each sample's own call would take them."""
    x, samples = inputs[0], params["samples"]
    count = math.prod(x.array.shape[: len(x._levels)])
    tiled = np.tile(samples, (count, 1, 1))  # (count·N, C, dims): vmap sample-major, as x folds
    return pool_with_indices(cls, inputs, {**params, "samples": tiled})


def pick_along_depth(cls: type, inputs: tuple, params: dict) -> Tensor:
    """PickAlongDepthFunction (maxima, each ``(N, C, D, H, W)``; ``valid``; the list ``positions``):
    every maximum expanded to the whole batch and folded into N, the appended positions reshaped to
    the output's physical shape."""
    levels, sizes = union(inputs)
    batch = tuple(sizes[level] for level in levels)
    full = [aligned(x, levels, sizes, logical_ndim(x), expand=True) for x in inputs]
    with physical():
        merged = [x.reshape(-1, *x.shape[len(levels) + 1 :]) for x in full]
        out = cls.apply(*merged, **params)
        out = out.reshape(*batch, -1, *out.shape[1:])
    kept = params["positions"]
    kept[-1] = kept[-1].reshape(out.array.shape)
    return wrap(out, levels)


def constant_pad(cls: type, inputs: tuple, params: dict) -> Tensor:
    """ConstantPadFunction (x; ``spans`` of ``(axis, before, after)``, axes of the logical sample): the
    axes shifted past the batch dims."""
    x = inputs[0]
    lead = len(x._levels)
    spans = tuple((axis + lead, before, after) for axis, before, after in params["spans"])
    with physical():
        out = cls.apply(x, **{**params, "spans": spans})
    return wrap(out, x._levels)


def resample(cls: type, inputs: tuple, params: dict) -> Tensor:
    """ResampleFunction (x; ``axis`` of the logical sample; ``indices``, ``weights``): F.pad's reflect,
    replicate and circular modes and F.interpolate, an axis at a time: the axis shifted past the
    batch dims."""
    x = inputs[0]
    with physical():
        out = cls.apply(x, **{**params, "axis": params["axis"] + len(x._levels)})
    return wrap(out, x._levels)


def fourier(cls: type, inputs: tuple, params: dict) -> Tensor:
    """FFTNFunction, RFFTNFunction, IRFFTNFunction (a, s, dims, norm[, inverse], positional; ``dims``
    non-negative dims of the logical sample): the dims shifted past the batch dims."""
    x, sizes, dims, *rest = inputs
    with physical():
        out = cls.apply(x, sizes, tuple(d + len(x._levels) for d in dims), *rest, **params)
    return wrap(out, x._levels)


def diag(cls: type, inputs: tuple, params: dict) -> Tensor:
    """DiagFunction (x, ``diagonal``): of a 1-d sample ``(n,)`` the ``(m, m)`` matrix, ``m = n + |k|``,
    with ``x`` on diagonal ``k``; of a 2-d sample its diagonal ``k``. Other ranks loop (the op's error)."""
    x, offset = inputs[0], params["diagonal"]
    ndim, lead = logical_ndim(x), len(x._levels)
    if ndim not in (1, 2):
        return per_sample(_name(cls), cls.apply, inputs, params)
    side = x.shape[0] + abs(offset)
    rows, cols = _diagonal_key((side, side) if ndim == 1 else tuple(x.shape), offset)
    key = (*(slice(None),) * lead, rows, cols)
    with physical():
        if ndim == 2:
            out = GetItemFunction.apply(x, key=key)
        else:
            out = PlaceAtKeyFunction.apply(x, shape=(*x.shape[:lead], side, side), key=key)
    return wrap(out, x._levels)


def det(cls: type, inputs: tuple, params: dict) -> Tensor:
    """The matrix Functions (``(*, m, n)``: DetFunction, InvFunction, SVDFunction, ...): vmap's dims lead
    the batch dims, so the physical array as it is (the ops check the logical sample's rank first)."""
    x = inputs[0]
    with physical():
        out = cls.apply(x, **params)
    return wrap(out, x._levels)


def solve(cls: type, inputs: tuple, params: dict) -> Tensor:
    """SolveFunction (a ``(*, n, n)``, b ``(*, n, k)``; linalg.solve makes a vector b a matrix and checks
    the shapes first): both aligned, so vmap's dims lead the broadcasting batch dims."""
    levels, sizes = union(inputs)
    ndim = max(logical_ndim(x) for x in inputs)
    xs = [aligned(x, levels, sizes, ndim) if type(x) is BatchedTensor else x for x in inputs]
    with physical():
        out = cls.apply(*xs, **params)
    return wrap(out, levels)


def dist(cls: type, inputs: tuple, params: dict) -> Tensor:
    """DistFunction (a, b; ``p``: one p-norm of all of ``a - b``): the difference batched (as floats),
    then its vector norm over the sample's dims (VectorNormFunction, whose rule shifts them: the same
    values, and the same gradients, 0 where the norm is 0 and ties of the inf-norm sharing)."""
    from .linalg.norms import VectorNormFunction

    a, b = (x if not isinstance(x, Tensor) or x.dtype.is_floating_point else x.float() for x in inputs)
    difference = a - b
    if difference.numel() == 0:  # (the op's norm of nothing: 0, for every p)
        return per_sample(_name(cls), cls.apply, inputs, params)
    axes = tuple(range(difference.ndim))
    return VectorNormFunction.apply(difference, ord=params["p"], axes=axes, keepdim=False)


def cdist(cls: type, inputs: tuple, params: dict) -> Tensor:
    """cdist (x1 ``(*B, P, M)``, x2 ``(*B, R, M)``): both aligned, so vmap's dims lead cdist's batch dims."""
    x1, x2 = inputs
    ranks = logical_ndim(x1), logical_ndim(x2)
    if min(ranks) < 2 or x1.shape[-1] != x2.shape[-1]:
        return per_sample(_name(cls), cls.apply, inputs, params)  # the op's own error
    levels, sizes = union(inputs)
    xs = [aligned(x, levels, sizes, max(ranks)) if type(x) is BatchedTensor else x for x in inputs]
    with physical():
        out = cls.apply(*xs, **params)
    return wrap(out, levels)


def roll(cls: type, inputs: tuple, params: dict) -> Tensor:
    """roll (x, shifts, dims): dims shifted; ``dims=None`` rolls each flattened sample along one dim."""
    x = inputs[0]
    lead, ndim = len(x._levels), logical_ndim(x)
    shifts, dims = params["shifts"], params["dims"]
    shift_list = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if dims is None:
        if len(shift_list) != 1:
            return per_sample(_name(cls), cls.apply, inputs, params)  # the op's own error
        with physical():
            flat = x.reshape(*x.shape[:lead], -1)
            out = cls.apply(flat, shifts=shifts, dims=lead).reshape(x.shape)
        return wrap(out, x._levels)
    dim_list = (dims,) if isinstance(dims, int) else tuple(dims)
    if ndim == 0 or len(dim_list) != len(shift_list):  # (a 0-d sample's dim 0 is the sample itself)
        return per_sample(_name(cls), cls.apply, inputs, params)
    axes = tuple(normalize_dim("roll", d, ndim) + lead for d in dim_list)
    with physical():
        out = cls.apply(x, shifts=shifts, dims=axes)
    return wrap(out, x._levels)


def put(cls: type, inputs: tuple, params: dict) -> Tensor:
    """PutFunction (a, values, key, accumulate): ``a`` expanded to the whole batch (the result is
    batched wherever ``a`` or ``values`` is), ``values`` aligned to the written region ``a[key]``,
    the key behind the batch dims. (Its keys, index_add's, put's and index_put's, hold their advanced
    indices side by side, which NumPy leaves in place: the batch dims stay in front.)"""
    a, values = inputs
    key = params["key"]
    levels, sizes = union(inputs)
    full = aligned(a, levels, sizes, logical_ndim(a), expand=True)
    if type(values) is BatchedTensor:
        region = np.empty(a.shape, dtype=np.bool_)[key].ndim
        values = aligned(values, levels, sizes, region)
    with physical():
        out = cls.apply(full, values, **{**params, "key": (*(slice(None),) * len(levels), *key)})
    return wrap(out, levels)


def median(cls: type, inputs: tuple, params: dict) -> Tensor:
    """median()/nanmedian() of all elements (MedianFunction: a sample's gradient shared by its elements
    equal to its median, or by its NaNs when that is NaN): each sample flattened, its median picked
    along the one dim (a rule), then ``m + Σ_chosen (x - m) / count`` with ``m`` detached: the value
    is ``m`` exactly (each term is 0, or NaN with a NaN median), the gradient 1/count on each chosen."""
    flat = inputs[0].reshape(-1)
    picked = (flat.nanmedian if params["ignore_nan"] else flat.median)(0).values.detach()
    chosen = (flat == picked) | (flat.isnan() & picked.isnan())
    return picked + (flat - picked).where(chosen, 0.0).sum(0) / chosen.sum(0)


RULES.update(
    MedianFunction=median,
    MaxPool2dWithIndicesFunction=pool_with_indices,
    FractionalMaxPoolFunction=fractional_pool,
    AdaptiveMaxPool2dFunction=pool_with_indices,
    PickAlongDepthFunction=pick_along_depth,
    ConstantPadFunction=constant_pad,
    DiagFunction=diag,
    DetFunction=det,
    InvFunction=det,
    CholeskyFunction=det,
    MatrixExpFunction=det,
    SVDFunction=det,
    QRFunction=det,
    EighFunction=det,
    EigFunction=det,
    LUFactorFunction=det,
    LogAbsDetFunction=det,
    ResampleFunction=resample,
    FFTNFunction=fourier,
    RFFTNFunction=fourier,
    IRFFTNFunction=fourier,
    CdistFunction=cdist,
    DistFunction=dist,
    SolveFunction=solve,
    RollFunction=roll,
    PutFunction=put,
)
