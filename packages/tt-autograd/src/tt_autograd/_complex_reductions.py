"""Recorded reductions of tt-autograd's Tensor that take complex tensors too: ``var``, ``logsumexp``, ...

A mixin of :class:`~tt_autograd.Tensor` (kept out of ``tensor.py``). For a real
tensor each method is its one Function (``VarFunction``, ``LogSumExpFunction``,
``LogcumsumexpFunction``, ``DistFunction``), whose rules are written for real
numbers. For a complex tensor it is composed from recorded ops that carry complex
gradients (``mean``, ``real``, ``imag``, ``exp``, ``log``, ``sum``, ``cumsum``,
``abs``), so its gradient follows PyTorch's convention (:mod:`tt_autograd.complex_grad`)
with no rule of its own, and its value is tt-tensor's
(:mod:`tt_tensor.complex_reductions`, which says what each one computes):

* ``var``: ``Σ (Re d)² + (Im d)² / (n - correction)`` with ``d = z - mean(z)`` (``std`` is its root);
* ``logsumexp``, ``logcumsumexp``: ``m + log Σ exp(z - m)``, ``m`` the largest real part
  (a constant: the result does not depend on it); ``logcumsumexp`` computes in complex128;
* ``dist``: the ``p``-norm of ``|a - b|``.

Cost: a few recorded ops each, against one for a real tensor.
"""

from __future__ import annotations

import numpy as np
import tt_tensor
from tt_tensor import complex_reductions
from tt_tensor import reduce as reduce_kernels
from tt_tensor.checks import (
    NOT_GIVEN,
    check_bool,
    check_tensor,
    logsumexp_dims,
    normalize_dim,
    reduction_dims,
    variance_args,
)
from tt_tensor.distance import check_p
from tt_tensor.dtypes import check_kernel_dtype, require_float_input

from .functions.cumulative import LogcumsumexpFunction
from .functions.distance import DistFunction
from .functions.reductions import LogSumExpFunction, VarFunction


class ComplexReductionGradMixin(tt_tensor.Tensor):
    """``var``, ``logsumexp``, ``logcumsumexp`` and ``dist``, recorded, for real and complex tensors."""

    def var(self, dim=None, unbiased=NOT_GIVEN, keepdim: bool = False, *, correction=None):
        dim, correction = variance_args("var", dim, unbiased, correction)  # PyTorch's three forms
        dim = reduction_dims(dim)  # (dim=(): every dim, as PyTorch)
        require_float_input("var", self.array.dtype)  # (integers: PyTorch's refusal)
        keepdim = check_bool("var", "keepdim", keepdim)
        if self.array.dtype.kind != "c":
            return VarFunction.apply(self, dim=dim, correction=correction, keepdim=keepdim)
        centred = self - self.mean(dim, keepdim=True)
        squares = centred.real * centred.real + centred.imag * centred.imag
        count = reduce_kernels.count(self.shape, dim)
        with np.errstate(divide="ignore", invalid="ignore"):  # n <= correction: inf or nan, as PyTorch
            return squares.sum(dim, keepdim) / np.asarray(max(count - correction, 0), squares.array.dtype)

    def logsumexp(self, dim, keepdim: bool = False):
        axes = logsumexp_dims(dim, self.ndim)  # required: None refused, as PyTorch
        keepdim = check_bool("logsumexp", "keepdim", keepdim)
        if any(self.shape[d] == 0 for d in axes):  # log(sum of nothing) = log(0): an empty sum (0) - inf
            return self.sum(axes, keepdim) - np.inf
        if self.array.dtype.kind != "c":
            return LogSumExpFunction.apply(self, dim=dim, keepdim=keepdim)
        shift = complex_reductions.real_shift(self.array, axes)
        total = (self - shift).exp().sum(axes, keepdim=keepdim)
        return total.log() + (shift if keepdim else np.squeeze(shift, axis=axes))

    def logcumsumexp(self, dim: int):
        axis = normalize_dim("logcumsumexp", dim, self.ndim)
        check_kernel_dtype("logcumsumexp", self.array.dtype, "iub")  # (PyTorch: floats and complex only)
        if self.array.dtype.kind != "c":
            return LogcumsumexpFunction.apply(self, dim=axis)
        if self.ndim == 0:
            return self.reshape(1).logcumsumexp(0).reshape(())
        wide = self.to(tt_tensor.complex128)
        shift = complex_reductions.real_shift(wide.array, axis)
        return ((wide - shift).exp().cumsum(axis).log() + shift).to(self.dtype)

    def dist(self, other, p: float = 2):
        check_tensor("dist", other, "other")  # PyTorch takes tensors only
        p = check_p("dist", p)
        if self.array.dtype.kind != "c" and other.array.dtype.kind != "c":
            return DistFunction.apply(self, other, p=p)
        magnitudes = (self - other).abs()  # a complex difference's p-norm is that of its magnitudes
        return DistFunction.apply(magnitudes, np.zeros((), magnitudes.array.dtype), p=p)
