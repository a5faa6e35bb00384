"""``SyncBatchNorm``: batch norm whose statistics are the whole global batch's, across the ranks.

Under :class:`~tt_dist.DistributedDataParallel` a plain ``BatchNorm`` layer
normalises each rank's B/N samples by their own mean and variance, so N ranks
compute a (slightly) different function from one process on the whole batch.
``SyncBatchNorm`` (PyTorch's ``torch.nn.SyncBatchNorm``) sums the statistics
over the ranks first, so every rank normalises by the global batch's, and
N ranks on B/N samples match one process on B exactly (up to float
reassociation), BatchNorm included. Per channel, over the values
``x`` of every rank (``M`` of them in all)::

    forward   M = Σ_ranks m;  mean = Σ_ranks Σx / M;  xc = x − mean
              var = Σ_ranks Σxc² / M;  inv = 1/√(var + ε);  y = xc·γ·inv + β
    backward  s1 = Σ_ranks Σdy;  s2 = Σ_ranks Σdy·xc
              dx = γ·inv·(dy − s1/M − xc·s2·inv²/M)
              dγ = (this rank's Σdy·xc)·inv;  dβ = this rank's Σdy

``dγ`` and ``dβ`` use this rank's sums only: DDP then averages them over the
ranks like any parameter's gradient. The running statistics get the global
mean and the unbiased global variance, identically on every rank.

Cost: three all-reduces of at most 2C + 1 values per step (the count and
sums, the squares, and backward's two sums), so their latency rather than
their size counts; the arithmetic is batch norm's. In evaluation, or with no process group of more
than one rank, it is plain batch norm (:func:`tt_nn.functional.batch_norm`),
as in PyTorch.

Higher-order gradients: none, as in PyTorch 2.13 (its Function's backward calls
``batch_norm_backward_reduce`` and ``batch_norm_backward_elemt``, which have no
derivative). A ``create_graph=True`` backward still gives the gradients; differentiating
one of them raises, naming SyncBatchNorm. Plain batch norm (the fallback above) has them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tt_nn
import tt_nn.functional as F
from tt_autograd import Function
from tt_autograd.higher_order import delayed_error_gradients
from tt_nn.functional.row_passes import channel_dot, channel_sum, from_blocks, to_blocks
from tt_nn.normalization import BatchNormBase
from tt_tensor.checks import check_tensor

from .process_group import ProcessGroup, default_group, is_initialized, sum_over_group

_NO_DOUBLE_BACKWARD = (
    "create_graph=True: SyncBatchNorm's gradient cannot be differentiated again, as in PyTorch (whose "
    "SyncBatchNorm backward, batch_norm_backward_reduce and batch_norm_backward_elemt, has no derivative); "
    "for a higher-order gradient keep plain batch norm per rank (no convert_sync_batchnorm), which has one"
)


class SyncBatchNormFunction(Function):
    """Batch norm in training with every rank's batch in the statistics: ``x`` (N, C, *), a node per rank."""

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, momentum, eps, group):
        blocks, channels_last = to_blocks(x)  # (A, C, B) in x's own layout
        c, dtype = blocks.shape[1], blocks.dtype
        # BEGIN SOLUTION 21 extra
        # TODO: (extra) batch norm's training forward with the statistics summed over the ranks (§ How it
        #   is built, "SyncBatchNorm"): the count and per-channel sums in one all-reduce, the squared
        #   deviations from the global mean in a second; running statistics as batch norm updates them.
        # HINT: sum_over_group(array, group, op) sums a float64 array over the ranks in place.
        first = np.empty(c + 1, dtype=np.float64)  # this rank's per-channel sums, then its count
        first[:c], first[c] = channel_sum(blocks), blocks.size // c
        sum_over_group(first, group, "SyncBatchNorm forward")
        m = int(first[c])
        mean = (first[:c] / m).astype(dtype)
        xc = blocks - mean[:, None]
        squares = sum_over_group(channel_dot(xc, xc).astype(np.float64), group, "SyncBatchNorm forward")
        var = squares / m
        if running_mean is not None:
            running_mean *= 1.0 - momentum
            running_mean += momentum * mean
        if running_var is not None:
            running_var *= 1.0 - momentum
            running_var += momentum * m / (m - 1) * var
        inv = (1.0 / np.sqrt(var + eps)).astype(dtype)
        gamma = np.ones(c, dtype=dtype) if weight is None else weight
        beta = np.zeros(c, dtype=dtype) if bias is None else bias
        out = xc * (gamma * inv)[:, None] + beta[:, None]
        ctx.save_for_backward(xc, inv, gamma)
        ctx.m, ctx.group, ctx.shape, ctx.channels_last = m, group, x.shape, channels_last
        # END SOLUTION
        return from_blocks(out, x.shape, channels_last)

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 21 extra
        # TODO: (extra) dgamma and dbeta from this rank's sums (DDP averages them); dx from the sums of
        #   every rank, one all-reduce that every rank makes even when it needs no dx.
        xc, inv, gamma = ctx.saved_tensors
        dy, _ = to_blocks(grad, ctx.channels_last)
        c = dy.shape[1]
        local = np.empty(2 * c, dtype=np.float64)
        local[:c], local[c:] = channel_sum(dy), channel_dot(dy, xc)
        need_x, need_w, need_b = ctx.needs_input_grad
        grad_w = (local[c:] * inv).astype(dy.dtype) if need_w else None
        grad_b = local[:c].astype(dy.dtype) if need_b else None
        total = sum_over_group(local.copy(), ctx.group, "SyncBatchNorm backward")  # every rank calls it
        if not need_x:
            return None, grad_w, grad_b
        s1, s2 = (total[:c] / ctx.m).astype(dy.dtype), (total[c:] * inv * inv / ctx.m).astype(dy.dtype)
        dx = (dy - s1[:, None] - xc * s2[:, None]) * (gamma * inv)[:, None]
        # END SOLUTION
        return from_blocks(dx, ctx.shape, ctx.channels_last), grad_w, grad_b

    @staticmethod
    def graph_backward(ctx, grad):
        """The plain gradient, which raises if differentiated again: as in PyTorch (module docstring)."""
        return delayed_error_gradients(ctx, grad, _NO_DOUBLE_BACKWARD)


class SyncBatchNorm(BatchNormBase):
    """Batch norm over channel dimension 1 with statistics synchronised across the ranks (PyTorch's name).

    Args:
        num_features, eps, momentum, affine, track_running_stats: as ``BatchNorm1d``/``BatchNorm2d``.
        process_group: the ranks whose batches are normalised together (default: the default group).
        device, dtype, bias: as ``BatchNorm1d``'s (``bias`` keyword-only: with ``affine``, learn the
            bias; default True).

    Shape:
        input ``(N, C, *)`` (at least 2 dimensions), output the same.

    Example (``mpiexec -n 2``; usually made by :meth:`convert_sync_batchnorm`):
        >>> model = SyncBatchNorm.convert_sync_batchnorm(model)  # doctest: +SKIP
        >>> model = DistributedDataParallel(model)  # doctest: +SKIP
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group: ProcessGroup | None = None,
        device: object = None,
        dtype: object = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input) -> None:  # noqa: A002
        if input.ndim < 2:
            raise ValueError(f"SyncBatchNorm: expected an input of at least 2 dimensions (N, C, *), got "
                             f"shape {tuple(input.shape)}")  # fmt: skip

    def forward(self, input):  # noqa: A002
        self._check_input_dim(check_tensor("SyncBatchNorm", input))
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"SyncBatchNorm({self.num_features}): input of shape {tuple(input.shape)} has "
                f"{input.shape[1]} channels in dimension 1, expected {self.num_features}"
            )
        running_mean, running_var, weight, bias, batch_stats, momentum, eps = self.kernel_arguments()
        group = self.process_group if self.process_group is not None else _default_or_none()
        if not (self.training and batch_stats) or group is None or group.size == 1:
            return F.batch_norm(input, running_mean, running_var, weight, bias, batch_stats, momentum, eps)
        return SyncBatchNormFunction.apply(
            input, weight, bias,
            running_mean=None if running_mean is None else running_mean.array,
            running_var=None if running_var is None else running_var.array,
            momentum=float(momentum), eps=float(eps), group=group,
        )  # fmt: skip

    @classmethod
    def convert_sync_batchnorm(cls, module: tt_nn.Module, process_group: ProcessGroup | None = None) -> Any:
        """``module`` with every plain batch-norm layer inside replaced by a ``SyncBatchNorm``.

        Parameters, buffers and training mode carry over (the same tensors, as in
        PyTorch). A fused batch norm (tt-vision's ``BatchNormReLU2d``) is refused: convert
        before ``fuse_batch_norm_relu``. Returns the module, or its replacement if it is one.
        """
        if isinstance(module, BatchNormBase) and not isinstance(module, cls):
            if type(module).kernel is not BatchNormBase.kernel:
                raise ValueError(
                    f"convert_sync_batchnorm: {type(module).__name__} fuses more than batch norm into one "
                    "node; convert the model before fusing (fuse_batch_norm_relu) or without it"
                )
            sync = cls(module.num_features, module.eps, module.momentum, module.affine,
                       module.track_running_stats, process_group, bias=module.bias_enabled)  # fmt: skip
            for name in ("weight", "bias"):
                setattr(sync, name, getattr(module, name))
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                sync.register_buffer(name, getattr(module, name))
            sync.train(module.training)
            return sync
        for name, child in list(module.named_children()):
            setattr(module, name, cls.convert_sync_batchnorm(child, process_group))
        return module


def _default_or_none() -> ProcessGroup | None:
    return default_group() if is_initialized() else None
