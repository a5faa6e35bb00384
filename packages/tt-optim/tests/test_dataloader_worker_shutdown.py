"""How a ``DataLoader``'s workers are stopped: at the end of a pass, on a ``break``, an error or a timeout.

The main process sets the done flag (a worker skips the tasks still queued), sends ``None`` down
each task pipe, reads what the workers are still sending (a worker blocked on a full pipe can
then read its ``None``), and gives them ``_SHUTDOWN_GRACE`` seconds to exit by themselves; a
worker still alive then is terminated. Every worker is joined (no zombie is left) and every pipe
closed. Each test holds the iterator, so its collection (``__del__``) cannot do the work instead.
"""

from __future__ import annotations

import glob
import math
import multiprocessing
import os
import signal
import threading
import time

import pytest
import tt_autograd as autograd
from tt_optim.data import DataLoader, TensorDataset, shared_batches, worker

pytestmark = pytest.mark.usefixtures("nothing_left")  # conftest.py: no worker or segment left


def all_closed(batches):
    return all(pipe.closed for pipe in batches._tasks + batches._results)


def test_a_pass_run_to_its_end_stops_its_workers_there_and_then():
    """Every worker exits by itself (exit code 0) and the segments are unlinked before ``next`` returns."""
    batches = iter(DataLoader(TensorDataset(autograd.arange(8)), batch_size=2, num_workers=2))
    assert [batch[0].tolist() for batch in batches] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert multiprocessing.active_children() == []
    assert glob.glob(f"/dev/shm/tt_loader_{os.getpid()}_*") == []  # four slots, each grown once
    assert [process.exitcode for process in batches._workers] == [0, 0]
    assert all_closed(batches)


class Stuck(TensorDataset):
    """Sample 2 blocks its worker for 3 s (once it has said so): it cannot read the shutdown's ``None``."""

    get_batch = None

    def __init__(self, *tensors):
        super().__init__(*tensors)
        self.entered = multiprocessing.Event()

    def __getitem__(self, index):
        if index == 2:
            self.entered.set()
            time.sleep(3)
        return super().__getitem__(index)


def test_a_worker_stuck_past_the_grace_period_is_terminated_then_joined(monkeypatch):
    monkeypatch.setattr(worker, "_SHUTDOWN_GRACE", 0.3)
    dataset = Stuck(autograd.arange(8))
    batches = iter(DataLoader(dataset, batch_size=2, num_workers=1, prefetch_factor=1))
    assert next(batches)[0].tolist() == [0, 1]  # task 1 (samples 2 and 3) is sent
    assert dataset.entered.wait(30)
    process = batches._workers[0]
    started = time.monotonic()
    batches._shutdown_workers()
    took = time.monotonic() - started
    assert not os.path.exists(f"/proc/{process.pid}")  # joined (no zombie); before exitcode, which reaps
    assert process.exitcode == -signal.SIGTERM
    assert 0.3 <= took < 1.5, took  # the grace period, then terminate (not the 3 s the sample takes)
    assert all_closed(batches)


class Counted(TensorDataset):
    """Counts the samples its worker reads; sample 1 waits for ``release`` (after setting ``entered``)."""

    get_batch = None

    def __init__(self, *tensors):
        super().__init__(*tensors)
        self.reads = multiprocessing.Value("i", 0)
        self.entered, self.release = multiprocessing.Event(), multiprocessing.Event()

    def __getitem__(self, index):
        with self.reads.get_lock():
            self.reads.value += 1
        if index == 1:
            self.entered.set()
            self.release.wait(30)
        return super().__getitem__(index)


def test_tasks_still_queued_at_shutdown_are_skipped_not_read():
    """The done flag is set before the worker takes its next task: of tasks 1 to 4 only 1 (begun) is read."""
    dataset = Counted(autograd.arange(8))
    batches = iter(DataLoader(dataset, batch_size=1, num_workers=1, prefetch_factor=4))
    assert next(batches)[0].tolist() == [0]  # tasks 1, 2, 3 and 4 are sent
    assert dataset.entered.wait(30)

    def release_once_done():
        batches._done.wait(2)  # never set: released after 2 s, and the worker reads every queued task
        dataset.release.set()

    releaser = threading.Thread(target=release_once_done)
    releaser.start()
    batches._shutdown_workers()
    releaser.join()
    assert dataset.reads.value == 2
    assert batches._workers[0].exitcode == 0


def test_a_worker_blocked_sending_a_batch_is_drained_and_exits_by_itself(monkeypatch):
    """A 4 MB batch fills the result pipe: the shutdown reads it, so the worker can read its ``None``."""
    monkeypatch.setattr(shared_batches, "SHARED_MEMORY_THRESHOLD", math.inf)  # whole through the pipe
    dataset = TensorDataset(autograd.zeros(4, 1 << 20))
    batches = iter(DataLoader(dataset, batch_size=1, num_workers=1, prefetch_factor=1))
    assert next(batches)[0].shape == (1, 1 << 20)  # task 1 is sent; its batch is more than a pipe holds
    deadline = time.monotonic() + 30
    while not batches._results[0].poll(0.1):  # until the worker has begun sending it
        assert time.monotonic() < deadline
    started = time.monotonic()
    batches._shutdown_workers()
    assert batches._workers[0].exitcode == 0
    assert time.monotonic() - started < 1.5
    assert all_closed(batches)


def test_a_timeout_shorter_than_the_poll_is_kept_to(monkeypatch):
    """``timeout=0.2``: the error comes after 0.2 s (then the 0.1 s grace), not at the next 1 s poll."""
    monkeypatch.setattr(worker, "_SHUTDOWN_GRACE", 0.1)
    dataset = Stuck(autograd.arange(4))
    batches = iter(DataLoader(dataset, batch_size=2, num_workers=1, prefetch_factor=1, timeout=0.2))
    assert next(batches)[0].tolist() == [0, 1]
    assert dataset.entered.wait(30)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="timed out after 0.2 seconds"):
        next(batches)
    assert time.monotonic() - started < 0.8
    assert batches._workers[0].exitcode == -signal.SIGTERM
