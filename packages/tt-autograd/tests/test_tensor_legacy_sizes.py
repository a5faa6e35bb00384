"""``Tensor(2, 3)``: PyTorch's legacy size constructor (pytorch/examples' gcn writes
``nn.Parameter(torch.Tensor(input_dim, output_dim))`` and initialises it afterwards).

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
from tt_autograd import Tensor, float32, float64, int64


def test_ints_are_sizes_of_a_float_tensor():
    for sizes in [(2, 3), (5,), (2, 0, 4), (1, 1, 1, 1)]:
        made = Tensor(*sizes)
        assert made.shape == sizes and made.dtype == float32
        assert np.array_equal(made.numpy(), np.zeros(sizes))
    assert Tensor(2, 3, dtype=float64).dtype == float64
    grad = Tensor(3, 2, requires_grad=True)
    assert grad.requires_grad and grad.grad_fn is None


def test_data_keeps_its_meaning():
    assert Tensor([1, 2]).tolist() == [1, 2] and Tensor([1, 2]).dtype == int64
    assert Tensor([[1.0, 2.0]]).shape == (1, 2)
    assert Tensor(2.5).shape == () and Tensor(True).shape == ()  # a float or a bool is data, not a size
    assert Tensor(np.int64(3)).shape == ()  # NumPy scalars are data too
    assert Tensor().shape == (0,)


def test_mixed_arguments_are_refused_clearly():
    with pytest.raises(TypeError, match=r"Tensor: expected data, or sizes that are all ints, got \(\[1\], 2"):
        Tensor([1], 2)
    with pytest.raises(TypeError, match="sizes that are all ints"):
        Tensor(2, 3.0)
