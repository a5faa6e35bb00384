"""grid_sample at NaN, infinite and huge grid points: PyTorch 2.13's values, forward and backward.

PyTorch's 2-d CPU kernel (images) and 3-d one (volumes) treat such points
differently, and TinyTorch follows each: the values below were read from PyTorch
2.13 (CPU, float64) in a scratch script, for every mode, padding and
``align_corners``, at points with one coordinate (or all) NaN, ±inf or ±1e30,
and a finite point as a control. Where PyTorch's 2-d backward crashes (bilinear,
``'border'`` with NaN, ``'reflection'`` with NaN or ±inf) the gradients are
checked against the forward's: those at the edge where the point is clamped.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import functional as F

nan, inf = float("nan"), float("inf")
IMAGE = (1 + 10 * np.arange(3)[:, None] + np.arange(4)).reshape(1, 1, 3, 4).astype(float)  # 1 + 10 h + w
VOLUME = (1 + 100 * np.arange(2)[:, None, None] + 10 * np.arange(3)[:, None] + np.arange(4)).reshape(
    1, 1, 2, 3, 4
)
POINTS_IMAGE = [
    (nan, 0.2),
    (0.3, nan),
    (inf, 0.2),
    (0.3, -inf),
    (nan, nan),
    (1e30, 0.2),
    (0.3, -1e30),
    (0.25, 0.2),
    (3.7, -2.9),  # mirrored twice in x, once in y
]
POINTS_VOLUME = [  # the sixth: 2**31 + 1 reflections in depth with align_corners, past a C int: even
    (nan, 0.2, 0.5),
    (0.3, inf, 0.5),
    (0.3, 0.2, -inf),
    (nan, nan, nan),
    (1e30, 0.2, 0.5),
    (0.3, 0.2, 2.0**32 + 1.5),
    (0.25, 0.2, 0.5),
    (3.7, -2.9, 6.3),  # 3 reflections in depth: odd
]

FORWARD_IMAGE = {  # PyTorch 2.13's grid_sample(IMAGE, POINTS_IMAGE as a grid, mode, padding, align_corners)
    ("bilinear", "zeros", False): [nan, nan, nan, nan, nan, 0.0, 0.0, 16.0, 0.0],
    ("bilinear", "zeros", True): [nan, nan, nan, nan, nan, 0.0, 0.0, 14.875, 0.0],
    ("bilinear", "border", False): [14.0, 3.1, 17.0, 3.1, 1.0, 17.0, 3.1, 16.0, 4.0],
    ("bilinear", "border", True): [13.0, 2.95, 16.0, 2.95, 1.0, 16.0, 2.95, 14.875, 4.0],
    ("bilinear", "reflection", False): [14.0, 3.1, 14.0, 3.1, 1.0, 14.0, 3.1, 16.0, 21.9],
    ("bilinear", "reflection", True): [13.0, 2.95, 13.0, 2.95, 1.0, 13.0, 2.95, 14.875, 21.05],
    ("nearest", "zeros", False): [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 13.0, 0.0],
    ("nearest", "zeros", True): [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 13.0, 0.0],
    ("nearest", "border", False): [11.0, 3.0, 14.0, 3.0, 1.0, 14.0, 3.0, 13.0, 4.0],
    ("nearest", "border", True): [11.0, 3.0, 14.0, 3.0, 1.0, 14.0, 3.0, 13.0, 4.0],
    ("nearest", "reflection", False): [11.0, 3.0, 11.0, 3.0, 1.0, 11.0, 3.0, 13.0, 22.0],
    ("nearest", "reflection", True): [11.0, 3.0, 11.0, 3.0, 1.0, 11.0, 3.0, 13.0, 22.0],
    ("bicubic", "zeros", False): [nan, nan, nan, nan, nan, 0.0, 0.0, 17.97925, 0.0],
    ("bicubic", "zeros", True): [nan, nan, nan, nan, nan, 0.0, 0.0, 16.102, 0.0],
    ("bicubic", "border", False): [nan, nan, nan, nan, nan, 17.8925, 3.14275, 16.8925, 4.0],
    ("bicubic", "border", True): [nan, nan, nan, nan, nan, 16.72, 2.928625, 15.553984375, 4.0],
    ("bicubic", "reflection", False): [nan, nan, nan, nan, nan, 14.8925, 3.14275, 16.8925, 23.5635],
    ("bicubic", "reflection", True): [nan, nan, nan, nan, nan, 13.96, 2.928625, 15.793984375, 21.926375],
}
FORWARD_VOLUME = {  # PyTorch 2.13, as FORWARD_IMAGE for VOLUME and POINTS_VOLUME
    ("bilinear", "zeros", False): [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 116.0, 0.0],
    ("bilinear", "zeros", True): [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 89.875, 0.0],
    ("bilinear", "border", False): [117.0, 123.1, 16.1, 124.0, 117.0, 116.1, 116.0, 104.0],
    ("bilinear", "border", True): [91.0, 97.95, 14.95, 124.0, 91.0, 114.95, 89.875, 104.0],
    ("bilinear", "reflection", False): [117.0, 123.1, 116.1, 124.0, 114.0, 16.1, 116.0, 41.9],
    ("bilinear", "reflection", True): [91.0, 97.95, 114.95, 124.0, 90.0, 39.95, 89.875, 56.05],
    ("nearest", "zeros", False): [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 113.0, 0.0],
    ("nearest", "zeros", True): [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 113.0, 0.0],
    ("nearest", "border", False): [114.0, 123.0, 13.0, 124.0, 114.0, 113.0, 113.0, 104.0],
    ("nearest", "border", True): [114.0, 123.0, 13.0, 124.0, 114.0, 113.0, 113.0, 104.0],
    ("nearest", "reflection", False): [114.0, 123.0, 113.0, 124.0, 111.0, 13.0, 113.0, 22.0],
    ("nearest", "reflection", True): [114.0, 123.0, 113.0, 124.0, 113.0, 13.0, 113.0, 22.0],
}
BACKWARD = {  # PyTorch 2.13's (d input: {flat index: nonzero value}, d grid per point); d output: 1, 2, ...
    (2, "bilinear", "zeros", False, (0, 1, 2, 4, 5, 7)): (
        {6: 4.2, 10: 1.8},
        [(0.0, nan), (nan, 0.0), (0.0, nan), (nan, nan), (0.0, 0.0), (12.0, 90.0)],
    ),
    (2, "nearest", "border", True, (0, 1, 3, 4, 7)): (
        {0: 4.0, 2: 5.0, 4: 1.0, 6: 5.0},
        [(0.0, 0.0), (0.0, 0.0), (0.0, 0.0), (0.0, 0.0), (0.0, 0.0)],
    ),
    (2, "bicubic", "border", False, (0, 6, 7)): (
        {0: nan, 1: -0.1215, 2: 1.62675, 3: 0.164, 4: nan, 6: 2.49375, 8: nan, 10: 0.837},
        [(nan, nan), (5.43, 0.0), (9.0, 50.2875)],
    ),
    (2, "bicubic", "reflection", True, (1, 5, 7)): (
        {
            0: nan,
            1: nan,
            2: nan,
            3: nan,
            4: 1.7644375,
            5: 0.3084375,
            6: 2.6000625,
            7: -0.1929375,
            8: 0.3938476562,
            9: 0.0688476562,
            10: 0.5803710937,
            11: -0.0430664062,
        },
        [(nan, nan), (0.0, 28.8), (5.2734375, 43.2)],
    ),
    (2, "bilinear", "reflection", False, (5, 6, 7)): (
        {2: 1.8, 3: 0.2, 4: 0.7, 6: 2.1, 8: 0.3, 10: 0.9},
        [(0.0, 15.0), (4.0, 0.0), (6.0, 45.0)],
    ),
    (3, "bilinear", "zeros", True, (0, 1, 2, 3, 6)): (
        {5: 0.125, 6: 0.875, 9: 0.03125, 10: 0.21875, 17: 0.375, 18: 2.625, 21: 0.09375, 22: 0.65625},
        [(0.0, 0.0, 0.0), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0), (7.5, 50.0, 250.0)],
    ),
    (3, "bilinear", "border", False, (0, 1, 3, 4, 6)): (
        {18: 3.5, 19: 2.8, 22: 3.3, 23: 1.4},
        [(0.0, 0.0, 0.0), (4.0, -0.0, -0.0), (0.0, 0.0, 0.0), (-0.0, 60.0, -0.0), (10.0, 75.0, -0.0)],
    ),
    (3, "bilinear", "reflection", True, (0, 1, 2, 4, 5, 6)): (
        {5: 0.3, 6: 4.7, 9: 0.075, 10: 1.175, 17: 0.5, 18: 6.5, 21: 0.125, 22: 1.625},
        [
            (0.0, 0.0, 0.0),
            (0.0, 0.0, 0.0),
            (0.0, 0.0, -0.0),
            (6.0, 40.0, 200.0),
            (7.5, 50.0, 250.0),
            (9.0, 60.0, 300.0),
        ],
    ),
    (3, "nearest", "reflection", False, (0, 1, 4, 6)): (
        {16: 3.0, 18: 4.0},
        [(0.0, 0.0, 0.0), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0)],
    ),
}


def sample(x, points, mode, padding_mode, align_corners, requires_grad=False):
    """``grid_sample`` of ``x`` at ``points`` (one row of them), with the input and grid as leaves."""
    k = x.ndim - 2
    grid = np.array(points, dtype=float).reshape(1, *[1] * (k - 1), len(points), k)
    x_t = autograd.tensor(x.astype(float), requires_grad=requires_grad)
    grid_t = autograd.tensor(grid, requires_grad=requires_grad)
    return x_t, grid_t, F.grid_sample(x_t, grid_t, mode, padding_mode, align_corners)


def gradients(x, points, mode, padding_mode, align_corners, create_graph=False):
    """d input and d grid (per point) for the output gradient 1, 2, ... per point."""
    x_t, grid_t, out = sample(x, points, mode, padding_mode, align_corners, requires_grad=True)
    seed = autograd.tensor(np.arange(1.0, len(points) + 1).reshape(out.shape))
    d_input, d_grid = autograd.gradients.grad(out, (x_t, grid_t), seed, create_graph=create_graph)
    return d_input.detach().numpy().ravel(), d_grid.detach().numpy().reshape(len(points), x.ndim - 2)


@pytest.mark.parametrize("case", sorted(FORWARD_IMAGE))
def test_image_values_at_nonfinite_points(case):
    out = sample(IMAGE, POINTS_IMAGE, *case)[2].numpy().ravel()
    np.testing.assert_allclose(out, FORWARD_IMAGE[case], rtol=1e-9, atol=1e-9)  # NaN where NaN, only


@pytest.mark.parametrize("case", sorted(FORWARD_VOLUME))
def test_volume_values_at_nonfinite_points(case):
    out = sample(VOLUME, POINTS_VOLUME, *case)[2].numpy().ravel()
    np.testing.assert_allclose(out, FORWARD_VOLUME[case], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("case", sorted(BACKWARD))
@pytest.mark.parametrize("create_graph", [False, True])
def test_gradients_at_nonfinite_points(case, create_graph):
    k, mode, padding_mode, align_corners, which = case
    x, points = (IMAGE, POINTS_IMAGE) if k == 2 else (VOLUME, POINTS_VOLUME)
    expected_input, expected_grid = BACKWARD[case]
    d_input, d_grid = gradients(
        x, [points[i] for i in which], mode, padding_mode, align_corners, create_graph
    )
    dense = np.zeros(x.size)
    dense[list(expected_input)] = list(expected_input.values())
    np.testing.assert_allclose(d_input, dense, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(d_grid, expected_grid, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("padding_mode", ["border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("create_graph", [False, True])
def test_image_bilinear_gradients_where_pytorch_crashes(padding_mode, align_corners, create_graph):
    # NaN (and, mirrored, ±inf) clamps to pixel 0: the gradients are those of a point at that edge
    edge = -1.0 if align_corners else -0.75  # x = -0.75 lands on pixel 0's centre in a width of 4
    bad = [nan, inf, -inf] if padding_mode == "reflection" else [nan]
    for value in bad:
        for axis in (0, 1):
            point, clamped = [0.3, 0.2], [0.3, 0.2]
            point[axis], clamped[axis] = value, edge if axis == 0 else (-1.0 if align_corners else -2 / 3)
            got = gradients(IMAGE, [point], "bilinear", padding_mode, align_corners, create_graph)
            want = gradients(IMAGE, [clamped], "bilinear", padding_mode, align_corners)
            assert np.all(np.isfinite(got[0])) and np.all(np.isfinite(got[1]))
            np.testing.assert_allclose(got[0], want[0], rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(got[1], want[1], rtol=1e-12, atol=1e-12)
            assert got[1][0, axis] == 0  # clamped: no slope


@pytest.mark.parametrize("padding_mode", ["border", "reflection"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_volume_point_without_gradient_in_a_batch(padding_mode, create_graph):
    # the second volume's point is NaN in x: PyTorch gives it no gradient, and the first volume its own
    x = np.stack([VOLUME[0], 2 * VOLUME[0] + 0.5]).repeat(2, axis=1) * np.array([1.0, -3.0]).reshape(
        1, 2, 1, 1, 1
    )
    grid = np.array([[0.3, 0.2, 0.5], [nan, 0.2, 0.5]]).reshape(2, 1, 1, 1, 3)
    x_t, grid_t = autograd.tensor(x, requires_grad=True), autograd.tensor(grid, requires_grad=True)
    out = F.grid_sample(x_t, grid_t, "bilinear", padding_mode, align_corners=False)
    seed = autograd.tensor(np.array([1.0, 2.0, 3.0, 4.0]).reshape(out.shape))
    d_input, d_grid = autograd.gradients.grad(out, (x_t, grid_t), seed, create_graph=create_graph)
    first_t, first_grid = (
        autograd.tensor(x[:1], requires_grad=True),
        autograd.tensor(grid[:1], requires_grad=True),
    )
    first = F.grid_sample(first_t, first_grid, "bilinear", padding_mode, align_corners=False)
    want_input, want_grid = autograd.gradients.grad(first, (first_t, first_grid), seed[:1])
    np.testing.assert_allclose(d_input.detach().numpy()[0], want_input.numpy()[0], rtol=1e-12)
    np.testing.assert_allclose(d_grid.detach().numpy()[0], want_grid.numpy()[0], rtol=1e-12)
    assert np.all(d_input.detach().numpy()[1] == 0) and np.all(d_grid.detach().numpy()[1] == 0)
    assert np.all(np.abs(want_input.numpy()[0]).reshape(2, -1).max(axis=1) > 0)  # both channels read


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_recorded_input_gradient_alone_at_nonfinite_points(mode):
    # the grid a constant: only the input's gradient, recorded, equal to backward's
    x_t = autograd.tensor(IMAGE, requires_grad=True)
    grid = autograd.tensor(np.array(POINTS_IMAGE).reshape(1, 1, len(POINTS_IMAGE), 2))
    out = F.grid_sample(x_t, grid, mode, "border", align_corners=True)
    seed = autograd.tensor(np.arange(1.0, len(POINTS_IMAGE) + 1).reshape(out.shape))
    (recorded,) = autograd.gradients.grad(out, (x_t,), seed, create_graph=True)
    (plain,) = autograd.gradients.grad(
        F.grid_sample(x_t, grid, mode, "border", align_corners=True), (x_t,), seed
    )
    np.testing.assert_allclose(recorded.detach().numpy(), plain.numpy(), rtol=1e-12)
