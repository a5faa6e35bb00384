"""The PNG container: the signature, CRC-checked chunks, and the ``IHDR`` header.

A PNG file is an 8-byte signature followed by chunks, each::

    <length: 4 bytes, big-endian><type: 4 ASCII letters><data: length bytes><CRC-32 of type + data: 4 bytes>

``IHDR`` comes first (size, bit depth, colour type, interlace method), then
``PLTE`` (palette), ``tRNS`` (transparency), ``eXIf`` (EXIF, whose orientation
:mod:`.exif` reads), one or more ``IDAT`` (the zlib-compressed scanlines, to be
joined before inflating) and ``IEND``. Chunks
whose type starts with a lower-case letter are ancillary and skipped; an
unknown *critical* chunk (upper-case first letter) makes the file unreadable.
Every chunk's CRC is checked, so a corrupt byte is reported by chunk, not
discovered later as wrong pixels.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: Colour type → (channels per pixel, bit depths the specification allows).
COLOR_TYPES = {
    0: (1, (1, 2, 4, 8, 16)),  # grey
    2: (3, (8, 16)),  # RGB
    3: (1, (1, 2, 4, 8)),  # palette index
    4: (2, (8, 16)),  # grey + alpha
    6: (4, (8, 16)),  # RGB + alpha
}


@dataclass(frozen=True)
class Header:
    """The ``IHDR`` fields that decoding needs."""

    width: int
    height: int
    bit_depth: int
    color_type: int
    interlaced: bool

    @property
    def channels(self) -> int:
        """Samples per pixel as stored (a palette image stores one index)."""
        return COLOR_TYPES[self.color_type][0]

    @property
    def bits_per_pixel(self) -> int:
        return self.channels * self.bit_depth

    def row_bytes(self, width: int) -> int:
        """Bytes in one unfiltered scanline ``width`` pixels wide (without the filter-type byte)."""
        return (width * self.bits_per_pixel + 7) // 8


@dataclass
class PNGContents:
    """A file split into its parts: the header, the joined ``IDAT`` bytes, the palette and ``tRNS``."""

    header: Header
    idat: bytes
    palette: bytes | None
    transparency: bytes | None
    exif: bytes | None = None


def read_chunks(data: bytes) -> PNGContents:
    """Check the signature and every chunk's CRC; collect ``IHDR``, ``PLTE``, ``tRNS`` and the ``IDAT`` bytes.

    Raises:
        RuntimeError: not a PNG, a truncated file, a CRC mismatch, a bad header or
            an unknown critical chunk; the message names the chunk and its offset.
    """
    if data[:8] != SIGNATURE:
        raise RuntimeError(
            f"decode_png: not a PNG file (its first bytes are {bytes(data[:8])!r}, a PNG starts with "
            f"{SIGNATURE!r})"
        )
    position, header, idat, palette, transparency, exif = 8, None, [], None, None, None
    while True:
        if position + 12 > len(data):
            raise RuntimeError(
                f"decode_png: the file is truncated: it ends at byte {len(data)} before the IEND chunk; "
                "the download or copy was cut short, fetch the file again"
            )
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        end = position + 8 + length
        if end + 4 > len(data):
            raise RuntimeError(
                f"decode_png: the file is truncated inside chunk {kind!r} at byte {position} "
                f"({length} data bytes announced, {max(len(data) - position - 12, 0)} present); "
                "fetch the file again"
            )
        body = bytes(data[position + 8 : end])
        (stored_crc,) = struct.unpack(">I", data[end : end + 4])
        if zlib.crc32(kind + body) != stored_crc:
            raise RuntimeError(
                f"decode_png: chunk {kind!r} at byte {position} fails its CRC check "
                f"(stored {stored_crc:08x}, "
                f"computed {zlib.crc32(kind + body):08x}); the file is corrupt"
            )
        if header is None and kind != b"IHDR":
            raise RuntimeError(f"decode_png: the first chunk is {kind!r}, a PNG must start with IHDR")
        if kind == b"IHDR":
            header = parse_header(body)
        elif kind == b"PLTE":
            palette = body
        elif kind == b"tRNS":
            transparency = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"eXIf" and exif is None and not idat and is_exif_block(body):
            exif = body
        elif kind == b"IEND":
            break
        elif not kind[0:1].islower():
            raise RuntimeError(
                f"decode_png: unknown critical chunk {kind!r} at byte {position}; cannot decode"
            )
        position = end + 4
    if not idat:
        raise RuntimeError("decode_png: the file has no IDAT chunk (no pixel data)")
    return PNGContents(header, b"".join(idat), palette, transparency, exif)


def is_exif_block(body: bytes) -> bool:
    """Whether libpng keeps an ``eXIf`` chunk: at least 4 bytes, starting with a byte order ``II`` or ``MM``.

    torchvision's libpng drops a shorter or other one (a later ``eXIf`` may then count), and reads
    only one before the pixel data: the first kept, before the first ``IDAT``.
    """
    return len(body) >= 4 and body[:2] in (b"II", b"MM")


def parse_header(body: bytes) -> Header:
    """The ``IHDR`` chunk's 13 bytes, checked against the specification's allowed values."""
    if len(body) != 13:
        raise RuntimeError(f"decode_png: IHDR holds {len(body)} bytes, the specification says 13")
    width, height, depth, color, compression, filtering, interlace = struct.unpack(">IIBBBBB", body)
    if color not in COLOR_TYPES or depth not in COLOR_TYPES[color][1]:
        raise RuntimeError(
            f"decode_png: colour type {color} with bit depth {depth} is not a valid PNG combination "
            f"(allowed: {', '.join(f'type {c}: {d}' for c, (_, d) in COLOR_TYPES.items())})"
        )
    if width == 0 or height == 0 or compression != 0 or filtering != 0 or interlace > 1:
        raise RuntimeError(
            f"decode_png: invalid IHDR (size {width}×{height}, compression {compression}, filter method "
            f"{filtering}, interlace {interlace}); the size must be positive and the methods 0 "
            "(interlace 0 or 1)"
        )
    return Header(width, height, depth, color, interlace == 1)


def chunk(kind: bytes, body: bytes) -> bytes:
    """One chunk as stored: length, type, data, CRC-32 of type + data."""
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
