"""Module 08: the embedded digits dataset, and every dataset batching through tt-optim's DataLoader."""

from __future__ import annotations

import numpy as np
import tt_autograd as ag
from tt_optim import DataLoader
from tt_vision import transforms as T
from tt_vision.datasets import Digits, load_digits
from tt_vision.datasets.base import to_float_images


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
    assert image.shape == (1, 8, 8) and image.dtype == ag.float32 and label == 0
    assert float(image.numpy().max()) <= 1.0
    assert test[-1][1] == int(test.targets[-1])


def test_to_float_images_layouts(rng):
    grey = rng.integers(0, 256, (3, 4, 5), dtype=np.uint8)
    colour = rng.integers(0, 256, (3, 4, 5, 3), dtype=np.uint8)
    assert to_float_images(grey).shape == (3, 1, 4, 5)
    out = to_float_images(colour)
    assert out.shape == (3, 3, 4, 5) and out.dtype == np.float32 and out.flags.c_contiguous
    np.testing.assert_allclose(out, colour.transpose(0, 3, 1, 2) / 255, rtol=1e-6)


def test_the_dataloader_fetches_whole_batches():
    data = Digits(transform=T.Normalize(0.5, 0.5))
    loader = DataLoader(data, batch_size=100, shuffle=True, generator=ag.Generator(0))
    batches = list(loader)
    assert len(batches) == 15
    x, y = batches[0]
    assert x.shape == (100, 1, 8, 8) and y.shape == (100,) and y.dtype == ag.int64
    assert float(x.numpy().min()) == -1.0
    seen = np.concatenate([b[1].numpy() for b in batches])
    assert np.array_equal(np.sort(seen), np.sort(data.targets))


def test_target_transform_and_repr():
    data = Digits(train=False, target_transform=lambda y: y + 1)
    assert data.get_batch(np.arange(3))[1].numpy().tolist() == (data.targets[:3] + 1).tolist()
    assert "Digits(360 images of 8×8" in repr(data)
