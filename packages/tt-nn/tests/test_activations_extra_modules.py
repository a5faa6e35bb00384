"""The rest of ``torch.nn``'s activation layers (``ELU`` to ``RReLU``, ``tt_nn/activations_extra.py``).

Each layer must give exactly its function's output (``test_activations_extra.py``
checks the functions against NumPy), print like PyTorch 2.x (reprs copied from
it), hold no parameters except ``PReLU``'s ``weight`` (PyTorch's state-dict key,
learnt through a ``Sequential``), follow train/eval (``RReLU``) and refuse bad
settings with clear errors.
Not course material (outside module 04's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_nn import functional as F

# (layer factory, the function it must match)
LAYERS = {
    "elu": (lambda: nn.ELU(), F.elu),
    "elu_alpha": (lambda: nn.ELU(0.5), lambda x: F.elu(x, 0.5)),
    "celu": (lambda: nn.CELU(2.0), lambda x: F.celu(x, 2.0)),
    "selu": (lambda: nn.SELU(), F.selu),
    "hardtanh": (lambda: nn.Hardtanh(-2.0, 0.5), lambda x: F.hardtanh(x, -2.0, 0.5)),
    "relu6": (lambda: nn.ReLU6(), F.relu6),
    "hardsigmoid": (lambda: nn.Hardsigmoid(), F.hardsigmoid),
    "hardswish": (lambda: nn.Hardswish(), F.hardswish),
    "mish": (lambda: nn.Mish(), F.mish),
    "logsigmoid": (lambda: nn.LogSigmoid(), F.logsigmoid),
    "softsign": (lambda: nn.Softsign(), F.softsign),
    "tanhshrink": (lambda: nn.Tanhshrink(), F.tanhshrink),
    "softmin": (lambda: nn.Softmin(dim=1), lambda x: F.softmin(x, 1)),
    "softmin_0": (lambda: nn.Softmin(0), lambda x: F.softmin(x, 0)),
    "glu": (lambda: nn.GLU(), F.glu),
    "glu_0": (lambda: nn.GLU(0), lambda x: F.glu(x, 0)),
    "threshold": (lambda: nn.Threshold(0.4, -3.0), lambda x: F.threshold(x, 0.4, -3.0)),
    "hardshrink": (lambda: nn.Hardshrink(), F.hardshrink),
    "hardshrink_1": (lambda: nn.Hardshrink(1.0), lambda x: F.hardshrink(x, 1.0)),
    "softshrink": (lambda: nn.Softshrink(), F.softshrink),
    "softshrink_1": (lambda: nn.Softshrink(1.0), lambda x: F.softshrink(x, 1.0)),
    "rrelu_eval": (lambda: nn.RReLU(0.1, 0.5).eval(), lambda x: F.rrelu(x, 0.1, 0.5)),
    "prelu": (
        lambda: nn.PReLU(init=0.3, dtype=autograd.float64),
        lambda x: F.prelu(x, autograd.tensor([0.3], dtype=x.dtype)),
    ),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_each_layer_gives_exactly_its_function(name):
    make, function = LAYERS[name]
    x = autograd.tensor([[-3.0, -1.0, -1e-3, 0.0], [1e-3, 0.5, 2.0, 7.0]], dtype=autograd.float64)
    out = make()(x)
    assert isinstance(out, autograd.Tensor) and out.dtype == autograd.float64
    assert np.array_equal(out.detach().numpy(), function(x).detach().numpy())


def test_reprs_match_pytorch():
    expected = {
        nn.ELU(): "ELU(alpha=1.0)",
        nn.ELU(0.5, True): "ELU(alpha=0.5, inplace=True)",
        nn.CELU(): "CELU(alpha=1.0)",
        nn.CELU(2.0, True): "CELU(alpha=2.0, inplace=True)",
        nn.SELU(): "SELU()",
        nn.SELU(True): "SELU(inplace=True)",
        nn.Hardtanh(): "Hardtanh(min_val=-1.0, max_val=1.0)",
        nn.Hardtanh(-2.0, 3.0, True): "Hardtanh(min_val=-2.0, max_val=3.0, inplace=True)",
        nn.ReLU6(): "ReLU6()",
        nn.ReLU6(True): "ReLU6(inplace=True)",
        nn.Hardsigmoid(): "Hardsigmoid()",
        nn.Hardsigmoid(True): "Hardsigmoid()",
        nn.Hardswish(True): "Hardswish()",
        nn.Mish(): "Mish()",
        nn.Mish(True): "Mish(inplace=True)",
        nn.LogSigmoid(): "LogSigmoid()",
        nn.Softsign(): "Softsign()",
        nn.Softmin(1): "Softmin(dim=1)",
        nn.Softmin(): "Softmin(dim=None)",
        nn.Softmax2d(): "Softmax2d()",
        nn.GLU(): "GLU(dim=-1)",
        nn.GLU(1): "GLU(dim=1)",
        nn.PReLU(): "PReLU(num_parameters=1)",
        nn.PReLU(3, 0.1): "PReLU(num_parameters=3)",
        nn.Threshold(0.1, 20.0): "Threshold(threshold=0.1, value=20.0)",
        nn.Threshold(1, 2, True): "Threshold(threshold=1, value=2, inplace=True)",
        nn.Hardshrink(): "Hardshrink(0.5)",
        nn.Hardshrink(1): "Hardshrink(1)",
        nn.Softshrink(): "Softshrink(0.5)",
        nn.Softshrink(0.25): "Softshrink(0.25)",
        nn.Tanhshrink(): "Tanhshrink()",
        nn.RReLU(): "RReLU(lower=0.125, upper=0.3333333333333333)",
        nn.RReLU(0.1, 0.3, True): "RReLU(lower=0.1, upper=0.3, inplace=True)",
        nn.RReLU(0, 1): "RReLU(lower=0, upper=1)",
    }
    for module, text in expected.items():
        assert repr(module) == text


def test_inplace_is_kept_as_an_attribute_like_pytorchs():
    layers = [nn.ELU(inplace=True), nn.CELU(inplace=True), nn.SELU(True), nn.Hardtanh(inplace=True)]
    layers += [
        nn.ReLU6(True),
        nn.Hardsigmoid(True),
        nn.Hardswish(True),
        nn.Mish(True),
        nn.RReLU(inplace=True),
    ]
    layers += [nn.Threshold(0.0, 1.0, inplace=True)]
    assert all(layer.inplace is True for layer in layers)
    assert nn.Hardsigmoid().inplace is False and nn.Hardswish().inplace is False


def test_relu6_is_a_hardtanh_from_0_to_6():
    layer = nn.ReLU6()
    assert isinstance(layer, nn.Hardtanh) and (layer.min_val, layer.max_val) == (0.0, 6.0)


def test_hardtanh_accepts_pytorchs_deprecated_bound_names():
    with pytest.warns(FutureWarning, match="min_value is deprecated; use min_val") as first:
        layer = nn.Hardtanh(min_value=-3.0)
    with pytest.warns(FutureWarning, match="max_value is deprecated; use max_val") as second:
        assert nn.Hardtanh(max_value=4.0).max_val == 4.0
    assert first[0].filename == second[0].filename == __file__  # the warning points at the caller
    assert layer.min_val == -3.0 and layer.max_val == 1.0


def test_only_prelu_has_parameters():
    for make, _ in LAYERS.values():
        layer = make()
        expected = ["weight"] if isinstance(layer, nn.PReLU) else []
        assert [name for name, _ in layer.named_parameters()] == expected
        assert list(layer.state_dict()) == expected


def test_softmax2d_normalises_over_the_channels(rng, check):
    for shape in [(2, 3, 4, 5), (3, 4, 5)]:
        x = rng.standard_normal(shape)
        e = np.exp(x - x.max(axis=-3, keepdims=True))
        check(nn.Softmax2d()(autograd.tensor(x, dtype=autograd.float64)), e / e.sum(axis=-3, keepdims=True))
    with pytest.raises(ValueError, match=r"Softmax2d: expected input to be 3D or 4D, got 2D instead"):
        nn.Softmax2d()(autograd.randn(2, 3))


# ------------------------------------------------------------------ PReLU
def test_prelu_weight_is_pytorchs(check):
    layer = nn.PReLU(3, init=0.1)
    assert list(layer.state_dict()) == ["weight"] and layer.weight.shape == (3,)
    assert layer.weight.dtype == autograd.float32 and layer.init == 0.1 and layer.num_parameters == 3
    check(layer.weight, np.full(3, 0.1, dtype=np.float32))
    check(nn.PReLU().weight, [0.25])
    assert nn.PReLU(2, dtype=autograd.float64).weight.dtype == autograd.float64
    layer.load_state_dict({"weight": autograd.tensor([0.5, 0.6, 0.7])})
    layer.reset_parameters()
    check(layer.weight, np.full(3, 0.1, dtype=np.float32))


PRELU_CASES = [(shape, n) for shape in [(4, 3), (4, 3, 5), (2, 3, 4, 5)] for n in (1, 3)] + [((6,), 1)]


@pytest.mark.parametrize(("shape", "num_parameters"), PRELU_CASES)
def test_prelu_layer_learns_its_slopes(shape, num_parameters, rng, check_grad):
    layer = nn.PReLU(num_parameters, init=0.2).double()
    x_array = rng.standard_normal(shape)
    x_array = np.where(np.abs(x_array) < 0.02, 0.1, x_array)
    x = autograd.tensor(x_array, dtype=autograd.float64, requires_grad=True)
    check_grad(lambda t, w: F.prelu(t, w), x, layer.weight)
    layer.weight.grad = None
    layer(x).sum().backward()
    negative = np.where(x_array > 0, 0.0, x_array)
    other_dims = tuple(i for i in range(len(shape)) if i != 1 or num_parameters == 1)
    np.testing.assert_allclose(layer.weight.grad.numpy(), np.reshape(negative.sum(axis=other_dims), (-1,)))


def test_prelu_in_a_sequential_gets_its_gradient():
    model = nn.Sequential(nn.Linear(4, 3), nn.PReLU(3))
    model(autograd.randn(5, 4)).sum().backward()
    assert model[1].weight.grad is not None and model[1].weight.grad.shape == (3,)
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight"]


def test_prelu_layer_errors():
    with pytest.raises(RuntimeError, match=r"prelu: weight has 3 elements but input \(2, 4\) has 4 channels"):
        nn.PReLU(3)(autograd.randn(2, 4))
    with pytest.raises(ValueError, match="PReLU: num_parameters"):
        nn.PReLU(-1)
    with pytest.raises(TypeError, match="PReLU: num_parameters"):
        nn.PReLU(2.5)
    with pytest.raises(TypeError, match="PReLU: init must be a number"):
        nn.PReLU(1, "0.25")
    with pytest.raises(RuntimeError, match="PReLU: device 'cuda' is not available"):
        nn.PReLU(device="cuda")


# ------------------------------------------------------------------ RReLU follows train/eval
def test_rrelu_draws_in_training_and_uses_the_mean_slope_in_eval():
    layer = nn.RReLU(0.1, 0.3)
    x = autograd.tensor(-np.ones(1000))
    autograd.manual_seed(0)
    trained = layer(x).numpy()
    autograd.manual_seed(0)
    assert np.array_equal(layer(x).numpy(), trained)
    assert len(np.unique(trained)) > 900 and ((-trained >= 0.1) & (-trained <= 0.3)).all()
    np.testing.assert_allclose(layer.eval()(x).numpy(), -0.2, rtol=1e-6)


# ------------------------------------------------------------------ bad settings
def test_boundary_settings_are_accepted():
    assert nn.Softshrink(0.0).lambd == 0.0 and nn.RReLU(0.2, 0.2).upper == 0.2
    assert nn.Hardtanh(-1e-9, 0.0).max_val == 0.0 and nn.CELU(-1.0).alpha == -1.0


def test_bad_settings_raise_clear_errors():
    with pytest.raises(ValueError, match=r"Hardtanh: max_val \(1.0\) must be greater than min_val \(1.0\)"):
        nn.Hardtanh(1.0, 1.0)
    with pytest.raises(ValueError, match=r"Hardtanh: max_val \(-1.0\) must be greater than min_val \(2.0\)"):
        nn.Hardtanh(2.0, -1.0)
    with pytest.raises(ValueError, match="CELU: alpha cannot be 0"):
        nn.CELU(0.0)
    with pytest.raises(ValueError, match="Softshrink: lambd must be >= 0, got -0.5"):
        nn.Softshrink(-0.5)
    with pytest.raises(ValueError, match="RReLU: lower must be <= upper, got lower=0.5 > upper=0.1"):
        nn.RReLU(0.5, 0.1)
    with pytest.raises(TypeError, match="ELU: alpha must be a number, got str"):
        nn.ELU("1")
    with pytest.raises(TypeError, match="Threshold: value must be a number"):
        nn.Threshold(0.5, None)
    with pytest.raises(TypeError, match="Threshold: threshold must be a number"):
        nn.Threshold("0.5", 1.0)
    with pytest.raises(TypeError, match="RReLU: upper must be a number"):
        nn.RReLU(0.1, None)
    with pytest.raises(TypeError, match="Hardshrink: lambd must be a number"):
        nn.Hardshrink([0.5])
    with pytest.raises(RuntimeError, match="glu: halving dimension must be even"):
        nn.GLU()(autograd.randn(2, 5))
