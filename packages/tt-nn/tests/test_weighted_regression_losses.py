"""``F.mse_loss(..., weight=)`` and ``F.l1_loss(..., weight=)``, PyTorch 2.13's per-element weights
(found missing by tools/parity/sweep_signatures.py). Expected values are PyTorch 2.13's (float64)."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradients import grad
from tt_nn import functional as F

X = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
T = [[0.0, 1.0, 1.0], [-1.0, 0.5, 0.5]]
W = [[1.0, 2.0, 0.5], [0.0, 3.0, 1.5]]
#: (op, reduction) -> (loss, d loss / d input, d loss / d weight), from PyTorch 2.13
EXPECTED = {
    ("mse_loss", "mean"): (
        1.41015625,
        [[0.125, -1.0, 0.125], [0.0, -0.1875, -0.46875]],
        [[-0.14501953125, 0.32373046875, -0.05126953125], [0.60498046875, -0.16845703125, 0.01904296875]],
    ),
    ("mse_loss", "sum"): (
        11.28125,
        [[1.0, -8.0, 1.0], [0.0, -1.5, -3.75]],
        [[0.25, 4.0, 1.0], [6.25, 0.0625, 1.5625]],
    ),
    ("l1_loss", "mean"): (
        0.953125,
        [[0.125, -0.25, 0.0625], [0.0, -0.375, -0.1875]],
        [[-0.056640625, 0.130859375, 0.005859375], [0.193359375, -0.087890625, 0.037109375]],
    ),
    ("l1_loss", "sum"): (
        7.625,
        [[1.0, -2.0, 0.5], [0.0, -3.0, -1.5]],
        [[0.5, 2.0, 1.0], [2.5, 0.25, 1.25]],
    ),
}
UNREDUCED = {
    "mse_loss": [[0.25, 8.0, 0.5], [0.0, 0.1875, 2.34375]],
    "l1_loss": [[0.5, 4.0, 0.5], [0.0, 0.75, 1.875]],
}


def _leaves():
    x = autograd.tensor(X, dtype=autograd.float64, requires_grad=True)
    w = autograd.tensor(W, dtype=autograd.float64, requires_grad=True)
    return x, autograd.tensor(T, dtype=autograd.float64), w


@pytest.mark.parametrize(("op", "reduction"), EXPECTED)
def test_weighted_loss_and_gradients_match_pytorch(op, reduction, check):
    x, t, w = _leaves()
    loss = getattr(F, op)(x, t, reduction=reduction, weight=w)
    value, grad_x, grad_w = EXPECTED[op, reduction]
    gx, gw = grad(loss, [x, w])
    check(loss, value)
    check(gx, grad_x)
    check(gw, grad_w)


@pytest.mark.parametrize("op", UNREDUCED)
def test_unreduced_weighted_loss_is_the_weighted_elements(op, check):
    x, t, w = _leaves()
    check(getattr(F, op)(x, t, reduction="none", weight=w), UNREDUCED[op])


@pytest.mark.parametrize("op", UNREDUCED)
def test_legacy_size_average_false_sums_the_weighted_elements(op, check):
    x, t, w = _leaves()
    with pytest.warns(UserWarning):
        loss = getattr(F, op)(x, t, size_average=False, weight=w)
    check(loss, EXPECTED[op, "sum"][0])


@pytest.mark.parametrize("op", UNREDUCED)
def test_without_weight_the_loss_is_unchanged(op, check):
    x, t, _ = _leaves()
    diff = np.array(X) - np.array(T)
    plain = diff**2 if op == "mse_loss" else np.abs(diff)
    check(getattr(F, op)(x, t), plain.mean())


@pytest.mark.parametrize("op", UNREDUCED)
def test_a_weight_not_of_the_inputs_shape_is_refused(op):
    x, t, w = _leaves()
    with pytest.raises(
        ValueError, match=rf"{op}: weight of shape \(3,\) must have the input's shape \(2, 3\)"
    ):
        getattr(F, op)(x, t, weight=w[0])


@pytest.mark.parametrize("op", UNREDUCED)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_gradcheck_with_a_broadcast_target(op, reduction, leaf, check_grad):
    x, t, w = leaf(2, 3), leaf(3), leaf(2, 3)
    with pytest.warns(UserWarning, match="broadcast"):
        check_grad(lambda a, b, c: getattr(F, op)(a, b, reduction=reduction, weight=c), x, t, w)
