"""Forward-mode AD through cross_entropy and log_softmax: own ``jvp`` and recorded ``graph_jvp``.

cross_entropy's tangent is ``⟨∂loss/∂logits, t⟩`` (backward at 1 times the tangent, summed over the
classes, or over everything for a reduced loss); its recorded form takes ``graph_backward`` at 1,
whose softmax of the logits is recorded, so the tangent is differentiable in the logits (forward
over reverse: a Hessian-vector product of a classifier's loss). log_softmax's recorded rule is its
own jvp on tensors. Each case: with primals and tangents requiring grad, the tangent and the
gradients of ``⟨tangent, w⟩`` equal the double vjp's (rules removed) while the double vjp is made to
fail; the tangent equals float64 central differences; with nothing requiring grad the one-pass rule
(``graph_backward`` made to fail) gives it too. Reductions, class weights, ignore_index, label
smoothing and ``(N, C, d)`` logits included.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import forward_ad as fwAD
from tt_autograd.forward_ad_check import check_jvp_rules
from tt_nn import functional as F
from tt_nn.functional.activations import LogSoftmaxFunction
from tt_nn.functional.losses import CrossEntropyFunction

RNG = np.random.default_rng(2931)
TARGET = autograd.tensor([1, 0, 2, 2])
TARGET_2D = autograd.tensor([[1, 0, 3], [2, 2, 0]])
WEIGHT = autograd.tensor([0.5, 2.0, 1.0, 1.5], dtype=autograd.float64)
CE = [CrossEntropyFunction]

CASES = {  # name: (function, input shapes, Functions whose rules must run)
    "ce_mean": (lambda x: F.cross_entropy(x, TARGET), [(4, 3)], CE),
    "ce_sum": (lambda x: F.cross_entropy(x * x, TARGET, reduction="sum"), [(4, 3)], CE),
    "ce_none": (lambda x: F.cross_entropy(x, TARGET, reduction="none") ** 2, [(4, 3)], CE),
    "ce_weight_ignore": (
        lambda x: F.cross_entropy(x, TARGET_2D, weight=WEIGHT, ignore_index=0),
        [(2, 4, 3)],
        CE,
    ),
    "ce_smoothing_none": (
        lambda x: F.cross_entropy(x, TARGET_2D, weight=WEIGHT, reduction="none", label_smoothing=0.2),
        [(2, 4, 3)],
        CE,
    ),
    "ce_of_a_product": (
        lambda x, w: F.cross_entropy(x @ w, TARGET, label_smoothing=0.1),
        [(4, 2), (2, 3)],
        CE,
    ),
    "log_softmax": (lambda x: F.log_softmax(x, dim=1) ** 2, [(3, 4)], [LogSoftmaxFunction]),
    "log_softmax_dim0": (lambda x, y: F.log_softmax(x * y, dim=0), [(3, 4), (4,)], [LogSoftmaxFunction]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_rules_match_the_double_vjp_and_central_differences(name):
    f, shapes, functions = CASES[name]
    check_jvp_rules(f, shapes, functions, seed=len(name), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("graph", [False, True])
def test_a_dual_class_weight_alone_gives_cross_entropy_a_zero_tangent(graph):
    """``weight`` gets no gradient from cross_entropy (as in PyTorch), so the generic rule gives it no
    tangent either: the loss's tangent is a zero of the loss's shape, in float32 like the loss."""
    x = autograd.tensor(RNG.uniform(-1, 1, (4, 4)), dtype=autograd.float32)
    with fwAD.dual_level():
        weight = fwAD.make_dual(
            autograd.tensor([1.0, 2.0, 1.0, 1.0], requires_grad=graph), autograd.tensor([1.0, 1.0, 1.0, 1.0])
        )
        loss = F.cross_entropy(x, TARGET, weight=weight, reduction="none")
        tangent = fwAD.unpack_dual(loss).tangent
    assert tangent.shape == (4,) and tangent.dtype == autograd.float32
    assert not tangent.detach().numpy().any()
