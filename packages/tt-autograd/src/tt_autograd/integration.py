"""The trapezoidal rule: ``trapezoid`` (``trapz``) and ``cumulative_trapezoid``, as PyTorch's.

``trapezoid(y, x)`` sums ``(x[i+1] - x[i]) (y[i] + y[i+1]) / 2`` along ``dim``; with
spacing ``dx`` (default 1) instead of sample points, ``dx (y[i] + y[i+1]) / 2``.
``cumulative_trapezoid`` keeps the running sums (one fewer than the points). ``x`` is
either 1-d with one point per element along ``dim``, or broadcastable to ``y``. Built
from recorded tensor ops (two ``narrow`` views, a product, a sum or ``cumsum``), so the
gradients with respect to ``y`` and ``x`` come from autograd. Cost: ``O(y.numel())``.

Example:
    >>> import tt_autograd as autograd
    >>> trapezoid(autograd.tensor([1.0, 2.0, 3.0]))  # (1 + 2) / 2 + (2 + 3) / 2
    tensor(4.)
"""

from __future__ import annotations

from tt_tensor import get_default_dtype
from tt_tensor.checks import check_number, normalize_dim

from .tensor import Tensor

__all__ = ["cumulative_trapezoid", "trapezoid", "trapz"]


def _pieces(name: str, y: object, x: object, dx: object, dim: int) -> tuple[Tensor, int]:
    """The ``n - 1`` trapezoid areas along ``dim`` (not summed) and that dim, normalised."""
    if not isinstance(y, Tensor):
        raise TypeError(f"{name}: y must be a tensor, got {type(y).__name__}")
    if x is not None and dx is not None:
        raise TypeError(f"{name}: give the sample points x or the spacing dx, not both")
    dim = normalize_dim(name, dim, max(y.ndim, 1))
    if y.ndim == 0:
        raise ValueError(f"{name}: y must have at least one dimension, got a 0-d tensor")
    points = y.shape[dim]
    if not (y.is_floating_point() or y.is_complex()):
        y = y.to(get_default_dtype())  # integer samples integrate in the default float dtype
    left, right = y.narrow(dim, 0, max(points - 1, 0)), y.narrow(dim, min(1, points), max(points - 1, 0))
    if x is None:
        spacing = 1.0 if dx is None else check_number(name, "dx", dx)
        return (left + right) * (spacing / 2), dim
    if not isinstance(x, Tensor):
        raise TypeError(
            f"{name}: x must be a tensor (for a constant spacing pass dx=), got {type(x).__name__}"
        )
    if x.ndim == 1:
        if x.shape[0] != points:
            raise ValueError(
                f"{name}: a 1-d x needs one point per element of y along dim {dim} ({points}), "
                f"got {x.shape[0]}"
            )
        widths = (x[1:] - x[:-1]).reshape([-1] + [1] * (y.ndim - 1 - dim))
    else:
        widths = x.diff(dim=dim - y.ndim)
    return (left + right) * widths / 2, dim


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """The integral of ``y`` along ``dim`` by the trapezoidal rule; the shape of ``y`` without ``dim``."""
    areas, dim = _pieces("trapezoid", y, x, dx, dim)
    return areas.sum(dim)


def trapz(y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """:func:`trapezoid` (NumPy's older name, kept by PyTorch)."""
    areas, dim = _pieces("trapz", y, x, dx, dim)
    return areas.sum(dim)


def cumulative_trapezoid(
    y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1
) -> Tensor:
    """The running integrals of ``y`` along ``dim``: ``n - 1`` values where ``y`` has ``n``."""
    areas, dim = _pieces("cumulative_trapezoid", y, x, dx, dim)
    return areas.cumsum(dim)
