"""Forward-mode AD (``tt_autograd.forward_ad``) through tt-nn's fused functions.

Several of them (layer_norm, group_norm, bilinear) write their second-order rule with
``composite_gradients``, which differentiates the inputs it is given: a dual input that requires
no grad must still get its tangent. Checked against float64 central differences of the same
functions along the tangents, with the weights dual too.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn
from tt_autograd import forward_ad as fwAD
from tt_nn import functional as F

RNG = np.random.default_rng(4)
TARGET = autograd.tensor([1, 0, 2])

CASES = {
    "linear_gelu": (lambda x, w, b: F.gelu(F.linear(x, w, b)), [(3, 4), (5, 4), (5,)]),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (4,), w, b), [(3, 4), (4,), (4,)]),
    "group_norm": (lambda x, w, b: F.group_norm(x, 2, w, b), [(3, 4, 2), (4,), (4,)]),
    "bilinear": (lambda x, y, w: F.bilinear(x, y, w), [(3, 2), (3, 4), (5, 2, 4)]),
    "cross_entropy": (lambda x, w, b: F.cross_entropy(F.linear(x, w, b), TARGET), [(3, 4), (3, 4), (3,)]),
    "log_softmax_mse": (
        lambda x, w, b: F.mse_loss(F.log_softmax(x * w, dim=1), b.expand(3, 4)),
        [(3, 4), (4,), (4,)],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_tangents_match_central_differences(name):
    f, shapes = CASES[name]
    primals = [autograd.tensor(RNG.uniform(-1, 1, s), dtype=autograd.float64) for s in shapes]
    tangents = [autograd.tensor(RNG.uniform(-1, 1, s), dtype=autograd.float64) for s in shapes]
    with fwAD.dual_level():
        out = f(*[fwAD.make_dual(p, t) for p, t in zip(primals, tangents)])
        tangent = fwAD.unpack_dual(out).tangent
    h = 1e-6
    up = f(*[p + h * t for p, t in zip(primals, tangents)]).numpy()
    down = f(*[p - h * t for p, t in zip(primals, tangents)]).numpy()
    np.testing.assert_allclose(tangent.numpy(), (up - down) / (2 * h), rtol=1e-6, atol=1e-8)


def test_only_the_input_dual_in_a_model_that_requires_grad():
    x, t = autograd.tensor(RNG.uniform(-1, 1, (2, 4))), autograd.tensor(RNG.uniform(-1, 1, (2, 4)))
    layer = tt_nn.Linear(4, 3)
    norm = tt_nn.LayerNorm(3)
    with fwAD.dual_level():
        out = norm(layer(fwAD.make_dual(x, t)))
        assert out.requires_grad  # the parameters require grad
        tangent = fwAD.unpack_dual(out).tangent
    with autograd.no_grad():
        h = 1e-3  # float32: a coarser step, and tolerance
        expected = (norm(layer(x + h * t)) - norm(layer(x - h * t))).numpy() / (2 * h)
    np.testing.assert_allclose(tangent.detach().numpy(), expected, rtol=2e-2, atol=2e-3)
