"""Normalisation layers beyond module 04's: RMSNorm, GroupNorm, InstanceNorm1d/2d/3d, LocalResponseNorm.

Not course material. Each is a thin module over its functional form in
``functional/normalization_extra.py`` (``local_response_norm.py``), with
PyTorch's arguments, defaults, parameter names and ``extra_repr`` (those of
PyTorch 2.13, whose ``GroupNorm`` and ``InstanceNorm`` take a keyword-only
``bias`` and show it in their repr).
"""

from __future__ import annotations

import warnings

import tt_autograd
from tt_tensor.checks import check_count, check_tensor
from tt_tensor.devices import check_cpu

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


def _reset_affine(module: Module) -> None:
    """Weight to ones, bias to zeros (where the module has them)."""
    if getattr(module, "weight", None) is not None:
        init.ones_(module.weight)
    if getattr(module, "bias", None) is not None:
        init.zeros_(module.bias)


def _affine_parameters(module: Module, shape: tuple[int, ...], weight: bool, bias: bool, dtype) -> None:
    """Register ``weight`` (ones) and ``bias`` (zeros) of ``shape``, or None in their place."""
    module.register_parameter("weight", Parameter(tt_autograd.ones(*shape, dtype=dtype)) if weight else None)
    module.register_parameter("bias", Parameter(tt_autograd.zeros(*shape, dtype=dtype)) if bias else None)


class RMSNorm(Module):
    """``y = x / sqrt(mean(x²) + eps) * weight`` over the last ``len(normalized_shape)`` dims.

    Args:
        normalized_shape: an int or tuple: the trailing shape of the input to normalise over.
        eps: added to the mean square; None (default) is ``finfo(input.dtype).eps``.
        elementwise_affine: learn ``weight`` (ones) of shape ``normalized_shape``.

    Shape:
        input ``(*, *normalized_shape)``, output the same.

    Example:
        >>> RMSNorm(8)  # doctest: +SKIP
        RMSNorm((8,), eps=None, elementwise_affine=True)
    """

    def __init__(self, normalized_shape, eps: float | None = None, elementwise_affine: bool = True,
                 device: object = None, dtype: object = None) -> None:  # fmt: skip
        super().__init__()
        check_cpu("RMSNorm", device)
        if not isinstance(normalized_shape, (list, tuple)):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(
            check_count("RMSNorm", "normalized_shape", n, 1) for n in normalized_shape
        )
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        weight = (
            Parameter(tt_autograd.ones(*self.normalized_shape, dtype=dtype)) if elementwise_affine else None
        )
        self.register_parameter("weight", weight)  # no bias: RMSNorm only scales

    def reset_parameters(self) -> None:
        """Weight to ones."""
        _reset_affine(self)

    def forward(self, x):  # (PyTorch's name)
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Normalise each sample over groups of ``C / num_groups`` channels, then an affine map per channel.

    Args:
        num_groups: the number of groups; must divide ``num_channels``.
        num_channels: ``C``, the input's dim 1.
        eps: added to the variance (default 1e-5).
        affine: learn ``weight`` (ones) and ``bias`` (zeros) of shape ``(C,)``.
        bias: with ``affine``, also learn the bias (keyword-only, default True; PyTorch 2.13).

    Shape:
        input ``(N, C, *)``, output the same.

    Example:
        >>> GroupNorm(2, 6)  # doctest: +SKIP
        GroupNorm(2, 6, eps=1e-05, affine=True, bias=True)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device: object = None, dtype: object = None, *, bias: bool = True) -> None:  # fmt: skip
        super().__init__()
        check_cpu("GroupNorm", device)
        self.num_groups = check_count("GroupNorm", "num_groups", num_groups, 1)
        self.num_channels = check_count("GroupNorm", "num_channels", num_channels, 1)
        if num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups ({num_groups})"
            )
        self.eps = eps
        self.affine = affine
        _affine_parameters(self, (num_channels,), affine, affine and bias, dtype)

    def reset_parameters(self) -> None:
        """Weight to ones, bias to zeros."""
        _reset_affine(self)

    def forward(self, input):  # noqa: A002
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class InstanceNormBase(Module):
    """Instance normalisation over the spatial dims of each sample and channel; subclasses set the ranks.

    Args:
        num_features: ``C``, the input's channel dim.
        eps: added to the variance (default 1e-5).
        momentum: weight of each batch in the running statistics (default 0.1; None counts as 0).
        affine: learn ``weight`` (ones) and ``bias`` (zeros) of shape ``(C,)`` (default False).
        track_running_stats: keep ``running_mean``/``running_var`` buffers, updated in
            training and used in evaluation (default False: instance statistics always).
        bias: with ``affine``, also learn the bias (keyword-only, default True; PyTorch 2.13).

    Unbatched inputs (no ``N`` dim) are accepted, as in PyTorch. Like PyTorch,
    ``num_batches_tracked`` is a buffer but is not counted.
    """

    #: The rank of an unbatched input: ``(C, L)`` is 2 for ``InstanceNorm1d``.
    unbatched_ndim = 0

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: object = None,
                 dtype: object = None, *, bias: bool = True) -> None:  # fmt: skip
        super().__init__()
        check_cpu(type(self).__name__, device)
        self.num_features = check_count(type(self).__name__, "num_features", num_features, 1)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine_parameters(self, (num_features,), affine, affine and bias, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", tt_autograd.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", tt_autograd.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", tt_autograd.tensor(0, dtype=tt_autograd.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_parameters(self) -> None:
        """Running statistics to 0 and 1, weight to ones, bias to zeros."""
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
        _reset_affine(self)

    def forward(self, input):  # noqa: A002
        name, unbatched = type(self).__name__, self.unbatched_ndim
        check_tensor(name, input)
        if input.ndim not in (unbatched, unbatched + 1):
            raise ValueError(
                f"{name}: expected {unbatched}D or {unbatched + 1}D input (got {input.ndim}D input of shape "
                f"{input.shape})"
            )
        channel_dim = input.ndim - unbatched
        if input.shape[channel_dim] != self.num_features:
            message = (
                f"{name}({self.num_features}): input of shape {input.shape} has {input.shape[channel_dim]} "
                f"channels in dim {channel_dim}, expected num_features={self.num_features}"
            )
            if self.affine:
                raise ValueError(message)
            warnings.warn(message + " (unused because affine=False)", UserWarning, stacklevel=2)
        if input.ndim == unbatched:  # one sample: normalise it as a batch of one
            return self.forward(input.unsqueeze(0)).squeeze(0)
        return F.instance_norm(
            input, self.running_mean, self.running_var, self.weight, self.bias,
            use_input_stats=self.training or not self.track_running_stats,
            momentum=0.0 if self.momentum is None else self.momentum, eps=self.eps,
        )  # fmt: skip

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class InstanceNorm1d(InstanceNormBase):
    """Instance norm of ``(N, C, L)`` or unbatched ``(C, L)`` inputs (see :class:`InstanceNormBase`)."""

    unbatched_ndim = 2


class InstanceNorm2d(InstanceNormBase):
    """Instance norm of ``(N, C, H, W)`` or unbatched ``(C, H, W)`` inputs (see :class:`InstanceNormBase`)."""

    unbatched_ndim = 3


class InstanceNorm3d(InstanceNormBase):
    """Instance norm of ``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)`` input (see ``InstanceNormBase``)."""

    unbatched_ndim = 4


class LocalResponseNorm(Module):
    """Divide each channel by the activity of its ``size`` neighbours (see ``F.local_response_norm``).

    Args:
        size: the number of channels in the window.
        alpha, beta, k: ``b_c = a_c / (k + alpha / size · Σ a²) ** beta`` (defaults 1e-4, 0.75, 1.0).

    Shape:
        input ``(N, C, *)``, output the same.

    Example:
        >>> LocalResponseNorm(2)  # doctest: +SKIP
        LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):  # noqa: A002
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
