"""``DataLoader`` workers' batches through shared memory (``tt_optim.data.shared_batches``).

The main process creates, grows and unlinks the segments; workers write into the one lent to
their task. Every test here leaves no segment in ``/dev/shm`` and no worker behind. The other
worker tests (test_dataloader_workers.py) run with both transports.
"""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tt_autograd as autograd
from tt_optim.data import DataLoader, TensorDataset, shared_batches
from tt_tensor import Generator

pytestmark = pytest.mark.usefixtures("nothing_left")  # conftest.py: no worker or segment left


@pytest.fixture
def received(monkeypatch):
    """What the main process receives per task, by type name, and its first slot's size after each."""
    seen = []
    receive = shared_batches.SlotPool.receive

    def spy(pool, send_idx, data):
        batch = receive(pool, send_idx, data)
        if data is not None:
            seen.append((type(data).__name__, pool.segments[0] and pool.segments[0].size))
        return batch

    monkeypatch.setattr(shared_batches.SlotPool, "receive", spy)
    return seen


def test_batches_cross_through_shared_memory_once_their_slot_is_sized(received):
    images = autograd.Tensor.from_array(np.arange(40 * 6, dtype=np.float16).reshape(40, 2, 3))
    dataset = TensorDataset(images, autograd.arange(40))
    expected = list(DataLoader(dataset, batch_size=4, shuffle=True, generator=Generator(2)))
    got = list(DataLoader(dataset, batch_size=4, shuffle=True, generator=Generator(2), num_workers=2))
    assert len(got) == len(expected) == 10
    for batch, want in zip(got, expected):  # each batch was copied out before its slot took the next one
        for part, part_wanted in zip(batch, want, strict=True):
            assert type(part) is type(part_wanted) and part.dtype == part_wanted.dtype
            np.testing.assert_array_equal(part.array, part_wanted.array)
    kinds = sorted(kind for kind, _ in received)
    assert kinds == ["SharedBatch"] * 6 + ["Spilled"] * 4  # 4 slots (2 workers x prefetch 2), empty at first
    assert all(part.array.flags.writeable for batch in got for part in batch)


class Growing(TensorDataset):
    """Sample i is (i // 4 + 1) x 16 float32: batch k of 4 takes 256 (k + 1) bytes."""

    get_batch = None

    def __getitem__(self, index):
        return autograd.Tensor.from_array(np.full((index // 4 + 1, 16), index, np.float32))


def test_a_slot_too_small_is_grown_to_at_least_double(received):
    loader = DataLoader(Growing(autograd.arange(24)), batch_size=4, num_workers=1, prefetch_factor=1)
    batches = list(loader)
    assert [batch.shape for batch in batches] == [(4, k + 1, 16) for k in range(6)]
    assert [batch[3, 0, 0].item() for batch in batches] == [3, 7, 11, 15, 19, 23]
    spilled, shared = "Spilled", "SharedBatch"
    sizes = [(spilled, 256), (spilled, 512), (spilled, 1024), (shared, 1024), (spilled, 2048), (shared, 2048)]
    assert received == sizes  # 768 bytes grow 512 to 1024; 1024 fits 1024 exactly


def test_batches_under_the_threshold_take_the_pipe(monkeypatch, received):
    monkeypatch.setattr(shared_batches, "SHARED_MEMORY_THRESHOLD", 64 * 1024)
    rows = TensorDataset(autograd.Tensor.from_array(np.zeros((11, 4096), np.float32)))  # 16 kB a row
    loader = DataLoader(rows, batch_size=4, num_workers=1, prefetch_factor=1)
    assert [batch[0].shape for batch in loader] == [(4, 4096), (4, 4096), (3, 4096)]
    assert [kind for kind, _ in received] == ["Spilled", "SharedBatch", "list"]  # 64 kB: the threshold


class DyingLater(TensorDataset):
    get_batch = None

    def __getitem__(self, index):
        if index == 6:
            os._exit(3)
        return super().__getitem__(index)


def test_a_worker_dying_after_batches_crossed_leaves_no_segment():
    batches = iter(DataLoader(DyingLater(autograd.arange(8)), batch_size=2, num_workers=1, prefetch_factor=1))
    assert [next(batches)[0].tolist() for _ in range(3)] == [[0, 1], [2, 3], [4, 5]]
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        next(batches)  # the fixture checks /dev/shm


KILLED = """
import os, signal
import tt_autograd as autograd
from tt_optim.data import DataLoader, TensorDataset, shared_batches
shared_batches.SHARED_MEMORY_THRESHOLD = 0
batches = iter(DataLoader(TensorDataset(autograd.arange(40)), batch_size=2, num_workers=2))
for _ in range(8):
    next(batches)
mine = [name for name in os.listdir("/dev/shm") if name.startswith(f"tt_loader_{os.getpid()}_")]
print(len(mine), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_main_process_leaves_no_segment_once_its_workers_are_gone():
    child = subprocess.Popen([sys.executable, "-c", KILLED], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, _ = child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL and out.strip() == b"4"
    deadline = time.monotonic() + 60  # orphaned workers notice within a second; then the tracker unlinks
    while glob.glob(f"/dev/shm/tt_loader_{child.pid}_*") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert glob.glob(f"/dev/shm/tt_loader_{child.pid}_*") == []


def test_the_slot_pool_lends_grows_and_unlinks(monkeypatch):
    pool = shared_batches.SlotPool(1)
    assert pool.lend(0) is None and pool.lend(1) is None  # empty, then none free
    assert pool.receive(1, shared_batches.Spilled("late", 64)) == "late" and pool.segments == [None]
    assert pool.receive(0, shared_batches.Spilled("first", 64)) == "first"
    segment = pool.segments[0]
    assert pool.lend(2) == (0, segment.name, 64) and pool.lend(3) is None
    pool.release_all()
    assert pool.lend(4) == (0, segment.name, 64) and pool.lent == {4: 0}
    pool.close()
    assert pool.segments == [None] and not os.path.exists(f"/dev/shm/{segment.name}")
    assert segment.buf is None  # unmapped here too
    pool.close()


def test_the_slot_pool_leaves_a_slot_as_it_is_without_room(monkeypatch):
    room = type("Room", (), {"f_bavail": 2, "f_frsize": 4096})
    monkeypatch.setattr(os, "statvfs", lambda path: room)
    pool = shared_batches.SlotPool(2)
    pool.lend(0), pool.lend(1)
    pool.receive(0, shared_batches.Spilled(None, 8193))
    pool.receive(1, shared_batches.Spilled(None, 8192))
    assert pool.segments[1] is None and pool.segments[0].size == 8192  # the free list hands out 1 first
    pool.close()

    def missing(path):
        raise FileNotFoundError(path)

    monkeypatch.setattr(os, "statvfs", missing)  # no /dev/shm to ask: try anyway
    pool = shared_batches.SlotPool(1)
    pool.lend(0)
    pool.receive(0, shared_batches.Spilled(None, 100))
    assert pool.segments[0].size == 100
    pool.close()

    def refused(*args, **kwargs):
        raise OSError("no room")

    monkeypatch.setattr(shared_batches.shared_memory, "SharedMemory", refused)
    pool.lend(0)
    assert pool.receive(0, shared_batches.Spilled("whole", 100)) == "whole" and pool.segments == [None]


def test_a_segment_name_taken_is_drawn_again(monkeypatch):
    taken = shared_batches._create(64)
    tokens = iter([taken.name.rsplit("_", 1)[1], "000000000000"])
    monkeypatch.setattr(shared_batches.secrets, "token_hex", lambda size: next(tokens))
    again = shared_batches._create(32)
    assert again.name == f"tt_loader_{os.getpid()}_000000000000" and again.size == 32
    for segment in (taken, again):
        segment.unlink()
        shared_batches._remove(segment)  # already gone: no error


def test_a_worker_attaches_once_per_segment_and_writes_aligned_buffers():
    pool = shared_batches.SlotPool(1)
    pool.lend(0)
    pool.receive(0, shared_batches.Spilled(None, 256))
    slots = shared_batches.WorkerSlots(0)
    assert slots.pack("no arrays", pool.lend(1)) == "no arrays" and slots.attached == {}
    pool.receive(1, "no arrays")
    batch = (np.arange(3, dtype=np.int8), np.arange(4.0))
    message = slots.pack(batch, pool.lend(2))
    assert message.layout == [(0, 3), (64, 32)]
    first = slots.attached[0]
    copy = pool.receive(2, message)
    assert slots.pack(batch, pool.lend(3)).layout == message.layout and slots.attached[0] is first
    pool.receive(3, None)
    np.testing.assert_array_equal(copy[1], batch[1])
    assert copy[0].dtype == np.int8 and copy[0].flags.writeable
    many = tuple(np.arange(4.0) for _ in range(10))
    assert isinstance(slots.pack(many, pool.lend(4)), shared_batches.Spilled)  # 10 buffers of 64 > 256
    pool.receive(4, shared_batches.Spilled(None, 640))
    slots.pack(batch, pool.lend(5))
    pool.receive(5, None)
    assert slots.attached[0] is not first and first.buf is None  # the replaced one was closed
    assert shared_batches.WorkerSlots(129).pack(batch, pool.lend(6)) is batch  # under the threshold
    pool.receive(6, batch)
    assert isinstance(shared_batches.WorkerSlots(128).pack(batch, pool.lend(7)), shared_batches.SharedBatch)
    last = slots.attached[0]
    slots.close()
    assert slots.attached == {} and last.buf is None
    pool.close()


def test_the_size_walk_matches_the_layout_and_gives_up_on_unknown_objects():
    tensor = autograd.Tensor.from_array(np.zeros(100, np.float32))  # 400 bytes: 448 aligned
    batch = {"x": [tensor, (np.zeros(3, np.int8), "label", 3, 2.0, None, b"raw")]}
    assert shared_batches._array_bytes(batch) == 448 + 64
    assert shared_batches._array_bytes([tensor, object()]) == float("inf")
    pool = shared_batches.SlotPool(1)
    pool.lend(0)
    pool.receive(0, shared_batches.Spilled(None, 4096))
    message = shared_batches.WorkerSlots(512).pack(batch, pool.lend(1))  # not under 512: shared
    assert message.layout == [(0, 400), (448, 3)]
    copy = pool.receive(1, message)
    assert copy["x"][1][1:] == ("label", 3, 2.0, None, b"raw") and copy["x"][0].shape == (100,)
    assert shared_batches.WorkerSlots(513).pack(batch, pool.lend(2)) is batch
    pool.close()


def test_a_batch_under_the_threshold_is_not_written_into_a_slot(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("written")

    pool = shared_batches.SlotPool(1)
    pool.lend(0)
    pool.receive(0, shared_batches.Spilled(None, 4096))
    monkeypatch.setattr(shared_batches.WorkerSlots, "_write", refuse)
    batch = (autograd.Tensor.from_array(np.zeros(100, np.float32)), autograd.arange(3))
    assert shared_batches.WorkerSlots(513).pack(batch, pool.lend(1)) is batch  # 448 + 64 bytes laid out
    pool.receive(1, batch)
    try:
        with pytest.raises(AssertionError, match="written"):
            shared_batches.WorkerSlots(512).pack(batch, pool.lend(2))
    finally:
        pool.close()


def test_a_batch_is_rebuilt_from_its_skeleton_without_unpickling():
    tensor = autograd.Tensor.from_array(np.arange(6, dtype=np.float32).reshape(2, 3).T)  # not contiguous
    batch = {"x": [tensor, (np.array(5, np.int16), "label", 3, 2.0, True, None, b"raw")], 7: [np.zeros(0)]}
    pool = shared_batches.SlotPool(1)
    pool.lend(0)
    pool.receive(0, shared_batches.Spilled(None, 4096))
    message = shared_batches.WorkerSlots(0).pack(batch, pool.lend(1))
    assert isinstance(message, shared_batches.SharedBatch)
    copy = pool.receive(1, message)
    assert type(copy["x"][0]) is autograd.Tensor and copy["x"][0].tolist() == tensor.tolist()
    assert copy["x"][1][0].dtype == np.int16 and copy["x"][1][0].shape == () and int(copy["x"][1][0]) == 5
    assert copy["x"][1][1:] == ("label", 3, 2.0, True, None, b"raw") and copy[7][0].shape == (0,)
    assert not np.shares_memory(copy["x"][0].array, tensor.array)
    odd = [np.array([object()]), autograd.arange(3)]  # an object array: only pickling could carry it
    assert shared_batches.WorkerSlots(0).pack(odd, pool.lend(2)) is odd
    pool.close()


CLEAN = """
from tt_optim.data import DataLoader, TensorDataset, shared_batches
import tt_autograd as autograd
shared_batches.SHARED_MEMORY_THRESHOLD = 0
print(len(list(DataLoader(TensorDataset(autograd.arange(40)), batch_size=2, num_workers=2))))
"""


def test_workers_report_their_attachments_to_the_main_process_tracker():
    """Else each worker starts a tracker of its own, which at its exit unlinks what it saw, and warns."""
    result = subprocess.run([sys.executable, "-c", CLEAN], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "20"
    assert "resource_tracker" not in result.stderr, result.stderr
