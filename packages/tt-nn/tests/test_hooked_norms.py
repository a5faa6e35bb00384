"""The older, hook-based ``spectral_norm`` and ``weight_norm`` (``tt_nn.hooked_norms``).

Values against NumPy (the SVD's largest singular value, row norms); names and state-dict keys as
PyTorch 2.13's (compared in a scratch run, where the outputs and gradients also agreed).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_nn.hooked_norms import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm

W = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [3.0, 0.0, 1.0]])
X = autograd.tensor([[1.0, -2.0, 0.5]], dtype=autograd.float64)


def layer():
    lin = nn.Linear(3, 3).double()
    lin.weight.array = W.copy()
    lin.bias.array = np.zeros(3)
    return lin


def test_spectral_norm_keeps_the_weight_as_weight_orig_and_divides_by_sigma():
    lin = spectral_norm(layer(), n_power_iterations=60)
    assert sorted(lin.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    assert sorted(name for name, _ in lin.named_parameters()) == ["bias", "weight_orig"]
    sigma = np.linalg.svd(W, compute_uv=False)[0]
    out = lin(X)  # training: 60 power steps, then W / σ
    np.testing.assert_allclose(out.detach().numpy(), X.numpy() @ (W / sigma).T, rtol=1e-10)
    u = lin.weight_u.numpy().copy()
    lin.eval()
    fixed = lambda w: X @ (w / (lin.weight_u * (w @ lin.weight_v)).sum()).T  # noqa: E731
    assert autograd.gradcheck(fixed, [lin.weight_orig.detach().requires_grad_()])
    lin(X).sum().backward()
    expected = autograd.gradients.grad(fixed(lin.weight_orig).sum(), lin.weight_orig)[0]
    np.testing.assert_allclose(lin.weight_orig.grad.numpy(), expected.numpy())
    np.testing.assert_array_equal(lin.weight_u.numpy(), u)  # in eval the vectors stay
    with pytest.raises(RuntimeError, match="already has a spectral_norm hook"):
        spectral_norm(lin)
    remove_spectral_norm(lin)
    assert sorted(lin.state_dict()) == ["bias", "weight"] and isinstance(lin.weight, nn.Parameter)
    np.testing.assert_allclose(lin.weight.detach().numpy(), W / sigma, rtol=1e-10)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        remove_spectral_norm(lin)


def test_spectral_norm_refuses_what_it_cannot_normalise():
    with pytest.raises(ValueError, match="has no parameter 'kernel'"):
        spectral_norm(layer(), "kernel")
    with pytest.raises(ValueError, match="n_power_iterations must be positive"):
        spectral_norm(layer(), n_power_iterations=0)


def test_weight_norm_keeps_g_and_v():
    lin = weight_norm(layer())
    assert sorted(lin.state_dict()) == ["bias", "weight_g", "weight_v"]
    norms = np.linalg.norm(W, axis=1, keepdims=True)
    np.testing.assert_allclose(lin.weight_g.detach().numpy(), norms)
    out = lin(X)
    np.testing.assert_allclose(out.detach().numpy(), X.numpy() @ W.T)  # g · v / ‖v‖ is W at first
    out.sum().backward()  # d/dg of Σ_i (g_i v_i·x / ‖v_i‖) = v_i·x / ‖v_i‖
    np.testing.assert_allclose(lin.weight_g.grad.numpy().ravel(), W @ X.numpy().ravel() / norms.ravel())
    with pytest.raises(RuntimeError, match="already has a weight_norm hook"):
        weight_norm(lin)
    remove_weight_norm(lin)
    assert sorted(lin.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(lin.weight.detach().numpy(), W)
    with pytest.raises(ValueError, match="has no parameter 'kernel'"):
        weight_norm(layer(), "kernel")
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        remove_weight_norm(lin)


def test_one_power_step_per_call_updates_v_then_u_and_removal_keeps_the_last_weight():
    lin = spectral_norm(layer(), n_power_iterations=1)
    np.testing.assert_allclose(lin.weight.detach().numpy(), W)  # before the first call: the raw weight
    u, v = lin.weight_u.numpy().copy(), lin.weight_v.numpy().copy()
    out = lin(X)
    v = W.T @ u / np.linalg.norm(W.T @ u)  # PyTorch's older order: v first, then u
    u = W @ v / np.linalg.norm(W @ v)
    np.testing.assert_allclose(lin.weight_v.numpy(), v)
    np.testing.assert_allclose(lin.weight_u.numpy(), u)
    np.testing.assert_allclose(out.detach().numpy(), X.numpy() @ (W / (u @ W @ v)).T)
    assert remove_spectral_norm(lin) is lin
    np.testing.assert_allclose(lin.weight.detach().numpy(), W / (u @ W @ v))  # no further step


def test_other_pre_hooks_a_negative_dim_and_a_changed_g():
    lin = layer()
    lin.register_forward_pre_hook(lambda module, inputs: None)  # a plain hook beside them
    spectral_norm(lin, dim=-1)  # columns as rows: the same σ
    sigma = np.linalg.svd(W, compute_uv=False)[0]
    for _ in range(60):
        lin(X)
    np.testing.assert_allclose(lin.weight.detach().numpy(), W / sigma, rtol=1e-8)
    remove_spectral_norm(lin)
    normed = layer()
    normed.register_forward_pre_hook(lambda module, inputs: None)
    weight_norm(normed)
    np.testing.assert_allclose(normed.weight.detach().numpy(), W)  # set at registration
    normed.weight_g.array *= 2.0
    np.testing.assert_allclose(normed(X).detach().numpy(), X.numpy() @ (2 * W).T)
    assert remove_weight_norm(normed) is normed
