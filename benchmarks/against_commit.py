"""Did a change cost speed? The quick benchmarks of two source trees, alternating, side by side.

    python benchmarks/against_commit.py 790e716            # that commit against this tree
    python benchmarks/against_commit.py 790e716 --rounds 5

The other commit is checked out into a temporary ``git worktree`` (removed at the
end). Each round runs ``benchmarks/run.py --quick`` once for each tree, in turn, in
fresh processes of this same Python: ``PYTHONPATH`` puts that tree's ``src``
folders first, so the same venv runs either tree's packages. Alternating rounds
share out the machine's noise (other jobs, clock changes) between the two sides.
The table gives each figure's median over the rounds, and the change in percent;
the spread column (half the range between the two sides' min and max, relative)
says how much of that change is noise.

Cost: one ``run.py --quick`` is about 15-60 s on a 2-core machine, so three rounds
take 2-6 minutes.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: figure name -> (regular expression on run.py's output, "lower" or "higher" is better)
FIGURES: dict[str, tuple[str, str]] = {
    "MLP step b64, ratio to NumPy": (r"batch  64: .*ratio ([\d.]+)x", "lower"),
    "MLP step b256, ratio to NumPy": (r"batch 256: .*ratio ([\d.]+)x", "lower"),
    "per-op overhead, us": (r"([\d.]+) us/op", "lower"),
    "GPT step, 1 thread, ms": (r"1 BLAS thread :\s+(\d+) ms", "lower"),
    "GPT step, 2 threads, ms": (r"2 BLAS threads:\s+(\d+) ms", "lower"),
    "small CNN step, ms": (r"small CNN training step:\s+([\d.]+) ms", "lower"),
    "milestone-04 net step, ms": (r"milestone-04 net \(with BN\) step:\s+([\d.]+) ms", "lower"),
    "conv GFLOP/s": (r"= (\d+) GFLOP/s", "higher"),
    "1024^3 sgemm GFLOP/s (machine)": (r"matmul in this run: (\d+)", "higher"),
    "augmentation epoch, s": (r"then median ([\d.]+) s", "lower"),
    "KV cache, 127 tokens, speed-up": (r"127 tokens at context 128 .*\(([\d.]+)x\)", "higher"),
    # where the two steps go (the scripts' profiles): the element-wise kernels of issue #19
    "GPT step: GELU, ms": (r"\n    GELU\s+([\d.]+)", "lower"),
    "GPT step: LayerNorm, ms": (r"\n    LayerNorm\s+([\d.]+)", "lower"),
    "CNN step: batch norm, ms": (r"\n  batch norm\s+([\d.]+) ms", "lower"),
    "CNN step: pool, ms": (r"\n  pool\s+([\d.]+) ms", "lower"),
    "CNN step: relu, ms": (r"\n  relu\s+([\d.]+) ms", "lower"),
}


def source_path(tree: Path) -> str:
    """``PYTHONPATH`` that makes ``tree``'s packages (and its meta-package) importable first."""
    folders = sorted(str(p) for p in (tree / "packages").glob("*/src"))
    if (tree / "src").is_dir():
        folders.insert(0, str(tree / "src"))
    return os.pathsep.join(folders)


def run_quick(tree: Path, full: bool = False) -> str:
    """``benchmarks/run.py --quick``'s output (or the full run's) from ``tree``, with its packages."""
    env = dict(os.environ, PYTHONPATH=source_path(tree))
    command = [sys.executable, "benchmarks/run.py", *([] if full else ["--quick"])]
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks/run.py failed in {tree}:\n{done.stderr[-2000:]}")
    return done.stdout


def figures(output: str) -> dict[str, float]:
    """The figures of :data:`FIGURES` that one run printed."""
    found = {}
    for name, (pattern, _) in FIGURES.items():
        match = re.search(pattern, output)
        if match:
            found[name] = float(match[1])
    return found


def table(baseline: list[dict[str, float]], candidate: list[dict[str, float]], label: str) -> str:
    lines = [
        f"{'figure':34s} {label:>12s} {'this tree':>12s} {'change':>8s} {'noise':>7s}",
    ]
    for name, (_, better) in FIGURES.items():
        old = [run[name] for run in baseline if name in run]
        new = [run[name] for run in candidate if name in run]
        if not old or not new:
            continue
        a, b = statistics.median(old), statistics.median(new)
        change = 100 * (b - a) / a
        if better == "higher":
            change = -change  # positive = slower, for every row
        spread = 100 * (max(old + new) - min(old + new)) / 2 / a
        lines.append(f"{name:34s} {a:12.2f} {b:12.2f} {change:+7.1f}% {spread:6.0f}%")
    lines.append("change: positive = this tree is slower (or lower where higher is better)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("commit", help="the baseline: any git revision")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--full", action="store_true", help="run.py's full run (more repeats, minutes each)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", args.commit], cwd=ROOT, capture_output=True, text=True
    )
    if commit.returncode != 0:
        parser.error(f"{args.commit!r} is not a revision of {ROOT}: {commit.stderr.strip()}")
    label = commit.stdout.strip()
    with tempfile.TemporaryDirectory(prefix="tt-baseline-") as folder:
        tree = Path(folder) / label
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), label], cwd=ROOT, check=True)
        try:
            baseline, candidate = [], []
            for round_number in range(1, args.rounds + 1):
                order = [(tree, baseline), (ROOT, candidate)]
                if round_number % 2 == 0:
                    order.reverse()  # neither side always runs first
                for where, runs in order:
                    start = time.perf_counter()
                    runs.append(figures(run_quick(where, args.full)))
                    side = label if where == tree else "this tree"
                    took = time.perf_counter() - start
                    print(f"round {round_number}: {side} in {took:.0f} s, load {os.getloadavg()[0]:.1f}")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    mode = "" if args.full else " --quick"
    print(f"\nmedians of {args.rounds} alternating rounds of benchmarks/run.py{mode}\n")
    print(table(baseline, candidate, label))
    return 0


if __name__ == "__main__":
    sys.exit(main())
