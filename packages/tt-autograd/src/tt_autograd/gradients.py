"""``torch.autograd.grad``: gradients of outputs with respect to chosen inputs, returned, not accumulated.

``backward()`` adds into the ``.grad`` of every leaf; ``grad(outputs, inputs)``
instead walks the same graph (the engine's reverse topological order) and
hands back d(outputs)/d(input) for each input, leaving every leaf's ``.grad`` as
it was. Inputs may be leaves or intermediate results. As in PyTorch, the tensor
hooks of the walked nodes and of the leaf inputs run (:mod:`tt_autograd.tensor_hooks`),
and a ``retain_grad()`` tensor on the walked path gets its ``.grad``.

Example:
    >>> import tt_autograd as autograd
    >>> from tt_autograd.gradients import grad
    >>> x = autograd.tensor([1.0, 2.0], requires_grad=True)
    >>> grad((x * x).sum(), x)
    (tensor([2., 4.]),)
"""

from __future__ import annotations

import warnings

import numpy as np
import tt_tensor
from tt_tensor.caller import user_stacklevel
from tt_tensor.tensor import operand

from . import anomaly, forward_ad, higher_order, hooks, tensor_hooks
from .engine import accumulate, topological_order
from .function import Function
from .graph import run_node

#: While a vmap runs: ``[batched_grad]`` (:func:`tt_autograd.vmap_transform.batched_grad`), which takes
#: the calls on batched tensors and returns None for the others; empty otherwise.
BATCHED_GRAD: list = []


def grad(
    outputs: object,
    inputs: object,
    grad_outputs: object = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, as a tuple (one per input).

    Args:
        outputs: a tensor or a sequence of tensors to differentiate.
        inputs: a tensor or a sequence of tensors (leaves or not) that require grad.
        grad_outputs: d(something)/d(output) for each output; may be None for a
            one-element output (then 1).
        retain_graph: keep the graph's saved arrays for another backward
            (defaults to ``create_graph``).
        create_graph: record the gradient computation, so the returned gradients
            can be differentiated again (:mod:`tt_autograd.higher_order`).
        only_inputs: deprecated and ignored, as in PyTorch (a warning when False).
        allow_unused: return None for an input the outputs do not depend on,
            instead of raising.
        is_grads_batched: each of ``grad_outputs`` has a leading batch dimension, and the
            gradients are computed for each of its rows, stacked (one vectorised pass through
            :func:`~tt_autograd.vmap`, as PyTorch's).
        materialize_grads: zeros, not None, for an input the outputs do not depend on (implies
            ``allow_unused``; ``allow_unused=False`` with it is refused, as in PyTorch).

    Cost: one backward step per node on a path from ``outputs`` to ``inputs``; as in PyTorch, the
    nodes below the inputs are neither run nor freed, so the graph under an intermediate input
    stays usable.
    """
    if not only_inputs:
        warnings.warn(
            "autograd.grad: only_inputs is deprecated and ignored (it is always True); to accumulate "
            "gradients into other tensors' .grad use backward()",
            stacklevel=user_stacklevel(),
        )
    if materialize_grads:
        return _materialized(
            outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, is_grads_batched
        )
    if is_grads_batched:
        return _batched_over_grad_outputs(
            outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused
        )
    if retain_graph is None:
        retain_graph = create_graph
    if BATCHED_GRAD:
        batched = BATCHED_GRAD[0](outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused)
        if batched is not None:
            return batched
    if forward_ad.active() and not create_graph:  # the recorded pass, whose gradients carry tangents
        found = grad(outputs, inputs, grad_outputs, retain_graph, True, allow_unused=allow_unused)
        return tuple(None if g is None else forward_ad.carry(g, g.detach()) for g in found)
    outputs, inputs = _as_tuple(outputs), _as_tuple(inputs)
    for role, values in (("outputs", outputs), ("inputs", inputs)):
        strays = [v for v in values if not isinstance(v, tt_tensor.Tensor)]
        if strays or not values:
            got = type(strays[0]).__name__ if strays else "an empty sequence"
            raise TypeError(f"autograd.grad: {role} must be a tensor or a sequence of tensors, got {got}")
    seeds = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    if len(seeds) != len(outputs):
        raise ValueError(f"autograd.grad: got {len(seeds)} grad_outputs for {len(outputs)} outputs")
    for position, tensor in enumerate(inputs):
        if not getattr(tensor, "requires_grad", False):
            raise RuntimeError(
                f"autograd.grad: input {position} (shape {tuple(tensor.shape)}) does not require grad; "
                "create it with requires_grad=True"
            )
    pending: dict[int, np.ndarray] = {}  # id of a node (or of a leaf tensor) -> gradient received so far
    for output, seed in zip(outputs, seeds):
        if getattr(seed, "_levels", ()):  # a batched cotangent (vmap of vjp_fn): the recorded pass batches it
            _add(pending, output.grad_fn or output, seed)
            continue
        array = seed_array("autograd.grad", output, seed, "grad_outputs")
        start = higher_order.seed_tensor(seed, array) if create_graph else array
        _add(pending, output.grad_fn or output, start)
    wanted = {id(t.grad_fn or t) for t in inputs}
    found: dict[int, np.ndarray] = {}
    root = Function()  # one root above every output, so a node shared by two outputs waits for both
    root.parents = [o.grad_fn for o in outputs if o.grad_fn is not None]
    order = topological_order(root)[1:]
    leads = _leading_to(order, wanted)
    hooks.begin_pass(  # (a generator: only read while a multi-grad hook is registered)
        (n for n in order if id(n) in leads or id(n) in wanted), {id(t) for t in inputs if t.grad_fn is None}
    )
    for node in order:
        g = pending.pop(id(node), None)
        if g is None:
            continue
        runs = id(node) in leads  # else nothing wanted lies below: PyTorch does not run (or free) it either
        if not runs and id(node) not in wanted:  # nor run its hooks
            continue
        hooked = _hooked(node, g, create_graph)
        if id(node) in wanted:  # PyTorch hands out a running node's gradient before its hooks
            found[id(node)] = g if runs else hooked
        if not runs:
            continue
        g = hooked
        if node._saved is None:
            raise RuntimeError(
                "autograd.grad: the graph was freed by an earlier backward; pass retain_graph=True"
            )
        if create_graph:
            input_grads = run_node(node, g, higher_order.differentiable_backward)
        else:
            step = type(node).returning_backward or type(node).backward
            input_grads = anomaly.checked(node, lambda: run_node(node, g, step))  # noqa: B023
        if not retain_graph and node._saved:
            node.saved_tensors = None
        for parent, input_grad, shape in zip(node.parents, input_grads, node.input_shapes):
            if parent is not None and input_grad is not None:
                if create_graph:
                    higher_order.check_gradient(node, input_grad, shape)
                _add(pending, parent, input_grad)
    found.update((key, value) for key, value in pending.items() if key in wanted)  # leaves
    results = []
    for position, tensor in enumerate(inputs):
        g = found.get(id(tensor.grad_fn or tensor))
        g = None if getattr(g, "array", 0) is None else g  # (custom_function_transforms.NoGradient: none)
        if g is not None and tensor.grad_fn is None:
            g = tensor_hooks.leaf_result(tensor, g, create_graph)
        if g is None and not allow_unused:
            raise RuntimeError(
                f"autograd.grad: input {position} (shape {tuple(tensor.shape)}) was not used to compute the "
                "outputs; pass allow_unused=True to get None for it"
            )
        if g is not None and create_graph:
            results.append(g if g.array.dtype == tensor.array.dtype else g.to(tensor.dtype))
            continue
        results.append(None if g is None else type(tensor).from_array(np.array(g, dtype=tensor.array.dtype)))
    return tuple(results)


def _hooked(node: Function, g: object, graph: bool) -> object:
    """``g`` through the node's tensor hooks, then into its retained ``.grad`` (PyTorch fills it here too)."""
    if node._tensor_hooks is not None:
        return tensor_hooks.before_backward(node, g, graph)
    tensor_hooks.retain(node.retained, g, graph)
    return g


def _leading_to(order: list[Function], wanted: set[int]) -> set[int]:
    """The ids of the nodes of ``order`` whose inputs lead, through ``parents``, to a wanted tensor.

    ``order`` lists each node before its parents, so walking it backwards
    settles every parent before the nodes it feeds. Cost: one look per edge.
    """
    leads: set[int] = set()
    for node in reversed(order):
        if any(
            parent is not None and (id(parent) in wanted or id(parent) in leads) for parent in node.parents
        ):
            leads.add(id(node))
    return leads


def _materialized(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, is_grads_batched):
    """:func:`grad` with ``materialize_grads=True``: zeros of each unused input's shape instead of None."""
    if allow_unused is False:
        raise ValueError(
            "autograd.grad: materialize_grads=True gives zeros for unused inputs, so allow_unused must be "
            "True or left out, got allow_unused=False"
        )
    found = grad(
        outputs,
        inputs,
        grad_outputs,
        retain_graph,
        create_graph,
        allow_unused=True,
        is_grads_batched=is_grads_batched,
    )
    inputs = _as_tuple(inputs)
    batch = (len(_as_tuple(grad_outputs)[0]),) if is_grads_batched else ()
    return tuple(
        type(x).from_array(np.zeros(batch + tuple(x.shape), dtype=x.array.dtype)) if g is None else g
        for x, g in zip(inputs, found)
    )


def _batched_over_grad_outputs(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused):
    """:func:`grad` with ``is_grads_batched=True``: ``vmap`` of the vector-Jacobian product over the
    leading dimension of every grad_output (one batched pass through the graph, not one per row)."""
    from .vmap_transform import vmap

    if grad_outputs is None:
        raise ValueError(
            "autograd.grad: is_grads_batched=True needs grad_outputs, batched in their first dimension"
        )
    seeds = _as_tuple(grad_outputs)

    unused: list[int] = []  # (the positions of unused inputs: the same for every row, one graph)

    def one_row(*rows):
        found = grad(outputs, inputs, rows, retain_graph, create_graph, allow_unused=allow_unused)
        unused[:] = [position for position, g in enumerate(found) if g is None]
        return tuple(g for g in found if g is not None)  # (vmap returns tensors only)

    stacked = iter(vmap(one_row)(*seeds))
    return tuple(None if position in unused else next(stacked) for position in range(len(_as_tuple(inputs))))


def backward(
    tensors: object,
    grad_tensors: object = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    grad_variables: object = None,
    inputs: object = None,
) -> None:
    """``torch.autograd.backward``: each tensor's ``backward()`` with its gradient, into ``.grad``
    (``inputs``: only into theirs, :func:`backward_into`; ``grad_variables``: PyTorch's old name of
    ``grad_tensors``)."""
    if grad_variables is not None:
        if grad_tensors is not None:
            raise RuntimeError(
                "autograd.backward: pass grad_tensors or its old name grad_variables, not both"
            )
        grad_tensors = grad_variables
    tensors = _as_tuple(tensors)
    seeds = _as_tuple(grad_tensors) if grad_tensors is not None else (None,) * len(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        return backward_into(tensors, seeds, retain_graph, create_graph, inputs)
    for position, (tensor, seed) in enumerate(zip(tensors, seeds)):
        keep = retain_graph or position < len(tensors) - 1
        tensor.backward(seed, retain_graph=keep, create_graph=create_graph)


def backward_into(
    outputs: tuple, seeds: tuple, retain_graph: bool, create_graph: bool, inputs: object
) -> None:
    """``backward(inputs=...)``: d(outputs)/d(input) added into each input's ``.grad``, and no other.

    As PyTorch: an input may be a leaf or an intermediate result (its ``.grad`` is set as if it had
    called ``retain_grad()``); one the outputs do not reach keeps its ``.grad``; each leaf's
    post-accumulate-grad hooks run after its ``.grad`` is written. Cost: :func:`grad`'s walk, which
    runs only the nodes on a path to an input.
    """
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("backward: inputs= cannot be empty; leave it out to reach every leaf")
    for position, tensor in enumerate(inputs):
        if not isinstance(tensor, tt_tensor.Tensor):
            raise TypeError(f"backward: inputs[{position}] must be a tensor, got {type(tensor).__name__}")
        if not tensor.requires_grad:
            raise RuntimeError(
                f"backward: inputs[{position}] (shape {tuple(tensor.shape)}) does not require grad, so it "
                "can't receive a gradient; create it with requires_grad=True or leave it out of inputs="
            )
    found = grad(outputs, inputs, seeds, retain_graph, create_graph, allow_unused=True)
    for tensor, g in zip(inputs, found):
        if g is None:
            continue
        if create_graph:
            higher_order.accumulate_tensor(tensor, g)
        else:
            accumulate(tensor, g.array, shared=False)
        hooks.run_post_accumulate_hooks(tensor)


def _as_tuple(value: object) -> tuple:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def seed_array(op: str, output: object, seed: object, name: str = "gradient") -> np.ndarray:
    """The gradient a backward pass of ``op`` starts ``output`` from: ``seed``'s values in ``output``'s
    dtype, or 1 for a real one-element output when ``seed`` is None. ``name``: the argument errors name."""
    if not output.requires_grad:
        raise RuntimeError(
            f"{op}: an output (shape {tuple(output.shape)}) does not require grad and has no grad_fn; did an "
            "operation run under no_grad, on .detach()ed data, or on inputs never marked requires_grad=True?"
        )
    if seed is None:
        if output.array.size != 1 or output.array.dtype.kind == "c":
            raise RuntimeError(
                f"{op}: grad can be implicitly created only for real one-element outputs, got shape "
                f"{tuple(output.shape)} of dtype {output.dtype}; pass {name}= a tensor of that shape, or "
                "reduce first (e.g. .sum(), and .abs() or .real for a complex result)"
            )
        return np.ones(output.shape, dtype=output.array.dtype)
    array = np.asarray(operand(seed), dtype=output.array.dtype)
    if array.shape != output.shape:
        raise RuntimeError(
            f"{op}: {name} of shape {array.shape} for an output of shape {tuple(output.shape)}"
        )
    return array


def _add(pending: dict, node: object, g: np.ndarray) -> None:
    key = id(node)
    pending[key] = pending[key] + g if key in pending else g


__all__ = ["backward", "grad"]
