"""Higher-order gradients through the pools (``create_graph=True``): ``pool_graph.py``.

A pool's recorded backward is its plain backward as a linear map with an adjoint
(the average again, or each window reading its chosen element), so what follows
a pool can be differentiated twice through it. Checked by ``gradgradcheck``
(first and second derivatives against central differences) on both max-pool
kernels — the 2×2 one whose masks route the gradient, and the general one — on
the averages, on the pools that keep their indices (``return_indices``, adaptive,
fractional, 3-d) and ``max_unpool``, squared after the pool so the second
derivative is not 0, and on the fused batch norm + ReLU + pool. At ties (and NaN
windows) each recorded routing is checked against its adjoint.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_vision.functional as F
from tt_autograd import gradgradcheck
from tt_autograd.gradients import grad
from tt_vision.adaptive_max_pool import adaptive_max_pool2d
from tt_vision.batch_norm_relu_pool import batch_norm_relu_max_pool2d
from tt_vision.fractional_max_pool import fractional_max_pool2d, fractional_max_pool3d
from tt_vision.max_unpool import max_unpool1d, max_unpool2d
from tt_vision.pooling_3d import adaptive_max_pool3d, max_pool3d

SAMPLES = autograd.tensor([[[0.3, 0.8], [0.6, 0.1]], [[0.9, 0.4], [0.2, 0.5]]])  # fractional windows


def with_indices(x):
    return F.max_pool2d(x, 3, 2, 1, return_indices=True)[0]


def fractional(x):
    return fractional_max_pool2d(x, 2, output_size=(4, 3), _random_samples=SAMPLES.to(x.dtype))


def fractional3d(x):  # windows overlap along the depth and the width
    samples = autograd.tensor([[[0.3, 0.8, 0.5], [0.6, 0.1, 0.9]], [[0.9, 0.4, 0.2], [0.2, 0.5, 0.7]]])
    return fractional_max_pool3d(x, (2, 3, 2), output_size=(3, 2, 3), _random_samples=samples.to(x.dtype))


def unpooled(v):  # overlapping windows: an index may come twice (then forward keeps one, backward reads both)
    _, indices = F.max_pool2d(
        autograd.tensor(np.arange(36.0).reshape(1, 1, 6, 6) % 5), 3, 1, 1, return_indices=True
    )
    return max_unpool2d(v, indices.expand(2, 2, 6, 6), 3, 1, 1)


@pytest.mark.parametrize(
    "shape, pool",
    [
        ((2, 3, 6, 6), lambda x: F.max_pool2d(x, 2)),  # the 2×2 kernel: windows tile the input
        ((1, 2, 5, 7), lambda x: F.max_pool2d(x, 2)),  # odd sizes: the general kernel
        ((2, 2, 6, 5), lambda x: F.max_pool2d(x, 3, 2, 1)),  # overlapping, padded
        ((1, 2, 6, 6), lambda x: F.max_pool2d(x, 2, 1, 0, dilation=2)),
        ((1, 2, 5, 5), lambda x: F.max_pool2d(x, 2, 2, ceil_mode=True)),
        ((2, 2, 6, 5), lambda x: F.avg_pool2d(x, 3, 2, 1)),
        ((1, 2, 5, 6), lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)),
        ((1, 2, 5, 6), lambda x: F.avg_pool2d(x, 2, divisor_override=3)),
        ((2, 2, 7, 5), lambda x: F.adaptive_avg_pool2d(x, (3, 2))),
    ],
)
def test_pools_twice(shape, pool, leaf):
    x = leaf(*shape)
    assert gradgradcheck(lambda x: pool(x) ** 2 * pool(x * x).sin(), [x])


def test_a_pool_between_two_layers_passes_curvature_on(leaf):
    x, w = leaf(1, 2, 6, 6), leaf(3, 2, 3, 3)
    assert gradgradcheck(lambda x, w: F.max_pool2d(F.conv2d(x, w, padding=1).tanh(), 2).sum() ** 2, [x, w])


def test_third_derivatives_through_a_pool(leaf):
    # the recorded backward's own gradient is recorded again (the adjoint, then the map)
    x = leaf(1, 1, 4, 4)
    (g,) = grad((F.avg_pool2d(x, 2) ** 3).sum(), x, create_graph=True)
    (h,) = grad(g.sum(), x, create_graph=True)
    (t,) = grad(h.sum(), x)
    # f = sum of m³ over the 4 windows (m a window's mean): g sums to 3·Σm², h to 6·Σm, so t is 6/4 everywhere
    np.testing.assert_allclose(t.numpy(), np.full((1, 1, 4, 4), 1.5), rtol=1e-12)


@pytest.mark.parametrize(
    "shape, pool",
    [
        ((2, 2, 6, 6), lambda x: F.max_pool2d(x, 2)),
        ((2, 2, 7, 6), lambda x: F.max_pool2d(x, 3, 2, 1)),
        ((1, 3, 6, 6), lambda x: F.avg_pool2d(x, 3, 2, 1)),
    ],
)
def test_the_recorded_routing_and_its_adjoint_agree_even_at_ties(shape, pool, rng):
    # <R g, u> = <g, Rᵀ u>: the adjoint must read each window at the very element backward routed to,
    # the first maximum in scan order, also where a window holds its maximum twice
    x = autograd.tensor(rng.integers(0, 3, shape).astype(np.float64), requires_grad=True)  # many ties
    out = pool(x)
    g = autograd.tensor(rng.standard_normal(out.shape), requires_grad=True)
    u = rng.standard_normal(shape)
    (routed,) = grad(out, x, grad_outputs=g, create_graph=True)  # R g, recorded
    (adjoint,) = grad((routed * autograd.tensor(u)).sum(), g)  # Rᵀ u
    np.testing.assert_allclose(
        (routed.detach().numpy() * u).sum(), (g.detach().numpy() * adjoint.numpy()).sum()
    )


def test_the_adjoint_reads_a_padded_window_of_minus_infinity_at_its_first_input(rng):
    # such a window's gradient goes to its first real element, not to the padding; the adjoint reads it there
    x = autograd.tensor(np.full((1, 2, 3, 4), -np.inf), requires_grad=True)
    out = F.max_pool2d(x, 3, 1, 1)
    g = autograd.tensor(rng.standard_normal(out.shape), requires_grad=True)
    u = rng.standard_normal(x.shape)
    (routed,) = grad(out, x, grad_outputs=g, create_graph=True)
    (adjoint,) = grad((routed * autograd.tensor(u)).sum(), g)
    np.testing.assert_allclose(
        (routed.detach().numpy() * u).sum(), (g.detach().numpy() * adjoint.numpy()).sum()
    )
    np.testing.assert_array_equal(adjoint.numpy()[0, 0, 0, :2], [u[0, 0, 0, 0], u[0, 0, 0, 0]])


@pytest.mark.parametrize(
    "shape, pool",
    [
        ((2, 2, 7, 6), with_indices),
        (
            (1, 2, 6, 7),
            lambda x: F.max_pool2d(x, 2, 1, 0, dilation=2, ceil_mode=True, return_indices=True)[0],
        ),
        ((2, 2, 7, 5), lambda x: adaptive_max_pool2d(x, (3, 4))),  # overlapping bins
        ((3, 5, 6), lambda x: adaptive_max_pool2d(x, 2)),  # unbatched
        ((2, 2, 7, 6), fractional),
        ((2, 2, 5, 6, 5), fractional3d),
        ((1, 2, 5, 6, 4), lambda x: max_pool3d(x, 3, 2, 1)),
        ((1, 1, 5, 4, 4), lambda x: max_pool3d(x, 2, 1, 0, dilation=(2, 1, 1), ceil_mode=True)),
        ((2, 1, 5, 4, 5), lambda x: adaptive_max_pool3d(x, (3, 2, 3))),
        ((2, 3, 3, 3), lambda v: max_unpool2d(v, *_pool_indices((2, 3, 6, 6), 2)[1:], 2)),
    ],
)
def test_the_pools_that_keep_their_indices_twice(shape, pool, leaf):
    x = leaf(*shape)
    assert gradgradcheck(lambda x: pool(x) ** 2 * pool(x * x).sin(), [x])


def _pool_indices(shape, kernel):
    x = autograd.tensor(np.random.default_rng(5).permutation(int(np.prod(shape))).reshape(shape) * 1.0)
    return F.max_pool2d(x, kernel, return_indices=True)


def test_max_unpool1d_twice(leaf):
    indices = autograd.tensor(
        np.array([[[1, 2, 5, 6], [0, 3, 4, 7]]])
    )  # overlapping windows (distinct picks)
    assert gradgradcheck(lambda v: max_unpool1d(v, indices, 3, 2) ** 2, [leaf(1, 2, 4)])


def _ties_and_nans(rng, shape):
    x = rng.integers(0, 3, shape).astype(np.float64)  # many ties
    x[rng.random(shape) < 0.1] = np.nan  # a window holding NaN routes to its last NaN
    return x


@pytest.mark.parametrize(
    "shape, pool",
    [
        ((2, 2, 7, 6), with_indices),
        ((2, 2, 7, 5), lambda x: adaptive_max_pool2d(x, (3, 4))),
        ((2, 2, 7, 6), fractional),
        ((2, 2, 5, 6, 5), fractional3d),
        ((2, 2, 6, 6), unpooled),
        ((1, 2, 5, 6, 4), lambda x: max_pool3d(x, 3, 2, 1)),
        ((2, 1, 5, 4, 5), lambda x: adaptive_max_pool3d(x, (3, 2, 3))),
    ],
)
@pytest.mark.parametrize("nans", [False, True])
def test_the_indexed_routing_and_its_adjoint_agree_at_ties(shape, pool, nans, rng):
    # <R g, u> = <g, Rᵀ u>, where windows hold their maximum twice or a NaN
    x = _ties_and_nans(rng, shape) if nans else rng.integers(0, 3, shape).astype(np.float64)
    _check_adjoint(pool, autograd.tensor(x, requires_grad=True), rng)


@pytest.mark.parametrize("weight", [None, [1.0, -0.7, 0.4]])  # x pooled first (scales > 0), or y
def test_the_fused_routing_and_its_adjoint_agree_at_ties(weight, rng):
    x = autograd.tensor(rng.integers(-2, 3, (2, 3, 4, 6)).astype(np.float64), requires_grad=True)
    w = None if weight is None else autograd.tensor(weight, dtype=autograd.float64, requires_grad=True)

    def fused(x):
        out = batch_norm_relu_max_pool2d(x, None, None, w, training=True)
        assert type(out.grad_fn).__name__ == "BatchNormReLUMaxPoolFunction"
        return out

    _check_adjoint(fused, x, rng)


def _check_adjoint(pool, x, rng):
    out = pool(x)
    g = autograd.tensor(rng.standard_normal(out.shape), requires_grad=True)
    u = rng.standard_normal(x.shape)
    (routed,) = grad(out, x, grad_outputs=g, create_graph=True)
    (adjoint,) = grad((routed * autograd.tensor(u)).sum(), g)
    left, right = (routed.detach().numpy() * u).sum(), (g.detach().numpy() * adjoint.numpy()).sum()
    assert np.isfinite(left)  # a window holding NaN still routes its gradient to one element
    np.testing.assert_allclose(left, right, rtol=1e-12)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("weight", [[1.5, 0.5, 2.0], [1.0, -0.7, 0.4]])  # positive scales pool x first
def test_batch_norm_relu_max_pool_twice(training, weight, leaf):
    x, b = leaf(2, 3, 4, 6), leaf(3)
    w = autograd.tensor(weight, dtype=autograd.float64, requires_grad=True)
    mean, var = (
        autograd.tensor([0.1, -0.2, 0.3], dtype=autograd.float64),
        autograd.tensor([0.5, 1.5, 0.8], dtype=autograd.float64),
    )

    def fn(x, w, b):  # the weight made by another node: the rule's value of it counts, not the leaf's
        out = batch_norm_relu_max_pool2d(x, mean, var, w * 1.0, b, training=training)
        assert type(out.grad_fn).__name__ == "BatchNormReLUMaxPoolFunction"  # the fused node, not three
        return out**2

    assert gradgradcheck(fn, [x, w, b])


def test_batch_norm_relu_max_pool_without_weight_or_bias_twice(leaf):
    def fn(x):
        out = batch_norm_relu_max_pool2d(x, None, None, training=True)
        assert type(out.grad_fn).__name__ == "BatchNormReLUMaxPoolFunction"
        return out**2

    assert gradgradcheck(fn, [leaf(2, 3, 4, 6)])
