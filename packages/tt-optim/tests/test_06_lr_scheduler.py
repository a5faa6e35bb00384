"""Learning-rate schedules give PyTorch's values, epoch by epoch (module 06).

Each expected sequence is computed here from the formula in PyTorch's
documentation of the schedule (the closed forms, and for
``CosineAnnealingLR`` also its recursive form, which is what ``step()`` runs).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_optim import SGD, Adam
from tt_optim.lr_scheduler import CosineAnnealingLR, LinearLR, LRScheduler, OneCycleLR, SequentialLR, StepLR


def make_optimizer(lr=0.1, groups=1, optimizer_class=SGD, **settings):
    params = [{"params": [autograd.zeros(2, requires_grad=True)], "lr": lr * (i + 1)} for i in range(groups)]
    return optimizer_class(params, lr=lr, **settings)


def lrs_over(scheduler, epochs):
    """The lr of each group at epochs 0 .. epochs - 1 (as the optimizer sees them), shape (epochs, groups)."""
    values = []
    for _ in range(epochs):
        values.append([group["lr"] for group in scheduler.optimizer.param_groups])
        assert scheduler.get_last_lr() == values[-1]
        scheduler.step()
    return np.array(values)


def test_step_lr_decays_every_step_size_epochs():
    optimizer = make_optimizer(lr=0.5, groups=2)
    scheduler = StepLR(optimizer, step_size=3, gamma=0.1)
    expected = [[base * 0.1 ** (epoch // 3) for base in (0.5, 1.0)] for epoch in range(10)]
    np.testing.assert_allclose(lrs_over(scheduler, 10), expected, rtol=1e-12)


def test_linear_lr_warms_up_to_the_base_lr():
    optimizer = make_optimizer(lr=0.2)
    scheduler = LinearLR(optimizer, start_factor=0.25, total_iters=4)
    expected = [[0.2 * (0.25 + 0.75 * min(epoch, 4) / 4)] for epoch in range(8)]
    np.testing.assert_allclose(lrs_over(scheduler, 8), expected, rtol=1e-12)


def test_linear_lr_can_decay_too():
    scheduler = LinearLR(make_optimizer(lr=1.0), start_factor=1.0, end_factor=0.5, total_iters=5)
    expected = [[1.0 * (1.0 - 0.5 * min(epoch, 5) / 5)] for epoch in range(7)]
    np.testing.assert_allclose(lrs_over(scheduler, 7), expected, rtol=1e-12)


@pytest.mark.parametrize("eta_min", [0.0, 0.01])
def test_cosine_annealing_matches_the_closed_form(eta_min):
    t_max, base = 6, 0.1
    scheduler = CosineAnnealingLR(make_optimizer(lr=base), T_max=t_max, eta_min=eta_min)
    epochs = 3 * t_max + 2  # past T_max the cosine continues: the lr rises again
    expected = [[eta_min + (base - eta_min) * (1 + math.cos(math.pi * t / t_max)) / 2] for t in range(epochs)]
    np.testing.assert_allclose(lrs_over(scheduler, epochs), expected, rtol=1e-9, atol=1e-15)


def test_cosine_annealing_follows_the_documented_recursion():
    t_max, base, eta_min = 5, 0.3, 0.02
    scheduler = CosineAnnealingLR(make_optimizer(lr=base), T_max=t_max, eta_min=eta_min)
    expected, lr = [base], base
    for t in range(1, 17):  # η_t from η_{t-1}, T_cur = t - 1
        if (t - 1 - t_max) % (2 * t_max) == 0:
            lr = lr + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
        else:
            lr = eta_min + (lr - eta_min) * (1 + math.cos(t * math.pi / t_max)) / (
                1 + math.cos((t - 1) * math.pi / t_max)
            )
        expected.append(lr)
    np.testing.assert_allclose(lrs_over(scheduler, 17)[:, 0], expected, rtol=1e-14)


def test_cosine_annealing_jumps_with_the_closed_form():
    scheduler = CosineAnnealingLR(make_optimizer(lr=1.0), T_max=10)
    scheduler.step(5)
    assert scheduler.get_last_lr() == [pytest.approx(0.5)]
    scheduler = CosineAnnealingLR(make_optimizer(lr=1.0), T_max=10, eta_min=0.2)
    scheduler.step(4)
    assert scheduler.get_last_lr() == [pytest.approx(0.2 + 0.8 * (1 + math.cos(math.pi * 4 / 10)) / 2)]


def test_cosine_annealing_steps_from_the_current_lr():
    """The recursive form (PyTorch's chainable ``step()``) follows an lr changed by hand mid-schedule."""
    t_max, eta_min = 10, 0.05
    optimizer = make_optimizer(lr=1.0)
    scheduler = CosineAnnealingLR(optimizer, T_max=t_max, eta_min=eta_min)
    for _ in range(3):
        scheduler.step()
    optimizer.param_groups[0]["lr"] = halved = optimizer.param_groups[0]["lr"] / 2
    scheduler.step()
    ratio = (1 + math.cos(math.pi * 4 / t_max)) / (1 + math.cos(math.pi * 3 / t_max))
    assert scheduler.get_last_lr() == [pytest.approx(eta_min + (halved - eta_min) * ratio, rel=1e-12)]


def test_cosine_annealing_get_lr_after_resuming_is_the_closed_form():
    optimizer = make_optimizer(lr=1.0)
    CosineAnnealingLR(optimizer, T_max=10)  # a first schedule records initial_lr = 1.0
    optimizer.param_groups[0]["lr"] = 0.3
    resumed = CosineAnnealingLR(optimizer, T_max=10, eta_min=0.1, last_epoch=0)
    assert resumed.last_epoch == 1
    assert resumed.get_lr() == [pytest.approx(0.1 + 0.9 * (1 + math.cos(math.pi / 10)) / 2, rel=1e-12)]


@pytest.mark.parametrize(
    "make, closed_form",
    [
        (lambda opt: StepLR(opt, step_size=3, gamma=0.5), lambda base, e: base * 0.5 ** (e // 3)),
        (
            lambda opt: LinearLR(opt, start_factor=0.25, end_factor=0.75, total_iters=4),
            lambda base, e: base * (0.25 + 0.5 * min(e, 4) / 4),
        ),
    ],
)
def test_step_with_an_epoch_jumps_with_the_closed_form(make, closed_form):
    optimizer = make_optimizer(lr=0.2, groups=2)
    scheduler = make(optimizer)
    for epoch in (5, 2, 9, 1):
        scheduler.step(epoch)
        expected = [closed_form(base, epoch) for base in (0.2, 0.4)]
        np.testing.assert_allclose(scheduler.get_last_lr(), expected, rtol=1e-12)
        assert [group["lr"] for group in optimizer.param_groups] == scheduler.get_last_lr()


def one_cycle_reference(
    total,
    max_lr,
    pct_start=0.3,
    div=25.0,
    final_div=1e4,
    three_phase=False,
    linear=False,
    base_m=0.85,
    max_m=0.95,
):
    """(lr, momentum) at steps 0 .. total, from the policy as PyTorch documents and implements it."""

    def anneal(start, end, pct):
        if linear:
            return start + (end - start) * pct
        return end + (start - end) * (1 + math.cos(math.pi * pct)) / 2

    initial = max_lr / div
    minimum = initial / final_div
    if three_phase:
        phases = [
            (pct_start * total - 1, initial, max_lr, max_m, base_m),
            (2 * pct_start * total - 2, max_lr, initial, base_m, max_m),
            (total - 1, initial, minimum, max_m, max_m),
        ]
    else:
        phases = [
            (pct_start * total - 1, initial, max_lr, max_m, base_m),
            (total - 1, max_lr, minimum, base_m, max_m),
        ]
    values = []
    for step in range(total + 1):  # the last step may be taken: it extends the last phase
        begin = 0.0
        for number, (end, lr0, lr1, m0, m1) in enumerate(phases):
            if step <= end or number == len(phases) - 1:
                pct = (step - begin) / (end - begin)
                values.append((anneal(lr0, lr1, pct), anneal(m0, m1, pct)))
                break
            begin = end
    return np.array(values)


@pytest.mark.parametrize(
    "settings",
    [dict(), dict(three_phase=True), dict(anneal_strategy="linear", pct_start=0.25), dict(div_factor=10.0)],
)
def test_one_cycle_lr_and_momentum(settings):
    total = 20
    optimizer = make_optimizer(lr=1.0, momentum=0.9)
    scheduler = OneCycleLR(optimizer, max_lr=0.5, total_steps=total, **settings)
    lrs, momenta = [], []
    for _ in range(total):
        lrs.append(optimizer.param_groups[0]["lr"])
        momenta.append(optimizer.param_groups[0]["momentum"])
        scheduler.step()
    reference = dict(
        three_phase=settings.get("three_phase", False),
        linear=settings.get("anneal_strategy") == "linear",
        pct_start=settings.get("pct_start", 0.3),
        div=settings.get("div_factor", 25.0),
    )
    expected = one_cycle_reference(total, 0.5, **reference)
    lrs.append(optimizer.param_groups[0]["lr"])
    momenta.append(optimizer.param_groups[0]["momentum"])
    np.testing.assert_allclose(lrs, expected[:, 0], rtol=1e-12)
    np.testing.assert_allclose(momenta, expected[:, 1], rtol=1e-12)
    assert lrs[0] == pytest.approx(0.5 / reference["div"]) and max(lrs) == pytest.approx(0.5)


def test_one_cycle_cycles_adams_beta1_and_counts_epochs_times_steps():
    optimizer = make_optimizer(lr=1.0, optimizer_class=Adam, betas=(0.9, 0.99))
    scheduler = OneCycleLR(
        optimizer, max_lr=[0.01], epochs=2, steps_per_epoch=5, base_momentum=0.8, max_momentum=0.9
    )
    expected = one_cycle_reference(10, 0.01, base_m=0.8, max_m=0.9)
    for step in range(10):
        beta1, beta2 = optimizer.param_groups[0]["betas"]
        assert beta1 == pytest.approx(expected[step, 1]) and beta2 == 0.99
        scheduler.step()
    with pytest.raises(ValueError, match="total_steps=10"):
        scheduler.step()


def test_sequential_lr_warm_up_then_cosine():
    base, warm, t_max = 0.4, 3, 5
    optimizer = make_optimizer(lr=base)
    warmup = LinearLR(optimizer, start_factor=0.1, total_iters=warm)
    cosine = CosineAnnealingLR(optimizer, T_max=t_max)
    scheduler = SequentialLR(optimizer, [warmup, cosine], milestones=[warm])
    expected = [
        base * (0.1 + 0.9 * e / warm) if e < warm else base * (1 + math.cos(math.pi * (e - warm) / t_max)) / 2
        for e in range(warm + t_max + 1)
    ]
    np.testing.assert_allclose(lrs_over(scheduler, len(expected))[:, 0], expected, rtol=1e-9, atol=1e-15)


def test_the_optimizer_steps_with_the_scheduled_lr():
    p = autograd.zeros(1, dtype=autograd.float64, requires_grad=True)
    optimizer = SGD([p], lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad = autograd.ones(1, dtype=autograd.float64)
        optimizer.step()
        scheduler.step()
    np.testing.assert_allclose(p.detach().numpy(), [-(1.0 + 0.5 + 0.25)])


@pytest.mark.parametrize(
    "make",
    [
        lambda opt: StepLR(opt, step_size=2, gamma=0.5),
        lambda opt: CosineAnnealingLR(opt, T_max=4, eta_min=0.001),
        lambda opt: LinearLR(opt, start_factor=0.2, total_iters=3),
        lambda opt: OneCycleLR(opt, max_lr=0.3, total_steps=12, three_phase=True),
        lambda opt: SequentialLR(
            opt, [LinearLR(opt, 0.5, total_iters=2), CosineAnnealingLR(opt, T_max=6)], [2]
        ),
    ],
)
def test_state_dict_round_trip_continues_the_schedule(make):
    optimizer = make_optimizer(lr=0.1, groups=2, momentum=0.9)
    scheduler = make(optimizer)
    for _ in range(4):
        scheduler.step()
    saved_scheduler, saved_optimizer = scheduler.state_dict(), optimizer.state_dict()
    fresh_optimizer = make_optimizer(lr=0.7, groups=2, momentum=0.1)
    fresh = make(fresh_optimizer)
    fresh_optimizer.load_state_dict(saved_optimizer)
    fresh.load_state_dict(saved_scheduler)
    np.testing.assert_array_equal(lrs_over(fresh, 6), lrs_over(scheduler, 6))


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda opt: StepLR(opt, step_size=0), ValueError, "step_size"),
        (lambda opt: LinearLR(opt, start_factor=0.0), ValueError, "start_factor"),
        (lambda opt: LinearLR(opt, end_factor=1.5), ValueError, "end_factor"),
        (lambda opt: CosineAnnealingLR(opt, T_max=0), ValueError, "T_max"),
        (lambda opt: OneCycleLR(opt, max_lr=0.1), ValueError, "total_steps"),
        (lambda opt: OneCycleLR(opt, max_lr=[0.1, 0.2], total_steps=5), ValueError, "param groups"),
        (lambda opt: StepLR(opt, step_size=2, last_epoch=4), KeyError, "initial_lr"),
        (
            lambda opt: SequentialLR(opt, [StepLR(make_optimizer(), 2)], milestones=[]),
            ValueError,
            "another optimizer",
        ),
        (lambda opt: SequentialLR(opt, [StepLR(opt, 2)], milestones=[3]), ValueError, "one milestone fewer"),
        (lambda opt: StepLR("not an optimizer", 2), TypeError, "not an Optimizer"),
    ],
)
def test_bad_schedules_are_refused_clearly(make, error, message):
    with pytest.raises(error, match=message):
        make(make_optimizer())


def test_one_cycle_needs_momentum_to_cycle():
    from tt_optim import Optimizer

    optimizer = Optimizer([autograd.zeros(2, requires_grad=True)], {"lr": 0.1})  # no momentum, no betas
    with pytest.raises(ValueError, match="cycle_momentum=False"):
        OneCycleLR(optimizer, max_lr=0.1, total_steps=10)
    OneCycleLR(optimizer, max_lr=0.1, total_steps=10, cycle_momentum=False)


def test_a_custom_schedule_only_defines_get_lr():
    class Halving(LRScheduler):
        def get_lr(self):
            return [
                group["lr"] * (0.5 if self.last_epoch > 0 else 1.0) for group in self.optimizer.param_groups
            ]

    np.testing.assert_allclose(lrs_over(Halving(make_optimizer(lr=1.0)), 4)[:, 0], [1.0, 0.5, 0.25, 0.125])
