"""Data-parallel benchmark (issue #18): milestone 05's GPT step on one process vs two MPI ranks.

``python benchmarks/dist.py`` prints, measured in this one run on this machine:

* ``1 process x 2 BLAS threads``: one AdamW training step (forward,
  cross-entropy, backward, gradient clipping, update) of milestone 05's model
  on a batch of 32 windows of 128 characters — the step of
  ``benchmarks/text.py`` — in one process with two BLAS threads (and
  TinyTorch's worker pool at its default);
* ``2 ranks x 1 BLAS thread``: the same global batch split over two ranks
  started with ``mpiexec -n 2`` (16 windows each, one BLAS thread and no
  worker pool per rank), the model wrapped in ``DistributedDataParallel``, so
  gradients are averaged during backward and both ranks take the same step.
  A step's time is the slowest rank's, each step starting at a barrier;

and, for reference, one process with one BLAS thread (on a busy machine two
spinning BLAS threads can be much slower than one: see ``tt_tensor.threads``),
with milliseconds per step, tokens per second and their ratio. The sides
run one after the other (not interleaved), so a change of load on the
machine between them shows up in the ratio: run it on a quiet machine.
``--steps N`` sets the timed steps per side (default 8, after one warm-up).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import tt_autograd as autograd
import tt_optim
import tt_tensor
from text import BATCH, BETAS, CONFIG, CONTEXT, LR, VOCAB, WEIGHT_DECAY, batch  # benchmarks/text.py
from tt_nn.functional import cross_entropy
from tt_tensor.threads import set_num_threads
from tt_text import GPT


def gpt_step(model, rows: slice):
    """A training step of ``model`` on ``rows`` of benchmarks/text.py's fixed batch."""
    optimizer = tt_optim.AdamW(model.parameters(), lr=LR, betas=BETAS, weight_decay=WEIGHT_DECAY)
    x, y = batch()
    x, targets = x[rows], autograd.tensor(y[rows].reshape(-1))

    def step() -> float:
        logits = model(x)
        loss = cross_entropy(logits.reshape(-1, VOCAB), targets)
        optimizer.zero_grad()
        loss.backward()
        tt_optim.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return float(loss)

    return step


def single(steps: int, threads: int) -> list[float]:
    set_num_threads(threads)
    tt_tensor.manual_seed(0)
    step = gpt_step(GPT(CONFIG), slice(None))
    step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return times


def rank_worker(steps: int, out: str) -> None:
    """One rank of ``mpiexec -n 2``: its half of the batch, DDP, each step timed from a barrier."""
    import tt_dist as dist

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    set_num_threads(1)
    tt_tensor.manual_seed(0)
    model = dist.DistributedDataParallel(GPT(CONFIG))
    share = BATCH // world
    step = gpt_step(model, slice(rank * share, (rank + 1) * share))
    step()
    times = []
    for _ in range(steps):
        dist.barrier()
        start = time.perf_counter()
        step()
        elapsed = autograd.tensor([time.perf_counter() - start], dtype=autograd.float64)
        dist.all_reduce(elapsed, op=dist.ReduceOp.MAX)
        times.append(float(elapsed.numpy()[0]))
    if rank == 0:
        Path(out).write_text(json.dumps({"times": times, "world": world, "share": share}))


def ranks(steps: int, n: int = 2) -> dict:
    beside = Path(sys.executable).parent / "mpiexec"
    mpiexec = str(beside) if beside.exists() else "mpiexec"
    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"tt-dist-bench-{os.getpid()}.json"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "TINYTORCH_NUM_THREADS": "1"}
    worker = [sys.executable, __file__, "--rank-worker", str(out), "--steps", str(steps)]
    command = [mpiexec, "-n", str(n), *worker]
    subprocess.run(command, check=True, env=env)
    try:
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=8, help="timed steps per side (after one warm-up)")
    parser.add_argument("--rank-worker", metavar="OUT", help=argparse.SUPPRESS)  # run by mpiexec
    args = parser.parse_args(argv)
    if args.rank_worker:
        rank_worker(args.steps, args.rank_worker)
        return 0
    tokens = BATCH * CONTEXT
    params = GPT(CONFIG).num_parameters(non_embedding=False)
    print(f"char-GPT (milestone 05): batch {BATCH} x {CONTEXT} tokens, {params:,} parameters, AdamW; "
          f"{args.steps} timed steps per side, {os.cpu_count()} CPUs")  # fmt: skip
    alone = {n: statistics.median(single(args.steps, n)) for n in (2, 1)}
    for n, seconds in alone.items():
        print(f"  1 process x {n} BLAS thread{'s' if n > 1 else ' '} : {seconds * 1e3:7.0f} ms per step, "
              f"{tokens / seconds:8,.0f} tokens/s")  # fmt: skip
    one = alone[2]
    measured = ranks(args.steps)
    two = statistics.median(measured["times"])
    print(f"  2 ranks   x 1 BLAS thread  : {two * 1e3:7.0f} ms per step, {tokens / two:8,.0f} tokens/s "
          f"({measured['share']} windows per rank)")  # fmt: skip
    print(f"  2 ranks / 1 process x 2 threads: {one / two:.2f}x the tokens/s  (goal >= 1.4x); "
          f"/ 1 process x 1 thread: {alone[1] / two:.2f}x")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
