"""``F.triplet_margin_with_distance_loss``, ``nn.TripletMarginWithDistanceLoss`` and ``nn.PairwiseDistance``:
values against NumPy references written from the formulas (the default and a custom distance, swap, every
reduction), float64 gradients away from the hinge, PyTorch's reprs (the default distance is a
``PairwiseDistance`` child), state dicts, dtype and bad arguments.

Not course material (outside module 05's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_nn import functional as F

REDUCTIONS = ["mean", "sum", "none"]


def _t(array, requires_grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(
        np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=requires_grad
    )


def _reduce(values: np.ndarray, reduction: str) -> np.ndarray:
    return values if reduction == "none" else (values.sum() if reduction == "sum" else values.mean())


def pairwise_reference(x1, x2, p=2.0, eps=1e-6):
    return (np.abs(x1 - x2 + eps) ** p).sum(-1) ** (1 / p)


def cosine_distance_reference(x1, x2):
    return 1 - (x1 * x2).sum(-1) / (np.linalg.norm(x1, axis=-1) * np.linalg.norm(x2, axis=-1))


def cosine_distance(x1, x2):
    return 1 - F.cosine_similarity(x1, x2, dim=-1)


def triplet_reference(a, pos, neg, distance, margin, swap):
    negative = distance(a, neg)
    if swap:
        negative = np.minimum(negative, distance(pos, neg))
    return np.maximum(0.0, margin + distance(a, pos) - negative)


@pytest.fixture
def triplet(rng):
    return rng.standard_normal((3, 6, 4))  # anchor, positive, negative: 6 samples of 4 features


# ----------------------------------------------------------------- the loss


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
def test_default_distance_values(triplet, check, reduction, swap):
    a, pos, neg = triplet
    expected = triplet_reference(a, pos, neg, pairwise_reference, 1.5, swap)
    out = F.triplet_margin_with_distance_loss(
        _t(a), _t(pos), _t(neg), margin=1.5, swap=swap, reduction=reduction
    )
    check(out, _reduce(expected, reduction))
    same = F.triplet_margin_loss(_t(a), _t(pos), _t(neg), margin=1.5, swap=swap, reduction=reduction)
    check(out, same.numpy())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
def test_custom_distance_values(triplet, check, reduction, swap):
    a, pos, neg = triplet
    expected = triplet_reference(a, pos, neg, cosine_distance_reference, 0.4, swap)
    assert 0 < (expected > 0).sum() < 6  # some hinges active, some not
    out = F.triplet_margin_with_distance_loss(
        _t(a), _t(pos), _t(neg), distance_function=cosine_distance, margin=0.4, swap=swap, reduction=reduction
    )
    check(out, _reduce(expected, reduction))


def test_swap_takes_the_smaller_negative_distance(check):
    a, pos, neg = _t([[0.0, 0.0]]), _t([[3.0, 0.0]]), _t([[4.0, 0.0]])  # d(a,n) = 4 > d(p,n) = 1
    manhattan = lambda x1, x2: (x1 - x2).abs().sum(-1)  # noqa: E731
    plain = F.triplet_margin_with_distance_loss(a, pos, neg, distance_function=manhattan, margin=0.5)
    swapped = F.triplet_margin_with_distance_loss(
        a, pos, neg, distance_function=manhattan, margin=0.5, swap=True
    )
    check(plain, 0.0)
    check(swapped, 0.5 + 3.0 - 1.0)


def test_unbatched(triplet, check):
    a, pos, neg = triplet[:, 0]
    out = F.triplet_margin_with_distance_loss(_t(a), _t(pos), _t(neg), reduction="none")
    check(out, triplet_reference(a, pos, neg, pairwise_reference, 1.0, False))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
def test_gradcheck(triplet, check_grad, reduction, swap):
    a, pos, neg = (_t(x, requires_grad=True) for x in triplet)
    options = dict(margin=2.0, swap=swap, reduction=reduction)
    check_grad(lambda x, y, z: F.triplet_margin_with_distance_loss(x, y, z, **options), a, pos, neg)
    check_grad(
        lambda x, y, z: F.triplet_margin_with_distance_loss(
            x, y, z, distance_function=cosine_distance, margin=0.4, swap=swap, reduction=reduction
        ),
        a, pos, neg,
    )  # fmt: skip


def test_module(triplet, check):
    a, pos, neg = (_t(x) for x in triplet)
    default = nn.TripletMarginWithDistanceLoss()
    assert repr(default) == "TripletMarginWithDistanceLoss(\n  (distance_function): PairwiseDistance()\n)"
    assert isinstance(default.distance_function, nn.PairwiseDistance)
    assert (default.margin, default.swap, default.reduction) == (1.0, False, "mean")
    assert list(default.state_dict()) == []
    check(default(a, pos, neg), F.triplet_margin_with_distance_loss(a, pos, neg).numpy())
    custom = nn.TripletMarginWithDistanceLoss(distance_function=cosine_distance, margin=0.4, swap=True,
                                              reduction="sum")  # fmt: skip
    assert repr(custom) == "TripletMarginWithDistanceLoss()"
    expected = F.triplet_margin_with_distance_loss(
        a, pos, neg, distance_function=cosine_distance, margin=0.4, swap=True, reduction="sum"
    )
    check(custom(a, pos, neg), expected.numpy())


def test_float32_is_kept(triplet):
    a, pos, neg = (autograd.tensor(x.astype(np.float32)) for x in triplet)
    assert F.triplet_margin_with_distance_loss(a, pos, neg).dtype == autograd.float32
    assert nn.PairwiseDistance()(a, pos).dtype == autograd.float32


def test_bad_arguments(triplet):
    a, pos, neg = (_t(x) for x in triplet)
    op = "triplet_margin_with_distance_loss"
    with pytest.raises(ValueError, match=f"{op}: margin must be greater than 0, got 0"):
        F.triplet_margin_with_distance_loss(a, pos, neg, margin=0)
    with pytest.raises(
        ValueError, match="TripletMarginWithDistanceLoss: margin must be greater than 0, got -1"
    ):
        nn.TripletMarginWithDistanceLoss(margin=-1)
    with pytest.raises(
        ValueError, match="TripletMarginWithDistanceLoss: margin must be greater than 0, got 0"
    ):
        nn.TripletMarginWithDistanceLoss(margin=0)
    with pytest.raises(ValueError, match=f"{op}: all inputs must have the same number of dimensions"):
        F.triplet_margin_with_distance_loss(a, pos, neg[0])
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        F.triplet_margin_with_distance_loss(a, pos, neg, reduction="avg")
    with pytest.raises(TypeError, match=f"{op}: argument 'negative' must be a Tensor"):
        F.triplet_margin_with_distance_loss(a, pos, [1.0])
    with pytest.raises(TypeError, match="takes 3 positional arguments"):
        F.triplet_margin_with_distance_loss(a, pos, neg, None, 1.0)  # keyword-only, as in PyTorch


# ----------------------------------------------------------------- PairwiseDistance


@pytest.mark.parametrize(("p", "eps", "keepdim"), [(2.0, 1e-6, False), (1.0, 0.0, True), (3.0, 1e-3, False)])
def test_pairwise_distance_module(triplet, check, check_grad, p, eps, keepdim):
    a, pos, _ = triplet
    module = nn.PairwiseDistance(p=p, eps=eps, keepdim=keepdim)
    expected = pairwise_reference(a, pos, p, eps)
    check(module(_t(a), _t(pos)), expected[:, None] if keepdim else expected)
    check_grad(module, _t(a, requires_grad=True), _t(pos, requires_grad=True))


def test_pairwise_distance_repr_and_attributes():
    module = nn.PairwiseDistance(p=1.0, eps=0.0, keepdim=True)
    assert repr(module) == "PairwiseDistance()"  # PyTorch's shows no settings
    assert (module.norm, module.eps, module.keepdim) == (1.0, 0.0, True)
    assert list(module.state_dict()) == []
    defaults = nn.PairwiseDistance()
    assert (defaults.norm, defaults.eps, defaults.keepdim) == (2.0, 1e-6, False)
