"""affine_grid and grid_sample (bilinear and nearest; zeros, border and reflection padding; align_corners).

Values against a per-point NumPy loop written from PyTorch's documented
definition (normalised → pixel coordinates, padding by clamping or repeated
mirroring, then a blend of the four neighbours or the nearest one, halves to
even), a few values pinned from PyTorch 2.13, gradients w.r.t. input, grid and
theta by float64 central differences away from the kinks (pixel centres, edges,
mirror lines), dtypes and errors. Not course material (outside module 09's
solution regions), so no module number.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import functional as F

MODES = list(itertools.product(["bilinear", "nearest"], ["zeros", "border", "reflection"], [False, True]))


def sample_reference(reference, x, grid, mode, padding_mode, align_corners):
    n, c, h, w = x.shape
    out = np.zeros((n, c, grid.shape[1], grid.shape[2]))
    options = (padding_mode, align_corners)

    def pixel(b, row, col):
        return x[b, :, row, col] if 0 <= row < h and 0 <= col < w else np.zeros(c)

    for b in range(n):
        for i in range(grid.shape[1]):
            for j in range(grid.shape[2]):
                px, py = (
                    reference.pad(
                        reference.unnormalize(grid[b, i, j, k], size, align_corners), size, *options
                    )
                    for k, size in ((0, w), (1, h))
                )
                if mode == "nearest":
                    out[b, :, i, j] = pixel(b, round(py), round(px))  # round(): halves to even
                    continue
                x0, y0 = math.floor(px), math.floor(py)
                ax, ay = px - x0, py - y0
                out[b, :, i, j] = (
                    (1 - ax) * (1 - ay) * pixel(b, y0, x0)
                    + ax * (1 - ay) * pixel(b, y0, x0 + 1)
                    + (1 - ax) * ay * pixel(b, y0 + 1, x0)
                    + ax * ay * pixel(b, y0 + 1, x0 + 1)
                )
    return out


def smooth_grid(rng, n, ho, wo, h, w, align_corners):
    """Grid points whose pixel positions are 0.1–0.4 or 0.6–0.9 past an integer: no kink nearby."""
    fraction = rng.uniform(0.1, 0.4, (n, ho, wo, 2)) + 0.5 * rng.integers(0, 2, (n, ho, wo, 2))
    sizes = np.array([w, h])
    pixels = rng.integers(-3, sizes + 2, (n, ho, wo, 2)) + fraction  # some outside the image
    if align_corners:
        return pixels / (sizes - 1) * 2 - 1
    return (2 * pixels + 1) / sizes - 1


@pytest.mark.parametrize(("mode", "padding_mode", "align_corners"), MODES)
def test_grid_sample_matches_the_definition(rng, reference, mode, padding_mode, align_corners):
    x = rng.standard_normal((2, 3, 5, 6))
    grid = rng.uniform(-2.6, 2.6, (2, 4, 7, 2))  # inside, just outside and beyond one mirror
    grid[0, 0] = [[-1, -1], [1, 1], [1, -1], [-1, 1], [0, 0], [3.9, -4.7], [-1e-9, 1e-9]]  # corners, centre
    got = F.grid_sample(
        autograd.tensor(x),
        autograd.tensor(grid),
        mode=mode,
        padding_mode=padding_mode,
        align_corners=align_corners,
    )
    want = sample_reference(reference, x, grid, mode, padding_mode, align_corners)
    np.testing.assert_allclose(got.numpy(), want, atol=1e-12)


@pytest.mark.parametrize("shape", [(1, 2, 1, 4), (2, 1, 3, 1), (2, 2, 1, 1)])
@pytest.mark.parametrize(("mode", "padding_mode", "align_corners"), MODES)
def test_grid_sample_single_pixel_axes(rng, reference, shape, mode, padding_mode, align_corners):
    x, grid = rng.standard_normal(shape), rng.uniform(-3, 3, (shape[0], 2, 3, 2))
    got = F.grid_sample(
        autograd.tensor(x),
        autograd.tensor(grid),
        mode=mode,
        padding_mode=padding_mode,
        align_corners=align_corners,
    )
    np.testing.assert_allclose(
        got.numpy(), sample_reference(reference, x, grid, mode, padding_mode, align_corners), atol=1e-12
    )


def test_grid_sample_values_pinned_against_pytorch():
    x = autograd.tensor(np.arange(12.0, dtype=np.float32).reshape(1, 1, 3, 4))
    grid = autograd.tensor([[[[0.9, -1.3], [-1.7, 0.2], [0.0, 0.0], [2.6, 1.4]]]])  # float32
    expected = {  # PyTorch 2.13, F.grid_sample(x, grid, mode, padding_mode, align_corners)
        ("bilinear", "zeros", False): [0.105, 0.0, 5.5, 0.0],
        ("bilinear", "border", False): [3.0, 5.2, 5.5, 11.0],
        ("bilinear", "reflection", False): [3.0, 6.1, 5.5, 7.9],
        ("bilinear", "reflection", True): [4.05, 5.85, 5.5, 7.0],
        ("nearest", "border", True): [3.0, 4.0, 6.0, 11.0],
        ("nearest", "zeros", False): [0.0, 0.0, 6.0, 0.0],
        ("nearest", "reflection", False): [3.0, 5.0, 6.0, 8.0],
    }
    for (mode, padding_mode, align_corners), values in expected.items():
        got = F.grid_sample(x, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
        np.testing.assert_allclose(got.numpy().ravel(), values, atol=1e-5, err_msg=str((mode, padding_mode)))
    # Defaults: bilinear, zeros, align_corners=False (PyTorch's None).
    np.testing.assert_array_equal(
        F.grid_sample(x, grid).numpy(), F.grid_sample(x, grid, "bilinear", "zeros", False).numpy()
    )


@pytest.mark.parametrize(
    ("padding_mode", "align_corners"),
    list(itertools.product(["zeros", "border", "reflection"], [False, True])),
)
def test_grid_sample_bilinear_gradients(rng, leaf, check_grad, padding_mode, align_corners):
    x = leaf(2, 3, 4, 5)
    grid = autograd.tensor(smooth_grid(rng, 2, 3, 4, 4, 5, align_corners), requires_grad=True)
    check_grad(
        lambda a, g: F.grid_sample(a, g, padding_mode=padding_mode, align_corners=align_corners), x, grid
    )


@pytest.mark.parametrize(
    ("padding_mode", "align_corners"),
    list(itertools.product(["zeros", "border", "reflection"], [False, True])),
)
def test_grid_sample_nearest_gradients(rng, leaf, check_grad, padding_mode, align_corners):
    x = leaf(2, 3, 4, 5)
    grid = autograd.tensor(smooth_grid(rng, 2, 3, 4, 4, 5, align_corners), requires_grad=True)
    check_grad(lambda a: F.grid_sample(a, grid, "nearest", padding_mode, align_corners), x)
    x = leaf(2, 3, 4, 5)  # a fresh leaf: gradcheck's runs leave their gradients on the first
    F.grid_sample(x, grid, "nearest", padding_mode, align_corners).sum().backward()
    assert not grid.grad.numpy().any()  # piecewise constant in the grid
    ones = autograd.tensor(np.ones((2, 1, 4, 5)))
    inside = F.grid_sample(ones, grid.detach(), "nearest", padding_mode, align_corners).numpy().sum()
    assert x.grad.numpy().sum() == pytest.approx(3 * inside)  # one read per output pixel inside the image


@pytest.mark.parametrize("padding_mode", ["border", "reflection"])
def test_grid_gradient_is_zero_exactly_on_the_edge_pinned_against_pytorch(padding_mode):
    # PyTorch 2.13 counts a point exactly on the clamped edge as outside: grid gradient (0, 0).
    x = autograd.tensor(np.arange(12.0).reshape(1, 1, 3, 4))
    for corner in ([1.0, -1.0], [-1.0, 1.0]):
        grid = autograd.tensor([[[corner]]], dtype=autograd.float64, requires_grad=True)
        F.grid_sample(x, grid, "bilinear", padding_mode, align_corners=True).sum().backward()
        assert grid.grad.numpy().tolist() == [[[[0.0, 0.0]]]]


def test_only_the_needed_gradient_is_computed(rng):
    x = autograd.tensor(rng.standard_normal((1, 2, 3, 3)), requires_grad=True)
    grid = autograd.tensor(rng.uniform(-1, 1, (1, 2, 2, 2)))  # no grad wanted
    F.grid_sample(x, grid).sum().backward()
    assert x.grad is not None and grid.grad is None
    x2 = autograd.tensor(rng.standard_normal((1, 2, 3, 3)))
    grid2 = autograd.tensor(rng.uniform(-1, 1, (1, 2, 2, 2)), requires_grad=True)
    F.grid_sample(x2, grid2).sum().backward()
    assert grid2.grad is not None and x2.grad is None


def test_grid_sample_input_gradient_adds_repeated_reads(rng):
    # Every output pixel reads the same point: the input gradient is their sum times the weights.
    x = autograd.tensor(rng.standard_normal((1, 2, 3, 3)), requires_grad=True)
    grid = autograd.tensor(np.tile([0.25, -0.5], (1, 4, 5, 1)))
    F.grid_sample(x, grid, align_corners=True).sum().backward()
    weights = np.zeros((3, 3))  # pixel position (1.25, 0.5): 0.75·0.5 on columns 1, 0.25·0.5 on column 2
    weights[0:2, 1], weights[0:2, 2] = 0.375, 0.125
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(20 * weights, (1, 2, 3, 3)))


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_empty_batch_channels_or_points(mode):
    # As PyTorch 2.13: empty outputs, and gradients of the inputs' shapes, all zero.
    cases = [((0, 2, 4, 4), (0, 3, 3, 2)), ((2, 0, 4, 4), (2, 3, 3, 2)), ((2, 2, 4, 4), (2, 0, 3, 2))]
    cases += [((1, 2, 3, 4, 4), (1, 0, 2, 2, 3))] if mode != "bicubic" else []
    for x_shape, grid_shape in cases:
        x = autograd.tensor(np.ones(x_shape), requires_grad=True)
        grid = autograd.tensor(np.zeros(grid_shape), requires_grad=True)
        out = F.grid_sample(x, grid, mode=mode)
        assert out.shape == (*x_shape[:2], *grid_shape[1:-1])
        out.sum().backward()
        assert x.grad.shape == x_shape and grid.grad.shape == grid_shape
        assert not x.grad.numpy().any() and not grid.grad.numpy().any()


def affine_reference(theta, size, align_corners):
    n, spatial = size[0], size[2:]  # (H, W) or (D, H, W)

    def axis(steps):
        if steps == 1:
            return [0.0]
        if align_corners:
            return [-1 + 2 * i / (steps - 1) for i in range(steps)]
        return [(2 * i + 1) / steps - 1 for i in range(steps)]

    out = np.zeros((n, *spatial, len(spatial)))
    for b in range(n):
        for index in itertools.product(*(range(steps) for steps in spatial)):
            point = [axis(steps)[i] for steps, i in zip(spatial, index)][::-1]  # (x, y[, z])
            out[(b, *index)] = theta[b] @ [*point, 1.0]
    return out


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize(
    "size", [(2, 3, 4, 5), (2, 1, 1, 3), (2, 1, 3, 1), (2, 3, 2, 3, 4), (2, 1, 1, 1, 3), (2, 1, 3, 1, 2)]
)
def test_affine_grid_values_and_gradient(rng, leaf, check_grad, align_corners, size):
    k = len(size) - 2  # (N, 2, 3) matrices for images, (N, 3, 4) for volumes
    theta = leaf(2, k, k + 1)
    got = F.affine_grid(theta, size, align_corners=align_corners)
    assert got.shape == (2, *size[2:], k)
    np.testing.assert_allclose(
        got.detach().numpy(), affine_reference(theta.detach().numpy(), size, align_corners)
    )
    check_grad(lambda t: F.affine_grid(t, size, align_corners=align_corners), theta)


def test_volumetric_affine_grid_pinned_against_pytorch():
    theta = autograd.tensor([[[0.9, 0.1, 0.0, 0.2], [0.0, 1.1, -0.3, 0.0], [0.2, 0.0, 0.8, -0.1]]])
    # PyTorch 2.13 (float32): affine_grid(theta, (1, 1, 2, 2, 3), align_corners)[0, 1, h], (x, y, z) each
    got = F.affine_grid(theta, (1, 1, 2, 2, 3)).numpy()[0, 1, 0]
    np.testing.assert_allclose(
        got, [[-0.45, -0.7, 1 / 6], [0.15, -0.7, 0.3], [0.75, -0.7, 13 / 30]], atol=1e-6
    )
    got = F.affine_grid(theta, (1, 1, 2, 2, 3), align_corners=True).numpy()[0, 1, 1]
    np.testing.assert_allclose(got, [[-0.6, 0.8, 0.5], [0.3, 0.8, 0.7], [1.2, 0.8, 0.9]], atol=1e-6)


def test_affine_grid_pinned_and_identity_round_trip(rng):
    identity = autograd.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    # PyTorch 2.13: x of a 1×3 output, align_corners False and True.
    assert np.allclose(F.affine_grid(identity, (1, 1, 1, 3)).numpy()[0, 0, :, 0], [-2 / 3, 0, 2 / 3])
    assert F.affine_grid(identity, (1, 1, 1, 3), align_corners=True).numpy()[0, 0, :, 0].tolist() == [
        -1,
        0,
        1,
    ]
    x = autograd.tensor(rng.standard_normal((2, 3, 5, 6)))
    theta = autograd.tensor(np.tile([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], (2, 1, 1)))
    for align_corners in (False, True):
        grid = F.affine_grid(theta, tuple(x.shape), align_corners=align_corners)
        same = F.grid_sample(x, grid, align_corners=align_corners)
        np.testing.assert_allclose(same.numpy(), x.numpy(), atol=1e-12)
    # A horizontal flip (x -> -x) of the spatial transformer's pair flips the image.
    flip = autograd.tensor(np.tile([[-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], (2, 1, 1)))
    flipped = F.grid_sample(x, F.affine_grid(flip, tuple(x.shape)), mode="nearest")
    np.testing.assert_array_equal(flipped.numpy(), x.numpy()[..., ::-1])


def test_affine_grid_takes_a_numpy_theta(rng):
    theta = rng.standard_normal((2, 2, 3))
    np.testing.assert_array_equal(
        F.affine_grid(theta, (2, 1, 3, 4)).numpy(),
        F.affine_grid(autograd.tensor(theta), (2, 1, 3, 4)).numpy(),
    )


def test_spatial_transformer_pair_keeps_float32_and_backpropagates(rng):
    x = autograd.tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    theta = autograd.tensor(
        np.tile([[0.9, 0.1, 0.05], [-0.1, 0.8, 0.0]], (2, 1, 1)).astype(np.float32), requires_grad=True
    )
    grid = F.affine_grid(theta, (2, 3, 4, 4))
    out = F.grid_sample(x, grid)
    assert grid.dtype == out.dtype == autograd.float32
    out.sum().backward()
    assert x.grad.dtype == theta.grad.dtype == autograd.float32
    assert np.abs(theta.grad.numpy()).sum() > 0


def test_errors(rng):
    x = autograd.tensor(rng.standard_normal((2, 3, 4, 4)))
    grid = autograd.tensor(rng.uniform(-1, 1, (2, 3, 3, 2)))
    with pytest.raises(
        ValueError, match=r"grid_sample: grid must be \(N, Ho, Wo, 2\) .* got shape \(2, 3, 3, 3\)"
    ):
        F.grid_sample(x, autograd.tensor(np.zeros((2, 3, 3, 3))))
    with pytest.raises(ValueError, match=r"grid_sample: grid must be .*N = 2"):
        F.grid_sample(x, grid[:1])
    with pytest.raises(
        ValueError, match=r"grid_sample: grid must be \(N, Do, Ho, Wo, 3\) for a 5-d input.*\(x, y, z\)"
    ):
        F.grid_sample(autograd.tensor(np.zeros((2, 3, 4, 4, 4))), grid)
    with pytest.raises(ValueError, match=r"grid_sample: grid must be \(N, Ho, Wo, 2\) for a 4-d input"):
        F.grid_sample(x, autograd.tensor(np.zeros((2, 3, 3, 3, 2))))  # a volume's grid, 2 coordinates
    with pytest.raises(
        ValueError, match=r"grid_sample: expected a 4-d \(N, C, H, W\) or 5-d \(N, C, D, H, W\) input"
    ):
        F.grid_sample(x[0], grid)
    with pytest.raises(
        ValueError, match=r"grid_sample: mode 'bicubic' needs a 4-d .* got the volume \(2, 3, 4, 4, 4\)"
    ):
        F.grid_sample(
            autograd.tensor(np.zeros((2, 3, 4, 4, 4))), autograd.tensor(np.zeros((2, 1, 1, 1, 3))), "bicubic"
        )
    with pytest.raises(ValueError, match="mode must be 'bilinear', 'nearest' or 'bicubic', got 'area'"):
        F.grid_sample(x, grid, mode="area")
    with pytest.raises(
        ValueError, match="padding_mode must be 'zeros', 'border' or 'reflection', got 'wrap'"
    ):
        F.grid_sample(x, grid, padding_mode="wrap")
    with pytest.raises(TypeError, match="grid_sample: input is tt.float64 but a parameter is tt.float32"):
        F.grid_sample(x, grid.float())
    with pytest.raises(TypeError, match="grid_sample: input must be a float tensor"):
        F.grid_sample(autograd.tensor(np.zeros((2, 3, 4, 4), dtype=np.int64)), grid)
    theta = autograd.tensor(np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match=r"affine_grid: theta must be a float \(N, 3, 4\) = \(2, 3, 4\)"):
        F.affine_grid(theta, (2, 1, 2, 2, 2))  # a volume needs (N, 3, 4)
    with pytest.raises(ValueError, match=r"affine_grid: theta must be a float \(N, 2, 3\) = \(1, 2, 3\)"):
        F.affine_grid(theta, (1, 1, 2, 2))
    with pytest.raises(ValueError, match=r"affine_grid: theta must be .* got shape \(2, 3, 3\)"):
        F.affine_grid(autograd.tensor(np.zeros((2, 3, 3))), (2, 1, 2, 2))
    with pytest.raises(
        ValueError, match=r"affine_grid: size must be a 4-d \(N, C, H, W\) or 5-d .* got \(2, 2, 2\)"
    ):
        F.affine_grid(theta, [2, 2, 2])  # a list is read as a shape too
    with pytest.raises(
        ValueError, match=r"affine_grid: theta must be a float .* got shape \(2, 2, 3\) \(tt.int64\)"
    ):
        F.affine_grid(autograd.tensor(np.zeros((2, 2, 3), dtype=np.int64)), (2, 1, 2, 2))
    with pytest.raises(ValueError, match=r"affine_grid: every size must be positive, got \(2, 1, 0, 3\)"):
        F.affine_grid(theta, [2, 1, 0, 3])
