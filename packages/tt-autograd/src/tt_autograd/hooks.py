"""Hooks on the backward pass: the handles, and when a hooked leaf's gradient is final.

``leaf.register_post_accumulate_grad_hook(hook)`` (PyTorch's name) asks
backward to call ``hook(leaf)`` after the last gradient of that backward pass
has been added into ``leaf.grad``: the moment the gradient is final, while
the rest of the graph may still be running. Data-parallel training uses it
to start sending a finished gradient while backward goes on (tt-dist).
``tensor.register_hook(hook)`` (:mod:`tt_autograd.tensor_hooks`) changes a
gradient before it is used; on a leaf it runs at the same moment, just before
the pass's total joins ``.grad``.

The engine finds, for each hooked leaf, the last node of its walk that sends
the leaf a gradient (:func:`hook_schedule`) and fires the leaf's hooks after
that node (:func:`run_hooks`). While no tensor has a hook (and anomaly mode is
off), the schedule is an empty dict built in constant time, so backward pays
nothing for the feature.

Cost: one pass over the graph's edges per backward while some leaf has a hook.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from . import anomaly, tensor_hooks

#: ``{hook key: leaf}`` for every live hook on a leaf; backward skips the schedule while it is empty.
#: (Keyed by the hook, not the tensor: a tensor's ``==`` is elementwise, so tensors are no set members.)
hooked: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_ids = itertools.count()


class RemovableHandle:
    """What registering a hook returns, PyTorch's ``torch.utils.hooks.RemovableHandle``: ``remove()``
    takes the hook off again, and ``with handle:`` removes it when the block ends.

    ``RemovableHandle(hooks_dict, *, extra_dict=None)``: the hook is ``hooks_dict[handle.id]`` (``id``
    unique in the process); ``extra_dict``, a dict or a list of dicts, holds other entries under the
    same id, removed with it. Each dict is held weakly (``hooks_dict_ref``, ``extra_dict_ref``), so
    a handle keeps neither the hooks nor their owner alive; the dicts must be weak-referenceable
    (an ``OrderedDict``, as PyTorch's hook tables are). A deep copy of a module (or tensor) holding
    handles gives handles on the copy's dicts. One class serves every kind of hook: tensors',
    autograd nodes', modules' and optimizers'.
    """

    def __init__(self, hooks_dict: Any, *, extra_dict: Any = None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = next(_ids)
        extras = extra_dict if isinstance(extra_dict, list) else [] if extra_dict is None else [extra_dict]
        self.extra_dict_ref = tuple(weakref.ref(extra) for extra in extras)

    def remove(self) -> None:
        """Remove the hook (a second call does nothing)."""
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            hooks = ref()
            if hooks is not None:
                hooks.pop(self.id, None)

    def __getstate__(self) -> tuple:
        """The dicts themselves, so a deep copy of their owner gets a handle on the copied dicts."""
        return self.hooks_dict_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref)

    def __setstate__(self, state: tuple) -> None:
        hooks, self.id, extras = state
        self.hooks_dict_ref = weakref.ref(OrderedDict() if hooks is None else hooks)
        self.extra_dict_ref = tuple(weakref.ref(OrderedDict() if d is None else d) for d in extras)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def add(owner: Any, attribute: str, hook: Callable, leaf: bool) -> RemovableHandle:
    """Put ``hook`` last in the dict ``owner.<attribute>``; a ``leaf``'s hooks also make backward schedule."""
    hooks = getattr(owner, attribute)
    handle = RemovableHandle(hooks, extra_dict=hooked if leaf else None)
    hooks[handle.id] = hook
    if leaf:
        hooked[handle.id] = owner
    return handle


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
        tensor._post_accumulate_grad_hooks = OrderedDict()
    return add(tensor, "_post_accumulate_grad_hooks", hook, leaf=True)


class _Pass(threading.local):
    """Per thread: ``number`` counts the backward passes started; ``nodes`` holds (weakly) the nodes
    the latest pass runs, and ``leaves`` the ids of the leaves whose hooks it runs (None: every leaf
    those nodes feed), both None while no multi-grad hook was registered when it started."""

    def __init__(self) -> None:
        self.number = 0
        self.nodes: weakref.WeakSet | None = None
        self.leaves: set[int] | None = None


passes = _Pass()
#: How many ``register_multi_grad_hook`` registrations are live; while 0, a pass records no walk.
watchers = [0]


def begin_pass(nodes: Iterable[Any], leaves: set[int] | None = None) -> None:
    """A backward pass starts that runs ``nodes`` (:mod:`tt_autograd.multi_grad_hook` reads it)."""
    passes.number += 1
    passes.nodes, passes.leaves = (weakref.WeakSet(nodes), leaves) if watchers[0] else (None, None)


def will_run(tensor: Any) -> bool:
    """Whether the current pass computes a gradient for ``tensor`` (its node runs, or it is a leaf
    fed); True when the pass started before any multi-grad hook existed (its walk was not kept)."""
    nodes = passes.nodes
    if nodes is None:
        return True
    if tensor.grad_fn is not None:
        return tensor.grad_fn in nodes
    if passes.leaves is not None:
        return id(tensor) in passes.leaves
    return any(parent is tensor for node in nodes for parent in node.parents)


def hook_schedule(order: list[Any], graph: bool = False) -> dict[Any, list[Any]]:
    """``{node: leaves}``: each hooked leaf under the last node of ``order`` that sends it a gradient.

    ``order`` is backward's walk (every consumer before what it consumes). A leaf
    used by several nodes gets its final ``.grad`` only after the last of them.
    The ``.grad`` of a leaf with tensor hooks is set aside until then (``graph``:
    the pass records its gradients). With anomaly mode on, every node of the walk
    gets the checked ``backward``.
    """
    begin_pass(order)
    if anomaly._state.enabled:
        for node in order:
            node.backward = tensor_hooks.hooked_backward
    if not hooked:
        return {}
    last: dict[int, tuple[Any, Any]] = {}
    for node in order:
        for parent in node.parents:
            if _hooked_leaf(parent):
                last[id(parent)] = (node, parent)
    schedule: dict[Any, list[Any]] = {}
    for node, leaf in last.values():
        schedule.setdefault(node, []).append(leaf)
        if leaf._backward_hooks:
            tensor_hooks.set_aside(leaf, graph)
    return schedule


def _hooked_leaf(parent: Any) -> bool:
    """A leaf with a hook of either kind (a node's own hooks are in ``_tensor_hooks``, not read here)."""
    return bool(getattr(parent, "_post_accumulate_grad_hooks", None)) or bool(
        getattr(parent, "_backward_hooks", None)
    )


def run_hooks(leaves: list[Any] | tuple[()]) -> None:
    """Each leaf of ``leaves``: its tensor hooks on the pass's total, then its post-accumulate hooks."""
    for leaf in leaves:
        tensor_hooks.finish_leaf(leaf)
        run_post_accumulate_hooks(leaf)


def run_post_accumulate_hooks(tensor: Any) -> None:
    """``tensor``'s post-accumulate-grad hooks, once its ``.grad`` is written (none on a non-leaf)."""
    for hook in list((getattr(tensor, "_post_accumulate_grad_hooks", None) or {}).values()):
        hook(tensor)
