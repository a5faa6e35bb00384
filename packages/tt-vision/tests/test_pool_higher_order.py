"""Higher-order gradients through the pools (``create_graph=True``): ``pool_graph.py``.

A pool's recorded backward is its plain backward as a linear map with an adjoint
(the average again, or each window reading its chosen element), so what follows
a pool can be differentiated twice through it. Checked by ``gradgradcheck``
(first and second derivatives against central differences) on both max-pool
kernels — the 2×2 one whose masks route the gradient, and the general one — and
on the averages, squared after the pool so the second derivative is not 0.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_vision.functional as F
from tt_autograd import gradgradcheck
from tt_autograd.gradients import grad


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

