"""``encode_png``: a ``uint8`` image ``(C, H, W)`` → a PNG file's bytes, like ``torchvision.io.encode_png``.

The file written: signature, ``IHDR`` (8 bits per sample, not interlaced),
one ``IDAT`` holding the zlib stream of the filtered scanlines, ``IEND``. The
colour type follows the channels: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA
(torchvision accepts 1 and 3 only; the other two are valid PNGs that
:func:`~tt_vision.io.decode_png` and every viewer read back). Each row gets
the None, Sub or Up filter, chosen for the whole image at once
(:func:`~tt_vision.io.png_filters.filter_rows` says why not Average or Paeth).

Cost: one pass to filter (three candidate arrays of the image's size) plus
zlib's compression at ``compression_level``.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
import tt_tensor
from tt_autograd import Tensor

from .png_chunks import SIGNATURE, chunk
from .png_filters import filter_rows

#: Channels → PNG colour type.
COLOR_TYPE_OF_CHANNELS = {1: 0, 2: 4, 3: 2, 4: 6}


def encode_png(input: object, compression_level: int = 6) -> Tensor:
    """The bytes of a PNG file holding ``input``, as a 1-D ``uint8`` tensor.

    Args:
        input: a ``uint8`` image ``(C, H, W)`` with 1–4 channels (tensor or array).
        compression_level: zlib's level, 0 (none) to 9 (smallest, slowest).

    Raises:
        RuntimeError: a dtype other than ``uint8``, a shape other than ``(C, H, W)``
            with ``C`` in 1–4, or a level outside 0–9 (torchvision raises ``RuntimeError`` too).

    Example:
        >>> png = encode_png(np.zeros((3, 2, 2), dtype=np.uint8))
        >>> bytes(png.numpy()[:4])
        b'\\x89PNG'
    """
    image = input.array if isinstance(input, tt_tensor.Tensor) else np.asarray(input)
    if not isinstance(compression_level, int) or not 0 <= compression_level <= 9:
        raise RuntimeError(f"encode_png: compression_level must be an integer 0-9, got {compression_level!r}")
    if image.dtype != np.uint8:
        raise RuntimeError(
            f"encode_png: the image must be uint8, got {image.dtype}; convert it first "
            "(e.g. convert_image_dtype(image, tt.uint8) for a float image in [0, 1])"
        )
    if image.ndim != 3 or image.shape[0] not in COLOR_TYPE_OF_CHANNELS or 0 in image.shape:
        raise RuntimeError(
            f"encode_png: the image must be (C, H, W) with C in 1-4 and H, W > 0, got shape {image.shape}"
        )
    channels, height, width = image.shape
    rows = np.ascontiguousarray(image.transpose(1, 2, 0)).reshape(height, width * channels)
    header = struct.pack(">IIBBBBB", width, height, 8, COLOR_TYPE_OF_CHANNELS[channels], 0, 0, 0)
    pixels = zlib.compress(filter_rows(rows, channels).tobytes(), compression_level)
    data = SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return Tensor.from_array(np.frombuffer(data, dtype=np.uint8).copy())
