"""Module 17: every rung of the matmul ladder computes the same product as BLAS."""

from __future__ import annotations

import numpy as np
import pytest
from tt_perf.acceleration import gflops, matmul_blocked, matmul_loops, matmul_rows


def reference_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The definition, one output element at a time with math.fsum-like float64 sums: obviously right."""
    return np.array([[sum(float(x) * float(y) for x, y in zip(row, col)) for col in b.T] for row in a])


@pytest.mark.parametrize("shape", [(1, 1, 1), (5, 7, 3), (16, 16, 16), (33, 20, 47)])
def test_every_rung_computes_the_same_product(shape, rng):
    m, k, n = shape
    a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    expected = reference_product(a, b)
    np.testing.assert_allclose(np.matmul(a, b), expected, rtol=1e-10)
    np.testing.assert_allclose(matmul_loops(a, b), expected, rtol=1e-10)
    np.testing.assert_allclose(matmul_rows(a, b), expected, rtol=1e-10)
    for block in (1, 8, 64):  # tiles smaller than, dividing, and larger than the matrices
        np.testing.assert_allclose(matmul_blocked(a, b, block=block), expected, rtol=1e-10)


def test_rungs_keep_float32_and_handle_ragged_tiles(rng):
    a = rng.standard_normal((70, 45)).astype(np.float32)
    b = rng.standard_normal((45, 29)).astype(np.float32)
    for rung in (matmul_rows, lambda a, b: matmul_blocked(a, b, block=32)):
        out = rung(a, b)
        assert out.dtype == np.float32 and out.shape == (70, 29)
        np.testing.assert_allclose(out, a.astype(np.float64) @ b, rtol=1e-4, atol=1e-4)


def test_the_ladder_refuses_what_it_cannot_do():
    with pytest.raises(ValueError, match=r"\(M, K\) @ \(K, N\), got \(2, 3\) @ \(4, 2\)"):
        matmul_rows(np.ones((2, 3)), np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"\(100, 100\) @ \(100, 100\) is too big.*matmul_rows"):
        matmul_loops(np.ones((100, 100)), np.ones((100, 100)))
    with pytest.raises(ValueError, match="block must be positive"):
        matmul_blocked(np.ones((2, 2)), np.ones((2, 2)), block=0)
    with pytest.raises(ValueError, match="n and repeats"):
        gflops(np.matmul, 0)


def test_gflops_counts_two_n_cubed_operations():
    calls = []

    def counted(a, b):
        calls.append((a.shape, b.shape, a.dtype))
        return a @ b

    assert gflops(counted, 32, repeats=2) > 0
    assert calls == [((32, 32), (32, 32), np.float32)] * 2
