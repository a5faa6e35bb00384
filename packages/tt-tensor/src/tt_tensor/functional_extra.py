"""Module-level forms of the methods beyond the exercises: ``tt.log1p(x)``, ``tt.atan2(y, x)``, ...

Not course material. Each calls the method of the same name on its first
argument (see :mod:`tt_tensor.functional`), so tt-autograd's recorded
override is the one that runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .functional import _method, _tensor_list, cat
from .tensor import Tensor

# element-wise, one tensor
log1p, expm1, log2, log10, exp2 = (_method(n) for n in ("log1p", "expm1", "log2", "log10", "exp2"))
sinh, cosh, tan, asin, acos, atan = (_method(n) for n in ("sinh", "cosh", "tan", "asin", "acos", "atan"))
asinh, acosh, atanh = (_method(n) for n in ("asinh", "acosh", "atanh"))
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
trunc, fix, frac, logit, nan_to_num = (_method(n) for n in ("trunc", "fix", "frac", "logit", "nan_to_num"))
# element-wise, several tensors
atan2, hypot, logaddexp, xlogy, copysign, fmod = (
    _method(n) for n in ("atan2", "hypot", "logaddexp", "xlogy", "copysign", "fmod")
)
arctan2 = atan2
lerp, addcmul, addcdiv = (_method(n) for n in ("lerp", "addcmul", "addcdiv"))
# products, diagonals, differences and cumulative functions
addmm, baddbmm, mv, tensordot, inner, kron, cross = (
    _method(n) for n in ("addmm", "baddbmm", "mv", "tensordot", "inner", "kron", "cross")
)
diagonal, trace, diag_embed, diff, cumprod, logcumsumexp = (
    _method(n) for n in ("diagonal", "trace", "diag_embed", "diff", "cumprod", "logcumsumexp")
)
# reshaping and picking
movedim, moveaxis, broadcast_to, tile, rot90 = (
    _method(n) for n in ("movedim", "moveaxis", "broadcast_to", "tile", "rot90")
)
repeat_interleave, tensor_split, take, take_along_dim = (
    _method(n) for n in ("repeat_interleave", "tensor_split", "take", "take_along_dim")
)


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


__all__ = sorted(
    name for name, value in dict(globals()).items() if callable(value) and not name.startswith("_")
)
