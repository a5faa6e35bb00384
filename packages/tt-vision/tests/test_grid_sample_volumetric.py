"""grid_sample on volumes: 5-d input (N, C, D, H, W), grid (N, Do, Ho, Wo, 3) of (x, y, z) points.

Values against a per-point loop written from PyTorch's definition (each axis
unnormalised and padded as in 2-d, then the 8 voxels around the point blended
trilinearly, or the nearest one read, halves to even), for every mode, padding
and ``align_corners``; a few values pinned from PyTorch 2.13; gradients w.r.t.
input and grid by float64 central differences away from voxel boundaries; the
volumetric spatial transformer (``affine_grid`` with ``(N, 3, 4)`` theta).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import functional as F

MODES = list(itertools.product(["bilinear", "nearest"], ["zeros", "border", "reflection"], [False, True]))


def volume_reference(reference, x, grid, mode, padding_mode, align_corners):
    n, c, d, h, w = x.shape
    out = np.zeros((n, c, *grid.shape[1:4]))
    for b, i, j, k in itertools.product(range(n), *(range(s) for s in grid.shape[1:4])):
        px, py, pz = (
            reference.pad(
                reference.unnormalize(grid[b, i, j, k, axis], size, align_corners),
                size,
                padding_mode,
                align_corners,
            )
            for axis, size in ((0, w), (1, h), (2, d))
        )
        if mode == "nearest":
            corners = [((round(px), round(py), round(pz)), 1.0)]  # round(): halves to even
        else:
            x0, y0, z0 = math.floor(px), math.floor(py), math.floor(pz)
            corners = [
                (
                    (x0 + dx, y0 + dy, z0 + dz),
                    (1 - abs(px - x0 - dx)) * (1 - abs(py - y0 - dy)) * (1 - abs(pz - z0 - dz)),
                )
                for dx, dy, dz in itertools.product((0, 1), repeat=3)
            ]
        for (col, row, depth), weight in corners:
            if 0 <= col < w and 0 <= row < h and 0 <= depth < d:
                out[b, :, i, j, k] += weight * x[b, :, depth, row, col]
    return out


@pytest.mark.parametrize("shape", [(2, 3, 4, 5, 6), (1, 2, 1, 3, 4), (2, 1, 3, 1, 1)])
@pytest.mark.parametrize(("mode", "padding_mode", "align_corners"), MODES)
def test_volume_sampling_matches_the_definition(rng, reference, shape, mode, padding_mode, align_corners):
    x = rng.standard_normal(shape)
    grid = rng.uniform(-2.6, 2.6, (shape[0], 2, 3, 5, 3))  # inside, just outside and beyond one mirror
    grid[0, 0, 0] = [[-1, -1, -1], [1, 1, 1], [1, -1, 1], [0, 0, 0], [3.9, -4.7, 0.3]]  # corners, centre
    got = F.grid_sample(autograd.tensor(x), autograd.tensor(grid), mode, padding_mode, align_corners)
    assert got.shape == (shape[0], shape[1], 2, 3, 5)
    want = volume_reference(reference, x, grid, mode, padding_mode, align_corners)
    np.testing.assert_allclose(got.numpy(), want, atol=1e-12)


def test_volume_sampling_pinned_against_pytorch():
    x = autograd.tensor(np.arange(24.0, dtype=np.float32).reshape(1, 1, 2, 3, 4) ** 2 / 10)
    grid = autograd.tensor([[[[[0.9, -1.3, 0.2], [-0.4, 0.2, -0.7], [0.1, 0.05, 0.0], [2.6, 1.4, -1.9]]]]])
    expected = {  # PyTorch 2.13 (float32), F.grid_sample(x, grid, mode, padding_mode, align_corners)
        ("bilinear", "zeros", False): [0.560701, 3.0704, 18.131998, 0.0],
        ("bilinear", "border", True): [13.569, 7.726001, 17.740999, 12.1],
        ("bilinear", "reflection", False): [16.02, 3.838, 18.131998, 19.75],
        ("nearest", "zeros", False): [0.0, 2.5, 3.6, 0.0],
        ("nearest", "reflection", True): [22.5, 2.5, 3.6, 8.1],
    }
    for (mode, padding_mode, align_corners), values in expected.items():
        got = F.grid_sample(x, grid, mode, padding_mode, align_corners)
        assert got.dtype == autograd.float32
        np.testing.assert_allclose(got.numpy().ravel(), values, rtol=1e-6, err_msg=f"{mode} {padding_mode}")


@pytest.mark.parametrize(("mode", "padding_mode", "align_corners"), MODES)
def test_volume_gradients(points_between_pixels, leaf, check_grad, mode, padding_mode, align_corners):
    x = leaf(2, 2, 3, 4, 5)
    grid = autograd.tensor(points_between_pixels((2, 2, 3, 2), (5, 4, 3), align_corners), requires_grad=True)
    check_grad(lambda a, g: F.grid_sample(a, g, mode, padding_mode, align_corners), x, grid)
    if mode == "nearest":
        F.grid_sample(x, grid, mode, padding_mode, align_corners).sum().backward()
        assert grid.grad.shape == grid.shape and not grid.grad.numpy().any()  # piecewise constant in it


def test_trilinear_grid_gradient_by_hand():
    # One point inside a 2×2×2 volume with align_corners: position = (g + 1) / 2 per axis; the x-slope is
    # the difference along x of the blend over y and z, times 1/2.
    v = np.arange(8.0).reshape(2, 2, 2) ** 2  # v[z, y, x]
    x = autograd.tensor(v[None, None])
    tx, ty, tz = 0.3, 0.8, 0.6
    grid = autograd.tensor(
        [[[[[2 * tx - 1, 2 * ty - 1, 2 * tz - 1]]]]], dtype=autograd.float64, requires_grad=True
    )
    F.grid_sample(x, grid, align_corners=True).sum().backward()
    wy, wz = np.array([1 - ty, ty]), np.array([1 - tz, tz])
    slope_x = (wz[:, None] * wy[None, :] * (v[:, :, 1] - v[:, :, 0])).sum() / 2
    assert grid.grad.numpy()[0, 0, 0, 0, 0] == pytest.approx(slope_x)


def test_volumetric_spatial_transformer_round_trip_and_gradient(rng):
    x = autograd.tensor(rng.standard_normal((2, 3, 3, 4, 5)), requires_grad=True)
    identity = autograd.tensor(np.tile(np.eye(3, 4), (2, 1, 1)), requires_grad=True)
    for align_corners in (False, True):
        grid = F.affine_grid(identity, tuple(x.shape), align_corners=align_corners)
        assert grid.shape == (2, 3, 4, 5, 3)
        same = F.grid_sample(x, grid, align_corners=align_corners)
        np.testing.assert_allclose(same.detach().numpy(), x.detach().numpy(), atol=1e-12)
    flip = autograd.tensor(np.tile(np.diag([1.0, 1.0, -1.0, 0.0])[:3], (2, 1, 1)))  # z -> -z
    flipped = F.grid_sample(x, F.affine_grid(flip, tuple(x.shape)), mode="nearest")
    np.testing.assert_array_equal(flipped.detach().numpy(), x.detach().numpy()[:, :, ::-1])
    F.grid_sample(x, F.affine_grid(identity * 0.9, (2, 3, 2, 2, 2))).sum().backward()
    assert identity.grad.shape == (2, 3, 4) and np.abs(identity.grad.numpy()).sum() > 0
