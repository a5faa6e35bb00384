"""Exporters for tt-autograd's primitive Functions: arithmetic, unary maths, matmul, shapes, reductions.

Each maps one recorded call to one or a few ONNX nodes (opset 17 or later).
Python numbers become constants of the result's dtype, as NumPy's promotion
made them; tensor operands of another dtype are cast first, since ONNX's
arithmetic takes equal types.
"""

from __future__ import annotations

import numpy as np
from tt_autograd.functions import arithmetic, linalg, reductions, shape, unary
from tt_autograd.functions.indexing import IndexSelectFunction, MaskedFillFunction

from .graph import NodeContext
from .registry import OnnxExporterError, register_exporter


def option(node: NodeContext, index: int, name: str, default: object = None) -> object:
    """A call's argument given either as keyword ``name`` or as positional ``index``."""
    if name in node.call.params:
        return node.call.params[name]
    return node.arg(index) if index < len(node.call.inputs) else default


def same_type(node: NodeContext, *indices: int) -> list[str]:
    """The inputs at ``indices`` as names, each of the output's dtype."""
    return [node.cast(node.input(i), node.out_dtype) for i in indices]


def finish(node: NodeContext, name: str) -> str:
    """Record the call's output shapes (both traces) and dtype on ``name``; returns it."""
    node.builder.note(name, node.out_shape, node.out_shape_b, node.out_dtype)
    return name


# ----------------------------------------------------------------- element-wise
BINARY = {
    arithmetic.AddFunction: "Add",
    arithmetic.SubFunction: "Sub",
    arithmetic.MulFunction: "Mul",
    arithmetic.DivFunction: "Div",
    arithmetic.PowFunction: "Pow",
    arithmetic.MaximumFunction: "Max",
    arithmetic.MinimumFunction: "Min",
}
UNARY = {
    arithmetic.NegFunction: "Neg",
    unary.ExpFunction: "Exp",
    unary.LogFunction: "Log",
    unary.SqrtFunction: "Sqrt",
    unary.ReciprocalFunction: "Reciprocal",
    unary.AbsFunction: "Abs",
    unary.SinFunction: "Sin",
    unary.CosFunction: "Cos",
    unary.TanhFunction: "Tanh",
    unary.SigmoidFunction: "Sigmoid",
    unary.ReLUFunction: "Relu",
    unary.CopyFunction: "Identity",
}


@register_exporter(*BINARY)
def binary(node: NodeContext) -> str:
    """Add, Sub, Mul, Div, Pow, Max, Min with NumPy broadcasting (ONNX broadcasts the same way)."""
    return finish(node, node.add(BINARY[node.function], same_type(node, 0, 1)))


@register_exporter(*UNARY)
def elementwise(node: NodeContext) -> str:
    """One ONNX op per unary Function."""
    return finish(node, node.add(UNARY[node.function], same_type(node, 0)))


@register_exporter(unary.CastFunction)
def cast(node: NodeContext) -> str:
    """``Cast`` to the output's dtype."""
    return finish(node, node.cast(node.input(0), node.out_dtype))


@register_exporter(arithmetic.WhereFunction)
def where(node: NodeContext) -> str:
    """``Where(condition, x, y)``."""
    condition = node.cast(node.input(0), np.bool_)
    return finish(node, node.add("Where", [condition, *same_type(node, 1, 2)]))


@register_exporter(arithmetic.ClampFunction)
def clamp(node: NodeContext) -> str:
    """``Max``/``Min`` against the bounds (``Clip`` takes scalars only; these may be tensors)."""
    out = same_type(node, 0)[0]
    for name, op in (("min", "Max"), ("max", "Min")):
        bound = option(node, 1 if name == "min" else 2, name)
        if bound is not None:
            value = node.const(np.asarray(getattr(bound, "array", bound), dtype=node.out_dtype))
            out = node.add(op, [out, value])
    return finish(node, out)


@register_exporter(MaskedFillFunction)
def masked_fill(node: NodeContext) -> str:
    """``Where(mask, value, a)``."""
    a = same_type(node, 0)[0]
    mask = node.cast(node.input(1), np.bool_)
    value = node.cast(node.input(2), node.out_dtype)
    return finish(node, node.add("Where", [mask, value, a]))


# ----------------------------------------------------------------- linear algebra and shapes
@register_exporter(linalg.MatMulFunction)
def matmul(node: NodeContext) -> str:
    """``MatMul`` (NumPy's matmul semantics, batch broadcasting included)."""
    return finish(node, node.add("MatMul", same_type(node, 0, 1)))


@register_exporter(shape.ViewFunction)
def view(node: NodeContext) -> str:
    """Every order-keeping reshape (view, flatten, squeeze, unsqueeze): one ``Reshape``."""
    return node.reshape(node.input(0), node.out_shape, node.out_shape_b)


@register_exporter(shape.PermuteFunction)
def permute(node: NodeContext) -> str:
    """``Transpose`` with the recorded permutation."""
    axes = [int(a) for a in option(node, 1, "axes")]
    return finish(node, node.add("Transpose", [node.input(0)], perm=axes))


@register_exporter(shape.ExpandFunction)
def expand(node: NodeContext) -> str:
    """``Expand``; a dynamic dimension the input already has is kept with size 1 (broadcasting keeps it)."""
    source = node.input(0)
    moving = node.dynamic(source)
    lead = len(node.out_shape) - len(node.shape(0))
    target = []
    for i, (a, b) in enumerate(zip(node.out_shape, node.out_shape_b)):
        if a == b:
            target.append(a)
        elif i - lead in moving:
            target.append(1)
        else:
            raise OnnxExporterError(
                f"tt.onnx.export: {node.where} expands a dimension to a size that follows a dynamic axis"
            )
    return finish(node, node.add("Expand", [source, node.ints(target)]))


@register_exporter(shape.CatFunction)
def cat(node: NodeContext) -> str:
    """``Concat`` along the recorded dim."""
    names = same_type(node, *range(len(node.call.inputs)))
    axis = int(node.param("dim", 0)) % len(node.out_shape)
    return finish(node, node.add("Concat", names, axis=axis))


@register_exporter(shape.StackFunction)
def stack(node: NodeContext) -> str:
    """``Unsqueeze`` each input at ``dim``, then ``Concat``."""
    axis = int(node.param("dim", 0)) % len(node.out_shape)
    axes = node.ints([axis])
    names = [node.add("Unsqueeze", [name, axes]) for name in same_type(node, *range(len(node.call.inputs)))]
    return finish(node, node.add("Concat", names, axis=axis))


@register_exporter(IndexSelectFunction)
def index_select(node: NodeContext) -> str:
    """``Gather`` along ``dim`` with int64 indices."""
    index = node.cast(node.input(1), np.int64)
    axis = int(option(node, 2, "dim")) % len(node.shape(0))
    return finish(node, node.add("Gather", [node.input(0), index], axis=axis))


# ----------------------------------------------------------------- reductions
def reduce_axes(node: NodeContext, dim: object) -> list[int]:
    ndim = len(node.shape(0))
    if dim is None:
        return list(range(ndim))
    dims = [dim] if isinstance(dim, (int, np.integer)) else list(dim)
    return sorted(int(d) % ndim for d in dims)


def reduce(node: NodeContext, op: str, source: str, axes: list[int], keepdim: bool) -> str:
    """``op`` over ``axes``: axes as an input from opset 18 (13 for ReduceSum), an attribute before."""
    if op == "ReduceSum" or node.opset >= 18:
        return node.add(op, [source, node.ints(axes)], keepdims=int(keepdim))
    return node.add(op, [source], axes=axes, keepdims=int(keepdim))


REDUCTIONS = {reductions.SumFunction: "ReduceSum", reductions.MeanFunction: "ReduceMean"}


@register_exporter(*REDUCTIONS)
def sum_mean(node: NodeContext) -> str:
    """``ReduceSum``/``ReduceMean`` over ``dim`` (all axes when None)."""
    axes = reduce_axes(node, option(node, 1, "dim"))
    source = node.cast(node.input(0), node.out_dtype)
    keep = bool(option(node, 2, "keepdim", False))
    return finish(node, reduce(node, REDUCTIONS[node.function], source, axes, keep))


@register_exporter(reductions.AmaxFunction)
def amax(node: NodeContext) -> str:
    """``ReduceMax`` (``largest``) or ``ReduceMin``."""
    axes = reduce_axes(node, option(node, 1, "dim"))
    op = "ReduceMax" if option(node, 3, "largest", True) else "ReduceMin"
    return finish(node, reduce(node, op, node.input(0), axes, bool(option(node, 2, "keepdim", False))))


@register_exporter(reductions.LogSumExpFunction)
def logsumexp(node: NodeContext) -> str:
    """``ReduceLogSumExp``."""
    axes = reduce_axes(node, option(node, 1, "dim"))
    keep = bool(option(node, 2, "keepdim", False))
    return finish(node, reduce(node, "ReduceLogSumExp", node.input(0), axes, keep))
