"""``nox -s parity``: the programs of ``programs*.py`` (tutorials, nn breadth, distributions, graphs,
complex numbers and the FFT) in both frameworks.

Every recorded value (a loss, a gradient, a probability table) must agree to
``--rtol`` (default 1e-4) relative: ``max|a - b| / max|b|`` over the array, so
a value near zero is judged against the scale of its array. The result is
printed and written to ``docs/assets/parity.json``, which the coverage page
(``tools/pytorch_coverage.py``) reports. Exit status 1 if any program differs.

Usage:
    python tools/parity/run.py [--rtol 1e-4] [program ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from programs import PROGRAMS, ROOT, load_example  # noqa: E402
from programs_complex import PROGRAMS_COMPLEX  # noqa: E402
from programs_distributions import PROGRAMS_DISTRIBUTIONS  # noqa: E402
from programs_graph import PROGRAMS_GRAPH  # noqa: E402
from programs_nn import PROGRAMS_NN  # noqa: E402

RESULT = ROOT / "docs" / "assets" / "parity.json"


def relative_difference(ours: np.ndarray, theirs: np.ndarray) -> float:
    if ours.shape != theirs.shape:
        return float("inf")
    scale = float(np.max(np.abs(theirs))) if theirs.size else 0.0
    return float(np.max(np.abs(ours - theirs))) / max(scale, 1e-12) if theirs.size else 0.0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/assets/parity.json")
    programs = {**PROGRAMS, **PROGRAMS_NN, **PROGRAMS_DISTRIBUTIONS, **PROGRAMS_GRAPH, **PROGRAMS_COMPLEX}
    parser.add_argument("programs", nargs="*", help=f"default: all of {', '.join(programs)}")
    args = parser.parse_args(argv)

    import torch

    import tinytorch

    torch.set_num_threads(1)
    results = []
    for name in args.programs or list(programs):
        program, what = programs[name]
        theirs, ours = program(torch), program(tinytorch)
        labels = [label for label, _ in theirs]
        assert labels == [label for label, _ in ours], f"{name}: the two runs recorded different steps"
        worst, worst_label = 0.0, ""
        for (label, a), (_, b) in zip(ours, theirs):
            diff = relative_difference(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
            if diff > worst:
                worst, worst_label = diff, label
        passed = worst <= args.rtol
        print(
            f"{'ok  ' if passed else 'FAIL'} {name:26s} {len(labels):3d} values  max rel diff {worst:.1e}"
            f"{'' if passed else f'  (at {worst_label})'}"
        )
        results.append(
            {"name": name, "what": what, "steps": len(labels), "max_rel_diff": worst, "passed": passed}
        )
    # The example end to end (data, training loop, generate() with multinomial) under real PyTorch:
    # it must run unchanged; its sampled text differs from TinyTorch's (different random streams).
    example = load_example(torch).main(["--seconds", "5", "--max-iters", "3", "--sample-tokens", "40"])
    print(f"examples/nanogpt_shakespeare.py ran unchanged on PyTorch: val loss {example['val']:.3f}")
    summary = {
        "torch_version": torch.__version__.split("+")[0],
        "rtol": args.rtol,
        "passed": all(r["passed"] for r in results),
        "programs": results,
        "example_runs_on_torch": True,
    }
    if not args.no_write:
        RESULT.write_text(json.dumps(summary, indent=2) + "\n")
        print(f"wrote {RESULT.relative_to(ROOT)}")
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
