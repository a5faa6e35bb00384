"""Rank-0-only work: printing, and checkpoints written once and read by every rank.

In a data-parallel job every rank runs the same script; without care, N ranks
print every line N times and race to write the same checkpoint file. These
helpers give the usual answers:

* :func:`rank_zero_only` — a decorator: the function runs on rank 0 only
  (and normally when no process group exists);
* :func:`print0` — ``print`` on rank 0 only;
* :func:`save_checkpoint` — rank 0 writes the file (atomically: temp file and
  rename, through ``tt_optim.save_checkpoint``), then every rank waits at a
  barrier, so nobody reads a file that is not there yet;
* :func:`load_checkpoint` — every rank loads the same file.

The model is saved unwrapped (``ddp.module``): the file has no ``module.``
prefixes and no trace of the world size, so a run saved on 4 ranks resumes on
2, or in one process. The optimizer state is the same on every rank (same
averaged gradients, same updates), so rank 0's is everyone's.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

import tt_optim

from .process_group import barrier, get_rank, is_initialized

F = TypeVar("F", bound=Callable[..., Any])


def is_main_process() -> bool:
    """True on rank 0, and in a process that never joined a process group."""
    return not is_initialized() or get_rank() == 0


def rank_zero_only(fn: F) -> F:
    """Decorate ``fn`` so it runs only on rank 0; other ranks get ``None`` back."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs) if is_main_process() else None

    return wrapper  # type: ignore[return-value]


@rank_zero_only
def print0(*args: Any, **kwargs: Any) -> None:
    """``print`` on rank 0 only."""
    print(*args, **kwargs)


def _unwrapped(model: Any) -> Any:
    return getattr(model, "module", model) if type(model).__name__ == "DistributedDataParallel" else model


def save_checkpoint(path: str | os.PathLike[str], *, model: Any = None, **state: Any) -> None:
    """``tt_optim.save_checkpoint`` on rank 0 only, then a barrier; the model is saved unwrapped.

    Every rank must call it (the barrier waits for all). ``state``: ``optimizer``,
    ``scheduler``, ``epoch``, ``extra``, ``generators``, as for ``tt_optim.save_checkpoint``.
    """
    if is_main_process():
        tt_optim.save_checkpoint(path, model=None if model is None else _unwrapped(model), **state)
    if is_initialized():
        barrier()


def load_checkpoint(path: str | os.PathLike[str], *, model: Any = None, **state: Any) -> dict[str, Any]:
    """``tt_optim.load_checkpoint`` on every rank, into the unwrapped model; returns the checkpoint."""
    return tt_optim.load_checkpoint(path, model=None if model is None else _unwrapped(model), **state)
