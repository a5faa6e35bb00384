"""``AnchorGenerator``: the reference boxes of a Region Proposal Network, as torchvision's.

Each feature map level ``i`` has *cell anchors*: one box per (aspect ratio, size) pair, centred
on the origin, with ``height / width = ratio`` and ``sqrt(width · height) = size``:
``w = size / sqrt(ratio)``, ``h = size · sqrt(ratio)``, corners ``(±w/2, ±h/2)`` rounded to
integers (half to even, as ``torch.round``). The anchors of a level are these cell anchors
shifted to every position of its ``(H_i, W_i)`` grid, ``stride = image size // grid size``
apart, starting at 0: anchor ``(y · W_i + x) · A_i + a`` is cell anchor ``a`` moved by
``(x · stride_w, y · stride_h)``. The levels are concatenated in order, the same anchors for
every image of the batch (the padded batch's size sets the strides).

Cost: one broadcast add per level, ``H_i · W_i · A_i · 4`` values; no gradient (anchors are constants).
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
from tt_autograd import Tensor

from .image_list import ImageList


class AnchorGenerator(nn.Module):
    """Anchors at every position of every feature map, ``len(sizes[i]) · len(aspect_ratios[i])`` per position.

    Args:
        sizes: per level, the anchors' sizes (``sqrt(area)``, pixels); a flat tuple gives one size per level.
        aspect_ratios: per level, the ratios ``height / width``; a flat tuple is used for every level.

    Attributes:
        cell_anchors: per level, the ``(A_i, 4)`` anchors centred on the origin (``'xyxy'``).

    Shape:
        ``forward(image_list, feature_maps)``: a list of ``N`` tensors (one per image), each
        ``(sum_i H_i · W_i · A_i, 4)`` in ``feature_maps[0]``'s dtype.

    Example:
        >>> generator = AnchorGenerator(sizes=((32,),), aspect_ratios=((0.5, 1.0, 2.0),))
        >>> generator.cell_anchors[0].numpy().tolist()
        [[-23.0, -11.0, 23.0, 11.0], [-16.0, -16.0, 16.0, 16.0], [-11.0, -23.0, 11.0, 23.0]]
    """

    def __init__(self, sizes=((128, 256, 512),), aspect_ratios=((0.5, 1.0, 2.0),)) -> None:
        super().__init__()
        if len(sizes) == 0 or len(aspect_ratios) == 0:
            raise ValueError(
                f"AnchorGenerator: sizes and aspect_ratios must name at least one level, got {sizes!r}, "
                f"{aspect_ratios!r}"
            )
        if not isinstance(sizes[0], (list, tuple)):  # one size per level (torchvision's rule)
            sizes = tuple((size,) for size in sizes)
        if not isinstance(aspect_ratios[0], (list, tuple)):  # the same ratios for every level
            aspect_ratios = (aspect_ratios,) * len(sizes)
        if len(sizes) != len(aspect_ratios):
            raise ValueError(
                f"AnchorGenerator: sizes has {len(sizes)} levels but aspect_ratios {len(aspect_ratios)}; "
                "give one tuple of each per feature map"
            )
        self.sizes = sizes
        self.aspect_ratios = aspect_ratios
        self.cell_anchors = [self.generate_anchors(s, r) for s, r in zip(sizes, aspect_ratios)]

    def generate_anchors(self, scales, aspect_ratios, dtype=autograd.float32, device=None) -> Tensor:
        """The ``(len(aspect_ratios) · len(scales), 4)`` anchors centred on 0, ratio-major (torchvision's)."""
        kind = np.dtype(dtype.numpy)
        scales = np.asarray(scales, dtype=kind)
        h_ratios = np.sqrt(np.asarray(aspect_ratios, dtype=kind))
        w_ratios = kind.type(1) / h_ratios
        ws = (w_ratios[:, None] * scales[None, :]).reshape(-1)
        hs = (h_ratios[:, None] * scales[None, :]).reshape(-1)
        return autograd.tensor(np.round(np.stack([-ws, -hs, ws, hs], axis=1) / kind.type(2)))

    def set_cell_anchors(self, dtype, device=None) -> None:
        """Cast the cell anchors to ``dtype`` (the feature maps')."""
        self.cell_anchors = [anchors.to(dtype=dtype) for anchors in self.cell_anchors]

    def num_anchors_per_location(self) -> list[int]:
        """Anchors per grid position of each level: ``len(sizes[i]) · len(aspect_ratios[i])``."""
        return [len(s) * len(r) for s, r in zip(self.sizes, self.aspect_ratios)]

    def grid_anchors(self, grid_sizes, strides) -> list[Tensor]:
        """Per level, the cell anchors moved to every grid position: ``(H_i · W_i · A_i, 4)``.

        Args:
            grid_sizes: per level ``(H_i, W_i)``.
            strides: per level ``(stride_h, stride_w)`` in pixels.
        """
        if not len(grid_sizes) == len(strides) == len(self.cell_anchors):
            raise ValueError(
                f"AnchorGenerator: {len(grid_sizes)} feature maps and {len(strides)} strides, but anchors "
                f"for {len(self.cell_anchors)} levels; give sizes and aspect_ratios one tuple per feature map"
            )
        anchors = []
        for (height, width), (stride_h, stride_w), cell in zip(grid_sizes, strides, self.cell_anchors):
            cell = cell.numpy()
            shift_y, shift_x = np.meshgrid(
                np.arange(height) * stride_h, np.arange(width) * stride_w, indexing="ij"
            )
            x, y = shift_x.reshape(-1), shift_y.reshape(-1)
            shifts = np.stack([x, y, x, y], axis=1).astype(cell.dtype)
            anchors.append(autograd.tensor((shifts[:, None, :] + cell[None, :, :]).reshape(-1, 4)))
        return anchors

    def forward(self, image_list: ImageList, feature_maps: list[Tensor]) -> list[Tensor]:
        if len(feature_maps) == 0:
            raise ValueError(
                "AnchorGenerator: got no feature maps; pass the backbone's outputs, (N, C, H_i, W_i)"
            )
        grid_sizes = [tuple(feature.shape[-2:]) for feature in feature_maps]
        image_h, image_w = image_list.tensors.shape[-2:]
        strides = [(image_h // h, image_w // w) for h, w in grid_sizes]
        self.set_cell_anchors(feature_maps[0].dtype)
        levels = self.grid_anchors(grid_sizes, strides)
        every_level = autograd.cat(levels)
        return [every_level.clone() for _ in image_list.image_sizes]
