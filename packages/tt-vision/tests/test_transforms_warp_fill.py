"""A warp's fill without torchvision's extra all-ones channel: the same images.

torchvision samples a channel of ones beside the image; where it comes back below 1 a sample
fell partly outside, and the fill is blended in by it (bilinear) or put where it is below ½
(nearest). ``warp`` finds that channel's values from the grid (``inside_share``, the nearest
gather's inside test); these tests build the channel and sample it with ``grid_sample``, as
torchvision does, and compare.
"""

from __future__ import annotations

import numpy as np
import pytest
from tt_autograd import Tensor
from tt_vision.functional import grid_sample
from tt_vision.transforms_warp import inside_share, perspective_coefficients, perspective_grid, warp


def ones_channel(grid: np.ndarray, height: int, width: int, mode: str) -> np.ndarray:
    """torchvision's way: ``grid_sample`` of an all-ones image, ``(B, 1, oh, ow)``."""
    ones = np.ones((grid.shape[0], 1, height, width), grid.dtype)
    return grid_sample(Tensor.from_array(ones), Tensor.from_array(grid), mode).numpy()


def torchvision_warp(images: np.ndarray, grid: np.ndarray, mode: str, fill) -> np.ndarray:
    """``_apply_grid_transform`` with the ones channel, in float (before any rounding)."""
    values = images.astype(grid.dtype)
    out = grid_sample(Tensor.from_array(values), Tensor.from_array(grid), mode).numpy()
    share = ones_channel(grid, *images.shape[2:], mode)
    colour = np.asarray(fill, grid.dtype).reshape(1, -1, 1, 1)
    return np.where(share < 0.5, colour, out) if mode == "nearest" else out * share + (1 - share) * colour


def perspective_batch(rng, batch: int, height: int, width: int, dtype) -> np.ndarray:
    """A perspective grid per image, corners moved far inwards (much of each image outside), and
    a few points NaN or infinite."""
    ends = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
    ends = ends + rng.integers(-(width // 2), width // 2 + 1, (batch, 4, 2))
    corners = [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]
    grid = perspective_grid(perspective_coefficients(corners, ends), height, width, dtype)
    grid[0, 0, 0], grid[-1, 1, 2, 0], grid[-1, 2, 1, 1] = np.nan, np.inf, -np.inf
    return grid


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inside_share_is_the_sampled_ones_channel_to_the_last_bit(rng, dtype):
    grid = perspective_batch(rng, 6, 11, 14, dtype)
    share = inside_share(grid, 11, 14, dtype)
    expected = ones_channel(grid, 11, 14, "bilinear")
    assert share.dtype == dtype and share.shape == (6, 1, 11, 14)
    assert ((share > 0) & (share < 1)).any() and (share == 0).any() and (share == 1).any()
    np.testing.assert_array_equal(share, expected)  # NaN in the same places
    assert np.isnan(share[0, 0, 0, 0]) and np.isnan(share[-1, 0, 1, 2])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill", [[0.0], [5.5], [1.0, -2.0, 3.0]])
def test_a_filled_warp_is_torchvisions_ones_channel_blend(rng, dtype, mode, fill):
    images = rng.uniform(-4, 4, (5, 3, 9, 13)).astype(dtype)
    grid = perspective_batch(rng, 5, 9, 13, dtype)
    ours = warp(images, grid, mode, np.array(fill), "test")
    np.testing.assert_array_equal(ours, torchvision_warp(images, grid, mode, fill))


def test_a_filled_bilinear_warp_of_bytes_rounds_torchvisions_blend(rng):
    """(Nearest rounds float32 positions, ``grid_sample`` float64 ones: a tie may fall apart.)"""
    mode = "bilinear"
    images = rng.integers(0, 256, (4, 3, 12, 10), dtype=np.uint8)
    grid = perspective_batch(rng, 4, 12, 10, np.float32)
    grid[np.isnan(grid) | np.isinf(grid)] = 3.0  # (NaN has no byte)
    ours = warp(images, grid, mode, np.array([200.0, 17.0, 90.0]), "test")
    blend = torchvision_warp(images, grid, mode, [200.0, 17.0, 90.0])
    assert ours.dtype == np.uint8
    np.testing.assert_array_equal(ours, np.clip(np.round(blend), 0, 255).astype(np.uint8))


def test_one_grid_for_the_batch_blends_each_image_by_its_share(rng):
    """A ``(1, oh, ow, 2)`` grid (an elastic field for the batch): the share is found once, broadcast."""
    images = rng.uniform(0, 1, (4, 2, 8, 9))
    grid = perspective_batch(rng, 1, 8, 9, np.float64)
    ours = warp(images, grid, "bilinear", np.array([0.25, 0.75]), "test")
    expected = torchvision_warp(images, np.repeat(grid, 4, axis=0), "bilinear", [0.25, 0.75])
    np.testing.assert_array_equal(ours, expected)
