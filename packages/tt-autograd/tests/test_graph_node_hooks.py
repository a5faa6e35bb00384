"""``grad_fn.register_prehook`` / ``register_hook`` and the ``AccumulateGrad`` node's hooks.

Expected values are worked out by hand; the order of hooks, what they receive and the
error messages are PyTorch 2.13's (checked there on the same expressions).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import hooks
from tt_autograd.gradients import grad


def leaf(data):
    return autograd.tensor(data, requires_grad=True)


def values(tensor):
    return None if tensor is None else tensor.detach().numpy().tolist()


def test_order_tensor_hook_then_prehook_then_rule_then_hook():
    x = leaf([1.0, 2.0])
    y = x * 3
    log = []
    y.register_hook(lambda g: (log.append(("tensor", values(g))), g + 1)[1])
    y.grad_fn.register_prehook(lambda go: (log.append(("pre", [values(g) for g in go])), (go[0] * 10,))[1])
    y.grad_fn.register_hook(
        lambda gi, go: log.append(("post", [values(g) for g in gi], [values(g) for g in go]))
    )
    y.sum().backward()
    # d/dy = 1; tensor hook: 2; pre-hook: 20; rule: 3 * 20 = 60; the scalar 3 gets no gradient
    assert log == [
        ("tensor", [1.0, 1.0]),
        ("pre", [[2.0, 2.0]]),
        ("post", [[60.0, 60.0], None], [[20.0, 20.0]]),
    ]
    assert values(x.grad) == [60.0, 60.0]


def test_a_hook_replaces_grad_inputs_and_remove_takes_it_off():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    y = x * w
    handle = y.grad_fn.register_hook(lambda gi, go: (gi[0] * 0 + 7, None))
    y.sum().backward(retain_graph=True)
    assert values(x.grad) == [7.0, 7.0] and w.grad is None  # None: that input gets nothing
    handle.remove()
    handle.remove()  # a second call does nothing
    x.grad = None
    y.sum().backward()
    assert values(x.grad) == [3.0, 4.0] and values(w.grad) == [1.0, 2.0]


def test_grad_inputs_hold_none_for_an_input_that_needs_no_gradient():
    class Both(autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad  # a gradient for the constant too

    x, c = leaf([1.0, 2.0]), autograd.tensor([5.0, 6.0])
    seen = []
    y = Both.apply(x, c)
    y.grad_fn.register_hook(lambda gi, go: seen.append([values(g) for g in gi]))
    y.sum().backward()
    assert seen == [[[1.0, 1.0], None]]  # (PyTorch shows a custom Function's value there; documented)


def test_prehooks_chain_and_none_keeps_the_gradient():
    x = leaf([1.0, 2.0])
    y = x * 2
    seen = []
    y.grad_fn.register_prehook(lambda go: (go[0] + 1,))
    y.grad_fn.register_prehook(lambda go: seen.append(values(go[0])))
    y.grad_fn.register_hook(lambda gi, go: seen.append((values(gi[0]), values(go[0]))))
    y.sum().backward()
    assert seen == [[2.0, 2.0], ([4.0, 4.0], [2.0, 2.0])]
    assert values(x.grad) == [4.0, 4.0]


def test_a_prehook_returning_none_for_the_gradient_stops_it():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.grad_fn.register_prehook(lambda go: (None,))
    (y.sum() + x.sum()).backward()
    assert values(x.grad) == [1.0, 1.0]  # only the direct path


def test_hooks_run_in_autograd_grad_and_in_a_recorded_pass():
    x = leaf([1.0, 2.0])
    y = x * x
    y.grad_fn.register_prehook(lambda go: (go[0] * 3,))
    y.grad_fn.register_hook(lambda gi, go: (gi[0] + 1, gi[1] + 1))
    (g,) = grad(y.sum(), x, retain_graph=True)
    assert values(g) == [8.0, 14.0]  # (3x + 1) from each of the two uses: 6x + 2
    (g,) = grad(y.sum(), x, create_graph=True)
    assert g.grad_fn is not None
    (gg,) = grad(g.sum(), x)
    assert values(gg) == [6.0, 6.0]  # d/dx of 6x + 2
    z = x * x
    z.grad_fn.register_prehook(lambda go: (go[0] * 3,))
    z.sum().backward(create_graph=True)
    assert x.grad.grad_fn is not None and values(x.grad) == [6.0, 12.0]


def test_hooks_see_tensors_and_plain_backward_hooks_run_without_grad():
    x = leaf([1.0, 2.0])
    y = x.exp()
    modes = []
    y.grad_fn.register_prehook(lambda go: modes.append((type(go[0]).__name__, autograd.is_grad_enabled())))
    y.grad_fn.register_hook(lambda gi, go: modes.append((type(gi[0]).__name__, autograd.is_grad_enabled())))
    y.sum().backward()
    assert modes == [("Tensor", False), ("Tensor", False)]


def test_a_replaced_gradient_does_not_alias_what_the_hook_returned():
    x = leaf([1.0, 2.0])
    kept = autograd.tensor([5.0, 5.0])
    y = x * 1
    y.grad_fn.register_hook(lambda gi, go: (kept, None))
    y.sum().backward()
    y2 = x * 1
    y2.sum().backward()  # accumulates into x.grad
    assert values(kept) == [5.0, 5.0] and values(x.grad) == [6.0, 6.0]
    x2 = leaf([1.0, 2.0])
    given = autograd.tensor([4.0, 4.0])
    z = x2.clone()
    z.grad_fn.register_prehook(lambda go: (given,))
    z.sum().backward()
    (x2 * 1).sum().backward()
    assert values(given) == [4.0, 4.0] and values(x2.grad) == [5.0, 5.0]


@pytest.mark.parametrize(
    ("kind", "result", "error", "message"),
    [
        (
            "pre",
            lambda go: (go[0], go[0]),
            RuntimeError,
            r"incorrect number of values \(got 2, but expected 1\)",
        ),
        ("pre", lambda go: go[0], TypeError, "expected tuple, but hook returned 'Tensor'"),
        ("post", lambda gi, go: (gi[0], gi[0], gi[0]), RuntimeError, r"\(got 3, but expected 2\)"),
        ("post", lambda gi, go: gi[0], TypeError, "expected tuple, but hook returned 'Tensor'"),
        ("post", lambda gi, go: (autograd.ones(3), None), RuntimeError, "has changed the size of value"),
        ("post", lambda gi, go: ("a", None), TypeError, "expected Variable, but hook returned 'str'"),
        (
            "pre",
            lambda go: (autograd.ones(3),),
            RuntimeError,
            "hook '<lambda>' has changed the size of value",
        ),
    ],
)
def test_a_wrong_replacement_is_refused_as_pytorch_refuses_it(kind, result, error, message):
    x = leaf([1.0, 2.0])
    y = x * 3
    register = y.grad_fn.register_prehook if kind == "pre" else y.grad_fn.register_hook
    register(result)
    with pytest.raises(error, match=message):
        y.sum().backward()


def test_registering_after_the_graph_was_freed_is_allowed_and_backward_then_raises():
    x = leaf([1.0, 2.0])
    y = x * 3
    z = y.sum()
    z.backward()
    y.grad_fn.register_hook(lambda gi, go: None)
    with pytest.raises(RuntimeError, match="second time"):
        z.backward()


def test_a_hook_must_be_callable():
    y = leaf([1.0]) * 2
    with pytest.raises(TypeError, match="register_hook: hook must be callable, got int"):
        y.grad_fn.register_hook(3)
    with pytest.raises(TypeError, match="register_prehook: hook must be callable, got str"):
        y.grad_fn.register_prehook("f")
    acc = y.grad_fn.next_functions[0][0]
    with pytest.raises(TypeError, match="register_hook: hook must be callable"):
        acc.register_hook(None)
    with pytest.raises(TypeError, match="register_prehook: hook must be callable"):
        acc.register_prehook(None)


def test_a_node_hook_is_not_a_leaf_hook_and_accumulate_grad_handles_remove_on_exit():
    x = leaf([1.0, 2.0])
    y = x * 3
    before = len(hooks.hooked)  # leaves with hooks make backward build a schedule; a node hook does not
    y.grad_fn.register_hook(lambda gi, go: None)
    y.grad_fn.register_prehook(lambda go: None)
    assert len(hooks.hooked) == before
    acc = y.grad_fn.next_functions[0][0]
    seen = []
    with acc.register_hook(lambda gi, go: seen.append(values(go[0]))) as handle:
        assert len(handle.handles) == 2
        y.sum().backward(retain_graph=True)
    y.sum().backward()
    assert seen == [[3.0, 3.0]] and values(x.grad) == [6.0, 6.0]


def test_accumulate_grad_prehook_replaces_the_total_and_its_hook_runs_after_accumulating():
    a = leaf([1.0, 2.0])
    acc = (a * 2).grad_fn.next_functions[0][0]
    log = []
    pre = acc.register_prehook(lambda go: (log.append(("pre", values(go[0]))), (go[0] * 100,))[1])
    post = acc.register_hook(lambda gi, go: log.append(("post", gi, values(go[0]), values(a.grad))))
    (a * 2).sum().backward()
    assert log == [("pre", [2.0, 2.0]), ("post", (), [200.0, 200.0], [200.0, 200.0])]
    pre.remove()
    post.remove()
    log.clear()
    (a * 2).sum().backward()
    assert log == [] and values(a.grad) == [202.0, 202.0]
    acc.register_prehook(lambda go: None)  # None keeps the gradient
    (a * 2).sum().backward()
    assert values(a.grad) == [204.0, 204.0]
    acc.register_prehook(lambda go: go[0])
    with pytest.raises(TypeError, match="expected tuple"):
        (a * 2).sum().backward()


def test_a_hooked_node_keeps_working_with_anomaly_mode_and_retain_grad():
    x = leaf([1.0, 4.0])
    y = x * 2
    y.retain_grad()
    y.grad_fn.register_prehook(lambda go: (go[0] * 5,))
    with autograd.anomaly.detect_anomaly():
        y.sum().backward()
    assert values(y.grad) == [1.0, 1.0]  # retain_grad sees the gradient before the node's pre-hooks
    assert values(x.grad) == [10.0, 10.0]
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 4.0])
