"""Reductions: the gradient of a reduction is spread back over the elements it combined.

``expand_reduced`` puts back the dimensions a reduction removed (size 1), so
the gradient broadcasts against the input: a sum copies it to every element,
a mean also divides by the count, a max sends it only to the winners.
"""

from __future__ import annotations

import numpy as np
from tt_tensor import pointwise, reduce
from tt_tensor.checks import normalize_dims

from ..function import Function
from ..higher_order import backward_slopes
from .indexing import PlaceAtKeyFunction, along
from .shape import CatFunction


def expand_reduced(grad: np.ndarray, ndim: int, dim, keepdim: bool) -> np.ndarray:
    """``grad`` with the reduced dimensions restored as size 1, ready to broadcast."""
    axes = normalize_dims("reduce", dim, ndim)
    if keepdim or ndim == 0:
        return grad
    if axes is None:
        return grad.reshape((1,) * ndim)
    return np.expand_dims(grad, axes)


def kept_shape(shape: tuple[int, ...], dim, keepdim: bool) -> tuple[int, ...]:
    """``shape`` with the reduced dimensions as size 1: the shape a reduction's gradient broadcasts from."""
    axes = normalize_dims("reduce", dim, len(shape))
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else size for i, size in enumerate(shape))


class SumFunction(Function):
    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        # BEGIN SOLUTION 02
        # TODO: sum over dim; remember a's shape, dim and keepdim.
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        return reduce.sum(a, dim, keepdim)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: grad broadcast back to a's shape (expand_reduced restores the reduced dims when not keepdim).
        grad = expand_reduced(grad, len(ctx.shape), ctx.dim, ctx.keepdim)
        return (np.broadcast_to(grad, ctx.shape),)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        return (grad.reshape(kept_shape(ctx.shape, ctx.dim, ctx.keepdim)).expand(*ctx.shape),)

    @staticmethod
    def jvp(ctx, tangent):
        return reduce.sum(tangent, ctx.dim, ctx.keepdim)

    @staticmethod
    def graph_jvp(ctx, tangent):  # (a linear op: itself on the tangent, recorded)
        return tangent.sum(ctx.dim, ctx.keepdim)


class MeanFunction(Function):
    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        # BEGIN SOLUTION 02
        # TODO: mean over dim; remember a's shape, dim and keepdim.
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        return reduce.mean(a, dim, keepdim)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: grad / n broadcast back to a's shape, n the number of elements averaged (module 01's count).
        grad = expand_reduced(grad, len(ctx.shape), ctx.dim, ctx.keepdim)
        return (np.broadcast_to(grad / reduce.count(ctx.shape, ctx.dim), ctx.shape),)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        spread = grad.reshape(kept_shape(ctx.shape, ctx.dim, ctx.keepdim)).expand(*ctx.shape)
        return (spread / reduce.count(ctx.shape, ctx.dim),)

    @staticmethod
    def jvp(ctx, tangent):
        return reduce.mean(tangent, ctx.dim, ctx.keepdim)

    @staticmethod
    def graph_jvp(ctx, tangent):
        return tangent.mean(ctx.dim, ctx.keepdim)


class VarFunction(Function):
    """``sum((a - mean)^2) / (n - correction)``; its gradient is ``2 (a - mean) / (n - correction)``."""

    @staticmethod
    def forward(ctx, a, dim=None, correction=1, keepdim=False):
        # BEGIN SOLUTION 02
        # TODO: the variance with correction; save the centred input and the divisor n - correction.
        a = pointwise.as_float(a)  # integer input: the default float dtype, as tt-tensor's var gives
        axes = normalize_dims("var", dim, a.ndim)
        centered = a - a.mean(axis=axes, keepdims=True)
        ctx.save_for_backward(centered)
        ctx.dim, ctx.keepdim = dim, keepdim
        ctx.divisor = max(reduce.count(a.shape, dim) - correction, 0)
        return reduce.var(a, dim, correction, keepdim)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: grad * 2 (a - mean) / (n - correction), grad expanded to a's shape; NaN if the divisor is 0.
        (centered,) = ctx.saved_tensors
        grad = expand_reduced(grad, centered.ndim, ctx.dim, ctx.keepdim)
        return (grad * centered * (2.0 / ctx.divisor if ctx.divisor else np.nan),)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        (centered,) = ctx.saved_tensors
        # a's graph carrying the centred values (forward saved no other): centring them again is exact up
        # to rounding, and the centring's gradient does not depend on the values
        a = ctx.input_tensor(0, centered)
        scale = 2.0 / ctx.divisor if ctx.divisor else np.nan
        grad = grad.reshape(kept_shape(centered.shape, ctx.dim, ctx.keepdim))
        return (grad * (a - a.mean(dim=ctx.dim, keepdim=True)) * scale,)

    @staticmethod
    def jvp(ctx, tangent, *_):  # 2 sum((a - mean) t) / (n - correction); NaN if that is 0, as backward
        (centered,) = ctx.saved_tensors
        return reduce.sum(centered * tangent, ctx.dim, ctx.keepdim) * (
            2.0 / ctx.divisor if ctx.divisor else np.nan
        )

    @staticmethod
    def graph_jvp(ctx, tangent, *_):  # the same, recorded (the centred input joined to a's graph)
        (centered,) = ctx.saved_tensors
        a = ctx.input_tensor(0, centered)
        scale = 2.0 / ctx.divisor if ctx.divisor else np.nan
        return ((a - a.mean(dim=ctx.dim, keepdim=True)) * tangent).sum(ctx.dim, ctx.keepdim) * scale


class AmaxFunction(Function):
    """Max (or min, ``ctx.largest=False``) over dims; ties share the gradient evenly, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False, largest=True):
        # BEGIN SOLUTION 02
        # TODO: amax (largest) or amin over dim; save a and the result.
        out = (reduce.amax if largest else reduce.amin)(a, dim, keepdim)
        ctx.save_for_backward(a, out)
        ctx.dim, ctx.keepdim = dim, keepdim
        return out
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: the gradient split evenly among the elements equal to the extreme (PyTorch's amax rule).
        # HINT: winners = (a == out) in grad's dtype; divide by the number of winners along the reduced dims.
        a, out = ctx.saved_tensors
        out = expand_reduced(out, a.ndim, ctx.dim, ctx.keepdim)
        grad = expand_reduced(grad, a.ndim, ctx.dim, ctx.keepdim)
        winners = (a == out).astype(grad.dtype)  # in the gradient's dtype: float64 here is ~10x slower
        axes = normalize_dims("amax", ctx.dim, a.ndim)
        winners /= winners.sum(axis=axes, keepdims=True)
        return (grad * winners,)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):  # the winners' shares are constants: a max is piecewise linear
        a = ctx.saved_tensors[0]
        share = backward_slopes(ctx, grad)
        return (grad.reshape(kept_shape(a.shape, ctx.dim, ctx.keepdim)) * share,)

    @staticmethod
    def jvp(ctx, tangent):  # the mean of the tangent over the tied extremes (PyTorch's amax_amin_jvp)
        a, out = ctx.saved_tensors
        winners = a == expand_reduced(out, a.ndim, ctx.dim, ctx.keepdim)
        axes = normalize_dims("amax", ctx.dim, a.ndim)
        total = np.sum(tangent * winners, axis=axes, keepdims=ctx.keepdim)
        return total / np.sum(winners, axis=axes, keepdims=ctx.keepdim)


class TakeAlongDimFunction(Function):
    """The values at given indices along ``dim`` (``max(dim)``'s values); gradient goes to those."""

    @staticmethod
    def forward(ctx, a, indices, dim, keepdim):
        # BEGIN SOLUTION 02
        # TODO: the values at indices along dim (max/min with dim, module 01's extreme); save the indices.
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        ctx.save_for_backward(indices)
        if a.ndim == 0:
            return a.copy()
        keep = np.expand_dims(indices, dim) if not keepdim else indices
        out = np.take_along_axis(a, keep, axis=dim)
        return out if keepdim else out.squeeze(dim)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: zeros of a's shape with grad put at indices along dim
        #   (np.put_along_axis); 0-d a gets grad itself.
        (indices,) = ctx.saved_tensors
        if not ctx.shape:
            return (grad,)
        keep = indices if ctx.keepdim else np.expand_dims(indices, ctx.dim)
        g = grad if ctx.keepdim else np.expand_dims(grad, ctx.dim)
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        np.put_along_axis(out, keep, g, axis=ctx.dim)
        return (out,)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):  # the values put back, recorded as PlaceAtKey (its gradient: take them)
        (indices,) = ctx.saved_tensors
        if not ctx.shape:
            return (grad,)
        if not ctx.keepdim:
            grad, indices = grad.unsqueeze(ctx.dim), np.expand_dims(indices, ctx.dim)
        return (PlaceAtKeyFunction.apply(grad, shape=ctx.shape, key=along(indices, ctx.dim)),)

    @staticmethod
    def jvp(ctx, tangent, *_):  # linear in a: forward itself, on the tangent
        return TakeAlongDimFunction.forward(Function(), tangent, ctx.saved_tensors[0], ctx.dim, ctx.keepdim)


class LogSumExpFunction(Function):
    @staticmethod
    def forward(ctx, a, dim, keepdim=False):
        # BEGIN SOLUTION 02
        # TODO: logsumexp over dim; save a and the result.
        out = reduce.logsumexp(a, dim, keepdim)
        ctx.save_for_backward(a, out)
        ctx.dim, ctx.keepdim = dim, keepdim
        return out
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: grad * exp(a - out) (the softmax), with grad and out expanded back to a's shape.
        a, out = ctx.saved_tensors
        out = expand_reduced(out, a.ndim, ctx.dim, ctx.keepdim)
        grad = expand_reduced(grad, a.ndim, ctx.dim, ctx.keepdim)
        return (grad * np.exp(a - out),)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        a, out = ctx.saved_tensors
        return (grad.reshape(kept_shape(a.shape, ctx.dim, ctx.keepdim)) * _softmax_recorded(ctx),)

    @staticmethod
    def jvp(ctx, tangent):  # the softmax-weighted sum of the tangent
        a, out = ctx.saved_tensors
        softmax = np.exp(a - expand_reduced(out, a.ndim, ctx.dim, ctx.keepdim))
        return reduce.sum(tangent * softmax, ctx.dim, ctx.keepdim)

    @staticmethod
    def graph_jvp(ctx, tangent):  # the same, recorded
        return (tangent * _softmax_recorded(ctx)).sum(ctx.dim, ctx.keepdim)


def _softmax_recorded(ctx: LogSumExpFunction) -> object:
    """``exp(a - logsumexp(a))`` over logsumexp's dims, recorded (input and output joined to their graphs)."""
    a, out = ctx.saved_tensors
    kept = kept_shape(a.shape, ctx.dim, ctx.keepdim)
    return (ctx.input_tensor(0, a) - ctx.output_tensor(out).reshape(kept)).exp()


class ProdFunction(Function):
    """Product; the gradient of each element is the product of all the others (zeros handled)."""

    complex_gradient = "conjugate"  # its rules are grad * f' (complex_grad.py)

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        # BEGIN SOLUTION 02
        # TODO: prod over dim; save a.
        ctx.save_for_backward(a)
        ctx.dim, ctx.keepdim = dim, keepdim
        return reduce.prod(a, dim, keepdim)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: each element's gradient is grad times the product of the others along dim.
        # HINT: not out / a: that divides by 0 when an element is 0 (_others_product multiplies the others).
        (a,) = ctx.saved_tensors
        grad = expand_reduced(grad, a.ndim, ctx.dim, ctx.keepdim)
        axes = normalize_dims("prod", ctx.dim, a.ndim)
        if axes is None:
            return ((grad.reshape(()) * _others_product(a.reshape(-1), 0)).reshape(a.shape),)
        if not axes:  # 0-d input
            return (grad,)
        return (grad * _others_product(a, axes[0]),)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):  # grad times the product of the others, zeros or not (as PyTorch)
        (a,) = ctx.saved_tensors
        grad = grad.reshape(kept_shape(a.shape, ctx.dim, ctx.keepdim))
        axes = normalize_dims("prod", ctx.dim, a.ndim)
        if not a.size or axes == ():  # nothing to multiply, or a 0-d input
            return (grad.expand(*a.shape),)
        a_t = ctx.input_tensor(0, a)
        if axes is None:
            return (grad * _others_product_recorded(a_t.reshape(-1), 0).reshape(a.shape),)
        return (grad * _others_product_recorded(a_t, axes[0]),)


def _others_product(a: np.ndarray, axis: int) -> np.ndarray:
    """For each element, the product of the other elements along ``axis`` (exclusive cumprods)."""
    ones = np.ones_like(np.take(a, [0], axis=axis))
    before = np.cumprod(np.concatenate([ones, np.delete(a, -1, axis=axis)], axis=axis), axis=axis)
    flipped = np.flip(a, axis)
    after = np.flip(
        np.cumprod(np.concatenate([ones, np.delete(flipped, -1, axis=axis)], axis=axis), axis=axis), axis
    )
    return before * after


def _others_product_recorded(a: object, axis: int) -> object:
    """``_others_product`` in tensor operations: exclusive cumprods both ways (PyTorch's
    ``prod_safe_zeros_backward``), O(n) and exact where ``a`` has zeros."""
    ones = np.ones(a.shape[:axis] + (1,) + a.shape[axis + 1 :], a.array.dtype)
    lead = (slice(None),) * axis
    before = CatFunction.apply(ones, a[lead + (slice(0, -1),)], dim=axis).cumprod(axis)
    after = CatFunction.apply(ones, a.flip(axis)[lead + (slice(0, -1),)], dim=axis).cumprod(axis).flip(axis)
    return before * after


class CumsumFunction(Function):
    complex_gradient = "conjugate"  # its rules are linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, dim):
        # BEGIN SOLUTION 02
        # TODO: cumulative sum along dim.
        ctx.dim = dim
        return np.cumsum(a, axis=dim)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: the reversed cumulative sum of grad along dim (flip, cumsum, flip).
        return (np.flip(np.cumsum(np.flip(grad, ctx.dim), axis=ctx.dim), ctx.dim),)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        return (grad.flip(ctx.dim).cumsum(ctx.dim).flip(ctx.dim),)

    @staticmethod
    def jvp(ctx, tangent, *_):
        return np.cumsum(tangent, axis=ctx.dim)

    @staticmethod
    def graph_jvp(ctx, tangent, *_):  # (a linear op: itself on the tangent, recorded)
        return tangent.cumsum(ctx.dim)
