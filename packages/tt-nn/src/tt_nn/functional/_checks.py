"""Argument checks shared by the functional forms, with errors that name the op and the shapes."""

from __future__ import annotations

import warnings

import tt_tensor
from tt_tensor.checks import check_tensor, normalize_dim, number_args  # noqa: F401  (for the forms here)

REDUCTIONS = ("mean", "sum", "none")


def tensor_arg(op: str, value: object, name: str = "input") -> tt_tensor.Tensor:
    """``value`` if it is a tensor; otherwise a ``TypeError`` naming ``op`` and the argument."""
    return check_tensor(op, value, name)


def float_arg(op: str, value: object, name: str = "input") -> tt_tensor.Tensor:
    """A floating-point tensor: integer inputs to float-only ops are refused, as in PyTorch."""
    tensor = tensor_arg(op, value, name)
    if not tensor.is_floating_point():
        raise TypeError(f"{op}: '{name}' must be a floating-point tensor, got dtype {tensor.dtype.name}")
    return tensor


def softmax_dim(op: str, dim: int | None, ndim: int) -> int:
    """The dim to normalise over; None picks PyTorch's legacy default with its deprecation warning."""
    if dim is None:
        dim = 0 if ndim in (0, 1, 3) else 1
        warnings.warn(
            f"{op}: implicit dimension choice has been deprecated; pass dim={dim} explicitly",
            UserWarning,
            stacklevel=3,
        )
    return normalize_dim(op, dim, ndim)


def reduction_arg(
    op: str, reduction: str, size_average: bool | None = None, reduce: bool | None = None
) -> str:
    """Check ``reduction``; turn PyTorch's deprecated ``size_average``/``reduce`` into it, as PyTorch does."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "none" if not reduce else ("mean" if size_average else "sum")
        warnings.warn(
            f"{op}: size_average and reduce are deprecated; use reduction='{reduction}' instead",
            UserWarning,
            stacklevel=3,
        )
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"{op}: {reduction!r} is not a valid value for reduction; use 'mean', 'sum' or 'none'"
        )
    return reduction
