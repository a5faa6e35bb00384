"""``linalg.eig`` and ``linalg.eigvals``: eigen-decomposition of general square matrices (complex results).

Forward is NumPy's LAPACK ``geev`` (as PyTorch's): ``A = V diag(L) V^{-1}`` with
each eigenvector of unit length; a real matrix gets complex eigenvalues and
eigenvectors (complex64 from float32, complex128 from float64), complex ones
their own precision.

Backward is PyTorch's ``linalg_eig_backward``: with ``G_L``, ``G_V`` the
gradients of the outputs and ``E_ij = conj(L_j - L_i)`` (off the diagonal),

``grad_A = V^{-H} (diag(G_L) + (V^H G_V - V^H V Re(diag(V^H G_V))) / E) V^H``,

the off-diagonal part only for the second term, and its real part for a real
``A``. Each eigenvector is unique only up to a phase ``e^{i phi}``: a loss
that depends on the phase has no gradient, and backward refuses it with
PyTorch's error when ``Im(diag(V^H G_V))`` is not close to 0. Repeated
eigenvalues make ``E`` zero: inf or nan, as in PyTorch. ``eigvals`` computes
the vectors too (for backward); its gradient is ``V^{-H} diag(G_L) V^H``.

``V^{-H} X`` is a solve (``_ComplexSolveFunction``, recorded too, so
``create_graph`` works). Cost: ``O(n^3)`` per matrix both ways.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..function import Function, _tensor_class
from ..tensor import Tensor
from ._common import as_tensor, pack, unpack
from .spectral import _gap_reciprocals

GAUGE_MESSAGE = (
    ": The eigenvectors in the complex case are specified up to multiplication by "
    "e^{i phi}. The specified loss function depends on this quantity, so it is ill-defined."
)


class EigResult(NamedTuple):
    """``torch.linalg.eig``'s result: complex eigenvalues and unit eigenvectors as columns."""

    eigenvalues: Tensor
    eigenvectors: Tensor


def _mh(a: np.ndarray) -> np.ndarray:
    return np.conj(np.swapaxes(a, -1, -2))


class _ComplexSolveFunction(Function):
    """``A^{-1} B`` for complex matrices; gradients ``G_B = A^{-H} G``, ``G_A = -G_B X^H`` (PyTorch's)."""

    complex_gradient = "own"

    @staticmethod
    def forward(ctx, a, b):
        x = np.linalg.solve(a, b)
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        grad_b = np.linalg.solve(_mh(a), grad)
        return (-grad_b @ _mh(x) if ctx.needs_input_grad[0] else None), grad_b

    @staticmethod
    def graph_backward(ctx, grad):
        a, x = ctx.saved_tensors
        grad_b = _ComplexSolveFunction.apply(ctx.input_tensor(0, a).mH, grad)
        return (-grad_b @ ctx.output_tensor(x).mH if ctx.needs_input_grad[0] else None), grad_b


class EigFunction(Function):
    """``linalg.eig``: ``(L, V)`` packed along the last axis; PyTorch's gradient (module docstring)."""

    complex_gradient = "own"

    @staticmethod
    def forward(ctx, a):
        dtype = a.dtype if a.dtype.kind == "c" else np.result_type(a.dtype, np.complex64)
        w, v = np.linalg.eig(a)
        w, v = w.astype(dtype, copy=False), v.astype(dtype, copy=False)
        ctx.real_input = a.dtype.kind != "c"
        ctx.save_for_backward(w, v)
        return pack(w, v, batch=a.shape[:-2])

    @staticmethod
    def backward(ctx, grad):
        w, v, grad_w, grad_v = _parts(ctx, grad)
        n = w.shape[-1]
        vh = _mh(v)
        vh_gv = vh @ grad_v
        along = np.diagonal(vh_gv, axis1=-2, axis2=-1)
        _check_gauge(along)
        inner = (vh_gv - (vh @ v) * along.real[..., None, :]) * np.conj(_gap_reciprocals(w))
        inner = inner + grad_w[..., None] * np.eye(n, dtype=w.dtype)
        grad_a = np.linalg.solve(vh, inner @ vh)
        return (np.ascontiguousarray(grad_a.real) if ctx.real_input else grad_a,)

    @staticmethod
    def graph_backward(ctx, grad):
        v_t, grad_v, diagonal, off, gaps = _recorded(ctx, grad)
        vh = v_t.mH
        vh_gv = vh @ grad_v
        along = vh_gv.diagonal(0, -2, -1)
        _check_gauge(along.array)
        inner = ((vh_gv - (vh @ v_t) * along.real.unsqueeze(-2)) / gaps.conj()).where(off, _constant(0j))
        grad_a = _ComplexSolveFunction.apply(vh, (inner + diagonal) @ vh)
        return (grad_a.real if ctx.real_input else grad_a,)


class ComplexEighFunction(Function):
    """``linalg.eigh`` of complex Hermitian matrices: ``(L, V)`` packed (``L`` real, stored complex).

    Gradient (PyTorch's Hermitian case): ``V (diag(G_L) + (K - K^H) / 2 / (L_j - L_i)) V^H`` with
    ``K = V^H G_V``, after the same phase check as :class:`EigFunction`.
    """

    complex_gradient = "own"

    @staticmethod
    def forward(ctx, a, uplo):
        w, v = np.linalg.eigh(a, UPLO=uplo)
        w = w.astype(v.dtype)
        ctx.save_for_backward(w, v)
        return pack(w, v, batch=a.shape[:-2])

    @staticmethod
    def backward(ctx, grad):
        w, v, grad_w, grad_v = _parts(ctx, grad)
        vh_gv = _mh(v) @ grad_v
        _check_gauge(np.diagonal(vh_gv, axis1=-2, axis2=-1), "linalg_eigh_backward")
        inner = (vh_gv - _mh(vh_gv)) * 0.5 * _gap_reciprocals(w)
        inner = inner + grad_w[..., None] * np.eye(w.shape[-1], dtype=w.dtype)
        return (v @ inner @ _mh(v),)

    @staticmethod
    def graph_backward(ctx, grad):
        v_t, grad_v, diagonal, off, gaps = _recorded(ctx, grad)
        vh_gv = v_t.mH @ grad_v
        _check_gauge(vh_gv.diagonal(0, -2, -1).array, "linalg_eigh_backward")
        inner = ((vh_gv - vh_gv.mH) * 0.5 / gaps).where(off, _constant(0j))
        return (v_t @ (inner + diagonal) @ v_t.mH,)


def complex_eigh(A: Tensor, uplo: str) -> tuple[Tensor, Tensor]:
    """Eigenvalues (real, ascending) and eigenvectors of complex Hermitian ``A`` (``linalg.eigh``'s path)."""
    n = A.shape[-1]
    w, v = unpack(ComplexEighFunction.apply(A, uplo=uplo), [(n,), (n, n)])
    return w.real, v


def _parts(ctx: Function, grad: object) -> tuple:
    """The saved eigenvalues and eigenvectors, and ``grad`` (array or tensor) split into their gradients."""
    w, v = ctx.saved_tensors
    n = w.shape[-1]
    return w, v, grad[..., :n], grad[..., n:].reshape(*v.shape)


def _recorded(ctx: Function, grad: object) -> tuple:
    """For ``graph_backward``: the eigenvectors as a recorded tensor, their gradient, ``diag(G_L)``, the
    off-diagonal mask and the recorded gaps ``L_j - L_i`` (1 on the diagonal)."""
    w, v, grad_w, grad_v = _parts(ctx, grad)
    n = w.shape[-1]
    out = ctx.output_tensor(pack(w, v, batch=w.shape[:-1]))
    w_t, v_t = out[..., :n], out[..., n:].reshape(*v.shape)
    off = _constant(~np.eye(n, dtype=bool))
    gaps = (w_t.unsqueeze(-2) - w_t.unsqueeze(-1)).where(off, _constant(1 + 0j))
    return v_t, grad_v, grad_w.unsqueeze(-1) * np.eye(n, dtype=w.dtype), off, gaps


def _constant(value: object) -> object:
    return _tensor_class().from_array(np.asarray(value))


def _check_gauge(along: np.ndarray, op: str = "linalg_eig_backward") -> None:
    """PyTorch's check that the loss does not depend on the eigenvectors' phases."""
    if not np.allclose(along.imag, 0, rtol=1e-2, atol=1e-2):
        raise RuntimeError(op + GAUGE_MESSAGE)


def _square(op: str, A: object) -> Tensor:
    tensor = as_tensor(op, A)
    if tensor.array.dtype not in (np.float32, np.float64, np.complex64, np.complex128):
        raise TypeError(
            f"{op}: Expected a floating point or complex tensor as input. Got {tensor.array.dtype}; "
            "convert it with .double() or .to(torch.complex128)"
        )
    if tensor.ndim < 2 or tensor.shape[-1] != tensor.shape[-2]:
        raise ValueError(
            f"{op}: A must be batches of square matrices, but they are {tuple(tensor.shape[-2:])} matrices"
        )
    if not np.isfinite(tensor.array).all():
        raise RuntimeError(f"{op}: The input tensor A must not contain infinities or NaNs")
    return tensor


def eig(A) -> EigResult:
    """``torch.linalg.eig``: complex eigenvalues and unit eigenvectors of ``(..., n, n)`` matrices.

    ``A = V diag(L) V^{-1}``; neither is sorted (LAPACK's order, as PyTorch's).
    Cost: ``O(n^3)`` per matrix; backward a few products and one solve.
    """
    A = _square("linalg.eig", A)
    n = A.shape[-1]
    w, v = unpack(EigFunction.apply(A), [(n,), (n, n)])
    return EigResult(w, v)


def eigvals(A) -> Tensor:
    """``torch.linalg.eigvals``: :func:`eig`'s eigenvalues (vectors computed for backward)."""
    A = _square("linalg.eigvals", A)
    n = A.shape[-1]
    return unpack(EigFunction.apply(A), [(n,), (n, n)])[0]
