"""``round(decimals=...)``, ``mean(dtype=...)``, ``cumsum(dtype=...)`` on both packages' tensors, as PyTorch.

``round(decimals=d)`` is PyTorch's ``round(x * 10**d) / 10**d`` (``d < 0``: ``round(x / 10**-d) * 10**-d``)
in the input's dtype, half to even; the expected values are PyTorch 2.13's (scratch script).
Not course material, so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor


@pytest.fixture(params=["tt_tensor", "tt_autograd"])
def lib(request):
    return tt_tensor if request.param == "tt_tensor" else autograd


VALUES = np.array([1.2345, -2.5, 1250.0, 0.125, 3.14159, 2.675], dtype=np.float32)


@pytest.mark.parametrize(
    "decimals, expected",
    [
        (2, [1.23, -2.5, 1250.0, 0.12, 3.14, 2.68]),
        (1, [1.2, -2.5, 1250.0, 0.1, 3.1, 2.7]),
        (-2, [0.0, -0.0, 1200.0, 0.0, 0.0, 0.0]),
        (0, [1.0, -2.0, 1250.0, 0.0, 3.0, 3.0]),
    ],
)
def test_round_to_decimals(lib, decimals, expected):
    out = lib.tensor(VALUES).round(decimals=decimals)
    assert out.dtype == lib.float32
    np.testing.assert_array_equal(out.numpy(), np.array(expected, dtype=np.float32))


def test_round_to_decimals_has_zero_gradient_and_refuses_integers(lib):
    if lib is autograd:
        x = autograd.tensor([1.234, 5.0], requires_grad=True)
        x.round(decimals=1).sum().backward()
        assert x.grad.tolist() == [0.0, 0.0]
    with pytest.raises(NotImplementedError, match=r"^round: not implemented for int64, as in PyTorch"):
        lib.tensor([1, 2]).round(decimals=1)  # PyTorch 2.13: '"round_cpu" not implemented for 'Long''
    with pytest.raises(NotImplementedError, match=r"^round: not implemented for bool"):
        lib.tensor([True]).round()
    with pytest.raises(TypeError, match=r"^round: decimals must be an int, got float"):
        lib.tensor([1.0]).round(decimals=1.5)


def test_mean_and_cumsum_take_a_dtype(lib):
    ints = lib.tensor([[1, 2], [3, 6]])
    assert ints.mean(dtype=lib.float32).item() == 3.0 and ints.mean(0, dtype=lib.float64).dtype == lib.float64
    x = lib.tensor([0.1, 0.2, 0.3], dtype=lib.float32)
    cumulative = x.cumsum(0, dtype=lib.float64)
    assert cumulative.dtype == lib.float64
    np.testing.assert_allclose(cumulative.numpy(), np.cumsum(np.float32([0.1, 0.2, 0.3]).astype(np.float64)))
    assert ints.cumsum(1, dtype=lib.float32).tolist() == [[1.0, 3.0], [3.0, 9.0]]


def test_mean_and_cumsum_dtype_keep_the_gradient():
    x = autograd.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=autograd.float32, requires_grad=True)
    (x.mean(dtype=autograd.float64) + x.cumsum(1, dtype=autograd.float64).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[2.25, 1.25], [2.25, 1.25]])
