"""The schedules of ``lr_scheduler_extra.py`` against the formulas on ``torch.optim.lr_scheduler``'s pages.

Each reference is the schedule's closed form written out here, evaluated per
epoch, and compared with the scheduler's stepped (chainable) values. Not course
material, so no module number: ``nox -s tests`` runs it (``nox -s parity``
also compares every schedule with PyTorch's, step by step).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_optim import SGD
from tt_optim.lr_scheduler import (
    ChainedScheduler,
    ConstantLR,
    CosineAnnealingWarmRestarts,
    ExponentialLR,
    LambdaLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    ReduceLROnPlateau,
    StepLR,
)

BASES = (0.4, 0.1)


def optimizer():
    groups = [{"params": [nn.Parameter(autograd.zeros(2))], "lr": lr} for lr in BASES]
    return SGD(groups, lr=1.0)


def stepped(scheduler, steps=12):
    """Both groups' lrs right after construction and after each of ``steps`` steps."""
    opt = scheduler.optimizer
    lrs = [[g["lr"] for g in opt.param_groups]]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        lrs.append([g["lr"] for g in opt.param_groups])
    return np.array(lrs)


def closed(formula, steps=12):
    return np.array([[formula(base, t) for base in BASES] for t in range(steps + 1)])


CASES = {
    "LambdaLR": (lambda o: LambdaLR(o, lambda e: 1 / (1 + e)), lambda b, t: b / (1 + t)),
    "LambdaLR per group": (
        lambda o: LambdaLR(o, [lambda e: 0.5**e, lambda e: e + 1]),
        lambda b, t: b * (0.5**t if b == BASES[0] else t + 1),
    ),
    "MultiplicativeLR": (
        lambda o: MultiplicativeLR(o, lambda e: 0.9),
        lambda b, t: b * 0.9**t,
    ),
    "MultiStepLR": (
        lambda o: MultiStepLR(o, milestones=[6, 2, 6, 9], gamma=0.5),  # unsorted, 6 twice: two reductions
        lambda b, t: b * 0.5 ** sum(m <= t for m in (2, 6, 6, 9)),
    ),
    "ExponentialLR": (lambda o: ExponentialLR(o, gamma=0.8), lambda b, t: b * 0.8**t),
    "ConstantLR": (
        lambda o: ConstantLR(o, factor=0.25, total_iters=4),
        lambda b, t: b * (0.25 if t < 4 else 1.0),
    ),
    "PolynomialLR": (
        lambda o: PolynomialLR(o, total_iters=8, power=2.0),
        lambda b, t: b * (1 - min(t, 8) / 8) ** 2,
    ),
    "CosineAnnealingWarmRestarts": (
        lambda o: CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2, eta_min=0.01),
        # restarts at 2, 6, 14: periods 2, 4, 8
        lambda b, t: 0.01 + (b - 0.01) * (1 + math.cos(math.pi * _since_restart(t) / _period(t))) / 2,
    ),
}


def _restarts(t):
    start, period = 0, 2
    while t >= start + period:
        start, period = start + period, period * 2
    return start, period


def _since_restart(t):
    return t - _restarts(t)[0]


def _period(t):
    return _restarts(t)[1]


@pytest.mark.parametrize("name", CASES)
def test_stepped_values_follow_the_closed_form(name):
    make, formula = CASES[name]
    scheduler = make(optimizer())
    np.testing.assert_allclose(stepped(scheduler), closed(formula), rtol=1e-12, atol=1e-15)
    assert scheduler.get_last_lr() == [g["lr"] for g in scheduler.optimizer.param_groups]


@pytest.mark.parametrize("name", ["MultiStepLR", "ExponentialLR", "ConstantLR", "PolynomialLR"])
def test_step_to_an_epoch_uses_the_closed_form(name):
    make, formula = CASES[name]
    scheduler = make(optimizer())
    for epoch in (7, 3, 11, 0, 6, 2, 4, 8):  # 2, 4, 6, 8: the schedules' turning points
        scheduler.step(epoch)
        lrs = [g["lr"] for g in scheduler.optimizer.param_groups]
        np.testing.assert_allclose(lrs, [formula(b, epoch) for b in BASES], rtol=1e-12)


def test_warm_restarts_at_fractional_epochs():
    scheduler = CosineAnnealingWarmRestarts(optimizer(), T_0=2, T_mult=3)  # restarts at 2, 8, 26
    for epoch, since, period in (
        (0.5, 0.5, 2),
        (2.0, 0.0, 6),
        (7.5, 5.5, 6),
        (8.25, 0.25, 18),
        (1.0, 1.0, 2),
    ):
        scheduler.step(epoch)
        expected = [b * (1 + math.cos(math.pi * since / period)) / 2 for b in BASES]
        np.testing.assert_allclose(scheduler.get_last_lr(), expected, rtol=1e-12, atol=1e-15)
        assert scheduler.last_epoch == math.floor(epoch)
    once = CosineAnnealingWarmRestarts(optimizer(), T_0=4)  # T_mult 1: every 4 epochs
    once.step(5.0)  # 1 epoch after the restart at 4
    np.testing.assert_allclose(once.get_last_lr(), [b * (1 + math.cos(math.pi / 4)) / 2 for b in BASES])


def test_chained_scheduler_multiplies_the_factors():
    opt = optimizer()
    chained = ChainedScheduler([ConstantLR(opt, factor=0.5, total_iters=3), ExponentialLR(opt, gamma=0.9)])
    expected = closed(lambda b, t: b * (0.5 if t < 3 else 1.0) * 0.9**t)
    np.testing.assert_allclose(stepped(chained), expected, rtol=1e-12)


def test_reduce_on_plateau_waits_patience_epochs_then_cools_down():
    opt = optimizer()
    scheduler = ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1, min_lr=[0.0, 0.04])
    metrics = [5.0, 4.0, 4.0, 3.9999, 4.1, 4.1, 4.1, 4.1, 2.0, 2.0, 2.0]
    lrs = []
    for value in metrics:
        scheduler.step(autograd.tensor(value))
        lrs.append([g["lr"] for g in opt.param_groups])
    # epoch 3: 4.0 not better (1 bad); 4: 3.9999 not better by 1e-4 relative (2 > patience: halve, cool
    # down); 5: cooldown; 6: 1 bad; 7: 2, halve (group 1 stops at its floor 0.04); 8: cooldown; 9: 2.0 better;
    # 10, 11: 1 and 2 bad, halve
    halves = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3]
    expected = [[max(b * 0.5**h, floor) for b, floor in zip(BASES, (0.0, 0.04))] for h in halves]
    np.testing.assert_allclose(lrs, expected, rtol=1e-12)
    assert scheduler.best == 2.0 and scheduler.last_epoch == len(metrics)


@pytest.mark.parametrize(
    ("mode", "threshold_mode", "best", "better", "not_better"),
    [("min", "rel", 10.0, 8.99, 9.01), ("min", "abs", 10.0, 8.99, 9.01),
     ("max", "rel", 10.0, 11.01, 10.99), ("max", "abs", 10.0, 11.01, 10.99)],
)  # fmt: skip
def test_reduce_on_plateau_improvement_threshold(mode, threshold_mode, best, better, not_better):
    scheduler = ReduceLROnPlateau(optimizer(), mode=mode, threshold=0.1 if threshold_mode == "rel" else 1.0,
                                  threshold_mode=threshold_mode)  # fmt: skip
    assert scheduler.is_better(better, best) and not scheduler.is_better(not_better, best)


def test_reduce_on_plateau_skips_a_reduction_smaller_than_eps():
    opt = optimizer()
    scheduler = ReduceLROnPlateau(opt, factor=0.5, patience=0, min_lr=[0.3, 0.08], eps=0.03)
    scheduler.step(1.0)
    scheduler.step(1.0)  # 0.4 -> max(0.2, 0.3) = 0.3, a 0.1 cut; 0.1 -> max(0.05, 0.08): a 0.02 cut, skipped
    assert [g["lr"] for g in opt.param_groups] == [0.3, 0.1]


def test_reduce_on_plateau_in_max_mode_starts_from_minus_infinity():
    opt = optimizer()
    scheduler = ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=0)
    for accuracy in (0.1, 0.2, 0.3):  # rising: never a bad epoch
        scheduler.step(accuracy)
    assert [g["lr"] for g in opt.param_groups] == list(BASES) and scheduler.best == 0.3
    scheduler.step(0.3)
    assert [g["lr"] for g in opt.param_groups] == [b / 2 for b in BASES]


def test_state_dicts_are_json_and_resume_the_schedule():
    for name in ("MultiStepLR", "CosineAnnealingWarmRestarts", "LambdaLR"):
        make, _ = CASES[name]
        first = make(optimizer())
        stepped(first, 5)
        state = json.loads(json.dumps(first.state_dict()))
        assert "optimizer" not in state and all(f is None for f in state.get("lr_lambdas", []))  # (functions)
        second = make(optimizer())
        second.load_state_dict(state)
        for g, lr in zip(second.optimizer.param_groups, first.get_last_lr()):
            g["lr"] = lr
        np.testing.assert_allclose(stepped(second, 4)[1:], stepped(first, 4)[1:], rtol=1e-12)
    plateau = ReduceLROnPlateau(optimizer())
    plateau.step(3.0)
    assert json.loads(json.dumps(plateau.state_dict()))["best"] == 3.0


def test_bad_arguments_are_named():
    opt = optimizer()
    with pytest.raises(ValueError, match="lr_lambda has 3 values but the optimizer has 2 param groups"):
        LambdaLR(opt, [lambda e: 1.0] * 3)
    with pytest.raises(TypeError, match="LambdaLR: lr_lambda 1 must be callable, got float"):
        LambdaLR(opt, [lambda e: 1.0, 0.5])
    with pytest.raises(ValueError, match=r"ConstantLR: factor must be in \[0, 1\], got 1.5"):
        ConstantLR(opt, factor=1.5)
    ConstantLR(optimizer(), factor=1.0)  # the ends are allowed
    with pytest.raises(ValueError, match="PolynomialLR: total_iters must be a positive integer, got 0"):
        PolynomialLR(opt, total_iters=0)
    with pytest.raises(ValueError, match="T_0 must be a positive integer, got 0"):
        CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="T_mult must be an integer >= 1, got 1.5"):
        CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=1.5)
    with pytest.raises(ValueError, match="epoch must be >= 0, got -1"):
        CosineAnnealingWarmRestarts(opt, T_0=2).step(-1)
    with pytest.raises(ValueError, match="factor must be < 1.0, got 1.0"):
        ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max', got 'up'"):
        ReduceLROnPlateau(opt, mode="up")
    with pytest.raises(ValueError, match="threshold_mode must be 'rel' or 'abs', got 'pct'"):
        ReduceLROnPlateau(opt, threshold_mode="pct")
    with pytest.raises(TypeError, match="ReduceLROnPlateau: list is not an Optimizer"):
        ReduceLROnPlateau([])
    with pytest.raises(ValueError, match="ChainedScheduler: expects at least one scheduler"):
        ChainedScheduler([])
    with pytest.raises(ValueError, match=r"scheduler 1 \(StepLR\) belongs to another optimizer"):
        ChainedScheduler([ExponentialLR(opt, 0.9), StepLR(optimizer(), 2)])
