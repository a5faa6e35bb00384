"""``ImageList``: a batch of images of different sizes, padded into one tensor, with their true sizes.

The detection models resize each image on its own (:mod:`.transform`), then pad them all to one
shape so the backbone runs once on an ``(N, C, H, W)`` tensor; ``image_sizes`` remembers each
image's ``(height, width)`` before padding, which the anchors' clipping and the boxes'
post-processing need. torchvision's ``torchvision.models.detection.image_list.ImageList``.
"""

from __future__ import annotations

from tt_autograd import Tensor


class ImageList:
    """Images padded into one tensor, and the size of each before padding.

    Args:
        tensors: ``(N, C, H, W)``, the padded batch.
        image_sizes: ``N`` pairs ``(height, width)``: the part of each image that is not padding.

    Example:
        >>> import tt_autograd
        >>> images = ImageList(tt_autograd.zeros(2, 3, 64, 96), [(60, 90), (64, 80)])
        >>> tuple(images.tensors.shape), images.image_sizes[1]
        ((2, 3, 64, 96), (64, 80))
    """

    def __init__(self, tensors: Tensor, image_sizes: list[tuple[int, int]]) -> None:
        self.tensors = tensors
        self.image_sizes = image_sizes

    def to(self, device) -> ImageList:
        """The same images on ``device`` (TinyTorch has the CPU only; sizes are shared)."""
        return ImageList(self.tensors.to(device), self.image_sizes)
