"""``optim.Muon`` (PyTorch 2.13): steps against the update written here from PyTorch's documented
algorithm (float64), Nesterov or plain momentum, both learning-rate adjustments, the
Newton-Schulz iteration's effect on singular values, state, float32, and PyTorch's errors.

PyTorch runs its iteration in bfloat16, so its steps agree with these only to about 1e-2; the
reference here is the algorithm itself. Beyond module 06's exercises: no module number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_optim import Muon

A, B, C = 3.4445, -4.775, 2.0315


def orthogonalised(u: np.ndarray, steps: int = 5) -> np.ndarray:
    """The quintic Newton-Schulz iteration on the short side of ``u``, from the algorithm's text."""
    x = u.T if u.shape[0] > u.shape[1] else u
    x = x / max(np.sqrt((x * x).sum()), 1e-7)
    for _ in range(steps):
        g = x @ x.T
        x = A * x + B * g @ x + C * g @ g @ x
    return x.T if u.shape[0] > u.shape[1] else x


def reference_steps(theta, grads, lr, weight_decay, momentum, nesterov, adjust):
    m = np.zeros_like(theta)
    rows, cols = theta.shape
    ratio = (
        math.sqrt(max(1.0, rows / cols)) if adjust != "match_rms_adamw" else 0.2 * math.sqrt(max(rows, cols))
    )
    for g in grads:
        m = momentum * m + (1 - momentum) * g
        u = (1 - momentum) * g + momentum * m if nesterov else m
        theta = theta * (1 - lr * weight_decay) - lr * ratio * orthogonalised(u)
    return theta, m


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 5)])
@pytest.mark.parametrize(
    ("nesterov", "adjust"), [(True, None), (False, "original"), (True, "match_rms_adamw")]
)
def test_steps_follow_the_algorithm(shape, nesterov, adjust):
    rng = np.random.default_rng(6)
    theta0, grads = rng.standard_normal(shape), [rng.standard_normal(shape) for _ in range(3)]
    p = autograd.tensor(theta0, requires_grad=True)
    optimizer = Muon([p], lr=0.02, weight_decay=0.1, momentum=0.9, nesterov=nesterov, adjust_lr_fn=adjust)
    for g in grads:
        p.grad = autograd.tensor(g)
        optimizer.step()
    theta, m = reference_steps(theta0, grads, 0.02, 0.1, 0.9, nesterov, adjust)
    np.testing.assert_allclose(p.detach().numpy(), theta, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(optimizer.state[p]["momentum_buffer"].numpy(), m, rtol=1e-12, atol=1e-14)


def test_the_iteration_evens_out_the_singular_values():
    rng = np.random.default_rng(1)
    u = rng.standard_normal((8, 5)) * np.array([100.0, 10.0, 1.0, 0.1, 0.5])  # condition number 1000
    theta = autograd.zeros(8, 5, requires_grad=True)
    theta.grad = autograd.tensor(u)
    Muon([theta], lr=1.0, weight_decay=0.0, momentum=0.0, nesterov=False, adjust_lr_fn="original").step()
    singular = np.linalg.svd(-theta.detach().numpy() / math.sqrt(8 / 5), compute_uv=False)
    assert singular.max() < 1.3 and singular.min() > 0.1 and singular.max() / singular.min() < 10  # was 1000


def test_float32_state_dict_and_params_without_grad():
    p = autograd.tensor(
        np.random.default_rng(2).standard_normal((3, 4)), dtype=autograd.float32, requires_grad=True
    )
    idle = autograd.zeros(2, 2, requires_grad=True)
    optimizer = Muon([p, idle])
    p.grad = autograd.ones(3, 4)
    optimizer.step()
    assert p.dtype == autograd.float32 and idle.detach().numpy().sum() == 0 and idle not in optimizer.state
    restored = Muon([p, idle])
    restored.load_state_dict(optimizer.state_dict())
    np.testing.assert_array_equal(
        restored.state[p]["momentum_buffer"].numpy(), optimizer.state[p]["momentum_buffer"].numpy()
    )
    assert restored.param_groups[0]["ns_coefficients"] == (A, B, C)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"lr": -1.0}, ValueError, "invalid learning rate -1.0"),
        ({"momentum": -0.1}, ValueError, "invalid momentum -0.1"),
        ({"weight_decay": -1}, ValueError, "invalid weight_decay -1"),
        ({"adjust_lr_fn": "linear"}, ValueError, "Adjust learning rate function linear is not supported"),
        ({"ns_coefficients": (1.0, 2.0)}, ValueError, "Coefficients must be a tuple of exactly 3 values"),
        ({"ns_coefficients": (1.0, 2.0, "c")}, TypeError, r"ns_coefficients\[2\] must be a number"),
        ({"ns_steps": 100}, ValueError, r"ns_steps must be an int in \[0, 100\), got 100"),
        ({"lr": "big"}, TypeError, "lr must be a number"),
    ],
)
def test_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        Muon([autograd.zeros(2, 2, requires_grad=True)], **kwargs)


def test_only_matrices():
    with pytest.raises(ValueError, match=r"Muon only supports 2D parameters .* size: \(3,\)"):
        Muon([autograd.zeros(2, 2, requires_grad=True), autograd.zeros(3, requires_grad=True)])
