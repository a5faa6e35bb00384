"""Subtraction with a bool operand is refused with PyTorch's RuntimeError and words, in every form
(``-``, ``sub``, ``rsub``, ``sub_``, ``-=``, with ``alpha=``), where NumPy raised its own
TypeError for ``bool - bool`` and computed ``bool - 1`` as integers.

PyTorch 2.13 (checked in a scratch script): ``torch.tensor([True, False]) - torch.tensor([False, False])``,
``b - True`` and ``True - b`` raise "Subtraction, the `-` operator, with two bool tensors is not
supported. Use the `^` or `logical_xor()` operator instead."; ``b - 1``, ``1 - b``, ``b - 1.5``,
``torch.tensor([1, 2]) - b`` and ``torch.tensor([1., 2.]) - True`` raise "Subtraction, the `-` operator,
with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()`
operator instead."; ``b + c`` and ``b ^ c`` still work.

Not course material, so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt

TWO_BOOLS = r"Subtraction, the `-` operator, with two bool tensors is not supported\. Use the `\^`"
ONE_BOOL = r"Subtraction, the `-` operator, with a bool tensor is not supported\. If you are trying to invert"


def _mask():
    return tt.tensor([True, False])


@pytest.mark.parametrize(
    "subtract",
    [
        lambda b, c: b - c,
        lambda b, c: b - True,
        lambda b, c: True - b,
        lambda b, c: b.sub(c),
        lambda b, c: b.sub(c, alpha=2),
        lambda b, c: tt.sub(b, c),
        lambda b, c: tt.rsub(b, c),
        lambda b, c: b.sub_(c),
        lambda b, c: b.__isub__(c),
        lambda b, c: b - tt.tensor(True),
    ],
)
def test_two_bools_are_refused(subtract):
    b, c = _mask(), tt.tensor([False, False])
    with pytest.raises(RuntimeError, match=TWO_BOOLS):
        subtract(b, c)
    assert b.tolist() == [True, False]  # (sub_ refused before writing)


@pytest.mark.parametrize(
    "subtract",
    [
        lambda b, n: b - 1,
        lambda b, n: 1 - b,
        lambda b, n: b - 1.5,
        lambda b, n: b - n,
        lambda b, n: n - b,
        lambda b, n: n.sub(b, alpha=2),
        lambda b, n: n.float() - True,
        lambda b, n: n.sub_(b),
        lambda b, n: tt.rsub(n, b),
        lambda b, n: tt.rsub(b, 1),
        lambda b, n: b - np.array([1, 2]),
        lambda b, n: b - np.bool_(True),  # (a NumPy bool is read as a float, as PyTorch reads it)
    ],
)
def test_a_bool_with_a_number_is_refused(subtract):
    b, n = _mask(), tt.tensor([1, 2])
    with pytest.raises(RuntimeError, match=ONE_BOOL):
        subtract(b, n)
    assert n.tolist() == [1, 2]


def test_other_arithmetic_of_bools_is_unchanged():
    b, c = _mask(), tt.tensor([True, True])
    assert (b + c).tolist() == [True, True] and (b + c).dtype == tt.bool  # PyTorch: logical or
    assert (b ^ c).tolist() == [False, True]
    assert (tt.tensor([3, 5]) - tt.tensor([1, 1])).tolist() == [2, 4]
    assert (2.5 - tt.tensor([1.0, 2.0])).tolist() == [1.5, 0.5]
    assert tt.rsub(tt.tensor([1, 2]), 10).tolist() == [9, 8]
