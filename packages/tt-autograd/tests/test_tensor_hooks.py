"""``Tensor.register_hook``: a hook sees, and may replace, the gradient w.r.t. a tensor (PyTorch's semantics).

Expected values are worked out by hand in each test (PyTorch 2.13 gives the same).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import hooks
from tt_autograd.gradients import grad


def values(tensor):
    return tensor.detach().numpy()


def leaf(data):
    return autograd.tensor(data, requires_grad=True)


def test_non_leaf_hook_sees_the_total_over_all_uses_before_it_flows_on():
    x = leaf([1.0, 2.0])
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(values(g).copy()))
    (y * y + y).sum().backward()  # d/dy = 2y + 1 = [7, 13]
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], [7.0, 13.0])
    np.testing.assert_array_equal(values(x.grad), [21.0, 39.0])


def test_a_returned_tensor_replaces_the_gradient_and_none_keeps_it():
    x = leaf([1.0, 2.0])
    y = x * 3
    y.register_hook(lambda g: None)
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    np.testing.assert_array_equal(values(x.grad), [30.0, 30.0])


def test_hooks_run_in_registration_order_on_the_previous_result_and_remove_takes_one_off():
    x = leaf([1.0, 2.0])
    y = x * 1
    first = y.register_hook(lambda g: g + 1)
    y.register_hook(lambda g: g * 10)
    y.sum().backward(retain_graph=True)
    np.testing.assert_array_equal(values(x.grad), [20.0, 20.0])  # (1 + 1) * 10, not 1 * 10 + 1
    first.remove()
    first.remove()  # a second call does nothing
    x.grad = None
    y.sum().backward()
    np.testing.assert_array_equal(values(x.grad), [10.0, 10.0])


def test_leaf_hook_sees_the_pass_total_before_it_joins_grad():
    w = leaf([1.0])
    w.grad = autograd.tensor([10.0])
    kept = w.grad
    w.register_hook(lambda g: g.clamp(-1, 1))
    (w * 2 + w * 3).sum().backward()  # total 5, clamped to 1; per contribution it would be 1 + 1
    np.testing.assert_array_equal(values(w.grad), [11.0])
    assert w.grad is kept  # added in place, as PyTorch's AccumulateGrad does


def test_leaf_hook_on_a_first_gradient_gives_grad_its_own_array():
    w = leaf([1.0, 2.0])
    returned = autograd.tensor([4.0, 4.0])
    w.register_hook(lambda g: returned)
    (w * 2).sum().backward()
    np.testing.assert_array_equal(values(w.grad), [4.0, 4.0])
    w.grad += 1
    np.testing.assert_array_equal(values(returned), [4.0, 4.0])  # .grad owns its array


def test_post_accumulate_hooks_run_after_the_tensor_hooks():
    x = leaf([1.0, 2.0])
    events = []
    x.register_post_accumulate_grad_hook(lambda t: events.append(("post", values(t.grad).copy())))
    x.register_hook(lambda g: events.append(("pre", values(g).copy())) or g * 2)
    (x * 2).sum().backward()
    assert [name for name, _ in events] == ["pre", "post"]
    np.testing.assert_array_equal(events[0][1], [2.0, 2.0])
    np.testing.assert_array_equal(events[1][1], [4.0, 4.0])


def test_a_leaf_that_gets_no_gradient_keeps_its_grad_and_its_hook_is_not_called():
    a, b = leaf([1.0]), leaf([2.0])
    a.grad = autograd.tensor([7.0])
    calls = []
    a.register_hook(calls.append)
    ((a * b).detach() * b).sum().backward()
    assert calls == []
    np.testing.assert_array_equal(values(a.grad), [7.0])


class BlockGradFunction(autograd.Function):
    """Identity forward; backward sends its input no gradient (None)."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return (None,)

    @staticmethod
    def graph_backward(ctx, grad):
        return (None,)


def test_a_leaf_whose_senders_send_nothing_keeps_its_grad_and_its_hook_is_not_called():
    a = leaf([1.0])
    a.grad = autograd.tensor([7.0])
    calls = []
    a.register_hook(calls.append)
    BlockGradFunction.apply(a).sum().backward()
    assert calls == []
    np.testing.assert_array_equal(values(a.grad), [7.0])


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("blocked_first", [True, False])
def test_a_leaf_s_hook_runs_when_its_last_consumer_receives_no_gradient(blocked_first, create_graph):
    w = autograd.tensor([1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    w.grad = autograd.tensor([1.0, 1.0], dtype=autograd.float64)
    w.register_hook(lambda g: g * 10)
    blocked = BlockGradFunction.apply((w * 2).exp()).sum()  # its (w * 2) node never gets a gradient
    passed = (w * 3).sum()
    loss = blocked + passed if blocked_first else passed + blocked
    loss.backward(create_graph=create_graph)
    np.testing.assert_allclose(values(w.grad), [31.0, 31.0])


def test_backward_called_on_hooked_tensors_themselves():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append((type(g), autograd.is_grad_enabled())) or g * 5)
    seed = autograd.ones(2)
    x.backward(seed)
    x.backward(seed)
    np.testing.assert_array_equal(values(x.grad), [10.0, 10.0])
    assert seen == [(autograd.Tensor, False)] * 2
    np.testing.assert_array_equal(values(seed), [1.0, 1.0])
    plain = leaf([1.0, 2.0])
    plain.backward(seed)
    plain.backward(seed)  # .grad never shares the caller's gradient
    np.testing.assert_array_equal(values(seed), [1.0, 1.0])
    x2 = leaf([1.0, 2.0])
    y = x2 * 2
    y.register_hook(lambda g: g * 5)
    y.backward(autograd.ones(2))
    np.testing.assert_array_equal(values(x2.grad), [10.0, 10.0])


def test_hooks_run_without_grad_mode_in_a_plain_backward():
    x = leaf([1.0, 2.0])
    modes = []
    x.register_hook(lambda g: modes.append(autograd.is_grad_enabled()))
    y = x * 2
    y.register_hook(lambda g: modes.append(autograd.is_grad_enabled()))
    y.sum().backward()
    assert modes == [False, False]


def test_a_hook_outlives_its_tensor_as_grad_cam_needs():
    x = leaf([1.0, -2.0])
    saved = []

    def forward(inp):
        activation = inp * 3
        activation.register_hook(saved.append)
        return (activation * activation).sum()

    forward(x).backward()
    np.testing.assert_array_equal(values(saved[0]), [6.0, -12.0])


@pytest.mark.parametrize("hook_first", [True, False])
def test_retained_grad_of_a_non_leaf_reflects_its_hooks_in_either_order(hook_first):
    x = leaf([1.0, 2.0])
    y = x * 3
    if hook_first:
        y.register_hook(lambda g: g * 10)
        y.retain_grad()
    else:
        y.retain_grad()
        y.register_hook(lambda g: g * 10)
    y.sum().backward(retain_graph=True)
    np.testing.assert_array_equal(values(y.grad), [10.0, 10.0])
    np.testing.assert_array_equal(values(x.grad), [30.0, 30.0])
    y.sum().backward(create_graph=True)  # the recorded walk retains after the hooks too
    np.testing.assert_array_equal(values(y.grad), [20.0, 20.0])


def test_a_retained_grad_never_writes_into_a_tensor_a_hook_returned():
    x = leaf([1.0, 2.0])
    y = x * 3
    mine = autograd.tensor([4.0, 5.0])
    y.register_hook(lambda g: mine)
    y.retain_grad()
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    np.testing.assert_array_equal(values(y.grad), [8.0, 10.0])
    np.testing.assert_array_equal(values(mine), [4.0, 5.0])


def test_a_hook_stays_with_the_version_it_was_registered_on_and_retain_grad_moves_on():
    x = leaf([1.0, 2.0])
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(values(g).copy()) or g * 10)
    y.retain_grad()
    y.mul_(3)
    y.sum().backward()
    np.testing.assert_array_equal(seen[0], [3.0, 3.0])  # d(sum(3 y))/dy of the old version
    np.testing.assert_array_equal(values(y.grad), [1.0, 1.0])  # the new version's, unhooked
    np.testing.assert_array_equal(values(x.grad), [60.0, 60.0])


def test_autograd_grad_runs_the_hooks_of_leaf_inputs_and_of_the_nodes_it_walks():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 10)
    y = x * 3
    y.register_hook(lambda g: g * 100)
    (gx,) = grad(y.sum(), x, retain_graph=True)
    np.testing.assert_array_equal(values(gx), [3000.0, 3000.0])
    assert x.grad is None


def test_autograd_grad_of_a_non_leaf_input_is_hooked_only_when_its_node_does_not_run():
    # PyTorch hands out a running node's gradient before its hooks, and a skipped one's after them.
    x = leaf([1.0, 2.0])
    y = x * 3
    y.register_hook(lambda g: g * 100)
    z = y * 1
    (gy,) = grad(z.sum(), y, retain_graph=True)
    np.testing.assert_array_equal(values(gy), [100.0, 100.0])
    gy, gx = grad(z.sum(), [y, x], retain_graph=True)
    np.testing.assert_array_equal(values(gy), [1.0, 1.0])
    np.testing.assert_array_equal(values(gx), [300.0, 300.0])


def test_autograd_grad_of_an_unused_hooked_leaf_is_none_and_its_hook_is_not_called():
    a, b = leaf([1.0]), leaf([2.0])
    calls = []
    a.register_hook(calls.append)
    assert grad((b * 2).sum(), [a, b], allow_unused=True)[0] is None
    assert calls == []


def test_autograd_grad_leaves_the_hooks_and_retained_grads_off_its_path_alone():
    a, b = leaf([1.0]), leaf([2.0])
    y = a * 2
    calls = []
    y.register_hook(calls.append)
    y.retain_grad()
    (gb,) = grad((y * b).sum(), b)
    np.testing.assert_array_equal(values(gb), [2.0])
    assert calls == []
    assert y.grad is None


def test_autograd_grad_fills_retained_grads_and_leaves_unwanted_leaf_hooks_alone():
    a, b = leaf([1.0]), leaf([2.0])
    fired = []
    a.register_hook(fired.append)
    y = a * b
    y.retain_grad()
    z = y * 4
    z.retain_grad()
    z.register_hook(lambda g: g * 2)
    (gb,) = grad(z.sum(), b)
    np.testing.assert_array_equal(values(gb), [8.0])
    assert fired == []
    np.testing.assert_array_equal(values(z.grad), [2.0])
    np.testing.assert_array_equal(values(y.grad), [8.0])


def test_create_graph_records_the_hooks_and_a_second_derivative_goes_through_them_again():
    x = leaf([1.0, 2.0])
    y = x * x
    y.register_hook(lambda g: g * y)
    (gx,) = grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(values(gx), [2.0, 16.0])  # 2x * y = 2x^3
    assert gx.grad_fn is not None
    (ggx,) = grad(gx.sum(), x)  # gx = 2x * y: 2y + 2x * (dy/dx through y's hook again) = 2x^2 + 4x^4
    np.testing.assert_allclose(values(ggx), [6.0, 72.0])


def test_create_graph_leaf_hook_is_recorded_and_runs_again_on_autograd_grad():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g * x)
    (x * x).sum().backward(create_graph=True)
    np.testing.assert_allclose(values(x.grad), [2.0, 8.0])  # 2x * x
    assert x.grad.grad_fn is not None
    (g2,) = grad(x.grad.sum(), x)
    np.testing.assert_allclose(values(g2), [4.0, 16.0])  # d(2x^2)/dx = 4x, then the hook: 4x * x
    x.backward(autograd.ones(2), create_graph=True)  # on the leaf itself: hooked, added out of place
    np.testing.assert_allclose(values(x.grad), [3.0, 10.0])


def test_create_graph_leaf_hook_adds_the_hooked_total_to_an_existing_grad():
    w = leaf([1.0])
    w.grad = autograd.tensor([10.0])
    w.register_hook(lambda g: g.clamp(-1, 1))
    (w * 2 + w * 3).sum().backward(create_graph=True)
    np.testing.assert_allclose(values(w.grad), [11.0])


def test_hooked_second_derivative_matches_finite_differences():
    def first_derivative(x):  # cos(x) sin(x), through a hook recorded in the gradient's graph
        y = x.sin()
        with y.register_hook(lambda g: g * y):  # removed before gradcheck differentiates the result
            return grad(y.sum(), x, create_graph=True)[0]

    x = autograd.tensor(np.array([[0.3, -1.2, 0.7], [1.1, 0.2, -0.4]]), requires_grad=True)
    assert autograd.gradcheck(first_derivative, [x])


@pytest.mark.parametrize("create_graph", [False, True])
def test_backward_raising_midway_leaves_grad_as_it_was(create_graph):
    w = leaf([1.0])
    w.grad = autograd.tensor([5.0])
    w.register_hook(lambda g: g)
    v = w * 2

    def boom(g):
        raise ValueError("boom")

    v.register_hook(boom)
    with pytest.raises(ValueError, match="boom"):
        (v * w).sum().backward(create_graph=create_graph)  # w's first gradient arrives before the raise
    np.testing.assert_array_equal(values(w.grad), [5.0])
    u = w * 4
    u.sum().backward()  # and the next backward is an ordinary one
    np.testing.assert_array_equal(values(w.grad), [9.0])


def test_registering_checks_the_tensor_and_the_hook():
    with pytest.raises(
        RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"
    ):
        autograd.tensor([1.0]).register_hook(lambda g: g)
    with pytest.raises(TypeError, match="must be callable"):
        leaf([1.0]).register_hook("not a function")


@pytest.mark.parametrize(
    ("hook", "error", "message"),
    [
        (
            lambda g: g.sum(),
            RuntimeError,
            r"hook '<lambda>' has changed the size of value \(was \(2,\) got \(\)\)",
        ),
        (lambda g: g.double(), RuntimeError, "hook '<lambda>' has changed the type of value"),
        (lambda g: 3, TypeError, "expected a Tensor, but hook '<lambda>' returned 'int'"),
    ],
)
@pytest.mark.parametrize("on_leaf", [True, False])
def test_a_hook_may_not_change_the_gradient_s_size_or_type(hook, error, message, on_leaf):
    x = leaf([1.0, 2.0])
    y = x * 2
    (x if on_leaf else y).register_hook(hook)
    with pytest.raises(error, match=message):
        y.sum().backward()


def test_hooks_on_non_leaves_keep_the_leaf_schedule_empty():
    x = leaf([1.0, 2.0])
    y = x * 2
    before = len(hooks.hooked)
    with y.register_hook(lambda g: g):
        assert len(hooks.hooked) == before  # nothing to schedule: backward pays nothing extra
    handle = x.register_hook(lambda g: g)
    with handle as entered:
        assert entered is handle
        assert len(hooks.hooked) == before + 1
    assert len(hooks.hooked) == before


def test_retain_grad_of_a_tensor_without_grad_is_refused():
    # PyTorch: "can't retain_grad on Tensor that has requires_grad=False"
    with pytest.raises(RuntimeError, match="retain_grad: can.t retain the gradient of a tensor"):
        autograd.ones(2).retain_grad()
