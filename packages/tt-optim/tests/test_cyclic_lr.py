"""``CyclicLR`` against the triangle formula of its PyTorch page, and values pinned from PyTorch 2.13.

Not course material (no module number); ``nox -s parity`` also compares it with
PyTorch's step by step (program ``lr_schedules``).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_optim import SGD, Adagrad, Adam
from tt_optim.lr_scheduler import CyclicLR, StepLR


def sgd(groups=1):
    return SGD([{"params": [nn.Parameter(autograd.zeros(1))]} for _ in range(groups)], lr=1.0, momentum=0.5)


def trace(optimizer, scheduler, steps, key="momentum"):
    values = []
    for _ in range(steps):
        group = optimizer.param_groups[0]
        values.append((group["lr"], group[key] if key == "momentum" else group["betas"][0]))
        optimizer.step()
        scheduler.step()
    return np.array(values)


def triangle(t, up, down):
    """The formula: the fraction of the amplitude at batch t, cycles of up + down batches."""
    cycle = math.floor(1 + t / (up + down))
    x = 1 + t / (up + down) - cycle
    ratio = up / (up + down)
    return cycle, (x / ratio if x <= ratio else (x - 1) / (ratio - 1))


@pytest.mark.parametrize("up,down", [(3, None), (2, 5), (4, 1), (3, 0)])
def test_triangular_follows_the_formula_lr_up_momentum_down(up, down):
    optimizer = sgd()
    scheduler = CyclicLR(optimizer, 0.1, 0.7, step_size_up=up, step_size_down=down)
    got = trace(optimizer, scheduler, 25)
    expected = [
        (0.1 + 0.6 * h, 0.9 - 0.1 * h)
        for _, h in (triangle(t, up, up if down is None else down) for t in range(25))
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_triangular2_halves_the_amplitude_each_cycle_as_pytorch():
    optimizer = sgd()
    scheduler = CyclicLR(optimizer, 0.1, 1.1, step_size_up=2, step_size_down=3, mode="triangular2")
    # PyTorch 2.13, the same call: (lr, momentum) over 11 batches
    pinned = [(0.1, 0.9), (0.6, 0.85), (1.1, 0.8), (0.7666666667, 0.8333333333)]
    pinned += [(0.4333333333, 0.8666666667), (0.1, 0.9), (0.35, 0.875), (0.6, 0.85)]
    pinned += [(0.4333333333, 0.8666666667), (0.2666666667, 0.8833333333), (0.1, 0.9)]
    np.testing.assert_allclose(trace(optimizer, scheduler, 11), pinned, atol=1e-10)


def test_exp_range_scales_by_gamma_per_iteration_and_cycles_adams_beta1():
    optimizer = Adam([nn.Parameter(autograd.zeros(1))], lr=1.0, betas=(0.5, 0.99))
    scheduler = CyclicLR(optimizer, 0.1, 1.1, step_size_up=2, mode="exp_range", gamma=0.5)
    # PyTorch 2.13: lr and beta1 over 6 batches; beta2 is left alone
    pinned = [(0.1, 0.9), (0.35, 0.875), (0.35, 0.875), (0.1625, 0.89375), (0.1, 0.9), (0.115625, 0.8984375)]
    np.testing.assert_allclose(trace(optimizer, scheduler, 6, key="betas"), pinned, atol=1e-12)
    assert optimizer.param_groups[0]["betas"][1] == 0.99
    assert scheduler.scale_mode == "iterations"


@pytest.mark.parametrize("scale_mode", ["cycle", "iterations"])
def test_a_custom_scale_fn_replaces_the_mode_on_cycles_or_iterations(scale_mode):
    optimizer = sgd()
    scheduler = CyclicLR(optimizer, 0.0, 1.0, 2, mode="nonsense", scale_fn=lambda x: 1 / (x + 1),
                         scale_mode=scale_mode, cycle_momentum=False)  # fmt: skip
    got = trace(optimizer, scheduler, 9)[:, 0]
    expected = []
    for t in range(9):
        cycle, h = triangle(t, 2, 2)
        expected.append(h / ((cycle if scale_mode == "cycle" else t) + 1))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_per_group_bounds_and_the_lr_is_set_to_base_lr_at_construction():
    optimizer = sgd(groups=2)
    scheduler = CyclicLR(optimizer, [0.01, 0.02], [0.1, 0.5], step_size_up=1, base_momentum=[0.6, 0.7])
    assert [g["lr"] for g in optimizer.param_groups] == [0.01, 0.02] == scheduler.get_last_lr()
    assert [g["momentum"] for g in optimizer.param_groups] == [0.9, 0.9]
    scheduler.step()
    assert [g["lr"] for g in optimizer.param_groups] == pytest.approx([0.1, 0.5])
    assert [g["momentum"] for g in optimizer.param_groups] == pytest.approx([0.6, 0.7])
    assert [g["base_momentum"] for g in optimizer.param_groups] == [0.6, 0.7]


def test_state_dict_is_json_and_resumes_the_schedule():
    optimizer = sgd()
    scheduler = CyclicLR(optimizer, 0.1, 0.7, step_size_up=3, mode="triangular2", scale_fn=lambda x: 0.5)
    for _ in range(4):
        scheduler.step()
    state = json.loads(json.dumps(scheduler.state_dict()))
    assert state["_scale_fn_custom"] is None and state["last_epoch"] == 4
    other_optimizer = sgd()
    other = CyclicLR(other_optimizer, 0.1, 0.7, step_size_up=3, mode="triangular2", scale_fn=lambda x: 0.5)
    other.load_state_dict(state)
    scheduler.step()
    other.step()
    assert other.get_last_lr() == scheduler.get_last_lr()
    assert other_optimizer.param_groups[0]["momentum"] == optimizer.param_groups[0]["momentum"]


class Decay:
    """A callable object: its attributes are state, saved as PyTorch saves them."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, x):
        return self.rate**x


def test_a_callable_objects_attributes_are_saved_and_restored():
    scheduler = CyclicLR(sgd(), 0.1, 0.7, step_size_up=3, scale_fn=Decay(0.5), scale_mode="iterations")
    state = scheduler.state_dict()
    assert state["_scale_fn_custom"] == {"rate": 0.5}
    other = CyclicLR(sgd(), 0.1, 0.7, step_size_up=3, scale_fn=Decay(0.9), scale_mode="iterations")
    other.load_state_dict(state)
    assert other._scale_fn_custom.rate == 0.5 and other.scale_mode == "iterations"


def test_load_state_dict_resets_the_scale_mode_of_a_built_in_mode():
    scheduler = CyclicLR(sgd(), 0.1, 0.7, mode="exp_range")
    state = scheduler.state_dict()
    state["scale_mode"] = "cycle"
    scheduler.load_state_dict(state)
    assert scheduler.scale_mode == "iterations"


def test_bad_arguments_are_refused_with_clear_errors():
    with pytest.raises(TypeError, match="not an Optimizer"):
        CyclicLR("sgd", 0.1, 1.0)
    with pytest.raises(ValueError, match="no momentum or betas to cycle; pass cycle_momentum=False"):
        CyclicLR(Adagrad([nn.Parameter(autograd.zeros(1))]), 0.1, 1.0)
    CyclicLR(Adagrad([nn.Parameter(autograd.zeros(1))]), 0.1, 1.0, cycle_momentum=False)
    with pytest.raises(ValueError, match="mode must be 'triangular', 'triangular2' or 'exp_range'"):
        CyclicLR(sgd(), 0.1, 1.0, mode="triangle")
    with pytest.raises(ValueError, match="scale_mode must be 'cycle' or 'iterations'"):
        CyclicLR(sgd(), 0.1, 1.0, scale_mode="epoch")
    with pytest.raises(TypeError, match="scale_fn must be callable"):
        CyclicLR(sgd(), 0.1, 1.0, scale_fn=0.5)
    with pytest.raises(ValueError, match="step_size_up must be positive and step_size_down >= 0"):
        CyclicLR(sgd(), 0.1, 1.0, step_size_up=0)
    with pytest.raises(ValueError, match="step_size_up must be positive and step_size_down >= 0"):
        CyclicLR(sgd(), 0.1, 1.0, step_size_down=-1)
    with pytest.raises(ValueError, match="max_lr has 2 values but the optimizer has 1 param groups"):
        CyclicLR(sgd(), 0.1, [1.0, 2.0])


def test_a_built_in_triangle_mode_cycles_per_cycle_whatever_scale_mode_says():
    optimizer = sgd()
    scheduler = CyclicLR(optimizer, 0.0, 1.0, 1, mode="triangular2", scale_mode="iterations")
    assert scheduler.scale_mode == "cycle"
    assert trace(optimizer, scheduler, 6)[:, 0].tolist() == [0.0, 1.0, 0.0, 0.5, 0.0, 0.25]


def test_base_lr_is_the_bottom_after_the_first_step_when_an_earlier_scheduler_set_initial_lr():
    optimizer = sgd()
    StepLR(optimizer, step_size=2)  # records initial_lr = 1.0 in the group
    scheduler = CyclicLR(optimizer, 0.1, 0.7, step_size_up=2)
    assert scheduler.base_lrs == [0.1] and optimizer.param_groups[0]["initial_lr"] == 1.0
    # PyTorch 2.13: [1.0, 0.4, 0.7, 0.4, 0.1]: its constructor's first step still uses the base class's
    # base_lrs (initial_lr), replaced by base_lr right after; from the next step on, the cycle is base_lr's
    np.testing.assert_allclose(trace(optimizer, scheduler, 5)[:, 0], [1.0, 0.4, 0.7, 0.4, 0.1], rtol=1e-12)
