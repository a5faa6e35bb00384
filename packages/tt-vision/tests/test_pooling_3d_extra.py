"""fractional_max_pool3d / FractionalMaxPool3d and lp_pool3d / LPPool3d.

Fractional: windows, values and indices against conftest's loop written from PyTorch's
formula (start_i = int((i + u)·α) − int(u·α), the last window at L − k, arithmetic
in the input's dtype; samples ``(u_depth, u_height, u_width)``; the first maximum in
depth-row-column scan order wins, a window's last NaN if it holds NaN), PyTorch's
strict 3-d size check (``out + k − 1 < L``), values pinned from PyTorch 2.13,
gradients by float64 central differences (twice, and the recorded routing against its
adjoint at ties and NaNs: test_pool_higher_order.py), output_ratio, errors, the module.
LP: box by box against PyTorch's definition (the mean of ``xᵖ`` over the box's real
size, times the full kernel volume, to the ``1/p``; ``±inf`` the max / min of ``|x|``),
a value pinned from PyTorch 2.13, gradients once and twice, errors, the module.
Not course material (outside module 09's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import gradcheck, gradgradcheck
from tt_vision import FractionalMaxPool3d, LPPool3d
from tt_vision import functional as F


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", range(6))
def test_fractional_values_indices_and_gradient_match_the_reference(dtype, seed, reference):
    rng = np.random.default_rng(seed)
    spatial = rng.integers(3, 9, 3)
    kernel = tuple(int(rng.integers(1, s)) for s in spatial)
    out = tuple(int(rng.integers(1, s - k + 1)) for s, k in zip(spatial, kernel))  # out + k − 1 < L
    x = rng.integers(0, 4, (2, 3, *spatial)).astype(dtype)  # ties everywhere
    x[rng.random(x.shape) < 0.1] = np.nan
    samples = rng.random((2, 3, 3)).astype(dtype)
    leaf = autograd.tensor(x, requires_grad=True)
    values, indices = F.fractional_max_pool3d(
        leaf, kernel, output_size=out, return_indices=True, _random_samples=autograd.tensor(samples)
    )
    expected, where = reference.fractional_max_pool(x, kernel, out, samples)  # (u_depth, u_height, u_width)
    np.testing.assert_array_equal(indices.numpy(), where)
    np.testing.assert_array_equal(values.detach().numpy(), expected)
    assert values.dtype == leaf.dtype and indices.dtype == autograd.int64
    upstream = rng.standard_normal(values.shape).astype(dtype)
    values.backward(autograd.tensor(upstream))
    plane = int(np.prod(spatial))
    want = np.zeros(x.size)
    np.add.at(want, (np.arange(6)[:, None] * plane + where.reshape(6, -1)).ravel(), upstream.ravel())
    np.testing.assert_allclose(leaf.grad.numpy(), want.reshape(x.shape), rtol=1e-6)
    assert leaf.grad.dtype == leaf.dtype


def test_fractional_values_pinned_from_pytorch():
    x = autograd.tensor((np.arange(4 * 5 * 6.0) * 7 % 11).reshape(1, 1, 4, 5, 6))
    samples = autograd.tensor([[[0.3, 0.6, 0.8]]], dtype=autograd.float64)
    values, indices = F.fractional_max_pool3d(x, 2, (2, 3, 3), return_indices=True, _random_samples=samples)
    assert values.numpy().tolist() == [
        [[[[10, 10, 7], [8, 10, 10], [10, 9, 10]], [[10, 10, 9], [10, 10, 10], [8, 10, 10]]]]
    ]
    assert indices.numpy().tolist() == [
        [[[[36, 3, 34], [42, 14, 47], [25, 50, 58]], [[91, 69, 94], [102, 80, 113], [108, 80, 113]]]]
    ]


def test_the_samples_place_depth_then_height_then_width(reference):
    for axis in range(3):
        shape, kernel, out = [2, 2, 2], [1, 1, 1], [1, 1, 1]  # PyTorch's 3-d check refuses an axis of 1
        shape[axis], kernel[axis], out[axis] = 23, 4, 9
        x = autograd.arange(23.0, dtype=autograd.float64).reshape(*[23 if a == axis else 1 for a in range(3)])
        x = x.expand(1, 1, *shape)  # increasing along the axis: a window's maximum is its last
        for u in (0.05, 0.95):
            samples = [0.5, 0.5, 0.5]
            samples[axis] = u
            _, where = F.fractional_max_pool3d(
                x, kernel, out, return_indices=True, _random_samples=autograd.tensor([[samples]])
            )
            along = np.unravel_index(where.numpy().ravel(), shape)[axis]
            assert along.tolist() == [s + 3 for s in reference.fractional_starts(u, 23, 9, 4)]
    assert reference.fractional_starts(0.05, 23, 9, 4) != reference.fractional_starts(0.95, 23, 9, 4)


def test_an_unbatched_volume_pools_as_a_batch_of_one(rng):
    x = autograd.tensor(rng.standard_normal((2, 7, 6, 5)).astype(np.float32))
    samples = autograd.tensor(rng.random((1, 2, 3)).astype(np.float32))
    single, where = F.fractional_max_pool3d(x, 2, (3, 2, 2), return_indices=True, _random_samples=samples)
    batched, batched_where = F.fractional_max_pool3d(x[None], 2, (3, 2, 2), None, True, samples)
    assert single.shape == (2, 3, 2, 2) and single.dtype == autograd.float32
    np.testing.assert_array_equal(single.numpy(), batched.numpy()[0])
    np.testing.assert_array_equal(where.numpy(), batched_where.numpy()[0])


@pytest.mark.parametrize(
    "ratio, expected",
    [(0.5, (4, 4, 3)), ((0.5, 0.7, 0.3), (4, 5, 2)), ([0.25, 0.5, 0.75], (2, 4, 5))],
)
def test_output_ratio_floors_each_axis(ratio, expected):
    x = autograd.randn(2, 3, 9, 8, 7)
    assert tuple(F.fractional_max_pool3d(x, 2, output_ratio=ratio).shape) == (2, 3, *expected)
    assert tuple(FractionalMaxPool3d(2, output_ratio=ratio)(x).shape) == (2, 3, *expected)


def test_the_with_indices_form_returns_both(rng):
    x = autograd.tensor(rng.standard_normal((1, 2, 6, 6, 6)))
    samples = autograd.tensor(rng.random((1, 2, 3)))
    values, indices = F.fractional_max_pool3d_with_indices(x, 2, 3, _random_samples=samples)
    same, same_indices = F.fractional_max_pool3d(x, 2, 3, return_indices=True, _random_samples=samples)
    np.testing.assert_array_equal(values.numpy(), same.numpy())
    np.testing.assert_array_equal(indices.numpy(), same_indices.numpy())
    assert isinstance(F.fractional_max_pool3d(x, 2, 3, _random_samples=samples), autograd.Tensor)


SAMPLES = [[[0.3, 0.8, 0.5], [0.6, 0.1, 0.9]], [[0.9, 0.4, 0.2], [0.2, 0.5, 0.7]]]


def fractional(x):
    samples = autograd.tensor(SAMPLES, dtype=x.dtype)
    return F.fractional_max_pool3d(x, (2, 3, 2), output_size=(3, 2, 3), _random_samples=samples)


def test_fractional_gradients_by_central_differences(rng):
    x = autograd.tensor(rng.permutation(2 * 2 * 5 * 6 * 5).reshape(2, 2, 5, 6, 5) / 7.0, requires_grad=True)
    assert gradcheck(fractional, [x])  # distinct values: no ties within a step


def test_fractional_errors_name_the_problem():
    x = autograd.randn(1, 2, 6, 6, 6)
    with pytest.raises(ValueError, match=r"either an output_size .* \(e.g. output_size=\(13, 13, 13\) or"):
        F.fractional_max_pool3d(x, 2)
    with pytest.raises(
        ValueError, match=r"pool depth 3 too large relative to input depth 6 for output depth 4"
    ):
        F.fractional_max_pool3d(x, 3, output_size=(4, 2, 2))  # 4 + 3 − 1 = 6: PyTorch's 3-d check is strict
    with pytest.raises(ValueError, match="pool height 2 too large relative to input height 6"):
        F.fractional_max_pool3d(x, 2, output_size=(4, 5, 4))
    with pytest.raises(ValueError, match=r"pool width 1 too large .* \(needs output \+ kernel - 1 < input\)"):
        F.fractional_max_pool3d(x, (1, 1, 1), output_size=(5, 5, 6))
    assert F.fractional_max_pool3d(x, 1, output_size=5).shape == (1, 2, 5, 5, 5)  # 5 + 1 − 1 < 6
    with pytest.raises(ValueError, match=r"_random_samples must have shape \(N, C, 3\) = \(1, 2, 3\)"):
        F.fractional_max_pool3d(x, 2, 3, _random_samples=autograd.rand(1, 2, 2))
    with pytest.raises(ValueError, match="the output depth is 0 for input depth 6; raise output_ratio"):
        F.fractional_max_pool3d(x, 2, output_ratio=(0.1, 0.5, 0.5))
    with pytest.raises(ValueError, match="output_ratio must be a positive number or a triple"):
        F.fractional_max_pool3d(x, 2, output_ratio=(0.5, 0.5))
    with pytest.raises(ValueError, match="output_ratio must be a positive number or a triple"):
        F.fractional_max_pool3d(x, 2, output_ratio=(0.5, 0.5, -0.5))
    with pytest.raises(ValueError, match="output_ratio must be a positive number or a triple"):
        F.fractional_max_pool3d(x, 2, output_ratio=(0, 0.5, 0.5))  # not "the output depth is 0"
    with pytest.raises(ValueError, match="fractional_max_pool3d: kernel_size must be an int or a triple"):
        F.fractional_max_pool3d(x, (2, 2), 3)
    with pytest.raises(ValueError, match="fractional_max_pool3d: output_size must be an int or a triple"):
        F.fractional_max_pool3d(x, 2, (3, 3))
    with pytest.raises(
        ValueError, match=r"expected a 4-d or 5-d input \(N, C, D, H, W\).*got shape \(6, 6, 6\)"
    ):
        F.fractional_max_pool3d(x[0, 0], 2, 3)
    with pytest.raises(
        ValueError, match=r"fractional_max_pool2d: expected a 3-d or 4-d input \(N, C, H, W\)"
    ):
        F.fractional_max_pool2d(x, 2, 3)


def test_fractional_module_arguments_buffer_and_errors():
    samples = autograd.rand(1, 2, 3)
    pool = FractionalMaxPool3d(2, output_size=3, return_indices=True, _random_samples=samples)
    assert pool.kernel_size == (2, 2, 2) and pool.output_size == (3, 3, 3) and pool.output_ratio is None
    assert repr(pool) == "FractionalMaxPool3d()"  # PyTorch's repr shows no arguments either
    assert list(pool.state_dict()) == ["_random_samples"]
    x = autograd.randn(1, 2, 7, 7, 7)
    values, indices = pool(x)
    expected = F.fractional_max_pool3d(x, 2, 3, return_indices=True, _random_samples=samples)
    np.testing.assert_array_equal(values.numpy(), expected[0].numpy())
    np.testing.assert_array_equal(indices.numpy(), expected[1].numpy())
    assert FractionalMaxPool3d(3, output_ratio=0.5).output_ratio == (0.5, 0.5, 0.5)
    assert list(FractionalMaxPool3d(3, output_ratio=0.5).state_dict()) == []
    with pytest.raises(ValueError, match="FractionalMaxPool3d requires specifying either an output size"):
        FractionalMaxPool3d(2)
    with pytest.raises(ValueError, match="only one of output_size and output_ratio"):
        FractionalMaxPool3d(2, output_size=3, output_ratio=0.5)
    for ratio in (1.5, (0.5, 0.5, 1.0), (0.5, 0, 0.5), (0.5, 0.5)):
        with pytest.raises(ValueError, match="output_ratio must be between 0 and 1"):
            FractionalMaxPool3d(2, output_ratio=ratio)
    with pytest.raises(ValueError, match="FractionalMaxPool3d: kernel_size must be >= 1"):
        FractionalMaxPool3d(0, output_size=2)


def lp_reference(x, p, kernel, stride, ceil_mode=False):
    """Box by box: the mean of xᵖ over the box's real (possibly cut) size, times the full volume."""

    def size(length, k, s):
        out = (-(-(length - k) // s) if ceil_mode else (length - k) // s) + 1
        return out - 1 if ceil_mode and (out - 1) * s >= length else out

    outs = [size(length, k, s) for length, k, s in zip(x.shape[2:], kernel, stride)]
    out = np.zeros((*x.shape[:2], *outs))
    for a in range(outs[0]):
        for b in range(outs[1]):
            for e in range(outs[2]):
                box = x[
                    :,
                    :,
                    a * stride[0] : a * stride[0] + kernel[0],
                    b * stride[1] : b * stride[1] + kernel[1],
                    e * stride[2] : e * stride[2] + kernel[2],
                ]
                if p == np.inf:
                    out[:, :, a, b, e] = np.abs(box).max(axis=(2, 3, 4))
                elif p == -np.inf:
                    out[:, :, a, b, e] = np.abs(box).min(axis=(2, 3, 4))
                else:
                    mean = (box**p).mean(axis=(2, 3, 4))
                    out[:, :, a, b, e] = (mean * np.prod(kernel)) ** (1 / p)
    return out


LP_CASES = [
    dict(kernel=(2, 2, 2), stride=(2, 2, 2)),
    dict(kernel=(3, 2, 2), stride=(2, 1, 2), ceil_mode=True),
    dict(kernel=(2, 3, 3), stride=(1, 2, 2), ceil_mode=True),
    dict(kernel=(1, 2, 3), stride=(1, 1, 1)),
]


@pytest.mark.parametrize("p", [1, 2, 3, 1.5, 0.5, -1, np.inf, -np.inf])
@pytest.mark.parametrize("case", LP_CASES)
def test_lp_pool3d_matches_the_definition(rng, p, case):
    x = rng.uniform(0.1, 2.0, (2, 3, 5, 6, 7))
    stride = case["stride"] if case["stride"] != case["kernel"] else None  # None: the kernel size
    got = F.lp_pool3d(autograd.tensor(x), p, case["kernel"], stride, case.get("ceil_mode", False))
    want = lp_reference(x, p, case["kernel"], case["stride"], case.get("ceil_mode", False))
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


def test_lp_pool3d_pinned_from_pytorch():
    x = autograd.tensor(np.arange(1, 37.0).reshape(1, 1, 2, 3, 6) / 10)  # boxes cut short by ceil mode
    got = F.lp_pool3d(x, 2, (2, 2, 3), stride=(1, 2, 2), ceil_mode=True).numpy()
    want = [[[[[5.865151319446072, 6.449806198638839, 6.897825744392214],
                [8.560373823613078, 9.20869154657707, 9.69639108122192]]]]]  # fmt: skip
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_lp_pool3d_keeps_float32_and_pools_an_unbatched_volume(rng):
    x = autograd.tensor(rng.uniform(0.1, 2.0, (3, 4, 5, 6)).astype(np.float32))
    out = F.lp_pool3d(x, 2, 2)
    assert out.dtype == autograd.float32 and tuple(out.shape) == (3, 2, 2, 3)
    np.testing.assert_allclose(
        out.numpy(), lp_reference(x.numpy()[None].astype(np.float64), 2, (2,) * 3, (2,) * 3)[0], rtol=1e-5
    )


@pytest.mark.parametrize("p", [2, 3, 1.5, np.inf])
def test_lp_pool3d_gradients_once_and_twice(rng, p):
    x = autograd.tensor(rng.permutation(np.arange(1.0, 2 * 2 * 4 * 5 * 5 + 1)).reshape(2, 2, 4, 5, 5) / 50)
    x.requires_grad = True

    def pool(x):
        return F.lp_pool3d(x, p, (2, 3, 2), stride=(2, 1, 2), ceil_mode=True)

    assert gradcheck(pool, [x])
    assert gradgradcheck(lambda x: pool(x) ** 2, [x])


def test_lp_pool3d_gives_an_all_zero_box_the_value_and_gradient_zero():
    values = np.ones((1, 1, 4, 2, 2))
    values[:, :, :2] = 0.0  # the first box sums to 0
    x = autograd.tensor(values, requires_grad=True)
    out = F.lp_pool3d(x, 2, 2)
    assert out.detach().numpy().ravel().tolist() == [0.0, np.sqrt(8)]
    out.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    np.testing.assert_array_equal(x.grad.numpy()[:, :, :2], 0.0)
    np.testing.assert_allclose(x.grad.numpy()[:, :, 2:], 1 / np.sqrt(8))


def test_lp_pool3d_errors_name_the_problem():
    x = autograd.randn(1, 2, 5, 6, 7)
    fit = r"kernel_size \(1, 7, 1\) does not fit in the input's spatial size \(5, 6, 7\)"
    with pytest.raises(
        ValueError, match=rf"lp_pool3d: {fit} \(input shape \(1, 2, 5, 6, 7\)\); use a kernel_size"
    ):
        F.lp_pool3d(x, 2, (1, 7, 1))
    with pytest.raises(ValueError, match=r"lp_pool3d: kernel_size \(6, 6, 6\) does not fit"):
        F.lp_pool3d(x, np.inf, 6)
    with pytest.raises(ValueError, match=r"lp_pool2d: kernel_size \(7, 7\) does not fit"):
        F.lp_pool2d(x[0, 0], 2, 7)
    with pytest.raises(ValueError, match=r"lp_pool1d: kernel_size 8 does not fit"):
        F.lp_pool1d(x[0, 0], 2, 8)
    with pytest.raises(ValueError, match=r"lp_pool3d: expected a 4-d .* or 5-d .* got shape \(6, 7\)"):
        F.lp_pool3d(x[0, 0, 0], 2, 2)
    with pytest.raises(
        ValueError, match=r"lp_pool1d: expected a 2-d .* or 3-d .* got shape \(1, 2, 5, 6, 7\)"
    ):
        F.lp_pool1d(x, 2, 2)
    with pytest.raises(ValueError, match="lp_pool3d: kernel_size must be an int or a triple"):
        F.lp_pool3d(x, 2, (2, 2))
    with pytest.raises(ValueError, match="lp_pool3d: stride must be >= 1"):
        F.lp_pool3d(x, 2, 2, (1, 0, 1))
    with pytest.raises(ValueError, match="lp_pool3d: norm_type must be nonzero"):
        F.lp_pool3d(x, 0, 2)


def test_lp_pool3d_module_repr_forward_and_errors(rng):
    x = autograd.tensor(rng.uniform(0.1, 2.0, (2, 3, 6, 7, 5)))
    pool = LPPool3d(1.5, (3, 2, 2), stride=(2, 1, 2), ceil_mode=True)
    assert repr(pool) == "LPPool3d(norm_type=1.5, kernel_size=(3, 2, 2), stride=(2, 1, 2), ceil_mode=True)"
    np.testing.assert_array_equal(pool(x).numpy(), F.lp_pool3d(x, 1.5, (3, 2, 2), (2, 1, 2), True).numpy())
    assert repr(LPPool3d(2, 3)) == "LPPool3d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"
    with pytest.raises(ValueError, match="LPPool3d: kernel_size must be an int or a triple"):
        LPPool3d(2, (1, 2))
    with pytest.raises(ValueError, match="LPPool3d: stride must be >= 1"):
        LPPool3d(2, 2, 0)
    with pytest.raises(ValueError, match="LPPool3d: norm_type must be nonzero"):
        LPPool3d(0, 2)


def test_ceil_mode_window_hanging_over_a_short_input():
    # PyTorch 2.13: max_pool3d of a depth-1 input, kernel 2, stride 2, ceil_mode gives one depth
    # (the window [0, 2) clipped to the input); avg_pool3d refuses any input smaller than its kernel
    x = autograd.tensor(np.arange(12.0).reshape(1, 1, 1, 3, 4), requires_grad=True)
    out = F.max_pool3d(x, 2, 2, ceil_mode=True)
    np.testing.assert_array_equal(out.detach().numpy(), [[[[[5.0, 7.0], [9.0, 11.0]]]]])
    with pytest.raises(ValueError, match="smaller than the"):
        F.max_pool3d(x, 2, 2)
    with pytest.raises(ValueError, match=r"avg_pool3d: input image \(1, 3, 4\) is smaller than the kernel"):
        F.avg_pool3d(x, 2, 2, ceil_mode=True)
    with pytest.raises(ValueError, match="avg_pool3d: input image"):
        F.avg_pool3d(x, (2, 1, 1), 1, padding=(1, 0, 0))
