"""grid_sample with mode='bicubic': cubic convolution (A = -0.75) of the 4×4 pixels around each point.

Values against a per-point loop written from PyTorch's definition: the point
only unnormalised, then each of its 16 taps padded on its own (as is, clamped, or
mirrored then clamped) and weighted by Keys' kernel of its distance; a few values
and gradients pinned from PyTorch 2.13; gradients w.r.t. input and grid by
float64 central differences away from pixel boundaries (where the cubic pieces
join), on every padding and ``align_corners``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import functional as F

PADDINGS = list(itertools.product(["zeros", "border", "reflection"], [False, True]))


def keys(distance, a=-0.75):
    """Keys' cubic convolution kernel: 1 at 0, 0 at the other integers, 0 from 2 on."""
    s = abs(distance)
    if s <= 1:
        return (a + 2) * s**3 - (a + 3) * s**2 + 1
    if s < 2:
        return a * s**3 - 5 * a * s**2 + 8 * a * s - 4 * a
    return 0.0


def bicubic_reference(reference, x, grid, padding_mode, align_corners):
    n, c, h, w = x.shape
    out = np.zeros((n, c, grid.shape[1], grid.shape[2]))
    for b, i, j in itertools.product(range(n), range(grid.shape[1]), range(grid.shape[2])):
        px = reference.unnormalize(grid[b, i, j, 0], w, align_corners)  # not padded: its taps are
        py = reference.unnormalize(grid[b, i, j, 1], h, align_corners)
        for dx, dy in itertools.product(range(-1, 3), repeat=2):
            col, row = math.floor(px) + dx, math.floor(py) + dy
            weight = keys(px - col) * keys(py - row)
            col = reference.pad(col, w, padding_mode, align_corners)
            row = reference.pad(row, h, padding_mode, align_corners)
            if 0 <= row < h and 0 <= col < w:
                out[b, :, i, j] += weight * x[b, :, int(row), int(col)]
    return out


@pytest.mark.parametrize("shape", [(2, 3, 5, 6), (1, 2, 1, 4), (2, 1, 3, 1), (1, 1, 2, 2)])
@pytest.mark.parametrize(("padding_mode", "align_corners"), PADDINGS)
def test_bicubic_matches_the_definition(rng, reference, shape, padding_mode, align_corners):
    x = rng.standard_normal(shape)
    grid = rng.uniform(-2.6, 2.6, (shape[0], 4, 7, 2))  # inside, just outside and beyond one mirror
    grid[0, 0] = [[-1, -1], [1, 1], [1, -1], [-1, 1], [0, 0], [3.9, -4.7], [-1e-9, 1e-9]]  # corners, centre
    got = F.grid_sample(autograd.tensor(x), autograd.tensor(grid), "bicubic", padding_mode, align_corners)
    want = bicubic_reference(reference, x, grid, padding_mode, align_corners)
    np.testing.assert_allclose(got.numpy(), want, atol=1e-12)


def test_bicubic_values_pinned_against_pytorch():
    x = autograd.tensor(np.arange(12.0, dtype=np.float32).reshape(1, 1, 3, 4) ** 2 / 10)  # not linear
    grid = autograd.tensor([[[[0.9, -1.3], [-1.7, 0.2], [0.1, 0.05], [2.6, 1.4]]]])  # float32
    expected = {  # PyTorch 2.13, F.grid_sample(x, grid, "bicubic", padding_mode, align_corners)
        ("zeros", False): [0.022381, -0.023072, 3.738673, 0.0],
        ("border", False): [0.947841, 3.115596, 3.702317, 12.099997],
        ("reflection", False): [0.831759, 4.141918, 3.702317, 6.387777],
        ("zeros", True): [0.191868, -0.093138, 3.497209, 0.0],
        ("border", True): [0.409457, 2.598401, 3.480751, 12.877596],
        ("reflection", True): [1.212784, 3.938687, 3.491608, 5.812113],
    }
    for (padding_mode, align_corners), values in expected.items():
        got = F.grid_sample(x, grid, "bicubic", padding_mode, align_corners)
        assert got.dtype == autograd.float32
        np.testing.assert_allclose(got.numpy().ravel(), values, atol=1e-5, err_msg=padding_mode)


def test_bicubic_gradients_pinned_against_pytorch():
    # PyTorch 2.13 (float32): F.grid_sample(x, [[[[0.3, -0.2]]]], "bicubic", "border", False).sum().backward()
    x = autograd.tensor(np.arange(12.0).reshape(1, 1, 3, 4) ** 2 / 10, requires_grad=True)
    grid = autograd.tensor([[[[0.3, -0.2]]]], dtype=autograd.float64, requires_grad=True)
    F.grid_sample(x, grid, "bicubic", "border", False).sum().backward()
    np.testing.assert_allclose(grid.grad.numpy().ravel(), [2.4950485, 5.8074312], rtol=1e-6)
    want = [
        [0.0, -0.016949177, 0.27307114, 0.022877920],
        [0.0, -0.050498251, 0.81358606, 0.068162307],
        [0.0, 0.0066976473, -0.10790695, -0.0090404535],
    ]  # column 0 reads only weight-0 taps; the tap left of it (clamped onto it) too
    np.testing.assert_allclose(x.grad.numpy()[0, 0], want, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("padding_mode", ["border", "reflection"])
def test_bicubic_keeps_constants_and_interpolates(rng, padding_mode):
    # The 4 weights of an axis sum to 1 and every padded tap reads a pixel, so a constant image reads
    # its constant anywhere, far outside included; at a pixel's centre a point reads that pixel alone.
    grid = autograd.tensor(rng.uniform(-4, 4, (2, 3, 5, 2)))
    constant = autograd.tensor(np.full((2, 2, 4, 3), 1.7))
    np.testing.assert_allclose(
        F.grid_sample(constant, grid, "bicubic", padding_mode).numpy(), 1.7, atol=1e-13
    )
    image = rng.standard_normal((1, 1, 6, 7))
    centres = autograd.tensor(
        np.array([[[[-1.0, -1.0], [1 / 3, 0.2], [1.0, 1.0]]]])
    )  # (0, 0), (4, 3), (6, 5)
    got = F.grid_sample(autograd.tensor(image), centres, "bicubic", padding_mode, align_corners=True)
    np.testing.assert_allclose(got.numpy().ravel(), image[0, 0, [0, 3, 5], [0, 4, 6]], atol=1e-12)


@pytest.mark.parametrize(("padding_mode", "align_corners"), PADDINGS)
def test_bicubic_gradients(points_between_pixels, leaf, check_grad, padding_mode, align_corners):
    x = leaf(2, 2, 4, 5)
    grid = autograd.tensor(points_between_pixels((2, 3, 2), (5, 4), align_corners), requires_grad=True)
    check_grad(lambda a, g: F.grid_sample(a, g, "bicubic", padding_mode, align_corners), x, grid)


def test_bicubic_input_gradient_adds_the_taps_padding_folds_together(rng):
    # A point left of the image with border padding: its taps in columns -2..1 read columns 0, 0, 0, 1,
    # so column 0 gets the sum of three weights; they and column 1's add up to 1 (a partition of unity).
    x = autograd.tensor(rng.standard_normal((1, 1, 1, 3)), requires_grad=True)
    grid = autograd.tensor([[[[2 * -0.7 / 3 + 1 / 3 - 1, 0.0]]]], dtype=autograd.float64)  # pixel -0.7
    F.grid_sample(x, grid, "bicubic", "border").sum().backward()
    t = 0.3  # -0.7 is 0.3 past column -1
    weights = [keys(1 + t), keys(t), keys(1 - t), keys(2 - t)]  # columns -2, -1, 0, 1
    np.testing.assert_allclose(x.grad.numpy().ravel(), [sum(weights[:3]), weights[3], 0.0], atol=1e-12)
