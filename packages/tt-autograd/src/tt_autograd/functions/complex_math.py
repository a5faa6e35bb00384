"""Element-wise math of complex tensors: ``exp``, ``log``, ``sqrt``, ``sin``, ..., ``pow``, ``sgn``.

The real Functions of these ops (``functions/unary.py``, ``math_extra.py``)
convert their input to a real float in forward, so complex tensors take these
instead (``Tensor.sin`` and the others choose by dtype). Each op here but
``sgn`` is holomorphic: with derivative ``f'(z)`` its gradient is
``grad * conj(f'(z))`` (:mod:`tt_autograd.complex_grad`), the formulas of
PyTorch's ``derivatives.yaml``. A Function gives its ``kernel`` (forward on
arrays), its ``slope`` ``f'(z)`` on arrays (``z`` and ``out = f(z)``) and the
same slope in tensor operations (``graph_slope``) for ``create_graph=True``;
those operations are complex ones again, so every order is recorded.

``sgn(z) = z / |z|`` is not holomorphic: with ``s = sgn(z)`` its gradient is
the part of ``grad`` orthogonal to ``s``, over ``|z|``:
``(grad - s Re(conj(s) grad)) / |z|``, 0 at ``z = 0`` (PyTorch's ``sgn_backward``).

Cost: one kernel call forward, one slope and one multiply backward; each
Function keeps its input and output.
"""

from __future__ import annotations

import math

import numpy as np
from tt_tensor.dtypes import from_numpy_dtype

from ..function import Function, unbroadcast
from ..higher_order import sum_to
from .arithmetic import PowFunction, _masked, _shape

OWN = "own"
LN2, LN10 = math.log(2.0), math.log(10.0)


class HolomorphicFunction(Function):
    """Base of the holomorphic element-wise ops: a subclass gives ``kernel``, ``slope``, ``graph_slope``."""

    complex_gradient = OWN

    @staticmethod
    def forward(ctx, a):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = type(ctx).kernel(a)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return (grad * np.conj(type(ctx).slope(a, out)),)

    @staticmethod
    def graph_backward(ctx, grad):
        a, out = ctx.saved_tensors
        return (grad * type(ctx).graph_slope(ctx.input_tensor(0, a), ctx.output_tensor(out)).conj(),)


def _holomorphic(name: str, doc: str, kernel, slope, graph_slope=None) -> type:
    """A :class:`HolomorphicFunction` named ``Complex<name>Function``; ``graph_slope`` defaults to
    ``slope`` (a formula of arithmetic only reads the same on arrays and on tensors)."""
    namespace = {
        "kernel": staticmethod(kernel),
        "slope": staticmethod(slope),
        "graph_slope": staticmethod(graph_slope or slope),
        "__doc__": doc,
        "__module__": __name__,
    }
    return type(f"Complex{name}Function", (HolomorphicFunction,), namespace)


ComplexExpFunction = _holomorphic(
    "Exp", "``exp(z)``; slope ``exp(z)``, the output.", np.exp, lambda z, out: out
)
ComplexLogFunction = _holomorphic(
    "Log", "``log(z)``, principal branch; slope ``1/z``.", np.log, lambda z, out: 1 / z
)
ComplexLog2Function = _holomorphic(
    "Log2", "``log2(z)``; ``1/(z ln 2)``.", np.log2, lambda z, out: 1 / (z * LN2)
)
ComplexLog10Function = _holomorphic(
    "Log10", "``log10(z)``; slope ``1/(z ln 10)``.", np.log10, lambda z, out: 1 / (z * LN10)
)
ComplexLog1pFunction = _holomorphic(
    "Log1p", "``log(1 + z)``; ``1/(1+z)``.", np.log1p, lambda z, out: 1 / (z + 1)
)
ComplexExpm1Function = _holomorphic(
    "Expm1", "``exp(z) - 1``; slope ``exp(z)``.", np.expm1, lambda z, out: out + 1
)
ComplexSqrtFunction = _holomorphic(
    "Sqrt", "``sqrt(z)``, principal branch; slope ``1/(2 sqrt(z))``.", np.sqrt, lambda z, out: 0.5 / out
)
ComplexReciprocalFunction = _holomorphic(
    "Reciprocal", "``1/z``; slope ``-1/z^2``.", np.reciprocal, lambda z, out: -out * out
)
ComplexSinFunction = _holomorphic(
    "Sin", "``sin(z)``; slope ``cos(z)``.", np.sin, lambda z, out: np.cos(z), lambda z, out: z.cos()
)
ComplexCosFunction = _holomorphic(
    "Cos", "``cos(z)``; slope ``-sin(z)``.", np.cos, lambda z, out: -np.sin(z), lambda z, out: -z.sin()
)
ComplexTanFunction = _holomorphic(
    "Tan", "``tan(z)``; slope ``1 + tan^2``.", np.tan, lambda z, out: 1 + out * out
)
ComplexSinhFunction = _holomorphic(
    "Sinh", "``sinh(z)``; slope ``cosh(z)``.", np.sinh, lambda z, out: np.cosh(z), lambda z, out: z.cosh()
)
ComplexCoshFunction = _holomorphic(
    "Cosh", "``cosh(z)``; slope ``sinh(z)``.", np.cosh, lambda z, out: np.sinh(z), lambda z, out: z.sinh()
)
ComplexTanhFunction = _holomorphic(
    "Tanh", "``tanh(z)``; slope ``1 - tanh^2``.", np.tanh, lambda z, out: 1 - out * out
)
ComplexAsinFunction = _holomorphic(
    "Asin",
    "``asin(z)``, principal branch; slope ``1/sqrt(1 - z^2)``.",
    np.arcsin,
    lambda z, out: 1 / np.sqrt(1 - z * z),
    lambda z, out: (1 - z * z).rsqrt(),
)
ComplexAcosFunction = _holomorphic(
    "Acos",
    "``acos(z)``, principal branch; slope ``-1/sqrt(1 - z^2)``.",
    np.arccos,
    lambda z, out: -1 / np.sqrt(1 - z * z),
    lambda z, out: -(1 - z * z).rsqrt(),
)
ComplexAtanFunction = _holomorphic(
    "Atan", "``atan(z)``, principal branch; slope ``1/(1 + z^2)``.", np.arctan, lambda z, out: 1 / (1 + z * z)
)
ComplexAsinhFunction = _holomorphic(
    "Asinh",
    "``asinh(z)``, principal branch; slope ``1/sqrt(1 + z^2)``.",
    np.arcsinh,
    lambda z, out: 1 / np.sqrt(1 + z * z),
    lambda z, out: (1 + z * z).rsqrt(),
)
ComplexAcoshFunction = _holomorphic(
    "Acosh",
    "``acosh(z)``, principal branch; slope ``1/(sqrt(z - 1) sqrt(z + 1))`` (not ``(z^2 - 1)^(-1/2)``, "
    "whose sign is wrong for Re z < 0).",
    np.arccosh,
    lambda z, out: 1 / (np.sqrt(z - 1) * np.sqrt(z + 1)),
    lambda z, out: ((z - 1).sqrt() * (z + 1).sqrt()).reciprocal(),
)
ComplexAtanhFunction = _holomorphic(
    "Atanh",
    "``atanh(z)``, principal branch; slope ``1/(1 - z^2)``.",
    np.arctanh,
    lambda z, out: 1 / (1 - z * z),
)
ComplexExp2Function = _holomorphic("Exp2", "``2^z``; slope ``2^z ln 2``.", np.exp2, lambda z, out: out * LN2)
ComplexSigmoidFunction = _holomorphic(
    "Sigmoid",
    "``1/(1 + exp(-z))``; slope ``s (1 - s)``.",
    lambda z: 1 / (1 + np.exp(-z)),
    lambda z, out: out * (1 - out),
)

#: ``{method name: Function}`` of the element-wise methods that take complex tensors here.
HOLOMORPHIC = {
    "exp": ComplexExpFunction,
    "log": ComplexLogFunction,
    "log2": ComplexLog2Function,
    "log10": ComplexLog10Function,
    "log1p": ComplexLog1pFunction,
    "expm1": ComplexExpm1Function,
    "sqrt": ComplexSqrtFunction,
    "reciprocal": ComplexReciprocalFunction,
    "sin": ComplexSinFunction,
    "cos": ComplexCosFunction,
    "tan": ComplexTanFunction,
    "sinh": ComplexSinhFunction,
    "cosh": ComplexCoshFunction,
    "tanh": ComplexTanhFunction,
    "asin": ComplexAsinFunction,
    "acos": ComplexAcosFunction,
    "atan": ComplexAtanFunction,
    "asinh": ComplexAsinhFunction,
    "acosh": ComplexAcoshFunction,
    "atanh": ComplexAtanhFunction,
    "exp2": ComplexExp2Function,
    "sigmoid": ComplexSigmoidFunction,
}


class ComplexSgnFunction(Function):
    """``sgn(z) = z / |z|`` (0 at 0); gradient ``(grad - s Re(conj(s) grad)) / |z|``, 0 at 0."""

    complex_gradient = OWN

    @staticmethod
    def forward(ctx, a):
        magnitude = np.abs(a)
        zero = magnitude == 0
        out = np.where(zero, 0, a / np.where(zero, 1, magnitude)).astype(a.dtype)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        magnitude = np.abs(a)
        zero = magnitude == 0
        along = (np.conj(out) * grad).real
        return (np.where(zero, 0, (grad - out * along) / np.where(zero, 1, magnitude)).astype(a.dtype),)

    @staticmethod
    def graph_backward(ctx, grad):
        a, out = ctx.saved_tensors
        zero = np.abs(a) == 0
        z, s = ctx.input_tensor(0, a), ctx.output_tensor(out)
        magnitude = _masked(z.abs(), zero, 1.0)
        return (_masked((grad - s * (s.conj() * grad).real) / magnitude, zero, 0.0),)


class ComplexPowFunction(PowFunction):
    """``a ** b`` with a complex base or exponent (forward is the real one's).

    Gradients (PyTorch's ``pow_backward_self`` / ``pow_backward_exponent``):
    ``grad * conj(b a^(b-1))`` to ``a`` (0 where ``b == 0``) and
    ``grad * conj(a^b log(a))`` to ``b``, with ``log`` of ``a`` taken as complex
    (a negative real base has ``log|a| + i pi``) and 0 where ``a == 0`` and ``b``
    is real and non-negative. A real operand gets the real part.
    """

    complex_gradient = OWN

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if need_a:
                zero = np.equal(b, 0)
                local = np.where(zero, 0, b * np.power(a, np.where(zero, 1, b) - 1))
                grad_a = _part(unbroadcast(grad * np.conj(local), _shape(a)), a)
            if need_b:
                edge = _log_edge(a, b)
                log_a = np.log(np.where(edge, 1, a).astype(out.dtype))
                grad_b = _part(unbroadcast(grad * np.conj(np.where(edge, 0, out * log_a)), _shape(b)), b)
        return grad_a, grad_b

    @staticmethod
    def graph_backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return (
                _graph_base_grad(ctx, grad, a, b) if need_a else None,
                _graph_exponent_grad(ctx, grad, a, b, out) if need_b else None,
            )


def _graph_base_grad(ctx: Function, grad: object, a: object, b: object) -> object:
    """``grad * conj(b a^(b-1))`` in tensor operations; exponent 1 where ``b == 0`` keeps the next
    derivative finite there."""
    a_t, b_t = ctx.input_tensor(0, a), ctx.input_tensor(1, b)
    zero = np.equal(b, 0)
    local = _masked(b_t * a_t ** (_masked(b_t, zero, 1) - 1), zero, 0.0)
    return _part_t(sum_to(grad * _conj(local), _shape(a)), a)


def _graph_exponent_grad(ctx: Function, grad: object, a: object, b: object, out: np.ndarray) -> object:
    """``grad * conj(a^b log(a))`` in tensor operations, 0 at :func:`_log_edge`."""
    edge = _log_edge(a, b)
    base = _masked(_complex(ctx.input_tensor(0, a), out.dtype), edge, 1.0)
    log_a = base.log() if hasattr(base, "grad_fn") else np.log(base)
    local = _masked(ctx.output_tensor(out) * log_a, edge, 0.0)
    return _part_t(sum_to(grad * _conj(local), _shape(b)), b)


def power(a: object, b: object) -> object:
    """``a ** b``, by :class:`ComplexPowFunction` when either side is complex, else by ``PowFunction``."""
    return (ComplexPowFunction if is_complex(a) or is_complex(b) else PowFunction).apply(a, b)


def is_complex(value: object) -> bool:
    """Whether ``value`` (a tensor, an array or a Python number) is complex."""
    return np.iscomplexobj(getattr(value, "array", value))


def _log_edge(a: object, b: object) -> np.ndarray:
    """Where ``a == 0`` and ``b`` is real and ``>= 0``: there ``d(a^b)/db`` is 0, as in PyTorch."""
    return np.asarray(np.equal(a, 0) & np.equal(np.imag(b), 0) & (np.real(b) >= 0))


def _part(grad: np.ndarray, operand: object) -> np.ndarray:
    """A real operand's gradient is the real part of ``grad``."""
    return grad if np.iscomplexobj(operand) else np.ascontiguousarray(grad.real)


def _part_t(grad: object, operand: object) -> object:
    return grad if np.iscomplexobj(operand) else grad.real


def _conj(value: object) -> object:
    return value.conj() if hasattr(value, "grad_fn") else np.conj(value)


def _complex(value: object, dtype: np.dtype) -> object:
    """``value`` (tensor or constant) in the complex ``dtype``."""
    if hasattr(value, "grad_fn"):
        return value if value.array.dtype == dtype else value.to(from_numpy_dtype(dtype))
    return np.asarray(value, dtype=dtype)
