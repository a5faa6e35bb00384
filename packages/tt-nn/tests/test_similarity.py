"""``F.normalize``, ``F.cosine_similarity``, ``F.one_hot``, ``F.softplus`` (everyday torch API).

Not course material (the code sits outside the solution regions), so no module number:
``nox -s tests`` runs it.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn
import tt_nn.functional as F

RNG = np.random.default_rng(11)


def test_normalize_gives_unit_vectors_and_leaves_zeros_at_zero():
    x = RNG.standard_normal((3, 4))
    out = F.normalize(autograd.tensor(x), dim=1)
    np.testing.assert_allclose(out.numpy(), x / np.linalg.norm(x, axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(
        F.normalize(autograd.tensor(x), p=1, dim=0).numpy(), x / np.abs(x).sum(0, keepdims=True), rtol=1e-12
    )
    zero = autograd.zeros(2, 3, dtype=autograd.float64, requires_grad=True)
    F.normalize(zero).sum().backward()
    assert np.isfinite(zero.grad.numpy()).all()


def test_normalize_and_cosine_similarity_gradients(leaf, check_grad):
    check_grad(lambda x: F.normalize(x, dim=-1) * autograd.arange(4.0), leaf(3, 4))
    check_grad(lambda a, b: F.cosine_similarity(a, b, dim=-1), leaf(3, 4), leaf(1, 4))


def test_cosine_similarity_broadcasts_and_matches_numpy():
    a, b = RNG.standard_normal((5, 3)), RNG.standard_normal((1, 3))
    expected = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    np.testing.assert_allclose(F.cosine_similarity(autograd.tensor(a), autograd.tensor(b)).numpy(), expected)
    module = tt_nn.CosineSimilarity(dim=1)
    np.testing.assert_allclose(module(autograd.tensor(a), autograd.tensor(b)).numpy(), expected)
    assert repr(module) == "CosineSimilarity()"  # PyTorch 2.13 prints no settings for it
    with pytest.raises(RuntimeError, match=r"cosine_similarity: x1 \(5, 3\) and x2 \(2, 3\)"):
        F.cosine_similarity(autograd.tensor(a), autograd.ones(2, 3))


def test_one_hot():
    out = F.one_hot(autograd.tensor([[0, 3], [2, 2]]))
    assert out.dtype == autograd.int64 and out.shape == (2, 2, 4)
    np.testing.assert_array_equal(out.numpy(), np.eye(4, dtype=np.int64)[[[0, 3], [2, 2]]])
    assert F.one_hot(autograd.tensor([1]), num_classes=3).tolist() == [[0, 1, 0]]
    with pytest.raises(RuntimeError, match=r"one_hot: class values must be in \[0, 2\)"):
        F.one_hot(autograd.tensor([0, 2]), num_classes=2)
    with pytest.raises(TypeError, match="one_hot: expected an integer tensor"):
        F.one_hot(autograd.tensor([0.0]))


def test_softplus_values_threshold_and_gradient(leaf, check_grad):
    x = np.array([-40.0, -1.0, 0.0, 2.0, 15.0, 40.0])
    out = F.softplus(autograd.tensor(x), beta=0.5, threshold=10.0)
    expected = np.where(0.5 * x > 10.0, x, np.log1p(np.exp(0.5 * x)) / 0.5)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    check_grad(lambda t: F.softplus(t, beta=2.0), leaf(3, 4))
    check_grad(lambda t: tt_nn.Softplus(beta=0.5, threshold=0.1)(t * 5.0), leaf(5))
    assert repr(tt_nn.Softplus(beta=2)) == "Softplus(beta=2, threshold=20.0)"


def _pdist_reference(x, p):
    n = x.shape[0]
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]  # row-major upper triangle
    diffs = np.stack([np.abs(x[i] - x[j]) for i, j in pairs])
    if p == 0:
        return (diffs != 0).sum(1).astype(float)
    if p == np.inf:
        return diffs.max(1)
    return (diffs**p).sum(1) ** (1 / p)


@pytest.mark.parametrize("p", [2.0, 1.0, 0.0, 3.5, np.inf])
def test_pdist_is_the_upper_triangle_of_the_distance_table(p, check_grad):
    x = RNG.standard_normal((5, 3))
    x[3] = x[1]  # two equal rows: distance 0, gradient 0 there (PyTorch's choice)
    out = F.pdist(autograd.tensor(x), p)
    assert out.shape == (10,)
    np.testing.assert_allclose(out.numpy(), _pdist_reference(x, p), rtol=1e-12, atol=1e-15)
    leaf = autograd.tensor(x, requires_grad=True)
    F.pdist(leaf, p).sum().backward()
    assert np.isfinite(leaf.grad.numpy()).all()
    if p not in (0.0, np.inf):
        apart = autograd.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
        check_grad(lambda t: F.pdist(t, p), apart)


def test_pdist_errors():
    with pytest.raises(RuntimeError, match=r"^pdist: only supports 2D tensors \(N, M\), got shape \(2, 3, 4"):
        F.pdist(autograd.ones(2, 3, 4))
    with pytest.raises(RuntimeError, match=r"^pdist: only supports non-negative p values, got -1"):
        F.pdist(autograd.ones(2, 3), -1)
