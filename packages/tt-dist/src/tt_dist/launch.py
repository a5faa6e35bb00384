"""Launched by ``mpiexec``? Join the job, one core per rank, and agree on rank 0's decisions.

A training script that should run both as ``python train.py`` and as
``mpiexec -n N python train.py`` asks :func:`launched_world_size` (read from
the launcher's environment, before MPI is started) and, when N > 1, calls
:func:`setup`: it joins the default process group and gives each rank one
BLAS thread and no worker pool, so N ranks on N cores do not fight over them.
A plain ``python train.py`` never starts MPI and runs exactly as before.

Ranks must take the same decisions at the same steps, or their collectives
stop pairing up and the job hangs: a decision that reads a clock (a time
budget, an early stop, "evaluate now") is taken on rank 0 and sent to the
others with :func:`from_rank_zero`. :func:`sum_over_ranks` adds up per-rank
counts (a sharded evaluation's loss and characters, say).

Example (the same script, either way):
    >>> if launched_world_size() > 1:  # doctest: +SKIP
    ...     setup()
    ...     model = DistributedDataParallel(model)
    >>> stop, = from_rank_zero(time.perf_counter() > deadline)  # doctest: +SKIP

Cost: :func:`from_rank_zero` and :func:`sum_over_ranks` are one small
collective each (a few microseconds between ranks of one machine).
"""

from __future__ import annotations

import os

import numpy as np
from tt_tensor import threads

from .process_group import ReduceOp, all_reduce, broadcast, default_group, init_process_group, is_initialized

#: Environment variables in which MPI launchers tell a process the job's size: MPICH's Hydra (and
#: Intel MPI), Open MPI, MVAPICH, PMIx. (Not torchrun's ``WORLD_SIZE``: its processes are no MPI job.)
SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE", "PMIX_SIZE")


def launched_world_size() -> int:
    """How many processes the launcher started (1 for a plain ``python script.py``); MPI is not started.

    Raises:
        ValueError: a launcher variable that is not a positive whole number.
    """
    for name in SIZE_VARIABLES:
        value = os.environ.get(name)
        if value:
            try:
                size = int(value)
            except ValueError:
                size = 0
            if size < 1:
                raise ValueError(
                    f"launched_world_size: ${name}={value!r} is not a positive number of processes"
                )
            return size
    return 1


def setup(blas_threads: int = 1, **options: object) -> tuple[int, int]:
    """Join the job (``init_process_group(**options)`` unless done) with ``blas_threads`` per rank.

    Sets NumPy's BLAS to ``blas_threads`` threads and turns tt-tensor's worker pool
    off (``TINYTORCH_NUM_THREADS=1``, read when the pool first starts): call it before
    any model runs. Returns ``(rank, world_size)``.
    """
    os.environ["TINYTORCH_NUM_THREADS"] = "1"
    threads.set_num_threads(blas_threads)
    if not is_initialized():
        init_process_group("mpi", **options)  # type: ignore[arg-type]
    group = default_group(None, "setup")
    return group.rank, group.size


class _Values:
    """A float64 buffer with the ``.array`` the collectives read (no autograd needed for plain numbers)."""

    def __init__(self, values: tuple[float, ...]) -> None:
        self.array = np.array(values, dtype=np.float64)


def from_rank_zero(*values: float) -> list[float]:
    """Rank 0's ``values`` on every rank (one broadcast): for decisions read from a clock.

    Every rank must call it at the same point with the same number of values.
    """
    buffer = _Values(values)
    broadcast(buffer)  # type: ignore[arg-type]
    return buffer.array.tolist()


def sum_over_ranks(*values: float) -> list[float]:
    """The sum of ``values`` over all ranks, on every rank (one all-reduce, float64)."""
    buffer = _Values(values)
    all_reduce(buffer, ReduceOp.SUM)  # type: ignore[arg-type]
    return buffer.array.tolist()
