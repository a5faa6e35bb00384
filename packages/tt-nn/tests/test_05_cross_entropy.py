"""Module 05: ``cross_entropy`` / ``CrossEntropyLoss``, the core: PyTorch's formula with the three
reductions, class-index and probability targets, its fused gradient, stability and errors.

Weights, ``ignore_index`` and label smoothing are optional extras, tested in
``test_05_cross_entropy_extras.py`` (``tito module test 05 --extras``)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn import functional as F


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_values_match_pytorchs_formula(reduction, rng, check, reference):
    logits = rng.standard_normal((7, 5)) * 3
    target = rng.integers(0, 5, 7)
    out = F.cross_entropy(autograd.tensor(logits), autograd.tensor(target), reduction=reduction)
    check(out, reference(logits, target, reduction=reduction), rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_gradients_match_central_differences(reduction, rng, leaf, check_grad):
    logits = leaf(6, 4, scale=2.0)
    target = autograd.tensor(rng.integers(0, 4, 6))
    check_grad(lambda z: F.cross_entropy(z, target, reduction=reduction), logits)


def test_spatial_inputs_n_c_d1_dk(reference, rng, leaf, check, check_grad):
    for shape in [(2, 3, 4), (3, 5, 2, 2), (1, 2, 1)]:
        logits = leaf(*shape)
        target = autograd.tensor(rng.integers(0, shape[1], (shape[0], *shape[2:])))
        check_grad(lambda z, t=target: F.cross_entropy(z, t), logits)
        for reduction in ("mean", "none"):
            out = F.cross_entropy(logits, target, reduction=reduction)
            check(out, reference(logits.detach().numpy(), target.numpy(), reduction=reduction), rtol=1e-12)


@pytest.mark.parametrize("dtype", [autograd.float32, autograd.float64])
def test_exact_and_finite_at_logits_of_1e4_without_options(dtype):
    logits = autograd.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype=dtype, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy(logits, autograd.tensor([1, 0]), reduction="none")
        loss.sum().backward()
    np.testing.assert_allclose(loss.detach().numpy(), [2e4, 2e4 + np.log(2)], rtol=1e-6)
    np.testing.assert_allclose(logits.grad.numpy()[0], [1.0, -1.0, 0.0], atol=1e-6)  # p - one-hot


def test_nll_of_log_softmax_equals_cross_entropy(rng, check):
    logits = autograd.tensor(rng.standard_normal((6, 4)))
    target = autograd.tensor(np.array([0, 1, 2, 3, 0, 1]))
    for reduction in ("mean", "sum", "none"):
        ce = F.cross_entropy(logits, target, reduction=reduction)
        nll = F.nll_loss(F.log_softmax(logits, dim=1), target, reduction=reduction)
        check(ce, nll.detach().numpy(), rtol=1e-12)


def test_unbatched_input(reference):
    z = autograd.tensor([1.0, 2.0, 0.5], dtype=autograd.float64)
    loss = F.cross_entropy(z, autograd.tensor(1))
    assert loss.shape == () and loss.item() == pytest.approx(reference(z.numpy()[None], np.array([1]))[()])
    assert F.cross_entropy(z, autograd.tensor(1), reduction="none").shape == ()


def test_one_fused_node_with_float32_gradients():
    logits = autograd.randn(8, 5, requires_grad=True)
    loss = F.cross_entropy(logits, autograd.randint(0, 5, (8,)))
    assert loss.grad_fn.name() == "NllLossBackward0" and loss.grad_fn.parents[0] is logits
    loss.backward()
    assert logits.grad.dtype == autograd.float32


def test_legacy_size_average_and_reduce_arguments_map_to_reduction(rng):
    logits, target = autograd.tensor(rng.standard_normal((3, 2))), autograd.tensor([0, 1, 1])
    with pytest.warns(UserWarning, match="reduction='sum'"):
        summed = F.cross_entropy(logits, target, size_average=False)
    assert summed.item() == pytest.approx(F.cross_entropy(logits, target, reduction="sum").item())
    with pytest.warns(UserWarning):
        assert F.cross_entropy(logits, target, reduce=False).shape == (3,)


def test_bad_targets_and_arguments_give_clear_errors():
    logits = autograd.randn(4, 5)
    with pytest.raises(IndexError, match=r"target 7 is out of bounds for 5 classes \(input shape \(4, 5\)\)"):
        F.cross_entropy(logits, autograd.tensor([0, 7, 1, 2]))
    with pytest.raises(IndexError, match="target -1 is out of bounds"):
        F.cross_entropy(logits, autograd.tensor([0, -1, 1, 2]))
    with pytest.raises(
        TypeError, match=r"class-index targets must be an integer tensor .* got float32 of shape \(4,\)"
    ):
        F.cross_entropy(logits, autograd.tensor([0.0, 1.0, 1.0, 2.0]))
    with pytest.raises(
        ValueError, match=r"input of shape \(4, 5\) needs a target of shape \(4,\), got \(3,\)"
    ):
        F.cross_entropy(logits, autograd.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match=r"weight must have one entry per class, shape \(5,\), got \(4,\)"):
        F.cross_entropy(logits, autograd.tensor([0, 1, 2, 3]), weight=autograd.ones(4))
    with pytest.raises(ValueError, match="label_smoothing must be between 0.0 and 1.0"):
        F.cross_entropy(logits, autograd.tensor([0, 1, 2, 3]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        F.cross_entropy(logits, autograd.tensor([0, 1, 2, 3]), reduction="avg")
    with pytest.raises(TypeError, match="cross_entropy: 'input' must be a floating-point tensor"):
        F.cross_entropy(autograd.tensor([[1, 2]]), autograd.tensor([0]))
    with pytest.raises(ValueError, match="class dimension"):
        F.cross_entropy(autograd.tensor(1.0), autograd.tensor(0))


def test_probability_targets_spatial_large_logits_and_one_sided_gradients(rng, leaf, check, check_grad):
    logits = leaf(2, 3, 4)  # (N, C, d)
    probs = autograd.tensor(np.moveaxis(rng.dirichlet(np.ones(3), size=(2, 4)), -1, 1))
    z = logits.detach().numpy()
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    check(F.cross_entropy(logits, probs, reduction="none"), -(probs.numpy() * log_p).sum(axis=1), rtol=1e-12)
    # only the logits need a gradient, or only the target
    check_grad(lambda a: F.cross_entropy(a, probs), logits)
    target = autograd.tensor(probs.numpy(), requires_grad=True)
    fixed = logits.detach()
    check_grad(lambda p: F.cross_entropy(fixed, p), target)
    # the max shift keeps 1e4 logits finite, as with class indices
    big = autograd.tensor([[1e4, 0.0, -1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy(big, autograd.tensor([[0.0, 1.0, 0.0]])).item()
    assert loss == pytest.approx(1e4)
