"""Batched image transforms, like ``torchvision.transforms`` but on a whole batch at once.

Every transform takes a float tensor (or NumPy array) of images
``(B, C, H, W)`` — or one image ``(C, H, W)`` — and returns the same kind.
Random transforms draw *one vector of choices per batch* (a crop offset, a
flip decision for each image) and apply them with a single indexing
operation, so augmenting an epoch of CIFAR-10 costs a few hundred NumPy calls,
not 50,000 Python ones. They draw from the ``generator`` given, or from the
default one that ``tt.manual_seed`` seeds, so a seeded run is reproducible.

Transforms run on data, outside autograd: nothing here is recorded.

Example:
    >>> import tt_autograd as autograd
    >>> augment = Compose([RandomCrop(32, padding=4, padding_mode="reflect"), RandomHorizontalFlip(),
    ...                    Normalize((0.49, 0.48, 0.45), (0.25, 0.24, 0.26))])
    >>> tuple(augment(autograd.rand(8, 3, 32, 32)).shape)
    (8, 3, 32, 32)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import tt_tensor
from numpy.lib.stride_tricks import sliding_window_view
from tt_autograd import Tensor, is_grad_enabled
from tt_tensor import Generator, numpy_generator

__all__ = [
    "CenterCrop",
    "Compose",
    "Lambda",
    "Normalize",
    "RandomCrop",
    "RandomHorizontalFlip",
    "Resize",
    "ToTensor",
    "split_pixel_steps",
]


def _unwrap(images: object) -> tuple[np.ndarray, bool, bool]:
    """The (B, C, H, W) array behind ``images``, whether it was a tensor, and whether it was one image."""
    is_tensor = isinstance(images, tt_tensor.Tensor)
    if is_tensor and getattr(images, "requires_grad", False) and is_grad_enabled():
        raise RuntimeError(
            "tt_vision.transforms work on data, outside autograd, and the images require grad: their "
            "gradient would be lost. Pass images.detach() (or run under no_grad()); for a differentiable "
            "step write it with tensor operations (e.g. (x - mean) / std, F.interpolate, F.grid_sample)"
        )
    array = images.array if is_tensor else np.asarray(images)
    if array.ndim not in (3, 4):
        raise ValueError(f"expected images (B, C, H, W) or one image (C, H, W), got shape {array.shape}")
    single = array.ndim == 3
    return (array[None] if single else array), is_tensor, single


def _wrap(array: np.ndarray, is_tensor: bool, single: bool) -> object:
    array = array[0] if single else array
    return Tensor.from_array(array) if is_tensor else array


class Compose:
    """Apply transforms in order: ``Compose([RandomCrop(32, 4), Normalize(m, s)])``."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)

    def __call__(self, images: object) -> object:
        for transform in self.transforms:
            images = transform(images)
        return images

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"Compose({inner}\n)"


class Lambda:
    """Wrap any function of a batch as a transform."""

    def __init__(self, function: Callable) -> None:
        self.function = function

    def __call__(self, images: object) -> object:
        return self.function(images)


class ToTensor:
    """``uint8`` images ``(B, H, W, C)``/``(H, W, C)`` → float ``(B, C, H, W)`` in [0, 1]; floats pass.

    TinyTorch's datasets already hand out float ``(B, C, H, W)`` tensors, so in
    a pipeline over them this does nothing; it exists so torchvision-style
    ``Compose([ToTensor(), ...])`` code runs unchanged.
    """

    def __call__(self, images: object) -> object:
        array = images.array if isinstance(images, tt_tensor.Tensor) else np.asarray(images)
        if array.dtype != np.uint8:
            return images if isinstance(images, tt_tensor.Tensor) else Tensor.from_array(array)
        batch = array[None] if array.ndim == 3 else array
        out = np.multiply(batch.transpose(0, 3, 1, 2), np.float32(1 / 255), dtype=np.float32)
        return Tensor.from_array(out[0] if array.ndim == 3 else out)

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """Per channel, ``(x − mean[c]) / std[c]``.

    Args:
        mean, std: one value per channel (or one for all).

    Example:
        >>> Normalize((0.1307,), (0.3081,))  # MNIST's statistics
        Normalize(mean=(0.1307,), std=(0.3081,))
    """

    def __init__(
        self, mean: Sequence[float] | float, std: Sequence[float] | float, inplace: bool = False
    ) -> None:
        self.mean = tuple(np.atleast_1d(mean).tolist())
        self.std = tuple(np.atleast_1d(std).tolist())
        if any(s == 0 for s in self.std):
            raise ValueError(f"Normalize: std {self.std} contains a zero, which would divide by zero")
        self.inplace = inplace

    def __call__(self, images: object) -> object:
        array, is_tensor, single = _unwrap(images)
        return _wrap(self.normalize(array, self.inplace), is_tensor, single)

    def normalize(self, array: np.ndarray, inplace: bool = False) -> np.ndarray:
        """Normalise a ``(B, C, H, W)`` array; ``inplace`` overwrites a float input instead of copying it."""
        # BEGIN SOLUTION 08
        # TODO: (x - mean) / std per channel of a (B, C, H, W) array; inplace overwrites a float input
        #   (§ How it is built, "Batched augmentation, on raw pixels").
        # HINT: multiply by 1/std (computed once) rather than divide; uint8 input gives float32.
        channels = array.shape[1]
        if len(self.mean) not in (1, channels) or len(self.std) not in (1, channels):
            raise ValueError(
                f"Normalize: {len(self.mean)} means and {len(self.std)} stds for images with "
                f"{channels} channels"
            )
        dtype = array.dtype if array.dtype.kind == "f" else np.float32
        mean = np.asarray(self.mean, dtype=dtype).reshape(1, -1, 1, 1)
        scale = (1 / np.asarray(self.std, dtype=np.float64)).astype(dtype).reshape(1, -1, 1, 1)
        out = array if inplace and array.dtype == dtype else None
        out = np.subtract(array, mean, out=out, dtype=dtype)
        out *= scale
        return out
        # END SOLUTION

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean}, std={self.std})"


def pad_images(
    array: np.ndarray, pads: tuple[int, int, int, int], mode: str = "constant", fill: float = 0
) -> np.ndarray:
    """Pad a (B, C, H, W) batch by (top, bottom, left, right): the centre and four slice copies.

    ``np.pad`` does the same with much Python per call; at batch 128 this is ~10× faster.
    Modes: ``'constant'`` (``fill``), ``'reflect'`` (mirror about the edge pixel),
    ``'symmetric'`` (mirror including it), ``'edge'`` (repeat it).
    """
    top, bottom, left, right = pads
    b, c, h, w = array.shape
    if mode == "reflect" and (max(top, bottom) >= h or max(left, right) >= w):
        raise ValueError(f"RandomCrop: reflect padding {pads} must be smaller than the image {h}×{w}")
    out = np.empty((b, c, h + top + bottom, w + left + right), dtype=array.dtype)
    out[:, :, top : top + h, left : left + w] = array
    if mode == "constant":
        out[:, :, :top] = fill
        out[:, :, top + h :] = fill
        out[:, :, :, :left] = fill
        out[:, :, :, left + w :] = fill
        return out
    inner = out[:, :, :, left : left + w]  # the columns that hold the image
    if mode == "reflect":
        first, last = array[:, :, 1 : top + 1], array[:, :, h - 1 - bottom : h - 1]
    elif mode == "symmetric":
        first, last = array[:, :, :top], array[:, :, h - bottom :]
    else:  # edge
        first, last = array[:, :, :1], array[:, :, h - 1 :]
    inner[:, :, :top] = first[:, :, ::-1] if mode != "edge" else first
    inner[:, :, top + h :] = last[:, :, ::-1] if mode != "edge" else last
    # Columns one at a time: a pad is a few pixels wide, and a strided copy of one column is
    # about twice as fast as copying a reversed block a few elements wide.
    centre = out[:, :, :, left : left + w]
    first = {"reflect": 1, "symmetric": 0, "edge": 0}[mode]
    for k in range(left):  # the k-th padding column left of the image
        out[..., left - 1 - k] = centre[..., first + k if mode != "edge" else 0]
    for k in range(right):
        out[..., left + w + k] = centre[..., w - 1 - first - k if mode != "edge" else w - 1]
    return out


class RandomCrop:
    """Crop each image at a random place, after padding it: the classic CIFAR augmentation.

    Args:
        size: output ``(h, w)`` (or one int).
        padding: pixels added on every side first (an int, ``(w, h)`` or
            ``(left, top, right, bottom)`` as in torchvision).
        pad_if_needed: pad images smaller than ``size`` up to it.
        fill: value for ``padding_mode='constant'``.
        padding_mode: ``'constant'``, ``'reflect'`` (mirror without repeating
            the edge), ``'edge'`` or ``'symmetric'``.
        generator: a ``tt.Generator`` for the offsets (default: the global one).

    Each image of the batch gets its own offset; all are cut out by one
    gather over a sliding-window view of the padded batch.
    """

    def __init__(
        self,
        size: int | Sequence[int],
        padding: int | Sequence[int] | None = None,
        pad_if_needed: bool = False,
        fill: float = 0,
        padding_mode: str = "constant",
        generator: Generator | None = None,
    ) -> None:
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.padding = padding
        self.pad_if_needed, self.fill = pad_if_needed, fill
        if padding_mode not in ("constant", "reflect", "edge", "symmetric"):
            raise ValueError(
                f"RandomCrop: padding_mode must be constant, reflect, edge or symmetric, got {padding_mode!r}"
            )
        self.padding_mode = padding_mode
        self.generator = generator

    def _pads(self, h: int, w: int) -> tuple[int, int, int, int]:
        """(top, bottom, left, right) padding, from torchvision's (left, top, right, bottom) conventions."""
        p = self.padding
        if p is None:
            left = top = right = bottom = 0
        elif isinstance(p, int):
            left = top = right = bottom = p
        elif len(p) == 2:
            left, top = right, bottom = p
        else:
            left, top, right, bottom = p
        if self.pad_if_needed:
            top, bottom = top + max(0, self.size[0] - (h + top + bottom)), bottom
            left, right = left + max(0, self.size[1] - (w + left + right)), right
        return top, bottom, left, right

    def __call__(self, images: object) -> object:
        # BEGIN SOLUTION 08
        # TODO: pad, then cut a size crop at a random offset per image, for the whole batch at once
        #   (§ How it is built, "Batched augmentation, on raw pixels").
        # HINT: a window view
        #   (np.lib.stride_tricks.sliding_window_view) plus fancy
        #   indexing avoids a Python loop.
        array, is_tensor, single = _unwrap(images)
        b, _, h, w = array.shape
        top, bottom, left, right = self._pads(h, w)
        padded = pad_images(array, (top, bottom, left, right), self.padding_mode, self.fill)
        th, tw = self.size
        if padded.shape[2] < th or padded.shape[3] < tw:
            raise ValueError(
                f"RandomCrop: crop {self.size} is larger than the padded image "
                f"{padded.shape[2:]}; pass pad_if_needed=True"
            )
        rng = numpy_generator(self.generator)
        rows = rng.integers(0, padded.shape[2] - th + 1, size=b)
        cols = rng.integers(0, padded.shape[3] - tw + 1, size=b)
        windows = sliding_window_view(padded, (th, tw), axis=(2, 3))  # (B, C, H', W', th, tw), a view
        out = windows[np.arange(b), :, rows, cols]  # one gather: (B, C, th, tw)
        return _wrap(out, is_tensor, single)
        # END SOLUTION

    @property
    def pixel_exact(self) -> bool:
        """Only moves pixels (and pads with zeros or copies of them): see :func:`split_pixel_steps`."""
        return self.padding_mode != "constant" or self.fill == 0

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding}, padding_mode={self.padding_mode!r})"


class RandomHorizontalFlip:
    """Mirror each image left–right with probability ``p``, independently per image."""

    def __init__(self, p: float = 0.5, generator: Generator | None = None) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p}")
        self.p, self.generator = p, generator

    def __call__(self, images: object) -> object:
        # BEGIN SOLUTION 08
        # TODO: flip each image left-right with probability p, drawn per image from the transform's generator.
        # HINT: only the chosen images move: out[flip] = array[flip, ..., ::-1].
        array, is_tensor, single = _unwrap(images)
        flip = numpy_generator(self.generator).random(len(array)) < self.p
        out = array.copy()
        out[flip] = array[flip, ..., ::-1]  # only the chosen images move: one gather, one scatter
        return _wrap(out, is_tensor, single)
        # END SOLUTION

    pixel_exact = True  # see :func:`split_pixel_steps`

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


def split_pixel_steps(transform: Callable | None) -> tuple[list[Callable], list[Callable]]:
    """Split a transform into the steps that may run on raw pixels, and the rest.

    A step is *pixel-exact* (``step.pixel_exact`` is true) when it only moves
    pixels — a crop, a flip, padding with zeros or with copies of edge
    pixels — so running it on the ``uint8`` pixels and scaling afterwards
    gives exactly what scaling first would: a crop of scaled pixels is the
    scaled crop. Datasets run the leading pixel-exact steps of a
    :class:`Compose` before converting to ``float32``, touching a quarter of
    the bytes; random steps draw the same numbers either way.

    Returns:
        ``(pixel_steps, float_steps)``: two lists whose concatenation is the
        transform's steps in order.
    """
    if transform is None:
        return [], []
    steps = list(transform.transforms) if isinstance(transform, Compose) else [transform]
    lead = 0
    while lead < len(steps) and getattr(steps[lead], "pixel_exact", False):
        lead += 1
    return steps[:lead], steps[lead:]


from . import transforms_auto_augment  # noqa: E402, I001  (beyond the exercises: AutoAugment, ...)
from . import transforms_color  # noqa: E402  (beyond the exercises: photometric transforms, batched)
from . import transforms_functional as functional  # noqa: E402  (tt_vision.transforms.functional)
from .transforms_color import *  # noqa: E402, F403  (ColorJitter, GaussianBlur, Grayscale, Random*, ...)
from .transforms_dtype import ConvertImageDtype  # noqa: E402
from .transforms_functional import InterpolationMode  # noqa: E402
from .transforms_geometry import CenterCrop, Resize  # noqa: E402  (beyond the exercises: they use _unwrap/_wrap)
from .transforms_random_apply import RandomApply, RandomChoice, RandomOrder  # noqa: E402
from .transforms_random_distortion import ElasticTransform, RandomPerspective  # noqa: E402
from .transforms_random_geometry import (  # noqa: E402
    FiveCrop,
    Pad,
    RandomAffine,
    RandomResizedCrop,
    RandomRotation,
    RandomVerticalFlip,
    TenCrop,
)

from .transforms_auto_augment import *  # noqa: E402, F403  (AutoAugment, RandAugment, TrivialAugmentWide)

__all__ += [
    *transforms_auto_augment.__all__,
    *transforms_color.__all__,
    "ConvertImageDtype",
    "ElasticTransform",
    "FiveCrop",
    "InterpolationMode",
    "Pad",
    "RandomAffine",
    "RandomApply",
    "RandomChoice",
    "RandomOrder",
    "RandomPerspective",
    "RandomResizedCrop",
    "RandomRotation",
    "RandomVerticalFlip",
    "TenCrop",
    "functional",
]
