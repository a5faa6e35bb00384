"""Module-level forms of the methods beyond the exercises: ``tt.log1p(x)``, ``tt.atan2(y, x)``, ...

Not course material. Each calls the method of the same name on its first
argument (see :mod:`tt_tensor.functional`), so tt-autograd's recorded
override is the one that runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import distance
from .checks import NOT_GIVEN, bool_args, variance_args
from .dtypes import require_float_input
from .functional import _method, _most_derived, _tensor_list, batchable, cat
from .tensor import Tensor


def _form(name: str):
    """``functional._method(name)``, owned by this module (so the API docs find it here)."""
    function = _method(name)
    function.__module__ = __name__
    return function


# element-wise, one tensor
log1p, expm1, log2, log10, exp2 = (_form(n) for n in ("log1p", "expm1", "log2", "log10", "exp2"))
sinh, cosh, tan, asin, acos, atan = (_form(n) for n in ("sinh", "cosh", "tan", "asin", "acos", "atan"))
asinh, acosh, atanh = (_form(n) for n in ("asinh", "acosh", "atanh"))
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
trunc, fix, frac, logit, nan_to_num = (_form(n) for n in ("trunc", "fix", "frac", "logit", "nan_to_num"))
# element-wise, several tensors
atan2, hypot, logaddexp, xlogy, copysign, fmod = (
    _form(n) for n in ("atan2", "hypot", "logaddexp", "xlogy", "copysign", "fmod")
)
arctan2 = atan2
lerp, addcmul, addcdiv = (_form(n) for n in ("lerp", "addcmul", "addcdiv"))
clamp_min, clamp_max, signbit, heaviside = (
    _form(n) for n in ("clamp_min", "clamp_max", "signbit", "heaviside")
)
gcd, lcm = _form("gcd"), _form("lcm")
# products, diagonals, differences and cumulative functions
addmm, baddbmm, mv, tensordot, inner, kron, cross = (
    _form(n) for n in ("addmm", "baddbmm", "mv", "tensordot", "inner", "kron", "cross")
)
diagonal, trace, diag_embed, diff, cumprod, logcumsumexp = (
    _form(n) for n in ("diagonal", "trace", "diag_embed", "diff", "cumprod", "logcumsumexp")
)
# reshaping and picking
movedim, moveaxis, broadcast_to, tile, rot90 = (
    _form(n) for n in ("movedim", "moveaxis", "broadcast_to", "tile", "rot90")
)
flipud, fliplr, diagflat = (_form(n) for n in ("flipud", "fliplr", "diagflat"))
repeat_interleave, tensor_split, take, take_along_dim = (
    _form(n) for n in ("repeat_interleave", "tensor_split", "take", "take_along_dim")
)

dist = _form("dist")
# the Tensor methods PyTorch also has as functions
is_floating_point, numel, clone, detach, t, swapaxes, zero_ = (
    _form(n) for n in ("is_floating_point", "numel", "clone", "detach", "t", "swapaxes", "zero_")
)

# queries (no gradients, except nansum and nanmean)
nonzero, argwhere, count_nonzero, isclose = (
    _form(n) for n in ("nonzero", "argwhere", "count_nonzero", "isclose")
)
isinf, isposinf, isneginf, isreal = (_form(n) for n in ("isinf", "isposinf", "isneginf", "isreal"))
logical_and, logical_or, logical_xor = (_form(n) for n in ("logical_and", "logical_or", "logical_xor"))
bincount, unique, unique_consecutive = (_form(n) for n in ("bincount", "unique", "unique_consecutive"))
histc = _form("histc")
nansum, nanmean = (_form(n) for n in ("nansum", "nanmean"))
# order statistics (values differentiable; indices int64)
median, nanmedian, kthvalue, mode, msort = (
    _form(n) for n in ("median", "nanmedian", "kthvalue", "mode", "msort")
)
cummax, cummin, quantile, nanquantile = (_form(n) for n in ("cummax", "cummin", "quantile", "nanquantile"))


@batchable
@bool_args("searchsorted", "out_int32", "right")
def searchsorted(
    sorted_sequence: Tensor,
    values: object,
    *,
    out_int32: bool = False,
    right: bool = False,
    side=None,
    sorter=None,
) -> Tensor:
    """Where ``values`` would go in ``sorted_sequence`` (along its last dim) to keep it sorted.

    ``right=False`` (``side="left"``) gives the first such index, ``right=True`` the last. An N-d
    ``sorted_sequence`` searches each row for the matching row of ``values``. Int64 indices (int32
    with ``out_int32``); no gradient. Cost: a binary search for 1-D, a comparison count per row otherwise.
    """
    if side is not None:
        if side not in ("left", "right") or (right and side == "left"):
            raise RuntimeError(
                f"searchsorted: side must be 'left' or 'right' and agree with right=, got {side!r}"
            )
        right = side == "right"
    sequence = np.asarray(sorted_sequence.array)
    if sorter is not None:
        sequence = np.take_along_axis(sequence, np.asarray(sorter.array), axis=-1)
    targets = np.asarray(values.array if isinstance(values, Tensor) else values)
    if sequence.ndim == 1:
        index = np.searchsorted(sequence, targets, side="right" if right else "left")
    else:
        if sequence.shape[:-1] != targets.shape[:-1]:
            raise RuntimeError(
                f"searchsorted: the leading dims of sorted_sequence {sequence.shape} and values "
                f"{targets.shape} must match"
            )
        below = (
            sequence[..., None, :] <= targets[..., None]
            if right
            else sequence[..., None, :] < targets[..., None]
        )
        index = below.sum(-1)
    index = np.asarray(index, dtype=np.int32 if out_int32 else np.int64)
    return _most_derived([sorted_sequence, values]).from_array(index)


def cdist(
    x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary"
) -> Tensor:
    """The ``p``-norm distance between each row of ``x1`` ``(*B, P, M)`` and each of ``x2`` ``(*B, R, M)``.

    Shape: ``(*B, P, R)`` (batch dims broadcast). For ``p = 2``, ``compute_mode`` chooses the matrix-product
    route as PyTorch does (by default when ``P`` or ``R`` exceeds 25: fast, but it loses digits for points
    much closer than their norms); ``"donot_use_mm_for_euclid_dist"`` subtracts directly, exactly, in
    ``(*B, P, R, M)`` memory. The gradient at distance 0 is 0, as PyTorch's.
    """
    out = distance.cdist(np.asarray(x1.array), np.asarray(x2.array), p, compute_mode)
    return _most_derived([x1, x2]).from_array(out)


@batchable
@bool_args("bucketize", "out_int32", "right")
def bucketize(input: object, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:  # noqa: A002
    """The bucket of each element: ``i`` with ``boundaries[i-1] < x <= boundaries[i]`` (``<=``/``<``
    swapped with ``right=True``); ``boundaries`` is 1-D and sorted."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries must be a 1-D tensor, got shape {boundaries.shape}")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def var_mean(input: Tensor, dim=None, unbiased=NOT_GIVEN, keepdim: bool = False, *, correction=None):  # noqa: A002
    """``(input.var(dim, ...), input.mean(dim))`` in one call (``var``'s forms)."""
    dim, correction = variance_args("var_mean", dim, unbiased, correction)
    require_float_input("var_mean", input.array.dtype)  # (float and complex only, as PyTorch)
    return input.var(dim, correction=correction, keepdim=keepdim), input.mean(dim, keepdim)


def std_mean(input: Tensor, dim=None, unbiased=NOT_GIVEN, keepdim: bool = False, *, correction=None):  # noqa: A002
    """``(input.std(dim, ...), input.mean(dim))`` in one call (``std``'s forms)."""
    dim, correction = variance_args("std_mean", dim, unbiased, correction)
    require_float_input("std_mean", input.array.dtype)  # (float and complex only, as PyTorch)
    return input.std(dim, correction=correction, keepdim=keepdim), input.mean(dim, keepdim)


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """The tensors expanded to their common broadcast shape (``torch.broadcast_tensors``)."""
    shapes = [t.shape for t in _tensor_list("broadcast_tensors", list(tensors))]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        listed = ", ".join(str(s) for s in shapes)
        raise RuntimeError(f"broadcast_tensors: shapes {listed} cannot be broadcast together") from None
    return tuple(t.expand(*shape) for t in tensors)


def _at_least(op: str, ndim: int, tensors: tuple) -> Tensor | tuple[Tensor, ...]:
    """Each tensor with at least ``ndim`` dims (one tensor in, one out; several in, a tuple out)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(_at_least(op, ndim, (t,)) for t in _tensor_list(op, tensors[0]))
    if len(tensors) != 1:
        return tuple(_at_least(op, ndim, (t,)) for t in _tensor_list(op, list(tensors)))
    (tensor,) = _tensor_list(op, list(tensors))
    if tensor.ndim >= ndim:
        return tensor
    if ndim == 3 and tensor.ndim == 2:
        return tensor.unsqueeze(-1)
    if ndim == 3:  # 0-d -> (1, 1, 1), (n,) -> (1, n, 1), as NumPy and PyTorch
        return tensor.reshape(1, -1, 1)
    return tensor.reshape(*([1] * (ndim - 1)), -1)


def atleast_1d(*tensors: Tensor) -> Tensor | tuple[Tensor, ...]:
    """A 0-d tensor as shape ``(1,)``; others as they are."""
    return _at_least("atleast_1d", 1, tensors)


def atleast_2d(*tensors: Tensor) -> Tensor | tuple[Tensor, ...]:
    """0-d as ``(1, 1)``, ``(n,)`` as ``(1, n)``; others as they are."""
    return _at_least("atleast_2d", 2, tensors)


def atleast_3d(*tensors: Tensor) -> Tensor | tuple[Tensor, ...]:
    """0-d as ``(1, 1, 1)``, ``(n,)`` as ``(1, n, 1)``, ``(m, n)`` as ``(m, n, 1)``; others as they are."""
    return _at_least("atleast_3d", 3, tensors)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 1 (dim 0 when all are 1-D), after ``atleast_1d``."""
    parts = [atleast_1d(t) for t in _tensor_list("hstack", tensors)]
    return cat(parts, 0 if all(t.ndim == 1 for t in parts) else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 0 after ``atleast_2d`` (rows on top of each other)."""
    return cat([atleast_2d(t) for t in _tensor_list("vstack", tensors)], 0)


row_stack = vstack


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 2 after ``atleast_3d``."""
    return cat([atleast_3d(t) for t in _tensor_list("dstack", tensors)], 2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 1, turning 0-d and 1-d tensors into columns ``(n, 1)`` first."""
    parts = [t.reshape(-1, 1) if t.ndim <= 1 else t for t in _tensor_list("column_stack", tensors)]
    return cat(parts, 1)


# The functional forms only: not the names imported above.
__all__ = sorted(
    name
    for name, value in dict(globals()).items()
    if callable(value) and not name.startswith("_") and name not in {"Tensor", "Sequence", "cat", "distance"}
)
