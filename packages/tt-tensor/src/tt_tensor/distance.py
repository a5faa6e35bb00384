"""Distance kernels beyond the exercises: p-norms of differences (``dist``, ``cdist``), NumPy in and out.

Not course material. tt-tensor's ``dist``/``cdist`` and tt-autograd's recorded
forms (``functions/distance.py``) both call these.

* ``p``: 0 counts the non-zero components, 1 sums ``|u|``, 2 is Euclidean, inf
  takes ``max |u|``, any other ``p >= 0`` is ``(sum |u|^p)^(1/p)``.
* ``cdist`` with ``p = 2`` follows ``compute_mode`` as PyTorch does: the
  expansion ``|a|^2 + |b|^2 - 2 a.b`` (one matrix product, ``(B, P, R)``
  memory, clamped at 0 before the square root) when asked, or by default when
  ``P > 25`` or ``R > 25``; it loses digits for points much closer than their
  norms (cancellation). Every other case subtracts directly: exact, but
  ``(B, P, R, M)`` memory.

Example:
    >>> import numpy as np
    >>> cdist(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0], [1.0, 0.0]]), 2.0)
    array([[5., 1.]])
"""

from __future__ import annotations

import numpy as np

COMPUTE_MODES = (
    "use_mm_for_euclid_dist_if_necessary",
    "use_mm_for_euclid_dist",
    "donot_use_mm_for_euclid_dist",
)


def check_p(op: str, p: float) -> float:
    if not p >= 0:  # NaN too
        raise RuntimeError(f"{op} only supports non-negative p values, got p={p}")
    return float(p)


def pnorm(u: np.ndarray, p: float, axis: int | None = None) -> np.ndarray:
    """The ``p``-norm of ``u`` along ``axis`` (all of it when None), keeping no dims."""
    magnitude = np.abs(u)
    if p == 0:
        return np.sum(u != 0, axis=axis).astype(u.dtype)
    if p == 2:
        return np.sqrt(np.sum(u * u, axis=axis))
    if p == np.inf:
        return np.max(magnitude, axis=axis, initial=0)
    return np.sum(magnitude**p, axis=axis) ** (1 / p)  # exact for p = 1 (x ** 1.0 is x)


def pnorm_grad(u: np.ndarray, norm: np.ndarray, p: float, split_ties: bool) -> np.ndarray:
    """d(norm)/d(u), broadcast against ``u``; 0 where the norm is 0, as PyTorch.

    ``norm`` broadcasts against ``u`` (0-d, or size 1 along the dim it reduces). For ``p = inf`` the
    gradient goes to the components with the largest ``|u|``: shared between
    them when ``split_ties`` (``dist``, one norm of all of ``u``, like ``amax``), to
    each in full otherwise (``cdist``). For ``p < 1`` a zero component gets 0 (its ``|u|^(p-1)`` is infinite).
    """
    if p == 0:
        return np.zeros_like(u)
    positive = norm > 0
    safe = np.where(positive, norm, 1)
    if p == 2:
        return np.where(positive, u / safe, 0)
    if p == np.inf:
        top = (np.abs(u) == norm) & positive
        grad = np.sign(u) * top
        return grad / max(np.count_nonzero(top), 1) if split_ties else grad
    with np.errstate(divide="ignore", invalid="ignore"):  # p = 1: sign(u) * 1 / 1
        grad = np.sign(u) * np.abs(u) ** (p - 1) / safe ** (p - 1)
    return np.where(positive & (u != 0), grad, 0)


def cdist_operands(x1: np.ndarray, x2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``x1`` ``(*B1, P, M)`` and ``x2`` ``(*B2, R, M)`` as floats with broadcast batch dims."""
    for name, x in (("X1", x1), ("X2", x2)):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D {x.shape}")
        if x.dtype.kind != "f":
            raise RuntimeError(
                f"cdist only supports floating-point dtypes, {name} got: {x.dtype}; convert with .float()"
            )
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]} "
            f"(shapes {x1.shape} and {x2.shape})"
        )
    try:
        batch = np.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
    except ValueError:
        raise RuntimeError(
            f"cdist: the batch dims of {x1.shape} and {x2.shape} cannot be broadcast together"
        ) from None
    dtype = np.result_type(x1, x2)
    return (
        np.broadcast_to(x1, (*batch, *x1.shape[-2:])).astype(dtype, copy=False),
        np.broadcast_to(x2, (*batch, *x2.shape[-2:])).astype(dtype, copy=False),
    )


def uses_product(p: float, x1: np.ndarray, x2: np.ndarray, compute_mode: str) -> bool:
    """Whether ``cdist`` takes the matrix-product route (``p = 2`` only), as PyTorch decides."""
    if compute_mode not in COMPUTE_MODES:
        raise ValueError(
            f"cdist: {compute_mode} is not a valid value for compute_mode ({', '.join(COMPUTE_MODES)})"
        )
    if p != 2 or compute_mode == "donot_use_mm_for_euclid_dist":
        return False
    return compute_mode == "use_mm_for_euclid_dist" or x1.shape[-2] > 25 or x2.shape[-2] > 25


def cdist(x1: np.ndarray, x2: np.ndarray, p: float, compute_mode: str = COMPUTE_MODES[0]) -> np.ndarray:
    """``out[..., i, j] = ||x1[..., i, :] - x2[..., j, :]||_p``, batches broadcast. Shape ``(*B, P, R)``."""
    p = check_p("cdist", p)
    x1, x2 = cdist_operands(x1, x2)
    if uses_product(p, x1, x2, compute_mode):
        square = (
            np.sum(x1 * x1, axis=-1)[..., :, None]
            + np.sum(x2 * x2, axis=-1)[..., None, :]
            - 2 * (x1 @ np.swapaxes(x2, -1, -2))
        )
        return np.sqrt(np.maximum(square, 0))
    return pnorm(x1[..., :, None, :] - x2[..., None, :, :], p, axis=-1)


__all__ = ["COMPUTE_MODES", "cdist", "cdist_operands", "check_p", "pnorm", "pnorm_grad", "uses_product"]
