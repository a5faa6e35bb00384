"""Module 02 (everyday torch API): ``autograd.grad`` returns gradients and leaves ``.grad`` alone."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradients import backward, grad


def test_grad_of_leaves_and_an_intermediate_matches_the_calculus():
    x = autograd.tensor([1.0, -2.0, 3.0], dtype=autograd.float64, requires_grad=True)
    w = autograd.tensor([0.5, 2.0, -1.0], dtype=autograd.float64, requires_grad=True)
    h = x * 2.0
    z = (h * h).sum() + (x * w).sum()  # dz/dx = 8x + w, dz/dh = 2h, dz/dw = x
    gx, gh, gw = grad(z, [x, h, w])
    np.testing.assert_allclose(gx.numpy(), 8 * x.detach().numpy() + w.detach().numpy())
    np.testing.assert_allclose(gh.numpy(), 4 * x.detach().numpy())
    np.testing.assert_allclose(gw.numpy(), x.detach().numpy())
    assert x.grad is None and w.grad is None  # nothing accumulated


def test_several_outputs_with_grad_outputs_sum_their_contributions():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y, z = x * 3.0, x * x
    (gx,) = grad([y, z], x, grad_outputs=[autograd.tensor([1.0, 0.0]), autograd.tensor([1.0, 1.0])])
    assert gx.tolist() == [3.0 + 2.0, 0.0 + 4.0]


def test_retain_graph_and_freed_graph():
    x = autograd.tensor([2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    first = grad(y, x, retain_graph=True)[0]
    second = grad(y, x)[0]
    assert first.tolist() == second.tolist()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        grad(y, x)


def test_nodes_below_the_inputs_are_neither_run_nor_freed():
    """grad w.r.t. an intermediate h stops at h: the graph under h serves later grads and backward."""
    runs = []

    class Logged(autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 3.0

        @staticmethod
        def backward(ctx, g):
            runs.append(g.copy())
            return (g * 3.0,)

    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    h = Logged.apply(x)
    for power in (2.0, 3.0):  # two graphs on top of h, each differentiated w.r.t. h alone
        (gh,) = grad((h**power).sum(), h)
        np.testing.assert_allclose(gh.numpy(), power * h.detach().numpy() ** (power - 1))
    assert runs == [], "the node below h ran"
    (h * h).sum().backward()  # the graph under h was not freed
    np.testing.assert_allclose(x.grad.numpy(), 2 * h.detach().numpy() * 3.0)
    assert len(runs) == 1
    # Both an input and a node below it: the path between them runs once.
    gx, gh = grad((h * h).sum(), [x, h])
    np.testing.assert_allclose(gx.numpy(), 6.0 * h.detach().numpy())
    assert len(runs) == 2


def test_unused_inputs_and_bad_arguments_say_what_to_do():
    x = autograd.tensor([1.0], requires_grad=True)
    unused = autograd.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="input 1 .* was not used .* allow_unused=True"):
        grad((x * 2.0).sum(), [x, unused], retain_graph=True)
    assert grad((x * 2.0).sum(), [x, unused], allow_unused=True)[1] is None
    with pytest.raises(RuntimeError, match="only for real one-element outputs"):
        grad(x * autograd.ones(3), x)
    with pytest.raises(RuntimeError, match="input 0 .* does not require grad"):
        grad((x * 2.0).sum(), autograd.tensor([1.0]))


def test_backward_function_accumulates_like_the_method():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    backward([(x * x).sum(), (x * 3.0).sum()])
    assert x.grad.tolist() == [2.0 + 3.0, 4.0 + 3.0]
