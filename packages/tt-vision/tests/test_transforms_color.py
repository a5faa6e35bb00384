"""torchvision's photometric transforms, batched: per-image draws, torchvision's pixels given them.

Beyond module 08's exercises: no module number. Given the choices a transform draws (replayed
from a generator seeded alike), each image must get what the functions give it alone; those are
pinned against torchvision 0.28 in test_transforms_color_functional.py. The draws must follow
torchvision's ranges and distributions (checked on a few thousand images against the figures
torchvision's own ``get_params`` gives, computed with torchvision 0.28 outside the repository).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor
import tt_vision.transforms_color_functional as F
from tt_vision import transforms as T

RNG = np.random.default_rng(7)
PIXELS = RNG.integers(0, 256, (40, 3, 6, 7), dtype=np.uint8)
FLOATS = RNG.random((40, 3, 6, 7), dtype=np.float32)


def seeded(seed: int = 0) -> tt_tensor.Generator:
    return tt_tensor.Generator().manual_seed(seed)


def test_color_jitter_gives_each_image_its_factors_in_its_order():
    for images in (PIXELS, FLOATS):
        jitter = T.ColorJitter(0.4, (0.5, 1.5), 0.7, 0.2, generator=seeded(5))
        order, factors = jitter.get_params(len(images))
        jitter.generator = seeded(5)
        out = jitter(images)
        adjust = (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue)
        for k in range(len(images)):
            expected = images[k : k + 1]
            for step in order[k]:
                expected = adjust[step](expected, factors[step][k])
            np.testing.assert_array_equal(out[k], expected[0])
        assert len(np.unique(order, axis=0)) > 12  # many orders in one batch
    tensor = T.ColorJitter(hue=0.3, generator=seeded(1))(autograd.tensor(FLOATS[0]))
    assert isinstance(tensor, autograd.Tensor) and tensor.shape == (3, 6, 7)


def test_color_jitter_with_some_adjustments_off_groups_by_the_active_ones():
    jitter = T.ColorJitter(brightness=0.5, saturation=(0.0, 0.2), generator=seeded(2))
    order, factors = jitter.get_params(len(PIXELS))
    assert factors[1] is None and factors[3] is None
    jitter.generator = seeded(2)
    out = jitter(PIXELS)
    for k in range(len(PIXELS)):
        first, second = [s for s in order[k] if s in (0, 2)]
        step = {0: F.adjust_brightness, 2: F.adjust_saturation}
        expected = step[second](step[first](PIXELS[k : k + 1], factors[first][k]), factors[second][k])
        np.testing.assert_array_equal(out[k], expected[0])
    assert T.ColorJitter()(PIXELS) is PIXELS  # nothing to do
    assert T.ColorJitter(brightness=(1, 1), hue=(0, 0))(PIXELS) is PIXELS


def test_color_jitter_draws_follow_torchvisions_ranges_and_distribution():
    order, factors = T.ColorJitter(0.4, (0.5, 1.5), 0.7, 0.2, generator=seeded(0)).get_params(4000)
    # torchvision 0.28's get_params over 4000 draws: uniform on each range (sd = width / sqrt(12)).
    for drawn, (low, high) in zip(factors, [(0.6, 1.4), (0.5, 1.5), (0.3, 1.7), (-0.2, 0.2)]):
        assert low <= drawn.min() < low + 0.01 and high - 0.01 < drawn.max() < high
        assert abs(drawn.mean() - (low + high) / 2) < 0.03 * (high - low)
        assert abs(drawn.std() - (high - low) / 12**0.5) < 0.03 * (high - low)
    assert all(sorted(row) == [0, 1, 2, 3] for row in order)
    assert len({tuple(row) for row in order}) == 24
    np.testing.assert_allclose(np.bincount(order[:, 0]) / 4000, 0.25, atol=0.03)


def test_color_jitter_ranges_are_torchvisions():
    jitter = T.ColorJitter(brightness=1.5, contrast=0.2, saturation=[0.1, 3], hue=0.5)
    assert jitter.brightness == (0.0, 2.5)  # 1 − 1.5 is clipped to 0
    assert jitter.contrast == (0.8, 1.2) and jitter.saturation == (0.1, 3.0) and jitter.hue == (-0.5, 0.5)
    assert T.ColorJitter(hue=(-0.1, 0.3)).hue == (-0.1, 0.3)
    assert T.ColorJitter(brightness=0).brightness is None
    assert (
        repr(T.ColorJitter(0.1))
        == "ColorJitter(brightness=(0.9, 1.1), contrast=None, saturation=None, hue=None)"
    )


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        (
            {"hue": 0.6},
            ValueError,
            r"ColorJitter: hue range \(-0.6, 0.6\) must be \(min, max\) .* within \(-0.5, 0.5\)",
        ),
        ({"hue": (-0.6, 0.1)}, ValueError, "ColorJitter: hue range"),
        (
            {"brightness": -0.1},
            ValueError,
            "ColorJitter: brightness as one number must be non-negative, got -0.1",
        ),
        (
            {"contrast": (1.5, 0.5)},
            ValueError,
            r"ColorJitter: contrast range \(1.5, 0.5\) must be \(min, max\)",
        ),
        ({"saturation": (-0.5, 1.0)}, ValueError, "ColorJitter: saturation range"),
        (
            {"saturation": (0.5, 1.0, 2.0)},
            TypeError,
            r"ColorJitter: saturation must be one number or a \(min, max\) pair",
        ),
    ],
)
def test_color_jitter_refuses_bad_ranges(arguments, error, message):
    with pytest.raises(error, match=message):
        T.ColorJitter(**arguments)


@pytest.mark.parametrize(
    ("transform", "function"),
    [
        (T.RandomInvert(), F.invert),
        (T.RandomAutocontrast(), F.autocontrast),
        (T.RandomEqualize(), F.equalize),
        (T.RandomPosterize(3), lambda x: F.posterize(x, 3)),
        (T.RandomSolarize(100), lambda x: F.solarize(x, 100)),
        (T.RandomAdjustSharpness(2.5), lambda x: F.adjust_sharpness(x, 2.5)),
        (T.RandomGrayscale(p=0.5), lambda x: F.rgb_to_grayscale(x, 3)),
    ],
)
def test_random_transforms_toss_a_coin_per_image(transform, function):
    transform.generator = seeded(3)
    out = transform(PIXELS)
    chosen = tt_tensor.numpy_generator(seeded(3)).random(len(PIXELS)) < transform.p
    assert 10 < chosen.sum() < 30
    np.testing.assert_array_equal(out[chosen], function(PIXELS[chosen]))
    np.testing.assert_array_equal(out[~chosen], PIXELS[~chosen])
    transform.p = 0.0
    np.testing.assert_array_equal(transform(PIXELS), PIXELS)
    transform.p = 1.0
    np.testing.assert_array_equal(transform(PIXELS[0]), function(PIXELS[:1])[0])


def test_random_transforms_repr_and_defaults_are_torchvisions():
    assert repr(T.RandomInvert()) == "RandomInvert(p=0.5)"
    assert repr(T.RandomPosterize(2)) == "RandomPosterize(bits=2,p=0.5)"
    assert repr(T.RandomSolarize(0.5, p=0.2)) == "RandomSolarize(threshold=0.5,p=0.2)"
    assert repr(T.RandomAdjustSharpness(2)) == "RandomAdjustSharpness(sharpness_factor=2,p=0.5)"
    assert repr(T.RandomGrayscale()) == "RandomGrayscale(p=0.1)"
    assert repr(T.Grayscale(3)) == "Grayscale(num_output_channels=3)"
    assert repr(T.GaussianBlur(3)) == "GaussianBlur(kernel_size=(3, 3), sigma=(0.1, 2.0))"
    for bad in (lambda: T.RandomInvert(p=1.5), lambda: T.RandomGrayscale(p=-0.1)):
        with pytest.raises(ValueError, match=r"Random\w+: p must be a probability in \[0, 1\]"):
            bad()
    for bits in (9, -1):
        with pytest.raises(ValueError, match=f"RandomPosterize: bits must be between 0 and 8, got {bits}"):
            T.RandomPosterize(bits)
    # the bounds are allowed
    assert T.RandomPosterize(0).bits == 0 and T.RandomPosterize(8, p=1.0).p == 1.0
    assert T.RandomInvert(p=0.0).p == 0.0 and T.RandomAdjustSharpness(0).sharpness_factor == 0
    with pytest.raises(
        ValueError, match=r"RandomAdjustSharpness: sharpness_factor \(-1\) must be non-negative"
    ):
        T.RandomAdjustSharpness(-1)


def test_grayscale_and_random_grayscale_keep_or_set_the_channels():
    gray = T.Grayscale()(autograd.tensor(FLOATS))
    assert isinstance(gray, autograd.Tensor) and gray.shape == (40, 1, 6, 7)
    np.testing.assert_array_equal(gray.numpy(), F.rgb_to_grayscale(FLOATS))
    assert T.Grayscale(3)(PIXELS).shape == (40, 3, 6, 7)
    assert T.RandomGrayscale(p=1.0)(PIXELS[:, :1]).shape == (40, 1, 6, 7)
    with pytest.raises(ValueError, match="Grayscale: num_output_channels must be 1 or 3, got 2"):
        T.Grayscale(2)


def test_gaussian_blur_draws_a_sigma_per_image():
    blur = T.GaussianBlur((5, 3), (0.2, 1.8), generator=seeded(4))
    out = blur(FLOATS)
    sigma = tt_tensor.numpy_generator(seeded(4)).uniform(0.2, 1.8, size=len(FLOATS))
    for k in (0, 17, 39):
        np.testing.assert_array_equal(out[k], F.gaussian_blur(FLOATS[k], [5, 3], [sigma[k], sigma[k]]))
    # torchvision 0.28's draws over 4000 calls: min 0.200, max 1.800, mean 0.992.
    many = tt_tensor.numpy_generator(seeded(0)).uniform(0.2, 1.8, size=4000)
    assert abs(many.mean() - 1.0) < 0.03
    assert T.GaussianBlur(1, (1.0, 1.0)).sigma == (1.0, 1.0)  # a 1-tap kernel, a fixed range: allowed
    fixed = T.GaussianBlur([3], 0.7)(PIXELS)
    assert fixed.dtype == np.uint8
    np.testing.assert_array_equal(fixed, F.gaussian_blur(PIXELS, 3, 0.7))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"kernel_size": 4}, r"GaussianBlur: kernel_size must be odd and positive \(kx, ky\), got 4"),
        ({"kernel_size": (3, -1)}, "GaussianBlur: kernel_size must be odd and positive"),
        ({"kernel_size": 3, "sigma": 0}, "GaussianBlur: sigma as one number must be positive, got 0"),
        (
            {"kernel_size": 3, "sigma": (2.0, 1.0)},
            r"GaussianBlur: sigma must be \(min, max\) with 0 < min <= max",
        ),
        ({"kernel_size": 3, "sigma": (0.0, 1.0)}, r"GaussianBlur: sigma must be \(min, max\)"),
        (
            {"kernel_size": 3, "sigma": (1.0, 2.0, 3.0)},
            r"GaussianBlur: sigma must be one number or a \(min, max\) pair",
        ),
    ],
)
def test_gaussian_blur_refuses_bad_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        T.GaussianBlur(**arguments)


def test_random_erasing_draws_follow_torchvisions():
    erasing = T.RandomErasing(p=1.0, generator=seeded(0))
    i, j, h, w, found = erasing.get_params(4000, 32, 40)
    assert found.all()
    assert (h < 32).all() and (w < 40).all() and (i + h <= 32).all() and (j + w <= 40).all()
    # torchvision 0.28's get_params over 4000 draws on 32 x 40: mean h 14.8, w 15.4, area 221 (sd 113),
    # area from 24 to 444 pixels, i mean 8.6, j mean 12.5.
    area = h * w
    assert 14.0 < h.mean() < 15.6 and 14.6 < w.mean() < 16.2 and 212 < area.mean() < 230
    assert 20 <= area.min() < 30 and 420 < area.max() <= 444
    assert 8.0 < i.mean() < 9.2 and 11.8 < j.mean() < 13.2
    assert i.min() == 0 and j.min() == 0 and (i + h == 32).any() and (j + w == 40).any()  # every place
    small = T.RandomErasing(p=1.0, scale=(0.02, 0.9), generator=seeded(0))
    _, _, h, w, found = small.get_params(4000, 4, 4)
    assert 0 < (~found).sum() < 40  # torchvision: 0.2 % of 4 x 4 images find no fit in ten tries
    assert (h[~found] == 0).all() and (w[~found] == 0).all() and (h[found] < 4).all()
    assert T.RandomErasing(scale=(0.0, 1.0), ratio=(1.0, 1.0)).scale == (0.0, 1.0)  # the bounds: allowed
    assert T.RandomErasing(scale=(0.1, 0.1)).scale == (0.1, 0.1)


def test_random_erasing_fills_the_drawn_rectangles():
    erasing = T.RandomErasing(p=0.6, value=(0.1, 0.2, 0.3), generator=seeded(9))
    out = erasing(FLOATS)
    erasing.generator = seeded(9)  # replay its draws: the coins, then the rectangles
    chosen = tt_tensor.numpy_generator(erasing.generator).random(len(FLOATS)) < 0.6
    i, j, h, w, found = erasing.get_params(len(FLOATS), 6, 7)
    for k in range(len(FLOATS)):
        expected = FLOATS[k].copy()
        if chosen[k] and found[k]:
            expected[:, i[k] : i[k] + h[k], j[k] : j[k] + w[k]] = np.array([0.1, 0.2, 0.3]).reshape(3, 1, 1)
        np.testing.assert_array_equal(out[k], expected)
    assert 10 < (chosen & found).sum() < 35


def test_random_erasing_random_values_and_in_place():
    erasing = T.RandomErasing(p=1.0, value="random", generator=seeded(1))
    out = erasing(FLOATS)
    changed = out != FLOATS
    assert changed.any(axis=(1, 2, 3)).all()  # every image erased
    assert out[changed].std() > 0.5 and abs(out[changed].mean()) < 0.2  # standard normal noise
    target = FLOATS.copy()
    assert T.RandomErasing(p=1.0, value=0, inplace=True)(target) is target
    assert (target == 0).any(axis=(1, 2, 3)).all()
    one = T.RandomErasing(p=1.0, value=[5], generator=seeded(2))(PIXELS[0])
    assert one.shape == (3, 6, 7) and one.dtype == np.uint8 and (one == 5).any()
    repeat = T.RandomErasing(p=0.5, generator=seeded(2))
    assert "RandomErasing(p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False)" == repr(
        repeat
    )


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: T.RandomErasing(value="noise"),
            ValueError,
            "RandomErasing: a string value must be 'random'",
        ),
        (
            lambda: T.RandomErasing(value={1}),
            TypeError,
            "RandomErasing: value must be a number, a sequence or 'random'",
        ),
        (
            lambda: T.RandomErasing(scale=0.5),
            TypeError,
            r"RandomErasing: scale and ratio must be \(min, max\) sequences",
        ),
        (lambda: T.RandomErasing(scale=(0.5, 0.1)), ValueError, r"must be \(min, max\)"),
        (lambda: T.RandomErasing(ratio=(3.0, 0.3)), ValueError, r"ratio \(3.0, 0.3\) must be \(min, max\)"),
        (lambda: T.RandomErasing(scale=(-0.1, 0.5)), ValueError, r"scale \(-0.1, 0.5\) must lie in \[0, 1\]"),
        (
            lambda: T.RandomErasing(scale=(0.1, 1.2)),
            ValueError,
            r"RandomErasing: scale \(0.1, 1.2\) must lie in \[0, 1\]",
        ),
        (
            lambda: T.RandomErasing(ratio=(0, 1)),
            ValueError,
            r"RandomErasing: ratio \(0, 1\) must be positive",
        ),
        (
            lambda: T.RandomErasing(scale=(0.5,)),
            ValueError,
            r"RandomErasing: scale \(0.5,\) and ratio \(0.3, 3.3\) must be \(min, max\) pairs",
        ),
        (
            lambda: T.RandomErasing(p=2),
            ValueError,
            r"RandomErasing: p must be a probability in \[0, 1\], got 2",
        ),
        (
            lambda: T.RandomErasing(value="random")(PIXELS),
            TypeError,
            "value='random' is normal noise, for float images; got uint8",
        ),
        (
            lambda: T.RandomErasing(value=(1, 2))(PIXELS),
            ValueError,
            "RandomErasing: value has 2 entries for images with 3 channels; give 1 or 3",
        ),
    ],
)
def test_random_erasing_refuses_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_draws_are_reproducible_with_a_generator_or_the_global_seed():
    import tinytorch as tt

    pipeline = T.Compose([T.ColorJitter(0.3, 0.3, 0.3, 0.1), T.RandomErasing(), T.GaussianBlur(3)])
    tt.manual_seed(11)
    first = pipeline(FLOATS)
    tt.manual_seed(11)
    np.testing.assert_array_equal(pipeline(FLOATS), first)
    assert not np.array_equal(pipeline(FLOATS), first)
    a = T.RandomSolarize(0.5, generator=seeded(3))(FLOATS)
    b = T.RandomSolarize(0.5, generator=seeded(3))(FLOATS)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("transform", "images"),
    [
        (T.RandomPosterize(4, p=0.0), FLOATS),  # uint8 only
        (T.RandomEqualize(p=0.0), FLOATS),  # uint8 only
        (T.RandomSolarize(128, p=0.0), FLOATS),  # a threshold above float images' 1.0
        (T.RandomInvert(p=0.0), np.zeros((2, 4, 5, 5), np.uint8)),  # RGBA
    ],
)
def test_a_bad_batch_is_refused_whatever_the_coins(transform, images):
    # p=0 picks no image: the batch is still checked, so a bad pipeline fails at once, not epochs later
    with pytest.raises((TypeError, ValueError)):
        transform(images)
