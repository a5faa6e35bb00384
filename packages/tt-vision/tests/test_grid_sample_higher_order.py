"""Higher-order gradients through ``grid_sample`` (``create_graph=True``): ``sample_in_tensor_ops``.

The recorded rule samples again in tensor operations, the pixels read fixed by the grid's values and
each pixel position entering with its slope, so the bilinear blend's products give the grid's own
second derivatives and the input–grid cross terms (PyTorch 2.13 differentiates ``grid_sample``
twice as well); bicubic's cubic weights also give the grid's ``∂²/∂x²``. Checked by ``gradgradcheck`` on
every mode, padding and ``align_corners``, for images and volumes, with grid points kept away from
pixel boundaries (where the blend has kinks), by hand on one point, and against second derivatives
pinned from PyTorch 2.13; its first derivatives against backward's, points outside the image included.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import tt_autograd as autograd
import tt_vision.functional as F
from tt_autograd import gradgradcheck
from tt_autograd.gradients import grad

PADDINGS = list(itertools.product(["zeros", "border", "reflection"], [False, True]))
CASES = [
    ((2, 3, 4, 5), mode, *padding) for mode in ("bilinear", "nearest", "bicubic") for padding in PADDINGS
]
CASES += [((1, 2, 2, 3, 4), mode, *padding) for mode in ("bilinear", "nearest") for padding in PADDINGS]


@pytest.mark.parametrize(("shape", "mode", "padding_mode", "align_corners"), CASES)
def test_grid_sample_twice(rng, points_between_pixels, shape, mode, padding_mode, align_corners):
    x = autograd.tensor(rng.standard_normal(shape), requires_grad=True)
    points = (shape[0], *shape[3:], 2)  # (2, 5, 2) for images, (1, 3, 4, 2) for volumes
    grid = points_between_pixels(points, shape[:1:-1], align_corners)
    grid = autograd.tensor(grid, requires_grad=True)

    def sampled_squared(x, grid):  # squared: the second derivative in the input is not 0
        return F.grid_sample(x, grid, mode, padding_mode, align_corners) ** 2

    assert gradgradcheck(sampled_squared, [x, grid])


@pytest.mark.parametrize(("shape", "mode", "padding_mode", "align_corners"), CASES)
def test_recorded_gradients_equal_backward(
    rng, points_between_pixels, shape, mode, padding_mode, align_corners
):
    # The recorded rule's first derivatives are backward's, for points outside the image too.
    x = autograd.tensor(rng.standard_normal(shape), requires_grad=True)
    grid = points_between_pixels((shape[0], *shape[3:], 2), shape[:1:-1], align_corners)
    grid[(0,) * (grid.ndim - 1)] = 1.9  # the first point: outside along every axis
    grid = autograd.tensor(grid, requires_grad=True)
    seed = autograd.tensor(
        rng.standard_normal(F.grid_sample(x, grid, mode, padding_mode, align_corners).shape)
    )
    plain = grad(F.grid_sample(x, grid, mode, padding_mode, align_corners), [x, grid], seed)
    out = F.grid_sample(x, grid, mode, padding_mode, align_corners)
    recorded = grad(out, [x, grid], seed, create_graph=True)
    for got, want in zip(recorded, plain):
        np.testing.assert_allclose(got.detach().numpy(), want.numpy(), rtol=1e-12, atol=1e-12)


def test_the_blends_mixed_derivatives_by_hand():
    # one point between the four pixels a b / c d of a 2×2 image, align_corners: pixel = (g + 1) / 2,
    # y = (1-tx)(1-ty) a + tx (1-ty) b + (1-tx) ty c + tx ty d, tx = (gx + 1) / 2, ty = (gy + 1) / 2
    a, b, c, d = 1.0, 4.0, -2.0, 3.0
    x = autograd.tensor([[[[a, b], [c, d]]]], dtype=autograd.float64, requires_grad=True)
    tx, ty = 0.3, 0.8
    grid = autograd.tensor([[[[2 * tx - 1, 2 * ty - 1]]]], dtype=autograd.float64, requires_grad=True)
    y = F.grid_sample(x, grid, align_corners=True).sum()
    (dgrid,) = grad(y, [grid], create_graph=True)
    np.testing.assert_allclose(
        dgrid.detach().numpy().ravel(),
        [((b - a) * (1 - ty) + (d - c) * ty) / 2, ((c - a) * (1 - tx) + (d - b) * tx) / 2],
    )
    by_x, by_grid = grad(dgrid[0, 0, 0, 0], [x, grid])  # d/d(x, grid) of dy/dgx
    np.testing.assert_allclose(by_grid.numpy().ravel(), [0.0, (a - b - c + d) / 4])  # linear in gx alone
    np.testing.assert_allclose(by_x.numpy().ravel(), [-(1 - ty) / 2, (1 - ty) / 2, -ty / 2, ty / 2])


def test_second_derivatives_pinned_against_pytorch():
    # PyTorch 2.13 (float64): grad of y = grid_sample(x, grid).sum() w.r.t. the grid with create_graph=True,
    # then the gradient of its first component w.r.t. (x, grid): bicubic; and trilinear, its z component.
    x = autograd.tensor(np.arange(12.0).reshape(1, 1, 3, 4) ** 2 / 10, requires_grad=True)
    grid = autograd.tensor([[[[0.3, -0.2]]]], dtype=autograd.float64, requires_grad=True)
    (dgrid,) = grad(F.grid_sample(x, grid, "bicubic", "border").sum(), [grid], create_graph=True)
    np.testing.assert_allclose(dgrid.detach().numpy().ravel(), [2.495049, 5.80742775], rtol=1e-12)
    by_x, by_grid = grad(dgrid[0, 0, 0, 0], [x, grid])
    np.testing.assert_allclose(by_grid.numpy().ravel(), [-3.29844, 3.640815], rtol=1e-12)
    want = [
        [0.0, -0.263655, -0.230175, 0.49383],
        [0.0, -0.78553125, -0.68578125, 1.4713125],
        [0.0, 0.10418625, 0.09095625, -0.1951425],
    ]
    np.testing.assert_allclose(by_x.numpy()[0, 0], want, rtol=1e-12, atol=1e-15)
    v = autograd.tensor(np.arange(24.0).reshape(1, 1, 2, 3, 4) ** 2 / 10)
    grid = autograd.tensor([[[[[0.3, -0.2, 0.4]]]]], dtype=autograd.float64, requires_grad=True)
    (dgrid,) = grad(F.grid_sample(v, grid, "bilinear", "reflection", True).sum(), [grid], create_graph=True)
    np.testing.assert_allclose(dgrid.detach().numpy().ravel(), [3.93, 9.88, 13.38], rtol=1e-12)
    (by_grid,) = grad(dgrid[0, 0, 0, 0, 2], [grid])
    np.testing.assert_allclose(by_grid.numpy().ravel(), [1.8, 4.8, 0.0], rtol=1e-12, atol=1e-15)
