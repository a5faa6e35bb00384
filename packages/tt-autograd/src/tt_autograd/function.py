"""``Function``: one differentiable operation, its forward and backward side by side.

A subclass implements two static methods on NumPy arrays:

* ``forward(ctx, *inputs, **params) -> array`` computes the result and saves
  what backward will need, with ``ctx.save_for_backward(...)`` (arrays) or as
  plain attributes of ``ctx`` (shapes, dims);
* ``backward(ctx, grad) -> tuple`` returns one gradient per positional input
  (``None`` for inputs that need none; ``ctx.needs_input_grad`` says which).
  It must not modify ``grad`` in place.

A subclass may also give ``graph_backward(ctx, grad)``: the same rule written
with tensor operations on a ``grad`` tensor, which ``create_graph=True`` runs
so the gradient has a graph of its own (:mod:`tt_autograd.higher_order`).

``apply`` runs forward and, when grad mode is on and some input requires
grad, records the call as a node of the graph: the ``ctx`` itself, which the
output keeps as its ``grad_fn``. Nothing is recorded otherwise, so inference
pays only for the forward computation.
"""

from __future__ import annotations

import numpy as np
from tt_tensor import Tensor as PlainTensor
from tt_tensor import versions

from . import saved_hooks
from .complex_grad import CONJUGATE, has_complex_input, refuse, route
from .grad_mode import _state

#: Callables ``hook(function_class, inputs, params, output)`` run after every ``apply``;
#: appended and removed by :func:`tt_autograd.tracing.record_calls` and by ``checkpoint``'s watch.
_CALL_HOOKS: list = []

#: While a vmap runs: ``[rule(function_class, inputs, params)]``, which runs a call on batched tensors
#: (:mod:`tt_autograd._vmap_rules`) and returns None for the others; empty otherwise.
_BATCH_HOOK: list = []

#: While a forward-AD level is open: ``[propagate(function_class, ctx, inputs, output)]``, which gives the
#: output its tangent (:mod:`tt_autograd.forward_ad`); empty otherwise.
_FORWARD_HOOK: list = []


class Function:
    """Base class of differentiable operations; each instance is one node of the graph."""

    #: Arrays kept for backward (read them as ``saved_tensors``); ``None`` once the graph has been freed.
    _saved: tuple[np.ndarray, ...] | None = ()
    _saved_versions: tuple[int, ...] | None = None

    #: Set by ``retain_grad()``: a weak reference to the output tensor that keeps its ``.grad``.
    retained = None

    #: The output's ``register_hook`` hooks (:mod:`tt_autograd.tensor_hooks`); None while it has none.
    _tensor_hooks = None

    #: Where the user's code created this node, kept while anomaly mode is on (:mod:`tt_autograd.anomaly`).
    forward_trace = None

    #: The node whose backward was running when this one was recorded (anomaly mode: a create_graph pass).
    induced_by = None

    #: For a node whose ``backward`` accumulates into ``.grad`` itself rather than returning gradients
    #: (``nn.DataParallel``'s gather, which runs the replicas' backward on worker threads): a staticmethod
    #: that returns them instead, which ``autograd.grad`` calls: the walk goes on, ``.grad`` is untouched.
    returning_backward = None

    #: How the rules treat complex tensors (:mod:`tt_autograd.complex_grad`): None refuses them,
    #: ``"conjugate"`` wraps rules written as ``grad * f'``, ``"own"`` marks rules written for complex.
    complex_gradient: str | None = None

    @classmethod
    def apply(cls, *inputs: object, **params: object):
        """Run forward on ``inputs`` (tensors or scalars) and record the node when needed."""
        if cls.complex_gradient is None and has_complex_input(inputs):
            refuse(cls)  # a rule written for real numbers only (complex_grad.py)
        if _BATCH_HOOK:  # a vmap is running (tt_autograd.vmap_transform)
            batched = _BATCH_HOOK[0](cls, inputs, params)
            if batched is not None:
                return batched
        # BEGIN SOLUTION 02
        # TODO: run forward on the inputs' arrays and record the node only when needed (§ How it is built,
        #   "Record only when needed"): grad enabled and some input requires grad.
        # APPROACH: one pass over inputs: arrays for forward, and per input its parent (its grad_fn, or the
        #   leaf itself, or None); set ctx.needs_input_grad; wrap the output; link it to ctx if recording.
        # HINT: an integer result carries no gradient, even from float inputs.
        ctx = cls()
        enabled = _state.enabled
        # One pass over the inputs collects their arrays and, for each input that requires grad,
        # the node its gradient goes to (its grad_fn, or the leaf itself); None for the others.
        arrays, parents = [], []
        record = False
        for x in inputs:
            if isinstance(x, PlainTensor):
                arrays.append(x.array)
                if enabled and getattr(x, "_requires_grad", False):
                    parents.append(x.grad_fn or x)
                    record = True
                    continue
            else:
                arrays.append(x)
            parents.append(None)
        if record:
            ctx.needs_input_grad = [parent is not None for parent in parents]
        output = _tensor_class().from_array(cls.forward(ctx, *arrays, **params))
        if record and output.array.dtype.kind == "f":  # integer results carry no gradient
            ctx.parents = parents
            ctx.input_shapes = [None if p is None else a.shape for p, a in zip(parents, arrays)]
            output._requires_grad = True
            output.grad_fn = ctx
        # END SOLUTION
        if output.array.dtype.kind == "c" or (
            output.grad_fn is ctx and cls.complex_gradient == CONJUGATE and has_complex_input(inputs)
        ):
            output = route(cls, ctx, inputs, output)  # complex tensors (complex_grad.py)
        if _FORWARD_HOOK:  # a forward-AD level is open (tt_autograd.forward_ad)
            _FORWARD_HOOK[0](cls, ctx, inputs, output)
        for hook in _CALL_HOOKS:  # empty unless a trace is running (tracing.record_calls)
            hook(cls, inputs, params, output)
        return output

    def save_for_backward(self, *arrays: np.ndarray) -> None:
        """Keep ``arrays`` for backward (freed after backward unless ``retain_graph``).

        Their version counters are noted too: if one of them is written in place
        before backward reads it, backward raises instead of using the new values.
        Inside ``torch.autograd.graph.saved_tensors_hooks(pack, unpack)`` a recorded
        node keeps what ``pack`` returned instead (:mod:`tt_autograd.saved_hooks`).
        """
        if saved_hooks._state.stack and "needs_input_grad" in self.__dict__:  # recorded (apply set it)
            self._saved, self._saved_versions = saved_hooks.pack(arrays), None
            return
        self._saved = arrays
        self._saved_versions = versions.snapshot(arrays)

    @property
    def saved_tensors(self) -> tuple[np.ndarray, ...] | None:
        """The arrays saved for backward, checked unchanged since; ``None`` once the graph was freed."""
        saved = self._saved
        if type(saved) is saved_hooks.Packed:
            return saved.unpack()
        if saved and versions.counts:
            moved = versions.changed(saved, self._saved_versions)
            if moved is not None:
                raise RuntimeError(_modified_message(self, saved, *moved))
        return saved

    @saved_tensors.setter
    def saved_tensors(self, arrays: tuple[np.ndarray, ...] | None) -> None:
        self._saved = arrays

    @staticmethod
    def forward(ctx: Function, *inputs: object, **params: object) -> np.ndarray:
        """Compute the result from NumPy ``inputs``; save on ``ctx`` what backward needs."""
        raise NotImplementedError(f"{type(ctx).__name__} must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """Given d(loss)/d(output), return d(loss)/d(input) for each positional input (or None)."""
        raise NotImplementedError(f"{type(ctx).__name__} must define backward(ctx, grad)")

    #: ``graph_backward(ctx, grad: Tensor) -> tuple``: backward in tensor operations, for higher-order
    #: gradients (:mod:`tt_autograd.higher_order`); None while the Function has none.
    graph_backward = None

    def input_tensor(self, position: int, value: object) -> object:
        """Input ``position`` of forward, whose array forward received as ``value``, joined to its graph.

        For ``graph_backward``: a gradient computed from the result depends on that
        input through the graph that made it. A leaf comes back as itself; an input
        made by another node as a new tensor whose ``grad_fn`` is that node; an input
        that needs no gradient (or a Python scalar) as a constant.
        """
        parent = self.parents[position]
        if parent is None:
            if not isinstance(value, np.ndarray):
                return value
            return self._dual(_tensor_class().from_array(value), position)
        if not isinstance(parent, Function):
            return parent  # (a leaf carries its own tangent)
        return self._dual(_joined(value, parent), position)

    def output_tensor(self, value: np.ndarray) -> object:
        """This node's output (forward returned ``value``) as a tensor whose ``grad_fn`` is this node."""
        return self._dual(_joined(value, self), None)

    def _dual(self, tensor: object, position: int | None) -> object:
        """``tensor`` with the tangent input ``position`` (None: the output) had in forward, if any."""
        for level, (inputs, output) in (self._fw or {}).items():
            tangent = output if position is None else inputs[position]
            if tangent is not None:
                tensor._fw_tangent = {**(getattr(tensor, "_fw_tangent", None) or {}), level: tangent}
        return tensor

    #: While forward-AD levels are open: ``{level: (input tangents, output tangent)}`` of this call,
    #: which ``input_tensor``/``output_tensor`` hand on: a recorded backward then carries tangents.
    _fw = None

    #: ``{key: hook}`` of ``register_prehook`` / ``register_hook`` (:mod:`tt_autograd.graph`); None until one.
    _node_prehooks = None
    _node_hooks = None
    _metadata = None

    def name(self) -> str:
        """PyTorch's name of this node, e.g. ``MulBackward0`` (see :func:`tt_autograd.graph.node_name`)."""
        from .graph import node_name

        return node_name(type(self))

    @property
    def next_functions(self) -> tuple:
        """``((node, 0), ...)``, one pair per input of forward: the input's ``grad_fn``, the
        ``AccumulateGrad`` node of a leaf that requires grad, or None (:mod:`tt_autograd.graph`)."""
        from .graph import next_functions

        return next_functions(self)

    @property
    def metadata(self) -> dict:
        """A dict kept with this node, for the user's notes (empty at first)."""
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    def register_prehook(self, fn):
        """``fn(grad_outputs) -> tuple | None`` before this node's backward (may replace the gradient)."""
        from .graph import add_node_hook

        return add_node_hook(self, "_node_prehooks", fn)

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs) -> tuple | None`` after the node's backward (may replace them)."""
        from .graph import add_node_hook

        return add_node_hook(self, "_node_hooks", fn)

    def __repr__(self) -> str:
        return f"<{self.name()}>"


def _modified_message(node: Function, saved: tuple, position: int, then: int, now: int) -> str:
    array = saved[position]
    return (
        f"{node.name()}: one of the arrays it saved for backward (saved array {position}, shape "
        f"{tuple(array.shape)}, {array.dtype}) has been modified by an in-place operation since forward "
        f"(it is at version {now}; forward saw version {then}), so its gradient would be computed from "
        "the wrong values. Use the out-of-place form (x = x + 1 rather than x += 1), or clone() the "
        "tensor before changing it; an optimizer step also counts, so call backward() before step()."
    )


def _joined(value: np.ndarray, node: Function) -> object:
    tensor = _tensor_class().from_array(value)
    tensor._requires_grad = True
    tensor.grad_fn = node
    return tensor


def _tensor_class() -> type:
    """tt-autograd's Tensor, imported on first use (tensor.py imports this module)."""
    global _TENSOR
    if _TENSOR is None:
        from .tensor import Tensor

        _TENSOR = Tensor
    return _TENSOR


_TENSOR: type | None = None


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the dimensions broadcasting added or stretched, back to ``shape``.

    Broadcasting copies an input along new leading dimensions and along its
    size-1 dimensions; the gradient of a copy is the sum over the copies.
    """
    # BEGIN SOLUTION 02
    # TODO: reduce grad to shape by summing where broadcasting copied the input.
    # EXAMPLE: grad (4, 3, 5) for an input of shape (3, 1): sum axis 0 (added) and axis 2 (stretched
    #   from 1), keeping the size-1 axis: result (3, 1).
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, size in enumerate(shape) if size == 1 and grad.shape[lead + i] != 1
    )
    return grad.sum(axis=axes).reshape(shape) if axes else grad.reshape(shape)
    # END SOLUTION
