"""``Resize`` and ``CenterCrop``: torchvision's size rules, values, and refusals.

Beyond module 08's exercises: no module number. Expected sizes and offsets follow torchvision's
documented rules (worked out by hand below); resized values are F.interpolate's, itself tested
against PyTorch (tt-nn's test_interpolate_antialias.py).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn.functional as F
from tt_vision.transforms import CenterCrop, Compose, Normalize, Resize, split_pixel_steps


@pytest.mark.parametrize(
    ("size", "max_size", "shape", "expected"),
    [
        (16, None, (30, 40), (16, 21)),  # 16 * 40 / 30 = 21.3 -> 21
        (16, None, (40, 30), (21, 16)),  # portrait: the width is the shorter edge
        (16, 20, (30, 40), (15, 20)),  # the long edge 21 > 20: 20 * 16 / 21 = 15.2 -> 15
        (16, 30, (30, 40), (16, 21)),  # under the cap: unchanged
        ((10, 12), None, (30, 40), (10, 12)),
        ([7], None, (30, 40), (7, 9)),  # a one-element list is one int, as torchvision
    ],
)
def test_output_sizes_follow_torchvisions_rules(size, max_size, shape, expected):
    images = autograd.rand(2, 3, *shape)
    assert Resize(size, max_size=max_size)(images).shape == (2, 3, *expected)
    assert Resize(size, max_size=max_size).output_size(*shape) == expected


def test_values_are_interpolates_with_antialias_for_bilinear_and_bicubic_only():
    images = autograd.tensor(np.random.default_rng(0).random((2, 3, 30, 40), dtype=np.float32))
    for mode, antialias in (
        ("bilinear", True),
        ("bicubic", True),
        ("nearest", False),
        ("nearest-exact", False),
    ):
        expected = F.interpolate(images, size=(16, 21), mode=mode, antialias=antialias).numpy()
        np.testing.assert_array_equal(Resize(16, interpolation=mode)(images).numpy(), expected)
    plain = F.interpolate(images, size=(16, 21), mode="bilinear").numpy()
    np.testing.assert_array_equal(Resize(16, antialias=False)(images).numpy(), plain)
    one = Resize((5, 6))(images.numpy()[0])  # one image as an array: an array back, (C, h, w)
    assert isinstance(one, np.ndarray) and one.shape == (3, 5, 6)
    assert Resize((30, 40))(images) is images  # nothing to do


def test_integer_images_are_rounded_and_clamped_into_their_dtype():
    pixels = np.zeros((1, 1, 4, 4), np.uint8)
    pixels[..., 2:] = 255  # a sharp edge: bicubic overshoots below 0 and above 255
    out = Resize((8, 8), interpolation="bicubic")(pixels)
    floats = F.interpolate(
        autograd.tensor(pixels.astype(np.float32)), size=(8, 8), mode="bicubic", antialias=True
    )
    assert floats.numpy().min() < 0 and floats.numpy().max() > 255
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, np.clip(np.round(floats.numpy()), 0, 255).astype(np.uint8))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"size": 16, "interpolation": "area"}, "interpolation must be one of"),
        ({"size": (16, 16), "max_size": 20}, "max_size applies only when size is one int"),
        ({"size": 0}, "size must be a positive int"),
        ({"size": (3, 4, 5)}, r"size must be a positive int or \(height, width\)"),
        ({"size": True}, "size must be a positive int"),
        ({"size": (4, 2.0)}, "size must be a positive int"),
    ],
)
def test_bad_arguments_are_named(arguments, message):
    with pytest.raises(ValueError, match=f"Resize: {message}"):
        Resize(**arguments)
    with pytest.raises(ValueError, match=r"max_size \(16\) must be larger than size \(16\)"):
        Resize(16, max_size=16)(autograd.rand(1, 1, 4, 6))
    with pytest.raises(TypeError, match="Resize: bool images are not supported"):
        Resize(2)(np.ones((1, 1, 4, 4), bool))
    assert Resize((1, 1))(autograd.rand(2, 3, 4, 4)).shape == (2, 3, 1, 1)  # the smallest size


@pytest.mark.parametrize(
    ("height", "crop", "top"),
    [
        (6, 2, 2),
        (5, 2, 2),
        (7, 2, 2),
        (9, 2, 4),
        (4, 4, 0),
    ],  # round((H - h) / 2): 1.5 -> 2, 2.5 -> 2, 3.5 -> 4
)
def test_center_crop_offsets_use_pythons_rounding(height, crop, top):
    images = np.arange(2 * 1 * height * height, dtype=np.float32).reshape(2, 1, height, height)
    out = CenterCrop(crop)(images)
    np.testing.assert_array_equal(out, images[..., top : top + crop, top : top + crop])


def test_center_crop_pads_only_the_axes_that_need_it():
    image = np.arange(16.0).reshape(1, 1, 4, 4)
    expected = [[0, 4, 5, 6, 7, 0, 0], [0, 8, 9, 10, 11, 0, 0]]  # width 4 -> 7: 1 column before, 2 after
    np.testing.assert_array_equal(CenterCrop((2, 7))(image)[0, 0], expected)
    pair = np.array([[[[1.0, 2.0], [3.0, 4.0]]], [[[5.0, 6.0], [7.0, 8.0]]]])  # two images (2, 1, 2, 2)
    out = CenterCrop([(6, 3)][0])(pair)  # height 2 -> 6: 2 rows before, 2 after; width 2 -> 3: 1 after
    assert out.shape == (2, 1, 6, 3)
    np.testing.assert_array_equal(
        out[1, 0], [[0, 0, 0], [0, 0, 0], [5, 6, 0], [7, 8, 0], [0, 0, 0], [0, 0, 0]]
    )
    assert CenterCrop([3])(image).shape == (1, 1, 3, 3)  # a one-element list is one int
    tall = CenterCrop((6, 2))(image)[0, 0]  # height 4 -> 6 (1 row each side); width cut, columns 1-2
    np.testing.assert_array_equal(tall, [[0, 0], [1, 2], [5, 6], [9, 10], [13, 14], [0, 0]])
    wide = CenterCrop((2, 6))(image)[0, 0]  # width 4 -> 6: 1 column each side; rows 1-2
    np.testing.assert_array_equal(wide, [[0, 4, 5, 6, 7, 0], [0, 8, 9, 10, 11, 0]])


def test_center_crop_pads_a_small_image_with_zeros_the_extra_pixel_last():
    image = autograd.ones(3, 2, 3)  # one image (C, H, W) as a tensor: a tensor back
    out = CenterCrop((5, 4))(image)
    assert isinstance(out, autograd.Tensor) and out.shape == (3, 5, 4)
    expected = np.zeros((3, 5, 4), np.float32)
    expected[:, 1:3, 0:3] = 1  # rows: 3 to add, 1 above and 2 below; columns: 1 to add, after
    np.testing.assert_array_equal(out.numpy(), expected)
    with pytest.raises(ValueError, match="CenterCrop: size must be a positive int"):
        CenterCrop((0, 3))


def test_center_crop_runs_on_raw_pixels_resize_does_not():
    crop, resize, norm = CenterCrop(4), Resize(4), Normalize((0.5,), (0.5,))
    assert split_pixel_steps(Compose([crop, resize, norm])) == ([crop], [resize, norm])
    assert repr(crop) == "CenterCrop(size=(4, 4))"
    assert repr(resize) == "Resize(size=4, interpolation=bilinear, max_size=None, antialias=True)"
