"""``DistributedDataParallel``: one model replica per rank, gradients averaged during backward.

Wrap the model once, on every rank, after :func:`~tt_dist.init_process_group`::

    model = DistributedDataParallel(model)
    for x, y in loader:                      # each rank reads its own part (DistributedSampler)
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()                      # gradients are averaged over the ranks here
        optimizer.step()                     # same gradients, same update: replicas stay equal

At construction every rank receives rank 0's parameters and buffers, so the
replicas start equal whatever each rank's seed was. In each backward, the
:class:`~tt_dist.reducer.Reducer` sums the gradients over the ranks in buckets
started from gradient hooks while backward is still running, and divides by
the world size: with each of N ranks on B/N samples and a loss that averages
over its batch, every rank ends with the gradient of the full batch of B.

Batch statistics are per rank, as in PyTorch: a BatchNorm layer normalises
each rank's B/N samples by their own mean and variance, so a model with
BatchNorm matches a single process on batch B only approximately; its running
statistics are rank 0's (``broadcast_buffers``). For an exact match convert it
first: ``SyncBatchNorm.convert_sync_batchnorm(model)`` (``sync_batch_norm.py``).

Cost per step: the reducer's copies and all-reduces (see :mod:`tt_dist.reducer`);
with ``broadcast_buffers``, one broadcast per buffer per forward.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
from tt_autograd import is_grad_enabled
from tt_nn import Module
from tt_tensor import versions

from .process_group import ProcessGroup, default_group
from .reducer import Reducer


def broadcast_tensors(tensors: list[Any], group: ProcessGroup, src: int = 0) -> None:
    """Overwrite every tensor in ``tensors`` with rank ``src``'s values, in place (one ``Bcast`` each)."""
    # BEGIN SOLUTION 21
    # TODO: overwrite each tensor with rank src's values in place (one Bcast each), so every rank starts
    #   from the same model (§ How it is built, "The wrapper").
    # HINT: MPI needs a contiguous buffer; bump the array's version counter after writing it (module 02).
    for tensor in tensors:
        array = tensor.array
        buffer = np.ascontiguousarray(array)  # the array itself when it is contiguous already
        group.comm.Bcast(buffer, root=src)
        array[...] = buffer
        versions.bump(array)
    # END SOLUTION


class DistributedDataParallel(Module):
    """Data-parallel training of ``module``: PyTorch's ``torch.nn.parallel.DistributedDataParallel``.

    Args:
        module: the model; every rank wraps its own replica, built the same way.
        device_ids, output_device, dim: accepted for PyTorch's signature (CPU only here).
        broadcast_buffers: copy rank 0's buffers (BatchNorm's running statistics) to every
            rank at the start of each forward.
        process_group: the group to average over (default: the default group).
        bucket_cap_mb: the largest gradient bucket, in megabytes (PyTorch's default, 25).
        find_unused_parameters: not supported: every parameter that requires grad must
            take part in the loss (``True`` raises).

    The wrapped model is ``ddp.module``; ``ddp.state_dict()`` prefixes its keys with
    ``module.`` as PyTorch does, so save ``ddp.module.state_dict()`` for a file that loads
    into an unwrapped model (:func:`tt_dist.save_checkpoint` does).
    """

    def __init__(
        self,
        module: Module,
        device_ids: Any = None,
        output_device: Any = None,
        dim: int = 0,
        broadcast_buffers: bool = True,
        process_group: ProcessGroup | None = None,
        bucket_cap_mb: float = 25.0,
        find_unused_parameters: bool = False,
        **unused: Any,
    ) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected a tt.nn.Module, got {type(module).__name__}")
        if find_unused_parameters:
            raise NotImplementedError(
                "DistributedDataParallel: find_unused_parameters=True is not supported; "
                "set requires_grad=False "
                "on the parameters the loss does not use"
            )
        group = default_group(process_group, "DistributedDataParallel")
        self.module = module
        self.process_group = group
        self.broadcast_buffers = bool(broadcast_buffers)
        self.require_backward_grad_sync = True
        named = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
        broadcast_tensors([*module.parameters(), *module.buffers()], group)
        self.reducer = Reducer([p for _, p in named], group, bucket_cap_mb, names=[n for n, _ in named])
        self._handles = [p.register_post_accumulate_grad_hook(self.reducer.mark_ready) for _, p in named]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Run the module; when grad mode is on and sync is not paused, the next backward averages."""
        if self.broadcast_buffers and self.process_group.size > 1:
            buffers = list(self.module.buffers())
            if buffers:
                broadcast_tensors(buffers, self.process_group)
        if is_grad_enabled() and self.require_backward_grad_sync:
            self.reducer.prepare()
        return self.module(*args, **kwargs)

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside, forward/backward only accumulate local gradients (no communication).

        For gradient accumulation: run k-1 micro-batches under ``no_sync()`` and the
        last one outside; its backward averages the sum of all k micro-batches' gradients.
        """
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def extra_repr(self) -> str:
        return f"world_size={self.process_group.size}, buckets={len(self.reducer.buckets)}"
