"""``torch.futures``: a value that will exist later, and the work to run once it does.

A :class:`Future` holds the result of something started but maybe not finished:
a non-blocking collective (``dist.all_reduce(t, async_op=True).get_future()``),
or anything a program completes itself with :meth:`Future.set_result`.
:meth:`Future.then` chains a callback whose return value fills a new Future, so
a DDP communication hook can start an all-reduce and say what to do with its
result (divide it, decompress it) without waiting for it.

It lives in tt-dist, not in tt-tensor, because here is what produces futures:
MPI requests. PyTorch's ``torch.futures`` is also a module of its own; in the
meta-package this one is ``tt.futures``.

**How it completes.** A future made by :meth:`~tt_dist.Work.get_future` is
completed by its collective: :meth:`Future.wait` finishes the MPI request
(under the group's timeout) and :meth:`Future.done` tests it without blocking,
which also lets MPI make progress. A future from :meth:`then` completes when
its parent does. A plain ``Future()`` completes only by :meth:`set_result` or
:meth:`set_exception`, maybe from another thread; its ``wait()`` blocks until
then, as PyTorch's does.

Differences from PyTorch: no devices or CUDA streams (``devices`` is accepted
and ignored); callbacks run on the thread that completes the future, which is
the one that waits or polls (PyTorch may run them on its own threads).

Cost: a few Python objects per future; callbacks run once each.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")
S = TypeVar("S")

_TWICE = (
    "Attempting to mark a completed Future as complete again. "
    "Note that a Future can only be marked completed once."
)


class Future(Generic[T]):
    """PyTorch's ``torch.futures.Future``: ``wait()``, ``value()``, ``then()``, ``done()``, ``set_result()``.

    ``Future[Tensor]`` is the annotation of a communication hook's result, as in PyTorch.

    Example:
        >>> fut = Future()
        >>> doubled = fut.then(lambda f: f.value() * 2)
        >>> fut.set_result(21)
        >>> doubled.wait()
        42
    """

    def __init__(self, *, devices: Any = None) -> None:
        self._finished = threading.Event()
        self._lock = threading.Lock()  # completion and callback registration may come from two threads
        self._value: Any = None
        self._error: BaseException | None = None
        self._callbacks: list[Callable[[Future[T]], None]] = []
        #: What completes it, if not set_result: ``advance(block)`` tests (or, blocking, finishes) it.
        self._advance: Callable[[bool], None] | None = None

    def done(self) -> bool:
        """Whether the future holds a value or an error (never blocks; tests a collective behind it)."""
        if not self._finished.is_set() and self._advance is not None:
            self._advance(False)
        return self._finished.is_set()

    def wait(self) -> T:
        """Block until the future completes; its value, or raise its error."""
        self.settle()
        return self.value()

    def settle(self) -> None:
        """Block until the future completes, without raising its error."""
        if not self._finished.is_set():
            if self._advance is not None:
                self._advance(True)
            self._finished.wait()

    def value(self) -> T:
        """The value of a completed future (its error raised); for after ``wait()`` or inside a callback."""
        if not self._finished.is_set():
            raise RuntimeError(
                "Future.value: the Future has not completed yet; call wait() first, or read value() inside a "
                "callback given to then()"
            )
        if self._error is not None:
            raise self._error
        return self._value

    def then(self, callback: Callable[[Future[T]], S]) -> Future[S]:
        """A new future holding ``callback(self)``, run once this one completes (at once if it has).

        The callback runs even if this future failed: its ``fut.value()`` then raises, and
        an error the callback raises becomes the new future's error (raised by its ``wait()``).
        """
        child: Future[S] = Future()
        child._advance = lambda block: self.settle() if block else self.done()

        def run(parent: Future[T]) -> None:
            try:
                result = callback(parent)
            except Exception as error:  # the chained future carries it to whoever waits
                child.set_exception(error)
            else:
                child.set_result(result)

        self.add_done_callback(run)
        return child

    def add_done_callback(self, callback: Callable[[Future[T]], None]) -> None:
        """Run ``callback(self)`` once this future completes (at once if it has); its result is dropped."""
        with self._lock:
            if not self._finished.is_set():
                self._callbacks.append(callback)
                return
        callback(self)

    def set_result(self, result: T) -> None:
        """Complete the future with ``result`` and run its callbacks, in the order they were added."""
        self._complete(result, None)

    def set_exception(self, result: BaseException) -> None:
        """Complete the future with an error: ``wait()`` and ``value()`` raise ``result``."""
        if not isinstance(result, BaseException):
            raise TypeError(
                f"Future.set_exception: expected an exception instance, got {type(result).__name__}"
            )
        self._complete(None, result)

    def _complete(self, value: Any, error: BaseException | None) -> None:
        with self._lock:
            if self._finished.is_set():
                raise RuntimeError(_TWICE)
            self._value, self._error = value, error
            self._finished.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)


def collect_all(futures: list[Future[Any]]) -> Future[list[Future[Any]]]:
    """A future that completes, with the list ``futures``, once every one of them has completed."""
    futures = list(futures)
    together: Future[list[Future[Any]]] = Future()
    remaining = [len(futures)]

    def advance(block: bool) -> None:
        for future in futures:
            future.settle() if block else future.done()

    def one_done(_: Future[Any]) -> None:
        remaining[0] -= 1
        if remaining[0] == 0:
            together.set_result(futures)

    together._advance = advance
    if not futures:
        together.set_result(futures)
    for future in futures:
        future.add_done_callback(one_done)
    return together


def wait_all(futures: list[Future[Any]]) -> list[Any]:
    """Wait for every future, in order, and return their values; the first error stops and is raised."""
    return [future.wait() for future in futures]
