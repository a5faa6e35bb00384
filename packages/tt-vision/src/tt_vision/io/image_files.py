"""Reading and writing image files, like torchvision.io's ``read_file``, ``write_file``, ``decode_image``,
``read_image``, ``write_png`` and ``write_jpeg``.

Files are written atomically: the bytes go to a temporary file in the target's
folder, which is then renamed over the target (``os.replace``), so a crash
never leaves a half-written image. PNG is decoded in NumPy, JPEG through
Pillow when the ``jpeg`` extra is installed (:mod:`.jpeg`); GIF, WebP and the
others are recognised by their first bytes and refused with a message naming
the format and how to convert the file.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from tt_autograd import Tensor
from tt_nn.serialization import atomic_write_bytes

from .jpeg import decode_jpeg, encode_jpeg
from .png_chunks import SIGNATURE
from .png_decode import decode_png
from .png_encode import encode_png
from .read_mode import ImageReadMode, as_encoded_bytes

#: JPEG's first bytes: the start-of-image marker and the next marker's 0xFF.
JPEG_SIGNATURE = b"\xff\xd8\xff"

#: First bytes of the image formats torchvision reads that we do not.
OTHER_FORMATS = {
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
    b"BM": "BMP",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
}


def read_file(path: str | os.PathLike) -> Tensor:
    """A file's bytes as a 1-D ``uint8`` tensor.

    Example:
        >>> read_file("image.png").shape  # doctest: +SKIP
        (1437,)
    """
    with open(path, "rb") as file:
        data = file.read()
    return Tensor.from_array(np.frombuffer(data, dtype=np.uint8).copy())


def write_file(filename: str | os.PathLike, data: object) -> None:
    """Write a 1-D ``uint8`` tensor's bytes to ``filename``, atomically (temporary file, then rename)."""
    atomic_write_bytes(Path(filename), as_encoded_bytes(data, "write_file"))  # (tt-nn's: fsync, mode 0644)


def write_png(input: object, filename: str | os.PathLike, compression_level: int = 6) -> None:
    """Encode a ``uint8 (C, H, W)`` image as PNG (:func:`encode_png`) and write it atomically."""
    write_file(filename, encode_png(input, compression_level))


def write_jpeg(input: object, filename: str | os.PathLike, quality: int = 75) -> None:
    """Encode a ``uint8 (C, H, W)`` image as JPEG (:func:`encode_jpeg`, Pillow) and write it atomically."""
    write_file(filename, encode_jpeg(input, quality))


def decode_image(
    input: object, mode: ImageReadMode | str = ImageReadMode.UNCHANGED, apply_exif_orientation: bool = False
) -> Tensor:
    """Decode an image given as its bytes (1-D ``uint8`` tensor) or as a path: PNG, or JPEG with Pillow.

    Returns:
        ``uint8 (C, H, W)``; a 16-bit PNG gives ``int32`` 0–65535 where torchvision gives ``uint16``
        (:func:`decode_png`).

    Raises:
        ImportError: a JPEG file without Pillow installed (the message gives the install command).
        RuntimeError: another format (named, with the fix) or an unknown one.
    """
    if isinstance(input, (str, os.PathLike)):
        input = read_file(input)
    data = as_encoded_bytes(input, "decode_image")
    if data.startswith(SIGNATURE):
        return decode_png(data, mode, apply_exif_orientation)
    if data.startswith(JPEG_SIGNATURE):
        return decode_jpeg(data, mode, apply_exif_orientation=apply_exif_orientation)
    kind = next((name for magic, name in OTHER_FORMATS.items() if data.startswith(magic)), None)
    if kind is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind = "WebP"
    if kind is not None:
        raise RuntimeError(
            f"decode_image: this is a {kind} file; TinyTorch decodes PNG and JPEG only. "
            "Convert the file to PNG first, e.g. with Pillow: "
            "PIL.Image.open(path).save(new_path_ending_in_png)"
        )
    raise RuntimeError(
        f"decode_image: unknown image format (first bytes {data[:8]!r}); TinyTorch decodes PNG and JPEG"
    )


def read_image(
    path: str | os.PathLike,
    mode: ImageReadMode | str = ImageReadMode.UNCHANGED,
    apply_exif_orientation: bool = False,
) -> Tensor:
    """Read and decode an image file (PNG, or JPEG with Pillow) into ``(C, H, W)``: :func:`decode_image`."""
    return decode_image(read_file(path), mode, apply_exif_orientation)
