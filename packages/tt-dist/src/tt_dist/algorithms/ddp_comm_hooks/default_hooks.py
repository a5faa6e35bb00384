"""PyTorch's default DDP communication hooks (``torch.distributed.algorithms.ddp_comm_hooks.default_hooks``).

Register one with ``ddp.register_comm_hook(process_group, hook)`` (``None``: the
default group). Each averages the bucket: it divides by the world size first,
then sums over the ranks, so DDP writes the result back as is.

=========================  ==========================================  =============================
hook                       what travels                                bytes per element (float32)
=========================  ==========================================  =============================
``allreduce_hook``         the float32 gradients (DDP's own result)    4
``fp16_compress_hook``     a float16 copy, summed in float16           2
``bf16_compress_hook``     a bfloat16 copy, summed in bfloat16         2
=========================  ==========================================  =============================

**How the 16-bit sums run on MPI.** float16: MPICH (the ``mpich`` wheel tt-dist
installs) has the datatype ``MPIX_C_FLOAT16`` and sums it natively, so the
float16 buffer goes through :func:`~tt_dist.all_reduce` like any other; an MPI
library without a float16 type makes mpi4py refuse the buffer. bfloat16: NumPy
has no such dtype and MPI no bfloat16 sum, so the hook sends the numbers' 16-bit
patterns and sums them with a user-defined MPI operation written in NumPy
(:mod:`tt_dist.bfloat16`): half the bytes, but each partial sum is computed in
Python, which costs CPU time a built-in sum would not.

**What compression costs in accuracy.** Each rank's gradient divided by the world
size is rounded to 11 significant bits (float16; values beyond ±65504 overflow to
inf, below about 6e-8 they vanish) or 8 (bfloat16, float32's range), and so is
each partial sum; the result is within a few units of the last place of those
formats of DDP's float32 average. What is saved is half of the bytes on the wire
(``docs/modules/21-distributed.md`` measures it).

``fp16_compress_wrapper(hook)`` and ``bf16_compress_wrapper(hook)`` run another hook
on a 16-bit copy of the bucket and write its result back in the gradients' dtype.
The bf16 wrapper hands the wrapped hook a float32 tensor that holds bfloat16
values (NumPy has no bfloat16 tensor to give it): the rounding is bfloat16's but the
wrapped hook moves 4 bytes per element, so it saves no bandwidth; prefer
``bf16_compress_hook``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from tt_autograd import Tensor
from tt_tensor import float16, versions

from ...bfloat16 import bfloat16_sum, from_bfloat16_bits, to_bfloat16_bits
from ...comm_hook import GradBucket
from ...futures import Future
from ...process_group import ProcessGroup, Work, all_reduce, default_group

__all__ = [
    "allreduce_hook",
    "bf16_compress_hook",
    "bf16_compress_wrapper",
    "fp16_compress_hook",
    "fp16_compress_wrapper",
]


def allreduce_future(process_group: ProcessGroup | None, tensor: Tensor) -> Future[Tensor]:
    """Divide ``tensor`` by the world size in place, then start summing it; the future holds ``tensor``."""
    group = default_group(process_group, "allreduce_hook")
    tensor.div_(group.size)  # first, so that a 16-bit sum does not overflow
    return all_reduce(tensor, group=group, async_op=True).get_future().then(lambda fut: fut.value()[0])


def allreduce_hook(process_group: ProcessGroup | None, bucket: GradBucket) -> Future[Tensor]:
    """Average the bucket by all-reduce: the same gradients as DDP without a hook.

    Example:
        >>> ddp_model.register_comm_hook(process_group, allreduce_hook)  # doctest: +SKIP
    """
    return allreduce_future(process_group, bucket.buffer())


def fp16_compress_hook(process_group: ProcessGroup | None, bucket: GradBucket) -> Future[Tensor]:
    """Average a float16 copy of the bucket (divided by the world size, summed in float16).

    The result is written back into the bucket's buffer, in its dtype. Half the bytes of float32
    on the wire; float16's precision (about 3 significant digits) and range (±65504).

    Example:
        >>> ddp_model.register_comm_hook(process_group, fp16_compress_hook)  # doctest: +SKIP
    """
    group = default_group(process_group, "fp16_compress_hook")
    buffer = bucket.buffer()
    compressed = buffer.to(float16).div_(group.size)
    future = all_reduce(compressed, group=group, async_op=True).get_future()

    def decompress(fut: Future[list[Tensor]]) -> Tensor:
        return write_back(buffer, fut.value()[0])

    return future.then(decompress)


def bf16_compress_hook(process_group: ProcessGroup | None, bucket: GradBucket) -> Future[Tensor]:
    """Average a bfloat16 copy of the bucket (divided by the world size, summed in bfloat16).

    bfloat16 keeps float32's range with 8 significant bits; it travels as 16-bit patterns
    summed by a user-defined MPI operation (:mod:`tt_dist.bfloat16`).

    Example:
        >>> ddp_model.register_comm_hook(process_group, bf16_compress_hook)  # doctest: +SKIP
    """
    from mpi4py import MPI

    group = default_group(process_group, "bf16_compress_hook")
    buffer = bucket.buffer()
    bits = to_bfloat16_bits(buffer.array.reshape(-1) / np.float32(group.size))
    request = group.comm.Iallreduce(MPI.IN_PLACE, [bits, MPI.UINT16_T], op=bfloat16_sum())
    future = Work(group, request, "bf16_compress_hook", outputs=[bits]).get_future()

    def decompress(fut: Future[list[np.ndarray]]) -> Tensor:
        return write_back(buffer, Tensor.from_array(from_bfloat16_bits(fut.value()[0])))

    return future.then(decompress)


def fp16_compress_wrapper(hook: Callable[[Any, GradBucket], Future[Any]]) -> Callable[..., Future[Tensor]]:
    """``hook`` run on a float16 copy of the bucket; its result is written back in the gradients' dtype.

    ``fp16_compress_wrapper(allreduce_hook)`` reduces as ``fp16_compress_hook`` does.
    """

    def fp16_compress_wrapper_hook(hook_state: Any, bucket: GradBucket) -> Future[Tensor]:
        buffer = bucket.buffer()
        bucket.set_buffer(buffer.to(float16))
        return hook(hook_state, bucket).then(lambda fut: write_back(buffer, result_tensor(fut.value())))

    return fp16_compress_wrapper_hook


def bf16_compress_wrapper(hook: Callable[[Any, GradBucket], Future[Any]]) -> Callable[..., Future[Tensor]]:
    """``hook`` run on the bucket rounded to bfloat16; its result is rounded to bfloat16 and written back.

    The wrapped hook gets a float32 tensor of bfloat16 values (NumPy has no bfloat16 tensor):
    bfloat16's rounding of the inputs and of the result, but float32's bytes on the wire.
    """

    def bf16_compress_wrapper_hook(hook_state: Any, bucket: GradBucket) -> Future[Tensor]:
        buffer = bucket.buffer()
        bucket.set_buffer(Tensor.from_array(from_bfloat16_bits(to_bfloat16_bits(buffer.array))))

        def decompress(fut: Future[Any]) -> Tensor:
            rounded = from_bfloat16_bits(to_bfloat16_bits(result_tensor(fut.value()).array))
            return write_back(buffer, Tensor.from_array(rounded))

        return hook(hook_state, bucket).then(decompress)

    return bf16_compress_wrapper_hook


def result_tensor(value: Any) -> Tensor:
    """A hook's result: a tensor, or a list holding one (PyTorch's hooks return either)."""
    return value[0] if isinstance(value, (list, tuple)) else value


def write_back(buffer: Tensor, reduced: Tensor) -> Tensor:
    """``reduced`` copied into ``buffer`` in place, in ``buffer``'s dtype (no second full-size array)."""
    buffer.array[...] = reduced.array.reshape(buffer.array.shape)
    versions.bump(buffer.array)
    return buffer
