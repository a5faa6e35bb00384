"""tt-autograd's own ``dtype=`` arguments take what PyTorch's take (a dtype, or Python's ``float``,
``int``, ``bool``, ``complex``) and refuse a name or a NumPy dtype with PyTorch's TypeError; its
internal casts (a gradient back to its input's dtype) still run. Beyond the exercises.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd

x = autograd.tensor([[1.0, 2.0], [3.0, 4.0]])

CALLS = [
    ("sum", lambda d: x.sum(dtype=d)),
    ("prod", lambda d: x.prod(dtype=d)),
    ("mean", lambda d: x.mean(dtype=d)),
    ("cumsum", lambda d: x.cumsum(0, dtype=d)),
    ("cumprod", lambda d: x.cumprod(0, dtype=d)),
    ("view", lambda d: x.view(dtype=d)),
    ("view_copy", lambda d: autograd.view_copy(x, dtype=d)),
    ("linalg.vector_norm", lambda d: autograd.linalg.vector_norm(x, dtype=d)),
    ("linalg.matrix_norm", lambda d: autograd.linalg.matrix_norm(x, dtype=d)),
    ("fftfreq", lambda d: autograd.fft.fftfreq(4, dtype=d)),
    ("rfftfreq", lambda d: autograd.fft.rfftfreq(4, dtype=d)),
    ("sparse_coo_tensor", lambda d: autograd.sparse_coo_tensor([[0, 1]], [1.0, 2.0], (3,), dtype=d)),
    (
        "sparse.sum",
        lambda d: autograd.sparse.sum(autograd.sparse_coo_tensor([[0, 1]], [1.0, 2.0], (3,)), dtype=d),
    ),
    ("zeros", lambda d: autograd.zeros(2, dtype=d, requires_grad=False)),
]


@pytest.mark.parametrize(("op", "call"), CALLS, ids=[op for op, _ in CALLS])
@pytest.mark.parametrize(("given", "type_name"), [("float64", "str"), (np.float64, "type")])
def test_a_name_or_numpy_dtype_is_refused_by_name(op, call, given, type_name):
    with pytest.raises(
        TypeError, match=rf"^{op}\(\): argument 'dtype' must be torch.dtype, not {type_name} "
    ):
        call(given)


@pytest.mark.parametrize(("op", "call"), CALLS, ids=[op for op, _ in CALLS])
@pytest.mark.parametrize("given", [autograd.float64, float])
def test_a_dtype_or_python_float_is_taken(op, call, given):
    assert call(given).dtype == autograd.float64


@pytest.mark.parametrize(
    ("method", "dtype"), [("byte", autograd.uint8), ("char", autograd.int8), ("short", autograd.int16)]
)
def test_the_integer_conversion_methods_still_convert(method, dtype):
    assert getattr(x, method)().dtype == dtype


def test_gradients_come_back_in_their_inputs_dtype():
    real = autograd.tensor([1.0, -2.0], dtype=autograd.float64, requires_grad=True)
    (real.to(autograd.complex128) * autograd.tensor([1 + 2j, 3 - 1j])).real.sum().backward(create_graph=True)
    assert real.grad.dtype == autograd.float64
    assert real.grad.tolist() == [1.0, 3.0]  # d/dr Re(r (a + ib)) = a
    signal = autograd.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    (gradient,) = autograd.gradients.grad(autograd.fft.rfft(signal).abs().sum(), signal, create_graph=True)
    assert gradient.dtype == autograd.float32


def test_view_copy_takes_a_python_type_by_position():
    assert (
        autograd.view_copy(x, float).shape == (2, 1)
        and autograd.view_copy(x, float).dtype == autograd.float64
    )
    with pytest.raises(TypeError, match=r"give a size .* or a dtype, one of them"):
        autograd.view_copy(x, float, dtype=autograd.float64)
