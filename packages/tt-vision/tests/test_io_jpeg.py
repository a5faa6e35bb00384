"""tt_vision.io's JPEG through Pillow (the ``jpeg`` extra): decode_jpeg, encode_jpeg, write_jpeg, ImageFolder.

Needs Pillow (``pip install 'tt-vision[jpeg]'``; CI's test session installs the extra). Test files are
written here with Pillow. Expected values come from facts checked by hand: the JPEG markers' layout
(ITU T.81: SOF0's sampling factors, DQT's tables in zig-zag order), libjpeg's quality scaling of the
Annex K luminance table (``5000 / q`` below 50, ``200 - 2q`` above, rounded, clamped to 1-255 for a
baseline file), the EXIF orientations' meaning (TIFF 6.0's tag 274), and the CMYK rules torchvision
applies (stored samples as libjpeg gives them, RGB = c·k/255 rounded, grey from it by libjpeg's
weights). The file-by-file comparison with torchvision 0.29.1 is ``tools/parity/jpeg_torchvision.py``
(624 of 624 decodes identical, 24 of 24 encoded files byte-identical).
"""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from tt_autograd import Tensor
from tt_vision.datasets import ImageFolder
from tt_vision.io import (
    ImageReadMode,
    decode_image,
    decode_jpeg,
    encode_jpeg,
    read_file,
    read_image,
    write_jpeg,
    write_png,
)
from tt_vision.io.jpeg import convert

#: ITU T.81 Annex K's luminance table: its first six entries in zig-zag order, (0,0) (0,1) (1,0) (2,0)
#: (1,1) (0,2).
ANNEX_K_LUMA_START = np.array([16, 11, 12, 14, 12, 10])


def pillow_jpeg(pixels: np.ndarray, colour: str | None = None, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels, colour).save(buffer, "JPEG", **options)
    return buffer.getvalue()


def segment(data: bytes, marker: bytes) -> bytes:
    """The payload of the first ``marker`` segment (after its two length bytes)."""
    start = data.index(marker) + 2
    length = int.from_bytes(data[start : start + 2], "big")
    return data[start + 2 : start + length]


def smooth(rng, height, width, channels=3):
    """Gentle ramps plus a little noise, ``(H, W, C)`` uint8: what JPEG keeps within a few levels."""
    y, x = np.mgrid[0:height, 0:width]
    ramps = np.stack([x * 4 + 40, y * 3 + 60, (x + y) * 2 + 20], -1)[..., :channels]
    return np.clip(ramps + rng.integers(-3, 4, ramps.shape), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------- decoding


def test_decode_matches_pillows_pixels_and_the_image_it_holds(rng):
    pixels = smooth(rng, 24, 40)
    data = pillow_jpeg(pixels, quality=95, subsampling=0)
    image = decode_jpeg(Tensor.from_array(np.frombuffer(data, np.uint8).copy()))
    assert image.dtype == np.uint8 and image.shape == (3, 24, 40)
    np.testing.assert_array_equal(image.numpy(), np.asarray(Image.open(io.BytesIO(data))).transpose(2, 0, 1))
    assert np.abs(image.numpy().astype(int) - pixels.transpose(2, 0, 1)).max() <= 8  # lossy, but close
    np.testing.assert_array_equal(decode_jpeg(data, mode="RGB").numpy(), image.numpy())  # bytes work too


def test_gray_of_a_colour_file_is_its_luma_plane(rng):
    data = pillow_jpeg(smooth(rng, 17, 23) * 3, quality=80)  # strong colours: Y differs from RGB's grey
    ycbcr = Image.open(io.BytesIO(data))
    ycbcr.draft("YCbCr", None)  # libjpeg's planes without its colour conversion
    luma = np.asarray(ycbcr)[..., 0]
    gray = decode_jpeg(data, mode=ImageReadMode.GRAY).numpy()
    assert gray.shape == (1, 17, 23)
    np.testing.assert_array_equal(gray[0], luma)


def test_gray_file_in_every_mode(rng):
    pixels = smooth(rng, 9, 14, channels=1)[..., 0]
    data = pillow_jpeg(pixels, quality=90, progressive=True)
    unchanged = decode_jpeg(data).numpy()
    assert unchanged.shape == (1, 9, 14)
    np.testing.assert_array_equal(decode_jpeg(data, mode="gray").numpy(), unchanged)
    np.testing.assert_array_equal(decode_jpeg(data, mode="RGB").numpy(), np.repeat(unchanged, 3, axis=0))


def test_cmyk_file_as_torchvision_reads_it(rng):
    stored = rng.integers(0, 256, (6, 10, 4), dtype=np.uint8)
    data = pillow_jpeg(stored, "CMYK", quality=100)
    pillows = np.asarray(Image.open(io.BytesIO(data))).astype(np.int64)  # Pillow inverts Adobe's samples
    cmyk = decode_jpeg(data).numpy()
    np.testing.assert_array_equal(cmyk, (255 - pillows).transpose(2, 0, 1))
    c, m, y, k = cmyk.astype(np.float64)
    rgb = np.rint(np.stack([c, m, y]) * k / 255)  # c·k/255 is never halfway (255 is odd)
    np.testing.assert_array_equal(decode_jpeg(data, mode="RGB").numpy(), rgb)
    r, g, b = rgb
    gray = np.floor((19595 * r + 38470 * g + 7471 * b) / 65536 + 0.5)
    np.testing.assert_array_equal(decode_jpeg(data, mode="GRAY").numpy()[0], gray)
    assert {int(k.min()), int(k.max())} != {255}  # k varies: the product is exercised


def without_adobe_marker(data: bytes) -> bytes:
    """The file with its APP14 "Adobe" segment cut out (the rest of the header kept, then the scan)."""
    start = data.index(b"\xff\xee")
    assert data[start + 4 : start + 9] == b"Adobe"
    return data[:start] + data[start + 2 + int.from_bytes(data[start + 2 : start + 4], "big") :]


@pytest.mark.parametrize("mode", ["UNCHANGED", "RGB", "GRAY"])
def test_cmyk_file_without_adobe_marker_reads_as_with_it(rng, mode):
    """libjpeg takes a 4-channel file without the marker as CMYK too, and torchvision 0.29.1 returns the
    same stored samples for both (scratch: both files, three modes); Pillow 13 inverts both alike."""
    data = pillow_jpeg(rng.integers(0, 256, (6, 10, 4), dtype=np.uint8), "CMYK", quality=100)
    plain = without_adobe_marker(data)
    assert b"Adobe" not in plain and Image.open(io.BytesIO(plain)).mode == "CMYK"
    with_marker, without = decode_jpeg(data, mode=mode).numpy(), decode_jpeg(plain, mode=mode).numpy()
    assert with_marker.shape == without.shape == ({"UNCHANGED": 4, "RGB": 3, "GRAY": 1}[mode], 6, 10)
    np.testing.assert_array_equal(without, with_marker)
    if mode == "UNCHANGED":  # libjpeg's samples: 255 - Pillow's
        pillows = np.asarray(Image.open(io.BytesIO(plain))).transpose(2, 0, 1).astype(np.int64)
        np.testing.assert_array_equal(without, 255 - pillows)


def test_cmyk_conversions_round_at_every_product():
    """Every c·k (256 × 256), and two RGB triples whose luma lands just below / exactly on a half."""
    c, k = (grid.ravel() for grid in np.meshgrid(np.arange(256), np.arange(256), indexing="ij"))
    cmyk = np.stack([c, (c * 7 + k) % 256, (c * 13 + 3 * k) % 256, k], -1)
    cmyk = np.concatenate([cmyk, [[0, 62, 229, 255], [0, 52, 184, 255]]])  # k = 255: RGB = (c, m, y)
    rgb = np.rint(cmyk[:, :3] * cmyk[:, 3:] / 255)  # never halfway: 255 is odd
    luma = rgb @ np.array([19595, 38470, 7471])
    assert (cmyk[:, 0] * cmyk[:, 3] % 255 == 127).any()  # 127/255 rounds down, 128/255 up
    assert {32767, 32768} <= set(luma % 65536)  # a half minus 1/65536, and a half exactly
    pixels = cmyk.astype(np.uint8)[None]
    np.testing.assert_array_equal(convert(pixels, ImageReadMode.RGB)[0], rgb)
    np.testing.assert_array_equal(convert(pixels, ImageReadMode.GRAY)[0, :, 0], np.floor(luma / 65536 + 0.5))
    np.testing.assert_array_equal(convert(pixels, ImageReadMode.UNCHANGED), pixels)


#: Each EXIF orientation's upright image from the stored one (TIFF 6.0, tag 274), with NumPy's own names.
UPRIGHT = {
    1: lambda a: a,
    2: np.fliplr,
    3: lambda a: np.rot90(a, 2),
    4: np.flipud,
    5: lambda a: np.rot90(np.fliplr(a), 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: np.rot90(np.fliplr(a), -1),
    8: lambda a: np.rot90(a, 1),
}


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_turns_the_image_upright(rng, orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = pillow_jpeg(smooth(rng, 16, 24), quality=95, exif=exif)
    stored = decode_jpeg(data).numpy()
    assert stored.shape == (3, 16, 24)  # not applied unless asked
    upright = decode_jpeg(data, apply_exif_orientation=True).numpy()
    np.testing.assert_array_equal(upright, UPRIGHT[orientation](stored.transpose(1, 2, 0)).transpose(2, 0, 1))
    gray = decode_jpeg(data, mode="GRAY", apply_exif_orientation=True).numpy()
    assert gray.shape == (1,) + upright.shape[1:]


def test_file_without_exif_is_left_as_stored(rng):
    data = pillow_jpeg(smooth(rng, 8, 12), quality=90)
    np.testing.assert_array_equal(
        decode_jpeg(data, apply_exif_orientation=True).numpy(), decode_jpeg(data).numpy()
    )


def test_lists_decode_and_encode_file_by_file(rng):
    images = [smooth(rng, 8, 8).transpose(2, 0, 1), smooth(rng, 5, 9).transpose(2, 0, 1)[:1]]
    files = encode_jpeg([Tensor.from_array(np.ascontiguousarray(image)) for image in images], quality=90)
    assert isinstance(files, list) and len(files) == 2
    for one, image in zip(files, images):
        np.testing.assert_array_equal(one.numpy(), encode_jpeg(image, quality=90).numpy())
    decoded = decode_jpeg(files, mode="RGB")
    assert [tuple(d.shape) for d in decoded] == [(3, 8, 8), (3, 5, 9)]
    np.testing.assert_array_equal(decoded[1].numpy(), decode_jpeg(files[1], mode="RGB").numpy())
    with pytest.raises(ValueError, match="decode_jpeg: the input list is empty"):
        decode_jpeg([])
    with pytest.raises(ValueError, match="encode_jpeg: the input list is empty"):
        encode_jpeg([])


@pytest.mark.parametrize(
    ("data", "options", "error", "message"),
    [
        (b"\xff\xd8\xff", {"mode": "RGB_ALPHA"}, RuntimeError, "mode RGB_ALPHA is not supported for JPEG"),
        (b"\xff\xd8\xff", {"mode": ImageReadMode.GRAY_ALPHA}, RuntimeError, "GRAY_ALPHA is not supported"),
        (b"\xff\xd8\xff", {"mode": "CMYK"}, ValueError, "decode_jpeg: mode must be an ImageReadMode"),
        (b"\xff\xd8\xff", {"device": "cuda"}, ValueError, "CPU only, got device='cuda'"),
        (b"not a jpeg", {}, RuntimeError, r"decode_jpeg: cannot decode these 10 bytes as JPEG \(first"),
        (np.zeros((2, 3), np.uint8), {}, TypeError, "decode_jpeg: expects the file's bytes as a 1-D uint8"),
    ],
)
def test_decode_refuses_bad_input(data, options, error, message):
    with pytest.raises(error, match=message):
        decode_jpeg(data, **options)


def test_truncated_and_png_files_are_refused(rng):
    data = pillow_jpeg(smooth(rng, 64, 64), quality=90)
    with pytest.raises(RuntimeError, match="decode_jpeg: cannot decode these 200 bytes"):
        decode_jpeg(data[:200])
    png = io.BytesIO()
    Image.fromarray(smooth(rng, 4, 4)).save(png, "PNG")
    with pytest.raises(RuntimeError, match=r"as JPEG \(first bytes b'\\x89PNG'\)"):
        decode_jpeg(png.getvalue())


# ---------------------------------------------------------------------------- encoding


@pytest.mark.parametrize(
    ("quality", "scale"), [(1, 5000), (10, 500), (50, 100), (75, 50), (90, 20), (100, 0)]
)
def test_quality_scales_the_annex_k_table_as_libjpeg(rng, quality, scale):
    data = bytes(encode_jpeg(smooth(rng, 8, 8).transpose(2, 0, 1), quality=quality).numpy())
    table = np.frombuffer(segment(data, b"\xff\xdb"), np.uint8)
    assert table[0] == 0  # 8-bit precision, table 0 (luminance)
    expected = np.clip((ANNEX_K_LUMA_START * scale + 50) // 100, 1, 255)
    np.testing.assert_array_equal(table[1:7], expected)


def test_encoded_file_is_baseline_with_torchvisions_layout(rng):
    colour = bytes(encode_jpeg(smooth(rng, 5, 7).transpose(2, 0, 1)).numpy())
    frame = segment(colour, b"\xff\xc0")  # SOF0: baseline
    assert frame[:6] == bytes([8, 0, 5, 0, 7, 3])  # precision, height, width, components
    assert [frame[6 + 3 * i + 1] for i in range(3)] == [0x22, 0x11, 0x11]  # 4:2:0, as libjpeg's defaults
    grey = bytes(encode_jpeg(np.zeros((1, 3, 2), np.uint8)).numpy())
    assert segment(grey, b"\xff\xc0")[:6] == bytes([8, 0, 3, 0, 2, 1])
    assert colour[:2] == b"\xff\xd8" and colour[-2:] == b"\xff\xd9"
    assert b"\xff\xc2" not in colour  # not progressive


def test_round_trip_error_falls_with_quality(rng):
    image = smooth(rng, 32, 32).transpose(2, 0, 1)
    errors = [
        np.abs(decode_jpeg(encode_jpeg(image, quality=q)).numpy().astype(int) - image).mean()
        for q in (5, 50, 100)
    ]
    assert errors[0] > errors[1] > errors[2] and errors[2] < 1.5
    flat = np.full((1, 16, 16), 173, np.uint8)
    np.testing.assert_array_equal(decode_jpeg(encode_jpeg(flat, quality=100)).numpy(), flat)


@pytest.mark.parametrize(
    ("image", "quality", "error", "message"),
    [
        (np.zeros((3, 4, 4), np.uint8), 0, ValueError, "quality must be an integer between 1 and 100, got 0"),
        (np.zeros((3, 4, 4), np.uint8), 101, ValueError, "got 101"),
        (np.zeros((3, 4, 4), np.uint8), 50.0, ValueError, "got 50.0"),
        (np.zeros((3, 4, 4), np.uint8), True, ValueError, "got True"),
        (
            np.zeros((3, 4, 4), np.float32),
            75,
            RuntimeError,
            "encode_jpeg: the image must be uint8, got float32",
        ),
        (np.zeros((4, 4), np.uint8), 75, RuntimeError, r"C 1 \(grey\) or 3 \(RGB\).*got shape \(4, 4\)"),
        (np.zeros((2, 4, 4), np.uint8), 75, RuntimeError, r"got shape \(2, 4, 4\)"),
        (np.zeros((4, 4, 4), np.uint8), 75, RuntimeError, r"got shape \(4, 4, 4\)"),
        (np.zeros((3, 0, 4), np.uint8), 75, RuntimeError, r"H, W > 0, got shape \(3, 0, 4\)"),
        (np.zeros((1, 1, 70000), np.uint8), 75, RuntimeError, r"libjpeg refused the \(1, 1, 70000\) image"),
    ],
)
def test_encode_refuses_bad_input(image, quality, error, message):
    with pytest.raises(error, match=message):
        encode_jpeg(image, quality=quality)


# ---------------------------------------------------------------------------- files and folders


def test_write_jpeg_then_read_image_and_decode_image(tmp_path, rng):
    image = smooth(rng, 12, 20).transpose(2, 0, 1)
    path = tmp_path / "photo.jpg"
    assert write_jpeg(Tensor.from_array(np.ascontiguousarray(image)), path, quality=90) is None
    np.testing.assert_array_equal(read_file(path).numpy(), encode_jpeg(image, quality=90).numpy())
    decoded = read_image(path, ImageReadMode.RGB).numpy()
    np.testing.assert_array_equal(decoded, decode_jpeg(read_file(path)).numpy())
    np.testing.assert_array_equal(
        decode_image(str(path), "GRAY").numpy(), decode_jpeg(path.read_bytes(), "GRAY").numpy()
    )
    with pytest.raises(RuntimeError, match="GRAY_ALPHA is not supported for JPEG"):
        decode_image(read_file(path), ImageReadMode.GRAY_ALPHA)
    exif = Image.Exif()
    exif[0x0112] = 6
    (tmp_path / "turned.jpg").write_bytes(pillow_jpeg(image.transpose(1, 2, 0), quality=90, exif=exif))
    assert read_image(tmp_path / "turned.jpg", apply_exif_orientation=True).shape == (3, 20, 12)


def test_image_folder_reads_jpeg_and_png_with_its_default_loader(tmp_path, rng):
    for name in ("cat", "dog"):
        (tmp_path / name).mkdir()
    write_png(smooth(rng, 6, 6).transpose(2, 0, 1), tmp_path / "cat" / "a.png")
    write_jpeg(smooth(rng, 6, 6).transpose(2, 0, 1)[:1], tmp_path / "dog" / "b.JPG")
    write_jpeg(smooth(rng, 6, 6).transpose(2, 0, 1), tmp_path / "dog" / "c.jpeg")
    folder = ImageFolder(tmp_path)
    assert [target for _, target in folder.samples] == [0, 1, 1]
    grey, target = folder[1]
    assert target == 1 and grey.shape == (3, 6, 6)  # RGB, the grey file's channel repeated
    np.testing.assert_array_equal(grey.numpy(), decode_jpeg(read_file(folder.samples[1][0]), "RGB").numpy())


# ---------------------------------------------------------------------------- without Pillow


@pytest.fixture
def no_pillow(monkeypatch):
    """``import PIL`` fails, as in an install without the ``jpeg`` extra."""
    for name in [name for name in sys.modules if name == "PIL" or name.startswith("PIL.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "PIL", None)


def test_without_pillow_each_function_names_itself_and_the_install(no_pillow, tmp_path, rng):
    jpeg_bytes = b"\xff\xd8\xff\xe0" + bytes(16)
    install = r"pip install 'tt-vision\[jpeg\]'"
    with pytest.raises(ImportError, match=f"decode_jpeg: JPEG files need Pillow.*{install}"):
        decode_jpeg(jpeg_bytes)
    with pytest.raises(ImportError, match=f"decode_jpeg: .*{install}"):
        decode_image(jpeg_bytes)
    with pytest.raises(ImportError, match=f"encode_jpeg: .*{install}"):
        encode_jpeg(np.zeros((3, 2, 2), np.uint8))
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "a.jpg").write_bytes(jpeg_bytes)
    with pytest.raises(ImportError, match=f"ImageFolder: .*{install}"):
        ImageFolder(tmp_path)
    write_png(np.zeros((1, 2, 2), np.uint8), tmp_path / "cat" / "a.png")
    assert len(ImageFolder(tmp_path, is_valid_file=lambda p: p.endswith(".png"))) == 1  # PNG needs nothing


def test_importing_tt_vision_io_does_not_import_pillow():
    code = "import sys; import tt_vision.io, tt_vision.datasets; print('PIL' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
