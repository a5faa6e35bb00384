"""Module 04: ``Dropout`` — inverted scaling, train vs eval, seeding, gradients."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_nn import functional as F


def test_training_zeroes_about_p_and_scales_the_rest():
    autograd.manual_seed(0)
    drop = nn.Dropout(0.3)
    out = drop(autograd.ones(200, 500)).numpy()
    kept = out != 0
    assert kept.mean() == pytest.approx(0.7, abs=0.005)
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)
    assert out.mean() == pytest.approx(1.0, abs=0.01)  # inverted dropout keeps the expectation


def test_float16_inputs_keep_their_dtype():
    # NumPy draws only float32/float64 uniforms: a float16 input draws in float64.
    autograd.manual_seed(1)
    x = autograd.ones(50, 40).half()
    out = F.dropout(x, 0.25)
    assert out.dtype == x.dtype
    kept = out.float().numpy() != 0
    assert kept.mean() == pytest.approx(0.75, abs=0.03)
    np.testing.assert_allclose(out.float().numpy()[kept], 1 / 0.75, rtol=1e-2)


def test_eval_mode_is_the_identity():
    drop = nn.Dropout(0.5)
    x = autograd.randn(4, 4)
    drop.eval()
    assert drop(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    drop.train()
    assert not np.array_equal(drop(x).numpy(), x.numpy())


def test_model_eval_switches_dropout_inside_containers():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.9))
    x = autograd.randn(3, 4)
    model.eval()
    first, second = model(x).detach().numpy(), model(x).detach().numpy()
    np.testing.assert_array_equal(first, second)


def test_seeded_through_the_default_generator():
    x = autograd.ones(10, 10)
    autograd.manual_seed(123)
    a = F.dropout(x, 0.5).numpy()
    autograd.manual_seed(123)
    b = F.dropout(x, 0.5).numpy()
    c = F.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)


def test_gradient_is_the_same_mask(leaf, check_grad):
    x = autograd.ones(6, 7, requires_grad=True)
    autograd.manual_seed(5)
    out = F.dropout(x, 0.4)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), out.detach().numpy())
    assert out.grad_fn.name() == "NativeDropoutBackward0"

    def seeded(t):
        autograd.manual_seed(9)  # the same mask on every call, so finite differences see one function
        return F.dropout(t, 0.25)

    check_grad(seeded, leaf(3, 4))


def test_edge_probabilities_and_errors():
    x = autograd.randn(3, 3)
    assert F.dropout(x, 0.0) is x
    assert np.all(F.dropout(x, 1.0).numpy() == 0)
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="between 0 and 1, but got -0.1"):
        F.dropout(x, -0.1)
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        F.dropout(x, 1.5)
    assert repr(nn.Dropout(0.2)) == "Dropout(p=0.2, inplace=False)"
    assert F.dropout(autograd.ones(4, dtype=autograd.float64), 0.5).dtype == autograd.float64
