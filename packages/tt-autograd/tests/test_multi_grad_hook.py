"""``register_multi_grad_hook`` and ``increment_version`` (PyTorch 2.13's semantics, checked there)."""

from __future__ import annotations

import pytest
import tt_autograd as autograd
from tt_autograd import hooks
from tt_autograd.gradients import grad
from tt_autograd.graph import increment_version
from tt_autograd.multi_grad_hook import register_multi_grad_hook


def leaf(data):
    return autograd.tensor(data, requires_grad=True)


def values(tensor):
    return None if tensor is None else tensor.detach().numpy().tolist()


def test_all_mode_gets_every_gradient_of_the_pass_once_with_none_for_the_unreached():
    a, b = leaf([1.0, 2.0]), leaf([3.0])
    y = a * 2
    log = []
    handle = register_multi_grad_hook((a, b, y), lambda grads: log.append([values(g) for g in grads]))
    y.sum().backward(retain_graph=True)
    assert log == [[[2.0, 2.0], None, [1.0, 1.0]]]
    log.clear()
    (y.sum() + b.sum()).backward(retain_graph=True)
    assert log == [[[2.0, 2.0], [1.0], [1.0, 1.0]]]
    log.clear()
    handle.remove()
    handle.remove()
    (y.sum() + b.sum()).backward()
    assert log == [] and hooks.watchers[0] == 0


def test_all_mode_fires_after_the_last_gradient_and_ignores_its_return_value():
    a, b = leaf([1.0, 2.0]), leaf([3.0])
    order = []
    a.register_post_accumulate_grad_hook(lambda t: order.append("a done"))
    b.register_post_accumulate_grad_hook(lambda t: order.append("b done"))
    with register_multi_grad_hook([a, b], lambda grads: order.append("multi") or (autograd.zeros(2), None)):
        (a.sum() * 0 + b.sum()).backward()
    assert order.index("multi") > min(order.index("a done"), order.index("b done"))
    assert values(a.grad) == [0.0, 0.0] and values(b.grad) == [1.0]


def test_any_mode_fires_once_per_pass_with_the_first_gradient():
    a, b = leaf([1.0, 2.0]), leaf([3.0])
    log = []
    handle = register_multi_grad_hook((a, b), lambda g: log.append(values(g)), mode="any")
    (a.sum() + b.sum()).backward()
    (a.sum() * 3).backward()
    assert len(log) == 2 and log[1] == [3.0, 3.0]
    assert log[0] in ([1.0, 1.0], [1.0])
    handle.remove()


def test_autograd_grad_counts_only_what_it_computes():
    a, b = leaf([1.0, 2.0]), leaf([3.0])
    y2 = a * 1
    z2 = y2 * 3
    log = []
    with register_multi_grad_hook((y2, z2), lambda grads: log.append([values(g) for g in grads])):
        (g,) = grad((z2 * b).sum(), y2)
    assert values(g) == [9.0, 9.0]
    assert log == [[[9.0, 9.0], [3.0, 3.0]]]
    log.clear()
    with register_multi_grad_hook((a, b), lambda grads: log.append([values(g) for g in grads])):
        grad((a * b).sum(), [a])  # a leaf input: supported here (PyTorch refuses it)
    assert log == [[[3.0, 3.0], None]]


def test_a_recorded_pass_hands_recorded_gradients():
    a = leaf([1.0, 2.0])
    y = a * a
    seen = []
    with register_multi_grad_hook((a, y), lambda grads: seen.append(grads)):
        (g,) = grad(y.sum(), a, create_graph=True)
    assert values(g) == [2.0, 4.0]
    assert len(seen) == 1 and values(seen[0][0]) == [2.0, 4.0] and values(seen[0][1]) == [1.0, 1.0]


def test_a_hook_registered_during_a_pass_counts_what_is_still_to_come():
    x = leaf([1.0, 2.0])
    first = x * 1
    first.sum().backward()  # a pass with no multi-grad hook: its walk is not kept
    with register_multi_grad_hook((x,), lambda grads: None):
        (x * 2).sum().backward()  # a pass whose walk is kept
    y = x * 2
    z = y * 3
    log, handles = [], []
    z.register_hook(lambda g: handles.append(register_multi_grad_hook((y,), lambda grads: log.append(grads))))
    z.sum().backward()
    assert len(log) == 1 and values(log[0][0]) == [3.0, 3.0]
    handles[0].remove()
    assert hooks.watchers[0] == 0


def test_bad_arguments_are_refused():
    a = leaf([1.0])
    with pytest.raises(ValueError, match=r"Expects mode to be one of \('all', 'any'\) but got xx"):
        register_multi_grad_hook((a,), lambda g: None, mode="xx")
    with pytest.raises(RuntimeError, match=r"tensors\[1\] does not require grad"):
        register_multi_grad_hook((a, autograd.ones(1)), lambda g: None)
    with pytest.raises(TypeError, match=r"tensors\[0\] must be a tensor, got int"):
        register_multi_grad_hook((3,), lambda g: None)
    with pytest.raises(TypeError, match="tensors must be a sequence of tensors, got int"):
        register_multi_grad_hook(3, lambda g: None)
    with pytest.raises(TypeError, match="fn must be callable, got int"):
        register_multi_grad_hook((a,), 3)
    assert hooks.watchers[0] == 0
    pair = leaf([1.0, 2.0])
    with register_multi_grad_hook(pair, lambda grads: None) as handle:  # a single tensor counts as one
        assert len(handle.handles) == 1


def test_increment_version_bumps_and_makes_a_saved_array_stale():
    t = autograd.ones(2)
    assert t._version == 0
    increment_version(t)
    assert t._version == 1
    increment_version((t, t))
    assert t._version == 3
    with pytest.raises(RuntimeError, match=r"increment_version expect a Iterable\[Tensor\] as input"):
        increment_version(3)
    with pytest.raises(RuntimeError, match="Iterable"):
        increment_version([t, "x"])
    x = leaf([1.0, 2.0])
    s = x * 1
    u = s * s
    increment_version(s)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        u.sum().backward()
