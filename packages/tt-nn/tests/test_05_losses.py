"""Module 05: ``MSELoss``, ``L1Loss``, ``NLLLoss``, ``BCELoss``, ``BCEWithLogitsLoss`` — values, gradients,
reductions, stability and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_nn import functional as F

REDUCTIONS = ["mean", "sum", "none"]


def _reduce(values: np.ndarray, reduction: str) -> np.ndarray:
    return values if reduction == "none" else (values.sum() if reduction == "sum" else values.mean())


# ----------------------------------------------------------------- regression
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_and_l1_values(reduction, rng, check):
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    check(
        F.mse_loss(autograd.tensor(x), autograd.tensor(y), reduction=reduction),
        _reduce((x - y) ** 2, reduction),
        rtol=1e-12,
    )
    check(
        nn.MSELoss(reduction=reduction)(autograd.tensor(x), autograd.tensor(y)),
        _reduce((x - y) ** 2, reduction),
        rtol=1e-12,
    )
    check(
        F.l1_loss(autograd.tensor(x), autograd.tensor(y), reduction=reduction),
        _reduce(np.abs(x - y), reduction),
        rtol=1e-12,
    )
    check(
        nn.L1Loss(reduction=reduction)(autograd.tensor(x), autograd.tensor(y)),
        _reduce(np.abs(x - y), reduction),
        rtol=1e-12,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 1, 3)])
def test_mse_and_l1_gradients_for_input_and_target(reduction, shape, leaf, check_grad):
    x, y = leaf(*shape), leaf(*shape)
    check_grad(lambda a, b: F.mse_loss(a, b, reduction=reduction), x, y)
    check_grad(lambda a, b: F.l1_loss(a, b, reduction=reduction), x, y)


def test_regression_shape_mismatch_warns_like_pytorch_or_fails_clearly():
    with pytest.warns(UserWarning, match=r"target shape \(3, 1\) differs from input shape \(3,\)"):
        F.mse_loss(autograd.randn(3), autograd.randn(3, 1))
    with pytest.raises(
        ValueError, match=r"l1_loss: input of shape \(3,\) and target of shape \(4,\) do not broadcast"
    ):
        F.l1_loss(autograd.randn(3), autograd.randn(4))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.MSELoss(reduction="batchmean")


# ----------------------------------------------------------------- NLL
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_values_and_gradients(reduction, rng, leaf, check, check_grad):
    log_p = leaf(6, 4)
    target = np.array([0, 3, -100, 2, 1, 3])
    weight = rng.uniform(0.5, 2.0, 4)
    x = log_p.detach().numpy()
    keep = target != -100
    safe = np.where(keep, target, 0)
    losses = np.where(keep, -weight[safe] * x[np.arange(6), safe], 0.0)
    expected = (
        losses
        if reduction == "none"
        else (losses.sum() if reduction == "sum" else losses.sum() / weight[safe][keep].sum())
    )
    out = F.nll_loss(log_p, autograd.tensor(target), weight=autograd.tensor(weight), reduction=reduction)
    check(out, expected, rtol=1e-12)
    check_grad(
        lambda z: F.nll_loss(z, autograd.tensor(target), weight=autograd.tensor(weight), reduction=reduction),
        log_p,
    )
    check_grad(lambda z: F.nll_loss(z, autograd.tensor(target), reduction=reduction), log_p)


def test_nll_spatial_and_module(rng, leaf, check_grad):
    log_p = leaf(2, 3, 4)
    target = autograd.tensor(rng.integers(0, 3, (2, 4)))
    check_grad(lambda z: F.nll_loss(z, target), log_p)
    loss_fn = nn.NLLLoss(ignore_index=1)
    assert loss_fn(log_p, target).shape == () and repr(loss_fn) == "NLLLoss()"
    assert F.nll_loss(log_p, target, reduction="none").shape == (2, 4)
    with pytest.raises(IndexError, match="nll_loss: target 3 is out of bounds for 3 classes"):
        F.nll_loss(log_p, autograd.tensor(np.full((2, 4), 3)))


# ----------------------------------------------------------------- BCE
def _bce(p: np.ndarray, t: np.ndarray, w: object = 1.0) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return -w * (t * np.maximum(np.log(p), -100) + (1 - t) * np.maximum(np.log(1 - p), -100))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_values_and_gradients(reduction, rng, check, check_grad):
    p = autograd.tensor(rng.uniform(0.05, 0.95, (3, 4)), requires_grad=True)
    t = autograd.tensor(rng.uniform(0, 1, (3, 4)), requires_grad=True)
    w = autograd.tensor(rng.uniform(0.5, 2, 4))
    expected = _reduce(_bce(p.detach().numpy(), t.detach().numpy(), w.numpy()), reduction)
    check(F.binary_cross_entropy(p, t, weight=w, reduction=reduction), expected, rtol=1e-12)
    check(nn.BCELoss(weight=w, reduction=reduction)(p, t), expected, rtol=1e-12)
    check_grad(lambda a, b: F.binary_cross_entropy(a, b, weight=w, reduction=reduction), p, t)


def test_bce_clamps_the_log_at_minus_100_like_pytorch():
    p = autograd.tensor([0.0, 1.0, 1.0], requires_grad=True)
    t = autograd.tensor([1.0, 0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.binary_cross_entropy(p, t, reduction="none")
        loss.sum().backward()
    np.testing.assert_allclose(loss.detach().numpy(), [100.0, 100.0, 0.0])
    assert np.isfinite(p.grad.numpy()).all()


def test_bce_refuses_values_outside_0_1_and_mismatched_shapes():
    with pytest.raises(ValueError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(autograd.tensor([1.5]), autograd.tensor([1.0]))
    with pytest.raises(ValueError, match=r"target of shape \(2, 1\) must have the input's shape \(2,\)"):
        F.binary_cross_entropy(autograd.tensor([0.5, 0.5]), autograd.tensor([[1.0], [0.0]]))
    with pytest.raises(TypeError, match="'target' must be a floating-point tensor"):
        F.binary_cross_entropy(autograd.tensor([0.5]), autograd.tensor([1]))
    with pytest.raises(
        ValueError, match=r"weight of shape \(3,\) does not broadcast to the input's shape \(2,\)"
    ):
        F.binary_cross_entropy(
            autograd.tensor([0.5, 0.5]), autograd.tensor([1.0, 0.0]), weight=autograd.ones(3)
        )


# ----------------------------------------------------------------- BCE with logits
def _bce_logits(x: np.ndarray, t: np.ndarray, w: object = 1.0, pos_weight: object = 1.0) -> np.ndarray:
    log_sigmoid = -np.logaddexp(0, -x)
    log_one_minus = -np.logaddexp(0, x)
    return -w * (pos_weight * t * log_sigmoid + (1 - t) * log_one_minus)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("with_pos_weight", [False, True])
def test_bce_with_logits_values_and_gradients(reduction, with_pos_weight, rng, leaf, check, check_grad):
    x = leaf(3, 4, scale=3.0)
    t = autograd.tensor(rng.uniform(0, 1, (3, 4)), requires_grad=True)
    w = autograd.tensor(rng.uniform(0.5, 2, (3, 1)))
    pos = autograd.tensor(rng.uniform(0.5, 3, 4)) if with_pos_weight else None
    expected = _bce_logits(
        x.detach().numpy(), t.detach().numpy(), w.numpy(), 1.0 if pos is None else pos.numpy()
    )
    out = F.binary_cross_entropy_with_logits(x, t, weight=w, reduction=reduction, pos_weight=pos)
    check(out, _reduce(expected, reduction), rtol=1e-12)
    module = nn.BCEWithLogitsLoss(weight=w, reduction=reduction, pos_weight=pos)
    check(module(x, t), _reduce(expected, reduction), rtol=1e-12)
    check_grad(
        lambda a, b: F.binary_cross_entropy_with_logits(a, b, weight=w, reduction=reduction, pos_weight=pos),
        x,
        t,
    )


@pytest.mark.parametrize("dtype", [autograd.float32, autograd.float64])
def test_bce_with_logits_is_stable_at_1e4(dtype):
    x = autograd.tensor([1e4, -1e4, 1e4, -1e4], dtype=dtype, requires_grad=True)
    t = autograd.tensor([1.0, 0.0, 0.0, 1.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.binary_cross_entropy_with_logits(
            x, t, reduction="none", pos_weight=autograd.tensor([2.0], dtype=dtype)
        )
        loss.sum().backward()
    np.testing.assert_allclose(loss.detach().numpy(), [0.0, 0.0, 1e4, 2e4])
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0, 1.0, -2.0])


def test_bce_with_logits_equals_bce_of_sigmoid(rng):
    x = autograd.tensor(rng.standard_normal(10) * 2)
    t = autograd.tensor(rng.uniform(0, 1, 10))
    a = F.binary_cross_entropy_with_logits(x, t).item()
    b = F.binary_cross_entropy(F.sigmoid(x), t).item()
    assert a == pytest.approx(b, rel=1e-12)


def test_weights_are_buffers_and_reprs():
    pos = autograd.tensor([1.0, 2.0])
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=pos)
    assert list(loss_fn.state_dict()) == ["pos_weight"] and repr(loss_fn) == "BCEWithLogitsLoss()"
    assert loss_fn.double().pos_weight.dtype == autograd.float64
    assert (
        repr(nn.BCELoss()) == "BCELoss()"
        and repr(nn.MSELoss()) == "MSELoss()"
        and repr(nn.L1Loss()) == "L1Loss()"
    )
    with pytest.raises(ValueError, match="binary_cross_entropy_with_logits: target of shape"):
        F.binary_cross_entropy_with_logits(autograd.randn(3), autograd.rand(2))


LOSSES = {
    "nll_loss": (F.nll_loss, lambda: (autograd.randn(3, 4), autograd.tensor([0, 3, 1]))),
    "binary_cross_entropy": (F.binary_cross_entropy, lambda: (autograd.rand(3), autograd.rand(3))),
    "binary_cross_entropy_with_logits": (
        F.binary_cross_entropy_with_logits,
        lambda: (autograd.randn(3), autograd.rand(3)),
    ),
    "mse_loss": (F.mse_loss, lambda: (autograd.randn(3), autograd.randn(3))),
    "l1_loss": (F.l1_loss, lambda: (autograd.randn(3), autograd.randn(3))),
}


@pytest.mark.parametrize("name", LOSSES)
def test_legacy_size_average_and_reduce_and_bad_reductions(name):
    fn, make = LOSSES[name]
    x, t = make()
    with pytest.warns(UserWarning, match="reduction='sum'"):
        summed = fn(x, t, size_average=False)
    assert summed.item() == pytest.approx(fn(x, t, reduction="sum").item())
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert fn(x, t, reduce=False).shape == (3,)
    with pytest.raises(ValueError, match=f"{name}: 'avg' is not a valid value for reduction"):
        fn(x, t, reduction="avg")


def test_nll_unbatched_spatial_none_and_bad_weight(rng, leaf, check, check_grad):
    log_p = leaf(4)
    for reduction in REDUCTIONS:
        loss = F.nll_loss(log_p, autograd.tensor(2), reduction=reduction)
        check(loss, -log_p.detach().numpy()[2], rtol=1e-12)  # a 0-d result in every reduction
    batch_of_one = F.nll_loss(log_p.reshape(1, 4), autograd.tensor([2]), reduction="none")
    check(batch_of_one, [-log_p.detach().numpy()[2]], rtol=1e-12)  # a batch of one keeps its batch dimension
    spatial = leaf(2, 3, 4)
    target = autograd.tensor(rng.integers(0, 3, (2, 4)))
    check_grad(lambda z: F.nll_loss(z, target, reduction="none"), spatial)
    with pytest.raises(ValueError, match=r"nll_loss: weight must have one entry per class, shape \(3,\)"):
        F.nll_loss(spatial, target, weight=autograd.ones(4))


def test_bce_gradients_unweighted_one_sided_and_at_0_and_1(rng, leaf, check, check_grad):
    p = autograd.tensor(rng.uniform(0.05, 0.95, (2, 3)), requires_grad=True)
    t = autograd.tensor(rng.uniform(0, 1, (2, 3)), requires_grad=True)
    check_grad(lambda a, b: F.binary_cross_entropy(a, b), p, t)
    fixed_p, fixed_t = p.detach(), t.detach()
    check_grad(lambda b: F.binary_cross_entropy(fixed_p, b), t)
    check_grad(lambda b: F.binary_cross_entropy_with_logits(fixed_p, b, pos_weight=autograd.ones(3) * 2), t)
    check_grad(lambda a: F.binary_cross_entropy_with_logits(a, fixed_t), p)
    # PyTorch divides by max(p (1 - p), 1e-12): at p = 0 with target 1 the gradient is -1e12
    edge = autograd.tensor([0.0, 1.0], dtype=autograd.float64, requires_grad=True)
    F.binary_cross_entropy(
        edge, autograd.tensor([1.0, 0.0], dtype=autograd.float64), reduction="sum"
    ).backward()
    np.testing.assert_allclose(edge.grad.numpy(), [-1e12, 1e12], rtol=1e-12)


def test_bce_with_logits_refuses_weights_that_do_not_broadcast():
    x, t = autograd.randn(2, 3), autograd.rand(2, 3)
    for name in ("weight", "pos_weight"):
        with pytest.raises(ValueError, match=rf"{name} of shape \(4,\) does not broadcast"):
            F.binary_cross_entropy_with_logits(x, t, **{name: autograd.ones(4)})


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
def test_a_batch_of_one_keeps_its_batch_dim_with_reduction_none(loss):
    # Only an unbatched input (C,) loses the batch dim; a batch of one keeps shape (1,).
    logits = autograd.tensor([[0.2, -1.0, 0.7]]).log_softmax(1)
    assert loss(logits, autograd.tensor([2]), reduction="none").shape == (1,)
    assert loss(logits[0], autograd.tensor(2), reduction="none").shape == ()
    assert loss(logits, autograd.tensor([2])).shape == ()


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
def test_class_weights_of_another_float_dtype_are_cast_to_the_input_s(loss):
    # float64 weights with float32 logits: the loss and its gradient stay float32.
    logits = autograd.tensor([[0.2, -1.0, 0.7], [1.5, 0.1, -0.3]], requires_grad=True)
    weight = autograd.tensor([1.0, 2.0, 0.5], dtype=autograd.float64)
    for reduction in ("mean", "sum", "none"):
        out = loss(logits.log_softmax(1), autograd.tensor([2, 1]), weight=weight, reduction=reduction)
        assert out.dtype == autograd.float32
    out.sum().backward()
    assert logits.grad.dtype == autograd.float32
