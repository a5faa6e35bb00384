"""torchvision's RandomPerspective and ElasticTransform, batched: parameters per image, pixels moved at once.

Beyond module 08's exercises: no module number. Given their parameters, the transforms must give
the functional forms' values (``perspective`` is pinned to torchvision 0.28's in
test_transforms_functional_geometry.py; ``elastic_transform`` is checked here against shifts worked
out by hand); the parameters must follow torchvision's ``get_params`` (its bands, kernel sizes and
scaling, transcribed in the tests).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor
import tt_vision.transforms.functional as F
from tt_tensor import numpy_generator
from tt_vision.transforms import ElasticTransform, RandomPerspective
from tt_vision.transforms_blur_erase import gaussian_blur
from tt_vision.transforms_random_distortion import _odd_kernel
from tt_vision.transforms_warp import identity_grid, perspective_coefficients, perspective_grid


def batch_of(n: int, dtype=np.float32, shape=(3, 13, 17), seed=0) -> np.ndarray:
    values = np.random.default_rng(seed).random((n, *shape))
    return (values * 255).astype(np.uint8) if dtype == np.uint8 else values.astype(dtype)


def seeded(seed: int) -> tt_tensor.Generator:
    return tt_tensor.Generator().manual_seed(seed)


def corners(height: int, width: int) -> list[list[int]]:
    return [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]


# ------------------------------------------------------------------ RandomPerspective
@pytest.mark.parametrize("dtype", [np.float32, np.uint8, np.float64])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_random_perspective_warps_each_image_by_its_own_corners(dtype, mode):
    images = batch_of(6, dtype)
    out = RandomPerspective(0.7, p=1.0, interpolation=mode, fill=0.25, generator=seeded(4))(images)
    assert out.dtype == images.dtype and out.shape == images.shape
    generator = seeded(4)  # the same draws again: the coins first, then the corners
    numpy_generator(generator).random(6)
    endpoints = RandomPerspective(0.7, generator=generator).endpoints(6, 13, 17)
    for i in range(6):
        expected = F.perspective(images[i], corners(13, 17), endpoints[i].tolist(), mode, [0.25] * 3)
        np.testing.assert_array_equal(out[i], expected)


def test_random_perspective_leaves_the_images_its_coins_skip():
    images = batch_of(40)
    out = RandomPerspective(0.5, p=0.5, generator=seeded(1))(images)
    skipped = numpy_generator(seeded(1)).random(40) >= 0.5
    assert 5 < skipped.sum() < 35
    np.testing.assert_array_equal(out[skipped], images[skipped])
    assert all(not np.array_equal(out[i], images[i]) for i in np.flatnonzero(~skipped))
    np.testing.assert_array_equal(RandomPerspective(p=0.0)(images), images)
    unfilled = RandomPerspective(0.9, p=1.0, fill=None, generator=seeded(2))(images)  # None: torchvision's 0
    np.testing.assert_array_equal(
        unfilled, RandomPerspective(0.9, p=1.0, fill=0, generator=seeded(2))(images)
    )
    everywhere = RandomPerspective(1.0, p=1.0, fill=[0.5], generator=seeded(3))(images)  # 1.0 is allowed
    assert (everywhere == np.float32(0.5)).any()


def test_random_perspective_corners_follow_torchvision_bands():
    # torchvision's get_params: a left corner's x in [0, int(d * (W // 2))], a right one's in
    # [W - int(d * (W // 2)) - 1, W - 1]; the same for y with H (transcribed from its source).
    height, width, scale = (
        13,
        33,
        0.8,
    )  # odd sizes: half the size is H // 2, not H / 2 (0.8 · 6 = 4.8, 0.8 · 6.5 = 5.2)
    ends = RandomPerspective(scale, generator=seeded(2)).endpoints(4000, height, width)
    dx, dy = int(scale * (width // 2)), int(scale * (height // 2))
    assert ends.shape == (4000, 4, 2) and ends.dtype.kind == "i"
    lows = [[0, 0], [width - dx - 1, 0], [width - dx - 1, height - dy - 1], [0, height - dy - 1]]
    highs = [[dx, dy], [width - 1, dy], [width - 1, height - 1], [dx, height - 1]]
    np.testing.assert_array_equal(ends.min(axis=0), lows)
    np.testing.assert_array_equal(ends.max(axis=0), highs)
    counts = np.bincount(ends[:, 0, 0], minlength=dx + 1)  # uniform over the band's dx + 1 values
    assert counts.min() > 4000 / (dx + 1) * 0.8
    no_distortion = RandomPerspective(0.0, generator=seeded(3)).endpoints(5, height, width)
    np.testing.assert_array_equal(no_distortion, np.broadcast_to(corners(height, width), (5, 4, 2)))


def test_batched_perspective_coefficients_and_grids_equal_one_at_a_time():
    ends = RandomPerspective(0.8, generator=seeded(5)).endpoints(7, 13, 17)
    together = perspective_coefficients(corners(13, 17), ends)
    assert together.shape == (7, 8) and together.dtype == np.float32
    apart = np.stack([perspective_coefficients(corners(13, 17), e) for e in ends])
    np.testing.assert_array_equal(together, apart)
    grids = perspective_grid(together, 13, 17, np.float32)
    assert grids.shape == (7, 13, 17, 2)
    for i in range(7):
        np.testing.assert_array_equal(grids[i], perspective_grid(together[i], 13, 17, np.float32)[0])
    starts = np.broadcast_to(corners(13, 17), (7, 4, 2))  # startpoints may be batched too
    np.testing.assert_array_equal(perspective_coefficients(starts, ends), together)
    with pytest.raises(ValueError, match="perspective: startpoints and endpoints must be four"):
        perspective_coefficients(corners(13, 17), ends[None])  # (1, 7, 4, 2): one axis too many
    # the corners staying put: the identity, a = e = 1 and the rest 0
    np.testing.assert_allclose(
        perspective_coefficients(corners(5, 9), corners(5, 9)), np.eye(3).flat[:8], atol=1e-6
    )


def test_random_perspective_checks_its_arguments_and_images():
    with pytest.raises(ValueError, match=r"RandomPerspective: distortion_scale must be in \[0, 1\], got 1.5"):
        RandomPerspective(1.5)
    with pytest.raises(ValueError, match=r"RandomPerspective: p must be in \[0, 1\]"):
        RandomPerspective(p=-0.1)
    for fill in ("white", ["white"]):
        with pytest.raises(TypeError, match="RandomPerspective: fill must be a number or a sequence"):
            RandomPerspective(fill=fill)
    with pytest.raises(ValueError, match="interpolation must be 'nearest' or 'bilinear'"):
        RandomPerspective(interpolation="bicubic")
    with pytest.raises(ValueError, match="RandomPerspective: fill has 2 values for images with 3 channels"):
        RandomPerspective(p=0.0, fill=[1, 2])(batch_of(2))  # refused even when no coin comes up
    leaf = autograd.tensor(batch_of(2), requires_grad=True)
    with pytest.raises(RuntimeError, match="require grad"):
        RandomPerspective(p=1.0)(leaf)
    assert repr(RandomPerspective(p=0.3)) == "RandomPerspective(p=0.3)"


def test_random_perspective_keeps_the_kind_of_input():
    one = autograd.tensor(batch_of(1)[0])
    out = RandomPerspective(p=1.0, generator=seeded(0))(one)
    assert isinstance(out, autograd.Tensor) and tuple(out.shape) == (3, 13, 17)
    assert RandomPerspective(p=1.0)(batch_of(0)).shape == (0, 3, 13, 17)


# ------------------------------------------------------------------ elastic_transform
def test_identity_grid_is_the_pixel_centres():
    grid = identity_grid(2, 4)
    np.testing.assert_allclose(grid[0, 0, :, 0], [-0.75, -0.25, 0.25, 0.75])
    np.testing.assert_allclose(grid[0, :, 0, 1], [-0.5, 0.5])
    assert grid.shape == (1, 2, 4, 2) and grid.dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.uint8, np.float64])
def test_elastic_transform_moves_pixels_by_the_displacement(dtype):
    images = batch_of(2, dtype, shape=(3, 6, 8))
    field = np.zeros((1, 6, 8, 2), np.float32)
    for mode in ("nearest", "bilinear"):
        np.testing.assert_allclose(F.elastic_transform(images, field, mode).astype(float), images, atol=1e-6)
    field[..., 0] = 2 / 8  # one pixel to the right in x: output column j reads input column j + 1
    field[..., 1] = -2 / 6  # one pixel up in y: output row i reads input row i - 1
    out = F.elastic_transform(images, field, "nearest", fill=[7, 7, 7])
    np.testing.assert_array_equal(out[:, :, 1:, :-1], images[:, :, :-1, 1:])
    assert (out[:, :, 0, :] == 7).all() and (out[:, :, :, -1] == 7).all()
    half = field * 0.5  # half a pixel right and up: bilinear averages four neighbours
    inner = F.elastic_transform(images, half, "bilinear").astype(np.float64)[:, :, 1:, :-1]
    source = images.astype(np.float64)
    expected = (
        source[:, :, :-1, :-1] + source[:, :, :-1, 1:] + source[:, :, 1:, :-1] + source[:, :, 1:, 1:]
    ) / 4
    np.testing.assert_allclose(
        inner, np.round(expected) if dtype == np.uint8 else expected, atol=1.0 if dtype == np.uint8 else 1e-5
    )


def test_elastic_transform_takes_one_field_per_image_and_checks_its_shape():
    images = batch_of(3, shape=(1, 5, 7))
    fields = np.random.default_rng(0).normal(0, 0.2, (3, 5, 7, 2)).astype(np.float32)
    together = F.elastic_transform(images, fields, "bilinear", fill=[0.5])
    for i in range(3):
        np.testing.assert_array_equal(
            together[i], F.elastic_transform(images[i], fields[i : i + 1], "bilinear", [0.5])
        )
    with pytest.raises(ValueError, match=r"elastic_transform: displacement must have shape \(1, 5, 7, 2\)"):
        F.elastic_transform(images, fields[:, :4])
    with pytest.raises(ValueError, match=r"one field per image, \(3, 5, 7, 2\)"):
        F.elastic_transform(images, np.zeros((2, 5, 7, 2), np.float32))
    with pytest.raises(
        ValueError, match=r"one field per image, \(1, 5, 7, 2\)\) for images of shape \(1, 5, 7\)"
    ):
        F.elastic_transform(images[0], np.zeros((2, 5, 7, 2), np.float32))


def test_elastic_transform_of_float64_images_samples_in_float64():
    images = batch_of(1, np.float64, shape=(1, 4, 6))
    field = np.zeros((1, 4, 6, 2))
    field[..., 0] = 2 / 6 / 3  # a third of a pixel to the right: a float32 grid would be off by ~1e-7
    out = F.elastic_transform(images, field, "bilinear")
    expected = images[..., :-1] * (2 / 3) + images[..., 1:] * (1 / 3)
    np.testing.assert_allclose(out[..., :-1], expected, rtol=0, atol=1e-13)


# ------------------------------------------------------------------ ElasticTransform
def test_elastic_displacements_are_torchvisions_blurred_noise():
    # torchvision's get_params: noise 2 U - 1 per axis, blurred with a kernel of int(8 sigma + 1) taps
    # (made odd) and the (sigma_x, sigma_y) pair, dx times alpha_x / W, dy times alpha_y / H (from its source)
    transform = ElasticTransform(alpha=[10.0, 30.0], sigma=[2.0, 1.4], generator=seeded(6))
    field = transform.displacements(3, 20, 28)
    draws = numpy_generator(seeded(6))
    noise = [draws.random((3, 1, 20, 28), dtype=np.float32) * 2 - 1 for _ in range(2)]
    dx = gaussian_blur(noise[0], [17, 17], [2.0, 1.4])[:, 0] * np.float32(10.0) / np.float32(28)
    dy = gaussian_blur(noise[1], [13, 13], [2.0, 1.4])[:, 0] * np.float32(30.0) / np.float32(20)
    np.testing.assert_array_equal(field, np.stack([dx, dy], axis=-1))
    assert field.dtype == np.float32 and not np.array_equal(field[0], field[1])
    assert [_odd_kernel(sigma) for sigma in (5.0, 1.4, 1.0, 0.875, 0.5)] == [41, 13, 9, 9, 5]
    light = ElasticTransform(alpha=1.0, sigma=0.5, generator=seeded(9)).displacements(
        1, 6, 8
    )  # 0 < σ < 1: blurred
    draws = numpy_generator(seeded(9))
    noise = draws.random((1, 1, 6, 8), dtype=np.float32) * 2 - 1
    np.testing.assert_array_equal(
        light[..., 0], gaussian_blur(noise, [5, 5], [0.5, 0.5])[:, 0] / np.float32(8)
    )
    raw = ElasticTransform(alpha=4.0, sigma=0.0, generator=seeded(7)).displacements(2, 6, 8)
    draws = numpy_generator(seeded(7))
    np.testing.assert_array_equal(
        raw[..., 0],
        (draws.random((2, 1, 6, 8), dtype=np.float32) * 2 - 1)[:, 0] * np.float32(4.0) / np.float32(8),
    )


def test_elastic_transform_warps_each_image_by_its_field():
    images = batch_of(4, np.uint8, shape=(3, 24, 24))
    out = ElasticTransform(alpha=20.0, sigma=2.0, interpolation="nearest", fill=3, generator=seeded(8))(
        images
    )
    fields = ElasticTransform(alpha=20.0, sigma=2.0, generator=seeded(8)).displacements(4, 24, 24)
    for i in range(4):
        np.testing.assert_array_equal(
            out[i], F.elastic_transform(images[i], fields[i : i + 1], "nearest", [3.0] * 3)
        )
    assert out.dtype == np.uint8 and not np.array_equal(out, images)


def test_elastic_transform_checks_its_arguments():
    with pytest.raises(
        TypeError, match=r"ElasticTransform: alpha must be a float or a sequence of floats, got 50 \(write"
    ):
        ElasticTransform(alpha=50)
    with pytest.raises(TypeError, match="ElasticTransform: sigma must be a sequence of floats"):
        ElasticTransform(sigma=[1, 2])
    with pytest.raises(
        ValueError, match="ElasticTransform: alpha as a sequence must hold 1 or 2 floats, got 3"
    ):
        ElasticTransform(alpha=[1.0, 2.0, 3.0])
    assert ElasticTransform(alpha=[3.0], sigma=(2.0, 1.0)).alpha == [3.0, 3.0]
    with pytest.raises(ValueError, match="gaussian_blur: kernel_size"):
        ElasticTransform(sigma=5.0)(batch_of(1, shape=(3, 16, 16)))  # 41 taps need images over 20 pixels
    assert repr(ElasticTransform()) == (
        "ElasticTransform(alpha=[50.0, 50.0], sigma=[5.0, 5.0], interpolation=bilinear, fill=[0.0])"
    )
