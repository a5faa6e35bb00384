"""Module 02: a tensor saved for backward and then changed in place makes backward raise, not lie."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd


def test_changing_a_saved_input_in_place_is_caught():
    w = autograd.tensor([1.0, 2.0], requires_grad=True)
    x = autograd.tensor([3.0, 4.0])  # no grad: += writes its memory in place
    y = (w * x).sum()  # Mul saved x for w's gradient
    x += 1
    with pytest.raises(RuntimeError, match=r"MulBackward0.*modified by an in-place operation.*version 1"):
        y.backward()


def test_changing_a_view_of_a_saved_input_is_caught():
    w = autograd.tensor([1.0, 2.0], requires_grad=True)
    x = autograd.tensor([[3.0, 4.0], [5.0, 6.0]])
    y = (w * x[0]).sum()
    x[1, 1] = 0.0  # another part of the same memory: PyTorch counts per storage too
    with pytest.raises(RuntimeError, match="in-place"):
        y.backward()


def test_changing_a_saved_output_under_no_grad_is_caught():
    x = autograd.tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()  # Exp saves its output
    with autograd.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="ExpBackward0"):
        y.sum().backward()


def test_unrelated_or_out_of_place_changes_are_fine():
    w = autograd.tensor([1.0, 2.0], requires_grad=True)
    x = autograd.tensor([3.0, 4.0])
    other = autograd.zeros(2)
    y = (w * x).sum()
    other += 1  # not saved by anything
    x = x + 1  # a new tensor: the saved one is untouched
    y.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 4.0])


def test_a_change_made_before_forward_is_fine():
    w = autograd.tensor([1.0, 2.0], requires_grad=True)
    x = autograd.tensor([3.0, 4.0])
    x += 1
    (w * x).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [4.0, 5.0])


def test_a_retained_graph_checks_again_on_the_second_backward():
    w = autograd.tensor([1.0, 2.0], requires_grad=True)
    x = autograd.tensor([3.0, 4.0])
    y = (w * x).sum()
    y.backward(retain_graph=True)
    x.add_(1)
    with pytest.raises(RuntimeError, match="in-place"):
        y.backward()


def test_recorded_in_place_ops_on_graph_tensors_still_differentiate():
    """An in-place op that autograd records (here on a non-leaf) gives a new node, not an error."""
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y += x  # recorded: y is now x * 3 + x
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0])
