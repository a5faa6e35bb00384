"""``torch.autograd.graph.register_multi_grad_hook(tensors, fn, mode="all")``: one hook for several tensors.

``mode="all"``: ``fn(grads)`` runs once per backward pass, when the gradients
of all the tensors that pass computes are known, with ``grads`` a list (one per
tensor; None for a tensor the pass does not reach). ``mode="any"``: ``fn(grad)``
runs once per pass, with the first of those gradients computed. ``fn``'s return
value is ignored in both modes, as in PyTorch. The handle's ``remove()`` takes
every part off.

How: a tensor hook on each tensor (:mod:`tt_autograd.tensor_hooks`) reports its
gradient; the pass's walk (:func:`tt_autograd.hooks.begin_pass`, recorded while
such a hook exists) tells how many gradients the pass will produce. Unlike
PyTorch, ``autograd.grad`` with leaf inputs is supported (PyTorch refuses it).

Cost: the tensor hooks, and one weak set of the walk's nodes per backward while
any multi-grad hook is registered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tt_tensor import Tensor as PlainTensor

from . import hooks


class _MultiHandle:
    """What ``register_multi_grad_hook`` returns: ``remove()`` takes off the hook of every tensor."""

    def __init__(self, handles: list) -> None:
        self.handles = handles
        self._live = True
        hooks.watchers[0] += 1

    def remove(self) -> None:
        """Remove the hooks (a second call does nothing)."""
        for handle in self.handles:
            handle.remove()
        if self._live:
            self._live = False
            hooks.watchers[0] -= 1

    def __enter__(self) -> _MultiHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class _Gather:
    """The gradients of one pass, gathered for ``fn``."""

    def __init__(self, tensors: tuple, fn: Callable, mode: str) -> None:
        self.tensors, self.fn, self.mode = tensors, fn, mode
        self.number: int | None = None  # the pass the gathered gradients belong to (set by the first)

    def hook(self, position: int) -> Callable[[Any], None]:
        def multi_grad_hook(grad: Any) -> None:
            first = self.number != hooks.passes.number
            self.number = hooks.passes.number
            if self.mode == "any":
                if first:
                    self.fn(grad)
                return
            if first:
                self.grads = [None] * len(self.tensors)
                self.count, self.expected = 0, sum(hooks.will_run(t) for t in self.tensors)
            self.grads[position] = grad
            self.count += 1
            if self.count == self.expected:
                self.fn(list(self.grads))

        return multi_grad_hook


def register_multi_grad_hook(
    tensors: Sequence[Any], fn: Callable[[Any], None], *, mode: str = "all"
) -> _MultiHandle:
    """Register ``fn`` on ``tensors`` together (see the module docstring).

    Args:
        tensors: tensors that require grad (a single tensor counts as one).
        fn: ``fn(grads)`` (``mode="all"``) or ``fn(grad)`` (``mode="any"``).
        mode: ``"all"`` or ``"any"``.
    """
    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    if not callable(fn):
        raise TypeError(f"register_multi_grad_hook: fn must be callable, got {type(fn).__name__}")
    if isinstance(tensors, PlainTensor):
        tensors = (tensors,)
    try:
        tensors = tuple(tensors)
    except TypeError:
        raise TypeError(
            f"register_multi_grad_hook: tensors must be a sequence of tensors, got {type(tensors).__name__}"
        ) from None
    for position, tensor in enumerate(tensors):
        if not isinstance(tensor, PlainTensor):
            raise TypeError(
                f"register_multi_grad_hook: tensors[{position}] must be a tensor, got {type(tensor).__name__}"
            )
        if not tensor.requires_grad:
            raise RuntimeError(
                f"register_multi_grad_hook: tensors[{position}] does not require grad (no gradient will "
                "reach it); set requires_grad=True on it or on what it is computed from"
            )
    gather = _Gather(tensors, fn, mode)
    return _MultiHandle([t.register_hook(gather.hook(i)) for i, t in enumerate(tensors)])
