"""``DataLoader(num_workers > 0)``: worker processes, as ``torch.utils.data``'s multi-process loading.

Expected behaviour is PyTorch's documented one (batches in sampler order, ``get_worker_info``
in workers, per-worker seeds ``base_seed + id``, "Caught ValueError in DataLoader worker
process 0. Original Traceback ...", ``timeout``, ``persistent_workers``), written out here.
Datasets are tiny so each test costs little more than its forks (the CI machine has 2 cores).
"""

from __future__ import annotations

import gc
import glob
import math
import multiprocessing
import os
import random
import re
import sys
import threading
import time

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor
from tt_optim.data import (
    BatchSampler,
    DataLoader,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    StackDataset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    get_worker_info,
    shared_batches,
    worker,
)
from tt_optim.data.worker import WorkerInfo
from tt_tensor import Generator


@pytest.fixture(autouse=True)
def no_children_left():
    """Every test must leave no worker process behind."""
    yield
    assert multiprocessing.active_children() == []


@pytest.fixture(autouse=True, params=["pipe", "shared-memory"])
def transport(request, monkeypatch):
    """Each test with both transports: every batch pickled through the pipe, or (threshold 0) none.

    Shared-memory segments are created by this process (named after its pid): none may be left.
    """
    threshold = math.inf if request.param == "pipe" else 0
    monkeypatch.setattr(shared_batches, "SHARED_MEMORY_THRESHOLD", threshold)
    yield request.param
    assert glob.glob(f"/dev/shm/tt_loader_{os.getpid()}_*") == []


def data(n=23):
    images = autograd.Tensor.from_array(np.arange(n * 2, dtype=np.float16).reshape(n, 2))
    return TensorDataset(images, autograd.arange(n))


def same(batches, expected):
    """Equal batch by batch: values, types and dtypes."""
    assert len(batches) == len(expected)
    for got, want in zip(batches, expected):
        assert type(got) is type(want) and len(got) == len(want)
        for got_part, want_part in zip(got, want):
            assert type(got_part) is type(want_part) and got_part.dtype == want_part.dtype
            np.testing.assert_array_equal(got_part.array, want_part.array)


class Rows(TensorDataset):
    """Read sample by sample (no ``get_batch``)."""

    get_batch = None


KINDS = {
    "shuffle": lambda ds, g: dict(shuffle=True, generator=g, batch_size=4),
    "shuffle-drop-last": lambda ds, g: dict(shuffle=True, generator=g, batch_size=4, drop_last=True),
    "sequential": lambda ds, g: dict(batch_size=5),
    "random-sampler": lambda ds, g: dict(sampler=RandomSampler(ds, generator=g), batch_size=3),
    "with-replacement": lambda ds, g: dict(
        sampler=RandomSampler(ds, replacement=True, num_samples=30, generator=g), batch_size=4, drop_last=True
    ),
    "subset": lambda ds, g: dict(sampler=SubsetRandomSampler(range(3, 20), generator=g), batch_size=4),
    "weighted": lambda ds, g: dict(sampler=WeightedRandomSampler(np.ones(len(ds)), 15, generator=g)),
    "sequential-sampler": lambda ds, g: dict(sampler=SequentialSampler(ds), batch_size=6, drop_last=True),
    "batch-sampler": lambda ds, g: dict(batch_sampler=BatchSampler(RandomSampler(ds, generator=g), 5, False)),
    "default-generator": lambda ds, g: dict(sampler=RandomSampler(ds), batch_size=4),  # the seed's draw too
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_workers_give_the_batches_of_num_workers_0(kind):
    dataset = data()
    tt_tensor.manual_seed(11)
    expected = list(DataLoader(dataset, **KINDS[kind](dataset, Generator(7))))
    tt_tensor.manual_seed(11)  # a lazy sampler draws its order before the workers' base seed is drawn
    got = list(DataLoader(dataset, num_workers=2, **KINDS[kind](dataset, Generator(7))))
    same(got, expected)


def test_sample_by_sample_and_getitems_datasets_and_collate_fn_cross_as_well():
    rows = Rows(*data().tensors)
    same(list(DataLoader(rows, batch_size=4, num_workers=3)), list(DataLoader(rows, batch_size=4)))
    stacked = StackDataset(autograd.arange(10), autograd.arange(10) * 2)
    same(list(DataLoader(stacked, batch_size=3, num_workers=2)), list(DataLoader(stacked, batch_size=3)))
    listed = list(DataLoader(data(6), batch_size=2, num_workers=2, collate_fn=list, prefetch_factor=1))
    assert [[sample[1].item() for sample in batch] for batch in listed] == [[0, 1], [2, 3], [4, 5]]


class Slow(TensorDataset):
    """Sample 0 (batch 0) takes ``delay`` seconds; optionally records the process that read each sample."""

    delay = 0.4

    def __getitem__(self, index):
        if index == 0:
            time.sleep(self.delay)
        return (os.getpid(), *super().__getitem__(index))

    get_batch = None


def test_in_order_false_yields_batches_as_they_come():
    dataset = Slow(autograd.arange(8))
    ordered = [batch[1].tolist() for batch in DataLoader(dataset, batch_size=2, num_workers=2)]
    assert ordered == [[0, 1], [2, 3], [4, 5], [6, 7]]
    loader = DataLoader(dataset, batch_size=2, num_workers=2, in_order=False)
    arrived = [batch[1].tolist() for batch in loader]
    assert arrived[0] == [2, 3] and sorted(arrived) == ordered  # batch 0 waits on the sleeping worker


def test_batches_go_round_robin_with_prefetch_factor_in_flight():
    dataset = Slow(autograd.arange(12))
    dataset.delay = 0
    loader = DataLoader(dataset, batch_size=2, num_workers=2, prefetch_factor=2)
    batches = iter(loader)
    assert len(batches._task_info) == 4  # prefetch_factor * num_workers sent at the start
    first = next(batches)
    assert len(batches._task_info) == 4  # one received, one more sent
    rest = list(batches)
    pids = [first[0][0].item()] + [batch[0][0].item() for batch in rest]
    assert len(set(pids)) == 2 and pids[0::2] == [pids[0]] * 3 and pids[1::2] == [pids[1]] * 3
    assert os.getpid() not in pids and all(process.daemon for process in batches._workers)


class Stream(IterableDataset):
    """0 .. n-1; sharded by worker as PyTorch's docs example does when ``shard``."""

    def __init__(self, n, shard=True):
        self.n, self.shard = n, shard

    def __iter__(self):
        info = get_worker_info()
        if not self.shard or info is None:
            return iter(range(self.n))
        per_worker = -(-self.n // info.num_workers)
        return iter(range(info.id * per_worker, min(self.n, (info.id + 1) * per_worker)))


def test_an_iterable_dataset_sharded_by_worker_gives_each_sample_once():
    samples = [v for batch in DataLoader(Stream(17), batch_size=3, num_workers=3) for v in batch.tolist()]
    assert sorted(samples) == list(range(17))
    loader = DataLoader(Stream(17), batch_size=3, num_workers=3, drop_last=True)
    batches = [batch.tolist() for batch in loader]
    assert all(len(batch) == 3 for batch in batches)  # each worker (6, 6, 5 samples) drops its own short tail
    assert sorted(v for batch in batches for v in batch) == list(range(15))
    loader = DataLoader(Stream(5, shard=False), batch_size=2, num_workers=2)
    unsharded = [v for batch in loader for v in batch.tolist()]
    assert sorted(unsharded) == sorted(2 * list(range(5)))  # PyTorch's behaviour: a copy per worker


class Draws(TensorDataset):
    """Each sample: the worker's id and seed, and a draw from tt, random and NumPy's legacy global state."""

    get_batch = None

    def __getitem__(self, index):
        info = get_worker_info()
        assert isinstance(info, WorkerInfo) and info.num_workers == 2 and isinstance(info.dataset, Draws)
        return [info.id, info.seed, tt_tensor.rand(1).item(), random.random(), np.random.rand()]


def draws(generator):
    loader = DataLoader(Draws(autograd.arange(4)), batch_size=1, num_workers=2, generator=generator)
    return [[field.item() for field in batch] for batch in loader]


def test_worker_seeds_differ_per_worker_and_reproduce_with_the_generator():
    first = draws(Generator(3))
    assert [row[0] for row in first] == [0, 1, 0, 1]
    base = int(Generator(3).numpy.integers(0, 2**62))  # from the loader's generator (no shuffle before)
    assert [row[1] for row in first] == [base, base + 1, base, base + 1]
    worker0, worker1 = first[0], first[1]
    assert worker0[2] == tt_tensor.rand(1, generator=Generator(base)).item()
    assert worker0[3] == random.Random(base).random()
    assert worker0[4] == np.random.RandomState(base % 2**32).rand()
    assert all(worker0[field] != worker1[field] for field in (2, 3, 4))
    assert draws(Generator(3)) == first
    assert draws(Generator(4))[0][2:] != first[0][2:]
    assert get_worker_info() is None


class Tagged(TensorDataset):
    get_batch = None
    tag = None

    def __getitem__(self, index):
        return self.tag


def tag_worker(worker_id):
    info = get_worker_info()
    assert info.id == worker_id
    info.dataset.tag = 100 + worker_id


def test_worker_init_fn_runs_in_each_worker_with_its_id():
    loader = DataLoader(Tagged(autograd.arange(4)), batch_size=1, num_workers=2, worker_init_fn=tag_worker)
    assert [batch.item() for batch in loader] == [100, 101, 100, 101]
    with pytest.raises(RuntimeError, match="Cannot assign attributes to WorkerInfo objects"):
        WorkerInfo(id=0).id = 1
    assert repr(WorkerInfo(id=1, num_workers=2, seed=5)) == "WorkerInfo(id=1, num_workers=2, seed=5)"


class Failing(TensorDataset):
    get_batch = None

    def __getitem__(self, index):
        if index == 3:
            raise self.error
        return super().__getitem__(index)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (ValueError("bad sample 3"), ValueError),
        (KeyError("bad sample 3"), KeyError),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad sample 3"), RuntimeError),  # takes no message alone
    ],
)
def test_an_error_in_a_worker_is_raised_with_its_traceback(error, kind):
    dataset = Failing(autograd.arange(6))
    dataset.error = error
    with pytest.raises(kind) as caught:
        list(DataLoader(dataset, batch_size=2, num_workers=2))
    message = str(caught.value)  # a KeyError's too: its text, not the repr of its text
    name = type(error).__name__
    assert message.startswith(f"Caught {name} in DataLoader worker process 1.\nOriginal Traceback")
    assert "raise self.error" in message and "bad sample 3" in message


def test_an_error_class_the_main_process_cannot_find_comes_back_as_runtime_error():
    class Unfindable(Exception):  # its qualified name passes through <locals>
        pass

    dataset = Failing(autograd.arange(6))
    dataset.error = Unfindable("bad sample 3")
    with pytest.raises(RuntimeError, match="^Caught Unfindable in DataLoader worker process 1"):
        list(DataLoader(dataset, batch_size=2, num_workers=2))


def test_an_error_ends_the_pass_and_a_persistent_loader_starts_afresh():
    dataset = Failing(autograd.arange(6))
    dataset.error = ValueError("bad sample 3")
    loader = DataLoader(dataset, batch_size=2, num_workers=2, persistent_workers=True)
    batches = iter(loader)
    assert next(batches)[0].tolist() == [0, 1]
    with pytest.raises(ValueError, match="bad sample 3"):
        next(batches)
    assert multiprocessing.active_children() == []  # PyTorch's would go on to [4, 5]
    with pytest.raises(StopIteration):
        next(batches)
    dataset.__class__ = Rows  # new workers fork from the mended dataset
    assert [batch[0].tolist() for batch in loader] == [[0, 1], [2, 3], [4, 5]]
    del loader, batches


def test_after_a_timeout_the_pass_is_over_and_a_persistent_loader_starts_afresh():
    dataset = Slow(autograd.arange(4))
    loader = DataLoader(dataset, batch_size=2, num_workers=1, persistent_workers=True, timeout=0.1)
    batches = iter(loader)
    with pytest.raises(RuntimeError, match="timed out"):
        next(batches)
    with pytest.raises(StopIteration):
        next(batches)
    assert multiprocessing.active_children() == []
    dataset.delay, loader.timeout = 0, 60  # the new workers fork from the changed dataset
    assert [batch[1].tolist() for batch in loader] == [[0, 1], [2, 3]]
    del loader, batches


def failing_init(worker_id):
    raise OSError(f"no data for worker {worker_id}")


def test_an_error_in_worker_init_fn_or_pickling_is_raised_too():
    with pytest.raises(OSError, match="Caught OSError in DataLoader worker process 0(.|\n)*no data for"):
        list(DataLoader(data(4), num_workers=2, worker_init_fn=failing_init))
    with pytest.raises(AttributeError, match="Caught AttributeError in DataLoader worker(.|\n)*pickle"):
        list(DataLoader(data(4), num_workers=1, collate_fn=lambda batch: lambda: batch))


class Dying(TensorDataset):
    get_batch = None

    def __getitem__(self, index):
        os._exit(3)


def test_a_worker_that_dies_is_named_with_its_exit_code():
    with pytest.raises(RuntimeError) as caught:
        list(DataLoader(Dying(autograd.arange(2)), num_workers=1))
    assert re.fullmatch(
        r"DataLoader worker \(pid\(s\) (\d+)\) exited unexpectedly: worker 0 \(pid \1\) exited with exit "
        r"code 3\. Details are lost due to multiprocessing; rerunning with num_workers=0 may give a better "
        r"error trace",
        str(caught.value),
    )


def test_timeout_raises_a_clear_error():
    dataset = Slow(autograd.arange(4))
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.1 seconds: no batch came from"):
        list(DataLoader(dataset, batch_size=2, num_workers=1, timeout=0.1))
    assert len(list(DataLoader(dataset, batch_size=2, num_workers=1, timeout=5))) == 2


def test_persistent_workers_are_reused_across_passes():
    dataset = Slow(autograd.arange(9))
    dataset.delay = 0
    loader = DataLoader(dataset, batch_size=2, num_workers=2, persistent_workers=True, shuffle=True)
    pids = []
    for _ in range(3):
        batches = list(loader)
        assert sorted(v for batch in batches for v in batch[1].tolist()) == list(range(9))
        pids.append({pid for batch in batches for pid in batch[0].tolist()})
        for _ in loader:  # a broken-off pass: its prefetched batches must not leak into the next
            break
    assert pids[0] == pids[1] == pids[2] and len(pids[0]) == 2
    assert len(multiprocessing.active_children()) == 2
    del loader


def test_persistent_workers_restart_an_iterable_dataset_each_pass():
    loader = DataLoader(Stream(7), batch_size=2, num_workers=2, persistent_workers=True)
    for _ in range(2):
        assert sorted(v for batch in loader for v in batch.tolist()) == list(range(7))
    del loader


def test_no_worker_is_left_after_a_pass_a_break_or_del():
    dataset = data(40)
    assert len(list(DataLoader(dataset, batch_size=2, num_workers=2))) == 20
    assert multiprocessing.active_children() == []
    for _ in DataLoader(dataset, batch_size=2, num_workers=2):
        break
    assert multiprocessing.active_children() == []
    batches = iter(DataLoader(dataset, batch_size=2, num_workers=2))
    next(batches)
    assert len(multiprocessing.active_children()) == 2
    del batches
    assert multiprocessing.active_children() == []


def test_spawn_works_with_a_picklable_dataset():
    dataset = data(10)
    expected = list(DataLoader(dataset, batch_size=4, shuffle=True, generator=Generator(1)))
    context = multiprocessing.get_context("spawn")
    options = dict(batch_size=4, shuffle=True, generator=Generator(1), num_workers=1)  # a fresh interpreter
    same(list(DataLoader(dataset, multiprocessing_context=context, **options)), expected)
    by_name = DataLoader(dataset, num_workers=1, multiprocessing_context="spawn")
    assert by_name.multiprocessing_context is context


def test_the_default_context_is_fork_on_linux_unless_a_start_method_was_set():
    multiprocessing.set_start_method(None, force=True)  # starting a spawn process fixes it to "fork"
    assert DataLoader(data(2), num_workers=1).multiprocessing_context.get_start_method() == "fork"
    assert multiprocessing.get_start_method(allow_none=True) is None  # not fixed as a side effect
    assert DataLoader(data(2)).multiprocessing_context is None
    multiprocessing.set_start_method("spawn")
    try:
        assert DataLoader(data(2), num_workers=1).multiprocessing_context.get_start_method() == "spawn"
    finally:
        multiprocessing.set_start_method(None, force=True)


def test_a_pass_that_cannot_start_leaves_nothing_behind(monkeypatch):
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)

    class Broken(SequentialSampler):
        def __iter__(self):
            raise ValueError("no order")

    dataset = data(4)
    with pytest.raises(ValueError, match="no order"):
        iter(DataLoader(dataset, sampler=Broken(dataset), num_workers=2))
    gc.collect()
    assert unraisable == []


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        (dict(prefetch_factor=2), ValueError, "prefetch_factor option could only be specified in multi"),
        (dict(persistent_workers=True), ValueError, "persistent_workers option needs num_workers > 0"),
        (dict(multiprocessing_context="spawn"), ValueError, "can only be used with multi-process loading"),
        (dict(timeout=-1), ValueError, "timeout option should be non-negative, got -1"),
        (dict(timeout=True), ValueError, "timeout option should be non-negative, got True"),
        (dict(worker_init_fn=3), TypeError, "worker_init_fn must be callable, got int"),
        (dict(num_workers=1, prefetch_factor=0), ValueError, "prefetch_factor must be a positive int"),
        (dict(num_workers=1, prefetch_factor=True), ValueError, "prefetch_factor must be a positive integer"),
        (dict(num_workers=1, multiprocessing_context="threads"), ValueError, "valid start method in"),
        (dict(num_workers=1, multiprocessing_context=3), TypeError, "a valid context object or a string"),
    ],
)
def test_bad_worker_options_are_refused_with_pytorchs_messages(options, error, message):
    with pytest.raises(error, match=f"^DataLoader: .*{re.escape(message)}"):
        DataLoader(data(2), **options)


def test_the_in_process_options_keep_pytorchs_defaults():
    loader = DataLoader(data(2), num_workers=1, pin_memory=True, pin_memory_device="cuda")
    assert (loader.timeout, loader.worker_init_fn, loader.prefetch_factor) == (0, None, 2)
    assert (loader.persistent_workers, loader.in_order, loader.pin_memory_device) == (False, True, "cuda")


class FakePipe:
    """One end of a worker's pipe, in this process: ``recv`` hands out ``tasks`` (raising exceptions)."""

    def __init__(self, *tasks, failures=()):
        self.tasks, self.sent, self.failures = list(tasks), [], list(failures)

    def poll(self, timeout):
        return bool(self.tasks)

    def recv(self):
        task = self.tasks.pop(0)
        if isinstance(task, BaseException):
            raise task
        return task

    def send(self, message):
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)


@pytest.fixture
def run_worker(monkeypatch):
    """``run_worker(dataset, tasks, ...)``: the worker loop run here; returns what it sent."""
    states = random.getstate(), np.random.get_state(), tt_tensor.get_rng_state()
    monkeypatch.setattr(worker, "_worker_info", None)

    def run(dataset, *tasks, done=False, orphaned=False, failures=()):
        results, flag = FakePipe(failures=failures), threading.Event()
        if done:
            flag.set()
        if orphaned:  # the parent pid the worker sees changes after its start
            parents = iter([os.getppid(), 1])
            monkeypatch.setattr(os, "getppid", lambda: next(parents))
        fetcher = worker._Fetcher(DataLoader(dataset, batch_size=2))
        worker._worker_loop(fetcher, FakePipe(*tasks), results, flag, 0, 1, 5, None, math.inf)
        return results.sent

    yield run
    random.setstate(states[0])
    np.random.set_state(states[1])
    tt_tensor.set_rng_state(states[2])


def test_the_worker_loop_answers_tasks_and_stops_on_none(run_worker):
    resume = worker._Resume()
    sent = run_worker(
        data(4), (0, np.array([2, 3]), None), resume, (1, np.array([0]), None), None, (2, np.array([1]), None)
    )
    assert [message[0] for message in sent] == [0, resume, 1]  # nothing after None
    assert sent[0][1][1].tolist() == [2, 3] and sent[1][1] is None
    assert worker.get_worker_info().seed == 5


def test_the_worker_loop_skips_tasks_once_done_and_leaves_when_its_parent_is_gone(run_worker):
    resume = worker._Resume()
    assert run_worker(data(4), (0, np.array([1]), None), resume, None, done=True) == [(resume, None)]
    assert run_worker(data(4), orphaned=True) == []  # no task, and its parent is gone


def test_the_worker_loop_leaves_on_a_closed_pipe(run_worker):
    assert run_worker(data(4), EOFError()) == []
    assert (
        run_worker(data(4), (0, np.array([1]), None), (1, np.array([2]), None), failures=[BrokenPipeError()])
        == []
    )
    sent = run_worker(data(4), (0, np.array([1]), None), None, failures=[TypeError("cannot pickle")])
    assert isinstance(sent[0][1], worker._WorkerError) and "cannot pickle" in sent[0][1].message


def test_the_worker_loop_ends_a_stream_once(run_worker):
    sent = run_worker(Stream(3), (0, None, None), (1, None, None), (2, None, None), (3, None, None), None)
    assert [message[0] for message in sent] == [0, 1, 2]  # task 3 comes after the stream's end: no answer
    assert sent[0][1].tolist() == [0, 1] and sent[1][1].tolist() == [2]
    assert isinstance(sent[2][1], worker._StreamEnd) and sent[2][1].worker_id == 0
    resume = worker._Resume()
    sent = run_worker(Stream(1), (0, None, None), (1, None, None), resume, (2, None, None), None)
    assert isinstance(sent[1][1], worker._StreamEnd) and sent[2] == (resume, None)
    assert sent[3][1].tolist() == [0]  # the stream starts again after a resume


@pytest.mark.parametrize("kind", ["shuffle", "random-sampler", "with-replacement", "batch-sampler"])
def test_every_pass_shuffles_alike_with_and_without_workers(kind):
    """PyTorch draws the workers' base seed with num_workers=0 too, after the pass's order."""
    dataset = data()
    passes = {}
    for count in (0, 2):
        generator = Generator(7)
        options = {"generator": generator, **KINDS[kind](dataset, generator)}  # the sampler's and the seed's
        loader = DataLoader(dataset, num_workers=count, **options)
        passes[count] = [list(loader) for _ in range(3)]
    for got, expected in zip(passes[2], passes[0]):
        same(got, expected)
    orders = [[batch[1].tolist() for batch in batches] for batches in passes[0]]
    assert orders[0] != orders[1] != orders[2]


def test_num_workers_0_draws_the_seed_when_the_pass_starts_after_its_order():
    generator, expected = Generator(5), Generator(5)
    iter(DataLoader(data(), shuffle=True, generator=generator))
    expected.numpy.permutation(23)
    expected.numpy.integers(0, 2**62)
    assert generator.numpy.random() == expected.numpy.random()
    generator, expected = Generator(5), Generator(5)
    batches = iter(DataLoader(Stream(4), batch_size=2, generator=generator))  # a stream: no order
    expected.numpy.integers(0, 2**62)
    assert generator.numpy.random() == expected.numpy.random()
    assert [batch.tolist() for batch in batches] == [[0, 1], [2, 3]]
    dataset, generator, expected = data(), Generator(5), Generator(5)
    iter(DataLoader(dataset, sampler=RandomSampler(dataset, generator=generator), generator=generator))
    expected.numpy.permutation(23)  # a lazy sampler draws its order at its first batch, before the seed
    expected.numpy.integers(0, 2**62)
    assert generator.numpy.random() == expected.numpy.random()


def test_the_base_seed_is_a_draw_in_0_to_2_to_the_62():
    seeds = [worker.draw_base_seed(Generator(seed)) for seed in range(8)]
    assert seeds == [int(Generator(seed).numpy.integers(0, 2**62)) for seed in range(8)]
