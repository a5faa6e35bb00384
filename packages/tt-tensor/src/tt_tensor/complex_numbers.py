"""Complex numbers: ``real``, ``imag``, ``conj``, ``angle``, ``complex``, ``polar``, ``view_as_real``, ...

Not course material. A complex tensor (``complex64``, ``complex128``) holds a
NumPy complex array; NumPy's element-wise arithmetic, ``exp``, reductions and
matrix products already compute in complex, so what this module adds is
PyTorch's names for the parts of a complex number and the views between a
complex tensor and a real one with a last dimension of 2 (LLaMA's rotary
embedding is written with them).

``real`` and ``view_as_real`` share memory with their input, as in PyTorch;
``conj`` returns a copy (PyTorch returns a lazily conjugated view, which
reads the same). The module-level forms call a hook on the tensor's class
(``_complex``, ``_view_as_real``, ...), so tt-autograd's versions record
gradients.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._base import TensorBase, operand
from .checks import check_tensor
from .dtypes import complex_of, from_numpy_dtype

#: The module-level forms, as PyTorch's ``torch.<name>``.
__all__ = [
    "angle",
    "complex",
    "conj",
    "conj_physical",
    "imag",
    "is_complex",
    "is_conj",
    "polar",
    "real",
    "resolve_conj",
    "view_as_complex",
    "view_as_real",
]


def _is_complex_array(array: np.ndarray) -> bool:
    return array.dtype.kind == "c"


def real_part(array: np.ndarray) -> np.ndarray:
    """``array.real``: a view of the real parts (the array itself when it is real)."""
    return array.real if _is_complex_array(array) else array


def imag_part(array: np.ndarray) -> np.ndarray:
    """The imaginary parts (a view); PyTorch refuses ``imag`` of a real tensor, and so does this."""
    if not _is_complex_array(array):
        raise RuntimeError(f"imag is not implemented for tensors with non-complex dtypes (got {array.dtype})")
    return array.imag


def angle_array(array: np.ndarray) -> np.ndarray:
    """The argument of each element, in (-pi, pi]; for real values 0 or pi (NaN stays NaN), as float."""
    if _is_complex_array(array):
        return np.angle(array)
    if array.dtype.kind != "f":
        array = array.astype(np.float32)
    return np.where(np.isnan(array), array, np.where(array < 0, np.pi, 0.0).astype(array.dtype))


def _float_pair(op: str, a: object, b: object) -> tuple[np.ndarray, np.ndarray]:
    """Two float arrays of one dtype (float32 or float64), as ``torch.complex``/``polar`` require."""
    a, b = np.asarray(a), np.asarray(b)
    for name, value in (
        ("real" if op == "complex" else "abs", a),
        ("imag" if op == "complex" else "angle", b),
    ):
        if value.dtype not in (np.float32, np.float64):
            raise RuntimeError(
                f"{op}: expected both inputs to be float32 or float64 tensors, but '{name}' has dtype "
                f"{from_numpy_dtype(value.dtype).name}"
            )
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"{op}: expected both inputs to have the same dtype, got {from_numpy_dtype(a.dtype).name} and "
            f"{from_numpy_dtype(b.dtype).name}"
        )
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise RuntimeError(f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together") from None
    return a, b


def cast(array: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``array.astype(dtype)``; complex to real keeps the real part, with PyTorch's warning."""
    if array.dtype.kind == "c" and np.dtype(dtype).kind != "c":
        warnings.warn("Casting complex values to real discards the imaginary part", UserWarning, stacklevel=4)
        array = array.real
    return array.astype(dtype)


def make_complex(real: object, imag: object) -> np.ndarray:
    """``real + i imag`` exactly (an infinite part never turns the other into NaN, as ``x + 1j * y`` can)."""
    real, imag = _float_pair("complex", real, imag)
    out = np.empty(np.broadcast_shapes(real.shape, imag.shape), dtype=complex_of(real.dtype))
    out.real, out.imag = real, imag
    return out


def make_polar(magnitude: object, phase: object) -> np.ndarray:
    """``abs * (cos(angle) + i sin(angle))``."""
    magnitude, phase = _float_pair("polar", magnitude, phase)
    return make_complex(magnitude * np.cos(phase), magnitude * np.sin(phase))


def as_real_view(array: np.ndarray) -> np.ndarray:
    """A complex array viewed as real, with a last dimension of 2 (real, imaginary); shares memory."""
    if not _is_complex_array(array):
        raise RuntimeError(f"view_as_real is only supported for complex tensors, got {array.dtype}")
    real_dtype = array.real.dtype
    return array[..., np.newaxis].view(real_dtype)


def as_complex_view(array: np.ndarray) -> np.ndarray:
    """A float array with a last dimension of 2 viewed as complex (one dimension fewer); shares memory."""
    if array.dtype not in (np.float32, np.float64):
        raise RuntimeError(
            f"view_as_complex is only supported for float32 and float64 tensors, but got a tensor of dtype "
            f"{from_numpy_dtype(array.dtype).name}"
        )
    if array.ndim == 0 or array.shape[-1] != 2:
        raise RuntimeError(
            f"view_as_complex: tensor must have a last dimension of size 2, got shape {array.shape}"
        )
    if array.strides[-1] != array.itemsize:
        raise RuntimeError("view_as_complex: tensor must have a last dimension with stride 1")
    if any(stride % (2 * array.itemsize) for stride in array.strides[:-1]):
        raise RuntimeError(
            "view_as_complex: tensor must have a stride divisible by 2 for all but last dimension"
        )
    return array.view(complex_of(array.dtype))[..., 0]


class ComplexMixin:
    """Tensor methods for complex numbers (beyond the exercises)."""

    def is_complex(self) -> bool:
        """True for complex64/complex128 tensors."""
        return self.array.dtype.kind == "c"

    @property
    def real(self):
        """The real parts, a view (a real tensor's ``real`` is the tensor itself)."""
        if not self.is_complex():
            return self
        return self.from_array(real_part(self.array))

    @property
    def imag(self):
        """The imaginary parts, a view; refused for a real tensor, as in PyTorch."""
        return self.from_array(imag_part(self.array))

    def conj(self):
        """The complex conjugate (a real tensor's is the tensor itself)."""
        if not self.is_complex():
            return self
        return self.from_array(np.conj(self.array))

    def conj_physical(self):
        """The complex conjugate, always computed (``conj`` in TinyTorch already is)."""
        return self.conj() if self.is_complex() else self.clone()

    def resolve_conj(self):
        """The tensor itself: TinyTorch's ``conj`` is never lazy."""
        return self

    def is_conj(self) -> bool:
        """False: TinyTorch's ``conj`` is never a lazy view."""
        return False

    def angle(self):
        """The argument of each element in (-pi, pi] (0 or pi for real values), a float tensor."""
        return self.from_array(angle_array(self.array))

    @classmethod
    def _complex(cls, real: object, imag: object):
        """``complex`` for this class."""
        return cls.from_array(make_complex(operand(real), operand(imag)))

    @classmethod
    def _polar(cls, magnitude: object, phase: object):
        """``polar`` for this class."""
        return cls.from_array(make_polar(operand(magnitude), operand(phase)))

    def _view_as_real(self):
        """``view_as_real`` for this class."""
        return self.from_array(as_real_view(self.array))

    def _view_as_complex(self):
        """``view_as_complex`` for this class."""
        return self.from_array(as_complex_view(self.array))


def _tensor(op: str, name: str, value: object) -> TensorBase:
    return check_tensor(op, value, name)


def _class_of(*values: TensorBase) -> type:
    chosen = type(values[0])
    for value in values[1:]:
        if issubclass(type(value), chosen):
            chosen = type(value)
    return chosen


def complex(real: TensorBase, imag: TensorBase):  # noqa: A001  (PyTorch's name)
    """``torch.complex``: a complex tensor from real and imaginary parts (both float32 or both float64).

    Example:
        >>> import tt_tensor as tt
        >>> tt.complex(tt.tensor([1.0]), tt.tensor([2.0]))
        tensor([1.+2.j])
    """
    real, imag = _tensor("complex", "real", real), _tensor("complex", "imag", imag)
    return _class_of(real, imag)._complex(real, imag)


def polar(abs: TensorBase, angle: TensorBase):  # noqa: A002  (PyTorch's argument names)
    """``torch.polar``: ``abs * (cos(angle) + i sin(angle))``, both float32 or both float64."""
    magnitude, phase = _tensor("polar", "abs", abs), _tensor("polar", "angle", angle)
    return _class_of(magnitude, phase)._polar(magnitude, phase)


def view_as_real(input: TensorBase):  # noqa: A002
    """``torch.view_as_real``: a complex tensor as a real one with a last dimension of 2 (shares memory)."""
    return _tensor("view_as_real", "input", input)._view_as_real()


def view_as_complex(input: TensorBase):  # noqa: A002
    """``torch.view_as_complex``: a float tensor of shape (..., 2) as a complex one of shape (...)."""
    return _tensor("view_as_complex", "input", input)._view_as_complex()


def real(input: TensorBase):  # noqa: A002
    """``torch.real``: the real parts (a view)."""
    return _tensor("real", "input", input).real


def imag(input: TensorBase):  # noqa: A002
    """``torch.imag``: the imaginary parts (a view); refused for a real tensor."""
    return _tensor("imag", "input", input).imag


def is_complex(input: TensorBase) -> bool:  # noqa: A002
    """``torch.is_complex``: True for a complex64/complex128 tensor."""
    return _tensor("is_complex", "input", input).is_complex()


def conj(input: TensorBase):  # noqa: A002
    """``torch.conj``: the complex conjugate."""
    return _tensor("conj", "input", input).conj()


def conj_physical(input: TensorBase):  # noqa: A002
    """``torch.conj_physical``: the complex conjugate, computed."""
    return _tensor("conj_physical", "input", input).conj_physical()


def resolve_conj(input: TensorBase):  # noqa: A002
    """``torch.resolve_conj``: the tensor itself (TinyTorch's conj is never lazy)."""
    return _tensor("resolve_conj", "input", input).resolve_conj()


def is_conj(input: TensorBase) -> bool:  # noqa: A002
    """``torch.is_conj``: False (TinyTorch's conj is never lazy)."""
    return _tensor("is_conj", "input", input).is_conj()


def angle(input: TensorBase):  # noqa: A002
    """``torch.angle``: the argument of each element."""
    return _tensor("angle", "input", input).angle()
