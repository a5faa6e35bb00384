"""Parametrizations (``tt_nn.parametrize``) and weight / spectral normalisation (``tt_nn.parametrizations``).

Expected values are derived by hand or with NumPy (norms, the SVD's largest singular value, the
chain rule through ``triu(X) + triu(X, 1)ᵀ``); the behaviours (names, the state dict, assignment,
stacking, removal, caching) follow PyTorch 2.13's, compared in a scratch run.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_nn import parametrize
from tt_nn.parametrizations import spectral_norm, weight_norm

W = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [3.0, 0.0, 1.0]])


def layer(dtype=autograd.float32):
    lin = nn.Linear(3, 3)
    lin.weight.array = W.astype(dtype.numpy).copy()
    lin.bias.array = np.array([0.1, 0.2, 0.3], dtype=dtype.numpy)
    return lin


class Symmetric(nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).mT

    def right_inverse(self, a):
        return a.triu()


class Double(nn.Module):
    def forward(self, x):
        return x * 2.0

    def right_inverse(self, x):
        return x / 2.0


def test_the_weight_is_computed_from_the_original_which_is_what_trains():
    lin = layer()
    weight = lin.weight
    parametrize.register_parametrization(lin, "weight", Symmetric())
    assert sorted(name for name, _ in lin.named_parameters()) == ["bias", "parametrizations.weight.original"]
    assert sorted(lin.state_dict()) == ["bias", "parametrizations.weight.original"]
    assert lin.parametrizations.weight.original is weight  # the same Parameter: an optimizer keeps working
    upper = np.triu(W)
    np.testing.assert_allclose(lin.weight.detach().numpy(), upper + np.triu(W, 1).T)
    x = autograd.tensor([[1.0, -2.0, 0.5]])
    lin(x).sum().backward()
    g = np.ones((3, 1)) @ x.numpy()  # d sum(x Wᵀ) / dW
    np.testing.assert_allclose(
        lin.parametrizations.weight.original.grad.numpy(), np.triu(g) + np.triu(g.T, 1)
    )
    assert (
        type(lin).__name__ == "ParametrizedLinear"
        and parametrize.type_before_parametrizations(lin) is nn.Linear
    )
    assert (
        parametrize.is_parametrized(lin)
        and parametrize.is_parametrized(lin, "weight")
        and not parametrize.is_parametrized(lin, "bias")
    )


def test_assigning_the_weight_stores_its_right_inverse():
    lin = parametrize.register_parametrization(layer(), "weight", Symmetric())
    lin.weight = autograd.tensor(W.T.astype(np.float32))
    np.testing.assert_allclose(lin.parametrizations.weight.original.detach().numpy(), np.triu(W.T))

    class NoInverse(nn.Module):
        def forward(self, x):
            return x

    plain = parametrize.register_parametrization(layer(), "weight", NoInverse())
    with pytest.raises(RuntimeError, match="NoInverse does not implement right_inverse"):
        plain.weight = autograd.zeros(3, 3)


def test_stacked_parametrizations_and_their_removal():
    lin = parametrize.register_parametrization(layer(), "weight", Symmetric())
    parametrize.register_parametrization(lin, "weight", Double())
    symmetric = np.triu(W) + np.triu(W, 1).T
    np.testing.assert_allclose(lin.weight.detach().numpy(), 2 * symmetric)
    parametrize.remove_parametrizations(
        lin, "weight"
    )  # keeps the parametrized value, as a plain parameter again
    assert type(lin) is nn.Linear and isinstance(lin.weight, nn.Parameter)
    assert sorted(lin.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(lin.weight.detach().numpy(), 2 * symmetric)
    lin = parametrize.register_parametrization(layer(), "weight", Double())
    parametrize.remove_parametrizations(lin, "weight", leave_parametrized=False)  # the original: W / 2
    np.testing.assert_allclose(lin.weight.detach().numpy(), W / 2)
    with pytest.raises(ValueError, match="no parametrization on 'weight'"):
        parametrize.remove_parametrizations(lin, "weight")


def test_shape_changes_need_unsafe_and_unknown_names_are_refused():
    class Row(nn.Module):
        def forward(self, x):
            return x[0]

    with pytest.raises(ValueError, match=r"keep the original's shape \(3, 3\).*unsafe=True"):
        parametrize.register_parametrization(layer(), "weight", Row())
    with pytest.raises(ValueError, match="no parameter, buffer or parametrized tensor named 'scale'"):
        parametrize.register_parametrization(layer(), "scale", Double())


def test_cached_computes_each_parametrized_tensor_once():
    calls = []

    class Counted(nn.Module):
        def forward(self, x):
            calls.append(1)
            return x

    lin = parametrize.register_parametrization(layer(), "weight", Counted())
    calls.clear()
    with parametrize.cached():
        first, second = lin.weight, lin.weight
    assert first is second and len(calls) == 1
    np.testing.assert_allclose(first.detach().numpy(), W)
    lin.weight, lin.weight
    assert len(calls) == 3


def test_a_state_dict_loads_into_another_parametrized_module():
    source = parametrize.register_parametrization(layer(), "weight", Symmetric())
    target = parametrize.register_parametrization(nn.Linear(3, 3), "weight", Symmetric())
    target.load_state_dict(source.state_dict())
    np.testing.assert_allclose(target.weight.detach().numpy(), source.weight.detach().numpy())


def test_weight_norm_splits_length_and_direction():
    lin = weight_norm(layer(autograd.float64))
    g, v = lin.parametrizations.weight.original0, lin.parametrizations.weight.original1
    np.testing.assert_allclose(g.detach().numpy(), np.linalg.norm(W, axis=1, keepdims=True))
    np.testing.assert_allclose(lin.weight.detach().numpy(), W)  # the weight is unchanged at first
    assert sorted(lin.state_dict()) == [
        "bias",
        "parametrizations.weight.original0",
        "parametrizations.weight.original1",
    ]
    whole = weight_norm(layer(autograd.float64), dim=None).parametrizations.weight.original0
    assert whole.item() == pytest.approx(np.linalg.norm(W))
    columns = weight_norm(layer(autograd.float64), dim=1).parametrizations.weight.original0
    np.testing.assert_allclose(columns.detach().numpy(), np.linalg.norm(W, axis=0, keepdims=True))
    norm = lambda g, v: (v * (g / autograd.linalg.vector_norm(v, dim=(1,), keepdim=True))).sin()  # noqa: E731
    assert autograd.gradcheck(norm, [g.detach().requires_grad_(), v.detach().requires_grad_()])
    x = autograd.tensor([[1.0, -2.0, 0.5]], dtype=autograd.float64)
    lin(x).sum().backward()  # d/dg of g·v/‖v‖ summed against x: v·x/‖v‖ per unit
    np.testing.assert_allclose(g.grad.numpy().ravel(), W @ x.numpy().ravel() / np.linalg.norm(W, axis=1))
    with pytest.raises(IndexError, match="dim 2 is out of range"):
        weight_norm(layer(), dim=2)


def test_spectral_norm_divides_by_the_largest_singular_value():
    autograd.manual_seed(0)
    lin = spectral_norm(layer(autograd.float64))
    sigma = np.linalg.svd(W, compute_uv=False)[0]
    np.testing.assert_allclose(lin.weight.detach().numpy(), W / sigma, rtol=1e-6)  # 15 + 1 power steps
    assert sorted(name for name, _ in lin.named_buffers()) == [
        "parametrizations.weight.0._u",
        "parametrizations.weight.0._v",
    ]
    norm = lin.parametrizations.weight[0]
    u = norm._u.numpy().copy()
    lin.eval()
    lin.weight
    np.testing.assert_array_equal(norm._u.numpy(), u)  # in eval the estimate stays
    original = lin.parametrizations.weight.original
    fixed = lambda w: norm(w)  # noqa: E731  (eval: u, v fixed, σ = uᵀ W v differentiated through W)
    assert autograd.gradcheck(fixed, [original.detach().requires_grad_()])
    lin.train()
    original.array += 0.5  # a changed weight: training steps move the estimate
    lin.weight
    assert not np.allclose(norm._u.numpy(), u)


def test_assigning_to_a_spectrally_normed_weight_sets_its_original():
    lin = spectral_norm(nn.Linear(3, 2))
    new = autograd.tensor([[3.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    lin.weight = new  # as PyTorch: right_inverse keeps the value as the original
    np.testing.assert_array_equal(lin.parametrizations.weight.original.detach().numpy(), new.numpy())
    for _ in range(30):  # training forwards: the power iteration finds sigma = 3
        weight = lin.weight
    np.testing.assert_allclose(weight.detach().numpy(), new.numpy() / 3.0, rtol=1e-5)
    assert repr(lin.parametrizations).splitlines()[1].strip() == "(weight): ParametrizationList("


def test_spectral_norm_of_a_vector_and_of_a_transposed_convolution_weight():
    biased = spectral_norm(nn.Linear(3, 2), "bias")
    assert float((biased.bias.detach() ** 2).sum()) == pytest.approx(1.0)

    class ConvTranspose2d(nn.Module):  # (in, out, kh, kw): output units along dim 1, found by name
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(autograd.randn(4, 2, 3, 3))

    assert spectral_norm(ConvTranspose2d()).parametrizations.weight[0].dim == 1
    with pytest.raises(ValueError, match="n_power_iterations must be positive"):
        spectral_norm(layer(), n_power_iterations=0)
    with pytest.raises(ValueError, match="has no parameter 'kernel'"):
        spectral_norm(layer(), "kernel")


def test_registration_checks_what_right_inverse_and_the_parametrization_return():
    with pytest.raises(ValueError, match="at least one parametrization"):
        parametrize.ParametrizationList([], nn.Parameter(autograd.zeros(2)))

    class ToDouble(nn.Module):
        def forward(self, x):
            return x.to(autograd.float32)

        def right_inverse(self, x):
            return x.to(autograd.float64)

    with pytest.raises(ValueError, match="may not change the dtype"):
        parametrize.register_parametrization(layer(), "weight", ToDouble())

    class Five(Double):
        def right_inverse(self, x):
            return 5

    with pytest.raises(ValueError, match="must return a tensor or a sequence of tensors, got int"):
        parametrize.register_parametrization(layer(), "weight", Five())

    class Name(nn.Module):
        def forward(self, x):
            return "weight"

    with pytest.raises(ValueError, match="must return a tensor, got str"):
        parametrize.register_parametrization(layer(), "weight", Name())


def test_adding_a_parametrization_checks_it_unless_unsafe():
    class Row(nn.Module):
        def forward(self, x):
            return x[0]

    lin = parametrize.register_parametrization(layer(), "weight", Double())
    with pytest.raises(ValueError, match="adding a parametrization"):
        parametrize.register_parametrization(lin, "weight", Row())
    assert parametrize.register_parametrization(lin, "weight", Row(), unsafe=True) is lin
    assert lin.parametrizations.weight.unsafe and tuple(lin.weight.shape) == (3,)


def test_assignment_checks_what_right_inverse_returns():
    class Halves(nn.Module):  # two originals
        def forward(self, a, b):
            return a + b

        def right_inverse(self, x):
            return x / 2.0, x / 2.0

    lin = parametrize.register_parametrization(layer(), "weight", Halves())
    lin.parametrizations.weight[0].right_inverse = lambda x: (x,)
    with pytest.raises(ValueError, match=r"must return 2 tensor\(s\), got 1"):
        lin.weight = autograd.zeros(3, 3)
    lin = parametrize.register_parametrization(layer(), "weight", Double())
    lin.parametrizations.weight[0].right_inverse = lambda x: x.to(autograd.float64)
    with pytest.raises(ValueError, match="dtype tt.float64 for an original of tt.float32"):
        lin.weight = autograd.zeros(3, 3)


def test_a_parametrized_buffer_stays_a_buffer_and_removal_restores_everything():
    norm = nn.BatchNorm1d(3)
    assert parametrize.register_parametrization(norm, "running_var", Double()) is norm
    original = dict(norm.named_buffers())["parametrizations.running_var.original"]
    np.testing.assert_allclose(original.numpy(), [0.5, 0.5, 0.5])  # right_inverse of the ones it held
    np.testing.assert_allclose(norm.running_var.numpy(), [1.0, 1.0, 1.0])
    original.array[...] = 2.0
    assert parametrize.remove_parametrizations(norm, "running_var") is norm
    assert "running_var" in dict(norm.named_buffers()) and "parametrizations" not in dict(
        norm.named_children()
    )
    np.testing.assert_allclose(norm.running_var.numpy(), [4.0, 4.0, 4.0])  # the parametrized value, kept
    assert (
        parametrize.is_parametrized(norm) is False
        and parametrize.type_before_parametrizations(norm) is nn.BatchNorm1d
    )


def test_removing_a_parametrization_of_two_originals():
    lin = weight_norm(layer(autograd.float64))
    with pytest.raises(ValueError, match="leave_parametrized=False needs one original tensor"):
        parametrize.remove_parametrizations(lin, "weight", leave_parametrized=False)
    parametrize.remove_parametrizations(lin, "weight")
    assert isinstance(lin.weight, nn.Parameter) and lin.weight.requires_grad
    np.testing.assert_allclose(lin.weight.detach().numpy(), W)


def test_a_module_in_eval_registers_its_parametrization_in_eval():
    lin = layer()
    lin.eval()
    norm = spectral_norm(lin).parametrizations.weight[0]
    u = norm._u.numpy().copy()
    lin.weight
    assert not norm.training
    np.testing.assert_array_equal(norm._u.numpy(), u)


def test_normalisations_check_their_arguments_and_take_negative_dims():
    with pytest.raises(ValueError, match="weight_norm: Linear has no parameter 'kernel'"):
        weight_norm(layer(), "kernel")
    with pytest.raises(ValueError, match="weight_norm: Linear has no parameter 'in_features'"):
        weight_norm(layer(), "in_features")
    with pytest.raises(ValueError, match="spectral_norm: Linear has no parameter 'in_features'"):
        spectral_norm(layer(), "in_features")
    with pytest.raises(IndexError, match="dim 2 is out of range"):
        spectral_norm(layer(), dim=2)
    g = weight_norm(layer(autograd.float64), dim=-2).parametrizations.weight.original0  # -2 is dim 0
    np.testing.assert_allclose(g.detach().numpy(), np.linalg.norm(W, axis=1, keepdims=True))
    assert spectral_norm(layer(), dim=-2).parametrizations.weight[0].dim == 0
    assert not dict(spectral_norm(nn.Linear(3, 2), "bias").named_buffers())  # a vector: no power iteration


def test_spectral_norm_along_dim_one_reads_the_weight_with_that_dim_first():
    autograd.manual_seed(1)

    class ConvTranspose2d(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(autograd.randn(4, 2, 3, 3, dtype=autograd.float64))

    conv = ConvTranspose2d()
    raw = conv.weight.detach().numpy().copy()
    spectral_norm(conv, n_power_iterations=30)
    sigma = np.linalg.svd(raw.transpose(1, 0, 2, 3).reshape(2, -1), compute_uv=False)[0]
    np.testing.assert_allclose(conv.weight.detach().numpy(), raw / sigma, rtol=1e-6)
