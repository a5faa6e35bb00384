"""Module 19: the Server QPS search against a fine scan, and the Pareto front against a slow reference."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from tt_perf.benchmarking import (
    ParetoPoint,
    Server,
    dominated,
    find_max_qps,
    p99_at,
    pareto_front,
    qps_search,
    queue_latencies,
)


def test_p99_at_queues_the_service_times_behind_seeded_poisson_arrivals(rng):
    service = rng.uniform(2.0, 8.0, 300)
    arrivals = np.cumsum(np.random.default_rng(5).exponential(1e3 / 120.0, 300))
    assert p99_at(service, 120.0, seed=5) == pytest.approx(
        np.percentile(queue_latencies(arrivals, service), 99)
    )


def test_qps_search_finds_the_edge_of_the_bound(rng):
    service = rng.uniform(2.0, 8.0, 400)  # mean 5 ms: capacity about 200 queries/s
    search = qps_search(service, latency_bound_ms=25.0, seed=1)
    assert search.p99_ms == p99_at(service, search.qps, seed=1) <= 25.0
    assert p99_at(service, search.qps * 1.001, seed=1) > 25.0  # a hair faster breaks the bound
    assert 20 < search.qps < 1e3 / service.mean()
    assert len(search.tried) == 21 and search.tried[0][0] == pytest.approx(1e3 / service.mean() / 1000)
    scan = np.linspace(1.0, 1e3 / service.mean(), 2000)  # the slow way: every rate on a fine grid
    passing = scan[[p99_at(service, q, seed=1) <= 25.0 for q in scan]]
    assert search.qps == pytest.approx(passing.max(), rel=3e-3)
    bracketed = qps_search(service, 25.0, low=10.0, high=400.0, steps=30, seed=1)
    assert bracketed.qps == pytest.approx(search.qps, rel=1e-4) and "queries/s" in bracketed.describe()


def test_qps_search_refuses_a_bound_the_service_time_already_misses():
    with pytest.raises(ValueError, match="too slow"):
        qps_search(np.full(100, 30.0), latency_bound_ms=20.0)
    with pytest.raises(ValueError, match="at least 2 positive"):
        qps_search(np.array([1.0]), 20.0)


def test_find_max_qps_measures_service_times_then_searches():
    clock = [0.0]

    def run(batch):
        clock[0] += 1 / 256  # 3.90625 ms, exact in binary

    scenario = Server(target_qps=1.0, latency_bound_ms=20.0, queries=300, warmup=4, seed=3)
    search = find_max_qps(run, np.zeros((3, 1)), scenario, clock=lambda: clock[0])
    assert clock[0] == 304 / 256
    assert search.qps == qps_search(np.full(300, 3.90625), 20.0, seed=3).qps and 128 < search.qps < 256


def brute_dominated(points):
    out = []
    for i, p in enumerate(points):
        out.append(any(
            q.accuracy >= p.accuracy and q.latency_ms <= p.latency_ms and q.size_bytes <= p.size_bytes
            and (q.accuracy > p.accuracy or q.latency_ms < p.latency_ms or q.size_bytes < p.size_bytes)
            for j, q in enumerate(points) if j != i
        ))  # fmt: skip
    return out


def test_pareto_front_by_hand_and_against_the_definition(rng):
    points = [
        ParetoPoint("fp32", 0.99, 4.0, 400),
        ParetoPoint("int8", 0.985, 2.0, 100),
        ParetoPoint("worse", 0.98, 3.0, 200),  # beaten by int8 on all three
        ParetoPoint("copy", 0.985, 2.0, 100),  # equal to int8: neither dominates the other
        ParetoPoint("smaller", 0.97, 5.0, 50),  # worst on two axes, best on size: kept
        ParetoPoint("tie", 0.99, 4.0, 401),  # fp32 is as good everywhere and smaller: dropped
    ]
    assert [p.name for p in pareto_front(points)] == ["fp32", "int8", "copy", "smaller"]
    assert pareto_front([]) == []
    for _ in range(5):
        grid = [ParetoPoint(str(i), *rng.integers(0, 4, 3).astype(float)) for i in range(12)]  # many ties
        assert dominated(*np.array([[p.accuracy, p.latency_ms, p.size_bytes] for p in grid]).T).tolist() == (
            brute_dominated(grid)
        )


def test_pareto_points_of_every_combination_are_each_on_the_front_when_they_trade_off():
    trades = [ParetoPoint(f"{a}{b}", a, b, 1.0) for a, b in itertools.product([0.9, 0.95], [1.0, 2.0])]
    assert [p.name for p in pareto_front(trades)] == ["0.951.0"]  # most accurate and fastest wins alone
    line = [
        ParetoPoint(str(i), 0.9 + 0.01 * i, 1.0 + i, 1.0) for i in range(5)
    ]  # each buys accuracy with time
    assert pareto_front(line) == line


def test_qps_search_halves_the_bracket_and_accepts_a_p99_equal_to_the_bound():
    service = np.full(100, 5.0)
    one = qps_search(service, 50.0, low=10.0, high=30.0, steps=1)
    assert [rate for rate, _ in one.tried] == [10.0, 20.0]  # one step: the midpoint
    two = qps_search(service, 50.0, low=10.0, high=30.0, steps=2)
    assert [rate for rate, _ in two.tried] == [10.0, 20.0, 25.0]  # 20 met the bound: the upper half next
    # arrivals minutes apart: no query waits, so p99 is the service time, exactly the bound
    edge = qps_search(service, 5.0, low=0.001, high=0.002, steps=1)
    assert edge.qps == 0.0015 and edge.p99_ms == 5.0
    missed = qps_search(service, 5.0, low=0.001, high=1000.0, steps=1)  # the midpoint queues: low is kept
    assert missed.qps == 0.001 and missed.tried[1][1] > 5.0
