"""``TORCH_DISTRIBUTED_DEBUG=DETAIL``: before each collective, the ranks check they all run the same one.

Ranks that call different collectives, or the same one on tensors of different
shapes or dtypes, otherwise hang (each waits in an operation the others never
start) or compute garbage (MPI reduces buffers of different lengths). PyTorch's
DETAIL level wraps the process group so that every collective is preceded by an
all-gather of a *fingerprint*, and raises when the fingerprints differ; so does
this module, called by every collective of tt-dist when the level is DETAIL.

A fingerprint is 16 int64s: the group's count of checked collectives (PyTorch's
sequence number), the operation, and the dtype, number of dimensions, number of
elements and the first 11 sizes of the tensor the operation compares (its input,
as PyTorch's; none for ``barrier``, the all-to-alls whose pieces may differ in
size, the coalesced and the object collectives, which then check the operation
alone). Every rank gathers every fingerprint, so on a mismatch every rank raises
the same ``RuntimeError``, naming each rank's operation, dtype and shape. A rank
that never arrives shows as the group's ``TimeoutError`` naming the check.

Cost, DETAIL only: one all-gather of 128 bytes per rank before each collective
(a latency, whatever the tensor's size). At OFF and INFO the collectives test one
module attribute and go on. Point-to-point messages and ``monitored_barrier`` are
not checked, as in PyTorch.
"""

from __future__ import annotations

import logging
import weakref
from typing import Any

import numpy as np

#: The collectives checked, and the parameter holding the tensor their fingerprint describes.
COMPARED = {
    "all_reduce": "tensor", "broadcast": "tensor", "reduce": "tensor", "all_gather": "tensor",
    "all_gather_into_tensor": "input_tensor", "all_gather_single": "input_tensor", "gather": "tensor",
    "scatter": "tensor", "reduce_scatter": "output", "reduce_scatter_tensor": "input",
    "reduce_scatter_single": "input", "barrier": None, "all_to_all": None, "all_to_all_single": None,
    "all_reduce_coalesced": None, "all_gather_coalesced": None, "all_gather_object": None,
    "broadcast_object_list": None, "gather_object": None, "scatter_object_list": None,
}  # fmt: skip
OPS = tuple(COMPARED)
SLOTS = 16
SIZES = SLOTS - 5  # sizes of the first dimensions a fingerprint holds
logger = logging.getLogger("tt_dist")
_sequence: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()


def fingerprint(op: str, tensor: Any, sequence: int) -> np.ndarray:
    """``[sequence, op, dtype, ndim, numel, size 0, ...]`` (-1 where there is no tensor or dimension)."""
    row = np.full(SLOTS, -1, np.int64)
    row[0], row[1] = sequence, OPS.index(op)
    array = getattr(tensor, "array", None)
    if isinstance(array, np.ndarray):
        sizes = array.shape[:SIZES]
        row[2:5] = ord(array.dtype.char), array.ndim, array.size
        row[5 : 5 + len(sizes)] = sizes
    return row


def tensor_words(row: np.ndarray) -> str:
    """A fingerprint's tensor in words: ``float32 (20, 10)``, or ``no tensor``."""
    if row[2] < 0:
        return "no tensor"
    sizes = [int(size) for size in row[5 : 5 + min(int(row[3]), SIZES)]]
    shape = f"({', '.join(map(str, sizes))}{',' if len(sizes) == 1 else ''})"
    if row[3] > SIZES:
        shape = f"{shape[:-1]}, ...) ({row[3]} dimensions, {row[4]} elements)"
    return f"{np.dtype(chr(row[2])).name} {shape}"


def describe(row: np.ndarray) -> str:
    """A fingerprint in words: ``all_reduce on float32 (20, 10)``, ``barrier``."""
    return OPS[row[1]] + ("" if row[2] < 0 else f" on {tensor_words(row)}")


def mismatch(table: np.ndarray, ranks: list[int], me: int) -> str | None:
    """The error for gathered fingerprints ``table`` (a row per group rank), or None if they agree."""
    mine = table[me]
    differ = np.flatnonzero((table != mine).any(axis=1))
    if differ.size == 0:
        return None
    other = table[differ[0]]
    aspects = []
    if mine[0] != other[0]:
        aspects.append(f"sequence number {mine[0]} vs {other[0]}")
    if mine[1] != other[1]:
        aspects.append(f"op {OPS[mine[1]]} vs {OPS[other[1]]}")
    if (mine[2:] != other[2:]).any():
        aspects.append(f"tensor {tensor_words(mine)} vs {tensor_words(other)}")
    every = "; ".join(
        f"rank {rank}: {describe(row)} (#{row[0]})" for rank, row in zip(ranks, table, strict=True)
    )
    return (
        f"Detected mismatch between collectives on ranks. Rank {ranks[me]} is running {describe(mine)}, but "
        f"rank {ranks[differ[0]]} is running {describe(other)}. Collectives differ in: {', '.join(aspects)}. "
        f"Every rank: {every}. Each rank must call the same collectives in the same order, on tensors of the "
        "same shape and dtype (checked because TORCH_DISTRIBUTED_DEBUG is DETAIL)"
    )


def check(op: str, tensor: Any, group: Any) -> None:
    """Gather every rank's fingerprint of ``op`` over ``group`` and raise ``RuntimeError`` if any differs."""
    sequence = _sequence[group] = _sequence.get(group, 0) + 1
    mine = fingerprint(op, tensor, sequence)
    logger.info(
        "[Rank %d] Running collective: %s (#%d)", group.global_rank(group.rank), describe(mine), sequence
    )
    table = np.empty((group.size, SLOTS), np.int64)
    group.wait([group.comm.Iallgather(mine, table)], f"{op} (TORCH_DISTRIBUTED_DEBUG=DETAIL's check of it)")
    error = mismatch(table, [group.global_rank(rank) for rank in range(group.size)], group.rank)
    if error is not None:
        raise RuntimeError(error)
