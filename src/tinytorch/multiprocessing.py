"""``tt.multiprocessing``: the names of PyTorch's ``torch.multiprocessing`` a DataLoader user touches.

They are Python's own :mod:`multiprocessing` objects, re-exported: ``get_context`` and
``set_start_method`` choose how ``DataLoader(num_workers > 0)`` starts its workers (its
``multiprocessing_context`` takes the context or the method's name). PyTorch's module
registers reducers that put tensors in shared memory when they cross a queue; here a tensor
crosses as a pickle of its NumPy array, so the sharing strategies are accepted and change
nothing (``set_sharing_strategy("file_system")``, the usual cure for "too many open files",
is harmless). PyTorch's ``spawn`` and ``start_processes`` helpers are not provided.

Example:
    >>> import tinytorch as tt
    >>> tt.multiprocessing.get_context("spawn").get_start_method()
    'spawn'
"""

from __future__ import annotations

from multiprocessing import (
    Event,
    Lock,
    Pipe,
    Process,
    Queue,
    SimpleQueue,
    active_children,
    cpu_count,
    current_process,
    get_all_start_methods,
    get_context,
    get_start_method,
    set_start_method,
)

_STRATEGIES = frozenset({"file_descriptor", "file_system"})
_strategy = ["file_descriptor"]


def get_all_sharing_strategies() -> set[str]:
    """PyTorch's strategies on Linux: ``{"file_descriptor", "file_system"}``."""
    return set(_STRATEGIES)


def get_sharing_strategy() -> str:
    """The strategy last set (``"file_descriptor"`` by default, PyTorch's on Linux)."""
    return _strategy[0]


def set_sharing_strategy(new_strategy: str) -> None:
    """Record ``new_strategy`` (one of :func:`get_all_sharing_strategies`); tensors cross as pickles."""
    if new_strategy not in _STRATEGIES:
        raise ValueError(
            f"set_sharing_strategy: {new_strategy!r} is not a sharing strategy; "
            f"use one of {sorted(_STRATEGIES)}"
        )
    _strategy[0] = new_strategy


__all__ = [
    "Event",
    "Lock",
    "Pipe",
    "Process",
    "Queue",
    "SimpleQueue",
    "active_children",
    "cpu_count",
    "current_process",
    "get_all_sharing_strategies",
    "get_all_start_methods",
    "get_context",
    "get_sharing_strategy",
    "get_start_method",
    "set_sharing_strategy",
    "set_start_method",
]
