"""Functions of complex tensors whose rules are written for complex (``complex_gradient = "own"``).

Gradients follow PyTorch's convention (:mod:`tt_autograd.complex_grad`): a
complex tensor ``z = x + iy`` gets ``dL/dx + i dL/dy``, a real one its real
gradient. Most of these ops are not holomorphic (``abs``, ``angle``, ``real``,
``conj``), so the "conjugate the rule of ``grad * f'``" shortcut of the
arithmetic does not apply: each rule here is derived from the real and
imaginary parts. For ``|z|``: ``d|z|/dx = x/|z|``, ``d|z|/dy = y/|z|``, so the
gradient is ``grad * z / |z|`` (0 at 0); for ``angle(z) = atan2(y, x)`` it is
``grad * i z / |z|^2``.
"""

from __future__ import annotations

import numpy as np
from tt_tensor import complex_numbers as kernels
from tt_tensor.dtypes import from_numpy_dtype

from ..function import Function, _tensor_class, unbroadcast
from ..higher_order import sum_to

OWN = "own"


def _zeros_like(tensor: object) -> object:
    return _tensor_class().from_array(np.zeros(tuple(tensor.shape), dtype=tensor.array.dtype))


class RealFunction(Function):
    """``z.real``: a view of the real parts; the gradient is ``grad + 0i``."""

    complex_gradient = OWN

    @staticmethod
    def forward(ctx, a):
        ctx.dtype = a.dtype
        return kernels.real_part(a)

    @staticmethod
    def backward(ctx, grad):
        return (grad.astype(ctx.dtype),)

    @staticmethod
    def graph_backward(ctx, grad):
        return (grad.to(from_numpy_dtype(ctx.dtype)),)


class ImagFunction(Function):
    """``z.imag``: a view of the imaginary parts; the gradient is ``0 + i grad``."""

    complex_gradient = OWN

    @staticmethod
    def forward(ctx, a):
        ctx.dtype = a.dtype
        return kernels.imag_part(a)

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(grad.shape, dtype=ctx.dtype)
        out.imag = grad
        return (out,)

    @staticmethod
    def graph_backward(ctx, grad):
        return (ComplexFunction.apply(_zeros_like(grad), grad),)


class ConjFunction(Function):
    """``z.conj()``: ``x - iy``; the gradient is ``conj(grad)``."""

    complex_gradient = OWN

    @staticmethod
    def forward(ctx, a):
        return np.conj(a)

    @staticmethod
    def backward(ctx, grad):
        return (np.conj(grad),)

    @staticmethod
    def graph_backward(ctx, grad):
        return (grad.conj(),)


class ComplexAbsFunction(Function):
    """``|z|`` of a complex tensor (a real one); the gradient is ``grad * z / |z|``, 0 where ``z`` is 0."""

    complex_gradient = OWN

    @staticmethod
    def forward(ctx, a):
        out = np.abs(a)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        zero = out == 0
        return (grad * np.where(zero, 0, a / np.where(zero, 1, out)).astype(a.dtype),)

    @staticmethod
    def graph_backward(ctx, grad):
        a, out = ctx.saved_tensors
        zero = _tensor_class().from_array(out == 0)
        z, magnitude = ctx.input_tensor(0, a), ctx.output_tensor(out)
        ones = _tensor_class().from_array(np.ones((), dtype=out.dtype))
        sign = (z / magnitude.where(~zero, ones)).where(~zero, _zeros_like(z))
        return (grad * sign,)


class AngleFunction(Function):
    """``angle(z)`` = ``atan2(y, x)``; gradient ``grad * i z / |z|^2`` (0 at 0, and for real tensors)."""

    complex_gradient = OWN

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return kernels.angle_array(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        if a.dtype.kind != "c":
            return (np.zeros(a.shape, dtype=grad.dtype),)
        squared = (a * np.conj(a)).real
        zero = squared == 0
        return ((grad * np.where(zero, 0, 1j * a / np.where(zero, 1, squared))).astype(a.dtype),)

    @staticmethod
    def graph_backward(ctx, grad):
        (a,) = ctx.saved_tensors
        if a.dtype.kind != "c":
            return (_tensor_class().from_array(np.zeros(a.shape, dtype=grad.array.dtype)),)
        z = ctx.input_tensor(0, a)
        squared = (z * z.conj()).real
        zero = _tensor_class().from_array(squared.array == 0)
        ones = _tensor_class().from_array(np.ones((), dtype=squared.array.dtype))
        slope = (z * 1j / squared.where(~zero, ones)).where(~zero, _zeros_like(z))
        return (grad * slope,)


class ComplexFunction(Function):
    """``complex(real, imag)``: the gradient's real part goes to ``real``, its imaginary part to ``imag``."""

    complex_gradient = OWN

    @staticmethod
    def forward(ctx, real, imag):
        ctx.shapes = (np.shape(real), np.shape(imag))
        return kernels.make_complex(real, imag)

    @staticmethod
    def backward(ctx, grad):
        need_real, need_imag = ctx.needs_input_grad
        return (
            unbroadcast(np.ascontiguousarray(grad.real), ctx.shapes[0]) if need_real else None,
            unbroadcast(np.ascontiguousarray(grad.imag), ctx.shapes[1]) if need_imag else None,
        )

    @staticmethod
    def graph_backward(ctx, grad):
        need_real, need_imag = ctx.needs_input_grad
        return (
            sum_to(grad.real, ctx.shapes[0]) if need_real else None,
            sum_to(grad.imag, ctx.shapes[1]) if need_imag else None,
        )


class ViewAsRealFunction(Function):
    """``view_as_real(z)``: shape (..., 2); the gradient is the (..., 2) gradient read as complex."""

    complex_gradient = OWN

    @staticmethod
    def forward(ctx, a):
        return kernels.as_real_view(a)

    @staticmethod
    def backward(ctx, grad):
        return (kernels.as_complex_view(np.ascontiguousarray(grad)),)

    @staticmethod
    def graph_backward(ctx, grad):
        return (ViewAsComplexFunction.apply(grad.contiguous()),)


class ViewAsComplexFunction(Function):
    """``view_as_complex(x)``, x of shape (..., 2); the gradient is the complex gradient as (..., 2)."""

    complex_gradient = OWN

    @staticmethod
    def forward(ctx, a):
        return kernels.as_complex_view(a)

    @staticmethod
    def backward(ctx, grad):
        return (kernels.as_real_view(grad),)

    @staticmethod
    def graph_backward(ctx, grad):
        return (ViewAsRealFunction.apply(grad),)


class ComplexCastFunction(Function):
    """A dtype conversion to or from complex: the gradient comes back in the input's dtype.

    A real input gets the real part of a complex gradient; a complex input from a real
    result gets ``grad + 0i`` (PyTorch warns that the cast discarded the imaginary part).
    """

    complex_gradient = OWN

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.input_dtype = a.dtype
        return kernels.cast(a, dtype)

    @staticmethod
    def backward(ctx, grad):
        if ctx.input_dtype.kind != "c" and grad.dtype.kind == "c":
            grad = grad.real
        return (grad.astype(ctx.input_dtype),)

    @staticmethod
    def graph_backward(ctx, grad):
        if ctx.input_dtype.kind != "c" and grad.is_complex():
            grad = grad.real
        return (grad.to(from_numpy_dtype(ctx.input_dtype)),)
