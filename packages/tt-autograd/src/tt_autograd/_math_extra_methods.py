"""Recorded forms of tt-tensor's element-wise methods beyond the exercises: ``log1p``, ``atan2``, ...

A mixin of :class:`~tt_autograd.Tensor` (kept out of ``tensor.py`` to keep that
file one sitting long). Each method here runs a fused Function of
``functions/math_extra.py``; the compositions of tt-tensor's
``MathExtraMixin`` (``lerp``, ``addcmul``, ``addcdiv``, ``logit``, ``frac``,
``nan_to_num``) are inherited and recorded through the methods they call.
"""

from __future__ import annotations

import tt_tensor
from tt_tensor.dtypes import check_float_kernel_operands
from tt_tensor.tensor import operand

from .functions import math_extra
from .functions.rounding import StepFunction


def _other(value: object) -> object:
    """The second operand of a Function: a tensor passes through (to be recorded), the rest becomes NumPy."""
    return value if isinstance(value, tt_tensor.Tensor) else operand(value)


def _float_operand(op: str, tensor: tt_tensor.Tensor, value: object) -> object:
    """``_other(value)``, refused with ``tensor`` when both are integers or bools: ``op`` has no such
    kernel in PyTorch 2.13 (NotImplementedError, as its)."""
    other = _other(value)
    check_float_kernel_operands(op, tensor.array, getattr(other, "array", other))
    return other


class MathExtraGradMixin(tt_tensor.Tensor):
    """The differentiable element-wise methods beyond the exercises."""

    def log1p(self):
        return self._math("log1p", math_extra.Log1pFunction)

    def expm1(self):
        return self._math("expm1", math_extra.Expm1Function)

    def log2(self):
        return self._math("log2", math_extra.Log2Function)

    def log10(self):
        return self._math("log10", math_extra.Log10Function)

    def exp2(self):
        return self._math("exp2", math_extra.Exp2Function)

    def sinh(self):
        return self._math("sinh", math_extra.SinhFunction)

    def cosh(self):
        return self._math("cosh", math_extra.CoshFunction)

    def tan(self):
        return self._math("tan", math_extra.TanFunction)

    def asin(self):
        return self._math("asin", math_extra.AsinFunction)

    def acos(self):
        return self._math("acos", math_extra.AcosFunction)

    def atan(self):
        return self._math("atan", math_extra.AtanFunction)

    def asinh(self):
        return self._math("asinh", math_extra.AsinhFunction)

    def acosh(self):
        return self._math("acosh", math_extra.AcoshFunction)

    def atanh(self):
        return self._math("atanh", math_extra.AtanhFunction)

    def atan2(self, other):
        return math_extra.Atan2Function.apply(self, _other(other))

    def hypot(self, other):  # (not of two integer or bool operands, as PyTorch)
        return math_extra.HypotFunction.apply(self, _float_operand("hypot", self, other))

    def logaddexp(self, other):  # (not of two integer or bool operands, as PyTorch)
        return math_extra.LogaddexpFunction.apply(self, _float_operand("logaddexp", self, other))

    def xlogy(self, other):
        return math_extra.XlogyFunction.apply(self, _other(other))

    def copysign(self, other):
        return math_extra.CopysignFunction.apply(self, _other(other))

    def fmod(self, other):
        return math_extra.FmodFunction.apply(self, _other(other))

    def trunc(self):  # piecewise constant: a zero gradient, as floor's (functions/rounding.py)
        return StepFunction.apply(self, kind="trunc")
