"""tt-autograd's recorded ``sub``, ``-`` (both sides) and ``sub_`` refuse a bool operand as tt-tensor's
do, with PyTorch 2.13's words (see tt-tensor's test_bool_subtraction.py), and still record gradients
for numbers.

Not course material, so no module number.
"""

from __future__ import annotations

import pytest
import tt_autograd as autograd


def test_recorded_subtraction_with_bools_is_refused():
    b, x = autograd.tensor([True, False]), autograd.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="with two bool tensors is not supported"):
        b - b
    with pytest.raises(RuntimeError, match="with two bool tensors is not supported"):
        True - b
    for subtract in (lambda: x - b, lambda: b - x, lambda: x.sub(b, alpha=2), lambda: x - True):
        with pytest.raises(RuntimeError, match="with a bool tensor is not supported. If you are trying"):
            subtract()
    leaf = autograd.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"sub_: Subtraction, the `-` operator, with a bool tensor"):
        leaf.sub_(b)
    assert leaf.tolist() == [1.0, 2.0]


def test_recorded_subtraction_of_numbers_keeps_its_gradients():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    (3.0 - x.sub(autograd.tensor([0.5, 0.5]), alpha=2)).sum().backward()
    assert x.grad.tolist() == [-1.0, -1.0]
