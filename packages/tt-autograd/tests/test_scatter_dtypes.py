"""The dtype of ``src`` in the scatters, as PyTorch 2.13 (each form run on torch 2.13 in a scratch script):
``slice_scatter``, ``select_scatter`` and ``diagonal_scatter`` cast ``src`` to ``self``'s dtype (a float
into an integer tensor truncates), where TinyTorch refused it; ``scatter`` and ``scatter_add`` refuse a
``src`` tensor of another dtype (a number is cast), where TinyTorch cast it. Found by
``tools/parity/sweep.py --gaps``. Not course material.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd


def zeros(*shape, dtype=autograd.float64):
    return autograd.zeros(*shape, dtype=dtype)


def test_the_view_scatters_cast_src_to_self_s_dtype():
    out = zeros(2, 3).slice_scatter(autograd.ones(1, 3, dtype=autograd.int64), 0, 1)
    assert out.dtype == autograd.float64 and out.tolist() == [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]
    out = zeros(2, 3, dtype=autograd.int32).select_scatter(autograd.tensor([1.7, -1.7, 2.5]), 0, 0)
    assert out.dtype == autograd.int32 and out.tolist() == [[1, -1, 2], [0, 0, 0]]  # (truncated)
    out = zeros(2, 2).diagonal_scatter(autograd.tensor([True, False]))
    assert out.dtype == autograd.float64 and out.tolist() == [[1.0, 0.0], [0.0, 0.0]]


def test_the_cast_src_still_gets_its_gradient():
    src = autograd.tensor([[1.0, 2.0]], dtype=autograd.float32, requires_grad=True)
    out = zeros(2, 2).slice_scatter(src, 0, 0, 1)
    (out * autograd.tensor([[3.0, 4.0], [5.0, 6.0]], dtype=autograd.float64)).sum().backward()
    assert src.grad.dtype == autograd.float32 and src.grad.tolist() == [[3.0, 4.0]]


@pytest.mark.parametrize("op", ["scatter", "scatter_add"])
def test_scatter_refuses_a_src_of_another_dtype(op):
    index = autograd.tensor([[0, 1]])
    with pytest.raises(
        RuntimeError,
        match=rf"{op}: self \(tt.float64\) and src \(tt.int64\) must have the same dtype; convert src",
    ):
        getattr(zeros(2, 2), op)(0, index, autograd.ones(1, 2, dtype=autograd.int64))
    with pytest.raises(RuntimeError, match=rf"{op}: self \(tt.float32\) and src \(tt.float64\)"):
        getattr(zeros(2, 2, dtype=autograd.float32), op)(
            0, index, autograd.ones(1, 2, dtype=autograd.float64)
        )
    out = getattr(zeros(2, 2), op)(0, index, autograd.ones(1, 2, dtype=autograd.float64))
    assert out.tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_scatter_of_a_number_or_with_reduce():
    index = autograd.tensor([[0, 1]])
    assert zeros(2, 2, dtype=autograd.int64).scatter(0, index, 2.7).tolist() == [[2, 0], [0, 2]]
    with pytest.raises(RuntimeError, match="scatter: self .* must have the same dtype"):
        zeros(2, 2).scatter(0, index, autograd.ones(1, 2, dtype=autograd.int64), reduce="add")
    with pytest.raises(RuntimeError, match="scatter: self .* must have the same dtype"):
        zeros(2, 2).scatter_(0, index, autograd.ones(1, 2, dtype=autograd.int64))
    np.testing.assert_array_equal(zeros(2, 2).scatter(0, index, value=1.5).numpy(), [[1.5, 0.0], [0.0, 1.5]])
