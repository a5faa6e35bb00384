"""torchvision's random geometric transforms, batched: parameters drawn per image, pixels moved at once.

Beyond module 08's exercises: no module number. Given their parameters, the transforms must give
the functional forms' values (themselves pinned to torchvision 0.28's in
test_transforms_functional_geometry.py); the parameters must follow torchvision's distributions,
checked against a plain transcription of its ``get_params`` on a few thousand draws.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor
import tt_vision.transforms.functional as F
from tt_vision.transforms import (
    Compose,
    FiveCrop,
    Lambda,
    Pad,
    RandomAffine,
    RandomApply,
    RandomChoice,
    RandomOrder,
    RandomResizedCrop,
    RandomRotation,
    RandomVerticalFlip,
    TenCrop,
    split_pixel_steps,
)


def batch_of(n: int, dtype=np.float32, shape=(3, 13, 17), seed=0) -> np.ndarray:
    values = np.random.default_rng(seed).random((n, *shape))
    return (values * 255).astype(np.uint8) if dtype == np.uint8 else values.astype(dtype)


def test_vertical_flip_per_image_and_seeded():
    images = batch_of(64, np.uint8)
    out = RandomVerticalFlip(generator=tt_tensor.Generator().manual_seed(3))(images)
    flipped = np.array([np.array_equal(o, i[:, ::-1]) for o, i in zip(out, images)])
    kept = np.array([np.array_equal(o, i) for o, i in zip(out, images)])
    assert (flipped | kept).all() and 15 < flipped.sum() < 49  # each image one or the other, about half
    again = RandomVerticalFlip(generator=tt_tensor.Generator().manual_seed(3))(images)
    np.testing.assert_array_equal(out, again)
    np.testing.assert_array_equal(RandomVerticalFlip(p=1.0)(images), images[:, :, ::-1])
    np.testing.assert_array_equal(RandomVerticalFlip(p=0.0)(images), images)
    one = RandomVerticalFlip(p=1.0)(autograd.tensor(images[0]))
    assert isinstance(one, autograd.Tensor)
    np.testing.assert_array_equal(one.numpy(), images[0, :, ::-1])
    with pytest.raises(ValueError, match=r"RandomVerticalFlip: p must be in \[0, 1\], got 1.5"):
        RandomVerticalFlip(1.5)
    assert RandomVerticalFlip.pixel_exact and repr(RandomVerticalFlip(0.3)) == "RandomVerticalFlip(p=0.3)"


def test_pad_and_crops_are_the_functional_forms():
    images = batch_of(2)
    np.testing.assert_array_equal(Pad([1, 2], 0, "reflect")(images), F.pad(images, [1, 2], 0, "reflect"))
    np.testing.assert_array_equal(Pad(3, fill=0.5)(images), F.pad(images, 3, 0.5))
    assert Pad(2).pixel_exact and Pad(2, padding_mode="edge").pixel_exact and not Pad(2, fill=1).pixel_exact
    assert len(split_pixel_steps(Compose([Pad(2), RandomVerticalFlip(), Pad(1, 3)]))[0]) == 2
    with pytest.raises(ValueError, match="Pad: padding must be an int or a 1, 2 or 4 element sequence"):
        Pad([1, 2, 3])
    with pytest.raises(ValueError, match="Pad: padding_mode must be one of"):
        Pad(1, padding_mode="circular")
    for ours, expected in zip(FiveCrop(5)(images), F.five_crop(images, 5)):
        np.testing.assert_array_equal(ours, expected)
    ten = TenCrop([4, 6], vertical_flip=True)(images)
    for ours, expected in zip(ten, F.ten_crop(images, (4, 6), True)):
        np.testing.assert_array_equal(ours, expected)
    assert len(ten) == 10 and ten[0].shape == (2, 3, 4, 6)
    assert repr(TenCrop(4)) == "TenCrop(size=(4, 4), vertical_flip=False)"


def torchvision_box(height, width, scale, ratio, draw: random.Random):
    """torchvision 0.28's ``RandomResizedCrop.get_params``, transcribed (Python's random for torch's)."""
    area = height * width
    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(10):
        target_area = area * draw.uniform(*scale)
        aspect_ratio = math.exp(draw.uniform(*log_ratio))
        w = int(round(math.sqrt(target_area * aspect_ratio)))
        h = int(round(math.sqrt(target_area / aspect_ratio)))
        if 0 < w <= width and 0 < h <= height:
            return draw.randint(0, height - h), draw.randint(0, width - w), h, w
    in_ratio = width / height
    if in_ratio < min(ratio):
        w, h = width, int(round(width / min(ratio)))
    elif in_ratio > max(ratio):
        h, w = height, int(round(height * max(ratio)))
    else:
        w, h = width, height
    return (height - h) // 2, (width - w) // 2, h, w


@pytest.mark.parametrize(
    ("scale", "ratio"), [((0.08, 1.0), (3 / 4, 4 / 3)), ((0.08, 0.5), (1.0, 1.0)), ((0.6, 1.0), (0.5, 3.0))]
)
def test_resized_crop_boxes_follow_torchvisions_distribution(scale, ratio):
    draws = 4000
    boxes = RandomResizedCrop(5, scale, ratio, generator=tt_tensor.Generator().manual_seed(1)).boxes(
        draws, 13, 17
    )
    draw = random.Random(2)
    reference = np.array([torchvision_box(13, 17, scale, ratio, draw) for _ in range(draws)])
    top, left, h, w = boxes.T
    assert (top >= 0).all() and (left >= 0).all() and (top + h <= 13).all() and (left + w <= 17).all()
    for column in range(4):  # the same mean and spread of every coordinate
        assert abs(boxes[:, column].mean() - reference[:, column].mean()) < 0.25
        assert abs(boxes[:, column].std() - reference[:, column].std()) < 0.25
    sizes, counts = np.unique(boxes[:, 2] * 100 + boxes[:, 3], return_counts=True)
    reference_sizes, reference_counts = np.unique(reference[:, 2] * 100 + reference[:, 3], return_counts=True)
    ours, theirs = dict(zip(sizes, counts / draws)), dict(zip(reference_sizes, reference_counts / draws))
    distance = 0.5 * sum(abs(ours.get(k, 0) - theirs.get(k, 0)) for k in set(ours) | set(theirs))
    assert distance < 0.1  # total variation over the (h, w) sizes; a wrong range or rounding gives > 0.3


@pytest.mark.parametrize(
    ("scale", "ratio", "box"),
    [  # no try fits: torchvision's central fallback, values from its get_params
        ((0.5, 1.0), (0.2, 0.3), (0, 6, 13, 4)),  # the image is wider than the ratio allows
        ((0.9, 1.0), (3.0, 4.0), (3, 0, 6, 17)),  # narrower
        ((1.0, 1.0), (1.0, 1.0), (0, 2, 13, 13)),  # 15 x 15 does not fit: the widest square
        ((1.0, 1.0), (1.5, 2.0), (1, 0, 11, 17)),  # ratios from 1.5: the full width, height 17 / 1.5
    ],
)
def test_resized_crop_fallback_is_central(scale, ratio, box):
    boxes = RandomResizedCrop(4, scale, ratio).boxes(6, 13, 17)
    np.testing.assert_array_equal(boxes, [box] * 6)


def test_resized_crop_values_are_each_images_resized_crop():
    images = batch_of(5, shape=(2, 12, 15))
    boxes = np.array([[0, 0, 12, 15], [1, 2, 9, 11], [3, 3, 2, 4], [0, 5, 12, 3], [6, 1, 6, 14]])
    for mode in ("bilinear", "bicubic", "nearest", "nearest-exact"):
        transform = RandomResizedCrop((7, 8), interpolation=mode)
        out = transform.crop_resize(images, boxes)
        expected = np.stack([F.resized_crop(image, *box, (7, 8), mode) for image, box in zip(images, boxes)])
        np.testing.assert_allclose(out, expected, rtol=0, atol=3e-6 if mode.startswith("bi") else 0)
    unfiltered = RandomResizedCrop((3, 4), antialias=False).crop_resize(images, boxes)
    np.testing.assert_allclose(
        unfiltered[1], F.resized_crop(images[1], 1, 2, 9, 11, (3, 4), antialias=False), atol=3e-6
    )
    pixels = batch_of(5, np.uint8, shape=(2, 12, 15))
    out = RandomResizedCrop((20, 9)).crop_resize(autograd.tensor(pixels), boxes)
    assert isinstance(out, autograd.Tensor) and out.dtype == autograd.uint8 and out.shape == (5, 2, 20, 9)
    expected = np.stack([F.resized_crop(image, *box, (20, 9)) for image, box in zip(pixels, boxes)])
    assert (
        np.abs(out.numpy().astype(int) - expected).max() <= 1
    )  # float sums in another order: a half may round apart
    assert (out.numpy() == expected).mean() > 0.99


def test_resized_crop_pinned_to_torchvision():
    images = np.arange(2 * 2 * 6 * 8, dtype=np.float32).reshape(2, 2, 6, 8)
    out = RandomResizedCrop(3).crop_resize(images, np.array([[1, 2, 4, 5], [1, 2, 4, 5]]))
    expected = [
        [108.828575, 110.4, 111.97143],
        [118.42857, 120.0, 121.57143],
        [128.02858, 129.6, 131.17143],
    ]  # torchvision 0.28
    np.testing.assert_allclose(out[1, 0], expected, rtol=1e-6)


def test_resized_crop_seeded_single_and_batched():
    images = batch_of(8)
    first = RandomResizedCrop(6, generator=tt_tensor.Generator().manual_seed(5))(images)
    second = RandomResizedCrop(6, generator=tt_tensor.Generator().manual_seed(5))(images)
    np.testing.assert_array_equal(first, second)
    assert first.shape == (8, 3, 6, 6) and first.dtype == np.float32
    autograd.manual_seed(11)
    third = RandomResizedCrop([6])(images)
    autograd.manual_seed(11)
    np.testing.assert_array_equal(third, RandomResizedCrop(6)(images))
    assert not np.array_equal(first, third)
    assert RandomResizedCrop((4, 5))(images[0]).shape == (3, 4, 5)
    assert (
        len({RandomResizedCrop(6).boxes(1, 13, 17).tobytes() for _ in range(5)}) > 1
    )  # the global generator moves


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"size": 0}, "RandomResizedCrop: size must be a positive int"),
        ({"size": 4, "scale": (0.5,)}, r"RandomResizedCrop: scale must be a \(min, max\) pair"),
        (
            {"size": 4, "scale": (0.9, 0.5)},
            r"RandomResizedCrop: scale must be \(min, max\) with 0 < min <= max",
        ),
        ({"size": 4, "ratio": (0.0, 1.0)}, r"RandomResizedCrop: ratio must be \(min, max\) with 0 < min"),
        ({"size": 4, "interpolation": "area"}, "RandomResizedCrop: interpolation must be one of"),
    ],
)
def test_resized_crop_bad_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        RandomResizedCrop(**arguments)
    with pytest.raises(TypeError, match="RandomResizedCrop: images must be float or integer, got bool"):
        RandomResizedCrop(4).crop_resize(np.zeros((1, 1, 5, 5), bool), np.array([[0, 0, 5, 5]]))


def test_rotation_is_rotate_per_image():
    images = batch_of(4)
    np.testing.assert_array_equal(RandomRotation((25, 25), fill=2)(images), F.rotate(images, 25.0, fill=2))
    bilinear = RandomRotation((-40, -40), "bilinear", center=(3, 4))(images)
    np.testing.assert_allclose(
        bilinear, F.rotate(images, -40.0, "bilinear", center=(3, 4), fill=0), atol=1e-6
    )
    # fill=0 is not fill=None for bilinear: the mask blend darkens the edge once more (torchvision's too)
    assert np.abs(bilinear - F.rotate(images, -40.0, "bilinear", center=(3, 4))).max() > 0.05
    same = np.repeat(images[:1], 16, axis=0)
    out = RandomRotation(45, generator=tt_tensor.Generator().manual_seed(0))(same)
    assert len({o.tobytes() for o in out}) > 12  # an angle per image (near angles may pick the same pixels)
    for image in out[:3]:  # each is one of the rotations within ±45°
        errors = [np.abs(image - F.rotate(same[0], a)).max() for a in np.linspace(-45, 45, 901)]
        assert min(errors) == 0
    expanded = RandomRotation((90, 90), expand=True)(images[0])
    np.testing.assert_array_equal(expanded, F.rotate(images[0], 90.0, expand=True))
    with pytest.raises(ValueError, match="RandomRotation: expand=True gives each angle its own output size"):
        RandomRotation(10, expand=True)(images)
    with pytest.raises(ValueError, match=r"RandomRotation: degrees as one number must be non-negative"):
        RandomRotation(-3)
    with pytest.raises(
        ValueError, match="RandomRotation: degrees must be a number or a sequence of 2 values"
    ):
        RandomRotation((1, 2, 3))
    with pytest.raises(ValueError, match="RandomRotation: interpolation must be 'nearest' or 'bilinear'"):
        RandomRotation(3, "bicubic")
    with pytest.raises(TypeError, match="RandomRotation: fill must be a number or one per channel"):
        RandomRotation(3, fill="white")
    assert RandomRotation(3, fill=None).fill == 0.0


def test_affine_is_affine_per_image():
    images = batch_of(3, np.uint8)
    transform = RandomAffine(
        (15, 15), scale=(1.1, 1.1), shear=(10, 10, 5, 5), interpolation="bilinear", fill=(1, 2, 3)
    )
    np.testing.assert_array_equal(
        transform(images), F.affine(images, 15.0, [0, 0], 1.1, [10.0, 5.0], "bilinear", fill=(1, 2, 3))
    )
    sheared = RandomAffine(0, shear=(7, 7))(images)  # a (min, max) shear is along x only
    np.testing.assert_array_equal(sheared, F.affine(images, 0.0, [0, 0], 1.0, [7.0, 0.0]))
    angle, translate, scale, shear = RandomAffine(
        (-30, 10), (0.2, 0.1), (0.8, 1.2), 8, generator=tt_tensor.Generator().manual_seed(4)
    ).parameters(4000, 13, 17)
    assert -30 <= angle.min() < -29 and 9 < angle.max() <= 10 and abs(angle.mean() + 10) < 0.6
    # horizontal shifts: whole pixels within ±0.2·17 = ±3.4, vertical within ±0.1·13 = ±1.3
    assert set(np.unique(translate[:, 0])) == set(range(-3, 4)) and set(np.unique(translate[:, 1])) == {
        -1,
        0,
        1,
    }
    ends = (translate[:, 0] == 3).mean()  # 3 takes [2.5, 3.4]: 0.9 / 6.8 of the range
    assert abs(ends - 0.9 / 6.8) < 0.02
    assert 0.8 <= scale.min() < 0.81 and 1.19 < scale.max() <= 1.2
    assert -8 <= shear[:, 0].min() < -7.9 and (shear[:, 1] == 0).all()
    again = RandomAffine((-30, 10), (0.2, 0.1), (0.8, 1.2), 8, generator=tt_tensor.Generator().manual_seed(4))
    np.testing.assert_array_equal(again.parameters(4000, 13, 17)[0], angle)
    wide = RandomAffine(0, translate=(0.5, 0.0), generator=tt_tensor.Generator().manual_seed(1))
    assert np.abs(wide.parameters(2000, 10, 40)[1][:, 0]).max() == 20  # ±0.5 · width 40, not height


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"degrees": 10, "translate": (0.1,)},
            r"RandomAffine: translate must be two fractions \(a, b\) in \[0, 1\]",
        ),
        ({"degrees": 10, "translate": (0.1, 1.5)}, r"RandomAffine: translate must be two fractions"),
        ({"degrees": 10, "translate": (-0.1, 0.5)}, r"RandomAffine: translate must be two fractions"),
        ({"degrees": 10, "scale": (0, 1)}, r"RandomAffine: scale must be \(min, max\) with 0 < min"),
        (
            {"degrees": 10, "shear": (1, 2, 3)},
            "RandomAffine: shear must be a number or a sequence of 2 or 4 values",
        ),
        ({"degrees": (20, -20)}, r"RandomAffine: degrees must be \(min, max\) ranges, got \(20, -20\)"),
        ({"degrees": 0, "shear": (10, 5)}, r"RandomAffine: shear must be \(min, max\) ranges.*10.0 > 5.0"),
        ({"degrees": 0, "shear": (1, 5, 9, 2)}, r"RandomAffine: shear .* 9.0 > 2.0"),  # the y range
        (
            {"degrees": 10, "interpolation": "bicubic"},
            "RandomAffine: interpolation must be 'nearest' or 'bilinear'",
        ),
    ],
)
def test_affine_bad_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        RandomAffine(**arguments)


def test_random_apply_choice_and_order_decide_per_image():
    images = np.zeros((400, 1, 2, 2), np.float32)
    plus_one, times_two = Lambda(lambda x: x + 1), Lambda(lambda x: x * 2)
    applied = RandomApply([plus_one, plus_one], p=0.3, generator=tt_tensor.Generator().manual_seed(0))(images)
    assert set(np.unique(applied)) == {0.0, 2.0} and abs((applied[:, 0, 0, 0] == 2).mean() - 0.3) < 0.07
    np.testing.assert_array_equal(RandomApply([plus_one], p=1.0)(images), images + 1)
    np.testing.assert_array_equal(RandomApply([plus_one], p=0.0)(images), images)
    chosen = RandomChoice([plus_one, times_two, Lambda(lambda x: x + 5)], p=[1, 0, 3])(images)
    assert set(np.unique(chosen)) == {1.0, 5.0} and abs((chosen[:, 0, 0, 0] == 5).mean() - 0.75) < 0.07
    even = RandomChoice([plus_one, Lambda(lambda x: x + 2)], generator=tt_tensor.Generator().manual_seed(2))(
        images
    )
    assert abs((even[:, 0, 0, 0] == 1).mean() - 0.5) < 0.08
    ordered = RandomOrder([plus_one, times_two], generator=tt_tensor.Generator().manual_seed(1))(images + 1)
    assert set(np.unique(ordered)) == {3.0, 4.0}  # (1 · 2) + 1 or (1 + 1) · 2
    assert abs((ordered[:, 0, 0, 0] == 4).mean() - 0.5) < 0.08
    # three transforms: each of the 6 orders gives its own value from 2, each for about 1/6 of the images
    squares = Lambda(lambda x: x * x)
    three = RandomOrder(
        [plus_one, Lambda(lambda x: x * 3), squares], generator=tt_tensor.Generator().manual_seed(3)
    )
    values = three(np.full((600, 1, 1, 1), 2.0, np.float32))[:, 0, 0, 0]
    shares = [(values == v).mean() for v in (81, 27, 49, 37, 15, 13)]  # +1*3^2, +1^2*3, *3+1^2, ..., ^2*3+1
    assert sum(shares) == 1 and max(abs(share - 1 / 6) for share in shares) < 0.05
    one = RandomOrder([plus_one])(autograd.tensor(images[0]))
    assert isinstance(one, autograd.Tensor) and one.shape == (1, 2, 2)
    np.testing.assert_array_equal(one.numpy(), images[0] + 1)


def test_random_containers_refuse_shape_changes_and_bad_weights():
    images = batch_of(6)
    with pytest.raises(ValueError, match=r"RandomApply: a transform changed the images' shape \(3, 13, 17\)"):
        RandomApply([RandomResizedCrop(4)], p=1.0)(images)
    with pytest.raises(ValueError, match="RandomChoice: p must be 2 non-negative weights"):
        RandomChoice([Lambda(abs), Lambda(abs)], p=[1.0])
    with pytest.raises(ValueError, match="RandomChoice: p must be 2 non-negative weights"):
        RandomChoice([Lambda(abs), Lambda(abs)], p=[1.0, -1.0])
    with pytest.raises(ValueError, match="RandomChoice: p must be 2 non-negative weights"):
        RandomChoice([Lambda(abs), Lambda(abs)], p=[0, 0])
    with pytest.raises(ValueError, match="RandomChoice: give at least one transform"):
        RandomChoice([])
    with pytest.raises(ValueError, match=r"RandomApply: p must be in \[0, 1\]"):
        RandomApply([], p=-0.1)
    assert "p=0.5" in repr(RandomApply([Pad(1)])) and "Pad(padding=1" in repr(RandomOrder([Pad(1)]))


def test_resized_crop_boxes_of_one_pixel_fit_and_of_none_fall_back():
    ones = RandomResizedCrop(4, scale=(0.01, 0.012), ratio=(1.0, 1.0)).boxes(50, 10, 10)
    assert (ones[:, 2:] == 1).all() and len(
        np.unique(ones[:, :2], axis=0)
    ) > 1  # 1 x 1 boxes, placed at random
    empty = RandomResizedCrop(4, scale=(0.001, 0.002), ratio=(1.0, 1.0)).boxes(50, 10, 10)
    np.testing.assert_array_equal(empty, [[0, 0, 10, 10]] * 50)  # round(sqrt(area)) = 0 never fits
    # extreme ratios: a try with one side 0 does not fit either; the fallback is then empty too
    # (torchvision's get_params gives the same boxes), but central, not at a random place
    thin = RandomResizedCrop(4, scale=(0.01, 0.012), ratio=(0.01, 0.01)).boxes(50, 10, 10)
    np.testing.assert_array_equal(thin, [[0, 5, 10, 0]] * 50)
    flat = RandomResizedCrop(4, scale=(0.01, 0.012), ratio=(100.0, 100.0)).boxes(50, 10, 10)
    np.testing.assert_array_equal(flat, [[5, 0, 0, 10]] * 50)


def test_affine_parameter_shapes_and_limits():
    angle, translate, scale, shear = RandomAffine(10).parameters(5, 8, 9)
    assert angle.shape == (5,) and translate.shape == (5, 2) and scale.shape == (5,) and shear.shape == (5, 2)
    assert not translate.any() and (scale == 1).all() and not shear.any()
    whole = RandomAffine(0, translate=(1.0, 1.0), generator=tt_tensor.Generator().manual_seed(0))
    assert np.abs(whole.parameters(500, 8, 9)[1]).max(axis=0).tolist() == [
        9,
        8,
    ]  # a shift up to the whole image


def test_containers_pass_each_chosen_image_its_own_values():
    images = batch_of(6)
    plus_one = Lambda(lambda x: x + 1)
    np.testing.assert_allclose(RandomApply([plus_one], p=1.0)(images), images + 1)
    chosen = RandomChoice([plus_one, plus_one], p=[0.25, 0.25])(autograd.tensor(images))  # weights normalised
    np.testing.assert_allclose(chosen.numpy(), images + 1)


def test_reprs_name_the_arguments():
    assert repr(FiveCrop([5])) == "FiveCrop(size=(5, 5))"
    assert repr(RandomResizedCrop(8, scale=(0.5, 1.0))) == (
        "RandomResizedCrop(size=(8, 8), scale=(0.5, 1.0), ratio=(0.75, 1.3333), interpolation=bilinear, "
        "antialias=True)"
    )
    assert (
        repr(RandomRotation(10))
        == "RandomRotation(degrees=[-10.0, 10.0], interpolation=nearest, expand=False, fill=0)"
    )
    assert repr(RandomAffine(5, scale=(0.9, 1.1))) == (
        "RandomAffine(degrees=[-5.0, 5.0], translate=None, scale=(0.9, 1.1), shear=None, "
        "interpolation=nearest, fill=0)"
    )
    assert (
        repr(RandomChoice([Pad(1)], p=[1.0]))
        == "RandomChoice(\n    Pad(padding=1, fill=0, padding_mode=constant)\n)(p=[1.0])"
    )


def test_an_empty_batch_passes_through_the_warps():
    # (nearest warps reshaped their gather index with -1: a batch of 0 images cannot infer it)
    for transform in (
        RandomRotation(10),
        RandomAffine(10, translate=(0.1, 0.1)),
        RandomRotation(10, "bilinear"),
    ):
        for dtype in (np.float32, np.uint8):
            out = transform(np.zeros((0, 3, 8, 8), dtype))
            assert out.shape == (0, 3, 8, 8) and out.dtype == dtype
