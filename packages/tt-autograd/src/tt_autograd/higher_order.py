"""Higher-order gradients: a backward pass that records a graph of its own (``create_graph=True``).

The ordinary backward (:mod:`tt_autograd.engine`) computes gradients on NumPy
arrays: fast, and with no history, so a gradient cannot be differentiated
again. ``backward(create_graph=True)`` and ``autograd.grad(..., create_graph=True)``
walk the same nodes in the same order, but call each node's
``graph_backward``: the same rule written with tensor operations on a gradient
*tensor*. Under grad mode those operations record nodes, so the gradient that
comes out has a ``grad_fn`` and can be differentiated again: a gradient
penalty (WGAN-GP), a Hessian-vector product, meta-learning.

A rule reaches the tensors forward saw through ``ctx.input_tensor(i, array)``
and ``ctx.output_tensor(array)``, which join the saved arrays to the graph
that made them. Example, for ``y = a * b``::

    @staticmethod
    def graph_backward(ctx, grad):
        a, b = ctx.saved_tensors
        a_t, b_t = ctx.input_tensor(0, a), ctx.input_tensor(1, b)
        return sum_to(grad * b_t, shape(a)), sum_to(grad * a_t, shape(b))

Then ``d(grad * b)/db`` is ``grad``: the mixed second derivative.

A node whose Function has no ``graph_backward`` (a user's first-order
Function, ``cdist``) still gives its gradient, from its plain backward, but as
the output of a :class:`DelayedErrorFunction` node that raises, naming it, when
that gradient is differentiated — PyTorch's ``DelayedError``. A ``create_graph``
pass that never differentiates through it (a penalty on another part of the
model) works; one that does stops. Treating the gradient as a constant instead
would silently drop second-order terms.

Cost: the gradient pass costs about what the forward pass did (each rule's
operations are recorded), and the first graph is kept (``retain_graph``
defaults to True) because the second pass runs through it.
"""

from __future__ import annotations

import numpy as np

from . import anomaly, tensor_hooks
from .function import Function, _joined, _tensor_class
from .grad_mode import enable_grad
from .hooks import hook_schedule, run_hooks


def sum_to(grad: object, shape: tuple[int, ...]) -> object:
    """``unbroadcast`` for a gradient tensor: sum over the dims broadcasting added or stretched."""
    if tuple(grad.shape) == tuple(shape):
        return grad
    lead = len(grad.shape) - len(shape)
    stretched = [lead + i for i, size in enumerate(shape) if size == 1 and grad.shape[lead + i] != 1]
    dims = tuple(range(lead)) + tuple(stretched)
    return grad.sum(dim=dims).reshape(shape) if dims else grad.reshape(shape)


class ZeroSlopeFunction(Function):
    """A step function of one input (a 0/1 mask, a sign), recorded with its derivative: 0.

    Made by :func:`zero_slope`, not by ``apply``: its one parent is the input's.
    """

    @staticmethod
    def backward(ctx, grad):
        return (np.zeros(ctx.input_shapes[0], dtype=grad.dtype),)

    @staticmethod
    def graph_backward(ctx, grad):
        return (_tensor_class().from_array(np.zeros(ctx.input_shapes[0], dtype=grad.array.dtype)),)


def zero_slope(ctx: Function, position: int, value: np.ndarray) -> object:
    """``value``, a step function of input ``position`` of ``ctx``, as a tensor joined to that input.

    A rule built from it (``grad * mask``) then still depends on the input, with second derivative
    0 there, as PyTorch's does for relu, leaky_relu, hardtanh and abs; a second ``grad()`` returns
    zeros instead of refusing an output that does not require grad.
    """
    node = ZeroSlopeFunction()  # the input requires grad: a single-input rule is only run when it does
    node.parents, node.input_shapes = [ctx.parents[position]], [ctx.input_shapes[position]]
    tensor = _tensor_class().from_array(np.asarray(value))
    tensor._requires_grad = True
    tensor.grad_fn = node
    return tensor


def differentiable_backward(node: Function, grad: object) -> tuple:
    """``node``'s input gradients from its ``graph_backward``, recorded (grad mode on).

    Without a ``graph_backward``: its plain gradients, each raising when differentiated
    (:func:`delayed_error_gradients`).
    """
    rule = type(node).graph_backward
    if rule is None:
        name = type(node).__name__
        return delayed_error_gradients(
            node,
            grad,
            f"create_graph=True: {node.name()} ({name}) has no differentiable backward yet, so the gradient "
            "it computed cannot be differentiated again; compute this part without create_graph or write "
            f"{name}.graph_backward (tensor operations; see tt_autograd.higher_order)",
        )
    with enable_grad():
        return anomaly.checked(node, lambda: rule(node, grad))


class DelayedErrorFunction(Function):
    """A gradient that its node could not record: its value, and an error when it is differentiated.

    Inputs: the incoming gradient and the node's own inputs (placeholders of their shapes, joined to
    their graphs), so the gradient depends on everything it does depend on and can never pass for a
    constant; ``value`` is the plain gradient; both backward rules raise ``message``.
    """

    complex_gradient = "own"  # its rules only raise, for complex gradients too

    @staticmethod
    def forward(ctx, *inputs, value, message):
        ctx.message = message
        return value

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError(ctx.message)

    @staticmethod
    def graph_backward(ctx, grad):
        raise NotImplementedError(ctx.message)


def delayed_error_gradients(node: Function, grad: object, message: str) -> tuple:
    """``node``'s plain gradients under ``create_graph``, each a :class:`DelayedErrorFunction` output.

    For a node without a recorded rule, or whose gradient is not differentiable (as in PyTorch):
    a ``create_graph`` pass goes on, and differentiating one of these gradients raises ``message``.
    Cost: the plain backward; the placeholders are broadcast views (no memory).
    """
    arrays = type(node).backward(node, grad.array)
    zero = np.zeros((), dtype=grad.array.dtype)
    sources = [grad]
    for parent, shape in zip(node.parents, node.input_shapes):
        if isinstance(parent, Function):
            sources.append(_joined(np.broadcast_to(zero, shape), parent))
        elif parent is not None:
            sources.append(parent)  # a leaf
    with enable_grad():
        return tuple(
            None if a is None else DelayedErrorFunction.apply(*sources, value=a, message=message)
            for a in arrays
        )


def check_gradient(node: Function, grad: object, shape: tuple[int, ...]) -> None:
    """Raise when a rule returned a gradient of the wrong shape (a bug in the Function)."""
    if tuple(grad.shape) != tuple(shape):
        raise RuntimeError(
            f"{node.name()} returned a gradient of shape {tuple(grad.shape)} for an input of shape "
            f"{tuple(shape)}: the graph_backward rule of {type(node).__name__} is wrong"
        )


def run_graph_backward(root: Function, grad: object, retain_graph: bool) -> None:
    """Like :func:`tt_autograd.engine.run_backward`, with gradient tensors that keep their graph.

    Each leaf's ``.grad`` becomes (or is added to, out of place) a tensor with a ``grad_fn``.
    """
    from .engine import topological_order
    from .graph import run_node

    pending: dict[Function, object] = {root: grad}
    order = topological_order(root)
    finishing = hook_schedule(order, graph=True)
    for node in order:
        grad = pending.pop(node, None)
        if grad is None:
            run_hooks(finishing.get(node, ()))
            continue
        if node._saved is None:
            raise RuntimeError(
                "backward: trying to backward through the graph a second time (its saved arrays were freed); "
                "pass retain_graph=True to the first backward() call"
            )
        if node._tensor_hooks is not None:
            grad = tensor_hooks.before_backward(node, grad, graph=True)
        if node.retained is not None:
            tensor = node.retained()
            if tensor is not None:
                accumulate_tensor(tensor, grad)
        input_grads = run_node(node, grad, differentiable_backward)
        if not retain_graph and node._saved:
            node.saved_tensors = None
        for parent, input_grad, shape in zip(node.parents, input_grads, node.input_shapes):
            if parent is None or input_grad is None:
                continue
            check_gradient(node, input_grad, shape)
            if isinstance(parent, Function):
                pending[parent] = pending[parent] + input_grad if parent in pending else input_grad
            else:
                accumulate_tensor(parent, input_grad)
        run_hooks(finishing.get(node, ()))


def accumulate_tensor(tensor: object, grad: object) -> None:
    """``tensor.grad = grad`` the first time, else ``tensor.grad + grad`` (out of place, as PyTorch does)."""
    dtype = tensor.array.dtype  # type: ignore[attr-defined]
    if grad.array.dtype != dtype:
        grad = grad.to(tensor.dtype)  # type: ignore[attr-defined]
    existing = tensor.grad  # type: ignore[attr-defined]
    tensor.grad = grad if existing is None else existing + grad  # type: ignore[attr-defined]


def seed_tensor(seed: object, array: np.ndarray) -> object:
    """The gradient to start the recorded pass from: the caller's tensor itself (so the result can be
    differentiated with respect to it too, as in PyTorch), else ``array`` as a constant tensor."""
    if isinstance(seed, _tensor_class()) and seed.array.dtype == array.dtype and seed.shape == array.shape:
        return seed
    return _tensor_class().from_array(array)


def composite_gradients(node: Function, grad: object, composite: object, values: tuple) -> tuple:
    """What ``graph_backward`` returns, through ``composite``: the node's forward in tensor operations.

    For a fused Function whose rule is long to write by hand (a normalisation, a
    loss): ``composite(*inputs)`` must recompute the node's output from tensors
    whose values are ``values`` (one per input of forward: the array forward
    received, or one it cannot tell from it, such as ``x - mean`` for a
    normalisation; None for an input that gets no gradient). The gradients are
    ``grad(composite(...), inputs, grad, create_graph=True)``, joined to the
    inputs' graphs: right to any order when the composite is right, since each of
    its operations has its own rule. Each input enters through a copy, so an input
    given twice gets each of its gradients once.

    Cost: one recorded forward of the composite (its primitives and their saved
    arrays) and one recorded backward through it, per call: what the unfused
    function would cost, paid only with ``create_graph=True``.
    """
    from .gradients import grad as gradient

    inputs = [None if v is None else node.input_tensor(i, v).clone() for i, v in enumerate(values)]
    wanted = [i for i, (x, need) in enumerate(zip(inputs, node.needs_input_grad)) if need and x is not None]
    output = composite(*inputs)
    grads = gradient(output, [inputs[i] for i in wanted], grad, create_graph=True, allow_unused=True)
    result: list = [None] * len(values)
    for i, g in zip(wanted, grads):  # an input the output does not depend on: a zero gradient
        result[i] = _tensor_class().from_array(np.zeros_like(values[i])) if g is None else g
    return tuple(result)


class LinearMapFunction(Function):
    """``y = apply(x)`` for a linear map given with its adjoint; the gradient is ``adjoint(grad)``.

    The recorded backward of a Function whose backward is linear in ``grad`` with
    coefficients that do not vary with the input (a pooling's routing, an average):
    :func:`linear_map` records that backward as a node of this kind, and its own
    gradient is the adjoint, recorded the same way with the two maps swapped, so
    the pair is closed under differentiation to any order. Both maps act on arrays.
    """

    @staticmethod
    def forward(ctx, x, apply, adjoint):
        ctx.maps = (apply, adjoint)
        return apply(x)

    @staticmethod
    def backward(ctx, grad):
        return (ctx.maps[1](grad),)

    @staticmethod
    def graph_backward(ctx, grad):
        apply, adjoint = ctx.maps
        return (LinearMapFunction.apply(grad, apply=adjoint, adjoint=apply),)


def backward_slopes(ctx: Function, grad: object) -> np.ndarray:
    """The node's own ``backward`` run on ones: the coefficients of a gradient that is linear in ``grad``.

    For a rule whose coefficients are constants where a derivative exists (a mask, a clamp's
    inside, a max's shares): ``grad * backward_slopes(ctx, grad)`` for an element-wise one.
    """
    return type(ctx).backward(ctx, np.ones(grad.shape, grad.array.dtype))[0]


def linear_map(grad: object, apply, adjoint) -> object:
    """``apply(grad)`` recorded, with ``adjoint`` its transpose (see :class:`LinearMapFunction`)."""
    return LinearMapFunction.apply(grad, apply=apply, adjoint=adjoint)
