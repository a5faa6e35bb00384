"""Module 05's optional extras: ``cross_entropy``'s class weights, ``ignore_index`` and label smoothing,
alone and together, against PyTorch's formula (``tito module test 05 --extras``; ``complete`` does not
need them). The plain loss is the core's: ``test_05_cross_entropy.py``."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from hypothesis import given, settings
from hypothesis import strategies as st
from tt_nn import functional as F

CASES = [
    case
    for case in itertools.product(["mean", "sum", "none"], [0.0, 0.15], [False, True], [False, True])
    if case[1:] != (0.0, False, False)
]  # the plain case is the core's


@pytest.mark.parametrize(("reduction", "smoothing", "weighted", "ignoring"), CASES)
def test_options_match_pytorchs_formula(reduction, smoothing, weighted, ignoring, rng, check, reference):
    logits = rng.standard_normal((7, 5)) * 3
    target = rng.integers(0, 5, 7)
    if ignoring:
        target[[1, 4]] = -100
    weight = rng.uniform(0.2, 2.0, 5) if weighted else None
    out = F.cross_entropy(
        autograd.tensor(logits), autograd.tensor(target),
        weight=None if weight is None else autograd.tensor(weight),
        reduction=reduction, label_smoothing=smoothing,
    )  # fmt: skip
    check(out, reference(logits, target, weight, -100, reduction, smoothing), rtol=1e-12)


@pytest.mark.parametrize(("reduction", "smoothing", "weighted", "ignoring"), CASES)
def test_options_gradients_match_central_differences(
    reduction, smoothing, weighted, ignoring, rng, leaf, check_grad
):
    logits = leaf(6, 4, scale=2.0)
    target = rng.integers(0, 4, 6)
    if ignoring:
        target[2] = -100
    t = autograd.tensor(target)
    weight = autograd.tensor(rng.uniform(0.2, 2.0, 4)) if weighted else None
    check_grad(
        lambda z: F.cross_entropy(z, t, weight=weight, reduction=reduction, label_smoothing=smoothing), logits
    )


@pytest.mark.parametrize("shape", [(2, 3, 4), (3, 5, 2, 2), (1, 2, 1)])
def test_spatial_inputs_with_every_option(shape, rng, leaf, check, check_grad, reference):
    logits = leaf(*shape)
    target = rng.integers(0, shape[1], (shape[0], *shape[2:]))
    target.flat[-1] = 7  # ignored with ignore_index=7
    target.flat[0] = 0  # and at least one target counts
    weight = autograd.tensor(rng.uniform(0.5, 1.5, shape[1]))
    options = dict(weight=weight, ignore_index=7, label_smoothing=0.1)
    check_grad(lambda z: F.cross_entropy(z, autograd.tensor(target), **options), logits)
    for reduction in ("mean", "none"):
        out = F.cross_entropy(logits, autograd.tensor(target), reduction=reduction, **options)
        expected = reference(logits.detach().numpy(), target, weight.numpy(), 7, reduction, 0.1)
        check(out, expected, rtol=1e-12)


def test_probability_targets(rng, leaf, check, check_grad):
    logits = leaf(5, 4)
    probs = autograd.tensor(rng.dirichlet(np.ones(4), size=5), requires_grad=True)
    weight = autograd.tensor(rng.uniform(0.5, 2, 4))
    z = logits.detach().numpy()
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    q = probs.detach().numpy() * 0.9 + 0.1 / 4
    expected = -(q * weight.numpy() * log_p).sum(axis=1).mean()  # mean over samples, not weights
    check(F.cross_entropy(logits, probs, weight=weight, label_smoothing=0.1), expected, rtol=1e-12)
    check_grad(lambda z, p: F.cross_entropy(z, p, weight=weight, label_smoothing=0.1), logits, probs)
    check_grad(lambda z, p: F.cross_entropy(z, p, reduction="none"), logits, probs)


def test_hard_targets_equal_one_hot_probability_targets(rng):
    logits = autograd.tensor(rng.standard_normal((4, 3)))
    target = np.array([0, 2, 1, 2])
    one_hot = np.eye(3)[target]
    hard = F.cross_entropy(logits, autograd.tensor(target), label_smoothing=0.2).item()
    soft = F.cross_entropy(logits, autograd.tensor(one_hot), label_smoothing=0.2).item()
    assert hard == pytest.approx(soft, rel=1e-12)


@pytest.mark.parametrize("dtype", [autograd.float32, autograd.float64])
def test_exact_and_finite_at_logits_of_1e4(dtype):
    logits = autograd.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype=dtype, requires_grad=True)
    target = autograd.tensor([1, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy(logits, target, reduction="none", label_smoothing=0.1)
        loss.sum().backward()
    # log p: row 0 is [0, -2e4, -1e4]; row 1 is [-2e4 - ln 2, -ln 2, -ln 2]
    smooth = [(0 + 2e4 + 1e4) / 3, (2e4 + 3 * np.log(2)) / 3]  # -mean(log p) per row
    expected = [0.9 * 2e4 + 0.1 * smooth[0], 0.9 * (2e4 + np.log(2)) + 0.1 * smooth[1]]
    np.testing.assert_allclose(loss.detach().numpy(), expected, rtol=1e-6)
    assert np.isfinite(logits.grad.numpy()).all()
    # gradient = p - smoothed one-hot: p = [1, 0, 0], target 1
    np.testing.assert_allclose(logits.grad.numpy()[0], [1 - 0.1 / 3, -0.9 - 0.1 / 3, -0.1 / 3], atol=1e-6)


def test_mean_is_nan_when_every_target_is_ignored():
    logits = autograd.randn(2, 3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy(logits, autograd.tensor([-100, -100]))  # 0 / 0, as in PyTorch
        loss.backward()
    assert np.isnan(loss.item())
    np.testing.assert_array_equal(logits.grad.numpy(), 0)  # ignored rows get no gradient, not NaN
    assert F.cross_entropy(autograd.randn(2, 3), autograd.tensor([-100, -100]), reduction="sum").item() == 0


def test_ignored_rows_get_no_gradient():
    logits = autograd.randn(3, 4, requires_grad=True)
    F.cross_entropy(logits, autograd.tensor([1, 5, 2]), ignore_index=5, label_smoothing=0.3).backward()
    np.testing.assert_array_equal(logits.grad.numpy()[1], 0)
    np.testing.assert_allclose(logits.grad.numpy().sum(axis=1), 0, atol=1e-6)  # softmax gradients sum to 0


def test_weighted_nll_of_log_softmax_equals_cross_entropy(rng, check):
    logits = autograd.tensor(rng.standard_normal((6, 4)))
    target = autograd.tensor(np.array([0, 1, 2, 3, -100, 1]))
    weight = autograd.tensor([1.0, 2.0, 0.5, 1.0], dtype=autograd.float64)
    for reduction in ("mean", "sum", "none"):
        ce = F.cross_entropy(logits, target, weight=weight, reduction=reduction)
        nll = F.nll_loss(F.log_softmax(logits, dim=1), target, weight=weight, reduction=reduction)
        check(ce, nll.detach().numpy(), rtol=1e-12)


def test_module_form_and_weight_buffer(rng, check, reference):
    weight = autograd.tensor([1.0, 3.0])
    loss_fn = nn.CrossEntropyLoss(weight=weight, ignore_index=0, reduction="sum", label_smoothing=0.05)
    assert repr(loss_fn) == "CrossEntropyLoss()"
    assert list(loss_fn.state_dict()) == ["weight"] and loss_fn.weight is weight
    logits = rng.standard_normal((4, 2))
    target = np.array([0, 1, 1, 0])
    expected = reference(logits, target, weight.numpy(), 0, "sum", 0.05)
    check(loss_fn(autograd.tensor(logits), autograd.tensor(target)), expected, rtol=1e-6)
    assert list(nn.CrossEntropyLoss().state_dict()) == []


@settings(max_examples=20, deadline=None, derandomize=True)
@given(
    n=st.integers(1, 4),
    classes=st.integers(2, 5),
    spatial=st.lists(st.integers(1, 2), min_size=0, max_size=2),
    smoothing=st.sampled_from([0.0, 0.1, 0.5]),
    weighted=st.booleans(),
    reduction=st.sampled_from(["mean", "sum", "none"]),
    seed=st.integers(0, 2**16),
)
def test_values_and_gradients_on_hypothesis_shapes(
    n, classes, spatial, smoothing, weighted, reduction, seed, reference
):
    rng = np.random.default_rng(seed)
    logits = autograd.tensor(rng.standard_normal((n, classes, *spatial)) * 2, requires_grad=True)
    target = rng.integers(0, classes, (n, *spatial))
    if target.size > 1:
        target.flat[rng.integers(1, target.size)] = -100  # one ignored target (never all of them)
    weight = autograd.tensor(rng.uniform(0.2, 2.0, classes)) if weighted else None
    options = dict(weight=weight, reduction=reduction, label_smoothing=smoothing)
    out = F.cross_entropy(logits, autograd.tensor(target), **options)
    w = None if weight is None else weight.numpy()
    expected = reference(logits.detach().numpy(), target, w, -100, reduction, smoothing)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10, atol=1e-12)
    assert autograd.gradcheck(lambda z: F.cross_entropy(z, autograd.tensor(target), **options), [logits])


def test_edge_cases_pytorch_accepts(rng, leaf, check, check_grad, reference):
    # label_smoothing=1.0 is allowed: the target is uniform over the classes
    z = rng.standard_normal((3, 4))
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    check(F.cross_entropy(autograd.tensor(z), autograd.tensor([0, 1, 2]), label_smoothing=1.0),
          -log_p.mean(axis=1).mean(), rtol=1e-12)  # fmt: skip
    # a class masked out with -inf logits: the loss stays finite without smoothing
    masked = autograd.tensor([[0.5, -np.inf, 1.0], [-np.inf, 2.0, 0.0]], dtype=autograd.float64)
    expected = reference(np.array([[0.5, -1e300, 1.0], [-1e300, 2.0, 0.0]]), np.array([0, 2]))
    check(F.cross_entropy(masked, autograd.tensor([0, 2])), expected, rtol=1e-12)
    # one class only, with an ignored target: the loss is 0 for the kept rows
    one_class = autograd.zeros(3, 1, dtype=autograd.float64)
    check(F.cross_entropy(one_class, autograd.tensor([0, -100, 0]), reduction="none"), [0.0, 0.0, 0.0])
    check(F.nll_loss(one_class, autograd.tensor([0, -100, 0]), reduction="none"), [0.0, 0.0, 0.0])
    with pytest.raises(TypeError, match="argument 'target' must be a Tensor"):
        F.cross_entropy(autograd.randn(2, 3), [0, 1])
