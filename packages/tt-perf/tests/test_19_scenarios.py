"""Module 19: MultiStream, LoadGen's minimum count and duration, refusing unlike comparisons, A/B rounds."""

from __future__ import annotations

import numpy as np
import pytest
from tt_perf.benchmarking import (
    MultiStream,
    Server,
    SingleStream,
    compare,
    poisson_arrivals,
    run_ab,
    run_benchmark,
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_multistream_times_whole_queries_of_n_samples():
    clock, seen = Clock(), []

    def run(batch):
        seen.append(batch[:, 0].tolist())
        clock.now += 0.002 + 0.001 * len(batch)

    samples = np.arange(5.0)[:, None]
    result = run_benchmark(run, samples, MultiStream(samples_per_query=3, queries=4, warmup=1), clock=clock)
    assert result.scenario == "MultiStream" and len(result.latencies_ms) == 4
    np.testing.assert_allclose(result.latencies_ms, 5.0)  # 2 ms + 3 samples × 1 ms, per query
    assert seen == [[0, 1, 2], [0, 1, 2], [3, 4, 0], [1, 2, 3], [4, 0, 1]]  # warm-up, then cycling
    assert result.summary["p99"] == pytest.approx(5.0) and result.settings["samples_per_query"] == 3


@pytest.mark.parametrize(
    "queries, min_ms, expected",
    [(5, 0.0, 5), (5, 78.125, 10), (5, 75.0, 10), (5, 79.0, 11), (20, 78.125, 20)],
)
def test_runs_until_both_the_query_count_and_the_duration_are_reached(queries, min_ms, expected):
    clock = Clock()

    def run(batch):
        clock.now += 1 / 128  # 7.8125 ms, exact in binary: 10 queries are exactly 78.125 ms

    for scenario in (SingleStream(queries, 0, min_ms), MultiStream(2, queries, 0, min_ms)):
        result = run_benchmark(run, np.zeros((3, 1)), scenario, clock=clock)
        assert len(result.latencies_ms) == expected


def test_server_schedules_enough_queries_to_span_the_minimum_duration():
    arrivals = poisson_arrivals(100.0, 5, seed=2, min_duration_ms=1000.0)  # 10 ms apart on average
    assert arrivals[-1] >= 1000.0 > arrivals[-2] and 60 < len(arrivals) < 150
    assert np.all(np.diff(arrivals) > 0)
    few = poisson_arrivals(100.0, 5, seed=2)
    assert len(few) == 5 and few[0] == arrivals[0]
    assert len(poisson_arrivals(100.0, 500, seed=2, min_duration_ms=10.0)) == 500
    clock = Clock()

    def run(batch):
        clock.now += 0.001

    scenario = Server(
        target_qps=100.0, latency_bound_ms=5.0, queries=5, warmup=0, seed=2, min_duration_ms=1000.0
    )
    result = run_benchmark(run, np.zeros((2, 1)), scenario, clock=clock)
    assert len(result.latencies_ms) == len(arrivals) and result.met is True
    with pytest.raises(ValueError, match="target_qps"):
        poisson_arrivals(0.0, 5, seed=0)


def test_compare_refuses_results_whose_settings_differ():
    clock = Clock()

    def run(batch):
        clock.now += 0.001

    def measure(scenario):
        return run_benchmark(run, np.zeros((2, 1)), scenario, clock=clock)

    base = measure(SingleStream(20, 0))
    assert compare(base, measure(SingleStream(20, 0))).speedup == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"different settings.*warmup: 0 vs 2"):
        compare(base, measure(SingleStream(20, 2)))
    with pytest.raises(ValueError, match=r"min_duration_ms: 0.0 vs 1.0"):
        compare(base, measure(SingleStream(20, 0, 1.0)))
    tight, loose = measure(Server(50.0, 5.0, 20, 0)), measure(Server(50.0, 9.0, 20, 0))
    with pytest.raises(ValueError, match=r"latency_bound_ms: 5.0 vs 9.0"):
        compare(tight, loose)
    with pytest.raises(ValueError, match="MultiStream.*do not compare"):
        compare(base, measure(MultiStream(1, 20, 0)))
    loaded = measure(SingleStream(20, 0))
    loaded.settings = {**loaded.settings, "extra": 1}  # a setting only one side has
    with pytest.raises(ValueError, match=r"extra: None vs 1"):
        compare(base, loaded)


def test_ab_rounds_alternate_and_give_both_sides_the_same_queries():
    clock, calls = Clock(), []

    def side(label, seconds):
        def run(batch):
            calls.append((label, float(batch[0, 0])))
            clock.now += seconds

        return run

    samples = np.arange(7.0)[:, None]
    result = run_ab(side("A", 0.004), side("B", 0.002), samples, rounds=3, queries=2, warmup=1, clock=clock)
    assert result.order == ["AB", "BA", "AB"]
    assert "".join(label for label, _ in calls) == "AB" + "AABB" + "BBAA" + "AABB"
    assert [x for label, x in calls[2:] if label == "A"] == [0, 1, 2, 3, 4, 5]
    assert [x for label, x in calls[2:] if label == "B"] == [0, 1, 2, 3, 4, 5]
    assert result.baseline_ms == pytest.approx([4.0] * 6) and result.candidate_ms == pytest.approx([2.0] * 6)
    assert (result.speedup, result.low, result.high) == pytest.approx((2.0, 2.0, 2.0))
    assert "2.00x faster" in result.describe() and "3 interleaved rounds" in result.describe()


def test_interleaving_cancels_a_slow_drift_that_blocks_would_mistake_for_a_speed_up():
    clock = Clock()

    def same_work(batch):  # identical functions on a machine slowing down steadily (heat, a neighbour)
        clock.now += 0.001 * (1 + clock.now)

    result = run_ab(same_work, same_work, np.zeros((4, 1)), rounds=40, queries=5, warmup=0, clock=clock)
    assert 0.97 < result.speedup < 1.03 and result.low < 1 < result.high
    blocks = [run_benchmark(same_work, np.zeros((4, 1)), SingleStream(200, 0), clock=clock) for _ in range(2)]
    assert compare(blocks[0], blocks[1]).speedup < 0.85  # the second block looks slower: pure drift


def test_ab_refuses_too_few_rounds_or_no_samples():
    with pytest.raises(ValueError, match="run_ab"):
        run_ab(len, len, np.zeros((3, 1)), rounds=1)
    with pytest.raises(ValueError, match="run_ab"):
        run_ab(len, len, np.zeros((0, 1)))


def test_server_times_exactly_its_queries_when_no_minimum_duration_is_set():
    calls = []

    def instant(batch):  # takes no time at all on the fake clock
        calls.append(len(batch))

    scenario = Server(target_qps=10.0, latency_bound_ms=1.0, queries=30, warmup=4, seed=0)
    result = run_benchmark(instant, np.zeros((3, 1)), scenario, clock=Clock())
    assert len(result.latencies_ms) == 30 and calls == [1] * 34 and result.met is True
    assert max(result.latencies_ms) == 0.0
