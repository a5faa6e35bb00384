"""``functional_call`` (``tt_nn.stateless``; ``torch.func.functional_call``): a module run with other tensors.

Checked against PyTorch 2.13's behaviour for each rule: partial dicts, ``strict``, names given twice,
tied weights, buffers updated in forward, a forward that raises, and the second-order gradient of a
MAML step worked out by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_autograd.gradients import grad
from tt_nn.stateless import functional_call


def ones_linear():
    layer = nn.Linear(2, 2)
    return layer, {"weight": autograd.ones(2, 2), "bias": autograd.tensor([1.0, -1.0])}


def test_the_given_tensors_are_used_and_the_modules_own_come_back():
    layer, values = ones_linear()
    weight, bias = layer.weight, layer.bias
    x = autograd.tensor([[1.0, 2.0]])
    np.testing.assert_allclose(functional_call(layer, values, (x,)).numpy(), [[4.0, 2.0]])
    np.testing.assert_allclose(functional_call(layer, values, x).numpy(), [[4.0, 2.0]])  # one argument
    np.testing.assert_allclose(functional_call(layer, values, kwargs={"input": x}).numpy(), [[4.0, 2.0]])
    assert layer.weight is weight and layer.bias is bias
    partial = functional_call(layer, {"bias": autograd.zeros(2)}, x)  # the module's own weight
    np.testing.assert_allclose(partial.detach().numpy(), x.numpy() @ weight.detach().numpy().T)


def test_strict_wants_exactly_the_modules_names():
    layer, values = ones_linear()
    x = autograd.ones(1, 2)
    with pytest.raises(RuntimeError, match=r"Missing key\(s\): 'bias'"):
        functional_call(layer, {"weight": values["weight"]}, x, strict=True)
    with pytest.raises(RuntimeError, match=r"Unexpected key\(s\): 'scale'"):
        functional_call(layer, {**values, "scale": autograd.ones(1)}, x, strict=True)
    assert functional_call(layer, values, x, strict=True).shape == (1, 2)


def test_a_name_in_two_dicts_is_ambiguous():
    layer, values = ones_linear()
    with pytest.raises(ValueError, match=r"\['weight'\] appeared in more than one dictionary"):
        functional_call(layer, (values, {"weight": autograd.zeros(2, 2)}), autograd.ones(1, 2))
    split = functional_call(
        layer, ({"weight": values["weight"]}, {"bias": values["bias"]}), autograd.ones(1, 2)
    )
    np.testing.assert_allclose(split.numpy(), [[3.0, 1.0]])


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(2, 2, bias=False), nn.Linear(2, 2, bias=False)
        self.b.weight = self.a.weight

    def forward(self, x):
        return self.b(self.a(x))


def test_tied_weights_share_a_value_unless_told_otherwise():
    model, x = Tied(), autograd.ones(1, 2)
    twice = autograd.eye(2) * 2.0
    np.testing.assert_allclose(functional_call(model, {"a.weight": twice}, x).numpy(), [[4.0, 4.0]])
    with pytest.raises(ValueError, match="one tied tensor"):
        functional_call(model, {"a.weight": twice, "b.weight": autograd.eye(2)}, x)
    own = model.b.weight.detach().numpy()
    untied = functional_call(model, {"a.weight": twice}, x, tie_weights=False)  # b keeps its own
    np.testing.assert_allclose(untied.detach().numpy(), (2.0 * x.numpy()) @ own.T)


def test_a_forward_that_raises_still_puts_the_originals_back():
    class Broken(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Linear(2, 2)

        def forward(self, x):
            raise ValueError("boom")

    model = Broken()
    weight = model.inner.weight
    with pytest.raises(ValueError, match="boom"):
        functional_call(model, {"inner.weight": autograd.zeros(2, 2), "extra": 1.0}, autograd.ones(1, 2))
    assert model.inner.weight is weight and not hasattr(model, "extra")


def test_a_buffer_updated_in_forward_is_the_given_one():
    norm = nn.BatchNorm1d(2, momentum=0.5)
    given = autograd.ones(2)
    x = autograd.tensor([[1.0, 3.0], [3.0, 5.0]])  # column means 2 and 4
    functional_call(norm, {"running_mean": given}, x)
    np.testing.assert_allclose(given.numpy(), [1.5, 2.5])  # 0.5·1 + 0.5·mean
    np.testing.assert_allclose(norm.running_mean.numpy(), [0.0, 0.0])


def test_maml_differentiates_through_the_inner_step():
    # y = w x; inner loss (w x1 - y1)², step w' = w - α·2 x1 (w x1 - y1); outer loss (w' x2 - y2)².
    # d outer / dw = 2 (w' x2 - y2) x2 · (1 - 2 α x1²): the factor is the second-order term.
    model = nn.Linear(1, 1, bias=False)
    w = float(model.weight.item())
    (x1, y1), (x2, y2), alpha = (1.5, 2.0), (-0.5, 1.0), 0.1
    params = dict(model.named_parameters())
    inner = ((functional_call(model, params, autograd.tensor([[x1]])) - y1) ** 2).sum()
    grads = grad(inner, list(params.values()), create_graph=True)
    adapted = {name: p - alpha * g for (name, p), g in zip(params.items(), grads)}
    outer = ((functional_call(model, adapted, autograd.tensor([[x2]])) - y2) ** 2).sum()
    outer.backward()
    adapted_w = w - alpha * 2 * x1 * (w * x1 - y1)
    expected = 2 * (adapted_w * x2 - y2) * x2 * (1 - 2 * alpha * x1**2)
    assert model.weight.grad.item() == pytest.approx(expected, rel=1e-5)


def test_malformed_dicts_and_names_are_refused_and_plain_attributes_come_back():
    layer, values = ones_linear()
    x = autograd.ones(1, 2)
    with pytest.raises(TypeError, match="must be a dict of name -> tensor or a sequence"):
        functional_call(layer, 5, x)
    with pytest.raises(TypeError, match="must be a dict of name -> tensor or a sequence"):
        functional_call(layer, [values, 3], x)
    with pytest.raises(AttributeError, match="functional_call: 'inner.weight'"):
        functional_call(layer, {"inner.weight": autograd.ones(2, 2)}, x)

    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = 2.0

        def forward(self, x):
            return x * self.scale

    model = Scaled()
    assert functional_call(model, {"scale": 3.0}, x).numpy().tolist() == [[3.0, 3.0]]
    assert model.scale == 2.0
    model = Tied()
    np.testing.assert_allclose(functional_call(model, {}, x).detach().numpy(), model(x).detach().numpy())
