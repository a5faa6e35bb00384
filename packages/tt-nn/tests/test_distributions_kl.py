"""``kl_divergence`` and ``register_kl``: closed forms against NumPy, gradients, infinities, dispatch.

Not course material (outside module 05's solution regions), so no module number.
Each registered pair is checked against a float64 formula written here (and,
for Normal, against a Monte-Carlo estimate ``E_p[log p - log q]``), with
gradcheck in both distributions' parameters under batch broadcasting. The
infinite cases are pinned to PyTorch 2.13's values.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import (
    Bernoulli,
    Categorical,
    Distribution,
    Exponential,
    Independent,
    Laplace,
    Normal,
    OneHotCategorical,
    Uniform,
    kl_divergence,
    register_kl,
)


def f64(array, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


def values(t: autograd.Tensor) -> np.ndarray:
    return t.detach().numpy()


def test_normal_normal(rng, check_grad):
    mp, sp = rng.standard_normal((2, 3)), rng.random((2, 3)) + 0.5
    mq, sq = rng.standard_normal(3), rng.random(3) + 0.5  # broadcast against p's batch
    expected = np.log(sq / sp) + (sp**2 + (mp - mq) ** 2) / (2 * sq**2) - 0.5
    np.testing.assert_allclose(
        values(kl_divergence(Normal(f64(mp), f64(sp)), Normal(f64(mq), f64(sq)))), expected, rtol=1e-12
    )
    params = [f64(mp, True), f64(sp, True), f64(mq, True), f64(sq, True)]
    check_grad(lambda a, b, c, d: kl_divergence(Normal(a, b), Normal(c, d)), *params)
    # Monte Carlo: E_p[log p(x) - log q(x)] with many draws
    p, q = Normal(0.3, 0.8), Normal(-0.5, 1.7)
    autograd.manual_seed(0)
    x = p.sample((200000,))
    estimate = float((p.log_prob(x) - q.log_prob(x)).mean())
    assert estimate == pytest.approx(float(kl_divergence(p, q)), abs=0.01)


def test_categorical_categorical(rng, check_grad):
    p, q = rng.random((3, 4)) + 0.1, rng.random(4) + 0.1
    pn, qn = p / p.sum(-1, keepdims=True), q / q.sum()
    expected = (pn * np.log(pn / qn)).sum(-1)
    out = kl_divergence(Categorical(probs=f64(p)), Categorical(probs=f64(q)))
    np.testing.assert_allclose(values(out), expected, rtol=1e-12)
    check_grad(
        lambda a, b: kl_divergence(Categorical(logits=a), Categorical(logits=b)),
        f64(np.log(p), True),
        f64(np.log(q), True),
    )
    check_grad(
        lambda a, b: kl_divergence(Categorical(probs=a), Categorical(probs=b)), f64(p, True), f64(q, True)
    )
    one_hot = kl_divergence(OneHotCategorical(probs=f64(p)), OneHotCategorical(probs=f64(q)))
    np.testing.assert_allclose(values(one_hot), expected, rtol=1e-12)


def test_categorical_zeros_follow_pytorch():
    # PyTorch 2.13: KL([0, 1] || [.5, .5]) = log 2; KL([.5, .5] || [0, 1]) = inf.
    half, certain = Categorical(probs=f64([0.5, 0.5])), Categorical(probs=f64([0.0, 1.0]))
    assert float(kl_divergence(certain, half)) == pytest.approx(np.log(2), rel=1e-12)
    assert float(kl_divergence(half, certain)) == np.inf
    minus_inf = Categorical(logits=f64([-np.inf, 0.0]))
    assert float(kl_divergence(minus_inf, half)) == pytest.approx(np.log(2), rel=1e-12)
    assert float(kl_divergence(minus_inf, minus_inf)) == 0.0


def test_bernoulli_bernoulli(rng, check_grad):
    p, q = rng.random((2, 3)) * 0.8 + 0.1, rng.random(3) * 0.8 + 0.1
    expected = p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))
    np.testing.assert_allclose(
        values(kl_divergence(Bernoulli(f64(p)), Bernoulli(f64(q)))), expected, rtol=1e-10
    )
    check_grad(lambda a, b: kl_divergence(Bernoulli(a), Bernoulli(b)), f64(p, True), f64(q, True))
    check_grad(
        lambda a, b: kl_divergence(Bernoulli(logits=a), Bernoulli(logits=b)),
        f64(np.log(p / (1 - p)), True),
        f64(np.log(q / (1 - q)), True),
    )
    # PyTorch 2.13: KL(Bernoulli([0, 1, .3]) || Bernoulli([.5, .5, 0])) = [log 2, log 2, inf]
    edge = kl_divergence(Bernoulli(f64([0.0, 1.0, 0.3, 0.3])), Bernoulli(f64([0.5, 0.5, 0.0, 1.0])))
    np.testing.assert_allclose(values(edge), [np.log(2), np.log(2), np.inf, np.inf], rtol=1e-12)
    same = kl_divergence(Bernoulli(f64([0.0, 1.0])), Bernoulli(f64([0.0, 1.0])))
    np.testing.assert_array_equal(values(same), [0.0, 0.0])


def test_uniform_uniform(check_grad):
    lp, hp = np.array([0.0, 0.5, 0.2]), np.array([1.0, 1.0, 0.9])
    lq, hq = np.array([-1.0, 0.0, 0.0]), np.array([2.0, 2.0, 0.95])
    out = kl_divergence(Uniform(f64(lp), f64(hp)), Uniform(f64(lq), f64(hq)))
    np.testing.assert_allclose(values(out), np.log((hq - lq) / (hp - lp)), rtol=1e-12)
    check_grad(
        lambda a, b, c, d: kl_divergence(Uniform(a, b), Uniform(c, d)),
        f64(lp, True),
        f64(hp, True),
        f64(lq, True),
        f64(hq, True),
    )
    # PyTorch 2.13: KL(U(0, 2) || U(.5, 1)) = inf; KL(U(.5, 1) || U(0, 2)) = log 4
    outside = kl_divergence(
        Uniform(f64([0.0, 0.5, 0.0]), f64([2.0, 1.0, 1.0])),
        Uniform(f64([0.5, 0.0, 0.0]), f64([1.0, 2.0, 0.5])),
    )
    np.testing.assert_allclose(values(outside), [np.inf, np.log(4), np.inf])
    same_edges = kl_divergence(Uniform(f64([0.0]), f64([1.0])), Uniform(f64([0.0]), f64([1.0])))
    np.testing.assert_array_equal(values(same_edges), [0.0])


def test_exponential_exponential(rng, check_grad):
    rp, rq = rng.random((2, 3)) + 0.2, rng.random(3) + 0.2
    expected = np.log(rp / rq) + rq / rp - 1
    np.testing.assert_allclose(
        values(kl_divergence(Exponential(f64(rp)), Exponential(f64(rq)))), expected, rtol=1e-12
    )
    check_grad(lambda a, b: kl_divergence(Exponential(a), Exponential(b)), f64(rp, True), f64(rq, True))


def test_laplace_laplace(rng, check_grad):
    mp, sp = rng.standard_normal((2, 3)), rng.random((2, 3)) + 0.5
    mq, sq = rng.standard_normal(3), rng.random(3) + 0.5
    d = np.abs(mp - mq)
    expected = np.log(sq / sp) + d / sq + sp / sq * np.exp(-d / sp) - 1
    out = kl_divergence(Laplace(f64(mp), f64(sp)), Laplace(f64(mq), f64(sq)))
    np.testing.assert_allclose(values(out), expected, rtol=1e-12)
    check_grad(
        lambda a, b, c, e: kl_divergence(Laplace(a, b), Laplace(c, e)),
        f64(mp, True),
        f64(sp, True),
        f64(mq, True),
        f64(sq, True),
    )


def test_independent_independent(rng, check_grad):
    mp, sp = rng.standard_normal((2, 3)), rng.random((2, 3)) + 0.5
    mq, sq = rng.standard_normal((2, 3)), rng.random((2, 3)) + 0.5
    per_coordinate = np.log(sq / sp) + (sp**2 + (mp - mq) ** 2) / (2 * sq**2) - 0.5
    for n in (1, 2):
        p = Independent(Normal(f64(mp), f64(sp)), n)
        q = Independent(Normal(f64(mq), f64(sq)), n)
        np.testing.assert_allclose(
            values(kl_divergence(p, q)), per_coordinate.sum(axis=tuple(range(-n, 0))), rtol=1e-12
        )
    check_grad(
        lambda a, b: kl_divergence(Independent(Normal(a, b), 1), Independent(Normal(f64(mq), f64(sq)), 1)),
        f64(mp, True),
        f64(sp, True),
    )
    with pytest.raises(NotImplementedError, match=r"different reinterpreted_batch_ndims \(1 and 2\)"):
        kl_divergence(Independent(Normal(f64(mp), f64(sp)), 1), Independent(Normal(f64(mq), f64(sq)), 2))


def test_kl_keeps_float32():
    out = kl_divergence(Normal(autograd.zeros(2), 1.0), Normal(autograd.ones(2), 2.0))
    assert out.dtype == autograd.float32
    assert (
        kl_divergence(Categorical(logits=autograd.zeros(3)), Categorical(logits=autograd.ones(3))).dtype
        == autograd.float32
    )


def test_missing_pair_names_both_types():
    with pytest.raises(
        NotImplementedError, match=r"p = Categorical and q = Normal.*@register_kl\(Categorical, Normal\)"
    ):
        kl_divergence(Categorical(logits=autograd.zeros(3)), Normal(0.0, 1.0))


def test_register_kl_dispatches_to_the_most_specific_pair():
    class MyNormal(Normal):
        pass

    class OtherNormal(Normal):
        pass

    p, q = MyNormal(0.0, 1.0), MyNormal(1.0, 1.0)
    assert float(kl_divergence(p, q)) == pytest.approx(0.5)  # inherits Normal-Normal

    @register_kl(MyNormal, Normal)
    def _mine_normal(p, q):
        return autograd.tensor(1.0)

    @register_kl(Normal, MyNormal)
    def _normal_mine(p, q):
        return autograd.tensor(2.0)

    @register_kl(MyNormal, Distribution)
    def _mine_any(p, q):
        return autograd.tensor(3.0)

    assert float(kl_divergence(p, Normal(0.0, 1.0))) == 1.0
    assert float(kl_divergence(Normal(0.0, 1.0), q)) == 2.0
    assert float(kl_divergence(p, q)) == 1.0  # p's nearer class decides first
    assert float(kl_divergence(p, Uniform(0.0, 1.0))) == 3.0
    assert float(kl_divergence(OtherNormal(0.0, 1.0), Normal(1.0, 1.0))) == pytest.approx(0.5)
    with pytest.raises(TypeError, match="type_q must be a Distribution subclass"):
        register_kl(Normal, int)
    with pytest.raises(TypeError, match="type_p must be a Distribution subclass"):
        register_kl("Normal", Normal)
