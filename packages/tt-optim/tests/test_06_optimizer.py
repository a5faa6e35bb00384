"""The ``Optimizer`` base: parameter groups, zero_grad, closures, state_dict round trips (module 06)."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_optim import SGD, Adam, AdamW, Optimizer, RMSprop


def test_zero_grad_sets_gradients_to_none_by_default(leaves):
    params, _ = leaves((2,), (3,))
    for p in params:
        p.grad = autograd.ones(p.shape, dtype=autograd.float64)
    SGD(params, lr=0.1).zero_grad()
    assert all(p.grad is None for p in params)


def test_zero_grad_can_zero_in_place(leaves):
    (p,), _ = leaves((4,))
    p.grad = autograd.ones(4, dtype=autograd.float64)
    storage = p.grad.array
    SGD([p], lr=0.1).zero_grad(set_to_none=False)
    assert p.grad.array is storage
    np.testing.assert_array_equal(p.grad.numpy(), np.zeros(4))


def test_step_calls_the_closure_with_grad_enabled_and_returns_its_loss(leaves):
    (x,), (start,) = leaves((3,))
    optimizer = SGD([x], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    with autograd.no_grad():
        loss = optimizer.step(closure)
    assert float(loss) == pytest.approx(float((start * start).sum()))
    np.testing.assert_allclose(x.detach().numpy(), start - 0.25 * 2 * start)


def test_params_may_be_a_generator_or_groups_of_dicts(leaves):
    (a, b), _ = leaves((2,), (2,))
    assert len(SGD(iter([a, b])).param_groups[0]["params"]) == 2
    groups = SGD([{"params": a}, {"params": (t for t in [b]), "lr": 0.5}], lr=0.1).param_groups
    assert groups[0]["params"][0] is a and groups[0]["lr"] == 0.1 and groups[1]["lr"] == 0.5


def test_add_param_group_fills_in_defaults(leaves):
    (a, b), _ = leaves((2,), (2,))
    optimizer = Adam([a], lr=0.1, betas=(0.8, 0.9))
    optimizer.add_param_group({"params": [b], "lr": 0.01})
    group = optimizer.param_groups[1]
    assert group["lr"] == 0.01 and group["betas"] == (0.8, 0.9) and group["params"][0] is b


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda a, b: SGD(a), TypeError, "single tensor"),
        (lambda a, b: SGD([]), ValueError, "empty parameter list"),
        (lambda a, b: SGD({a, b}), TypeError, "ordered collection"),
        (lambda a, b: SGD([a, np.zeros(2)]), TypeError, "parameter 1 of the group is a ndarray"),
        (lambda a, b: SGD([a * 2]), ValueError, "non-leaf"),
        (
            lambda a, b: SGD([{"params": [a]}, {"params": [a, b]}]),
            ValueError,
            "more than one parameter group",
        ),
        (lambda a, b: SGD([{"lr": 0.1}]), ValueError, "no 'params'"),
    ],
)
def test_bad_parameters_are_refused_clearly(make, error, message, leaves):
    (a, b), _ = leaves((2,), (2,))
    with pytest.raises(error, match=message):
        make(a, b)


def test_a_required_hyper_parameter_must_be_set(leaves):
    from tt_optim.optimizer import required

    (a,), _ = leaves((2,))
    with pytest.raises(ValueError, match="required hyper-parameter 'lr'"):
        Optimizer([a], {"lr": required})


def test_state_dict_uses_pytorchs_layout(leaves, gradient_feed):
    (a, b, c), _ = leaves((2,), (3,), (1,))
    _, install = gradient_feed([a, b, c], 1)
    optimizer = Adam([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1)
    install(0)
    c.grad = None
    optimizer.step()
    state = optimizer.state_dict()
    assert sorted(state) == ["param_groups", "state"]
    assert [g["params"] for g in state["param_groups"]] == [[0, 1], [2]]
    assert state["param_groups"][1]["lr"] == 0.5 and state["param_groups"][0]["betas"] == (0.9, 0.999)
    assert sorted(state["state"]) == [0, 1], "a parameter that never had a gradient has no state"
    assert sorted(state["state"][0]) == ["exp_avg", "exp_avg_sq", "step"]
    assert state["state"][1]["exp_avg"].shape == (3,)


def test_load_state_dict_keeps_entries_that_are_not_tensors_as_copies(leaves, gradient_feed):
    """A state entry that is not a tensor (LBFGS keeps counters and lists) comes back equal, and a copy."""
    (a,), (start,) = leaves((2,))
    _, install = gradient_feed([a], 1)
    optimizer = SGD([a], lr=0.1, momentum=0.9)
    install(0)
    optimizer.step()
    saved = optimizer.state_dict()
    saved["state"][0]["history"] = [1, 2]
    twin = autograd.tensor(start, requires_grad=True)
    restored = SGD([twin], lr=0.1, momentum=0.9)
    restored.load_state_dict(saved)
    saved["state"][0]["history"].append(3)
    assert restored.state[twin]["history"] == [1, 2]


@pytest.mark.parametrize(
    "optimizer_class, settings",
    [
        (SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
        (Adam, dict(lr=0.01, amsgrad=True)),
        (AdamW, dict(lr=0.01)),
        (RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
    ],
)
def test_state_dict_round_trip_continues_exactly(optimizer_class, settings, leaves, gradient_feed):
    params, start = leaves((3, 2), (2,))
    grads, install = gradient_feed(params, 6)
    optimizer = optimizer_class(params, **settings)
    for t in range(3):
        install(t)
        optimizer.step()
    saved = optimizer.state_dict()
    snapshot = [p.detach().numpy().copy() for p in params]
    # A second optimizer over a copy of the parameters, restored from the state dict.
    twins = [autograd.tensor(s, requires_grad=True) for s in snapshot]
    restored = optimizer_class(twins, lr=123.0)
    restored.load_state_dict(saved)
    assert restored.param_groups[0]["lr"] == settings["lr"]
    for t in range(3, 6):
        install(t)
        for twin, g in zip(twins, grads[t]):
            twin.grad = autograd.tensor(g)
        optimizer.step()
        restored.step()
    for p, twin in zip(params, twins):
        np.testing.assert_array_equal(p.detach().numpy(), twin.detach().numpy())


def test_load_state_dict_copies_the_state(leaves, gradient_feed):
    (a,), _ = leaves((3,))
    _, install = gradient_feed([a], 1)
    optimizer = SGD([a], lr=0.1, momentum=0.9)
    install(0)
    optimizer.step()
    saved = optimizer.state_dict()
    other = SGD([a], lr=0.1, momentum=0.9)
    other.load_state_dict(saved)
    other.state[a]["momentum_buffer"].array[...] = 0
    assert np.any(optimizer.state[a]["momentum_buffer"].numpy() != 0)


def test_load_state_dict_casts_state_to_the_parameter_dtype(leaves, gradient_feed):
    (a,), _ = leaves((3,))
    _, install = gradient_feed([a], 1)
    optimizer = Adam([a])
    install(0)
    optimizer.step()
    b = autograd.zeros(3, requires_grad=True)  # float32
    other = Adam([b])
    other.load_state_dict(optimizer.state_dict())
    assert other.state[b]["exp_avg"].array.dtype == np.float32
    assert other.state[b]["step"].array.dtype == np.float32


@pytest.mark.parametrize(
    "tamper, message",
    [
        (lambda s: s["param_groups"].append({"params": []}), "2 parameter groups"),
        (lambda s: s["param_groups"][0]["params"].append(7), "1 parameters here but 2"),
        (lambda s: s["state"][0].update(exp_avg=autograd.zeros(5)), "has shape \\(5,\\)"),
        (lambda s: s.pop("state"), "'state' and 'param_groups'"),
        (lambda s: s["state"].update({5: s["state"][0]}), "parameter 5, which no group holds"),
    ],
)
def test_load_state_dict_names_what_does_not_match(tamper, message, leaves, gradient_feed):
    (a,), _ = leaves((3,))
    _, install = gradient_feed([a], 1)
    optimizer = Adam([a])
    install(0)
    optimizer.step()
    saved = optimizer.state_dict()
    saved = {"state": {0: dict(saved["state"][0])}, "param_groups": [dict(saved["param_groups"][0])]}
    saved["param_groups"][0]["params"] = list(saved["param_groups"][0]["params"])
    tamper(saved)
    with pytest.raises(ValueError, match=message):
        Adam([a]).load_state_dict(saved)


def test_a_gradient_of_the_wrong_shape_is_reported(leaves):
    (a,), _ = leaves((3,))
    a.grad = autograd.ones(2, dtype=autograd.float64)
    with pytest.raises(RuntimeError, match=r"shape \(3,\) has a gradient of shape \(2,\)"):
        SGD([a], lr=0.1).step()


def test_repr_lists_each_group(leaves):
    (a,), _ = leaves((3,))
    text = repr(SGD([a], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "momentum: 0.9" in text


def test_a_step_bumps_versions_so_a_stale_graph_refuses_to_backward():
    """PyTorch's rule: a backward through a graph whose saved parameter a step changed raises."""
    w = autograd.tensor([1.0, 2.0], requires_grad=True)
    x = autograd.tensor([3.0, 4.0], requires_grad=True)
    optimizer = SGD([w], lr=0.1)
    loss = (w * x).sum()  # Mul saved w for x's gradient
    loss.backward(retain_graph=True)
    before = w._version
    optimizer.step()
    assert w._version == before + 1
    with pytest.raises(RuntimeError, match="optimizer step also counts"):
        loss.backward()
