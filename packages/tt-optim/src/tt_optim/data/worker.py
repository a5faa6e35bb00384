"""DataLoader worker processes (``num_workers > 0``), as ``torch.utils.data``'s multi-process loading.

How a pass runs with ``N`` workers (:class:`WorkerIterator`, PyTorch's ``_MultiProcessingDataLoaderIter``):

* The main process draws the pass's order with the loader's own code (the path ``num_workers=0``
  takes, so a fixed ``generator`` gives the same first pass) and sends each batch's indices to
  one worker, round robin, ``prefetch_factor`` batches in flight per worker.
* Each worker (a :mod:`multiprocessing` process; ``"fork"`` on Linux as PyTorch, or the
  ``multiprocessing_context`` given) fetches and collates the batch with the loader's fetching
  code and sends it back.
* The main process yields batches in the order their indices were sent; ``in_order=False``
  yields each as it arrives.

An ``IterableDataset`` is iterated in every worker, each on its own copy (fork copies it, spawn
unpickles it): shard it with :func:`get_worker_info` or each sample comes ``N`` times, as in
PyTorch. Each worker batches its own stream (``drop_last`` drops each worker's short last batch).

Seeds: per pass (once, with ``persistent_workers``) a ``base_seed`` is drawn from the loader's
``generator`` (else the default generator), *after* the pass's order; worker ``i`` seeds tt's
default generator, Python's ``random`` and NumPy's legacy global state with ``base_seed + i``
(NumPy's modulo 2**32), then calls ``worker_init_fn(i)``. As in PyTorch, ``num_workers=0`` draws
(and ignores) the seed at the same point, so a fixed ``generator`` shuffles every pass alike
whatever ``num_workers`` is; persistent workers draw it once, so from their second pass they
shuffle differently (PyTorch's too).

Cost: a batch whose arrays total 64 kB or more crosses through shared memory, as PyTorch's
tensors do (:mod:`tt_optim.data.shared_batches`): segments the main process creates and owns,
one lent to each task in flight, the worker writing the arrays' bytes into its task's segment (one
copy) and sending only their layout down its :func:`multiprocessing.Pipe`, the main process
copying them out (one copy) so the tensors it hands out own their memory. A smaller batch, or
one that does not fit its segment yet, crosses as one pickle on the pipe (``Connection.send``):
the worker serialises it (one copy of the arrays' bytes), the kernel copies it through the pipe
twice, the main process unpickles it. Tensors come back as tensors of the same dtype.
Starting workers costs one fork each (spawn: a new interpreter importing NumPy, far more), every
pass unless ``persistent_workers=True`` keeps them.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import random
import signal
import sys
import time
import traceback
from multiprocessing import resource_tracker
from multiprocessing.connection import wait
from typing import Any

import numpy as np
import tt_tensor
from tt_tensor import numpy_generator

from . import shared_batches
from .dataset import IterableDataset
from .shared_batches import SlotPool, WorkerSlots

_POLL = 1.0  # seconds between checks that the other side is still alive
_SHUTDOWN_GRACE = 5.0  # seconds a worker has to exit before it is terminated


class WorkerInfo:
    """What :func:`get_worker_info` returns in a worker: ``id``, ``num_workers``, ``seed``, ``dataset``.

    ``dataset`` is the worker's own copy of the dataset; ``seed`` is ``base_seed + id``, the seed
    the worker's random generators were given. Read-only, as PyTorch's.
    """

    def __init__(self, **fields: Any) -> None:
        for name, value in fields.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_keys", tuple(fields))

    def __setattr__(self, name: str, value: Any) -> None:
        raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)}" for name in self._keys)
        return f"{type(self).__name__}({fields})"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker process, its :class:`WorkerInfo`; in the main process ``None``, as PyTorch's.

    Use it in an ``IterableDataset``'s ``__iter__`` (or a ``worker_init_fn``) to give each worker
    its share of the stream: ``info.id`` of ``info.num_workers``.
    """
    return _worker_info


def check_worker_options(
    num_workers: int,
    timeout: float,
    worker_init_fn: Any,
    multiprocessing_context: Any,
    prefetch_factor: int | None,
    persistent_workers: bool,
) -> tuple[Any, int | None]:
    """Validate the multi-process keywords as PyTorch does; returns ``(context, prefetch_factor)``.

    ``context`` is a multiprocessing context (``None`` with ``num_workers=0``): the one given, by name
    or object, else ``"fork"`` where the platform has it and no start method was set, as PyTorch
    on Linux; ``prefetch_factor`` defaults to 2 with workers.
    """
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0:
        raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout!r}")
    if worker_init_fn is not None and not callable(worker_init_fn):
        raise TypeError(f"DataLoader: worker_init_fn must be callable, got {type(worker_init_fn).__name__}")
    if num_workers == 0:
        if prefetch_factor is not None:
            raise ValueError(
                "DataLoader: prefetch_factor option could only be specified in multiprocessing: "
                "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None"
            )
        if persistent_workers:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None:
            raise ValueError(
                "DataLoader: multiprocessing_context can only be used with multi-process loading "
                "(num_workers > 0), but got num_workers=0"
            )
        return None, None
    if prefetch_factor is None:
        prefetch_factor = 2
    if isinstance(prefetch_factor, bool) or not isinstance(prefetch_factor, int) or prefetch_factor < 1:
        raise ValueError(f"DataLoader: prefetch_factor must be a positive integer, got {prefetch_factor!r}")
    methods = multiprocessing.get_all_start_methods()
    if isinstance(multiprocessing_context, str):
        if multiprocessing_context not in methods:
            raise ValueError(
                f"DataLoader: multiprocessing_context option should specify a valid start method in "
                f"{methods!r}, but got multiprocessing_context={multiprocessing_context!r}"
            )
        return multiprocessing.get_context(multiprocessing_context), prefetch_factor
    if multiprocessing_context is None:
        unset = multiprocessing.get_start_method(allow_none=True) is None
        return multiprocessing.get_context("fork" if unset and "fork" in methods else None), prefetch_factor
    if not isinstance(multiprocessing_context, multiprocessing.context.BaseContext):
        raise TypeError(
            "DataLoader: multiprocessing_context option should be a valid context object or a string "
            f"naming a start method, but got {type(multiprocessing_context).__name__}"
        )
    return multiprocessing_context, prefetch_factor


class _Fetcher:
    """What a worker needs of the loader (picklable for spawn): its fetching code reads these four."""

    def __init__(self, loader: Any) -> None:
        self.dataset = loader.dataset
        self.collate_fn = loader.collate_fn
        self.batch_size = loader.batch_size
        self.drop_last = loader.drop_last
        self.fetch = type(loader)._fetch  # the loader's own code, called with this object as self
        self.streamed = type(loader)._streamed_batches


class _StreamEnd:
    """A worker's answer when its copy of an IterableDataset is exhausted."""

    def __init__(self, worker_id: int) -> None:
        self.worker_id = worker_id


class _Resume:
    """Sent to persistent workers at a new pass; echoed back once the tasks before it are done."""


class _WorkerError:
    """An exception raised in a worker, sent as text (its class by name) and re-raised in the main process."""

    def __init__(self, worker_id: int, error: BaseException) -> None:
        kind = type(error)
        self.module, self.name = kind.__module__, kind.__qualname__
        where = f"in DataLoader worker process {worker_id}"
        original = "".join(traceback.format_exception(kind, error, error.__traceback__))
        self.message = f"Caught {kind.__name__} {where}.\nOriginal {original}"

    def reraise(self) -> None:
        """Raise the worker's exception type with the message and traceback text (else RuntimeError)."""
        kind: Any = sys.modules.get(self.module)
        for part in self.name.split("."):
            kind = getattr(kind, part, None)
        if not (isinstance(kind, type) and issubclass(kind, Exception)):
            kind = RuntimeError
        message = _KeyErrorMessage(self.message) if issubclass(kind, KeyError) else self.message
        try:
            error = kind(message)
        except Exception:  # a class that does not take a message alone
            error = RuntimeError(self.message)
        raise error


class _KeyErrorMessage(str):
    """KeyError shows its argument's repr; this one's repr is the text, so the traceback reads as lines."""

    def __repr__(self) -> str:
        return str(self)


def _worker_loop(
    fetcher: _Fetcher,
    tasks: Any,
    results: Any,
    done: Any,
    worker_id: int,
    num_workers: int,
    base_seed: int,
    worker_init_fn: Any,
    threshold: float,
) -> None:
    """One worker: seed, ``worker_init_fn``, then answer each task ``(send_idx, indices, slot)`` with a batch.

    The batch goes into the task's shared-memory ``slot`` when it is large enough and fits
    (:mod:`tt_optim.data.shared_batches`), else whole through the pipe.

    Exits on ``None``, on a closed pipe, or when the process that started it is gone (the parent
    pid changes, PyTorch's watchdog: the main process, or the server of ``"forkserver"``).
    """
    global _worker_info
    parent = os.getppid()
    seed = base_seed + worker_id
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=fetcher.dataset)
    tt_tensor.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    pending: Any = None
    stream = None
    try:
        if worker_init_fn is not None:
            worker_init_fn(worker_id)
        if isinstance(fetcher.dataset, IterableDataset):
            stream = fetcher.streamed(fetcher)
    except Exception as error:
        pending = _WorkerError(worker_id, error)
    ended = False
    slots = WorkerSlots(threshold)
    try:
        while True:
            if not tasks.poll(_POLL):
                if os.getppid() != parent:
                    return
                continue
            task = tasks.recv()
            if task is None:
                return
            if isinstance(task, _Resume):
                if isinstance(fetcher.dataset, IterableDataset):
                    stream, ended = fetcher.streamed(fetcher), False
                results.send((task, None))
                continue
            if done.is_set() or ended:
                continue
            send_idx, indices, slot = task
            if pending is not None:
                data, pending = pending, None
            else:
                try:
                    data = fetcher.fetch(fetcher, indices) if stream is None else next(stream)
                    data = slots.pack(data, slot)
                except StopIteration:
                    data, ended = _StreamEnd(worker_id), True
                except Exception as error:
                    data = _WorkerError(worker_id, error)
            try:
                results.send((send_idx, data))
            except (BrokenPipeError, EOFError):
                return
            except Exception as error:  # the batch does not pickle
                results.send((send_idx, _WorkerError(worker_id, error)))
    except (BrokenPipeError, EOFError, KeyboardInterrupt):
        return
    finally:
        slots.close()


def index_batches(loader: Any) -> Any:
    """The pass's batches of indices, drawn by the loader's ``num_workers=0`` code (a stream: ``None``s).

    A copy of the loader whose ``_fetch`` returns the indices it is given runs ``__iter__``:
    the same sampler, shuffle and ``drop_last`` code, the same draws from the generator. The first
    batch is taken now, so a lazy sampler (a generator function) has drawn its order on return.
    """
    if isinstance(loader.dataset, IterableDataset):
        return itertools.repeat(None)
    proxy = object.__new__(type(loader))
    vars(proxy).update({name: value for name, value in vars(loader).items() if name != "_iterator"})
    proxy.num_workers = 0
    proxy._indices_only = True
    proxy._fetch = _as_is
    batches = iter(proxy)
    head = list(itertools.islice(batches, 1))
    return itertools.chain(head, batches)


def draw_base_seed(generator: Any) -> int:
    """A pass's ``base_seed``: one draw in ``[0, 2**62)`` from ``generator`` (``None``: the default one)."""
    return int(numpy_generator(generator).integers(0, 2**62))


def _as_is(indices: np.ndarray) -> np.ndarray:
    return indices


def _how_it_ended(worker_id: int, process: Any) -> str:
    """A dead worker's end as PyTorch words it: the signal that killed it (name too), else its exit code."""
    which, code = f"worker {worker_id} (pid {process.pid})", process.exitcode
    if code < 0:
        return f"{which} is killed by signal: {signal.strsignal(-code)} ({signal.Signals(-code).name})"
    return (
        f"{which} exited with exit code {code}. Details are lost due to "
        "multiprocessing; rerunning with num_workers=0 may give a better error trace"
    )


def worker_batches(loader: Any) -> WorkerIterator:
    """``iter(loader)`` with workers: a new :class:`WorkerIterator`, or (persistent workers) the kept one."""
    if not loader.persistent_workers:
        return WorkerIterator(loader)
    kept = vars(loader).get("_iterator")
    if kept is None or kept._shutdown:
        kept = loader._iterator = WorkerIterator(loader)
    else:
        kept._reset(loader)
    return kept


class WorkerIterator:
    """The batches of one pass (or of every pass, kept by a loader with ``persistent_workers``), from workers.

    Holds no reference to the loader, so dropping the loader (or the iterator, after a ``break``)
    shuts the workers down: ``None`` to each, a grace period, then ``terminate``.
    """

    def __init__(self, loader: Any) -> None:
        self._shutdown = True
        self._num_workers = loader.num_workers
        self._prefetch = loader.prefetch_factor
        self._timeout = loader.timeout
        self._in_order = loader.in_order
        self._persistent = loader.persistent_workers
        context = loader.multiprocessing_context
        self._done = context.Event()
        self._tasks, self._results, self._workers = [], [], []
        self._pool = SlotPool(self._prefetch * self._num_workers)
        self._reset(loader, first=True)  # draws the order, then the base seed
        fetcher = _Fetcher(loader)
        if os.name == "posix":  # the workers' shared-memory attachments report to this tracker
            resource_tracker.ensure_running()
        self._shutdown = False
        for worker_id in range(self._num_workers):
            task_out, task_in = context.Pipe()
            result_out, result_in = context.Pipe()
            worker = context.Process(
                target=_worker_loop,
                args=(fetcher, task_out, result_in, self._done, worker_id, self._num_workers)
                + (self._base_seed, loader.worker_init_fn, shared_batches.SHARED_MEMORY_THRESHOLD),
                daemon=True,
            )
            worker.start()
            task_out.close()
            result_in.close()
            self._tasks.append(task_in)
            self._results.append(result_out)
            self._workers.append(worker)
        self._prime()

    def _reset(self, loader: Any, first: bool = False) -> None:
        """A new pass: its index batches (the order drawn now), then (first pass) the base seed."""
        self._batches = index_batches(loader)
        if first:
            self._base_seed = draw_base_seed(loader.generator)
        self._active = [True] * self._num_workers
        self._send_idx = self._rcvd_idx = 0
        self._task_info: dict[int, tuple] = {}
        self._next_worker = itertools.cycle(range(self._num_workers))
        if not first:  # persistent workers: wait until each has finished the last pass's tasks
            for worker_id in range(self._num_workers):
                self._send(worker_id, _Resume())
            waiting = self._num_workers
            while waiting:
                ready, _ = self._receive()
                waiting -= isinstance(ready, _Resume)
            self._pool.release_all()  # no task of the last pass is left to write to a slot
            self._prime()

    def _prime(self) -> None:
        for _ in range(self._prefetch * self._num_workers):
            self._send_one()

    def _send_one(self) -> None:
        """Send the next batch of indices to the next worker still reading, if there is one."""
        for _ in range(self._num_workers):
            worker_id = next(self._next_worker)
            if self._active[worker_id]:
                break
        else:
            return
        indices = next(self._batches, StopIteration)
        if indices is StopIteration:
            return
        self._send(worker_id, (self._send_idx, indices, self._pool.lend(self._send_idx)))
        self._task_info[self._send_idx] = (worker_id,)
        self._send_idx += 1

    def _receive(self) -> tuple[Any, Any]:
        """The next ``(send_idx, data)`` any worker sends; a clear error on timeout or a dead worker."""
        started = time.monotonic()
        while True:
            wait_for = _POLL
            if self._timeout > 0:
                left = self._timeout - (time.monotonic() - started)
                if left <= 0:
                    self._shutdown_workers()
                    raise RuntimeError(
                        f"DataLoader timed out after {self._timeout} seconds: no batch came from the "
                        f"{self._num_workers} workers in that time (raise timeout, or 0 to wait forever)"
                    )
                wait_for = min(wait_for, left)
            ready = wait(self._results, wait_for)
            if ready:
                try:
                    send_idx, data = ready[0].recv()
                    return send_idx, self._pool.receive(send_idx, data)
                except EOFError:  # the worker closed its end: it has exited
                    self._workers[self._results.index(ready[0])].join(_POLL)
            self._fail_if_dead()

    def _send(self, worker_id: int, message: Any) -> None:
        """Send ``message`` down a worker's task pipe; a worker that has exited: the dead-worker error."""
        try:
            self._tasks[worker_id].send(message)
        except OSError:  # BrokenPipeError: the worker, the pipe's only reader, has exited
            self._workers[worker_id].join(_POLL)
            self._fail_if_dead()
            self._shutdown_workers()
            raise

    def _fail_if_dead(self) -> None:
        """If a worker has exited: stop the others, unlink the segments, raise PyTorch's error naming each."""
        dead = [worker_id for worker_id, worker in enumerate(self._workers) if not worker.is_alive()]
        if dead:
            self._shutdown_workers()
            pids = ", ".join(str(self._workers[worker_id].pid) for worker_id in dead)
            how = "; ".join(_how_it_ended(worker_id, self._workers[worker_id]) for worker_id in dead)
            raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly: {how}")

    def __iter__(self) -> WorkerIterator:
        return self

    def __next__(self) -> Any:
        if self._shutdown:  # after the end, an error or a timeout
            raise StopIteration
        while True:
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info is not None and (len(info) == 2 or self._active[info[0]]):
                    break
                self._task_info.pop(self._rcvd_idx, None)  # answered out of order, or its worker ended
                self._pool.receive(self._rcvd_idx, None)  # (an ended stream's worker skips its tasks)
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:
                data = self._task_info.pop(self._rcvd_idx)[1]
                self._rcvd_idx += 1
                return self._process(data)
            send_idx, data = self._receive()
            if isinstance(data, _StreamEnd):
                self._active[data.worker_id] = False
                self._send_one()
                continue
            if send_idx != self._rcvd_idx:
                if not self._in_order:
                    del self._task_info[send_idx]
                    return self._process(data)
                self._task_info[send_idx] += (data,)
                continue
            del self._task_info[send_idx]
            self._rcvd_idx += 1
            return self._process(data)

    def _process(self, data: Any) -> Any:
        """Send the next task; return the batch, or end the pass and raise the worker's error.

        PyTorch's iterator can go on after a worker's error; here the workers stop first, since
        the raised error's traceback holds this iterator (and its workers) for as long as it lives.
        """
        self._send_one()
        if isinstance(data, _WorkerError):
            self._shutdown_workers()
            data.reraise()
        return data

    def _shutdown_workers(self) -> None:
        """Stop every worker: the done flag, ``None`` down each pipe, drain their output, then terminate."""
        if self._shutdown:
            return
        self._shutdown = True
        try:
            self._done.set()
            for pipe in self._tasks:
                try:
                    pipe.send(None)
                except OSError:  # the worker is gone already
                    pass
            deadline = time.monotonic() + _SHUTDOWN_GRACE
            while any(worker.is_alive() for worker in self._workers) and time.monotonic() < deadline:
                for pipe in wait(self._results, 0.05):
                    try:
                        pipe.recv()  # a worker blocked sending a batch can then read its None
                    except (EOFError, OSError):
                        pass
        finally:
            for worker in self._workers:
                if worker.is_alive():
                    worker.terminate()
                worker.join()
            for pipe in self._tasks + self._results:
                pipe.close()
            self._pool.close()

    def __del__(self) -> None:
        self._shutdown_workers()
