"""The graph's nodes as PyTorch shows them: ``torch.autograd.graph`` and the Node API of ``grad_fn``.

Every ``grad_fn`` is a :class:`~tt_autograd.function.Function` instance (the
``ctx`` of its forward), and is a :class:`Node`:

* ``name()``: PyTorch's name of the node (:func:`node_name`);
* ``next_functions``: one ``(node, 0)`` pair per input of forward: the input's
  ``grad_fn``, the :class:`AccumulateGrad` node of a leaf that requires grad, or
  ``None`` for an input that needs no gradient (a constant, a Python number). A walk
  over ``next_functions`` (what torchviz does) reaches every leaf that gets a gradient;
  the output number is always 0 (each TinyTorch Function has one output);
* ``metadata``: a dict for the user's notes;
* ``register_prehook(fn)``: ``fn(grad_outputs)`` before the node's backward, may
  return a replacement tuple; ``register_hook(fn)``: ``fn(grad_inputs, grad_outputs)``
  after it, may return replacement ``grad_inputs`` (one per input, None where the
  input needs no gradient, as for PyTorch's built-in nodes; PyTorch shows what a custom
  Function's backward returned there). Both give a handle with ``.remove()``. They run in
  ``backward()``, ``autograd.grad`` and ``create_graph=True`` passes, after the
  tensor hooks of the node's output, as in PyTorch.

A leaf's :class:`AccumulateGrad` node is made on first request and kept (weakly) by
the leaf, so two paths to the same leaf show the same node, as torchviz expects.

Names (:func:`node_name`): a Function of a ``tt_*`` package is named after PyTorch's
node for the same operation, ``<Stem>Backward0`` for ``<Stem>Function`` unless
:data:`TORCH_NAMES` lists another name (``ReLUFunction``: ``ReluBackward0``,
``Conv2dFunction``: ``ConvolutionBackward0``, ``LayerNormFunction``:
``NativeLayerNormBackward0``). Where PyTorch picks among overloads by the arguments
(``SumBackward0``/``SumBackward1``, ``SelectBackward0``/``IndexBackward0``), one
TinyTorch class covers them and takes one name. A user's Function subclass ``MyExp``
gives ``MyExpBackward``, as PyTorch's custom Functions do.

Cost: nothing until used; a hooked node pays one tensor wrap per hook call.
"""

from __future__ import annotations

import abc
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
from tt_tensor import Tensor as PlainTensor
from tt_tensor import versions

from . import hooks, tensor_hooks
from .function import Function, _tensor_class
from .grad_mode import set_grad_enabled


class Node(abc.ABC):
    """What every node of the graph is (PyTorch's ``torch.autograd.graph.Node``): for ``isinstance``."""

    @abc.abstractmethod
    def name(self) -> str:
        """The node's name."""

    @property
    @abc.abstractmethod
    def next_functions(self) -> tuple:
        """``(node, output_nr)`` per input."""

    @property
    @abc.abstractmethod
    def metadata(self) -> dict:
        """The user's dict."""

    @abc.abstractmethod
    def register_hook(self, fn: Callable) -> hooks.RemovableHandle:
        """A hook after the node runs."""

    @abc.abstractmethod
    def register_prehook(self, fn: Callable) -> hooks.RemovableHandle:
        """A hook before the node runs."""


Node.register(Function)

#: ``{Function stem: PyTorch's node name}`` where it is not ``<Stem>Backward0`` (checked against PyTorch).
TORCH_NAMES = {
    "ReLU": "ReluBackward0",
    "GELU": "GeluBackward0",
    "SiLU": "SiluBackward0",
    "LeakyReLU": "LeakyReluBackward0",
    "ELU": "EluBackward0",
    "PReLU": "PreluKernelBackward0",
    "RReLU": "RreluWithNoiseBackward0",
    "MatMul": "MmBackward0",
    "Linear": "AddmmBackward0",
    "GetItem": "IndexBackward0",
    "Cast": "ToCopyBackward0",
    "Copy": "CloneBackward0",
    "LayoutCopy": "CloneBackward0",
    "AsStrided": "AsStridedBackward0",
    "LayerNorm": "NativeLayerNormBackward0",
    "BatchNorm": "NativeBatchNormBackward0",
    "GroupNorm": "NativeGroupNormBackward0",
    "CrossEntropy": "NllLossBackward0",
    "NLLLoss": "NllLossBackward0",
    "Conv2d": "ConvolutionBackward0",
    "ConvTranspose2d": "ConvolutionBackward0",
    "MaxPool2d": "MaxPool2DWithIndicesBackward0",
    "MaxPool2dWithIndices": "MaxPool2DWithIndicesBackward0",
    "AvgPool2d": "AvgPool2DBackward0",
    "AdaptiveAvgPool2d": "AdaptiveAvgPool2DBackward0",
    "AdaptiveMaxPool2d": "AdaptiveMaxPool2DBackward0",
    "Dropout": "NativeDropoutBackward0",
    "LogSumExp": "LogsumexpBackward0",
    "VectorNorm": "LinalgVectorNormBackward0",
    "Clamp": "ClampBackward1",
    "ClampBounds": "ClampBackward0",
    "Det": "LinalgDetBackward0",
    "Inv": "LinalgInvExBackward0",
    "Solve": "LinalgSolveExBackward0",
    "SVD": "LinalgSvdBackward0",
    "QR": "LinalgQrBackward0",
    "Eigh": "LinalgEighBackward0",
    "Cholesky": "LinalgCholeskyExBackward0",
    "MatrixExp": "LinalgMatrixExpBackward0",
    "LUFactor": "LinalgLuFactorExBackward0",
    "LogAbsDet": "LinalgSlogdetBackward0",
    "ConstantPad": "ConstantPadNdBackward0",
    "Unfold": "Im2ColBackward0",
    "Fold": "Col2ImBackward0",
    "Diag": "DiagEmbedBackward0",
    "TakeAlongDim": "GatherBackward0",
    "Entr": "SpecialEntrBackward0",
    "Xlog1py": "SpecialXlog1PyBackward0",
    "Zeta": "SpecialZetaBackward0",
    "GridSample": "GridSampler2DBackward0",
}
#: The Functions of complex element-wise math (functions/complex_math.py) take PyTorch's names of the ops.
_COMPLEX_MATH = (
    "Exp Log Log2 Log10 Expm1 Sqrt Reciprocal Sin Cos Tan Sinh Cosh Tanh Asin Acos Atan Sigmoid Sgn"
)
TORCH_NAMES.update({f"Complex{stem}": f"{stem}Backward0" for stem in [*_COMPLEX_MATH.split(), "Pow"]})
TORCH_NAMES["ComplexLog1p"] = "Log1PBackward0"


def node_name(cls: type) -> str:
    """PyTorch's name for a node of Function class ``cls`` (see the module docstring)."""
    if not cls.__module__.startswith("tt_"):
        return f"{cls.__name__}Backward"  # a user's Function, named as PyTorch names a custom one
    stem = cls.__name__.removesuffix("Function").lstrip("_")
    return TORCH_NAMES.get(stem, f"{stem}Backward0")


class AccumulateGrad:
    """The node that adds a leaf's gradient into its ``.grad``; ``variable`` is the leaf.

    Its ``register_prehook`` hooks are the leaf's tensor hooks (they see, and may
    replace, the pass's total before it joins ``.grad``); its ``register_hook`` hooks
    run after ``.grad`` is updated, with ``grad_inputs == ()`` and the gradient accumulated
    (as its hooks and pre-hooks stood when the hook was registered).
    """

    def __init__(self, variable: Any) -> None:
        self.variable = variable
        self._metadata: dict | None = None

    def name(self) -> str:
        """``torch::autograd::AccumulateGrad``, PyTorch's name."""
        return "torch::autograd::AccumulateGrad"

    @property
    def next_functions(self) -> tuple:
        """Empty: a leaf is where the graph ends."""
        return ()

    @property
    def metadata(self) -> dict:
        """A dict kept with this node, for the user's notes."""
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    def register_prehook(self, fn: Callable) -> hooks.RemovableHandle:
        """``fn((grad,)) -> tuple | None`` before the leaf's ``.grad`` is updated (may replace grad)."""
        _check_callable("register_prehook", fn)

        def prehook(grad: Any) -> Any:
            result = fn((grad,))
            return None if result is None else _checked(fn, result, (grad,))[0]

        return tensor_hooks.register(self.variable, prehook)

    def register_hook(self, fn: Callable) -> _Handles:
        """``fn((), (grad,))`` after the leaf's ``.grad`` is updated (its result is ignored)."""
        _check_callable("register_hook", fn)
        seen: list = [None]

        def record(grad: Any) -> None:
            seen[0] = grad

        def after(_leaf: Any) -> None:
            fn((), (seen[0],))

        return _Handles([tensor_hooks.register(self.variable, record), hooks.register(self.variable, after)])

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


Node.register(AccumulateGrad)


class _Handles:
    """Several handles removed together (PyTorch's ``RemovableHandle`` interface)."""

    def __init__(self, handles: list) -> None:
        self.handles = handles

    def remove(self) -> None:
        """Remove every hook (a second call does nothing)."""
        for handle in self.handles:
            handle.remove()

    def __enter__(self) -> _Handles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def accumulate_grad(leaf: Any) -> AccumulateGrad:
    """The leaf's :class:`AccumulateGrad` node: the same object while anyone holds it."""
    reference = leaf.__dict__.get("_grad_accumulator")
    node = None if reference is None else reference()
    if node is None:
        node = AccumulateGrad(leaf)
        leaf._grad_accumulator = weakref.ref(node)
    return node


def next_functions(node: Function) -> tuple:
    """``node.next_functions`` (see the module docstring), kept on the node once made: as in PyTorch,
    the graph holds its leaves' ``AccumulateGrad`` nodes, so their ids are stable while it lives."""
    pairs = node.__dict__.get("_next_functions")
    if pairs is None:
        pairs = tuple(
            (parent if parent is None or isinstance(parent, Function) else accumulate_grad(parent), 0)
            for parent in getattr(node, "parents", ())
        )
        node._next_functions = pairs
    return pairs


def _check_callable(method: str, fn: object) -> None:
    if not callable(fn):
        raise TypeError(f"{method}: hook must be callable, got {type(fn).__name__}")


def add_node_hook(node: Function, attribute: str, fn: Callable) -> hooks.RemovableHandle:
    """Register ``fn`` in ``node.<attribute>``; the node then runs through :func:`run_node`."""
    _check_callable("register_prehook" if attribute == "_node_prehooks" else "register_hook", fn)
    if getattr(node, attribute) is None:
        setattr(node, attribute, OrderedDict())
    node.backward = tensor_hooks.hooked_backward  # the engine calls node.backward(node, grad)
    return hooks.add(node, attribute, fn, leaf=False)


def _hook_name(hook: Any) -> str:
    return getattr(hook, "__name__", type(hook).__name__)


def _checked(hook: Any, result: Any, values: tuple) -> tuple:
    """A hook's replacement for ``values``, checked as PyTorch checks it."""
    if not isinstance(result, tuple):
        raise TypeError(f"expected tuple, but hook returned '{type(result).__name__}'")
    if len(result) != len(values):
        raise RuntimeError(
            f"hook '{_hook_name(hook)}' has returned an incorrect number of values (got {len(result)}, but "
            f"expected {len(values)})"
        )
    for new, old in zip(result, values):
        if new is None:
            continue
        if not isinstance(new, PlainTensor):
            raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
        if old is not None and tuple(new.shape) != tuple(old.shape):
            raise RuntimeError(
                f"hook '{_hook_name(hook)}' has changed the size of value (was {tuple(old.shape)} got "
                f"{tuple(new.shape)})"
            )
    return result


def run_node(node: Function, grad: Any, rule: Callable) -> tuple:
    """``rule(node, grad)`` (an array, or a tensor in a recording pass) between the node's hooks."""
    prehooks, posthooks = node._node_prehooks, node._node_hooks
    if not prehooks and not posthooks:
        return rule(node, grad)
    graph = not isinstance(grad, np.ndarray)
    as_tensor = grad if graph else _tensor_class().from_array(grad)
    outputs = (as_tensor,)
    with set_grad_enabled(graph):
        for hook in list((prehooks or {}).values()):
            result = hook(outputs)
            if result is not None:
                outputs = _checked(hook, result, outputs)
    if outputs[0] is None:  # a pre-hook dropped the gradient: nothing flows on from here
        return (None,) * len(node.parents)
    if outputs[0] is not as_tensor:
        grad = outputs[0] if graph else np.array(outputs[0].array, dtype=grad.dtype)
    grads = rule(node, grad)
    if not posthooks:
        return grads
    wrap = (lambda g: g) if graph else _tensor_class().from_array
    inputs = tuple(None if parent is None or g is None else wrap(g) for parent, g in zip(node.parents, grads))
    start = inputs
    with set_grad_enabled(graph):
        for hook in list(posthooks.values()):
            result = hook(inputs, outputs)
            if result is not None:
                inputs = _checked(hook, result, inputs)
    if graph:
        return inputs
    return tuple(
        None if new is None else old if new is was else np.array(new.array)
        for new, was, old in zip(inputs, start, grads)
    )


def increment_version(tensor: Any) -> None:
    """Add one to the version counter of ``tensor`` (or of each tensor of an iterable), as an in-place
    change would: a node that saved it then refuses to run backward on it."""
    tensors = (tensor,) if isinstance(tensor, PlainTensor) else tensor
    try:
        tensors = list(tensors)
    except TypeError:
        tensors = [None]
    if not all(isinstance(t, PlainTensor) for t in tensors):
        raise RuntimeError("increment_version expect a Iterable[Tensor] as input")
    for t in tensors:
        versions.bump(t.array)
