"""``torch.autograd.forward_ad``: forward-mode AD with dual tensors.

What: inside ``with dual_level():``, ``make_dual(x, t)`` gives ``x`` a *tangent* ``t`` (a direction);
every operation on it then computes, beside its result, the result's tangent ``J · t`` (its Jacobian
times the input tangents), and ``unpack_dual(y)`` returns ``(primal, tangent)``. One forward pass
gives a Jacobian-vector product: a directional derivative of every intermediate value at once.

Why: reverse mode (``backward``) costs one pass per *output* element, forward mode one per *input*
direction, so a function with few inputs and many outputs (a Jacobian column, ``jacfwd``, a
sensitivity along one direction) is cheaper forward; and forward over reverse (a tangent through a
gradient computation) gives a Hessian-vector product.

How: a dual tensor carries ``_fw_tangent = {level: tangent}``; while a level is open,
:class:`~tt_autograd.function.Function`'s ``apply`` calls :func:`propagate` after each forward (the
``_FORWARD_HOOK``, as vmap's ``_BATCH_HOOK``). The output tangent comes from the Function's own
``jvp(ctx, *tangents)`` staticmethod when it has one (on arrays, like ``backward``; ``None`` for an
input without tangent; :func:`result_of` gives it forward's result), else from its ``graph_backward``
by the double-vjp identity: ``g(u) = Jᵀu`` is linear in ``u``, so
``d⟨g(u), t⟩/du = J t``, exact (no finite step). The generic rule also serves when the tangent must
be differentiable (a primal or tangent that requires grad: an array rule would cut its graph),
unless the Function gives ``graph_jvp(ctx, *tangents)``: its rule on tensors, recorded (as
``graph_backward`` is to ``backward``; a symmetric op's is its ``graph_backward`` on the tangent). A
Function with neither (a user's first-order Function) raises PyTorch's ``NotImplementedError``.
While a level is open, ``autograd.grad`` runs its recorded pass (``create_graph``), so gradients
carry tangents too: forward over reverse.

Own rules: the arithmetic (add, sub, mul, div, neg, pow, where, clamp, maximum/minimum), the
element-wise functions (exp, log, sqrt, reciprocal, abs, sin, cos, tanh, sigmoid, relu, log1p, expm1,
tan, the inverse and hyperbolic ones, and tt-nn's gelu, silu, leaky_relu: :func:`symmetric_jvp`),
casts and copies, the shape ops (view/reshape/squeeze/unsqueeze/flatten, permute/transpose, expand,
repeat, flip, indexing, gather, cat, stack, masked_fill), the reductions sum, mean, var, amax/amin,
max/min along a dim, logsumexp, cumsum, matmul, tt-nn's linear, layer_norm, softmax, log_softmax and
cross_entropy, and tt-text's attention; a user's Function may have one. They run when the tangent
need not be differentiable: a primal that requires grad (a model's parameters) makes it so, and
takes the generic rule (under ``no_grad`` the own rules serve), except where the Function has a
``graph_jvp`` (add, sub, mul, div, pow, matmul, sum, mean, view/permute/expand, clone, where,
tensor-bound clamp, masked_fill, indexing and its recorded backward, cat, stack; tt-nn's linear,
layer_norm, log_softmax, cross_entropy; tt-text's embedding and attention; tt-vision's conv2d) or is
symmetric (its ``graph_backward`` on the tangent): one recorded pass. A rule may read forward's
result (:func:`result_of`) and the call's inputs (:func:`inputs_of`);
:func:`~tt_autograd.forward_ad_check.check_jvp_rules` tests one.
Inside vmap, ``make_dual`` batches a primal and a tangent alike, so one forward pass pushes a batch
of tangents through (``jacfwd``, :mod:`tt_autograd.forward_jacobian`).

Cost: an own rule costs about the op itself; the generic rule runs the op's backward twice (the
first recorded). As in PyTorch, ``dual_level`` opens one level at a time (nesting raises);
``jacfwd`` nests its own (:func:`nested_level`: forward over forward, each level's tangents
propagated outermost first, an inner level's rule recorded where an outer tangent reaches it).
Tangents of integer results are dropped; complex tangents are refused.

Example:
    >>> import tt_autograd as autograd
    >>> from tt_autograd import forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     x = fwAD.make_dual(autograd.tensor([1.0, 2.0]), autograd.tensor([1.0, 0.0]))
    ...     fwAD.unpack_dual(x * x).tangent
    tensor([2., 0.])
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from tt_tensor import Tensor as PlainTensor

from . import function
from .grad_mode import _state as _grad_state
from .grad_mode import enable_grad, no_grad

__all__ = [
    "UnpackedDualTensor",
    "dual_level",
    "enter_dual_level",
    "exit_dual_level",
    "make_dual",
    "unpack_dual",
]

#: ``unpack_dual``'s result: the primal (a view without tangent) and the tangent (None if it has none).
UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])


class _Level:
    """The open level; a new object each time, so the tangents of a closed level are never read again."""


class _State:
    def __init__(self) -> None:
        # The open levels, outermost first: one (PyTorch's level 0), more only inside nested jacfwd.
        self.levels: list[_Level] = []
        # How many of them, outermost first, propagate tangents now: all but while a rule of level
        # k runs (k: its operations carry the outer levels' tangents only), 0 while untangented.
        self.live = 0

    @property
    def level(self) -> _Level | None:
        """The innermost open level (the one ``make_dual`` and ``unpack_dual`` use), or None."""
        return self.levels[-1] if self.levels else None


_state = _State()


def enter_dual_level() -> int:
    """Open a forward-AD level and return its number (0); prefer ``with dual_level():``."""
    if _state.levels:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _push()
    return 0


@contextmanager
def nested_level() -> Iterator[None]:
    """A level inside the open ones (forward over forward: ``jacfwd(jacfwd(f))``), closed on exit.

    Its tangents are computed by recorded rules (``graph_jvp``, or the double vjp's recorded
    pass) whenever an input or a tangent carries an outer level's tangent, so the outer levels
    differentiate them: ``make_dual`` here gives a tangent at the inner level, and the inner
    tangent of a result carries, at the outer level, the second-order term. PyTorch's public
    ``dual_level`` stays one at a time.
    """
    live = _state.live
    _push()
    try:
        yield
    finally:
        _state.levels.pop()
        _state.live = live
        if not _state.levels:
            function._FORWARD_HOOK.clear()


def _push() -> None:
    _state.levels.append(_Level())
    _state.live = len(_state.levels)
    if not function._FORWARD_HOOK:
        function._FORWARD_HOOK.append(propagate)


def exit_dual_level(*, level: int | None = None) -> None:
    """Close the open level: every tangent made in it is forgotten (``unpack_dual`` gives None)."""
    if _state.level is None:
        raise RuntimeError("exit_dual_level: no forward AD level is open (enter_dual_level() first)")
    if level is not None and level != 0:
        raise RuntimeError(
            "Trying to exit a forward AD level that was not the last one that was created. "
            "This is not supported."
        )
    _state.levels.clear()
    _state.live = 0
    function._FORWARD_HOOK.clear()


class dual_level:  # noqa: N801  (PyTorch's name)
    """Context manager (and decorator) that opens a forward-AD level: ``with dual_level(): ...``."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc: object) -> None:
        exit_dual_level()

    def __call__(self, func):
        def wrapped(*args, **kwargs):
            with dual_level():
                return func(*args, **kwargs)

        return wrapped


def make_dual(tensor: PlainTensor, tangent: PlainTensor, *, level: int | None = None) -> PlainTensor:
    """A view of ``tensor`` whose tangent is ``tangent`` (same shape; both floating point).

    The view stays in ``tensor``'s graph (differentiable with respect to it when it requires grad).
    """
    _check_level(
        level,
        "make_dual",
        "Trying to create a dual Tensor for forward AD but no level exists, "
        "make sure to enter_dual_level() first.",
    )
    for name, value in (("primal", tensor), ("tangent", tangent)):
        if not isinstance(value, PlainTensor):
            raise TypeError(f"make_dual: {name} must be a tensor, got {type(value).__name__}")
        if value.array.dtype.kind != "f":
            raise ValueError(f"Expected {name} to be floating point or complex, but got: {value.dtype}")
    _check_size(tensor, tangent, "")
    if tangent_of(tensor) is not None:
        raise RuntimeError(
            "Making a dual Tensor based on a Tensor that already has a forward gradient at the same level 0 "
            "is not supported."
        )
    tensor, tangent = _batched_alike(tensor, tangent)
    dual = _untangented_view(tensor)
    _attach(dual, tangent)
    return dual


def _batched_alike(tensor: PlainTensor, tangent: PlainTensor) -> tuple:
    """Inside vmap, a primal and a tangent of which one is batched, both batched over every running level.

    Each operation on the dual then runs once on the physical arrays (its batching rule calls the
    Function on them) and its tangent rule sees the physical primal and tangent, laid out alike: one
    forward pass pushes a whole batch of tangents (``jacfwd``'s basis vectors) through.
    """
    from .batched import levels_of
    from .vmap_transform import batch_everywhere

    if not (levels_of(tensor) or levels_of(tangent)):
        return tensor, tangent
    return batch_everywhere(tensor), batch_everywhere(tangent)


def unpack_dual(tensor: PlainTensor, *, level: int | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of ``tensor``: a view without tangent, and its tangent (None if it has none)."""
    if not isinstance(tensor, PlainTensor):
        raise TypeError(f"unpack_dual: argument 'dual' must be a tensor, got {type(tensor).__name__}")
    if _state.level is None:
        return UnpackedDualTensor(tensor, None)
    _check_level(level, "unpack_dual", "")
    tangent = tangent_of(tensor)
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    return UnpackedDualTensor(_untangented_view(tensor), _batched_like(tangent, tensor))


def _batched_like(tangent: PlainTensor, primal: PlainTensor) -> PlainTensor:
    """``tangent`` marked batched like ``primal`` (inside vmap a rule computed it on physical arrays)."""
    from .batched import levels_of, wrap

    return tangent if levels_of(tangent) else wrap(tangent, levels_of(primal))  # (no levels: as it is)


def tangent_of(value: object, level: _Level | None = None) -> PlainTensor | None:
    """The tangent ``value`` carries at ``level`` (default: the innermost open one), or None."""
    found = getattr(value, "_fw_tangent", None)
    level = level or _state.level
    return found.get(level) if found and level is not None else None


def active() -> bool:
    """Whether a level is open (``autograd.grad`` then records its pass, so gradients carry tangents)."""
    return bool(_state.levels)


def carry(source: object, target: PlainTensor) -> PlainTensor:
    """``target`` (a detached copy or fresh leaf of ``source``) with ``source``'s tangent at every open
    level where it has none (an outer level's too: ``jacfwd(hessian(f))`` differentiates through the
    leaves ``jacrev`` makes)."""
    for level in _state.levels:
        tangent = tangent_of(source, level)
        if tangent is not None and tangent_of(target, level) is None:
            _attach(target, _detached_dual(tangent), level)
    return target


def _detached_dual(tangent: PlainTensor) -> PlainTensor:
    """``tangent.detach()`` that keeps, detached the same way, the tangents it carries at the outer
    levels (under nested levels an inner tangent's outer tangent is the second-order term)."""
    found = getattr(tangent, "_fw_tangent", None)
    copy = tangent.detach()
    if found:
        copy._fw_tangent = {level: _detached_dual(inner) for level, inner in found.items()}
    return copy


def set_tangent(tensor: PlainTensor, tangent: PlainTensor, who: str) -> None:
    """Give ``tensor`` the tangent ``tangent`` (a rule's result, on tensors), checked, in its dtype."""
    if not isinstance(tangent, PlainTensor):
        raise TypeError(f"{who} returned a tangent of type {type(tangent).__name__}; it must return tensors")
    _check_size(tensor, tangent, f" (from {who})")
    _attach(tensor, tangent if tangent.dtype == tensor.dtype else tangent.to(tensor.dtype))


@contextmanager
def untangented() -> Iterator[None]:
    """Operations inside carry no tangent (a custom Function's forward and jvp, as PyTorch runs them)."""
    live, _state.live = _state.live, 0
    try:
        yield
    finally:
        _state.live = live


def dual_among(*values: object) -> bool:
    """Whether one of ``values`` carries a tangent (an in-place op on them then goes the recorded way)."""
    return any(tangent_of(v, level) is not None for level in _state.levels for v in values)


def adopt(target: PlainTensor, result: PlainTensor) -> None:
    """An in-place op wrote ``result`` into ``target``: ``target``'s tangent is now ``result``'s."""
    for level in _state.levels:
        tangent = tangent_of(result, level)
        if tangent is not None:
            _attach(target, tangent if tangent.dtype == target.dtype else tangent.to(target.dtype), level)


def propagate(cls: type, ctx: function.Function, inputs: tuple, output: PlainTensor) -> None:
    """``Function.apply``'s hook: give ``output`` the tangent ``J · tangents`` of the call ``cls(inputs)``
    at each live level, outermost first (an inner level's rule then reads the outer tangents)."""
    for k in range(_state.live):
        _propagate_at(k, cls, ctx, inputs, output)


def _propagate_at(k: int, cls: type, ctx: function.Function, inputs: tuple, output: PlainTensor) -> None:
    level = _state.levels[k]
    tangents = [tangent_of(x, level) for x in inputs]
    if all(t is None for t in tangents) or output.array.dtype.kind not in "fc":
        return  # (an integer result has no tangent, as in PyTorch)
    if output.array.dtype.kind == "c" or any(t.array.dtype.kind == "c" for t in tangents if t is not None):
        raise NotImplementedError(f"{cls.__name__}: forward-mode AD of complex tensors is not supported")
    rule = getattr(cls, "jvp", None)
    if rule is None and cls.graph_backward is None:
        raise NotImplementedError(
            f"{cls.__name__}: You must implement the jvp function for custom autograd.Function to use it "
            "with forward mode AD (TinyTorch also derives one from a graph_backward, which it lacks)."
        )
    differentiable = _grad_state.enabled and (
        output.requires_grad or any(t.requires_grad for t in tangents if t is not None)
    )
    outer = _outer_dual(k, inputs, tangents)  # (then recorded too, for the outer levels)
    graph_rule = getattr(cls, "graph_jvp", None) or (_symmetric_graph_jvp if rule is symmetric_jvp else None)
    if outer and graph_rule is None and cls.graph_backward is None:
        raise NotImplementedError(
            f"{cls.__name__}: forward over forward (nested levels: jacfwd(jacfwd(f))) needs its tangent "
            "rule in recorded operations, a graph_jvp or a graph_backward; its jvp works on arrays, and "
            "the outer level would see a zero derivative. Use jacfwd(jacrev(f)) or jacrev(jacrev(f))."
        )
    live, _state.live, ctx._fw_inputs = _state.live, k, inputs
    try:
        if outer and graph_rule is not None:  # recorded, so the outer levels differentiate it
            tangent = _graph_rule(cls, graph_rule, ctx, inputs, tangents, output, differentiable)
        elif rule is not None and not ((differentiable or outer) and cls.graph_backward is not None):
            tangent = _own_rule(cls, rule, ctx, tangents, output)
        elif graph_rule is not None:  # a tangent that keeps its graph, from one recorded pass
            tangent = _graph_rule(cls, graph_rule, ctx, inputs, tangents, output, differentiable)
        else:
            tangent = double_vjp(cls, ctx, inputs, tangents, output, differentiable, outer)
    finally:
        _state.live = live
        del ctx._fw_inputs
    _attach(output, tangent, level)
    ctx._fw = {**(ctx._fw or {}), level: (tangents, tangent)}


def outer_dual(values: tuple) -> bool:
    """Whether one of ``values`` carries a tangent at an open level outside the innermost one."""
    return _outer_dual(len(_state.levels) - 1, values)


def _outer_dual(k: int, *groups: object) -> bool:
    """Whether a value of ``groups`` carries a tangent at a level outside level ``k`` (its rule must then
    be recorded, so that those levels differentiate it: forward over forward)."""
    return any(tangent_of(v, level) is not None for level in _state.levels[:k] for g in groups for v in g)


def symmetric_jvp(ctx: function.Function, tangent: np.ndarray, *_: object) -> np.ndarray:
    """The ``jvp`` of a one-input Function whose Jacobian is symmetric: its ``backward`` on the tangent.

    An element-wise op (exp, sin, relu, gelu, ...) has a diagonal Jacobian ``J``, softmax
    ``diag(y) - y yᵀ``: both equal their transpose, so ``J t = Jᵀ t`` is backward's own formula
    applied to ``t``, in one pass (``backward`` must not modify its ``grad``: it does not here either).
    A Function sets ``jvp = staticmethod(symmetric_jvp)``. When the tangent must keep a graph (a
    primal or a tangent requires grad) its ``graph_backward`` on the tangent serves the same way:
    one recorded pass, where the generic rule runs two.
    """
    return type(ctx).backward(ctx, tangent)[0]


def _symmetric_graph_jvp(ctx: function.Function, tangent: PlainTensor, *_: object) -> PlainTensor:
    """The ``graph_jvp`` of a Function with :func:`symmetric_jvp`: its ``graph_backward`` on the tangent."""
    return type(ctx).graph_backward(ctx, tangent)[0]


def _graph_rule(
    cls: type,
    rule,
    ctx: function.Function,
    inputs: tuple,
    tangents: list,
    output,
    differentiable: bool = True,
) -> PlainTensor:
    """``graph_jvp(ctx, *tangents)``: the own rule in recorded tensor operations (``ctx.input_tensor``
    joins the primals), so the tangent is differentiable in the tangents and the primals; unless
    ``differentiable``, under ``no_grad`` (its operations still carry outer levels' tangents)."""
    with _rule_context(ctx, inputs, tangents, leaves=False), _result_given(ctx, output):
        with enable_grad() if differentiable else no_grad():
            found = rule(ctx, *tangents)
    if tuple(found.shape) != tuple(output.shape):
        raise RuntimeError(
            f"{cls.__name__}.graph_jvp returned a tangent of shape {tuple(found.shape)} for an output of "
            f"shape {tuple(output.shape)}; they must match"
        )
    return found if found.dtype == output.dtype else found.to(output.dtype)


def result_of(ctx: function.Function) -> np.ndarray:
    """While an own ``jvp`` or ``graph_jvp`` rule of ``ctx`` runs: forward's result (PyTorch's forward
    formulas read it as ``result``); a rule of a shape op takes the output's shape from it."""
    return ctx._fw_result


def inputs_of(ctx: function.Function) -> tuple:
    """While a tangent rule of ``ctx`` runs (its ``jvp``, ``graph_jvp``, or the double vjp's
    ``graph_backward``): the inputs ``apply`` received, tensors and other arguments alike, for a rule
    that needs an argument forward did not keep (tt-text's packed attention: its causal flag and mask,
    which its caller notes on the node only after ``apply`` returns)."""
    return ctx._fw_inputs


@contextmanager
def _result_given(ctx: function.Function, output: PlainTensor) -> Iterator[None]:
    """:func:`result_of` answers while a rule runs; the node keeps no reference to the output after."""
    ctx._fw_result = output.array
    try:
        yield
    finally:
        del ctx._fw_result


def _own_rule(cls: type, rule, ctx: function.Function, tangents: list, output: PlainTensor) -> PlainTensor:
    """The Function's ``jvp(ctx, *tangents)`` on arrays (None for an input without tangent)."""
    with _result_given(ctx, output):
        result = np.asarray(rule(ctx, *[None if t is None else t.array for t in tangents]))
    if result.shape != output.array.shape:
        raise RuntimeError(
            f"{cls.__name__}.jvp returned a tangent of shape {result.shape} for an output of shape "
            f"{output.array.shape}; they must match"
        )
    # (writable, of the output's dtype: a rule may return a broadcast view, which NumPy marks read-only)
    return function._tensor_class().from_array(np.require(result, output.array.dtype, "CW"))


def double_vjp(
    cls: type,
    ctx: function.Function,
    inputs: tuple,
    tangents: list,
    output: PlainTensor,
    differentiable: bool,
    outer: bool = False,
) -> PlainTensor:
    """``J · tangents`` from ``graph_backward``: ``d⟨graph_backward(u), tangents⟩/du`` (linear in ``u``).

    ``differentiable``: the result keeps its graph; ``outer``: the pass is recorded (its operations
    carry outer levels' tangents) and the result keeps those tangents, not the graph."""
    from .gradients import grad

    tensor = function._tensor_class()
    with _rule_context(ctx, inputs, tangents, leaves=True), enable_grad():
        seed = tensor.from_array(np.zeros(output.array.shape, output.array.dtype)).requires_grad_()
        grads = cls.graph_backward(ctx, seed)
        total = None
        for g, t in zip(grads, tangents):
            if g is not None and t is not None and g.requires_grad:
                term = (g * t).sum()
                total = term if total is None else total + term
        found = None
        if total is not None:
            (found,) = grad(total, seed, create_graph=differentiable or outer, allow_unused=True)
    if found is None:
        return tensor.from_array(np.zeros(output.array.shape, output.array.dtype))
    return found if differentiable else _with_tangents(found.detach(), found)


@contextmanager
def _rule_context(ctx: function.Function, inputs: tuple, tangents: list, leaves: bool) -> Iterator[None]:
    """``ctx`` ready for its ``graph_backward`` to run for a tangent: the dual inputs' gradients asked for.

    An unrecorded call gets parents (None: its inputs are constants of the rule), kept after, as a
    tangent's graph may join this node's output. With ``leaves``, a dual input that is no graph's
    enters as a leaf of its own for the while (a rule may differentiate its inputs: composite_gradients).
    """
    if "parents" not in ctx.__dict__:
        ctx.parents = [None] * len(inputs)
        ctx.input_shapes = [tuple(x.shape) if isinstance(x, PlainTensor) else None for x in inputs]
        ctx.needs_input_grad = [False] * len(inputs)
    kept = ctx.parents, ctx.needs_input_grad
    ctx.needs_input_grad = [t is not None for t in tangents]
    if leaves:
        tensor = function._tensor_class()
        ctx.parents = [
            _with_tangents(tensor.from_array(x.array).requires_grad_(), x)
            if p is None and t is not None
            else p
            for p, t, x in zip(ctx.parents, tangents, inputs)
        ]
    try:
        yield
    finally:
        ctx.parents, ctx.needs_input_grad = kept


def _attach(tensor: PlainTensor, tangent: PlainTensor, level: _Level | None = None) -> None:
    """``tensor``'s tangent at ``level`` (default: the innermost); a new mapping, never one shared."""
    tensor._fw_tangent = {**(getattr(tensor, "_fw_tangent", None) or {}), level or _state.level: tangent}


def _with_tangents(leaf: PlainTensor, source: object) -> PlainTensor:
    """``leaf`` (a fresh copy of ``source``) with ``source``'s tangents at every level."""
    found = getattr(source, "_fw_tangent", None)
    if found:
        leaf._fw_tangent = dict(found)
    return leaf


def _untangented_view(tensor: PlainTensor) -> PlainTensor:
    """``tensor.view_as(tensor)`` (in its graph), made while no tangent of the innermost level
    propagates (an outer level's does: the view is a dual there still)."""
    live, _state.live = _state.live, min(_state.live, len(_state.levels) - 1)
    try:
        return tensor.view_as(tensor)
    finally:
        _state.live = live


def _check_size(tensor: PlainTensor, tangent: PlainTensor, source: str) -> None:
    """PyTorch's error for a tangent whose shape is not its primal's (``source`` says whose it is)."""
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the original Tensor, "
            f"this is not supported. Tensor is of size {list(tensor.shape)} while the given forward gradient "
            f"is of size {list(tangent.shape)}.{source}"
        )


def _check_level(level: object, name: str, missing: str) -> None:
    if missing and _state.level is None:
        raise RuntimeError(missing)
    if level is not None and level != 0:
        raise RuntimeError(f"Invalid level given to {name}: {level!r} (the open level is 0)")
