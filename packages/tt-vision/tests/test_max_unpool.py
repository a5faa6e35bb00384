"""max_pool1d / max_pool2d with ``return_indices=True``, and max_unpool1d / max_unpool2d (and their modules).

Values against NumPy loops written from the definitions (the index of a maximum
is its flat position ``h·W + w`` in its plane; the first maximum in scan order
wins, the last NaN in a window with NaNs, as PyTorch's CPU kernel), gradients by
float64 central differences, PyTorch's output-size rule and its error cases,
dtypes, reprs. Not course material (outside module 09's solution regions), so no
module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import MaxPool1d, MaxPool2d, MaxUnpool1d, MaxUnpool2d
from tt_vision import functional as F


def pool_indices_reference(x, kernel, stride, padding=(0, 0), dilation=(1, 1), ceil_mode=False):
    """Window by window: the values and flat ``h·W + w`` positions PyTorch's max-pool returns."""
    n, c, h, w = x.shape

    def size(length, k, s, p, d):
        span = length + 2 * p - d * (k - 1) - 1
        out = (-(-span // s) if ceil_mode else span // s) + 1
        return out - 1 if ceil_mode and (out - 1) * s >= length + p else out

    ho = size(h, kernel[0], stride[0], padding[0], dilation[0])
    wo = size(w, kernel[1], stride[1], padding[1], dilation[1])
    values, positions = np.zeros((n, c, ho, wo)), np.zeros((n, c, ho, wo), dtype=np.int64)
    for b in range(n):
        for ch in range(c):
            for i in range(ho):
                for j in range(wo):
                    best, where = -np.inf, -1
                    for a in range(kernel[0]):
                        for q in range(kernel[1]):
                            r = i * stride[0] - padding[0] + a * dilation[0]
                            s = j * stride[1] - padding[1] + q * dilation[1]
                            if not (0 <= r < h and 0 <= s < w):
                                continue
                            v = x[b, ch, r, s]
                            if np.isnan(v) or (not np.isnan(best) and v > best) or where < 0:
                                best, where = v, r * w + s
                    values[b, ch, i, j], positions[b, ch, i, j] = best, where
    return values, positions


def unpool_reference(values, positions, out_size):
    n, c = values.shape[:2]
    out = np.zeros((n, c, int(np.prod(out_size))))
    for b in range(n):
        for ch in range(c):
            for v, p in zip(values[b, ch].ravel(), positions[b, ch].ravel()):
                out[b, ch, p] = v
    return out.reshape(n, c, *out_size)


POOLS = [
    dict(kernel=(2, 2), stride=(2, 2)),
    dict(kernel=(3, 3), stride=(2, 2), padding=(1, 1)),
    dict(kernel=(3, 2), stride=(1, 2), padding=(1, 0), dilation=(2, 1), ceil_mode=True),
    dict(kernel=(2, 2), stride=(2, 2), ceil_mode=True),
    dict(kernel=(3, 3), stride=(1, 1), padding=(1, 1)),  # overlapping windows: one element, many maxima
]


def call_pool(x, pool):
    return F.max_pool2d(
        x,
        pool["kernel"],
        pool["stride"],
        pool.get("padding", 0),
        pool.get("dilation", 1),
        pool.get("ceil_mode", False),
        return_indices=True,
    )


@pytest.mark.parametrize("pool", POOLS)
def test_max_pool2d_indices_match_the_definition_with_ties(rng, pool):
    x = rng.integers(0, 4, (2, 3, 7, 9)).astype(np.float64)  # small integers: many ties
    values, indices = call_pool(autograd.tensor(x), pool)
    want_values, want_positions = pool_indices_reference(
        x,
        pool["kernel"],
        pool["stride"],
        pool.get("padding", (0, 0)),
        pool.get("dilation", (1, 1)),
        pool.get("ceil_mode", False),
    )
    np.testing.assert_array_equal(values.numpy(), want_values)
    np.testing.assert_array_equal(indices.numpy(), want_positions)
    assert indices.dtype == autograd.int64
    plain = F.max_pool2d(
        autograd.tensor(x),
        pool["kernel"],
        pool["stride"],
        pool.get("padding", 0),
        pool.get("dilation", 1),
        pool.get("ceil_mode", False),
    )
    np.testing.assert_array_equal(values.numpy(), plain.numpy())


def test_max_pool2d_indices_point_at_the_last_nan_of_a_window():
    # PyTorch 2.13 (CPU): [[[[1, nan, nan, 2]]]] pooled (1, 4) -> nan at index 2; (1, 2), stride 1 -> 1, 2, 2.
    x = autograd.tensor([[[[1.0, np.nan, np.nan, 2.0]]]], requires_grad=True)
    values, indices = F.max_pool2d(x, (1, 4), return_indices=True)
    assert np.isnan(values.detach().numpy()).all() and indices.numpy().tolist() == [[[[2]]]]
    values.sum().backward()
    assert x.grad.numpy().tolist() == [[[[0.0, 0.0, 1.0, 0.0]]]]  # the gradient follows the index
    assert F.max_pool2d(x, (1, 2), 1, return_indices=True)[1].numpy().tolist() == [[[[1, 2, 2]]]]
    # The reference loop agrees on random NaNs too.
    rng = np.random.default_rng(3)
    data = rng.standard_normal((2, 2, 6, 6))
    data[rng.random(data.shape) < 0.2] = np.nan
    got = F.max_pool2d(autograd.tensor(data), 3, 1, 1, return_indices=True)[1].numpy()
    np.testing.assert_array_equal(got, pool_indices_reference(data, (3, 3), (1, 1), (1, 1))[1])


@pytest.mark.parametrize("kernel, stride, padding", [(2, 2, 0), (3, 1, 1), (3, 2, 1)])
def test_plain_max_pool2d_routes_gradients_where_its_indices_point(kernel, stride, padding):
    """With NaNs and ties, the gradient without return_indices lands where the indices say."""
    rng = np.random.default_rng(5)
    data = rng.integers(0, 3, (2, 2, 6, 6)).astype(np.float64)  # many ties
    data[rng.random(data.shape) < 0.2] = np.nan
    upstream = rng.standard_normal(F.max_pool2d(autograd.tensor(data), kernel, stride, padding).shape)
    grads = []
    for return_indices in (False, True):
        x = autograd.tensor(data, requires_grad=True)
        out = F.max_pool2d(x, kernel, stride, padding, return_indices=return_indices)
        (out[0] if return_indices else out).backward(autograd.tensor(upstream))
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=0, atol=1e-12)


def test_max_pool2d_indices_ties_pinned_against_pytorch():
    # PyTorch 2.13: F.max_pool2d(x, 3, 1, padding=1, ceil_mode=True, return_indices=True)
    x = autograd.tensor([[[[1.0, 3, 3, 2], [3, 0, 1, 3], [0, 2, 5, 1]]]])
    _, indices = F.max_pool2d(x, 3, 1, padding=1, ceil_mode=True, return_indices=True)
    assert indices.numpy().tolist() == [[[[1, 1, 1, 2], [1, 10, 10, 10], [4, 10, 10, 10]]]]


def test_a_window_of_minus_infinity_only_points_at_its_first_real_element():
    # PyTorch 2.13 for max_pool2d(full(-inf, (1, 1, 3, 3)), 3, 1, 1, return_indices=True): the indices
    # below and, for .sum().backward(), the gradient below; the padding (also -inf) is never picked.
    x = autograd.tensor(np.full((1, 1, 3, 3), -np.inf), requires_grad=True)
    values, indices = F.max_pool2d(x, 3, 1, 1, return_indices=True)
    np.testing.assert_array_equal(indices.numpy().ravel(), [0, 0, 1, 0, 0, 1, 3, 3, 4])
    values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy().ravel(), [4, 2, 0, 2, 1, 0, 0, 0, 0])


@pytest.mark.parametrize("pool", POOLS)
def test_max_pool2d_with_indices_gradient(leaf, check_grad, pool):
    x = leaf(2, 3, 7, 9)  # distinct random values: no ties, no kinks
    check_grad(lambda t: call_pool(t, pool)[0], x)


def test_max_pool2d_indices_of_a_3d_input_and_float32(rng):
    x = autograd.tensor(rng.standard_normal((3, 6, 6)).astype(np.float32))
    values, indices = F.max_pool2d(x, 2, return_indices=True)
    assert tuple(values.shape) == tuple(indices.shape) == (3, 3, 3)
    assert values.dtype == autograd.float32
    want = pool_indices_reference(x.numpy()[None].astype(np.float64), (2, 2), (2, 2))[1][0]
    np.testing.assert_array_equal(indices.numpy(), want)


def test_max_pool2d_with_indices_defaults(rng):
    from tt_vision.max_pool_indices import max_pool2d_with_indices

    x = autograd.tensor(rng.standard_normal((2, 3, 5, 5)))
    values, indices = max_pool2d_with_indices(x, 2)  # stride = kernel, floor mode: 2×2, not 3×3
    assert tuple(values.shape) == tuple(indices.shape) == (2, 3, 2, 2)
    np.testing.assert_array_equal(indices.numpy(), pool_indices_reference(x.numpy(), (2, 2), (2, 2))[1])


def test_max_pool1d_indices(rng, leaf, check_grad):
    x = rng.integers(0, 3, (2, 3, 11)).astype(np.float64)
    values, indices = F.max_pool1d(autograd.tensor(x), 3, 2, 1, return_indices=True)
    want_values, want_positions = pool_indices_reference(x[:, :, None], (1, 3), (1, 2), (0, 1))
    np.testing.assert_array_equal(values.numpy(), want_values[:, :, 0])
    np.testing.assert_array_equal(indices.numpy(), want_positions[:, :, 0])
    values2, indices2 = F.max_pool1d(autograd.tensor(x[0]), 3, 2, 1, return_indices=True)  # (C, L)
    np.testing.assert_array_equal(indices2.numpy(), want_positions[0, :, 0])
    assert tuple(values2.shape) == (3, 6)
    check_grad(lambda t: F.max_pool1d(t, 3, 2, 1, return_indices=True)[0], leaf(2, 3, 11))


def test_pool_modules_return_indices(rng):
    x = autograd.tensor(rng.standard_normal((2, 3, 6, 8)))
    values, indices = MaxPool2d(2, return_indices=True)(x)
    np.testing.assert_array_equal(indices.numpy(), F.max_pool2d(x, 2, return_indices=True)[1].numpy())
    values1, indices1 = MaxPool1d(3, 1, 1, return_indices=True)(x[:, :, 0])
    np.testing.assert_array_equal(
        indices1.numpy(), F.max_pool1d(x[:, :, 0], 3, 1, 1, return_indices=True)[1].numpy()
    )
    assert repr(MaxPool2d(2, return_indices=True)) == (
        "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    )


@pytest.mark.parametrize("pool", [POOLS[0], POOLS[1], POOLS[3]])
def test_max_unpool2d_undoes_the_pool(rng, pool):
    x = rng.standard_normal((2, 3, 7, 9))
    values, indices = call_pool(autograd.tensor(x), pool)
    k, s, p = pool["kernel"], pool["stride"], pool.get("padding", (0, 0))
    out = F.max_unpool2d(values, indices, k, s, p, output_size=(7, 9))
    np.testing.assert_array_equal(out.numpy(), unpool_reference(values.numpy(), indices.numpy(), (7, 9)))


def test_max_unpool2d_default_size(rng):
    x = rng.standard_normal((2, 3, 8, 10))
    for k, s, p in [(2, 2, 0), ((4, 2), (2, 2), (1, 0))]:
        values, indices = F.max_pool2d(autograd.tensor(x), k, s, p, return_indices=True)
        out = F.max_unpool2d(values, indices, k, s, p)
        assert tuple(out.shape) == (2, 3, 8, 10)  # (H − 1)·stride − 2·padding + kernel gives 8, 10 back
        np.testing.assert_array_equal(out.numpy(), unpool_reference(values.numpy(), indices.numpy(), (8, 10)))


def distinct_indices(rng, shape, plane):
    """Indices with no repeat within a plane, as non-overlapping pools give."""
    rows = int(np.prod(shape[:2]))
    picks = np.stack([rng.permutation(plane)[: int(np.prod(shape[2:]))] for _ in range(rows)])
    return autograd.tensor(picks.reshape(shape))


def test_max_unpool2d_output_size_and_round_trip(rng):
    x = rng.standard_normal((2, 3, 7, 9))
    values, indices = F.max_pool2d(autograd.tensor(x), 2, return_indices=True)  # drops row 6, column 8
    for size in [(7, 9), (2, 3, 7, 9), [7, 9]]:
        out = F.max_unpool2d(values, indices, 2, output_size=size).numpy()
        assert out.shape == (2, 3, 7, 9)
        kept = out != 0
        np.testing.assert_array_equal(out[kept], x[kept])  # each maximum back in its place
        assert kept.sum() == values.numel()
    np.testing.assert_array_equal(
        F.max_unpool2d(values, indices, 2, output_size=(7, 9)).numpy(),
        unpool_reference(values.numpy(), indices.numpy(), (7, 9)),
    )


def test_max_unpool2d_reads_indices_in_the_output_plane_pinned_against_pytorch():
    # PyTorch 2.13: values [[3, 3], [2, 5]], indices [[1, 2], [9, 10]], output_size (1, 1, 3, 5).
    values = autograd.tensor([[[[3.0, 3.0], [2.0, 5.0]]]])
    indices = autograd.tensor([[[[1, 2], [9, 10]]]])
    out = F.max_unpool2d(values, indices, 2, 2, output_size=(1, 1, 3, 5))
    assert out.numpy().tolist() == [[[[0, 3, 3, 0, 0], [0, 0, 0, 0, 2], [5, 0, 0, 0, 0]]]]
    assert F.max_unpool2d(values, indices, 2, 2).numpy().tolist() == [
        [[[0, 3, 3, 0], [0, 0, 0, 0], [0, 2, 5, 0], [0, 0, 0, 0]]]
    ]


def test_max_unpool2d_gradient_is_a_gather(rng, leaf, check_grad):
    indices = distinct_indices(rng, (2, 3, 4, 5), 7 * 9)
    check_grad(lambda t: F.max_unpool2d(t, indices, 3, 2, 1, output_size=(7, 9)), leaf(2, 3, 4, 5))
    x = rng.standard_normal((2, 3, 7, 9))
    # Overlapping windows repeat indices: each repeat reads the same output gradient.
    _, repeated = F.max_pool2d(autograd.tensor(x), 3, 1, 1, return_indices=True)
    assert len(np.unique(repeated.numpy()[0, 0])) < repeated.numpy()[0, 0].size
    values = autograd.tensor(rng.standard_normal(repeated.shape), requires_grad=True)
    weight = rng.standard_normal((2, 3, 7, 9))
    (F.max_unpool2d(values, repeated, 3, 1, 1) * autograd.tensor(weight)).sum().backward()
    want = np.take_along_axis(weight.reshape(6, -1), repeated.numpy().reshape(6, -1), axis=1)
    np.testing.assert_array_equal(values.grad.numpy(), want.reshape(repeated.shape))


def test_max_unpool1d(rng, leaf, check_grad):
    x = rng.standard_normal((2, 3, 11))
    values, indices = F.max_pool1d(autograd.tensor(x), 3, 2, 1, return_indices=True)
    out = F.max_unpool1d(values, indices, 3, 2, 1)
    assert tuple(out.shape) == (2, 3, 11)  # (6 - 1)·2 - 2 + 3
    np.testing.assert_array_equal(
        out.numpy(),
        unpool_reference(values.numpy()[:, :, None], indices.numpy()[:, :, None], (1, 11))[:, :, 0],
    )
    assert tuple(F.max_unpool1d(values, indices, 3, 2, 1, output_size=[12]).shape) == (2, 3, 12)
    assert tuple(F.max_unpool1d(values[0], indices[0], 3, 2, 1).shape) == (3, 11)
    distinct = distinct_indices(rng, (2, 3, 6), 11)
    check_grad(lambda t: F.max_unpool1d(t, distinct, 3, 2, 1), leaf(2, 3, 6))
    module = MaxUnpool1d(3, 2, 1)
    np.testing.assert_array_equal(module(values, indices).numpy(), out.numpy())
    assert F.max_unpool1d(
        autograd.tensor([[[5.0, 4.0]]]), autograd.tensor([[[1, 3]]]), 2
    ).numpy().tolist() == [[[0.0, 5.0, 0.0, 4.0]]]


def test_max_unpool2d_module_keeps_dtype_and_3d_input(rng):
    x = autograd.tensor(rng.standard_normal((3, 6, 6)).astype(np.float32))
    values, indices = MaxPool2d(2, return_indices=True)(x)
    out = MaxUnpool2d(2)(values, indices)
    assert out.dtype == autograd.float32 and tuple(out.shape) == (3, 6, 6)
    np.testing.assert_array_equal(out.numpy(), F.max_unpool2d(values, indices, 2).numpy())
    assert tuple(MaxUnpool2d(2)(values, indices, output_size=(7, 7)).shape) == (3, 7, 7)


def test_unpool_reprs_like_pytorch():
    assert repr(MaxUnpool2d(2)) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    assert repr(MaxUnpool2d((2, 3), stride=(1, 2), padding=1)) == (
        "MaxUnpool2d(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1))"
    )
    assert repr(MaxUnpool1d(3, 1, 1)) == "MaxUnpool1d(kernel_size=(3,), stride=(1,), padding=(1,))"
    assert repr(MaxUnpool1d(2)) == "MaxUnpool1d(kernel_size=(2,), stride=(2,), padding=(0,))"


def test_unpool_errors(rng):
    values, indices = F.max_pool2d(autograd.tensor(rng.standard_normal((1, 1, 4, 4))), 2, return_indices=True)
    # PyTorch: default 4, stride 2 -> output_size strictly between 2 and 6.
    for bad in [(2, 4), (6, 4), (4, 2)]:
        with pytest.raises(ValueError, match=r"max_unpool2d: invalid output_size .* between 2 and 6"):
            F.max_unpool2d(values, indices, 2, output_size=bad)
    for good in [(3, 5), (5, 3)]:
        assert tuple(F.max_unpool2d(values, indices * 0, 2, output_size=good).shape[2:]) == good
    with pytest.raises(ValueError, match="output_size must have 2 .or 4. elements"):
        F.max_unpool2d(values, indices, 2, output_size=(1, 4, 4))
    with pytest.raises(ValueError, match=r"index 150 is out of range for an output plane of size 4×4"):
        F.max_unpool2d(values, indices * 10, 2)
    with pytest.raises(ValueError, match=r"index -1 is out of range"):
        F.max_unpool2d(values, indices * 0 - 1, 2)
    one_past, one_negative = indices.numpy().copy(), indices.numpy().copy()
    one_past[0, 0, 0, 0], one_negative[0, 0, 0, 0] = 16, -1  # the others valid
    with pytest.raises(ValueError, match=r"index 16 is out of range for an output plane of size 4×4"):
        F.max_unpool2d(values, autograd.tensor(one_past), 2)  # one past the last
    with pytest.raises(ValueError, match=r"index -1 is out of range"):
        F.max_unpool2d(values, autograd.tensor(one_negative), 2)
    with pytest.raises(ValueError, match=r"indices must have the input's shape \(1, 1, 2, 2\)"):
        F.max_unpool2d(values, indices[:, :, :1], 2)
    with pytest.raises(TypeError, match="indices must be integers"):
        F.max_unpool2d(values, autograd.tensor(indices.numpy().astype(np.float64)), 2)
    with pytest.raises(ValueError, match=r"max_unpool2d: expected a \(C, H, W\) or \(N, C, H, W\) input"):
        F.max_unpool2d(values[0, 0], indices[0, 0], 2)
    with pytest.raises(ValueError, match=r"max_unpool1d: expected a \(C, L\) or \(N, C, L\) input"):
        F.max_unpool1d(values, indices, 2)
    with pytest.raises(ValueError, match="max_unpool2d: the output size .* is empty"):
        F.max_unpool2d(values, indices, 1, 1, padding=1)
    single = autograd.tensor(np.ones((1, 1, 1, 1)))
    with pytest.raises(ValueError, match=r"max_unpool2d: the output size \(-1, 2\) .* is empty"):
        F.max_unpool2d(single, autograd.tensor([[[[0]]]]), (1, 2), padding=(1, 0))  # one axis empty
    assert F.max_unpool2d(single, autograd.tensor([[[[0]]]]), 1).numpy().tolist() == [
        [[[1.0]]]
    ]  # 1×1 is fine
    with pytest.raises(ValueError, match="MaxUnpool2d: kernel_size must be >= 1"):
        MaxUnpool2d(0)
    with pytest.raises(ValueError, match="MaxUnpool1d: kernel_size must be an int or a 1-tuple"):
        MaxUnpool1d((2, 2))


def test_the_with_indices_forms_are_the_pools_with_return_indices(rng):
    x = autograd.tensor(rng.standard_normal((2, 3, 6, 6)))
    cases = [
        (F.max_pool1d_with_indices, F.max_pool1d, x[0], (2,)),
        (F.max_pool2d_with_indices, F.max_pool2d, x, (2, 1)),
        (F.max_pool3d_with_indices, F.max_pool3d, x, (2,)),
        (F.adaptive_max_pool1d_with_indices, F.adaptive_max_pool1d, x[0], (4,)),
        (F.adaptive_max_pool2d_with_indices, F.adaptive_max_pool2d, x, (3,)),
        (F.adaptive_max_pool3d_with_indices, F.adaptive_max_pool3d, x, (2,)),
    ]
    for with_indices, pool, data, args in cases:
        values, indices = with_indices(data, *args, return_indices=False)  # both returned regardless
        expected_values, expected_indices = pool(data, *args, return_indices=True)
        np.testing.assert_array_equal(values.numpy(), expected_values.numpy())
        np.testing.assert_array_equal(indices.numpy(), expected_indices.numpy())
