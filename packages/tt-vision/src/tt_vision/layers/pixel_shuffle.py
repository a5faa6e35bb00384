"""``PixelShuffle`` and ``PixelUnshuffle``: :mod:`tt_vision.pixel_shuffle`'s functions as modules."""

from __future__ import annotations

from tt_nn.module import Module

from ..pixel_shuffle import pixel_shuffle, pixel_unshuffle


class PixelShuffle(Module):
    """``(*, C·r², H, W)`` → ``(*, C, H·r, W·r)``, like ``torch.nn.PixelShuffle``.

    Example:
        >>> import tt_autograd
        >>> tuple(PixelShuffle(3)(tt_autograd.randn(1, 18, 4, 4)).shape)
        (1, 2, 12, 12)
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):  # noqa: A002
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``(*, C, H·r, W·r)`` → ``(*, C·r², H, W)``, like ``torch.nn.PixelUnshuffle``.

    Example:
        >>> import tt_autograd
        >>> tuple(PixelUnshuffle(2)(tt_autograd.randn(1, 3, 8, 6)).shape)
        (1, 12, 4, 3)
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):  # noqa: A002
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
