"""Milestone 04's kind of CNN under ``nn.DataParallel``: convolutions and pooling on two threads at once."""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
import tt_tensor
from tt_vision import BatchNorm2d, Conv2d, MaxPool2d


def cnn() -> nn.Module:
    tt_tensor.manual_seed(0)
    return nn.Sequential(
        Conv2d(3, 8, 3, padding=1), BatchNorm2d(8), nn.ReLU(), MaxPool2d(2),
        Conv2d(8, 16, 3, padding=1), nn.ReLU(), MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 4 * 4, 10),
    ).to(dtype=autograd.float64)  # fmt: skip


def test_cnn_gradients_under_data_parallel_equal_the_whole_batch():
    rng = np.random.default_rng(0)
    x = autograd.tensor(rng.standard_normal((12, 3, 16, 16)))
    y = autograd.tensor(rng.integers(0, 10, 12))
    model = cnn().eval()  # batch norm on its running statistics: samples independent
    loss = nn.CrossEntropyLoss()(model(x), y)
    loss.backward()
    expected = [p.grad.array.copy() for p in model.parameters()]
    model.zero_grad()
    for _ in range(3):  # repeated: the threads' kernels must not share scratch memory
        model.zero_grad()
        parallel_loss = nn.CrossEntropyLoss()(nn.DataParallel(model, device_ids=[0, 1, 2])(x), y)
        np.testing.assert_allclose(float(parallel_loss), float(loss), rtol=1e-12)
        parallel_loss.backward()
        for p, want in zip(model.parameters(), expected):
            np.testing.assert_allclose(p.grad.array, want, rtol=1e-9, atol=1e-12)


def test_training_batch_norm_normalises_each_slice_with_its_own_statistics():
    rng = np.random.default_rng(1)
    x = autograd.tensor(rng.standard_normal((8, 3, 16, 16)))
    model = cnn()
    got = nn.DataParallel(model, device_ids=[0, 1])(x).array
    halves = [cnn()(autograd.tensor(x.array[i : i + 4])).array for i in (0, 4)]
    np.testing.assert_allclose(got, np.concatenate(halves), rtol=1e-10, atol=1e-12)
