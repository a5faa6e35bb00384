"""Higher-order gradients through tt-nn's fused Functions: each ``graph_backward`` rule, twice.

For every rule, three checks (``check_twice``, on leaf inputs and on inputs
made by another node): the recorded gradient (``create_graph=True``) equals
the plain one, so the rule computes the same first derivative;
``gradgradcheck`` compares its derivatives with central differences of it
(float64); and its derivative with respect to the incoming gradient ``v``
(the rule is linear in ``v``, as a Hessian-vector product through the
double-backward trick needs) passes ``gradcheck``. Then
what users write: a WGAN-GP gradient penalty on a small ``Sequential`` and a
Hessian-vector product of a transformer-block-like loss.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import gradcheck, gradgradcheck
from tt_autograd.gradients import grad
from tt_nn import functional as F


def values(rng, shape, low=-2.0, high=2.0, away=0.0):
    """Uniform float64 values, moved off the band ``|x| < away`` around a kink at 0."""
    x = rng.uniform(low, high, size=shape)
    return np.where(np.abs(x) < away, away + 0.1, x)


def leaf_of(array, requires_grad=True):
    return autograd.tensor(array, dtype=autograd.float64, requires_grad=requires_grad)


def weights(rng, shape, on=True):
    return leaf_of(rng.uniform(0.5, 2.0, size=shape), requires_grad=False) if on else None


def check_twice(fn, inputs, seed=0, atol=1e-5):
    # once on the leaves, once on copies of them: a rule reads a leaf input's own value, and the
    # value it saved for an input made by another node
    check_twice_on(fn, inputs, seed, atol)
    check_twice_on(lambda *xs: fn(*(x.clone() for x in xs)), inputs, seed, atol)


def check_twice_on(fn, inputs, seed, atol):
    inputs = list(inputs)
    rng = np.random.default_rng(seed)
    out = fn(*inputs)
    v = leaf_of(rng.standard_normal(out.shape))
    plain = grad(fn(*inputs), inputs, v.detach(), allow_unused=True)
    recorded = grad(fn(*inputs), inputs, v, create_graph=True, allow_unused=True)
    for first, again in zip(plain, recorded):
        assert (first is None) == (again is None)
        if first is not None:
            np.testing.assert_allclose(again.detach().numpy(), first.numpy(), rtol=1e-12, atol=1e-14)
    assert gradgradcheck(fn, inputs, atol=atol, seed=seed)

    def through_the_seed(v):
        with autograd.enable_grad():  # gradcheck evaluates under no_grad; this needs a graph
            found = grad(fn(*inputs), inputs, v, create_graph=True, allow_unused=True)
        return tuple(g for g in found if g is not None and g.requires_grad)

    assert gradcheck(through_the_seed, [v], atol=atol)


# ----------------------------------------------------------------- linear


@pytest.mark.parametrize("x_shape", [(4,), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_twice(x_shape, bias, rng):
    x, w = leaf_of(values(rng, x_shape)), leaf_of(values(rng, (5, 4)))
    b = leaf_of(values(rng, (5,))) if bias else None
    inputs = [x, w] + ([b] if bias else [])
    # tanh after it, so the second derivatives in x and W are not all 0
    check_twice(lambda x, w, *b: F.linear(x, w, *b).tanh(), inputs)
    check_twice(lambda x, w, *b: F.linear(x, w, *b) ** 2, inputs)


def test_linear_twice_with_only_some_inputs_requiring_grad(rng):
    x = autograd.tensor(values(rng, (3, 4)), dtype=autograd.float64)
    w, b = leaf_of(values(rng, (5, 4))), leaf_of(values(rng, (5,)))
    check_twice(lambda w, b: F.linear(x, w, b) ** 2, [w, b])
    x = leaf_of(values(rng, (3, 4)))
    w = autograd.tensor(values(rng, (5, 4)), dtype=autograd.float64)
    check_twice(lambda x: F.linear(x, w).sin(), [x])


# ----------------------------------------------------------------- activations

SMOOTH = {
    "gelu": lambda x: F.gelu(x),
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "silu": F.silu,
    "softplus": F.softplus,
    "softplus_beta": lambda x: F.softplus(x, beta=2.0, threshold=3.0),
    "elu": lambda x: F.elu(x, alpha=1.5),
    "celu": lambda x: F.celu(x, alpha=0.5),
    "selu": F.selu,
    "mish": F.mish,
    "logsigmoid": F.logsigmoid,
    "softmax": lambda x: F.softmax(x, dim=-1),
    "softmax_dim0": lambda x: F.softmax(x, dim=0),
    "log_softmax": lambda x: F.log_softmax(x, dim=-1),
    "log_softmax_dim0": lambda x: F.log_softmax(x, dim=0),
}
PIECEWISE = {
    "leaky_relu": lambda x: F.leaky_relu(x, 0.2),
    "hardtanh": lambda x: F.hardtanh(x, -1.0, 1.5),
    "relu6": lambda x: F.relu6(x * 4.0),
    "hardsigmoid": lambda x: F.hardsigmoid(x * 3.0),
    "hardswish": lambda x: F.hardswish(x * 3.0),
    "threshold": lambda x: F.threshold(x, 0.5, -2.0),
    "hardshrink": lambda x: F.hardshrink(x, 0.5),
    "softshrink": lambda x: F.softshrink(x, 0.5),
    "rrelu": lambda x: F.rrelu(x, training=False),
}


@pytest.mark.parametrize("name", list(SMOOTH))
@pytest.mark.parametrize("shape", [(5,), (2, 3, 4)])
def test_smooth_activations_twice(name, shape, rng):
    x = leaf_of(values(rng, shape, -3.0, 3.0, away=0.05))  # off ELU's kink at 0
    check_twice(SMOOTH[name], [x])


@pytest.mark.parametrize("name", list(PIECEWISE))
def test_piecewise_linear_activations_twice(name, rng):
    x = rng.uniform(-2.0, 2.0, size=(2, 3, 4))
    for kink in (0.0, 0.5, -0.5, 1.0, -1.0, 1.5):  # every bound above (x * 3 = +-3 is x = +-1)
        x = np.where(np.abs(x - kink) < 0.05, kink + 0.1, x)
    # times a smooth function of x, so the product's second derivative shows the slopes
    check_twice(lambda x: PIECEWISE[name](x) * x.sin(), [leaf_of(x)])


def test_prelu_twice_with_one_slope_and_one_per_channel(rng):
    x = leaf_of(values(rng, (2, 3, 4), away=0.05))
    for shape in [(1,), (3,)]:
        w = leaf_of(rng.uniform(0.1, 0.5, size=shape))
        check_twice(lambda x, w: F.prelu(x, w) * x.sin(), [x, w])
        check_twice(lambda x, w=w: F.prelu(x, w.detach()) * x.sin(), [x])  # one of the two needing grad
        check_twice(lambda w: F.prelu(x.detach(), w) ** 2, [w])


def test_rrelu_and_dropout_twice_in_training():
    # the same draw on every call (the seed), so central differences see one function
    def seeded(fn):
        def call(x):
            autograd.manual_seed(3)
            return fn(x) * x.sin()

        return call

    x = leaf_of(np.random.default_rng(1).uniform(-2.0, 2.0, size=(3, 5)))
    check_twice(seeded(lambda x: F.rrelu(x, 0.1, 0.3, training=True)), [x])
    check_twice(seeded(lambda x: F.dropout(x, 0.4)), [x])


@pytest.mark.parametrize("leading", [(3,), (2, 3)])
def test_bilinear_twice(leading, rng):
    x1, x2 = leaf_of(values(rng, (*leading, 2))), leaf_of(values(rng, (*leading, 3)))
    w, b = leaf_of(values(rng, (4, 2, 3))), leaf_of(values(rng, (4,)))
    check_twice(lambda x1, x2, w, b: F.bilinear(x1, x2, w, b).sin(), [x1, x2, w, b])
    check_twice(lambda x1, w: F.bilinear(x1, x2.detach(), w) ** 2, [x1, w])


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_twice(mode, rng):
    x = leaf_of(values(rng, (1, 2, 3, 4)))
    check_twice(lambda x: F.pad(x, (2, 1, 1, 0), mode=mode).sin(), [x])
    if mode == "constant":  # a fill, and negative sizes that crop
        check_twice(lambda x: F.pad(x, (-1, 2, 0, -1), value=0.5).sin(), [x])


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic"])
def test_interpolate_twice(mode, rng):
    x = leaf_of(values(rng, (1, 2, 3, 4)))
    check_twice(lambda x: F.interpolate(x, size=(5, 3), mode=mode).sin(), [x])


# ----------------------------------------------------------------- losses

REDUCTIONS = ["mean", "sum", "none"]


def class_targets(rng, shape, classes, ignore=None):
    t = rng.integers(0, classes, size=shape)
    if ignore is not None:
        t.flat[::3] = ignore
    return autograd.tensor(t, dtype=autograd.int64)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 2, 2)])
@pytest.mark.parametrize("extras", ["plain", "weight", "ignore_index", "smoothing", "all"])
def test_cross_entropy_twice(reduction, shape, extras, rng):
    z = leaf_of(values(rng, shape, -3.0, 3.0))
    ignore = -1 if extras in ("ignore_index", "all") else None
    t = class_targets(rng, shape[:1] + shape[2:], shape[1], ignore)
    kwargs = {"reduction": reduction, "ignore_index": -1}
    if extras in ("weight", "all"):
        kwargs["weight"] = weights(rng, shape[1])
    if extras in ("smoothing", "all"):
        kwargs["label_smoothing"] = 0.2
    check_twice(lambda z: F.cross_entropy(z, t, **kwargs), [z])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 2)])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_with_probability_targets_twice(reduction, shape, weighted, rng):
    z = leaf_of(values(rng, shape))
    q = leaf_of(rng.dirichlet(np.ones(shape[1]), size=shape[:1] + shape[2:]).swapaxes(1, -1))
    weight = weights(rng, shape[1], weighted)
    check_twice(lambda z, q: F.cross_entropy(z, q, weight, reduction=reduction, label_smoothing=0.1), [z, q])
    check_twice(lambda z: F.cross_entropy(z, q.detach(), weight, reduction=reduction), [z])
    check_twice(lambda q: F.cross_entropy(z.detach(), q, weight, reduction=reduction) ** 2, [q])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 2)])
def test_nll_loss_twice_with_weights_and_ignore_index(reduction, shape, rng):
    # nll_loss is linear in its input: its second derivatives come from what feeds it (log_softmax here)
    z = leaf_of(values(rng, shape))
    t = class_targets(rng, shape[:1] + shape[2:], shape[1], ignore=-100)
    weight = weights(rng, shape[1])
    check_twice(lambda z: F.nll_loss(F.log_softmax(z, dim=1), t, reduction=reduction), [z])
    check_twice(lambda z: F.nll_loss(F.log_softmax(z, dim=1), t, weight, reduction=reduction), [z])
    check_twice(lambda z: F.nll_loss(z, t, weight, reduction=reduction) ** 2, [z])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_twice(reduction, weighted, rng):
    p, t = leaf_of(rng.uniform(0.05, 0.95, size=(3, 4))), leaf_of(rng.uniform(0, 1, size=(3, 4)))
    weight = weights(rng, (4,), weighted)
    check_twice(lambda p, t: F.binary_cross_entropy(p, t, weight, reduction=reduction), [p, t])
    check_twice(lambda p: F.binary_cross_entropy(p, t.detach(), weight, reduction=reduction), [p])
    check_twice(lambda t: F.binary_cross_entropy(p.detach(), t, weight, reduction=reduction) ** 2, [t])


def test_binary_cross_entropy_twice_where_its_logs_are_clamped():
    # log p and log(1 - p) are clamped at -100 (p = 0, 1, 1e-50): there the target's gradient
    # log(1 - p) - log p holds the constant -100, whose derivative in p is 0
    p = leaf_of([0.0, 1.0, 1e-50, 0.3])
    t = leaf_of([0.2, 0.7, 0.5, 0.4])
    (g,) = grad(F.binary_cross_entropy(p, t, reduction="sum"), t, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [100.0, -100.0, 100.0, np.log(0.7 / 0.3)])
    (h,) = grad(g.sum(), p)
    np.testing.assert_allclose(h.numpy(), [-1.0, -1.0, -1.0, -1.0 / 0.7 - 1.0 / 0.3])
    # the input's gradient r (p - t) / max(p (1 - p), 1e-12): the clamped denominator is a constant
    (g,) = grad(F.binary_cross_entropy(p, t, reduction="sum"), p, create_graph=True)
    (plain,) = grad(F.binary_cross_entropy(p, t, reduction="sum"), p)
    np.testing.assert_allclose(g.detach().numpy(), plain.numpy())
    (h,) = grad(g.sum(), t)
    np.testing.assert_allclose(h.numpy(), [-1e12, -1e12, -1e12, -1.0 / 0.21])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos_weight", [False, True])
def test_binary_cross_entropy_with_logits_twice(reduction, weighted, pos_weight, rng):
    x, t = leaf_of(values(rng, (3, 4), -3.0, 3.0)), leaf_of(rng.uniform(0, 1, size=(3, 4)))
    weight, pos = weights(rng, (3, 1), weighted), weights(rng, (4,), pos_weight)
    loss = F.binary_cross_entropy_with_logits
    check_twice(lambda x, t: loss(x, t, weight, reduction=reduction, pos_weight=pos) * x.sum(), [x, t])
    check_twice(lambda x: loss(x, t.detach(), weight, reduction=reduction, pos_weight=pos), [x])
    check_twice(lambda t: loss(x.detach(), t, weight, reduction=reduction, pos_weight=pos) ** 2, [t])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_composed_regression_losses_twice(reduction, rng):
    x, t = leaf_of(values(rng, (3, 4), away=0.05)), leaf_of(values(rng, (3, 4), away=0.05) * 0.1)
    for loss in (F.mse_loss, F.l1_loss, F.smooth_l1_loss, F.huber_loss):
        check_twice(lambda x, t, loss=loss: loss(x.sin(), t, reduction=reduction), [x, t])


# ----------------------------------------------------------------- layer norm


@pytest.mark.parametrize("shape, normalized", [((5,), (5,)), ((3, 4), (4,)), ((2, 3, 4), (3, 4))])
@pytest.mark.parametrize("affine", ["none", "weight", "both"])
def test_layer_norm_twice(shape, normalized, affine, rng):
    x = leaf_of(values(rng, shape))
    params = []
    if affine != "none":
        params.append(leaf_of(values(rng, normalized, 0.5, 1.5)))
    if affine == "both":
        params.append(leaf_of(values(rng, normalized)))
    check_twice(lambda x, *p: F.layer_norm(x, normalized, *p, eps=0.1) ** 2, [x, *params])
    check_twice(lambda x: F.layer_norm(x, normalized, *params).sin(), [x])


# ----------------------------------------------------------------- what users write


def test_wgan_gp_gradient_penalty_on_a_sequential_critic(rng):
    import tt_nn as nn

    autograd.manual_seed(0)
    critic = nn.Sequential(nn.Linear(3, 6), nn.LeakyReLU(0.2), nn.Linear(6, 1)).double()
    real = rng.standard_normal((4, 3))
    fake = rng.standard_normal((4, 3))
    alpha = rng.uniform(size=(4, 1))
    x = leaf_of(alpha * real + (1 - alpha) * fake)

    def penalty():
        with autograd.enable_grad():  # also when gradcheck evaluates it under no_grad
            (g,) = grad(critic(x).sum(), x, create_graph=True)
            return ((g.norm(2, dim=1) - 1.0) ** 2).mean() * 10.0

    penalty().backward()
    assert np.abs(critic[0].weight.grad.numpy()).sum() > 0 and np.abs(critic[2].weight.grad.numpy()).sum() > 0
    # gradcheck perturbs the parameters' arrays in place: the critic sees the change
    for param in (critic[0].weight, critic[0].bias, critic[2].weight):
        assert gradcheck(lambda p: penalty(), [param])


def test_hessian_vector_product_of_a_transformer_block_loss(rng):
    # pre-norm block: attention and a GELU MLP with residuals, then a linear head and cross-entropy
    d, seq = 4, 3
    shapes = [(d,), (d,), (d, d), (d, d), (d, d), (8, d), (8,), (d, 8), (5, d)]
    params = [leaf_of(values(rng, shape) * (0.5 if len(shape) == 2 else 1.0)) for shape in shapes]
    x = leaf_of(values(rng, (2, seq, d)), requires_grad=False)
    target = autograd.tensor(rng.integers(0, 5, size=(2, seq)), dtype=autograd.int64)

    def loss(gamma, beta, wq, wk, wv, w1, b1, w2, head):
        h = F.layer_norm(x, (d,), gamma, beta)
        scores = F.linear(h, wq) @ F.linear(h, wk).transpose(-1, -2) / d**0.5
        h = x + F.softmax(scores, dim=-1) @ F.linear(h, wv)
        h = h + F.linear(F.gelu(F.linear(F.layer_norm(h, (d,)), w1, b1)), w2)
        return F.cross_entropy(F.linear(h, head).transpose(1, 2), target, label_smoothing=0.1)

    vector = [leaf_of(rng.standard_normal(p.shape), requires_grad=False) for p in params]

    def gradient_at(shift):
        moved = [leaf_of(p.detach().numpy() + shift * v.numpy()) for p, v in zip(params, vector)]
        return [g.numpy() for g in grad(loss(*moved), moved)]

    firsts = grad(loss(*params), params, create_graph=True)
    hvp = grad(sum((g * v).sum() for g, v in zip(firsts, vector)), params)
    eps = 1e-6
    plus, minus = gradient_at(eps), gradient_at(-eps)
    for got, up, down in zip(hvp, plus, minus):
        np.testing.assert_allclose(got.numpy(), (up - down) / (2 * eps), rtol=1e-5, atol=1e-7)


def test_second_derivatives_at_the_kinks_follow_pytorch():
    # PyTorch's double backward takes the kink as the flat side: at ELU's x = 0 and at softplus's
    # beta x = threshold the first derivative is the smooth side's, the second is 0; PReLU's mixed
    # one is 0 at x = 0
    x = leaf_of([0.0, -1.0])
    (g,) = grad(F.elu(x, alpha=2.0).sum(), x, create_graph=True)
    (h,) = grad(g.sum(), x)
    np.testing.assert_allclose(g.detach().numpy(), [2.0, 2.0 * np.exp(-1.0)])
    np.testing.assert_allclose(h.numpy(), [0.0, 2.0 * np.exp(-1.0)])
    x = leaf_of([1.5, 1.0])  # beta x = 3 = threshold, and below it
    (g,) = grad(F.softplus(x, beta=2.0, threshold=3.0).sum(), x, create_graph=True)
    (h,) = grad(g.sum(), x)
    sigmoid = 1.0 / (1.0 + np.exp(-np.array([3.0, 2.0])))
    np.testing.assert_allclose(g.detach().numpy(), sigmoid)
    np.testing.assert_allclose(h.numpy(), [0.0, 2.0 * sigmoid[1] * (1.0 - sigmoid[1])])
    x, w = leaf_of([0.0, -2.0, 3.0]), leaf_of([0.25])
    (g,) = grad(F.prelu(x, w).sum(), x, create_graph=True)
    (h,) = grad(g.sum(), w)
    np.testing.assert_allclose(g.detach().numpy(), [0.25, 0.25, 1.0])
    np.testing.assert_allclose(h.numpy(), [1.0])  # from x = -2 only
    x = leaf_of([-3.0, -1.0, 3.0, 4.0])  # hardswish: x / 3 + 1/2 strictly inside (-3, 3), flat at its ends
    (g,) = grad(F.hardswish(x).sum(), x, create_graph=True)
    (h,) = grad(g.sum(), x)
    np.testing.assert_allclose(g.detach().numpy(), [0.0, 1.0 / 6.0, 1.0, 1.0])
    np.testing.assert_allclose(h.numpy(), [0.0, 1.0 / 3.0, 0.0, 0.0])


def test_cross_entropy_with_logits_far_apart_stays_finite():
    # exp(z - max) underflows to 0 for a logit 800 below the largest: the rule reads log(0) = -inf
    # as softmax's input, which gives p = 0 exactly, and no NaN
    z = leaf_of([[800.0, 0.0, -1.0], [0.5, -0.2, 0.1]])
    t = autograd.tensor([1, 2], dtype=autograd.int64)
    (g,) = grad(F.cross_entropy(z, t), z, create_graph=True)
    (h,) = grad((g * g).sum(), z)
    assert np.isfinite(g.detach().numpy()).all() and np.isfinite(h.numpy()).all()


@pytest.mark.parametrize("weighted", [False, True])
def test_rms_norm_twice(weighted, rng):
    x = leaf_of(values(rng, (2, 3, 4)))
    w = [leaf_of(values(rng, (3, 4), 0.5, 1.5))] if weighted else []
    check_twice(lambda x, *w: F.rms_norm(x, (3, 4), *w, eps=0.1) ** 2, [x, *w])


@pytest.mark.parametrize("shape", [(2, 4), (2, 4, 3), (1, 6, 2, 2)])
@pytest.mark.parametrize("affine", [False, True])
def test_group_norm_twice(shape, affine, rng):
    x = leaf_of(values(rng, shape))
    params = [leaf_of(values(rng, shape[1:2], 0.5, 1.5)), leaf_of(values(rng, shape[1:2]))] if affine else []
    check_twice(lambda x, *p: F.group_norm(x, 2, *p, eps=0.1) ** 2, [x, *params])


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4), (2, 3, 2, 2)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [False, True])
def test_batch_norm_twice(shape, training, affine, rng):
    x = leaf_of(values(rng, shape))
    params = [leaf_of(values(rng, (3,), 0.5, 1.5)), leaf_of(values(rng, (3,)))] if affine else []
    mean, var = values(rng, (3,)), rng.uniform(0.5, 2.0, size=3)

    def norm(x, *p):  # fresh running statistics on every call: training updates them in place
        stats = [leaf_of(s.copy(), requires_grad=False) for s in (mean, var)]
        return F.batch_norm(x, *stats, *p, training=training, eps=0.1) ** 2

    check_twice(norm, [x, *params])


def test_batch_norm_twice_on_a_channels_last_input(rng):
    x = leaf_of(values(rng, (2, 2, 2, 3)))  # (N, H, W, C): its permutation is a channels-last view
    w = leaf_of(values(rng, (3,), 0.5, 1.5))
    check_twice(lambda x, w: F.batch_norm(x.permute(0, 3, 1, 2), None, None, w, training=True).sin(), [x, w])


# ----------------------------------------------------------------- special functions (exact gelu's Phi)


@pytest.mark.parametrize(
    "name, low, high",
    [
        ("erf", -2, 2),
        ("erfc", -2, 2),
        ("erfinv", -0.9, 0.9),
        ("erfcx", -1, 3),
        ("ndtr", -3, 3),
        ("ndtri", 0.05, 0.95),
    ],
)
def test_error_functions_twice(name, low, high, rng):
    from tt_nn import special

    check_twice(getattr(special, name), [leaf_of(rng.uniform(low, high, size=(2, 3)))])


def test_exact_gelu_three_times(rng):
    # its rule differentiates Phi through ndtr's, so the third derivative is there too
    def first_derivative(x):
        return grad(F.gelu(x).sum(), x, create_graph=True)[0]

    assert gradgradcheck(first_derivative, [leaf_of(values(rng, (5,)))])


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 2, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_relu_twice(shape, training, rng):
    x = leaf_of(values(rng, shape))
    w, b = leaf_of(values(rng, (3,), 0.5, 1.5)), leaf_of(values(rng, (3,), -0.5, 0.5))
    mean, var = values(rng, (3,)), rng.uniform(0.5, 2.0, size=3)

    def fused(x, w, b):
        stats = [leaf_of(s.copy(), requires_grad=False) for s in (mean, var)]
        return F.batch_norm_relu(x, *stats, w, b, training=training, eps=0.1).sin()

    check_twice(fused, [x, w, b])


@pytest.mark.parametrize(
    "name, fn",
    [
        ("leaky_relu", lambda x: F.leaky_relu(x, 0.1)),
        ("hardtanh", lambda x: F.hardtanh(x)),
        ("relu6", lambda x: F.relu6(x)),
        ("threshold", lambda x: F.threshold(x, 0.5, 0.0)),
        ("hardshrink", lambda x: F.hardshrink(x, 0.5)),
        ("softshrink", lambda x: F.softshrink(x, 0.5)),
    ],
)
def test_piecewise_linear_slopes_are_recorded_as_pytorch_records_them(name, fn):
    # PyTorch's first derivative of these depends on x (derivative 0): a second grad gives zeros
    x = autograd.tensor([-1.0, 0.3, 2.0], dtype=autograd.float64, requires_grad=True)
    (g,) = grad(fn(x).sum(), x, create_graph=True)
    assert g.requires_grad
    (h,) = grad(g.sum(), x)
    np.testing.assert_array_equal(h.numpy(), [0.0, 0.0, 0.0])


def test_dropout_slopes_stay_constant_as_in_pytorch():
    x = autograd.tensor([-1.0, 0.3, 2.0], dtype=autograd.float64, requires_grad=True)
    (g,) = grad(F.dropout(x, 0.5, training=True).sum(), x, create_graph=True)
    assert not g.requires_grad
