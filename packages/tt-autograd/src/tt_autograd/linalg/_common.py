"""Shared pieces of ``tt_autograd.linalg``: argument checks, the error class, several outputs from one node.

* :class:`LinAlgError` is ``torch.linalg.LinAlgError``: a ``RuntimeError`` raised
  when the numbers (not the shapes) make an operation impossible (a singular
  matrix for ``inv``, a matrix that is not positive-definite for ``cholesky``).
* ``float_matrices`` checks the input of an op on ``(..., m, n)`` matrices.
* A :class:`~tt_autograd.Function` returns one array, so an op with several
  results (``qr``'s Q and R, ``eigh``'s values and vectors, ``svd``'s U, S, Vh)
  returns them flattened and joined along the last axis (``pack``); ``unpack``
  slices and reshapes the recorded result back into differentiable tensors.
  Backward receives the joined gradient, zeros where a result was not used,
  and splits it the same way.
"""

from __future__ import annotations

import numpy as np
import tt_tensor

from ..tensor import Tensor


class LinAlgError(RuntimeError):
    """``torch.linalg.LinAlgError``: the input's values make the operation impossible (e.g. singular)."""


def as_tensor(op: str, value: object, name: str = "A") -> Tensor:
    """``value`` as a tt-autograd Tensor (NumPy arrays and nested lists are wrapped), or a TypeError."""
    if isinstance(value, tt_tensor.Tensor):
        return value if isinstance(value, Tensor) else Tensor.from_array(value.array)
    raise TypeError(f"{op}: argument '{name}' must be a Tensor, not {type(value).__name__}")


def float_tensor(
    op: str, value: object, name: str = "A", min_dims: int = 0, complex_ok: bool = False
) -> Tensor:
    """A float32/float64 (or, with ``complex_ok``, complex64/128) tensor with at least ``min_dims`` dims,
    or an error naming ``op`` and the fix."""
    tensor = as_tensor(op, value, name)
    allowed = (np.float32, np.float64) + ((np.complex64, np.complex128) if complex_ok else ())
    if tensor.array.dtype not in allowed:
        kinds = "float32, float64, complex64 and complex128" if complex_ok else "float32 and float64"
        raise TypeError(
            f"{op}: Expected a floating point tensor as input. Got {tensor.array.dtype}; "
            f"convert it with .float() or .double() ({op} works in {kinds})"
        )
    if tensor.ndim < min_dims:
        raise ValueError(
            f"{op}: The input tensor {name} must have at least {min_dims} dimensions, "
            f"got shape {tuple(tensor.shape)}"
        )
    return tensor


def float_matrices(
    op: str, value: object, name: str = "A", square: bool = True, complex_ok: bool = False
) -> Tensor:
    """A float (or, with ``complex_ok``, complex) tensor of shape ``(..., m, n)`` (``m == n`` when
    ``square``), or an error naming ``op``."""
    tensor = float_tensor(op, value, name, min_dims=2, complex_ok=complex_ok)
    m, n = tensor.shape[-2:]
    if square and m != n:
        raise ValueError(f"{op}: {name} must be batches of square matrices, but they are {m} by {n} matrices")
    return tensor


def check_same_dtype(op: str, first: Tensor, second: Tensor, names: tuple[str, str] = ("A", "B")) -> None:
    """PyTorch's refusal of two operands of different dtypes (LAPACK's solvers do not promote)."""
    if first.dtype != second.dtype:
        a, b = names
        raise TypeError(
            f"{op}: Expected {a} and {b} to have the same dtype, but found {a} of type {first.dtype} and {b} "
            f"of type {second.dtype} instead; convert one with .to(other.dtype)"
        )


def batch_prefix(flat_index: int, batched: bool) -> str:
    """PyTorch's ``"(Batch element i): "`` (``i`` counts the matrices of the flattened batch) for a batch."""
    return f"(Batch element {flat_index}): " if batched else ""


def transpose(a: np.ndarray) -> np.ndarray:
    """The last two axes swapped (the matrix transpose of every matrix of a batch)."""
    return np.swapaxes(a, -1, -2)


def adjoint(a: np.ndarray) -> np.ndarray:
    """The conjugate transpose of every matrix (the transpose for real ``a``)."""
    return np.conj(np.swapaxes(a, -1, -2))


def pack(*arrays: np.ndarray, batch: tuple[int, ...]) -> np.ndarray:
    """Each array flattened over its own (non-batch) dims and all joined along the last axis."""
    return np.concatenate([a.reshape(batch + (-1,)) for a in arrays], axis=-1)


def unpack_arrays(packed: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """The arrays :func:`pack` joined, given each one's own (non-batch) shape."""
    batch, out, start = packed.shape[:-1], [], 0
    for shape in shapes:
        size = int(np.prod(shape, dtype=np.int64))
        out.append(packed[..., start : start + size].reshape(batch + shape))
        start += size
    return out


def unpack(packed: Tensor, shapes: list[tuple[int, ...]]) -> list[Tensor]:
    """:func:`unpack_arrays` on a recorded tensor: slices and reshapes, so gradients flow back."""
    batch, out, start = tuple(packed.shape[:-1]), [], 0
    for shape in shapes:
        size = int(np.prod(shape, dtype=np.int64))
        out.append(packed[..., start : start + size].reshape(batch + shape))
        start += size
    return out


def solve_transposed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``A^{-T} B`` by one LU solve (no inverse formed)."""
    return np.linalg.solve(transpose(a), b)


def right_solve(b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``B A^{-1}`` (``X`` with ``X A = B``) by one solve on the transposes."""
    return transpose(np.linalg.solve(transpose(a), transpose(b)))
