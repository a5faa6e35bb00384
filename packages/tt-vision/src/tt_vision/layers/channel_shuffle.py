"""``ChannelShuffle``, as in ``torch.nn``: :func:`tt_vision.channel_shuffle.channel_shuffle` as a module."""

from __future__ import annotations

from tt_nn.module import Module

from ..channel_shuffle import channel_shuffle, check_groups


class ChannelShuffle(Module):
    """Interleave the channels of ``groups`` groups (ShuffleNet), like ``torch.nn.ChannelShuffle``.

    Args: ``groups``, a positive int dividing the input's channels.

    Shape: input ``(N, C, *)``, output the same.

    Example:
        >>> import tt_autograd
        >>> tuple(ChannelShuffle(2)(tt_autograd.randn(1, 4, 3, 3)).shape)
        (1, 4, 3, 3)
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = check_groups("ChannelShuffle", groups)

    def forward(self, input):  # noqa: A002
        return channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
