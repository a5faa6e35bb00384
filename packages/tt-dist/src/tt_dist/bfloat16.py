"""bfloat16 on NumPy and MPI: 16-bit patterns in ``uint16`` arrays, and an MPI sum over them.

NumPy has no bfloat16 dtype, and MPI no bfloat16 sum here (with the ``mpich`` wheel,
mpi4py's ``MPI.BFLOAT16_T`` is the null datatype), so the bf16 communication hooks
carry bfloat16 numbers as their bit patterns: the upper 16 bits of a float32
(sign, the same 8-bit exponent, 7 bits of mantissa), in ``uint16`` arrays, which
MPI moves as 2-byte integers — half the bytes of float32. Rounding is to nearest,
ties to even, as PyTorch's ``.to(torch.bfloat16)``; NaN stays NaN.

:func:`bfloat16_sum` is an MPI user-defined operation that adds two such arrays
by widening to float32, adding, and rounding back, so every partial sum is
rounded to bfloat16 as NCCL's bf16 all-reduce rounds it. It runs in Python (a
NumPy call per message chunk), so it costs more CPU than MPI's built-in sum;
what it saves is bytes on the wire.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_OP: list[Any] = []  # the MPI operation, made once MPI has started


def to_bfloat16_bits(values: np.ndarray) -> np.ndarray:
    """``values`` rounded to bfloat16 (nearest, ties to even), as ``uint16`` bit patterns."""
    single = np.ascontiguousarray(values, dtype=np.float32)
    wide = single.view(np.uint32)
    rounded = wide + (np.uint32(0x7FFF) + ((wide >> np.uint32(16)) & np.uint32(1)))  # wraps only for NaN
    bits = (rounded >> np.uint32(16)).astype(np.uint16)
    bits[np.isnan(single)] = 0x7FC0  # a quiet NaN (the rounding above could turn a NaN into zero)
    return bits


def from_bfloat16_bits(bits: np.ndarray) -> np.ndarray:
    """The float32 values of bfloat16 bit patterns (exact: every bfloat16 is a float32)."""
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << np.uint32(16)).view(np.float32)


def _add(incoming: Any, inout: Any, datatype: Any) -> None:
    """MPI's callback: ``inout = bf16(inout + incoming)``, both buffers of bfloat16 bit patterns."""
    theirs = np.frombuffer(incoming, dtype=np.uint16)
    ours = np.frombuffer(inout, dtype=np.uint16)
    ours[...] = to_bfloat16_bits(from_bfloat16_bits(ours) + from_bfloat16_bits(theirs))


def bfloat16_sum() -> Any:
    """The MPI operation summing bfloat16 bit patterns (pass the buffer as ``[bits, MPI.UINT16_T]``)."""
    from mpi4py import MPI

    if not _OP:
        _OP.append(MPI.Op.Create(_add, commute=True))
    return _OP[0]
