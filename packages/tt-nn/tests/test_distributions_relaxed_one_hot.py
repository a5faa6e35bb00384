"""``RelaxedOneHotCategorical``: density vs the Concrete formula, PyTorch's value, gradients, draws, checks.

Not course material (outside module 05's solution regions), so no module number.
The log density against the Concrete density written here (Maddison et al., 2017),
pinned against PyTorch 2.13, gradchecked in ``logits``/``probs``/``temperature``/value
and through ``rsample``; draws are checked against the documented transform of the
noise and the Gumbel-max property (the largest entry is category ``i`` with probability ``p_i``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import RelaxedOneHotCategorical

pytestmark = pytest.mark.usefixtures("keep_generator_state")  # conftest.py


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


def concrete_log_density(y: np.ndarray, p: np.ndarray, t: float) -> np.ndarray:
    """``(K-1)! t^(K-1) Π (p_i y_i^(-t-1)) / (Σ p_i y_i^(-t))^K``."""
    k = y.shape[-1]
    weighted = (p * y**-t).sum(-1)
    return (
        math.lgamma(k)
        + (k - 1) * math.log(t)
        + (np.log(p) - (t + 1) * np.log(y)).sum(-1)
        - k * np.log(weighted)
    )


def test_log_prob_is_the_concrete_density(rng):
    weights = rng.random((2, 4)) + 0.2
    p = weights / weights.sum(-1, keepdims=True)
    raw = rng.random((3, 2, 4)) + 0.05
    y = raw / raw.sum(-1, keepdims=True)
    for t in (0.4, 1.0, 2.5):
        m = RelaxedOneHotCategorical(f64(t), probs=f64(weights))
        np.testing.assert_allclose(m.log_prob(f64(y)).numpy(), concrete_log_density(y, p, t), rtol=1e-11)
        by_logits = RelaxedOneHotCategorical(t, logits=f64(np.log(weights) - 1.0))
        np.testing.assert_allclose(
            by_logits.log_prob(f64(y)).numpy(), concrete_log_density(y, p, t), rtol=1e-11
        )
    # torch 2.13, float64 (scratch script)
    pinned = RelaxedOneHotCategorical(f64(0.7), probs=f64([0.2, 0.3, 0.5])).log_prob(f64([0.1, 0.6, 0.3]))
    np.testing.assert_allclose(pinned.item(), 0.4446434833777366, rtol=1e-12)
    for missing in ("mean", "variance"):
        with pytest.raises(NotImplementedError, match=f"RelaxedOneHotCategorical does not define {missing}"):
            getattr(m, missing)


def test_gradients(rng, check_grad):
    t = f64(0.8, True)
    logits, weights = f64(rng.standard_normal((2, 3)), True), f64(rng.random((2, 3)) + 0.2, True)
    raw = rng.random((4, 2, 3)) + 0.1
    y = f64(raw / raw.sum(-1, keepdims=True))
    check_grad(lambda t, z: RelaxedOneHotCategorical(t, logits=z).log_prob(y), t, logits)
    check_grad(lambda t, w: RelaxedOneHotCategorical(t, probs=w).log_prob(y), t, weights)

    def rsample(t, z):
        autograd.manual_seed(9)  # the same noise at every evaluation
        return RelaxedOneHotCategorical(t, logits=z).rsample((2,))

    check_grad(rsample, t, logits)


def test_draws_and_shapes():
    p, t = np.array([[0.2, 0.3, 0.5], [0.7, 0.2, 0.1]]), 0.6
    tiny = np.finfo(np.float64).eps
    autograd.manual_seed(4)
    u = np.clip(autograd.rand(5, 2, 3, dtype=autograd.float64).numpy(), tiny, 1 - tiny)
    autograd.manual_seed(4)
    m = RelaxedOneHotCategorical(f64(t), probs=f64(p))
    scores = (np.log(p) - np.log(-np.log(u))) / t
    expected = np.exp(scores - scores.max(-1, keepdims=True))
    np.testing.assert_allclose(
        m.rsample((5,)).numpy(), expected / expected.sum(-1, keepdims=True), rtol=1e-12
    )
    autograd.manual_seed(5)
    draws = m.sample((40000,)).numpy()
    np.testing.assert_allclose(draws.sum(-1), 1.0, rtol=1e-12)
    top = np.stack([(draws.argmax(-1) == i).mean(0) for i in range(3)], -1)  # Gumbel-max: P(argmax = i) = p_i
    assert np.all(np.abs(top - p) < 5 * np.sqrt(p * (1 - p) / 40000))
    assert m.batch_shape == (2,) and m.event_shape == (3,) and m.param_shape == (2, 3) and m.has_rsample
    wide = m.expand((4, 2))
    assert type(wide) is RelaxedOneHotCategorical and wide.batch_shape == (4, 2)
    assert wide.rsample((3,)).shape == (3, 4, 2, 3) and wide.log_prob(f64(draws[:2, None])).shape == (2, 4, 2)
    assert (
        RelaxedOneHotCategorical(0.5, probs=autograd.tensor([0.5, 0.5])).rsample().dtype == autograd.float32
    )


def test_checks():
    with pytest.raises(ValueError, match="pass either probs or logits"):
        RelaxedOneHotCategorical(0.5)
    with pytest.raises(TypeError, match="RelaxedOneHotCategorical: temperature must be a number or a tensor"):
        RelaxedOneHotCategorical(None, probs=f64([0.5, 0.5]))
    with pytest.raises(ValueError, match=r"the value must lie in the support Simplex\(\)"):
        RelaxedOneHotCategorical(0.5, probs=f64([0.2, 0.8])).log_prob(f64([0.5, 0.6]))
    with pytest.raises(ValueError, match=r"must match event_shape"):
        RelaxedOneHotCategorical(0.5, probs=f64([0.2, 0.8])).log_prob(f64([0.2, 0.3, 0.5]))
