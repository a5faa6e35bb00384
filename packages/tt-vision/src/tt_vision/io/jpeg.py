"""JPEG through Pillow, like torchvision.io's ``decode_jpeg``, ``encode_jpeg`` and ``write_jpeg``.

JPEG is the one format here that TinyTorch does not decode itself: a baseline
and progressive Huffman/DCT decoder is a project of its own, and Pillow wraps
the same libjpeg-turbo that torchvision links. Pillow is an optional extra,
``pip install 'tt-vision[jpeg]'``, imported inside these functions only, so
``import tt_vision`` and every other function still need nothing but NumPy;
without it they raise an ``ImportError`` naming the function and that command.

What Pillow hands back is turned into torchvision's values with NumPy:

* ``GRAY`` of a colour (YCbCr) file asks libjpeg for the luma channel itself
  (Pillow's ``draft("L")``), as torchvision does, rather than converting RGB;
* a CMYK file gives libjpeg's stored samples under ``UNCHANGED`` (Adobe's
  inverted convention: Pillow's CMYK is ``255 -`` them, with or without the
  file's Adobe marker, as torchvision's samples are), RGB as
  ``round(c · k / 255)`` per channel, grey as libjpeg's
  ``(19595·R + 38470·G + 7471·B + 32768) >> 16`` of that RGB;
* ``apply_exif_orientation`` flips and turns the image as the EXIF
  orientation tag (0x0112, values 1-8) says.

Checked with Pillow 13.0 against torchvision 0.29.1 (``tools/parity/jpeg_torchvision.py``):
104 Pillow-encoded files (1×1 to 199×301 pixels; 4:4:4, 4:2:2 and 4:2:0;
baseline, progressive, optimised with restart markers; grey; CMYK; the eight
orientations) decode identically in all 624 cases (UNCHANGED, GRAY, RGB, with
and without orientation), and ``encode_jpeg`` writes byte-identical files
(24 images, qualities 1-100): both run libjpeg-turbo with the same settings.

Cost: libjpeg's decode or encode, ``O(H · W · C)``, plus one copy of the image
(and an ``O(H · W)`` NumPy pass for a CMYK conversion or an orientation).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import tt_tensor
from tt_autograd import Tensor

from .exif import ORIENTATION_TAG, orient
from .read_mode import ImageReadMode, as_encoded_bytes, as_read_mode

#: libjpeg's RGB → grey weights (0.299, 0.587, 0.114) in 1/65536ths, rounded by adding half.
LIBJPEG_GRAY_WEIGHTS = (19595, 38470, 7471)


def pillow_image(operation: str) -> Any:
    """``PIL.Image``, imported now; an ``ImportError`` naming ``operation`` and the install command."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            f"{operation}: JPEG files need Pillow, an optional extra of tt-vision: "
            "pip install 'tt-vision[jpeg]' (or pip install pillow)"
        ) from None
    return Image


def decode_jpeg(
    input: object | list[object],
    mode: ImageReadMode | str = ImageReadMode.UNCHANGED,
    device: str = "cpu",
    apply_exif_orientation: bool = False,
) -> Tensor | list[Tensor]:
    """Decode a JPEG file's bytes into a ``uint8 (C, H, W)`` image; a list of files gives a list.

    Args:
        input: the file's bytes (a 1-D ``uint8`` tensor as :func:`read_file` returns, or ``bytes``),
            or a non-empty list of them.
        mode: ``UNCHANGED`` (the file's 1, 3 or 4 channels), ``GRAY`` or ``RGB``
            (:class:`ImageReadMode` or its name); JPEG has no alpha, so the ``*_ALPHA`` modes are refused.
        device: ``"cpu"`` only.
        apply_exif_orientation: turn the image upright as its EXIF orientation tag says.

    Raises:
        ImportError: Pillow is not installed (the message gives the install command).
        RuntimeError: not a JPEG, truncated or corrupt; an ``*_ALPHA`` mode.
        ValueError: an empty list, a device other than the CPU.

    Example:
        >>> image = Tensor.from_array(np.full((3, 8, 8), 90, dtype=np.uint8))
        >>> tuple(decode_jpeg(encode_jpeg(image), mode="GRAY").shape)
        (1, 8, 8)
    """
    if str(device) != "cpu":
        raise ValueError(f"decode_jpeg: TinyTorch decodes on the CPU only, got device={device!r}")
    mode = as_read_mode(mode, "decode_jpeg")
    if mode not in (ImageReadMode.UNCHANGED, ImageReadMode.GRAY, ImageReadMode.RGB):
        raise RuntimeError(
            f"decode_jpeg: mode {mode.name} is not supported for JPEG files (they hold no alpha); "
            "use UNCHANGED, GRAY or RGB"
        )
    if isinstance(input, list):
        if not input:
            raise ValueError("decode_jpeg: the input list is empty; give at least one file's bytes")
        return [decode_one(item, mode, apply_exif_orientation) for item in input]
    return decode_one(input, mode, apply_exif_orientation)


def decode_one(input: object, mode: ImageReadMode, apply_exif_orientation: bool) -> Tensor:
    """One file's bytes → ``uint8 (C, H, W)``, ``mode`` already checked."""
    Image = pillow_image("decode_jpeg")
    data = as_encoded_bytes(input, "decode_jpeg")
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
            if mode is ImageReadMode.GRAY and image.mode == "RGB":
                image.draft("L", None)  # libjpeg's own luma, as torchvision asks for it
            orientation = image.getexif().get(ORIENTATION_TAG, 1) if apply_exif_orientation else 1
            colour, pixels = image.mode, np.asarray(image)
    except (OSError, SyntaxError, ValueError) as error:  # Pillow: UnidentifiedImageError is an OSError
        raise RuntimeError(
            f"decode_jpeg: cannot decode these {len(data)} bytes as JPEG (first bytes {data[:4]!r}): {error}"
        ) from None
    pixels = pixels[..., None] if pixels.ndim == 2 else pixels
    if colour == "CMYK":
        pixels = 255 - pixels  # libjpeg's stored samples: Pillow inverts Adobe's CMYK, torchvision does not
    image = orient(convert(pixels, mode), orientation)
    return Tensor.from_array(np.ascontiguousarray(image.transpose(2, 0, 1)))


def convert(pixels: np.ndarray, mode: ImageReadMode) -> np.ndarray:
    """``(H, W, C)`` samples as libjpeg gives them (grey, RGB or inverted CMYK) → the channels of ``mode``."""
    channels = pixels.shape[2]
    if mode is ImageReadMode.UNCHANGED or channels == (1 if mode is ImageReadMode.GRAY else 3):
        return pixels
    if channels == 1:
        return np.repeat(pixels, 3, axis=2)
    rgb = pixels
    if channels == 4:  # (c · k + 127) // 255 is c · k / 255 rounded to nearest
        rgb = ((pixels[..., :3].astype(np.uint16) * pixels[..., 3:] + 127) // 255).astype(np.uint8)
    if mode is ImageReadMode.RGB:
        return rgb
    total = rgb.astype(np.int64) @ np.array(LIBJPEG_GRAY_WEIGHTS, dtype=np.int64)
    return ((total + 32768) >> 16).astype(np.uint8)[..., None]


def encode_jpeg(input: object | list[object], quality: int = 75) -> Tensor | list[Tensor]:
    """The bytes of a JPEG file holding ``input``, as a 1-D ``uint8`` tensor; a list gives a list.

    Args:
        input: a ``uint8 (C, H, W)`` image with 1 (grey) or 3 (RGB) channels, tensor or array,
            or a non-empty list of them.
        quality: 1 (smallest) to 100 (best); libjpeg's scaling of its standard tables,
            baseline, 4:2:0 chroma subsampling for RGB, as torchvision writes.

    Raises:
        ImportError: Pillow is not installed (the message gives the install command).
        ValueError: a quality outside 1-100, an empty list.
        RuntimeError: a dtype other than ``uint8``, a shape other than ``(C, H, W)`` with ``C`` 1 or 3.

    Example:
        >>> jpeg = encode_jpeg(np.zeros((1, 4, 4), dtype=np.uint8), quality=90)
        >>> bytes(jpeg.numpy()[:3])
        b'\\xff\\xd8\\xff'
    """
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 100:
        raise ValueError(f"encode_jpeg: quality must be an integer between 1 and 100, got {quality!r}")
    if isinstance(input, list):
        if not input:
            raise ValueError("encode_jpeg: the input list is empty; give at least one image")
        return [encode_one(item, quality) for item in input]
    return encode_one(input, quality)


def encode_one(input: object, quality: int) -> Tensor:
    """One ``uint8 (C, H, W)`` image → its JPEG bytes, ``quality`` already checked."""
    image = input.array if isinstance(input, tt_tensor.Tensor) else np.asarray(input)
    if image.dtype != np.uint8:
        raise RuntimeError(
            f"encode_jpeg: the image must be uint8, got {image.dtype}; convert it first "
            "(e.g. convert_image_dtype(image, tt.uint8) for a float image in [0, 1])"
        )
    if image.ndim != 3 or image.shape[0] not in (1, 3) or 0 in image.shape:
        raise RuntimeError(
            f"encode_jpeg: the image must be (C, H, W) with C 1 (grey) or 3 (RGB) and H, W > 0, "
            f"got shape {image.shape}"
        )
    Image = pillow_image("encode_jpeg")
    pixels = np.ascontiguousarray(image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0))
    buffer = io.BytesIO()
    try:
        Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality)
    except (OSError, ValueError) as error:  # e.g. a side beyond JPEG's 65,535 pixels
        raise RuntimeError(f"encode_jpeg: libjpeg refused the {image.shape} image: {error}") from None
    return Tensor.from_array(np.frombuffer(buffer.getvalue(), dtype=np.uint8).copy())
