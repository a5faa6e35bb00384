"""Looking at images, like ``torchvision.utils``: grids, PNG snapshots, boxes, masks and keypoints.

* :func:`make_grid`, :func:`save_image` (PNG, atomic);
* :func:`draw_bounding_boxes`, :func:`draw_segmentation_masks`, :func:`draw_keypoints`.

Example:
    >>> import tt_autograd as autograd
    >>> from tt_vision.utils import make_grid
    >>> tuple(make_grid(autograd.rand(4, 3, 8, 8), nrow=2, padding=1).shape)
    (3, 19, 19)
"""

from __future__ import annotations

from .draw import draw_bounding_boxes, draw_keypoints, draw_segmentation_masks
from .grid import make_grid, save_image

__all__ = ["draw_bounding_boxes", "draw_keypoints", "draw_segmentation_masks", "make_grid", "save_image"]
