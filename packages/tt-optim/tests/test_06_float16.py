"""Module 06: optimizers on float16 parameters keep float32 state and compute in float32 (issue #14).

Before: Adam's ``eps = 1e-8`` rounded to 0 in float16, so a parameter with
a zero gradient became ``0 / 0 = nan`` at the first step.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_optim import SGD, Adam, AdamW, RMSprop


def step_once(make, values, grad):
    param = autograd.tensor(values, requires_grad=True)
    param.grad = autograd.tensor(grad)
    optimizer = make([param])
    optimizer.step()
    return param, optimizer


@pytest.mark.parametrize(
    "make",
    [
        lambda p: Adam(p, lr=1e-2),
        lambda p: AdamW(p, lr=1e-2),
        lambda p: Adam(p, lr=1e-2, amsgrad=True, weight_decay=0.1),
        lambda p: SGD(p, lr=0.1, momentum=0.9),
        lambda p: RMSprop(p, lr=1e-2),
    ],
)
def test_float16_parameters_step_like_float32_ones_rounded(rng, make):
    values = rng.standard_normal((4, 5)).astype(np.float16)
    grad = rng.standard_normal((4, 5)).astype(np.float16)
    grad[0] = 0  # a zero gradient: 0 / (0 + eps) must stay 0, not nan
    grad[1] = 1e-4  # squares below float16's smallest number
    half, optimizer = step_once(make, values, grad)
    full, _ = step_once(make, values.astype(np.float32), grad.astype(np.float32))
    assert half.array.dtype == np.float16
    assert np.isfinite(half.array).all()
    np.testing.assert_array_equal(half.array, full.array.astype(np.float16))
    for value in optimizer.state[half].values():
        if isinstance(value, autograd.Tensor) and value.ndim:
            assert value.array.dtype == np.float32


def test_float16_state_survives_a_state_dict_round_trip(rng):
    param, optimizer = step_once(lambda p: Adam(p), np.ones(3, np.float16), np.full(3, 0.5, np.float16))
    restored = Adam([param])
    restored.load_state_dict(optimizer.state_dict())
    assert restored.state[param]["exp_avg_sq"].array.dtype == np.float32
    saved, back = optimizer.state[param]["exp_avg"].array, restored.state[param]["exp_avg"].array
    np.testing.assert_array_equal(back, saved)


def test_a_float16_step_bumps_the_version_like_any_other(rng):
    param = autograd.tensor(np.ones(3, np.float16), requires_grad=True)
    y = (param * param).sum()
    param.grad = autograd.tensor(np.ones(3, np.float16))
    Adam([param]).step()
    with pytest.raises(RuntimeError, match="in-place"):
        y.backward()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: SGD(p, lr="x"), "SGD: lr must be a number, got str"),
        (lambda p: SGD(p, dampening="x"), "SGD: dampening must be a number"),
        (lambda p: Adam(p, betas="ab"), r"Adam: betas must be a pair of floats"),
        (lambda p: Adam(p, betas=(0.9, None)), "Adam: betas must be a number, got NoneType"),
        (lambda p: RMSprop(p, alpha=True), "RMSprop: alpha must be a number, got bool"),
    ],
)
def test_non_numeric_hyperparameters_are_named(make, message):
    with pytest.raises(TypeError, match=message):
        make([autograd.zeros(2, requires_grad=True)])


def test_clip_grad_norm_refuses_a_non_numeric_max_norm():
    from tt_optim.utils import clip_grad_norm_

    with pytest.raises(TypeError, match="clip_grad_norm_: max_norm must be a number, got str"):
        clip_grad_norm_([autograd.zeros(2, requires_grad=True)], "x")
