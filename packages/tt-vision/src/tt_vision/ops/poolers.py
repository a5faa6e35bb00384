"""``MultiScaleRoIAlign``: RoI Align from the pyramid level that suits each box, as torchvision.ops.poolers.

A feature pyramid holds maps at strides ``2**k``. Each box is pooled from one level, by its size
(Lin et al., 2017, eq. 1, :class:`LevelMapper`): ``k = floor(k0 + log2(√area / s0) + ε)``, clamped
to the pyramid's levels, ``s0 = canonical_scale`` (224, an ImageNet image) landing on level
``k0 = canonical_level`` (4): a box twice as large reads the next coarser map.

Each level's scale is inferred once, on the first call, from its map's height over the largest
image height (``image_shapes``): ``2**round(log2(map / image))`` (a power of 2, as
torchvision assumes); the levels span ``-log2`` of the first and last map's scales. Then
:func:`.roi_align.roi_align` runs once per level on that level's boxes (``aligned=False``, as
torchvision), and the pooled features come back in the boxes' order (with a single map every
box maps to it: torchvision's shortcut for one map gives the same). As torchvision's, level
index ``i`` reads the ``i``-th listed map even when the maps skip a level, and a box whose index
has no map pools zeros. Differentiable w.r.t. the maps, not the boxes.

Cost: one ``roi_align`` per level, on its boxes only: together as much as one ``roi_align`` of
every box on the map it reads; the mapping is a few array operations over the boxes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tt_autograd as autograd
from tt_autograd import Tensor
from tt_nn import Module

from .roi_align import roi_align

__all__ = ["LevelMapper", "MultiScaleRoIAlign", "initLevelMapper"]


class LevelMapper:
    """Which pyramid level each box is pooled from (eq. 1 of the FPN paper).

    Args:
        k_min, k_max: the pyramid's first and last levels (a level-``k`` map has stride ``2**k``).
        canonical_scale, canonical_level: a box of ``√area = canonical_scale`` maps to ``canonical_level``.
        eps: added before ``floor`` (torchvision's 1e-6), so an exact power of 2 is not rounded down.

    ``mapper(boxlists)``: ``(x1, y1, x2, y2)`` boxes, a tensor per image → ``(K,)`` int64 level
    indices ``k - k_min`` in ``[0, k_max - k_min]``, in the boxes' order (computed in their dtype).
    """

    def __init__(
        self, k_min: int, k_max: int, canonical_scale: int = 224, canonical_level: int = 4, eps: float = 1e-6
    ) -> None:
        self.k_min, self.k_max = k_min, k_max
        self.s0, self.lvl0, self.eps = canonical_scale, canonical_level, eps

    def __call__(self, boxlists: Sequence[Tensor]) -> Tensor:
        boxes = np.concatenate([b.detach().numpy().reshape(-1, 4) for b in boxlists])
        dtype = boxes.dtype.type
        size = np.sqrt((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]))
        levels = np.floor(self.lvl0 + np.log2(size / dtype(self.s0)) + dtype(self.eps))
        levels = np.clip(levels, self.k_min, self.k_max)
        return autograd.tensor(levels.astype(np.int64) - self.k_min)


def initLevelMapper(  # noqa: N802  (torchvision's name)
    k_min: int, k_max: int, canonical_scale: int = 224, canonical_level: int = 4, eps: float = 1e-6
) -> LevelMapper:
    """A :class:`LevelMapper` (torchvision's factory of the same name)."""
    return LevelMapper(k_min, k_max, canonical_scale, canonical_level, eps)


def infer_scale(feature: Tensor, image_height: int) -> float:
    """The map's scale over the image's: ``2**round(log2(map height / image height))``, in float32.

    torchvision assumes a power of 2 and rounds the logarithm half to even; the height decides (its
    ``_infer_scale`` computes the width's too, and returns the height's).
    """
    approx = np.float32(float(feature.shape[-2]) / float(image_height))
    return 2 ** float(np.round(np.log2(approx)))


def setup_scales(features: list[Tensor], image_shapes: Sequence, canonical_scale: int, canonical_level: int):
    """Each level's scale and the :class:`LevelMapper` over them, from the largest image height."""
    if not image_shapes:
        raise ValueError("MultiScaleRoIAlign: image_shapes is empty; give each image's (height, width)")
    height = max(s[0] for s in image_shapes)
    scales = [infer_scale(f, height) for f in features]
    lvl_min = -float(np.log2(np.float32(scales[0])))
    lvl_max = -float(np.log2(np.float32(scales[-1])))
    return scales, initLevelMapper(int(lvl_min), int(lvl_max), canonical_scale, canonical_level)


def rois_of(boxes: Sequence[Tensor]) -> Tensor:
    """The boxes of every image as one ``(K, 5)`` tensor ``(image index, x1, y1, x2, y2)``."""
    rows = [
        np.concatenate(
            [np.full((len(b), 1), i, dtype=b.dtype.numpy), b.detach().numpy().reshape(-1, 4)], axis=1
        )
        for i, b in enumerate(boxes)
    ]
    return autograd.tensor(np.concatenate(rows))


def multiscale_roi_align(features, boxes, output_size, sampling_ratio: int, scales, mapper) -> Tensor:
    """``roi_align`` of each box on its level's map, returned in the boxes' order: ``(K, C, PH, PW)``."""
    rois = rois_of(boxes)
    levels = mapper(boxes).numpy()
    members = [np.flatnonzero(levels == level) for level in range(len(features))]
    pooled = [
        roi_align(feature, rois[autograd.tensor(idx)], output_size, scale, sampling_ratio)
        for feature, scale, idx in zip(features, scales, members)
    ]
    # Maps that skip a level (say p2 and p4: levels 2 to 4) leave the last indices without a map: as in
    # torchvision, level index i reads the i-th map, and a box past the last map's index is all zeros.
    members.append(np.flatnonzero(levels >= len(features)))
    pooled.append(autograd.zeros(len(members[-1]), *pooled[0].shape[1:], dtype=pooled[0].dtype))
    order = np.argsort(np.concatenate(members), kind="stable")  # where each box's row is among the levels'
    return autograd.cat(pooled)[autograd.tensor(order)]


class MultiScaleRoIAlign(Module):
    """RoI Align over a feature pyramid, each box on the level that suits its size (the module's docstring).

    Args:
        featmap_names: the names of the maps to pool from (the others are ignored); their order is
            the input's, finest first.
        output_size: ``PH`` or ``(PH, PW)``.
        sampling_ratio: ``roi_align``'s points per bin and axis (``<= 0``: adaptive).
        canonical_scale, canonical_level: :class:`LevelMapper`'s (keyword-only, 224 and 4).

    Attributes:
        scales, map_levels: None until the first call infers them from the maps and image sizes;
            then kept, as torchvision does (a later call with other sizes reuses them).

    Shape: ``forward(x, boxes, image_shapes)``: ``x`` a dict of ``(N, C, H_l, W_l)`` maps, ``boxes`` a
    list of ``(L_i, 4)`` per image in image coordinates, ``image_shapes`` each image's
    ``(height, width)`` → ``(Σ L_i, C, PH, PW)``.

    Example:
        >>> pool = MultiScaleRoIAlign(["p2", "p3"], 2, sampling_ratio=2)
        >>> maps = {"p2": autograd.ones(1, 3, 16, 16), "p3": autograd.ones(1, 3, 8, 8)}
        >>> tuple(pool(maps, [autograd.tensor([[0.0, 0.0, 10.0, 10.0]])], [(64, 64)]).shape), pool.scales
        ((1, 3, 2, 2), [0.25, 0.125])
    """

    def __init__(
        self,
        featmap_names: list[str],
        output_size,
        sampling_ratio: int,
        *,
        canonical_scale: int = 224,
        canonical_level: int = 4,
    ) -> None:
        super().__init__()
        if isinstance(output_size, int):
            output_size = (output_size, output_size)
        self.featmap_names = featmap_names
        self.sampling_ratio = sampling_ratio
        self.output_size = tuple(output_size)
        self.scales: list[float] | None = None
        self.map_levels: LevelMapper | None = None
        self.canonical_scale = canonical_scale
        self.canonical_level = canonical_level

    def forward(
        self, x: dict[str, Tensor], boxes: list[Tensor], image_shapes: list[tuple[int, int]]
    ) -> Tensor:
        """Pool every box from its level (the class docstring)."""
        features = [v for k, v in x.items() if k in self.featmap_names]
        if not features:
            raise ValueError(
                f"MultiScaleRoIAlign: none of featmap_names {self.featmap_names} is among the maps {list(x)}"
            )
        if self.scales is None or self.map_levels is None:
            self.scales, self.map_levels = setup_scales(
                features, image_shapes, self.canonical_scale, self.canonical_level
            )
        return multiscale_roi_align(
            features, boxes, self.output_size, self.sampling_ratio, self.scales, self.map_levels
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(featmap_names={self.featmap_names}, "
            f"output_size={self.output_size}, sampling_ratio={self.sampling_ratio})"
        )
