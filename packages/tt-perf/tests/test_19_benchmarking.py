"""Module 19: the harness's statistics against slow references, and its scenarios on a fake clock."""

from __future__ import annotations

import numpy as np
import pytest
from tt_perf.benchmarking import (
    BenchmarkResult,
    Offline,
    Server,
    SingleStream,
    bootstrap_ratio,
    compare,
    queue_latencies,
    run_benchmark,
    summarize,
)


class FakeClock:
    """A clock that advances only when the benchmarked function says so: exact, repeatable timings."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def runner(self, seconds_per_sample: float, fixed: float = 0.0):
        def run(batch: np.ndarray) -> np.ndarray:
            self.now += fixed + seconds_per_sample * len(batch)
            return batch

        return run


def test_summary_percentiles_match_the_definition(rng):
    samples = rng.exponential(1.0, 1001)
    summary = summarize(samples)
    ordered = np.sort(samples)
    assert summary["p50"] == pytest.approx(ordered[500])
    assert summary["p90"] == pytest.approx(ordered[900])
    assert summary["min"] == ordered[0] and summary["max"] == ordered[-1]
    with pytest.raises(ValueError, match="no samples"):
        summarize(np.array([]))


def test_queue_matches_a_step_by_step_simulation(rng):
    arrivals = np.cumsum(rng.exponential(1.0, 300))
    service = rng.uniform(0.2, 1.8, 300)
    finish, expected = 0.0, []
    for arrival, work in zip(arrivals, service):  # the obvious loop
        finish = max(arrival, finish) + work
        expected.append(finish - arrival)
    np.testing.assert_allclose(queue_latencies(arrivals, service), expected)
    with pytest.raises(ValueError, match="sorted"):
        queue_latencies(np.array([1.0, 0.0]), np.ones(2))


def test_bootstrap_interval_brackets_the_ratio_and_narrows_with_more_data(rng):
    slow, fast = rng.normal(10, 1, 400), rng.normal(5, 0.5, 400)
    ratio, low, high = bootstrap_ratio(slow, fast, seed=1)
    assert ratio == pytest.approx(np.median(slow) / np.median(fast))
    assert low < ratio < high and 1.8 < low and high < 2.2
    _, low_small, high_small = bootstrap_ratio(slow[:20], fast[:20], seed=1)
    assert high_small - low_small > high - low
    assert bootstrap_ratio(slow, fast, seed=1) == (ratio, low, high)  # seeded
    with pytest.raises(ValueError, match="at least 2"):
        bootstrap_ratio(slow[:1], fast)


def test_single_stream_times_each_query_after_warm_up():
    clock = FakeClock()
    samples = np.zeros((7, 3))
    result = run_benchmark(clock.runner(0.002), samples, SingleStream(queries=25, warmup=5), clock=clock)
    assert result.scenario == "SingleStream" and len(result.latencies_ms) == 25
    np.testing.assert_allclose(result.latencies_ms, 2.0)
    assert clock.now == pytest.approx(30 * 0.002)  # the warm-up ran too, untimed
    assert result.summary["p90"] == pytest.approx(2.0) and result.throughput is None


def test_offline_reports_throughput_over_every_batch():
    clock = FakeClock()
    result = run_benchmark(
        clock.runner(0.001, fixed=0.01), np.zeros((100, 2)), Offline(32, repeats=2), clock=clock
    )
    assert len(result.latencies_ms) == 2 * 4  # batches of 32, 32, 32, 4
    seconds = 2 * (4 * 0.01 + 100 * 0.001)
    assert result.throughput == pytest.approx(200 / seconds)


def test_server_meets_its_bound_only_when_the_load_allows():
    def server(qps):
        clock = FakeClock()
        scenario = Server(target_qps=qps, latency_bound_ms=20.0, queries=400, seed=3)
        return run_benchmark(clock.runner(0.005), np.zeros((10, 1)), scenario, clock=clock)

    light, heavy = server(50.0), server(400.0)  # service 5 ms: capacity 200 queries/s
    assert light.met is True and light.summary["p50"] < 10
    assert heavy.met is False and heavy.summary["p99"] > light.summary["p99"] * 10


def test_server_bound_is_on_p99_and_inclusive():
    def met(bound_ms):
        clock, calls = FakeClock(), []

        def run(batch):  # 5 ms per query, except one 100 ms straggler among the 200 timed queries
            calls.append(1)
            clock.now += 0.1 if len(calls) == 110 else 0.005

        scenario = Server(target_qps=0.01, latency_bound_ms=bound_ms, queries=200, warmup=10, seed=0)
        return run_benchmark(run, np.zeros((3, 1)), scenario, clock=clock)

    result = met(1.0)  # a query every 100 s on average: no queueing, latency = service time
    assert max(result.latencies_ms) > 99 and result.summary["p99"] < 5.1  # the straggler is beyond p99
    assert met(result.summary["p99"]).met is True  # "p99 at most the bound"
    assert met(np.nextafter(result.summary["p99"], 0)).met is False


def test_bootstrap_interval_resamples_every_timing_at_the_asked_confidence():
    # baseline [1, 3] resampled two at a time: medians 1, 2, 3 with chances 1/4, 1/2, 1/4
    ratio, low, high = bootstrap_ratio(np.array([1.0, 3.0]), np.ones(2), resamples=4000)
    assert (ratio, low, high) == (2.0, 1.0, 3.0)
    ratio, low, high = bootstrap_ratio(np.ones(2), np.array([1.0, 3.0]), resamples=4000)
    assert (ratio, low, high) == (0.5, 1 / 3, 1.0)
    # against an independent bootstrap: the interval holds about `confidence` of the resampled ratios
    rng = np.random.default_rng(7)
    slow, fast = rng.normal(10, 1, 201), rng.normal(5, 0.5, 201)
    own = np.median(rng.choice(slow, (20000, 201)), axis=1)
    own /= np.median(rng.choice(fast, (20000, 201)), axis=1)
    for confidence in (0.5, 0.9):
        _, low, high = bootstrap_ratio(slow, fast, resamples=20000, confidence=confidence, seed=2)
        assert np.mean(own < low) == pytest.approx((1 - confidence) / 2, abs=0.015)
        assert np.mean(own > high) == pytest.approx((1 - confidence) / 2, abs=0.015)


def test_results_save_load_and_compare(tmp_path):
    clock = FakeClock()
    base = run_benchmark(clock.runner(0.004), np.zeros((5, 1)), SingleStream(50, 0), lambda: 0.84, clock)
    fast = run_benchmark(clock.runner(0.002), np.zeros((5, 1)), SingleStream(50, 0), lambda: 0.835, clock)
    path = base.save(tmp_path / "base.json")
    loaded = BenchmarkResult.load(path)
    assert loaded.latencies_ms == base.latencies_ms and loaded.accuracy == 0.84
    assert loaded.system["cpus"] and "numpy" in loaded.system
    comparison = compare(loaded, fast)
    assert comparison.speedup == pytest.approx(2.0) and comparison.accuracy_ok is True
    worse = run_benchmark(clock.runner(0.001), np.zeros((5, 1)), SingleStream(50, 0), lambda: 0.80, clock)
    assert compare(base, worse).accuracy_ok is False  # 0.80 < 99% of 0.84
    assert "2.00x faster" in comparison.describe()
    offline = run_benchmark(clock.runner(0.001), np.zeros((5, 1)), Offline(5, 2), clock=clock)
    with pytest.raises(ValueError, match="do not compare"):
        compare(base, offline)


def test_unknown_scenarios_and_empty_samples_are_refused():
    with pytest.raises(TypeError, match="unknown scenario"):
        run_benchmark(lambda b: b, np.zeros((2, 1)), "fast please")
    with pytest.raises(ValueError, match="no samples"):
        run_benchmark(lambda b: b, np.zeros((0, 1)), SingleStream())


def test_bootstrap_interval_is_the_middle_percentiles_of_the_seeded_resamples(rng):
    # the documented draw: one (resamples, n) index array per side, baseline first, from default_rng(seed)
    slow, fast = rng.normal(10, 1, 50), rng.normal(5, 0.5, 40)
    draws = np.random.default_rng(3)
    picks_slow, picks_fast = draws.integers(0, 50, (1000, 50)), draws.integers(0, 40, (1000, 40))
    ratios = np.median(slow[picks_slow], axis=1) / np.median(fast[picks_fast], axis=1)
    _, low, high = bootstrap_ratio(slow, fast, resamples=1000, confidence=0.9, seed=3)
    assert (low, high) == pytest.approx(tuple(np.percentile(ratios, [5, 95])), rel=1e-12)
