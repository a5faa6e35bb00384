"""``tt_nn.parametrizations.orthogonal``: the three maps on square, tall, wide and batched weights, with
and without the trivialization's base.

Expected values come from NumPy written here: QR with a non-negative ``R`` diagonal, the exponential of a
skew-symmetric matrix from a Hermitian eigendecomposition, the Cayley map multiplied out in the other
order. Gradients are checked against float64 central differences. The state-dict keys, the defaults,
what registration and assignment store and the errors follow PyTorch 2.13's ``orthogonal``, compared
in a scratch run (values within float64 and float32 roundoff of PyTorch's).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_nn.parametrizations import orthogonal

MAPS = ["matrix_exp", "cayley", "householder"]
SHAPES = [(4, 4), (6, 3), (3, 6)]


class Holder(nn.Module):
    """A module with one parameter ``weight`` of any shape (a batch of matrices, for instance)."""

    def __init__(self, values: np.ndarray) -> None:
        super().__init__()
        self.weight = nn.Parameter(autograd.tensor(values))


def tall(q: np.ndarray) -> np.ndarray:
    return q if q.shape[-2] >= q.shape[-1] else np.swapaxes(q, -1, -2)


def gram_error(q: np.ndarray) -> float:
    """``max |QᵀQ - I|`` for a tall ``Q`` (``|QQᵀ - I|`` for a wide one), over a batch."""
    t = tall(q)
    return float(np.abs(np.swapaxes(t, -1, -2) @ t - np.eye(t.shape[-1])).max())


def q_with_positive_r(a: np.ndarray) -> np.ndarray:
    """The ``Q`` of ``A = QR`` with ``R``'s diagonal non-negative (a wide ``A``: of ``Aᵀ``, transposed)."""
    q, r = np.linalg.qr(tall(a))
    q = q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[..., None, :]
    return q if a.shape[-2] >= a.shape[-1] else np.swapaxes(q, -1, -2)


def skew(x: np.ndarray) -> np.ndarray:
    """``L - Lᵀ`` from the lower triangle of a tall ``x`` padded with zero columns to square."""
    n, k = x.shape
    lower = np.zeros((n, n))
    lower[:, :k] = np.tril(x)
    return lower - lower.T


def expm_skew(a: np.ndarray) -> np.ndarray:
    """``exp(A)`` for a skew-symmetric ``A``: ``iA`` is Hermitian, ``exp(A) = V exp(-i w) Vᴴ``."""
    w, v = np.linalg.eigh(1j * a)
    return ((v * np.exp(-1j * w)) @ v.conj().T).real


def cayley(a: np.ndarray) -> np.ndarray:
    identity = np.eye(len(a))
    return (identity + a / 2) @ np.linalg.inv(identity - a / 2)


@pytest.mark.parametrize("trivialization", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("orthogonal_map", MAPS)
def test_the_weight_stays_orthogonal_while_it_trains(rng, orthogonal_map, shape, trivialization):
    holder = orthogonal(
        Holder(rng.standard_normal(shape)), orthogonal_map=orthogonal_map, use_trivialization=trivialization
    )
    original = holder.parametrizations.weight.original
    target = autograd.tensor(rng.standard_normal(shape))
    start = holder.weight.detach().numpy()
    assert gram_error(start) < 1e-12
    losses = []
    for _ in range(5):  # plain SGD steps on the original
        loss = ((holder.weight - target) ** 2).sum()
        losses.append(loss.item())
        original.grad = None
        loss.backward()
        with autograd.no_grad():
            original.array -= 0.05 * original.grad.array
    weight = holder.weight.detach().numpy()
    assert gram_error(weight) < 1e-12
    assert np.abs(weight - start).max() > 1e-3 and losses[-1] < losses[0]


@pytest.mark.parametrize("trivialization", [True, False])
@pytest.mark.parametrize("shape", [*SHAPES, (2, 4, 3)])
@pytest.mark.parametrize("orthogonal_map", MAPS)
def test_gradients_through_each_map_against_central_differences(
    rng, check_grad, orthogonal_map, shape, trivialization
):
    holder = orthogonal(
        Holder(rng.standard_normal(shape)), orthogonal_map=orthogonal_map, use_trivialization=trivialization
    )
    parametrization = holder.parametrizations.weight[0]
    x = autograd.tensor(rng.standard_normal(shape) * 0.5 + 1.5 * np.eye(*shape[-2:]), requires_grad=True)
    check_grad(parametrization, x)


@pytest.mark.parametrize("orthogonal_map", MAPS)
def test_second_derivatives_through_each_map(rng, orthogonal_map):
    holder = orthogonal(Holder(rng.standard_normal((4, 3))), orthogonal_map=orthogonal_map)
    x = autograd.tensor(rng.standard_normal((4, 3)) * 0.5 + 1.5 * np.eye(4, 3), requires_grad=True)
    assert autograd.gradgradcheck(holder.parametrizations.weight[0], [x]) is True


@pytest.mark.parametrize("shape", SHAPES)
def test_the_maps_values_without_a_base(rng, check, shape):
    x = rng.standard_normal(shape)
    n, k = max(shape), min(shape)
    a = skew(tall(x))
    for orthogonal_map, full in (("matrix_exp", expm_skew(a)), ("cayley", cayley(a))):
        holder = orthogonal(Holder(x), orthogonal_map=orthogonal_map, use_trivialization=False)
        np.testing.assert_array_equal(holder.parametrizations.weight.original.detach().numpy(), x)  # kept
        expected = full[:, :k] if shape[0] >= shape[1] else full[:, :k].T
        check(holder.weight, expected, rtol=1e-10, atol=1e-12)
    # Householder: column i reflected by v_i = e_i + x[i+1:, i], then signed by trunc(x[i, i])
    t = tall(x).copy()
    t[np.arange(k), np.arange(k)] = [1.7, -1.2, 2.5, -0.4][:k]  # truncated: 1, -1, 2, 0
    holder = orthogonal(Holder(np.eye(*shape)), orthogonal_map="householder", use_trivialization=False)
    q = np.eye(n)
    for i in range(k):
        v = np.concatenate([np.zeros(i), [1.0], t[i + 1 :, i]])
        q = q @ (np.eye(n) - 2.0 / (v @ v) * np.outer(v, v))
    expected = q[:, :k] * np.array([1.0, -1.0, 2.0, 0.0][:k])
    value = holder.parametrizations.weight[0](autograd.tensor(t if shape[0] >= shape[1] else t.T))
    check(value, expected if shape[0] >= shape[1] else expected.T, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("orthogonal_map", MAPS)
@pytest.mark.parametrize("shape", [*SHAPES, (2, 5, 3), (2, 3, 5), (2, 3, 3)])
def test_registration_starts_from_the_weight_made_orthogonal(rng, check, orthogonal_map, shape):
    x = rng.standard_normal(shape)
    holder = orthogonal(Holder(x), orthogonal_map=orthogonal_map)
    minus_identity = -np.broadcast_to(np.eye(*shape[-2:]), shape)
    check(holder.parametrizations.weight.original, minus_identity)  # every map sends -I to I
    check(holder.weight, q_with_positive_r(x), rtol=1e-10, atol=1e-12)
    base = holder.parametrizations.weight[0].base.numpy()
    assert base.shape == shape[:-2] + (max(shape[-2:]),) * 2 and gram_error(base) < 1e-12
    if orthogonal_map == "householder":  # also without a base: the reflectors of the weight's QR
        holder = orthogonal(Holder(x), orthogonal_map=orthogonal_map, use_trivialization=False)
        check(holder.weight, q_with_positive_r(x), rtol=1e-10, atol=1e-12)


def test_a_zero_column_stays_zero(check):
    """``R``'s diagonal has a zero there, and its sign (0) zeroes the column (PyTorch's ``sgn``).

    LAPACK skips the first reflection (``tau = 0``), so the other columns are those of the QR of the rows
    below the first: ``[[3, 1], [1, -1]]``, whose ``Q`` is ``[[3, 1], [1, -3]] / √10``.
    """
    weight = np.array([[0.0, 1.0, 2.0], [0.0, 3.0, 1.0], [0.0, 1.0, -1.0]])
    expected = np.zeros((3, 3))
    expected[1:, 1:] = np.array([[3.0, 1.0], [1.0, -3.0]]) / np.sqrt(10.0)
    for orthogonal_map, trivialization in (
        ("matrix_exp", True),
        ("householder", True),
        ("householder", False),
    ):
        holder = orthogonal(Holder(weight), orthogonal_map=orthogonal_map, use_trivialization=trivialization)
        check(holder.weight, expected, atol=1e-15)


def test_an_orthogonal_weight_is_kept_as_it_is_and_reflections_lapack_skips_are_undone(check):
    q = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, -1.0]])  # orthogonal, not a rotation
    holder = orthogonal(Holder(q))
    check(holder.weight, q, atol=1e-15)
    check(holder.parametrizations.weight[0].base, q)
    batch = np.stack([q, q.T])  # each matrix of a batch is tested
    for scale, kept in ((1 + 1e-7, True), (1 + 7.5e-6, False)):  # QᵀQ = scale² I: within rtol 1e-5 of I?
        base = orthogonal(Holder(batch * scale)).parametrizations.weight[0].base.numpy()
        assert np.array_equal(base, batch * scale) is kept
        assert np.allclose(base, batch, rtol=0, atol=1e-15) is not kept
    for shift, kept in ((3e-15, True), (5e-15, False)):  # off the diagonal (error 2 shift) only 10 n eps
        base = orthogonal(Holder(q + shift)).parametrizations.weight[0].base.numpy()
        assert np.array_equal(base, q + shift) is kept and gram_error(base) < 1e-13
    # upper triangular: LAPACK reflects nothing (tau = 0) and keeps R's negative diagonal entries
    triangular = np.array([[-2.0, 1.0, 0.5], [0.0, 3.0, 1.0], [0.0, 0.0, -1.0]])
    holder = orthogonal(Holder(triangular), orthogonal_map="householder", use_trivialization=False)
    check(holder.weight, np.diag([-1.0, 1.0, -1.0]), atol=1e-15)


@pytest.mark.parametrize("trivialization", [True, False])
@pytest.mark.parametrize("shape", [*SHAPES, (2, 5, 3), (2, 3, 5)])
@pytest.mark.parametrize("orthogonal_map", MAPS)
def test_assigning_an_orthogonal_matrix_to_the_weight(rng, check, orthogonal_map, shape, trivialization):
    holder = orthogonal(
        Holder(rng.standard_normal(shape)), orthogonal_map=orthogonal_map, use_trivialization=trivialization
    )
    q = q_with_positive_r(rng.standard_normal(shape))
    if not trivialization and orthogonal_map != "householder":
        with pytest.raises(NotImplementedError, match=f"the {orthogonal_map} map cannot be assigned to"):
            holder.weight = autograd.tensor(q)
        return
    original = holder.parametrizations.weight.original
    holder.weight = autograd.tensor(q)
    assert holder.parametrizations.weight.original is original  # updated in place
    check(holder.weight, q, rtol=1e-10, atol=1e-12)
    with pytest.raises(
        ValueError, match=r"Expected a matrix or batch of matrices of shape \(.*\), got a tensor"
    ):
        holder.weight = autograd.tensor(np.ones(shape[:-1]))


def test_assigning_a_matrix_that_is_not_orthogonal_stores_its_orthogonal_factor(rng, check):
    holder = orthogonal(nn.Linear(4, 4).double())
    m = rng.standard_normal((4, 4))
    holder.weight = autograd.tensor(m)
    check(holder.weight, q_with_positive_r(m), rtol=1e-10, atol=1e-12)
    check(holder.parametrizations.weight[0].base, q_with_positive_r(m), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", [(5, 5), (7, 3), (3, 7), (2, 3, 3), (2, 5, 3)])
def test_the_default_map_and_the_state_dict_keys_are_pytorchs(rng, shape):
    expected = "matrix_exp" if shape[-1] == shape[-2] else "householder"
    holder = orthogonal(Holder(rng.standard_normal(shape)))
    assert holder.parametrizations.weight[0].orthogonal_map == expected
    keys = ["parametrizations.weight.original", "parametrizations.weight.0.base"]
    assert list(holder.state_dict()) == keys
    plain = orthogonal(Holder(rng.standard_normal(shape)), use_trivialization=False)
    assert list(plain.state_dict()) == keys[:1]
    assert not hasattr(plain.parametrizations.weight[0], "base")
    lin = orthogonal(nn.Linear(3, 4))
    assert list(lin.state_dict()) == ["bias", *keys] and type(lin).__name__ == "ParametrizedLinear"
    copy = orthogonal(nn.Linear(3, 4))
    copy.load_state_dict(lin.state_dict())
    np.testing.assert_array_equal(copy.weight.detach().numpy(), lin.weight.detach().numpy())


def test_float32_stays_float32_and_a_buffer_can_be_made_orthogonal(rng):
    lin = orthogonal(nn.Linear(5, 3), orthogonal_map="cayley")
    assert lin.weight.dtype == autograd.float32 and gram_error(lin.weight.detach().numpy()) < 1e-6
    assert lin.parametrizations.weight[0].base.dtype == autograd.float32
    holder = nn.Module()
    holder.register_buffer("frames", autograd.tensor(rng.standard_normal((3, 2, 2))))
    orthogonal(holder, "frames")
    assert list(holder.state_dict()) == ["parametrizations.frames.original", "parametrizations.frames.0.base"]
    assert gram_error(holder.frames.numpy()) < 1e-12 and not holder.frames.requires_grad


def test_stacking_needs_an_assignment_before_the_weight_can_be_read(rng, check):
    holder = orthogonal(orthogonal(Holder(rng.standard_normal((3, 3)))))
    with pytest.raises(TypeError, match="base of the trivialization was never set"):
        holder.weight  # noqa: B018
    q = q_with_positive_r(rng.standard_normal((3, 3)))
    holder.weight = autograd.tensor(q)
    check(holder.weight, q, rtol=1e-10, atol=1e-12)


def test_unsupported_inputs_say_what_is_wrong():
    with pytest.raises(ValueError, match="orthogonal: Linear has no parameter or buffer named 'kernel'"):
        orthogonal(nn.Linear(3, 3), "kernel")
    with pytest.raises(ValueError, match="orthogonal: Linear has no parameter or buffer named 'in_features'"):
        orthogonal(nn.Linear(3, 3), "in_features")
    with pytest.raises(
        ValueError, match=r"Expected a matrix or batch of matrices, got 'bias' of shape \(3,\)"
    ):
        orthogonal(nn.Linear(3, 3), "bias")
    with pytest.raises(ValueError, match="orthogonal_map has to be one of .* got 'qr'"):
        orthogonal(nn.Linear(3, 3), orthogonal_map="qr")
    integers = nn.Module()
    integers.register_buffer("w", autograd.zeros(3, 3, dtype=autograd.int64))
    with pytest.raises(TypeError, match="'w' must be float32, float64, complex64 or complex128, got tt.int"):
        orthogonal(integers, "w")
