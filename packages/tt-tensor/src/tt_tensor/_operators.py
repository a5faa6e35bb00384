"""Tensor methods behind Python's operators: arithmetic, matrix products, comparisons and logic.

Each named method (``add``, ``matmul``, ``eq``, ...) is the op; its operator
(``__add__``, ``__matmul__``, ``__eq__``, ...) is an alias defined right after
it. A subclass that overrides a method must override the operator too (or
alias it again), since an alias binds the function, not the name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import bitwise, linalg, pointwise
from ._base import TensorBase, operand
from .batchable import batchable
from .checks import check_bool

if TYPE_CHECKING:
    from .tensor import Tensor


class OperatorMixin(TensorBase):
    """Arithmetic, reflected operators, matrix products, comparisons and logic of :class:`Tensor`."""

    # ----------------------------------------------------------------- arithmetic
    def add(self, other: object, *, alpha: float = 1) -> Tensor:
        """``self + alpha * other``, broadcasting."""
        other = operand(other)
        alpha = pointwise.check_alpha("add", self.array, other, alpha)
        other = other if alpha == 1 else pointwise.scale(other, alpha)
        return self.from_array(pointwise.binary("add", np.add, self.array, other))

    def sub(self, other: object, *, alpha: float = 1) -> Tensor:
        """``self - alpha * other``, broadcasting; refused with a bool operand, as PyTorch (use ``^``)."""
        other = operand(other)
        pointwise.check_subtraction("sub", self.array, other)
        alpha = pointwise.check_alpha("sub", self.array, other, alpha)
        other = other if alpha == 1 else pointwise.scale(other, alpha)
        return self.from_array(pointwise.binary("sub", np.subtract, self.array, other))

    def mul(self, other: object) -> Tensor:
        """``self * other``, broadcasting."""
        return self.from_array(pointwise.binary("mul", np.multiply, self.array, operand(other)))

    def div(self, other: object) -> Tensor:
        """``self / other`` (true division: integers give floats), broadcasting."""
        return self.from_array(pointwise.true_divide(self.array, operand(other)))

    def pow(self, exponent: object) -> Tensor:
        """``self ** exponent``, broadcasting."""
        return self.from_array(pointwise.power(self.array, operand(exponent)))

    def neg(self) -> Tensor:
        """``-self``; refused for a bool tensor, as in PyTorch."""
        if self.array.dtype == np.bool_:
            raise RuntimeError(
                "neg: negation, the `-` operator, on a bool tensor is not supported; use `~` or logical_not()"
            )
        return self.from_array(np.negative(self.array))

    def __floordiv__(self, other: object) -> Tensor:
        return self.from_array(pointwise.floor_divide(self.array, operand(other)))

    def __mod__(self, other: object) -> Tensor:
        return self.from_array(pointwise.remainder(self.array, operand(other)))

    def __abs__(self) -> Tensor:
        return self.from_array(np.abs(self.array))

    def __pos__(self) -> Tensor:
        return self

    # ----------------------------------------------------------------- matrix products
    def matmul(self, other: Tensor) -> Tensor:
        """Matrix product with batch broadcasting (``torch.matmul``'s rules)."""
        return self.from_array(linalg.matmul(self.array, operand(other)))

    def mm(self, mat2: Tensor) -> Tensor:
        """Product of two 2-D matrices (``mat2=`` by PyTorch's name)."""
        linalg.check_ndim("mm", self.array, operand(mat2, "mm"), 2, 2)
        return self.matmul(mat2)

    def bmm(self, mat2: Tensor) -> Tensor:
        """Batched product of two 3-D tensors with equal batch sizes (``mat2=`` by PyTorch's name)."""
        linalg.check_ndim("bmm", self.array, operand(mat2, "bmm"), 3, 3)
        return self.matmul(mat2)

    def dot(self, tensor: Tensor) -> Tensor:
        """Inner product of two 1-D tensors (``tensor=`` by PyTorch's name)."""
        linalg.check_ndim("dot", self.array, operand(tensor, "dot"), 1, 1)
        return self.matmul(tensor)

    __add__, __sub__, __mul__, __truediv__, __pow__, __matmul__, __neg__ = (
        add,
        sub,
        mul,
        div,
        pow,
        matmul,
        neg,
    )

    # ----------------------------------------------------------------- reflected: ``2 - t``, ``array @ t``
    def __radd__(self, other: object) -> Tensor:
        return self.from_array(pointwise.binary("add", np.add, operand(other), self.array))

    def __rsub__(self, other: object) -> Tensor:
        other = operand(other)
        pointwise.check_subtraction("sub", other, self.array)
        return self.from_array(pointwise.binary("sub", np.subtract, other, self.array))

    def __rmul__(self, other: object) -> Tensor:
        return self.from_array(pointwise.binary("mul", np.multiply, operand(other), self.array))

    def __rtruediv__(self, other: object) -> Tensor:
        return self.from_array(pointwise.rtrue_divide(self.array, operand(other)))

    def __rpow__(self, other: object) -> Tensor:
        return self.from_array(pointwise.binary("pow", np.power, operand(other), self.array))

    def __rfloordiv__(self, other: object) -> Tensor:
        return self.from_array(pointwise.floor_divide(operand(other), self.array))

    def __rmod__(self, other: object) -> Tensor:
        return self.from_array(pointwise.remainder(operand(other), self.array))

    def __rmatmul__(self, other: object) -> Tensor:
        return self.from_array(linalg.matmul(operand(other), self.array))

    # ----------------------------------------------------------------- comparisons
    def eq(self, other: object) -> Tensor:
        """Element-wise ``==`` (a bool tensor); ``other`` must be a tensor or a number."""
        return self.from_array(pointwise.binary("eq", np.equal, self.array, operand(other, "eq")))

    def ne(self, other: object) -> Tensor:
        """Element-wise ``!=``; ``other`` must be a tensor or a number."""
        return self.from_array(pointwise.binary("ne", np.not_equal, self.array, operand(other, "ne")))

    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        """``t == other``: as :meth:`eq`, but anything else (``t == None``) is not equal everywhere."""
        return self.from_array(pointwise.binary("eq", np.equal, self.array, operand(other)))

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        """``t != other``: as :meth:`ne`, but anything else (``t != None``) is not equal everywhere."""
        return self.from_array(pointwise.binary("ne", np.not_equal, self.array, operand(other)))

    def lt(self, other: object) -> Tensor:
        """Element-wise ``<``."""
        return self.from_array(pointwise.binary("lt", np.less, self.array, operand(other)))

    def le(self, other: object) -> Tensor:
        """Element-wise ``<=``."""
        return self.from_array(pointwise.binary("le", np.less_equal, self.array, operand(other)))

    def gt(self, other: object) -> Tensor:
        """Element-wise ``>``."""
        return self.from_array(pointwise.binary("gt", np.greater, self.array, operand(other)))

    def ge(self, other: object) -> Tensor:
        """Element-wise ``>=``."""
        return self.from_array(pointwise.binary("ge", np.greater_equal, self.array, operand(other)))

    __lt__, __le__, __gt__, __ge__ = lt, le, gt, ge
    __hash__ = object.__hash__  # defining __eq__ would otherwise make tensors unhashable

    @batchable  # (one bool for all samples: vmap refuses it when other is batched)
    def allclose(
        self, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
    ) -> bool:
        """True if every element is close to ``other``'s: ``|a - b| <= atol + rtol * |b|`` (NaN equal to
        NaN with ``equal_nan``)."""
        other = operand(other, "allclose")
        return bool(
            np.allclose(
                self.array,
                other,
                rtol=rtol,
                atol=atol,
                equal_nan=check_bool("allclose", "equal_nan", equal_nan),
            )
        )

    @batchable
    def equal(self, other: Tensor) -> bool:
        """True if both tensors have the same shape and the same values."""
        other = operand(other, "equal")
        return self.array.shape == np.shape(other) and bool(np.array_equal(self.array, other))

    # ----------------------------------------------------------------- logic and bitwise
    def logical_not(self) -> Tensor:
        """Element-wise not (a bool tensor)."""
        return self.from_array(np.logical_not(self.array))

    def isnan(self) -> Tensor:
        """Where the elements are NaN."""
        return self.from_array(np.isnan(self.array))

    def isfinite(self) -> Tensor:
        """Where the elements are finite."""
        return self.from_array(np.isfinite(self.array))

    def __invert__(self) -> Tensor:
        return self.from_array(bitwise.invert("~", self.array))

    def __and__(self, other: object) -> Tensor:
        return self.from_array(bitwise.bitwise("&", np.bitwise_and, self.array, operand(other), (other,)))

    def __or__(self, other: object) -> Tensor:
        return self.from_array(bitwise.bitwise("|", np.bitwise_or, self.array, operand(other), (other,)))

    def __xor__(self, other: object) -> Tensor:
        return self.from_array(bitwise.bitwise("^", np.bitwise_xor, self.array, operand(other), (other,)))

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__  # symmetric, so the reflected forms are the same
