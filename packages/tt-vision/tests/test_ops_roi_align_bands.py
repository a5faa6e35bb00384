"""roi_align's separable products over bands of the map, against a loop-by-loop definition.

The op groups regions by image and by a band of rows and columns (``bands``) and
computes each group with matrix products; a map of a few pixels has one band, the
whole map, so these tests use maps of 20 to 40 pixels with regions of every size
and place (inside, partly and wholly outside, empty, inverted), whose bands differ.
The reference below is torchvision's kernel written as loops over regions, bins and
sample points, in float64 Python arithmetic.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import ops
from tt_vision.ops.roi_align import axis_shares, band_groups, bands


def reference_roi_align(x, rois, output_size, scale, sampling_ratio, aligned):
    """torchvision's roi_align by its definition: each bin's mean of bilinearly read sample points."""
    n, c, height, width = x.shape
    ph, pw = output_size
    out = np.zeros((len(rois), c, ph, pw))
    offset = 0.5 if aligned else 0.0
    for r, (image, x1, y1, x2, y2) in enumerate(rois.tolist()):
        top, left = y1 * scale - offset, x1 * scale - offset
        tall, wide = y2 * scale - offset - top, x2 * scale - offset - left
        if not aligned:
            tall, wide = max(tall, 1.0), max(wide, 1.0)
        grid_h = sampling_ratio if sampling_ratio > 0 else math.ceil(tall / ph)
        grid_w = sampling_ratio if sampling_ratio > 0 else math.ceil(wide / pw)
        count = max(grid_h * grid_w, 1)
        for i in range(ph):
            for j in range(pw):
                total = np.zeros(c)
                for iy in range(grid_h):
                    y = top + i * tall / ph + (iy + 0.5) * tall / ph / grid_h
                    for ix in range(grid_w):
                        xx = left + j * wide / pw + (ix + 0.5) * wide / pw / grid_w
                        if y < -1 or y > height or xx < -1 or xx > width:
                            continue
                        total += bilinear(x[int(image)], max(y, 0.0), max(xx, 0.0))
                out[r, :, i, j] = total / count
    return out


def bilinear(plane, y, x):
    """The C values at ``(y, x)`` (both >= 0): its four neighbours, the last row/column clamped."""
    height, width = plane.shape[1:]
    y0, x0 = min(int(y), height - 1), min(int(x), width - 1)
    y1, x1 = min(y0 + 1, height - 1), min(x0 + 1, width - 1)
    fy = 0.0 if int(y) >= height - 1 else y - y0
    fx = 0.0 if int(x) >= width - 1 else x - x0
    return (
        (1 - fy) * (1 - fx) * plane[:, y0, x0]
        + (1 - fy) * fx * plane[:, y0, x1]
        + fy * (1 - fx) * plane[:, y1, x0]
        + fy * fx * plane[:, y1, x1]
    )


def mixed_regions(rng, images, height, width, count, scale):
    """``count`` regions of every kind, in image coordinates (the map's over ``scale``)."""
    size = np.array([width, height]) / scale
    start = rng.uniform(-0.1, 1.05, (count, 2)) * size
    extent = rng.uniform(0, 1, (count, 2)) ** 3 * size  # mostly small, a few large
    boxes = np.concatenate([start, start + extent], axis=1)
    boxes[0] = [-2.0, -2.0, size[0] + 2, size[1] + 2]  # the whole map and past it
    boxes[1, 2:] = boxes[1, :2]  # empty
    boxes[2, 2:] = boxes[2, :2] - 1.5  # inverted
    boxes[3] = [-6.0 / scale, 1.0, -2.5 / scale, 4.0]  # wholly left of the map
    return np.concatenate([rng.integers(0, images, (count, 1)), boxes], axis=1)


@pytest.mark.parametrize(
    ("aligned", "sampling_ratio", "scale", "output_size"),
    [(False, -1, 1.0, (7, 7)), (True, 2, 0.5, (3, 5)), (True, 0, 2.0, (4, 2)), (False, 1, 0.25, (2, 2))],
)
def test_roi_align_over_bands_is_the_loop_definition(rng, aligned, sampling_ratio, scale, output_size):
    x = rng.normal(size=(2, 3, 29, 37))
    rois = mixed_regions(rng, 2, 29, 37, 60, scale)
    boxes = autograd.tensor(rois)
    ours = ops.roi_align(autograd.tensor(x), boxes, output_size, scale, sampling_ratio, aligned)
    expected = reference_roi_align(x, rois, output_size, scale, sampling_ratio, aligned)
    np.testing.assert_allclose(ours.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_roi_align_over_bands_float32_is_the_float64_result_rounded(rng):
    x = rng.normal(size=(1, 4, 31, 26))
    rois = mixed_regions(rng, 1, 31, 26, 40, 1.0)
    as32 = ops.roi_align(autograd.tensor(x.astype(np.float32)), autograd.tensor(rois.astype(np.float32)), 5)
    as64 = ops.roi_align(autograd.tensor(x), autograd.tensor(rois.astype(np.float32).astype(np.float64)), 5)
    assert as32.dtype == autograd.float32
    np.testing.assert_allclose(as32.numpy(), as64.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("aligned", "sampling_ratio"), [(False, -1), (True, 2)])
def test_roi_align_gradient_over_bands_matches_central_differences(check_grad, rng, aligned, sampling_ratio):
    x = autograd.tensor(rng.uniform(-1, 1, (2, 1, 17, 15)), requires_grad=True)
    rois = autograd.tensor(mixed_regions(rng, 2, 17, 15, 12, 1.0))
    check_grad(lambda t: ops.roi_align(t, rois, (3, 2), 1.0, sampling_ratio, aligned), x)


def test_roi_align_gradient_is_the_transpose_of_the_forward(rng):
    """<g, roi_align(x)> = <roi_align's backward(g), x> for a linear op, over many bands at once."""
    x = rng.normal(size=(2, 5, 40, 33))
    rois = mixed_regions(rng, 2, 40, 33, 80, 1.0)
    g = rng.normal(size=(80, 5, 4, 3))
    t = autograd.tensor(x, requires_grad=True)
    out = ops.roi_align(t, autograd.tensor(rois), (4, 3), 1.0, -1, True)
    out.backward(autograd.tensor(g))
    np.testing.assert_allclose((out.detach().numpy() * g).sum(), (t.grad.numpy() * x).sum(), rtol=1e-12)
    basis = np.zeros_like(x)
    basis[1, 2, 7, 30] = 1.0  # one pixel's gradient is the outputs' weights on it
    weights = ops.roi_align(autograd.tensor(basis), autograd.tensor(rois), (4, 3), 1.0, -1, True).numpy()
    np.testing.assert_allclose(t.grad.numpy()[1, 2, 7, 30], (weights * g).sum(), rtol=1e-12)


def test_an_inf_or_nan_reaches_only_the_bins_that_read_it(rng):
    """A non-finite pixel that no sample reads leaves the bins finite (it lies in their band, weight 0);
    one that is read gives inf, -inf or NaN there, as the loop definition's sums of products do."""
    x = rng.normal(size=(1, 2, 32, 32))
    x[0, 0, 25, 25] = np.inf  # inside the bands of the regions below, read by none of them
    x[0, 1, 28, 3] = np.nan
    rois = np.array([[0, 1.2, 1.3, 3.7, 3.9], [0, 2.1, 0.4, 6.6, 5.3], [0, 9.3, 8.2, 14.6, 15.1]])
    quiet = ops.roi_align(autograd.tensor(x), autograd.tensor(rois), 2, 1.0, 2, False).numpy()
    assert np.isfinite(quiet).all()
    np.testing.assert_allclose(quiet, reference_roi_align(x, rois, (2, 2), 1.0, 2, False), rtol=1e-12)
    x[0, 0, 2, 2], x[0, 0, 4, 4], x[0, 1, 11, 11], x[0, 1, 12, 12] = np.inf, -np.inf, np.nan, np.inf
    loud = ops.roi_align(autograd.tensor(x), autograd.tensor(rois), 2, 1.0, 2, False).numpy()
    expected = reference_roi_align(x, rois, (2, 2), 1.0, 2, False)
    assert np.isposinf(expected).any() and np.isneginf(expected).any() and np.isnan(expected).any()
    np.testing.assert_allclose(loud, expected, rtol=1e-12)  # inf, -inf and NaN in the same places


def test_a_nan_in_the_output_gradient_reaches_only_the_pixels_its_bin_reads(rng):
    x = autograd.tensor(rng.normal(size=(1, 1, 32, 32)), requires_grad=True)
    rois = autograd.tensor(np.array([[0, 1.2, 1.3, 3.7, 3.9], [0, 9.3, 8.2, 14.6, 15.1]]))
    grad = rng.normal(size=(2, 1, 2, 2))
    grad[0, 0, 1, 0] = np.nan
    ops.roi_align(x, rois, 2, 1.0, 2, False).backward(autograd.tensor(grad))
    basis = np.zeros_like(grad)
    basis[0, 0, 1, 0] = 1.0
    reader = autograd.tensor(np.zeros((1, 1, 32, 32)), requires_grad=True)
    ops.roi_align(reader, rois, 2, 1.0, 2, False).backward(autograd.tensor(basis))
    read = reader.grad.numpy() > 0  # the pixels that bin reads with a positive weight
    assert read.sum() >= 4
    np.testing.assert_array_equal(np.isnan(x.grad.numpy()), read)


def test_bands_hold_each_span_within_four_times_its_size_from_a_multiple_of_it():
    first = np.array([0, 5, 13, 29, 30, 3, 0, 31, 17, 20])
    span = np.array([1, 3, 4, 3, 2, 17, 32, 1, 8, 12])
    start, stop = bands(first, span, 32)
    assert (start <= first).all() and (first + span <= stop).all() and (stop <= 32).all()
    power = 2 ** np.ceil(np.log2(span))
    whole = 2 * power >= 32
    np.testing.assert_array_equal(start[~whole] % power[~whole], 0)
    assert ((stop - start)[~whole] <= 2 * power[~whole]).all()
    np.testing.assert_array_equal(start[whole], 0)
    np.testing.assert_array_equal(stop[whole], 32)
    assert start.tolist() == [0, 4, 12, 28, 30, 0, 0, 31, 16, 0]  # 2 · 16 >= 32: the whole axis
    assert stop.tolist() == [2, 12, 20, 32, 32, 32, 32, 32, 32, 32]


def crowded_regions(rng, count):
    """``count`` regions of a 24×64 map, all rows and columns 33 to 38: one band (rows 0-24, columns
    32-48), one group unless split."""
    start = rng.uniform([33, -1], [34, 4], (count, 2))
    stop = rng.uniform([37, 18], [38.5, 25], (count, 2))
    return np.concatenate([np.zeros((count, 1)), start, stop], axis=1)


@pytest.mark.parametrize("budget", [0, 1, 3, 7])
def test_a_group_past_the_byte_budget_runs_in_chunks_with_the_unsplit_result(rng, monkeypatch, budget):
    """GROUP_BYTES set to ``budget`` regions' products over the band's 16 columns: chunks of at most
    that many regions (at least one), and the forward and backward of the split group equal those of
    the whole one."""
    x = rng.normal(size=(1, 3, 24, 64))
    rois = crowded_regions(rng, 17)
    g = rng.normal(size=(17, 3, 4, 2))

    def forward_backward():
        t = autograd.tensor(x, requires_grad=True)
        out = ops.roi_align(t, autograd.tensor(rois), (4, 2), 1.0, 2, True)
        out.backward(autograd.tensor(g))
        return out.detach().numpy(), t.grad.numpy()

    whole = forward_backward()
    shares = [axis_shares(rois, 4, 1, 24, 1.0, True, 2), axis_shares(rois, 2, 0, 64, 1.0, True, 2)]
    column = 4 * 3 * 8  # PH · C · float64 bytes
    assert [len(m) for m, *_ in band_groups(rois, *shares, 24, 64, column)] == [17]
    assert bands(shares[1][2], shares[1][3], 64)[0].tolist() == [32] * 17  # a band not at column 0
    band = column * 16
    monkeypatch.setattr(
        sys.modules[bands.__module__], "GROUP_BYTES", budget * band + band - 1
    )  # not budget + 1
    parts = [len(m) for m, *_ in band_groups(rois, *shares, 24, 64, column)]
    size = max(budget, 1)
    assert parts == [size] * (17 // size) + ([17 % size] if 17 % size else [])
    split = forward_backward()
    np.testing.assert_allclose(split[0], whole[0], rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(split[1], whole[1], rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(
        split[0], reference_roi_align(x, rois, (4, 2), 1.0, 2, True), rtol=1e-12, atol=1e-12
    )


def test_a_group_reads_only_its_regions_span_of_the_band(rng):
    """Each group's rows and columns are the union of its regions' spans, not the whole band."""
    rois = np.array(
        [
            [0, 3.2, 5.1, 6.8, 9.4],
            [0, 3.3, 5.5, 7.6, 9.9],
            [1, 20.2, 1.3, 22.9, 2.6],
            [0, 3.2, 21.3, 7.6, 25.9],  # another band of rows
            [0, 20.3, 5.2, 24.0, 9.6],  # another band of columns
        ]
    )
    shares = [axis_shares(rois, 2, 1, 32, 1.0, False, 2), axis_shares(rois, 2, 0, 32, 1.0, False, 2)]
    groups = {
        tuple(m.tolist()): (image, ys, xs) for m, image, ys, xs in band_groups(rois, *shares, 32, 32, 8)
    }
    assert groups == {
        (0, 1): (0, (5, 11), (3, 9)),
        (2,): (1, (1, 4), (20, 24)),
        (3,): (0, (21, 27), (3, 9)),
        (4,): (0, (5, 11), (20, 25)),
    }


def test_a_map_without_channels_gives_empty_bins():
    out = ops.roi_align(autograd.zeros(1, 0, 8, 8), autograd.tensor([[0, 1.0, 1.0, 5.0, 5.0]]), output_size=2)
    assert out.shape == (1, 0, 2, 2)
