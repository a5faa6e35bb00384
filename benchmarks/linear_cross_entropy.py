"""``F.linear_cross_entropy``'s chunks against the reference ``cross_entropy(linear(...))`` (a model's head).

    python benchmarks/linear_cross_entropy.py          # N = 2048 tokens, D = 64, V = 16384, float32
    python benchmarks/linear_cross_entropy.py --quick  # fewer repeats

For each way it prints the peak memory that NumPy allocated during one forward and backward (measured
by ``tracemalloc``: the whole ``(N, V)`` logits are 128 MiB here) and the median time of forward plus
backward (the gradients of the input and the weight), with tracemalloc off. (PyTorch's "auto" rule,
``aspect_ratio:2``, picks 4-row chunks at these shapes: 512 chunks, each paying Python's overhead.)
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

import numpy as np
import tt_autograd as autograd
from tt_nn import LinearCrossEntropyOptions
from tt_nn import functional as F

TOKENS, WIDTH, VOCAB = 2048, 64, 16384


def step(x, w, target, options) -> None:
    F.linear_cross_entropy(x, w, target, options=options).backward()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats instead of 7")
    repeats = 3 if parser.parse_args().quick else 7
    rng = np.random.default_rng(0)
    x = autograd.tensor(rng.standard_normal((TOKENS, WIDTH), dtype=np.float32), requires_grad=True)
    w = autograd.tensor(rng.standard_normal((VOCAB, WIDTH), dtype=np.float32) * 0.1, requires_grad=True)
    target = autograd.tensor(rng.integers(0, VOCAB, TOKENS))
    ways = {
        "reference (options=None)": None,
        "chunked, batch_chunk_size=64": LinearCrossEntropyOptions(batch_chunk_size=64),
        "chunked, batch_chunk_size=256": LinearCrossEntropyOptions(batch_chunk_size=256),
    }
    print(
        f"N={TOKENS} tokens, D={WIDTH}, V={VOCAB}, float32; whole logits {TOKENS * VOCAB * 4 / 2**20:.0f} MiB"
    )
    for name, options in ways.items():
        rows = TOKENS if options is None else options.chunk_rows(TOKENS, WIDTH, VOCAB)
        step(x, w, target, options)  # warm up
        tracemalloc.start()
        step(x, w, target, options)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        times = []
        for _ in range(repeats):
            x.grad = w.grad = None
            start = time.perf_counter()
            step(x, w, target, options)
            times.append(time.perf_counter() - start)
        print(
            f"{name:42s} chunk {rows:5d} rows  peak {peak / 2**20:7.1f} MiB  "
            f"forward+backward {statistics.median(times) * 1e3:7.1f} ms"
        )


if __name__ == "__main__":
    main()
