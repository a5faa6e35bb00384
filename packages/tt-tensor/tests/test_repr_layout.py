"""``repr`` of tensors, character for character as PyTorch 2.13 prints the same values.

Each expected string was printed by PyTorch (scratch run, not committed); tt's dtype prefix
is the only change. Beyond the modules' exercises: no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
from tt_tensor import Tensor, arange, float64, int16, set_printoptions, tensor


@pytest.fixture(autouse=True)
def _default_options():
    yield
    set_printoptions(profile="default")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1.0, 2000.0], "tensor([1.0000e+00, 2.0000e+03])"),  # whole, but spanning > 1000x: scientific
        ([1.0, 1000.0], "tensor([   1., 1000.])"),  # 1000x exactly: whole numbers, right-aligned
        ([1.5, 2.25, 1e9], "tensor([1.5000e+00, 2.2500e+00, 1.0000e+09])"),
        ([0.001, 1.0], "tensor([0.0010, 1.0000])"),
        ([0.0001], "tensor([1.0000e-04])"),  # float32's 0.0001 is below 1e-4
        ([1e-10, 0.0], "tensor([1.0000e-10, 0.0000e+00])"),
        ([float("nan"), 1e5, -3.0], "tensor([        nan,  1.0000e+05, -3.0000e+00])"),
        ([float("inf"), 1.0, -2.0], "tensor([inf,  1., -2.])"),  # no dot after inf
        ([float("nan"), 0.5], "tensor([   nan, 0.5000])"),
        ([-0.0, 1.5], "tensor([-0.0000, 1.5000])"),
        ([123456.7], "tensor([123456.7031])"),
    ],
)
def test_float_notation_and_alignment(values, expected):
    assert repr(Tensor(values)) == expected


def test_whole_numbers_in_millions_stay_whole_and_align():
    assert repr(arange(10.0).reshape(2, 5) * 1e6) == (
        "tensor([[      0., 1000000., 2000000., 3000000., 4000000.],\n"
        "        [5000000., 6000000., 7000000., 8000000., 9000000.]])"
    )


def test_zero_dim_empty_bool_and_integers():
    assert repr(Tensor(3.5)) == "tensor(3.5000)" and repr(Tensor(float("nan"))) == "tensor(nan)"
    assert repr(Tensor(1e-8)) == "tensor(1.0000e-08)" and repr(tensor(5)) == "tensor(5)"
    assert repr(Tensor([])) == "tensor([])"
    assert repr(Tensor(np.zeros((3, 0), np.float32))) == "tensor([], size=(3, 0))"
    assert repr(tensor([True, False])) == "tensor([ True, False])"
    assert repr(tensor([1, -10000, 5], dtype=int16)) == "tensor([     1, -10000,      5], dtype=tt.int16)"


def test_lines_wrap_at_80_characters_under_the_first_element():
    assert repr(arange(30.0).reshape(1, 30) * 1.5) == (
        "tensor([[ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n"
        "         12.0000, 13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000,\n"
        "         24.0000, 25.5000, 27.0000, 28.5000, 30.0000, 31.5000, 33.0000, 34.5000,\n"
        "         36.0000, 37.5000, 39.0000, 40.5000, 42.0000, 43.5000]])"
    )
    set_printoptions(linewidth=30)
    assert repr(arange(20.0)) == (
        "tensor([ 0.,  1.,  2.,  3.,\n         4.,  5.,  6.,  7.,\n         8.,  9., 10., 11.,\n"
        "        12., 13., 14., 15.,\n        16., 17., 18., 19.])"
    )


def test_slices_of_n_dims_are_separated_by_n_minus_1_blank_lines():
    assert repr(arange(24.0).reshape(2, 3, 4) - 12) == (
        "tensor([[[-12., -11., -10.,  -9.],\n"
        "         [ -8.,  -7.,  -6.,  -5.],\n"
        "         [ -4.,  -3.,  -2.,  -1.]],\n"
        "\n"
        "        [[  0.,   1.,   2.,   3.],\n"
        "         [  4.,   5.,   6.,   7.],\n"
        "         [  8.,   9.,  10.,  11.]]])"
    )


def test_a_summary_formats_only_the_printed_values():
    text = repr(arange(5000.0).reshape(50, 100))
    assert text.splitlines()[:2] == [
        "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 9.7000e+01, 9.8000e+01,",
        "         9.9000e+01],",
    ]
    assert text.splitlines()[6:8] == [
        "        ...,",
        "        [4.7000e+03, 4.7010e+03, 4.7020e+03,  ..., 4.7970e+03, 4.7980e+03,",
    ]
    assert repr(arange(4000).reshape(2, 2, 1000)) == (
        "tensor([[[   0,    1,    2,  ...,  997,  998,  999],\n"
        "         [1000, 1001, 1002,  ..., 1997, 1998, 1999]],\n"
        "\n"
        "        [[2000, 2001, 2002,  ..., 2997, 2998, 2999],\n"
        "         [3000, 3001, 3002,  ..., 3997, 3998, 3999]]])"
    )


def test_complex_parts_each_get_their_own_notation():
    assert repr(Tensor([1 + 2j, -3.5 - 0.25j, 1e-5j])) == (
        "tensor([ 1.0000+2.0000e+00j, -3.5000-2.5000e-01j,  0.0000+1.0000e-05j])"
    )
    assert repr(Tensor([[1 + 2j, -3.5 - 0.25j], [0j, 100 + 1j]])) == (
        "tensor([[  1.0000+2.0000j,  -3.5000-0.2500j],\n        [  0.0000+0.0000j, 100.0000+1.0000j]])"
    )
    assert repr(Tensor(-2 + 0j)) == "tensor(-2.+0.j)"


def test_set_printoptions_sci_mode_false_keeps_the_widths_of_the_fixed_text():
    set_printoptions(sci_mode=False, precision=2)
    assert repr(Tensor([1.0, 2e9])) == "tensor([         1., 2000000000.])"
    assert repr(Tensor([1 + 2j, -3.5 - 0.25j, 1e-5j])) == "tensor([ 1.00+2.00j, -3.50-0.25j,  0.00+0.00j])"


def test_edges_of_the_rules():
    assert repr(Tensor([1e8])) == "tensor([100000000.])"  # 1e8 itself is not past 1e8
    assert repr(Tensor([1.0e8, 1.5e8])) == "tensor([1.0000e+08, 1.5000e+08])"
    assert repr(tensor([1e-4, 0.05], dtype=float64)) == "tensor([0.0001, 0.0500], dtype=tt.float64)"
    assert repr(tensor([1.5e-4, 0.05], dtype=float64)) == "tensor([0.0001, 0.0500], dtype=tt.float64)"
    assert repr(Tensor(np.zeros(40, np.float32))) == (  # no nonzero value: width 1, 24 to a line
        "tensor([0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., "
        "0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.,\n"
        "        0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.])"
    )
    assert repr(arange(12) * (1 + 1j)) == (  # a complex element is both parts' widths and a j wide
        "tensor([ 0.+0.j,  1.+1.j,  2.+2.j,  3.+3.j,  4.+4.j,  5.+5.j,  6.+6.j,  7.+7.j,\n"
        "         8.+8.j,  9.+9.j, 10.+10.j, 11.+11.j])"
    )


def test_a_summary_reads_only_the_values_it_prints():
    hidden = np.zeros((8, 200), np.float32)
    hidden[3, 0] = 12345.5  # row 3 of 8 is not printed: it does not make the others 0.0000
    assert repr(Tensor(hidden)).splitlines()[3:5] == [
        "        ...,",
        "        [0., 0., 0.,  ..., 0., 0., 0.],",
    ]
    six = repr(arange(1200.0).reshape(6, 200))  # 6 rows = 2 x 3 edge items: all printed, no '...,' row
    assert len(six.splitlines()) == 12 and "...," not in six.replace("  ...,", "")
    set_printoptions(threshold=5, edgeitems=1)
    assert repr(arange(5.0)) == "tensor([0., 1., 2., 3., 4.])"  # 5 elements are not more than 5


def test_a_column_narrows_the_lines():
    from tt_tensor.formatting import format_tensor

    text = format_tensor(np.arange(12, dtype=np.float32) + 0.5, [], 14)  # as after "values="
    assert text.splitlines()[0] == "tensor([ 0.5000,  1.5000,  2.5000,  3.5000,  4.5000,  5.5000,"


def test_a_line_too_narrow_for_one_element_still_holds_one():
    set_printoptions(linewidth=8)
    assert repr(Tensor([1.5, 2.5])) == "tensor([1.5000,\n        2.5000])"
