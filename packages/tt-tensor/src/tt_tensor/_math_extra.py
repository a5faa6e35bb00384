"""Tensor methods for more element-wise math: ``log1p``, ``atan2``, ``xlogy``, ``lerp``, ``fmod``, ...

Not course material (module 01's exercises stop at ``_math.py``). The kernels
live in :mod:`tt_tensor.pointwise_extra`. Methods that are compositions of
other methods (``lerp``, ``addcmul``, ``addcdiv``, ``logit``, ``frac``,
``nan_to_num``, ``clamp_min``, ``clamp_max``) are written with those methods, so
a subclass that records them (tt-autograd) differentiates these for free;
``signbit``, ``heaviside``, ``gcd`` and ``lcm`` have no gradient (booleans,
integers, a step); the others are overridden there by fused Functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import pointwise, pointwise_extra
from ._base import TensorBase, operand
from .checks import check_number
from .dtypes import check_float_kernel_operands

if TYPE_CHECKING:
    from .tensor import Tensor


class MathExtraMixin(TensorBase):
    """More element-wise functions of :class:`Tensor` (PyTorch's names and signatures)."""

    # ------------------------------------------------------------ one tensor, float-only
    def log1p(self) -> Tensor:
        """``log(1 + self)``, precise for small ``self``."""
        return self.from_array(pointwise_extra.unary_float("log1p", self.array))

    def expm1(self) -> Tensor:
        """``exp(self) - 1``, precise for small ``self``."""
        return self.from_array(pointwise_extra.unary_float("expm1", self.array))

    def log2(self) -> Tensor:
        """Base-2 logarithm."""
        return self.from_array(pointwise_extra.unary_float("log2", self.array))

    def log10(self) -> Tensor:
        """Base-10 logarithm."""
        return self.from_array(pointwise_extra.unary_float("log10", self.array))

    def exp2(self) -> Tensor:
        """``2 ** self``."""
        return self.from_array(pointwise_extra.unary_float("exp2", self.array))

    def sinh(self) -> Tensor:
        """Hyperbolic sine."""
        return self.from_array(pointwise_extra.unary_float("sinh", self.array))

    def cosh(self) -> Tensor:
        """Hyperbolic cosine."""
        return self.from_array(pointwise_extra.unary_float("cosh", self.array))

    def tan(self) -> Tensor:
        """Tangent."""
        return self.from_array(pointwise_extra.unary_float("tan", self.array))

    def asin(self) -> Tensor:
        """Inverse sine, in ``[-pi/2, pi/2]`` (NaN outside ``[-1, 1]``)."""
        return self.from_array(pointwise_extra.unary_float("asin", self.array))

    def acos(self) -> Tensor:
        """Inverse cosine, in ``[0, pi]`` (NaN outside ``[-1, 1]``)."""
        return self.from_array(pointwise_extra.unary_float("acos", self.array))

    def atan(self) -> Tensor:
        """Inverse tangent, in ``(-pi/2, pi/2)``."""
        return self.from_array(pointwise_extra.unary_float("atan", self.array))

    def asinh(self) -> Tensor:
        """Inverse hyperbolic sine."""
        return self.from_array(pointwise_extra.unary_float("asinh", self.array))

    def acosh(self) -> Tensor:
        """Inverse hyperbolic cosine (NaN below 1)."""
        return self.from_array(pointwise_extra.unary_float("acosh", self.array))

    def atanh(self) -> Tensor:
        """Inverse hyperbolic tangent (NaN outside ``[-1, 1]``, +-inf at +-1)."""
        return self.from_array(pointwise_extra.unary_float("atanh", self.array))

    arcsin, arccos, arctan = asin, acos, atan
    arcsinh, arccosh, arctanh = asinh, acosh, atanh

    # ------------------------------------------------------------ two tensors, broadcasting
    def atan2(self, other: Tensor) -> Tensor:
        """Angle of the point ``(x=other, y=self)`` in ``[-pi, pi]``, by quadrant."""
        return self.from_array(pointwise_extra.atan2(self.array, operand(other)))

    arctan2 = atan2

    def hypot(self, other: Tensor) -> Tensor:
        """``sqrt(self**2 + other**2)`` without overflow (not of two integer or bool operands, as PyTorch)."""
        check_float_kernel_operands("hypot", self.array, operand(other))
        return self.from_array(pointwise_extra.hypot(self.array, operand(other)))

    def logaddexp(self, other: Tensor) -> Tensor:
        """``log(exp(self) + exp(other))`` without overflow (not of two integer or bool operands, as
        PyTorch)."""
        check_float_kernel_operands("logaddexp", self.array, operand(other))
        return self.from_array(pointwise_extra.logaddexp(self.array, operand(other)))

    def xlogy(self, other: object) -> Tensor:
        """``self * log(other)``, and 0 where ``self == 0`` (unless ``other`` is NaN)."""
        return self.from_array(pointwise_extra.xlogy(self.array, operand(other)))

    def copysign(self, other: object) -> Tensor:
        """``|self|`` with the sign of ``other`` (a float; ``-0.0`` counts as negative)."""
        return self.from_array(pointwise_extra.copysign(self.array, operand(other)))

    def fmod(self, other: object) -> Tensor:
        """C's remainder: the sign of ``self`` (``torch.remainder``/``%`` takes the divisor's)."""
        return self.from_array(pointwise_extra.fmod(self.array, operand(other)))

    # ------------------------------------------------------------ one-sided clamps, signs and steps
    def clamp_min(self, min: object) -> Tensor:  # noqa: A002  (PyTorch's name)
        """``clamp(min=min)``: values below ``min`` (a number or a tensor) become ``min``."""
        return self.clamp(min=min)

    def clamp_max(self, max: object) -> Tensor:  # noqa: A002
        """``clamp(max=max)``: values above ``max`` become ``max``."""
        return self.clamp(max=max)

    def signbit(self) -> Tensor:
        """True where the sign bit is set: negative numbers, ``-0.0`` and ``-nan``; a bool tensor."""
        return self.from_array(np.signbit(self.array))

    def heaviside(self, values: Tensor) -> Tensor:
        """The step function: 0 below 0, 1 above, ``values`` (broadcast) at 0. Same dtypes only, as PyTorch.

        No gradient: PyTorch raises on backward through it; here the result is simply outside the graph.
        """
        other = np.asarray(operand(values))
        if other.dtype != self.array.dtype:
            raise RuntimeError(
                f"heaviside is not yet implemented for tensors with different dtypes ({self.array.dtype} and "
                f"{other.dtype}); convert values with .to(input.dtype)"
            )
        # PyTorch's rule, "values where x == 0, else x > 0": NaN gives 0 (NumPy's heaviside gives NaN)
        stepped = np.where(self.array == 0, other, self.array > 0)
        return self.from_array(stepped.astype(self.array.dtype, copy=False))

    # ------------------------------------------------------------ integer divisors
    def gcd(self, other: Tensor) -> Tensor:
        """Greatest common divisor, element-wise (non-negative; ``gcd(0, 0) = 0``); integers only."""
        return self.from_array(_integer_pair("gcd", np.gcd, self.array, operand(other)))

    def lcm(self, other: Tensor) -> Tensor:
        """Least common multiple, element-wise (non-negative; 0 if either is 0); integers only."""
        return self.from_array(_integer_pair("lcm", np.lcm, self.array, operand(other)))

    # ------------------------------------------------------------ rounding toward zero
    def trunc(self) -> Tensor:
        """Round toward zero (keeps the dtype)."""
        return self.from_array(np.trunc(self.array))

    fix = trunc

    def frac(self) -> Tensor:
        """``self - trunc(self)``: the fractional part, signed like ``self`` (floats only, as in PyTorch)."""
        if self.array.dtype.kind != "f":
            raise TypeError(
                f"frac: expected a floating-point tensor, got {self.dtype}; convert with .float()"
            )
        return self - self.trunc()

    # ------------------------------------------------------------ compositions
    def lerp(self, end: Tensor, weight: object) -> Tensor:
        """``self + weight * (end - self)``; ``weight`` is a number or a tensor (all three broadcast).

        Like PyTorch, weights of 0.5 and more use ``end - (1 - weight) * (end - self)``,
        so ``weight = 1`` gives ``end`` exactly.
        """
        difference = end - self
        if isinstance(weight, TensorBase):
            near_start = weight.array < 0.5
            from_start = self + weight * difference
            from_end = end - (1 - weight) * difference
            return from_start.where(self.from_array(near_start), from_end)
        if weight < 0.5:
            return self + difference * weight
        return end - difference * (1 - weight)

    def addcmul(self, tensor1: Tensor, tensor2: Tensor, *, value: float = 1) -> Tensor:
        """``self + value * tensor1 * tensor2`` (the three broadcast); ``value`` checked as
        :func:`tt_tensor.pointwise.check_alpha` checks it (a float one not for integer tensors), bool
        tensors refused, as PyTorch."""
        product = tensor1 * tensor2
        (value,) = pointwise.check_scales("addcmul", self, product, value=value)
        return self + product * value

    def addcdiv(self, tensor1: Tensor, tensor2: Tensor, *, value: float = 1) -> Tensor:
        """``self + value * tensor1 / tensor2`` (the three broadcast; integer division is refused)."""
        if tensor1.array.dtype.kind in "iub" and tensor2.array.dtype.kind in "iub":
            raise RuntimeError(
                "addcdiv: integer division of tensors is not supported (PyTorch refuses it too); "
                "convert tensor1 or tensor2 with .float()"
            )
        quotient = tensor1 / tensor2
        (value,) = pointwise.check_scales("addcdiv", self, quotient, value=value)
        return self + quotient * value

    def logit(self, eps: float | None = None) -> Tensor:
        """``log(p / (1 - p))``; with ``eps``, ``p`` is first clamped to ``[eps, 1 - eps]``.

        Without ``eps``, values outside ``[0, 1]`` give NaN, as in PyTorch.
        """
        eps = None if eps is None else check_number("logit", "eps", eps)
        p = self if self.array.dtype.kind in "fc" else self.from_array(pointwise.as_float(self.array))
        p = p if eps is None else p.clamp(eps, 1 - eps)  # (an integer 1 - p would wrap around)
        with np.errstate(divide="ignore", invalid="ignore"):  # logit(0) = -inf, logit(2) = NaN: silently
            return p.log() - (-p).log1p()

    def nan_to_num(
        self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
    ) -> Tensor:
        """NaN -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf`` (default: the dtype's largest/lowest).

        The gradient passes where ``self`` is finite and is 0 elsewhere, as in PyTorch.
        """
        nan = 0.0 if nan is None else check_number("nan_to_num", "nan", nan)  # None: the default, as PyTorch
        infinities = (("posinf", posinf), ("neginf", neginf))
        posinf, neginf = (None if v is None else check_number("nan_to_num", n, v) for n, v in infinities)
        replaced = pointwise_extra.nan_to_num(self.array, nan, posinf, neginf)
        return self.where(self.from_array(np.isfinite(self.array)), replaced)


def _integer_pair(op: str, ufunc: np.ufunc, a: np.ndarray, b: object) -> np.ndarray:
    """``ufunc(a, b)`` for integer arrays (a bool beside an integer); PyTorch refuses floats and two bools."""
    other = np.asarray(b)
    kinds = a.dtype.kind + other.dtype.kind  # a bool beside an integer is promoted to it, as in PyTorch
    if any(kind not in "iub" for kind in kinds) or kinds == "bb":
        raise RuntimeError(
            f"{op}: expected integer tensors, got {a.dtype} and {other.dtype} "
            f"(PyTorch has {op} for integers only)"
        )
    return ufunc(a, other)
