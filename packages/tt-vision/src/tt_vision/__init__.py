"""tt-vision: TinyTorch's computer vision (modules 08 and 09).

* ``tt_vision.datasets`` — ``MNIST``, ``FashionMNIST``, ``CIFAR10`` from the
  official formats (or a prepared ``.npz``), and the embedded ``Digits``;
  like ``torchvision.datasets``.
* ``tt_vision.transforms`` — batched ``Normalize``, ``RandomCrop``,
  ``RandomHorizontalFlip``, ``Compose``; like ``torchvision.transforms``.
* Layers ``Conv2d``, ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``,
  ``BatchNorm2d`` (like ``torch.nn``), and their functional forms in
  ``tt_vision.functional`` (like ``torch.nn.functional``);
  ``fuse_batch_norm_relu`` turns each ``BatchNorm2d`` + ``ReLU`` pair of a
  built model into one ``BatchNormReLU2d`` node (fewer passes over memory).

Example:
    >>> import tt_autograd as autograd
    >>> from tt_vision import Conv2d, MaxPool2d
    >>> x = autograd.randn(4, 3, 32, 32)
    >>> tuple(MaxPool2d(2)(Conv2d(3, 8, 3, padding=1)(x)).shape)
    (4, 8, 16, 16)
"""

from __future__ import annotations

from . import datasets, functional, transforms
from ._conv import fast_convolutions
from .datasets import CIFAR10, MNIST, Digits, FashionMNIST
from .functional import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    affine_grid,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    batch_norm,
    channel_shuffle,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    fold,
    fractional_max_pool2d,
    fractional_max_pool2d_with_indices,
    grid_sample,
    lp_pool1d,
    lp_pool2d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
    max_unpool1d,
    max_unpool2d,
    pixel_shuffle,
    pixel_unshuffle,
    unfold,
)
from .layers import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    BatchNorm2d,
    BatchNorm3d,
    BatchNormReLU2d,
    BatchNormReLUMaxPool2d,
    ChannelShuffle,
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
    Fold,
    FractionalMaxPool2d,
    LPPool1d,
    LPPool2d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
    MaxUnpool1d,
    MaxUnpool2d,
    PixelShuffle,
    PixelUnshuffle,
    Unfold,
    fuse_batch_norm_relu,
)

__version__ = "0.1.0"

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "BatchNorm2d",
    "BatchNorm3d",
    "BatchNormReLU2d",
    "BatchNormReLUMaxPool2d",
    "ChannelShuffle",
    "CIFAR10",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "Digits",
    "FashionMNIST",
    "Fold",
    "FractionalMaxPool2d",
    "LPPool1d",
    "LPPool2d",
    "MNIST",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "PixelShuffle",
    "PixelUnshuffle",
    "Unfold",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "affine_grid",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "batch_norm",
    "channel_shuffle",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "datasets",
    "fast_convolutions",
    "fold",
    "fractional_max_pool2d",
    "fractional_max_pool2d_with_indices",
    "grid_sample",
    "lp_pool1d",
    "lp_pool2d",
    "fuse_batch_norm_relu",
    "functional",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_unpool1d",
    "max_unpool2d",
    "pixel_shuffle",
    "pixel_unshuffle",
    "transforms",
    "unfold",
]
