"""Views know their base, and a recorded in-place write through a view rewrites the base's history.

PyTorch's semantics, which these reproduce::

    y = x * 2              # x requires grad
    v = y[1:]              # a view: v._base is y
    v.mul_(3)              # y's last elements are now tripled, and y's history says so
    y.sum().backward()     # x.grad == [2, 6, 6, ...]

Three pieces:

* A view op's output (``view``/``reshape``/``squeeze``/..., ``permute``/``transpose``, ``expand``,
  basic indexing, ``diagonal``, ``as_strided``, ``unfold``) gets ``_base``, the tensor that owns
  the memory (a view of a view points at the first base, as PyTorch's ``Tensor._base``), and the
  base keeps weak references to its views. :class:`ViewOutput` is the mixin of those Functions;
  an op whose result is a copy (``reshape`` of a transposed tensor, integer-array indexing) links
  nothing, as its result shares no memory.
* :func:`write_through` runs a recorded in-place op (grad mode on, something requires grad) on a
  view, or on a base with live views. The base and every live view of it move to a copy of their
  memory; the new values are written there; the base's history becomes
  :class:`CopySlicesFunction` (the old history for the elements not written, the op's for those
  written) and every live view's history becomes :class:`ViewOfBaseFunction` of the base, so a
  view taken before the write reads the new values and differentiates through them.
* Refusals, as PyTorch's: a view of a leaf that requires grad; a view made under ``no_grad``;
  an expanded view (several elements at one memory location); a piece of ``split``, ``chunk``,
  ``unbind`` or ``split_with_sizes`` (or a view of one): these return several views, and PyTorch
  cannot rewrite the history of one alone (:func:`mark_multi_output`; ``tensor_split``, ``hsplit``,
  ``vsplit``, ``dsplit`` slice and may be written, as PyTorch's; ``unsafe_split``/``unsafe_chunk``/
  ``unsafe_split_with_sizes`` too). Without recording (``no_grad``, nothing requires grad) a piece
  is written into the memory it shares. After a recorded write into their base or another view of
  it, the pieces read the new values and their history raises (:class:`StaleViewFunction`).
* Forward-mode AD (:func:`with_tangents`): an in-place write into a view, or into a base with
  live views, of a dual tensor (or a dual written into one) gives the base's tangent the written
  tangent at the view's positions, and every view reads its tangent from the base's, recorded or
  not (PyTorch's). Inside vmap (``jacfwd``) such a write is refused by name, as a recorded one is.
* Aliases: ``detach()`` and ``.data`` share the memory without being views (no ``_base``, no
  history, as PyTorch's); :func:`link_alias` makes them members of the family, so a recorded write
  into the family moves them too (they read the new values; their history is not touched), and a
  recorded write into one of them reaches the tensor it came from (whose history stays as it was,
  as PyTorch's). The family's weak references are one list shared by its members.

Where TinyTorch differs from PyTorch, and why: PyTorch writes into the shared memory and makes a
Function that saved the old values raise in backward ("modified by an inplace operation");
TinyTorch moves the base and its views to new memory instead (as any recorded in-place op here
gives the tensor a new array), so what a Function saved keeps its values and backward works.
An array from ``numpy()`` (an ``ndarray``, no tensor to re-point) keeps the old values, and so does
a ``detach()`` alias of memory not laid out row-major (no same-layout copy). A piece of ``split`` &c.
whose base was written raises when backward reaches it (PyTorch raises when it is next used, which
would cost a check in every op); one whose base was written under ``no_grad`` is not refused at all
(PyTorch refuses its next use: it cannot regenerate a piece's history), and its gradient is right.
``unsafe_split``'s pieces are views here (PyTorch's are not): a recorded write into one rewrites the
base's history, where PyTorch's leaves it stale.

Cost of one such write: a copy of the base's memory, and for the base and each live view an
index array of its elements' positions in the base (their sizes); backward of the base's new
node: one copy of the gradient. A ``detach()``: one weak reference (two the first time); a
recorded in-place op on a tensor with a live alias pays one copy of its memory.
"""

from __future__ import annotations

import weakref

import numpy as np
import tt_tensor
from tt_tensor.storage import element_indices, storage_of
from tt_tensor.versions import storage

from .function import Function
from .grad_mode import _state


class ViewOutput:
    """Mixin of the Functions whose output may be a view of their first input: links it to the base.

    ``class PermuteFunction(ViewOutput, Function)``: after ``Function.apply``, if the output shares
    the input's memory (same dtype), ``output._base`` is the input's base (or the input) and the base
    records the view. Cost: a walk up ``.base`` and a weak reference per view op.
    """

    @classmethod
    def apply(cls, *inputs: object, **params: object):
        output = super().apply(*inputs, **params)
        link_view(output, inputs[0])
        return output


def link_view(output: object, source: object) -> None:
    """Make ``output`` a view of ``source``'s base when it shares ``source``'s memory."""
    if not isinstance(source, tt_tensor.Tensor) or not isinstance(output, tt_tensor.Tensor):
        return
    array = output.array
    if array.base is None or array.dtype != source.array.dtype or output.__dict__.get("_levels"):
        return  # (a fresh result, a reinterpretation, or a vmap's batched tensor)
    if storage(array) is not storage(source.array):
        return
    base = source._base if source._base is not None and shares_memory_of(source, source._base) else source
    output._base = base
    if not _state.enabled:
        output._view_in_no_grad = True
    piece = source.__dict__.get("_multi_output")
    if piece is not None:  # (a view of a piece of split/chunk/unbind: PyTorch refuses writes into it too)
        output._multi_output = piece
    views = base.__dict__.get("_views")
    if views is None:
        base._views = [weakref.ref(output)]
        return
    views.append(weakref.ref(output))  # (no callback: dead ones are dropped now and then, below)
    if len(views) % 64 == 0:
        views[:] = [ref for ref in views if ref() is not None]


def link_alias(alias: tt_tensor.Tensor, source: tt_tensor.Tensor) -> tt_tensor.Tensor:
    """Make ``alias`` (``source.detach()`` or ``source.data``: ``source``'s memory, no history, no
    ``_base``, as PyTorch's) a member of the memory's family, so that it follows a recorded write into
    the family (which moves the family to new memory). The family's list of weak references is one
    list shared by its members, the first base among them. Cost: one weak reference (two the first
    time). Returns ``alias``."""
    if source.__dict__.get("_levels"):
        return alias  # (a vmap's batched tensor)
    root = source._base if source._base is not None and shares_memory_of(source, source._base) else source
    views = root.__dict__.get("_views")
    if views is None:
        views = root._views = []
    if not root.__dict__.get("_aliased"):
        root._aliased = True
        views.append(weakref.ref(root))
    alias._views, alias._aliased = views, True
    views.append(weakref.ref(alias))
    if len(views) % 64 == 0:
        views[:] = [ref for ref in views if ref() is not None]
    return alias


def mark_multi_output(pieces: tuple, op: str) -> tuple:
    """Mark the views ``op`` (``split``, ``chunk``, ``unbind``, ``split_with_sizes``) returned as the
    outputs of a function that returns several views: PyTorch refuses a recorded write into them."""
    for index, piece in enumerate(pieces):
        piece._multi_output = (op, index)
    return pieces


def shares_memory_of(tensor: tt_tensor.Tensor, base: tt_tensor.Tensor) -> bool:
    """Whether ``tensor`` still lies in ``base``'s memory (a recorded write may have moved the base)."""
    return storage(tensor.array) is storage(base.array)


def live_views(base: tt_tensor.Tensor) -> list:
    """The views of ``base`` still alive and still in its memory."""
    alive = (ref() for ref in base.__dict__.get("_views", ()))
    return [view for view in alive if view is not None and view is not base and shares_memory_of(view, base)]


def needs_write_through(tensor: tt_tensor.Tensor) -> bool:
    """Whether a recorded in-place op on ``tensor`` must go through :func:`write_through`."""
    base = tensor._base
    return (base is not None and shares_memory_of(tensor, base)) or bool(live_views(tensor))


def write_through(tensor: tt_tensor.Tensor, op: str, result: tt_tensor.Tensor) -> tt_tensor.Tensor:
    """Write ``result`` (``op``'s recorded out-of-place result, ``tensor``'s shape) into ``tensor``,
    a view or a base with live views: the whole family moves to new memory and its histories are
    rewritten (module docstring)."""
    is_view = tensor._base is not None and shares_memory_of(tensor, tensor._base)
    base = tensor._base if is_view else tensor
    if not storage(base.array).flags.c_contiguous:  # (NumPy memory in another layout: no same-layout copy)
        if all(view._base is not base for view in live_views(base)):  # (a written view is among them)
            tensor.array = result.array.astype(tensor.array.dtype, copy=False)  # (only aliases: they keep
            tensor._take_history(result)  # the old values, as before aliases followed)
            return tensor
        raise RuntimeError(
            f"{op}: in-place write into a view (or a tensor with views) whose memory is not one "
            "row-major block (NumPy memory in another layout); write into a clone() instead"
        )
    if is_view:
        _check_view_write(op, tensor, base)
        positions = positions_in(tensor, base)  # (the same after the move: offsets are kept)
        if np.unique(positions).size != positions.size:  # (overlapping windows of unfold, ...)
            raise RuntimeError(_OVERLAP.format(op=op))
    family = [base, *live_views(base)]
    _move_to_copy(family)
    tensor.array[...] = result.array  # (the write: new memory, so nothing saved sees it)
    if is_view:
        base._take_history(CopySlicesFunction.apply(base, result, positions=positions))
    else:
        base._take_history(result)
    for view in family[1:]:
        if view._base is not base:
            continue  # (an alias of the memory, or a view of one: new values, the same history)
        piece = view.__dict__.get("_multi_output")
        if piece is not None:  # (PyTorch cannot regenerate its history: using it raises)
            view._take_history(StaleViewFunction.apply(base, piece=piece, view=view.array))
            continue
        view._take_history(
            ViewOfBaseFunction.apply(base, positions=positions_in(view, base), view=view.array)
        )
    return tensor


def members(tensor: tt_tensor.Tensor) -> list:
    """The views of the memory ``tensor`` writes into: its base's live views, or its own."""
    base = tensor._base if tensor._base is not None and shares_memory_of(tensor, tensor._base) else tensor
    return [base, *(view for view in live_views(base) if view._base is base)]


def with_tangents(tensor: tt_tensor.Tensor, result: tt_tensor.Tensor, write) -> tt_tensor.Tensor:
    """Forward-mode AD of an in-place write of ``result`` into ``tensor``, a view or a base with live
    views, made by ``write()``: at each open level, the base's tangent takes ``result``'s tangent (zeros
    if it has none) at the written positions, and every view of the base (``tensor`` too) reads its
    tangent from the base's, as PyTorch's forward AD of ``CopySlices``. An alias (``detach()``) has
    no tangent. Cost: per level, one ``index_put`` of the base's tangent and a gather per view."""
    from . import forward_ad
    from .creation import tensor as as_tensor
    from .creation import zeros

    levels = list(forward_ad._state.levels)
    written = [forward_ad.tangent_of(result, level) for level in levels]
    out = write()
    family = members(tensor)
    base = family[0]
    at = positions_in(tensor, base).reshape(-1) if tensor is not base else None
    for level, part in zip(levels, written):
        old = forward_ad.tangent_of(base, level)
        if all(forward_ad.tangent_of(view, level) is None for view in family):
            continue  # (nothing of this family is a dual at this level: write() gave ``tensor`` any part)
        part = zeros(tensor.shape, dtype=base.dtype) if part is None else part.to(base.dtype)
        if at is None:
            new = part
        else:
            flat = (zeros(base.shape, dtype=base.dtype) if old is None else old).reshape(-1)
            new = flat.index_put((as_tensor(at),), part.reshape(-1)).reshape(base.shape)
        forward_ad._attach(base, new, level)
        for view in family[1:]:
            forward_ad._attach(view, new.reshape(-1)[as_tensor(positions_in(view, base))], level)
    return out


def _check_view_write(op: str, view: tt_tensor.Tensor, base: tt_tensor.Tensor) -> None:
    """PyTorch's refusals for a recorded write into a view."""
    piece = view.__dict__.get("_multi_output")
    if piece is not None and not view.__dict__.get("_view_in_no_grad"):
        raise RuntimeError(
            f"{op}: output {piece[1]} of {piece[0]} is a view and is being modified inplace. "
            + _MULTI_OUTPUT.format(fix=f"the out-of-place {op.rstrip('_')}()")
        )
    if base.grad_fn is None and base._requires_grad:
        raise RuntimeError(
            f"{op}: a view of a leaf Variable that requires grad is being used in an in-place operation. "
            "Write into a clone (x.clone()[...]) or do it under tt.no_grad()"
        )
    if view.__dict__.get("_view_in_no_grad"):
        raise RuntimeError(
            f"{op}: A view was created in no_grad mode and is being modified inplace with grad mode "
            "enabled. Given that this use case is ambiguous and error-prone, it is forbidden: take "
            "the view with grad mode enabled, or do the in-place op under tt.no_grad() too"
        )
    if any(stride == 0 and n > 1 for stride, n in zip(view.array.strides, view.shape)):
        raise RuntimeError(_OVERLAP.format(op=op))  # (an expanded view; overlapping windows: later)
    if not view.array.flags.writeable:
        raise RuntimeError(
            f"{op}: the view's memory is read-only (NumPy memory that refuses writes); clone() the base "
            "tensor first"
        )


_MULTI_OUTPUT = (
    "This view is the output of a function that returns multiple views. Such functions do not allow "
    "the output views to be modified inplace. You should replace the inplace operation by an "
    "out-of-place one ({fix}), or take the piece by slicing (y[a:b], narrow, tensor_split), whose "
    "views may be written"
)

_OVERLAP = (
    "{op}: unsupported operation: more than one element of the written-to tensor refers to a single "
    "memory location (an expanded view, overlapping windows). Please clone() the tensor before "
    "performing the operation."
)


def _move_to_copy(family: list) -> None:
    """Point every tensor of ``family`` (one memory) at the same place in a copy of that memory."""
    root = storage(family[0].array)
    fresh = root.copy()  # (row-major, as the root: write_through checked)
    start = root.__array_interface__["data"][0]
    for tensor in family:
        array = tensor.array
        offset = array.__array_interface__["data"][0] - start
        tensor.array = np.ndarray(array.shape, array.dtype, fresh, offset, array.strides)


def positions_in(view: tt_tensor.Tensor, base: tt_tensor.Tensor) -> np.ndarray:
    """For each element of ``view`` (shaped as ``view``), its row-major index in ``base``."""
    flat, base_start = storage_of(base.array)
    item = base.array.itemsize
    base_index = element_indices(base.shape, tuple(s // item for s in base.array.strides), base_start)
    where = np.full(flat.size, -1, dtype=np.int64)
    where[base_index.ravel()] = np.arange(base_index.size)
    start = (view.array.__array_interface__["data"][0] - flat.__array_interface__["data"][0]) // item
    view_index = element_indices(view.shape, tuple(s // item for s in view.array.strides), start)
    positions = where[view_index]
    if positions.size and positions.min() < 0:
        raise RuntimeError(
            "in-place write into a view that reaches memory outside its base tensor (as_strided); use "
            "the out-of-place form"
        )
    return positions


class CopySlicesFunction(Function):
    """The base's new history after a write through a view: ``base`` with ``values`` at ``positions``.

    Forward returns the base's array, already written (no copy). Backward, for the base's
    gradient ``g``: the old base gets ``g`` with the written positions zeroed (they were
    overwritten); the values get ``g`` at those positions. Cost: one copy of ``g``.
    """

    @staticmethod
    def forward(ctx, base, values, positions):
        ctx.positions = positions
        return base

    @staticmethod
    def backward(ctx, grad):
        flat = np.asarray(grad).reshape(-1)
        values = np.asarray(flat[ctx.positions])  # (a 0-d view's positions pick a NumPy scalar)
        kept = None
        if ctx.needs_input_grad[0]:
            kept = flat.copy()
            kept[ctx.positions.ravel()] = 0
            kept = kept.reshape(np.shape(grad))
        return kept, values, None

    @staticmethod
    def graph_backward(ctx, grad):
        from .creation import tensor  # (the creation module imports this package's tensor)

        keep = np.ones(grad.numel(), dtype=bool)
        keep[ctx.positions.ravel()] = False
        flat = grad.reshape(-1)
        return (flat * tensor(keep)).reshape(grad.shape), flat[tensor(ctx.positions)], None


class StaleViewFunction(Function):
    """The history of a piece of ``split``/``chunk``/``unbind`` after a recorded write into its base
    (or another view of it): backward raises, as PyTorch's (which raises when the piece is next used;
    here when backward reaches it, the check costing nothing on every op). Forward: the piece's array."""

    @staticmethod
    def forward(ctx, base, piece, view):
        ctx.piece = piece
        return view

    @staticmethod
    def backward(ctx, grad):
        op, index = ctx.piece
        raise RuntimeError(
            f"backward: output {index} of {op} is a view and its base or another view of its base has "
            "been modified inplace. " + _MULTI_OUTPUT.format(fix="or take the pieces after the write")
        )

    graph_backward = backward


class ViewOfBaseFunction(Function):
    """A view's history after its base was written: the base's elements at ``positions``.

    Forward returns the view's array (already in the base's memory: no copy). Backward adds the
    gradient into zeros of the base's shape at the positions (an expanded view repeats one).
    """

    @staticmethod
    def forward(ctx, base, positions, view):
        ctx.positions, ctx.shape = positions, base.shape
        return view

    @staticmethod
    def backward(ctx, grad):
        g = np.asarray(grad)
        size = int(np.prod(ctx.shape))
        total = np.bincount(ctx.positions.ravel(), weights=g.ravel(), minlength=size)
        return total.astype(g.dtype, copy=False).reshape(ctx.shape), None, None

    @staticmethod
    def graph_backward(ctx, grad):
        from .creation import tensor, zeros  # (the creation module imports this package's tensor)

        size = int(np.prod(ctx.shape))
        flat = zeros(size, dtype=grad.dtype).index_add(0, tensor(ctx.positions.ravel()), grad.reshape(-1))
        return flat.reshape(ctx.shape), None, None
