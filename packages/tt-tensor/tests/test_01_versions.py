"""Module 01: version counters — every in-place write bumps the memory's counter, shared by views."""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt
from tt_tensor import versions


@pytest.mark.parametrize(
    "write",
    [
        lambda t: t.add_(1),
        lambda t: t.__iadd__(1),
        lambda t: t.mul_(2),
        lambda t: t.fill_(3),
        lambda t: t.zero_(),
        lambda t: t.copy_(tt.ones(2, 3)),
        lambda t: t.clamp_(0, 1),
        lambda t: t.__setitem__((0, 1), 5.0),
        lambda t: t.masked_fill_(tt.ones(2, 3) > 0, 1.0),
        lambda t: t.uniform_(),
    ],
    ids=["add_", "+=", "mul_", "fill_", "zero_", "copy_", "clamp_", "setitem", "masked_fill_", "uniform_"],
)
def test_each_in_place_write_bumps_the_version(write):
    t = tt.zeros(2, 3)
    assert t._version == 0
    write(t)
    assert t._version == 1
    write(t)
    assert t._version == 2


def test_views_share_their_base_counter_and_copies_do_not():
    t = tt.zeros(4, 4)
    row, transposed, copy = t[1], t.t(), t.clone()
    row.add_(1)
    assert t._version == row._version == transposed._version == 1
    assert copy._version == 0
    transposed[0, 0] = 2.0
    assert t._version == 2 and row._version == 2


def test_out_of_place_operations_leave_versions_alone():
    t = tt.ones(3)
    t.add_(1)
    _ = t + 1, t * 2, t.sum(), t.reshape(3, 1)
    assert t._version == 1


def test_counters_go_with_the_memory():
    t = tt.zeros(5)
    t.add_(1)
    key = id(versions.storage(t.array))
    assert key in versions.counts
    del t
    assert key not in versions.counts  # freed with the array, so an id reused later starts at 0


def test_storage_follows_bases_to_the_owner():
    owner = np.zeros((3, 4))
    assert versions.storage(owner[1:][:, ::2].T) is owner
    assert versions.storage(owner) is owner
