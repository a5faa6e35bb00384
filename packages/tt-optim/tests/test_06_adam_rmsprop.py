"""Adam, AdamW and RMSprop follow PyTorch's documented updates step for step (module 06).

Each reference transcribes the pseudo-code of the optimizer's page in
PyTorch's documentation, in float64 NumPy, with the bias-corrected moments
written out as the documentation writes them (m̂ = m / (1 - β₁ᵗ), ...).
"""

from __future__ import annotations

import numpy as np
import pytest
from tt_optim import SGD, Adam, AdamW, RMSprop

STEPS = 7


def adam_reference(
    theta,
    grads,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    maximize=False,
    decoupled=False,
):
    beta1, beta2 = betas
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    v_max = np.zeros_like(theta)
    trajectory = []
    for t, gradient in enumerate(grads, start=1):
        g = -gradient if maximize else gradient
        if decoupled:
            theta = theta - lr * weight_decay * theta
        elif weight_decay != 0:
            g = g + weight_decay * theta
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        if amsgrad:
            v_max = np.maximum(v_max, v)
            v_hat = v_max / (1 - beta2**t)
        else:
            v_hat = v / (1 - beta2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        trajectory.append(theta)
    return trajectory


def rmsprop_reference(
    theta,
    grads,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
    maximize=False,
):
    v = np.zeros_like(theta)
    g_ave = np.zeros_like(theta)
    b = np.zeros_like(theta)
    trajectory = []
    for gradient in grads:
        g = -gradient if maximize else gradient
        if weight_decay != 0:
            g = g + weight_decay * theta
        v = alpha * v + (1 - alpha) * g**2
        v_tilde = v
        if centered:
            g_ave = g_ave * alpha + (1 - alpha) * g
            v_tilde = v_tilde - g_ave**2
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v_tilde) + eps)
            theta = theta - lr * b
        else:
            theta = theta - lr * g / (np.sqrt(v_tilde) + eps)
        trajectory.append(theta)
    return trajectory


def run_and_compare(optimizer_class, settings, reference, reference_settings, leaves, gradient_feed):
    params, start = leaves((4, 3), (3,))
    grads, install = gradient_feed(params, STEPS)
    optimizer = optimizer_class(params, **settings)
    expected = [reference(start[i], [g[i] for g in grads], **reference_settings) for i in range(len(params))]
    for t in range(STEPS):
        install(t)
        optimizer.step()
        for i, p in enumerate(params):
            np.testing.assert_allclose(
                p.detach().numpy(),
                expected[i][t],
                rtol=1e-10,
                atol=1e-12,
                err_msg=f"{optimizer_class.__name__}({settings}): parameter {i}, step {t + 1}",
            )
    return optimizer, params


ADAM_CASES = {
    "default": dict(),
    "large_lr": dict(lr=0.1, betas=(0.8, 0.9)),
    "weight_decay": dict(lr=0.01, weight_decay=0.1),
    "amsgrad": dict(lr=0.05, amsgrad=True),
    "amsgrad_decay_maximize": dict(lr=0.05, amsgrad=True, weight_decay=0.02, maximize=True),
    "eps": dict(lr=0.01, eps=0.5),
    "unit_weight_decay": dict(lr=0.01, weight_decay=1.0),
}


@pytest.mark.parametrize("name", ADAM_CASES)
def test_adam_matches_the_documented_update(name, leaves, gradient_feed):
    settings = ADAM_CASES[name]
    optimizer, params = run_and_compare(Adam, settings, adam_reference, settings, leaves, gradient_feed)
    state = optimizer.state[params[0]]
    assert float(state["step"]) == STEPS and state["step"].array.dtype == np.float32
    assert ("max_exp_avg_sq" in state) == settings.get("amsgrad", False)


@pytest.mark.parametrize("settings", [dict(), dict(lr=0.05, weight_decay=0.3), dict(lr=0.05, amsgrad=True)])
def test_adamw_decouples_weight_decay(settings, leaves, gradient_feed):
    reference = dict(settings, weight_decay=settings.get("weight_decay", 1e-2), decoupled=True)
    optimizer, _ = run_and_compare(AdamW, settings, adam_reference, reference, leaves, gradient_feed)
    assert optimizer.defaults["weight_decay"] == settings.get("weight_decay", 1e-2)


def test_adamw_and_adam_with_l2_differ(leaves, gradient_feed):
    (a,), _ = leaves((5,))
    (b,), _ = leaves((5,))
    b.array[...] = a.array
    grads, _ = gradient_feed([a], 3)
    adam, adamw = Adam([a], lr=0.1, weight_decay=0.5), AdamW([b], lr=0.1, weight_decay=0.5)
    for g in grads:
        a.grad, b.grad = type(a)(g[0]), type(b)(g[0])
        adam.step()
        adamw.step()
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())


RMSPROP_CASES = {
    "default": dict(),
    "alpha": dict(lr=0.05, alpha=0.9),
    "centered": dict(lr=0.01, centered=True),
    "momentum": dict(lr=0.01, momentum=0.9),
    "centered_momentum_decay": dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1),
    "maximize": dict(lr=0.01, maximize=True, eps=0.1),
    "unit_weight_decay": dict(lr=0.01, weight_decay=1.0),
}


@pytest.mark.parametrize("name", RMSPROP_CASES)
def test_rmsprop_matches_the_documented_update(name, leaves, gradient_feed):
    settings = RMSPROP_CASES[name]
    optimizer, params = run_and_compare(RMSprop, settings, rmsprop_reference, settings, leaves, gradient_feed)
    state = optimizer.state[params[0]]
    assert ("momentum_buffer" in state) == (settings.get("momentum", 0) > 0)
    assert ("grad_avg" in state) == settings.get("centered", False)
    assert float(state["step"]) == STEPS and state["step"].array.dtype == np.float32  # counted as in PyTorch


def test_param_groups_with_different_betas(leaves, gradient_feed):
    (a, b), (a0, b0) = leaves((3,), (3,))
    grads, install = gradient_feed([a, b], STEPS)
    optimizer = Adam([{"params": [a]}, {"params": [b], "betas": (0.5, 0.6), "amsgrad": True}], lr=0.01)
    for t in range(STEPS):
        install(t)
        optimizer.step()
    expected_a = adam_reference(a0, [g[0] for g in grads], lr=0.01)
    expected_b = adam_reference(b0, [g[1] for g in grads], lr=0.01, betas=(0.5, 0.6), amsgrad=True)
    np.testing.assert_allclose(a.detach().numpy(), expected_a[-1], rtol=1e-10)
    np.testing.assert_allclose(b.detach().numpy(), expected_b[-1], rtol=1e-10)


@pytest.mark.parametrize("optimizer_class", [Adam, AdamW, RMSprop])
def test_float32_state_and_parameters(optimizer_class, leaves, gradient_feed):
    params, _ = leaves((6,), dtype=np.float32)
    _, install = gradient_feed(params, 2)
    optimizer = optimizer_class(params, lr=0.01)
    for t in range(2):
        install(t)
        optimizer.step()
    assert params[0].array.dtype == np.float32
    for key, value in optimizer.state[params[0]].items():
        assert value.array.dtype == np.float32, f"{key} is {value.array.dtype}"


@pytest.mark.parametrize("optimizer_class", [SGD, Adam, AdamW, RMSprop])
def test_each_optimizer_minimises_a_quadratic(optimizer_class, leaves):
    (x,), _ = leaves((10,))
    optimizer = optimizer_class([x], lr=0.05)
    first = float((x * x).sum())
    for _ in range(100):
        optimizer.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        optimizer.step()
    assert float((x * x).sum()) < 0.5 * first


@pytest.mark.parametrize(
    "optimizer_class, settings, message",
    [
        (Adam, dict(lr=-1.0), "learning rate"),
        (Adam, dict(betas=(1.0, 0.999)), "beta at index 0"),
        (Adam, dict(betas=(0.9, -0.1)), "beta at index 1"),
        (AdamW, dict(eps=-1.0), "eps"),
        (RMSprop, dict(alpha=-0.5), "alpha"),
        (RMSprop, dict(momentum=-0.5), "momentum"),
    ],
)
def test_invalid_settings_are_refused(optimizer_class, settings, message, leaves):
    params, _ = leaves((2,))
    with pytest.raises(ValueError, match=message):
        optimizer_class(params, **settings)
