"""Memory runtime benchmark: training steps with freed memory kept in the process, and with glibc's defaults.

``python benchmarks/memory.py`` prints, measured in this one run, for milestone
05's GPT step (``--rows`` windows of 128 characters, default 16: one rank's
share of the batch of 32) and milestone 04's CNN step (128 images), each with
one BLAS thread: wall milliseconds per step and minor page faults per step,
in child processes started with ``TINYTORCH_KEEP_FREED_MEMORY=1`` (the
default: :mod:`tt_tensor.memory` raises glibc's mmap and trim thresholds) and
``=0`` (glibc's defaults), alternating round after round so a change of load
hits both alike; each figure is the median over the rounds of per-round
medians. Also in ``nox -s bench`` (via ``benchmarks/run.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

STEPS = 8


def child(model: str, rows: int, steps: int) -> None:
    """Time ``steps`` training steps in this process and print ms and page faults per step as JSON."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import tt_tensor
    from tt_tensor.threads import set_num_threads

    set_num_threads(1)
    tt_tensor.manual_seed(0)
    if model == "gpt":
        from text import CONFIG, tinytorch_step
        from tt_text import GPT

        step = tinytorch_step(GPT(CONFIG), slice(0, rows))
    else:
        from vision import make_step, small_cnn

        step = make_step(small_cnn(batch_norm=True))
    for _ in range(3):  # warm-up: the heap grows to the step's size once
        step()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / steps
    kept = tt_tensor.memory.keeping_freed_memory()
    print(json.dumps({"ms": 1e3 * statistics.median(times), "faults": faults, "kept": kept}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--rows", type=int, default=16, help="GPT windows per step")
    parser.add_argument("--quick", action="store_true", help="one round of 2 steps (a smoke run)")
    parser.add_argument("--child", nargs=2, metavar=("MODEL", "STEPS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.rows, int(args.child[1]))
        return 0
    rounds, steps = (1, 2) if args.quick else (args.rounds, STEPS)
    print(f"memory runtime: one BLAS thread, {rounds} alternating round(s) of {steps} steps; "
          f"load average {os.getloadavg()[0]:.1f} at the start")  # fmt: skip
    results: dict[tuple[str, str], list[dict]] = {}
    for _ in range(rounds):
        for model in ("gpt", "cnn"):
            for keep in ("1", "0"):
                command = [sys.executable, __file__, "--rows", str(args.rows), "--child", model, str(steps)]
                env = {**os.environ, "TINYTORCH_KEEP_FREED_MEMORY": keep, "TINYTORCH_NUM_THREADS": "1"}
                out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
                results.setdefault((model, keep), []).append(json.loads(out.strip().splitlines()[-1]))
    names = {"gpt": f"GPT step ({args.rows} x 128 tokens)", "cnn": "CNN step (128 images)"}
    for model in ("gpt", "cnn"):
        cells = {}
        for keep in ("1", "0"):
            runs = results[(model, keep)]
            cells[keep] = tuple(statistics.median(r[key] for r in runs) for key in ("ms", "faults"))
        (kept_ms, kept_faults), (default_ms, default_faults) = cells["1"], cells["0"]
        print(f"  {names[model]:28s} freed memory kept: {kept_ms:6.0f} ms, {kept_faults:7,.0f} page faults; "
              f"glibc's defaults: {default_ms:6.0f} ms, {default_faults:7,.0f} page faults; "
              f"{default_ms / kept_ms:.2f}x")  # fmt: skip
    print(f"  load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
