"""``vmap`` of the matrix decompositions, complex element-wise math and the Fourier transforms (their
dims shifted past the batch dims); the special functions (tt-nn's): tests/test_vmap_nn_more.py.

The decompositions' Functions take ``(*, m, n)`` matrices, so vmap's dims lead their batch dims and
they run on the physical array as it is; what the ops compute from that array outside a Function
(slogdet's sign, lu_factor's pivots and info, svdvals without a gradient, matrix_rank, pinv's mask,
cond's singular mask) is batched like the input (it was a plain tensor of the physical shape: a
silently wrong result). The complex element-wise Functions and the complex views are element-wise or
act on trailing dims. Every case runs with the fallback warning as an
error and equals the op on each sample, stacked; so do the per-sample gradients.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.transforms import grad

B = 3
GEN = np.random.default_rng(2929)


def matrices(*shape, spd=False):
    a = autograd.tensor(GEN.standard_normal(shape), dtype=autograd.float64)
    return a @ a.mT + autograd.eye(shape[-1], dtype=autograd.float64) if spd else a


linalg = autograd.linalg
DECOMPOSITIONS = [  # (op, differentiable, symmetric positive-definite input)
    (lambda v: linalg.cholesky(v), True, True),
    (lambda v: linalg.cholesky_ex(v, upper=True), True, True),
    (lambda v: linalg.matrix_exp(v), True, False),
    (lambda v: linalg.svd(v), True, False),
    (lambda v: linalg.svd(v[..., :3], full_matrices=False), True, False),
    (lambda v: linalg.svdvals(v), False, False),  # (no gradient asked: NumPy's values, batched)
    (lambda v: linalg.qr(v), True, False),
    (lambda v: linalg.qr(v, mode="r"), False, False),
    (lambda v: linalg.eigh(v), True, True),
    (lambda v: linalg.eigvalsh(v), True, True),
    (lambda v: linalg.eig(v)[0].abs(), True, True),
    (lambda v: linalg.lu_factor(v), True, False),
    (lambda v: linalg.lu_factor_ex(v), True, False),
    (lambda v: linalg.lu(v), True, False),
    (lambda v: autograd.lu_unpack(*linalg.lu_factor(v)), True, False),
    (lambda v: autograd.lu_unpack(*linalg.lu_factor(v[..., :3]), unpack_data=False), False, False),
    (lambda v: linalg.slogdet(v), True, False),
    (lambda v: autograd.logdet(v), True, False),
    (lambda v: linalg.pinv(v), True, False),
    (lambda v: linalg.pinv(v, hermitian=True), True, True),
    (lambda v: linalg.matrix_rank(v[..., :2] @ v[..., :2, :]), False, False),
    (lambda v: linalg.cond(v), True, False),
    (lambda v: linalg.cond(v, 1), True, False),
]


@pytest.mark.parametrize("op, differentiable, spd", DECOMPOSITIONS)
def test_decompositions(vmap_agrees, op, differentiable, spd):
    vmap_agrees(op, matrices(B, 4, 4, spd=spd), argnums=0 if differentiable else None)
    batch = matrices(2, B, 4, 4, spd=spd)  # (a batch of matrices per sample, batched along dim 1)
    vmap_agrees(op, batch, in_dims=1, argnums=0 if differentiable else None)


SOLVES = [  # (op, shapes of A and B, in_dims)
    (lambda a, b: linalg.solve(a, b), ((B, 4, 4), (B, 4)), (0, 0)),  # a vector B
    (lambda a, b: linalg.solve(a, b), ((4, B, 4), (B, 4, 2)), (1, 0)),
    (lambda a, b: linalg.solve(a, b.mT, left=False), ((B, 4, 4), (4, 2, B)), (0, 2)),
    (lambda a, b: linalg.solve(a, b), ((4, 4), (B, 4, 2)), (None, 0)),  # a plain A
    (lambda a, b: linalg.solve(a, b), ((B, 2, 4, 4), (4,)), (0, None)),  # a plain vector B, batched A
    (lambda a, b: linalg.solve(a, b), ((B, 2, 4, 4), (B, 4, 2)), (0, 0)),  # batched, of other ranks
    (lambda a, b: linalg.solve_ex(a, b), ((B, 4, 4), (B, 4, 3)), (0, 0)),
    (lambda a, b: linalg.lu_solve(*linalg.lu_factor(a), b), ((B, 4, 4), (B, 4, 2)), (0, 0)),
    (lambda a, b: linalg.lu_solve(*linalg.lu_factor(a), b, adjoint=True), ((B, 4, 4), (4, 2)), (0, None)),
    (lambda a, b: autograd.cholesky_solve(b, linalg.cholesky(a @ a.mT)), ((B, 4, 4), (B, 4, 2)), (0, 0)),
]


@pytest.mark.parametrize("op, shapes, in_dims", SOLVES)
def test_solves(vmap_agrees, op, shapes, in_dims):
    eye = autograd.eye(4, dtype=autograd.float64)
    a = matrices(*shapes[0])
    a = a + 4 * (eye if in_dims[0] != 1 else eye[:, None])  # (well conditioned)
    argnums = tuple(k for k, d in enumerate(in_dims) if d is not None)
    vmap_agrees(op, a, matrices(*shapes[1]), in_dims=in_dims, argnums=argnums)


def test_a_singular_sample_keeps_its_own_sign_info_and_rank(vmap_agrees):
    x = matrices(B, 3, 3)
    x[0, 2] = 0.0
    x[2, 1] = x[2, 0] * 2
    vmap_agrees(lambda v: linalg.slogdet(v), x)
    vmap_agrees(lambda v: (linalg.lu_factor_ex(v).info, linalg.matrix_rank(v), linalg.inv_ex(v).info), x)
    vmap_agrees(lambda v: linalg.cond(v, "fro"), x)


def test_complex_decompositions(vmap_agrees):
    z = autograd.tensor(GEN.standard_normal((B, 3, 3)) + 1j * GEN.standard_normal((B, 3, 3)))
    vmap_agrees(lambda v: (*linalg.slogdet(v), autograd.logdet(v), linalg.svdvals(v)), z)


COMPLEX = [
    lambda z: (z.exp(), z.log(), z.log2(), z.log10(), z.log1p(), z.expm1(), z.sqrt(), z.reciprocal()),
    lambda z: (z.sin(), z.cos(), z.tan(), z.sinh(), z.cosh(), z.tanh(), z.sigmoid()),
    lambda z: (z.asin(), z.acos(), z.atan(), z.asinh(), z.acosh(), z.atanh(), autograd.exp2(z)),
    lambda z: (z.sgn(), z.abs(), z.angle(), z.conj() * 1, z.real * 2, z.imag * 3, z**2.5),
    lambda z: (autograd.view_as_real(z), autograd.view_as_complex(autograd.view_as_real(z) * 2)),
]


@pytest.mark.parametrize("op", COMPLEX)
def test_complex_element_wise_math(vmap_agrees, op):
    z = autograd.tensor(GEN.standard_normal((B, 4)) + 1j * GEN.standard_normal((B, 4)))
    vmap_agrees(op, z)
    through = lambda v: op(autograd.complex(v, v * 0.5 - 0.2))  # noqa: E731  (a real leaf: grad takes it)
    vmap_agrees(through, autograd.tensor(GEN.standard_normal((2, B))), in_dims=1, argnums=0)


def test_like_factories_of_a_batched_tensor_laid_out_by_in_dims():
    """zeros_like of a batched tensor whose physical array is permuted (in_dims=1) has the sample's
    shape (it copied the physical layout: a (B, ...) tensor that vmap then batched again)."""
    x = matrices(2, B, 4)
    got = autograd.vmap(lambda v: autograd.zeros_like(v) + autograd.ones_like(v) * 2, in_dims=1)(x)
    assert tuple(got.shape) == (B, 2, 4) and (got.numpy() == 2).all()
    zero = autograd.vmap(grad(lambda v: (v.detach() ** 2).sum()), in_dims=1)(x)
    assert tuple(zero.shape) == (B, 2, 4) and not zero.numpy().any()  # (a loss that ignores v)


FOURIER = [  # (op, input complex)
    (lambda v: autograd.fft.fft(v), False),
    (lambda v: autograd.fft.ifft(v, n=5, dim=0), True),
    (lambda v: autograd.fft.fft2(v, norm="ortho"), True),
    (lambda v: autograd.fft.fftn(v, s=(3,), dim=(-2,)), False),
    (lambda v: autograd.fft.rfft(v, dim=0), False),
    (lambda v: autograd.fft.irfft(v), True),
    (lambda v: autograd.fft.rfftn(v, norm="forward"), False),
    (lambda v: autograd.fft.irfftn(v, s=(4, 6)), True),
    (lambda v: autograd.fft.hfft(v), True),
    (lambda v: autograd.fft.ihfft(v), False),
]


@pytest.mark.parametrize("op, complex_input", FOURIER)
def test_fourier_transforms(vmap_agrees, op, complex_input):
    x = autograd.tensor(GEN.standard_normal((B, 4, 6)))
    if complex_input:
        vmap_agrees(op, autograd.complex(x, x.flip(-1)))
        through = lambda v: op(autograd.complex(v, v * 0.3))  # noqa: E731  (a real leaf: grad takes it)
        vmap_agrees(through, x.permute(1, 0, 2), in_dims=1, argnums=0)
    else:
        vmap_agrees(op, x, argnums=0)
        vmap_agrees(op, x.permute(1, 2, 0), in_dims=2, argnums=0)
