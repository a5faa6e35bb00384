"""3-d pooling (max_pool3d, avg_pool3d, adaptive_avg_pool3d, their layers) against a loop over every window.

The reference follows PyTorch's CPU kernels: a window covers ``z·s − p + a·d`` per axis; max
takes the first maximum in scan order (depth, row, column) or the last NaN, and never a padded
position; average divides by the product of the per-axis counts (the padding counted unless
``count_include_pad=False``, nothing past the padded end in ceil mode) or by ``divisor_override``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, MaxPool3d, MaxUnpool3d
from tt_vision.functional import (
    adaptive_avg_pool3d,
    adaptive_max_pool3d,
    avg_pool3d,
    max_pool3d,
    max_unpool3d,
)


def out_size(size, k, s, p, d, ceil):
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil else span // s) + 1
    return out - 1 if ceil and (out - 1) * s >= size + p else out


def reference(x, k, s, p, d, ceil, kind, count_include_pad=True, divisor=None):
    """Values (and, for max, flat indices) of every window, one window at a time."""
    n, c, *sizes = x.shape
    outs = [out_size(sizes[i], k[i], s[i], p[i], d[i], ceil) for i in range(3)]
    values, where = np.zeros((n, c, *outs)), np.zeros((n, c, *outs), dtype=np.int64)
    for z, y, w in itertools.product(*(range(o) for o in outs)):
        starts = [q * s[i] - p[i] for i, q in enumerate((z, y, w))]
        axes = [[st + a * d[i] for a in range(k[i])] for i, st in enumerate(starts)]
        real = [[t for t in axis if 0 <= t < sizes[i]] for i, axis in enumerate(axes)]
        for b, ch in itertools.product(range(n), range(c)):
            if kind == "max":
                best, spot = -math.inf, None
                for t in itertools.product(*real):  # scan order: depth, row, column
                    v = x[b, ch, t[0], t[1], t[2]]
                    if spot is None or v > best or math.isnan(v):
                        best, spot = v, t
                values[b, ch, z, y, w] = best
                where[b, ch, z, y, w] = (spot[0] * sizes[1] + spot[1]) * sizes[2] + spot[2]
            else:
                total = sum(x[b, ch, t[0], t[1], t[2]] for t in itertools.product(*real))
                if divisor:
                    count = divisor
                elif count_include_pad:
                    count = math.prod(min(st + k[i], sizes[i] + p[i]) - st for i, st in enumerate(starts))
                else:
                    count = math.prod(len(r) for r in real)
                values[b, ch, z, y, w] = total / count
    return values, where


MAX_CASES = [  # kernel, stride, padding, dilation, ceil_mode
    ((2, 2, 2), (2, 2, 2), (0, 0, 0), (1, 1, 1), False),
    ((3, 3, 3), (1, 1, 1), (1, 1, 1), (1, 1, 1), False),
    ((3, 1, 2), (1, 1, 2), (1, 0, 1), (1, 2, 1), False),
    ((2, 3, 2), (2, 2, 1), (1, 1, 0), (2, 1, 1), True),
    ((3, 2, 3), (2, 1, 2), (1, 1, 1), (1, 1, 1), True),
]


@pytest.mark.parametrize("kernel, stride, padding, dilation, ceil", MAX_CASES)
@pytest.mark.parametrize("data", ["distinct", "ties", "nan"])
def test_max_pool3d_values_indices_and_gradient_follow_pytorchs_rule(
    kernel, stride, padding, dilation, ceil, data
):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 2, 5, 6, 5))
    if data == "ties":
        x = np.round(x)
    elif data == "nan":
        x.flat[rng.choice(x.size, 6, replace=False)] = np.nan
    values, where = reference(x, kernel, stride, padding, dilation, ceil, "max")
    t = autograd.tensor(x, requires_grad=True)
    out, indices = max_pool3d(t, kernel, stride, padding, dilation, ceil, return_indices=True)
    np.testing.assert_array_equal(out.detach().numpy(), values)
    np.testing.assert_array_equal(indices.numpy(), where)
    grad = rng.standard_normal(values.shape)
    max_pool3d(t, kernel, stride, padding, dilation, ceil).backward(autograd.tensor(grad))
    expected = np.bincount((where + np.arange(4).reshape(2, 2, 1, 1, 1) * x[0, 0].size).ravel(),
                           weights=grad.ravel(), minlength=x.size).reshape(x.shape)  # fmt: skip
    np.testing.assert_allclose(t.grad.numpy(), expected, rtol=1e-12)


AVG_CASES = [  # kernel, stride, padding, ceil_mode, count_include_pad, divisor_override
    ((2, 2, 2), (2, 2, 2), (0, 0, 0), False, True, None),
    ((3, 3, 3), (2, 2, 2), (1, 1, 1), False, True, None),
    ((3, 3, 3), (2, 2, 2), (1, 1, 1), False, False, None),
    ((3, 2, 3), (2, 1, 2), (1, 1, 1), True, True, None),
    ((3, 2, 3), (2, 2, 2), (1, 0, 1), True, False, None),
    ((2, 3, 2), (1, 2, 2), (1, 1, 0), False, True, 5),
    ((2, 2, 2), (2, 1, 2), (0, 0, 0), True, True, None),  # ceil mode: the last depth window runs past the end
]


@pytest.mark.parametrize("kernel, stride, padding, ceil, include_pad, divisor", AVG_CASES)
def test_avg_pool3d_divides_as_pytorch_does(kernel, stride, padding, ceil, include_pad, divisor):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 5, 6, 7))
    values, _ = reference(x, kernel, stride, padding, (1, 1, 1), ceil, "avg", include_pad, divisor)
    out = avg_pool3d(autograd.tensor(x), kernel, stride, padding, ceil, include_pad, divisor)
    np.testing.assert_allclose(out.numpy(), values, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case", [AVG_CASES[1], AVG_CASES[4], AVG_CASES[5]])
def test_avg_pool3d_gradient_matches_central_differences(case):
    kernel, stride, padding, ceil, include_pad, divisor = case
    x = autograd.tensor(np.random.default_rng(2).standard_normal((1, 2, 4, 5, 4)), requires_grad=True)
    assert autograd.gradcheck(
        lambda t: avg_pool3d(t, kernel, stride, padding, ceil, include_pad, divisor), [x]
    )


def test_max_pool3d_gradient_matches_central_differences_on_distinct_values():
    x = autograd.tensor(
        np.random.default_rng(3).permutation(120).reshape(1, 2, 4, 5, 3) / 7.0, requires_grad=True
    )
    assert autograd.gradcheck(lambda t: max_pool3d(t, (2, 3, 2), (1, 2, 1), (1, 1, 0)), [x])


def test_a_box_of_minus_infinity_only_points_at_its_first_real_element():
    # PyTorch 2.13's indices for max_pool3d(full(-inf, (1, 1, 3, 3, 3)), 3, 1, 1, return_indices=True).
    x = autograd.tensor(np.full((1, 1, 3, 3, 3), -np.inf), requires_grad=True)
    values, indices = max_pool3d(x, 3, 1, 1, return_indices=True)
    expected = [0, 0, 1, 0, 0, 1, 3, 3, 4] * 2 + [9, 9, 10, 9, 9, 10, 12, 12, 13]
    np.testing.assert_array_equal(indices.numpy().ravel(), expected)
    values.sum().backward()  # the gradient follows the indices (no padding position is picked)
    np.testing.assert_array_equal(x.grad.numpy().ravel(), np.bincount(expected, minlength=27))


def test_ceil_mode_windows_past_the_padded_end_count_only_what_they_cover():
    x = np.random.default_rng(7).standard_normal((1, 2, 6, 4, 4))
    geometry = ((4, 2, 2), (3, 2, 2), (1, 0, 0))  # depth windows at padded 0..3, 3..6, 6..9 of 0..7
    expected, _ = reference(x, *geometry, (1, 1, 1), True, "avg", True)
    got = avg_pool3d(autograd.tensor(x), *geometry, ceil_mode=True, count_include_pad=True)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)


def test_float32_and_unbatched_volumes():
    x = np.random.default_rng(4).standard_normal((3, 4, 6, 6)).astype(np.float32)
    out, idx = max_pool3d(autograd.tensor(x), 2, return_indices=True)
    assert out.dtype == autograd.float32 and out.shape == (3, 2, 3, 3) and idx.shape == (3, 2, 3, 3)
    expected, _ = reference(x[None], (2,) * 3, (2,) * 3, (0,) * 3, (1,) * 3, False, "max")
    np.testing.assert_array_equal(out.numpy(), expected[0])
    np.testing.assert_array_equal(max_pool3d(autograd.tensor(x), 2).numpy(), out.numpy())
    assert adaptive_avg_pool3d(autograd.tensor(x), 1).shape == (3, 1, 1, 1)
    np.testing.assert_allclose(adaptive_avg_pool3d(autograd.tensor(x), 1).numpy().ravel(),
                               x.mean(axis=(1, 2, 3)), rtol=1e-5)  # fmt: skip
    avg = avg_pool3d(autograd.tensor(x), 2)
    assert avg.dtype == autograd.float32 and avg.shape == (3, 2, 3, 3)
    np.testing.assert_allclose(
        avg.numpy(), x.reshape(3, 2, 2, 3, 2, 3, 2).mean(axis=(2, 4, 6)), rtol=1e-5, atol=1e-7
    )


@pytest.mark.parametrize("size, output", [((5, 7, 6), (2, 3, 4)), ((4, 4, 4), 1), ((3, 5, 2), (5, None, 3))])
def test_adaptive_avg_pool3d_averages_pytorchs_spans(size, output):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, *size))
    t = autograd.tensor(x, requires_grad=True)
    got = adaptive_avg_pool3d(t, output)
    wanted = (
        [output] * 3 if isinstance(output, int) else [s if o is None else o for o, s in zip(output, size)]
    )
    expected = np.zeros((2, 3, *wanted))
    for z, y, w in itertools.product(*(range(o) for o in wanted)):
        spans = [slice((q * n) // o, -((-(q + 1) * n) // o)) for q, n, o in zip((z, y, w), size, wanted)]
        expected[:, :, z, y, w] = x[:, :, spans[0], spans[1], spans[2]].mean(axis=(2, 3, 4))
    np.testing.assert_allclose(got.detach().numpy(), expected, rtol=1e-12)
    assert autograd.gradcheck(lambda v: adaptive_avg_pool3d(v, output), [t])


def test_layers_run_the_functions_and_show_their_arguments():
    x = autograd.randn(2, 3, 4, 6, 6)
    pool = MaxPool3d(2, stride=(1, 2, 2), return_indices=True)
    values, indices = pool(x)
    direct = max_pool3d(x, 2, (1, 2, 2), return_indices=True)
    np.testing.assert_array_equal(values.numpy(), direct[0].numpy())
    np.testing.assert_array_equal(indices.numpy(), direct[1].numpy())
    assert repr(MaxPool3d(3, padding=1)) == (
        "MaxPool3d(kernel_size=3, stride=3, padding=1, dilation=1, ceil_mode=False)"
    )
    average = AvgPool3d((2, 2, 2), count_include_pad=False, divisor_override=3)
    np.testing.assert_array_equal(average(x).numpy(), avg_pool3d(x, 2, None, 0, False, False, 3).numpy())
    assert repr(AvgPool3d(2)) == "AvgPool3d(kernel_size=2, stride=2, padding=0)"
    assert AdaptiveAvgPool3d((1, 2, 3))(x).shape == (2, 3, 1, 2, 3)
    assert repr(AdaptiveAvgPool3d(1)) == "AdaptiveAvgPool3d(output_size=1)"


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: max_pool3d(autograd.randn(2, 4, 4), 2), r"max_pool3d: expected a 4-d \(C, D, H, W\) or 5-d"),
        (lambda: avg_pool3d(autograd.randn(1, 1, 4, 4, 4), (2, 2)),
         r"avg_pool3d: kernel_size must be an int or a triple of ints, got \(2, 2\)"),
        (lambda: max_pool3d(autograd.randn(1, 1, 4, 4, 4), 2, padding=(2, 0, 0)),
         r"max_pool3d: padding should be at most half of the kernel size, got padding=2, kernel_size=2"),
        (lambda: adaptive_avg_pool3d(autograd.randn(1, 1, 4, 4, 4), (2, 2)),
         r"adaptive_avg_pool3d: output_size must be an int or a triple, got \(2, 2\)"),
        (lambda: MaxPool3d((2, 2)), r"MaxPool3d: kernel_size must be an int or a triple of ints"),
    ],
)  # fmt: skip
def test_bad_arguments_name_the_operation(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    "size, output", [((5, 6, 7), (3, 2, 5)), ((7, 3, 7), (4, 3, 1)), ((2, 4, 3), (5, None, 2))]
)
@pytest.mark.parametrize("data", ["distinct", "ties", "nan"])
def test_adaptive_max_pool3d_follows_pytorchs_bins_and_pick(size, output, data):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 2, *size))
    if data == "ties":
        x = np.round(x)
    elif data == "nan":
        x.flat[rng.choice(x.size, 4, replace=False)] = np.nan
    wanted = [s if o is None else o for o, s in zip(output, size)]
    values, where = np.zeros((2, 2, *wanted)), np.zeros((2, 2, *wanted), dtype=np.int64)
    for z, y, w in itertools.product(*(range(o) for o in wanted)):
        spans = [range((q * n) // o, -((-(q + 1) * n) // o)) for q, n, o in zip((z, y, w), size, wanted)]
        for b, ch in itertools.product(range(2), range(2)):
            best, spot = -math.inf, None
            for t in itertools.product(*spans):  # depth, row, column: the first maximum, or the last NaN
                v = x[b, ch, t[0], t[1], t[2]]
                if spot is None or v > best or math.isnan(v):
                    best, spot = v, t
            values[b, ch, z, y, w] = best
            where[b, ch, z, y, w] = (spot[0] * size[1] + spot[1]) * size[2] + spot[2]
    t = autograd.tensor(x, requires_grad=True)
    got, indices = adaptive_max_pool3d(t, output, return_indices=True)
    np.testing.assert_array_equal(got.detach().numpy(), values)
    np.testing.assert_array_equal(indices.numpy(), where)
    grad = rng.standard_normal(values.shape)
    got.backward(autograd.tensor(grad))
    flat = where + (np.arange(4) * math.prod(size)).reshape(2, 2, 1, 1, 1)
    expected = np.bincount(flat.ravel(), weights=grad.ravel(), minlength=x.size).reshape(x.shape)
    np.testing.assert_allclose(t.grad.numpy(), expected, rtol=1e-12)


def test_adaptive_max_pool3d_layer_and_unbatched_input():
    x = autograd.randn(3, 4, 5, 6)
    values, indices = AdaptiveMaxPool3d((2, 2, 3), return_indices=True)(x)
    assert values.shape == (3, 2, 2, 3) and indices.shape == (3, 2, 2, 3)
    np.testing.assert_array_equal(adaptive_max_pool3d(x, (2, 2, 3)).numpy(), values.numpy())
    assert repr(AdaptiveMaxPool3d(1)) == "AdaptiveMaxPool3d(output_size=1)"


def test_max_unpool3d_puts_each_maximum_back_and_its_gradient_is_a_gather():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 3, 5, 6, 7))
    values, indices = max_pool3d(autograd.tensor(x), (2, 3, 2), (2, 3, 2), (1, 1, 0), return_indices=True)
    v = autograd.tensor(values.numpy(), requires_grad=True)
    out = max_unpool3d(v, indices, (2, 3, 2), (2, 3, 2), (1, 1, 0), output_size=(5, 6, 7))
    expected = np.zeros((6, 5 * 6 * 7))
    np.put_along_axis(expected, indices.numpy().reshape(6, -1), values.numpy().reshape(6, -1), axis=1)
    np.testing.assert_array_equal(out.detach().numpy(), expected.reshape(x.shape))
    kept = expected.reshape(x.shape) != 0
    np.testing.assert_array_equal(out.detach().numpy()[kept], x[kept])  # the maxima, where they came from
    grad = rng.standard_normal(x.shape)
    out.backward(autograd.tensor(grad))
    gathered = np.take_along_axis(grad.reshape(6, -1), indices.numpy().reshape(6, -1), axis=1)
    np.testing.assert_array_equal(v.grad.numpy(), gathered.reshape(values.shape))
    layer = MaxUnpool3d((2, 3, 2), padding=(1, 1, 0))
    np.testing.assert_array_equal(
        layer(values, indices, output_size=(5, 6, 7)).numpy(), expected.reshape(x.shape)
    )
    assert repr(layer) == "MaxUnpool3d(kernel_size=(2, 3, 2), stride=(2, 3, 2), padding=(1, 1, 0))"
    with pytest.raises(ValueError, match=r"index \d+ is out of range for an output plane of size 4×4×6"):
        max_unpool3d(
            values, indices, (2, 3, 2), padding=(1, 1, 0)
        )  # the default size drops edges (PyTorch too)
    even = max_pool3d(autograd.tensor(x[:, :, :4, :6, :6]), 2, return_indices=True)
    assert max_unpool3d(*even, 2).shape == (2, 3, 4, 6, 6)  # (in - 1)·stride − 2·padding + kernel
    with pytest.raises(
        ValueError, match=r"max_unpool3d: expected a \(C, D, H, W\) or \(N, C, D, H, W\) input"
    ):
        max_unpool3d(autograd.zeros(2, 2, 2), autograd.zeros(2, 2, 2, dtype=autograd.int64), 2)
