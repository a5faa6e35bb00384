"""roi_align / RoIAlign and roi_pool / RoIPool (tt_vision.ops), as torchvision.ops.

Values: a linear ramp, which bilinear sampling reproduces exactly, so a bin's
value is the ramp at the mean of its sample points (computed by hand below); and
five regions (inside, half outside, tiny, partly past the edge, fully outside)
on a float64 map whose outputs were printed by torchvision 0.29.1's C++ kernels
(``/tmp/tvcmp``, the same ops as 0.28) and pinned here to 6 decimals. Gradients
against float64 central differences; the boxes' two forms, layers, errors.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import ops

# torchvision's input for the pinned values: arange(2*2*5*6).reshape(2, 2, 5, 6) ** 1.5 / 10, float64
MAP = np.arange(2 * 2 * 5 * 6, dtype=np.float64).reshape(2, 2, 5, 6) ** 1.5 / 10
ROIS = np.array(
    [
        [0, 0.3, 0.7, 4.2, 3.9],
        [1, -1.5, 2.0, 3.0, 6.5],
        [1, 2.2, 1.1, 2.4, 1.3],
        [0, 5.5, 4.5, 9.0, 9.0],
        [1, -3.0, -3.0, -1.2, -1.5],
    ]
)
Z3 = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
ZERO = [Z3, Z3]
# torchvision.ops.roi_align(MAP, ROIS, (2, 3), 1.0, sampling_ratio, aligned), per (aligned, sampling_ratio)
ALIGN = {
    (False, -1): [
        [
            [[3.250188, 3.877456, 4.544258], [8.766979, 9.638851, 10.539262]],
            [[25.306135, 26.547393, 27.808701], [34.955773, 36.336069, 37.73442]],
        ],
        [
            [[34.981946, 70.965537, 72.980375], [12.831212, 26.007307, 26.700798]],
            [[56.738127, 114.652347, 117.014373], [20.286449, 40.97431, 41.780338]],
        ],
        [
            [[59.190312, 59.610345, 60.030675], [62.991556, 63.420461, 63.849656]],
            [[100.732236, 101.233683, 101.735379], [105.262704, 105.771596, 106.280733]],
        ],
        [[[2.60283, 0.0, 0.0], [0.0, 0.0, 0.0]], [[7.553127, 0.0, 0.0], [0.0, 0.0, 0.0]]],
        ZERO,
    ],
    (False, 2): [
        [
            [[3.250188, 3.877456, 4.544258], [8.766979, 9.638851, 10.539262]],
            [[25.306135, 26.547393, 27.808701], [34.955773, 36.336069, 37.73442]],
        ],
        [
            [[34.983538, 70.968708, 72.983516], [19.246818, 39.010961, 40.051197]],
            [[56.739481, 114.655045, 117.017052], [30.429673, 61.461465, 62.670508]],
        ],
        [
            [[59.190312, 59.610345, 60.030897], [62.991556, 63.420461, 63.849874]],
            [[100.732236, 101.233683, 101.735566], [105.262704, 105.771596, 106.280917]],
        ],
        ZERO,
        ZERO,
    ],
    (True, -1): [
        [
            [[1.873157, 2.364725, 2.912192], [6.514466, 7.308104, 8.132927]],
            [[22.097401, 23.283627, 24.490829], [31.298936, 32.630899, 33.981549]],
        ],
        [
            [[33.008293, 66.425725, 68.314721], [25.662424, 51.612109, 52.937918]],
            [[54.411144, 109.305355, 111.533362], [40.572897, 81.480184, 83.022162]],
        ],
        [
            [[53.211449, 53.2923, 53.37315], [53.935493, 54.016717, 54.097941]],
            [[93.554291, 93.651953, 93.749614], [94.430231, 94.528202, 94.626172]],
        ],
        [[[5.205659, 0.0, 0.0], [0.0, 0.0, 0.0]], [[15.106253, 0.0, 0.0], [0.0, 0.0, 0.0]]],
        ZERO,
    ],
    (True, 2): [
        [
            [[1.873157, 2.364725, 2.912192], [6.514466, 7.308104, 8.132927]],
            [[22.097401, 23.283627, 24.490829], [31.298936, 32.630899, 33.981549]],
        ],
        [
            [[32.996883, 66.402951, 68.292164], [19.246818, 38.709082, 39.703438]],
            [[54.401513, 109.286121, 111.514259], [30.429673, 61.110138, 62.266622]],
        ],
        [
            [[53.211449, 53.2923, 53.37315], [53.935493, 54.016717, 54.097941]],
            [[93.554291, 93.651953, 93.749614], [94.430231, 94.528202, 94.626172]],
        ],
        [[[7.808489, 0.0, 0.0], [0.0, 0.0, 0.0]], [[22.65938, 0.0, 0.0], [0.0, 0.0, 0.0]]],
        ZERO,
    ],
}
# torchvision.ops.roi_align(MAP, ROIS, 2, spatial_scale=0.5) (adaptive sampling, not aligned)
ALIGN_HALF_SCALE = [
    [[[1.30101, 1.63069], [3.243285, 3.710237]], [[20.873231, 21.745554], [25.293351, 26.222592]]],
    [[[57.882312, 58.99976], [66.513739, 67.683898]], [[99.167598, 100.503369], [109.427633, 110.807787]]],
    [[[53.829403, 54.439984], [57.537632, 58.161859]], [[94.303985, 95.03992], [98.756929, 99.504227]]],
    [[[9.062653, 9.654462], [13.416847, 14.092324]], [[35.469608, 36.401401], [42.108789, 43.095489]]],
    [[[0.0, 0.0], [0.0, 46.4758]], [[0.0, 0.0], [0.0, 85.381497]]],
]
# torchvision.ops.roi_pool(MAP, ROIS, (2, 3), 1.0) and roi_pool(MAP, ROIS, 2, 0.5)
POOL = [
    [
        [[4.687217, 5.809475, 6.4], [12.5, 14.029612, 14.816207]],
        [[28.196986, 30.186918, 31.198718], [40.789092, 43.034056, 44.171484]],
    ],
    [[[0.0, 78.366128, 81.148198], [0.0, 0.0, 0.0]], [[0.0, 123.323761, 126.55485], [0.0, 0.0, 0.0]]],
    [[[56.074237] * 3] * 2, [[97.01505] * 3] * 2],
    ZERO,
    ZERO,
]
POOL_HALF_SCALE = [
    [[[1.852026, 2.262742], [4.687217, 5.23832]], [[22.506221, 23.424773], [28.196986, 29.186298]]],
    [[[61.094026, 63.657207], [68.887735, 71.554175]], [[103.01495, 106.059606], [112.236892, 115.368973]]],
    [[[54.841864] * 2] * 2, [[95.533921] * 2] * 2],
    [[[10.318915, 11.030413], [14.816207, 15.616978]], [[37.497733, 38.584582], [44.171484, 45.31876]]],
    [[[0.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]],
]


@pytest.mark.parametrize(("aligned", "sampling_ratio"), list(ALIGN))
def test_roi_align_matches_torchvision_values(aligned, sampling_ratio):
    out = ops.roi_align(autograd.tensor(MAP), autograd.tensor(ROIS), (2, 3), 1.0, sampling_ratio, aligned)
    np.testing.assert_allclose(out.numpy(), ALIGN[(aligned, sampling_ratio)], atol=2e-6)


def test_roi_align_spatial_scale_and_square_output_size():
    out = ops.roi_align(autograd.tensor(MAP), autograd.tensor(ROIS), 2, spatial_scale=0.5)
    np.testing.assert_allclose(out.numpy(), ALIGN_HALF_SCALE, atol=2e-6)


def test_roi_align_sampling_ratio_zero_is_adaptive_like_minus_one():
    x, rois = autograd.tensor(MAP), autograd.tensor(ROIS)
    np.testing.assert_array_equal(
        ops.roi_align(x, rois, (2, 3), sampling_ratio=0).numpy(),
        ops.roi_align(x, rois, (2, 3), sampling_ratio=-1).numpy(),
    )


def ramp(h: int, w: int) -> np.ndarray:
    """``4·y + x`` on an (h, w) map, where bilinear interpolation is exact."""
    return (4.0 * np.arange(h)[:, None] + np.arange(w)[None, :]).reshape(1, 1, h, w)


@pytest.mark.parametrize("aligned", [False, True])
def test_roi_align_on_a_ramp_is_the_ramp_at_each_bin_centre(aligned):
    # a region inside the map, 4.8 wide and 3.6 high, 2×2 bins: adaptive grids ceil(2.4) = 3 by ceil(1.8) = 2
    # points, evenly spread, so their mean is the bin's centre; the ramp there is 4·y + x
    x1, y1, x2, y2 = 1.1, 2.3, 5.9, 5.9
    shift = 0.5 if aligned else 0.0
    x = autograd.tensor(ramp(9, 9))
    out = ops.roi_align(
        x, autograd.tensor([[0.0, x1, y1, x2, y2]], dtype=autograd.float64), 2, aligned=aligned
    )
    cy = y1 - shift + np.array([0.25, 0.75]) * (y2 - y1)
    cx = x1 - shift + np.array([0.25, 0.75]) * (x2 - x1)
    np.testing.assert_allclose(out.numpy()[0, 0], 4 * cy[:, None] + cx[None, :], atol=1e-12)


def test_roi_align_small_region_is_widened_to_a_pixel_unless_aligned():
    # 0.2 × 0.2 region at (2, 2): not aligned it becomes 1 × 1 (the centre is at 2.5, 2.5 = 12.5 on the ramp)
    x = autograd.tensor(ramp(6, 6))
    box = autograd.tensor([[0.0, 2.0, 2.0, 2.2, 2.2]], dtype=autograd.float64)
    assert ops.roi_align(x, box, 1).numpy().item() == pytest.approx(4 * 2.5 + 2.5)
    # aligned keeps 0.2: one point (ceil(0.2)) at 2.1 - 0.5 = 1.6 on both axes
    assert ops.roi_align(x, box, 1, aligned=True).numpy().item() == pytest.approx(4 * 1.6 + 1.6)


def test_roi_align_empty_aligned_regions_have_no_points_and_read_zero():
    # aligned, a zero-size region takes ceil(0) = 0 points per axis: torchvision divides the empty sum by 1
    x = autograd.tensor(np.ones((1, 2, 4, 4)), requires_grad=True)
    regions = autograd.tensor([[0.0, 1.0, 1.0, 1.0, 1.0], [0.0, 0.5, 0.5, 3.5, 3.5]], dtype=autograd.float64)
    out = ops.roi_align(x, regions, 2, aligned=True)
    np.testing.assert_array_equal(out.detach().numpy(), [np.zeros((2, 2, 2)), np.ones((2, 2, 2))])
    assert ops.roi_align(x, regions[:1], 2, aligned=True).detach().numpy().sum() == 0.0  # all empty
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy().sum(), 2 * 4)  # the second region's 8 bins, each a mean


def test_roi_align_edges_clamp_within_a_pixel_and_read_zero_beyond():
    x = autograd.tensor(np.ones((1, 1, 4, 4)))

    def at(px, py):  # one sample at (px, py): a zero-size aligned region there, + 0.5 for the shift
        box = autograd.tensor([[0.0, px + 0.5, py + 0.5, px + 0.5, py + 0.5]], dtype=autograd.float64)
        return ops.roi_align(x, box, 1, sampling_ratio=1, aligned=True).numpy().item()

    assert at(-1.0, 2.0) == 1.0  # on the edge of the allowed pixel: clamped to 0
    assert at(-1.001, 2.0) == 0.0  # past it
    assert at(2.0, 4.0) == 1.0  # y = H: clamped to the last row
    assert at(2.0, 4.001) == 0.0
    assert at(4.0, 1.0) == 1.0
    assert at(1.0, -1.01) == 0.0


def test_roi_align_float32_and_the_list_form_of_boxes(rng):
    x = rng.normal(size=(2, 3, 7, 8)).astype(np.float32)
    per_image = [
        np.array([[0.5, 1.0, 6.0, 5.5]], np.float32),
        np.array([[1, 1, 3, 3], [2, 0, 7, 6]], np.float32),
    ]
    rows = np.array([[0, 0.5, 1.0, 6.0, 5.5], [1, 1, 1, 3, 3], [1, 2, 0, 7, 6]], np.float32)
    listed = ops.roi_align(autograd.tensor(x), [autograd.tensor(b) for b in per_image], (3, 2))
    stacked = ops.roi_align(autograd.tensor(x), autograd.tensor(rows), (3, 2))
    assert listed.dtype == autograd.float32 and tuple(listed.shape) == (3, 3, 3, 2)
    np.testing.assert_array_equal(listed.numpy(), stacked.numpy())
    assert not np.allclose(listed.numpy()[1], listed.numpy()[2])  # the batch index picks the image
    as64 = ops.roi_align(
        autograd.tensor(x.astype(np.float64)), autograd.tensor(rows.astype(np.float64)), (3, 2)
    )
    np.testing.assert_allclose(listed.numpy(), as64.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("aligned", "sampling_ratio"), [(False, -1), (True, 2), (True, -1)])
def test_roi_align_gradient_matches_central_differences(check_grad, leaf, aligned, sampling_ratio):
    x = leaf(2, 2, 5, 6)
    rois = autograd.tensor(ROIS)
    check_grad(lambda t: ops.roi_align(t, rois, (2, 3), 0.9, sampling_ratio, aligned), x)


def test_roi_align_gradient_lands_on_the_four_neighbours():
    x = autograd.tensor(np.zeros((1, 1, 4, 4)), requires_grad=True)
    box = autograd.tensor([[0.0, 1.75, 2.5, 1.75, 2.5]], dtype=autograd.float64)  # one point at (1.25, 2.0)
    ops.roi_align(x, box, 1, sampling_ratio=1, aligned=True).sum().backward()
    expected = np.zeros((4, 4))
    expected[2, 1], expected[2, 2] = 0.75, 0.25
    np.testing.assert_allclose(x.grad.numpy()[0, 0], expected)


def test_roi_pool_matches_torchvision_values():
    x, rois = autograd.tensor(MAP), autograd.tensor(ROIS)
    np.testing.assert_allclose(ops.roi_pool(x, rois, (2, 3)).numpy(), POOL, atol=2e-6)
    np.testing.assert_allclose(ops.roi_pool(x, rois, 2, 0.5).numpy(), POOL_HALF_SCALE, atol=2e-6)


def test_roi_pool_bins_round_halves_away_from_zero_and_include_the_end_pixel():
    x = autograd.tensor(ramp(8, 8))
    # x 1.5 → 2, x2 4.5 → 5 (NumPy's round would give 2 and 4): pixels 2..5; y 0.5 → 1, 2.5 → 3: rows 1..3
    out = ops.roi_pool(x, autograd.tensor([[0.0, 1.5, 0.5, 4.5, 2.5]], dtype=autograd.float64), 1)
    assert out.numpy().item() == 4 * 3 + 5
    # 4 pixels in 3 bins: floor/ceil bounds 0-2, 1-3, 2-4 overlap; the maxima are columns 1, 2, 3
    out = ops.roi_pool(x, autograd.tensor([[0.0, 0, 0, 3, 0]], dtype=autograd.float64), (1, 3))
    np.testing.assert_array_equal(out.numpy()[0, 0, 0], [1.0, 2.0, 3.0])


def test_roi_pool_ties_pick_the_first_pixel_nan_never_wins_and_gradient_goes_to_it():
    values = np.array([[[[2.0, 5.0, 5.0], [np.nan, 5.0, 1.0]]]])
    x = autograd.tensor(values, requires_grad=True)
    out = ops.roi_pool(x, autograd.tensor([[0.0, 0, 0, 2, 1]], dtype=autograd.float64), 1)
    assert out.detach().numpy().item() == 5.0
    out.sum().backward()
    expected = np.zeros((2, 3))
    expected[0, 1] = 1.0
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], expected)


def test_roi_pool_empty_bins_give_zero_and_no_gradient():
    x = autograd.tensor(np.full((1, 1, 3, 3), -2.0), requires_grad=True)
    out = ops.roi_pool(x, autograd.tensor([[0.0, 5, 5, 8, 8]], dtype=autograd.float64), 2)  # off the map
    np.testing.assert_array_equal(out.detach().numpy(), np.zeros((1, 1, 2, 2)))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((1, 1, 3, 3)))


def test_roi_pool_gradient_matches_central_differences(check_grad, leaf):
    rois = autograd.tensor(ROIS[:3])
    check_grad(lambda t: ops.roi_pool(t, rois, (2, 3), 1.0), leaf(2, 2, 5, 6))


def test_layers_call_the_functions_and_print_like_torchvision(rng):
    x = autograd.tensor(rng.normal(size=(1, 2, 6, 6)))
    rois = autograd.tensor([[0.0, 0.5, 1.0, 5.0, 4.0]], dtype=autograd.float64)
    layer = ops.RoIAlign((2, 2), spatial_scale=0.5, sampling_ratio=2, aligned=True)
    np.testing.assert_array_equal(layer(x, rois).numpy(), ops.roi_align(x, rois, 2, 0.5, 2, True).numpy())
    assert repr(layer) == "RoIAlign(output_size=(2, 2), spatial_scale=0.5, sampling_ratio=2, aligned=True)"
    pool = ops.RoIPool(3, 0.5)
    np.testing.assert_array_equal(pool(x, rois).numpy(), ops.roi_pool(x, rois, 3, 0.5).numpy())
    assert repr(pool) == "RoIPool(output_size=3, spatial_scale=0.5)"


def test_no_regions_give_an_empty_output():
    x = autograd.tensor(np.ones((1, 3, 4, 4)))
    for op in (ops.roi_align, ops.roi_pool):
        assert tuple(op(x, autograd.tensor(np.zeros((0, 5))), (2, 3)).shape) == (0, 3, 2, 3)
        assert tuple(op(x, [autograd.tensor(np.zeros((0, 4)))], 2).shape) == (0, 3, 2, 2)


@pytest.mark.parametrize("op", [ops.roi_align, ops.roi_pool])
def test_bad_arguments_are_refused_with_the_operation_named(op):
    x = autograd.tensor(np.ones((2, 1, 4, 4)))
    name = op.__name__
    with pytest.raises(ValueError, match=rf"{name}: the boxes tensor must be \(K, 5\)"):
        op(x, autograd.tensor(np.zeros((1, 4))), 2)
    with pytest.raises(ValueError, match=rf"{name}: each tensor of the boxes list must be \(L, 4\)"):
        op(x, [autograd.tensor(np.zeros((1, 5)))], 2)
    with pytest.raises(TypeError, match=rf"{name}: boxes must have the input's dtype"):
        op(x, autograd.tensor(np.zeros((1, 5), np.float32)), 2)
    with pytest.raises(ValueError, match=rf"{name}: every box's batch index must be in \[0, 2\)"):
        op(x, autograd.tensor([[2.0, 0, 0, 1, 1]], dtype=autograd.float64), 2)
    with pytest.raises(ValueError, match=rf"{name}: input must be a 4-d"):
        op(autograd.tensor(np.ones((1, 4, 4))), autograd.tensor(np.zeros((1, 5))), 2)
    with pytest.raises(TypeError, match=rf"{name}: input must be a float tensor"):
        op(autograd.tensor(np.ones((1, 1, 4, 4), np.int64)), autograd.tensor(np.zeros((1, 5), np.int64)), 2)
    with pytest.raises(ValueError, match=rf"{name}: output_size must be >= 1"):
        op(x, autograd.tensor(np.zeros((1, 5))), 0)
    with pytest.raises(TypeError, match=rf"{name}: boxes must be a Tensor \(K, 5\) or a list"):
        op(x, "boxes", 2)


def test_roi_pool_edge_cases_pinned_from_torchvision():
    # an inverted box spans one pixel at its start: (x 3, y 2) on the ramp 4·y + x (torchvision 0.29.1: 11)
    inverted = autograd.tensor([[0.0, 3.0, 2.0, 1.0, 0.0]], dtype=autograd.float64)
    assert ops.roi_pool(autograd.tensor(ramp(5, 6)), inverted, 1).numpy().item() == 11.0
    # -FLT_MAX is where torchvision's maximum starts: such a value is never picked, so it gets no gradient
    lowest = -np.finfo(np.float32).max
    x = autograd.tensor([[[[lowest, lowest], [lowest, 7.0]]]], dtype=autograd.float64, requires_grad=True)
    out = ops.roi_pool(x, autograd.tensor([[0.0, 0, 0, 0, 0]], dtype=autograd.float64), 1)
    out.sum().backward()
    assert out.detach().numpy().item() == lowest and not x.grad.numpy().any()
    # a one-pixel map: regions off it (either side) read 0; one on it sends every bin's gradient to pixel 0
    one = autograd.tensor([[[[3.0]]]], dtype=autograd.float64, requires_grad=True)
    regions = [[0.0, -5.0, -5.0, -3.0, -3.0], [0.0, 0, 0, 0, 0], [0.0, 5.0, 5.0, 8.0, 8.0]]
    out = ops.roi_pool(one, autograd.tensor(regions, dtype=autograd.float64), 2)
    out.sum().backward()
    zero = [[[0.0, 0.0], [0.0, 0.0]]]
    np.testing.assert_array_equal(out.detach().numpy(), [zero, [[[3.0, 3.0], [3.0, 3.0]]], zero])
    assert one.grad.numpy().item() == 4.0  # torchvision 0.29.1: 4.0


def test_roi_align_a_sample_on_a_pixel_sends_it_the_whole_gradient_and_batch_index_is_not_channels():
    x = autograd.tensor(np.zeros((2, 1, 4, 4)), requires_grad=True)  # N = 2 images of C = 1 channel
    box = autograd.tensor([[1.0, 1.5, 2.5, 1.5, 2.5]], dtype=autograd.float64)  # one point at pixel (1, 2)
    ops.roi_align(x, box, 1, sampling_ratio=1, aligned=True).sum().backward()
    expected = np.zeros((2, 1, 4, 4))
    expected[1, 0, 2, 1] = 1.0  # weight 1 on the pixel, in image 1
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_an_empty_list_of_boxes_gives_no_regions():
    x = autograd.tensor(np.ones((1, 2, 4, 4)))
    assert tuple(ops.roi_align(x, [], 3).shape) == (0, 2, 3, 3)
