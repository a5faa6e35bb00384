"""``Categorical``, ``OneHotCategorical`` and ``Bernoulli``: values vs NumPy formulas, gradients, sampling.

Not course material (outside module 05's solution regions), so no module number.
Covers PyTorch's normalisation (probs divided by their sum, logits made
log-softmax), the clamp of zero probabilities to eps (entropy without NaN),
``-inf`` logits, value-vs-batch broadcasting in ``log_prob``, gradcheck of
``log_prob`` and ``entropy`` in probs and logits, and sample frequencies under
a fixed seed (a chi-square bound). PyTorch 2.13 values are pinned where the
convention matters.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import Bernoulli, Categorical, OneHotCategorical

EPS32 = float(np.finfo(np.float32).eps)


def log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def chi_square(counts: np.ndarray, probs: np.ndarray) -> float:
    expected = counts.sum() * probs
    return float(((counts - expected) ** 2 / expected).sum())


# ---------------------------------------------------------------------------- Categorical
def test_probs_are_normalised_and_logits_derived(rng):
    weights = rng.random((4, 5)) + 0.1
    m = Categorical(probs=autograd.tensor(weights, dtype=autograd.float64))
    expected = weights / weights.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(m.probs.numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(m.logits.numpy(), np.log(expected), rtol=1e-12)
    assert m.batch_shape == (4,) and m.event_shape == () and m.param_shape == (4, 5)


def test_logits_are_log_softmax_normalised(rng):
    raw = rng.standard_normal((2, 3, 4)) * 3
    m = Categorical(logits=autograd.tensor(raw, dtype=autograd.float64))
    np.testing.assert_allclose(m.logits.numpy(), log_softmax(raw), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(m.probs.numpy(), np.exp(log_softmax(raw)), rtol=1e-12)
    assert m.batch_shape == (2, 3)


def test_log_prob_gathers_and_broadcasts_value_against_batch(rng):
    raw = rng.standard_normal((2, 4))
    m = Categorical(logits=autograd.tensor(raw, dtype=autograd.float64))
    reference = log_softmax(raw)
    np.testing.assert_allclose(m.log_prob(autograd.tensor([3, 1])).numpy(), reference[[0, 1], [3, 1]])
    column = autograd.tensor([[0], [2], [3]])  # (3, 1) against batch (2,): (3, 2), as PyTorch
    out = m.log_prob(column).numpy()
    assert out.shape == (3, 2)
    np.testing.assert_allclose(out, reference.T[[0, 2, 3]])
    np.testing.assert_allclose(m.log_prob(autograd.tensor(2)).numpy(), reference[:, 2])  # a scalar value


def test_entropy_matches_formula(rng):
    probs = rng.random((3, 6)) + 0.05
    probs /= probs.sum(axis=-1, keepdims=True)
    m = Categorical(probs=autograd.tensor(probs, dtype=autograd.float64))
    np.testing.assert_allclose(m.entropy().numpy(), -(probs * np.log(probs)).sum(-1), rtol=1e-12)


def test_zero_probs_and_minus_inf_logits_keep_entropy_finite():
    # PyTorch 2.13: Categorical(probs=[0, .3, .7]).entropy() = 0.6109, logits[0] = log(eps) = -15.9424;
    # Categorical(logits=[-inf, 0, 1]).entropy() = 0.5822, logits[0] stays -inf.
    m = Categorical(probs=autograd.tensor([0.0, 0.3, 0.7]))
    np.testing.assert_allclose(m.logits.numpy(), np.log([EPS32, 0.3, 0.7]), rtol=1e-6)
    p = np.array([0.3, 0.7])
    np.testing.assert_allclose(float(m.entropy()), -(p * np.log(p)).sum(), rtol=1e-6)
    m = Categorical(logits=autograd.tensor([-np.inf, 0.0, 1.0]))
    q = np.exp(log_softmax(np.array([0.0, 1.0])))
    assert m.logits.numpy()[0] == -np.inf and m.probs.numpy()[0] == 0.0
    np.testing.assert_allclose(float(m.entropy()), -(q * np.log(q)).sum(), rtol=1e-6)
    assert float(m.log_prob(autograd.tensor(0))) == -np.inf


def test_moments_mode_and_enumerate_support():
    m = Categorical(probs=autograd.tensor([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3]]))
    assert m.mode.tolist() == [1, 0] and m.mode.dtype == autograd.int64
    assert np.isnan(m.mean.numpy()).all() and np.isnan(m.variance.numpy()).all() and m.mean.shape == (2,)
    assert m.enumerate_support().tolist() == [[0, 0], [1, 1], [2, 2]]
    assert m.enumerate_support(expand=False).tolist() == [[0], [1], [2]]
    assert not m.has_rsample and m.has_enumerate_support


@pytest.mark.parametrize("form", ["probs", "logits"])
def test_log_prob_and_entropy_gradients(form, rng, check_grad):
    raw = rng.random((3, 4)) + 0.2 if form == "probs" else rng.standard_normal((3, 4))
    param = autograd.tensor(raw, dtype=autograd.float64, requires_grad=True)
    actions = autograd.tensor([[0, 3, 1], [2, 2, 0]])  # (2, 3): broadcast against batch (3,)
    weights = autograd.tensor(rng.standard_normal((2, 3)))
    check_grad(lambda p: (Categorical(**{form: p}).log_prob(actions) * weights).sum(), param)
    check_grad(lambda p: Categorical(**{form: p}).entropy(), param)


def test_reinforce_gradient_matches_formula(rng):
    """loss = -log_prob(a) * R: d/dlogits = -R (onehot(a) - softmax(logits)), per row."""
    raw = rng.standard_normal((5, 3))
    logits = autograd.tensor(raw, dtype=autograd.float64, requires_grad=True)
    actions, returns = np.array([0, 2, 1, 1, 0]), rng.standard_normal(5)
    loss = -(Categorical(logits=logits).log_prob(autograd.tensor(actions)) * autograd.tensor(returns)).sum()
    loss.backward()
    expected = -returns[:, None] * (np.eye(3)[actions] - np.exp(log_softmax(raw)))
    np.testing.assert_allclose(logits.grad.numpy(), expected, rtol=1e-10)


def test_sample_shapes_dtype_and_frequencies():
    probs = np.array([[0.1, 0.0, 0.6, 0.3], [0.25, 0.25, 0.25, 0.25]])
    m = Categorical(probs=autograd.tensor(probs))
    assert m.sample().shape == (2,) and m.sample().dtype == autograd.int64
    assert m.sample((5, 3)).shape == (5, 3, 2)
    autograd.manual_seed(0)
    draws = m.sample((20000,)).numpy()
    assert draws.min() >= 0 and draws.max() <= 3
    assert not np.any(draws[:, 0] == 1)  # a zero-probability category is never drawn
    for row in range(2):
        counts = np.bincount(draws[:, row], minlength=4).astype(np.float64)
        keep = probs[row] > 0
        # chi-square with <= 3 degrees of freedom: 16.3 is its 0.999 quantile
        assert chi_square(counts[keep], probs[row][keep]) < 16.3
    autograd.manual_seed(0)
    assert np.array_equal(m.sample((20000,)).numpy(), draws)  # the seed fixes the draws


def test_unbatched_sample_is_a_zero_dim_tensor():
    m = Categorical(probs=autograd.tensor([0.0, 1.0, 0.0]))
    draw = m.sample()
    assert isinstance(draw, autograd.Tensor) and draw.shape == () and draw.item() == 1
    assert OneHotCategorical(probs=autograd.tensor([0.0, 1.0, 0.0])).sample().tolist() == [0.0, 1.0, 0.0]


def test_sampling_with_two_batch_dims_follows_each_row():
    probs = np.array([[[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], [[0.3, 0.3, 0.4], [0.05, 0.9, 0.05]]])
    autograd.manual_seed(4)
    draws = Categorical(probs=autograd.tensor(probs)).sample((8000,)).numpy()
    assert draws.shape == (8000, 2, 2)
    for i in range(2):
        for j in range(2):
            counts = np.bincount(draws[:, i, j], minlength=3).astype(np.float64)
            assert chi_square(counts, probs[i, j]) < 13.8  # 2 degrees of freedom, 0.999 quantile


def test_mode_and_params_with_two_batch_dims(rng):
    raw = rng.standard_normal((2, 3, 4))
    m = Categorical(logits=autograd.tensor(raw))
    np.testing.assert_array_equal(m.mode.numpy(), raw.argmax(-1))
    one_hot = OneHotCategorical(logits=autograd.tensor(raw))
    assert one_hot.param_shape == (2, 3, 4) and one_hot.batch_shape == (2, 3)
    np.testing.assert_allclose(one_hot.logits.numpy(), log_softmax(raw), rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(one_hot.mode.numpy(), np.eye(4)[raw.argmax(-1)])


def test_sample_is_not_differentiable_and_never_picks_minus_inf():
    logits = autograd.tensor([[-np.inf, 0.0, -np.inf]], requires_grad=True)
    draws = Categorical(logits=logits).sample((500,))
    assert not draws.requires_grad and set(draws.numpy().ravel().tolist()) == {1}


def test_categorical_keeps_float32():
    m = Categorical(logits=autograd.randn(2, 3))
    assert m.logits.dtype == m.probs.dtype == autograd.float32
    assert m.log_prob(autograd.tensor([0, 1])).dtype == autograd.float32
    assert m.entropy().dtype == autograd.float32


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Categorical(), "either probs or logits"),
        (lambda: Categorical(probs=autograd.ones(2), logits=autograd.ones(2)), "either probs or logits"),
        (lambda: Categorical(probs=autograd.tensor(1.0)), "at least one-dimensional"),
        (lambda: Categorical(probs=[0.5, 0.5]), "must be a tensor"),
        (lambda: Categorical(probs=autograd.tensor([0.5, -0.1])), r"probs .*Simplex.*1\.25 -0\.25"),
        (lambda: Categorical(probs=autograd.tensor([0.0, 0.0])), "Simplex"),
        (lambda: Categorical(logits=autograd.tensor([np.nan, 0.0])), r"logits .*IndependentConstraint\(Real"),
        (
            lambda: Categorical(logits=autograd.zeros(3)).log_prob(autograd.tensor(3)),
            r"support IntegerInterval",
        ),
        (lambda: Categorical(logits=autograd.zeros(3)).log_prob(autograd.tensor(-1)), "category indices"),
        (lambda: Categorical(logits=autograd.zeros(3)).log_prob(autograd.tensor(0.5)), "whole numbers"),
    ],
)
def test_categorical_errors(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_validation_off_accepts_unnormalisable_probs():
    m = Categorical(probs=autograd.tensor([0.5, -0.1]), validate_args=False)
    np.testing.assert_allclose(m.probs.numpy(), [1.25, -0.25], rtol=1e-6)


# ---------------------------------------------------------------------------- OneHotCategorical
def test_one_hot_categorical_values_and_shapes(rng):
    probs = np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])
    m = OneHotCategorical(probs=autograd.tensor(probs))
    assert m.batch_shape == (2,) and m.event_shape == (3,)
    value = autograd.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(m.log_prob(value).numpy(), np.log([0.3, 0.3]), rtol=1e-12)
    np.testing.assert_allclose(m.entropy().numpy(), -(probs * np.log(probs)).sum(-1), rtol=1e-12)
    np.testing.assert_allclose(m.mean.numpy(), probs)
    np.testing.assert_allclose(m.variance.numpy(), probs * (1 - probs))
    assert m.mode.tolist() == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    autograd.manual_seed(1)
    draws = m.sample((4000,))
    assert draws.shape == (4000, 2, 3) and draws.dtype == autograd.float64
    assert np.all(draws.numpy().sum(-1) == 1)
    counts = draws.numpy().sum(0)
    for row in range(2):
        assert chi_square(counts[row], probs[row]) < 13.8  # 2 degrees of freedom, 0.999 quantile
    support = m.enumerate_support()
    assert support.shape == (3, 2, 3) and m.enumerate_support(expand=False).shape == (3, 1, 3)
    np.testing.assert_array_equal(support.numpy()[:, 1], np.eye(3))
    assert repr(m) == "OneHotCategorical()"


def test_one_hot_categorical_gradient_and_bad_value(rng, check_grad):
    logits = autograd.tensor(rng.standard_normal((2, 4)), dtype=autograd.float64, requires_grad=True)
    value = autograd.tensor(np.eye(4)[[3, 1]])
    check_grad(lambda z: OneHotCategorical(logits=z).log_prob(value), logits)
    check_grad(lambda z: OneHotCategorical(logits=z).entropy(), logits)
    with pytest.raises(ValueError, match="one-hot vectors"):
        OneHotCategorical(logits=logits).log_prob(autograd.tensor([[1.0, 1.0, 0.0, 0.0]] * 2))
    with pytest.raises(
        ValueError, match=r"rightmost dims of the value \(2, 3\) must match event_shape \(4,\)"
    ):
        OneHotCategorical(logits=logits).log_prob(autograd.zeros(2, 3))


# ---------------------------------------------------------------------------- Bernoulli
def test_bernoulli_values_match_formulas(rng):
    p = rng.random((3, 4)) * 0.9 + 0.05
    value = (rng.random((3, 4)) < 0.5).astype(np.float64)
    m = Bernoulli(probs=autograd.tensor(p))
    np.testing.assert_allclose(
        m.log_prob(autograd.tensor(value)).numpy(), value * np.log(p) + (1 - value) * np.log1p(-p), rtol=1e-10
    )
    np.testing.assert_allclose(m.entropy().numpy(), -p * np.log(p) - (1 - p) * np.log1p(-p), rtol=1e-10)
    np.testing.assert_allclose(m.logits.numpy(), np.log(p / (1 - p)), rtol=1e-10)
    np.testing.assert_allclose(m.variance.numpy(), p * (1 - p))
    np.testing.assert_allclose(m.mean.numpy(), p)
    by_logits = Bernoulli(logits=autograd.tensor(np.log(p / (1 - p))))
    np.testing.assert_allclose(by_logits.probs.numpy(), p, rtol=1e-10)
    np.testing.assert_allclose(by_logits.entropy().numpy(), m.entropy().numpy(), rtol=1e-10)


def test_bernoulli_edges_follow_pytorch():
    # PyTorch 2.13: Bernoulli(probs=[0, 1, .3]): entropy [0, 1.1921e-07, 0.6109],
    # log_prob([0, 1, 1]) = [-0, -1.1921e-07, -1.2040], logits [-15.9424, 15.9424, -0.8473].
    m = Bernoulli(probs=autograd.tensor([0.0, 1.0, 0.3]))
    np.testing.assert_allclose(
        m.logits.numpy(),
        [np.log(EPS32 / (1 - EPS32)), np.log((1 - EPS32) / EPS32), np.log(0.3 / 0.7)],
        rtol=1e-5,
    )
    np.testing.assert_allclose(m.entropy().numpy(), [0.0, 1.1920929e-07, 0.6108643], rtol=1e-4, atol=1e-12)
    log_prob = m.log_prob(autograd.tensor([0.0, 1.0, 1.0])).numpy()
    np.testing.assert_allclose(log_prob, [0.0, -1.1920929e-07, np.log(0.3)], rtol=1e-4, atol=1e-12)
    assert np.isnan(Bernoulli(0.5).mode.numpy()) and m.mode.tolist() == [0.0, 1.0, 0.0]
    assert Bernoulli(0.7).mode.item() == 1.0 and Bernoulli(0.2).mode.item() == 0.0


def test_bernoulli_shapes_sampling_and_support():
    m = Bernoulli(probs=autograd.tensor([0.1, 0.8]))
    assert m.batch_shape == (2,) and m.sample((3,)).shape == (3, 2)
    assert (
        m.sample().dtype == autograd.float32
        and m.log_prob(autograd.tensor([1.0, 0.0])).dtype == autograd.float32
    )
    autograd.manual_seed(2)
    draws = m.sample((20000,)).numpy()
    np.testing.assert_allclose(draws.mean(0), [0.1, 0.8], atol=4 * 0.5 / np.sqrt(20000))
    assert m.enumerate_support().tolist() == [[0.0, 0.0], [1.0, 1.0]]
    assert m.enumerate_support(expand=False).shape == (2, 1)
    assert Bernoulli(0.3).batch_shape == () and m.param_shape == (2,)
    out = m.log_prob(autograd.tensor([[1.0], [0.0], [1.0]]))  # (3, 1) against (2,)
    assert out.shape == (3, 2)


@pytest.mark.parametrize("form", ["probs", "logits"])
def test_bernoulli_gradients(form, rng, check_grad):
    raw = rng.random((2, 3)) * 0.8 + 0.1 if form == "probs" else rng.standard_normal((2, 3))
    param = autograd.tensor(raw, dtype=autograd.float64, requires_grad=True)
    value = autograd.tensor([1.0, 0.0, 1.0])
    check_grad(lambda p: Bernoulli(**{form: p}).log_prob(value), param)
    check_grad(lambda p: Bernoulli(**{form: p}).entropy(), param)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Bernoulli(1.5), r"probs .*Interval\(lower_bound=0.0, upper_bound=1.0\).*\[1\.5\]"),
        (lambda: Bernoulli(logits=float("nan")), r"logits .*Real\(\)"),
        (lambda: Bernoulli(), "either probs or logits"),
        (lambda: Bernoulli(0.3).log_prob(autograd.tensor(0.5)), r"support Boolean\(\).*0 or 1"),
        (lambda: Bernoulli(0.3).log_prob(0.0), "must be a tensor"),
    ],
)
def test_bernoulli_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()
