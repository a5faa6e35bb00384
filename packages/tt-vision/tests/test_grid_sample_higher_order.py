"""Higher-order gradients through ``grid_sample`` (``create_graph=True``): ``sample_in_tensor_ops``.

The recorded rule samples again in tensor operations, the pixels read fixed by the grid's values and
each pixel position entering with its slope, so the bilinear blend's products give the grid's own
second derivatives and the input–grid cross terms (PyTorch 2.13 differentiates ``grid_sample``
twice as well). Checked by ``gradgradcheck`` on every mode, padding and ``align_corners``, with grid
points kept away from pixel boundaries (where the blend has kinks), and by hand on one point.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import tt_autograd as autograd
import tt_vision.functional as F
from tt_autograd import gradgradcheck
from tt_autograd.gradients import grad


def grid_between_pixels(rng, shape, h, w, align_corners):
    """(N, Ho, Wo, 2) points a quarter or 0.7 of a pixel past a pixel centre, some outside the image."""
    sizes = np.array([w, h])
    pixels = rng.integers(-2, sizes + 1, (*shape, 2)) + rng.choice([0.25, 0.7], (*shape, 2))
    return pixels / (sizes - 1) * 2 - 1 if align_corners else (2 * pixels + 1) / sizes - 1


@pytest.mark.parametrize(
    ("mode", "padding_mode", "align_corners"),
    list(itertools.product(["bilinear", "nearest"], ["zeros", "border", "reflection"], [False, True])),
)
def test_grid_sample_twice(rng, mode, padding_mode, align_corners):
    x = autograd.tensor(rng.standard_normal((2, 3, 4, 5)), requires_grad=True)
    grid = autograd.tensor(grid_between_pixels(rng, (2, 3, 4), 4, 5, align_corners), requires_grad=True)

    def sampled_squared(x, grid):  # squared: the second derivative in the input is not 0
        return F.grid_sample(x, grid, mode, padding_mode, align_corners) ** 2

    assert gradgradcheck(sampled_squared, [x, grid])


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
