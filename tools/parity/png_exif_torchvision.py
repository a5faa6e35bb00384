"""tt_vision.io's PNG EXIF orientation against torchvision.io's (libpng), file by file (opt-in).

Needs a Python with torchvision's compiled image ops and NumPy, and TinyTorch's packages on
``PYTHONPATH``; run from the repository root::

    PYTHONPATH=$(ls -d $PWD/packages/*/src | paste -sd:) python tools/parity/png_exif_torchvision.py

It writes PNG files (tt_vision's encoder, 1 to 4 channels) with ``eXIf`` chunks spliced in
before or after the pixel data: orientations 0-9 in both byte orders, as a SHORT and as a
LONG, after another entry; the same block cut at every length; a too-short, a 4-byte, an
``Exif``-prefixed and a repeated chunk before a valid one. It decodes each with both libraries
under ``apply_exif_orientation=True``, prints how many decodes are identical, and exits 1 on
any difference.
"""

from __future__ import annotations

import struct
import sys

import numpy as np
import torch
import torchvision.io as tv_io
import tt_vision.io as tt_io
from tt_vision.io.png_chunks import chunk


def tiff_block(entries, order: bytes = b"MM") -> bytes:
    """A TIFF header and IFD0 of ``(tag, type, count, 4 value bytes)`` entries."""
    fmt = ">" if order == b"MM" else "<"
    body = b"".join(struct.pack(fmt + "HHI", tag, kind, count) + value for tag, kind, count, value in entries)
    return order + struct.pack(fmt + "HIH", 42, 8, len(entries)) + body + bytes(4)


def short(value: int, order: bytes = b"MM") -> bytes:
    return struct.pack(">H" if order == b"MM" else "<H", value) + bytes(2)


def with_exif(pixels: np.ndarray, blocks: list, after_pixels: bool) -> bytes:
    """Our encoder's PNG of ``pixels`` (C, H, W) with one ``eXIf`` chunk per block."""
    data = bytes(tt_io.encode_png(pixels).numpy())
    extra = b"".join(chunk(b"eXIf", block) for block in blocks)
    at = len(data) - 12 if after_pixels else 8 + 25  # before IEND, or after IHDR
    return data[:at] + extra + data[at:]


def block_sets() -> list:
    sets = []
    for orientation in range(10):
        for order in (b"MM", b"II"):
            for kind in (3, 4):
                width = (0x0100, 3, 1, short(5, order))
                sets.append([tiff_block([width, (0x0112, kind, 1, short(orientation, order))], order)])
    six, three = tiff_block([(0x0112, 3, 1, short(6))]), tiff_block([(0x0112, 3, 1, short(3))])
    sets += [[six[:n]] for n in range(2, len(six))]
    sets += [[b"MM\0", six], [b"MM\0*", six], [b"Exif\0\0" + six, three], [six, three]]
    return sets


def main() -> int:
    rng = np.random.default_rng(0)
    decodes = same = 0
    for blocks in block_sets():
        for after_pixels in (False, True):
            for channels in (1, 2, 3, 4):
                pixels = rng.integers(0, 256, (channels, 3, 5), dtype=np.uint8)
                data = with_exif(pixels, blocks, after_pixels)
                theirs = tv_io.decode_png(
                    torch.frombuffer(bytearray(data), dtype=torch.uint8), apply_exif_orientation=True
                ).numpy()
                ours = tt_io.decode_png(data, apply_exif_orientation=True).numpy()
                decodes += 1
                if ours.shape == theirs.shape and (ours == theirs).all():
                    same += 1
                else:
                    print(f"differs: blocks {blocks}, after the pixels {after_pixels}, {channels} channels")
    print(f"decode_png with apply_exif_orientation=True: {same} of {decodes} decodes identical")
    return 0 if same == decodes else 1


if __name__ == "__main__":
    sys.exit(main())
