"""The threading runtime (``tt_tensor.threads``): not a course module, so not a ``test_01_*`` file.

No test here times anything: the tuner's choices are checked with a fake
clock whose steps are slow or fast depending on the thread count set.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import tt_tensor
from tt_tensor import threads


@pytest.fixture
def restore_threads():
    """Tests that change the BLAS thread count put it back, pass or fail."""
    before = threads.get_num_threads()
    yield
    threads.set_num_threads(before)


def test_the_names_pytorch_uses_are_exported():
    assert tt_tensor.get_num_threads is threads.get_num_threads
    assert tt_tensor.set_num_threads is threads.set_num_threads
    assert tt_tensor.threads is threads


def test_the_openblas_numpy_was_built_with_is_found():
    # NumPy's Linux wheels bundle OpenBLAS: there the count must really be settable
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
    assert threads.blas_available() == ("openblas" in blas.lower()), f"NumPy's BLAS is {blas}"


def test_set_then_get_round_trips(restore_threads):
    for count in (1, 2, 1):
        threads.set_num_threads(count)
        assert threads.get_num_threads() == count


def test_products_are_unchanged_by_the_thread_count(restore_threads):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((300, 200)), rng.standard_normal((200, 100))
    threads.set_num_threads(2)
    two = a @ b
    threads.set_num_threads(1)
    np.testing.assert_allclose(a @ b, two, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_set_num_threads_rejects_what_is_not_a_positive_int(bad):
    with pytest.raises(ValueError, match=r"set_num_threads: expected a positive int"):
        threads.set_num_threads(bad)


def test_one_blas_thread_scope_restores_the_count(restore_threads):
    threads.set_num_threads(2)
    with threads.one_blas_thread():
        assert threads.get_num_threads() == 1
        with threads.one_blas_thread():  # nested: still one, and the outer scope still restores 2
            assert threads.get_num_threads() == 1
        assert threads.get_num_threads() == 1
    assert threads.get_num_threads() == 2


def test_one_blas_thread_restores_on_an_exception(restore_threads):
    threads.set_num_threads(2)
    with pytest.raises(RuntimeError, match="boom"), threads.one_blas_thread():
        raise RuntimeError("boom")
    assert threads.get_num_threads() == 2


def test_one_blas_thread_as_a_decorator(restore_threads):
    seen = []

    @threads.one_blas_thread()
    def work(x):
        seen.append(threads.get_num_threads())
        return x * 2

    threads.set_num_threads(2)
    assert work(3) == 6 and work(4) == 8  # each call gets a fresh scope
    assert seen == [1, 1]
    assert threads.get_num_threads() == 2
    assert work.__name__ == "work"


@pytest.mark.parametrize("n, parts", [(0, 2), (1, 3), (5, 2), (7, 3), (10, 1), (3, 8)])
def test_split_covers_the_range_in_contiguous_nonempty_runs(n, parts):
    runs = threads.split(n, parts)
    assert len(runs) == min(n, parts)
    assert [i for a, b in runs for i in range(a, b)] == list(range(n))
    assert all(b > a for a, b in runs)
    sizes = [b - a for a, b in runs]
    assert not sizes or max(sizes) - min(sizes) <= 1


def test_split_defaults_to_the_pool_size(monkeypatch):
    monkeypatch.setattr(threads, "workers", lambda: 3)
    assert threads.split(9) == [(0, 3), (3, 6), (6, 9)]


def test_run_returns_results_in_order_and_raises_task_errors():
    assert threads.run([lambda i=i: i * i for i in range(6)]) == [0, 1, 4, 9, 16, 25]
    assert threads.run([]) == []

    def fails():
        raise KeyError("task")

    with pytest.raises(KeyError, match="task"):
        threads.run([lambda: 1, fails])


def test_run_uses_the_workers_and_never_waits_on_its_own_pool():
    names = threads.run([lambda: threading.current_thread().name for _ in range(4)])
    if threads.workers() > 1:
        assert all(name.startswith("tt-worker") for name in names)
    # a task that runs tasks: they run inline in the worker, so this returns instead of deadlocking
    nested = threads.run([lambda: threads.run([lambda: 1, lambda: 2]) for _ in range(threads.workers() + 1)])
    assert nested == [[1, 2]] * (threads.workers() + 1)


def test_the_pool_runs_on_several_threads_here():
    # this machine has an OpenBLAS with per-thread settings and more than one core
    if threads.worker_count() > 1:
        assert threads.workers() == threads.worker_count()


def test_worker_count_reads_the_environment(monkeypatch):
    monkeypatch.setenv("TINYTORCH_NUM_THREADS", "3")
    assert threads.worker_count() == 3
    monkeypatch.setenv("TINYTORCH_NUM_THREADS", "0")
    assert threads.worker_count() == 1
    monkeypatch.setenv("TINYTORCH_NUM_THREADS", "many")
    with pytest.raises(ValueError, match="TINYTORCH_NUM_THREADS"):
        threads.worker_count()
    monkeypatch.delenv("TINYTORCH_NUM_THREADS")
    assert 1 <= threads.worker_count() <= 8


class FakeClock:
    """``perf_counter`` whose time advances only when a step runs: by ``cost[thread count]``."""

    def __init__(self, cost):
        self.now, self.cost = 0.0, cost

    def __call__(self):
        return self.now

    def step(self):
        self.now += self.cost[threads.get_num_threads()]


def tuner_with(monkeypatch, cost, **kwargs):
    clock = FakeClock(cost)
    monkeypatch.setattr(threads.time, "perf_counter", clock)
    return threads.ThreadTuner(candidates=(1, 2), **kwargs), clock


def test_tuner_keeps_the_faster_count(monkeypatch, restore_threads):
    threads.set_num_threads(2)
    tuner, clock = tuner_with(monkeypatch, {1: 1.0, 2: 3.0}, recheck=0)
    for _ in range(10):
        assert tuner.step(clock.step) is None
    assert tuner.choice == 1 and threads.get_num_threads() == 1
    assert tuner.switches == [(5, 1)]  # warm-up, then two probes of each count, then the decision


def test_tuner_follows_a_change_of_load(monkeypatch, restore_threads):
    threads.set_num_threads(1)
    tuner, clock = tuner_with(monkeypatch, {1: 2.0, 2: 1.0}, recheck=10)
    for _ in range(8):
        tuner.step(clock.step)
    assert tuner.choice == 2
    clock.cost = {1: 1.5, 2: 5.0}  # another process took a core: two threads now lose
    for _ in range(30):
        tuner.step(clock.step)
    assert tuner.choice == 1
    assert [count for _, count in tuner.switches] == [2, 1]


def test_tuner_returns_the_steps_result_and_checks_candidates(monkeypatch, restore_threads):
    tuner, _ = tuner_with(monkeypatch, {1: 1.0, 2: 1.0})
    assert tuner.step(lambda: "loss") == "loss"
    with pytest.raises(ValueError, match="ThreadTuner"):
        threads.ThreadTuner(candidates=(0, 2))


def test_one_blas_thread_on_a_worker_leaves_the_process_count_alone():
    """A worker computes with one BLAS thread already: the process's count must not switch under others."""
    assert threads.workers() > 1 and threads.blas_available(), "the CI machine has 2 cores and OpenBLAS"
    before = threads.get_num_threads()
    threads.set_num_threads(2)
    try:

        def inside():
            with threads.one_blas_thread():
                return threads.get_num_threads()

        assert threads.run([inside, inside]) == [2, 2]  # on the workers: untouched
        assert inside() == 1  # on the calling thread: one thread for the block
        assert threads.get_num_threads() == 2
    finally:
        threads.set_num_threads(before)
