"""``torch.svd_lowrank`` and ``torch.pca_lowrank`` (randomised, Halko et al.): exact on matrices of rank
at most ``q``, shapes (tall, wide, batched, ``q`` above the rank), ``M`` subtracted, centring, the
seed, first and second derivatives (with the sketch fixed by a seed) against float64 central
differences, and PyTorch's errors.

Not course material (outside the modules' solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd


def low_rank(rng, shape, rank):
    return rng.normal(size=shape[:-1] + (rank,)) @ rng.normal(size=shape[:-2] + (rank, shape[-1]))


@pytest.mark.parametrize(
    ("shape", "q", "k"), [((8, 5), 3, 3), ((5, 8), 3, 3), ((3, 7, 4), 2, 2), ((6, 4), 9, 4)]
)
@pytest.mark.parametrize("niter", [0, 2])
def test_exact_on_matrices_of_rank_at_most_q(rng, check, shape, q, k, niter):
    a = low_rank(rng, shape, min(q, *shape[-2:]))
    U, S, V = autograd.svd_lowrank(autograd.tensor(a), q=q, niter=niter)
    m, n = shape[-2:]
    assert U.shape == shape[:-2] + (m, k) and S.shape == shape[:-2] + (k,) and V.shape == shape[:-2] + (n, k)
    check(S, np.linalg.svd(a, compute_uv=False)[..., :k], atol=1e-10)
    check((U * S.unsqueeze(-2)) @ V.mT, a, atol=1e-10)
    check(U.mT @ U, np.broadcast_to(np.eye(k), shape[:-2] + (k, k)), atol=1e-12)
    check(V.mT @ V, np.broadcast_to(np.eye(k), shape[:-2] + (k, k)), atol=1e-12)


def test_defaults_m_and_the_seed(rng, check):
    a, m = low_rank(rng, (9, 7), 6), rng.normal(size=(1, 7))
    U, S, V = autograd.svd_lowrank(autograd.tensor(a + m), M=autograd.tensor(m))  # q=6 default
    assert S.shape == (6,)
    check((U * S) @ V.mT, a, atol=1e-10)
    b = autograd.tensor(rng.normal(size=(9, 7)))
    autograd.manual_seed(5)
    one = autograd.svd_lowrank(b, q=2, niter=0)[1]
    autograd.manual_seed(5)
    check(autograd.svd_lowrank(b, q=2, niter=0)[1], one.numpy(), rtol=0, atol=0)
    assert autograd.svd_lowrank(b, q=None, niter=None)[1].shape == (6,)  # None: PyTorch's 6 and 2
    single = autograd.svd_lowrank(autograd.tensor(a, dtype=autograd.float32), q=6)
    assert all(t.dtype == autograd.float32 for t in single)


def test_power_iterations_sharpen_the_approximation(rng):
    u, _ = np.linalg.qr(rng.normal(size=(60, 40)))
    v, _ = np.linalg.qr(rng.normal(size=(40, 40)))
    a = (u * 0.8 ** np.arange(40)) @ v.T  # a slowly decaying spectrum
    best = 0.8**5  # the error of the best rank-5 approximation (spectral norm)
    errors = []
    for niter in (0, 4):
        autograd.manual_seed(1)
        U, S, V = autograd.svd_lowrank(autograd.tensor(a), q=5, niter=niter)
        errors.append(np.linalg.norm(a - (U.numpy() * S.numpy()) @ V.numpy().T, 2))
    assert errors[1] < errors[0] and errors[1] < 1.2 * best


@pytest.mark.parametrize("center", [True, False])
def test_pca_lowrank_centres_the_columns(rng, check, center):
    a = low_rank(rng, (10, 6), 3) + (rng.normal(size=(1, 6)) if center else 0.0)
    U, S, V = autograd.pca_lowrank(autograd.tensor(a), q=4, center=center)
    centred = a - a.mean(axis=0) if center else a
    check(S, np.linalg.svd(centred, compute_uv=False)[:4], atol=1e-10)
    check((U * S) @ V.mT, centred, atol=1e-10)
    assert autograd.pca_lowrank(autograd.tensor(a))[1].shape == (6,)  # q = min(6, m, n)
    assert autograd.pca_lowrank(autograd.tensor(a[:4]))[1].shape == (4,)


def seeded(fn):
    """``fn`` with the sketch fixed: every call (central differences too) draws the same one."""

    def call(*inputs):
        autograd.manual_seed(7)
        return fn(*inputs)

    return call


def sign_free(U, S, V):
    """Outputs that do not depend on the singular vectors' signs: ``S`` and ``U S Vᵀ``."""
    return autograd.cat([S.flatten(), ((U * S.unsqueeze(-2)) @ V.mT).flatten()])


def test_gradients(leaf, check_grad, check_twice):
    a, m = leaf((6, 4)), leaf((1, 4))
    check_grad(seeded(lambda a: sign_free(*autograd.svd_lowrank(a, q=2, niter=1))), a)
    check_grad(seeded(lambda a, m: sign_free(*autograd.svd_lowrank(a, q=3, niter=1, M=m))), a, m)
    check_grad(seeded(lambda a: sign_free(*autograd.pca_lowrank(a.mT, q=2, niter=1))), a)
    check_twice(seeded(lambda a: sign_free(*autograd.svd_lowrank(a, q=2, niter=0))), [a])
    check_twice(seeded(lambda a: autograd.pca_lowrank(a, q=2, niter=1)[1]), [leaf((2, 5, 3))])


def test_errors_say_what_is_wrong():
    a = autograd.zeros(5, 3)
    with pytest.raises(
        ValueError, match=r"^q\(=4\) must be non-negative integer and not greater than min\(m, n\)=3"
    ):
        autograd.pca_lowrank(a, q=4)
    with pytest.raises(ValueError, match=r"^q\(=-1\) must be non-negative"):
        autograd.pca_lowrank(a, q=-1)
    with pytest.raises(ValueError, match=r"^niter\(=-1\) must be non-negative integer$"):
        autograd.pca_lowrank(a, niter=-1)
    with pytest.raises(ValueError, match="svd_lowrank: q must be non-negative, got -1"):
        autograd.svd_lowrank(a, q=-1)
    with pytest.raises(TypeError, match="svd_lowrank: niter must be an int"):
        autograd.svd_lowrank(a, niter=1.5)
    with pytest.raises(
        ValueError, match=r"svd_lowrank: M of shape \(4,\) does not broadcast to A's shape \(5, 3\)"
    ):
        autograd.svd_lowrank(a, M=autograd.zeros(4))
    with pytest.raises(TypeError, match="svd_lowrank: M has dtype tt.float64 but A has dtype tt.float32"):
        autograd.svd_lowrank(a, M=autograd.zeros(3, dtype=autograd.float64))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        autograd.svd_lowrank(autograd.zeros(3))
    with pytest.raises(TypeError, match="pca_lowrank: argument 'center' must be bool"):
        autograd.pca_lowrank(a, center=None)
    with pytest.raises(ValueError, match="^pca_lowrank: The input tensor A must have at least 2 dimensions"):
        autograd.pca_lowrank(autograd.zeros(3))
    with pytest.raises(TypeError, match="^pca_lowrank: argument 'A' must be a Tensor, not list"):
        autograd.pca_lowrank([[1.0]])
