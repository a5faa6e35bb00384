"""Recorded complex-number methods of tt-autograd's Tensor: ``real``, ``imag``, ``conj``, ``angle``, ...

Each goes through a Function of :mod:`tt_autograd.functions.complex`, whose
rules follow PyTorch's convention for complex gradients
(:mod:`tt_autograd.complex_grad`); the element-wise math of complex tensors
(``log``, ``sin``, ``pow``, ``sgn``, ...) is in :mod:`tt_autograd.functions.complex_math`.
``polar`` is composed from ``complex``, ``cos`` and ``sin``.
"""

from __future__ import annotations

import numpy as np
import tt_tensor
from tt_tensor.complex_numbers import make_polar
from tt_tensor.tensor import operand

from .functions.complex import (
    AngleFunction,
    ComplexAbsFunction,
    ComplexCastFunction,
    ComplexFunction,
    ConjFunction,
    ImagFunction,
    RealFunction,
    ViewAsComplexFunction,
    ViewAsRealFunction,
)
from .functions.complex_math import HOLOMORPHIC, ComplexSgnFunction
from .functions.rounding import StepFunction


class ComplexGradMixin:
    """Complex-number methods that record gradients."""

    def sign(self):
        """-1, 0 or 1 per element (a bool tensor is its own sign); complex input is refused, as in PyTorch."""
        if self.array.dtype == np.bool_:
            return super().sign()  # its own sign, as in PyTorch (no gradient: bool)
        if self.array.dtype.kind == "c":
            raise RuntimeError(
                "Unlike NumPy, torch.sign is not intended to support complex numbers. Please use torch.sgn "
                "instead."
            )
        return StepFunction.apply(self, kind="sign")

    @property
    def real(self) -> tt_tensor.Tensor:
        """The real parts, a view (a real tensor's ``real`` is the tensor itself)."""
        if self.array.dtype.kind != "c":
            return self
        return RealFunction.apply(self)

    @property
    def imag(self) -> tt_tensor.Tensor:
        """The imaginary parts, a view; refused for a real tensor, as in PyTorch."""
        return ImagFunction.apply(self)

    def conj(self) -> tt_tensor.Tensor:
        """The complex conjugate (a real tensor's is the tensor itself)."""
        if self.array.dtype.kind != "c":
            return self
        return ConjFunction.apply(self)

    def conj_physical(self) -> tt_tensor.Tensor:
        """The complex conjugate, computed (a real tensor's is a copy)."""
        return self.conj() if self.array.dtype.kind == "c" else self.clone()

    def angle(self) -> tt_tensor.Tensor:
        """The argument of each element in (-pi, pi] (0 or pi for real values; gradient 0 there)."""
        return AngleFunction.apply(self)

    def _complex_abs(self) -> tt_tensor.Tensor:
        return ComplexAbsFunction.apply(self)

    def _math(self, name: str, function: type) -> tt_tensor.Tensor:
        """Element-wise ``name`` (``log``, ``sin``, ...) by ``function``, or for a complex tensor by its
        complex Function (functions/complex_math.py)."""
        return (HOLOMORPHIC[name] if self.array.dtype.kind == "c" else function).apply(self)

    def sgn(self) -> tt_tensor.Tensor:
        """``z / |z|`` (0 at 0) of a complex tensor; a real tensor's ``sign``."""
        return ComplexSgnFunction.apply(self) if self.array.dtype.kind == "c" else self.sign()

    def stft(self, *args: object, **kwargs: object) -> tt_tensor.Tensor:
        """:func:`tt_autograd.stft` of this tensor (``torch.Tensor.stft``)."""
        from .spectral import stft

        return stft(self, *args, **kwargs)

    def istft(self, *args: object, **kwargs: object) -> tt_tensor.Tensor:
        """:func:`tt_autograd.istft` of this tensor (``torch.Tensor.istft``)."""
        from .spectral import istft

        return istft(self, *args, **kwargs)

    def _complex_cast(self, dtype: tt_tensor.DType) -> tt_tensor.Tensor:
        return ComplexCastFunction.apply(self, dtype=dtype.numpy)

    @classmethod
    def _complex(cls, real: object, imag: object) -> tt_tensor.Tensor:
        return ComplexFunction.apply(real, imag)

    @classmethod
    def _polar(cls, magnitude: object, phase: object) -> tt_tensor.Tensor:
        magnitude_array, phase_array = operand(magnitude), operand(phase)
        make_polar(magnitude_array, phase_array)  # its checks, with polar's messages
        return ComplexFunction.apply(magnitude * phase.cos(), magnitude * phase.sin())

    def _view_as_real(self) -> tt_tensor.Tensor:
        return ViewAsRealFunction.apply(self)

    def _view_as_complex(self) -> tt_tensor.Tensor:
        return ViewAsComplexFunction.apply(self)
