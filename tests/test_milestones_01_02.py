"""Milestones 01 and 02 run as scripts, pass, and record what they measured.

Each script runs in a subprocess exactly as a learner runs it
(``python milestones/NN_name.py``), writing its record to a temporary folder
instead of the docs. The test reads that record and checks the claims
themselves, not just the verdict line: 100% for the perceptron; for XOR, a
single layer that never beats 75% and a two-layer network at 100%.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None


def run_milestone(script: str, out: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    result = subprocess.run(
        [sys.executable, f"milestones/{script}", "--out", str(out), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{script} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("VERDICT: PASS"), f"{script} did not pass:\n{result.stdout}"
    record = json.loads((out / f"{script[:2]}.json").read_text(encoding="utf-8"))
    assert record["verdict"] == last and record["passed"] is True and record["milestone"] == script[:2]
    return result, record


def test_milestone_01_perceptron_separates_every_point(tmp_path):
    result, record = run_milestone("01_perceptron.py", tmp_path)
    assert record["metrics"]["training accuracy"] == 1.0 and record["metrics"]["points"] == 200
    assert "epoch  1  accuracy" in result.stdout
    if HAS_MATPLOTLIB:
        assert record["figures"] == ["01_perceptron.png"]
        assert (tmp_path / "01_perceptron.png").stat().st_size > 0
    else:
        assert record["figures"] == [] and "matplotlib is not installed" in result.stdout


def test_milestone_02_one_layer_fails_xor_and_two_layers_solve_it(tmp_path):
    _, record = run_milestone("02_xor.py", tmp_path, "--no-plot", "--steps", "300")
    metrics = record["metrics"]
    assert metrics["single layer, best training accuracy"] <= 0.75
    assert metrics["best of 100,000 random lines"] == 0.75
    assert metrics["two layers, final training accuracy"] == 1.0
    assert record["figures"] == [] and not list(tmp_path.glob("*.png"))


def test_a_run_changes_no_tracked_file_unless_recorded():
    spec = importlib.util.spec_from_file_location("milestone_record", ROOT / "milestones" / "_record.py")
    record = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(record)

    class Args:
        def __init__(self, **given):
            self.out, self.record, self.quick, self.no_plot = None, False, False, False
            self.__dict__.update(given)

    assert record.output_folder(Args()) == ROOT / "build" / "milestones"
    assert record.output_folder(Args(out=Path("/x"))) == Path("/x")
    assert not record.ASSETS.relative_to(ROOT).as_posix().startswith("build")
    for wrong, reason in [({"quick": True}, "--quick"), ({"out": Path("/x")}, "leave out --out"),
                          ({"no_plot": True}, "matplotlib")]:  # fmt: skip
        try:
            record.output_folder(Args(record=True, **wrong))
        except SystemExit as error:
            assert reason in str(error), error
        else:
            raise AssertionError(f"--record with {wrong} must refuse")
    try:  # a full run with figures: recorded for the docs, if matplotlib can draw them
        assert record.output_folder(Args(record=True)) == record.ASSETS and HAS_MATPLOTLIB
    except SystemExit as error:
        assert not HAS_MATPLOTLIB and "matplotlib" in str(error), error
