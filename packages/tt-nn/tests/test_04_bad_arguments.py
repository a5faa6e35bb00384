"""Module 04: layer constructors and softmax refuse bad arguments clearly (issue #14).

Before, each of these reached the user as a NumPy-internal message
("negative dimensions are not allowed", "zero-size array to reduction
operation maximum which has no identity", "empty: sizes must be ints").
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_nn import functional as F


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: nn.Linear(4.5, 3), TypeError, "Linear: in_features must be an int, got float 4.5"),
        (lambda: nn.Linear(4, -1), ValueError, "Linear: out_features must be non-negative, got -1"),
        (lambda: nn.LayerNorm(-1), ValueError, "LayerNorm: normalized_shape must be at least 1, got -1"),
        (lambda: nn.LayerNorm((4, 2.0)), TypeError, "LayerNorm: normalized_shape must be an int"),
        (lambda: nn.BatchNorm1d(0), ValueError, "BatchNorm1d: num_features must be at least 1, got 0"),
        (lambda: nn.Linear(2, 2).cuda(), RuntimeError, r"Linear.cuda: TinyTorch runs on the CPU only"),
        (lambda: nn.LeakyReLU("x"), TypeError, "LeakyReLU: negative_slope must be a number, got str"),
    ],
)
def test_bad_layer_arguments_name_the_layer_the_argument_and_the_value(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_good_arguments_still_build_layers():
    assert nn.Linear(np.int64(3), 0).weight.shape == (0, 3)
    assert nn.LayerNorm([2, 3]).normalized_shape == (2, 3)
    assert nn.Linear(2, 2).cpu().weight.shape == (2, 2)


@pytest.mark.parametrize("function", [F.softmax, F.log_softmax])
def test_softmax_over_an_empty_dim_is_empty_like_pytorch(function):
    x = autograd.zeros(3, 0, requires_grad=True)
    out = function(x, dim=1)
    assert out.shape == (3, 0)
    out.sum().backward()
    assert x.grad.shape == (3, 0)
    assert function(autograd.zeros(0, 4), dim=1).shape == (0, 4)


@pytest.mark.parametrize("function", [F.softmax, F.log_softmax])
def test_float16_softmax_is_computed_in_float32(rng, function):
    logits = (rng.standard_normal((4, 3000)) * 4).astype(np.float16)
    out = function(autograd.tensor(logits), dim=1)
    assert out.array.dtype == np.float16
    expected = function(autograd.tensor(logits.astype(np.float64)), dim=1).array
    np.testing.assert_allclose(
        out.array.astype(np.float64), expected.astype(np.float16), rtol=1e-3, atol=1e-7
    )
