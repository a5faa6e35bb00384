"""Tensor hooks: ``tensor.register_hook(hook)`` sees, and may replace, the gradient w.r.t. ``tensor``.

``hook(grad)`` returns a tensor (the new gradient) or None (keep it); several
hooks run in registration order, each on the previous one's result. As in PyTorch:

* on a **non-leaf** the hooks see the total gradient of the tensor (summed over
  all its uses) before it flows into its ``grad_fn``'s backward, and a
  ``retain_grad()`` ``.grad`` holds what they returned. The hooks live on the
  node, so they keep firing after the tensor itself is gone (Grad-CAM's
  ``activation.register_hook(save)``), and one registered before an in-place
  operation sees the gradient of the version it was registered on.
* on a **leaf** they see that backward pass's total before it is added into
  ``.grad`` (so ``w.register_hook(lambda g: g.clamp(-1, 1))`` clamps the total,
  not each contribution); post-accumulate hooks run after.

How, without touching the engine's walk: the engine calls ``node.backward(node,
grad)`` through the instance, so a hooked node carries its own ``backward``
(:func:`hooked_backward`), which runs the hooks first. For a hooked leaf,
:func:`set_aside` (called from ``hook_schedule`` when backward starts) moves the
leaf's ``.grad`` away, so the pass accumulates its own total in a fresh one;
:func:`finish_leaf` (after the last node that sends the leaf a gradient) runs
the hooks on that total and puts back the old ``.grad`` plus the result. If
backward raises midway, ``Tensor.backward`` puts every set-aside ``.grad`` back
(:func:`restore_since`), so nothing accumulated before is lost. (One visible
difference: while the pass runs, a hooked leaf's ``.grad`` holds only that pass's
partial sum, where PyTorch's still shows the old value until the leaf's turn.)

``create_graph=True`` passes a gradient with a graph; the hooks then run with
grad mode on and what they compute is recorded. In a plain backward they run
under ``no_grad``, as PyTorch's do.

Cost: nothing while no tensor has a hook (the engine's walk is unchanged; a
hooked leaf is found by ``hook_schedule``, which returns at once while no hook
exists). A hooked node pays one tensor wrap and its hooks.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from . import anomaly, hooks
from .grad_mode import set_grad_enabled


class TensorHooks(dict):
    """A non-leaf's hooks ``{key: hook}``, kept on its node, with the ``retain_grad()`` reference that
    the hooked backward fills after them (the node's own ``retained`` is then None)."""

    retained = None


def register(tensor: Any, hook: Callable[[Any], Any]) -> hooks.RemovableHandle:
    """Attach ``hook`` to ``tensor`` (see ``Tensor.register_hook``)."""
    if not callable(hook):
        raise TypeError(f"register_hook: hook must be callable, got {type(hook).__name__}")
    if not tensor.requires_grad:
        raise RuntimeError(
            "register_hook: cannot register a hook on a tensor that doesn't require gradient; set "
            "requires_grad=True on it (a leaf) or on the inputs it is computed from"
        )
    node = tensor.grad_fn
    if node is None:
        if tensor._backward_hooks is None:
            tensor._backward_hooks = OrderedDict()
        return hooks.add(tensor, "_backward_hooks", hook, leaf=True)
    if node._tensor_hooks is None:
        node._tensor_hooks = TensorHooks()
        node._tensor_hooks.retained, node.retained = node.retained, None
        node.backward = hooked_backward
    return hooks.add(node, "_tensor_hooks", hook, leaf=False)


def run(hook_list: dict, grad: Any, graph: bool) -> Any:
    """``grad`` (a tensor) through every hook of ``hook_list``, in registration order."""
    with set_grad_enabled(graph):
        for hook in list(hook_list.values()):
            result = hook(grad)
            if result is not None:
                _check(hook, grad, result)
                grad = result
    return grad


def _check(hook: Any, grad: Any, result: Any) -> None:
    name = getattr(hook, "__name__", type(hook).__name__)
    if not isinstance(result, type(grad)):
        raise TypeError(f"expected a Tensor, but hook '{name}' returned '{type(result).__name__}'")
    if result.shape != grad.shape:
        raise RuntimeError(
            f"hook '{name}' has changed the size of value (was {tuple(grad.shape)} got {tuple(result.shape)})"
        )
    if result.dtype != grad.dtype:
        raise RuntimeError(
            f"hook '{name}' has changed the type of value (was {grad.dtype} got {result.dtype})"
        )


def run_on_array(hook_list: dict, grad: Any) -> Any:
    """:func:`run` for an array gradient (the plain backward): the hooks get and return tensors."""
    from .tensor import Tensor

    return run(hook_list, Tensor.from_array(grad), graph=False).array


def before_backward(node: Any, grad: Any, graph: bool) -> Any:
    """A non-leaf's gradient through its hooks, then into its retained ``.grad``; returns the new gradient."""
    hook_list = node._tensor_hooks
    try:
        grad = run(hook_list, grad, graph) if graph else run_on_array(hook_list, grad)
    except Exception:
        anomaly.report(node)  # a failing hook is the node's failure, as in PyTorch
        raise
    retain(hook_list.retained, grad, graph)
    return grad


def retain(reference: Any, grad: Any, graph: bool) -> None:
    """Add ``grad`` into the ``.grad`` of the tensor ``reference`` (a ``retain_grad()`` weak reference)."""
    tensor = None if reference is None else reference()
    if tensor is None:
        return
    if graph:
        from .higher_order import accumulate_tensor

        accumulate_tensor(tensor, grad)
    else:
        from .engine import accumulate

        accumulate(tensor, grad, shared=True)


def hooked_backward(node: Any, grad: Any) -> tuple:
    """The ``backward`` a hooked node carries (the engine calls it as ``node.backward(node, grad)``):
    the tensor hooks, then the Function's rule between the node's own hooks
    (:func:`tt_autograd.graph.run_node`), checked by anomaly mode when it is on."""
    from .graph import run_node

    if node._tensor_hooks is not None:
        grad = before_backward(node, grad, graph=False)
    return anomaly.checked(node, lambda: run_node(node, grad, type(node).backward))


def retained_of(node: Any) -> Any:
    """The ``retain_grad()`` reference of ``node``'s output, wherever it is kept."""
    return node.retained if node._tensor_hooks is None else node._tensor_hooks.retained


def set_retained(node: Any, reference: Any) -> None:
    """Keep ``reference`` as the ``retain_grad()`` reference of ``node``'s output."""
    if node._tensor_hooks is None:
        node.retained = reference
    else:
        node._tensor_hooks.retained = reference


def move_retained(previous: Any, node: Any) -> None:
    """An in-place operation made ``node`` the tensor's new ``grad_fn``: ``retain_grad()`` follows it."""
    reference = retained_of(previous)
    if reference is not None:
        set_retained(node, reference)
        set_retained(previous, None)


class _SetAside(threading.local):
    """Per thread (as grad mode): ``entries``, ``[(leaf, its .grad before this pass, graph)]`` for every
    hooked leaf of the passes under way in this thread."""

    def __init__(self) -> None:
        self.entries: list[tuple[Any, Any, bool]] = []


_aside = _SetAside()


def set_aside(leaf: Any, graph: bool) -> None:
    """Start ``leaf``'s total for this pass from nothing; its ``.grad`` comes back in :func:`finish_leaf`."""
    _aside.entries.append((leaf, leaf.grad, graph))
    leaf.grad = None


def finish_leaf(leaf: Any) -> None:
    """The leaf's gradients of this pass have all arrived: hook their total, add it to the old ``.grad``."""
    entries = _aside.entries
    for position in range(len(entries) - 1, -1, -1):
        if entries[position][0] is leaf:
            break
    else:
        return
    _, previous, graph = entries.pop(position)
    total = leaf.grad
    if total is None:  # no gradient reached the leaf in this pass
        leaf.grad = previous
        return
    result = run(leaf._backward_hooks, total, graph)
    if not graph and result is not total:  # .grad owns its array and has no graph
        result = type(total).from_array(result.array.copy())
    if previous is None:
        leaf.grad = result
    elif graph:
        leaf.grad = previous + result
    else:
        previous.array += result.array
        leaf.grad = previous


def mark() -> int:
    """Where the set-aside list stands (for :func:`restore_since`)."""
    return len(_aside.entries)


def restore_since(position: int) -> None:
    """Put back the ``.grad`` of every leaf set aside after ``position`` (backward raised midway)."""
    entries = _aside.entries
    while len(entries) > position:
        leaf, previous, _ = entries.pop()
        leaf.grad = previous


def leaf_result(tensor: Any, grad: Any, graph: bool) -> Any:
    """``autograd.grad``'s gradient for a leaf input, through the leaf's hooks (PyTorch runs them)."""
    if not tensor._backward_hooks:
        return grad
    return run(tensor._backward_hooks, grad, graph) if graph else run_on_array(tensor._backward_hooks, grad)
