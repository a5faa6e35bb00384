"""Data-parallel benchmark (issue #18): milestones 05 and 04's training steps on one process vs two MPI ranks.

``python benchmarks/dist.py`` prints, measured in this one run on this machine,
for milestone 05's GPT (tokens/s: an AdamW step with gradient clipping on 32
windows of 128 characters, the step of ``benchmarks/text.py``) and milestone
04's CNN (images/s: an SGD step on 128 images of 3x32x32, the BatchNorm net of
``benchmarks/vision.py``):

* ``1 process x 2 BLAS threads`` and ``1 process x 1 BLAS thread`` (TinyTorch's
  worker pool at its default in both);
* ``2 ranks x 1 BLAS thread``: the same global batch split over two ranks
  started with ``mpiexec -n 2`` (half each, one BLAS thread and no worker pool
  per rank), the model wrapped in ``DistributedDataParallel``, so gradients are
  averaged during backward and both ranks take the same step. A step's time is
  the slowest rank's, each step starting at a barrier;
* ``1 process, nn.DataParallel``: the same batch cut over the worker
  threads of one process (``tt_nn.DataParallel``: forward and backward of
  each slice on its own thread with a one-thread BLAS, gradients summed);
* with ``--torch`` (PyTorch installed: ``nox -s bench-torch-dist``), PyTorch's
  single-process step of the same models on the same batches with 2 threads,
  run in a child process (the framework never imports torch);

then the ratios: two ranks against one process (goal >= 1.4x) and against
PyTorch (goal > 1x). The sides alternate, round after round (``--rounds``,
each of ``--steps`` timed steps after a warm-up), and each figure is the
median over the rounds of the per-round medians, so a change of load hits
every side alike; the load average is printed beside them.

Last, where the GPT step goes (``text.py``'s profile: ms per step in each kind
of Function, forward and backward): in one process with two BLAS threads
(after the rounds), on rank 0 of the two (each round, median) and, with
``--torch``, in PyTorch's step (``text.torch_profile``: its profiler's
operators in the same groups; each round, median), and what
one all-reduce of as many float32 values as the GPT has parameters costs
between the two ranks, and how long each rank's steps wait in DDP's finish
(for the all-reduce and for the slower rank: a straggler shows there). The
GEMMs divide between the cores either way; the element-wise rest is what two
ranks halve and one process does not.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import tt_autograd as autograd
import tt_nn as nn
import tt_tensor
from function_timers import timed_attribute  # benchmarks/function_timers.py
from text import BATCH as WINDOWS  # benchmarks/text.py: milestone 05's GPT step
from text import CONFIG, CONTEXT, profile, tinytorch_step, torch_profile, torch_step
from tt_tensor.threads import set_num_threads, workers
from tt_text import GPT
from vision import BATCH as IMAGES  # benchmarks/vision.py: milestone 04's CNN step
from vision import make_step, small_cnn, torch_small_cnn_step

MODELS = {"gpt": (WINDOWS * CONTEXT, "tokens/s"), "cnn": (IMAGES, "images/s")}  # items per step, unit


def build(name: str) -> object:
    """Milestone 05's GPT (``"gpt"``) or milestone 04's CNN (``"cnn"``), the same weights on every rank."""
    tt_tensor.manual_seed(0)
    return GPT(CONFIG) if name == "gpt" else small_cnn(batch_norm=True)


def step_of(name: str, model: object, rows: slice = slice(None)) -> Callable[[], float]:
    """A training step of ``model`` on ``rows`` of its benchmark's fixed batch (text.py's or vision.py's)."""
    return tinytorch_step(model, rows) if name == "gpt" else make_step(model, rows=rows)


def timed(step: Callable[[], object], steps: int, sync: Callable[[float], float] | None = None) -> float:
    """Median seconds of ``steps`` calls after one warm-up; ``sync`` makes each the slowest rank's."""
    step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        elapsed = time.perf_counter() - start
        times.append(sync(elapsed) if sync else elapsed)
    return statistics.median(times)


def rank_worker(steps: int, out: str) -> None:
    """One rank of ``mpiexec -n N``: its share of each batch, DDP; a step takes the slowest rank's time."""
    import tt_dist as dist

    rank, world = dist.setup(blas_threads=1)

    def slowest(seconds: float) -> float:  # the all-reduce also lines the ranks up for the next step
        buffer = autograd.tensor([seconds], dtype=autograd.float64)
        dist.all_reduce(buffer, op=dist.ReduceOp.MAX)
        return float(buffer.numpy()[0])

    result = {}
    for name in MODELS:
        model = dist.DistributedDataParallel(build(name))
        share = (WINDOWS if name == "gpt" else IMAGES) // world
        step = step_of(name, model, slice(rank * share, (rank + 1) * share))
        dist.barrier()
        result[name] = timed(step, steps, slowest)
        if name == "gpt":  # where rank 0's step goes, and what one all-reduce of all its gradients costs
            result["gpt profile"] = profile(step, steps)
            result["gpt all-reduce"] = all_reduce_seconds(model, steps)
            result["gpt finish"] = finish_seconds(model, step, steps)
    if rank == 0:
        Path(out).write_text(json.dumps(result))


def all_reduce_seconds(model: object, repeats: int) -> tuple[float, float]:
    """(MB, median seconds) of one all-reduce of as many float32 values as ``model`` has parameters."""
    import tt_dist as dist

    buffer = autograd.zeros(sum(p.numel() for p in model.parameters()))
    times = []
    for _ in range(repeats):
        dist.barrier()
        start = time.perf_counter()
        dist.all_reduce(buffer)
        times.append(time.perf_counter() - start)
    return buffer.numpy().nbytes / 1e6, statistics.median(times)


def finish_seconds(model: object, step: Callable[[], float], steps: int) -> list[list[float]]:
    """Per rank, the seconds each of ``steps`` steps spent in DDP's finish (``Reducer.finish``).

    That is the wait for the gradient all-reduce, the other ranks' lateness
    included, then the averaging and the copy back: where a straggler shows.
    """
    import tt_dist as dist

    spent = {"finish": 0.0}
    mine = []
    with timed_attribute(model.reducer, "finish", spent, "finish"):
        for _ in range(steps):
            dist.barrier()
            spent["finish"] = 0.0
            step()
            mine.append(spent["finish"])
    every: list[list[float]] = [[] for _ in range(dist.get_world_size())]
    dist.all_gather_object(every, mine)
    return every


def torch_worker(steps: int, out: str) -> None:
    """PyTorch's single-process steps (2 threads) of the same models and batches (the opt-in yardstick)."""
    import torch  # opt-in yardstick only, in this child process

    torch.set_num_threads(2)
    gpt, _ = torch_step(build("gpt"))
    result = {"gpt": timed(gpt, steps), "cnn": timed(torch_small_cnn_step(batch_norm=True), steps)}
    result["gpt profile"] = torch_profile(gpt, steps)
    Path(out).write_text(json.dumps(result))


def child(flag: str, steps: int, env: dict[str, str], launcher: list[str]) -> dict[str, float]:
    """Run this file as ``flag``'s worker (under ``launcher``) and read the seconds per step it measured."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "result.json"
        command = [*launcher, sys.executable, __file__, flag, str(out), "--steps", str(steps)]
        subprocess.run(command, check=True, env={**os.environ, **env})
        return json.loads(out.read_text())


def mpiexec() -> str:
    beside = Path(sys.executable).parent / "mpiexec"
    return str(beside) if beside.exists() else "mpiexec"


def print_split(local: dict[str, float], rank_splits: list[dict], torch_splits: list[dict]) -> None:
    """Where the GPT step goes: one process x 2 BLAS threads (after the rounds), rank 0 (median of
    rounds) and, with ``--torch``, PyTorch's step (median of rounds; ``text.torch_profile``'s groups)."""
    groups = sorted(local, key=local.get, reverse=True)
    groups += sorted({g for r in torch_splits for g in r["gpt profile"]} - set(groups))
    rank = {g: statistics.median(r["gpt profile"].get(g, 0.0) for r in rank_splits) for g in groups}
    theirs = {g: statistics.median(r["gpt profile"].get(g, 0.0) for r in torch_splits) for g in groups}
    megabytes = rank_splits[0]["gpt all-reduce"][0]
    reduce_ms = statistics.median(r["gpt all-reduce"][1] for r in rank_splits) * 1e3
    torch_head = f"{'PyTorch x 2 threads':>22s}" if torch_splits else ""
    print(f"  where the GPT step goes (ms; text.py's profile): {'1 process x 2 BLAS threads':>28s} "
          f"{'rank 0 of 2 x 1 thread':>24s}{torch_head}")  # fmt: skip
    for group in groups:
        torch_cell = f"{theirs[group]:22.1f}" if torch_splits else ""
        print(f"    {group:28s} {local.get(group, 0.0):38.1f} {rank[group]:24.1f}{torch_cell}")
    print(f"  one all-reduce of the GPT's {megabytes:.1f} MB of gradients, 2 ranks: {reduce_ms:.2f} ms")
    waits = [[seconds * 1e3 for r in rank_splits for seconds in r["gpt finish"][rank]] for rank in (0, 1)]
    print("  in DDP's finish (waiting for the all-reduce and the slower rank, averaging), ms per step: "
          + ", ".join(f"rank {rank} median {statistics.median(w):.1f}, max {max(w):.1f}"
                      for rank, w in enumerate(waits)))  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=8, help="timed steps per side and round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds over all sides")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 steps, 1 round")
    parser.add_argument("--torch", action="store_true", help="also time PyTorch's single-process step")
    parser.add_argument("--rank-worker", metavar="OUT", help=argparse.SUPPRESS)  # run by mpiexec
    parser.add_argument("--torch-worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rank_worker:
        rank_worker(args.steps, args.rank_worker)
        return 0
    if args.torch_worker:
        torch_worker(args.steps, args.torch_worker)
        return 0
    steps, rounds = (2, 1) if args.quick else (args.steps, args.rounds)
    one_thread = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "TINYTORCH_NUM_THREADS": "1"}
    print(f"data parallel: milestone 05's GPT ({WINDOWS} x {CONTEXT} tokens, AdamW) and milestone 04's CNN "
          f"({IMAGES} images, SGD) per step; {rounds} alternating round(s) of {steps} timed steps per side; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")  # fmt: skip
    models = {name: build(name) for name in MODELS}
    local = {name: step_of(name, model) for name, model in models.items()}
    threaded = {name: step_of(name, nn.DataParallel(build(name))) for name in MODELS}
    sides: dict[str, dict[str, list[float]]] = {}
    rank_splits: list[dict] = []  # each round's rank-0 result: its GPT profile and all-reduce time
    torch_splits: list[dict] = []  # each round's PyTorch result: its GPT profile

    def record(side: str, seconds: dict[str, float]) -> None:
        for name, value in seconds.items():
            sides.setdefault(side, {}).setdefault(name, []).append(value)

    for _ in range(rounds):
        for threads in (2, 1):
            set_num_threads(threads)
            record(f"1 process x {threads} BLAS thread{'s' if threads > 1 else ''}",
                   {name: timed(step, steps) for name, step in local.items()})  # fmt: skip
        set_num_threads(2)
        record(f"1 process, nn.DataParallel x {workers()}",
               {name: timed(step, steps) for name, step in threaded.items()})  # fmt: skip
        ranks = child("--rank-worker", steps, one_thread, [mpiexec(), "-n", "2"])
        record("2 ranks x 1 BLAS thread", {name: ranks[name] for name in MODELS})
        rank_splits.append(ranks)
        if args.torch:
            theirs = child("--torch-worker", steps, {}, [])
            torch_splits.append(theirs)
            record("PyTorch 1 process x 2 threads", {name: theirs[name] for name in MODELS})
    set_num_threads(2)
    local_profile = profile(local["gpt"], steps)
    median = {side: {name: statistics.median(v) for name, v in got.items()} for side, got in sides.items()}
    print(f"  {'':32s} {'GPT':>26s} {'CNN':>26s}")
    for side, got in median.items():
        cells = [f"{got[n] * 1e3:7.0f} ms {MODELS[n][0] / got[n]:8,.0f} {MODELS[n][1]}" for n in MODELS]
        print(f"  {side:32s} " + " ".join(f"{cell:>26s}" for cell in cells))
    two = median["2 ranks x 1 BLAS thread"]
    for side, goal in (("1 process x 2 BLAS threads", ">= 1.4x"), ("1 process x 1 BLAS thread", None),
                       ("PyTorch 1 process x 2 threads", "> 1x")):  # fmt: skip
        if side in median:
            ratios = ", ".join(f"{name.upper()} {median[side][name] / two[name]:.2f}x" for name in MODELS)
            print(f"  2 ranks against {side}: {ratios}" + (f"  (goal {goal})" if goal else ""))
    data_parallel = median[f"1 process, nn.DataParallel x {workers()}"]
    if "PyTorch 1 process x 2 threads" in median:
        torch_side = median["PyTorch 1 process x 2 threads"]
        ratios = ", ".join(f"{name.upper()} {data_parallel[name] / torch_side[name]:.2f}x" for name in MODELS)
        print(f"  nn.DataParallel's step against PyTorch's: {ratios}  "
              "(issue #19's goals: GPT <= 1.15x, CNN <= 1x)")  # fmt: skip
    print_split(local_profile, rank_splits, torch_splits)
    print(f"  load average at the end: {os.getloadavg()[0]:.1f} (figures: BENCHMARKS.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
