"""Module 20: the capstone's budget, measurements and the keep-or-revert optimisation loop."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_perf.capstone import (
    Budget,
    Measurement,
    latency_ms,
    measure,
    model_bytes,
    optimize,
    paired_latency_ms,
)

measure_module = importlib.import_module("tt_perf.capstone.measure")  # the module, not the function

START = Measurement("start", accuracy=0.80, size_bytes=1000, latency_ms=2.0)


@pytest.mark.parametrize(
    "budget, candidate, broken",
    [
        (Budget(min_accuracy=0.75), Measurement("c", 0.74, 1000, 2.0), "below the required"),
        (Budget(max_accuracy_drop=0.01), Measurement("c", 0.785, 1000, 2.0), "1.50 points below"),
        (Budget(max_size_bytes=500), Measurement("c", 0.8, 600, 2.0), "exceeds 500"),
        (Budget(min_size_ratio=4), Measurement("c", 0.8, 300, 2.0), "3.33x smaller"),
        (Budget(max_latency_ms=1.0), Measurement("c", 0.8, 1000, 1.5), "exceeds 1.0 ms"),
        (Budget(min_speedup=2), Measurement("c", 0.8, 1000, 1.25), "1.60x faster"),
    ],
)
def test_each_limit_names_what_is_broken(budget, candidate, broken):
    (problem,) = budget.violations(candidate, START)
    assert broken in problem


def test_a_candidate_within_every_limit_meets_the_budget():
    budget = Budget(max_accuracy_drop=0.01, min_size_ratio=3.9, min_speedup=1.5, max_latency_ms=1.5)
    assert budget.violations(Measurement("c", 0.795, 250, 1.2), START) == []
    assert budget.keeps_quality(Measurement("c", 0.795, 5000, 9.0), START)
    assert not budget.keeps_quality(Measurement("c", 0.70, 100, 0.1), START)


def test_every_limit_is_inclusive():
    """A candidate exactly at each limit meets it ("at most", "at least")."""
    at_limits = Budget(min_accuracy=0.79, max_accuracy_drop=0.01, max_size_bytes=250, min_size_ratio=4,
                       max_latency_ms=1.0, min_speedup=2)  # fmt: skip
    assert at_limits.violations(Measurement("c", 0.79, 250, 1.0), START) == []
    # just past each limit: every one of them is reported
    past = at_limits.violations(Measurement("c", 0.789, 251, 1.001), START)
    assert len(past) == 6


@pytest.mark.parametrize("field, value", [("max_accuracy_drop", -0.1), ("min_speedup", 0.0)])
def test_nonsense_budgets_are_refused(field, value):
    with pytest.raises(ValueError, match=field):
        Budget(**{field: value})


def test_model_bytes_counts_every_array_at_its_own_width():
    model = nn.Sequential(nn.Linear(10, 4), nn.BatchNorm1d(4))
    # weight 40 + bias 4 floats, BN weight/bias/mean/var 4 floats each, num_batches_tracked one int64
    assert model_bytes(model) == (40 + 4 + 16) * 4 + 8
    model.register_buffer("codes", autograd.zeros(100, dtype=autograd.int8))
    assert model_bytes(model) == (40 + 4 + 16) * 4 + 8 + 100


def test_latency_is_positive_and_restores_the_training_flag():
    model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5))
    model.train()
    assert latency_ms(model, autograd.zeros(1, 8), repeats=4) > 0
    assert model.training
    with pytest.raises(ValueError, match="repeats"):
        latency_ms(model, autograd.zeros(1, 8), repeats=0)


def blobs(rng, n=400):
    """Two Gaussian blobs in 16 dimensions: an easy task a small MLP solves."""
    labels = rng.integers(0, 2, n)
    points = rng.standard_normal((n, 16)).astype(np.float32) + 3.0 * labels[:, None]
    return autograd.tensor(points), labels


def trained_mlp(rng):
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 2))
    x, y = blobs(rng)
    for _ in range(60):
        loss = nn.functional.cross_entropy(model(x), autograd.tensor(y))
        model.zero_grad()
        loss.backward()
        with autograd.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
    return model, x, y


def accuracy_on(x, y):
    def evaluate(model):
        with autograd.no_grad():
            return float((model(x).numpy().argmax(1) == y).mean())

    return evaluate


def keep_hidden_units(count):
    """A pass that physically keeps the ``count`` hidden units with the largest outgoing weights."""

    def apply(model):
        first, last = model[0], model[2]
        keep = np.sort(np.argsort(-np.abs(last.weight.detach().numpy()).sum(0))[:count])
        small = nn.Sequential(nn.Linear(16, count), nn.ReLU(), nn.Linear(count, 2))
        small[0].weight.data = first.weight.detach()[keep]
        small[0].bias.data = first.bias.detach()[keep]
        small[2].weight.data = last.weight.detach()[:, keep]
        small[2].bias.data = last.bias.detach()
        return small

    return apply


def scramble(model):
    for p in model.parameters():
        p.data = autograd.zeros(p.shape)
    return model


def test_optimize_keeps_passes_that_hold_quality_and_reverts_the_others(rng):
    model, x, y = trained_mlp(rng)
    evaluate = accuracy_on(x, y)
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    budget = Budget(max_accuracy_drop=0.02, min_size_ratio=3.5)
    passes = [
        ("scramble", scramble),
        ("keep 16 units", keep_hidden_units(16)),
        ("keep 4", keep_hidden_units(4)),
    ]
    # a real clock: a generous tolerance, so only accuracy and size decide here (timing: fake-clock tests)
    report = optimize(model, passes, evaluate, autograd.zeros(1, 16), budget, repeats=3, tolerance=10.0)
    assert report.start.accuracy >= 0.95
    assert [s.kept for s in report.stages] == [False, True]  # met after the second: the third never runs
    assert "accuracy" in report.stages[0].reason and report.stages[0].measurement.accuracy <= 0.6
    assert report.met and report.final.name == "keep 16 units"
    assert report.final.size_bytes < report.start.size_bytes / 3.5
    assert report.model[0].weight.shape == (16, 16)
    for key, value in model.state_dict().items():  # the starting model is never touched
        np.testing.assert_array_equal(value.numpy(), before[key])
    table = report.table()
    assert "scramble" in table and "keep 16 units" in table and table.count("\n") == 3
    assert report.to_dict()["met"] is True and len(report.to_dict()["stages"]) == 2


def test_an_unmet_budget_is_reported_with_its_violations(rng):
    model, x, y = trained_mlp(rng)
    report = optimize(
        model,
        [("scramble", scramble)],
        accuracy_on(x, y),
        autograd.zeros(1, 16),
        Budget(0.5, 0.05, min_size_ratio=2),
        repeats=2,
    )
    assert not report.met and report.final is report.start
    assert any("smaller" in v for v in report.violations)


def test_a_pass_must_return_a_module(rng):
    model, x, y = trained_mlp(rng)
    with pytest.raises(TypeError, match="'bad' returned NoneType"):
        optimize(
            model,
            [("bad", lambda m: None)],
            accuracy_on(x, y),
            autograd.zeros(1, 16),
            Budget(min_speedup=9),
            2,
        )


def test_measure_refuses_an_accuracy_outside_zero_one():
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        measure(nn.Linear(2, 2), "m", lambda m: 87.0, autograd.zeros(1, 2), repeats=1)


def test_latency_is_the_p90_of_the_timed_calls_in_milliseconds(fake_clock):
    clock = fake_clock(measure_module)

    class Slow(nn.Module):  # call k "takes" k ms, and records the mode it ran in
        def __init__(self):
            super().__init__()
            self.calls, self.modes = 0, []

        def forward(self, x):
            self.calls += 1
            self.modes.append(self.training)
            clock.now += self.calls * 1e-3
            return x

    model = Slow()
    result = latency_ms(model, autograd.zeros(1), repeats=11, warmup=3)
    assert model.calls == 14 and not any(model.modes) and model.training
    timed = np.arange(4, 15, dtype=np.float64)  # the warm-up calls 1..3 are not timed
    assert result == pytest.approx(np.percentile(timed, 90), rel=1e-9)


class Costly(nn.Module):
    """A fake model: ``cost`` ms per call on the fake clock, ``size`` float32 weights, a fixed accuracy."""

    def __init__(self, clock, cost, size, accuracy):
        super().__init__()
        self.clock, self.cost, self.accuracy = clock, cost, accuracy
        self.weight = nn.Parameter(autograd.zeros(size))

    def forward(self, x):
        self.clock.now += self.cost * 1e-3
        return x


def stage(clock, cost=None, size=None, accuracy=None):
    """A pass giving a new fake model; unset properties are the current model's."""

    def apply(model):
        return Costly(
            clock,
            model.cost if cost is None else cost,
            model.weight.shape[0] if size is None else size,
            model.accuracy if accuracy is None else accuracy,
        )

    return apply


def test_optimize_keeps_a_pass_only_if_it_keeps_accuracy_is_not_slower_and_helps(fake_clock):
    clock = fake_clock(measure_module)
    start = Costly(clock, cost=2.0, size=1000, accuracy=0.80)
    passes = [
        ("fold", stage(clock, cost=1.0)),  # 2x faster, same size: kept
        ("int8, slow", stage(clock, cost=1.5, size=250)),  # 4x smaller but slower than the folded model
        ("no change", stage(clock)),  # neither smaller nor faster: no step towards the goal
        ("prune, wrong", stage(clock, cost=0.5, size=100, accuracy=0.70)),  # loses accuracy
        ("int8, fast", stage(clock, cost=0.98, size=250)),  # 4x smaller, as fast (within the tolerance)
        ("never tried", stage(clock, cost=0.1)),  # the budget is met before it
    ]
    budget = Budget(max_accuracy_drop=0.01, min_size_ratio=3.5, min_speedup=2.0)
    report = optimize(start, passes, lambda m: m.accuracy, autograd.zeros(1), budget, repeats=5)
    assert [(s.measurement.name, s.kept) for s in report.stages] == [
        ("fold", True),
        ("int8, slow", False),
        ("no change", False),
        ("prune, wrong", False),
        ("int8, fast", True),
    ]
    fold, slow, same, wrong, fast = report.stages
    assert fold.measurement.speedup == pytest.approx(2.0) and fold.reason == ""
    assert fold.measurement.median_speedup == pytest.approx(2.0)
    assert "slower than the model it was applied to: 1.50x its time" in slow.reason
    assert "p90 1.500 ms against 1.000 ms" in slow.reason
    assert "accuracy" not in slow.reason and "no step" not in slow.reason
    assert "not smaller or faster" in same.reason and "slower" not in same.reason
    assert "points below the start" in wrong.reason
    assert fast.measurement.speedup == pytest.approx(2.0 / 0.98)
    assert fast.measurement.median_speedup == pytest.approx(2.0 / 0.98), "start over candidate, not current"
    assert report.met and report.final.name == "int8, fast" and report.model.cost == 0.98
    assert "slower than the model" in report.table()


def test_optimize_without_size_or_speed_goals_judges_accuracy_and_slowness_only(fake_clock):
    clock = fake_clock(measure_module)
    start = Costly(clock, cost=1.0, size=10, accuracy=0.9)
    passes = [("same", stage(clock)), ("slower", stage(clock, cost=1.2)), ("bad", stage(clock, accuracy=0.5))]
    report = optimize(start, passes, lambda m: m.accuracy, autograd.zeros(1), Budget(max_accuracy_drop=0.01),
                      repeats=3, stop_when_met=False)  # fmt: skip
    assert [s.kept for s in report.stages] == [True, False, False]
    with pytest.raises(ValueError, match="tolerance"):
        optimize(start, passes, lambda m: m.accuracy, autograd.zeros(1), Budget(), tolerance=-1)


def test_paired_latency_interleaves_the_models_calls(fake_clock):
    clock = fake_clock(measure_module)
    order = []

    class Logged(Costly):
        def forward(self, x):
            order.append(self.name)
            return super().forward(x)

    a, b = Logged(clock, 1.0, 1, 0.5), Logged(clock, 3.0, 1, 0.5)
    a.name, b.name = "a", "b"
    a.train()
    b.eval()
    assert paired_latency_ms([a, b], autograd.zeros(1), repeats=4, warmup=1) == pytest.approx([1.0, 3.0])
    assert "".join(order) == "ab" * 5 and a.training and not b.training
    with pytest.raises(ValueError, match="repeats"):
        paired_latency_ms([a], autograd.zeros(1), repeats=0)


def test_slower_or_faster_is_judged_on_paired_rounds_when_load_spikes_swamp_the_p90(fake_clock):
    clock = fake_clock(measure_module)
    calls = []

    class Loaded(Costly):  # every 5th call of any model is preempted for 50 ms: every p90 is a spike
        def forward(self, x):
            calls.append(1)
            if len(calls) % 5 == 0:
                self.clock.now += 0.050
            return super().forward(x)

    def like(cost):
        return lambda m: Loaded(clock, cost, m.weight.shape[0] // 2, m.accuracy)

    start = Loaded(clock, cost=2.0, size=1000, accuracy=0.8)
    passes = [("twice as fast", like(1.0)), ("slower", like(1.5))]
    report = optimize(start, passes, lambda m: m.accuracy, autograd.zeros(1), Budget(min_size_ratio=10),
                      repeats=40, stop_when_met=False)  # fmt: skip
    fast, slow = report.stages
    assert fast.measurement.latency_ms > 50 and slow.measurement.latency_ms > 50, "the p90s are the spikes"
    assert fast.kept and not slow.kept and "1.50x its time" in slow.reason
    assert fast.measurement.median_speedup == pytest.approx(2.0), "the rounds without a spike"


class _RecordsItsMode(nn.Module):
    """Returns its input; remembers the training flag and grad mode of every call."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def forward(self, x):
        self.seen.append((self.training, autograd.is_grad_enabled()))
        return x


def test_paired_times_runs_every_model_in_eval_mode_without_a_graph_and_restores_the_modes():
    first, second = _RecordsItsMode(), _RecordsItsMode()
    second.eval()
    times = measure_module.paired_times([first, second], autograd.ones(2, 3), repeats=3, warmup=1)
    assert times.shape == (2, 3)
    for model in (first, second):
        assert model.seen == [(False, False)] * 4  # one warm-up call and three timed ones, each in eval
    assert first.training and not second.training


@pytest.mark.parametrize("tolerance", [0.05, 0.25])
def test_judge_counts_a_ratio_exactly_at_the_tolerance_as_neither_slower_nor_faster(tolerance):
    judge = importlib.import_module("tt_perf.capstone.pipeline").judge
    budget = Budget(min_speedup=2)
    same = Measurement("c", 0.80, 1000, 2.0)
    at_slow_edge = judge(budget, same, START, current_size=1000, ms_current=2.0, tolerance=tolerance,
                         ratio=1 + tolerance)  # fmt: skip
    assert not any("slower" in reason for reason in at_slow_edge)
    at_fast_edge = judge(budget, same, START, current_size=1000, ms_current=2.0, tolerance=tolerance,
                         ratio=1 - tolerance)  # fmt: skip
    assert any("not faster" in reason for reason in at_fast_edge), "only beyond the tolerance is faster"
    beyond = judge(budget, same, START, current_size=1000, ms_current=2.0, tolerance=tolerance,
                   ratio=1 - tolerance - 1e-9)  # fmt: skip
    assert beyond == []


class Growing(Costly):
    """Each call takes 0.1 ms longer than the one before it; the durations are recorded."""

    def forward(self, x):
        self.durations = getattr(self, "durations", [])
        self.durations.append(self.cost + 0.1 * len(self.durations))
        self.clock.now += self.durations[-1] * 1e-3
        return x


def test_optimize_reports_the_p90_of_the_candidates_timed_calls(fake_clock):
    clock = fake_clock(measure_module)
    start = Costly(clock, cost=5.0, size=100, accuracy=0.9)
    candidate = Growing(clock, cost=1.0, size=10, accuracy=0.9)
    report = optimize(start, [("grows", lambda m: candidate)], lambda m: m.accuracy, autograd.zeros(1),
                      Budget(min_size_ratio=2), repeats=7)  # fmt: skip
    timed = np.array(candidate.durations[-7:])  # after the warm-up calls
    (stage,) = report.stages
    assert stage.kept and stage.measurement.latency_ms == pytest.approx(np.percentile(timed, 90))
    assert stage.measurement.speedup == pytest.approx(5.0 / np.percentile(timed, 90))


def test_optimize_checks_each_passes_accuracy_and_accepts_a_perfect_one(fake_clock):
    clock = fake_clock(measure_module)
    start = Costly(clock, cost=1.0, size=100, accuracy=1.0)
    report = optimize(start, [("perfect", stage(clock, size=50))], lambda m: m.accuracy, autograd.zeros(1),
                      Budget(max_accuracy_drop=0.0, min_size_ratio=2), repeats=3)  # fmt: skip
    assert report.stages[0].kept and report.met
    useless = optimize(start, [("useless", stage(clock, size=50, accuracy=0.0))], lambda m: m.accuracy,
                       autograd.zeros(1), Budget(max_accuracy_drop=0.1), repeats=3,
                       stop_when_met=False)  # fmt: skip
    assert not useless.stages[0].kept and "points below the start" in useless.stages[0].reason
    for bad in (1.5, -0.1):
        with pytest.raises(ValueError, match=rf"must return an accuracy in \[0, 1\], got {bad} for 'odd'"):
            optimize(start, [("odd", stage(clock, accuracy=bad))], lambda m: m.accuracy, autograd.zeros(1),
                     Budget(), repeats=3, stop_when_met=False)  # fmt: skip


def test_a_candidate_too_fast_to_time_gets_an_infinite_speedup(fake_clock):
    clock = fake_clock(measure_module)
    start = Costly(clock, cost=1.0, size=100, accuracy=0.9)
    instant = [("instant", stage(clock, cost=0.0, size=10))]
    report = optimize(start, instant, lambda m: m.accuracy, autograd.zeros(1), Budget(min_size_ratio=2),
                      repeats=3)  # fmt: skip
    (only,) = report.stages
    assert only.kept and only.measurement.speedup == float("inf")


def test_judge_without_a_paired_ratio_compares_the_p90s():
    judge = importlib.import_module("tt_perf.capstone.pipeline").judge
    budget = Budget(max_accuracy_drop=0.01)
    result = Measurement("c", 0.80, 1000, 1.0)
    slower = judge(budget, result, START, current_size=1000, ms_current=0.5)  # 2x the current model's p90
    assert any("slower than the model it was applied to: 2.00x its time" in r for r in slower)
    assert judge(budget, result, START, current_size=1000, ms_current=1.0) == []
    # a current model too fast to time (p90 of 0 ms): the candidate counts as neither slower nor faster
    assert judge(budget, result, START, current_size=1000, ms_current=0.0) == []
