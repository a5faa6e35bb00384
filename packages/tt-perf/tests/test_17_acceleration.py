"""Module 17: the matmul ladder agrees with BLAS, the fused Linear+GELU agrees and differentiates, memory."""

from __future__ import annotations

import platform

import numpy as np
import pytest
import tt_autograd as ag
import tt_nn as nn
from tt_perf.acceleration import (
    Workspace,
    fused_linear_gelu,
    gflops,
    matmul_blocked,
    matmul_loops,
    matmul_rows,
    set_allocator_policy,
    to_channels_first,
    to_channels_last,
)


@pytest.mark.parametrize("shape", [(5, 7, 3), (16, 16, 16), (33, 20, 47)])
def test_every_rung_computes_the_same_product(shape, rng):
    m, k, n = shape
    a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    expected = a @ b
    np.testing.assert_allclose(matmul_loops(a, b), expected, rtol=1e-10)
    np.testing.assert_allclose(matmul_rows(a, b), expected, rtol=1e-10)
    np.testing.assert_allclose(matmul_blocked(a, b, block=8), expected, rtol=1e-10)


def test_the_ladder_refuses_what_it_cannot_do():
    with pytest.raises(ValueError, match=r"\(M, K\) @ \(K, N\)"):
        matmul_rows(np.ones((2, 3)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="would take minutes"):
        matmul_loops(np.ones((100, 100)), np.ones((100, 100)))
    with pytest.raises(ValueError, match="block"):
        matmul_blocked(np.ones((2, 2)), np.ones((2, 2)), block=0)
    assert gflops(np.matmul, 32, repeats=1) > 0


def test_fused_linear_gelu_matches_the_composed_layers(rng):
    x = ag.tensor(rng.standard_normal((2, 5, 8)).astype(np.float32))
    linear = nn.Linear(8, 12)
    expected = nn.functional.gelu(linear(x), approximate="tanh").detach().numpy()
    got = fused_linear_gelu(x, linear.weight, linear.bias)
    assert got.shape == (2, 5, 12) and got.dtype == ag.float32
    np.testing.assert_allclose(got.detach().numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("with_bias", [True, False])
def test_fused_linear_gelu_gradients(with_bias, rng, check_grad):
    x = ag.tensor(rng.standard_normal((3, 2, 4)), dtype=ag.float64, requires_grad=True)
    w = ag.tensor(rng.standard_normal((5, 4)), dtype=ag.float64, requires_grad=True)
    b = ag.tensor(rng.standard_normal(5), dtype=ag.float64, requires_grad=True) if with_bias else None
    inputs = (x, w, b) if with_bias else (x, w)
    check_grad(lambda *t: fused_linear_gelu(*t), *inputs)


def test_fused_linear_gelu_checks_shapes():
    with pytest.raises(ValueError, match="does not fit"):
        fused_linear_gelu(ag.zeros(2, 3), ag.zeros(4, 5))
    with pytest.raises(ValueError, match="bias"):
        fused_linear_gelu(ag.zeros(2, 3), ag.zeros(4, 3), ag.zeros(3))


def test_workspace_reuses_while_shape_and_dtype_match():
    space = Workspace()
    a = space.get("h", (8, 8))
    assert space.get("h", (8, 8)) is a
    assert space.get("h", (8, 4)) is not a and space.get("h", (8, 4), np.float64).dtype == np.float64
    assert space.get("other", (2,)) is not space.get("h", (8, 4), np.float64)
    assert space.nbytes == 8 * 4 * 8 + 2 * 4
    space.clear()
    assert space.nbytes == 0


def test_layout_round_trip_and_allocator_policy(rng):
    images = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    last = to_channels_last(images)
    assert last.shape == (2, 4, 5, 3) and last.flags.c_contiguous
    np.testing.assert_array_equal(to_channels_first(last), images)
    with pytest.raises(ValueError, match="N, C, H, W"):
        to_channels_last(images[0])
    # glibc's defaults (128 KiB), so the rest of the test session is not changed; True exactly on glibc
    applied = set_allocator_policy(mmap_threshold=128 * 1024, trim_threshold=128 * 1024)
    assert applied is (platform.libc_ver()[0] == "glibc")
