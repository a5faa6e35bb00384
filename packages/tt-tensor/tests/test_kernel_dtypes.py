"""Dtypes PyTorch 2.13 has no CPU kernel for are refused with its NotImplementedError, naming the op and
the dtype (checked in a scratch script: ``torch.arange(3, dtype=torch.complex64)`` raises
'"arange_cpu" not implemented for 'ComplexFloat''): bool and complex ``arange``, bool ``linspace``
and ``logspace``, integer and bool ``logcumsumexp`` and ``logaddexp`` (of two such operands),
complex ``cummax``/``cummin``/``mode``/``kthvalue``, bool ``kthvalue`` and ``median``. The dtypes
next to them still work. tt-autograd's recorded forms are checked in its test_kernel_dtypes.py.

Not course material, so no module number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_tensor as tt
from tt_tensor.checks import empty_extreme

REFUSED = r"^{op}: not implemented for {dtype}, as in PyTorch; compute in a dtype it supports"


def refused(op: str, dtype: str):
    return pytest.raises(NotImplementedError, match=REFUSED.format(op=op, dtype=dtype))


@pytest.mark.parametrize("dtype", ["bool", "complex64", "complex128"])
def test_arange_has_no_bool_or_complex_form(dtype):
    with refused("arange", dtype):
        tt.arange(0, 2, dtype=getattr(tt, dtype))
    assert tt.arange(3, dtype=tt.int8).tolist() == [0, 1, 2]
    assert tt.arange(0, 1, 0.5, dtype=tt.float16).tolist() == [0.0, 0.5]


@pytest.mark.parametrize("op", ["linspace", "logspace"])
def test_linspace_and_logspace_have_no_bool_form(op):
    with refused(op, "bool"):
        getattr(tt, op)(0, 1, 3, dtype=tt.bool)
    assert getattr(tt, op)(0, 2, 3, dtype=tt.int32).dtype == tt.int32


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_logcumsumexp_and_logaddexp_of_integers_are_refused(dtype):
    x = tt.ones(3, dtype=getattr(tt, dtype))
    with refused("logcumsumexp", dtype):
        x.logcumsumexp(0)
    with refused("logaddexp", "int64" if dtype != "bool" and dtype != "uint8" else dtype):
        x.logaddexp(tt.ones(3, dtype=tt.int64) if dtype not in ("bool", "uint8") else x)
    mixed = x.logaddexp(tt.zeros(3))  # an integer and a float operand: the float's kernel
    assert mixed.dtype == tt.float32
    assert mixed.tolist() == pytest.approx([math.log(math.e + 1)] * 3)


def test_logaddexp_of_an_integer_tensor_and_a_python_float_is_a_float():
    assert tt.tensor([0, 0]).logaddexp(0.0).tolist() == pytest.approx([math.log(2)] * 2)


@pytest.mark.parametrize("op", ["cummax", "cummin", "mode", "kthvalue"])
def test_orderings_refuse_complex(op):
    z = tt.tensor([1 + 1j, 2 + 0j])
    with refused(op, "complex64"):
        z.kthvalue(1) if op == "kthvalue" else getattr(z, op)(0)


@pytest.mark.parametrize("op", ["kthvalue", "median", "nanmedian"])
def test_bool_kthvalue_and_median_are_refused(op):
    b = tt.tensor([True, False, True])
    with refused(op, "bool"):
        b.kthvalue(1) if op == "kthvalue" else getattr(b, op)()
    assert tt.tensor([3, 1, 2], dtype=tt.uint8).kthvalue(1).values.item() == 1
    assert tt.tensor([3, 1, 2]).median().item() == 2


def test_empty_extreme_says_false_for_a_non_empty_tensor():
    assert empty_extreme("amax", (2, 3), None) is False
    assert empty_extreme("amax", (0, 3), 1) is True
    assert np.array_equal(tt.zeros(0, 3).amax(1).array, np.zeros(0, np.float32))


def test_abs_and_round_refuse_bool_and_round_scales_float16_in_float32():
    with refused("abs", "bool"):
        tt.tensor([True, False]).abs()
    with refused("round", "bool"):
        tt.tensor([True]).round()
    halves = tt.tensor([1234.5678, 0.125, -2.5], dtype=tt.float16)
    rounded = halves.round(
        decimals=2
    )  # 1234.5678 * 100 overflows float16 (65,504): PyTorch scales in float32
    assert rounded.dtype == tt.float16
    assert rounded.tolist() == [np.float16(1234.5678).item(), np.float16(0.12).item(), -2.5]
    assert halves.round(decimals=-2).tolist() == [1200.0, 0.0, -0.0]
    assert halves.round(decimals=1).tolist() == [np.float16(1234.6).item(), np.float16(0.1).item(), -2.5]
    with refused("round", "int64"):  # PyTorch: '"round_cpu" not implemented for 'Long'' with decimals
        tt.tensor([1, 2]).round(decimals=1)


@pytest.mark.parametrize("decimals", [0, 1])
def test_round_refuses_complex_with_or_without_decimals(decimals):
    # PyTorch: '"round_vml_cpu" not implemented for 'ComplexFloat'' (and "round_cpu" with decimals)
    with refused("round", "complex64"):
        tt.tensor([1.26 + 2.34j], dtype=tt.complex64).round(decimals=decimals)


@pytest.mark.parametrize("op", ["hypot", "logaddexp"])
def test_two_operand_float_kernels_name_a_non_number_operand(op):
    # the integer check steps aside for a non-number: the op's own operand check names it
    with pytest.raises(TypeError, match=rf"^{op}: unsupported operand of type str"):
        getattr(tt.tensor([1.0]), op)("abc")
