"""Module 02: post-accumulate gradient hooks (``Tensor.register_post_accumulate_grad_hook``).

A hook runs once per backward, after the leaf's ``.grad`` holds every
gradient of that pass, and before backward has finished the rest of the graph
(what lets data-parallel training send gradients while backward goes on).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd


def test_hook_sees_the_final_gradient_of_a_leaf_used_at_several_depths():
    x = autograd.tensor([1.0, -2.0, 3.0], dtype=autograd.float64, requires_grad=True)
    w = autograd.tensor([0.5, 2.0, -1.0], dtype=autograd.float64, requires_grad=True)
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(("x", t.grad.detach().numpy().copy())))
    w.register_post_accumulate_grad_hook(lambda t: seen.append(("w", t.grad.detach().numpy().copy())))
    # x reaches the loss three ways, at different depths: x*w, (x*x).exp().log(), and x itself.
    loss = (x * w).sum() + ((x * x).exp().log()).sum() + x.sum()
    loss.backward()
    xv, wv = x.detach().numpy(), w.detach().numpy()
    assert [name for name, _ in seen].count("x") == 1 and [name for name, _ in seen].count("w") == 1
    final = dict(seen)
    np.testing.assert_allclose(final["x"], wv + 2 * xv + 1, rtol=1e-12)
    np.testing.assert_allclose(final["w"], xv, rtol=1e-12)


def test_hooks_fire_during_backward_shallow_leaves_first():
    deep = autograd.tensor([1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    shallow = autograd.tensor([3.0, 4.0], dtype=autograd.float64, requires_grad=True)
    order = []
    deep.register_post_accumulate_grad_hook(lambda t: order.append(("deep", t.grad is not None)))
    shallow.register_post_accumulate_grad_hook(
        lambda t: order.append(("shallow", t.grad is not None, deep.grad is None))
    )
    hidden = (deep * 2).tanh().exp()
    (hidden * shallow).sum().backward()
    # The shallow leaf is finished while the deep one has no gradient yet.
    assert order == [("shallow", True, True), ("deep", True)]


def test_hook_runs_once_per_backward_and_sees_accumulation():
    x = autograd.tensor([1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.detach().numpy().copy()))
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert len(seen) == 2
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    np.testing.assert_allclose(seen[1], [3.0 + 2.0, 3.0 + 4.0])


def test_several_hooks_run_in_order_and_remove_takes_one_off():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    calls = []
    first = x.register_post_accumulate_grad_hook(lambda t: calls.append(1))
    x.register_post_accumulate_grad_hook(lambda t: calls.append(2))
    (x * 2).sum().backward()
    assert calls == [1, 2]
    first.remove()
    first.remove()  # a second remove does nothing
    (x * 2).sum().backward()
    assert calls == [1, 2, 2]


def test_removed_hooks_cost_nothing_and_do_not_fire():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    calls = []
    with x.register_post_accumulate_grad_hook(lambda t: calls.append(t)):
        pass
    (x * 2).sum().backward()
    assert calls == []


class BlockGradFunction(autograd.Function):
    """Identity forward; backward sends its input no gradient (None)."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return (None,)


@pytest.mark.parametrize("blocked_first", [True, False])
def test_hook_fires_even_when_the_leafs_last_consumer_receives_no_gradient(blocked_first):
    w = autograd.tensor([1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.detach().numpy().copy()))
    # One branch of w's two is cut by BlockGradFunction: its node (w * 2) never receives a gradient,
    # whichever of the two consumers of w backward reaches last.
    blocked = BlockGradFunction.apply((w * 2).exp()).sum()
    passed = (w * 3).sum()
    loss = blocked + passed if blocked_first else passed + blocked
    loss.backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], [3.0, 3.0])


def test_registering_on_a_non_leaf_or_a_tensor_without_grad_is_an_error():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="non-leaf"):
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(RuntimeError, match="doesn't require"):
        autograd.tensor([1.0]).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(TypeError, match="callable"):
        x.register_post_accumulate_grad_hook("not a function")
