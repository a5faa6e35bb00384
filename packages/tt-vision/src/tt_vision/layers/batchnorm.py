"""``BatchNorm2d``: per-channel batch normalisation of (N, C, H, W) activations, with running statistics."""

from __future__ import annotations

import tt_autograd
from tt_nn.module import Module
from tt_nn.parameter import Parameter

from .. import functional as F


class BatchNorm2d(Module):
    """Normalise each channel over the batch and the pixels, like ``torch.nn.BatchNorm2d``.

    In training mode each channel is normalised by the mean and (biased)
    variance of the batch over ``N, H, W``, and the running statistics move
    towards them: ``running = (1 − momentum)·running + momentum·batch`` (the
    unbiased variance); ``momentum=None`` keeps a cumulative average instead.
    In evaluation mode the running statistics are used.

    Args:
        num_features: channels ``C``.
        eps: added to the variance before the square root.
        momentum: weight of the newest batch in the running statistics.
        affine: learn a per-channel scale ``weight`` (init 1) and shift ``bias`` (init 0).
        bias: with ``affine``, learn the shift too (keyword-only, as in PyTorch 2.13; default True).
        track_running_stats: keep ``running_mean``, ``running_var`` and
            ``num_batches_tracked`` buffers (else batch statistics are used always).

    Shape:
        input and output ``(N, C, H, W)``.

    Example:
        >>> bn = BatchNorm2d(16)
        >>> sorted(bn.state_dict())
        ['bias', 'num_batches_tracked', 'running_mean', 'running_var', 'weight']
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: object = None,
        dtype: object = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if device is not None and str(device) != "cpu":
            raise RuntimeError(
                f"BatchNorm2d: device {device!r} is not available; TinyTorch runs on the CPU only"
            )
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats, self.bias_enabled = affine, track_running_stats, bias
        if affine:
            self.weight = Parameter(tt_autograd.ones(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(tt_autograd.zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", tt_autograd.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", tt_autograd.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", tt_autograd.tensor(0, dtype=tt_autograd.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked."""
        if self.track_running_stats:
            self.running_mean._array[...] = 0
            self.running_var._array[...] = 1
            self.num_batches_tracked._array[...] = 0

    def reset_parameters(self) -> None:
        """Reset the running statistics, and the affine parameters to weight 1, bias 0."""
        self.reset_running_stats()
        if self.weight is not None:
            self.weight._array[...] = 1
        if self.bias is not None:
            self.bias._array[...] = 0

    def forward(self, input):  # noqa: A002
        if input.ndim != 4:
            raise ValueError(
                f"BatchNorm2d: expected a 4-d input (N, C, H, W), got shape {tuple(input.shape)}"
            )
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._array[...] += 1
            if self.momentum is None:  # cumulative moving average
                momentum = 1.0 / float(self.num_batches_tracked._array)
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch_stats,
            momentum,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias_enabled}, track_running_stats={self.track_running_stats}"
        )
