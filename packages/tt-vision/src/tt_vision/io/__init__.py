"""Image files, like ``torchvision.io``: PNG decoding and encoding in NumPy and ``zlib``, JPEG through
Pillow (an optional extra), reading, writing.

* :func:`decode_png` / :func:`encode_png`: bytes ↔ ``(C, H, W)`` images; every
  PNG colour type and bit depth, palettes with transparency, Adam7 interlacing.
* :func:`decode_jpeg` / :func:`encode_jpeg` / :func:`write_jpeg`: JPEG through
  Pillow's libjpeg-turbo (``pip install 'tt-vision[jpeg]'``), imported when called.
* :func:`read_file`, :func:`write_file` (atomic), :func:`write_png`,
  :func:`decode_image` / :func:`read_image` (PNG and JPEG; other formats are
  refused with the fix), :class:`ImageReadMode`.

Example:
    >>> import numpy as np
    >>> from tt_vision.io import decode_png, encode_png
    >>> png = encode_png(np.full((3, 4, 5), 7, dtype=np.uint8))
    >>> tuple(decode_png(png, mode="GRAY").shape)
    (1, 4, 5)
"""

from __future__ import annotations

from .image_files import decode_image, read_file, read_image, write_file, write_jpeg, write_png
from .jpeg import decode_jpeg, encode_jpeg
from .png_decode import decode_png
from .png_encode import encode_png
from .read_mode import ImageReadMode

__all__ = [
    "ImageReadMode",
    "decode_image",
    "decode_jpeg",
    "decode_png",
    "encode_jpeg",
    "encode_png",
    "read_file",
    "read_image",
    "write_file",
    "write_jpeg",
    "write_png",
]
