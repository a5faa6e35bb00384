"""tt_vision.io: PNG decoding and encoding (torchvision.io), checked on files built here by the spec.

Reference files are built in the test by ``build_png``: samples packed and filtered byte by byte exactly as
the PNG specification writes it (a slow, obvious reference), any filter type per row, Adam7 interlacing,
palettes and tRNS. Facts marked "torchvision 0.29.1" were printed by decoding the same bytes with
torchvision.io in a scratch script (its decoder is libpng); the full comparison (620 decodes of 156 files,
every colour type, bit depth, mode, interlaced or not: identical) is in the session-36 report.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from tt_autograd import Tensor
from tt_vision.io import (
    ImageReadMode,
    decode_image,
    decode_png,
    encode_png,
    read_file,
    read_image,
    write_file,
    write_png,
)
from tt_vision.io.png_filters import filter_rows, unfilter

ADAM7_PASSES = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)


def paeth_of(a, b, c):
    """The specification's Paeth predictor, written as its pseudo-code (one byte)."""
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_scanline(kind, row, above, bpp):
    """One scanline filtered with ``kind``, byte by byte as the specification writes it."""
    out = bytearray([kind])
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = above[i]
        c = above[i - bpp] if i >= bpp else 0
        predictor = (0, a, b, (a + b) // 2, paeth_of(a, b, c))[kind]
        out.append((x - predictor) % 256)
    return bytes(out)


def pack_rows(samples, depth):
    """Samples (h, w, C) as scanline bytes: 16-bit big-endian, sub-byte samples packed high bits first."""
    h, w, c = samples.shape
    if depth == 16:
        return [samples[r].astype(">u2").tobytes() for r in range(h)]
    if depth == 8:
        return [samples[r].astype(np.uint8).tobytes() for r in range(h)]
    per_byte = 8 // depth
    rows = []
    for r in range(h):
        values = list(samples[r, :, 0]) + [0] * (-w % per_byte)
        rows.append(
            bytes(
                sum(int(v) << (8 - depth * (k + 1)) for k, v in enumerate(values[i : i + per_byte]))
                for i in range(0, len(values), per_byte)
            )
        )
    return rows


def chunk_bytes(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def build_png(
    samples,
    depth,
    color_type,
    kinds=(0, 1, 2, 3, 4),
    interlaced=False,
    palette=None,
    trns=None,
    idat_pieces=1,
):
    """A PNG file built by definition: samples (h, w, C), each row filtered with the next of ``kinds``."""
    h, w, c = samples.shape
    bpp = max(1, c * depth // 8)
    passes = ADAM7_PASSES if interlaced else ((0, 0, 1, 1),)
    raw, n = bytearray(), 0
    for x, y, dx, dy in passes:
        sub = samples[y::dy, x::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        above = bytes(len(pack_rows(sub[:1], depth)[0]))
        for row in pack_rows(sub, depth):
            raw += filter_scanline(kinds[n % len(kinds)], row, above, bpp)
            above, n = row, n + 1
    data = zlib.compress(bytes(raw))
    parts = [
        data[i * len(data) // idat_pieces : (i + 1) * len(data) // idat_pieces] for i in range(idat_pieces)
    ]
    out = b"\x89PNG\r\n\x1a\n" + chunk_bytes(
        b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, int(interlaced))
    )
    if palette is not None:
        out += chunk_bytes(b"PLTE", bytes(palette))
    if trns is not None:
        out += chunk_bytes(b"tRNS", bytes(trns))
    for part in parts:
        out += chunk_bytes(b"IDAT", part)
    return out + chunk_bytes(b"IEND", b"")


COLOR_TYPES = {
    0: (1, (1, 2, 4, 8, 16)),
    2: (3, (8, 16)),
    3: (1, (1, 2, 4, 8)),
    4: (2, (8, 16)),
    6: (4, (8, 16)),
}
CASES = [(ct, depth) for ct, (_, depths) in COLOR_TYPES.items() for depth in depths]


def random_samples(rng, color_type, depth, height, width):
    channels = COLOR_TYPES[color_type][0]
    return rng.integers(0, 1 << depth, (height, width, channels))


def as_chw(samples):
    return np.asarray(samples).transpose(2, 0, 1)


# ---------------------------------------------------- every colour type, depth, filter, interlacing


@pytest.mark.parametrize(("color_type", "depth"), CASES)
@pytest.mark.parametrize("interlaced", [False, True])
def test_every_color_type_and_depth_decodes_to_its_samples(rng, color_type, depth, interlaced):
    for height, width in [(1, 1), (3, 2), (9, 11), (2, 19)]:  # small sizes leave some Adam7 passes empty
        samples = random_samples(rng, color_type, depth, height, width)
        palette = rng.integers(0, 256, 3 << depth).astype(np.uint8) if color_type == 3 else None
        data = build_png(samples, depth, color_type, interlaced=interlaced, palette=palette, idat_pieces=2)
        out = decode_png(Tensor.from_array(np.frombuffer(data, np.uint8).copy())).numpy()
        expected = as_chw(samples)
        if color_type == 0 and depth < 8:
            expected = expected * (255 // ((1 << depth) - 1))  # libpng scales 1/2/4-bit grey to 0-255
        assert out.dtype == (np.int32 if depth == 16 else np.uint8)
        np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("kinds", [(0,), (1,), (2,), (3,), (4,), (4, 3, 2, 1, 0), (2, 1, 0), (3, 0, 4)])
@pytest.mark.parametrize(("color_type", "depth"), [(0, 8), (2, 8), (6, 16), (4, 16), (0, 2)])
def test_each_filter_type_and_mix_is_undone(rng, kinds, color_type, depth):
    samples = random_samples(rng, color_type, depth, 7, 6)
    data = build_png(samples, depth, color_type, kinds=kinds)
    expected = as_chw(samples) * (255 // ((1 << depth) - 1) if depth < 8 else 1)
    np.testing.assert_array_equal(decode_png(data).numpy(), expected)


def test_paeth_and_average_rows_by_hand():
    # 2×3 grey image, bytes decoded by hand from the specification's formulas:
    #   row 0, Sub:     10, 10+5=15, 15+250=265%256=9
    #   row 1, Paeth:   x0: a=0,b=10,c=0 -> p=10, nearest b=10 -> 10+1=11
    #                   x1: a=11,b=15,c=10 -> p=16: |16-11|=5,|16-15|=1,|16-10|=6 -> b=15 -> 15+2=17
    #                   x2: a=17,b=9,c=15 -> p=11: 6, 2, 4 -> b=9 -> 9+3=12
    #   row 2, Average: (0+11)//2=5 -> 5+4=9; (9+17)//2=13 -> 13; (13+12)//2=12 -> 12+255=267%256=11
    scanlines = bytes([1, 10, 5, 250, 4, 1, 2, 3, 3, 4, 0, 255])
    header = struct.pack(">IIBBBBB", 3, 3, 8, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk_bytes(b"IHDR", header)
    data += chunk_bytes(b"IDAT", zlib.compress(scanlines)) + chunk_bytes(b"IEND", b"")
    np.testing.assert_array_equal(decode_png(data).numpy()[0], [[10, 15, 9], [11, 17, 12], [9, 13, 11]])


def test_interlaced_image_is_reassembled_from_its_passes(rng):
    samples = rng.integers(0, 256, (10, 9, 3))
    interlaced = decode_png(build_png(samples, 8, 2, interlaced=True)).numpy()
    plain = decode_png(build_png(samples, 8, 2, interlaced=False)).numpy()
    np.testing.assert_array_equal(interlaced, as_chw(samples))
    np.testing.assert_array_equal(plain, interlaced)


# ---------------------------------------------------------------------------- modes


def test_modes_on_rgb_match_torchvision():
    # torchvision 0.29.1 (libpng) gives GRAY [214, 129, 76, 29] for these four pixels (libpng truncates)
    samples = np.array([[[184, 232, 205], [78, 169, 61], [255, 0, 0], [0, 0, 255]]])
    data = build_png(samples, 8, 2)
    assert decode_png(data, ImageReadMode.GRAY).numpy().ravel().tolist() == [214, 129, 76, 29]
    gray_alpha = decode_png(data, "gray_alpha").numpy()
    assert gray_alpha[:, 0, 0].tolist() == [214, 255]
    rgba = decode_png(data, ImageReadMode.RGBA).numpy()
    np.testing.assert_array_equal(rgba[:3], as_chw(samples))
    assert rgba[3].ravel().tolist() == [255] * 4
    np.testing.assert_array_equal(decode_png(data, "RGB").numpy(), as_chw(samples))


def test_16_bit_gray_conversion_rounds_as_libpng():
    # torchvision 0.29.1 gives [31258, 26577, 0, 1]; by hand (9794 R + 19234 G + 3740 B + 16384) >> 15
    # (the last two: 9794 / 32768 = 0.30 rounds down, 18700 / 32768 = 0.57 rounds up)
    samples = np.array([[[1000, 40000, 65535], [30000, 30001, 2], [1, 0, 0], [0, 0, 5]]])
    out = decode_png(build_png(samples, 16, 2), ImageReadMode.GRAY).numpy()
    assert out.ravel().tolist() == [31258, 26577, 0, 1]
    alpha = decode_png(build_png(samples, 16, 2), ImageReadMode.RGB_ALPHA).numpy()[3]
    assert alpha.ravel().tolist() == [65535] * 4


def test_gray_and_gray_alpha_modes(rng):
    samples = rng.integers(0, 256, (4, 5, 2))
    data = build_png(samples, 8, 4)
    np.testing.assert_array_equal(decode_png(data, "GRAY").numpy(), as_chw(samples[..., :1]))
    rgb = decode_png(data, "RGB").numpy()
    np.testing.assert_array_equal(rgb, np.repeat(as_chw(samples[..., :1]), 3, axis=0))
    rgba = decode_png(data, "RGB_ALPHA").numpy()
    np.testing.assert_array_equal(rgba[3], samples[..., 1])
    np.testing.assert_array_equal(decode_png(data, "GRAY_ALPHA").numpy(), as_chw(samples))


def test_palette_with_transparency(rng):
    palette = np.array([10, 20, 30, 40, 50, 60, 70, 80, 90, 200, 100, 0], dtype=np.uint8)
    indices = np.array([[[0], [1], [2], [3]], [[3], [2], [1], [0]]])
    data = build_png(indices, 2, 3, palette=palette, trns=[0, 128])
    np.testing.assert_array_equal(decode_png(data).numpy(), as_chw(indices))  # UNCHANGED: the indices
    rgba = decode_png(data, "RGBA").numpy()
    colours = palette.reshape(4, 3)
    np.testing.assert_array_equal(rgba[:3], as_chw(colours[indices[..., 0]]))
    np.testing.assert_array_equal(
        rgba[3], [[0, 128, 255, 255], [255, 255, 128, 0]]
    )  # short tRNS: rest opaque
    assert decode_png(data, "GRAY").numpy()[0, 0].tolist() == [
        (9794 * 10 + 19234 * 20 + 3740 * 30) >> 15,
        (9794 * 40 + 19234 * 50 + 3740 * 60) >> 15,
        (9794 * 70 + 19234 * 80 + 3740 * 90) >> 15,
        118,  # torchvision 0.29.1 for (200, 100, 0)
    ]
    assert decode_png(data, "GRAY_ALPHA").numpy()[1, 0].tolist() == [0, 128, 255, 255]
    no_trns = decode_png(build_png(indices, 2, 3, palette=palette), "RGB_ALPHA").numpy()
    assert no_trns.shape == (4, 2, 4) and (no_trns[3] == 255).all()


def test_gray_alpha_from_low_depth_gray_is_opaque():
    data = build_png(np.array([[[0], [1]]]), 1, 0)
    assert decode_png(data, "GRAY_ALPHA").numpy()[:, 0].tolist() == [[0, 255], [255, 255]]


def test_trns_colour_key_on_gray_is_ignored_as_torchvision():
    data = build_png(np.array([[[7], [9]]]), 8, 0, trns=[0, 7])
    assert decode_png(data, "GRAY_ALPHA").numpy()[:, 0].tolist() == [[7, 9], [255, 255]]


def test_bad_mode_is_refused():
    data = build_png(np.zeros((1, 1, 1), int), 8, 0)
    with pytest.raises(ValueError, match="CMYK"):
        decode_png(data, "CMYK")
    with pytest.raises(TypeError, match="1-D uint8"):
        decode_png(np.zeros((2, 2), np.uint8))


# ---------------------------------------------------------------------------- encoding


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_encode_decode_round_trip_is_exact(rng, channels):
    for height, width in [(1, 1), (5, 3), (16, 33)]:
        image = np.cumsum(rng.integers(0, 6, (channels, height, width)), axis=2).astype(np.uint8)
        data = encode_png(Tensor.from_array(image))
        assert data.dtype.name == "uint8" and data.ndim == 1
        color_type = data.numpy()[25]
        assert color_type == {1: 0, 2: 4, 3: 2, 4: 6}[channels]
        np.testing.assert_array_equal(decode_png(data).numpy(), image)


def test_encoder_levels_and_filter_choice(rng):
    image = np.tile(np.arange(64, dtype=np.uint8) * 3, (3, 20, 1))  # a horizontal ramp
    smallest, largest = encode_png(image, 9).shape[0], encode_png(image, 0).shape[0]
    assert smallest < largest
    stored = 1 + 64 * 3  # level 0 stores each scanline uncompressed: the filter bytes can be read back
    raw = zlib.decompress(encode_png(image, 0).numpy()[8 + 25 + 8 : -12 - 4].tobytes())
    kinds = np.frombuffer(raw, np.uint8).reshape(20, stored)[:, 0]
    assert kinds.tolist() == [1] + [2] * 19  # the ramp: Sub on the first row, then Up (all zeros)


def test_filter_rows_picks_the_smallest_signed_residue():
    rows = np.array([[0, 0, 0, 0], [5, 10, 15, 20], [5, 10, 15, 20], [250, 3, 250, 3]], dtype=np.uint8)
    filtered = filter_rows(rows, 1)
    assert filtered[:, 0].tolist() == [0, 1, 2, 0]
    np.testing.assert_array_equal(filtered[1, 1:], [5, 5, 5, 5])
    np.testing.assert_array_equal(unfilter(filtered, 1), rows)
    pixels = np.array([[1, 2, 3, 4, 5, 6]], dtype=np.uint8)
    assert filter_rows(pixels, 3)[0].tolist() == [1, 1, 2, 3, 3, 3, 3]  # Sub, 3 bytes back: 15 < 21 for None
    # a tie by signed size (None: 144 -> 112, 200 -> 56; Sub: 144 -> 112, 56 -> 56) keeps the first: None
    assert filter_rows(np.array([[144, 200]], dtype=np.uint8), 1)[0].tolist() == [0, 144, 200]
    ramp = np.array([[10, 20, 11, 21, 12, 22]], dtype=np.uint8)
    assert filter_rows(ramp, 2)[0].tolist() == [1, 10, 20, 1, 1, 1, 1]  # Sub looks 2 bytes back


@pytest.mark.parametrize(
    ("image", "level", "message"),
    [
        (np.zeros((3, 2, 2), np.float32), 6, "uint8"),
        (np.zeros((2, 2), np.uint8), 6, r"\(C, H, W\)"),
        (np.zeros((5, 2, 2), np.uint8), 6, "C in 1-4"),
        (np.zeros((3, 0, 2), np.uint8), 6, "H, W > 0"),
        (np.zeros((3, 2, 2), np.uint8), 10, "0-9"),
        (np.zeros((3, 2, 2), np.uint8), -1, "0-9"),
    ],
)
def test_encode_refuses_bad_input(image, level, message):
    with pytest.raises(RuntimeError, match=message):
        encode_png(image, level)


# ---------------------------------------------------------------------------- corrupt files


def good_file():
    return build_png(np.arange(12).reshape(3, 4, 1), 8, 0)


def test_corrupt_crc_is_reported_by_chunk():
    data = bytearray(good_file())
    data[8 + 8 + 2] ^= 1  # a byte of IHDR's data
    with pytest.raises(RuntimeError, match=r"b'IHDR' at byte 8 fails its CRC"):
        decode_png(bytes(data))
    data = bytearray(good_file())
    data[-20] ^= 0x40  # inside IDAT
    with pytest.raises(RuntimeError, match="IDAT.*CRC"):
        decode_png(bytes(data))


@pytest.mark.parametrize("keep", [8, 20, 40, -12, -14, -1])  # -14: inside IDAT's CRC
def test_truncated_file_is_reported(keep):
    with pytest.raises(RuntimeError, match="truncated"):
        decode_png(good_file()[:keep])


def chunks_file(*chunks):
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunk_bytes(kind, body) for kind, body in chunks)


IHDR_8_GRAY = struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)


def test_bad_filter_type_names_its_scanline():
    # the Paeth row before it (type 4) is valid: the error names scanline 1
    pixels = zlib.compress(bytes([4, 1, 2, 5, 1, 2]))
    with pytest.raises(RuntimeError, match="scanline 1 has filter type 5"):
        decode_png(chunks_file((b"IHDR", IHDR_8_GRAY), (b"IDAT", pixels), (b"IEND", b"")))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a....", "not a PNG"),
        (chunks_file((b"IDAT", b""), (b"IEND", b"")), "must start with IHDR"),
        (chunks_file((b"IHDR", IHDR_8_GRAY), (b"IEND", b"")), "no IDAT"),
        (chunks_file((b"IHDR", IHDR_8_GRAY[:12]), (b"IEND", b"")), "13"),
        (
            chunks_file((b"IHDR", struct.pack(">IIBBBBB", 2, 2, 16, 3, 0, 0, 0)), (b"IEND", b"")),
            "bit depth 16",
        ),
        (
            chunks_file((b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 1, 0, 0, 0)), (b"IEND", b"")),
            "colour type 1",
        ),
        (chunks_file((b"IHDR", struct.pack(">IIBBBBB", 0, 2, 8, 0, 0, 0, 0)), (b"IEND", b"")), "size 0×2"),
        (chunks_file((b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 2)), (b"IEND", b"")), "interlace 2"),
        (
            chunks_file((b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 0, 1, 0, 0)), (b"IEND", b"")),
            "compression 1",
        ),
        (
            chunks_file((b"IHDR", IHDR_8_GRAY), (b"IDAT", b"not zlib"), (b"IEND", b"")),
            "compressed pixel data",
        ),
        (
            chunks_file((b"IHDR", IHDR_8_GRAY), (b"IDAT", zlib.compress(bytes(5))), (b"IEND", b"")),
            "holds 5 bytes",
        ),
        (
            chunks_file(
                (b"IHDR", IHDR_8_GRAY), (b"IDAT", zlib.compress(bytes([0, 1, 2, 5, 1, 2]))), (b"IEND", b"")
            ),
            "scanline 1 has filter type 5",
        ),
        (chunks_file((b"IHDR", IHDR_8_GRAY), (b"XXXX", b""), (b"IEND", b"")), "unknown critical chunk"),
    ],
)
def test_malformed_files_are_refused(data, message):
    with pytest.raises(RuntimeError, match=message):
        decode_png(data)


def test_palette_errors_and_ancillary_chunks():
    header = struct.pack(">IIBBBBB", 2, 1, 8, 3, 0, 0, 0)
    pixels = (b"IDAT", zlib.compress(bytes([0, 0, 2])))
    with pytest.raises(RuntimeError, match="PLTE"):
        decode_png(chunks_file((b"IHDR", header), pixels, (b"IEND", b"")), "RGB")
    with pytest.raises(RuntimeError, match="palette index 2 is beyond the 2-colour"):
        decode_png(chunks_file((b"IHDR", header), (b"PLTE", bytes(6)), pixels, (b"IEND", b"")), "RGB")
    with pytest.raises(RuntimeError, match="4 bytes"):
        decode_png(chunks_file((b"IHDR", header), (b"PLTE", bytes(4)), pixels, (b"IEND", b"")), "RGB")
    data = chunks_file(
        (b"IHDR", header), (b"tEXt", b"a\x00b"), (b"PLTE", bytes(range(9))), pixels, (b"IEND", b"")
    )
    assert decode_png(data, "RGB").numpy()[:, 0].tolist() == [[0, 6], [1, 7], [2, 8]]


# ---------------------------------------------------------------------------- files


def test_write_png_read_image_round_trip(tmp_path, rng):
    image = rng.integers(0, 256, (3, 6, 7)).astype(np.uint8)
    path = tmp_path / "image.png"
    write_png(Tensor.from_array(image), path)
    np.testing.assert_array_equal(read_image(path).numpy(), image)
    np.testing.assert_array_equal(
        decode_image(str(path), mode="GRAY").numpy(), decode_png(read_file(path), "GRAY").numpy()
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["image.png"]  # no temporary file left behind
    assert path.stat().st_mode & 0o777 == 0o644  # readable by others, as a plain open() would leave it


def test_write_file_replaces_atomically(tmp_path, monkeypatch):
    path = tmp_path / "data.bin"
    write_file(path, Tensor.from_array(np.array([1, 2, 3], np.uint8)))
    assert path.read_bytes() == b"\x01\x02\x03"
    write_file(path, np.array([9], np.uint8))
    assert path.read_bytes() == b"\x09"
    np.testing.assert_array_equal(read_file(path).numpy(), [9])

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_file(path, np.array([7, 7], np.uint8))
    assert path.read_bytes() == b"\x09" and sorted(p.name for p in tmp_path.iterdir()) == ["data.bin"]


@pytest.mark.parametrize(
    ("head", "name"),
    [
        (b"GIF89a", "GIF"),
        (b"MM\x00*", "TIFF"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WebP"),
        (b"BM", "BMP"),
    ],
)
def test_decode_image_names_other_formats(head, name):
    with pytest.raises(RuntimeError, match=f"a {name} file.*PNG"):
        decode_image(np.frombuffer(head + bytes(20), np.uint8))


def test_decode_image_unknown_format():
    with pytest.raises(RuntimeError, match="unknown image format"):
        decode_image(b"hello world")
    with pytest.raises(RuntimeError, match="unknown image format"):  # WEBP where WebP has it, but no RIFF
        decode_image(b"RIFX\x00\x00\x00\x00WEBPVP8 ")
