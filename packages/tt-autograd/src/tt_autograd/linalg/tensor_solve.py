"""Tensor equations: ``linalg.tensorinv`` and ``linalg.tensorsolve``, reshapes around ``inv`` and ``solve``.

A tensor ``A`` of shape ``(*I, *J)`` with ``prod(I) == prod(J)`` is a square
matrix once its first dims ``I`` are flattened into rows and the rest ``J``
into columns. ``tensorinv`` inverts that matrix and gives it back the shape
``(*J, *I)``, so that ``tensordot(tensorinv(A), A, len(J))`` is the identity
of shape ``(*J, *J)``; ``tensorsolve`` finds ``X`` of shape ``J`` with
``tensordot(A, X, X.ndim) == B`` (``B`` of shape ``I``). Both are compositions of
recorded ops, so they differentiate; complex tensors too (``inv`` and ``solve``'s complex
rules).

Example:
    >>> import tt_autograd as autograd
    >>> A = autograd.eye(6).reshape(2, 3, 6)
    >>> autograd.linalg.tensorsolve(A, autograd.ones(2, 3)).shape
    tt.Size([6])
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._common import float_tensor
from .solve import inv, solve


def _numel(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _check_square(op: str, shape: tuple[int, ...], split: int, other: str) -> int:
    """``prod(shape[:split])``, after checking that it equals ``prod(shape[split:])`` (PyTorch's message)."""
    rows, cols = _numel(shape[:split]), _numel(shape[split:])
    if rows != cols:
        raise ValueError(
            f"{op}: Expected self to satisfy the requirement prod(self.shape[{other}:]) == "
            f"prod(self.shape[:{other}]), but got {cols} != {rows} (shape {shape})"
        )
    return rows


def tensorinv(A, ind: int = 2) -> Tensor:
    """``torch.linalg.tensorinv``: the inverse of ``A`` ``(*I, *J)`` seen as a ``prod(I) x prod(J)`` matrix.

    Args:
        A: float or complex, ``I = A.shape[:ind]`` and ``J = A.shape[ind:]`` with ``prod(I) == prod(J)``.
        ind: how many leading dims make the rows (a positive int).

    Shape: ``(*J, *I)``. Cost: one :func:`inv` of a ``prod(I) x prod(I)`` matrix.
    """
    if isinstance(ind, bool) or not isinstance(ind, (int, np.integer)):
        raise TypeError(f"linalg.tensorinv: argument 'ind' must be int, not {type(ind).__name__}")
    if ind <= 0:
        raise ValueError(f"linalg.tensorinv: Expected a strictly positive integer for 'ind', but got {ind}")
    A = float_tensor("linalg.tensorinv", A, complex_ok=True)
    shape = tuple(A.shape)
    size = _check_square("linalg.tensorinv", shape, ind, "ind")
    return inv(A.reshape(size, size)).reshape(shape[ind:] + shape[:ind])


def tensorsolve(A, B, dims=None) -> Tensor:
    """``torch.linalg.tensorsolve``: ``X`` with ``tensordot(A, X, X.ndim) == B``.

    Args:
        A: float or complex ``(*I, *J)`` with ``len(I) == B.ndim`` and ``prod(I) == prod(J) == B.numel()``.
        B: ``A``'s dtype (else :func:`solve`'s error, as PyTorch's).
        dims: dims of ``A`` moved to the end first (to the ``J`` part), or None.

    Shape: ``J`` (``A.shape[B.ndim:]`` after moving ``dims``). Cost: one :func:`solve` of a
    ``B.numel() x B.numel()`` system.
    """
    A = float_tensor("linalg.tensorsolve", A, complex_ok=True)
    B = float_tensor("linalg.tensorsolve", B, "B", complex_ok=True)
    if dims is not None:
        moved = [d % A.ndim for d in ((dims,) if isinstance(dims, int) else dims)]
        A = A.permute(*[d for d in range(A.ndim) if d not in moved], *moved)
    shape, size = tuple(A.shape), B.numel()
    unknowns = _numel(shape[B.ndim :])
    if unknowns != size or A.numel() != size * size:
        raise ValueError(
            "linalg.tensorsolve: Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
            f"prod(self.shape[:other.ndim]), but got {unknowns} != {size} (A {shape}, B {tuple(B.shape)}: "
            "A's shape must be B's followed by the unknown's, each with B.numel() elements)"
        )
    return solve(A.reshape(size, size), B.reshape(size)).reshape(shape[B.ndim :])
