"""Milestone 06 (systems) runs as a script in its ``--quick`` form, and fails when a pass is broken.

The full run takes a few minutes with milestone 04's trained weights (its result
is in BENCHMARKS.md). Here the quick run trains a small CNN on a slice of
CIFAR-10, prunes, folds and quantizes it and plans it for inference (timing
decides nothing in a quick run), checks the KV cache on a tiny GPT, and must pass; and a sabotaged KV
cache — one that returns different tokens — must make the milestone fail, so
the verdict checks what it claims.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(tmp_path: Path, shared_data: Path, prelude: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(tmp_path / "home"), "TINYTORCH_DATA": str(shared_data)}
    code = textwrap.dedent(prelude) + textwrap.dedent(
        f"""
        import runpy, sys
        sys.argv = ["milestones/06_systems.py", "--quick", "--out", {str(tmp_path)!r},
                    "--weights", {str(tmp_path / "absent.npz")!r}]
        sys.path.insert(0, "milestones")
        try:
            runpy.run_path("milestones/06_systems.py", run_name="__main__")
        except SystemExit as exit:
            raise SystemExit(exit.code)
        """
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def test_quick_run_passes_and_records_every_stage(tmp_path, shared_data):
    result = run(tmp_path, shared_data)
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("VERDICT: PASS"), result.stdout
    record = json.loads((tmp_path / "06.json").read_text(encoding="utf-8"))
    stages = record["metrics"]["cnn stages"]
    names = [s["name"] for s in stages["stages"]]
    assert names == [
        "prune 12.5% channels + 5 distillation steps",
        "fold batch norm",
        "static INT8 (calibrated)",
        "INT8 weights only (dequantized per call)",
        "inference plan (NumPy steps, no autograd)",
        "INT8 weight storage (float32 copy made once)",
    ]
    assert stages["final"]["size_bytes"] * 3.5 <= stages["start"]["size_bytes"]
    kept = {s["name"]: s["kept"] for s in stages["stages"]}
    assert kept["static INT8 (calibrated)"], "the integer path gives the quick run its size"
    reasons = {s["name"]: s["reason"] for s in stages["stages"]}
    for later in names[3:]:  # nothing smaller after static INT8, and timing decides nothing here
        assert not kept[later] and "not smaller" in reasons[later], (later, reasons[later])
    assert record["metrics"]["gpt same tokens"] is True and record["passed"] is True


def test_a_kv_cache_that_changes_the_tokens_fails_the_milestone(tmp_path, shared_data):
    sabotage = """
        import tt_text
        real = tt_text.GPT.generate
        def wrong(self, *args, use_cache=False, **kwargs):
            ids = real(self, *args, use_cache=use_cache, **kwargs)
            if use_cache:
                ids.numpy()[:, -1] = (ids.numpy()[:, -1] + 1) % 65  # one wrong token at the end
            return ids
        tt_text.GPT.generate = wrong
    """
    result = run(tmp_path, shared_data, sabotage)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "same tokens False" in result.stdout.strip().splitlines()[-1]
