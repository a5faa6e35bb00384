"""Forward over forward (``jacfwd(jacfwd(f))``, nested forward-AD levels) through tt-nn's functions.

An inner level's tangent must be recorded so the outer level differentiates it: a graph_jvp where
the Function has one (layer_norm, log_softmax, cross_entropy, the symmetric activations), else the
double vjp's recorded pass, whose fresh input leaves must carry the outer tangents (group_norm and
bilinear differentiate their inputs through ``composite_gradients``). The reference is
``jacrev(jacrev(f))``.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.transforms import jacfwd, jacrev
from tt_nn import functional as F

pytestmark = pytest.mark.filterwarnings("ignore:vmap. there is no batching rule")  # (group_norm, bilinear)
RNG = np.random.default_rng(2935)
W = autograd.tensor(RNG.uniform(-1, 1, (2, 4, 2)), dtype=autograd.float64)
TARGET = autograd.tensor([1, 0])
Y = autograd.tensor(RNG.uniform(-1, 1, (2, 3)), dtype=autograd.float64)
B = autograd.tensor(RNG.uniform(-1, 1, (2, 4, 3)), dtype=autograd.float64)

CASES = {  # name: function of x (2, 4, 2) to a scalar
    "group_norm": lambda x: (F.group_norm(x, 2) * W).sum() ** 2,
    "layer_norm_gelu": lambda x: F.gelu(F.layer_norm(x, (4, 2)) * W).sum(),
    "log_softmax_cross_entropy": lambda x: F.cross_entropy(F.log_softmax(x.sum(2), dim=1), TARGET),
    "softmax": lambda x: (F.softmax(x, dim=1) * W).sum() ** 2,
    "bilinear": lambda x: F.bilinear(x.sum(2), Y, B).sin().sum(),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_over_forward_equals_reverse_over_reverse(name):
    f = CASES[name]
    x = autograd.tensor(RNG.uniform(-1, 1, (2, 4, 2)), dtype=autograd.float64)
    found = jacfwd(jacfwd(f))(x)
    assert not found.requires_grad
    np.testing.assert_allclose(found.numpy(), jacrev(jacrev(f))(x).numpy(), rtol=1e-9, atol=1e-11)
