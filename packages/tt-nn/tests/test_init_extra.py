"""``trunc_normal_``, ``orthogonal_``, ``eye_``, ``dirac_`` and ``sparse_`` (``torch.nn.init``'s).

Not course material (outside module 04's solution regions), so no module
number: ``nox -s tests`` runs it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn import init


def _phi(z):
    return math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def _cdf(z):
    return 0.5 * math.erfc(-z / math.sqrt(2))


@pytest.mark.parametrize(
    ("mean", "std", "a", "b"), [(0.0, 1.0, -2.0, 2.0), (0.5, 0.02, 0.47, 0.6), (1.0, 2.0, 0.0, 9.0)]
)
def test_trunc_normal_has_the_truncated_distributions_moments(mean, std, a, b):
    w = autograd.empty(200_000)
    init.trunc_normal_(w, mean=mean, std=std, a=a, b=b, generator=autograd.Generator(0))
    x = w.numpy().astype(np.float64)
    assert x.min() >= np.float32(a) and x.max() <= np.float32(b)
    alpha, beta = (a - mean) / std, (b - mean) / std
    z = _cdf(beta) - _cdf(alpha)
    shift = (_phi(alpha) - _phi(beta)) / z
    variance = 1 + (alpha * _phi(alpha) - beta * _phi(beta)) / z - shift**2
    assert x.mean() == pytest.approx(mean + std * shift, abs=4 * std * math.sqrt(variance / x.size))
    assert x.std() == pytest.approx(std * math.sqrt(variance), rel=0.01)


def test_trunc_normal_keeps_dtype_and_follows_the_generator():
    first, second = autograd.empty(4, 5), autograd.empty(4, 5)
    init.trunc_normal_(first, std=0.02, generator=autograd.Generator(7))
    init.trunc_normal_(second, std=0.02, generator=autograd.Generator(7))
    assert first.dtype == autograd.float32
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    with pytest.raises(ValueError, match="needs a < b, got a=1.0, b=1.0"):
        init.trunc_normal_(first, a=1.0, b=1.0)
    with pytest.raises(ValueError, match="std must be > 0, got 0"):
        init.trunc_normal_(first, std=0)
    with pytest.raises(ValueError, match=r"\[10.0, 11.0\] holds .* of N\(0.0, 1.0"):
        init.trunc_normal_(first, a=10.0, b=11.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_trunc_normal_keeps_its_first_draws_inside_and_redraws_the_rest(dtype):
    """One round of the tensor's own precision, then only the values outside [a, b] redrawn."""
    w = autograd.empty(2000, dtype=autograd.float32 if dtype == np.float32 else autograd.float64)
    init.trunc_normal_(w, mean=1.0, std=0.1, a=0.9, b=1.2, generator=autograd.Generator(3))
    first = autograd.Generator(3).numpy.standard_normal(2000, dtype=dtype) * dtype(0.1) + dtype(1.0)
    inside = (first >= 0.9) & (first <= 1.2)
    x = w.numpy()
    assert 0.15 < np.mean(~inside) < 0.22  # P(z < -1) + P(z > 2) = 0.18 of them redrawn
    np.testing.assert_array_equal(x[inside], first[inside])
    assert np.all(x[~inside] != first[~inside]) and x.min() >= dtype(0.9) and x.max() <= dtype(1.2)


@pytest.mark.parametrize("shape", [(3, 7), (7, 3), (5, 5), (4, 2, 3, 3)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape):
    w = autograd.empty(*shape)
    init.orthogonal_(w, gain=2.0, generator=autograd.Generator(1))
    q = w.numpy().reshape(shape[0], -1).astype(np.float64) / 2.0
    small = q @ q.T if q.shape[0] <= q.shape[1] else q.T @ q
    np.testing.assert_allclose(small, np.eye(len(small)), atol=1e-6)


def test_orthogonal_is_uniform_not_biased_by_the_qr_signs():
    # LAPACK's QR makes r's diagonal negative here, so without the sign fix q[0, 0] would always be < 0.
    w, firsts = autograd.empty(3, 3), []
    generator = autograd.Generator(2)
    for _ in range(400):
        init.orthogonal_(w, generator=generator)
        firsts.append(float(w.numpy()[0, 0]))
    assert abs(np.mean(firsts)) < 0.1 and min(firsts) < 0 < max(firsts)


def test_eye_and_dirac():
    w = autograd.empty(2, 3)
    np.testing.assert_array_equal(init.eye_(w).numpy(), [[1, 0, 0], [0, 1, 0]])
    conv = autograd.empty(6, 2, 3, 3)
    init.dirac_(conv, groups=2)
    values = conv.numpy()
    expected = np.zeros((6, 2, 3, 3))
    for out, channel in ((0, 0), (1, 1), (3, 0), (4, 1)):  # groups of 3 filters, 2 input channels each
        expected[out, channel, 1, 1] = 1.0
    np.testing.assert_array_equal(values, expected)
    line = init.dirac_(autograd.empty(2, 3, 4))
    np.testing.assert_array_equal(line.numpy()[:, :, 2], [[1, 0, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match=r"eye_: only 2-D tensors are supported, got 3 dims"):
        init.eye_(autograd.empty(2, 2, 2))
    with pytest.raises(ValueError, match=r"dim 0 \(6\) must be divisible by groups \(4\)"):
        init.dirac_(conv, groups=4)
    with pytest.raises(ValueError, match="only 3, 4 or 5-D tensors"):
        init.dirac_(w)


def test_sparse_zeroes_the_same_count_of_random_rows_in_each_column():
    w = autograd.empty(10, 400)
    init.sparse_(w, sparsity=0.25, std=0.5, generator=autograd.Generator(3))
    values = w.numpy()
    assert ((values == 0).sum(axis=0) == 3).all()  # ceil(0.25 * 10)
    assert len({tuple(np.flatnonzero(values[:, c] == 0)) for c in range(400)}) > 50  # rows differ by column
    assert values[values != 0].std() == pytest.approx(0.5, rel=0.05)
    with pytest.raises(ValueError, match=r"sparsity must be in \[0, 1\], got 1.5"):
        init.sparse_(w, 1.5)
    with pytest.raises(ValueError, match="sparse_: only 2-D tensors"):
        init.sparse_(autograd.empty(3), 0.1)


def test_orthogonal_refuses_a_vector_and_every_fill_records_no_graph():
    with pytest.raises(ValueError, match="orthogonal_: only tensors with 2 or more dimensions"):
        init.orthogonal_(autograd.empty(4))
    w = autograd.empty(3, 3, requires_grad=True)
    for fill in (
        init.orthogonal_,
        init.eye_,
        lambda t: init.trunc_normal_(t),
        lambda t: init.sparse_(t, 0.5),
    ):
        assert fill(w) is w and w.grad_fn is None and w.requires_grad
