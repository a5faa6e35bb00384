"""A PyTorch-style custom ``autograd.Function`` under forward-mode AD and under vmap.

**Forward AD** (``jvp``). When a forward-AD level is open, some input carries a tangent and the
Function defines ``jvp(ctx, *grad_inputs)``, PyTorch's semantics hold: ``forward`` runs with no
tangent propagation (its own operations carry none), then ``jvp`` gets ``ctx`` (as forward or
``setup_context`` left it; in it ``ctx.saved_tensors`` are the tensors given to
``ctx.save_for_forward``, if any) and one tangent per input of forward: the input's tangent,
zeros for a tensor input without one (``None`` after ``ctx.set_materialize_grads(False)``), ``None``
for a non-tensor. It returns one tangent per output (a tensor, or a tuple for several), which
the outputs carry: same shape as the output (else PyTorch's error), in the output's dtype; an
integer or ``mark_non_differentiable`` output gets none. ``jvp`` runs on tensors, so under grad
mode its result is differentiable (reverse over forward). A Function without ``jvp`` is refused
as in PyTorch: ``forward`` runs (without tangents), then the base ``jvp`` raises PyTorch's
``NotImplementedError``, naming the Function (its tangents never flow through ``forward``'s
operations, which may not be differentiable ones, e.g. on ``.numpy()`` arrays).

**vmap**. Called on batched tensors inside ``vmap``, a Function with a ``vmap`` staticmethod runs
``vmap(info, in_dims, *args)``: ``info.batch_size`` and ``info.randomness`` of the innermost vmap
its arguments are batched over, ``in_dims`` the batch dim of each argument (0, or None for one not
batched at that level) and the arguments with that level's batch dim made an ordinary dim; it
returns ``(output, out_dims)``, the batch dim of each output (None for one not batched). A
Function with ``generate_vmap_rule = True`` runs its ``forward`` on the batched tensors (their
operations have batching rules). Its node records the physical shapes: the engine walks the
physical graph inside vmap (``vmap(grad(f))`` through it), and its ``backward`` runs there on the
physical arrays, as the batching rules' own Functions do. With neither, PyTorch's error.
Cost: the user's rule, plus one view per argument and output.
"""

from __future__ import annotations

from collections import namedtuple

from tt_tensor import Tensor as PlainTensor

from . import forward_ad
from .batched import STATE, levels_of, physical, wrap
from .creation import zeros_like

#: What a ``vmap`` staticmethod gets first: the batch size and randomness of the vmap it runs in.
VmapInfo = namedtuple("VmapInfo", ["batch_size", "randomness"])

_NO_RULE = (
    "To use autograd.Function with vmap, you must either override the vmap staticmethod or set "
    "generate_vmap_rule=True. ({name} has neither: give it `generate_vmap_rule = True` when its forward "
    "is written with tensor operations, or a `vmap(info, in_dims, *args)` staticmethod.)"
)


# ---- an output's gradient given as None ----------------------------------------------------------------


class NoGradient:
    """The gradient a custom Function's ``backward`` gave as None for an input that another custom
    Function made: in a plain backward pass it is passed on, so that Function's ``backward`` still
    runs and gets None for that output (zeros while it materializes gradients), with one output as
    with several, as PyTorch's engine passes an undefined gradient. It adds like a zero array; the
    recorded pass (``create_graph``) and nodes or tensors with hooks get None as before.
    """

    __array_ufunc__ = None  # (array + it: NumPy defers to __radd__)
    array = None  # (anomaly mode's NaN check reads .array: nothing to check)

    def __init__(self, shape: tuple) -> None:
        self.shape = shape

    def __add__(self, other: object) -> object:
        return other

    __radd__ = __add__


def no_gradient(node: object, parent: object, shape: tuple, nodes: tuple) -> NoGradient | None:
    """What ``node``'s backward returning None for input ``parent`` sends on (see :class:`NoGradient`)."""
    if not isinstance(parent, nodes) or node._node_hooks or parent._node_prehooks or parent._node_hooks:
        return None
    if parent.retained is not None or parent._tensor_hooks is not None:
        return None
    return NoGradient(shape)


# ---- forward AD ---------------------------------------------------------------------------------------


def tangents_in(args: tuple, cls: type) -> list | None:
    """The inputs' tangents when some input has one (``cls.jvp`` will give the outputs theirs, or the
    base ``jvp`` refuses), else None. Under nested levels (``jacfwd(jacfwd(f))``) an input that also
    carries an outer level's tangent is refused: ``cls.jvp`` gives one level's tangent, and the
    outer level would silently see a zero derivative."""
    if not forward_ad.active():
        return None
    tangents = [forward_ad.tangent_of(a) for a in args]
    if not any(t is not None for t in tangents):
        return None
    if forward_ad.outer_dual(args):
        raise NotImplementedError(
            f"{cls.__name__}: a custom autograd.Function under nested forward-mode levels "
            "(jacfwd(jacfwd(f))) is not supported: its jvp gives the inner level's tangent only. "
            "Use jacfwd(jacrev(f)) (hessian) or jacrev(jacrev(f))."
        )
    return tangents


def pushed(cls: type, node: object, args: tuple, tangents: list, output: object, alias) -> object:
    """``output`` with the tangents ``cls.jvp`` gives (an input given back as an output becomes a view)."""
    outputs = output if isinstance(output, tuple) else (output,)
    dirty = {id(t) for t in node._dirty}
    outputs = tuple(alias(o) if any(o is a for a in args) and id(o) not in dirty else o for o in outputs)
    grad_inputs = [
        t
        if t is not None or not isinstance(a, PlainTensor)
        else (zeros_like(a) if node.materialize_grads else None)
        for a, t in zip(args, tangents)
    ]
    with forward_ad.untangented(), node.for_jvp():
        found = cls.jvp(node, *grad_inputs)
    found = found if isinstance(found, tuple) else (found,)
    if len(found) != len(outputs):
        raise RuntimeError(
            f"function {cls.__name__}.jvp returned an incorrect number of tangents (expected "
            f"{len(outputs)}, one per output of forward, got {len(found)})"
        )
    excluded = {id(t) for t in node._non_differentiable}
    for out, tangent in zip(outputs, found):
        if tangent is None or not isinstance(out, PlainTensor) or id(out) in excluded:
            continue
        if out.array.dtype.kind != "f":
            continue  # (an integer output has no tangent)
        forward_ad.set_tangent(out, tangent, f"{cls.__name__}.jvp")
    return outputs if isinstance(output, tuple) else outputs[0]


# ---- vmap ---------------------------------------------------------------------------------------------


def batched(args: tuple) -> bool:
    """Whether ``apply`` runs on batched tensors (inside vmap, outside a batching rule's own work)."""
    return not STATE.physical and any(levels_of(a) for a in args)


def vmapped(cls: type, args: tuple, base: type) -> object | None:
    """``cls.apply(*args)`` through the user's ``vmap`` staticmethod; None to run forward on the batched
    tensors (``generate_vmap_rule``)."""
    if cls.vmap is base.vmap:
        if cls.generate_vmap_rule:
            return None
        raise RuntimeError(_NO_RULE.format(name=cls.__name__))
    level = max(level for a in args for level in levels_of(a))
    size, randomness = next((s, r) for lv, s, r in STATE.levels if lv == level)
    in_dims = tuple(0 if level in levels_of(a) else None for a in args)
    inner = tuple(_peeled(a) if d == 0 else a for a, d in zip(args, in_dims))
    result = cls.vmap(VmapInfo(size, randomness), in_dims, *inner)
    if not isinstance(result, tuple) or len(result) != 2:
        raise RuntimeError(
            f"{cls.__name__}.vmap must return a pair (output, out_dims), got {type(result).__name__}"
        )
    output, out_dims = result
    outputs = output if isinstance(output, tuple) else (output,)
    dims = out_dims if isinstance(out_dims, tuple) else (out_dims,) * len(outputs)
    if len(dims) != len(outputs):
        raise RuntimeError(
            f"{cls.__name__}.vmap returned {len(outputs)} outputs but out_dims {out_dims!r} has {len(dims)} "
            "entries; give one per output"
        )
    rewrapped = tuple(_batched_at(o, d, level) for o, d in zip(outputs, dims))
    return rewrapped if isinstance(output, tuple) else rewrapped[0]


def _peeled(tensor: PlainTensor) -> PlainTensor:
    """``tensor`` without its innermost batch level (its last): that batch dim becomes its logical dim 0.

    The levels are in ascending order with the physical batch dims in front, so the innermost one's
    dim is already where the first logical dim starts: a view, still in ``tensor``'s graph.
    """
    levels = levels_of(tensor)
    with physical():
        view = tensor.view_as(tensor)
    return wrap(view, levels[:-1])


def _batched_at(value: object, dim: int | None, level: int) -> object:
    """An output of the user's rule, its dim ``dim`` made the batch dim of ``level`` (None: unbatched)."""
    if dim is None or not isinstance(value, PlainTensor):
        return value
    ndim = value.ndim
    if not -ndim <= dim < ndim:
        raise RuntimeError(f"vmap rule: out_dims entry {dim} is out of range for an output with {ndim} dims")
    dim %= ndim
    if dim:
        value = value.permute(dim, *(i for i in range(ndim) if i != dim))
    levels = levels_of(value)
    with physical():
        view = value.view_as(value)
    return wrap(view, (*levels, level))
