"""Module 09: max, average and adaptive average pooling — values against loops, gradients by gradcheck.

Options covered: stride ≠ kernel (overlapping and gapped windows), padding,
dilation (max), ``ceil_mode``, ``count_include_pad``, ``divisor_override``,
non-square kernels, sizes that do not divide, and the tie rule of max-pool
(the gradient goes to the first maximum in scan order, as in PyTorch).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import functional as F

POOL_CASES = [
    # (kernel, stride, padding, ceil_mode)
    ((2, 2), (2, 2), (0, 0), False),
    ((3, 3), (2, 2), (1, 1), False),  # overlapping windows, padding
    ((2, 2), (3, 3), (0, 0), False),  # gaps between windows
    ((3, 2), (1, 2), (1, 0), False),
    ((3, 3), (2, 2), (0, 0), True),  # ceil mode: a last, partial window
    ((2, 2), (2, 2), (1, 1), True),
]


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_max_pool_forward(case, rng, reference):
    kernel, stride, padding, ceil_mode = case
    x = rng.standard_normal((2, 3, 7, 8))
    out = F.max_pool2d(autograd.tensor(x), kernel, stride, padding, ceil_mode=ceil_mode)
    expected = reference.pool2d(x, kernel, stride, padding, "max", ceil_mode)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected)


@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_max_pool_gradient(case, leaf, check_grad):
    kernel, stride, padding, ceil_mode = case
    check_grad(lambda x: F.max_pool2d(x, kernel, stride, padding, ceil_mode=ceil_mode), leaf(2, 2, 7, 6))


def test_max_pool_dilation(rng, leaf, check_grad, reference):
    x = rng.standard_normal((1, 2, 9, 9))
    out = F.max_pool2d(autograd.tensor(x), 3, 2, 1, dilation=2)
    np.testing.assert_allclose(
        out.numpy(), reference.pool2d(x, (3, 3), (2, 2), (1, 1), "max", dilation=(2, 2))
    )
    check_grad(lambda x: F.max_pool2d(x, 2, 1, dilation=2), leaf(1, 2, 6, 6))


def test_max_pool_ties_send_the_gradient_to_the_first_maximum():
    x = autograd.tensor(np.array([[[[1.0, 3.0], [3.0, 3.0]], [[0.0, 0.0], [0.0, 0.0]]]]), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    expected = np.array([[[[0.0, 1.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 0.0]]]])
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    padded = np.pad(x.detach().numpy(), ((0, 0), (0, 0), (0, 1), (0, 1)), constant_values=-1.0)
    odd = autograd.tensor(padded, requires_grad=True)
    F.max_pool2d(odd, 2).sum().backward()  # a 3×3 input: the per-offset kernel, the same rule
    np.testing.assert_array_equal(odd.grad.numpy()[:, :, :2, :2], expected)


def _pooled_with_grad(values: np.ndarray, dy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = autograd.tensor(values, requires_grad=True)
    out = F.max_pool2d(x, 2)
    (out * autograd.tensor(dy)).sum().backward()
    return out.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("chunk_bytes", [1, 1 << 19], ids=["one image per chunk", "default chunks"])
def test_the_2x2_path_matches_the_chapters_kernel_on_ties(chunk_bytes, rng, monkeypatch):
    """The separable 2×2 path (``_pool2x2.py``) against the per-offset kernel, on a ReLU'd batch (ties at 0).

    An odd-sized input (one more row and column, never a maximum) takes the per-offset kernel.
    """
    monkeypatch.setattr("tt_vision._pool2x2.CHUNK_BYTES", chunk_bytes)
    values = np.maximum(rng.standard_normal((5, 3, 6, 8)), 0.0)
    values[0, 0, :2, :2] = [[1.0, 2.0], [2.0, 2.0]]  # equal maxima: the first in scan order, (0, 1), wins
    dy = rng.standard_normal((5, 3, 3, 4))
    out, grad = _pooled_with_grad(values, dy)
    odd = np.pad(values, ((0, 0), (0, 0), (0, 1), (0, 1)), constant_values=-1.0)
    odd_out, odd_grad = _pooled_with_grad(odd, dy)
    np.testing.assert_array_equal(out, odd_out)
    np.testing.assert_array_equal(grad, odd_grad[:, :, :6, :8])
    assert grad[0, 0, 0, 1] == dy[0, 0, 0, 0] and grad[0, 0, 1, 0] == 0.0


def test_max_pool_2x2_gradient_and_integer_input(leaf, check_grad, reference):
    check_grad(lambda x: F.max_pool2d(x, 2), leaf(3, 2, 6, 8))
    ints = np.arange(32).reshape(1, 2, 4, 4) % 7
    out = F.max_pool2d(autograd.tensor(ints), 2).numpy()
    assert out.dtype == ints.dtype
    np.testing.assert_array_equal(out, reference.pool2d(ints, (2, 2), (2, 2), (0, 0), "max"))
    odd = np.pad(ints, ((0, 0), (0, 0), (0, 1), (0, 1)))  # the per-offset kernel agrees
    np.testing.assert_array_equal(out, F.max_pool2d(autograd.tensor(odd), 2).numpy())


def test_max_pool_sends_a_nan_windows_gradient_to_its_last_nan():
    """PyTorch's CPU kernel keeps the index of every NaN it meets: the last NaN in scan order wins."""
    nan = np.nan
    image = [[1.0, nan, 0.0, 4.0], [nan, 2.0, 5.0, 3.0]]  # window 1: NaNs at (0, 1), (1, 0); window 2: none
    x = autograd.tensor(np.array([[image]]), requires_grad=True)
    out = F.max_pool2d(x, 2)
    values = out.detach().numpy()
    assert np.isnan(values[0, 0, 0, 0]) and values[0, 0, 0, 1] == 5.0
    out.sum().backward()
    expected = np.array([[[[0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0]]]])
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_max_pool_overlapping_windows_each_send_their_gradient_to_their_last_nan():
    nan = np.nan
    row = [1.0, nan, 3.0, nan, 0.0]  # (1, 3) windows, stride 1: [1 nan 3], [nan 3 nan], [3 nan 0]
    x = autograd.tensor(np.array([[[row]]]), requires_grad=True)
    out = F.max_pool2d(x, (1, 3), stride=1)
    assert np.isnan(out.detach().numpy()).all()
    out.backward(autograd.tensor(np.array([[[[1.0, 10.0, 100.0]]]])))
    # window 0's last NaN is column 1; windows 1 and 2 both end on the NaN at column 3
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0.0, 1.0, 0.0, 110.0, 0.0]]]])


def test_max_pool_ties_in_overlapping_padded_windows():
    """A constant image: every value ties, so each window's gradient goes to its first input element."""
    x = autograd.tensor(np.ones((1, 1, 3, 4)), requires_grad=True)
    F.max_pool2d(x, 3, stride=1, padding=1).sum().backward()
    # window (i, j) reads rows i-1..i+1, columns j-1..j+1; its first input: (max(i-1, 0), max(j-1, 0)),
    # so row r is first for #{i: max(i-1, 0) = r} windows: rows [2, 1, 0], columns [2, 1, 1, 0]
    firsts_per_row, firsts_per_column = np.array([2.0, 1.0, 0.0]), np.array([2.0, 1.0, 1.0, 0.0])
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], np.outer(firsts_per_row, firsts_per_column))


@pytest.mark.parametrize(
    "shape, options, expected",
    [  # PyTorch 2.13: max_pool2d(full(shape, -inf), **options).sum().backward(), the input's gradient
        ((3, 3), dict(kernel_size=3, stride=1, padding=1), [[4, 2, 0], [2, 1, 0], [0, 0, 0]]),
        ((3, 3), dict(kernel_size=2, stride=2, padding=1, ceil_mode=True), [[1, 1, 0], [1, 1, 0], [0, 0, 0]]),
        (
            (4, 4),
            dict(kernel_size=2, stride=1, padding=1, dilation=2),
            [[1, 2, 1, 0], [2, 4, 2, 0], [1, 2, 1, 0], [0, 0, 0, 0]],
        ),
        ((1, 4), dict(kernel_size=(1, 3), stride=1, padding=(0, 1)), [[2, 1, 1, 0]]),
    ],
)
def test_a_padded_window_of_minus_infinity_sends_its_gradient_to_its_first_input(shape, options, expected):
    """The padding is −∞ too, but PyTorch never picks it: each window's first real element does."""
    x = autograd.tensor(np.full((1, 1, *shape), -np.inf), requires_grad=True)
    F.max_pool2d(x, **options).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], expected)


def test_max_pool_overlapping_windows_accumulate():
    x = autograd.tensor(
        np.array([[[[0.0, 5.0, 0.0, 1.0]]]]), requires_grad=True
    )  # 5 is the max of two windows
    F.max_pool2d(x, (1, 2), (1, 1)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0.0, 2.0, 0.0, 1.0]]]])


@pytest.mark.parametrize("case", POOL_CASES, ids=str)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool_forward(case, count_include_pad, rng, reference):
    kernel, stride, padding, ceil_mode = case
    x = rng.standard_normal((2, 3, 7, 8))
    out = F.avg_pool2d(autograd.tensor(x), kernel, stride, padding, ceil_mode, count_include_pad)
    expected = reference.pool2d(
        x, kernel, stride, padding, "avg", ceil_mode, count_include_pad=count_include_pad
    )
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_avg_pool_gradient(case, leaf, check_grad):
    kernel, stride, padding, ceil_mode = case
    check_grad(lambda x: F.avg_pool2d(x, kernel, stride, padding, ceil_mode, False), leaf(2, 2, 7, 6))
    check_grad(lambda x: F.avg_pool2d(x, kernel, stride, padding, ceil_mode, True), leaf(1, 2, 6, 7))


def test_avg_pool_divisor_override(rng):
    x = rng.standard_normal((1, 1, 4, 4))
    out = F.avg_pool2d(autograd.tensor(x), 2, divisor_override=1)
    np.testing.assert_allclose(out.numpy()[0, 0, 0, 0], x[0, 0, :2, :2].sum())


@pytest.mark.parametrize(
    ("size", "output"),
    [
        ((8, 8), (1, 1)),
        ((8, 6), (4, 3)),
        ((7, 5), (3, 2)),
        ((5, 5), (5, 5)),
        ((6, 7), (None, 2)),
        ((3, 4), (5, 6)),
    ],
)
def test_adaptive_avg_pool(size, output, rng, leaf, check_grad):
    x = rng.standard_normal((2, 3, *size))
    out = F.adaptive_avg_pool2d(autograd.tensor(x), output).numpy()
    oh, ow = size[0] if output[0] is None else output[0], output[1]
    assert out.shape == (2, 3, oh, ow)
    for i in range(oh):
        for j in range(ow):
            r0, r1 = (i * size[0]) // oh, -(-((i + 1) * size[0]) // oh)
            c0, c1 = (j * size[1]) // ow, -(-((j + 1) * size[1]) // ow)
            np.testing.assert_allclose(out[:, :, i, j], x[:, :, r0:r1, c0:c1].mean(axis=(2, 3)))
    check_grad(lambda x: F.adaptive_avg_pool2d(x, output), leaf(1, 2, *size))


def test_adaptive_avg_pool_int_size_and_unbatched(rng):
    x = autograd.tensor(rng.standard_normal((3, 6, 6)))
    assert F.adaptive_avg_pool2d(x, 2).shape == (3, 2, 2)


def test_pooling_keeps_float32(rng):
    x = autograd.tensor(rng.standard_normal((2, 4, 8, 8)).astype(np.float32))
    for out in (F.max_pool2d(x, 2), F.avg_pool2d(x, 2), F.adaptive_avg_pool2d(x, 1)):
        assert out.dtype == autograd.float32


def test_pool_errors(rng):
    x = autograd.tensor(rng.standard_normal((1, 1, 4, 4)))
    with pytest.raises(ValueError, match="half"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match="4-d"):
        F.max_pool2d(autograd.tensor(rng.standard_normal((4, 4))), 2)
    # return_indices=True is supported since session 18: tests/test_max_unpool.py covers it.
