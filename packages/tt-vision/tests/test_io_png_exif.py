"""decode_png / decode_image with ``apply_exif_orientation=True``: the orientation of an ``eXIf`` chunk.

Files are our encoder's PNG with an ``eXIf`` chunk spliced in after ``IHDR`` (or after ``IDAT``),
holding a TIFF block built here by the TIFF 6.0 layout. Which blocks count follows torchvision
0.29.1 (libpng), printed in a scratch script from the same bytes: the first ``eXIf`` of at least 4
bytes starting ``II`` or ``MM`` before the pixel data; the first IFD0 entry tagged 0x0112 decides,
its first 2 value bytes if 1-8 (type unchecked); a read past the block's end gives no turn.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from tt_autograd import Tensor
from tt_vision.io import decode_image, decode_png, encode_png
from tt_vision.io.exif import tiff_orientation
from tt_vision.io.png_chunks import chunk

#: Each orientation's stored image turned upright (TIFF 6.0 tag 274: where row 0 and column 0 are shown).
UPRIGHT = {
    1: lambda a: a,
    2: lambda a: np.flip(a, 1),  # column 0 shown on the right
    3: lambda a: np.rot90(a, 2),
    4: lambda a: np.flip(a, 0),  # row 0 shown at the bottom
    5: lambda a: np.swapaxes(a, 0, 1),  # row 0 shown as the left column, column 0 at the top
    6: lambda a: np.rot90(a, 3),  # turned a quarter clockwise
    7: lambda a: np.rot90(np.swapaxes(a, 0, 1), 2),
    8: lambda a: np.rot90(a, 1),  # turned a quarter anticlockwise
}


def tiff_block(entries, order=b"MM", magic=42, directory=8) -> bytes:
    """A TIFF header and IFD0 of ``(tag, type, count, 4 value bytes)`` entries, in byte ``order``."""
    fmt = ">" if order == b"MM" else "<"
    head = order + struct.pack(fmt + "HI", magic, directory) + bytes(directory - 8)
    body = struct.pack(fmt + "H", len(entries))
    for tag, kind, count, value in entries:
        body += struct.pack(fmt + "HHI", tag, kind, count) + value
    return head + body + bytes(4)


def short(value: int, order=b"MM") -> bytes:
    """A SHORT in an entry's 4 value bytes (left-justified, as TIFF stores it)."""
    return struct.pack(">H" if order == b"MM" else "<H", value) + bytes(2)


def png_with(pixels: np.ndarray, *blocks: bytes, after_pixels: bool = False) -> np.ndarray:
    """Our encoder's file of ``pixels`` (H, W, C) with an ``eXIf`` chunk per block after ``IHDR``
    (or before ``IEND``)."""
    data = bytes(encode_png(Tensor.from_array(np.ascontiguousarray(pixels.transpose(2, 0, 1)))).numpy())
    extra = b"".join(chunk(b"eXIf", block) for block in blocks)
    at = len(data) - 12 if after_pixels else 8 + 25  # IEND is 12 bytes; the signature 8, IHDR 25
    return np.frombuffer(data[:at] + extra + data[at:], np.uint8)


@pytest.mark.parametrize("order", [b"MM", b"II"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_png_exif_orientation_turns_the_image_upright(rng, orientation, order):
    pixels = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    other = (0x0100, 3, 1, short(77, order))  # an entry before it (ImageWidth)
    data = png_with(pixels, tiff_block([other, (0x0112, 3, 1, short(orientation, order))], order))
    np.testing.assert_array_equal(decode_png(data).numpy().transpose(1, 2, 0), pixels)  # unless asked
    upright = UPRIGHT[orientation](pixels)
    np.testing.assert_array_equal(
        decode_png(data, apply_exif_orientation=True).numpy().transpose(1, 2, 0), upright
    )
    turned = decode_image(data, "GRAY", apply_exif_orientation=True).numpy()
    np.testing.assert_array_equal(turned[0], UPRIGHT[orientation](decode_png(data, "GRAY").numpy()[0]))


@pytest.mark.parametrize(
    ("block", "why"),
    [
        (tiff_block([(0x0112, 4, 1, struct.pack(">I", 6))]), "a LONG 6: its first two bytes are 0"),
        (tiff_block([(0x0112, 3, 1, short(9))]), "9 is no orientation"),
        (tiff_block([(0x0112, 3, 1, short(0))]), "0 is no orientation"),
        (tiff_block([(0x0112, 3, 1, short(6))], magic=43), "not TIFF's 42"),
        (tiff_block([(0x0112, 3, 1, short(6))])[:19], "the value's bytes cut off"),
        (b"MM\0*\0\0\0\x1a" + tiff_block([(0x0112, 3, 1, short(6))])[8:], "the directory at 26, the end"),
        (tiff_block([(0x0112, 3, 1, b"\0\0\0\x06")]), "the value right-justified: reads 0"),
        (
            tiff_block([(0x0112, 4, 1, struct.pack(">I", 6)), (0x0112, 3, 1, short(6))]),
            "the first tag decides",
        ),
        (tiff_block([(0x0111, 3, 1, short(6))]), "another tag"),
    ],
)
def test_png_exif_blocks_without_a_usable_orientation_leave_the_image(rng, block, why):
    pixels = rng.integers(0, 256, (4, 6, 1), dtype=np.uint8)
    assert tiff_orientation(block) == 1, why
    np.testing.assert_array_equal(
        decode_png(png_with(pixels, block), apply_exif_orientation=True).numpy()[0], pixels[..., 0]
    )


def test_png_exif_reads_what_torchvision_reads_of_odd_blocks(rng):
    """A block cut just after the value, a directory not at 8, a count of 2 and a repeated tag:
    the first tag's SHORT still counts."""
    assert tiff_orientation(tiff_block([(0x0112, 3, 1, short(6))])[:20]) == 6
    assert tiff_orientation(tiff_block([(0x0112, 3, 1, short(7))], directory=12)) == 7
    assert tiff_orientation(tiff_block([(0x0112, 3, 2, short(5, b"II"))], b"II")) == 5
    assert tiff_orientation(tiff_block([(0x0112, 3, 1, short(3)), (0x0112, 3, 1, short(6))])) == 3
    assert tiff_orientation(tiff_block([(0x0112, 4, 1, short(8))])) == 8  # a LONG: its first 2 bytes
    assert tiff_orientation(tiff_block([(0x0112, 4, 1, short(4, b"II"))], b"II")) == 4
    assert tiff_orientation(b"MI" + tiff_block([(0x0112, 3, 1, short(6))])[2:]) == 1


def test_png_exif_chunks_that_count_are_the_first_kept_one_before_the_pixels(rng):
    pixels = rng.integers(0, 256, (3, 5, 3), dtype=np.uint8)
    six, three = (tiff_block([(0x0112, 3, 1, short(o))]) for o in (6, 3))

    def upright(data):
        return decode_png(data, apply_exif_orientation=True).numpy().transpose(1, 2, 0)

    np.testing.assert_array_equal(upright(png_with(pixels, six, after_pixels=True)), pixels)  # after IDAT
    np.testing.assert_array_equal(upright(png_with(pixels, six, three)), np.rot90(pixels, 3))  # the first
    np.testing.assert_array_equal(
        upright(png_with(pixels, b"MM\0", three)), np.rot90(pixels, 2)
    )  # 3 bytes: dropped
    np.testing.assert_array_equal(upright(png_with(pixels, b"MM\0*", three)), pixels)  # 4 bytes: kept, no tag
    np.testing.assert_array_equal(upright(png_with(pixels, b"Exif" + six, three)), np.rot90(pixels, 2))
