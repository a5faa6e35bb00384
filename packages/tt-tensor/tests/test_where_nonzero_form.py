"""``where(condition)`` alone: the indices of the true elements, one tensor per dim (PyTorch's
``nonzero(condition, as_tuple=True)``); half the arguments refused. Not course material (module 01's
``where`` takes all three), so no module number."""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt


def test_where_of_a_condition_alone_gives_the_indices_per_dim():
    values = np.array([[0.0, 2.0, -1.0], [3.0, 0.0, 5.0]], dtype=np.float32)
    rows, cols = tt.where(tt.tensor(values) > 1)
    np.testing.assert_array_equal(rows.numpy(), [0, 1, 1])
    np.testing.assert_array_equal(cols.numpy(), [1, 0, 2])
    (flat,) = tt.where(tt.tensor([True, False, True]))
    np.testing.assert_array_equal(flat.numpy(), [0, 2])
    assert all(t.shape == (0,) for t in tt.where(tt.zeros(2, 3) > 1))


def test_half_the_arguments_are_refused_by_name():
    with pytest.raises(TypeError, match=r"where: give both input and other .* or neither"):
        tt.where(tt.tensor([True]), tt.tensor([1.0]))
    with pytest.raises(TypeError, match=r"where: give both input and other"):
        tt.where(tt.tensor([True]), other=tt.tensor([1.0]))
    with pytest.raises(TypeError, match="where: condition must be a tensor, got list"):
        tt.where([True, False])
