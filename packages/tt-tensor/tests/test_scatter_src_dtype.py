"""tt-tensor's ``scatter`` and ``scatter_add`` refuse a ``src`` tensor of another dtype (a number is cast),
as PyTorch 2.13 and tt-autograd's scatters do (``tt-autograd/tests/test_scatter_dtypes.py``): one rule
at both layers. Not course material.
"""

from __future__ import annotations

import pytest
import tt_tensor as tt


@pytest.mark.parametrize(
    "call",
    [
        lambda x, i: x.scatter_add(0, i, tt.ones(2, dtype=tt.float64)),
        lambda x, i: x.scatter(0, i, tt.ones(2, dtype=tt.int64)),
        lambda x, i: x.scatter_add_(0, i, tt.ones(2, dtype=tt.float64)),
    ],
)
def test_a_src_tensor_of_another_dtype_is_refused(call):
    with pytest.raises(RuntimeError, match=r"must have the same dtype; convert src with \.to\(self\.dtype\)"):
        call(tt.zeros(3), tt.tensor([0, 0]))


def test_a_number_is_cast_and_a_same_dtype_src_is_added():
    x, index = tt.zeros(3), tt.tensor([0, 0])
    assert x.scatter(0, index, 2).tolist() == [2.0, 0.0, 0.0]
    assert x.scatter_add(0, index, tt.ones(2)).tolist() == [2.0, 0.0, 0.0]
