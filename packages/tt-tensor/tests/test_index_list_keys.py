"""A list as an index key, read as PyTorch reads it: ``x[[]]`` selects nothing, and a short list holding
a tensor, a list, a slice, ``None`` or ``...`` is a tuple key (NumPy reads both otherwise). Beyond the
exercises.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt

x = tt.arange(24).reshape(2, 3, 4)


def test_an_empty_list_selects_nothing():
    assert x[[]].shape == (0, 3, 4) and x[[]].dtype == tt.int64
    assert x[:, []].shape == (2, 0, 4)
    y = tt.zeros(3)
    y[[]] = 5.0
    assert y.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("key", "same_as"),
    [
        ([[0, 1]], ([0, 1],)),
        ([0, slice(None)], (0, slice(None))),
        ([1, None], (1, None)),
        ([Ellipsis, 2], (Ellipsis, 2)),
        ([tt.tensor(1), 0], (1, 0)),
        ([np.array([0, 1]), 2], (np.array([0, 1]), 2)),
    ],
)
def test_a_list_holding_an_index_is_a_tuple_key(key, same_as):
    got = x[key]
    assert got.shape == x[same_as].shape and got.tolist() == x[same_as].tolist()
    y = tt.zeros(2, 3, 4)
    y[key] = 1.0
    z = tt.zeros(2, 3, 4)
    z[same_as] = 1.0
    assert y.tolist() == z.tolist()


def test_a_list_of_numbers_stays_an_index_array():
    assert x[[1, 0]].tolist() == [x[1].tolist(), x[0].tolist()]
    assert x[[True, False]].shape == (1, 3, 4)
    long_list = [[0]] * 32  # (32 items or more: an index array, as PyTorch)
    assert x[long_list].shape == (32, 1, 3, 4)
