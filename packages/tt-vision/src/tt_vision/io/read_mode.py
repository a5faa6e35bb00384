"""``ImageReadMode``: the channels a decoder hands back, like ``torchvision.io.ImageReadMode``."""

from __future__ import annotations

from enum import Enum

import numpy as np
import tt_tensor


class ImageReadMode(Enum):
    """Which channels to decode an image into; a string (``"RGB"``, ``"gray"``) names one too.

    * ``UNCHANGED``: as stored (a palette image gives its palette indices);
    * ``GRAY``: one channel; colour becomes grey as libpng does
      (``(9794·R + 19234·G + 3740·B) >> 15``, the weights 0.2989, 0.587, 0.114);
    * ``GRAY_ALPHA``: grey and alpha (opaque where the file has none);
    * ``RGB``: three channels (grey repeated, alpha dropped);
    * ``RGB_ALPHA`` (alias ``RGBA``): RGB and alpha.
    """

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA


def as_read_mode(mode: ImageReadMode | str, operation: str) -> ImageReadMode:
    """``mode`` as an :class:`ImageReadMode` (strings case-insensitive); a clear error for anything else."""
    if isinstance(mode, ImageReadMode):
        return mode
    if isinstance(mode, str) and mode.upper() in ImageReadMode.__members__:
        return ImageReadMode[mode.upper()]
    raise ValueError(
        f"{operation}: mode must be an ImageReadMode or one of {list(ImageReadMode.__members__)}, "
        f"got {mode!r}"
    )


def as_encoded_bytes(data: object, operation: str) -> bytes:
    """The bytes of an encoded file given as a 1-D ``uint8`` tensor or array, or as ``bytes``."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    array = data.array if isinstance(data, tt_tensor.Tensor) else data
    if not isinstance(array, np.ndarray) or array.dtype != np.uint8 or array.ndim != 1:
        described = f"{array.dtype} {array.shape}" if isinstance(array, np.ndarray) else type(data).__name__
        raise TypeError(
            f"{operation}: expects the file's bytes as a 1-D uint8 tensor (read_file(path) gives one), "
            f"got {described}"
        )
    return array.tobytes()
