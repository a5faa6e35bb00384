"""Module 15: the exact integer GEMM and the INT8 layers built on it."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
import tt_optim
from tt_perf.quantization import (
    MinMaxObserver,
    QuantizedConv2d,
    QuantizedLinear,
    exact_chunk,
    int_matmul,
    model_size_bytes,
    quantize_input,
    quantize_per_tensor,
)
from tt_vision import Conv2d


# ----------------------------------------------------------------- exact integer GEMM
def test_exact_chunk_lengths():
    assert exact_chunk(127, 127) == 1040  # 1040 · 127² = 16,774,160 ≤ 2²⁴
    assert exact_chunk(255, 127) == 518
    assert exact_chunk(255, 128) == 514  # a quint8 activation minus its zero point, times a qint8 weight
    assert 1041 * 127 * 127 > 2**24 and 519 * 255 * 127 > 2**24 and 515 * 255 * 128 > 2**24
    assert exact_chunk(4096, 8192) == 1  # even one product passes 2²⁴: a chunk still holds one term, never 0


def test_int_matmul_is_exact_against_an_int64_reference(rng):
    for k in (7, 514, 515, 1500, 3000):  # one chunk, exactly one, just over, several
        a = rng.integers(-255, 256, (9, k))
        b = rng.integers(-128, 128, (k, 6))
        a[0], b[:, 0] = 255, -128  # the worst case: every product at its maximum magnitude
        a[1], b[:, 1] = -255, -128
        expected = a.astype(np.int64) @ b.astype(np.int64)
        got = int_matmul(a.astype(np.float32), b.astype(np.float32))  # default bounds: 255 and 128
        assert got.dtype == np.int32
        np.testing.assert_array_equal(got, expected)
        rounded = int_matmul(a.astype(np.float32), b.astype(np.float32), dtype=np.float32)
        np.testing.assert_array_equal(rounded, expected.astype(np.float32))  # rounded once, at the end


def test_one_float32_gemm_over_a_long_k_is_not_exact(rng):
    k = 20_000  # large positive products: partial sums pass 2²⁴, where float32 skips odd integers
    a = rng.integers(200, 256, (4, k)).astype(np.float32)
    b = rng.integers(100, 128, (k, 4)).astype(np.float32)
    exact = a.astype(np.int64) @ b.astype(np.int64)
    assert np.any((a @ b).astype(np.int64) != exact)  # why int_matmul cuts K into chunks
    np.testing.assert_array_equal(int_matmul(a, b, 255, 127), exact)


def test_int_matmul_batched_and_with_out(rng):
    a = rng.integers(-255, 256, (3, 4, 600)).astype(np.float32)
    b = rng.integers(-127, 128, (3, 600, 5)).astype(np.float32)
    expected = np.einsum("gmk,gkn->gmn", a.astype(np.int64), b.astype(np.int64))
    np.testing.assert_array_equal(int_matmul(a, b), expected)
    out = np.empty((3, 4, 5), np.float32)
    assert int_matmul(a, b, dtype=np.float32, out=out) is out
    np.testing.assert_array_equal(out, expected.astype(np.float32))


def test_int_matmul_over_an_empty_inner_dimension_is_zero():
    a, b = np.ones((2, 0), np.float32), np.ones((0, 3), np.float32)
    for dtype in (np.int32, np.float32):  # as np.matmul: a sum of no products
        got = int_matmul(a, b, dtype=dtype)
        assert got.shape == (2, 3) and got.dtype == dtype and not got.any()
    out = np.full((2, 3), 7, np.int32)
    assert int_matmul(a, b, out=out) is out and not out.any()


def test_int_matmul_refuses_bad_input():
    with pytest.raises(TypeError, match="float32"):
        int_matmul(np.ones((2, 3), np.int8), np.ones((3, 2), np.int8))
    with pytest.raises(ValueError, match="inner dimensions"):
        int_matmul(np.ones((2, 3), np.float32), np.ones((4, 2), np.float32))
    with pytest.raises(OverflowError, match="int32"):
        int_matmul(np.ones((1, 70_000), np.float32), np.ones((70_000, 1), np.float32))


def test_quantize_input_is_the_quint8_integers_minus_the_zero_point(rng):
    x = rng.normal(0, 2, (6, 7)).astype(np.float32)
    scale, zero_point = np.float32(0.02), 100  # values beyond ±2 saturate
    reference = quantize_per_tensor(x, scale, zero_point, "quint8").int_repr.astype(np.int64) - zero_point
    got = quantize_input(x, scale, zero_point)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, reference)


# ----------------------------------------------------------------- INT8 layers
def integer_reference_linear(layer, x):
    """What an INT8 engine computes, in int64: Σ (q_x − z_x) q_w, then · s_x s_w + bias."""
    low, high = min(x.min(), 0.0), max(x.max(), 0.0)
    scale = np.float32(max((high - low) / 255, np.finfo(np.float32).eps))
    zero_point = int(np.clip(np.rint(-low / scale), 0, 255))
    xq = quantize_per_tensor(x, scale, zero_point, "quint8").int_repr.astype(np.int64) - zero_point
    accumulator = xq @ layer.weight_int8.numpy().astype(np.int64).T
    return accumulator * (np.float64(scale) * layer.weight_scale.numpy()) + layer.bias.numpy()


def test_dynamic_linear_computes_the_integer_product_exactly(rng):
    linear = nn.Linear(1100, 12)  # K = 1100: three exact chunks
    int8 = QuantizedLinear.from_float(linear)
    assert int8.weight_int8.dtype == autograd.int8 and int8.weight_int8.shape == (12, 1100)
    assert int8.mode == "dynamic" and int8.weight_scale.shape == (12,)
    x = rng.standard_normal((5, 1100)).astype(np.float32)
    got = int8(autograd.tensor(x)).numpy()
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, integer_reference_linear(int8, x), rtol=1e-5, atol=1e-6)
    expected = linear(autograd.tensor(x)).detach().numpy()
    assert np.abs(got - expected).max() < 0.02 * np.abs(expected).max()  # close to the float layer


def test_linear_keeps_leading_dimensions_and_checks_features(rng):
    int8 = QuantizedLinear.from_float(nn.Linear(6, 4))
    assert int8(autograd.randn(2, 3, 6)).shape == (2, 3, 4)
    with pytest.raises(RuntimeError, match="does not end in 6 features"):
        int8(autograd.randn(2, 5))
    with pytest.raises(TypeError, match="floating-point"):
        int8(np.ones((2, 6), np.int64))


def test_weight_only_linear_differs_from_float_only_by_weight_rounding(rng):
    linear = nn.Linear(64, 16)
    int8 = QuantizedLinear.from_float(linear, mode="weight_only")
    x = autograd.tensor(rng.standard_normal((8, 64)).astype(np.float32))
    expected, got = linear(x).detach().numpy(), int8(x).detach().numpy()
    step = np.abs(linear.weight.detach().numpy()).max(1) / 127  # per output channel
    bound = np.abs(x.numpy()).sum(1)[:, None] * step[None, :] / 2  # |x| · half a step per weight
    assert np.all(np.abs(got - expected) <= bound + 1e-5) and np.abs(got - expected).max() > 0


def slow_conv2d(x, weight, stride, padding, groups):
    """Direct convolution in float64: a loop over output positions, nothing clever."""
    n, c, h, w = x.shape
    c_out, cg, kh, kw = weight.shape
    (ph, pw), (sh, sw) = padding, stride
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ho, wo = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    out = np.zeros((n, c_out, ho, wo))
    per_group = c_out // groups
    for i in range(ho):
        for j in range(wo):
            patch = xp[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw]
            for g in range(groups):
                block = patch[:, g * cg : (g + 1) * cg]
                kernels = weight[g * per_group : (g + 1) * per_group].astype(np.float64)
                out[:, g * per_group : (g + 1) * per_group, i, j] = np.einsum("nchw,ochw->no", block, kernels)
    return out


@pytest.mark.parametrize(
    ("c_in", "c_out", "stride", "padding", "groups"),
    # K = C_in / groups · 9: one exact slice; 576 > 514, two slices; grouped and sliced per group
    [
        (3, 8, (1, 1), (1, 1), 1),
        (64, 6, (2, 1), (0, 1), 1),
        (4, 6, (1, 2), (1, 0), 2),
        (128, 4, (1, 1), (1, 1), 2),
    ],
)
def test_quantized_conv_is_the_convolution_of_the_quantized_values(rng, c_in, c_out, stride, padding, groups):
    conv = Conv2d(c_in, c_out, 3, stride=stride, padding=padding, groups=groups)
    int8 = QuantizedConv2d.from_float(conv)
    x = rng.standard_normal((3, c_in, 7, 6)).astype(np.float32)
    got = int8(autograd.tensor(x)).numpy()
    scale = np.float32((max(x.max(), 0.0) - min(x.min(), 0.0)) / 255)
    zero_point = int(np.clip(np.rint(-min(x.min(), 0.0) / scale), 0, 255))
    x_int = quantize_per_tensor(x, scale, zero_point).int_repr.astype(np.int64) - zero_point
    integer = slow_conv2d(x_int, int8.weight_int8.numpy(), stride, padding, groups)  # exact integers
    multiplier = (np.float64(scale) * int8.weight_scale.numpy())[:, None, None]
    expected = integer * multiplier + conv.bias.detach().numpy()[:, None, None]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    float_out = conv(autograd.tensor(x)).detach().numpy()
    assert np.abs(got - float_out).max() < 0.03 * np.abs(float_out).max()


def test_static_conv_uses_its_stored_input_qparams(rng):
    conv = Conv2d(2, 3, 3, padding=1, bias=False)
    int8 = QuantizedConv2d(2, 3, 3, padding=1, bias=False, mode="static")
    int8.set_weight(conv.weight.detach().numpy(), None)
    int8.set_input_qparams(0.5, 0)  # a coarse, one-sided grid: negative inputs clip to 0
    x = rng.standard_normal((1, 2, 5, 5)).astype(np.float32)
    clipped = np.clip(np.rint(x / 0.5), 0, 255) * 0.5
    weight = int8.weight().numpy()
    np.testing.assert_allclose(int8(x).numpy(), slow_conv2d(clipped, weight, (1, 1), (1, 1), 1), atol=1e-5)
    with pytest.raises(ValueError, match="scale > 0"):
        int8.set_input_qparams(0.0, 0)
    with pytest.raises(RuntimeError, match="only stored in mode 'static'"):
        QuantizedConv2d.from_float(conv).set_input_qparams(0.1, 0)


def test_int8_layers_refuse_bad_arguments():
    with pytest.raises(ValueError, match="mode must be one of"):
        QuantizedLinear(3, 2, mode="int4")
    with pytest.raises(ValueError, match="needs the observer"):
        QuantizedLinear.from_float(nn.Linear(3, 2), mode="static")
    with pytest.raises(TypeError, match="expected a Conv2d"):
        QuantizedConv2d.from_float(nn.Linear(3, 2))
    with pytest.raises(ValueError, match="QuantizedConv2d: padding_mode 'replicate' is not supported"):
        QuantizedConv2d.from_float(Conv2d(3, 4, 3, padding=1, padding_mode="replicate"))
    with pytest.raises(RuntimeError, match="expected an input of shape"):
        QuantizedConv2d.from_float(Conv2d(3, 4, 3))(autograd.randn(1, 2, 5, 5))
    with pytest.raises(ValueError, match="divisible by groups"):
        QuantizedConv2d(3, 4, 3, groups=2)


def test_quantized_state_dict_holds_int8_and_round_trips_through_a_checkpoint(tmp_path, rng):
    model = nn.Sequential(Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 5 * 5, 2))
    int8 = nn.Sequential(
        QuantizedConv2d.from_float(model[0], mode="static", observer=_calibrated(rng, (2, 3, 5, 5))),
        nn.ReLU(),
        nn.Flatten(),
        QuantizedLinear.from_float(model[3]),
    )
    state = int8.state_dict()
    assert sorted(state) == [
        "0.bias", "0.input_scale", "0.input_zero_point", "0.weight_int8", "0.weight_scale",
        "3.bias", "3.weight_int8", "3.weight_scale",
    ]  # fmt: skip
    tt_optim.save(state, tmp_path / "int8.npz")
    loaded = tt_optim.load(tmp_path / "int8.npz")
    assert loaded["0.weight_int8"].dtype == autograd.int8 and loaded["3.weight_int8"].dtype == autograd.int8
    fresh = nn.Sequential(
        QuantizedConv2d(3, 4, 3, padding=1, mode="static"), nn.ReLU(), nn.Flatten(), QuantizedLinear(100, 2)
    )
    fresh.load_state_dict(loaded)
    x = autograd.tensor(rng.standard_normal((2, 3, 5, 5)).astype(np.float32))
    np.testing.assert_array_equal(fresh(x).numpy(), int8(x).numpy())
    ratio = model_size_bytes(model) / model_size_bytes(int8)
    assert 3.0 < ratio < 4.0  # weights 4× smaller; float biases and scales stay


def _calibrated(rng, shape):
    observer = MinMaxObserver()
    observer(rng.standard_normal(shape))
    return observer
