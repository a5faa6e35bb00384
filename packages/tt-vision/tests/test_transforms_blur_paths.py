"""gaussian_blur's two forms along an axis: a matrix product (axis of at most 24 kernel widths) or passes.

Both against the definition: the 2-D convolution, loop by loop (``reference.conv2d``), of the
reflect-padded image (``np.pad``'s ``'reflect'``, torchvision's) with the outer product of the two
normalised Gaussians, in float64; and the matrices themselves against hand-built rows.
"""

from __future__ import annotations

import numpy as np
import pytest
from tt_vision import transforms_blur_erase as blur
from tt_vision.transforms import functional as F


def gaussian(size: int, sigma: float) -> np.ndarray:
    offsets = np.arange(size) - size // 2
    weights = np.exp(-0.5 * (offsets / sigma) ** 2)
    return weights / weights.sum()


def by_definition(reference, images, sizes, sigmas):
    """Each image convolved with ``outer(gy, gx)`` over its reflect padding."""
    (kx, ky), out = sizes, []
    for image, (sx, sy) in zip(images, sigmas):
        padded = np.pad(image, ((0, 0), (ky // 2, ky // 2), (kx // 2, kx // 2)), mode="reflect")
        kernel = np.outer(gaussian(ky, sy), gaussian(kx, sx))
        channels = padded.shape[0]
        weight = np.zeros((channels, channels, ky, kx))
        weight[np.arange(channels), np.arange(channels)] = kernel
        out.append(reference.conv2d(padded[None], weight)[0])
    return np.stack(out)


@pytest.mark.parametrize(
    ("shape", "sizes", "paths"),
    [
        ((3, 2, 9, 11), (7, 5), "matrix on both axes"),
        ((2, 2, 8, 80), (3, 5), "matrix along y, passes along x (80 > 24 · 3)"),
        ((2, 1, 130, 7), (3, 5), "passes along y (130 > 24 · 5), matrix along x"),
    ],
)
def test_gaussian_blur_is_the_2d_convolution_of_the_reflected_image(reference, rng, shape, sizes, paths):
    images = rng.uniform(0, 1, shape)
    sigmas = rng.uniform(0.5, 2.5, (shape[0], 2))
    ours = F.gaussian_blur(images, list(sizes), sigmas)
    np.testing.assert_allclose(ours, by_definition(reference, images, sizes, sigmas), rtol=1e-12, atol=1e-14)


def test_both_forms_agree_to_rounding_and_an_axis_of_24_kernel_widths_takes_the_matrix(rng):
    images = rng.uniform(0, 1, (4, 3, 73, 72)).astype(np.float32)  # x: 72 = 24 · 3, matrix; y: 73, passes
    blurred = F.gaussian_blur(images, 3, [1.1, 0.6])
    kernel_x, kernel_y = (blur._kernels(3, np.array([s]), np.float32) for s in (1.1, 0.6))
    kept = blur.MATRIX_RATIO
    try:
        blur.MATRIX_RATIO = 0
        y_passes = blur._blurred(images, kernel_y, 2)
        passes = blur._blurred(y_passes, kernel_x, 3)
        blur.MATRIX_RATIO = 10**6
        x_matrix = blur._blurred(y_passes, kernel_x, 3)
        matrices = blur._blurred(blur._blurred(images, kernel_y, 2), kernel_x, 3)
    finally:
        blur.MATRIX_RATIO = kept
    np.testing.assert_array_equal(blurred, x_matrix)
    np.testing.assert_allclose(matrices, passes, rtol=0, atol=3e-7)
    assert not np.array_equal(blurred, passes) and not np.array_equal(blurred, matrices)  # they round apart


def test_blur_matrices_fold_the_reflected_taps_onto_their_mirror_pixels():
    kernel = np.array([[1.0, 2.0, 4.0, 8.0, 16.0]])  # offsets -2 … 2
    matrix = blur.blur_matrices(kernel, 4)[0]
    # row 0 reads pixels 2, 1, 0, 1, 2 (reflect about pixel 0); row 3 reads 1, 2, 3, 2, 1
    np.testing.assert_array_equal(matrix[0], [4.0, 2.0 + 8.0, 1.0 + 16.0, 0.0])
    np.testing.assert_array_equal(matrix[1], [2.0, 1.0 + 4.0, 8.0, 16.0])
    np.testing.assert_array_equal(matrix[2], [1.0, 2.0, 4.0 + 16.0, 8.0])
    np.testing.assert_array_equal(matrix[3], [0.0, 1.0 + 16.0, 2.0 + 8.0, 4.0])
    two = blur.blur_matrices(np.stack([kernel[0], kernel[0][::-1]]), 4)
    np.testing.assert_array_equal(two[0], matrix)
    np.testing.assert_array_equal(two[1], matrix[::-1, ::-1])  # the mirrored kernel: the mirrored matrix
