"""``AnchorGenerator``: the reference boxes of a Region Proposal Network, as torchvision's (and
SSD's :class:`DefaultBoxGenerator`, documented on the class).

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

import math

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


class DefaultBoxGenerator(nn.Module):
    """SSD's default boxes: ``2 + 2 · len(aspect_ratios[k])`` per position of feature map ``k``.

    Map ``k`` of ``K`` has scale ``s_k`` (a fraction of the image side): ``scales`` if given,
    else ``min_ratio + (max_ratio - min_ratio) · k / (K - 1)`` followed by an extra ``1.0``
    (``[min_ratio, max_ratio]`` when ``K == 1``). Its boxes, as ``(w, h)`` fractions of the image:
    ``(s_k, s_k)``, ``(s'_k, s'_k)`` with ``s'_k = sqrt(s_k · s_{k+1})``, then for each ratio ``r``
    ``(s_k·sqrt(r), s_k/sqrt(r))`` and its transpose; with ``clip`` each value is clamped to
    ``[0, 1]``. Centres: ``((x + 0.5) / f_w, (y + 0.5) / f_h)`` for grid position ``(y, x)``, with
    ``f = image side / steps[k]`` when ``steps`` is given, else the grid's size. Position-major
    order as :class:`AnchorGenerator`'s; the boxes go to pixels ``'xyxy'`` by the padded batch's size.

    Args:
        aspect_ratios: per feature map, the ratios (``2`` gives 1:2 and 2:1 boxes).
        min_ratio, max_ratio: the first and last scale when ``scales`` is None.
        scales: ``K + 1`` scales (the last only enters ``s'_{K-1}``).
        steps: per feature map, the stride in pixels setting the centres' spacing.
        clip: clamp the widths and heights to ``[0, 1]`` (fractions of the image).

    Shape:
        ``forward(image_list, feature_maps)``: a list of ``N`` tensors ``(sum_k H_k · W_k · A_k, 4)``.

    Cost: ``O(sum_k H_k · W_k · A_k)``, one broadcast per map; no gradient.

    Example:
        >>> boxes = DefaultBoxGenerator([[2]], scales=[0.5, 0.5])
        >>> batch = ImageList(autograd.zeros(1, 3, 8, 8), [(8, 8)])
        >>> tuple(boxes(batch, [autograd.zeros(1, 1, 1, 1)])[0].shape)
        (4, 4)
    """

    def __init__(self, aspect_ratios, min_ratio=0.15, max_ratio=0.9, scales=None, steps=None, clip=True):
        super().__init__()
        if steps is not None and len(aspect_ratios) != len(steps):
            raise ValueError("aspect_ratios and steps should have the same length")
        count = len(aspect_ratios)
        if scales is None:
            if count > 1:
                spread = max_ratio - min_ratio
                scales = [min_ratio + spread * k / (count - 1.0) for k in range(count)] + [1.0]
            else:
                scales = [min_ratio, max_ratio]
        if len(scales) < count + 1:
            raise ValueError(
                f"DefaultBoxGenerator: {count} feature maps need {count + 1} scales, got {len(scales)}; "
                "give one more scale than aspect_ratios has entries"
            )
        self.aspect_ratios = aspect_ratios
        self.steps = steps
        self.clip = clip
        self.scales = list(scales)
        self._wh_pairs = self._generate_wh_pairs(count)

    def _generate_wh_pairs(self, num_outputs: int, dtype=autograd.float32, device=None) -> list[Tensor]:
        """Per feature map, the ``(A_k, 2)`` widths and heights (fractions of the image)."""
        pairs = []
        for k in range(num_outputs):
            s_k, s_prime = self.scales[k], math.sqrt(self.scales[k] * self.scales[k + 1])
            roots = np.sqrt(np.asarray(self.aspect_ratios[k], dtype=np.float64))
            wide = np.stack([s_k * roots, s_k / roots], axis=1)
            ratio_pairs = np.stack([wide, wide[:, ::-1]], axis=1).reshape(-1, 2)
            square = np.array([[s_k, s_k], [s_prime, s_prime]])
            pairs.append(autograd.tensor(np.concatenate([square, ratio_pairs]), dtype=dtype))
        return pairs

    def num_anchors_per_location(self) -> list[int]:
        """``2 + 2 · len(aspect_ratios[k])`` per feature map."""
        return [2 + 2 * len(ratios) for ratios in self.aspect_ratios]

    def _grid_default_boxes(self, grid_sizes, image_size, dtype=autograd.float32) -> Tensor:
        """Every map's boxes as ``(cx, cy, w, h)`` fractions of the image, ``(sum_k H_k · W_k · A_k, 4)``."""
        kind = np.dtype(dtype.numpy)
        boxes = []
        for k, (height, width) in enumerate(grid_sizes):
            if self.steps is not None:
                f_h, f_w = image_size[0] / self.steps[k], image_size[1] / self.steps[k]
            else:
                f_h, f_w = height, width
            centre_x = ((np.arange(width) + 0.5) / f_w).astype(kind)
            centre_y = ((np.arange(height) + 0.5) / f_h).astype(kind)
            grid_y, grid_x = np.meshgrid(centre_y, centre_x, indexing="ij")
            centres = np.stack([grid_x.reshape(-1), grid_y.reshape(-1)], axis=1)
            wh = self._wh_pairs[k].numpy().astype(kind)
            if self.clip:
                wh = np.clip(wh, 0, 1)
            per_position = len(wh)
            centres = np.repeat(centres, per_position, axis=0)
            sizes = np.tile(wh, (height * width, 1))
            boxes.append(np.concatenate([centres, sizes], axis=1))
        return autograd.tensor(np.concatenate(boxes))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(aspect_ratios={self.aspect_ratios}, clip={self.clip}, "
            f"scales={self.scales}, steps={self.steps})"
        )

    def forward(self, image_list: ImageList, feature_maps: list[Tensor]) -> list[Tensor]:
        if len(feature_maps) != len(self.aspect_ratios):
            raise ValueError(
                f"DefaultBoxGenerator: {len(feature_maps)} feature maps but aspect ratios for "
                f"{len(self.aspect_ratios)}; give aspect_ratios one list per feature map"
            )
        grid_sizes = [tuple(feature.shape[-2:]) for feature in feature_maps]
        image_size = tuple(image_list.tensors.shape[-2:])
        boxes = self._grid_default_boxes(grid_sizes, image_size, feature_maps[0].dtype).numpy()
        size = np.array([image_size[1], image_size[0]], dtype=boxes.dtype)
        half = boxes.dtype.type(0.5) * boxes[:, 2:]
        corners = np.concatenate([(boxes[:, :2] - half) * size, (boxes[:, :2] + half) * size], axis=1)
        return [autograd.tensor(corners) for _ in image_list.image_sizes]
