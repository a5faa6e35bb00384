"""Tensor methods for element-wise math: ``exp``, ``log``, ``sigmoid``, ``clamp``, ``where``, ...

Functions that only make sense on floats (``exp``, ``sqrt``, ``tanh``, ...)
give the default float dtype for integer tensors, as in PyTorch; the others
(``abs``, ``relu``, ``clamp`` with integer bounds, ...) keep the dtype.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import complex_reductions, pointwise
from ._base import TensorBase, operand
from .checks import check_count, normalize_dim
from .dtypes import check_kernel_dtype, dtype_argument

if TYPE_CHECKING:
    from .tensor import Tensor


class MathMixin(TensorBase):
    """Element-wise math functions of :class:`Tensor`."""

    def exp(self) -> Tensor:
        """``e ** self``."""
        return self.from_array(np.exp(pointwise.as_inexact(self.array)))

    def log(self) -> Tensor:
        """Natural logarithm."""
        return self.from_array(np.log(pointwise.as_inexact(self.array)))

    def sqrt(self) -> Tensor:
        """Square root."""
        return self.from_array(np.sqrt(pointwise.as_inexact(self.array)))

    def rsqrt(self) -> Tensor:
        """``1 / sqrt(self)``."""
        return self.sqrt().reciprocal()

    def reciprocal(self) -> Tensor:
        """``1 / self``."""
        return self.from_array(np.reciprocal(pointwise.as_inexact(self.array)))

    def square(self) -> Tensor:
        """``self * self`` (a bool tensor gives int64, as in PyTorch)."""
        if self.array.dtype == np.bool_:
            return self.from_array(self.array.astype(np.int64))
        return self.pow(2)

    def abs(self) -> Tensor:
        """Absolute value (not of a bool tensor, as PyTorch)."""
        check_kernel_dtype("abs", self.array.dtype, "b")
        return self.from_array(np.abs(self.array))

    def sign(self) -> Tensor:
        """-1, 0 or 1 by the sign of each element (a bool tensor is its own sign, as in PyTorch)."""
        if self.array.dtype == np.bool_:
            return self.from_array(self.array.copy())
        return self.from_array(pointwise.sign(self.array))

    def sin(self) -> Tensor:
        """Sine."""
        return self.from_array(np.sin(pointwise.as_inexact(self.array)))

    def cos(self) -> Tensor:
        """Cosine."""
        return self.from_array(np.cos(pointwise.as_inexact(self.array)))

    def tanh(self) -> Tensor:
        """Hyperbolic tangent."""
        return self.from_array(np.tanh(pointwise.as_inexact(self.array)))

    def sigmoid(self) -> Tensor:
        """Logistic function ``1 / (1 + exp(-self))``, stable and precise for any input."""
        if complex_reductions.is_complex(self.array):  # (module 01's kernel is for real numbers)
            return self.from_array(complex_reductions.sigmoid(self.array))
        return self.from_array(pointwise.sigmoid(self.array))

    def relu(self) -> Tensor:
        """``max(self, 0)``."""
        return self.from_array(pointwise.relu(self.array))

    def floor(self) -> Tensor:
        """Round down."""
        return self.from_array(np.floor(self.array))

    def ceil(self) -> Tensor:
        """Round up."""
        return self.from_array(np.ceil(self.array))

    def round(self, *, decimals: int = 0) -> Tensor:
        """Round half to even, like PyTorch; to ``decimals`` places (negative: tens, hundreds, ...).

        As PyTorch: ``round(x * 10**d) / 10**d`` in ``x``'s dtype (``d < 0``: ``round(x / 10**-d) * 10**-d``).
        """
        check_kernel_dtype("round", self.array.dtype, "bc")  # (NumPy's would be float16; no complex round)
        if decimals:
            return self._round_to(check_count("round", "decimals", decimals, minimum=None))
        return self.from_array(np.round(self.array))

    def _round_to(self, decimals: int) -> Tensor:
        """``round(decimals=...)`` composed of methods (so a recorded tensor's gradient is round's, 0)."""
        check_kernel_dtype("round", self.array.dtype, "iu")  # (PyTorch: with decimals, floats only)
        if self.array.dtype == np.float16:  # scaled in float32, as PyTorch (1234.5 * 100 overflows float16)
            return self.float()._round_to(decimals).to(self.dtype)
        scale = 10.0 ** abs(decimals)
        return (self * scale).round() / scale if decimals > 0 else (self / scale).round() * scale

    def clamp(self, min: object = None, max: object = None) -> Tensor:  # noqa: A002
        """Limit every element to ``[min, max]`` (either may be None, a number or a tensor)."""
        return self.from_array(pointwise.clamp(self.array, operand(min), operand(max)))

    clip = clamp

    def maximum(self, other: Tensor) -> Tensor:
        """Element-wise larger of ``self`` and ``other``."""
        return self.from_array(pointwise.binary("maximum", np.maximum, self.array, operand(other)))

    def minimum(self, other: Tensor) -> Tensor:
        """Element-wise smaller of ``self`` and ``other``."""
        return self.from_array(pointwise.binary("minimum", np.minimum, self.array, operand(other)))

    def where(self, condition: Tensor, other: object) -> Tensor:
        """``self`` where ``condition`` holds, else ``other``."""
        return self.from_array(pointwise.where(operand(condition), self.array, operand(other)))

    def log_softmax(self, dim: int, dtype: object = None) -> Tensor:
        """``x - logsumexp(x)`` along ``dim`` (``torch.log_softmax``); composed, so subclasses record it."""
        dim = normalize_dim("log_softmax", dim, self.ndim)  # None too: no implicit dim, as PyTorch's method
        source = self._float_source("log_softmax", dtype)
        return source - source.logsumexp(dim, keepdim=True)

    def softmax(self, dim: int, dtype: object = None) -> Tensor:
        """``exp(x) / sum(exp(x))`` along ``dim``, computed as ``exp(log_softmax)`` (no overflow)."""
        source = self._float_source("softmax", dtype)
        return source.log_softmax(normalize_dim("softmax", dim, self.ndim)).exp()

    def _float_source(self, op: str, dtype: object) -> Tensor:
        """This tensor in ``dtype`` (when given), which must be a float one: PyTorch has no integer, bool
        or complex kernel for ``op``."""
        source = self if dtype is None else self.to(dtype_argument(op, dtype))
        if source.array.dtype.kind != "f":
            raise NotImplementedError(
                f"{op}: not implemented for {source.dtype}; convert with .float() or give dtype="
            )
        return source
