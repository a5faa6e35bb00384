"""PyTorch's ``torch.autograd.Function``: custom differentiable operations written with tensors.

:class:`tt_autograd.Function` (the course's) computes on NumPy arrays. PyTorch's
custom Functions compute on tensors, and user code written for PyTorch subclasses
those::

    class MyExp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    y = MyExp.apply(x)          # y.grad_fn is the ctx: a node named "MyExpBackward"

This class gives PyTorch's semantics: ``forward`` runs with grad mode off on the
tensors given (arguments by position or by name, as ``apply(*args, **kwargs)`` binds
them) or, when the class defines ``setup_context(ctx, inputs, output)``, without
``ctx``; ``backward`` gets one gradient per output and returns one per input (extra
trailing ``None`` allowed), each summed down to its input's shape when it was
broadcast bigger and cast to its dtype. ``ctx`` is the graph node, so what forward
stores on it is there in backward: ``save_for_backward`` (tensors, checked unchanged by
in-place writes when read back as ``saved_tensors``), ``needs_input_grad``,
``mark_non_differentiable`` (those outputs get no gradient; backward sees zeros for
them), ``mark_dirty`` (an input written in place and returned: that tensor becomes the
output), ``set_materialize_grads(False)`` (an output the loss does not use gets
``None`` instead of zeros). ``backward`` itself is recorded under
``create_graph=True``, so a backward written in tensor operations can be differentiated
again; :func:`once_differentiable` marks one that cannot (a second derivative then
raises, as PyTorch's).

**How.** ``apply`` makes the node (an instance of a subclass of :class:`tt_autograd.Function`
built once per user class, so the engine walks it like any other), runs forward, and
links the outputs: one differentiable output gets the node as its ``grad_fn``; with
several, each gets a small :class:`_OutputFunction` whose backward hands its gradient to the
node in a :class:`_OutputGrads` keyed by output (the engine adds such gradients like
arrays), so the node's backward knows which outputs the loss used. The node's
``backward`` (arrays, a plain pass) and ``graph_backward`` (tensors, ``create_graph``)
both call the user's ``backward`` on tensors. The ``jvp`` and ``vmap`` staticmethods and
``generate_vmap_rule`` (forward-mode AD and vmap of a custom Function) are
:mod:`tt_autograd.custom_function_transforms`. Not supported: saved-tensor hooks on its
saved tensors. Cost: one Python call of each user method, and one more
node per output when there are several.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import numpy as np
from tt_tensor import Tensor as PlainTensor
from tt_tensor import versions

from . import custom_function_transforms as transforms
from . import forward_ad
from .function import Function as ArrayFunction
from .grad_mode import _state, no_grad
from .higher_order import delayed_error_gradients, sum_to

__all__ = ["Function", "FunctionCtx", "Variable", "once_differentiable"]

_ONCE = (
    "trying to differentiate twice a function that was marked with @once_differentiable: {name}'s "
    "backward cannot be differentiated again (compute this part without create_graph=True)"
)


def once_differentiable(backward):
    """Mark a custom Function's ``backward`` as not differentiable itself (it runs with grad mode off)."""

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with no_grad():
            return backward(ctx, *grads)

    wrapper._once_differentiable = True
    return wrapper


class FunctionCtx:
    """What forward stores for backward: the methods of PyTorch's ``ctx`` (every node is one)."""

    _saved = ()
    _saved_arrays: tuple = ()
    _saved_versions = None
    _dirty: tuple = ()
    _non_differentiable: tuple = ()
    _forward_saved: tuple | None = None
    _in_jvp = False
    materialize_grads = True

    def save_for_backward(self, *tensors: object) -> None:
        """Keep ``tensors`` (or ``None``) for backward; read them back as ``saved_tensors``."""
        _check_saved(tensors, "save_for_backward")
        self._saved = tensors
        self._saved_arrays = tuple(_array(t) for t in tensors)
        self._saved_versions = versions.snapshot(self._saved_arrays)

    def save_for_forward(self, *tensors: object) -> None:
        """Keep ``tensors`` (or ``None``) for ``jvp``, which reads them as ``saved_tensors``."""
        _check_saved(tensors, "save_for_forward")
        self._forward_saved = tensors

    @contextmanager
    def for_jvp(self) -> Iterator[None]:
        """While ``jvp`` runs: ``saved_tensors`` are those of ``save_for_forward`` (when it was called)."""
        self._in_jvp = True
        try:
            yield
        finally:
            self._in_jvp = False

    def mark_dirty(self, *tensors: object) -> None:
        """Say that forward wrote these inputs in place (and returns them)."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors: object) -> None:
        """Say that these outputs carry no gradient (indices, masks): they will not require grad."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward gets ``None`` (not zeros) for an output the loss did not use."""
        self.materialize_grads = bool(value)


class _CallFunction(FunctionCtx, ArrayFunction):
    """One call of a user's :class:`Function`: its ``ctx`` and its graph node (a subclass per user class)."""

    complex_gradient = "own"
    user: type  # the user's Function subclass
    outputs: tuple = ()  # (shape, dtype) per tensor output of forward, None for any other output

    @property
    def saved_tensors(self) -> tuple:
        if self._in_jvp and self._forward_saved is not None:
            return self._forward_saved
        saved = self._saved
        if saved is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors "
                "after they have already been freed); pass retain_graph=True to the first backward() call"
            )
        moved = versions.changed(self._saved_arrays, self._saved_versions)
        rebound = [i for i, (t, a) in enumerate(zip(saved, self._saved_arrays)) if _array(t) is not a]
        if moved is not None or rebound:
            position = moved[0] if moved is not None else rebound[0]
            raise RuntimeError(
                f"{self.name()}: saved tensor {position} has been modified by an in-place operation since "
                "forward, so its gradient would be computed from the wrong values; clone() it before "
                "changing it"
            )
        return saved

    @saved_tensors.setter
    def saved_tensors(self, value) -> None:
        self._saved = value

    @staticmethod
    def backward(node: _CallFunction, grad: object) -> tuple:
        with no_grad():
            grads = node._user_backward(grad, plain=True)
        return tuple(g if g is None or isinstance(g, transforms.NoGradient) else g.array for g in grads)

    @staticmethod
    def graph_backward(node: _CallFunction, grad: object) -> tuple:
        if getattr(node.user.backward, "_once_differentiable", False):
            return delayed_error_gradients(node, grad, _ONCE.format(name=node.user.__name__))
        return node._user_backward(grad)

    def _user_backward(self, grad: object, plain: bool = False) -> tuple:
        """The user's backward on tensors: one gradient per input, checked and fitted to it."""
        received = grad.grads if isinstance(grad, _OutputGrads) else {0: grad}
        grads = []
        for position, kind in enumerate(self.outputs):
            value = received.get(position)
            value = None if isinstance(value, transforms.NoGradient) else _as_tensor(value)
            if value is None and self.materialize_grads and kind is not None:  # (None for a non-tensor)
                value = _as_tensor(np.zeros(*kind))
            grads.append(value)
        user = self.user
        result = (user.backward if user.backward is not Function.backward else user.vjp)(self, *grads)
        result = result if isinstance(result, tuple) else (result,)
        expected = len(self.parents)
        if len(result) < expected or any(g is not None for g in result[expected:]):
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients (expected {expected}, "
                f"got {len(result)})"
            )
        fitted = tuple(
            _fitted(self, position, g, shape, dtype)
            for position, (g, shape, dtype) in enumerate(zip(result, self.input_shapes, self._input_dtypes))
        )
        if not plain:
            return fitted
        return tuple(
            transforms.no_gradient(self, parent, shape, (_CallFunction, _OutputFunction)) if g is None else g
            for g, parent, shape in zip(fitted, self.parents, self.input_shapes)
        )


def _fitted(node: _CallFunction, position: int, grad: object, shape: tuple | None, dtype) -> object:
    """``grad`` for input ``position``: None where none is needed, summed to ``shape``, in ``dtype``."""
    if grad is None or node.parents[position] is None:
        return None
    if not isinstance(grad, PlainTensor):
        raise TypeError(
            f"function {node.name()} returned a gradient of type {type(grad).__name__} for input {position}; "
            "backward must return tensors (or None)"
        )
    if tuple(grad.shape) != tuple(shape):
        try:  # an input broadcast to the gradient's shape gets the gradient summed back (as PyTorch)
            fits = np.broadcast_shapes(tuple(grad.shape), tuple(shape)) == tuple(grad.shape)
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {position} - got "
                f"{list(grad.shape)} but expected shape compatible with {list(shape)}"
            )
        grad = sum_to(grad, tuple(shape))
    return grad if grad.dtype == dtype else grad.to(dtype)


class _OutputGrads:
    """The gradients of several outputs of one node, by output position; they add up like arrays."""

    #: What the engine compares with the node's recorded input shape (its marker, not an array's shape).
    shape = ("outputs",)

    def __init__(self, grads: dict) -> None:
        self.grads = grads

    def __add__(self, other: _OutputGrads) -> _OutputGrads:
        # (each output's node sends once per pass, the sum of what it got: the positions never meet)
        return _OutputGrads({**self.grads, **other.grads})


class _OutputFunction(ArrayFunction):
    """Output ``position`` of a node with several: passes its gradient on to the node, labelled."""

    complex_gradient = "own"
    position = 0

    @staticmethod
    def backward(node: _OutputFunction, grad: object) -> tuple:
        return (_OutputGrads({node.position: grad}),)

    graph_backward = backward

    def name(self) -> str:
        return self.parents[0].name()

    def __getattr__(self, name: str) -> object:  # ``out.grad_fn.saved_tensors``, ``out.grad_fn.k``, ...
        parents = self.__dict__.get("parents")
        if not parents:  # (not linked yet: nothing to read from)
            raise AttributeError(name)
        return getattr(parents[0], name)


class Function:
    """Base class of PyTorch-style custom Functions: subclass it, write ``forward`` and ``backward``
    as static methods on tensors, and call ``YourFunction.apply(*args)`` (see the module docstring)."""

    _nodes: dict = {}

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom autograd.Function to use "
            "it with backward mode AD."
        )

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """Forward-mode rule: one tangent per output from one per input (custom_function_transforms.py)."""
        message = (
            "You must implement the jvp function for custom autograd.Function to use it with forward mode AD."
        )
        user = getattr(ctx, "user", None)  # (ctx is the node of the user's class while apply runs)
        if user is not None:
            message += (
                f" ({user.__name__} has none: give it a jvp(ctx, *grad_inputs) staticmethod returning one "
                "tangent per output of forward)"
            )
        raise NotImplementedError(message)

    @staticmethod
    def vmap(info, in_dims, *args):
        """Batching rule: ``(output, out_dims)`` from unbatched arguments (custom_function_transforms.py)."""
        raise NotImplementedError(
            "To use autograd.Function with vmap, you must override the vmap staticmethod."
        )

    #: With True, vmap runs ``forward`` on the batched tensors (its operations have batching rules).
    generate_vmap_rule = False

    def __init__(self, *args, **kwargs) -> None:
        if args or kwargs:
            raise RuntimeError(
                "Legacy autograd function with non-static forward method is deprecated. Please use new-style "
                "autograd function with static forward method: call YourFunction.apply(...)"
            )

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` on ``args`` and record a node when a gradient can flow; the outputs."""
        separate = cls.setup_context is not Function.setup_context
        args = _bind(cls.forward, args, kwargs, skip_ctx=not separate)
        if transforms.batched(args):  # inside vmap (custom_function_transforms.py)
            output = transforms.vmapped(cls, args, Function)
            if output is not None:
                return output
        node = _node_class(cls)()
        recording = _state.enabled and any(_requires_grad(a) for a in args)
        node.needs_input_grad = tuple(recording and _requires_grad(a) for a in args)
        tangents = transforms.tangents_in(args, cls)  # None unless an input has a tangent (then cls.jvp runs)
        with no_grad(), forward_ad.untangented() if tangents is not None else nullcontext():
            if separate:
                output = cls.forward(*args)
                cls.setup_context(node, args, output)
            else:
                output = cls.forward(node, *args)
        if recording:
            output = _link(node, args, output)
        if tangents is not None:
            output = transforms.pushed(cls, node, args, tangents, output, _alias)
        return output


def _link(node: _CallFunction, args: tuple, output: object) -> object:
    """Make ``node`` the graph node of ``output``'s differentiable tensors; the outputs as returned."""
    outputs = output if isinstance(output, tuple) else (output,)
    node.parents = [(a.grad_fn or a) if _requires_grad(a) else None for a in args]
    # (physical shapes: inside vmap the engine walks the physical graph, custom_function_transforms.py)
    node.input_shapes = [tuple(a.array.shape) if isinstance(a, PlainTensor) else None for a in args]
    node._input_dtypes = [a.dtype if isinstance(a, PlainTensor) else None for a in args]
    for tensor in node._dirty:
        if tensor.grad_fn is None and _requires_grad(tensor):
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    dirty = {id(t) for t in node._dirty}
    excluded = {id(t) for t in node._non_differentiable}
    linked, wanted = [], []
    for position, out in enumerate(outputs):
        if isinstance(out, PlainTensor):
            given_back = any(out is a for a in args) and id(out) not in dirty
            out = _alias(out) if given_back else out  # an input returned as it is: a new tensor on it
            if id(outputs[position]) not in excluded and out.array.dtype.kind in "fc":
                wanted.append(position)
        linked.append(out)
    node.outputs = tuple(
        (tuple(o.array.shape), o.array.dtype) if isinstance(o, PlainTensor) else None for o in linked
    )
    if len(linked) == 1 and wanted:
        _join(linked[0], node)
    for position in wanted if len(linked) > 1 else ():
        proxy = _OutputFunction()
        proxy.position, proxy.parents, proxy.input_shapes = position, [node], [_OutputGrads.shape]
        _join(linked[position], proxy)
    return tuple(linked) if isinstance(output, tuple) else linked[0]


def _join(tensor: PlainTensor, node: ArrayFunction) -> None:
    tensor._requires_grad = True
    tensor.grad_fn = node


def _alias(tensor: PlainTensor) -> PlainTensor:
    """A new tensor on the same array (a view, as PyTorch returns for an input given back)."""
    return type(tensor).from_array(tensor.array.view())


def _node_class(user: type) -> type:
    """The node class of ``user`` (made once): named ``<user>`` in ``user``'s module, so
    ``grad_fn.name()`` is PyTorch's ``<user>Backward``."""
    node_class = Function._nodes.get(user)
    if node_class is None:
        node_class = type(user.__name__, (_CallFunction,), {"user": user, "__module__": user.__module__})
        Function._nodes[user] = node_class
    return node_class


def _bind(forward, args: tuple, kwargs: dict, skip_ctx: bool) -> tuple:
    """``args`` and ``kwargs`` as forward's positional arguments (defaults filled in), without ``ctx``."""
    if not kwargs:
        return args
    parameters = list(inspect.signature(forward).parameters.values())[1 if skip_ctx else 0 :]
    bound = inspect.Signature(parameters).bind(*args, **kwargs)
    bound.apply_defaults()
    return tuple(bound.args)


def _check_saved(tensors: tuple, name: str) -> None:
    for position, tensor in enumerate(tensors):
        if tensor is not None and not isinstance(tensor, PlainTensor):
            raise TypeError(
                f"{name} can only save tensors or None, got {type(tensor).__name__} at "
                f"position {position}; keep other values as attributes of ctx (ctx.value = ...)"
            )


def _requires_grad(value: object) -> bool:
    return isinstance(value, PlainTensor) and bool(getattr(value, "_requires_grad", False))  # (plain: none)


def _array(value: object) -> object:
    return value.array if isinstance(value, PlainTensor) else value


def _as_tensor(value: object) -> object:
    if isinstance(value, np.ndarray):
        from .tensor import Tensor

        return Tensor.from_array(value)
    return value


class _VariableMeta(type):
    def __instancecheck__(cls, instance: object) -> bool:
        return isinstance(instance, PlainTensor)


class Variable(metaclass=_VariableMeta):
    """PyTorch's deprecated ``Variable``: every tensor is one (``isinstance``), and ``Variable(t,
    requires_grad)`` is a new tensor on ``t``'s memory, detached, requiring grad as asked."""

    def __new__(cls, data: object, requires_grad: bool = False, volatile: bool = False):
        if not isinstance(data, PlainTensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        from .tensor import Tensor

        tensor = Tensor.from_array(data.array)
        tensor.requires_grad_(bool(requires_grad))
        return tensor
