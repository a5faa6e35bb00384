"""The rest of ``torch.special``: ``entr``, ``sinc``, ``xlog1py``, and the names it shares with the top level.

Fused here (element-wise, their edge values need care):

* ``entr(x) = -x log x`` for ``x > 0``, 0 at 0, ``-inf`` for ``x < 0``; backward ``-(log x + 1)``.
* ``sinc(x) = sin(pi x) / (pi x)``, 1 at 0; backward ``(cos(pi x) - sinc(x)) / x``, and its
  Taylor series for ``|x| < 1/4``, where that difference cancels.
* ``xlog1py(x, y) = x * log1p(y)``, 0 where ``x == 0`` unless ``y`` is NaN (as ``xlogy``);
  broadcasts; either argument may be a Python number. Backward: ``log1p(y)`` for ``x``
  (0 where ``x == 0`` and ``y <= -1``), ``x / (1 + y)`` for ``y``.

Each backward is recorded under ``create_graph=True`` (tensor operations, differentiable again),
with PyTorch's formulas and so its values at the edges, but for ``sinc`` near 0 (see ``SincFunction``).

The others are the top level's own functions under their ``torch.special`` names (one
implementation each): ``expit`` is ``sigmoid``, ``gammaln`` is ``lgamma``, ``psi`` is
``digamma``, ``multigammaln`` is ``mvlgamma``; ``logit``, ``xlogy``, ``exp2``, ``expm1``,
``log1p``, ``logsumexp`` are tt-autograd's; ``softmax`` and ``log_softmax`` are
``torch.nn.functional``'s. ``round(input, *, decimals=0)`` is tt-autograd's ``round`` with
PyTorch's ``decimals`` added: ``round(x * 10^d) / 10^d`` (``round(x / 10^-d) * 10^-d`` for
``d < 0``), halves to even as PyTorch, composed (its gradient is 0, as ``round``'s).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import tt_autograd
from tt_autograd import Function, unbroadcast
from tt_autograd.higher_order import sum_to

from ..functional._checks import tensor_arg
from ..functional.half_precision import through_float32
from ._inputs import float_input


class EntrFunction(Function):
    """``-x log x`` (0 at 0, ``-inf`` below); backward ``-(log x + 1)``.

    Its recorded derivative is ``-1 / x`` (``log``'s), everywhere, as PyTorch's: ``-inf`` at 0 and
    ``-1 / x`` for ``x < 0``, where the first derivative is NaN and the function the constant ``-inf``.
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(all="ignore"):
            y = -x * np.log(x)
            y = np.where(x == 0, x.dtype.type(0), y)
            return np.where(x < 0, x.dtype.type(-np.inf), y)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return (grad * -(np.log(x) + 1),)

    @staticmethod
    def graph_backward(ctx, grad):  # backward on tensors (tt_autograd.higher_order)
        return (grad * -(ctx.input_tensor(0, ctx.saved_tensors[0]).log() + 1),)


#: ``(-1)^k 2k / (2k+1)!``, k = 1 .. 8: ``sinc'(x) = pi^2 x sum_k c_k (pi x)^(2k-2)``.
_SINC_SLOPE_SERIES = tuple((-1) ** k * 2 * k / math.factorial(2 * k + 1) for k in range(1, 9))
_SINC_SERIES_BELOW = 0.25  # |x| below which sinc' is its series (the first term left out is 1e-17 of
# the sum), where the closed form (cos(pi x) - sinc(x)) / x loses ~1e-15 (and all its digits as x -> 0)


def _sinc_slope_near_zero(x):
    """``sinc'(x)`` for ``|x| < 1/4`` from its Taylor series, on an array or on a tensor (recorded)."""
    z = x * x * np.pi**2
    total = _SINC_SLOPE_SERIES[-1]
    for c in _SINC_SLOPE_SERIES[-2::-1]:
        total = z * total + c
    return x * total * np.pi**2


class SincFunction(Function):
    """``sin(pi x) / (pi x)`` (1 at 0); backward ``(cos(pi x) - sinc(x)) / x``, its series for ``|x| < 1/4``.

    The closed form cancels near 0: PyTorch 2.13's first derivative (that formula) is 7e-6 off at
    ``x = 1e-6``, 36% at ``1e-8``, 0 below ``3e-9``; its second derivative is NaN at 0 (its ``0 / 0``
    leaks through its ``where``), 0 or off by O(1) below ``1e-8``. The series is right to 1e-17 there,
    and recorded (``create_graph=True``) as it is, so every derivative is right at and near 0:
    ``sinc''(0) = -pi^2 / 3``, ``sinc'''(0) = 0``, ``sinc''''(0) = pi^4 / 5``.
    """

    @staticmethod
    def forward(ctx, x):
        with np.errstate(all="ignore"):
            angle = np.pi * x
            y = np.where(x == 0, x.dtype.type(1), np.sin(angle) / angle)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        near = np.abs(x) < _SINC_SERIES_BELOW
        with np.errstate(all="ignore"):
            slope = np.asarray((np.cos(np.pi * x) - y) / x)
        slope[near] = _sinc_slope_near_zero(x[near])
        return (grad * slope,)

    @staticmethod
    def graph_backward(ctx, grad):  # the same two forms; x replaced by 1 near 0 in the closed one
        x, y = ctx.saved_tensors
        far = np.asarray(~(np.abs(x) < _SINC_SERIES_BELOW))
        x_t = ctx.input_tensor(0, x)
        safe = x_t.where(far, 1.0)
        closed = ((safe * np.pi).cos() - ctx.output_tensor(y)) / safe
        return (grad * closed.where(far, _sinc_slope_near_zero(x_t)),)


def _xlog1py(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        product = x * np.log1p(y)
    return np.where((x == 0) & ~np.isnan(y), product.dtype.type(0), product)


class Xlog1pyFunction(Function):
    """``x * log1p(y)``, 0 where ``x == 0`` unless ``y`` is NaN; broadcasts.

    The gradient for ``x`` is ``xlog1py(grad, y)``, as PyTorch's: 0 where ``grad`` is 0, also at
    ``y = -1``. Recorded (``create_graph=True``) with this function itself, so its derivative in
    ``y`` is ``grad / (1 + y)``, and the one for ``y``, ``grad x / (1 + y)``, with tensor operations.
    """

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return _xlog1py(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        grad_x = grad_y = None
        with np.errstate(all="ignore"):
            if need_x:
                dropped = (x == 0) & (y <= -1)
                grad_x = unbroadcast(np.where(dropped, grad.dtype.type(0), _xlog1py(grad, y)), x.shape)
            if need_y:
                grad_y = unbroadcast(grad * x / (1 + y), y.shape)
        return grad_x, grad_y

    @staticmethod
    def graph_backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        grad_x = grad_y = None
        if need_x:
            kept = np.asarray(~((x == 0) & (y <= -1)))
            grad_x = sum_to(Xlog1pyFunction.apply(grad, ctx.input_tensor(1, y)).where(kept, 0.0), x.shape)
        if need_y:
            grad_y = sum_to(grad * ctx.input_tensor(0, x) / (ctx.input_tensor(1, y) + 1), y.shape)
        return grad_x, grad_y


def entr(input):  # noqa: A002  (PyTorch's argument name)
    """The elementwise entropy ``-x log(x)`` (0 at 0, ``-inf`` for ``x < 0``); integers promote to float32.

    Example:
        >>> entr(tt_autograd.tensor([0.0, 0.5, -1.0]))  # doctest: +SKIP
        tensor([0.0000, 0.3466,   -inf])
    """
    return EntrFunction.apply(float_input("entr", input))


def sinc(input):  # noqa: A002
    """The normalised sinc ``sin(pi x) / (pi x)``, 1 at 0 (complex tensors too, as in PyTorch).

    Example:
        >>> sinc(tt_autograd.tensor([0.0, 0.5]))  # doctest: +SKIP
        tensor([1.0000, 0.6366])
    """
    if isinstance(input, tt_autograd.Tensor) and input.is_complex():
        return _complex_sinc(input)
    return through_float32(SincFunction.apply, float_input("sinc", input))


def _complex_sinc(z: tt_autograd.Tensor) -> tt_autograd.Tensor:
    """``sin(pi z) / (pi z)`` (1 at 0) of a complex tensor, composed from recorded complex ops.

    PyTorch's complex sinc and its gradient use the closed form too (no series near 0).
    """
    nonzero = np.asarray(z.array != 0)
    angle = z.where(nonzero, 1.0) * np.pi
    return (angle.sin() / angle).where(nonzero, 1.0)


def _operand(value: object, other: tt_autograd.Tensor, name: str) -> np.ndarray:
    """The Python number ``value`` as a 0-d array in the float dtype of the tensor ``other``."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        dtype = float_input("xlog1py", other).array.dtype
        return np.asarray(value, dtype=dtype)
    raise TypeError(
        f"xlog1py: '{name}' must be a Tensor or a number, got {type(value).__name__} (at least one a Tensor)"
    )


def xlog1py(input, other):  # noqa: A002
    """``input * log1p(other)``, and 0 where ``input == 0`` (unless ``other`` is NaN); broadcasts.

    Args:
        input: a tensor or a number.
        other: a tensor or a number (at least one of the two is a tensor).

    Shape:
        ``input`` and ``other`` broadcast together; the output has the broadcast shape.

    Example:
        >>> xlog1py(tt_autograd.tensor([0.0, 2.0]), tt_autograd.tensor([-1.0, 1.0]))  # doctest: +SKIP
        tensor([0.0000, 1.3863])
    """
    if not isinstance(input, tt_autograd.Tensor) and not isinstance(other, tt_autograd.Tensor):
        raise TypeError(
            f"xlog1py: at least one argument must be a Tensor, got {type(input).__name__} and "
            f"{type(other).__name__}; wrap one in torch.tensor(...)"
        )
    x = input if isinstance(input, tt_autograd.Tensor) else _operand(input, other, "input")
    y = other if isinstance(other, tt_autograd.Tensor) else _operand(other, input, "other")
    if isinstance(x, tt_autograd.Tensor):
        x = float_input("xlog1py", x)
    if isinstance(y, tt_autograd.Tensor):
        y = float_input("xlog1py", y, "other")
    return Xlog1pyFunction.apply(x, y)


def round(input, *, decimals: int = 0):  # noqa: A001, A002  (PyTorch's names)
    """Round to ``decimals`` decimal places, halves to even: ``round(x * 10^d) / 10^d``.

    Args:
        input: a tensor; with ``decimals != 0`` a floating-point one (as PyTorch).
        decimals: places to keep after the point; negative rounds to tens, hundreds, ...

    Example:
        >>> round(tt_autograd.tensor([1.567, -15.0]), decimals=1)  # doctest: +SKIP
        tensor([  1.6000, -15.0000])
    """
    x = tensor_arg("round", input)
    if isinstance(decimals, bool) or not isinstance(decimals, int):
        raise TypeError(f"round: decimals must be an int, got {type(decimals).__name__} {decimals!r:.40}")
    if decimals == 0:
        return x.round()
    if not x.is_floating_point():
        raise NotImplementedError(
            f"round: decimals={decimals} needs a floating-point tensor, got dtype {x.dtype.name}; "
            "convert it with .float() first"
        )
    if decimals > 0:
        return (x * 10.0**decimals).round() / 10.0**decimals
    return (x / 10.0**-decimals).round() * 10.0**-decimals
