"""SGD follows PyTorch's documented update step for step (module 06).

The reference below transcribes the pseudo-code of ``torch.optim.SGD``'s
documentation in plain NumPy (with the sign flip of ``maximize`` where
PyTorch's code does it: on the gradient, before weight decay).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_optim import SGD

STEPS = 6


def sgd_reference(
    theta, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False
):
    """θ after each step: g ← ∇ (+λθ); b ← g | μb + (1-τ)g; g ← g + μb (nesterov) | b; θ ← θ - γg."""
    trajectory, buffer = [], None
    for t, gradient in enumerate(grads, start=1):
        g = -gradient if maximize else gradient
        if weight_decay != 0:
            g = g + weight_decay * theta
        if momentum != 0:
            buffer = g if t == 1 else momentum * buffer + (1 - dampening) * g
            g = g + momentum * buffer if nesterov else buffer
        theta = theta - lr * g
        trajectory.append(theta)
    return trajectory


CASES = {
    "plain": dict(lr=0.1),
    "momentum": dict(lr=0.05, momentum=0.9),
    "dampening": dict(lr=0.05, momentum=0.8, dampening=0.3),
    "nesterov": dict(lr=0.05, momentum=0.9, nesterov=True),
    "weight_decay": dict(lr=0.1, weight_decay=0.01),
    "everything": dict(lr=0.02, momentum=0.7, weight_decay=0.05, nesterov=True),
    "maximize": dict(lr=0.1, momentum=0.5, weight_decay=0.1, maximize=True),
    "unit_decay_and_momentum": dict(lr=0.01, momentum=1.0, weight_decay=1.0),  # 1 is a value like any other
}


@pytest.mark.parametrize("name", CASES)
def test_sgd_matches_the_documented_update(name, leaves, gradient_feed):
    settings = CASES[name]
    params, start = leaves((3, 4), (4,))
    grads, install = gradient_feed(params, STEPS)
    optimizer = SGD(params, **settings)
    expected = [sgd_reference(start[i], [g[i] for g in grads], **settings) for i in range(len(params))]
    for t in range(STEPS):
        install(t)
        optimizer.step()
        for i, p in enumerate(params):
            np.testing.assert_allclose(
                p.detach().numpy(),
                expected[i][t],
                rtol=1e-12,
                atol=1e-12,
                err_msg=f"SGD({settings}): parameter {i} differs after step {t + 1}",
            )


def test_param_groups_use_their_own_hyper_parameters(leaves, gradient_feed):
    (a, b), (a0, b0) = leaves((5,), (2, 2))
    grads, install = gradient_feed([a, b], STEPS)
    optimizer = SGD([{"params": [a]}, {"params": [b], "lr": 0.01, "nesterov": True}], lr=0.1, momentum=0.9)
    assert optimizer.param_groups[1]["momentum"] == 0.9 and optimizer.param_groups[0]["nesterov"] is False
    expected_a = sgd_reference(a0, [g[0] for g in grads], lr=0.1, momentum=0.9)
    expected_b = sgd_reference(b0, [g[1] for g in grads], lr=0.01, momentum=0.9, nesterov=True)
    for t in range(STEPS):
        install(t)
        optimizer.step()
    np.testing.assert_allclose(a.detach().numpy(), expected_a[-1], rtol=1e-12)
    np.testing.assert_allclose(b.detach().numpy(), expected_b[-1], rtol=1e-12)


def test_update_is_in_place_and_leaves_the_gradient_alone(leaves):
    (p,), _ = leaves((3,))
    storage = p.array
    p.grad = autograd.tensor([1.0, 2.0, 3.0], dtype=autograd.float64)
    SGD([p], lr=0.1, weight_decay=0.5, momentum=0.9, maximize=True).step()
    assert p.array is storage, "the update must write into the parameter's array, not replace it"
    np.testing.assert_array_equal(p.grad.numpy(), [1.0, 2.0, 3.0])
    assert p.requires_grad and p.grad_fn is None


def test_float32_parameters_stay_float32(leaves, gradient_feed):
    params, start = leaves((4, 3), dtype=np.float32)
    grads, install = gradient_feed(params, 3)
    optimizer = SGD(params, lr=0.1, momentum=0.9)
    for t in range(3):
        install(t)
        optimizer.step()
    assert params[0].array.dtype == np.float32
    assert optimizer.state[params[0]]["momentum_buffer"].array.dtype == np.float32
    expected = sgd_reference(start[0].astype(np.float64), [g[0].astype(np.float64) for g in grads], 0.1, 0.9)
    np.testing.assert_allclose(params[0].detach().numpy(), expected[-1], rtol=1e-5)


def test_parameters_without_gradient_are_skipped(leaves):
    (a, b), (a0, b0) = leaves((2,), (2,))
    a.grad = autograd.tensor([1.0, 1.0], dtype=autograd.float64)
    optimizer = SGD([a, b], lr=0.5, momentum=0.9)
    optimizer.step()
    np.testing.assert_array_equal(b.detach().numpy(), b0)
    np.testing.assert_allclose(a.detach().numpy(), a0 - 0.5)
    assert b not in optimizer.state


def test_sgd_trains_a_least_squares_fit():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3))
    y = x @ np.array([1.5, -2.0, 0.5]) + 0.3
    w = autograd.zeros(3, dtype=autograd.float64, requires_grad=True)
    b = autograd.zeros(1, dtype=autograd.float64, requires_grad=True)
    optimizer = SGD([w, b], lr=0.1, momentum=0.9)
    inputs, targets = autograd.tensor(x), autograd.tensor(y)
    for _ in range(200):
        optimizer.zero_grad()
        loss = ((inputs @ w + b - targets) ** 2).mean()
        loss.backward()
        optimizer.step()
    np.testing.assert_allclose(w.detach().numpy(), [1.5, -2.0, 0.5], atol=1e-4)
    np.testing.assert_allclose(b.detach().numpy(), [0.3], atol=1e-4)


@pytest.mark.parametrize(
    "settings, message",
    [
        (dict(lr=-0.1), "learning rate"),
        (dict(lr=0.1, momentum=-1.0), "momentum"),
        (dict(lr=0.1, weight_decay=-1.0), "weight_decay"),
        (dict(lr=0.1, nesterov=True), "Nesterov"),
        (dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov"),
    ],
)
def test_invalid_settings_are_refused(settings, message, leaves):
    params, _ = leaves((2,))
    with pytest.raises(ValueError, match=message):
        SGD(params, **settings)
