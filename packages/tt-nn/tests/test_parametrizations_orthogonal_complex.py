"""``tt_nn.parametrizations.orthogonal`` on complex weights: unitary ``Q`` from ``A = L - Lᴴ``.

Expected values come from NumPy written here: the exponential of a skew-Hermitian ``A`` from the
Hermitian eigendecomposition of ``iA``, the Cayley map multiplied out in the other order, QR with a
real non-negative ``R`` diagonal. Gradients are checked in complex128 against central differences
(along the real and the imaginary part of each entry). The defaults and the refusal of
``"householder"`` follow PyTorch's ``orthogonal`` (values compared in a scratch run: within 3e-15).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_nn.parametrizations import orthogonal

MAPS = ["matrix_exp", "cayley"]
SHAPES = [(4, 4), (5, 3), (3, 5), (2, 4, 3)]


class Holder(nn.Module):
    """A module with one parameter ``weight`` (complex here)."""

    def __init__(self, values: np.ndarray, dtype=autograd.complex128) -> None:
        super().__init__()
        self.weight = nn.Parameter(autograd.tensor(values, dtype=dtype))


def complex_normal(rng, shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def tall(q: np.ndarray) -> np.ndarray:
    return q if q.shape[-2] >= q.shape[-1] else np.swapaxes(q, -1, -2)


def unitary_error(q: np.ndarray) -> float:
    """``max |QᴴQ - I|`` for a tall ``Q`` (``|QQᴴ - I|`` for a wide one), over a batch."""
    t = tall(q)
    return float(np.abs(np.swapaxes(t, -1, -2).conj() @ t - np.eye(t.shape[-1])).max())


def skew_hermitian(x: np.ndarray) -> np.ndarray:
    """``L - Lᴴ`` from the lower triangle of a tall ``x`` padded with zero columns to square."""
    n, k = x.shape
    lower = np.zeros((n, n), complex)
    lower[:, :k] = np.tril(x)
    return lower - lower.conj().T


def expected_map(orthogonal_map: str, x: np.ndarray) -> np.ndarray:
    """The map's ``Q`` of one matrix ``x`` without a base, by NumPy."""
    a = skew_hermitian(tall(x))
    n, k = max(x.shape), min(x.shape)
    if orthogonal_map == "matrix_exp":  # iA is Hermitian: exp(A) = V exp(-i w) Vᴴ
        w, v = np.linalg.eigh(1j * a)
        full = (v * np.exp(-1j * w)) @ v.conj().T
    else:  # (I + A/2)(I - A/2)^-1: the two factors commute
        full = (np.eye(n) + a / 2) @ np.linalg.inv(np.eye(n) - a / 2)
    return full[:, :k] if x.shape[0] >= x.shape[1] else full[:, :k].T


@pytest.mark.parametrize("shape", SHAPES[:3])
@pytest.mark.parametrize("orthogonal_map", MAPS)
def test_the_maps_values_without_a_base_are_unitary(rng, check, orthogonal_map, shape):
    x = complex_normal(rng, shape)
    holder = orthogonal(Holder(x), orthogonal_map=orthogonal_map, use_trivialization=False)
    q = holder.weight
    assert q.dtype == autograd.complex128
    check(q, expected_map(orthogonal_map, x), rtol=1e-10, atol=1e-12)
    assert unitary_error(q.detach().numpy()) < 1e-12
    assert unitary_error(x) > 0.1  # (the original was not: the map made it so)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("orthogonal_map", MAPS)
def test_registration_starts_from_the_weights_unitary_factor(rng, check, orthogonal_map, shape):
    x = complex_normal(rng, shape)
    holder = orthogonal(Holder(x), orthogonal_map=orthogonal_map)
    minus_identity = -np.broadcast_to(np.eye(*shape[-2:]), shape)
    check(holder.parametrizations.weight.original, minus_identity)  # both maps send -I to I
    q, r = np.linalg.qr(tall(x))  # the Q of QR with a real positive R diagonal
    diagonal = np.diagonal(r, axis1=-2, axis2=-1)
    q = q * (diagonal / np.abs(diagonal))[..., None, :]
    check(holder.weight, q if shape[-2] >= shape[-1] else np.swapaxes(q, -1, -2), rtol=1e-10, atol=1e-12)
    base = holder.parametrizations.weight[0].base.numpy()
    assert base.dtype == np.complex128 and unitary_error(base) < 1e-12
    assert base.shape == shape[:-2] + (max(shape[-2:]),) * 2


@pytest.mark.parametrize("trivialization", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("orthogonal_map", MAPS)
def test_gradients_through_each_map_in_complex128(rng, check_grad, orthogonal_map, shape, trivialization):
    holder = orthogonal(
        Holder(complex_normal(rng, shape)), orthogonal_map=orthogonal_map, use_trivialization=trivialization
    )
    parametrization = holder.parametrizations.weight[0]
    x = autograd.tensor(complex_normal(rng, shape) * 0.5, dtype=autograd.complex128, requires_grad=True)
    check_grad(parametrization, x)


def test_a_step_on_the_original_keeps_the_weight_unitary(rng):
    holder = orthogonal(Holder(complex_normal(rng, (4, 3))), orthogonal_map="cayley")
    original = holder.parametrizations.weight.original
    loss = (holder.weight * autograd.tensor(complex_normal(rng, (4, 3)))).real.sum()
    loss.backward()
    assert original.grad is not None and original.grad.dtype == autograd.complex128
    with autograd.no_grad():
        original.sub_(0.3 * original.grad)
    q = holder.weight.detach().numpy()
    assert unitary_error(q) < 1e-12 and np.abs(q - np.eye(4, 3)).max() > 1e-3


def test_defaults_dtypes_and_the_householder_refusal_are_pytorchs(rng):
    wide = orthogonal(Holder(complex_normal(rng, (2, 5))))
    assert wide.parametrizations.weight[0].orthogonal_map == "matrix_exp"  # (a real one: householder)
    single = orthogonal(Holder(complex_normal(rng, (3, 3)), dtype=autograd.complex64))
    assert single.weight.dtype == autograd.complex64
    assert unitary_error(single.weight.detach().numpy().astype(np.complex128)) < 1e-5
    with pytest.raises(ValueError, match=r"The householder parametrization does not support complex tensors"):
        orthogonal(Holder(complex_normal(rng, (4, 3))), orthogonal_map="householder")


def test_a_unitary_weight_is_kept_exactly_and_a_zero_column_stays_zero(rng, check):
    """Registration keeps a unitary (not real-orthogonal: ``UᵀU ≠ I``) weight as the base, bit for bit;
    a zero column gets ``R``'s zero diagonal entry, whose phase (0) zeroes it, as PyTorch's ``sgn``."""
    u, _ = np.linalg.qr(complex_normal(rng, (3, 3)))
    assert np.abs(u.T @ u - np.eye(3)).max() > 0.1
    holder = orthogonal(Holder(u))
    np.testing.assert_array_equal(holder.parametrizations.weight[0].base.numpy(), u)
    holder.weight = autograd.tensor(u * 1j)  # assigning one: also kept
    np.testing.assert_array_equal(holder.parametrizations.weight[0].base.numpy(), u * 1j)
    weight = np.array([[0.0, 1.0, 2.0j], [0.0, 3.0, 1.0], [0.0, 1.0j, -1.0]])
    q = orthogonal(Holder(weight)).weight.detach().numpy()
    assert not q[:, 0].any() and np.isfinite(q).all()
    check(autograd.tensor(q[:, 1:].conj().T @ q[:, 1:]), np.eye(2), atol=1e-15)  # the others unitary
