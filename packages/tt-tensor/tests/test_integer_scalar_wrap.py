"""A Python int that an integer tensor's dtype cannot hold wraps into it, as PyTorch 2.13 casts a scalar
to the tensor's dtype (each form run on torch 2.13 in a scratch script), where NumPy 2 raised
``OverflowError``: ``uint8 - (-3)`` subtracts 253 (adds 3, modulo 256), ``uint8 < 300`` compares with
44, in place too. Beyond 64 bits it stays an ``OverflowError``. Expected values: modular arithmetic,
worked by hand. Not course material.
"""

from __future__ import annotations

import pytest
import tt_tensor as tt
from tt_tensor.dtypes import wrap_integer

U = [1, 200]


def u8():
    return tt.tensor(U, dtype=tt.uint8)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: u8() + (-3), [254, 197]),  # 1 + 253, 200 + 253 (mod 256)
        (lambda: u8() - (-3), [4, 203]),
        (lambda: (-3) - u8(), [252, 53]),  # 253 - 1, 253 - 200
        (lambda: u8() * (-3), [253, 168]),  # 253, 200 * 253 = 50600 = 197 * 256 + 168
        (lambda: 300 * u8(), [44, 96]),  # 300 -> 44; 200 * 44 = 8800 = 34 * 256 + 96
        (lambda: u8() // (-3), [0, 0]),  # by 253
        (lambda: u8() % (-3), [1, 200]),
        (lambda: u8() - 256, U),  # 256 -> 0
        (lambda: u8() * 2**63, [0, 0]),
        (lambda: u8() & 300, [0, 8]),  # 44 = 0b101100; 200 = 0b11001000
        (lambda: u8() < 300, [True, False]),  # compared with 44
        (lambda: u8().eq(257), [True, False]),
        (lambda: tt.tensor([1, 2], dtype=tt.int8) + 200, [-55, -54]),  # 200 -> -56
        (lambda: tt.tensor([100], dtype=tt.int8) - 129, [-29]),  # 129 -> -127
        (lambda: tt.tensor([5], dtype=tt.int32) + 2**33, [5]),
        (lambda: u8().add_(-3), [254, 197]),
        (lambda: u8().mul_(1000), [232, 64]),  # 1000 -> 232; 200 * 232 = 46400 = 181 * 256 + 64
    ],
)
def test_a_scalar_out_of_range_wraps_into_the_dtype(call, expected):
    result = call()
    assert result.tolist() == expected
    assert result.dtype in (tt.uint8, tt.int8, tt.int32, tt.bool)


def test_in_range_values_and_other_dtypes_are_untouched():
    assert (u8() + 3).tolist() == [4, 203] and (u8() + 3).dtype == tt.uint8
    assert (tt.tensor([1.0]) + 300).tolist() == [301.0]
    assert (300 - tt.tensor([0.5])).tolist() == [299.5]  # (a float tensor takes any int)
    assert tt.tensor([1.0]).add_(300).tolist() == [301.0]
    assert (u8() & True).tolist() == [1, 0]
    with pytest.raises(TypeError, match="add_: argument 'other' must be a Tensor or a number"):
        u8().add_("a")
    assert (tt.tensor([1]) + 2**40).tolist() == [2**40 + 1]
    assert wrap_integer(-128, tt.int8.numpy) == -128 and wrap_integer(127, tt.int8.numpy) == 127
    assert wrap_integer(128, tt.int8.numpy) == -128 and wrap_integer(-129, tt.int8.numpy) == 127
    assert wrap_integer(255, tt.uint8.numpy) == 255 and wrap_integer(256, tt.uint8.numpy) == 0
    assert wrap_integer(-1, tt.uint8.numpy) == 255


def test_beyond_64_bits_is_still_an_overflow():
    with pytest.raises(OverflowError):
        tt.tensor([1]) + 2**70
    with pytest.raises(OverflowError):
        u8() + 2**64
    with pytest.raises(OverflowError):
        u8() + (-(2**63) - 1)
    assert wrap_integer(2**64 - 1, tt.uint8.numpy) == 255 and wrap_integer(-(2**63), tt.uint8.numpy) == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda: u8().clamp(max=256),
        lambda: u8().clamp(min=-256),
        lambda: u8().clamp_(max=256),
        lambda: u8().clamp_min(256),
        lambda: tt.tensor([1, -2], dtype=tt.int8).clamp(max=128),
        lambda: tt.tensor([1, -2], dtype=tt.int8).clamp(min=-129),
        lambda: tt.tensor([1]).clamp(max=1 << 63),
        lambda: u8() ** 256,
        lambda: tt.tensor([1, -2], dtype=tt.int8).pow(128),
        lambda: u8().add(u8(), alpha=256),
        lambda: u8().sub(u8(), alpha=-256),
    ],
)
def test_a_bound_an_exponent_or_an_alpha_must_fit_the_dtype(call):
    # PyTorch range-checks these arguments instead of wrapping them: signed [min, max], unsigned [-max, max]
    with pytest.raises(RuntimeError, match="cannot be converted to type .* without overflow"):
        call()


def test_in_range_bounds_exponents_and_alphas_of_an_unsigned_dtype_may_be_negative():
    assert u8().clamp(min=-1).tolist() == [255, 255]  # -1 is 255 in uint8
    assert u8().clamp(min=-255).tolist() == [1, 200]  # -255 is 1
    assert tt.tensor([1, -2], dtype=tt.int8).clamp(-128, 127).tolist() == [1, -2]
    assert (u8() ** 255).tolist() == [1, 0]  # 200 ** 255 = 2 ** 765 · ... ≡ 0 (mod 256)
    assert u8().add(u8(), alpha=-255).tolist() == [2, 144]  # 1 + 1, 200 + 200 · 1 = 400 - 256
