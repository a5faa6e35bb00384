"""PowerSGD (Vogels et al., NeurIPS 2019): all-reduce low-rank factors of the gradients, not the gradients.

PyTorch's ``torch.distributed.algorithms.ddp_comm_hooks.powerSGD_hook``. For each
gradient matrix M (n × m; a conv kernel is viewed as shape[0] × the rest), with
a rank r ≪ min(n, m), every rank computes

1. ``P = M Q`` (n × r) from a Q (m × r) that is the same on every rank (random with
   a shared seed at first, then the last step's Q: *warm start*), and all-reduces P;
2. orthonormalises P's columns (the scale of the sum does not matter), computes
   ``Q = Mᵀ P`` (m × r) and all-reduces Q, divided by the world size;
3. writes ``P Qᵀ`` back: P Pᵀ applied to the average of the ranks' M, its projection on
   r directions, a rank-r approximation found by one step of power iteration.

Each rank sends (n + m)·r numbers instead of n·m. What the approximation leaves out
is not lost: with *error feedback* each rank keeps ``its M − P Qᵀ`` and adds it to its
next gradient, so the missing part is sent later. Vectors (biases) and matrices for
which (n + m)·r·``min_compression_rate`` ≥ n·m are all-reduced as they are, in one
buffer; so are all buckets for the first ``start_powerSGD_iter`` steps (PowerSGD
early in training hurts accuracy, the paper's and PyTorch's advice).

Cost per bucket and step: three all-reduces started one after the other (the
uncompressed part, the Ps, the Qs), each from a ``then`` callback, and two matrix
products per matrix, n·m·r each; memory for the error (as large as the bucket) and
for P and Q. Orthonormalisation is NumPy's QR (PyTorch's default for float32 too).
``batch_tensors_with_same_shape`` is accepted and has no effect (it batches GPU
kernels in PyTorch).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from tt_autograd import Tensor
from tt_tensor import versions

from ...comm_hook import GradBucket
from ...futures import Future
from ...process_group import ProcessGroup, all_reduce, default_group
from .default_hooks import allreduce_future

__all__ = ["PowerSGDState", "powerSGD_hook"]

logger = logging.getLogger(__name__)


class PowerSGDState:
    """What :func:`powerSGD_hook` keeps between steps (``torch.distributed...powerSGD_hook.PowerSGDState``).

    Args:
        process_group: the group to average over (None: the default group).
        matrix_approximation_rank: r, the rank of each matrix's approximation (1 compresses most).
        start_powerSGD_iter: plain all-reduce for this many steps first (at least 2 with error
            feedback, as PyTorch requires).
        min_compression_rate: compress a matrix only if it shrinks more than this.
        use_error_feedback: add each rank's approximation error to its next gradient.
        warm_start: start each step's power iteration from the last step's Q.
        orthogonalization_epsilon: added to each column's norm before dividing (0: none).
        random_seed: the seed of the initial Qs (the same on every rank).
    """

    def __init__(self, process_group: ProcessGroup | None, matrix_approximation_rank: int = 1,
                 start_powerSGD_iter: int = 1_000, min_compression_rate: float = 2,  # noqa: N803
                 use_error_feedback: bool = True, warm_start: bool = True,
                 orthogonalization_epsilon: float = 0, random_seed: int = 0,
                 compression_stats_logging_frequency: int = 10_000,
                 batch_tensors_with_same_shape: bool = False) -> None:  # fmt: skip
        if use_error_feedback and start_powerSGD_iter <= 1:
            raise ValueError(
                f"PowerSGDState: start_powerSGD_iter={start_powerSGD_iter}, but with use_error_feedback "
                "it must be at least 2 (PyTorch's rule: DDP's first step builds its buckets); pass "
                "start_powerSGD_iter=2 or more, or use_error_feedback=False"
            )
        if int(matrix_approximation_rank) < 1:
            raise ValueError(
                f"PowerSGDState: matrix_approximation_rank must be a positive integer, got "
                f"{matrix_approximation_rank!r}"
            )
        self.process_group = process_group
        self.matrix_approximation_rank = int(matrix_approximation_rank)
        self.start_powerSGD_iter = start_powerSGD_iter
        self.min_compression_rate = min_compression_rate
        self.use_error_feedback = use_error_feedback
        self.warm_start = warm_start
        self.orthogonalization_epsilon = orthogonalization_epsilon
        self.rng = np.random.default_rng(random_seed)
        self.compression_stats_logging_frequency = max(1, compression_stats_logging_frequency)
        self.batch_tensors_with_same_shape = batch_tensors_with_same_shape
        self.error_dict: dict[int, np.ndarray] = {}
        self.p_memory_dict: dict[int, np.ndarray] = {}
        self.q_memory_dict: dict[int, np.ndarray] = {}
        self.iter = 0
        self.total_numel_before_compression = 0
        self.total_numel_after_compression = 0

    def maybe_increase_iter(self, bucket: GradBucket) -> None:
        """Count a step when its last bucket is reduced."""
        if bucket.is_last():
            self.iter += 1
            if self.iter == self.start_powerSGD_iter:
                logger.info("PowerSGD: compression starts at step %d", self.iter)

    def compression_stats(self) -> tuple[float, int, int]:
        """``(compression rate, elements before, elements after)`` over the compressed steps so far."""
        after = self.total_numel_after_compression
        rate = self.total_numel_before_compression / after if after else 0.0
        return rate, self.total_numel_before_compression, after


def orthonormalize(matrix: np.ndarray, epsilon: float = 0) -> None:
    """Replace ``matrix``'s columns (n × r, r ≤ n) by an orthonormal basis of them, in place."""
    if epsilon:
        for i in range(matrix.shape[1]):  # Gram-Schmidt with epsilon added to each norm (PyTorch's)
            column = matrix[:, i]
            column /= np.linalg.norm(column) + epsilon
            rest = matrix[:, i + 1 :]
            rest -= np.outer(column, column @ rest)
        return
    matrix[...] = np.linalg.qr(matrix, mode="reduced")[0]


def powerSGD_hook(state: PowerSGDState, bucket: GradBucket) -> Future[Tensor]:  # noqa: N802
    """Average the bucket's matrices as rank-r approximations (one step of power iteration).

    Register with ``ddp.register_comm_hook(PowerSGDState(None, matrix_approximation_rank=2,
    start_powerSGD_iter=10), powerSGD_hook)``. See the module's docstring for the algorithm.
    """
    group = default_group(state.process_group, "powerSGD_hook")
    buffer = bucket.buffer()
    if state.iter < state.start_powerSGD_iter:
        state.maybe_increase_iter(bucket)
        return allreduce_future(group, buffer)
    flat = buffer.array.reshape(-1)
    index = bucket.index()
    if state.use_error_feedback:
        if index in state.error_dict:  # (the first time there is none: the error starts at zero)
            flat += state.error_dict[index]
        before = flat.copy()
    matrices, plain = [], []
    for grad in bucket.gradients():
        array = grad.array
        compress = False
        if array.ndim > 1:  # a matrix, or a tensor seen as shape[0] × the rest
            rows, cols = array.shape[0], array.size // array.shape[0]
            rank = min(rows, cols, state.matrix_approximation_rank)
            compress = (rows + cols) * rank * state.min_compression_rate < rows * cols
        if compress:
            matrices.append((array.reshape(rows, cols), rank))
            state.total_numel_before_compression += rows * cols
            state.total_numel_after_compression += (rows + cols) * rank
        else:
            plain.append(array)
            state.total_numel_before_compression += array.size
            state.total_numel_after_compression += array.size
    dtype = flat.dtype
    p_size = sum(m.shape[0] * r for m, r in matrices)
    q_size = sum(m.shape[1] * r for m, r in matrices)
    fresh = not state.warm_start or index not in state.q_memory_dict
    if fresh or state.q_memory_dict[index].size != q_size:
        seeded = np.random.default_rng(int(state.rng.integers(1_000_000_000)))
        state.q_memory_dict[index] = seeded.standard_normal(q_size).astype(dtype)
    p_memory = state.p_memory_dict[index] = np.empty(p_size, dtype)
    q_memory = state.q_memory_dict[index]
    ps, qs, p_at, q_at = [], [], 0, 0
    for matrix, rank in matrices:
        ps.append(p_memory[p_at : p_at + matrix.shape[0] * rank].reshape(matrix.shape[0], rank))
        qs.append(q_memory[q_at : q_at + matrix.shape[1] * rank].reshape(matrix.shape[1], rank))
        p_at, q_at = p_at + ps[-1].size, q_at + qs[-1].size
    for (matrix, _), p, q in zip(matrices, ps, qs):
        orthonormalize(q, state.orthogonalization_epsilon)
        np.matmul(matrix, q, out=p)
    uncompressed = Tensor.from_array(np.concatenate([a.reshape(-1) for a in plain] or [np.zeros(0, dtype)]))
    world = group.size

    def allreduce_ps(fut: Future[Any]) -> Tensor:
        summed = fut.value()[0].array / world
        at = 0
        for array in plain:
            array.reshape(-1)[...] = summed[at : at + array.size]
            at += array.size
        p_tensor = Tensor.from_array(p_memory)
        all_reduce(p_tensor, group=group)  # no division: the Ps are orthonormalised next
        return p_tensor

    def allreduce_qs(fut: Future[Any]) -> Tensor:
        for (matrix, _), p, q in zip(matrices, ps, qs):
            orthonormalize(p, state.orthogonalization_epsilon)
            np.matmul(matrix.T, p, out=q)
        q_tensor = Tensor.from_array(q_memory)
        all_reduce(q_tensor, group=group)
        return q_tensor

    def decompress(fut: Future[Any]) -> Tensor:
        np.divide(q_memory, world, out=q_memory)
        for (matrix, _), p, q in zip(matrices, ps, qs):
            np.matmul(p, q.T, out=matrix)
        if state.use_error_feedback:
            state.error_dict[index] = before - flat  # what this rank's approximation left out
        if not state.warm_start:
            state.p_memory_dict.clear()
            state.q_memory_dict.clear()
        versions.bump(buffer.array)
        state.maybe_increase_iter(bucket)
        return buffer

    started = all_reduce(uncompressed, group=group, async_op=True).get_future()
    return started.then(allreduce_ps).then(allreduce_qs).then(decompress)
