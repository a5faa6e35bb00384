"""Gradients of ordering, rolling, diagonals, scatters and ``einsum``.

``sort``/``topk`` need no Function of their own: their values are a
``take_along_dim`` of the input (``TakeAlongDimFunction``), whose gradient
puts each value's gradient back where it came from.

* ``roll``: the gradient rolls back by the opposite shift.
* ``diag``: building a matrix from a vector and reading a matrix's diagonal
  are each other's gradient.
* ``scatter``/``scatter_add``: ``src``'s gradient is the output gradient read
  at the scattered positions (a gather); ``self``'s is the output gradient,
  zeroed where ``scatter`` overwrote (kept where ``scatter_add`` added).
* ``einsum``: the gradient of one operand is the einsum of the output gradient
  with the other operands, written to that operand's subscripts.
"""

from __future__ import annotations

import numpy as np
from tt_tensor import selection

from ..function import Function
from ..higher_order import backward_slopes
from .indexing import GetItemFunction, PlaceAtKeyFunction


class RollFunction(Function):
    complex_gradient = "conjugate"  # its rules are linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return selection.roll(a, shifts, dims)

    @staticmethod
    def backward(ctx, grad):
        return (selection.roll(grad, _opposite(ctx.shifts), ctx.dims),)

    @staticmethod
    def graph_backward(ctx, grad):
        return (grad.roll(_opposite(ctx.shifts), ctx.dims),)


def _opposite(shifts):
    return -shifts if isinstance(shifts, int) else tuple(-s for s in shifts)


class DiagFunction(Function):
    complex_gradient = "conjugate"  # its rules are linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, diagonal):
        ctx.shape, ctx.diagonal = a.shape, diagonal
        return selection.diag(a, diagonal)

    @staticmethod
    def backward(ctx, grad):
        if len(ctx.shape) == 1:  # vector -> matrix: read the diagonal back
            return (np.diagonal(grad, ctx.diagonal).copy(),)
        out = np.zeros(ctx.shape, dtype=grad.dtype)  # matrix -> its diagonal: write it back
        out[_diagonal_key(ctx.shape, ctx.diagonal)] = grad
        return (out,)

    @staticmethod
    def graph_backward(ctx, grad):  # reading and writing a diagonal: indexing and its recorded backward
        if len(ctx.shape) == 1:
            return (GetItemFunction.apply(grad, key=_diagonal_key(grad.shape, ctx.diagonal)),)
        return (PlaceAtKeyFunction.apply(grad, shape=ctx.shape, key=_diagonal_key(ctx.shape, ctx.diagonal)),)


def _diagonal_key(shape: tuple[int, int], offset: int) -> tuple[np.ndarray, np.ndarray]:
    """The (rows, cols) of diagonal ``offset`` of a matrix of ``shape`` (offset > 0: above the main one)."""
    length = max(0, min(shape[0] + min(offset, 0), shape[1] - max(offset, 0)))
    steps = np.arange(length)
    return steps + max(-offset, 0), steps + max(offset, 0)


class ScatterFunction(Function):
    """``scatter`` (``add=False``) and ``scatter_add`` (``add=True``) of a tensor ``src``."""

    complex_gradient = "conjugate"  # its rules are linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, index, src, dim, add):
        op = "scatter_add" if add else "scatter"
        ctx.where = selection.scatter_positions(op, a.shape, dim, index)
        ctx.add, ctx.src_shape = add, np.shape(src)
        return selection.scatter(a, dim, index, src, add)

    @staticmethod
    def backward(ctx, grad):
        grad_a = grad
        if not ctx.add:
            grad_a = grad.copy()
            grad_a[ctx.where] = 0
        grad_src = None
        if ctx.needs_input_grad[2]:
            block = grad[ctx.where]
            grad_src = np.zeros(ctx.src_shape, dtype=grad.dtype)
            grad_src[tuple(slice(0, n) for n in block.shape)] = block
        return (grad_a, None, grad_src)

    @staticmethod
    def graph_backward(ctx, grad):  # a's mask is constant; src reads grad where it was scattered
        kept = backward_slopes(ctx, grad)
        need_a, _, need_src = ctx.needs_input_grad
        grad_src = None
        if need_src:
            block = GetItemFunction.apply(grad, key=ctx.where)
            corner = tuple(slice(0, n) for n in block.shape)
            grad_src = PlaceAtKeyFunction.apply(block, shape=ctx.src_shape, key=corner)
        return (grad * kept if need_a else None, None, grad_src)


class EinsumFunction(Function):
    complex_gradient = "conjugate"  # its rules are grad * f' (complex_grad.py)

    @staticmethod
    def forward(ctx, *arrays, equation):
        ctx.subscripts, ctx.output = selection.einsum_subscripts(equation, [a.ndim for a in arrays])
        ctx.save_for_backward(*arrays)
        return selection.einsum(equation, list(arrays))

    @staticmethod
    def backward(ctx, grad):
        arrays = ctx.saved_tensors
        return tuple(
            _operand_grad(grad, ctx.output, arrays, ctx.subscripts, i) if needed else None
            for i, needed in enumerate(ctx.needs_input_grad)
        )

    @staticmethod
    def graph_backward(ctx, grad):
        operands = [ctx.input_tensor(i, a) for i, a in enumerate(ctx.saved_tensors)]
        return tuple(
            _operand_grad_recorded(grad, ctx.output, operands, ctx.subscripts, i) if needed else None
            for i, needed in enumerate(ctx.needs_input_grad)
        )


def _operand_grad(grad, output, arrays, subscripts, i):
    """d(loss)/d(operand i): einsum of ``grad`` with every other operand, onto operand i's letters.

    Letters operand i sums away alone (in no other term) come back by
    broadcasting; a letter repeated in its subscript (a diagonal, ``"ii->"``)
    is written onto that diagonal of a zero array; dims that broadcasting
    stretched (size 1 in operand i) are summed back to size 1.
    """
    equation, operands, present, unique, sizes = _operand_plan(grad, output, arrays, subscripts, i)
    target, shape = subscripts[i], arrays[i].shape
    g = np.einsum(equation, *operands, optimize=len(operands) > 2)
    g = g.reshape([g.shape[present.index(c)] if c in present else 1 for c in unique])
    stretched = tuple(k for k, c in enumerate(unique) if sizes[c] == 1 and g.shape[k] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    g = np.broadcast_to(g, [sizes[c] for c in unique])
    if unique == target:
        return np.ascontiguousarray(g, dtype=grad.dtype).reshape(g.shape)  # (a 0-d one stays 0-d)
    out = np.zeros(shape, dtype=grad.dtype)
    np.einsum(target + "->" + unique, out)[...] = g  # a writeable view of the diagonal
    return out


def _operand_grad_recorded(grad, output, operands, subscripts, i):
    """``_operand_grad`` in tensor operations (``operands`` are tensors): the recorded einsum, then its
    dims fitted to operand i's, a diagonal written by ``PlaceAtKeyFunction`` (indexing's backward)."""
    equation, others, present, unique, sizes = _operand_plan(grad, output, operands, subscripts, i)
    target = subscripts[i]
    g = EinsumFunction.apply(*others, equation=equation)
    g = g.reshape(*[g.shape[present.index(c)] if c in present else 1 for c in unique])
    stretched = tuple(k for k, c in enumerate(unique) if sizes[c] == 1 and g.shape[k] != 1)
    if stretched:
        g = g.sum(dim=stretched, keepdim=True)
    g = g.expand(*[sizes[c] for c in unique])
    if unique == target:
        return g
    key = tuple(np.arange(sizes[c]).reshape([-1 if u == c else 1 for u in unique]) for c in target)
    return PlaceAtKeyFunction.apply(g, shape=tuple(operands[i].shape), key=key)


def _operand_plan(grad, output, operands, subscripts, i):
    """Operand i's gradient as an einsum: its equation and operands (``grad`` and the other operands),
    the letters the result has (``present``), operand i's distinct letters and their sizes."""
    target = subscripts[i]
    unique = "".join(dict.fromkeys(target))
    terms = [output] + [s for j, s in enumerate(subscripts) if j != i]
    present = "".join(c for c in unique if c in set("".join(terms)))
    others = [grad] + [a for j, a in enumerate(operands) if j != i]
    sizes = {c: n for c, n in zip(target, operands[i].shape)}
    return ",".join(terms) + "->" + present, others, present, unique, sizes
