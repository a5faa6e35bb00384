"""``gradient``: derivatives of sampled values by finite differences, as ``torch.gradient`` (and NumPy's).

Along each chosen dimension, with samples ``f`` at coordinates ``x`` (spacing ``h``):

* inside, central differences, second-order accurate even on uneven coordinates::

      f'(x_i) ≈ a f_{i-1} + b f_i + c f_{i+1},   a = -h₂ / (h₁ (h₁ + h₂)),
      b = (h₂ - h₁) / (h₁ h₂),                    c = h₁ / (h₂ (h₁ + h₂))

  (``h₁ = x_i - x_{i-1}``, ``h₂ = x_{i+1} - x_i``; evenly spaced, ``(f_{i+1} - f_{i-1}) / 2h``);
* at the two ends, one-sided differences of first order (``edge_order=1``) or second
  order (``edge_order=2``, three points).

Everything is recorded tensor ops (``narrow`` views, products with the coefficient
rows, one ``cat``), so gradients reach the samples and, given as tensors, the
coordinates. Cost: a few passes over ``input`` per dimension.

Example:
    >>> import tt_autograd as autograd
    >>> gradient(autograd.tensor([1.0, 4.0, 9.0, 16.0]))   # d/dx of x² at x = 1 … 4
    (tensor([3., 4., 6., 7.]),)
"""

from __future__ import annotations

import numbers

from tt_tensor import promote_types
from tt_tensor.checks import normalize_dim
from tt_tensor.functional import cat

from .tensor import Tensor

__all__ = ["gradient"]

_NAME = "torch.gradient"


def gradient(
    input: Tensor,  # noqa: A002  (PyTorch's argument name)
    *,
    spacing: object = 1,
    dim: int | list[int] | tuple[int, ...] | None = None,
    edge_order: int = 1,
) -> tuple[Tensor, ...]:
    """One tensor of ``input``'s shape per dimension in ``dim`` (all, by default): the derivative along it.

    Args:
        input: the samples; integer samples give the default float dtype (the differences are divided).
        spacing: a number (the step along every dimension), a list with one number or
            one 1-d coordinate tensor per dimension, or a 0-d tensor.
        dim: an int or a list of ints; default every dimension.
        edge_order: 1 or 2, the accuracy order of the one-sided ends.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"{_NAME}: input must be a tensor, got {type(input).__name__}")
    if edge_order not in (1, 2):
        raise RuntimeError(f"{_NAME} only supports edge_order=1 and edge_order=2.")
    dims = _dims(input, dim)
    steps = _spacings(input, spacing, dims, dim is None)
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError(f"{_NAME} expected each dimension size to be at least edge_order+1")
    return tuple(_along(input, d, step, edge_order) for d, step in zip(dims, steps))


def _dims(input: Tensor, dim: object) -> list[int]:
    if dim is None:
        return list(range(input.ndim))
    listed = [dim] if isinstance(dim, int) else list(dim)
    dims = [normalize_dim(_NAME, d, input.ndim) for d in listed]
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"{_NAME}: dim {listed} names a dimension twice")
    return dims


def _spacings(input: Tensor, spacing: object, dims: list[int], all_dims: bool) -> list[object]:
    """One step per dimension: a number, or a 1-d coordinate tensor with one point per sample."""
    if isinstance(spacing, Tensor) and spacing.ndim == 0:
        spacing = spacing.item()
    if isinstance(spacing, numbers.Number) and not isinstance(spacing, bool):
        return [spacing] * len(dims)
    if not isinstance(spacing, (list, tuple)):
        raise TypeError(
            f"{_NAME}: spacing must be a number, a 0-d tensor, or a list of numbers or 1-d coordinate "
            f"tensors, got {type(spacing).__name__}"
        )
    if len(spacing) != len(dims) and all_dims:
        raise RuntimeError(
            f"{_NAME} expected spacing to be unspecified, a scalar, or a list of length equal to "
            f"'self.dim() = {input.ndim}', since dim argument was not given, but got a list of length "
            f"{len(spacing)}"
        )
    if len(spacing) != len(dims):
        raise RuntimeError(
            f"{_NAME} expected spacing to be unspecified, a scalar or it's spacing and dim arguments to have "
            f"the same length, but got a spacing argument of length {len(spacing)} and a dim argument of "
            f"length {len(dims)}."
        )
    steps = []
    for d, step in zip(dims, spacing):
        if isinstance(step, Tensor):
            if step.ndim != 1:
                raise RuntimeError(
                    f"{_NAME} expected each element of spacing to have one dimension, but got an element "
                    f"with {step.ndim} dimensions!"
                )
            if step.shape[0] != input.shape[d]:
                raise RuntimeError(
                    f"{_NAME} expected each tensor to be on the same device and have one coordinate per "
                    f"sample: dimension {d} has {input.shape[d]} samples, coordinates of shape "
                    f"{tuple(step.shape)}"
                )
        elif not isinstance(step, numbers.Number) or isinstance(step, bool):
            raise TypeError(
                f"{_NAME}: each spacing must be a number or a 1-d tensor, got {type(step).__name__}"
            )
        steps.append(step)
    return steps


def _along(f: Tensor, dim: int, step: object, edge_order: int) -> Tensor:
    """The derivative of ``f`` along ``dim``: central inside, one-sided at the ends, joined by ``cat``."""
    n = f.shape[dim]

    def rows(start: int, length: int) -> Tensor:
        return f.narrow(dim, start, length)

    def column(values: Tensor) -> Tensor:  # coefficients along dim, broadcast over the other dims
        return values.reshape([-1] + [1] * (f.ndim - 1 - dim))

    if isinstance(step, Tensor):
        common = promote_types(f.dtype, step.dtype)  # float64 coordinates: a float64 result, as in PyTorch
        f, step = f.to(common), step.to(common)
        h = step[1:] - step[:-1]  # n - 1 gaps
        h1, h2 = h[:-1], h[1:]
        inside = (
            rows(0, n - 2) * column(-h2 / (h1 * (h1 + h2)))
            + rows(1, n - 2) * column((h2 - h1) / (h1 * h2))
            + rows(2, n - 2) * column(h1 / (h2 * (h1 + h2)))
        )
        if edge_order == 1:
            first = (rows(1, 1) - rows(0, 1)) / h[0]
            last = (rows(n - 1, 1) - rows(n - 2, 1)) / h[-1]
        else:
            a, b = h[0], h[1]
            first = (
                rows(0, 1) * (-(2 * a + b) / (a * (a + b)))
                + rows(1, 1) * ((a + b) / (a * b))
                + rows(2, 1) * (-a / (b * (a + b)))
            )
            a, b = h[-2], h[-1]
            last = (
                rows(n - 3, 1) * (b / (a * (a + b)))
                + rows(n - 2, 1) * (-(a + b) / (a * b))
                + rows(n - 1, 1) * ((2 * b + a) / (b * (a + b)))
            )
    else:
        inside = (rows(2, n - 2) - rows(0, n - 2)) / (2 * step)
        if edge_order == 1:
            first = (rows(1, 1) - rows(0, 1)) / step
            last = (rows(n - 1, 1) - rows(n - 2, 1)) / step
        else:
            first = (rows(0, 1) * -1.5 + rows(1, 1) * 2.0 - rows(2, 1) * 0.5) / step
            last = (rows(n - 3, 1) * 0.5 - rows(n - 2, 1) * 2.0 + rows(n - 1, 1) * 1.5) / step
    return cat([first, inside, last], dim)
