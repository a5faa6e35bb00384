"""EXIF orientation: tag 0x0112 of a TIFF-structured EXIF block, and the flips and turns it asks for.

An EXIF block is a small TIFF file: a byte order (``II`` little-endian, ``MM`` big-endian), the
number 42, the offset of the first directory (IFD0), then that directory: a 2-byte count of
12-byte entries (tag, type, count, value or offset). The orientation is a SHORT (type 3) whose
value, 1 (upright) to 8, says how the stored pixels are flipped and turned (TIFF 6.0, tag 274).

PNG's ``eXIf`` chunk holds such a block as it is; JPEG's APP1 one behind ``Exif\\0\\0`` (read
by Pillow, :mod:`.jpeg`). Cost: a few reads of the block, and one ``O(H · W · C)`` copy to turn.
"""

from __future__ import annotations

import struct

#: The EXIF tag holding the orientation (1 upright … 8), read by ``apply_exif_orientation``.
ORIENTATION_TAG = 0x0112


def tiff_orientation(block: bytes) -> int:
    """The orientation in an EXIF block that starts with its TIFF header, 1 where it says none.

    As torchvision 0.29.1 reads a PNG's (``tools/parity/png_exif_torchvision.py``): the first IFD0
    entry tagged 0x0112 decides, the first 2 of its value bytes read as a SHORT, if 1-8, its type
    and count unchecked. Another value, no such entry, a byte order other than ``II``/``MM``, a
    number other than 42, or any read past the block's end (a truncated block) give 1, no turn.
    """
    order = {b"II": "<", b"MM": ">"}.get(bytes(block[:2]))

    def read(fmt: str, at: int) -> int:
        if at + struct.calcsize(fmt) > len(block):
            raise IndexError(at)
        return struct.unpack_from(order + fmt, block, at)[0]

    try:
        if order is None or read("H", 2) != 42:
            return 1
        directory = read("I", 4)
        for entry in range(read("H", directory)):
            place = directory + 2 + 12 * entry
            if read("H", place) == ORIENTATION_TAG:
                value = read("H", place + 8)  # as a SHORT, whatever type the entry names
                return value if 1 <= value <= 8 else 1
    except IndexError:
        return 1
    return 1


def orient(image, orientation: int):
    """``(H, W, C)`` turned upright for an EXIF orientation (1 upright, 2-8 flips and quarter turns)."""
    if orientation in (5, 6, 7, 8):
        image = image.transpose(1, 0, 2)  # 5: transposed; 6, 7, 8 add a flip below
    if orientation in (2, 3, 6, 7):
        image = image[:, ::-1]
    if orientation in (3, 4, 7, 8):
        image = image[::-1]
    return image
