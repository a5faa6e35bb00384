"""``tt_vision.transforms.functional``'s geometry: torchvision's values, batched, tensors and arrays.

Beyond module 08's exercises: no module number. Pinned values were computed with torchvision 0.28
(``torchvision.transforms.functional`` on tensors, PyTorch 2.13 CPU) on the same inputs; flips,
crops and padding are exact, warps agree to float32 rounding (nearest: exactly).
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pytest
import tt_autograd as autograd
import tt_vision.transforms.functional as F
from tt_vision import transforms
from tt_vision.transforms_warp import perspective_coefficients

RAMP = np.arange(20, dtype=np.float32).reshape(1, 4, 5)  # one 4x5 image, pixel values 0 … 19


def test_both_import_spellings_give_the_same_module():
    from tt_vision.transforms import functional

    assert functional is F is transforms.functional
    assert importlib.import_module("tt_vision.transforms.functional") is F
    assert F.InterpolationMode.BILINEAR.value == "bilinear"


def test_dimensions_in_torchvisions_orders():
    batch = np.zeros((2, 3, 4, 5), np.uint8)
    assert F.get_dimensions(batch) == [3, 4, 5]
    assert F.get_image_size(autograd.zeros(3, 4, 5)) == [5, 4]  # width first, as torchvision
    assert F.get_image_num_channels(batch) == 3
    with pytest.raises(ValueError, match=r"get_dimensions: expected images \(B, C, H, W\).*\(4, 5\)"):
        F.get_dimensions(np.zeros((4, 5)))


def test_flips_and_crops_keep_kind_dtype_and_rank():
    batch = np.arange(2 * 3 * 4 * 5, dtype=np.uint8).reshape(2, 3, 4, 5)
    np.testing.assert_array_equal(F.hflip(batch), batch[..., ::-1])
    np.testing.assert_array_equal(F.vflip(batch), batch[..., ::-1, :])
    out = F.hflip(autograd.tensor(RAMP))
    assert isinstance(out, autograd.Tensor) and out.shape == (1, 4, 5)
    np.testing.assert_array_equal(out.numpy(), RAMP[..., ::-1])
    np.testing.assert_array_equal(F.crop(batch, 1, 2, 2, 3), batch[..., 1:3, 2:5])
    assert F.crop(batch, 1, 2, 2, 3).dtype == np.uint8 and F.crop(batch, 1, 2, 2, 3).flags.c_contiguous


@pytest.mark.parametrize(
    ("box", "expected"),
    [  # torchvision's crop pads with zeros where the box leaves the image
        ((-1, -2, 3, 4), [[0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 5, 6]]),
        ((3, 3, 2, 3), [[18, 19, 0], [0, 0, 0]]),
        ((5, 0, 1, 2), [[0, 0]]),  # wholly outside
        ((-2, 4, 3, 1), [[0], [0], [4]]),
    ],
)
def test_crop_outside_the_image_reads_zeros(box, expected):
    np.testing.assert_array_equal(F.crop(RAMP, *box)[0], expected)
    batch = np.stack([RAMP, RAMP + 1])
    out = F.crop(batch, *box)
    np.testing.assert_array_equal(out[1], F.crop(RAMP + 1, *box))
    assert out.shape == (2, 1, box[2], box[3])


def test_center_crop_and_five_and_ten_crops():
    np.testing.assert_array_equal(F.center_crop(RAMP, 2)[0], [[7, 8], [12, 13]])  # left: round(1.5) = 2
    np.testing.assert_array_equal(F.center_crop(RAMP, [3])[0], [[1, 2, 3], [6, 7, 8], [11, 12, 13]])
    tl, tr, bl, br, centre = F.five_crop(RAMP, (2, 3))
    for part, expected in zip(
        (tl, tr, bl, br, centre),
        (
            [[0, 1, 2], [5, 6, 7]],
            [[2, 3, 4], [7, 8, 9]],
            [[10, 11, 12], [15, 16, 17]],
            [[12, 13, 14], [17, 18, 19]],
            [[6, 7, 8], [11, 12, 13]],
        ),
    ):
        np.testing.assert_array_equal(part[0], expected)
    ten = F.ten_crop(RAMP, 2)
    assert len(ten) == 10
    np.testing.assert_array_equal(ten[5][0], [[4, 3], [9, 8]])  # the mirror's top-left
    np.testing.assert_array_equal(F.ten_crop(RAMP, 2, vertical_flip=True)[5][0], [[15, 16], [10, 11]])
    with pytest.raises(ValueError, match=r"five_crop: crop size \(5, 3\) is larger than the image \(4, 5\)"):
        F.five_crop(RAMP, (5, 3))
    with pytest.raises(ValueError, match=r"five_crop: crop size \(2, 6\) is larger"):
        F.five_crop(RAMP, (2, 6))


SMALL = np.arange(6, dtype=np.float32).reshape(1, 2, 3)


@pytest.mark.parametrize(
    ("padding", "mode", "expected"),
    [  # torchvision 0.28's values
        (
            [2, 1, 1, 1],
            "constant",
            [[7, 7, 7, 7, 7, 7], [7, 7, 0, 1, 2, 7], [7, 7, 3, 4, 5, 7], [7, 7, 7, 7, 7, 7]],
        ),
        (
            [2, 1, 1, 1],
            "edge",
            [[0, 0, 0, 1, 2, 2], [0, 0, 0, 1, 2, 2], [3, 3, 3, 4, 5, 5], [3, 3, 3, 4, 5, 5]],
        ),
        ([2, 1, 1, 0], "reflect", [[5, 4, 3, 4, 5, 4], [2, 1, 0, 1, 2, 1], [5, 4, 3, 4, 5, 4]]),
        (
            [2, 1, 1, 1],
            "symmetric",
            [[1, 0, 0, 1, 2, 2], [1, 0, 0, 1, 2, 2], [4, 3, 3, 4, 5, 5], [4, 3, 3, 4, 5, 5]],
        ),
        (1, "constant", [[7] * 5, [7, 0, 1, 2, 7], [7, 3, 4, 5, 7], [7] * 5]),
        ([1], "edge", [[0, 0, 1, 2, 2], [0, 0, 1, 2, 2], [3, 3, 4, 5, 5], [3, 3, 4, 5, 5]]),
        ([1, 0], "symmetric", [[0, 0, 1, 2, 2], [3, 3, 4, 5, 5]]),  # (left/right, top/bottom)
        ([-1, 1, 0, -1], "constant", [[7, 7], [1, 2]]),  # negative padding crops
        ([0, 0, 0, 0], "reflect", [[0, 1, 2], [3, 4, 5]]),
    ],
)
def test_pad_matches_torchvision(padding, mode, expected):
    out = F.pad(SMALL, padding, 7 if mode == "constant" else 0, mode)
    np.testing.assert_array_equal(out[0], expected)
    as_uint8 = (
        F.pad(autograd.tensor(SMALL.astype(np.uint8)[None]), padding, 7, mode) if mode == "constant" else None
    )
    if as_uint8 is not None:
        assert as_uint8.shape == (1, 1, *np.shape(expected)) and as_uint8.dtype == autograd.uint8
        np.testing.assert_array_equal(as_uint8.numpy()[0, 0], expected)


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        (([1, 2, 3],), ValueError, r"pad: padding must be an int or a 1, 2 or 4 element sequence"),
        (((1.5,),), TypeError, r"pad: padding must be ints"),
        ((True,), ValueError, r"pad: padding must be an int"),
        ((1, 0, "wrap"), ValueError, r"pad: padding_mode must be one of \('constant', 'edge', 'reflect'"),
        ((1, (1, 2, 3)), TypeError, r"pad: fill must be one number"),
        ((2, 0, "reflect"), ValueError, r"pad: reflect padding .* must be smaller than the image 2x3"),
        (
            ([0, 0, 3, 0], 0, "reflect"),
            ValueError,
            r"pad: reflect padding .* = \(0, 0, 0, 3\) must be smaller",
        ),
        ((3, 0, "symmetric"), ValueError, r"pad: symmetric padding .* at most the image 2x3"),
        (([0, 0, 4, 0], 0, "symmetric"), ValueError, r"pad: symmetric padding .* at most the image 2x3"),
    ],
)
def test_bad_padding_is_named(arguments, error, message):
    with pytest.raises(error, match=message):
        F.pad(SMALL, *arguments)


def test_symmetric_and_reflect_padding_at_their_limits():
    assert F.pad(SMALL, [0, 2, 0, 0], 0, "symmetric").shape == (1, 4, 3)  # as large as the image
    assert F.pad(SMALL, [2, 1, 2, 0], 0, "reflect").shape == (1, 3, 7)  # one less than it


def test_resize_and_resized_crop_match_torchvision():
    images = np.arange(2 * 2 * 6 * 8, dtype=np.float32).reshape(2, 2, 6, 8)
    expected = [
        [[108.828575, 110.4, 111.97143], [118.42857, 120.0, 121.57143], [128.02858, 129.6, 131.17143]],
        [[156.82857, 158.4, 159.97142], [166.42857, 168.0, 169.57143], [176.02858, 177.6, 179.17143]],
    ]
    out = F.resized_crop(autograd.tensor(images), 1, 2, 4, 5, [3, 3])
    np.testing.assert_allclose(out.numpy()[1], expected, rtol=2e-7, atol=0)
    bicubic = [
        [4.895399, 6.810924, 8.892006, 10.807532],
        [20.543934, 22.45946, 24.54054, 26.456066],
        [36.19247, 38.107994, 40.18908, 42.104607],
    ]
    np.testing.assert_allclose(F.resize(images[0], (3, 4), "bicubic")[0], bicubic, rtol=1e-6)
    np.testing.assert_array_equal(F.resized_crop(images, 0, 0, 6, 8, (6, 8)), images)  # nothing to resize
    assert F.resize(images, 3).shape == (2, 2, 3, 4)  # the shorter edge


def test_rotate_nearest_is_torchvisions_exactly():
    # torchvision 0.28: a 30° turn lands some samples on exact half pixels in float32, rounded to even
    expected = [[0, 2, 3, 9, 9], [1, 6, 7, 13, 14], [5, 6, 12, 13, 18], [10, 10, 16, 17, 0]]
    np.testing.assert_array_equal(F.rotate(RAMP, 30.0)[0], expected)
    filled = [
        [9, 2, 3, 9, 9],
        [1, 6, 7, 13, 14],
        [5, 6, 12, 13, 18],
        [10, 10, 16, 17, 9],
    ]  # the corners: fill
    np.testing.assert_array_equal(F.rotate(RAMP, 30.0, fill=[9.0])[0], filled)
    np.testing.assert_array_equal(F.rotate(RAMP, 30.0, fill=9)[0], filled)
    expanded = F.rotate(RAMP, 90.0, expand=True)[0]  # torchvision's size: 6 x 5 (its float32 corners)
    np.testing.assert_array_equal(
        expanded,
        [
            [4, 4, 14, 14, 0],
            [4, 4, 14, 14, 0],
            [2, 2, 12, 12, 0],
            [2, 2, 12, 12, 0],
            [0, 0, 10, 10, 0],
            [0, 0, 10, 10, 0],
        ],
    )
    assert F.rotate(RAMP, 45.0, expand=True).shape == (1, 8, 7)
    np.testing.assert_array_equal(F.rotate(RAMP, 0.0), RAMP)


def test_rotate_and_affine_bilinear_match_torchvision():
    rotated = [
        [0.864143, 0.686315, 0.899034, 0.468965, 0.0],
        [5.905445, 5.135037, 4.36463, 3.594222, 3.060142],
        [10.945929, 10.17552, 9.405112, 8.634704, 5.278861],
        [15.563661, 15.216004, 14.445597, 13.675187, 4.36515],
    ]
    np.testing.assert_allclose(F.rotate(RAMP, -20.0, "bilinear", center=[1, 1])[0], rotated, atol=1e-5)
    warped = [
        [1.981668, 6.940678, 6.998526, 7.056373, 7.114222],
        [5.772333, 11.827931, 11.885778, 11.943627, 12.001474],
        [7.531163, 11.409609, 16.536097, 16.83088, 16.888725],
        [2.0, 2.0, 1.964369, 2.646946, 4.369215],
    ]
    out = F.affine(
        autograd.tensor(RAMP), 15.0, [1, -1], 1.1, [10.0, 5.0], F.InterpolationMode.BILINEAR, fill=[2.0]
    )
    assert isinstance(out, autograd.Tensor)
    np.testing.assert_allclose(out.numpy()[0], warped, atol=1e-5)
    pixels = (np.arange(20, dtype=np.uint8) * 12).reshape(1, 4, 5)
    as_uint8 = F.affine(pixels, -25.0, [0, 1], 0.9, [0.0, 0.0], "bilinear")
    assert as_uint8.dtype == np.uint8  # rounded back, equal to torchvision's
    np.testing.assert_array_equal(
        as_uint8[0], [[0, 0, 0, 18, 0], [0, 11, 32, 72, 29], [6, 46, 87, 127, 123], [48, 101, 141, 182, 222]]
    )
    # shear as one angle is (angle, 0); as [s] it is (s, s), torchvision's rules
    np.testing.assert_array_equal(
        F.affine(RAMP, 0, [0, 0], 1.0, 20.0), F.affine(RAMP, 0, [0, 0], 1.0, [20.0, 0.0])
    )
    np.testing.assert_array_equal(
        F.affine(RAMP, 0, [0, 0], 1.0, [20.0]), F.affine(RAMP, 0, [0, 0], 1.0, [20.0, 20.0])
    )


def test_perspective_matches_torchvision():
    corners, moved = [[0, 0], [4, 0], [4, 3], [0, 3]], [[1, 0], [4, 1], [3, 3], [0, 2]]
    expected = [
        [0.382653, 0.331633, 0.75, 0.188775, 0.0],
        [6.454082, 7.000001, 6.000001, 5.000001, 2.387753],
        [15.0, 14.0, 13.000001, 12.0, 0.719385],
        [0.0, 3.658165, 11.709183, 11.984684, 0.0],
    ]
    np.testing.assert_allclose(F.perspective(RAMP, corners, moved)[0], expected, atol=1e-5)
    np.testing.assert_array_equal(F.perspective(RAMP, corners, corners, "nearest"), RAMP)
    with pytest.raises(
        ValueError, match=r"perspective: startpoints and endpoints must be four \[x, y\] corners"
    ):
        F.perspective(RAMP, corners[:3], moved)


def test_warps_take_batches_float64_and_per_channel_fill():
    rng = np.random.default_rng(0)
    batch = rng.random((3, 2, 6, 7))  # float64 stays float64
    out = F.rotate(batch, 33.0, "bilinear", fill=[5.0, 6.0])
    assert out.dtype == np.float64 and out.shape == batch.shape
    for image in range(3):
        np.testing.assert_array_equal(out[image], F.rotate(batch[image], 33.0, "bilinear", fill=[5.0, 6.0]))
    assert (
        np.isclose(out[0, 0, 0, 0], 5.0, atol=1.0) and out[0, 1, 0, 0] > out[0, 0, 0, 0]
    )  # the corner is fill
    with pytest.raises(ValueError, match="rotate: fill has 3 values for images with 2 channels; give 1 or 2"):
        F.rotate(batch, 10.0, fill=[1, 2, 3])
    with pytest.raises(ValueError, match="rotate: interpolation must be 'nearest' or 'bilinear'"):
        F.rotate(batch, 10.0, "bicubic")
    with pytest.raises(ValueError, match=r"rotate: center must be \(x, y\)"):
        F.rotate(batch, 10.0, center=[1])
    with pytest.raises(TypeError, match="affine: images must be float or integer, got bool"):
        F.affine(batch > 0.5, 10.0, [0, 0], 1.0, 0.0)
    with pytest.raises(ValueError, match="affine: scale must be positive, got 0"):
        F.affine(batch, 10.0, [0, 0], 0, 0.0)
    with pytest.raises(ValueError, match=r"affine: translate must be \(dx, dy\)"):
        F.affine(batch, 10.0, [1], 1.0, 0.0)
    with pytest.raises(ValueError, match=r"affine: shear must be one angle or \(sx, sy\)"):
        F.affine(batch, 10.0, [0, 0], 1.0, [1.0, 2.0, 3.0])


def test_normalize_and_to_tensor_are_the_transforms():
    pixels = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)  # (H, W, C)
    tensor = F.to_tensor(pixels)
    assert tensor.shape == (3, 2, 4) and tensor.dtype == autograd.float32
    np.testing.assert_allclose(tensor.numpy(), pixels.transpose(2, 0, 1) / 255, rtol=1e-6)
    assert F.to_tensor(pixels[..., 0]).shape == (1, 2, 4)  # (H, W): one channel
    out = F.normalize(tensor, (0.5, 0.5, 0.5), (0.25, 0.25, 0.25))
    np.testing.assert_allclose(out.numpy(), (tensor.numpy() - 0.5) / 0.25, rtol=1e-6)


def test_crop_arguments_are_checked():
    with pytest.raises(
        TypeError, match=r"crop: top, left, height and width must be ints, got \(1.5, 0, 2, 2\)"
    ):
        F.crop(RAMP, 1.5, 0, 2, 2)
    with pytest.raises(
        ValueError, match=r"crop: size must be a positive int or \(height, width\), got \(0, 2\)"
    ):
        F.crop(RAMP, 0, 0, 0, 2)
    np.testing.assert_array_equal(F.crop(RAMP, np.int64(1), 0, 1, 2)[0], [[5, 6]])  # NumPy ints are ints
    np.testing.assert_array_equal(F.five_crop(RAMP, [2])[0][0], [[0, 1], [5, 6]])  # [size] is size
    whole = F.five_crop(RAMP, (4, 5))  # as large as the image: five copies of it
    assert all(np.array_equal(part, RAMP) for part in whole)


@pytest.mark.parametrize(
    ("padding", "mode", "expected"),
    [  # torchvision 0.28's values: negative sides crop first
        ([0, 1, -1, 0], "constant", [[7, 7], [0, 1], [3, 4]]),
        ([1, -1, -1, 1], "edge", [[3, 3, 4], [3, 3, 4]]),
        ([3, 0, 3, 0], "symmetric", [[2, 1, 0, 0, 1, 2, 2, 1, 0], [5, 4, 3, 3, 4, 5, 5, 4, 3]]),
    ],
)
def test_pad_with_negative_and_wide_sides(padding, mode, expected):
    np.testing.assert_array_equal(F.pad(SMALL, padding, 7 if mode == "constant" else 0, mode)[0], expected)


@pytest.mark.parametrize(
    ("padding", "mode"),
    [([-1, 0, 2, 0], "reflect"), ([3, 0, 0, 0], "reflect"), ([4, 0, 0, 0], "symmetric")],
)
def test_pad_limits_apply_to_each_side_after_cropping(padding, mode):
    with pytest.raises(ValueError, match=f"pad: {mode} padding"):
        F.pad(SMALL, padding, 0, mode)


def test_warps_about_a_given_centre_match_torchvision():
    # torchvision 0.28's values; the centres are not symmetric, so x and y cannot be swapped
    np.testing.assert_array_equal(
        F.rotate(RAMP, 30.0, center=[1, 3])[0],
        [[1, 7, 8, 14, 0], [6, 7, 13, 13, 19], [10, 11, 17, 18, 0], [15, 16, 0, 0, 0]],
    )
    expanded = F.rotate(RAMP, 30.0, expand=True, center=[0, 0])[0]  # expand about a corner: 6 x 7
    np.testing.assert_array_equal(
        expanded,
        [
            [0, 0, 1, 2, 8, 9, 0],
            [0, 0, 6, 6, 12, 13, 19],
            [0, 0, 10, 11, 17, 18, 0],
            [0, 0, 10, 15, 16, 0, 0],
            [0] * 7,
            [0] * 7,
        ],
    )
    # torchvision's expanded sizes about other corners (each corner of the image decides one of them)
    assert F.rotate(RAMP, 120.0, expand=True, center=[5, 4]).shape == (1, 7, 6)
    below = F.rotate(RAMP, -30.0, expand=True, center=[0, 4])[0]
    assert below.shape == (6, 7)
    lower = [
        [0, 0, 5, 0, 1, 0, 0],
        [0, 0, 5, 6, 2, 3, 0],
        [0, 15, 11, 11, 7, 8, 4],
        [0, 0, 16, 17, 13, 14, 0],
    ]
    np.testing.assert_array_equal(below[2:], lower)
    np.testing.assert_array_equal(
        F.affine(RAMP, 25.0, [1, 0], 1.0, [0.0, 0.0], center=[4, 1])[0],
        [[0, 10, 6, 7, 3], [15, 11, 11, 12, 8], [0, 16, 17, 13, 14], [0, 0, 0, 18, 19]],
    )
    sheared = [
        [0.0, 0.4540448, 1.4540447, 2.4540446, 3.4540446],
        [4.0900745, 5.818015, 6.818015, 7.8180146, 8.818015],
        [10.181985, 11.181985, 12.181985, 13.181986, 11.452211],
        [15.545956, 16.545956, 17.545956, 18.545956, 8.626852],
    ]  # one shear angle: along x only
    np.testing.assert_allclose(F.affine(RAMP, 0.0, [0, 0], 1.0, 20.0, "bilinear")[0], sheared, atol=1e-5)


def test_a_true_perspective_matches_torchvision():
    corners, moved = [[0, 0], [4, 0], [4, 3], [0, 3]], [[1, 1], [4, 0], [3, 3], [0, 2]]
    np.testing.assert_allclose(
        perspective_coefficients(corners, moved),
        [-5.0, -5.0, 10.0, -1.875, -5.625, 7.5, -0.875, -1.125],
        rtol=1e-6,
    )
    expected = [
        [np.nan, 0.0, 1.1785715, 4.3809524, 6.642857],  # a NaN position (0 / 0) reads NaN, as torchvision
        [2.9166665, 8.875, 10.26087, 11.0, 11.45946],
        [15.888888, 15.2, 14.8125, 14.564102, 14.391304],
        [10.671812, 17.499136, 17.365852, 16.791666, 16.363636],
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division warning for the point at infinity
        np.testing.assert_allclose(F.perspective(RAMP, corners, moved)[0], expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(
        F.perspective(RAMP, corners, moved, "nearest")[0],
        [[0, 0, 2, 3, 9], [5, 7, 8, 14, 14], [17, 13, 13, 14, 14], [17, 18, 18, 19, 14]],
    )


def test_one_pixel_wide_images_warp():
    column = np.arange(1, 5, dtype=np.float32).reshape(1, 4, 1)  # torchvision 0.28's values
    np.testing.assert_array_equal(F.rotate(column, 90.0)[0], [[0], [3], [3], [0]])
    np.testing.assert_array_equal(F.rotate(column.reshape(1, 1, 4), 90.0)[0], [[0, 3, 3, 0]])
    np.testing.assert_array_equal(F.rotate(column, 30.0)[0], [[0], [2], [3], [0]])


def test_float64_images_are_warped_in_float64():
    images = np.random.default_rng(0).random((2, 3, 6, 6))
    quarter = F.rotate(images, 90.0, "bilinear")  # counter-clockwise: np.rot90's sense
    np.testing.assert_allclose(quarter, np.rot90(images, 1, axes=(-2, -1)), rtol=0, atol=1e-13)
    half = F.affine(images, 180.0, [0, 0], 1.0, 0.0, "bilinear")
    np.testing.assert_allclose(half, images[..., ::-1, ::-1], rtol=0, atol=1e-13)
    square = [[0, 0], [5, 0], [5, 5], [0, 5]]
    np.testing.assert_allclose(F.perspective(images, square, square), images, rtol=0, atol=1e-12)


def test_images_that_require_grad_are_refused_not_silently_detached():
    # the transforms run on arrays: a tensor that requires grad would lose its gradient (PyTorch's keep it)
    images = autograd.rand(2, 3, 8, 8, requires_grad=True)
    for call in (
        lambda: F.hflip(images),
        lambda: F.rotate(images, 10.0),
        lambda: transforms.Normalize((0.5,) * 3, (0.2,) * 3)(images),
    ):
        with pytest.raises(
            RuntimeError, match=r"outside autograd, and the images require grad.*images\.detach\(\)"
        ):
            call()
    with autograd.no_grad():  # under no_grad nothing is lost
        assert F.hflip(images).shape == (2, 3, 8, 8)
    assert F.hflip(images.detach()).shape == (2, 3, 8, 8)


def test_pad_refuses_repeating_from_a_cropped_away_image():
    # top -1 crops the one row away: 'edge' has nothing to repeat (NumPy's error before); constant still pads
    one_pixel = np.zeros((1, 1, 1), np.uint8)
    with pytest.raises(ValueError, match=r"pad: the negative padding crops the image to nothing \(0x1\)"):
        F.pad(one_pixel, [2, -1, 0, 1], padding_mode="edge")
    assert F.pad(one_pixel, [2, -1, 0, 1]).shape == (1, 1, 3)


def test_perspective_nearest_breaks_ties_as_torchvision():
    # sums and the index-weighted sum of torchvision 0.28's TF.perspective on the same uint8 image; the
    # grid summed as x·r0 + y·r1 + r2 (PyTorch's bmm order) lands on the same pixels (a matmul gave 3 others)
    image = (np.random.default_rng(7).random((3, 5, 6)) * 255).astype(np.uint8)
    out = F.perspective(image, [[0, 0], [5, 0], [5, 4], [0, 4]], [[1, 1], [5, 2], [4, 3], [2, 2]], "nearest")
    values = out.astype(np.int64)
    assert values.sum() == 1555 and (values * np.arange(values.size).reshape(values.shape)).sum() == 66743
