"""torchvision's ``convert_image_dtype`` and ``ConvertImageDtype``: change an image's dtype and rescale it.

Beyond module 08's exercises; exported by :mod:`tt_vision.transforms`. Integer images hold values
in ``[0, max]`` of their dtype (255 for ``uint8``), float images in ``[0, 1]``; a conversion keeps
what the values mean, with torchvision's arithmetic:

* int → float: ``x / max`` in the float dtype;
* float → int: ``x · (max + 1 − 0.001)``, truncated, so [0, 1] splits into ``max + 1`` equal bins
  (float32 → int32/int64 and float64 → int64 are refused: the float cannot hold every integer);
* int → int: multiply or floor-divide by ``(max_out + 1) // (max_in + 1)``;
* float → float: a cast.

Images of any shape, tensors or NumPy arrays; cost one pass, ``O(B · C · H · W)``.
"""

from __future__ import annotations

import numpy as np
import tt_tensor
from tt_autograd import Tensor


def _numpy_dtype(dtype: object) -> np.dtype:
    return dtype.numpy if isinstance(dtype, tt_tensor.DType) else np.dtype(dtype)


def convert_image_dtype(image: object, dtype: object = tt_tensor.float32) -> object:
    """``image`` as ``dtype`` (a ``tt`` or NumPy dtype), its values rescaled to the dtype's range."""
    is_tensor = isinstance(image, tt_tensor.Tensor)
    array = image.array if is_tensor else np.asarray(image)
    source, target = array.dtype, _numpy_dtype(dtype)
    if source.kind not in "uif" or target.kind not in "uif":
        raise TypeError(
            f"convert_image_dtype: converts between int and float images, got {source} to {target}"
        )
    if source == target:
        return image
    if source.kind == "f" and target.kind == "f":
        out = array.astype(target)
    elif source.kind == "f":
        if (source == np.float32 and target in (np.int32, np.int64)) or (source, target) == (
            np.float64,
            np.int64,
        ):
            raise RuntimeError(
                f"convert_image_dtype: the cast from {source} to {target} cannot be performed safely; "
                f"convert to a narrower int or from float64"
            )
        out = (array * source.type(np.iinfo(target).max + 1.0 - 1e-3)).astype(target)
    elif target.kind == "f":
        out = array.astype(target) / target.type(np.iinfo(source).max)
    else:
        source_max, target_max = np.iinfo(source).max, np.iinfo(target).max
        if source_max > target_max:
            out = (array // ((source_max + 1) // (target_max + 1))).astype(target)
        else:
            out = array.astype(target) * target.type((target_max + 1) // (source_max + 1))
    return Tensor.from_array(out) if is_tensor else out


class ConvertImageDtype:
    """Convert images to ``dtype``, values rescaled (torchvision's ``transforms.ConvertImageDtype``)."""

    def __init__(self, dtype: object) -> None:
        self.dtype = dtype

    def __call__(self, images: object) -> object:
        return convert_image_dtype(images, self.dtype)

    def __repr__(self) -> str:
        return f"ConvertImageDtype(dtype={self.dtype})"
