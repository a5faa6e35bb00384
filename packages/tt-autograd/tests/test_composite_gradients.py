"""``composite_gradients``: a fused Function's ``graph_backward`` through its forward in tensor operations.

The Functions here are small fused ops written for the test (NumPy forward and
backward, as tt-nn's are), whose ``graph_backward`` delegates to a composite.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd
from tt_autograd import Function, gradgradcheck
from tt_autograd.gradients import grad
from tt_autograd.higher_order import composite_gradients


class ProductSineFunction(Function):
    """``sin(a) * b``, fused; ``c`` is an input the output ignores."""

    @staticmethod
    def forward(ctx, a, b, c):
        ctx.save_for_backward(a, b, c)
        return np.sin(a) * b

    @staticmethod
    def backward(ctx, grad):
        a, b, c = ctx.saved_tensors
        return grad * np.cos(a) * b, grad * np.sin(a), np.zeros_like(c)

    @staticmethod
    def graph_backward(ctx, grad):
        return composite_gradients(ctx, grad, lambda a, b, c: a.sin() * b, ctx.saved_tensors)


def leaf(values):
    return autograd.tensor(values, dtype=autograd.float64, requires_grad=True)


def test_second_derivatives_through_the_composite():
    rng = np.random.default_rng(0)
    a, b, c = leaf(rng.standard_normal((2, 3))), leaf(rng.standard_normal((2, 3))), leaf(np.ones((2, 3)))
    assert gradgradcheck(lambda a, b: ProductSineFunction.apply(a, b, c), [a, b])
    (ga, gb, gc) = grad(ProductSineFunction.apply(a, b, c).sum(), [a, b, c], create_graph=True)
    np.testing.assert_allclose(ga.detach().numpy(), np.cos(a.detach().numpy()) * b.detach().numpy())
    np.testing.assert_array_equal(gc.numpy(), np.zeros((2, 3)))  # not used: a zero gradient, no graph
    assert not gc.requires_grad and ga.requires_grad and gb.requires_grad


def test_an_input_given_twice_gets_each_gradient_once():
    x = leaf([0.3, -1.2])
    (g,) = grad(ProductSineFunction.apply(x, x, x).sum(), x, create_graph=True)
    value = x.detach().numpy()
    np.testing.assert_allclose(g.detach().numpy(), np.cos(value) * value + np.sin(value))
    (h,) = grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), -np.sin(value) * value + 2 * np.cos(value))


def test_an_input_that_needs_no_gradient_gets_none():
    a, b = leaf([0.5, 1.0]), autograd.tensor([2.0, 3.0], dtype=autograd.float64)
    node = ProductSineFunction.apply(a, b, b).grad_fn
    _, grad_b, grad_c = ProductSineFunction.graph_backward(node, autograd.ones(2, dtype=autograd.float64))
    assert grad_b is None and grad_c is None
