"""The extra margin losses: ``margin_ranking_loss``, ``hinge_embedding_loss``, ``cosine_embedding_loss``,
``triplet_margin_loss``, ``multi_margin_loss``, ``multilabel_margin_loss`` and their Modules - values against
NumPy references written from the documented formulas, every reduction, float64 gradients away from the
hinges' kinks, PyTorch's conventions (pinned from PyTorch), dtype, reprs and bad arguments.

Not course material (outside module 05's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_nn import functional as F

REDUCTIONS = ["mean", "sum", "none"]


def _reduce(values: np.ndarray, reduction: str) -> np.ndarray:
    return values if reduction == "none" else (values.sum() if reduction == "sum" else values.mean())


def _t(array, requires_grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(
        np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=requires_grad
    )


def _labels(array) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.int64))


def _signs(rng, shape) -> np.ndarray:
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0)


# ----------------------------------------------------------------- NumPy references (the documented formulas)


def ranking_reference(x1, x2, y, margin):
    return np.maximum(0.0, -y * (x1 - x2) + margin)


def hinge_embedding_reference(x, y, margin):
    return np.where(y == 1, x, 0.0) + np.where(y == -1, np.maximum(0.0, margin - x), 0.0)


def cosine_embedding_reference(x1, x2, y, margin):
    cos = (x1 * x2).sum(-1) / (np.linalg.norm(x1, axis=-1) * np.linalg.norm(x2, axis=-1))
    return np.where(y == 1, 1 - cos, np.where(y == -1, np.maximum(0.0, cos - margin), 0.0))


def triplet_reference(a, pos, neg, margin, p, eps, swap):
    def distance(u, v):
        return (np.abs(u - v + eps) ** p).sum(-1) ** (1 / p)

    negative = distance(a, neg)
    if swap:
        negative = np.minimum(negative, distance(pos, neg))
    return np.maximum(0.0, margin + distance(a, pos) - negative)


def multi_margin_reference(x, y, p, margin, weight):
    x = np.atleast_2d(x)
    n, classes = x.shape
    w = np.ones(classes) if weight is None else weight
    out = np.zeros(n)
    for row in range(n):  # a plain loop over samples: this is the reference, not the code under test
        t = y.reshape(-1)[row]
        for i in range(classes):
            if i != t:
                out[row] += w[t] * max(0.0, margin - x[row, t] + x[row, i]) ** p / classes
    return out


def multilabel_margin_reference(x, target):
    x, target = np.atleast_2d(x), np.atleast_2d(target)
    n, classes = x.shape
    out = np.zeros(n)
    for row in range(n):
        labels = []
        for value in target[row]:
            if value == -1:
                break
            labels.append(value)
        for j in labels:
            for i in range(classes):
                if i not in labels:
                    out[row] += max(0.0, 1 - (x[row, j] - x[row, i])) / classes
    return out


# ----------------------------------------------------------------- margin ranking and hinge embedding


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
def test_margin_ranking_values(reduction, margin, rng, check):
    x1, x2, y = rng.standard_normal(6), rng.standard_normal(6), _signs(rng, 6)
    expected = _reduce(ranking_reference(x1, x2, y, margin), reduction)
    check(
        F.margin_ranking_loss(_t(x1), _t(x2), _t(y), margin=margin, reduction=reduction), expected, rtol=1e-12
    )
    module = nn.MarginRankingLoss(margin=margin, reduction=reduction)
    check(module(_t(x1), _t(x2), _t(y)), expected, rtol=1e-12)


def test_margin_ranking_defaults_broadcasting_and_integer_target(rng, check):
    x1, x2, y = rng.standard_normal((1, 4)), rng.standard_normal((3, 1)), _signs(rng, (3, 4))
    check(F.margin_ranking_loss(_t(x1), _t(x2), _t(y), reduction="none"), ranking_reference(x1, x2, y, 0.0))
    check(F.margin_ranking_loss(_t(x1), _t(x2), _labels(y)), ranking_reference(x1, x2, y, 0.0).mean())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.3])
def test_hinge_embedding_values(reduction, margin, rng, check):
    x, y = np.abs(rng.standard_normal((4, 3))), _signs(rng, (4, 3))
    expected = _reduce(hinge_embedding_reference(x, y, margin), reduction)
    check(F.hinge_embedding_loss(_t(x), _t(y), margin=margin, reduction=reduction), expected, rtol=1e-12)
    module = nn.HingeEmbeddingLoss(margin=margin, reduction=reduction)
    check(module(_t(x), _t(y)), expected, rtol=1e-12)
    check(F.hinge_embedding_loss(_t(x), _labels(y), margin=margin, reduction=reduction), expected, rtol=1e-12)


def test_hinge_embedding_other_labels_follow_pytorch():
    # pinned from PyTorch: a label neither 1 nor -1 gets both terms, x + max(0, margin - x)
    x, y = _t([0.5, 0.5, 0.5, 2.0, -1.0]), _t([1.0, -1.0, 0.0, -1.0, 2.0])
    np.testing.assert_allclose(
        F.hinge_embedding_loss(x, y, reduction="none").numpy(), [0.5, 0.5, 1.0, 0.0, 1.0]
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ranking_and_hinge_gradients(reduction, rng, leaf, check_grad):
    x1, x2 = leaf(3, 4), leaf(3, 4)
    y = _signs(rng, (3, 4))
    gap = -y * (x1.detach().numpy() - x2.detach().numpy()) + 0.2
    keep_off_kink = _t(np.where(np.abs(gap) < 0.1, 0.0, y), requires_grad=True)  # label 0: no hinge there
    check_grad(
        lambda a, b, t: F.margin_ranking_loss(a, b, t, margin=0.2, reduction=reduction), x1, x2, keep_off_kink
    )
    d = np.abs(rng.standard_normal((3, 4))) * 2
    d[np.abs(d - 1.0) < 0.1] += 0.3  # off the kink at the margin
    distances = _t(d, requires_grad=True)
    check_grad(lambda d: F.hinge_embedding_loss(d, _t(y), reduction=reduction), distances)


# ----------------------------------------------------------------- cosine embedding


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3, -0.5])
def test_cosine_embedding_values(reduction, margin, rng, check):
    x1, x2 = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    y = np.array([1.0, -1.0, 1.0, -1.0, 0.0])  # 0: neither term, as in PyTorch
    expected = _reduce(cosine_embedding_reference(x1, x2, y, margin), reduction)
    check(
        F.cosine_embedding_loss(_t(x1), _t(x2), _t(y), margin=margin, reduction=reduction),
        expected,
        rtol=1e-10,
    )
    module = nn.CosineEmbeddingLoss(margin=margin, reduction=reduction)
    check(module(_t(x1), _t(x2), _labels(y)), expected, rtol=1e-10)


def test_cosine_embedding_unbatched_and_zero_vectors(rng, check):
    x1, x2 = rng.standard_normal(4), rng.standard_normal(4)
    check(F.cosine_embedding_loss(_t(x1), _t(x2), _t(-1.0), reduction="none"),
          cosine_embedding_reference(x1, x2, np.array(-1.0), 0.0), rtol=1e-10)  # fmt: skip
    zero = F.cosine_embedding_loss(
        _t(np.zeros((2, 3))), _t(np.ones((2, 3))), _t([1.0, -1.0]), reduction="none"
    )
    np.testing.assert_allclose(zero.numpy(), [1.0, 0.0])  # a zero vector has cosine 0, not NaN
    # PyTorch adds 1e-12 to each squared norm; it shows on tiny vectors (values pinned from PyTorch)
    tiny1, tiny2 = _t([[1e-7, 0.0], [3e-7, -1e-7]]), _t([[1e-7, 0.0], [2e-7, 2e-7]])
    tiny = F.cosine_embedding_loss(tiny1, tiny2, _t([1.0, -1.0]), margin=-0.5, reduction="none")
    np.testing.assert_allclose(tiny.numpy(), [0.99009901, 0.53669879], rtol=1e-7)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding_gradients(reduction, leaf, check_grad):
    x1, x2 = leaf(4, 3), leaf(4, 3)
    cos = cosine_embedding_reference(x1.detach().numpy(), x2.detach().numpy(), -np.ones(4), 0.0)
    y = _t(np.where(np.abs(cos) < 0.05, 1.0, [1.0, -1.0, -1.0, 1.0]))
    check_grad(lambda a, b: F.cosine_embedding_loss(a, b, y, margin=0.0, reduction=reduction), x1, x2)


# ----------------------------------------------------------------- triplet margin


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"margin": 2.0},
        {"p": 1},
        {"p": 3, "eps": 1e-3},
        {"swap": True, "margin": 3.0},
        {"swap": True, "p": 1},
    ],
)
def test_triplet_values(reduction, options, rng, check):
    a, pos, neg = (rng.standard_normal((6, 4)) for _ in range(3))
    settings = {"margin": 1.0, "p": 2, "eps": 1e-6, "swap": False, **options}
    expected = _reduce(triplet_reference(a, pos, neg, **settings), reduction)
    check(
        F.triplet_margin_loss(_t(a), _t(pos), _t(neg), reduction=reduction, **options), expected, rtol=1e-10
    )
    module = nn.TripletMarginLoss(reduction=reduction, **options)
    check(module(_t(a), _t(pos), _t(neg)), expected, rtol=1e-10)


def test_triplet_unbatched_and_broadcast(rng, check):
    a, pos, neg = rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal(4)
    expected = triplet_reference(a, pos, neg, 1.0, 2, 1e-6, False)
    check(F.triplet_margin_loss(_t(a), _t(pos), _t(neg), reduction="none"), expected, rtol=1e-10)
    batch = rng.standard_normal((3, 4))
    expected = triplet_reference(a[None], batch, neg[None], 1.0, 2, 1e-6, True)
    check(F.triplet_margin_loss(_t(a[None]), _t(batch), _t(neg[None]), swap=True, reduction="none"), expected)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"p": 1}, {"swap": True, "margin": 4.0}])
def test_triplet_gradients(reduction, options, rng, leaf, check_grad):
    a, pos, neg = leaf(4, 3), leaf(4, 3), leaf(4, 3)
    settings = {"margin": 1.0, "p": 2, "eps": 1e-6, "swap": False, **options}
    with_margin = triplet_reference(*(t.detach().numpy() for t in (a, pos, neg)), **settings)
    without = triplet_reference(*(t.detach().numpy() for t in (a, pos, neg)), **{**settings, "margin": 1e3})
    assert np.all((with_margin > 1e-3) | (without - 1e3 + settings["margin"] < -1e-3))  # off the hinge's kink
    check_grad(lambda x, y, z: F.triplet_margin_loss(x, y, z, reduction=reduction, **options), a, pos, neg)


# ----------------------------------------------------------------- multi-class hinges


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin_values(reduction, p, weighted, rng, check):
    x, y = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    weight = rng.random(4) + 0.5 if weighted else None
    expected = _reduce(multi_margin_reference(x, y, p, 0.7, weight), reduction)
    w = None if weight is None else _t(weight)
    check(
        F.multi_margin_loss(_t(x), _labels(y), p=p, margin=0.7, weight=w, reduction=reduction),
        expected,
        rtol=1e-12,
    )
    module = nn.MultiMarginLoss(p=p, margin=0.7, weight=w, reduction=reduction)
    check(module(_t(x), _labels(y)), expected, rtol=1e-12)


def test_multi_margin_pinned_from_pytorch_and_unbatched():
    x, y = _t([[0.1, 0.2, 0.4, 0.8], [0.5, -0.3, 0.2, 0.1]]), _labels([3, 0])
    w = _t([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(F.multi_margin_loss(x, y, reduction="none").numpy(), [0.325, 0.375])
    np.testing.assert_allclose(F.multi_margin_loss(x, y, weight=w, reduction="none").numpy(), [1.3, 0.375])
    np.testing.assert_allclose(
        F.multi_margin_loss(x, y, weight=w).item(), 0.8375
    )  # a plain mean over samples
    np.testing.assert_allclose(
        F.multi_margin_loss(x, y, p=2, weight=w, reduction="none").numpy(), [0.61, 0.2225]
    )
    single = F.multi_margin_loss(x[0], _labels(3), reduction="none")
    assert single.shape == () and np.isclose(single.item(), 0.325)
    assert F.multi_margin_loss(x[0], _labels([3]), reduction="none").shape == (1,)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_values(reduction, rng, check):
    x = rng.standard_normal((5, 4))
    target = np.array([[3, 0, -1, 1], [1, 1, -1, 2], [-1, 0, 0, 0], [0, 1, 2, 3], [2, -1, -1, -1]])
    expected = _reduce(multilabel_margin_reference(x, target), reduction)
    check(F.multilabel_margin_loss(_t(x), _labels(target), reduction=reduction), expected, rtol=1e-12)
    check(nn.MultiLabelMarginLoss(reduction=reduction)(_t(x), _labels(target)), expected, rtol=1e-12)


def test_multilabel_margin_pinned_from_pytorch_and_unbatched():
    x = _t([[0.1, 0.2, 0.4, 0.8], [0.5, -0.3, 0.2, 0.1]])
    target = _labels([[3, 0, -1, 1], [1, 1, -1, 2]])  # labels {3, 0}; then {1} listed twice (counted twice)
    np.testing.assert_allclose(F.multilabel_margin_loss(x, target, reduction="none").numpy(), [0.85, 2.35])
    single = F.multilabel_margin_loss(x[0], target[0], reduction="none")
    assert single.shape == () and np.isclose(single.item(), 0.85)
    none_listed = F.multilabel_margin_loss(x, _labels([[-1, 0, 1, 2], [-1, 1, 1, 1]]), reduction="none")
    np.testing.assert_allclose(none_listed.numpy(), [0.0, 0.0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multi_class_hinge_gradients(reduction, rng, check_grad):
    x = _t(rng.permutation(24).reshape(6, 4) * 0.37 - 4, requires_grad=True)  # gaps never 1 or 0.7
    y = _labels(rng.integers(0, 4, 6))
    weight = _t(rng.random(4) + 0.5)
    for p in (1, 2):
        check_grad(
            lambda a, p=p: F.multi_margin_loss(a, y, p=p, margin=0.7, weight=weight, reduction=reduction), x
        )
    target = _labels(
        [[3, 0, -1, 1], [1, 1, -1, 2], [-1, 0, 0, 0], [0, 1, 2, 3], [2, -1, -1, -1], [0, 2, -1, 3]]
    )
    check_grad(lambda a: F.multilabel_margin_loss(a, target, reduction=reduction), x)


# ----------------------------------------------------------------- dtype, modules, bad arguments

CALLS = {
    "margin_ranking_loss": lambda x, r="mean": F.margin_ranking_loss(x, x * 0.5, x.sign(), reduction=r),
    "hinge_embedding_loss": lambda x, r="mean": F.hinge_embedding_loss(x.abs(), x.sign(), reduction=r),
    "cosine_embedding_loss": lambda x, r="mean": F.cosine_embedding_loss(
        x, x.flip(0), x[:, 0].sign(), reduction=r
    ),
    "triplet_margin_loss": lambda x, r="mean": F.triplet_margin_loss(x, x * 0.5, x.flip(0), reduction=r),
    "multi_margin_loss": lambda x, r="mean": F.multi_margin_loss(x, _labels([0, 1, 2]), reduction=r),
    "multilabel_margin_loss": lambda x, r="mean": F.multilabel_margin_loss(
        x, _labels([[0, -1, 0, 0], [1, 2, -1, 0], [3, 0, 1, 2]]), reduction=r
    ),
}


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_float32_stays_float32(name, reduction):
    x = autograd.randn(3, 4, requires_grad=True)
    loss = CALLS[name](x, reduction)
    assert loss.dtype == autograd.float32
    loss.sum().backward()
    assert x.grad.dtype == autograd.float32


@pytest.mark.parametrize("name", sorted(CALLS))
def test_invalid_reduction_is_refused(name):
    with pytest.raises(ValueError, match=rf"{name}: 'avg' is not a valid value for reduction"):
        CALLS[name](autograd.randn(3, 4), "avg")


MODULES = [
    (nn.MarginRankingLoss(margin=0.5), "MarginRankingLoss()"),
    (nn.HingeEmbeddingLoss(margin=2.0), "HingeEmbeddingLoss()"),
    (nn.CosineEmbeddingLoss(margin=0.1), "CosineEmbeddingLoss()"),
    (nn.TripletMarginLoss(margin=0.2, p=1, swap=True), "TripletMarginLoss()"),
    (nn.MultiMarginLoss(p=2), "MultiMarginLoss()"),
    (nn.MultiLabelMarginLoss(), "MultiLabelMarginLoss()"),
]


@pytest.mark.parametrize(("module", "text"), MODULES, ids=[text for _, text in MODULES])
def test_module_repr_like_pytorch(module, text):
    assert repr(module) == text  # PyTorch's loss modules have no extra_repr


def test_module_defaults_and_weight_buffer():
    assert nn.MarginRankingLoss().margin == 0.0 and nn.HingeEmbeddingLoss().margin == 1.0
    assert nn.CosineEmbeddingLoss().margin == 0.0
    triplet = nn.TripletMarginLoss()
    assert (triplet.margin, triplet.p, triplet.eps, triplet.swap) == (1.0, 2.0, 1e-6, False)
    multi = nn.MultiMarginLoss()
    assert (multi.p, multi.margin, multi.weight, multi.reduction) == (1, 1.0, None, "mean")
    weighted = nn.MultiMarginLoss(weight=autograd.ones(3))
    assert list(weighted.state_dict()) == ["weight"]
    with pytest.raises(ValueError, match=r"MultiMarginLoss: only p == 1 and p == 2 are supported, got p=3"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match=r"TripletMarginLoss: margin must be greater than 0, got 0"):
        nn.TripletMarginLoss(margin=0)
    with pytest.warns(UserWarning, match=r"reduction='sum'"):
        assert nn.MultiLabelMarginLoss(size_average=False).reduction == "sum"


def test_pair_losses_bad_arguments():
    x = autograd.randn(3, 4)
    with pytest.raises(
        ValueError, match=r"margin_ranking_loss: all inputs must have the same number of dimensions"
    ):
        F.margin_ranking_loss(autograd.randn(2), autograd.randn(1, 2), autograd.ones(2))
    with pytest.raises(
        ValueError, match=r"margin_ranking_loss: input1 of shape \(3,\), input2 of shape \(2,\)"
    ):
        F.margin_ranking_loss(autograd.randn(3), autograd.randn(2), autograd.ones(3))
    with pytest.raises(
        ValueError, match=r"hinge_embedding_loss: input of shape \(3, 4\), target of shape \(3,\)"
    ):
        F.hinge_embedding_loss(x, autograd.ones(3))
    with pytest.raises(TypeError, match=r"margin_ranking_loss: 'input1' must be a floating-point tensor"):
        F.margin_ranking_loss(_labels([1]), autograd.randn(1), autograd.ones(1))
    with pytest.raises(
        ValueError, match=r"cosine_embedding_loss: expected inputs \(N, D\) with a target \(N,\)"
    ):
        F.cosine_embedding_loss(x[None], x[None], autograd.ones(3))
    with pytest.raises(ValueError, match=r"cosine_embedding_loss: expected inputs"):
        F.cosine_embedding_loss(x, x, autograd.ones(1, 3))
    with pytest.raises(ValueError, match=r"cosine_embedding_loss: expected inputs"):
        F.cosine_embedding_loss(x[None], x[None], autograd.ones(1, 3))  # PyTorch: multi-target not supported
    with pytest.raises(ValueError, match=r"cosine_embedding_loss: expected inputs"):
        F.cosine_embedding_loss(x, x[0], autograd.ones(3))
    with pytest.raises(
        ValueError, match=r"cosine_embedding_loss: input1 \(3, 4\) and input2 \(3, 5\) must have"
    ):
        F.cosine_embedding_loss(x, autograd.randn(3, 5), autograd.ones(3))
    with pytest.raises(
        ValueError, match=r"cosine_embedding_loss: .* one row per target entry \(target \(2,\)\)"
    ):
        F.cosine_embedding_loss(x, x, autograd.ones(2))
    dims = (
        r"all inputs must have the same number of dimensions, got anchor \(3, 4\), positive \(4,\), negative"
    )
    with pytest.raises(ValueError, match=rf"triplet_margin_loss: {dims} \(3, 4\)"):
        F.triplet_margin_loss(x, x[0], x)
    with pytest.raises(
        ValueError, match=r"triplet_margin_loss: anchor of shape \(3, 4\), positive of shape \(2, 4\)"
    ):
        F.triplet_margin_loss(x, autograd.randn(2, 4), x)
    with pytest.raises(ValueError, match=r"triplet_margin_loss: margin must be greater than 0, got -1"):
        F.triplet_margin_loss(x, x, x, margin=-1.0)
    with pytest.raises(ValueError, match=r"triplet_margin_loss: margin must be greater than 0, got 0"):
        F.triplet_margin_loss(x, x, x, margin=0.0)


def test_multi_class_bad_arguments():
    x = autograd.randn(2, 4)
    with pytest.raises(ValueError, match=r"multi_margin_loss: only p == 1 and p == 2 are supported, got p=3"):
        F.multi_margin_loss(x, _labels([0, 1]), p=3)
    with pytest.raises(IndexError, match=r"multi_margin_loss: target 4 is out of range \[0, 3\]"):
        F.multi_margin_loss(x, _labels([4, 0]))
    with pytest.raises(IndexError, match=r"multi_margin_loss: target -1 is out of range"):
        F.multi_margin_loss(x, _labels([-1, 0]))
    one_per_sample = r"target must be 1-D with one class index per sample, shape \(2,\), got \(3,\)"
    with pytest.raises(ValueError, match=rf"multi_margin_loss: {one_per_sample}"):
        F.multi_margin_loss(x, _labels([0, 1, 2]))
    with pytest.raises(ValueError, match=r"multi_margin_loss: target must be 1-D"):
        F.multi_margin_loss(x, _labels([[0], [1]]))
    with pytest.raises(
        ValueError, match=r"multi_margin_loss: weight must have one entry per class, shape \(4,\)"
    ):
        F.multi_margin_loss(x, _labels([0, 1]), weight=autograd.ones(2))
    with pytest.raises(
        ValueError, match=r"multi_margin_loss: expected a non-empty input \(N, C\) or \(C,\), got"
    ):
        F.multi_margin_loss(x[None], _labels([0, 1]))
    with pytest.raises(ValueError, match=r"multi_margin_loss: expected a non-empty input"):
        F.multi_margin_loss(autograd.randn(2, 0), _labels([0, 1]))
    with pytest.raises(
        TypeError, match=r"multi_margin_loss: target must be an integer tensor .*, got float32"
    ):
        F.multi_margin_loss(x, autograd.tensor([0.0, 1.0]))
    with pytest.raises(
        ValueError, match=r"multilabel_margin_loss: target of shape \(2, 3\) must have the input's"
    ):
        F.multilabel_margin_loss(x, _labels([[0, 1, -1], [1, -1, 0]]))
    with pytest.raises(IndexError, match=r"multilabel_margin_loss: target values must be in \[-1, 3\]"):
        F.multilabel_margin_loss(x, _labels([[4, 0, -1, 1], [1, -1, 0, 0]]))
    with pytest.raises(IndexError, match=r"multilabel_margin_loss: target values must be in \[-1, 3\]"):
        F.multilabel_margin_loss(x, _labels([[-2, 0, -1, 1], [1, -1, 0, 0]]))
    with pytest.raises(TypeError, match=r"multilabel_margin_loss: target must be an integer tensor"):
        F.multilabel_margin_loss(x, x)
