"""Module 03: gradients (float64 central differences), numerical stability, and the fused backward nodes."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn import functional as F

FUNCTIONS = {
    "relu": F.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.1),
    "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "silu": F.silu,
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "softmax": lambda x: F.softmax(x, dim=-1),
    "log_softmax": lambda x: F.log_softmax(x, dim=-1),
    "softmax_dim0": lambda x: F.softmax(x, dim=0),
    "log_softmax_dim0": lambda x: F.log_softmax(x, dim=0),
}


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)])
def test_gradients_match_central_differences(name, shape, rng, check_grad):
    values = rng.uniform(-3, 3, size=shape)
    values = np.where(np.abs(values) < 0.05, 0.3, values)  # keep off relu's kink
    x = autograd.tensor(values, dtype=autograd.float64, requires_grad=True)
    check_grad(FUNCTIONS[name], x)


def test_gradients_in_the_tails(check_grad):
    x = autograd.tensor([-12.0, -6.0, 6.0, 12.0], dtype=autograd.float64, requires_grad=True)
    for name in ("gelu", "gelu_tanh", "silu"):
        check_grad(FUNCTIONS[name], x, atol=1e-8)


def test_gelu_derivative_is_phi_plus_x_times_density():
    x = autograd.tensor([-2.0, -0.5, 0.0, 0.7, 3.0], dtype=autograd.float64, requires_grad=True)
    F.gelu(x).sum().backward()
    v = x.detach().numpy()
    phi = np.array([0.5 * math.erfc(-t / math.sqrt(2)) for t in v])
    density = np.exp(-v * v / 2) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(x.grad.numpy(), phi + v * density, rtol=1e-13)


def test_relu_and_leaky_relu_gradients_at_zero_follow_pytorch():
    x = autograd.tensor([0.0], requires_grad=True)
    F.relu(x).sum().backward()
    assert x.grad.item() == 0.0
    y = autograd.tensor([0.0], requires_grad=True)
    F.leaky_relu(y, 0.1).sum().backward()
    assert y.grad.item() == pytest.approx(0.1)


@pytest.mark.parametrize("dtype", [autograd.float32, autograd.float64])
def test_softmax_and_log_softmax_are_exact_at_huge_logits(dtype):
    x = autograd.tensor(
        [[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]], dtype=dtype, requires_grad=True
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow / invalid-value warnings either
        p = F.softmax(x, dim=1)
        log_p = F.log_softmax(x, dim=1)
        (p.sum() + log_p.sum()).backward()
    np.testing.assert_allclose(
        p.detach().numpy(), [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0]], rtol=1e-6
    )
    expected = np.array([[0.0, -2e4, -1e4], [-np.log(3)] * 3, [-np.log(2), -np.log(2), -2e4 - np.log(2)]])
    np.testing.assert_allclose(log_p.detach().numpy(), expected, rtol=1e-6)
    assert np.isfinite(x.grad.numpy()).all()


def test_other_activations_are_finite_at_huge_inputs():
    x = autograd.tensor([-1e4, -50.0, 50.0, 1e4], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outs = [F.gelu(x), F.gelu(x, "tanh"), F.silu(x), F.sigmoid(x), F.tanh(x)]
        sum(o.sum() for o in outs).backward()
    for out in outs:
        assert np.isfinite(out.detach().numpy()).all()
    np.testing.assert_allclose(F.gelu(x).detach().numpy(), [0.0, 0.0, 50.0, 1e4])
    np.testing.assert_allclose(F.silu(x).detach().numpy(), [0.0, -50 * np.exp(-50.0), 50.0, 1e4], atol=1e-30)
    assert np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize(
    ("function", "node"),
    [
        (lambda x: F.softmax(x, dim=1), "SoftmaxBackward0"),
        (lambda x: F.log_softmax(x, dim=1), "LogSoftmaxBackward0"),
        (F.gelu, "GeluBackward0"),
        (F.silu, "SiluBackward0"),
        (F.leaky_relu, "LeakyReluBackward0"),
    ],
)
def test_fused_activations_record_one_node(function, node):
    x = autograd.randn(3, 4, requires_grad=True)
    out = function(x)
    assert out.grad_fn.name() == node
    assert out.grad_fn.parents == [x]  # straight back to the input: one node, not a chain of primitives


def test_no_graph_is_recorded_under_no_grad():
    x = autograd.randn(2, 3, requires_grad=True)
    with autograd.no_grad():
        for function in FUNCTIONS.values():
            out = function(x)
            assert out.grad_fn is None and not out.requires_grad


@pytest.mark.parametrize("dtype", [autograd.float64, autograd.float32])
def test_gelu_of_an_activation_larger_than_a_block(dtype, rng):
    """Many cache-sized blocks (and a partial last one): every block is computed, in its place."""
    v = rng.uniform(-6, 6, size=(3, 32768 + 7)).astype(np.dtype(str(dtype).removeprefix("tt.")))
    cdf = 0.5 * np.vectorize(math.erfc)(-v.astype(np.float64) / math.sqrt(2))
    density = np.exp(-(v.astype(np.float64) ** 2) / 2) / math.sqrt(2 * math.pi)
    t = np.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v.astype(np.float64) ** 3))
    inner = math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * v.astype(np.float64) ** 2)
    expected = {
        "none": (v * cdf, cdf + v * density),
        "tanh": (0.5 * v * (1 + t), 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * inner),
    }
    tolerance = 1e-12 if dtype == autograd.float64 else 2e-6
    for approximate, (value, derivative) in expected.items():
        x = autograd.tensor(v, requires_grad=True)
        y = F.gelu(x, approximate=approximate)
        g = rng.standard_normal(v.shape)
        (y * autograd.tensor(g, dtype=dtype)).sum().backward()
        assert y.dtype == dtype and x.grad.dtype == dtype
        np.testing.assert_allclose(y.detach().numpy(), value, rtol=tolerance, atol=tolerance)
        np.testing.assert_allclose(x.grad.numpy(), g * derivative, rtol=tolerance, atol=tolerance * 10)
