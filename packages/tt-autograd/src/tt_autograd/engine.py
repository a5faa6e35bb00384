"""The backward pass: walk the graph from an output to the leaves, in reverse topological order.

The walk is iterative (an explicit stack, no recursion), so a chain of tens
of thousands of operations backpropagates without hitting Python's recursion
limit. Each node's output gradient is the sum of what its consumers sent it;
a node is processed only after all of its consumers, which the reverse
topological order guarantees. Leaf tensors accumulate into ``.grad``; a leaf's
post-accumulate hooks run right after the last node that sends it a gradient
(:mod:`tt_autograd.hooks`).

Cost: one ``backward`` call per recorded node, plus one dict entry per node.
"""

from __future__ import annotations

import numpy as np

from .function import Function
from .hooks import hook_schedule, run_hooks

_FREED = (
    "backward: trying to backward through the graph a second time (its saved arrays were freed by the "
    "first backward); pass retain_graph=True to the first backward() call if you need to call it twice"
)


def topological_order(root: Function) -> list[Function]:
    """Every node reachable from ``root``, each after all of the nodes that consume it.

    A depth-first walk that finishes a node only once all of its parents are
    finished (post-order), then reversed. The stack holds each open node with
    an iterator over the parents still to visit, so a node reached along two
    paths of different lengths is still placed after every consumer.
    """
    # BEGIN SOLUTION 02
    # TODO: the nodes reachable from root through .parents, each before every node it feeds.
    # APPROACH: depth-first post-order, reversed (§ How it is built); keep an explicit stack of
    #   (node, iterator over its parents) so a deep graph cannot overflow Python's recursion.
    # HINT: parents may be leaf tensors or None: only Function nodes are walked.
    order: list[Function] = []
    visited: set[Function] = {root}  # nodes hash by identity
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if isinstance(parent, Function) and parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    order.reverse()
    return order
    # END SOLUTION


def run_backward(root: Function, grad: np.ndarray, retain_graph: bool) -> None:
    """Propagate ``grad`` (the gradient of ``root``'s output) to every leaf that requires grad."""
    # BEGIN SOLUTION 02
    # TODO: walk the nodes in topological order, call each node's backward once with the sum of the
    #   gradients its consumers sent, and pass each input's gradient on (to a node, or into a leaf).
    # HINT: a node reached along two paths must wait for both: sum into a dict before calling it.
    pending: dict[Function, np.ndarray] = {root: grad}  # gradients received so far, per node
    order = topological_order(root)
    finishing = hook_schedule(order)  # {node: hooked leaves whose last gradient comes from it}
    for node in order:
        grad = pending.pop(node, None)
        if grad is None:
            run_hooks(finishing.get(node, ()))
            continue
        if node._saved is None:  # (``_saved``: the arrays without the version check backward does)
            raise RuntimeError(_FREED)
        if node.retained is not None:
            tensor = node.retained()
            if tensor is not None:
                accumulate(tensor, grad, shared=True)
        input_grads = node.backward(node, grad)
        if not retain_graph and node._saved:
            node.saved_tensors = None
        for parent, input_grad, shape in zip(node.parents, input_grads, node.input_shapes):
            if parent is None or input_grad is None:
                continue
            if input_grad.shape != shape:
                raise RuntimeError(
                    f"{node.name()} returned a gradient of shape {input_grad.shape} for an input of shape "
                    f"{shape}: the backward rule of {type(node).__name__} is wrong"
                )
            if isinstance(parent, Function):
                pending[parent] = pending[parent] + input_grad if parent in pending else input_grad
            else:
                accumulate(parent, input_grad, shared=input_grad is grad)
        run_hooks(finishing.get(node, ()))
    # END SOLUTION


def accumulate(tensor: object, grad: np.ndarray, shared: bool) -> None:
    """Add ``grad`` into ``tensor.grad``, which always owns its array (so later ``+=`` is safe).

    ``grad`` is copied the first time unless it is a fresh array nobody else
    holds: not ``shared`` (passed on unchanged to another input too), not a
    view, and writeable.
    """
    # BEGIN SOLUTION 02
    # TODO: add grad into tensor.grad; the first gradient becomes tensor.grad, later ones are added in place
    #   (§ How it is built, "An iterative engine").
    # HINT: tensor.grad must own its array: copy grad when it is
    #   shared, a view, read-only or of another dtype.
    from .tensor import Tensor

    array = tensor.array  # type: ignore[attr-defined]
    if grad.dtype != array.dtype:
        grad = grad.astype(array.dtype)
        shared = False
    existing = tensor.grad  # type: ignore[attr-defined]
    if existing is None:
        owned = not shared and grad.base is None and grad.flags.writeable
        tensor.grad = Tensor.from_array(grad if owned else grad.copy())  # type: ignore[attr-defined]
    else:
        existing.array += grad
    # END SOLUTION
