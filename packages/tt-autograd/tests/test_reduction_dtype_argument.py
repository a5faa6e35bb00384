"""``dtype=`` of ``sum``, ``cumsum`` and ``softmax``/``log_softmax`` as PyTorch 2.13 reads it (each form run
on torch 2.13 in a scratch script), at both layers (tt_tensor's plain tensors, tt_autograd's): the result
has ``dtype`` (an integer sum wraps as a sum in that dtype; ``sum(dtype=bool)`` is "any nonzero");
``cumsum(dtype=bool)`` and a non-float softmax are refused (PyTorch has no kernel for them). Expected
values worked by hand. Not course material.
"""

from __future__ import annotations

import pytest
import tt_autograd
import tt_tensor

LAYERS = [tt_tensor, tt_autograd]


@pytest.mark.parametrize("tt", LAYERS)
def test_a_sum_or_running_sum_has_the_dtype_asked_for(tt):
    x = tt.tensor([100, 100, 100])
    total = x.sum(dtype=tt.int8)
    assert total.dtype == tt.int8 and total.item() == 44  # 300 - 256
    running = x.cumsum(0, dtype=tt.int8)
    assert running.dtype == tt.int8 and running.tolist() == [100, -56, 44]  # 200 - 256, 300 - 256
    assert x.cumsum(0, dtype=tt.int32).dtype == tt.int32
    assert tt.tensor([1.5, 2.5]).sum(dtype=tt.int64).item() == 3  # cast first (1 + 2), then summed


@pytest.mark.parametrize("tt", LAYERS)
def test_a_bool_sum_says_whether_any_element_is_nonzero(tt):
    assert x_sum(tt, [0, 2, 0]) is True and x_sum(tt, [0, 0]) is False
    rows = tt.tensor([[0.0, 0.5], [0.0, 0.0]]).sum(1, dtype=tt.bool)
    assert rows.dtype == tt.bool and rows.tolist() == [True, False]


def x_sum(tt, values):
    return tt.tensor(values).sum(dtype=tt.bool).item()


@pytest.mark.parametrize("tt", LAYERS)
def test_a_bool_running_sum_and_an_integer_softmax_are_refused(tt):
    with pytest.raises(NotImplementedError, match='"cumsum" not implemented for bool'):
        tt.tensor([1, 2]).cumsum(0, dtype=tt.bool)
    with pytest.raises(NotImplementedError, match="not implemented for tt.int64"):
        tt.tensor([1.0, 2.0]).softmax(0, dtype=tt.int64)
    with pytest.raises(NotImplementedError, match="not implemented for tt.int64"):
        tt.tensor([1, 2]).log_softmax(0)


def test_a_float_dtype_keeps_the_gradient():
    x = tt_autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x.cumsum(0, dtype=tt_autograd.float64).sum() + x.sum(dtype=tt_autograd.float64)).backward()
    assert x.grad.tolist() == [4.0, 3.0, 2.0]  # running sums: 3, 2, 1 terms; the sum: 1 each
