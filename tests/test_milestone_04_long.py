"""Milestone 04 ``--long`` (``milestones/_cifar_long.py``): its parts, and its ``--quick`` run as a script.

The hour-long run itself is recorded in BENCHMARKS.md; here: the whitening
filters whiten, the weight average averages and puts the live weights back,
the mirrored test pass mirrors, and ``--long --quick`` ends with a passing
verdict and a record of its own (not milestone 04's weights or record).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from by_path import load_milestone

import tinytorch as tt

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(4)


@pytest.fixture(scope="module")
def long():
    """``milestones/_cifar_long.py`` as a module."""
    return load_milestone("cifar_long", "_cifar_long.py")


def _patches(images: np.ndarray) -> np.ndarray:
    """Every 2×2 patch of (N, C, H, W) ``images`` as a row (C, 2, 2 order, as a conv weight reads it)."""
    n, c, h, w = images.shape
    rows = [images[:, :, i : i + h - 1, j : j + w - 1] for i in range(2) for j in range(2)]
    return np.stack(rows, axis=2).reshape(n, c, 2, 2, -1).transpose(0, 4, 1, 2, 3).reshape(-1, c * 4)


def test_whitening_filters_decorrelate_the_patches(long, rng):
    smooth = np.cumsum(rng.standard_normal((40, 3, 9, 9)), axis=3) + rng.standard_normal((40, 3, 1, 1))
    filters = long.whitening_weights(smooth, eps=0.0)
    assert filters.shape == (24, 3, 2, 2) and filters.dtype == np.float32
    np.testing.assert_array_equal(filters[12:], -filters[:12])  # both signs
    patches = _patches(smooth)
    responses = (patches - patches.mean(axis=0)) @ filters[:12].reshape(12, -1).T.astype(np.float64)
    np.testing.assert_allclose(np.cov(responses, rowvar=False, bias=True), np.eye(12), atol=1e-4)


def test_the_network_starts_with_the_frozen_whitening_layer(long, rng):
    images = rng.standard_normal((20, 3, 16, 16)).astype(np.float32)
    model = long.build(3, 16, images)
    whiten = model[0]
    assert not whiten.weight.requires_grad
    np.testing.assert_allclose(whiten.weight.detach().numpy(), long.whitening_weights(images), rtol=1e-6)
    out = model(tt.tensor(images[:4]))
    assert tuple(out.shape) == (4, 10)
    assert "BatchNormReLU2d" in {type(m).__name__ for m in model}  # fused pairs


def test_warming_ema_decays_by_min_decay_and_a_growing_window(long):
    update = long.warming_ema(0.5)
    average, weights = tt.tensor([0.0, 4.0]), tt.tensor([11.0, -7.0])
    for n in range(1, 21):
        d = min(0.5, n / (n + 10))  # 1/11, 2/12, ... capped at 0.5 from the 10th update on
        got = update(average, weights, tt.tensor(n)).numpy()
        np.testing.assert_allclose(got, d * average.numpy() + (1 - d) * weights.numpy(), rtol=1e-6)
    np.testing.assert_allclose(update(average, weights, tt.tensor(1)).numpy(), [10.0, -6.0], rtol=1e-6)


def test_the_long_recipe_averages_with_restarts_in_the_warm_up(long):
    layer = tt.nn.Linear(3, 2)
    average = long.AveragedModel(layer, avg_fn=long.warming_ema(0.5))
    average.update_parameters(layer)
    start = layer.weight.detach().numpy().copy()
    with tt.no_grad():
        layer.weight.add_(11.0)
    average.update_parameters(layer)  # decay min(0.5, 1/11): 10/11 of the way to the live weights
    np.testing.assert_allclose(average.module.weight.detach().numpy(), start + 10.0, rtol=1e-6)
    with tt.no_grad():
        layer.weight.fill_(3.0)
    average.n_averaged.zero_()  # as in the warm-up: the next update copies, the window starts again
    average.update_parameters(layer)
    np.testing.assert_array_equal(average.module.weight.detach().numpy(), 3.0)
    assert int(average.n_averaged.item()) == 1


def test_update_bn_recalibrates_the_image_batch_norms_to_the_plain_mean(long, rng):
    from tt_vision import BatchNorm2d

    model = tt.nn.Sequential(BatchNorm2d(2))
    images = rng.standard_normal((5, 4, 2, 3, 3)).astype(np.float32) * 3 + 1
    batches = [(tt.tensor(x), None) for x in images]
    long.update_bn(long.itertools.islice(batches, 3), model)  # as the recipe calls it, on 3 of 5 batches
    mean = images[:3].mean(axis=(1, 3, 4)).mean(axis=0)  # the plain mean of the three batch means
    np.testing.assert_allclose(model[0].running_mean.numpy(), mean, rtol=1e-5)
    assert model[0].momentum == 0.1 and int(model[0].num_batches_tracked.item()) == 3


class _Data:
    """Two test images whose label only a mirrored look gets right, for the mirrored test pass."""

    def __init__(self, images, labels):
        self.images, self.labels = images, labels

    def __len__(self):
        return len(self.labels)

    def get_batch(self, indices):
        return tt.tensor(self.images[indices]), tt.tensor(self.labels[indices])


def test_mirrored_accuracy_averages_an_image_and_its_mirror(long):
    class LeftHalf(tt.nn.Module):  # class 1 when the left half is brighter, strongly; else 0
        def forward(self, x):
            left = x.numpy()[..., :2].sum(axis=(1, 2, 3))
            right = x.numpy()[..., 2:].sum(axis=(1, 2, 3))
            return tt.tensor(np.stack([right - left + 0.5, 2 * (left - right)], axis=1))

    images = np.zeros((2, 1, 4, 4), np.float32)
    images[0, ..., :2] = 1.0  # left bright: logits (−7.5, 16), mirror (8.5, −16): sum favours class 0
    images[1, ..., 2:] = 1.0
    data = _Data(images, np.array([0, 0]))
    assert long.mirrored_accuracy(LeftHalf(), data, sharded=False) == 1.0
    data = _Data(images, np.array([1, 1]))
    assert long.mirrored_accuracy(LeftHalf(), data, sharded=False) == 0.0


def test_quick_long_run_passes_and_keeps_its_own_record(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path / "home"), "TINYTORCH_NUM_THREADS": "2"}
    env["TINYTORCH_DATA"] = str(tmp_path / "no-data")  # the embedded digits
    command = [sys.executable, "milestones/04_cnn_cifar10.py", "--long", "--quick", "--out", str(tmp_path)]
    command += ["--weights", str(tmp_path / "long.npz")]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("VERDICT: PASS") and "long recipe" in last
    assert "averaged weights, each test image with its mirror" in result.stdout
    record = json.loads((tmp_path / "04-long.json").read_text(encoding="utf-8"))
    assert record["passed"] and record["metrics"]["recipe"] == "--long"
    assert not (tmp_path / "04.json").exists() and (tmp_path / "long.npz").exists()
