"""tt_vision.io's JPEG (through Pillow) against torchvision.io's (libjpeg-turbo), file by file (opt-in).

Needs a Python with torchvision's compiled image ops, Pillow and NumPy, and TinyTorch's
packages on ``PYTHONPATH``; run from the repository root::

    PYTHONPATH=$(ls -d $PWD/packages/*/src | paste -sd:) python tools/parity/jpeg_torchvision.py

It writes JPEG files with Pillow (sizes 1×1 to 199×301; 4:4:4, 4:2:2 and 4:2:0 chroma
subsampling; baseline and progressive; optimised Huffman tables with restart markers; grey;
CMYK; the eight EXIF orientations), decodes each with both libraries in every mode that
torchvision accepts for JPEG (UNCHANGED, GRAY, RGB; with and without apply_exif_orientation)
and prints how many decodes are identical, then encodes random images at qualities 1-100 with
both and prints how many files are byte-identical. Exit status 1 on any difference. Last, the
cost: the best time of 20 decodes and encodes of one 1024×768 RGB photograph-like image, each way.
"""

from __future__ import annotations

import io
import sys
import time
import warnings

import numpy as np
import torch
import torchvision.io as tv_io
import tt_vision.io as tt_io
from PIL import Image

warnings.filterwarnings("ignore", message=".*deprecated.*")  # torchvision 0.29 points at TorchCodec


def picture(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Gradients plus noise, ``uint8 (H, W, 3)``: detail in every 8×8 block."""
    y, x = np.mgrid[0:height, 0:width]
    ramps = np.stack([x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1), (x + y) * 7 % 256], -1)
    return np.clip(ramps + rng.integers(-40, 41, (height, width, 3)), 0, 255).astype(np.uint8)


def jpeg(pixels: np.ndarray, colour: str | None = None, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels, colour).save(buffer, "JPEG", **options)
    return buffer.getvalue()


def files() -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    made = {}
    for height, width in [(1, 1), (5, 7), (16, 16), (47, 33), (96, 128), (199, 301)]:
        for subsampling in (0, 1, 2):
            for progressive in (False, True):
                for quality in (30, 90):
                    made[f"rgb {height}x{width} sub{subsampling} prog{progressive:d} q{quality}"] = jpeg(
                        picture(rng, height, width),
                        quality=quality,
                        subsampling=subsampling,
                        progressive=progressive,
                    )
        for progressive in (False, True):
            made[f"grey {height}x{width} prog{progressive:d}"] = jpeg(
                picture(rng, height, width)[..., 0], quality=80, progressive=progressive
            )
        made[f"cmyk {height}x{width}"] = jpeg(rng.integers(0, 256, (height, width, 4), np.uint8), "CMYK")
        made[f"rgb {height}x{width} optimised, restarts"] = jpeg(
            picture(rng, height, width), quality=85, optimize=True, restart_marker_blocks=2
        )
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        made[f"orientation {orientation}"] = jpeg(picture(rng, 12, 20), quality=95, exif=exif)
    return made


def best_ms(function, repeat: int = 20) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * min(times)  # the least disturbed run: the machine may be shared


def timings() -> None:
    image = picture(np.random.default_rng(2), 768, 1024)
    data = jpeg(image, quality=90)
    theirs_bytes, theirs_image = torch.frombuffer(bytearray(data), dtype=torch.uint8), torch.from_numpy(image)
    chw = np.ascontiguousarray(image.transpose(2, 0, 1))
    rows = [
        ("decode RGB", lambda: tt_io.decode_jpeg(data), lambda: tv_io.decode_jpeg(theirs_bytes)),
        (
            "decode GRAY",
            lambda: tt_io.decode_jpeg(data, "GRAY"),
            lambda: tv_io.decode_jpeg(theirs_bytes, "GRAY"),
        ),
        (
            "encode q90",
            lambda: tt_io.encode_jpeg(chw, 90),
            lambda: tv_io.encode_jpeg(theirs_image.permute(2, 0, 1), 90),
        ),
    ]
    print(f"1024x768 RGB, {len(data)} bytes at quality 90; best of 20 runs (ms): tt_vision, torchvision")
    for label, ours, theirs in rows:
        print(f"  {label:12s} {best_ms(ours):7.2f} {best_ms(theirs):7.2f}")
    pillow_only = best_ms(lambda: np.asarray(Image.open(io.BytesIO(data))))
    print(f"  Pillow's decode alone, (H, W, C) as libjpeg gives it: {pillow_only:.2f} ms")


def main() -> int:
    decodes = same = 0
    for name, data in files().items():
        theirs_bytes = torch.frombuffer(bytearray(data), dtype=torch.uint8)
        for mode in ("UNCHANGED", "GRAY", "RGB"):
            for upright in (False, True):
                theirs = tv_io.decode_jpeg(theirs_bytes, mode=mode, apply_exif_orientation=upright).numpy()
                ours = tt_io.decode_jpeg(data, mode=mode, apply_exif_orientation=upright).numpy()
                decodes += 1
                if ours.shape == theirs.shape and (ours == theirs).all():
                    same += 1
                else:
                    print(f"differs: {name}, {mode}, apply_exif_orientation={upright}")
    print(f"decode_jpeg: {same} of {decodes} decodes identical")
    rng = np.random.default_rng(1)
    encodes = identical = 0
    for channels in (1, 3):
        for height, width in [(1, 1), (9, 13), (64, 48)]:
            image = rng.integers(0, 256, (channels, height, width), dtype=np.uint8)
            for quality in (1, 50, 75, 100):
                theirs = tv_io.encode_jpeg(torch.from_numpy(image), quality=quality).numpy()
                ours = tt_io.encode_jpeg(image, quality=quality).numpy()
                encodes += 1
                identical += theirs.tobytes() == ours.tobytes()
                if theirs.tobytes() != ours.tobytes():
                    print(f"encode differs: {channels}x{height}x{width} quality {quality}")
    print(f"encode_jpeg: {identical} of {encodes} files byte-identical")
    timings()
    return 0 if (same, identical) == (decodes, encodes) else 1


if __name__ == "__main__":
    sys.exit(main())
