"""Gradients of the grids and distances beyond the exercises: ``meshgrid`` (expanded views: the gradient sums
back), ``cdist`` (every ``p``, both ``compute_mode`` routes, broadcast batches) and ``dist`` (broadcasting):
float64 central differences (``gradcheck``) away from zero distances and tied components, and PyTorch's
gradients at distance 0 and at ties (checked against torch 2.13 in a scratch script and pinned here); the
factories (``logspace``, ``tril_indices``, ``triu_indices``) return tt-autograd tensors; ``histc`` has no
gradient.

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd as autograd

INF = float("inf")
P_VALUES = [0.5, 1.0, 2.0, 3.0, INF]


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_gradcheck_and_sum_back(check_grad, leaf, indexing):
    a, b, c = leaf((3,)), leaf((2,)), leaf(())

    def weighted_grids(x, y, z):  # each grid scaled differently, so a swapped gradient shows
        grids = autograd.meshgrid(x, y, z, indexing=indexing)
        return autograd.stack([grid * (i + 1) for i, grid in enumerate(grids)])

    check_grad(weighted_grids, a, b, c)
    a, b = leaf((3,)), leaf((2,))
    rows, cols = autograd.meshgrid(a, b, indexing=indexing)
    (rows + 2 * cols).sum().backward()
    assert a.grad.tolist() == [2.0] * 3 and b.grad.tolist() == [6.0] * 2  # each copy adds its gradient


@pytest.mark.parametrize("p", P_VALUES)
def test_cdist_gradcheck_in_both_inputs_with_broadcast_batches(check_grad, leaf, p):
    x1, x2 = leaf((2, 1, 3, 4)), leaf((3, 5, 4))
    check_grad(lambda a, b: autograd.cdist(a, b, p), x1, x2)


def test_cdist_gradcheck_on_the_product_route(check_grad, leaf):
    x1, x2 = leaf((2, 27, 3)), leaf((2, 4, 3))
    check_grad(lambda a, b: autograd.cdist(a, b), x1, x2)  # P > 25
    small1, small2 = leaf((3, 2)), leaf((4, 2))
    check_grad(lambda a, b: autograd.cdist(a, b, compute_mode="use_mm_for_euclid_dist"), small1, small2)


def test_cdist_gradients_pinned_from_pytorch_including_distance_zero():
    expected = {
        2.0: [[-1.6, -0.8], [0.5**0.5 - 2 / 13**0.5, 0.5**0.5 - 3 / 13**0.5 + 1]],
        0.0: [[0.0, 0.0], [0.0, 0.0]],
        0.5: [[-3.15470052, -1.86602545], [-0.2247448, 1.18350339]],
        1.0: [[-2.0, -1.0], [0.0, 1.0]],
        3.0: [[-1.4448514, -0.79084682], [0.25612438, 0.78882921]],
        INF: [[-1.0, -1.0], [1.0, 1.0]],  # cdist gives each tied component the full gradient
    }
    for p, grad in expected.items():
        x1 = autograd.tensor([[0.0, 0.0], [1.0, 1.0]], requires_grad=True)
        out = autograd.cdist(x1, autograd.tensor([[0.0, 0.0], [3.0, 4.0], [1.0, 0.0]]), p)
        out.sum().backward()
        np.testing.assert_allclose(x1.grad.numpy(), grad, rtol=1e-6, err_msg=f"p={p}")
    assert out.grad_fn.name() == "CdistBackward0" and out.dtype == autograd.float32
    x = autograd.tensor([[1.0, 2.0], [1.0, 2.0]], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0 / 0 on the way, even one masked afterwards
        autograd.cdist(x, x, compute_mode="use_mm_for_euclid_dist").sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]  # all distances 0: no NaN


def test_cdist_distance_rounded_to_zero_passes_no_gradient_as_pytorch():
    # 1e16 + (1e16 + 2e8) - 2 (1e16 + 1e8) is 0 in float64: the product route gives distance 0 between
    # points 1 apart, and PyTorch 2.13 (gradient masked where the result is 0) passes 0, not +-1
    x1 = autograd.tensor([[1e8, 0.0]], dtype=autograd.float64, requires_grad=True)
    x2 = autograd.tensor([[1e8 + 1, 0.0]], dtype=autograd.float64, requires_grad=True)
    out = autograd.cdist(x1, x2, compute_mode="use_mm_for_euclid_dist")
    out.sum().backward()
    assert out.item() == 0.0 and x1.grad.tolist() == [[0.0, 0.0]] and x2.grad.tolist() == [[0.0, 0.0]]


@pytest.mark.parametrize("p", [0.5, 1, 2, 3, INF])
def test_dist_gradcheck_with_broadcasting(check_grad, leaf, p):
    x, y = leaf((3, 4)), leaf((4,))
    check_grad(lambda a, b: autograd.dist(a, b, p), x, y)
    check_grad(lambda a: a.dist(autograd.tensor([0.5, -0.5, 0.25, 2.0], dtype=autograd.float64), p), x)


def test_dist_gradients_pinned_from_pytorch():
    for p in (2, 1, 3, 0.5, INF):
        z = autograd.tensor([1.0, 2.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no 0 / 0 on the way, even one masked afterwards
            autograd.dist(z, autograd.tensor([1.0, 2.0]), p).backward()
        assert z.grad.tolist() == [0.0, 0.0]  # distance 0: gradient 0, not NaN
    z = autograd.tensor([1.0, 2.0], requires_grad=True)
    autograd.dist(z, autograd.tensor([0.0, 1.0]), INF).backward()
    assert z.grad.tolist() == [0.5, 0.5]  # dist's inf-norm shares the gradient between ties (amax)
    z = autograd.tensor([1.0, 2.0], requires_grad=True)
    w = autograd.tensor([0.0, 2.0], requires_grad=True)
    z.dist(w, INF).backward()
    assert z.grad.tolist() == [1.0, 0.0] and w.grad.tolist() == [-1.0, 0.0]
    z = autograd.tensor([1.0, 2.0], requires_grad=True)
    autograd.dist(z, autograd.tensor([0.0, 0.0]), 0).backward()
    assert z.grad.tolist() == [0.0, 0.0]


def test_factories_and_histc():
    grid = autograd.logspace(0, 2, 3, requires_grad=True)
    assert type(grid) is autograd.Tensor and grid.requires_grad and grid.dtype == autograd.float32
    for factory in (autograd.tril_indices, autograd.triu_indices):
        out = factory(3, 3, device="cpu")
        assert type(out) is autograd.Tensor and out.dtype == autograd.int64
    x = autograd.tensor([1.0, 2.0, 2.5], requires_grad=True)
    counts = autograd.histc(x, 3)
    assert counts.tolist() == [1.0, 0.0, 2.0] and not counts.requires_grad
