"""Normalisation layers (module 04): ``LayerNorm`` and ``BatchNorm1d``.

``LayerNorm`` normalises each sample over its trailing features: the same
in training and evaluation, independent of the batch. ``BatchNorm1d``
normalises each channel over the batch; in training it uses the batch's
statistics and folds them into running averages (buffers, saved in the
state dict), which evaluation then uses instead. ``BatchNormBase`` holds all of
that; a subclass only says which input ranks it takes (``BatchNorm2d`` in
tt-vision is ``BatchNormBase`` for ``(N, C, H, W)``).
"""

from __future__ import annotations

import tt_autograd
from tt_autograd import no_grad
from tt_tensor.checks import check_count, check_tensor
from tt_tensor.devices import check_cpu

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class LayerNorm(Module):
    """``y = (x - mean) / sqrt(var + eps) * weight + bias`` over the last ``len(normalized_shape)`` dims.

    Args:
        normalized_shape: an int or tuple: the trailing shape of the input to normalise over.
        eps: added to the variance (default 1e-5).
        elementwise_affine: learn ``weight`` (ones) and ``bias`` (zeros) of shape ``normalized_shape``.
        bias: with ``elementwise_affine``, also learn the bias (default True).

    Shape:
        input ``(*, *normalized_shape)``, output the same.

    Example:
        >>> LayerNorm(8)  # doctest: +SKIP
        LayerNorm((8,), eps=1e-05, elementwise_affine=True, bias=True)
    """

    def __init__(
        self,
        normalized_shape: int | tuple[int, ...],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        check_cpu("LayerNorm", device)
        if not isinstance(normalized_shape, (list, tuple)):
            normalized_shape = (normalized_shape,)
        shape = tuple(check_count("LayerNorm", "normalized_shape", size, 1) for size in normalized_shape)
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(tt_autograd.empty(*shape, dtype=dtype))
            if bias:
                self.bias = Parameter(tt_autograd.empty(*shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight to ones, bias to zeros."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input):  # noqa: A002
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class BatchNormBase(Module):
    """Batch normalisation over channel dimension 1; subclasses define ``_check_input_dim``.

    Every subclass runs the same kernel, :func:`tt_nn.functional.batch_norm`
    (:attr:`kernel`; tt-vision's ``BatchNormReLU2d`` swaps in the fused
    ``batch_norm_relu``, which takes the same arguments).
    """

    #: The functional form ``forward`` calls with the input and :meth:`kernel_arguments`.
    kernel = staticmethod(F.batch_norm)
    #: The version a state dict's ``_metadata`` records, PyTorch's (2: ``num_batches_tracked`` is saved).
    _version = 2

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
                f"{type(self).__name__}: device {device!r} is not available; TinyTorch runs on the CPU only"
            )
        self.num_features = check_count(type(self).__name__, "num_features", num_features, 1)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        self.bias_enabled = bias
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
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        """Running mean to 0, running variance to 1, batch count to 0."""
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1.0)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, the weight to ones and the bias to zeros."""
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _check_input_dim(self, input) -> None:  # noqa: A002
        raise NotImplementedError

    def forward(self, input):  # noqa: A002
        self._check_input_dim(check_tensor(type(self).__name__, input))
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}): input of shape {tuple(input.shape)} has "
                f"{input.shape[1]} channels in dimension 1, expected {self.num_features}"
            )
        return self.kernel(input, *self.kernel_arguments())

    def kernel_arguments(self) -> tuple:
        """Count this batch and return the kernel's arguments after the input, for this mode.

        ``(running_mean, running_var, weight, bias, training, momentum, eps)``, as
        :func:`~tt_nn.functional.batch_norm` takes them (also used by fused kernels,
        e.g. tt-vision's ``BatchNormReLU2d``).
        """
        # BEGIN SOLUTION 04
        # TODO: count the batch and return F.batch_norm's arguments with the right statistics (§ How it
        #   is built, "Batch norm's statistics"): the batch's in training, the running ones in eval
        #   (if tracked).
        # HINT: momentum None means a cumulative average: the factor is 1 / num_batches_tracked.
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a cumulative moving average: the mean of every batch so far
                factor = 1.0 / int(self.num_batches_tracked.item())
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return (
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )
        # END SOLUTION

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.affine and self.bias_enabled}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(BatchNormBase):
    """Batch normalisation of ``(N, C)`` or ``(N, C, L)`` inputs, per channel ``C``.

    In training: ``y = (x - mean_B) / sqrt(var_B + eps) * weight + bias`` with the
    batch's mean and *biased* variance over ``N`` (and ``L``), and the running
    statistics updated as ``running = (1 - momentum) * running + momentum * stat``
    with the *unbiased* batch variance (``momentum=None``: a cumulative
    average). In evaluation the running statistics replace the batch's.

    Args:
        num_features: the number of channels ``C``.
        eps: added to the variance (default 1e-5).
        momentum: weight of each new batch in the running statistics (default 0.1), or None.
        affine: learn ``weight`` (ones) and ``bias`` (zeros) of shape ``(C,)``.
        track_running_stats: keep ``running_mean``, ``running_var`` and
            ``num_batches_tracked`` buffers; if False, batch statistics are used
            in evaluation too.
        bias: with ``affine``, learn the shift too (keyword-only, as in PyTorch 2.13; default True).

    Shape:
        input ``(N, C)`` or ``(N, C, L)``, output the same.

    Example:
        >>> bn = BatchNorm1d(4)  # doctest: +SKIP
        >>> list(bn.state_dict())  # doctest: +SKIP
        ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    def _check_input_dim(self, input) -> None:  # noqa: A002
        if input.ndim not in (2, 3):
            raise ValueError(
                f"BatchNorm1d: expected 2D or 3D input (got {input.ndim}D input of shape {input.shape})"
            )
