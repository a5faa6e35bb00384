"""Activation checkpointing benchmark: memory held for backward against the time of a training step.

``python benchmarks/checkpoint.py`` prints, measured in this one run, for
milestone 05's GPT step (``text.py``'s: 32 windows of 128 characters, AdamW
with clipping), in one process:

* the peak of NumPy's allocations during the step (``tracemalloc``, above
  what the model and optimizer hold before it) — the activations kept for
  backward dominate it;
* the time per step (median of ``--steps``, with ``tracemalloc`` off);

for the plain model and with each of its 4 transformer blocks run under
``tt.utils.checkpoint.checkpoint`` (``tt_autograd.checkpoint``: the blocks'
activations are recomputed in backward instead of kept), and checks that both
give the same loss and gradients. The two sides alternate over ``--rounds``.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

import numpy as np
import tt_nn as nn
import tt_tensor
from text import CONFIG, tinytorch_step  # benchmarks/text.py: milestone 05's GPT step
from tt_autograd.checkpoint import checkpoint
from tt_text import GPT


class CheckpointedBlock(nn.Module):
    """A transformer block whose forward runs under ``checkpoint`` (same parameters, same result)."""

    def __init__(self, block: nn.Module) -> None:
        super().__init__()
        self.block = block

    def forward(self, x, *rest):
        return checkpoint(self.block, x, *rest, use_reentrant=False)


def build(checkpointed: bool) -> tuple[GPT, object]:
    """Milestone 05's GPT from seed 0 (blocks wrapped when ``checkpointed``) and its training step."""
    tt_tensor.manual_seed(0)
    model = GPT(CONFIG)
    if checkpointed:
        blocks = model.transformer.h
        for i in range(len(blocks)):
            blocks[i] = CheckpointedBlock(blocks[i])
    return model, tinytorch_step(model)


def peak_bytes(step) -> int:
    """The highest traced allocation during one ``step()``, above what was allocated before it."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        step()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="1 round of 2 steps")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.steps = 1, 2

    sides = {"plain": build(False), "checkpointed blocks": build(True)}
    losses = {name: step() for name, (_, step) in sides.items()}  # one step each from the same weights
    grads = {name: [p.grad.numpy() for p in model.parameters()] for name, (model, _) in sides.items()}
    largest = max(np.abs(a - b).max() for a, b in zip(*grads.values()))

    times: dict[str, list[float]] = {name: [] for name in sides}
    peaks = {name: peak_bytes(step) for name, (_, step) in sides.items()}
    for _ in range(args.rounds):
        for name, (_, step) in sides.items():
            samples = []
            for _ in range(args.steps):
                start = time.perf_counter()
                step()
                samples.append(time.perf_counter() - start)
            times[name].append(statistics.median(samples))

    print(f"activation checkpointing: milestone 05's GPT step (32 x 128 tokens, AdamW), {args.rounds} rounds")
    print(f"  same first loss: {losses['plain']:.6f} / {losses['checkpointed blocks']:.6f}; "
          f"largest gradient difference {largest:.1e}")  # fmt: skip
    for name in sides:
        ms = 1e3 * statistics.median(times[name])
        print(f"  {name:22s} peak {peaks[name] / 2**20:7.1f} MiB during the step   {ms:6.0f} ms/step")
    plain, kept = peaks["plain"], peaks["checkpointed blocks"]
    slower = statistics.median(times["checkpointed blocks"]) / statistics.median(times["plain"])
    print(f"  checkpointed: {plain / kept:.2f}x less memory at the peak, {slower:.2f}x the time per step")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
