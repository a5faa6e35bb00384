"""Forward-mode AD through group_norm and bilinear: their own ``jvp`` and recorded ``graph_jvp``.

Each case: with primals and tangents requiring grad, the tangent and the gradients of
``⟨tangent, w⟩`` equal the double vjp's (rules removed) while the double vjp is made to fail;
the tangent equals float64 central differences; with nothing requiring grad the one-pass rule
(``graph_backward`` made to fail) gives it too. With and without the affine weight and bias,
spatial dims, one group and one channel per group; bilinear with leading dims, with and
without bias, and with constant inputs (only some tangents given).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.forward_ad_check import check_jvp_rules
from tt_nn import functional as F
from tt_nn.functional.bilinear import BilinearFunction
from tt_nn.functional.normalization_extra import GroupNormFunction

GN, BL = [GroupNormFunction], [BilinearFunction]
X = autograd.tensor(np.random.default_rng(3030).uniform(-1, 1, (2, 4, 3)))  # a constant input: no tangent

CASES = {  # name: (function, input shapes, Functions whose rules must run)
    "affine": (lambda x, w, b: F.group_norm(x, 2, w, b) ** 2, [(3, 4, 2), (4,), (4,)], GN),
    "weight_only": (lambda x, w: F.group_norm(x * x, 2, w) * x, [(2, 4, 3), (4,)], GN),
    "plain_one_group": (lambda x: F.group_norm(x, 1) ** 3, [(2, 3, 2, 2)], GN),
    "one_channel_per_group": (lambda x, b: F.group_norm(x, 3, bias=b) * x, [(2, 3, 4), (3,)], GN),
    "no_spatial": (lambda x, w, b: F.group_norm(x, 2, w * w, b) ** 2, [(3, 4), (4,), (4,)], GN),
    "constant_input": (lambda w, b: F.group_norm(X, 2, w, b) ** 2, [(4,), (4,)], GN),
    "bilinear": (lambda x, y, w, b: F.bilinear(x, y, w, b) ** 2, [(3, 2), (3, 4), (5, 2, 4), (5,)], BL),
    "bilinear_leading_dims": (
        lambda x, y, w: F.bilinear(x, y * x[..., :1], w),
        [(2, 3, 2), (2, 3, 3), (4, 2, 3)],
        BL,
    ),
    "bilinear_weight_only": (lambda w: F.bilinear(X[0, :2], X[1, :2], w) ** 2, [(4, 3, 3)], BL),
    "bilinear_inputs_only": (lambda x, y: F.bilinear(x, y, X[:, :3]) * x[:, :1], [(2, 3), (2, 3)], BL),
    "bilinear_bias_only": (lambda b: F.bilinear(X[0, :2], X[1, :2], X[:, :3] ** 2, b) ** 2, [(2,)], BL),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rules_match_the_double_vjp_and_central_differences(name):
    f, shapes, functions = CASES[name]
    check_jvp_rules(f, shapes, functions, seed=len(name), rtol=1e-10, atol=1e-12)
