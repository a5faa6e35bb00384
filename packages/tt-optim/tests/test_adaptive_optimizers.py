"""Adadelta, Adagrad, Adamax, NAdam and RAdam follow PyTorch's documented updates step for step.

Each reference transcribes the pseudo-code of the optimizer's page in
``torch.optim`` into float64 NumPy, one parameter at a time. Not course material
(outside the solution regions), so no module number: ``nox -s tests`` runs it;
``nox -s parity`` also trains with each beside PyTorch.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from tt_optim import Adadelta, Adagrad, Adamax, NAdam, RAdam

STEPS = 8


def _direction(theta, gradient, maximize, weight_decay, lr, decoupled=False):
    """(theta, g) after maximize and weight decay, as every page's first lines."""
    g = -gradient if maximize else gradient
    if weight_decay and decoupled:
        theta = theta * (1 - lr * weight_decay)
    elif weight_decay:
        g = g + weight_decay * theta
    return theta, g


def adadelta_reference(theta, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    v, u, out = np.zeros_like(theta), np.zeros_like(theta), []
    for gradient in grads:
        theta, g = _direction(theta, gradient, maximize, weight_decay, lr)
        v = rho * v + (1 - rho) * g**2
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta**2
        theta = theta - lr * delta
        out.append(theta)
    return out


def adagrad_reference(theta, grads, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                      eps=1e-10, maximize=False):  # fmt: skip
    total, out = np.full_like(theta, initial_accumulator_value), []
    for t, gradient in enumerate(grads, start=1):
        theta, g = _direction(theta, gradient, maximize, weight_decay, lr)
        clr = lr / (1 + (t - 1) * lr_decay)
        total = total + g * g
        theta = theta - clr * g / (np.sqrt(total) + eps)
        out.append(theta)
    return out


def adamax_reference(theta, grads, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False):
    (b1, b2), m, u, out = betas, np.zeros_like(theta), np.zeros_like(theta), []
    for t, gradient in enumerate(grads, start=1):
        theta, g = _direction(theta, gradient, maximize, weight_decay, lr)
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        theta = theta - lr / (1 - b1**t) * m / u
        out.append(theta)
    return out


def nadam_reference(theta, grads, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                    momentum_decay=4e-3, decoupled_weight_decay=False, maximize=False):  # fmt: skip
    (b1, b2), m, v, product, out = betas, np.zeros_like(theta), np.zeros_like(theta), 1.0, []
    for t, gradient in enumerate(grads, start=1):
        theta, g = _direction(theta, gradient, maximize, weight_decay, lr, decoupled_weight_decay)
        mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        product = float(
            np.float32(product) * np.float32(mu)
        )  # a float32 scalar in state, as PyTorch keeps it
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        denominator = np.sqrt(v / (1 - b2**t)) + eps
        theta = theta - lr * (1 - mu) / (1 - product) * g / denominator
        theta = theta - lr * mu_next / (1 - product * mu_next) * m / denominator
        out.append(theta)
    return out


def radam_reference(theta, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                    decoupled_weight_decay=False, maximize=False):  # fmt: skip
    (b1, b2), m, v, out = betas, np.zeros_like(theta), np.zeros_like(theta), []
    rho_inf = 2 / (1 - b2) - 1
    for t, gradient in enumerate(grads, start=1):
        theta, g = _direction(theta, gradient, maximize, weight_decay, lr, decoupled_weight_decay)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        rho = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho > 5:
            rect = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
            theta = theta - lr * m_hat * rect * math.sqrt(1 - b2**t) / (np.sqrt(v) + eps)
        else:
            theta = theta - lr * m_hat
        out.append(theta)
    return out


CASES = [
    (Adadelta, adadelta_reference, dict()),  # the optimizer of pytorch/examples' MNIST script
    (Adadelta, adadelta_reference, dict(lr=0.5, rho=0.5)),
    (Adadelta, adadelta_reference, dict(lr=2.0, eps=1e-2, weight_decay=0.1)),
    (Adadelta, adadelta_reference, dict(maximize=True, rho=0.99)),
    (Adagrad, adagrad_reference, dict()),
    (Adagrad, adagrad_reference, dict(lr=0.1, lr_decay=0.3, initial_accumulator_value=0.5, eps=1e-3)),
    (Adagrad, adagrad_reference, dict(weight_decay=0.2, maximize=True)),
    (Adamax, adamax_reference, dict()),
    (Adamax, adamax_reference, dict(lr=0.05, betas=(0.5, 0.8), eps=0.3, weight_decay=0.1)),
    (Adamax, adamax_reference, dict(maximize=True)),
    (NAdam, nadam_reference, dict()),
    (NAdam, nadam_reference, dict(lr=0.05, betas=(0.8, 0.9), momentum_decay=0.5, eps=0.01)),
    (NAdam, nadam_reference, dict(weight_decay=0.3, maximize=True)),
    (NAdam, nadam_reference, dict(lr=0.1, weight_decay=0.3, decoupled_weight_decay=True)),
    (RAdam, radam_reference, dict()),  # beta2 0.999: every step is momentum SGD (rho_t <= 5 until t = 6)
    (RAdam, radam_reference, dict(lr=0.05, betas=(0.8, 0.5), eps=0.01)),  # rho_inf 3: never adaptive
    (RAdam, radam_reference, dict(lr=0.05, betas=(0.9, 0.9))),  # rho_inf 19: adaptive from step 6 on
    (RAdam, radam_reference, dict(weight_decay=0.2, maximize=True, betas=(0.9, 0.95))),  # adaptive from t = 6
    (RAdam, radam_reference, dict(lr=0.1, weight_decay=0.3, decoupled_weight_decay=True, betas=(0.9, 0.9))),
    (RAdam, radam_reference, dict(lr=0.1, weight_decay=0.3, betas=(0.9, 0.9))),
]


@pytest.mark.parametrize(("optimizer_class", "reference", "settings"), CASES)
def test_matches_the_documented_update(optimizer_class, reference, settings, leaves, gradient_feed):
    params, start = leaves((4, 3), (3,))
    grads, install = gradient_feed(params, STEPS)
    optimizer = optimizer_class(params, **settings)
    expected = [reference(start[i], [g[i] for g in grads], **settings) for i in range(len(params))]
    for t in range(STEPS):
        install(t)
        optimizer.step()
        for i, p in enumerate(params):
            np.testing.assert_allclose(p.detach().numpy(), expected[i][t], rtol=1e-10, atol=1e-12)
    assert optimizer.state[params[0]]["step"].item() == STEPS


@pytest.mark.parametrize("optimizer_class", [Adadelta, Adagrad, Adamax, NAdam, RAdam])
def test_keeps_float32_and_refuses_bad_settings(optimizer_class, leaves, gradient_feed):
    params, _ = leaves((3,), dtype=np.float32)
    _, install = gradient_feed(params, 2)
    optimizer = optimizer_class(params)
    for t in range(2):
        install(t)
        optimizer.step()
    assert params[0].array.dtype == np.float32
    assert all(s.array.dtype == np.float32 for s in optimizer.state[params[0]].values())
    name = optimizer_class.__name__
    with pytest.raises(ValueError, match=f"{name}: invalid learning rate -1"):
        optimizer_class(params, lr=-1)
    with pytest.raises(ValueError, match=f"{name}: invalid eps -0.5: it must be >= 0"):
        optimizer_class(params, eps=-0.5)
    with pytest.raises(ValueError, match=f"{name}: invalid weight_decay -0.1"):
        optimizer_class(params, weight_decay=-0.1)
    with pytest.raises(TypeError, match=f"{name}: lr must be a number, got str"):
        optimizer_class(params, lr="fast")
    if optimizer_class is Adadelta:
        with pytest.raises(ValueError, match="Adadelta: invalid rho 1.5"):
            Adadelta(params, rho=1.5)
    elif optimizer_class is not Adagrad:
        with pytest.raises(ValueError, match=rf"{name}: invalid beta at index 1: 1.0 \(each beta must be in"):
            optimizer_class(params, betas=(0.9, 1.0))
    else:
        with pytest.raises(ValueError, match="Adagrad: invalid lr_decay -1"):
            Adagrad(params, lr_decay=-1)
