"""AnchorGenerator and ImageList (tt_vision.models.detection), as torchvision's.

Cell anchors are checked against the definition (``w = size / sqrt(ratio)``,
``h = size · sqrt(ratio)``, corners ``±w/2, ±h/2`` rounded half to even), worked by hand
for small cases; grid anchors against the rule "anchor ``(y·W + x)·A + a`` is cell anchor
``a`` moved by ``(x·stride_w, y·stride_h)``".
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision.models.detection import AnchorGenerator, ImageList


def batch(height, width, n=2):
    return ImageList(autograd.zeros(n, 3, height, width), [(height, width)] * n)


def test_cell_anchors_follow_size_and_ratio_rounded_half_to_even():
    # size 32, ratio 0.5: w = 32·√2 = 45.25, h = 32/√2 = 22.63 -> ±22.6, ±11.3 -> 23, 11
    generator = AnchorGenerator(sizes=((32,),), aspect_ratios=((0.5, 1.0, 2.0),))
    assert generator.cell_anchors[0].numpy().tolist() == [
        [-23.0, -11.0, 23.0, 11.0],
        [-16.0, -16.0, 16.0, 16.0],
        [-11.0, -23.0, 11.0, 23.0],
    ]
    # ±0.5 -> 0 and ±1.5 -> ±2 (half to even, as torch.round), ±2.5 -> ±2
    halves = AnchorGenerator(sizes=((1, 3, 5),), aspect_ratios=((1.0,),)).cell_anchors[0].numpy()
    assert halves[:, 2].tolist() == [0.0, 2.0, 2.0] and halves[:, 0].tolist() == [0.0, -2.0, -2.0]


def test_cell_anchors_are_ratio_major_and_match_the_definition():
    sizes, ratios = (16, 40, 100), (0.25, 0.7, 1.9)
    cell = AnchorGenerator(sizes=(sizes,), aspect_ratios=(ratios,)).cell_anchors[0].numpy()
    assert cell.shape == (9, 4) and cell.dtype == np.float32
    for row, (ratio, size) in enumerate((r, s) for r in ratios for s in sizes):
        half_w, half_h = size / math.sqrt(ratio) / 2, size * math.sqrt(ratio) / 2
        assert cell[row].tolist() == [-round(half_w), -round(half_h), round(half_w), round(half_h)]


def test_flat_sizes_give_one_level_each_and_flat_ratios_are_shared():
    generator = AnchorGenerator(sizes=(32, 64, 128), aspect_ratios=(0.5, 1.0))
    assert generator.sizes == ((32,), (64,), (128,))
    assert generator.aspect_ratios == ((0.5, 1.0),) * 3
    assert generator.num_anchors_per_location() == [2, 2, 2]
    uneven = AnchorGenerator(sizes=((8, 16), (32,)), aspect_ratios=((1.0,), (0.5, 1.0, 2.0)))
    assert uneven.num_anchors_per_location() == [2, 3]
    assert [len(c) for c in uneven.cell_anchors] == [2, 3]


def test_grid_anchors_shift_the_cell_by_the_stride_position_major():
    generator = AnchorGenerator(sizes=((8, 16),), aspect_ratios=((1.0,),))
    cell = generator.cell_anchors[0].numpy()
    # image 17 x 37 over a 2 x 3 grid: strides 17 // 2 = 8 down, 37 // 3 = 12 across
    anchors = generator(batch(17, 37), [autograd.zeros(2, 4, 2, 3)])
    assert len(anchors) == 2 and tuple(anchors[0].shape) == (12, 4)
    got = anchors[0].numpy()
    for y in range(2):
        for x in range(3):
            for a in range(2):
                shift = np.array([12 * x, 8 * y, 12 * x, 8 * y])
                np.testing.assert_array_equal(got[(y * 3 + x) * 2 + a], cell[a] + shift)
    np.testing.assert_array_equal(anchors[1].numpy(), got)


def test_levels_are_concatenated_in_order_in_the_features_dtype():
    generator = AnchorGenerator(sizes=((4,), (8,)), aspect_ratios=((1.0, 2.0),) * 2)
    features = [autograd.zeros(1, 2, 4, 4, dtype=autograd.float64), autograd.zeros(1, 2, 2, 2)]
    (anchors,) = generator(batch(16, 16, n=1), features)
    assert anchors.dtype == autograd.float64 and tuple(anchors.shape) == (4 * 4 * 2 + 2 * 2 * 2, 4)
    levels = generator.grid_anchors([(4, 4), (2, 2)], [(4, 4), (8, 8)])
    np.testing.assert_array_equal(anchors.numpy(), np.concatenate([level.numpy() for level in levels]))
    # the second level's last anchor: cell (ratio 2, size 8) at (x, y) = (1, 1), stride 8
    assert anchors.numpy()[-1].tolist() == [8 - 3, 8 - 6, 8 + 3, 8 + 6]


def test_generate_anchors_in_another_dtype():
    generator = AnchorGenerator(sizes=((10,),), aspect_ratios=((1.0,),))
    anchors = generator.generate_anchors([10, 20], [1.0], dtype=autograd.float64)
    assert anchors.dtype == autograd.float64 and anchors.numpy().tolist() == [
        [-5, -5, 5, 5],
        [-10, -10, 10, 10],
    ]


def test_errors_name_the_mismatch():
    with pytest.raises(ValueError, match="sizes has 2 levels but aspect_ratios 3"):
        AnchorGenerator(sizes=((8,), (16,)), aspect_ratios=((1.0,), (1.0,), (1.0,)))
    generator = AnchorGenerator(sizes=((8,), (16,)), aspect_ratios=((1.0,), (1.0,)))
    with pytest.raises(ValueError, match="1 feature maps and 1 strides, but anchors for 2 levels"):
        generator(batch(8, 8), [autograd.zeros(2, 1, 2, 2)])
    with pytest.raises(ValueError, match="no feature maps"):
        generator(batch(8, 8), [])
    with pytest.raises(ValueError, match="at least one level"):
        AnchorGenerator(sizes=(), aspect_ratios=(1.0,))
    with pytest.raises(ValueError, match="at least one level"):
        AnchorGenerator(sizes=((8,),), aspect_ratios=())


def test_image_list_keeps_tensors_and_sizes():
    images = ImageList(autograd.ones(2, 3, 8, 8), [(8, 6), (7, 8)])
    moved = images.to("cpu")
    assert moved.image_sizes == [(8, 6), (7, 8)] and tuple(moved.tensors.shape) == (2, 3, 8, 8)
    assert float(moved.tensors.sum()) == 2 * 3 * 64
