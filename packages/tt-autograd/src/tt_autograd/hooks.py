"""Post-accumulate gradient hooks: run a function on a leaf once backward has finished its ``.grad``.

``leaf.register_post_accumulate_grad_hook(hook)`` (PyTorch's name) asks
backward to call ``hook(leaf)`` after the last gradient of that backward pass
has been added into ``leaf.grad``: the moment the gradient is final, while
the rest of the graph may still be running. Data-parallel training uses it
to start sending a finished gradient while backward goes on (tt-dist).

The engine finds, for each hooked leaf, the last node of its walk that sends
the leaf a gradient (:func:`hook_schedule`) and fires the leaf's hooks after
that node (:func:`run_hooks`). While no tensor has a hook, the schedule is an
empty dict built in constant time, so backward pays nothing for the feature.

Cost: one pass over the graph's edges per backward while some hook exists.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from typing import Any

#: ``{hook key: tensor}`` for every live hook; backward skips the schedule while it is empty.
#: (Keyed by the hook, not the tensor: a tensor's ``==`` is elementwise, so tensors are no set members.)
hooked: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_ids = itertools.count()


class RemovableHandle:
    """What ``register_post_accumulate_grad_hook`` returns: ``handle.remove()`` takes the hook off again."""

    def __init__(self, tensor: Any, key: int) -> None:
        self._tensor, self._key = weakref.ref(tensor), key

    def remove(self) -> None:
        """Remove the hook (a second call does nothing)."""
        tensor = self._tensor()
        hooks = getattr(tensor, "_post_accumulate_grad_hooks", None)
        if hooks is not None:
            hooks.pop(self._key, None)
        hooked.pop(self._key, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def register(tensor: Any, hook: Callable[[Any], None]) -> RemovableHandle:
    """Attach ``hook`` to the leaf ``tensor`` (see ``Tensor.register_post_accumulate_grad_hook``)."""
    if not callable(hook):
        raise TypeError(
            f"register_post_accumulate_grad_hook: hook must be callable, got {type(hook).__name__}"
        )
    if not tensor.requires_grad:
        raise RuntimeError(
            "register_post_accumulate_grad_hook: cannot register a hook on a tensor that doesn't require "
            "gradient; set requires_grad=True first"
        )
    if tensor.grad_fn is not None:
        raise RuntimeError(
            "register_post_accumulate_grad_hook: post accumulate grad hooks cannot be registered on non-leaf "
            "tensors (they never accumulate a .grad); register it on the leaf the result came from"
        )
    if tensor._post_accumulate_grad_hooks is None:
        tensor._post_accumulate_grad_hooks = {}
    key = next(_ids)
    tensor._post_accumulate_grad_hooks[key] = hook
    hooked[key] = tensor
    return RemovableHandle(tensor, key)


def hook_schedule(order: list[Any]) -> dict[Any, list[Any]]:
    """``{node: leaves}``: each hooked leaf under the last node of ``order`` that sends it a gradient.

    ``order`` is backward's walk (every consumer before what it consumes). A leaf
    used by several nodes gets its final ``.grad`` only after the last of them.
    """
    if not hooked:
        return {}
    last: dict[int, tuple[Any, Any]] = {}
    for node in order:
        for parent in node.parents:
            if getattr(parent, "_post_accumulate_grad_hooks", None):  # a hooked leaf (nodes have none)
                last[id(parent)] = (node, parent)
    schedule: dict[Any, list[Any]] = {}
    for node, leaf in last.values():
        schedule.setdefault(node, []).append(leaf)
    return schedule


def run_hooks(leaves: list[Any] | tuple[()]) -> None:
    """Call every post-accumulate hook of each leaf in ``leaves``, in registration order."""
    for leaf in leaves:
        for hook in list(leaf._post_accumulate_grad_hooks.values()):
            hook(leaf)
