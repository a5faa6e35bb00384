"""tt_vision.utils: make_grid, save_image and the draw_* functions (torchvision.utils).

Expected values are computed by hand in the comments, or were printed by torchvision 0.29.1 / Pillow 13
in a scratch script (named "Pillow draws"); the full comparison (make_grid 31 cases identical, 60 random box
drawings identical, 20 mask blends identical, keypoint discs and 1-pixel lines identical) is in the report.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from tt_autograd import Tensor
from tt_vision.io import decode_png, read_image
from tt_vision.utils import (
    draw_bounding_boxes,
    draw_keypoints,
    draw_segmentation_masks,
    make_grid,
    save_image,
)
from tt_vision.utils.colors import default_palette, parse_color
from tt_vision.utils.raster import rectangle_outline, thin_line, wide_line


def T(array):
    return Tensor.from_array(np.asarray(array))


# ---------------------------------------------------------------------------- make_grid


def test_grid_layout_by_hand():
    images = np.arange(5, dtype=np.float32)[:, None, None, None] * np.ones((5, 3, 2, 3), np.float32) + 1
    grid = make_grid(T(images), nrow=2, padding=1, pad_value=-1).numpy()
    assert grid.shape == (3, 3 * 3 + 1, 2 * 4 + 1)  # rows = ceil(5 / 2) = 3; cells 2+1 by 3+1, plus 1
    assert (grid[:, 1:3, 1:4] == 1).all() and (grid[:, 1:3, 5:8] == 2).all()  # first row: images 0, 1
    assert (grid[:, 4:6, 1:4] == 3).all() and (grid[:, 7:9, 1:4] == 5).all()  # image 4 starts row 3
    assert (grid[:, 7:9, 5:8] == -1).all()  # the empty sixth cell is padding
    assert (grid[:, 0] == -1).all() and (grid[:, :, 0] == -1).all() and (grid[:, 3] == -1).all()
    assert (grid[:, :, 4] == -1).all() and (grid[:, -1] == -1).all()


def test_grid_shapes_and_channels(rng):
    x = rng.random((10, 1, 4, 5)).astype(np.float32)
    grid = make_grid(T(x)).numpy()  # nrow 8, padding 2; grey repeated to RGB
    assert grid.shape == (3, 2 * 6 + 2, 8 * 7 + 2)
    np.testing.assert_array_equal(grid[0, 2:6, 2:7], x[0, 0])
    np.testing.assert_array_equal(grid[2, 8:12, 9:14], x[9, 0])
    single = make_grid(T(x[0])).numpy()  # one image: returned as it is, unpadded
    assert single.shape == (3, 4, 5) and (single == x[0, 0]).all()
    assert make_grid(T(x[0, 0])).shape == (3, 4, 5)  # (H, W)
    listed = make_grid([T(x[i]) for i in range(3)], nrow=3, padding=0).numpy()
    np.testing.assert_array_equal(listed[1], np.concatenate([x[0, 0], x[1, 0], x[2, 0]], axis=1))
    assert make_grid(T(rng.random((3, 2, 4, 4)))).shape == (2, 8, 20)  # two channels are kept


def test_grid_normalize_by_hand():
    x = np.array([[[[0.0, 2.0]]], [[[4.0, 8.0]]]], dtype=np.float32)  # (2, 1, 1, 2)
    together = make_grid(T(x), normalize=True, padding=0).numpy()[0, 0]
    np.testing.assert_allclose(together, [0, 0.25, 0.5, 1])  # (x - 0) / 8
    each = make_grid(T(x), normalize=True, scale_each=True, padding=0).numpy()[0, 0]
    np.testing.assert_allclose(each, [0, 1, 0, 1])  # each image by its own min and max
    ranged = make_grid(T(x), normalize=True, value_range=(1.0, 5.0), padding=0).numpy()[0, 0]
    np.testing.assert_allclose(ranged, [0, 0.25, 0.75, 1])  # clamp to [1, 5], then (x - 1) / 4
    flat = make_grid(T(np.full((2, 1, 1, 1), 3.0, np.float32)), normalize=True, padding=0).numpy()
    np.testing.assert_allclose(flat, 0)  # max - min = 0: divided by 1e-5, not by zero
    assert (x == [[[[0.0, 2.0]]], [[[4.0, 8.0]]]]).all()  # the input is not modified


def test_grid_refuses_bad_input():
    with pytest.raises(TypeError, match="tensor or a list of tensors"):
        make_grid(np.zeros((2, 3, 4, 4)))
    with pytest.raises(TypeError, match="value_range must be a tuple"):
        make_grid(T(np.zeros((2, 3, 2, 2), np.float32)), normalize=True, value_range=[0, 1])
    with pytest.raises(ValueError, match="different shapes"):
        make_grid([T(np.zeros((3, 2, 2))), T(np.zeros((3, 2, 3)))])
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        make_grid(T(np.zeros((1, 1, 1, 2, 2))))


# ---------------------------------------------------------------------------- save_image


def test_save_image_writes_a_png(tmp_path, rng):
    x = rng.random((4, 3, 5, 6)).astype(np.float32)
    path = tmp_path / "grid.png"
    save_image(T(x), path, nrow=2, padding=1)
    expected = np.clip(make_grid(T(x), nrow=2, padding=1).numpy() * 255 + 0.5, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(read_image(path).numpy(), expected)
    assert expected[0, 1, 1] == int(x[0, 0, 0, 0] * 255 + 0.5)
    buffer = io.BytesIO()
    save_image(T(x[0]), buffer, format="PNG")
    np.testing.assert_array_equal(decode_png(buffer.getvalue()).numpy(), (x[0] * 255 + 0.5).astype(np.uint8))
    assert [p.name for p in tmp_path.iterdir()] == ["grid.png"]


def test_save_image_refuses_other_formats(tmp_path):
    with pytest.raises(ValueError, match="PNG only"):
        save_image(T(np.zeros((3, 2, 2), np.float32)), tmp_path / "x.jpg")
    with pytest.raises(ValueError, match="PNG only"):
        save_image(T(np.zeros((3, 2, 2), np.float32)), io.BytesIO())
    with pytest.raises(TypeError, match="path or a binary file"):
        save_image(T(np.zeros((3, 2, 2), np.float32)), 42, format="png")


# ---------------------------------------------------------------------------- colours


def test_colors():
    assert parse_color("red", "t") == (255, 0, 0) and parse_color("CornflowerBlue", "t") == (100, 149, 237)
    assert parse_color("#0a0B0c", "t") == (10, 11, 12) and parse_color("#fa0", "t") == (255, 170, 0)
    assert parse_color((1, 2, 3), "t") == (1, 2, 3)
    # by hand: (2**25 - 1) % 255 = 1, (2**15 - 1) % 255 = 127, (2**21 - 1) % 255 = 31
    assert default_palette(3) == [(0, 0, 0), (1, 127, 31), (2, 254, 62)]
    for bad in ["reddish", "#12345", "#ggg", (1, 2), 7]:
        with pytest.raises(ValueError, match="colour"):
            parse_color(bad, "t")


# ---------------------------------------------------------------------------- boxes


def painted(out, colour):
    return (out == np.array(colour, np.uint8)[:, None, None]).all(axis=0)


def test_box_outline_by_hand():
    image = T(np.zeros((3, 8, 8), np.uint8))
    out = draw_bounding_boxes(image, np.array([[1, 1, 6, 5]]), colors="lime").numpy()
    expected = np.zeros((8, 8), bool)
    expected[1, 1:7] = expected[5, 1:7] = expected[1:6, 1] = expected[1:6, 6] = True
    np.testing.assert_array_equal(painted(out, (0, 255, 0)), expected)
    assert (out[:, ~expected] == 0).all()
    wide = draw_bounding_boxes(image, np.array([[0.9, 0, 7, 7]]), colors=[(9, 8, 7)], width=2).numpy()
    ring = np.ones((8, 8), bool)
    ring[2:6, 2:6] = False  # corners truncate to (0, 0, 7, 7); two pixels inward
    np.testing.assert_array_equal(painted(wide, (9, 8, 7)), ring)


def test_thin_box_follows_pillow():
    # Pillow draws rectangle((1, 1, 2, 9), width=4) with lines past the box: row 5 is lit at columns 0-4
    out = draw_bounding_boxes(
        T(np.zeros((3, 12, 12), np.uint8)), np.array([[1, 1, 2, 9]]), width=4, colors="red"
    )
    lit = painted(out.numpy(), (255, 0, 0))
    expected = np.zeros((12, 12), bool)
    expected[1:10, 1:3] = True
    expected[5, 0:5] = True
    np.testing.assert_array_equal(lit, expected)


def test_box_fill_blends_like_pillow():
    image = np.full((3, 6, 6), 200, np.uint8)
    out = draw_bounding_boxes(T(image), np.array([[1, 1, 4, 4]]), colors="red", fill=True).numpy()
    # inside: Pillow's (200·155 + c·100 + 128) with its /255: 122 for c = 0, 222 for c = 255
    assert out[:, 2, 2].tolist() == [222, 122, 122]
    assert out[:, 1, 1].tolist() == [255, 0, 0] and out[:, 0, 0].tolist() == [200, 200, 200]


def test_boxes_on_grey_and_float_images():
    grey = draw_bounding_boxes(T(np.full((1, 5, 5), 9, np.uint8)), np.array([[0, 0, 4, 4]]), colors="blue")
    assert grey.shape == (3, 5, 5) and grey.numpy()[:, 2, 2].tolist() == [9, 9, 9]
    assert grey.numpy()[:, 0, 3].tolist() == [0, 0, 255]
    floats = np.full((3, 5, 5), 0.5, np.float32)
    out = draw_bounding_boxes(T(floats), np.array([[0, 0, 4, 4]]), colors="white").numpy()
    # torchvision's to_dtype: 0.5 -> uint8 127 (0.5 · 255.999, truncated), back as 127 · float32(1 / 255)
    assert (
        out.dtype == np.float32
        and out[0, 0, 0] == 1.0
        and out[0, 2, 2] == np.float32(127) * np.float32(1 / 255)
    )
    boxes = np.array([[0, 0, 1, 1], [2, 2, 3, 3]])
    palette = draw_bounding_boxes(T(np.zeros((3, 5, 5), np.uint8)), boxes).numpy()
    assert palette[:, 2, 2].tolist() == [1, 127, 31]  # torchvision's generated colour for box 1


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(boxes=np.array([[3, 0, 1, 2]])), ValueError, "xmin, ymin, xmax, ymax"),
        (dict(boxes=np.zeros((1, 8))), ValueError, "rotated"),
        (dict(boxes=np.array([[0, 0, 1, 1]]), labels=["cat"]), NotImplementedError, "font"),
        (dict(boxes=np.array([[0, 0, 1, 1]]), colors=["red"] * 0), ValueError, "0 colours for 1"),
        (dict(boxes=np.array([[0, 0, 1, 1]]), colors=(1, 2)), ValueError, r"\(r, g, b\)"),
    ],
)
def test_boxes_refuse_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        draw_bounding_boxes(T(np.zeros((3, 4, 4), np.uint8)), **kwargs)


def test_drawing_refuses_bad_images():
    with pytest.raises(ValueError, match="uint8 or float"):
        draw_bounding_boxes(T(np.zeros((3, 4, 4), np.int32)), np.zeros((0, 4)))
    with pytest.raises(ValueError, match="one image"):
        draw_segmentation_masks(T(np.zeros((1, 3, 4, 4), np.uint8)), np.zeros((4, 4), bool))
    with pytest.raises(ValueError, match="3 channels"):
        draw_keypoints(T(np.zeros((1, 4, 4), np.uint8)), np.zeros((1, 1, 2)))
    with pytest.raises(TypeError, match="must be a tensor"):
        draw_keypoints(np.zeros((3, 4, 4), np.uint8), np.zeros((1, 1, 2)))
    image = T(np.zeros((3, 4, 4), np.uint8))
    with pytest.warns(UserWarning, match="No box"):
        assert draw_bounding_boxes(image, np.zeros((0, 4))) is image


# ---------------------------------------------------------------------------- masks


def test_mask_blend_by_hand():
    image = np.full((3, 2, 3), 100, np.uint8)
    masks = np.array([[[1, 1, 0], [0, 0, 0]], [[0, 1, 1], [0, 0, 0]]], bool)
    out = draw_segmentation_masks(T(image), masks, alpha=0.5, colors=["red", (0, 0, 255)]).numpy()
    assert out[:, 0, 0].tolist() == [177, 50, 50]  # 100·0.5 + 255·0.5 = 177.5 → 177 (truncated)
    assert out[:, 0, 1].tolist() == [50, 50, 50]  # two masks overlap: painted black
    assert out[:, 0, 2].tolist() == [50, 50, 177]
    assert out[:, 1, 0].tolist() == [100, 100, 100]  # no mask: 100·0.5 + 100·0.5
    floats = draw_segmentation_masks(T((image / 255).astype(np.float32)), masks[0], alpha=1.0, colors="red")
    assert floats.numpy()[:, 0, 0].tolist() == [1.0, 0.0, 0.0]
    one = draw_segmentation_masks(T(image), masks[1], alpha=0.25)  # default colour of mask 0 is black
    assert one.numpy()[:, 0, 2].tolist() == [75, 75, 75]


def test_masks_refuse_bad_input():
    image = T(np.zeros((3, 4, 4), np.uint8))
    with pytest.raises(ValueError, match="bool"):
        draw_segmentation_masks(image, np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="differ in height and width"):
        draw_segmentation_masks(image, np.zeros((1, 4, 5), bool))
    with pytest.raises(ValueError, match=r"\(H, W\) or \(N, H, W\)"):
        draw_segmentation_masks(image, np.zeros((1, 1, 4, 4), bool))
    with pytest.warns(UserWarning, match="No mask"):
        assert draw_segmentation_masks(image, np.zeros((0, 4, 4), bool)) is image


# ---------------------------------------------------------------------------- keypoints


def test_keypoint_discs_and_lines_as_pillow():
    image = T(np.zeros((3, 12, 16), np.uint8))
    points = np.array([[[2, 2], [13, 8]]], np.float32)
    out = draw_keypoints(image, points, connectivity=[(0, 1)], colors="blue", radius=0, width=1).numpy()
    # Pillow draws line((2, 2), (13, 8)) (radius 0: no discs) as these pixels
    lit = [(2, 2), (3, 3), (3, 4), (4, 5), (4, 6), (5, 7), (5, 8), (6, 9), (6, 10), (7, 11), (7, 12), (8, 13)]
    expected = np.zeros((12, 16), bool)
    expected[tuple(np.array(lit).T)] = True
    np.testing.assert_array_equal(painted(out, (255, 255, 255)), expected)
    disc = draw_keypoints(image, points[:, :1], colors="blue", radius=2).numpy()
    # Pillow's filled circle of radius 2: rows of 3, 5, 5, 5, 3 pixels
    assert painted(disc, (0, 0, 255)).sum(axis=1)[:5].tolist() == [3, 5, 5, 5, 3]
    assert painted(disc, (0, 0, 255))[2].tolist()[:5] == [True] * 5
    steep = draw_keypoints(image, np.array([[[1, 1], [3, 7]]]), connectivity=[(0, 1)], radius=0, width=1)
    assert np.argwhere(painted(steep.numpy(), (255, 255, 255))).tolist() == [
        [1, 1],
        [2, 1],
        [3, 2],
        [4, 2],
        [5, 2],
        [6, 3],
        [7, 3],  # x = 1 + round-half-up(t · 2 / 6)
    ]


def test_keypoint_visibility_and_wide_lines():
    image = T(np.zeros((3, 10, 10), np.uint8))
    points = np.array([[[1, 5], [8, 5], [5, 1]]])
    out = draw_keypoints(image, points, [(0, 1), (1, 2)], "red", 2, 3, np.array([[1, 1, 0]])).numpy()
    white = painted(out, (255, 255, 255))
    assert white[4:7, 3].all() and not white[3, 3] and not white[7, 3]  # a 3-wide horizontal line
    red = painted(out, (255, 0, 0))  # discs first, then the lines over them
    assert red[3, 1] and red[7, 8] and not red[5, 1] and not red[1, 5]  # invisible point 2: no disc
    assert not white[2, 6]  # nor its line
    floats = draw_keypoints(T(np.zeros((3, 4, 4), np.float32)), np.array([[[1, 1]]]), colors="red", radius=0)
    assert floats.numpy().dtype == np.float32 and floats.numpy().max() == 0  # radius 0 draws nothing
    with pytest.raises(ValueError, match="num_instances, K, 2"):
        draw_keypoints(image, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="visibility"):
        draw_keypoints(image, np.zeros((1, 2, 2)), visibility=np.ones((1, 3), bool))


# Pillow 13 draws ImageDraw.line([p, q], width=w) on a 10×10 image as these pixels (printed in a scratch run)
PILLOW_WIDE_LINES = [
    ((1, 1), (8, 4), 3, [".#........", ".###......", ".######...", "...######.", "......###.", "........#."]),
    ((2, 5), (7, 5), 2, [""] * 5 + ["..######..", "..######.."]),
    ((4, 1), (4, 7), 4, [""] + ["...####..."] * 7),
    (
        (8, 8),
        (-2, 3),
        5,
        ["", "", "##", "####", "######", "########", "##########", ".########.", "...######.", ".....###.."],
    ),
]


@pytest.mark.parametrize(("start", "end", "width", "rows"), PILLOW_WIDE_LINES)
def test_wide_lines_are_pillows(start, end, width, rows):
    expected = np.zeros((10, 10), bool)
    for y, row in enumerate(rows):
        expected[y, : len(row)] = [c == "#" for c in row]
    np.testing.assert_array_equal(wide_line(start, end, width, (10, 10)), expected)
    image = T(np.zeros((3, 10, 10), np.uint8))
    out = draw_keypoints(image, np.array([[start, end]]), [(0, 1)], radius=0, width=width).numpy()
    np.testing.assert_array_equal(painted(out, (255, 255, 255)), expected)


def test_degenerate_lines():
    assert wide_line((3, 4), (3, 4), 5, (6, 6)).sum() == 1 and wide_line((3, 4), (3, 4), 5, (6, 6))[4, 3]
    assert not wide_line((9, 9), (9, 9), 3, (6, 6)).any()  # a point off the image
    assert wide_line((0, 0), (0, 0), 3, (6, 7))[0, 0] and wide_line((6, 5), (6, 5), 3, (6, 7))[5, 6]
    for off in [(7, 2), (2, 6), (-1, 2), (2, -1)]:  # just past each border of a 6×7 image
        assert not wide_line(off, off, 3, (6, 7)).any()
    assert thin_line((2, 2), (2, 2), (4, 4)).sum() == 1
    assert not wide_line((-5, -5), (-1, -9), 3, (6, 6)).any()


# ---------------------------------------------------------------------------- Pillow's rules, transcribed
# Slow references, pixel by pixel and row by row, written from Pillow's Draw.c rules (its hline, line,
# rectangle and polygon scan-line fill); anchored to Pillow by the printed facts above. The scratch comparison
# with Pillow 13 itself: 400 random wide lines, 26,817 pixels, identical.


def ref_hline(mask, x0, y, x1):
    for x in range(min(x0, x1), max(x0, x1) + 1):
        if 0 <= y < mask.shape[0] and 0 <= x < mask.shape[1]:
            mask[y, x] = True


def ref_line(mask, x0, y0, x1, y1, last_point):
    """Pillow's line: Bresenham, the end excluded; ImageDraw.line(width=1) adds the last point."""
    dx, dy, xs, ys = abs(x1 - x0), abs(y1 - y0), 1 if x1 >= x0 else -1, 1 if y1 >= y0 else -1
    points = []
    if dx >= dy:
        e = 2 * dy - dx
        for _ in range(dx):
            points.append((x0, y0))
            if e >= 0 and dy:
                y0, e = y0 + ys, e - 2 * dx
            e, x0 = e + 2 * dy, x0 + xs
    else:
        e = 2 * dx - dy
        for _ in range(dy):
            points.append((x0, y0))
            if e >= 0 and dx:
                x0, e = x0 + xs, e - 2 * dy
            e, y0 = e + 2 * dx, y0 + ys
    if last_point:
        points.append((x1, y1))
    for x, y in points:
        if 0 <= y < mask.shape[0] and 0 <= x < mask.shape[1]:
            mask[y, x] = True


def ref_rectangle(shape, x0, y0, x1, y1, width):
    mask = np.zeros(shape, bool)
    for i in range(width):
        ref_hline(mask, x0, y0 + i, x1)
        ref_hline(mask, x0, y1 - i, x1)
        ref_line(mask, x1 - i, y0 + width, x1 - i, y1 - width + 1, False)
        ref_line(mask, x0 + i, y0 + width, x0 + i, y1 - width + 1, False)
    return mask


def round_up(v):
    return int(np.sign(v) * np.floor(abs(v) + 0.5))


def round_down(v):
    return int(np.sign(v) * np.ceil(abs(v) - 0.5))


def ref_wide_line(shape, p, q, width):
    mask = np.zeros(shape, bool)
    (x0, y0), (x1, y1) = p, q
    dx, dy = x1 - x0, y1 - y0
    if dx == 0 and dy == 0:
        ref_hline(mask, x0, y0, x0)
        return mask
    big, small = float(np.hypot(dx, dy)), (width - 1) / 2
    rmax, rmin = round_up(small) / big, round_down(small) / big
    a, b, c, d = round_down(rmin * dy), round_down(rmax * dy), round_down(rmin * dx), round_down(rmax * dx)
    v = [(x0 - a, y0 + d), (x1 - a, y1 + d), (x1 + b, y1 - c), (x0 + b, y0 - c)]
    edges = [(v[i], v[(i + 1) % 4]) for i in range(4)]
    ymin = max(min(min(e[0][1], e[1][1]) for e in edges + [((0, shape[0] - 1),) * 2]), 0)
    ymax = min(max(max(e[0][1], e[1][1]) for e in edges + [((0, 0),) * 2]), shape[0])
    for y in range(ymin, ymax + 1):
        xx, pos = [], 0
        for (ax, ay), (bx, by) in edges:
            if ay != by and min(ay, by) <= y <= max(ay, by):
                slope = np.float32(bx - ax) / np.float32(by - ay)
                xx.append(np.float32(np.float32(y - ay) * slope + np.float32(ax)))
                if y == max(ay, by) and y < ymax:
                    xx.append(xx[-1])
        xx.sort()

        def flat(pos, y=y):
            for (ax, ay), (bx, by) in edges:
                lo, hi = min(ax, bx), max(ax, bx)
                if ay == by == y and pos >= lo and hi >= max(lo, pos):
                    ref_hline(mask, max(lo, pos), y, hi)
                    pos = hi + 1
            return pos

        for i in range(1, len(xx), 2):
            end = round_down(float(xx[i]))
            if end < pos:
                continue
            pos = flat(pos)
            start = max(round_up(float(xx[i - 1])), pos)
            if end < pos or end < start:
                continue
            ref_hline(mask, start, y, end)
            pos = end + 1
        flat(pos)
    return mask


def test_rasterisers_follow_pillows_rules_off_the_image_too(rng):
    shape = (9, 13)
    for _ in range(150):
        x0, y0, x1, y1 = rng.integers(-4, 16, 4).tolist()
        x0, x1, y0, y1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
        width = int(rng.integers(1, 6))
        np.testing.assert_array_equal(
            rectangle_outline(x0, y0, x1, y1, width, shape), ref_rectangle(shape, x0, y0, x1, y1, width)
        )
    for _ in range(200):
        p, q = tuple(rng.integers(-4, 16, 2).tolist()), tuple(rng.integers(-4, 16, 2).tolist())
        if rng.random() < 0.3:  # horizontal, vertical and diagonal lines
            q = (
                (q[0], p[1])
                if rng.random() < 0.4
                else (p[0], q[1])
                if rng.random() < 0.5
                else (p[0] + 5, p[1] - 5)
            )
        expected = np.zeros(shape, bool)
        ref_line(expected, *p, *q, True)
        np.testing.assert_array_equal(thin_line(p, q, shape), expected, err_msg=f"{p} {q}")
        width = int(rng.integers(2, 8))
        np.testing.assert_array_equal(
            wide_line(p, q, width, shape), ref_wide_line(shape, p, q, width), err_msg=f"{p} {q} {width}"
        )


def test_drawing_edge_cases():
    image = T(np.zeros((3, 6, 6), np.uint8))
    for kwargs in [dict(font="Arial.ttf"), dict(font_size=12)]:
        with pytest.raises(NotImplementedError, match="font"):
            draw_bounding_boxes(image, np.array([[0, 0, 1, 1]]), **kwargs)
    assert painted(draw_bounding_boxes(image, np.array([[2, 2, 2, 2]]), colors="red").numpy(), (255, 0, 0))[
        2, 2
    ]
    for bad in ([2, 0, 1, 5], [0, 3, 5, 1]):
        with pytest.raises(ValueError, match="min <= max"):
            draw_bounding_boxes(image, np.array([bad]))
    # a fill over the whole image, no outline: every pixel blended, 255 -> 155 and 9 -> 5 for ink 0
    # (Pillow: t = 155 b + 100 c + 128, ((t >> 8) + t) >> 8)
    background = T(np.array([255, 9, 255], np.uint8)[:, None, None] * np.ones((3, 6, 6), np.uint8))
    out = draw_bounding_boxes(
        background, np.array([[0, 0, 5, 5]]), colors=(0, 0, 0), fill=True, width=0
    ).numpy()
    assert (out[0] == 155).all() and (out[1] == 5).all()  # t = 1523 for 9: (5 + 1523) >> 8 = 5
    masks = T(np.array([[[1, 1, 0, 0, 0, 0]] * 6, [[0, 1, 1, 0, 0, 0]] * 6], bool))
    blended = draw_segmentation_masks(T(np.full((3, 6, 6), 100, np.uint8)), masks, alpha=1.0, colors="white")
    assert blended.numpy()[:, 0, :4].tolist() == [[255, 0, 255, 100]] * 3  # overlap black, alpha 1: exactly
    points = np.array([[[1, 1], [4, 4]]])
    seen = np.array([[True, False]])
    flat = draw_keypoints(image, points, radius=0, width=1, visibility=seen).numpy()
    stacked = draw_keypoints(
        image, points, radius=1, visibility=seen[..., None]
    ).numpy()  # (N, K, 1) accepted
    assert (flat == 0).all() and painted(stacked, (255, 255, 255))[1, 1] and not stacked[:, 4, 4].any()
