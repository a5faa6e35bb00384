"""Exact integer matrix products on float BLAS: the int32 accumulator of an INT8 layer, at float speed.

An INT8 layer multiplies small integers and sums the products over the inner
dimension ``K`` into an int32 accumulator. NumPy can compute that directly
(``np.matmul`` on integer arrays), but its integer matmul does not use BLAS:
it runs a plain loop, 10–40× slower than float32 GEMM on this machine
(``benchmarks/perf_quantization.py`` measures it).

The trick: float32 represents every integer up to ``2**24`` exactly. If every
product is at most ``P`` in magnitude and a sum has at most ``K`` terms, every
partial sum — in whatever order BLAS adds them, with or without fused
multiply-adds — is an integer of magnitude ``≤ K · P``. While ``K · P ≤ 2**24``
no rounding can happen, so float32 BLAS returns the *exact* integer result.

* int8 × int8 (``|q| ≤ 128``): ``P = 128² = 16,384``, exact for ``K ≤ 1024``;
* an activation ``q − zero_point ∈ [−255, 255]`` (``quint8``) times an int8
  weight (``[−128, 127]``): ``P = 255 · 128 = 32,640``, exact for ``K ≤ 514``.

A longer ``K`` is cut into chunks that each stay exact; the chunks' results
are converted to int32 and added there (exact up to ``2**31``). float64 BLAS
would be exact to ``2**53`` without chunks, at half float32's speed and twice
its memory traffic; the chunked float32 product costs one extra pass over
the output per chunk.

Example:
    >>> a = np.array([[255.0, -255.0]], dtype=np.float32)
    >>> b = np.array([[127.0], [-127.0]], dtype=np.float32)
    >>> int_matmul(a, b, a_bound=255, b_bound=127).tolist()
    [[64770]]
"""

from __future__ import annotations

import numpy as np

#: Every integer of magnitude up to this is exact in float32 (24-bit significand).
FLOAT32_EXACT = 2**24
#: The same for float64 (53-bit significand).
FLOAT64_EXACT = 2**53


def exact_chunk(a_bound: int, b_bound: int, dtype=np.float32) -> int:
    """The longest inner dimension whose sums of products ``|a| ≤ a_bound``, ``|b| ≤ b_bound`` stay exact.

    Example: ``exact_chunk(128, 128)`` is 1024; ``exact_chunk(255, 128)`` is 514.
    """
    if a_bound < 1 or b_bound < 1:
        raise ValueError(f"exact_chunk: bounds must be at least 1, got {a_bound} and {b_bound}")
    limit = FLOAT32_EXACT if np.dtype(dtype) == np.float32 else FLOAT64_EXACT
    # BEGIN SOLUTION 15
    # TODO: the longest inner dimension k whose sums of products |a| <= a_bound, |b| <= b_bound stay exact in
    #   the float dtype: 2^24 (float32) / (a_bound * b_bound) (§ How it is built, int_gemm.py).
    return max(1, limit // (int(a_bound) * int(b_bound)))
    # END SOLUTION


def int_matmul(
    a: np.ndarray, b: np.ndarray, a_bound: int = 255, b_bound: int = 128, dtype=np.int32, out=None
) -> np.ndarray:
    """``a @ b`` computed exactly in integers, for integer-valued float32 arrays (batched like ``np.matmul``).

    Args:
        a: ``(..., M, K)`` float32 holding integers with ``|a| ≤ a_bound``.
        b: ``(..., K, N)`` float32 holding integers with ``|b| ≤ b_bound``.
        a_bound, b_bound: the bounds, which set the exact chunk length (see :func:`exact_chunk`).
        dtype: ``np.int32`` (default) returns the exact accumulator; ``np.float32`` returns it
            rounded once to float32 — what a layer that dequantizes its output needs next, and
            free when ``K`` fits one chunk (the float32 product *is* the exact accumulator then).
        out: an array of the result's shape and ``dtype`` to write into (saves a copy).

    Returns:
        ``(..., M, N)`` of ``dtype``: the product in exact integer arithmetic.

    Cost: the float32 GEMM (``2·M·N·K`` flops at BLAS speed), in ``⌈K / chunk⌉``
    pieces, plus one int32 pass over the output per piece. The bounds are
    trusted, not checked (checking would cost a pass over the inputs).
    """
    if a.dtype != np.float32 or b.dtype != np.float32:
        raise TypeError(
            f"int_matmul: expects integer-valued float32 arrays (so that BLAS runs the product), got "
            f"{a.dtype} and {b.dtype}; convert with .astype(np.float32)"
        )
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"int_matmul: inner dimensions differ: a is {a.shape}, b is {b.shape}")
    if np.dtype(dtype) not in (np.int32, np.float32):
        raise ValueError(f"int_matmul: dtype must be np.int32 or np.float32, got {dtype}")
    k = a.shape[-1]
    if k * int(a_bound) * int(b_bound) >= 2**31:
        raise OverflowError(
            f"int_matmul: K={k} products of up to {a_bound}·{b_bound} can overflow an int32 accumulator"
        )
    chunk = exact_chunk(a_bound, b_bound)
    # BEGIN SOLUTION 15
    # TODO: a @ b exactly, for integer-valued float32 arrays, on float BLAS (§ How it is built, int_gemm.py).
    # APPROACH: split the inner dimension into exact_chunk pieces: each piece's float32 matmul is exact;
    #   add the pieces in int32 (or return the one piece directly when k fits).
    if k <= chunk and np.dtype(dtype) == np.float32:
        return np.matmul(a, b, out=out)  # one chunk: the float32 result is the exact integer sum
    accumulator = None
    for start in range(0, max(k, 1), chunk):
        part = np.matmul(a[..., start : start + chunk], b[..., start : start + chunk, :])  # exact in float32
        if accumulator is None:
            accumulator = part.astype(np.int32)
        else:
            accumulator += part.astype(np.int32)
    if out is None:
        return accumulator if np.dtype(dtype) == np.int32 else accumulator.astype(dtype)
    np.copyto(out, accumulator, casting="unsafe")
    return out
    # END SOLUTION
