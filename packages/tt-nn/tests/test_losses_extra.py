"""The extra regression and likelihood losses: ``smooth_l1_loss``, ``huber_loss``, ``kl_div``,
``gaussian_nll_loss``, ``poisson_nll_loss``, ``soft_margin_loss``, ``multilabel_soft_margin_loss`` and their
Modules - values against NumPy references written from the documented formulas, every reduction,
float64 gradients, PyTorch's edge conventions (pinned from PyTorch), dtype, reprs and bad arguments.

Not course material (outside module 05's solution regions), so no module number.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_nn import functional as F

REDUCTIONS = ["mean", "sum", "none"]


def _reduce(values: np.ndarray, reduction: str) -> np.ndarray:
    return values if reduction == "none" else (values.sum() if reduction == "sum" else values.mean())


def _t(array, requires_grad: bool = False, dtype=autograd.float64) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=dtype, requires_grad=requires_grad)


def _away_from(values: np.ndarray, kinks: list[float], gap: float = 0.15) -> np.ndarray:
    """``values`` with every entry within ``gap`` of a kink (in absolute value) pushed past it."""
    values = values.copy()
    for kink in kinks:
        near = np.abs(np.abs(values) - kink) < gap
        values[near] += np.sign(values[near] + 1e-9) * 2 * gap
    return values


# ----------------------------------------------------------------- NumPy references (the documented formulas)


def smooth_l1_reference(x, y, beta):
    d = np.abs(x - y)
    if beta == 0:
        return d
    return np.where(d < beta, 0.5 * d**2 / beta, d - 0.5 * beta)


def huber_reference(x, y, delta):
    d = np.abs(x - y)
    return np.where(d < delta, 0.5 * d**2, delta * (d - 0.5 * delta))


def kl_reference(log_p, target, log_target):
    if log_target:
        return np.exp(target) * (target - log_p)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(target > 0, target * (np.log(target) - log_p), 0.0)


def gaussian_reference(x, y, var, full, eps):
    v = np.maximum(var, eps)
    return 0.5 * (np.log(v) + (x - y) ** 2 / v) + (0.5 * np.log(2 * np.pi) if full else 0.0)


def poisson_reference(x, y, log_input, full, eps):
    loss = np.exp(x) - y * x if log_input else x - y * np.log(x + eps)
    if full:
        with np.errstate(divide="ignore", invalid="ignore"):
            stirling = y * np.log(y) - y + 0.5 * np.log(2 * np.pi * y)
        loss = loss + np.where(y > 1, stirling, 0.0)
    return loss


def soft_margin_reference(x, y):
    return np.logaddexp(0.0, -y * x)  # log(1 + exp(-y x))


def multilabel_soft_margin_reference(x, y, weight):
    log_sigmoid = -np.logaddexp(0.0, -x)
    log_one_minus_sigmoid = -np.logaddexp(0.0, x)
    per_class = -(y * log_sigmoid + (1 - y) * log_one_minus_sigmoid) * (1.0 if weight is None else weight)
    return per_class.mean(axis=-1)


# ----------------------------------------------------------------- smooth L1 and Huber


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [1.0, 0.4, 0.0, 2.5])
def test_smooth_l1_values(reduction, beta, rng, check):
    x, y = rng.standard_normal((3, 5)) * 2, rng.standard_normal((3, 5))
    expected = _reduce(smooth_l1_reference(x, y, beta), reduction)
    check(F.smooth_l1_loss(_t(x), _t(y), reduction=reduction, beta=beta), expected, rtol=1e-12)
    check(nn.SmoothL1Loss(reduction=reduction, beta=beta)(_t(x), _t(y)), expected, rtol=1e-12)


def test_smooth_l1_defaults_and_beta_zero_is_l1(rng, check):
    x, y = rng.standard_normal(7) * 2, rng.standard_normal(7)
    check(F.smooth_l1_loss(_t(x), _t(y)), smooth_l1_reference(x, y, 1.0).mean(), rtol=1e-12)
    check(F.smooth_l1_loss(_t(x), _t(y), beta=0.0), np.abs(x - y).mean(), rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [1.0, 0.3, 2.0])
def test_huber_values_and_weight(reduction, delta, rng, check):
    x, y = rng.standard_normal((4, 3)) * 2, rng.standard_normal((4, 3))
    weight = rng.random((4, 3)) + 0.5
    expected = huber_reference(x, y, delta)
    check(
        F.huber_loss(_t(x), _t(y), reduction=reduction, delta=delta), _reduce(expected, reduction), rtol=1e-12
    )
    check(
        nn.HuberLoss(reduction=reduction, delta=delta)(_t(x), _t(y)), _reduce(expected, reduction), rtol=1e-12
    )
    check(
        F.huber_loss(_t(x), _t(y), reduction=reduction, delta=delta, weight=_t(weight)),
        _reduce(expected * weight, reduction),  # "mean" divides the weighted sum by the count, as PyTorch
        rtol=1e-12,
    )


def test_smooth_l1_and_huber_at_the_switch_follow_pytorch():
    # pinned from PyTorch: |d| == beta takes the linear branch (both give beta / 2); its slope is 1 there
    x = _t([1.0, -1.0, 0.5], requires_grad=True)
    loss = F.smooth_l1_loss(x, _t([0.0, 0.0, 0.0]), reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [0.5, 0.5, 0.125])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, -1.0, 0.5])
    x2 = _t([2.0, -2.0, 1.0], requires_grad=True)
    loss2 = F.huber_loss(x2, _t([0.0, 0.0, 0.0]), reduction="none", delta=2.0)
    np.testing.assert_allclose(loss2.detach().numpy(), [2.0, 2.0, 0.5])
    loss2.sum().backward()
    np.testing.assert_allclose(x2.grad.numpy(), [2.0, -2.0, 1.0])
    # at |d| == beta PyTorch takes the linear branch, d - beta / 2 (the quadratic differs in the last bit)
    for beta, expected in [(0.1, 0.05), (0.9, 0.45)]:
        assert F.smooth_l1_loss(_t([beta]), _t([0.0]), beta=beta).item() == expected
    # beta just above and below the error: the quadratic branch is chosen strictly inside
    np.testing.assert_allclose(F.smooth_l1_loss(_t([1.0]), _t([0.0]), beta=1.0 + 1e-9).item(), 0.5, rtol=1e-8)


def test_huber_default_delta_is_one(rng, check):
    x, y = rng.standard_normal(12) * 2, rng.standard_normal(12)
    check(F.huber_loss(_t(x), _t(y)), huber_reference(x, y, 1.0).mean(), rtol=1e-12)
    check(nn.HuberLoss()(_t(x), _t(y)), huber_reference(x, y, 1.0).mean(), rtol=1e-12)


def test_huber_is_beta_times_smooth_l1(rng):
    x, y = _t(rng.standard_normal(20) * 3), _t(rng.standard_normal(20))
    huber = F.huber_loss(x, y, delta=0.7, reduction="none").numpy()
    smooth = F.smooth_l1_loss(x, y, beta=0.7, reduction="none").numpy()
    np.testing.assert_allclose(huber, 0.7 * smooth, rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [1.0, 0.5, 0.0])
def test_smooth_l1_and_huber_gradients(reduction, beta, rng, check_grad):
    y = rng.standard_normal((3, 4))
    gap = _away_from(rng.standard_normal((3, 4)) * 1.5, [0.0, beta, 0.7])
    x = _t(y + gap, requires_grad=True)
    target = _t(y, requires_grad=True)
    check_grad(lambda a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=beta), x, target)
    check_grad(lambda a, b: F.huber_loss(a, b, reduction=reduction, delta=0.7), x, target)
    weight = _t(rng.random((3, 4)) + 0.5)
    check_grad(lambda a: F.huber_loss(a, target, reduction=reduction, delta=0.7, weight=weight), x)


def test_smooth_l1_broadcast_warns_like_pytorch(rng, check):
    x, y = rng.standard_normal((3, 2)), rng.standard_normal((1, 2))
    with pytest.warns(UserWarning, match=r"smooth_l1_loss: target shape \(1, 2\) differs from input shape"):
        loss = F.smooth_l1_loss(_t(x), _t(y), reduction="none")
    check(loss, smooth_l1_reference(x, y, 1.0))


# ----------------------------------------------------------------- KL divergence


@pytest.mark.parametrize("reduction", [*REDUCTIONS, "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_values(reduction, log_target, rng, check):
    log_p = np.log(rng.dirichlet(np.ones(5), size=4))
    q = rng.dirichlet(np.ones(5), size=4)
    q[0, 2] = 0.0
    target = np.log(rng.dirichlet(np.ones(5), size=4)) if log_target else q
    per_element = kl_reference(log_p, target, log_target)
    expected = per_element.sum() / 4 if reduction == "batchmean" else _reduce(per_element, reduction)
    check(F.kl_div(_t(log_p), _t(target), reduction=reduction, log_target=log_target), expected, rtol=1e-12)
    module = nn.KLDivLoss(reduction=reduction, log_target=log_target)
    check(module(_t(log_p), _t(target)), expected, rtol=1e-12)


def test_kl_div_pinned_from_pytorch():
    log_p, q = _t([[-1.0, -2.0], [-0.5, -3.0]]), _t([[0.0, 1.0], [0.3, 0.7]])
    np.testing.assert_allclose(
        F.kl_div(log_p, q, reduction="none").numpy(), [[0.0, 2.0], [-0.2112, 1.8503]], atol=1e-4
    )
    np.testing.assert_allclose(F.kl_div(log_p, q).item(), 0.9098, atol=1e-4)  # the default: "mean"
    np.testing.assert_allclose(F.kl_div(log_p, q, reduction="batchmean").item(), 1.8196, atol=1e-4)
    # batchmean divides by input.shape[0]: 2 for a 1-D input, nothing for a 0-d one
    np.testing.assert_allclose(
        F.kl_div(_t([-1.0, -2.0]), _t([0.5, 0.5]), reduction="batchmean").item(), 0.4034, atol=1e-4
    )
    np.testing.assert_allclose(F.kl_div(_t(-1.0), _t(0.5), reduction="batchmean").item(), 0.1534, atol=1e-4)
    with np.errstate(invalid="ignore"):
        assert np.isnan(F.kl_div(_t([-1.0]), _t([-0.1]), reduction="none").numpy()[0])  # negative target: NaN


def test_kl_div_zero_target_gives_zero_loss_and_finite_gradients():
    log_p = _t([[-1.0, -0.5]], requires_grad=True)
    q = _t([[0.0, 1.0]], requires_grad=True)
    loss = F.kl_div(log_p, q, reduction="sum")
    np.testing.assert_allclose(loss.item(), 1.0 * (0.0 + 0.5))
    loss.backward()
    np.testing.assert_allclose(log_p.grad.numpy(), [[0.0, -1.0]])  # -target
    np.testing.assert_allclose(
        q.grad.numpy(), [[1.0, 1.0 + 0.5]]
    )  # -input at 0; log(q) + 1 - input elsewhere


@pytest.mark.parametrize("reduction", [*REDUCTIONS, "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_gradients_for_input_and_target(reduction, log_target, rng, check_grad):
    log_p = _t(np.log(rng.dirichlet(np.ones(4), size=3)), requires_grad=True)
    q = rng.dirichlet(np.ones(4), size=3)
    target = _t(np.log(q) if log_target else q, requires_grad=True)
    check_grad(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target), log_p, target)


def test_kl_div_broadcasts_target(rng, check):
    log_p, q = np.log(rng.dirichlet(np.ones(3), size=4)), rng.dirichlet(np.ones(3))
    check(F.kl_div(_t(log_p), _t(q), reduction="none"), kl_reference(log_p, q[None], False))


# ----------------------------------------------------------------- Gaussian NLL


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", [(4, 3), (4,), (4, 1), (1, 3)])
def test_gaussian_nll_values_and_var_shapes(reduction, full, var_shape, rng, check):
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    var = rng.random(var_shape) + 0.1
    ref_var = var[:, None] if var_shape == (4,) else var  # one variance per row
    expected = _reduce(gaussian_reference(x, y, ref_var, full, 1e-6), reduction)
    check(F.gaussian_nll_loss(_t(x), _t(y), _t(var), full=full, reduction=reduction), expected, rtol=1e-12)
    module = nn.GaussianNLLLoss(full=full, reduction=reduction)
    check(module(_t(x), _t(y), _t(var)), expected, rtol=1e-12)


def test_gaussian_nll_number_var_eps_and_3d(rng, check):
    x, y = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    check(
        F.gaussian_nll_loss(_t(x), _t(y), 0.5), gaussian_reference(x, y, 0.5, False, 1e-6).mean(), rtol=1e-12
    )
    check(F.gaussian_nll_loss(_t(x), _t(y), 0), gaussian_reference(x, y, 0.0, False, 1e-6).mean(), rtol=1e-12)
    zeros = np.zeros((2, 3, 4))  # a zero variance is allowed (clamped to eps), as in PyTorch
    check(F.gaussian_nll_loss(_t(x), _t(y), _t(zeros)), gaussian_reference(x, y, zeros, False, 1e-6).mean())
    var = rng.random((2, 3)) * 1e-3
    expected = gaussian_reference(x, y, var[..., None], False, 1e-2)
    check(F.gaussian_nll_loss(_t(x), _t(y), _t(var), eps=1e-2, reduction="none"), expected, rtol=1e-12)
    check(
        F.gaussian_nll_loss(_t(x), _t(y[0]), _t(var), reduction="sum"),
        gaussian_reference(x, y[0], var[..., None], False, 1e-6).sum(),
    )


def test_gaussian_nll_clamp_is_invisible_to_the_gradient_as_in_pytorch():
    var = _t([1e-8, 0.5], requires_grad=True)
    loss = F.gaussian_nll_loss(_t([1.0, 2.0]), _t([0.0, 0.0]), var, reduction="sum")
    np.testing.assert_allclose(loss.item(), 0.5 * (math.log(1e-6) + 1e6 + math.log(0.5) + 8.0), rtol=1e-12)
    loss.backward()
    # d/dv at the clamped v = eps, passed through to var (PyTorch's values)
    np.testing.assert_allclose(var.grad.numpy(), [0.5 * (1e6 - 1e12), 0.5 * (2.0 - 16.0)], rtol=1e-9)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", [(3, 4), (3,), (1, 4)])
def test_gaussian_nll_gradients_for_input_target_and_var(reduction, var_shape, rng, check_grad, leaf):
    x, y = leaf(3, 4), leaf(3, 4)
    var = _t(rng.random(var_shape) + 0.2, requires_grad=True)
    check_grad(lambda a, b, v: F.gaussian_nll_loss(a, b, v, full=True, reduction=reduction), x, y, var)


# ----------------------------------------------------------------- Poisson NLL


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll_values(reduction, log_input, full, rng, check):
    y = rng.poisson(2.0, (4, 5)).astype(np.float64)
    x = rng.standard_normal((4, 5)) if log_input else rng.random((4, 5)) * 3
    x[0, 0] = 0.0 if not log_input else x[0, 0]  # a zero rate: eps keeps the log finite
    eps = 1e-8 if log_input else 1e-3
    expected = _reduce(poisson_reference(x, y, log_input, full, eps), reduction)
    check(
        F.poisson_nll_loss(_t(x), _t(y), log_input=log_input, full=full, eps=eps, reduction=reduction),
        expected,
        rtol=1e-12,
    )
    module = nn.PoissonNLLLoss(log_input=log_input, full=full, eps=eps, reduction=reduction)
    check(module(_t(x), _t(y)), expected, rtol=1e-12)


def test_poisson_nll_pinned_from_pytorch():
    x, y = _t([0.5, -1.0, 2.0]), _t([0.0, 1.0, 3.0])
    np.testing.assert_allclose(
        F.poisson_nll_loss(x, y, reduction="none").numpy(), [1.6487, 1.3679, 1.3891], atol=1e-4
    )
    full = F.poisson_nll_loss(x, y, full=True, reduction="none").numpy()
    np.testing.assert_allclose(full, [1.6487, 1.3679, 3.1531], atol=1e-4)  # Stirling only where target > 1
    rates = F.poisson_nll_loss(x.abs(), y, log_input=False, full=True, reduction="none").numpy()
    np.testing.assert_allclose(rates, [0.5, 1.0, 1.6846], atol=1e-4)


def test_poisson_nll_defaults(check):
    rates, counts = np.array([0.0, 2.0, 0.5]), np.array([2.0, 1.0, 0.0])
    expected = poisson_reference(
        rates, counts, False, False, 1e-8
    ).mean()  # the default eps keeps log(0) finite
    check(F.poisson_nll_loss(_t(rates), _t(counts), log_input=False), expected, rtol=1e-12)
    check(nn.PoissonNLLLoss(log_input=False)(_t(rates), _t(counts)), expected, rtol=1e-12)
    module = nn.PoissonNLLLoss()
    assert (module.log_input, module.full, module.eps, module.reduction) == (True, False, 1e-8, "mean")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
def test_poisson_nll_gradients(reduction, log_input, rng, check_grad):
    x = _t(rng.standard_normal((3, 4)) if log_input else rng.random((3, 4)) + 0.5, requires_grad=True)
    y = _t(np.where(rng.random((3, 4)) < 0.5, 0.4, 2.0 + rng.random((3, 4)) * 3), requires_grad=True)
    check_grad(
        lambda a, b: F.poisson_nll_loss(a, b, log_input=log_input, full=True, reduction=reduction), x, y
    )


# ----------------------------------------------------------------- logistic losses


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_values(reduction, rng, check):
    x, y = rng.standard_normal((3, 4)) * 3, np.sign(rng.standard_normal((3, 4)))
    expected = _reduce(soft_margin_reference(x, y), reduction)
    check(F.soft_margin_loss(_t(x), _t(y), reduction=reduction), expected, rtol=1e-12)
    check(nn.SoftMarginLoss(reduction=reduction)(_t(x), _t(y)), expected, rtol=1e-12)
    labels = autograd.tensor(y.astype(np.int64))  # integer labels work, as in PyTorch
    check(F.soft_margin_loss(_t(x), labels, reduction=reduction), expected, rtol=1e-12)


def test_soft_margin_is_stable_for_large_scores():
    x = autograd.tensor([-1000.0, 1000.0, 50.0, -30.0], requires_grad=True)
    loss = F.soft_margin_loss(x, autograd.tensor([1.0, 1.0, -1.0, 1.0]), reduction="none")
    assert loss.dtype == autograd.float32
    np.testing.assert_allclose(
        loss.detach().numpy(), [1000.0, 0.0, 50.0, 30.0], rtol=1e-6
    )  # PyTorch: inf first
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-1.0, 0.0, 1.0, -1.0], atol=1e-6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(4, 5), (5,), (2, 3, 5)])
def test_multilabel_soft_margin_values(reduction, weighted, shape, rng, check):
    x, y = rng.standard_normal(shape) * 3, (rng.random(shape) > 0.5).astype(np.float64)
    weight = rng.random(5) + 0.5 if weighted else None
    expected = _reduce(multilabel_soft_margin_reference(x, y, weight), reduction)
    w = None if weight is None else _t(weight)
    check(F.multilabel_soft_margin_loss(_t(x), _t(y), weight=w, reduction=reduction), expected, rtol=1e-12)
    module = nn.MultiLabelSoftMarginLoss(weight=w, reduction=reduction)
    check(module(_t(x), _t(y)), expected, rtol=1e-12)


def test_multilabel_soft_margin_is_stable_for_large_scores():
    loss = F.multilabel_soft_margin_loss(autograd.tensor([[-500.0, 500.0]]), autograd.tensor([[1.0, 1.0]]))
    np.testing.assert_allclose(loss.item(), 250.0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_logistic_gradients(reduction, rng, leaf, check_grad):
    x = leaf(3, 4, scale=3.0)
    signs, labels = _t(np.sign(rng.standard_normal((3, 4)))), _t(rng.random((3, 4)), requires_grad=True)
    weight = _t(rng.random(4) + 0.5)
    check_grad(lambda a: F.soft_margin_loss(a, signs, reduction=reduction), x)
    check_grad(
        lambda a, b: F.multilabel_soft_margin_loss(a, b, weight=weight, reduction=reduction), x, labels
    )


# ----------------------------------------------------------------- dtype, modules, deprecated arguments

CALLS = {
    "smooth_l1_loss": lambda x, reduction="mean": F.smooth_l1_loss(x, x * 0.5, reduction=reduction),
    "huber_loss": lambda x, reduction="mean": F.huber_loss(x, x * 0.5, reduction=reduction),
    "kl_div": lambda x, reduction="mean": F.kl_div(x, x.exp(), reduction=reduction),
    "gaussian_nll_loss": lambda x, reduction="mean": F.gaussian_nll_loss(
        x, x * 0.5, x.abs(), reduction=reduction
    ),
    "poisson_nll_loss": lambda x, reduction="mean": F.poisson_nll_loss(x, x.abs(), reduction=reduction),
    "soft_margin_loss": lambda x, reduction="mean": F.soft_margin_loss(x, x.sign(), reduction=reduction),
    "multilabel_soft_margin_loss": lambda x, reduction="mean": F.multilabel_soft_margin_loss(
        x, (x > 0).float(), reduction=reduction
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


def test_kl_div_reduction_error_lists_batchmean_and_module_checks_at_construction():
    with pytest.raises(
        ValueError, match=r"kl_div: 'batch' is not a valid value for reduction; use 'batchmean'"
    ):
        F.kl_div(autograd.randn(3), autograd.rand(3), reduction="batch")
    with pytest.raises(ValueError, match=r"'batch' is not a valid value for reduction; use 'batchmean'"):
        nn.KLDivLoss(reduction="batch")
    with pytest.raises(ValueError, match=r"SmoothL1Loss: 'avg' is not a valid value"):
        nn.SmoothL1Loss(reduction="avg")


def test_deprecated_size_average_and_reduce_become_reduction(rng, check):
    x, y = rng.standard_normal(5), rng.standard_normal(5)
    with pytest.warns(UserWarning, match=r"size_average and reduce are deprecated; use reduction='sum'"):
        loss = F.smooth_l1_loss(_t(x), _t(y), size_average=False)
    check(loss, smooth_l1_reference(x, y, 1.0).sum())
    with pytest.warns(UserWarning, match=r"reduction='none'"):
        assert nn.KLDivLoss(reduce=False).reduction == "none"
    with pytest.warns(UserWarning, match=r"reduction='none'"):
        assert nn.PoissonNLLLoss(reduce=False).reduction == "none"


MODULES = [
    (nn.SmoothL1Loss(beta=0.5), "SmoothL1Loss()"),
    (nn.HuberLoss(delta=2.0), "HuberLoss()"),
    (nn.KLDivLoss(reduction="batchmean", log_target=True), "KLDivLoss()"),
    (nn.GaussianNLLLoss(full=True), "GaussianNLLLoss()"),
    (nn.PoissonNLLLoss(log_input=False), "PoissonNLLLoss()"),
    (nn.SoftMarginLoss(), "SoftMarginLoss()"),
    (nn.MultiLabelSoftMarginLoss(), "MultiLabelSoftMarginLoss()"),
]


@pytest.mark.parametrize(("module", "text"), MODULES, ids=[text for _, text in MODULES])
def test_module_repr_like_pytorch_and_no_state(module, text):
    assert repr(module) == text  # PyTorch's loss modules have no extra_repr
    assert list(module.state_dict()) == []


def test_module_settings_and_weight_buffer(rng):
    module = nn.PoissonNLLLoss(log_input=False, full=True, eps=1e-3, reduction="sum")
    assert (module.log_input, module.full, module.eps, module.reduction) == (False, True, 1e-3, "sum")
    assert (nn.GaussianNLLLoss().full, nn.GaussianNLLLoss().eps) == (False, 1e-6)
    assert (
        nn.SmoothL1Loss().beta == 1.0 and nn.HuberLoss().delta == 1.0 and nn.KLDivLoss().reduction == "mean"
    )
    assert nn.KLDivLoss().log_target is False
    weighted = nn.MultiLabelSoftMarginLoss(weight=autograd.ones(4))
    assert list(weighted.state_dict()) == ["weight"]
    assert weighted.double().weight.dtype == autograd.float64
    with pytest.raises(TypeError):
        nn.GaussianNLLLoss(True)  # keyword-only, as in PyTorch


# ----------------------------------------------------------------- bad arguments


def test_bad_arguments_name_the_problem():
    x = autograd.randn(3, 4)
    with pytest.raises(ValueError, match=r"smooth_l1_loss: beta must be >= 0 \(beta=0 is l1_loss\), got -1"):
        F.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(ValueError, match=r"huber_loss: delta must be > 0, got 0"):
        F.huber_loss(x, x, delta=0.0)
    with pytest.raises(ValueError, match=r"huber_loss: weight of shape \(4,\) must have the input's shape"):
        F.huber_loss(x, x, weight=autograd.ones(4))
    with pytest.raises(TypeError, match=r"smooth_l1_loss: 'input' must be a floating-point tensor"):
        F.smooth_l1_loss(autograd.tensor([1, 2]), autograd.tensor([1, 3]))
    with pytest.raises(
        ValueError, match=r"smooth_l1_loss: input of shape \(3, 4\) and target of shape \(5,\)"
    ):
        F.smooth_l1_loss(x, autograd.randn(5))
    with pytest.raises(
        ValueError, match=r"kl_div: input of shape \(3, 4\), target of shape \(3,\) do not broadcast"
    ):
        F.kl_div(x, autograd.rand(3))
    with pytest.raises(
        ValueError, match=r"poisson_nll_loss: input of shape \(3, 4\), target of shape \(2,\)"
    ):
        F.poisson_nll_loss(x, autograd.rand(2))
    with pytest.raises(
        ValueError, match=r"soft_margin_loss: input of shape \(3, 4\), target of shape \(3,\)"
    ):
        F.soft_margin_loss(x, autograd.ones(3))
    with pytest.raises(ValueError, match=r"multilabel_soft_margin_loss: input must have a class dimension"):
        F.multilabel_soft_margin_loss(autograd.tensor(1.0), autograd.tensor(1.0))
    with pytest.raises(
        ValueError, match=r"multilabel_soft_margin_loss: input of shape \(3, 4\), weight of shape"
    ):
        F.multilabel_soft_margin_loss(x, x, weight=autograd.ones(3))
    with pytest.raises(TypeError, match=r"kl_div: argument 'target' must be a Tensor, got list"):
        F.kl_div(x, [0.5])


def test_gaussian_nll_bad_var_names_the_problem():
    x = autograd.randn(4, 3)
    with pytest.raises(ValueError, match=r"gaussian_nll_loss: var has negative entry/entries \(min -1"):
        F.gaussian_nll_loss(x, x, -autograd.ones(4, 3))
    with pytest.raises(ValueError, match=r"gaussian_nll_loss: var has negative entry/entries \(-0.5\)"):
        F.gaussian_nll_loss(x, x, -0.5)
    for shape in [(3,), (2,), (4, 2), (1, 1), (4, 3, 1)]:
        with pytest.raises(
            ValueError, match=r"gaussian_nll_loss: var of shape .* is of incorrect size for input"
        ):
            F.gaussian_nll_loss(x, x, autograd.ones(*shape))
    with pytest.raises(TypeError, match=r"gaussian_nll_loss: argument 'var' must be a Tensor, got list"):
        F.gaussian_nll_loss(x, x, [1.0])
    with pytest.raises(ValueError, match=r"gaussian_nll_loss: 'bad' is not a valid value for reduction"):
        F.gaussian_nll_loss(x, x, autograd.ones(4, 3), reduction="bad")
    with pytest.raises(
        ValueError, match=r"gaussian_nll_loss: input of shape \(4, 3\), target of shape \(2,\)"
    ):
        F.gaussian_nll_loss(x, autograd.randn(2), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning for a target that broadcasts (PyTorch gives none)
        F.gaussian_nll_loss(x, autograd.randn(3), autograd.ones(4, 3))
