"""Module 17: the workspace pool, the allocator policy, memory layouts and the BLAS re-export."""

from __future__ import annotations

import platform

import numpy as np
import pytest
import tt_autograd as autograd
from tt_perf.acceleration import (
    Workspace,
    is_channels_last,
    set_allocator_policy,
    to_channels_first,
    to_channels_last,
)

# ------------------------------------------------------------------ Workspace


def test_workspace_reuses_a_released_array_of_the_same_shape_and_dtype():
    pool = Workspace()
    a = pool.acquire((8, 8))
    assert a.shape == (8, 8) and a.dtype == np.float32 and a.flags.c_contiguous
    pool.release(a)
    assert pool.acquire((8, 8)) is a  # served from the pool
    assert (pool.hits, pool.misses) == (1, 1)
    b = pool.acquire((8, 8))  # a is still lent: b must be another array
    assert b is not a and not np.shares_memory(a, b)
    c = pool.acquire((8, 8), np.float64)
    d = pool.acquire(64)
    assert c.dtype == np.float64 and d.shape == (64,)
    assert pool.lent == 4 and pool.nbytes == 2 * 256 + 512 + 256
    for array in (a, b, c, d):
        pool.release(array)
    assert pool.lent == 0 and pool.nbytes == 2 * 256 + 512 + 256
    pool.clear()
    assert pool.nbytes == 0 and pool.acquire((8, 8)) is not a


def test_borrow_releases_even_when_the_block_fails():
    pool = Workspace()
    with pytest.raises(RuntimeError, match="inside"):
        with pool.borrow((4, 4)) as scratch:
            raise RuntimeError("inside")
    assert pool.lent == 0
    with pool.borrow((4, 4)) as again:
        assert again is scratch


def test_workspace_refuses_arrays_it_did_not_lend():
    pool = Workspace()
    a = pool.acquire((4, 4))
    with pytest.raises(ValueError, match="not lent by this workspace"):
        pool.release(a[:2])  # a view
    with pytest.raises(ValueError, match="not lent"):
        pool.release(np.empty((4, 4), np.float32))
    pool.release(a)
    with pytest.raises(ValueError, match="released twice"):
        pool.release(a)
    with pytest.raises(ValueError, match="negative size"):
        pool.acquire((-1, 2))


# ------------------------------------------------------------------ set_allocator_policy


def test_allocator_policy_applies_on_glibc_and_says_false_elsewhere():
    # glibc's start values (128 KiB), so the rest of the test session keeps its usual behaviour
    applied = set_allocator_policy(mmap_threshold=128 * 1024, trim_threshold=128 * 1024)
    assert applied is (platform.libc_ver()[0] == "glibc")
    with pytest.raises(ValueError, match="mmap_threshold must be in 0"):
        set_allocator_policy(mmap_threshold=-1)
    with pytest.raises(ValueError, match="trim_threshold must be in 0"):
        set_allocator_policy(trim_threshold=2**31)


# ------------------------------------------------------------------ layout


def test_channels_last_keeps_the_shape_and_values_and_changes_the_strides(rng):
    images = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    assert not is_channels_last(images)
    last = to_channels_last(images)
    assert last.shape == images.shape and is_channels_last(last)
    assert last.strides == (4 * 5 * 3 * 4, 4, 5 * 3 * 4, 3 * 4)  # those of (N, H, W, C) memory
    np.testing.assert_array_equal(last, images)
    assert to_channels_last(last) is last  # already channels-last: no copy
    first = to_channels_first(last)
    assert first.flags.c_contiguous and not np.shares_memory(first, last)
    np.testing.assert_array_equal(first, images)
    assert to_channels_first(images) is images


def test_channels_last_on_tensors_is_differentiable(rng):
    x = autograd.tensor(rng.standard_normal((2, 3, 4, 5)), requires_grad=True)
    last = to_channels_last(x)
    assert isinstance(last, autograd.Tensor) and is_channels_last(last) and last.shape == (2, 3, 4, 5)
    weights = rng.standard_normal((2, 3, 4, 5))
    (to_channels_first(last) * autograd.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), weights)


def test_layout_helpers_refuse_other_ranks():
    with pytest.raises(ValueError, match=r"to_channels_last: expected a 4-d \(N, C, H, W\).*\(3, 4, 5\)"):
        to_channels_last(np.zeros((3, 4, 5)))
    with pytest.raises(ValueError, match="to_channels_first"):
        to_channels_first(np.zeros((3, 4)))
