"""PyTorch's deprecated and removed top-level functions, so old scripts run or say what to call instead.

Deprecated but still working in PyTorch 2.13, and here: ``torch.range`` (an
*inclusive* ``arange``, warning), ``torch.ger`` (``outer``), ``torch.chain_matmul``
(``linalg.multi_dot``, warning), ``torch.frobenius_norm`` and ``torch.nuclear_norm``
(``linalg.vector_norm`` / ``linalg.matrix_norm``, warning). Removed in PyTorch 1.9+
and raising its guidance here too: ``torch.matrix_rank``, ``torch.lstsq``, ``torch.eig``,
``torch.symeig``, ``torch.solve``.
"""

from __future__ import annotations

import math
import warnings

import tt_autograd
from tt_autograd import linalg
from tt_tensor.caller import user_stacklevel
from tt_tensor.dtypes import check_kernel_dtype, dtype_argument

__all__ = [
    "chain_matmul",
    "eig",
    "frobenius_norm",
    "ger",
    "lstsq",
    "matrix_rank",
    "nuclear_norm",
    "range",
    "solve",
    "symeig",
]


def range(  # noqa: A001  (PyTorch's name)
    start: float = 0,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: object = None,
    layout: object = None,
    device: object = None,
    requires_grad: bool = False,
):
    """``torch.range``: ``start, start + step, …`` up to and *including* ``end``; default dtype float.

    Deprecated in PyTorch for the same reason it warns here: Python's ``range`` and
    ``torch.arange`` stop before ``end``.
    """
    if end is None:
        start, end = 0, start
    if dtype is not None:  # (PyTorch has no bool or complex range)
        check_kernel_dtype("range", dtype_argument("range", dtype).numpy, "bc")
    if step == 0 or (end - start) * step < 0:
        raise RuntimeError(
            f"torch.range: upper bound and larger bound inconsistent with step sign (start={start}, "
            f"end={end}, step={step})"
        )
    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because its behavior is "
        "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
        "[start, end).",
        UserWarning,
        stacklevel=user_stacklevel(),  # (the user's line, also through tinytorch's out= wrapper)
    )
    count = math.floor((end - start) / step) + 1
    values = tt_autograd.arange(count, dtype=tt_autograd.float64) * step + start
    return values.to(tt_autograd.get_default_dtype() if dtype is None else dtype).requires_grad_(
        requires_grad
    )


def ger(input, vec2):  # noqa: A002  (PyTorch's argument names)
    """``torch.ger``: the outer product, PyTorch's older name for ``torch.outer``."""
    return tt_autograd.outer(input, vec2)


def chain_matmul(*matrices):
    """``torch.chain_matmul(a, b, c, …)``: ``linalg.multi_dot([a, b, c, …])``, with PyTorch's warning."""
    warnings.warn(
        "torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
        "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than multiple "
        "parameters.",
        UserWarning,
        stacklevel=user_stacklevel(),  # (the user's line, also through tinytorch's out= wrapper)
    )
    if len(matrices) == 1:
        return matrices[0]
    return linalg.multi_dot(list(matrices))


def frobenius_norm(input, dim=(-2, -1), keepdim: bool = False):  # noqa: A002
    """``torch.frobenius_norm``: the 2-norm of the entries over ``dim`` (``linalg.vector_norm``)."""
    warnings.warn(
        "torch.frobenius_norm is deprecated; use torch.linalg.vector_norm(A, 2., dim, keepdim) instead",
        UserWarning,
        stacklevel=user_stacklevel(),  # (the user's line, also through tinytorch's out= wrapper)
    )
    return linalg.vector_norm(input, 2.0, dim, keepdim)


def nuclear_norm(input, dim=(-2, -1), keepdim: bool = False):  # noqa: A002
    """``torch.nuclear_norm``: the sum of singular values (``linalg.matrix_norm(A, "nuc")``)."""
    if isinstance(dim, bool):  # nuclear_norm(A, keepdim) positionally, ATen's first overload
        dim, keepdim = (-2, -1), dim
    warnings.warn(
        "torch.nuclear_norm is deprecated; use torch.linalg.matrix_norm(A, 'nuc', dim, keepdim) instead",
        UserWarning,
        stacklevel=user_stacklevel(),  # (the user's line, also through tinytorch's out= wrapper)
    )
    return linalg.matrix_norm(input, "nuc", dim, keepdim)


def _removed(name: str, guidance: str):
    def removed(*args: object, **kwargs: object) -> None:
        raise RuntimeError(
            f"torch.{name} was deprecated since version 1.9 and is now removed (in PyTorch too). {guidance}"
        )

    removed.__name__ = removed.__qualname__ = name
    removed.__doc__ = f"Removed from PyTorch: raises, saying to use the replacement. {guidance}"
    return removed


matrix_rank = _removed("matrix_rank", "Use torch.linalg.matrix_rank (its 'symmetric' is now 'hermitian').")
lstsq = _removed("lstsq", "Use torch.linalg.lstsq(A, B): the arguments are reversed and no QR is returned.")
eig = _removed("eig", "Use torch.linalg.eig or torch.linalg.eigvals (complex results).")
symeig = _removed("symeig", "Use torch.linalg.eigh or torch.linalg.eigvalsh (lower triangle by default).")
solve = _removed("solve", "Use torch.linalg.solve(A, B): the arguments are reversed and no LU is returned.")
