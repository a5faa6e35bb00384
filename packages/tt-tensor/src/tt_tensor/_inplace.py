"""Tensor methods that change a tensor in place: ``add_``, ``+=``, ``fill_``, ``uniform_``, ...

They write into the existing NumPy array, so every view of it sees the change,
and return ``self``. The result must keep the tensor's shape and dtype:
``int_tensor += 0.5`` is refused, as in PyTorch. An optimizer's update
(``addcmul_``, ``lerp_``) and ``nn.init``'s fills (``uniform_``, ``normal_``)
are built from these.

Each one bumps the version counter of the memory it writes
(:mod:`tt_tensor.versions`), so autograd can tell when an array it saved
for backward has changed since.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import indexing, pointwise, random, versions
from ._base import TensorBase, operand
from .checks import check_bool
from .dtypes import wrap_integer

if TYPE_CHECKING:
    from .random import Generator
    from .tensor import Tensor


class InPlaceMixin(TensorBase):
    """In-place updates, fills and random initialisers of :class:`Tensor`."""

    @property
    def _version(self) -> int:
        """How many in-place writes this tensor's memory has had (shared with its views), as in PyTorch."""
        return versions.version(self.array)

    def _inplace(self, op: str, ufunc: np.ufunc, other: object) -> Tensor:
        """``self op= other`` through the kernel; ``other`` may still be a tensor (a subclass's hook
        records it). A Python int an integer tensor cannot hold wraps
        (:func:`tt_tensor.dtypes.wrap_integer`)."""
        other = operand(other, op)
        if type(other) is int and self.array.dtype.kind in "iu":
            other = wrap_integer(other, self.array.dtype)
        if self.array.dtype.kind == "u" and np.result_type(self.array, other).kind == "i":  # (NumPy's)
            return self._wrapped_inplace(op, ufunc, other)
        pointwise.binary_inplace(op, ufunc, self.array, other)
        versions.bump(self.array)
        return self

    def _wrapped_inplace(self, op: str, ufunc: np.ufunc, other: object) -> Tensor:
        """``uint8 op= int8`` (also a 0-d int8, which PyTorch promotes to uint8 and NumPy to int16):
        PyTorch casts the integer result into the unsigned tensor, wrapping, where NumPy's
        ``same_kind`` refuses signed into unsigned; a float result (``/``) is refused as ever. Cost:
        one result-sized temporary."""
        try:
            fits = np.broadcast_shapes(self.array.shape, np.shape(other)) == self.array.shape
        except ValueError:
            fits = False
        result = ufunc(self.array, other) if fits else None
        if result is None or result.dtype.kind not in "iu":
            pointwise.binary_inplace(op, ufunc, self.array, other)  # (its error)
        return self._overwrite(op, result.astype(self.array.dtype))

    def _overwrite(self, op: str, values: object) -> Tensor:
        """Write ``values`` (broadcast, cast to this dtype) over every element (``values`` may be the
        tensor's own array, already written: then only its version is bumped)."""
        self._writable(op)
        if values is not self.array:
            self.array[...] = values
        versions.bump(self.array)
        return self

    def _writable(self, op: str) -> None:
        if not self.array.flags.writeable:
            raise pointwise.read_only_error(op)

    # ----------------------------------------------------------------- arithmetic
    def add_(self, other: object, *, alpha: float = 1) -> Tensor:
        """In place: ``self += alpha * other``."""
        if type(alpha) is not int or alpha != 1:  # (checked as PyTorch: pointwise.check_alpha)
            other = operand(other, "add_")
            other = pointwise.scale(other, pointwise.check_alpha("add_", self.array, other, alpha))
        return self._inplace("add_", np.add, other)

    def sub_(self, other: object, *, alpha: float = 1) -> Tensor:
        """In place: ``self -= alpha * other`` (refused with a bool operand, as :meth:`sub`)."""
        pointwise.check_subtraction("sub_", self.array, other)
        if type(alpha) is not int or alpha != 1:  # (checked as PyTorch: pointwise.check_alpha)
            other = operand(other, "sub_")
            other = pointwise.scale(other, pointwise.check_alpha("sub_", self.array, other, alpha))
        return self._inplace("sub_", np.subtract, other)

    def mul_(self, other: object) -> Tensor:
        """In place: ``self *= other``."""
        return self._inplace("mul_", np.multiply, other)

    def div_(self, other: object) -> Tensor:
        """In place: ``self /= other``."""
        return self._inplace("div_", np.true_divide, other)

    def __iadd__(self, other: object) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: object) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: object) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: object) -> Tensor:
        return self.div_(other)

    def addcmul_(self, tensor1: Tensor, tensor2: Tensor, *, value: float = 1) -> Tensor:
        """In place: ``self += value * tensor1 * tensor2`` (an optimizer's update)."""
        return self._inplace("addcmul_", np.add, operand(tensor1) * operand(tensor2) * value)

    def addcdiv_(self, tensor1: Tensor, tensor2: Tensor, *, value: float = 1) -> Tensor:
        """In place: ``self += value * tensor1 / tensor2``."""
        return self._inplace("addcdiv_", np.add, operand(tensor1) / operand(tensor2) * value)

    def lerp_(self, end: Tensor, weight: float) -> Tensor:
        """In place: ``self += weight * (end - self)``."""
        return self._inplace("lerp_", np.add, (operand(end) - self.array) * weight)

    def clamp_(self, min: object = None, max: object = None) -> Tensor:  # noqa: A002
        """In place: limit to ``[min, max]``."""
        return self._overwrite("clamp_", pointwise.clamp(self.array, operand(min), operand(max)))

    # ----------------------------------------------------------------- fills
    def zero_(self) -> Tensor:
        """In place: set every element to 0."""
        return self._overwrite("zero_", 0)

    def fill_(self, value: float) -> Tensor:
        """In place: set every element to ``value``, a number or a 0-d tensor (as PyTorch: a tensor with
        dimensions is refused, where NumPy would broadcast it in, so ``fill_`` never acts as ``copy_``)."""
        value = operand(value, "fill_", "value")
        if np.ndim(value) != 0:
            raise RuntimeError(
                "fill_ only supports 0-dimension value tensor but got tensor with "
                f"{np.ndim(value)} dimensions; use copy_ to copy a tensor in"
            )
        return self._overwrite("fill_", value)

    def copy_(self, other: object, non_blocking: bool = False) -> Tensor:
        """In place: copy ``other`` (broadcast to this shape, cast to this dtype) into this tensor.

        ``other`` is the name PyTorch's ``copy_`` binds (its docs say ``src``); ``non_blocking`` is moot on
        the CPU (the copy is done when ``copy_`` returns, as PyTorch's between CPU tensors)."""
        check_bool("copy_", "non_blocking", non_blocking)
        indexing.setitem(self.array, Ellipsis, operand(other, "copy_", "src"))
        versions.bump(self.array)
        return self

    def masked_fill_(self, mask: Tensor, value: float) -> Tensor:
        """In place: set ``value`` where ``mask`` is true."""
        return self._overwrite(
            "masked_fill_", indexing.masked_fill(self.array, operand(mask), operand(value))
        )

    # ----------------------------------------------------------------- random fills (nn.init's primitives)
    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Generator | None = None) -> Tensor:
        """In place: uniform random values in ``[a, b)`` (a float tensor only), drawn straight into a
        contiguous float32/float64 tensor's memory (no temporary: ``nn.init`` fills whole models)."""
        self._writable("uniform_")
        values = random.uniform("uniform_", self.array.shape, self.array.dtype, a, b, generator, self.array)
        return self._overwrite("uniform_", values)

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> Tensor:
        """In place: normal random values of ``mean`` and standard deviation ``std`` (float tensors only),
        drawn into the tensor's memory as :meth:`uniform_`'s."""
        self._writable("normal_")
        values = random.normal(
            "normal_", self.array.shape, self.array.dtype, mean, std, generator, self.array
        )
        return self._overwrite("normal_", values)

    def bernoulli_(self, p: float | Tensor = 0.5, *, generator: Generator | None = None) -> Tensor:
        """In place: 1 with probability ``p`` (a number, or a tensor broadcastable to this one), else 0."""
        p = operand(p, "bernoulli_", "p")
        values = random.bernoulli("bernoulli_", self.array.shape, self.array.dtype, p, generator)
        return self._overwrite("bernoulli_", values)
