"""Causal attention at milestone 05's shapes: the chapter's kernels against the tuned ones (chapter 12).

    python benchmarks/attention.py            # batch 32 (one process) and 16 (one of two ranks)
    python benchmarks/attention.py --quick    # fewer repeats (a smoke run)

One layer of milestone 05's GPT: 4 heads of size 32, context T = 128, float32,
q, k and v the strided views of one packed ``(B, T, 3·128)`` projection, as
``PackedSelfAttentionFunction`` passes them; one BLAS thread (as the tuned
kernels run). For each batch it prints the median time of forward and of
backward (dq, dk, dv) for:

* the chapter's ``attention_forward`` / ``attention_backward`` over the whole
  ``T × T`` scores;
* the tuned ones that ``tt_text`` uses (causal blocks of 32 query rows, keys
  and values as views of contiguous transposes: ``attention_kernels.py``).

Then the reason for the transposes: the rate of the largest block's
``q kᵀ`` (64 products of 32×32 by 32×128) with ``kᵀ`` a transposed view of
``k``, as the chapter writes it, and with ``kᵀ`` contiguous.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial

import numpy as np
import tt_text.attention_kernels as kernels
from tt_tensor.threads import one_blas_thread

HEADS, CONTEXT, HEAD_SIZE = 4, 128, 32


def median_ms(function: Callable[[], object], repeats: int, calls: int = 5) -> float:
    """Median over ``repeats`` rounds of the mean time of ``calls`` calls, in milliseconds."""
    function()
    rounds = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            function()
        rounds.append((time.perf_counter() - start) / calls)
    return statistics.median(rounds) * 1e3


def packed(batch: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """q, k, v as (B, H, T, D) views of one packed projection, an output (B, H, T, D) view, a gradient."""
    qkv = rng.standard_normal((batch, CONTEXT, 3, HEADS, HEAD_SIZE)).astype(np.float32)
    q, k, v = (qkv[:, :, i].transpose(0, 2, 1, 3) for i in range(3))
    out = np.empty((batch, CONTEXT, HEADS, HEAD_SIZE), np.float32).transpose(0, 2, 1, 3)
    grad = rng.standard_normal((batch, HEADS, CONTEXT, HEAD_SIZE)).astype(np.float32)
    return q, k, v, out, grad


def kernel_times(batch: int, repeats: int) -> dict[str, tuple[float, float]]:
    """(forward ms, backward ms) of the chapter's kernels and of the tuned ones, one layer of ``batch``."""
    q, k, v, out, grad = packed(batch, np.random.default_rng(0))
    bias = kernels.causal_bias(CONTEXT, CONTEXT, "<f4")
    scale, needs = 1.0 / np.sqrt(HEAD_SIZE), (True, True, True, False)
    sides = {
        "chapter's kernels, whole T x T": (
            one_blas_thread()(kernels.chapter_forward),
            one_blas_thread()(kernels.chapter_backward),
        ),
        "tuned: causal blocks, transposes": (kernels.attention_forward, kernels.attention_backward),
    }
    times = {}
    for name, (forward, backward) in sides.items():
        _, probs, _ = forward(q, k, v, bias, scale, out=out)
        forward_ms = median_ms(partial(forward, q, k, v, bias, scale, out=out), repeats)
        backward_ms = median_ms(partial(backward, grad, q, k, v, out, probs, None, scale, needs), repeats)
        times[name] = (forward_ms, backward_ms)
    return times


@one_blas_thread()
def transposed_view_rates(repeats: int) -> tuple[float, float]:
    """GFLOP/s of the largest block's q kᵀ (batch 16) with kᵀ a transposed view and with kᵀ contiguous."""
    q, k, _, _, _ = packed(16, np.random.default_rng(1))
    rows = q[..., CONTEXT - 32 :, :]
    view = np.swapaxes(k, -1, -2)
    contiguous = np.ascontiguousarray(view)
    flop = 2 * 16 * HEADS * 32 * CONTEXT * HEAD_SIZE
    return tuple(
        flop / (median_ms(partial(np.matmul, rows, keys), repeats, calls=20) * 1e-3) / 1e9
        for keys in (view, contiguous)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 15
    print(f"causal attention, one layer: {HEADS} heads x {HEAD_SIZE}, T = {CONTEXT}, float32, "
          f"one BLAS thread; median of {repeats} rounds")  # fmt: skip
    for batch in (32, 16):
        print(f"  batch {batch}:{'':28s} {'forward':>9s} {'backward':>9s}")
        for name, (forward_ms, backward_ms) in kernel_times(batch, repeats).items():
            print(f"    {name:34s} {forward_ms:6.2f} ms {backward_ms:6.2f} ms")
    view, contiguous = transposed_view_rates(repeats)
    print(
        f"  q k^T of the last block (batch 16): k^T a transposed view {view:.0f} GFLOP/s, "
        f"contiguous {contiguous:.0f} GFLOP/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
