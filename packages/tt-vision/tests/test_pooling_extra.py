"""1-d pooling (``max_pool1d``, ``avg_pool1d``, ``adaptive_avg_pool1d``, ``adaptive_max_pool1d``) and
``adaptive_max_pool2d``, functional and module forms.

Values against float64 loops (the ``reference`` fixture's window-by-window
pooling, and adaptive bins ``[⌊i·L/o⌋, ⌈(i+1)·L/o⌉)`` written out here),
PyTorch's ceil-mode, padding and ``count_include_pad`` rules, ties (the first
maximum of a bin takes the gradient, as in PyTorch), ``return_indices``,
gradients with ``gradcheck``, unbatched inputs, dtype, repr and errors.
Not course material (outside module 09's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import (
    AdaptiveAvgPool1d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    MaxPool1d,
    adaptive_avg_pool1d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    max_pool1d,
)

POOL_CASES = [
    # (kernel, stride, padding, dilation, ceil_mode)
    (2, None, 0, 1, False),
    (3, 2, 1, 1, False),
    (3, 2, 1, 1, True),
    (2, 3, 1, 2, True),
    (4, 1, 2, 1, False),
]


def bins(size, out):
    return [((i * size) // out, -(-((i + 1) * size) // out)) for i in range(out)]


def adaptive_reference(x, sizes, op):
    """Bin by bin over the last len(sizes) axes; returns values and flat argmax positions."""
    if len(sizes) == 1:
        x = x[..., None, :]
        sizes = (1, *sizes)
    n, c, h, w = x.shape
    out, where = np.zeros((n, c, *sizes)), np.zeros((n, c, *sizes), dtype=np.int64)
    for i, (r0, r1) in enumerate(bins(h, sizes[0])):
        for j, (q0, q1) in enumerate(bins(w, sizes[1])):
            block = x[:, :, r0:r1, q0:q1].reshape(n, c, -1)
            out[:, :, i, j] = block.max(-1) if op == "max" else block.mean(-1)
            first = block.argmax(-1)
            where[:, :, i, j] = (r0 + first // (q1 - q0)) * w + q0 + first % (q1 - q0)
    return out, where


@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_max_and_avg_pool1d_values_and_gradients(case, rng, reference, leaf, check_grad):
    kernel, stride, padding, dilation, ceil_mode = case
    x = rng.standard_normal((2, 3, 11))
    step = kernel if stride is None else stride
    out = max_pool1d(autograd.tensor(x), kernel, stride, padding, dilation, ceil_mode)
    expected = reference.pool2d(
        x[:, :, None], (1, kernel), (1, step), (0, padding), "max", ceil_mode, (1, dilation)
    )
    np.testing.assert_array_equal(out.numpy(), expected[:, :, 0])
    check_grad(lambda x: max_pool1d(x, kernel, stride, padding, dilation, ceil_mode), leaf(2, 3, 9))
    for include in (True, False):
        out = avg_pool1d(autograd.tensor(x), kernel, stride, padding, ceil_mode, include)
        expected = reference.pool2d(
            x[:, :, None], (1, kernel), (1, step), (0, padding), "avg", ceil_mode, count_include_pad=include
        )
        np.testing.assert_allclose(out.numpy(), expected[:, :, 0], rtol=1e-12)
        check_grad(
            lambda x, include=include: avg_pool1d(x, kernel, stride, padding, ceil_mode, include),
            leaf(2, 3, 9),
        )


@pytest.mark.parametrize("size", [1, 3, 4, 7, 9], ids=str)
def test_adaptive_1d(size, rng, leaf, check_grad):
    x = rng.standard_normal((2, 3, 7))
    expected_avg, _ = adaptive_reference(x, (size,), "avg")
    np.testing.assert_allclose(
        adaptive_avg_pool1d(autograd.tensor(x), size).numpy(), expected_avg[:, :, 0], rtol=1e-12
    )
    expected_max, where = adaptive_reference(x, (size,), "max")
    values, indices = adaptive_max_pool1d(autograd.tensor(x), size, return_indices=True)
    np.testing.assert_array_equal(values.numpy(), expected_max[:, :, 0])
    np.testing.assert_array_equal(indices.numpy(), where[:, :, 0])
    assert indices.dtype == autograd.int64
    np.testing.assert_array_equal(
        adaptive_max_pool1d(autograd.tensor(x), size).numpy(), expected_max[:, :, 0]
    )
    check_grad(lambda x: adaptive_avg_pool1d(x, size), leaf(2, 3, 7))
    check_grad(lambda x: adaptive_max_pool1d(x, size), leaf(2, 3, 7))


@pytest.mark.parametrize("sizes", [(1, 1), (3, 2), (2, 5), (4, 3), (6, 7), (2, None)], ids=str)
def test_adaptive_max_pool2d(sizes, rng, leaf, check_grad):
    x = rng.standard_normal((2, 3, 6, 5))
    full = tuple(5 if s is None else s for s in sizes)
    expected, where = adaptive_reference(x, full, "max")
    values, indices = adaptive_max_pool2d(autograd.tensor(x), sizes, return_indices=True)
    np.testing.assert_array_equal(values.numpy(), expected)
    np.testing.assert_array_equal(indices.numpy(), where)
    check_grad(lambda x: adaptive_max_pool2d(x, sizes), leaf(2, 3, 6, 5))


def test_ties_and_overlapping_bins_gradient():
    # Length 5 into 3 bins: [0, 2), [1, 4), [3, 5) overlap at 1 and 3.
    x = autograd.tensor([[[2.0, 2.0, 1.0, 2.0, 0.0]]], dtype=autograd.float64, requires_grad=True)
    out, indices = adaptive_max_pool1d(x, 3, return_indices=True)
    assert out.detach().numpy().tolist() == [[[2.0, 2.0, 2.0]]] and indices.numpy().tolist() == [[[0, 1, 3]]]
    (out * autograd.tensor([[[1.0, 10.0, 100.0]]], dtype=autograd.float64)).sum().backward()
    assert x.grad.numpy().tolist() == [[[1.0, 10.0, 0.0, 100.0, 0.0]]]  # the first maximum of each bin
    y = autograd.tensor(np.full((1, 1, 3, 3), 5.0), requires_grad=True)
    adaptive_max_pool2d(
        y, 2
    ).sum().backward()  # bins rows/cols [0, 2) and [1, 3): firsts (0,0) (0,1) (1,0) (1,1)
    assert y.grad.numpy()[0, 0].tolist() == [[1, 1, 0], [1, 1, 0], [0, 0, 0]]


def test_unbatched_float32_and_modules(rng):
    x = autograd.tensor(rng.standard_normal((3, 10)).astype(np.float32))
    for layer, shape in [
        (MaxPool1d(3, stride=2, padding=1), (3, 5)),
        (AvgPool1d(3, stride=1, padding=1), (3, 10)),
        (AdaptiveAvgPool1d(4), (3, 4)),
        (AdaptiveMaxPool1d(4), (3, 4)),
    ]:
        out = layer(x)
        assert out.shape == shape and out.dtype == autograd.float32
    np.testing.assert_allclose(AvgPool1d(2)(x).numpy(), x.numpy().reshape(3, 5, 2).mean(-1), rtol=1e-6)
    np.testing.assert_array_equal(MaxPool1d(2)(x).numpy(), x.numpy().reshape(3, 5, 2).max(-1))
    values, indices = AdaptiveMaxPool1d(2, return_indices=True)(x)
    np.testing.assert_array_equal(indices.numpy(), x.numpy().reshape(3, 2, 5).argmax(-1) + [0, 5])
    image = autograd.tensor(rng.standard_normal((2, 4, 6)).astype(np.float32))
    out, where = AdaptiveMaxPool2d((1, 3), return_indices=True)(image)
    assert out.shape == (2, 1, 3) and out.dtype == autograd.float32 and where.shape == (2, 1, 3)
    np.testing.assert_array_equal(out.numpy()[:, 0], image.numpy().reshape(2, 4, 3, 2).max(axis=(1, 3)))
    assert repr(MaxPool1d(3)) == "MaxPool1d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)"
    assert repr(AvgPool1d(3)) == "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))"
    assert repr(AvgPool1d(3, 2, 1)) == "AvgPool1d(kernel_size=(3,), stride=(2,), padding=(1,))"
    assert repr(AdaptiveAvgPool1d(4)) == "AdaptiveAvgPool1d(output_size=4)"
    assert repr(AdaptiveMaxPool1d(3)) == "AdaptiveMaxPool1d(output_size=3)"
    assert repr(AdaptiveMaxPool2d((2, 3))) == "AdaptiveMaxPool2d(output_size=(2, 3))"


def test_bad_arguments(rng):
    x = autograd.tensor(rng.standard_normal((2, 3, 8)))
    with pytest.raises(ValueError, match=r"max_pool1d: expected a 2-d \(C, L\) or 3-d \(N, C, L\) input"):
        max_pool1d(autograd.tensor(rng.standard_normal((1, 2, 3, 8))), 2)
    with pytest.raises(ValueError, match="MaxPool1d: kernel_size must be an int or a 1-tuple"):
        MaxPool1d((2, 2))  # at construction, not at the first forward
    with pytest.raises(ValueError, match="max_pool1d: kernel_size must be an int or a 1-tuple"):
        max_pool1d(x, (2, 2))
    with pytest.raises(ValueError, match="padding should be at most half of the kernel size"):
        avg_pool1d(x, 2, padding=2)
    with pytest.raises(ValueError, match="adaptive_avg_pool1d: output_size must be >= 1"):
        adaptive_avg_pool1d(x, 0)
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: output_size must be an int or a pair"):
        adaptive_max_pool2d(autograd.tensor(rng.standard_normal((1, 2, 4, 4))), (1, 2, 3))
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: expected a 4-d input"):
        adaptive_max_pool2d(x[0, 0], 2)


def test_adaptive_max_pool_points_at_a_nan_bins_last_nan():
    """PyTorch's CPU kernel keeps ``val > best or isnan(val)``: a NaN bin's index is its last NaN."""
    # 5 columns into 2 bins: [0, 3) and [2, 5); both bins hold NaNs, the second ends on a real value
    x = autograd.tensor([[[1.0, np.nan, np.nan, 4.0, 2.0]]], requires_grad=True)
    values, indices = adaptive_max_pool1d(x, 2, return_indices=True)
    assert np.isnan(values.detach().numpy()).all()
    assert indices.numpy().tolist() == [[[2, 2]]]
    values.backward(autograd.tensor([[[1.0, 10.0]]]))
    assert x.grad.numpy().tolist() == [[[0.0, 0.0, 11.0, 0.0, 0.0]]]
    # 2-d: a NaN bin beside a bin of ties keeps the first maximum there
    image = np.array([[[[np.nan, 1.0, 3.0, 3.0], [np.nan, 0.0, 3.0, 3.0]]]])
    _, where = adaptive_max_pool2d(autograd.tensor(image), (1, 2), return_indices=True)
    assert where.numpy().tolist() == [[[[4, 2]]]]
