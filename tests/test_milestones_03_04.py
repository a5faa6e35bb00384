"""Milestones 03 (MLP on MNIST) and 04 (CNN on CIFAR-10) run as scripts in their ``--quick`` form.

The full runs take minutes (their results are in BENCHMARKS.md); here each
script runs exactly as a learner runs it, on a slice of the data for one
epoch, and must end with a passing verdict, save its weights and write its
record. Two settings:

* with nothing to load (``$TINYTORCH_DATA`` and the cache empty, no network
  used): the scripts fall back to the embedded 8×8 digits;
* with the shared offline copies (``../shared/datasets`` beside the
  checkout), when they exist: the real MNIST and CIFAR-10 files.
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

ROOT = Path(__file__).resolve().parents[1]


def run_quick(script: str, tmp_path: Path, data: Path | None, check_export=None) -> tuple[str, dict]:
    env = {**os.environ, "HOME": str(tmp_path / "home"), "TINYTORCH_NUM_THREADS": "2"}
    env["TINYTORCH_DATA"] = str(data if data is not None else tmp_path / "no-data")
    weights = tmp_path / "weights.npz"
    command = [sys.executable, f"milestones/{script}", "--quick", "--out", str(tmp_path)]
    command += ["--weights", str(weights)]
    if check_export is not None:
        command += ["--export", str(tmp_path / "export")]
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{script} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("VERDICT: PASS"), result.stdout
    record = json.loads((tmp_path / f"{script[:2]}.json").read_text(encoding="utf-8"))
    assert record["verdict"] == last and record["passed"] is True and record["metrics"]["quick"] is True
    with np.load(weights, allow_pickle=False) as saved:
        assert any(name.endswith("weight") for name in saved.files)
    if check_export is not None:
        check_export(tmp_path / "export", weights)
    return result.stdout, record


@pytest.mark.parametrize("script", ["03_mlp_mnist.py", "04_cnn_cifar10.py"])
def test_quick_run_without_data_uses_the_embedded_digits(script, tmp_path, check_export):
    stdout, record = run_quick(script, tmp_path, data=None, check_export=check_export)  # with --export
    assert "embedded 8x8 digits" in stdout
    assert record["metrics"]["data"] == "digits (embedded)"
    assert record["metrics"]["test accuracy"] > 0.2


def test_quick_mlp_on_real_mnist(tmp_path, shared_data):
    stdout, record = run_quick("03_mlp_mnist.py", tmp_path, data=shared_data)
    assert record["metrics"]["data"] == "MNIST" and "epoch  1/1" in stdout
    assert record["metrics"]["test accuracy"] > 0.5  # 3,000 images, one epoch


def test_quick_cnn_on_real_cifar10(tmp_path, shared_data):
    _, record = run_quick("04_cnn_cifar10.py", tmp_path, data=shared_data)
    assert record["metrics"]["data"] == "CIFAR-10"
    assert record["metrics"]["test accuracy"] > 0.2  # 5,000 images, one epoch


def test_the_default_recipe_scores_and_keeps_the_averaged_weights(monkeypatch, tmp_path):
    """Each test pass sees the weights' moving average, training the live weights; the average is kept."""
    m04 = _milestone_04()
    updates, made = [], []

    class Spy(m04.AveragedModel):
        def __init__(self, model, **kwargs):
            super().__init__(model, **kwargs)
            made.append(self)

        def update_parameters(self, model):
            updates.append((model, int(self.n_averaged.item())))
            super().update_parameters(model)

    scored = []

    def evaluate(model, data, sharded=False):
        scored.append((model, [p.detach().numpy().copy() for p in model.parameters()]))
        return 0.5

    monkeypatch.setattr(m04, "AveragedModel", Spy)
    monkeypatch.setattr(m04, "evaluate", evaluate)
    args = m04.argparse.Namespace(
        quick=True, seed=0, root=None, epochs=None, budget=480.0, no_data_parallel=True
    )
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path / "no-data"))  # the embedded digits: 12 steps
    monkeypatch.setenv("HOME", str(tmp_path))  # and no cached CIFAR-10 either
    result = m04.train(args, m04.time.perf_counter())
    (average,) = made
    live_model = updates[0][0]
    assert [n for _, n in updates] == list(range(13))  # the start, then one update per step
    assert all(model is live_model for model, _ in updates) and live_model is not average.module
    (epoch_model, averaged), (last_model, live) = scored  # the epoch's pass, then the live weights' one
    assert epoch_model is average.module and last_model is live_model
    assert result["model"] is average.module  # what was scored is what is saved
    final = [p.detach().numpy() for p in result["model"].parameters()]
    for a, kept in zip(averaged, final):
        np.testing.assert_array_equal(a, kept)
    assert any(not np.array_equal(a, b) for a, b in zip(averaged, live))
    assert result["history"]["test"] == [0.5] and result["live"] == 0.5


def _milestone_04():
    """milestones/04_cnn_cifar10.py as a module (its own imports, ``_record``, from its folder)."""
    return load_milestone("milestone_04_checks", "04_cnn_cifar10.py")


def test_the_fast_kernels_are_checked_against_the_learners_before_training(monkeypatch):
    """fuse_checked: one batch through the learner's kernels and through the fast ones must agree."""
    import tt_vision
    from tt_vision import thin_conv

    m04 = _milestone_04()
    images = np.random.default_rng(0).standard_normal((16, 3, 32, 32)).astype(np.float32)
    images = m04.tt.tensor(images)
    model = m04.build_cnn(3, 32)
    m04.fuse_checked(model, images)  # agree: fused, and training may start
    assert any(isinstance(m, tt_vision.BatchNormReLUMaxPool2d) for m in model.modules())

    assert thin_conv.applies(
        ((3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1), 3, 16, 32, 32
    )  # the first layer's path
    columns = thin_conv.columns
    # a fast path gone wrong: pixels out of order (a scale or shift batch norm would undo)
    monkeypatch.setattr(thin_conv, "columns", lambda *a: np.ascontiguousarray(columns(*a)[:, ::-1]))
    with pytest.raises(RuntimeError, match="disagree with your Conv2d"):
        m04.fuse_checked(m04.build_cnn(3, 32), images)
