"""``clamp``/``clip``/``clamp_min``/``clamp_max`` with tensor bounds: PyTorch's values, dtypes and gradients.

Where the input meets a bound, ``maximum``/``minimum`` would split the gradient in halves; PyTorch's
clamp gives it whole to the input. Its rule, checked against PyTorch 2.13 in a scratch script on every
combination of 0, 1, 2 and NaN for input, ``min`` and ``max`` (and written out here from its
definition, not from our code):

* input: ``min <= x <= max``; ``min``: ``x < min < max``; ``max``: ``x > max or max < min``.

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradients import grad

NAN = float("nan")
VALUES = np.array(list(itertools.product([0.0, 1.0, 2.0, NAN], repeat=3))).T  # every tie and NaN case


def _leaves(*arrays):
    return [autograd.tensor(a, dtype=autograd.float64, requires_grad=True) for a in arrays]


def _pytorch_rule(x, low, high):
    """(value, gradient masks for x, low, high), PyTorch's definitions; None for an absent bound."""
    with np.errstate(invalid="ignore"):
        if low is None:
            return np.minimum(x, high), [x <= high, None, x > high]
        if high is None:
            return np.maximum(x, low), [x >= low, x < low, None]
        masks = [(x >= low) & (x <= high), (x < low) & (low < high), (x > high) | (high < low)]
        return np.minimum(np.maximum(x, low), high), masks


@pytest.mark.parametrize(
    "call, bounds",
    [
        (lambda x, lo, hi: x.clamp(lo, hi), "both"),
        (lambda x, lo, hi: autograd.clip(x, lo, hi), "both"),
        (lambda x, lo, hi: x.clamp(min=lo), "min"),
        (lambda x, lo, hi: x.clamp_min(lo), "min"),
        (lambda x, lo, hi: x.clamp(max=hi), "max"),
        (lambda x, lo, hi: x.clip(max=hi), "max"),
        (lambda x, lo, hi: x.clamp_max(hi), "max"),
    ],
)
def test_values_and_gradients_at_ties_and_nans_follow_pytorch(call, bounds):
    x, low, high = _leaves(*VALUES)
    out = call(x, low, high)
    gradients = grad(out.sum(), [x, low, high], allow_unused=True)
    expected, masks = _pytorch_rule(
        VALUES[0], VALUES[1] if bounds != "max" else None, VALUES[2] if bounds != "min" else None
    )
    np.testing.assert_array_equal(out.detach().numpy(), expected)
    for gradient, mask in zip(gradients, masks):
        if mask is None:
            assert gradient is None
        else:
            np.testing.assert_array_equal(gradient.numpy(), mask.astype(float))


def test_a_tie_gives_the_input_the_whole_gradient():
    x, low, high = _leaves([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], [3.0, 3.0, 3.0])
    gx, glow, ghigh = grad(x.clamp(low, high).sum(), [x, low, high])
    assert gx.tolist() == [1.0, 1.0, 1.0]  # maximum/minimum would give 0.5 at both ends
    assert glow.tolist() == [0.0, 0.0, 0.0] and ghigh.tolist() == [0.0, 0.0, 0.0]


def test_broadcast_bounds_gradients_and_second_derivatives():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, (3, 4))
    x[np.abs(x) < 0.1] = 0.5  # keep central differences away from the bounds
    low, high = np.array([-1.0, -0.5, 0.3, -3.0]), np.array([[1.0], [0.8], [-0.8]])
    tx, tlow, thigh = _leaves(x, low, high)
    assert autograd.gradcheck(lambda a, b, c: a.clamp(b, c) ** 2, (tx, tlow, thigh))
    assert autograd.gradgradcheck(lambda a, b, c: a.clamp(b, c) ** 2, (tx, tlow, thigh))
    assert autograd.gradgradcheck(lambda a, b: (a * b).clamp(min=b) ** 3, (tx, tlow))
    assert autograd.gradgradcheck(lambda a, c: a.clamp(max=c).exp(), (tx, thigh))
    assert tx.clamp(tlow, thigh).shape == (3, 4)


def test_dtypes_follow_pytorch_promotion():
    ints = autograd.tensor([1, 5, 9])
    assert ints.clamp(autograd.tensor([2, 2, 2]), autograd.tensor([6, 6, 6])).tolist() == [2, 5, 6]
    as_float = ints.clamp(autograd.tensor([2.5, 0.0, 0.0]))
    assert as_float.dtype == autograd.float32 and as_float.tolist() == [2.5, 5.0, 9.0]
    # a 0-d float64 bound does not widen a float32 input (PyTorch's scalar-tensor rule)
    assert autograd.ones(3).clamp(autograd.tensor(0.5, dtype=autograd.float64)).dtype == autograd.float32
    mixed = autograd.ones(3).clamp(autograd.zeros(3), 0.5)  # a tensor and a number
    assert mixed.tolist() == [0.5, 0.5, 0.5]


def test_bad_bounds_are_refused_naming_clamp():
    x = autograd.ones(3)
    with pytest.raises(RuntimeError, match=r"^clamp: shapes \(3,\) and \(2,\) cannot be broadcast"):
        x.clamp(autograd.zeros(2))
    with pytest.raises(TypeError, match=r"^clamp: unsupported operand of type str"):
        x.clamp(autograd.zeros(3), "abc")
