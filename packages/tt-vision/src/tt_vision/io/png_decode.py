"""``decode_png``: a PNG file's bytes → a ``(C, H, W)`` image tensor, like ``torchvision.io.decode_png``.

The steps, each a few NumPy operations over the whole image:

1. split the file into chunks, checking every CRC (:mod:`.png_chunks`);
2. inflate the joined ``IDAT`` data with ``zlib``;
3. undo the scanline filters (:mod:`.png_filters`) — per Adam7 pass if interlaced;
4. unpack the samples: 1, 2 and 4-bit samples are shifted out of their bytes,
   16-bit ones read big-endian; interlaced passes are scattered into the
   image with strided slices;
5. convert to the requested :class:`~tt_vision.io.ImageReadMode`.

Values follow torchvision 0.28 (libpng), checked against it: grey samples of
1, 2 or 4 bits are scaled to 0–255, palette images expand to RGB (RGBA when
they have a ``tRNS`` chunk) in every mode but ``UNCHANGED``, a ``tRNS`` colour
key on a grey or RGB image is ignored, as torchvision does.

Cost: ``O(H · W · C)`` NumPy work in ``H`` steps (``H + W`` with Average or Paeth
rows, as photographs saved by most encoders have).
"""

from __future__ import annotations

import zlib

import numpy as np
from tt_autograd import Tensor

from .exif import orient, tiff_orientation
from .png_chunks import Header, PNGContents, read_chunks
from .png_filters import unfilter
from .read_mode import ImageReadMode, as_encoded_bytes, as_read_mode

#: Adam7's passes: (first column, first row, column step, row step).
ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))

#: libpng's RGB → grey weights for torchvision's 0.2989, 0.587 (and the rest for blue), in 1/32768ths.
GRAY_WEIGHTS = (9794, 19234, 3740)


def decode_png(
    input: object, mode: ImageReadMode | str = ImageReadMode.UNCHANGED, apply_exif_orientation: bool = False
) -> Tensor:
    """Decode a PNG file's bytes into an image tensor ``(C, H, W)``.

    Args:
        input: the file's bytes, a 1-D ``uint8`` tensor (as :func:`read_file` returns) or ``bytes``.
        mode: the channels wanted (:class:`ImageReadMode` or its name); ``UNCHANGED`` keeps the file's.
        apply_exif_orientation: turn the image upright as the orientation in its ``eXIf`` chunk says
            (:func:`.exif.tiff_orientation`; torchvision reads the first one before the pixel data).

    Returns:
        ``uint8 (C, H, W)``; for a 16-bit file ``int32 (C, H, W)`` holding 0–65535, in
        every mode (``GRAY`` and ``RGB`` too). torchvision (0.21 on) gives ``uint16``, a dtype
        TinyTorch does not have, also in every mode; the values are the same (20 of 20 decodes
        of 16-bit grey, grey + alpha, RGB and RGBA files in the five modes, torchvision 0.29.1).
        Neither scales to 8 bits: ``convert_image_dtype`` or ``// 257`` does.

    Differences from torchvision, where its output is not a meaningful image: a
    palette file with bit depth below 8 gives its unpacked indices under
    ``UNCHANGED`` (torchvision returns the packed bytes); alpha added to a file
    without one is fully opaque (torchvision 0.29.1 gives 1, 3 or 15 for 1, 2,
    4-bit grey files and garbled channels for palette files without ``tRNS``).

    Raises:
        RuntimeError: not a PNG, truncated, a CRC mismatch, corrupt compressed data.

    Example:
        >>> from tt_vision.io import decode_png, encode_png
        >>> image = Tensor.from_array(np.arange(12, dtype=np.uint8).reshape(1, 3, 4))
        >>> bool((decode_png(encode_png(image)).numpy() == image.numpy()).all())
        True
    """
    mode = as_read_mode(mode, "decode_png")
    contents = read_chunks(as_encoded_bytes(input, "decode_png"))
    image = convert(decode_samples(contents.header, contents.idat), contents, mode)
    if apply_exif_orientation and contents.exif is not None:
        image = orient(image, tiff_orientation(contents.exif))
    if image.dtype == np.uint16:
        image = image.astype(np.int32)
    return Tensor.from_array(np.ascontiguousarray(image.transpose(2, 0, 1)))


def decode_samples(header: Header, idat: bytes) -> np.ndarray:
    """The stored samples ``(H, W, channels)``: ``uint16`` for 16-bit files, else ``uint8``, unscaled."""
    try:
        raw = zlib.decompress(idat)
    except zlib.error as error:
        raise RuntimeError(
            f"decode_png: the compressed pixel data is corrupt or truncated ({error})"
        ) from None
    passes = ADAM7 if header.interlaced else ((0, 0, 1, 1),)
    sizes = [(-(-(header.width - x) // dx), -(-(header.height - y) // dy)) for x, y, dx, dy in passes]
    needed = sum(h * (1 + header.row_bytes(w)) for w, h in sizes if w and h)
    if len(raw) < needed:
        raise RuntimeError(
            f"decode_png: the pixel data holds {len(raw)} bytes, a {header.width}×{header.height} image of "
            f"{header.bits_per_pixel} bits per pixel needs {needed}; the file is truncated or corrupt"
        )
    dtype = np.uint16 if header.bit_depth == 16 else np.uint8
    image = np.empty((header.height, header.width, header.channels), dtype=dtype)
    start = 0
    for (x, y, dx, dy), (width, height) in zip(passes, sizes):
        if not (width and height):
            continue  # a small image leaves some Adam7 passes empty: they have no scanlines at all
        length = height * (1 + header.row_bytes(width))
        scanlines = np.frombuffer(raw, np.uint8, length, start).reshape(height, -1)
        start += length
        rows = unfilter(scanlines, max(1, header.bits_per_pixel // 8))
        image[y::dy, x::dx] = unpack(rows, header, width)
    return image


def unpack(rows: np.ndarray, header: Header, width: int) -> np.ndarray:
    """Samples ``(H, width, channels)`` from decoded scanline bytes ``(H, row_bytes)``."""
    depth, height = header.bit_depth, len(rows)
    if depth == 16:
        return rows.view(">u2").astype(np.uint16).reshape(height, width, header.channels)
    if depth == 8:
        return rows.reshape(height, width, header.channels)
    shifts = np.arange(8 - depth, -1, -depth, dtype=np.uint8)  # first sample in the highest bits
    samples = (rows[:, :, None] >> shifts) & np.uint8((1 << depth) - 1)
    return samples.reshape(height, -1)[:, :width, None]


def convert(samples: np.ndarray, contents: PNGContents, mode: ImageReadMode) -> np.ndarray:
    """The stored samples ``(H, W, C)`` in the channels ``mode`` asks for."""
    header = contents.header
    if header.color_type == 3:
        if mode is ImageReadMode.UNCHANGED:
            return samples
        samples = expand_palette(samples[..., 0], contents.palette, contents.transparency)
    elif header.bit_depth < 8:
        samples = samples * np.uint8(255 // ((1 << header.bit_depth) - 1))  # 1 → 255, 2 → 85, 4 → 17 per step
    if mode is ImageReadMode.UNCHANGED:
        return samples
    opaque = np.iinfo(samples.dtype).max
    colour, alpha = samples[..., :3] if samples.shape[2] >= 3 else samples[..., :1], None
    if samples.shape[2] in (2, 4):
        alpha = samples[..., -1:]
    if mode in (ImageReadMode.GRAY, ImageReadMode.GRAY_ALPHA):
        colour = to_gray(colour)
    elif colour.shape[2] == 1:
        colour = np.repeat(colour, 3, axis=2)
    if mode in (ImageReadMode.GRAY, ImageReadMode.RGB):
        return colour
    if alpha is None:
        alpha = np.full(colour.shape[:2] + (1,), opaque, dtype=colour.dtype)
    return np.concatenate([colour, alpha], axis=2)


def expand_palette(indices: np.ndarray, palette: bytes | None, transparency: bytes | None) -> np.ndarray:
    """Palette indices ``(H, W)`` → RGB ``(H, W, 3)``, or RGBA when the file has a ``tRNS`` chunk."""
    if not palette or len(palette) % 3:
        raise RuntimeError(
            f"decode_png: a palette image needs a PLTE chunk of whole RGB triples, got "
            f"{'none' if palette is None else f'{len(palette)} bytes'}; the file is corrupt"
        )
    colours = np.frombuffer(palette, np.uint8).reshape(-1, 3)
    if transparency is not None:
        alpha = np.full((len(colours), 1), 255, dtype=np.uint8)
        alpha[: len(transparency), 0] = np.frombuffer(transparency, np.uint8)[: len(colours)]
        colours = np.concatenate([colours, alpha], axis=1)
    if indices.max() >= len(colours):
        raise RuntimeError(
            f"decode_png: palette index {int(indices.max())} is beyond the {len(colours)}-colour palette; "
            "the file is corrupt"
        )
    return colours[indices]


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """RGB ``(H, W, 3)`` → grey ``(H, W, 1)``, libpng's integer weights (8-bit truncates, 16-bit rounds)."""
    if rgb.shape[2] == 1:
        return rgb
    total = rgb.astype(np.int64) @ np.array(GRAY_WEIGHTS, dtype=np.int64)
    if rgb.dtype == np.uint16:
        total += 1 << 14
    return (total >> 15).astype(rgb.dtype)[..., None]
