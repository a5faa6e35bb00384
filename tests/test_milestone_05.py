"""Milestone 05: its smoke run (``--quick``) trains, saves, samples, records and passes; its schedule.

The full run (a character-level GPT to 1.60 nats/char on tiny-shakespeare
within 15 minutes) is too long for a test; ``--quick`` runs the same code
path on a 120,000-character slice with a tiny model for 80 steps, in a
subprocess exactly as a learner runs it, writing into a temporary folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from by_path import load_milestone

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def milestone():
    """``milestones/05_gpt_shakespeare.py`` as a module."""
    return load_milestone("gpt_milestone", "05_gpt_shakespeare.py")


def test_learning_rate_warms_up_decays_over_decay_time_then_holds_the_floor(milestone):
    args = milestone.parse([])
    assert (args.lr, args.min_lr_ratio, args.warmup, args.decay_time) == (4e-3, 0.1, 100, 600.0)
    rate = milestone.learning_rate
    assert rate(0, 0.0, args) == pytest.approx(4e-5) and rate(99, 0.01, args) == pytest.approx(4e-3)
    assert rate(100, 0.0, args) == pytest.approx(4e-3)  # warm-up done: the peak
    assert rate(500, 0.5, args) == pytest.approx(4e-3 * (0.1 + 0.9 * 0.5))  # half-way down the cosine
    assert rate(900, 0.25, args) == pytest.approx(4e-3 * (0.1 + 0.9 * (1 + np.cos(np.pi / 4)) / 2))
    for done in (1.0, 1.5, 3.0):  # after the decay: the floor, however long the run goes on
        assert rate(3000, done, args) == pytest.approx(4e-4)


def test_record_refuses_a_second_destination(milestone):
    """``--record`` writes the docs' record; beside ``--out`` it must refuse, not quietly write elsewhere."""
    with pytest.raises(SystemExit, match="leave out --out"):
        milestone.parse(["--record", "--out", "/tmp/elsewhere"])
    assert milestone.parse(["--out", "/tmp/elsewhere"]).out == Path("/tmp/elsewhere")


def test_the_training_loop_decays_over_decay_time_not_over_the_budget(tmp_path):
    """With ``--decay-time`` spent at once, every step after the warm-up trains at the floor rate."""
    command = [sys.executable, "milestones/05_gpt_shakespeare.py", "--quick", "--no-plot", "--max-steps=40"]
    command += ["--decay-time", "1e-6", "--out", str(tmp_path), "--save-dir", str(tmp_path)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode in (0, 1), f"exit {result.returncode}:\n{result.stdout}\n{result.stderr}"
    progress = [line for line in result.stdout.splitlines() if line.startswith("step ")]
    rates = [line.split("| lr ")[1].split()[0] for line in progress]
    assert rates == ["4.00e-04"] * 2, result.stdout  # steps 20 and 40 (warm-up: 10 steps), lr 4e-3 · 0.1


@pytest.mark.parametrize("variant", [[], ["--bpe"]], ids=["characters", "bpe"])
def test_milestone_05_quick_run_learns_saves_and_passes(tmp_path, variant, check_export):
    command = [sys.executable, "milestones/05_gpt_shakespeare.py", "--quick", "--no-plot", *variant]
    command += ["--out", str(tmp_path), "--save-dir", str(tmp_path), "--export", str(tmp_path / "export")]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"exit {result.returncode}:\n{result.stdout}\n{result.stderr}"
    lines = result.stdout.strip().splitlines()
    assert lines[-1].startswith("VERDICT: PASS"), result.stdout
    assert any(line.startswith("step    20 |") for line in lines), "progress is printed"
    record = json.loads((tmp_path / "05.json").read_text(encoding="utf-8"))
    assert record["milestone"] == "05" and record["passed"] is True and record["verdict"] == lines[-1]
    metrics = record["metrics"]
    assert metrics["validation loss (nats/char)"] < 3.0 < np.log(65), "learning: well below uniform guessing"
    assert metrics["training steps"] == 80 and metrics["sample"]
    name = "gpt_bpe_quick" if variant else "gpt_char_quick"
    weights = np.load(tmp_path / f"{name}.npz", allow_pickle=False)  # the weights load without pickle
    assert any("wte" in key for key in weights.files)
    assert json.loads((tmp_path / f"{name}.tokenizer.json").read_text())["kind"] == (
        "bpe" if variant else "char"
    )
    assert json.loads((tmp_path / f"{name}.config.json").read_text())["n_layer"] == 2
    check_export(tmp_path / "export", tmp_path / f"{name}.npz")  # --export: safetensors and ONNX
