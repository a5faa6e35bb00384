"""Module 04: the activation layers, as Modules around module 03's functions.

``nn.ReLU()`` and its siblings are :class:`Module` subclasses, so they exist from
module 04 on: each must give exactly its function's output (module 03's tests check the
functions against NumPy transcriptions), print like PyTorch, hold no parameters and pass
gradients inside a ``Sequential``.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_nn import functional as F

# (layer factory, the function it must match)
LAYERS = {
    "relu": (lambda: nn.ReLU(), F.relu),
    "leaky_relu": (lambda: nn.LeakyReLU(), F.leaky_relu),
    "leaky_relu_0.5": (lambda: nn.LeakyReLU(0.5), lambda x: F.leaky_relu(x, 0.5)),
    "gelu": (lambda: nn.GELU(), F.gelu),
    "gelu_tanh": (lambda: nn.GELU(approximate="tanh"), lambda x: F.gelu(x, approximate="tanh")),
    "silu": (lambda: nn.SiLU(), F.silu),
    "sigmoid": (lambda: nn.Sigmoid(), F.sigmoid),
    "tanh": (lambda: nn.Tanh(), F.tanh),
    "softmax": (lambda: nn.Softmax(dim=1), lambda x: F.softmax(x, dim=1)),
    "log_softmax": (lambda: nn.LogSoftmax(dim=1), lambda x: F.log_softmax(x, dim=1)),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_each_layer_gives_exactly_its_function(name):
    make, function = LAYERS[name]
    x = autograd.tensor([[-3.0, -1.0, -1e-3, 0.0], [1e-3, 0.5, 2.0, 7.0]], dtype=autograd.float64)
    out = make()(x)
    assert isinstance(out, autograd.Tensor) and out.dtype == autograd.float64
    assert np.array_equal(out.numpy(), function(x).numpy())


def test_leaky_relu_layer_uses_its_slope(check):
    check(nn.LeakyReLU(0.5)(autograd.tensor([-2.0, 3.0], dtype=autograd.float64)), [-1.0, 3.0])


def test_reprs_match_pytorch():
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.LeakyReLU(0.2, inplace=True)) == "LeakyReLU(negative_slope=0.2, inplace=True)"
    assert repr(nn.GELU()) == "GELU(approximate='none')"
    assert repr(nn.GELU("tanh")) == "GELU(approximate='tanh')"
    assert repr(nn.SiLU()) == "SiLU()"
    assert repr(nn.Sigmoid()) == "Sigmoid()"
    assert repr(nn.Tanh()) == "Tanh()"
    assert repr(nn.Softmax(dim=-1)) == "Softmax(dim=-1)"
    assert repr(nn.LogSoftmax(dim=1)) == "LogSoftmax(dim=1)"


def test_activations_have_no_parameters():
    for module in (nn.ReLU(), nn.GELU(), nn.Softmax(1), nn.LeakyReLU()):
        assert list(module.parameters()) == [] and list(module.state_dict()) == []


def test_a_bad_gelu_setting_is_a_clear_error():
    with pytest.raises(ValueError, match="GELU: approximate must be 'none' or 'tanh', got 'erf'"):
        nn.GELU(approximate="erf")


def test_layers_pass_gradients(check_grad, leaf):
    model = nn.Sequential(
        nn.GELU(), nn.SiLU(), nn.LeakyReLU(0.3), nn.Tanh(), nn.Sigmoid(), nn.LogSoftmax(dim=1)
    )
    check_grad(model, leaf(3, 5))
