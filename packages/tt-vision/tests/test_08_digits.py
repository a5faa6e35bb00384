"""Module 08: the embedded digits dataset, and every dataset batching through tt-optim's DataLoader."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_optim import DataLoader
from tt_vision import transforms as T
from tt_vision.datasets import Digits, VisionDataset, load_digits
from tt_vision.datasets.base import to_float_images, to_planar


def test_the_embedded_file_is_the_uci_test_set():
    images, labels = load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8 and images.max() == 16
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert labels[:10].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert images[0, 0].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]


def test_split_and_samples():
    train, test = Digits(), Digits(train=False)
    assert len(train) == 1437 and len(test) == 360
    image, label = test[0]
    assert image.shape == (1, 8, 8) and image.dtype == autograd.float32 and label == 0
    assert float(image.numpy().max()) <= 1.0
    assert test[-1][1] == int(test.targets[-1])


def test_to_planar_and_to_float_images(rng):
    grey = rng.integers(0, 256, (3, 4, 5), dtype=np.uint8)
    colour = rng.integers(0, 256, (3, 4, 5, 3), dtype=np.uint8)
    assert to_planar(grey).shape == (3, 1, 4, 5) and np.shares_memory(to_planar(grey), grey)
    planar = to_planar(colour)
    assert planar.shape == (3, 3, 4, 5) and planar.flags.c_contiguous
    np.testing.assert_array_equal(planar, colour.transpose(0, 3, 1, 2))
    out = to_float_images(planar)
    assert out.shape == (3, 3, 4, 5) and out.dtype == np.float32 and out.flags.c_contiguous
    np.testing.assert_allclose(out, colour.transpose(0, 3, 1, 2) / 255, rtol=1e-6)
    for shape in [(4, 5), (2, 3, 4, 5, 6)]:
        with pytest.raises(ValueError, match=r"\(N, H, W\) or \(N, H, W, C\)"):
            to_planar(np.zeros(shape, dtype=np.uint8))


def test_data_is_a_torchvision_shaped_view_and_can_be_replaced(rng):
    colour = rng.integers(0, 256, (6, 4, 5, 3), dtype=np.uint8)
    data = VisionDataset(colour, np.arange(6))
    assert data.data.shape == (6, 4, 5, 3) and np.shares_memory(data.data, data.pixels)
    np.testing.assert_array_equal(data.data, colour)
    data.data, data.targets = data.data[:2], data.targets[:2]
    assert len(data) == 2 and data.pixels.shape == (2, 3, 4, 5)
    np.testing.assert_array_equal(
        data.get_batch(np.arange(2))[0].numpy(), to_float_images(to_planar(colour[:2]))
    )


def test_the_dataloader_fetches_whole_batches():
    data = Digits(transform=T.Normalize(0.5, 0.5))
    loader = DataLoader(data, batch_size=100, shuffle=True, generator=autograd.Generator(0))
    batches = list(loader)
    assert len(batches) == 15
    x, y = batches[0]
    assert x.shape == (100, 1, 8, 8) and y.shape == (100,) and y.dtype == autograd.int64
    assert float(x.numpy().min()) == -1.0
    seen = np.concatenate([b[1].numpy() for b in batches])
    assert np.array_equal(np.sort(seen), np.sort(data.targets))


def test_target_transform_and_repr():
    data = Digits(train=False, target_transform=lambda y: y + 1)
    assert data.get_batch(np.arange(3))[1].numpy().tolist() == (data.targets[:3] + 1).tolist()
    assert "Digits(360 images of 8×8" in repr(data)
