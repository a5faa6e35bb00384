"""The matmul ladder: the same product four ways, each rung removing one layer of overhead.

1. ``matmul_loops`` — three Python loops: every multiply-add pays the
   interpreter (~50–100 ns), so ~10 MFLOP/s. A reference for tiny sizes only.
2. ``matmul_rows`` — one Python loop over rows, NumPy inside (a vector–matrix
   product per row): the interpreter is paid per row, not per element.
3. ``matmul_blocked`` — loops over tiles of ``block × block`` with a NumPy
   product per tile: how BLAS keeps operands in cache, written by hand.
4. ``numpy.matmul`` — BLAS (OpenBLAS here): blocked, vectorised (AVX-512),
   multi-threaded. ``benchmarks/perf_acceleration.py`` prints what each rung
   reaches here: 385 GFLOP/s for 1024³ float32 on an idle machine (chapter
   17's run), a small fraction of that when other jobs share the two cores.

``gflops(function, n)`` times one rung on ``n × n`` float32 matrices.

Example:
    >>> a = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> b = np.ones((3, 2), dtype=np.float32)
    >>> matmul_loops(a, b).tolist() == (a @ b).tolist() == matmul_blocked(a, b, block=2).tolist()
    True
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

LOOP_LIMIT = 64  # matmul_loops refuses bigger operands: 64³ multiply-adds already take a while


def _check(a: np.ndarray, b: np.ndarray, op: str) -> None:
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"{op}: expected (M, K) @ (K, N), got {a.shape} @ {b.shape}")


def matmul_loops(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` by three Python loops (for teaching: every size up to ``LOOP_LIMIT``).

    Args:
        a: ``(M, K)``; b: ``(K, N)``.

    Cost: ``M·N·K`` interpreted multiply-adds, ~10 MFLOP/s.
    """
    _check(a, b, "matmul_loops")
    if max(a.shape + b.shape) > LOOP_LIMIT:
        raise ValueError(
            f"matmul_loops: {a.shape} @ {b.shape} is too big for three Python loops (every size must be "
            f"<= {LOOP_LIMIT}: {LOOP_LIMIT}³ multiply-adds already take ~0.1 s); use matmul_rows or np.matmul"
        )
    # BEGIN SOLUTION 17
    # TODO: a @ b with three Python loops, the schoolbook way (§ How it is built, "The matmul ladder").
    m, k = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), dtype=np.result_type(a, b))
    for i in range(m):
        for j in range(n):
            total = 0.0
            for p in range(k):
                total += a[i, p] * b[p, j]
            out[i, j] = total
    return out
    # END SOLUTION


def matmul_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` one row at a time: ``out[i] = a[i] @ b`` (``M`` vector–matrix products).

    Cost: ``M`` Python iterations, each a BLAS GEMV that streams all of ``b``
    from memory: bound by memory bandwidth, not arithmetic, once ``b`` outgrows the cache.
    """
    _check(a, b, "matmul_rows")
    # BEGIN SOLUTION 17
    # TODO: a @ b one row at a time: out[i] = a[i] @ b (np.dot with out=out[i]).
    out = np.empty((a.shape[0], b.shape[1]), dtype=np.result_type(a, b))
    for i in range(a.shape[0]):
        np.dot(a[i], b, out=out[i])
    return out
    # END SOLUTION


def matmul_blocked(a: np.ndarray, b: np.ndarray, block: int = 128) -> np.ndarray:
    """``a @ b`` tile by tile: ``out[I, J] += a[I, P] @ b[P, J]`` over ``block``-sized tiles.

    Three ``block × block`` float32 tiles (192 KiB at 128) fit in the L2 cache,
    so each tile product reads its operands from cache, ``block`` times over.
    Cost: ``(M/block)·(N/block)·(K/block)`` Python iterations.
    """
    _check(a, b, "matmul_blocked")
    if block < 1:
        raise ValueError(f"matmul_blocked: block must be positive, got {block}")
    # BEGIN SOLUTION 17
    # TODO: a @ b tile by tile: out[I, J] += a[I, P] @ b[P, J] over
    #   block-sized tiles (the cache-blocking idea).
    m, k = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), dtype=np.result_type(a, b))
    for i in range(0, m, block):
        for j in range(0, n, block):
            tile = out[i : i + block, j : j + block]
            for p in range(0, k, block):
                tile += a[i : i + block, p : p + block] @ b[p : p + block, j : j + block]
    return out
    # END SOLUTION


def gflops(function: Callable[[np.ndarray, np.ndarray], np.ndarray], n: int, repeats: int = 3) -> float:
    """Best-of-``repeats`` GFLOP/s of ``function`` on two ``n × n`` float32 matrices (2n³ FLOPs).

    Best, not median: it estimates what the rung can do, on a machine whose
    other users only ever slow it down. Compare rungs measured in one run.
    """
    if n < 1 or repeats < 1:
        raise ValueError(f"gflops: n and repeats must be positive, got n={n}, repeats={repeats}")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n), dtype=np.float32), rng.standard_normal((n, n), dtype=np.float32)
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        function(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9
