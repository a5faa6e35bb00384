"""In-place operations on tensors that may require grad: ``add_``, ``sub_``, ``zero_``, ``copy_``, ...

A mixin of :class:`~tt_autograd.Tensor` (kept out of ``tensor.py``). Writing into a
leaf that requires grad, or into a tensor that is part of a graph, would change
what a recorded backward reads, so outside ``no_grad`` these refuse, as in PyTorch
(optimizers write under ``no_grad``). ``add_``/``sub_``/``*=``/``/=`` by a tensor
that requires grad are recorded instead: the tensor takes the result's array and
``grad_fn`` (and ``retain_grad()`` follows the new version).
"""

from __future__ import annotations

import numpy as np
import tt_tensor
from tt_tensor import pointwise
from tt_tensor.tensor import operand

from . import tensor_hooks
from .grad_mode import _state


class InPlaceGradMixin(tt_tensor.Tensor):
    """tt-tensor's in-place methods, checked and recorded for autograd."""

    def _check_inplace(self, op: str) -> None:
        if _state.enabled and self._requires_grad:
            kind = "a leaf tensor" if self.grad_fn is None else "a tensor that is part of a graph"
            raise RuntimeError(
                f"{op}: in-place operation on {kind} that requires grad; do it under tt.no_grad() (as "
                "optimizers do) or use the out-of-place form"
            )

    def _inplace(self, op: str, ufunc: np.ufunc, other: object) -> tt_tensor.Tensor:
        recording = _state.enabled and (self._requires_grad or getattr(other, "requires_grad", False))
        if not recording:
            return super()._inplace(op, ufunc, other)
        if self.grad_fn is None and self._requires_grad:
            self._check_inplace(op)
        method = {np.add: "add", np.subtract: "sub", np.multiply: "mul", np.true_divide: "div"}[ufunc]
        result = getattr(self, method)(other)  # the recorded op, out of place
        if result.shape != self.shape:
            raise RuntimeError(
                f"{op}: result shape {result.shape} does not match the tensor's shape {self.shape}"
            )
        self.array = result.array.astype(self.array.dtype, copy=False)  # a fresh array: no copy needed
        self._take_history(result)
        return self

    def _take_history(self, result: tt_tensor.Tensor) -> None:
        """``self`` is now ``result``'s version in the graph (a recorded in-place op, which gives ``self``
        ``result``'s new array); ``retain_grad()`` follows it. Shared by every in-place mixin."""
        previous = self.grad_fn
        self.grad_fn, self._requires_grad = result.grad_fn, True
        if previous is not None:
            tensor_hooks.move_retained(previous, self.grad_fn)

    def add_(self, other: object, *, alpha: float = 1) -> tt_tensor.Tensor:
        """In place ``self += alpha * other``; recorded when ``other`` requires grad."""
        return self._inplace("add_", np.add, other if alpha == 1 else _scaled(other, alpha))

    def sub_(self, other: object, *, alpha: float = 1) -> tt_tensor.Tensor:
        """In place ``self -= alpha * other``; recorded when ``other`` requires grad."""
        return self._inplace("sub_", np.subtract, other if alpha == 1 else _scaled(other, alpha))

    def __setitem__(self, key: object, value: object) -> None:
        self._check_inplace("index assignment")
        super().__setitem__(key, value)

    def zero_(self) -> tt_tensor.Tensor:
        self._check_inplace("zero_")
        return super().zero_()

    def fill_(self, value: float) -> tt_tensor.Tensor:
        self._check_inplace("fill_")
        return super().fill_(value)

    def copy_(self, source: object) -> tt_tensor.Tensor:
        self._check_inplace("copy_")
        return super().copy_(source)

    def clamp_(self, min: object = None, max: object = None) -> tt_tensor.Tensor:  # noqa: A002
        self._check_inplace("clamp_")
        return super().clamp_(min, max)

    def masked_fill_(self, mask: tt_tensor.Tensor, value: float) -> tt_tensor.Tensor:
        self._check_inplace("masked_fill_")
        return super().masked_fill_(mask, value)

    def uniform_(self, *args: object, **kwargs: object) -> tt_tensor.Tensor:
        self._check_inplace("uniform_")
        return super().uniform_(*args, **kwargs)

    def normal_(self, *args: object, **kwargs: object) -> tt_tensor.Tensor:
        self._check_inplace("normal_")
        return super().normal_(*args, **kwargs)

    def bernoulli_(self, *args: object, **kwargs: object) -> tt_tensor.Tensor:
        self._check_inplace("bernoulli_")
        return super().bernoulli_(*args, **kwargs)


def _scaled(value: object, alpha: float) -> object:
    """``alpha * value`` for ``add_``/``sub_``: recorded for a tensor, else with tt-tensor's promotion."""
    return value * alpha if isinstance(value, tt_tensor.Tensor) else pointwise.scale(operand(value), alpha)
