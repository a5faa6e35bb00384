"""``x.view(dtype)``: the same bytes read as another dtype (PyTorch's ``Tensor.view(dtype)``).

Beyond the course: no module number. Every expected value below is what PyTorch 2.13 printed for
the same call (checked in a scratch run).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt


def test_equal_sizes_keep_the_shape_and_read_the_bits():
    x = tt.tensor([1.0, -2.0, 0.5, 3.0])
    y = x.view(tt.int32)
    assert y.dtype == tt.int32 and y.shape == (4,)
    assert y.tolist() == [1065353216, -1073741824, 1056964608, 1077936128]
    assert x.view(dtype=tt.int32).tolist() == y.tolist()
    assert tt.tensor(1.0).view(tt.int32).tolist() == 1065353216  # a 0-d tensor, equal sizes
    assert tt.tensor([True, False]).view(tt.uint8).tolist() == [1, 0]


def test_other_sizes_cut_or_merge_the_last_dimension():
    x = tt.tensor([1.0, -2.0, 0.5, 3.0])
    assert x.view(tt.uint8).shape == (16,) and x.view(tt.uint8).tolist()[:4] == [0, 0, 128, 63]
    assert x.view(tt.float16).tolist()[:4] == [0.0, 1.875, 0.0, -2.0]
    doubles = tt.ones(2, 2).view(tt.float64)
    assert doubles.shape == (2, 1) and doubles.tolist() == [[0.007812501848093234], [0.007812501848093234]]
    assert tt.arange(8, dtype=tt.uint8).view(tt.int32).tolist() == [50462976, 117835012]
    assert tt.tensor([1 + 2j]).view(tt.float32).tolist() == [1.0, 2.0]
    # a column of one element per row: the last dimension's stride does not matter for size 1
    column = tt.ones(4, 3)[:, :1].view(tt.int16)
    assert column.shape == (4, 2) and column.tolist()[0] == [0, 16256]
    strided_column = tt.ones(3, 4)[:, ::2][:, :1]  # size 1 with stride 2: taken (PyTorch refuses: its stride)
    assert strided_column.view(tt.int16).shape == (3, 2)
    unsqueezed = tt.ones(3).unsqueeze(-1).view(tt.int16)  # NumPy's stride of the new dim is 0, PyTorch's 1
    assert unsqueezed.shape == (3, 2) and unsqueezed.tolist()[2] == [0, 16256]


def test_a_transposed_tensor_reads_as_equal_sizes_only():
    t = tt.tensor([1.0, -2.0, 0.5, 3.0]).reshape(2, 2).t()
    assert t.view(tt.int32).tolist() == [[1065353216, 1056964608], [-1073741824, 1077936128]]
    with pytest.raises(
        RuntimeError, match=r"view: a float32 tensor .* its last dimension must have stride 1, got 2"
    ):
        t.view(tt.int16)
    with pytest.raises(RuntimeError, match=r"last dimension must have stride 1, got 2"):
        tt.ones(1, 6)[:, ::2].view(tt.int16)  # one row: the last dimension's stride is what counts


def test_refusals_name_the_rule():
    with pytest.raises(RuntimeError, match=r"last dimension's size 3 must be divisible by 2"):
        tt.ones(3).view(tt.float64)
    with pytest.raises(RuntimeError, match=r"last dimension's size 3 must be divisible by 2"):
        tt.ones(2, 3).view(tt.float64)  # the last dimension's size, not the first's
    with pytest.raises(RuntimeError, match=r"needs at least one dimension"):
        tt.tensor(1.0).view(tt.int16)
    with pytest.raises(TypeError, match=r"view: give a shape or a dtype, not both"):
        tt.ones(4).view(2, 2, dtype=tt.int32)


def test_the_view_shares_memory():
    a = tt.zeros(2)
    b = a.view(tt.int32)
    b[0] = 1065353216
    assert a.tolist() == [1.0, 0.0]
    assert np.shares_memory(a.numpy(), b.numpy())
