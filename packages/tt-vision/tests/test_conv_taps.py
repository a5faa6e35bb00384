"""Kernel taps that read only padding, trimmed off conv2d (``conv_taps.py``): which, and the same results.

The reference is the loop convolution of the shared fixtures (every tap, zeros included), and
``fast_convolutions(False)``, which runs the full kernel through module 09's im2col. Not course material.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_vision
from tt_vision import functional as F
from tt_vision.conv_taps import live_taps, trim_dead_taps


def test_live_taps_by_hand():
    # ASPP on an 8×8 map: taps at -12 and +12 never reach rows 0..7; the centre's padding becomes 0
    assert live_taps(8, 3, 1, (12, 12), 12) == (1, 1, (0, 0))
    assert live_taps(4, 3, 1, (5, 5), 5) == (1, 1, (0, 0))
    # dilation 2 on 3 rows padded by 2: tap 0 reads row 0 for output 2, tap 2 row 2 for output 0
    assert live_taps(3, 3, 1, (2, 2), 2) is None
    # padding on one side: 5 outputs read rows o - 6 (tap 0: never >= 0) and o - 1 (rows 0..3)
    assert live_taps(4, 2, 1, (6, 0), 5) == (1, 1, (1, 0))
    # the first live tap would need padding -2 (cropping): nothing is trimmed
    assert live_taps(3, 2, 1, (3, 0), 5) is None
    # no tap reads the input at all (one output, all padding): nothing to keep, nothing trimmed
    assert live_taps(1, 2, 1, (3, 2), 5) is None
    # stride 2, one output reading rows 4t - 4: tap 0 row -4 (dead), taps 1 and 2 rows 0 and 4
    assert live_taps(5, 3, 2, (4, 0), 4) == (1, 2, (0, 0))
    # stride 2, two outputs (rows 0 and 2 of the padded 11): tap 0 reads -4, -2; tap 2 reads 4, 6
    assert live_taps(3, 3, 2, (4, 4), 4) == (1, 1, (0, 0))
    # an even kernel: taps 1 and 2 of 4 live, padding 5 -> 2 on both sides
    assert live_taps(3, 4, 1, (5, 5), 3) == (1, 2, (2, 2))
    # a tap reading exactly one past the end (row 4 of 4) is dead too
    assert live_taps(4, 3, 1, (4, 4), 4) == (1, 1, (0, 0))
    # a 1-tap axis is never trimmed
    assert live_taps(2, 1, 1, (0, 0), 1) is None


def test_trim_dead_taps_slices_rows_and_columns_apart():
    weight = autograd.tensor(np.arange(2 * 1 * 3 * 3, dtype=np.float64).reshape(2, 1, 3, 3))
    kept, pads = trim_dead_taps(weight, (8, 30), (1, 1), (12, 12, 12, 12), (12, 12))
    # rows: 8 < 12, the centre only; columns: 30 > 12, all three live
    assert pads == (0, 0, 12, 12)
    np.testing.assert_array_equal(kept.numpy(), weight.numpy()[:, :, 1:2, :])
    kept, pads = trim_dead_taps(weight, (30, 8), (1, 1), (12, 12, 12, 12), (12, 12))
    assert pads == (12, 12, 0, 0)
    np.testing.assert_array_equal(kept.numpy(), weight.numpy()[:, :, :, 1:2])
    same, pads = trim_dead_taps(weight, (30, 30), (1, 1), (12, 12, 12, 12), (12, 12))
    assert same is weight and pads == (12, 12, 12, 12)


def test_trim_dead_taps_reads_each_axis_own_stride_dilation_and_padding():
    weight = autograd.tensor(np.arange(2 * 1 * 3 * 3, dtype=np.float64).reshape(2, 1, 3, 3))
    # rows: stride 2 leaves 4 outputs whose centre tap would need padding -1 below: kept whole
    same, pads = trim_dead_taps(weight, (8, 9), (2, 1), (12, 12, 1, 1), (12, 1))
    assert same is weight and pads == (12, 12, 1, 1)
    kept, pads = trim_dead_taps(weight, (8, 9), (1, 1), (12, 12, 1, 1), (12, 1))  # stride 1: the centre row
    assert pads == (0, 0, 1, 1) and kept.shape == (2, 1, 1, 3)
    same, pads = trim_dead_taps(weight, (9, 8), (1, 2), (1, 1, 12, 12), (1, 12))  # the same, by columns
    assert same is weight and pads == (1, 1, 12, 12)
    kept, pads = trim_dead_taps(weight, (9, 8), (1, 1), (1, 1, 12, 12), (1, 12))
    assert pads == (1, 1, 0, 0) and kept.shape == (2, 1, 3, 1)
    # an even kernel's columns 1..2 of 4 (see live_taps(3, 4, 1, (5, 5), 3))
    wide = autograd.tensor(np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4))
    kept, pads = trim_dead_taps(wide, (30, 3), (1, 1), (5, 5, 5, 5), (3, 3))
    assert pads == (5, 5, 2, 2)
    np.testing.assert_array_equal(kept.numpy(), wide.numpy()[:, :, :, 1:3])


# (N, C_in, H, W, C_out, kernel, conv2d's keywords)
CASES = [
    (2, 5, 8, 8, 4, 3, {"padding": 12, "dilation": 12}),  # ASPP: 1×1 left
    (1, 3, 3, 20, 2, 3, {"padding": 4, "dilation": 4}),  # rows trimmed, columns kept
    (2, 3, 3, 3, 2, 3, {"padding": 4, "dilation": 4, "stride": 2}),  # strided
    (1, 4, 3, 5, 3, 4, {"padding": 5, "dilation": 3}),  # an even kernel: rows 1..2 of 4 kept
    (2, 4, 6, 5, 4, 3, {"padding": 6, "dilation": 6, "groups": 2}),
]


@pytest.mark.parametrize(("n", "c", "h", "w", "c_out", "k", "conv"), CASES)
def test_trimmed_convolutions_equal_the_full_kernel(n, c, h, w, c_out, k, conv, rng, reference):
    groups = conv.get("groups", 1)
    x = rng.standard_normal((n, c, h, w))
    weight = rng.standard_normal((c_out, c // groups, k, k))
    bias = rng.standard_normal(c_out)
    grad = None
    results = []
    for fast in (True, False):
        leaves = [autograd.tensor(a, requires_grad=True) for a in (x, weight, bias)]
        with tt_vision.fast_convolutions(fast):
            out = F.conv2d(*leaves, **conv)
            grad = rng.standard_normal(out.shape) if grad is None else grad
            out.backward(autograd.tensor(grad))
        results.append([out.detach().numpy(), *(leaf.grad.numpy() for leaf in leaves)])
    pad = conv["padding"]
    pads = (pad, pad, pad, pad) if isinstance(pad, int) else (pad[0], pad[0], pad[1], pad[1])
    stride = (conv.get("stride", 1),) * 2
    expected = reference.conv2d(x, weight, bias, stride, pads, (conv["dilation"],) * 2, groups)
    np.testing.assert_allclose(results[0][0], expected, rtol=1e-12, atol=1e-12)
    for trimmed, full in zip(results[0], results[1]):
        np.testing.assert_allclose(trimmed, full, rtol=1e-12, atol=1e-12)


def test_dead_taps_get_exactly_zero_gradient_and_gradcheck(leaf, check_grad):
    x, weight = leaf(2, 3, 4, 4), leaf(2, 3, 3, 3)
    out = F.conv2d(x, weight, padding=6, dilation=6)
    out.backward(autograd.ones(*out.shape))
    grad = weight.grad.numpy()
    assert np.all(grad[:, :, [0, 2], :] == 0) and np.all(grad[:, :, :, [0, 2]] == 0)
    assert np.all(grad[:, :, 1, 1] != 0)
    check_grad(lambda a, b: F.conv2d(a, b, padding=6, dilation=6), leaf(1, 2, 3, 3), leaf(2, 2, 3, 3))
    # rows trimmed, columns kept; and the trimmed weight's gradient through a module
    check_grad(lambda a, b: F.conv2d(a, b, padding=(3, 1), dilation=3), leaf(1, 2, 2, 6), leaf(1, 2, 3, 3))


def test_a_nan_on_a_dead_tap_stays_out():
    # the one documented difference: PyTorch's full kernel gives 0 * nan = nan everywhere
    weight = np.ones((1, 1, 3, 3))
    weight[0, 0, 0, 0] = np.nan
    out = F.conv2d(
        autograd.ones(1, 1, 4, 4, dtype=autograd.float64), autograd.tensor(weight), padding=8, dilation=8
    )
    np.testing.assert_array_equal(out.numpy(), np.ones((1, 1, 4, 4)))
    with tt_vision.fast_convolutions(False):
        full = F.conv2d(
            autograd.ones(1, 1, 4, 4, dtype=autograd.float64), autograd.tensor(weight), padding=8, dilation=8
        )
    assert np.all(np.isnan(full.numpy()))
