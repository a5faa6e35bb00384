"""Adadelta follows PyTorch's documented update step for step (the optimizer of the MNIST example).

The reference transcribes the pseudo-code of ``torch.optim.Adadelta``'s page
in float64 NumPy.

Not course material (the code sits outside the solution regions), so no module number:
``nox -s tests`` runs it.
"""

from __future__ import annotations

import numpy as np
import pytest
from tt_optim import Adadelta

STEPS = 6


def adadelta_reference(theta, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    v, u, trajectory = np.zeros_like(theta), np.zeros_like(theta), []
    for gradient in grads:
        g = -gradient if maximize else gradient
        if weight_decay:
            g = g + weight_decay * theta
        v = rho * v + (1 - rho) * g**2
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta**2
        theta = theta - lr * delta
        trajectory.append(theta)
    return trajectory


@pytest.mark.parametrize(
    "settings",
    [dict(), dict(lr=0.5, rho=0.5), dict(lr=2.0, eps=1e-2, weight_decay=0.1), dict(maximize=True, rho=0.99)],
)
def test_adadelta_matches_the_documented_update(settings, leaves, gradient_feed):
    params, start = leaves((4, 3), (3,))
    grads, install = gradient_feed(params, STEPS)
    optimizer = Adadelta(params, **settings)
    expected = [adadelta_reference(start[i], [g[i] for g in grads], **settings) for i in range(len(params))]
    for t in range(STEPS):
        install(t)
        optimizer.step()
        for i, p in enumerate(params):
            np.testing.assert_allclose(p.detach().numpy(), expected[i][t], rtol=1e-10, atol=1e-12)
    assert optimizer.state[params[0]]["step"].item() == STEPS


def test_adadelta_keeps_float32_and_refuses_bad_settings(leaves, gradient_feed):
    params, _ = leaves((3,), dtype=np.float32)
    _, install = gradient_feed(params, 1)
    install(0)
    Adadelta(params).step()
    assert params[0].array.dtype == np.float32
    with pytest.raises(ValueError, match="Adadelta: invalid rho 1.5"):
        Adadelta(params, rho=1.5)
    with pytest.raises(ValueError, match="Adadelta: invalid learning rate -1"):
        Adadelta(params, lr=-1)
