"""Module 15: INT8 quantization of arrays, observers, INT8-weight layers and batch-norm folding."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as ag
import tt_nn as nn
import tt_optim
from tt_perf.profiling import count_flops
from tt_perf.quantization import (
    MinMaxObserver,
    PerChannelMinMaxObserver,
    QuantizedConv2d,
    QuantizedLinear,
    dequantize,
    fuse_conv_bn,
    fuse_conv_bn_eval,
    quantize_per_channel,
    quantize_per_tensor,
    quantize_weights,
)
from tt_vision import BatchNorm2d, Conv2d, MaxPool2d


def test_round_trip_error_is_at_most_half_a_step_inside_the_range(rng):
    x = rng.uniform(-2, 3, 1000).astype(np.float32)
    scale, zero_point = 5 / 255, 102
    q = quantize_per_tensor(x, scale, zero_point, "quint8")
    assert q.int_repr.dtype == np.uint8
    assert np.abs(dequantize(q) - x).max() <= scale / 2 + 1e-6
    assert dequantize(quantize_per_tensor(np.zeros(3), scale, zero_point)).tolist() == [0.0, 0.0, 0.0]


def test_values_outside_the_range_saturate():
    q = quantize_per_tensor(np.array([-20.0, 20.0]), 0.1, 0, "qint8")
    assert q.int_repr.tolist() == [-127, 127]
    np.testing.assert_allclose(dequantize(q), [-12.7, 12.7], rtol=1e-6)


def test_per_channel_uses_each_channels_own_scale(rng):
    ranges = np.array([1e-3, 1e-1, 1, 10], dtype=np.float32)[:, None, None, None]
    weight = rng.standard_normal((4, 3, 3, 3)).astype(np.float32) * ranges
    observer = PerChannelMinMaxObserver(ch_axis=0, qscheme="symmetric")
    observer(weight)
    scales, zeros = observer.calculate_qparams()
    np.testing.assert_allclose(scales, np.abs(weight).reshape(4, -1).max(1) / 127, rtol=1e-6)
    per_channel = dequantize(quantize_per_channel(weight, scales, zeros, axis=0))
    per_tensor = dequantize(quantize_per_tensor(weight, scales.max(), 0, "qint8"))
    error = lambda w: np.abs(w - weight).reshape(4, -1).max(1) / np.abs(weight).reshape(4, -1).max(1)  # noqa: E731
    assert error(per_channel).max() < 0.01  # every channel within 1% of its range
    assert error(per_tensor)[0] > 0.4  # one shared scale wipes out the small channel


def test_minmax_observer_affine_and_symmetric_params():
    observer = MinMaxObserver()
    observer(np.array([0.5, 2.0]))
    observer(np.array([-1.0, 1.0]))
    scale, zero_point = observer.calculate_qparams()
    assert scale == pytest.approx(3.0 / 255) and int(zero_point) == 85  # round(1 / (3/255))
    symmetric = MinMaxObserver("symmetric")
    symmetric(np.array([-4.0, 1.0]))
    scale, zero_point = symmetric.calculate_qparams()
    assert scale == pytest.approx(4.0 / 127) and int(zero_point) == 0
    constant = MinMaxObserver()
    constant(np.zeros(5))
    assert constant.calculate_qparams()[0] > 0  # no zero scale for an all-zero tensor


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="scales must be positive"):
        quantize_per_tensor(np.ones(2), 0.0, 0)
    with pytest.raises(ValueError, match="zero points must lie in \\[-127, 127\\]"):
        quantize_per_tensor(np.ones(2), 0.1, 200, "qint8")
    with pytest.raises(ValueError, match="dtype must be one of"):
        quantize_per_tensor(np.ones(2), 0.1, 0, "int4")
    with pytest.raises(ValueError, match="3 scales"):
        quantize_per_channel(np.ones((2, 5)), np.ones(3), np.zeros(3), axis=0)
    with pytest.raises(RuntimeError, match="no values observed"):
        MinMaxObserver().calculate_qparams()
    with pytest.raises(ValueError, match="qscheme"):
        MinMaxObserver("asymmetric")


def test_quantized_linear_matches_the_float_layer_within_the_rounding(rng):
    linear = nn.Linear(64, 16)
    quantized = QuantizedLinear.from_float(linear)
    assert quantized.weight_int8.dtype == ag.int8 and quantized.weight_int8.shape == (16, 64)
    x = ag.tensor(rng.standard_normal((8, 64)).astype(np.float32))
    expected = linear(x).detach().numpy()
    got = quantized(x).numpy()
    step = np.abs(linear.weight.detach().numpy()).max(1) / 127  # per output channel
    bound = (np.abs(x.numpy()).sum(1)[:, None] * step[None, :]) / 2  # |x| · half a step per weight
    assert np.all(np.abs(got - expected) <= bound + 1e-5)
    assert np.abs(got - expected).max() > 0  # it really is quantized


def test_quantized_conv_matches_and_models_shrink_four_times(rng):
    layers = [Conv2d(3, 8, 3, padding=1), nn.ReLU(), MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 4 * 4, 5)]
    model = nn.Sequential(*layers)
    quantized = quantize_weights(model)
    assert isinstance(quantized[0], QuantizedConv2d) and isinstance(quantized[4], QuantizedLinear)
    assert isinstance(model[0], Conv2d)  # a copy by default
    x = ag.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32))
    np.testing.assert_allclose(quantized(x).numpy(), model(x).detach().numpy(), atol=0.02)
    floats = sum(v.numpy().nbytes for v in model.state_dict().values())
    ints = sum(v.numpy().nbytes for v in quantized.state_dict().values())
    assert 3.0 < floats / ints < 4.0  # weights 4x smaller; float biases and scales stay


def test_quantized_layers_count_like_their_float_twins():
    model = nn.Sequential(Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 5))
    x = ag.zeros(2, 3, 6, 6)
    float_rows = count_flops(model, x).rows
    quantized_rows = count_flops(quantize_weights(model), x).rows
    assert [row.kind for row in quantized_rows] == ["QuantizedConv2d", "ReLU", "Flatten", "QuantizedLinear"]
    assert [row.flops for row in quantized_rows] == [row.flops for row in float_rows]


def test_a_quantized_model_round_trips_through_save_and_load(tmp_path, rng):
    quantized = quantize_weights(nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 2)))
    tt_optim.save(quantized.state_dict(), tmp_path / "q.npz")
    other = quantize_weights(nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 2)))
    other.load_state_dict(tt_optim.load(tmp_path / "q.npz"))
    x = ag.tensor(rng.standard_normal((3, 6)).astype(np.float32))
    np.testing.assert_array_equal(other(x).numpy(), quantized(x).numpy())
    assert tt_optim.load(tmp_path / "q.npz")["0.weight_int8"].dtype == ag.int8


def trained_conv_bn(rng):
    conv, bn = Conv2d(3, 6, 3, padding=1, bias=False), BatchNorm2d(6)
    model = nn.Sequential(conv, bn, nn.ReLU())
    for _ in range(5):  # give the running statistics and affine parameters non-trivial values
        model(ag.tensor(rng.standard_normal((4, 3, 5, 5)).astype(np.float32) * 3 + 1))
    bn.weight.data = ag.tensor(rng.uniform(0.5, 2, 6).astype(np.float32))
    bn.bias.data = ag.tensor(rng.uniform(-1, 1, 6).astype(np.float32))
    return model.eval()


def test_folding_batch_norm_gives_the_same_outputs(rng):
    model = trained_conv_bn(rng)
    x = ag.tensor(rng.standard_normal((2, 3, 5, 5)).astype(np.float32))
    expected = model(x).detach().numpy()
    folded = fuse_conv_bn_eval(model[0], model[1])
    assert folded.bias is not None and model[0].bias is None  # the original is untouched
    unfolded = model[1](model[0](x)).detach().numpy()
    np.testing.assert_allclose(folded(x).detach().numpy(), unfolded, rtol=1e-4, atol=1e-5)
    fuse_conv_bn(model)
    assert isinstance(model[1], nn.Identity)
    np.testing.assert_allclose(model(x).detach().numpy(), expected, rtol=1e-4, atol=1e-5)


def test_folding_refuses_training_mode(rng):
    model = trained_conv_bn(rng).train()
    with pytest.raises(RuntimeError, match="eval"):
        fuse_conv_bn(model)
    with pytest.raises(RuntimeError, match="eval mode"):
        fuse_conv_bn_eval(model[0], model[1])
