"""``//=``, ``%=`` and ``**=`` work in place as PyTorch 2.13's (checked in a scratch sweep): every view
sees the change, and a result the tensor's dtype cannot hold is refused ("result type Float can't be
cast to the desired output type Long") where Python's fallback (``x = x // y``) used to rebind ``x``
to a new float tensor. An unsigned tensor takes a signed integer result, wrapped, as PyTorch's.

Not course material, so no module number.
"""

from __future__ import annotations

import pytest
import tt_autograd as autograd


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        (lambda x: x.__ifloordiv__(2), [3, -4]),  # floor, as Python's //
        (lambda x: x.__imod__(-3), [-2, -1]),  # the divisor's sign
        (lambda x: x.__ipow__(2), [49, 49]),
    ],
)
def test_the_operators_write_in_place(update, expected):
    x = autograd.tensor([7, -7])
    view = x[:1]
    assert update(x) is x
    assert x.tolist() == expected and view.tolist() == expected[:1] and x.dtype == autograd.int64


@pytest.mark.parametrize("symbol", ["//=", "%=", "**="])
def test_a_float_result_is_refused_for_an_integer_tensor(symbol):
    x = autograd.tensor([7, 4])
    with pytest.raises(
        RuntimeError, match="result type float32 can't be cast to the desired output type int64"
    ):
        exec(f"x {symbol} 1.5")
    assert x.tolist() == [7, 4]


def test_floats_keep_their_gradient_path():
    w = autograd.tensor([3.0, -5.0], requires_grad=True)
    y = w * 1.0
    y **= 2
    y.sum().backward()
    assert w.grad.tolist() == [6.0, -10.0]


def test_an_unsigned_tensor_takes_a_signed_integer_result_wrapped():
    x = autograd.tensor([250, 3, 0], dtype=autograd.uint8)
    view = x[:1]
    x.add_(autograd.tensor([-7, 120, 1], dtype=autograd.int8))  # int16 [243, 123, 1], cast to uint8
    assert x.tolist() == [243, 123, 1] and view.tolist() == [243]
    x += autograd.tensor(-1, dtype=autograd.int8)  # a 0-d int8: PyTorch promotes to uint8, NumPy to int16
    assert x.tolist() == [242, 122, 0]
    x.mul_(autograd.tensor([-1, 2, 3], dtype=autograd.int8))
    assert x.tolist() == [14, 244, 0]  # -242 wraps to 14; 244 fits
    with pytest.raises(RuntimeError, match="result type float32 can't be cast"):
        x.div_(autograd.tensor([1, 2, 3], dtype=autograd.int8))
    with pytest.raises(TypeError, match="add_"):
        x.add_(autograd.ones(2, dtype=autograd.int8))  # shapes that do not fit: still refused
    flags = autograd.tensor([True, False])
    with pytest.raises(
        RuntimeError, match="add_: result type int8 can't be cast to the desired output type bool"
    ):
        flags.add_(autograd.tensor([1, 2], dtype=autograd.int8))  # (PyTorch: "can't be cast to ... Bool")
    signed = autograd.tensor([100, -100], dtype=autograd.int8)
    signed.add_(autograd.tensor([100, -100], dtype=autograd.int16))  # int16 result, wrapped into int8
    assert signed.tolist() == [-56, 56]


def test_a_bool_tensor_takes_a_bool_power_in_place_but_not_an_int_one():
    # PyTorch: bool ** 2 is int64 (refused in place: "can't be cast to the desired output type Bool"),
    # bool ** False is bool (all True)
    x = autograd.tensor([True, False])
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type bool"):
        x **= 2
    x **= False
    assert x.dtype == autograd.bool and x.tolist() == [True, True]
