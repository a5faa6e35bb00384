"""``drop_block2d``, ``drop_block3d`` and their layers: drop whole blocks of a map (Ghiasi et al., 2018).

Dropout of single pixels barely hurts a convolution (the neighbours carry the same
information), so DropBlock zeroes ``block_size``-wide squares (cubes in 3-d). In
training, each position where a whole block fits (the top-left corner of the block,
``(H - b + 1) × (W - b + 1)`` of them per channel) becomes a seed with probability

    ``γ = p · H · W / (b² · (H - b + 1) · (W - b + 1))``

(``p·D·H·W / (b³ · ...)`` in 3-d), so that about a fraction ``p`` of the map is dropped;
every seed zeroes the block it starts. The kept values are scaled by
``numel / (eps + kept)``, the inverse of the kept fraction over the whole batch.
``block_size`` is capped at the smallest side and must then be odd, as in torchvision.

The blocks are a dilation of the seeds: along each axis a window sum (a cumulative
sum and a difference), so a position is dropped when some seed lies within
``b - 1`` before it on every axis. The coins come from TinyTorch's default generator
(``tt.manual_seed``); the mask and scale multiply the input as tt-autograd
operations, so the gradient is the same mask times the scale.

Cost: one random draw per seed position, a cumulative sum per spatial axis.
"""

from __future__ import annotations

import math

import numpy as np
from tt_autograd import Tensor
from tt_nn import Module
from tt_nn.functional.in_place import write_in_place
from tt_tensor.random import default_generator

from ..functional import _as_tensor


def blocks(seeds: np.ndarray, block_size: int, spatial: int) -> np.ndarray:
    """True where a block of ``block_size`` started by some seed covers the position.

    ``seeds`` is ``(N, C, *S')`` with ``S' = S - block_size + 1`` on the last ``spatial``
    axes; the result is ``(N, C, *S)``. Per axis, position ``o`` is covered when a seed
    lies at ``o - block_size + 1 .. o``: a window sum over the seeds padded by
    ``block_size - 1`` zeros on both sides.
    """
    counts = seeds.astype(np.int64)
    for axis in range(counts.ndim - spatial, counts.ndim):
        pad = [(0, 0)] * counts.ndim
        pad[axis] = (block_size, block_size - 1)  # one more zero in front: the sums start at 0
        running = np.cumsum(np.pad(counts, pad), axis=axis)
        length = counts.shape[axis] + block_size - 1
        upper = np.take(running, np.arange(block_size, block_size + length), axis=axis)
        lower = np.take(running, np.arange(length), axis=axis)
        counts = upper - lower
    return counts > 0


def drop_block(
    op: str, input, p: float, block_size: int, inplace: bool, eps: float, training: bool, spatial: int
):
    """DropBlock over the last ``spatial`` axes (2 or 3) of an input of ``spatial + 2`` dims."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"{op}: drop probability has to be between 0 and 1, but got {p}.")
    x = _as_tensor(op, input)
    if x.ndim != spatial + 2:
        raise ValueError(f"{op}: input should be {spatial + 2} dimensional. Got {x.ndim} dimensions.")
    if not training or p == 0.0:
        return x
    sides = tuple(x.shape[2:])
    block_size = min(block_size, *sides)
    if block_size % 2 == 0:
        raise ValueError(f"{op}: block size should be odd. Got {block_size} which is even.")
    fits = tuple(side - block_size + 1 for side in sides)
    gamma = p * math.prod(sides) / (block_size**spatial * math.prod(fits))
    seeds = default_generator.numpy.random((*x.shape[:2], *fits)) < gamma
    keep = ~blocks(seeds, block_size, spatial)
    scale = keep.size / (eps + np.count_nonzero(keep))
    mask = (keep * scale).astype(x.dtype.numpy)
    if inplace:
        return write_in_place(f"{op}(inplace=True)", x, lambda t: t * mask)
    return x * mask


def drop_block2d(
    input: Tensor,  # noqa: A002
    p: float,
    block_size: int,
    inplace: bool = False,
    eps: float = 1e-06,
    training: bool = True,
) -> Tensor:
    """DropBlock on images: zero random ``block_size × block_size`` squares, rescale the rest.

    Args:
        input: ``(N, C, H, W)`` float.
        p: probability of dropping a position, in ``[0, 1]`` (about that fraction is dropped).
        block_size: side of the squares (odd, after capping at ``min(H, W)``).
        inplace: write the result into ``input`` and return it.
        eps: keeps the rescaling finite when everything is dropped.
        training: apply it; when False the input is returned unchanged.

    Shape: output as ``input``.

    Example:
        >>> import tt_autograd as autograd
        >>> drop_block2d(autograd.ones(1, 1, 2, 2), 0.5, 3, training=False).numpy().tolist()
        [[[[1.0, 1.0], [1.0, 1.0]]]]
    """
    return drop_block("drop_block2d", input, p, block_size, inplace, eps, training, spatial=2)


def drop_block3d(
    input: Tensor,  # noqa: A002
    p: float,
    block_size: int,
    inplace: bool = False,
    eps: float = 1e-06,
    training: bool = True,
) -> Tensor:
    """DropBlock on volumes: zero random ``block_size``-wide cubes, rescale the rest.

    Args:
        input: ``(N, C, D, H, W)`` float.
        p, block_size, inplace, eps, training: as in :func:`drop_block2d` (the cap is ``min(D, H, W)``).

    Shape: output as ``input``.

    Example:
        >>> import tt_autograd as autograd
        >>> tuple(drop_block3d(autograd.ones(2, 1, 4, 4, 4), 0.3, 3).shape)
        (2, 1, 4, 4, 4)
    """
    return drop_block("drop_block3d", input, p, block_size, inplace, eps, training, spatial=3)


class DropBlock2d(Module):
    """Layer form of :func:`drop_block2d`: active in ``train()`` mode only.

    Example:
        >>> DropBlock2d(0.1, 3)
        DropBlock2d(p=0.1, block_size=3, inplace=False)
    """

    def __init__(self, p: float, block_size: int, inplace: bool = False, eps: float = 1e-06) -> None:
        super().__init__()
        self.p = p
        self.block_size = block_size
        self.inplace = inplace
        self.eps = eps

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``drop_block2d`` with this layer's settings."""
        return drop_block2d(input, self.p, self.block_size, self.inplace, self.eps, self.training)

    def extra_repr(self) -> str:
        """torchvision's text: ``p=..., block_size=..., inplace=...``."""
        return f"p={self.p}, block_size={self.block_size}, inplace={self.inplace}"


class DropBlock3d(DropBlock2d):
    """Layer form of :func:`drop_block3d` (a ``DropBlock2d`` subclass, as in torchvision).

    Example:
        >>> DropBlock3d(0.1, 3)
        DropBlock3d(p=0.1, block_size=3, inplace=False)
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``drop_block3d`` with this layer's settings."""
        return drop_block3d(input, self.p, self.block_size, self.inplace, self.eps, self.training)
