"""Module 08: batched transforms — each image of a batch transformed on its own, in one vectorised call."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import transforms as T
from tt_vision.transforms import pad_images


def test_normalize_per_channel(rng):
    x = rng.uniform(0, 1, (4, 3, 5, 5)).astype(np.float32)
    out = T.Normalize((0.5, 0.4, 0.3), (0.2, 0.25, 0.5))(autograd.tensor(x))
    assert isinstance(out, autograd.Tensor) and out.dtype == autograd.float32
    expected = (x - np.array([0.5, 0.4, 0.3])[:, None, None]) / np.array([0.2, 0.25, 0.5])[:, None, None]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(T.Normalize(0.5, 0.5)(x[0]), (x[0] - 0.5) / 0.5, rtol=1e-5)  # one image, numpy
    with pytest.raises(ValueError, match="channels"):
        T.Normalize((0.1, 0.2), (1, 1))(x)
    with pytest.raises(ValueError, match="3 means and 2 stds"):
        T.Normalize((0.1, 0.2, 0.3), (1, 2))(x)


def test_normalize_dtypes_and_inplace(rng):
    x64 = rng.uniform(0, 1, (2, 3, 4, 4))
    out = T.Normalize((0.5, 0.4, 0.3), (0.2, 0.25, 0.5)).normalize(x64)
    expected = (x64 - np.array([0.5, 0.4, 0.3])[:, None, None]) / np.array([0.2, 0.25, 0.5])[:, None, None]
    assert out.dtype == np.float64 and np.allclose(out, expected, rtol=1e-12), "float64 stays float64"
    pixels = rng.integers(0, 256, (2, 1, 3, 3), dtype=np.uint8)
    out = T.Normalize(127.5, 127.5).normalize(pixels, inplace=True)  # integers cannot be overwritten
    assert out.dtype == np.float32 and np.allclose(out, pixels / 127.5 - 1, atol=1e-6)
    x = x64.astype(np.float32)
    before = x.copy()
    out = T.Normalize(0.5, 0.25).normalize(x, inplace=True)
    assert out is x or np.shares_memory(out, x), "inplace overwrites a float input"
    np.testing.assert_allclose(x, (before - 0.5) / 0.25, rtol=1e-5, atol=1e-6)
    y = x64.astype(np.float32)
    T.Normalize(0.5, 0.25).normalize(y)
    np.testing.assert_array_equal(y, x64.astype(np.float32))  # without inplace the input is untouched


@pytest.mark.parametrize("mode", ["constant", "reflect", "edge", "symmetric"])
def test_pad_images_matches_numpy(mode, rng):
    x = rng.standard_normal((2, 3, 6, 5))
    for pads in [(4, 4, 4, 4), (1, 3, 2, 0), (0, 0, 0, 0)]:
        top, bottom, left, right = pads
        expected = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), mode=mode)
        np.testing.assert_array_equal(pad_images(x, pads, mode), expected)


def test_random_crop_cuts_each_image_at_its_own_place(rng):
    x = rng.standard_normal((64, 2, 8, 8)).astype(np.float32)
    out = T.RandomCrop(8, padding=2, padding_mode="reflect", generator=autograd.Generator(0))(
        autograd.tensor(x)
    ).numpy()
    assert out.shape == (64, 2, 8, 8)
    padded = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)), mode="reflect")
    offsets = set()
    for i in range(64):
        found = [
            (r, c)
            for r in range(5)
            for c in range(5)
            if np.array_equal(padded[i, :, r : r + 8, c : c + 8], out[i])
        ]
        assert found, f"image {i} is not a crop of its padded image"
        offsets.add(found[0])
    assert len(offsets) > 10, "the offsets do not vary from image to image"


def test_random_crop_is_seeded_and_without_padding_is_identity(rng):
    x = rng.standard_normal((8, 3, 10, 10))
    a = T.RandomCrop(6, generator=autograd.Generator(3))(x)
    b = T.RandomCrop(6, generator=autograd.Generator(3))(x)
    np.testing.assert_array_equal(a, b)
    autograd.manual_seed(5)
    c = T.RandomCrop(6)(x)
    autograd.manual_seed(5)
    np.testing.assert_array_equal(c, T.RandomCrop(6)(x))
    np.testing.assert_array_equal(T.RandomCrop(10)(x), x)
    assert T.RandomCrop(12, pad_if_needed=True)(x).shape == (8, 3, 12, 12)
    with pytest.raises(ValueError, match="larger"):
        T.RandomCrop(12)(x)


def test_random_crop_of_non_square_images(rng):
    x = rng.standard_normal((40, 1, 10, 6))
    out = T.RandomCrop((8, 4), generator=autograd.Generator(1))(x)
    assert out.shape == (40, 1, 8, 4)
    starts = set()
    for image, crop in zip(x, out):
        found = [
            (r, c) for r in range(3) for c in range(3) if np.array_equal(image[:, r : r + 8, c : c + 4], crop)
        ]
        assert found, "each output is a window of its own image"
        starts.add(found[0])
    assert {r for r, _ in starts} == {0, 1, 2} and {c for _, c in starts} == {0, 1, 2}
    for size in [(11, 4), (8, 7)]:  # too large in one direction only
        with pytest.raises(ValueError, match="larger than the padded image"):
            T.RandomCrop(size)(x)


def test_random_horizontal_flip(rng):
    x = rng.standard_normal((200, 1, 4, 4))
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(x), x[..., ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0.0)(x), x)
    out = T.RandomHorizontalFlip(generator=autograd.Generator(1))(x)
    flipped = np.array([np.array_equal(o, xi[..., ::-1]) for o, xi in zip(out, x)])
    kept = np.array([np.array_equal(o, xi) for o, xi in zip(out, x)])
    assert np.all(flipped | kept) and 60 < flipped.sum() < 140


def test_compose_on_a_dataset_batch_and_one_image(rng):
    pipeline = T.Compose(
        [
            T.RandomCrop(32, padding=4, padding_mode="reflect"),
            T.RandomHorizontalFlip(),
            T.Normalize((0.5, 0.5, 0.5), (0.25, 0.25, 0.25)),
        ]
    )
    batch = autograd.tensor(rng.uniform(0, 1, (16, 3, 32, 32)).astype(np.float32))
    out = pipeline(batch)
    assert out.shape == (16, 3, 32, 32) and out.dtype == autograd.float32
    assert pipeline(batch[0]).shape == (3, 32, 32)
    assert "RandomCrop" in repr(pipeline)


def test_to_tensor_converts_uint8_hwc(rng):
    raw = rng.integers(0, 256, (2, 4, 5, 3), dtype=np.uint8)
    out = T.ToTensor()(raw)
    assert out.shape == (2, 3, 4, 5) and out.dtype == autograd.float32
    np.testing.assert_allclose(out.numpy(), raw.transpose(0, 3, 1, 2) / 255, rtol=1e-6)
    floats = autograd.rand(3, 4, 4)
    assert T.ToTensor()(floats) is floats


@pytest.mark.parametrize(
    "steps, expected_split",
    [
        (
            [
                T.RandomCrop(8, padding=2, padding_mode="reflect"),
                T.RandomHorizontalFlip(),
                T.Normalize(0.5, 0.2),
            ],
            2,
        ),
        ([T.RandomCrop(8, padding=2), T.Normalize(0.5, 0.2), T.RandomHorizontalFlip()], 1),
        ([T.RandomCrop(8, padding=2, fill=0.5), T.RandomHorizontalFlip()], 0),  # 0.5 is not a uint8 pixel
        ([T.Normalize(0.5, 0.2), T.RandomHorizontalFlip()], 0),
    ],
)
def test_pixel_steps_are_the_leading_pixel_exact_ones(steps, expected_split):
    pixel, rest = T.split_pixel_steps(T.Compose(steps))
    assert pixel == steps[:expected_split] and rest == steps[expected_split:]
    assert T.split_pixel_steps(None) == ([], [])
    assert T.split_pixel_steps(steps[0]) == (steps[:1], []) if expected_split else True


@pytest.mark.parametrize("fill", [0, 0.5])
def test_a_dataset_batch_equals_the_transform_applied_to_float_images(rng, fill):
    """Datasets crop and flip raw uint8 pixels first; the result must be what the float path gives."""
    from tt_vision.datasets import VisionDataset
    from tt_vision.datasets.base import to_float_images, to_planar

    colour = rng.integers(0, 256, (64, 8, 8, 3), dtype=np.uint8)

    def pipeline():
        return T.Compose(
            [
                T.RandomCrop(
                    8, padding=3, padding_mode="constant", fill=fill, generator=autograd.Generator(5)
                ),
                T.RandomHorizontalFlip(generator=autograd.Generator(6)),
                T.Normalize((0.4, 0.5, 0.6), (0.2, 0.25, 0.3)),
            ]
        )

    data = VisionDataset(colour, np.arange(64), transform=pipeline())
    indices = rng.permutation(64)[:40]
    got = data.get_batch(indices)[0].numpy()
    want = pipeline()(to_float_images(to_planar(colour[indices])))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    assert not np.shares_memory(got, data.pixels)
