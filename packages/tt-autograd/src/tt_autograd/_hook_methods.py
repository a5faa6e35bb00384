"""Hooks on a tensor's gradient: ``retain_grad``, ``register_hook``, ``register_post_accumulate_grad_hook``.

A mixin of :class:`~tt_autograd.Tensor` (kept out of ``tensor.py`` to keep that file one sitting
long). Each method registers with the module that runs its hooks during ``backward()``:
:mod:`tt_autograd.tensor_hooks` (a tensor's gradient, and the non-leaf ``.grad`` kept by
``retain_grad``) and :mod:`tt_autograd.hooks` (after a leaf's ``.grad`` is accumulated).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

import tt_tensor

from . import hooks, tensor_hooks

if TYPE_CHECKING:
    from .tensor import Tensor


class HookMixin(tt_tensor.Tensor):
    """Gradient hooks and ``retain_grad`` of :class:`~tt_autograd.Tensor`."""

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor on the next ``backward()``."""
        if not self._requires_grad:
            raise RuntimeError(
                "retain_grad: can't retain the gradient of a tensor that does not require grad"
            )
        if self.grad_fn is not None:
            tensor_hooks.set_retained(self.grad_fn, weakref.ref(self))

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> hooks.RemovableHandle:
        """Call ``hook(self)`` in each backward, once this leaf's ``.grad`` holds all of that pass's gradient.

        Returns a handle whose ``remove()`` takes the hook off. Leaves only (they are
        what accumulates a ``.grad``), as in PyTorch. See :mod:`tt_autograd.hooks`.
        """
        return hooks.register(self, hook)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> hooks.RemovableHandle:
        """Call ``hook(grad)`` on each gradient w.r.t. this tensor; a tensor it returns replaces it.

        Returns a handle whose ``remove()`` takes the hook off. See :mod:`tt_autograd.tensor_hooks`.
        """
        return tensor_hooks.register(self, hook)
