"""Module 02: the computation graph and ``backward()``, with PyTorch's semantics.

Leaves and non-leaves, gradient accumulation, ``backward(gradient=...)``,
``retain_graph``, freeing the graph, very deep graphs, nodes reached along
several paths, and in-place operations.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor


def test_leaves_and_non_leaves():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    c = autograd.tensor([3.0, 4.0])
    y = x * c
    assert x.is_leaf and c.is_leaf
    assert not y.is_leaf
    assert x.grad_fn is None and y.grad_fn is not None
    assert repr(y.grad_fn) == "<MulBackward0>"
    assert "grad_fn=<MulBackward0>" in repr(y)
    assert "requires_grad=True" in repr(x)


def test_backward_fills_leaf_grads_only():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    z = (y * y).sum()
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), 18 * x.detach().numpy())
    assert type(x.grad) is autograd.Tensor and x.grad.dtype == x.dtype
    assert not x.grad.requires_grad
    assert y.grad is None, "a non-leaf keeps no .grad unless retain_grad() was called"
    assert z.grad is None


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    z = (y * y).sum()
    z.retain_grad()
    z.backward()
    np.testing.assert_allclose(y.grad.numpy(), 2 * y.detach().numpy())
    np.testing.assert_allclose(z.grad.numpy(), 1.0)


def test_a_retained_gradient_is_its_own_array_not_the_one_passed_to_backward():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    upstream = autograd.tensor([1.0, -1.0])
    y.backward(upstream)
    upstream.numpy()[...] = 7.0  # the caller reuses its buffer
    np.testing.assert_array_equal(y.grad.numpy(), [1.0, -1.0])
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, -3.0])
    y = x * 3
    y.retain_grad()
    y.backward(upstream)
    y.grad.numpy()[...] += 1.0  # and the retained gradient may be changed without touching the caller's
    np.testing.assert_array_equal(upstream.numpy(), [7.0, 7.0])


def test_gradients_accumulate_across_backward_calls():
    x = autograd.tensor([1.0, -2.0], requires_grad=True)
    (x * x).sum().backward()
    first = x.grad
    (x * 5).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.array([1.0, -2.0]) + 5)
    assert x.grad is first, "accumulation adds into the existing .grad tensor, as in PyTorch"
    x.grad = None
    (x * 5).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])


def test_accumulated_gradient_does_not_alias_other_gradients():
    """Each leaf's .grad owns its storage: adding into one never changes another."""
    a = autograd.tensor([1.0, 2.0], requires_grad=True)
    b = autograd.tensor([1.0, 2.0], requires_grad=True)
    (a + b).sum().backward()  # both receive the very same incoming gradient
    (a * 3).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [4.0, 4.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])
    # the same again when each leaf receives a *view* of one shared gradient (through reshape)
    a = autograd.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    b = autograd.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    ((a.reshape(2, 2) + b.reshape(2, 2)) * autograd.ones(2, 2)).sum().backward()
    (a * 3).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [4.0, 4.0, 4.0, 4.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0, 1.0, 1.0])


def test_backward_with_an_explicit_gradient_on_a_non_scalar():
    x = autograd.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * x
    y.backward(gradient=autograd.tensor([[1.0, 0.0], [0.5, 2.0]]))
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.array([[1.0, 0.0], [1.5, 8.0]]))
    w = autograd.tensor([1.0, 2.0], requires_grad=True)
    w.backward(np.array([3.0, 4.0]))  # a leaf itself; a NumPy gradient is accepted too
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 4.0])


def test_backward_on_a_one_element_non_scalar_needs_no_gradient():
    x = autograd.tensor([2.0], requires_grad=True)
    (x * x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0])


def test_a_node_reached_along_paths_of_different_lengths():
    """The engine must finish every consumer of a node before passing the node's gradient on."""
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    a = x * 2
    b = a * 3
    (a + b).sum().backward()  # d/dx (2x + 6x) = 8
    np.testing.assert_array_equal(x.grad.numpy(), [8.0, 8.0])
    x.grad = None
    a = x * 2
    b = a * 3
    (b + a).sum().backward()  # the same graph with the consumers listed in the other order
    np.testing.assert_array_equal(x.grad.numpy(), [8.0, 8.0])


def test_a_diamond_with_reused_intermediates(leaf, check_grad):
    def f(x):
        h = x.exp()
        g = h * x
        return (h + g * h + (g * 2).sin()).sum() + h.sum()

    check_grad(f, leaf((3,)))


def test_same_tensor_as_both_operands():
    x = autograd.tensor([3.0], requires_grad=True)
    (x * x + x + x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [8.0])


def test_backward_twice_without_retain_graph_raises():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_backward_twice_with_retain_graph_accumulates():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 12.0])


def test_graph_is_freed_after_backward():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    w = autograd.tensor([3.0, 4.0], requires_grad=True)
    y = x * w
    z = y.exp().sum()
    assert y.grad_fn.saved_tensors is not None and len(y.grad_fn.saved_tensors) > 0
    z.backward()
    assert y.grad_fn.saved_tensors is None, "Mul's saved arrays must be released by backward()"
    assert z.grad_fn.saved_tensors is None or z.grad_fn.saved_tensors == ()


def test_retain_graph_keeps_saved_tensors():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.sum().backward(retain_graph=True)
    assert y.grad_fn.saved_tensors is not None and len(y.grad_fn.saved_tensors) == 2


def test_a_long_chain_backpropagates_without_recursion_error():
    x = autograd.tensor([1.0], dtype=autograd.float64, requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0001**20_000], rtol=1e-9)


def test_a_long_chain_of_mixed_ops():
    x = autograd.tensor([0.5, 1.5], dtype=autograd.float64, requires_grad=True)
    y = x
    for _ in range(5_000):
        y = (y + 1.0) - 1.0
        y = y.reshape(2, 1).reshape(2)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])


def test_backward_through_an_integer_index_tensor():
    """An index tensor is data, not part of the graph: it gets no gradient."""
    x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    index = autograd.tensor([2, 0])
    x[index].sum().backward()
    assert index.grad is None and not index.requires_grad
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 1.0])


def test_detach_cuts_the_graph_and_shares_storage():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf and type(d) is autograd.Tensor
    (d * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])  # d treated as a constant
    with autograd.no_grad():
        d[0] = 10.0
    assert y[0].item() == 10.0, "detach() shares storage with the original, as in PyTorch"


def test_data_is_a_detached_view():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    data = x.data
    assert not data.requires_grad and data.grad_fn is None
    data.mul_(3)  # allowed: data is outside the graph
    np.testing.assert_array_equal(x.detach().numpy(), [3.0, 6.0])


def test_detach_in_place():
    x = autograd.tensor([1.0], requires_grad=True)
    y = x * 2
    assert y.detach_() is y
    assert not y.requires_grad and y.grad_fn is None


def test_inplace_on_a_leaf_that_requires_grad_raises():
    w = autograd.tensor([1.0, 2.0], requires_grad=True)
    inplace_ops = {
        "add_": lambda: w.add_(1),
        "mul_": lambda: w.mul_(2),
        "zero_": lambda: w.zero_(),
        "fill_": lambda: w.fill_(1.0),
        "copy_": lambda: w.copy_(autograd.ones(2)),
        "clamp_": lambda: w.clamp_(0.0, 1.5),
        "masked_fill_": lambda: w.masked_fill_(autograd.tensor([True, False]), 0.0),
        "uniform_": lambda: w.uniform_(),
        "normal_": lambda: w.normal_(),
        "bernoulli_": lambda: w.bernoulli_(),
    }
    for name, op in inplace_ops.items():
        with pytest.raises(RuntimeError, match=f"{name}: in-place operation on a leaf"):
            op()
    with pytest.raises(RuntimeError, match="in-place"):
        w -= 1
    with pytest.raises(RuntimeError, match="in-place"):
        w[0] = 5.0
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, 2.0])


def test_inplace_update_of_a_leaf_under_no_grad():
    w = autograd.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    before = w
    with autograd.no_grad():
        w -= 0.1 * w.grad
    assert w is before and w.is_leaf and w.requires_grad and w.grad_fn is None
    np.testing.assert_allclose(w.detach().numpy(), [0.8, 1.6])
    w.grad.zero_()
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [1.6, 3.2])
    with autograd.no_grad():
        w.clamp_(0.0, 1.0)
        np.testing.assert_allclose(w.detach().numpy(), [0.8, 1.0])
        w.masked_fill_(autograd.tensor([True, False]), -1.0)
        np.testing.assert_allclose(w.detach().numpy(), [-1.0, 1.0])
        w.copy_(autograd.tensor([5.0, 6.0]))
        w.fill_(2.0)
        w.zero_()
    assert w.is_leaf and w.requires_grad
    np.testing.assert_array_equal(w.detach().numpy(), [0.0, 0.0])


def test_inplace_on_a_non_leaf_keeps_gradients_correct():
    x = autograd.tensor([1.0, 2.0, 3.0], dtype=autograd.float64, requires_grad=True)
    y = x * 2
    y += 1
    y *= x  # y = (2x + 1) x
    assert not y.is_leaf and y.requires_grad
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * x.detach().numpy() + 1)


def test_inplace_on_a_non_leaf_does_not_corrupt_what_earlier_ops_saved():
    x = autograd.tensor([1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    h = x * 1.0
    z = h * h  # saves h's values for backward
    h += 1.0
    (z + h).sum().backward()  # d/dx (x^2 + x + 1) = 2x + 1
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 5.0])


def test_inplace_on_a_plain_tensor_with_a_grad_operand_joins_the_graph():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    acc = autograd.zeros(2)
    acc += x * 3
    acc += x
    acc.sub_(x, alpha=0.5)
    acc.add_(autograd.ones(2), alpha=2)
    assert acc.requires_grad and not acc.is_leaf
    np.testing.assert_array_equal(acc.detach().numpy(), [5.5, 9.0])
    acc.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.5, 3.5])


def test_requires_grad_cannot_be_switched_off_on_a_non_leaf():
    y = autograd.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)
    y.requires_grad_(True)  # already true: allowed


def test_retain_grad_follows_an_inplace_update():
    """After ``y *= 3``, ``y.grad`` is the gradient with respect to the new ``y``, as in PyTorch."""
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y *= 3
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), 2 * 6 * np.array([1.0, 2.0]))
    np.testing.assert_allclose(x.grad.numpy(), 72 * np.array([1.0, 2.0]))


def test_a_plain_tt_tensor_operand_is_a_constant():
    """Module 01's Tensor (no autograd) in an op: used as data, given no gradient, not a graph input."""
    plain = tt_tensor.tensor([3.0, 4.0])
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = x * plain + autograd.where(autograd.tensor([True, False]), x, plain)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0])
    assert not hasattr(plain, "grad") or plain.grad is None
