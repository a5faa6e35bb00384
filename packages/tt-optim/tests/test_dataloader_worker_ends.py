"""How a ``DataLoader``'s workers end: killed, abandoned, or kept between passes.

A worker killed mid-pass gives PyTorch's error, naming the worker, its pid and the signal; an
iterator dropped mid-pass (in a reference cycle too, or left at interpreter exit) stops its
workers; persistent workers free every shared-memory slot of a pass broken off (``release_all``).
Every test leaves no worker and no segment in ``/dev/shm`` behind (threshold 0: batches cross
through shared memory once their slot is sized).
"""

from __future__ import annotations

import gc
import glob
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tt_autograd as autograd
from tt_optim.data import DataLoader, IterableDataset, TensorDataset, get_worker_info, worker

pytestmark = pytest.mark.usefixtures("nothing_left")  # conftest.py: no worker or segment left


def killed_named(worker_id, pid):
    """PyTorch's words: "DataLoader worker (pid(s) ...) exited unexpectedly", "killed by signal: Killed"."""
    died = rf"worker {worker_id} \(pid {pid}\) is killed by signal: Killed \(SIGKILL\)"
    return rf"^DataLoader worker \(pid\(s\) {pid}\) exited unexpectedly: {died}$"


class SeenAliveUntilJoined:
    """A worker process whose exit is not reaped until it is joined (the moment its pipe has just closed).

    ``polls`` counts the ``is_alive`` calls; from the 100th it tells the truth, so a loop that
    never joins (spinning on the closed pipe) still ends.
    """

    def __init__(self, process):
        self.process, self.joined, self.polls = process, False, 0

    def join(self, timeout=None):
        self.joined = True
        self.process.join(timeout)

    def is_alive(self):
        self.polls += 1
        return (not self.joined and self.polls < 100) or self.process.is_alive()

    def __getattr__(self, name):
        return getattr(self.process, name)


def test_a_worker_killed_while_its_next_task_is_sent_is_named_with_its_signal():
    """Its answer is in the pipe; the next task sent to it finds the pipe broken, and waits for its exit."""
    batches = iter(DataLoader(TensorDataset(autograd.arange(40)), batch_size=2, num_workers=2))
    assert [next(batches)[0].tolist() for _ in range(4)] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    victim = batches._workers[0]  # batches 4 and 6 are its; 8 goes to it once 4 is taken
    deadline = time.monotonic() + 60  # until batch 4 has been read, or waits in the pipe
    while len(batches._task_info[4]) == 1 and not batches._results[0].poll(0.1):
        assert time.monotonic() < deadline
    os.kill(victim.pid, signal.SIGKILL)
    victim.join()
    batches._workers[0] = SeenAliveUntilJoined(victim)
    with pytest.raises(RuntimeError, match=killed_named(0, victim.pid)):
        next(batches)
    with pytest.raises(StopIteration):
        next(batches)


class KillsItself(TensorDataset):
    """Sample 6 kills the worker reading it with SIGKILL."""

    get_batch = None

    def __getitem__(self, index):
        if index == 6:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().__getitem__(index)


def test_a_worker_killed_while_its_batch_is_awaited_is_named_with_its_signal():
    """One task in flight: task 3 is sent to a living worker, which dies reading it.

    Its pipe's end is the sign: the main process joins it there, and does not spin on the closed
    pipe until the process can be reaped.
    """
    loader = DataLoader(KillsItself(autograd.arange(40)), batch_size=2, num_workers=1, prefetch_factor=1)
    batches = iter(loader)
    assert [next(batches)[0].tolist() for _ in range(3)] == [[0, 1], [2, 3], [4, 5]]
    victim = batches._workers[0]
    batches._workers[0] = watched = SeenAliveUntilJoined(victim)
    with pytest.raises(RuntimeError, match=killed_named(0, victim.pid)):
        next(batches)
    assert watched.joined and watched.polls < 10  # one a second while waiting, then 3


class ExitsCleanly(TensorDataset):
    get_batch = None

    def __getitem__(self, index):
        os._exit(0)


def test_a_worker_that_exits_with_code_0_mid_pass_is_named_with_it():
    with pytest.raises(RuntimeError, match=r"worker 0 \(pid \d+\) exited with exit code 0\. Details are"):
        list(DataLoader(ExitsCleanly(autograd.arange(2)), num_workers=1))


class SlowFirst(TensorDataset):
    get_batch = None

    def __getitem__(self, index):
        if index == 0:
            time.sleep(1.3)
        return super().__getitem__(index)


def test_a_batch_late_in_the_timeout_is_taken(monkeypatch):
    """The timeout is the whole time given: a batch 1.3 s into a 2 s timeout is taken (checks every 50 ms)."""
    monkeypatch.setattr(worker, "_POLL", 0.05)
    dataset = SlowFirst(autograd.arange(4))
    assert [batch[0].tolist() for batch in DataLoader(dataset, batch_size=2, num_workers=1, timeout=2)] == [
        [0, 1],
        [2, 3],
    ]


class RefusingPipe:
    """A task pipe that refuses tasks (a broken pipe) but passes the shutdown's ``None`` on."""

    def __init__(self, pipe):
        self.pipe = pipe

    def send(self, message):
        if message is not None:
            raise BrokenPipeError("refused")
        self.pipe.send(message)

    def close(self):
        self.pipe.close()


def test_a_broken_task_pipe_to_a_living_worker_stops_the_workers_and_raises():
    batches = iter(
        DataLoader(TensorDataset(autograd.arange(40)), batch_size=2, num_workers=1, prefetch_factor=1)
    )
    batches._tasks[0] = RefusingPipe(batches._tasks[0])
    with pytest.raises(BrokenPipeError, match="refused"):
        next(batches)  # batch 0 comes, the next task cannot be sent
    assert batches._shutdown and multiprocessing.active_children() == []


def test_a_persistent_worker_killed_between_passes_is_named_and_the_next_pass_starts_afresh():
    loader = DataLoader(
        TensorDataset(autograd.arange(6)), batch_size=2, num_workers=2, persistent_workers=True
    )
    assert [batch[0].tolist() for batch in loader] == [[0, 1], [2, 3], [4, 5]]
    kept = loader._iterator
    victim = kept._workers[1]
    os.kill(victim.pid, signal.SIGKILL)
    victim.join()
    with pytest.raises(RuntimeError, match=killed_named(1, victim.pid)):
        iter(loader)  # the new pass's resume message finds its pipe broken
    assert multiprocessing.active_children() == [] and kept._shutdown
    assert [batch[0].tolist() for batch in loader] == [[0, 1], [2, 3], [4, 5]]
    assert loader._iterator is not kept
    del loader, kept


def test_an_iterator_abandoned_mid_pass_stops_its_workers_when_collected():
    loader = DataLoader(TensorDataset(autograd.arange(40)), batch_size=2, num_workers=2)
    batches = iter(loader)
    next(batches)
    del batches
    assert multiprocessing.active_children() == []
    batches = iter(loader)
    next(batches)
    cycle = [batches]
    cycle.append(cycle)  # only the cycle collector can free it
    del batches, cycle
    assert len(multiprocessing.active_children()) == 2
    gc.collect()
    assert multiprocessing.active_children() == []
    persistent = DataLoader(
        TensorDataset(autograd.arange(40)), batch_size=2, num_workers=2, persistent_workers=True
    )
    next(iter(persistent))
    persistent.itself = persistent  # a loader in a cycle takes its kept workers along
    del persistent
    gc.collect()


ABANDONED = """
import os, sys
import tt_autograd as autograd
from tt_optim.data import DataLoader, TensorDataset, shared_batches
shared_batches.SHARED_MEMORY_THRESHOLD = 0
loader = DataLoader(TensorDataset(autograd.arange(400)), batch_size=2, num_workers=2, persistent_workers={})
batches = iter(loader)
for _ in range(8):
    next(batches)
print(" ".join(str(process.pid) for process in batches._workers), flush=True)
"""


@pytest.mark.parametrize("persistent", [False, True])
def test_an_iterator_left_at_interpreter_exit_leaves_nothing(persistent):
    child = subprocess.Popen(
        [sys.executable, "-c", ABANDONED.format(persistent)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0 and err == "", err  # no leaked-segment warning from the resource tracker
    assert glob.glob(f"/dev/shm/tt_loader_{child.pid}_*") == []
    workers = [f"/proc/{pid}" for pid in map(int, out.split())]
    assert len(workers) == 2
    deadline = time.monotonic() + 30  # stopped before the interpreter exited; reaped by init soon after
    while any(map(os.path.exists, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(os.path.exists, workers))


class Uneven(IterableDataset):
    """Worker 0's copy gives one sample, worker 1's twenty (samples 100 + k), each 4 float32."""

    def __iter__(self):
        worker_id = get_worker_info().id
        return iter([np.full(4, worker_id * 100 + k, np.float32) for k in range(1 if worker_id == 0 else 20)])


def test_persistent_workers_get_every_slot_back_after_a_pass_broken_off(monkeypatch):
    """A task sent to a worker whose stream had ended is never answered: its slot is freed next pass."""
    loader = DataLoader(Uneven(), batch_size=1, num_workers=2, persistent_workers=True)
    everything = [[0.0] * 4] + [[100.0 + k] * 4 for k in range(20)]
    batches = iter(loader)
    assert sorted(batch.tolist()[0] for batch in batches) == everything  # every slot sized
    pool = batches._pool
    for batch in loader:  # batch 0 from worker 0; task 4 goes to it before its end is known
        assert batch.tolist() == [[0.0] * 4]
        break
    assert 4 in pool.lent
    assert iter(loader) is batches and set(pool.lent) == {0, 1, 2, 3} and pool.free == []
    assert sorted(batch.tolist()[0] for batch in batches) == everything
    assert sorted(pool.free) == [0, 1, 2, 3] and pool.lent == {}
    del loader, batches


class EndsWhenReleased(IterableDataset):
    """Worker 0's copy is empty but only ends once ``release`` is set; worker 1's gives 0 to 9."""

    def __init__(self):
        self.release = multiprocessing.Event()

    def __iter__(self):
        if get_worker_info().id == 0:
            self.release.wait(30)
            return
        yield from range(10)


def test_the_tasks_of_a_stream_that_ended_go_to_the_workers_still_reading():
    """Task 0's answer is worker 0's end, after task 2 went to it (skipped): task 3 must go to worker 1.

    Every task in flight is then one worker 0 will never answer; without a task sent in its
    place the pass would end after worker 1's first batch.
    """
    dataset = EndsWhenReleased()
    batches = iter(DataLoader(dataset, batch_size=2, num_workers=2, prefetch_factor=1, in_order=False))
    first = next(batches)  # worker 1's answer to task 1; task 2 goes to worker 0, still reading
    dataset.release.set()
    rest = [batch.tolist() for batch in batches]
    assert [first.tolist()] + rest == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]
    assert batches._active == [False, False]


class WhoReads(TensorDataset):
    """Each sample is the id of the worker that read it."""

    get_batch = None

    def __getitem__(self, index):
        return get_worker_info().id


def test_every_pass_of_persistent_workers_starts_its_round_robin_at_worker_0():
    """As PyTorch's ``_reset``; the last pass's sends (7 here, 4 primed) do not carry over."""
    loader = DataLoader(WhoReads(autograd.arange(3)), batch_size=1, num_workers=2, persistent_workers=True)
    for _ in range(3):
        assert [batch.tolist() for batch in loader] == [[0], [1], [0]]
    del loader
