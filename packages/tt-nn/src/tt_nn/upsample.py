"""``Upsample``, ``UpsamplingNearest2d`` and ``UpsamplingBilinear2d``: modules around ``F.interpolate``.

They hold only their settings and resize in ``forward``. ``F.interpolate``
does PyTorch's modes: ``"nearest"``, ``"nearest-exact"`` and ``"area"`` (on 3-,
4- or 5-D input), ``"linear"`` (3-D), ``"bilinear"`` and ``"bicubic"`` (4-D) and
``"trilinear"`` (5-D), with or without ``align_corners``; an unknown mode is
refused when the module is built, rather than at its first call.

Example:
    >>> up = Upsample(scale_factor=2, mode="bilinear")  # doctest: +SKIP
    >>> up(tt_autograd.randn(1, 3, 8, 8)).shape  # doctest: +SKIP
    (1, 3, 16, 16)
"""

from __future__ import annotations

from . import functional as F
from .functional.resample import INTERPOLATE_MODES
from .module import Module


class Upsample(Module):
    """Resize ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)`` to ``size``, or by ``scale_factor``.

    Args:
        size: the output spatial size: an int, or one per spatial dim.
        scale_factor: or a multiplier (a number, or one per spatial dim); the
            output size is ``floor(input size * scale_factor)``.
        mode: ``"nearest"`` (default), ``"nearest-exact"``, ``"area"``, ``"linear"`` (3-D input),
            ``"bilinear"``, ``"bicubic"`` (4-D) or ``"trilinear"`` (5-D): :func:`F.interpolate`.
        align_corners: for the linear modes: map the corner pixels' centres onto
            each other (True) or their outer edges (False, the default).
        recompute_scale_factor: with ``scale_factor``, sample at ``input size /
            output size`` instead of ``1 / scale_factor`` (as PyTorch).

    Shape:
        ``(N, C, *spatial_in)`` -> ``(N, C, *spatial_out)``. Cost: a pass over the
        output per spatial dim (two reads per element in the linear modes).

    Example:
        >>> Upsample(size=(3, 4), mode="bilinear")  # doctest: +SKIP
        Upsample(size=(3, 4), mode='bilinear')
    """

    def __init__(
        self,
        size=None,
        scale_factor=None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if mode not in INTERPOLATE_MODES:
            raise ValueError(f"{name}: unknown mode {mode!r}; use one of {INTERPOLATE_MODES}")
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):  # noqa: A002
        return F.interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode="nearest")`` for ``(N, C, H, W)`` images.

    Args:
        size: the output ``(H, W)``, or an int for both.
        scale_factor: or a multiplier (one, or one per spatial dim).

    Shape:
        ``(N, C, H, W)`` -> ``(N, C, H_out, W_out)``.
    """

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode="bilinear", align_corners=True)``, as PyTorch's.

    Args:
        size: the output ``(H, W)``, or an int for both.
        scale_factor: or a multiplier (one, or one per spatial dim).

    Shape:
        ``(N, C, H, W)`` -> ``(N, C, H_out, W_out)``.
    """

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
