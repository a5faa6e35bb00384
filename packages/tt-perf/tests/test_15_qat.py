"""Module 15: fake quantization, the straight-through estimator, and quantization-aware training."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_perf.quantization import (
    FakeQuantize,
    MinMaxObserver,
    MovingAverageMinMaxObserver,
    MovingAveragePerChannelMinMaxObserver,
    PerChannelMinMaxObserver,
    QATConv2d,
    QATLinear,
    QConfig,
    QuantizedConv2d,
    QuantizedLinear,
    convert,
    dequantize,
    disable_fake_quant,
    disable_observer,
    enable_fake_quant,
    fake_quantize_per_channel_affine,
    fake_quantize_per_tensor_affine,
    model_size_bytes,
    prepare,
    prepare_qat,
    quantize_per_channel,
    quantize_per_tensor,
)
from tt_vision import Conv2d, MaxPool2d
from tt_vision import functional as vision_f


def away_from_steps(rng, scale, low, high, n):
    """float64 values near ``[low, high]`` whose ``x / scale`` is ≥ 0.1 from every rounding step (k + ½)."""
    steps = rng.integers(int(np.floor(low / scale)), int(np.ceil(high / scale)), n)
    return (steps + rng.uniform(-0.4, 0.4, n)) * scale


def central_difference(fn, x, eps):
    return (fn(x + eps) - fn(x - eps)) / (2 * eps)


# ----------------------------------------------------------------- the operation
@pytest.mark.parametrize("dtype, zero_point", [("quint8", 37), ("qint8", 0), ("qint8", -5)])
def test_fake_quantize_per_tensor_is_quantize_then_dequantize(rng, dtype, zero_point):
    x = (rng.standard_normal(500) * 2).astype(np.float32)
    low, high = (0, 255) if dtype == "quint8" else (-128, 127)
    y = fake_quantize_per_tensor_affine(autograd.tensor(x), 0.013, zero_point, low, high).numpy()
    expected = dequantize(quantize_per_tensor(x, 0.013, zero_point, dtype))
    assert y.dtype == np.float32 and np.array_equal(y, expected)


def test_fake_quantize_per_channel_is_quantize_then_dequantize(rng):
    w = (rng.standard_normal((6, 3, 2)) * rng.uniform(0.1, 3, (6, 1, 1))).astype(np.float32)
    scales = np.abs(w).reshape(6, -1).max(axis=1) / 127.5 * rng.uniform(0.5, 1.0, 6)  # some saturate
    y = fake_quantize_per_channel_affine(autograd.tensor(w), scales, np.zeros(6), 0, -128, 127).numpy()
    expected = dequantize(quantize_per_channel(w, scales, np.zeros(6), axis=0, dtype="qint8"))
    assert np.array_equal(y, expected)
    along_last = fake_quantize_per_channel_affine(autograd.tensor(w), scales[:2], [0, 0], -1, -128, 127)
    assert np.array_equal(
        along_last.numpy(), dequantize(quantize_per_channel(w, scales[:2], [0, 0], axis=2, dtype="qint8"))
    )


def test_ste_gradient_is_the_clamp_derivative_by_float64_central_differences(rng):
    """Inside the range the STE is the derivative of the clamp alone; where it saturates, of fq itself."""
    scale, zero_point, qmin, qmax = 0.05, 20, 0, 255
    # where round(x / s) + z lands in [qmin, qmax]:
    low, high = (qmin - zero_point - 0.5) * scale, (qmax - zero_point + 0.5) * scale
    x = away_from_steps(rng, scale, low - 2.0, high + 2.0, 400)
    x = x[np.minimum(np.abs(x - low), np.abs(x - high)) > 0.1 * scale]  # away from the mask's edges
    inside = (x > low) & (x < high)
    assert inside.any() and (~inside).any()

    def fq(values):
        return fake_quantize_per_tensor_affine(autograd.tensor(values), scale, zero_point, qmin, qmax).numpy()

    def clamp(values):  # the surrogate the STE differentiates: rounding treated as the identity
        return np.clip(values, low, high)

    tensor = autograd.tensor(x, requires_grad=True)
    g = rng.standard_normal(x.size)
    y = fake_quantize_per_tensor_affine(tensor, scale, zero_point, qmin, qmax)
    assert y.detach().numpy().dtype == np.float64
    (y * autograd.tensor(g)).sum().backward()
    eps = 1e-6 * scale
    assert np.allclose(tensor.grad.numpy(), g * central_difference(clamp, x, eps), atol=1e-6)
    # fq itself is flat between steps: zero slope everywhere here; the STE agrees with it where masked
    assert np.allclose(central_difference(fq, x, eps), 0.0)
    assert np.array_equal(tensor.grad.numpy()[~inside], np.zeros((~inside).sum()))
    assert np.allclose(tensor.grad.numpy()[inside], g[inside])


def test_ste_mask_is_taken_after_rounding_as_pytorch_does():
    scale, zero_point = 0.1, 0  # qint8: representable [-12.8, 12.7]
    x = autograd.tensor([12.7 + 0.03, 12.7 + 0.07, -12.8 - 0.03, -12.8 - 0.07, 0.0], requires_grad=True)
    y = fake_quantize_per_tensor_affine(x, scale, zero_point, -128, 127)
    y.sum().backward()
    assert np.array_equal(x.grad.numpy(), [1.0, 0.0, 1.0, 0.0, 1.0])  # half a step beyond still rounds in
    assert np.allclose(y.detach().numpy(), [12.7, 12.7, -12.8, -12.8, 0.0])


def test_per_channel_gradient_masks_each_channel_with_its_own_scale():
    w = autograd.tensor([[0.5, 3.0], [0.5, 3.0]], requires_grad=True)
    y = fake_quantize_per_channel_affine(w, [0.01, 0.1], [0, 0], 0, -128, 127)  # channel 0 saturates at 1.27
    y.sum().backward()
    assert np.array_equal(w.grad.numpy(), [[1.0, 0.0], [1.0, 1.0]])
    assert np.allclose(y.detach().numpy(), [[0.5, 1.27], [0.5, 3.0]])


def test_fake_quantize_errors_name_the_op_and_the_values():
    x = autograd.randn(4)
    with pytest.raises(ValueError, match=r"fake_quantize_per_tensor_affine: scale must be positive.*-0\.1"):
        fake_quantize_per_tensor_affine(x, -0.1, 0, 0, 255)
    with pytest.raises(ValueError, match=r"zero_point must lie in \[quant_min, quant_max\] = \[0, 255\]"):
        fake_quantize_per_tensor_affine(x, 0.1, 300, 0, 255)
    with pytest.raises(ValueError, match="quant_min .255. must be below quant_max .0."):
        fake_quantize_per_tensor_affine(x, 0.1, 0, 255, 0)
    with pytest.raises(ValueError, match="single numbers.*per_channel"):
        fake_quantize_per_tensor_affine(x, [0.1, 0.2], 0, 0, 255)
    with pytest.raises(ValueError, match="3 scales and 3 zero points for 4 channels along axis 0"):
        fake_quantize_per_channel_affine(x, [0.1] * 3, [0] * 3, 0, -128, 127)
    with pytest.raises(ValueError, match="axis 2 is out of range for an input of shape \\(4,\\)"):
        fake_quantize_per_channel_affine(x, [0.1] * 4, [0] * 4, 2, -128, 127)


# ----------------------------------------------------------------- the module and its observers
def test_moving_average_per_channel_observer_by_hand():
    observer = MovingAveragePerChannelMinMaxObserver(averaging_constant=0.5)
    observer(np.array([[-1.0, 2.0], [0.5, 4.0]]))
    observer(np.array([[-3.0, 0.0], [1.5, 2.0]]))
    assert np.allclose(observer.min_val, [-2.0, 1.0]) and np.allclose(observer.max_val, [1.0, 3.0])
    scale, zero_point = observer.calculate_qparams()
    assert np.allclose(scale, [2.0 / 127.5, 3.0 / 127.5]) and np.array_equal(zero_point, [0, 0])
    with pytest.raises(ValueError, match="averaging_constant must lie in \\(0, 1\\]"):
        MovingAveragePerChannelMinMaxObserver(averaging_constant=0.0)


def test_fake_quantize_module_observes_then_rounds_and_can_freeze(rng):
    fq = FakeQuantize(MinMaxObserver)
    x = autograd.tensor(rng.uniform(-1.0, 3.0, 100).astype(np.float32))
    y = fq(x).numpy()
    scale, zero_point = fq.calculate_qparams()
    assert np.isclose(fq.scale.numpy()[0], (x.numpy().max() - x.numpy().min()) / 255)
    assert np.array_equal(y, dequantize(quantize_per_tensor(x.numpy(), scale, zero_point, "quint8")))
    fq.apply(disable_observer)
    before = fq.scale.numpy().copy()
    fq(x * 10)  # frozen: the range does not follow
    assert np.array_equal(fq.scale.numpy(), before)
    fq.apply(disable_fake_quant)
    assert np.array_equal(fq(x * 10).numpy(), (x * 10).numpy())  # passes through
    fq.apply(enable_fake_quant)
    assert fq(x * 10).numpy().max() <= (255 - zero_point) * scale + 1e-6  # saturates at the frozen range


def test_fake_quantize_module_per_channel_for_weights(rng):
    fq = FakeQuantize(PerChannelMinMaxObserver, ch_axis=0)
    w = rng.standard_normal((4, 5)).astype(np.float32) * np.array([[0.1], [1], [10], [100]], np.float32)
    y = fq(autograd.tensor(w)).numpy()
    assert fq.dtype == "qint8" and fq.scale.numpy().shape == (4,)
    assert np.array_equal(y, dequantize(quantize_per_channel(w, *fq.calculate_qparams(), 0, "qint8")))


def test_fake_quantize_module_errors():
    fq = FakeQuantize()
    fq.apply(disable_observer)
    with pytest.raises(RuntimeError, match="observer is disabled and has seen no values"):
        fq(autograd.randn(3))
    with pytest.raises(TypeError, match="FakeQuantize: the observer .* has no quantized dtype"):
        FakeQuantize(observer=lambda: object())


# ----------------------------------------------------------------- QAT layers and the flow
def test_prepare_qat_swaps_layers_in_a_copy_and_checks_the_mode():
    model = nn.Sequential(Conv2d(2, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 2 * 2, 4))
    qat = prepare_qat(model)
    assert isinstance(qat[0], QATConv2d) and isinstance(qat[3], QATLinear)
    assert type(model[0]) is Conv2d and type(model[3]) is nn.Linear  # the original is untouched
    assert isinstance(qat[3], nn.Linear) and len(list(qat.parameters())) == 4  # same parameters, no more
    assert prepare_qat(model, inplace=True) is model and isinstance(model[3], QATLinear)
    with pytest.raises(RuntimeError, match="prepare_qat: call model.train\\(\\) first"):
        prepare_qat(nn.Sequential(nn.Linear(2, 2)).eval())
    with pytest.raises(ValueError, match="prepare_qat: cannot quantize ReLU"):
        prepare_qat(nn.Sequential(nn.Linear(2, 2)), layers=(nn.ReLU,))
    bad = QConfig(activation=partial(FakeQuantize, MinMaxObserver, qscheme="symmetric"), weight=FakeQuantize)
    with pytest.raises(ValueError, match="QATLinear: the weight fake quantizer must be symmetric qint8"):
        prepare_qat(nn.Sequential(nn.Linear(2, 2)), qconfig=bad._replace(weight=partial(FakeQuantize)))
    with pytest.raises(ValueError, match="QATLinear: the input fake quantizer must be affine quint8"):
        prepare_qat(nn.Sequential(nn.Linear(2, 2)), qconfig=bad._replace(weight=partial(FakeQuantize,
                    PerChannelMinMaxObserver)))  # fmt: skip


def test_qat_linear_gradients_are_the_float_gradients_through_the_masks(rng):
    linear = nn.Linear(6, 3)
    linear.weight.data = autograd.tensor(rng.standard_normal((3, 6)).astype(np.float32))
    qconfig = QConfig(  # ranges narrower than the data, so both masks cut something
        activation=partial(FakeQuantize, MinMaxObserver),
        weight=partial(FakeQuantize, PerChannelMinMaxObserver, ch_axis=0),
    )
    layer = QATLinear.from_float(linear, qconfig)
    layer.activation_fake_quant(autograd.tensor(np.array([-1.0, 1.0], np.float32)))
    layer.weight_fake_quant(autograd.tensor(linear.weight.detach().numpy() * 0.6))
    layer.apply(disable_observer)
    x = autograd.tensor(rng.standard_normal((5, 6)).astype(np.float32), requires_grad=True)
    g = rng.standard_normal((5, 3)).astype(np.float32)
    (layer(x) * autograd.tensor(g)).sum().backward()
    xq = layer.activation_fake_quant(x.detach()).numpy()
    wq = layer.weight_fake_quant(linear.weight.detach()).numpy()
    s_x, z_x = layer.activation_fake_quant.calculate_qparams()  # range [-1, 1]; x's is wider
    x_mask = (np.rint(x.detach().numpy() / s_x) + z_x >= 0) & (np.rint(x.detach().numpy() / s_x) + z_x <= 255)
    scale = layer.weight_fake_quant.scale.numpy()[:, None]
    w_mask = np.rint(linear.weight.detach().numpy() / scale) <= 127
    w_mask &= np.rint(linear.weight.detach().numpy() / scale) >= -128
    assert not x_mask.all() and not w_mask.all()
    assert np.allclose(layer.weight.grad.numpy(), w_mask * (g.T @ xq), atol=1e-5)
    assert np.allclose(x.grad.numpy(), x_mask * (g @ wq), atol=1e-5)
    assert np.allclose(layer.bias.grad.numpy(), g.sum(axis=0), atol=1e-5)
    assert layer.weight is linear.weight  # shared: an optimiser on either trains both


def test_qat_conv_refuses_a_padding_mode_it_would_drop():
    with pytest.raises(ValueError, match="QATConv2d: padding_mode 'reflect' is not supported, only 'zeros'"):
        QATConv2d.from_float(Conv2d(2, 3, 3, padding=1, padding_mode="reflect"))


def test_qat_conv_weight_gradient_is_masked(rng):
    conv = Conv2d(2, 3, 3, padding=1)
    layer = QATConv2d.from_float(conv)
    x = autograd.tensor(rng.standard_normal((2, 2, 5, 5)).astype(np.float32))
    layer(x)
    layer.weight_fake_quant.scale = autograd.tensor(layer.weight_fake_quant.scale.numpy() * 0.5)
    layer.apply(disable_observer)  # half the range: the larger weights saturate
    layer(x).sum().backward()
    xq = autograd.tensor(layer.activation_fake_quant(x).numpy())
    wq = autograd.tensor(layer.weight_fake_quant(conv.weight.detach()).numpy(), requires_grad=True)
    vision_f.conv2d(xq, wq, conv.bias.detach(), 1, 1).sum().backward()
    q = np.rint(conv.weight.detach().numpy() / layer.weight_fake_quant.scale.numpy()[:, None, None, None])
    saturated = (q > 127) | (q < -128)
    assert saturated.any() and not saturated.all()
    assert np.allclose(layer.weight.grad.numpy(), np.where(saturated, 0.0, wq.grad.numpy()), atol=1e-5)


def qat_cnn():
    return nn.Sequential(
        Conv2d(3, 6, 3, padding=1), nn.ReLU(), MaxPool2d(2), Conv2d(6, 8, 3, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(8 * 4 * 4, 5),
    )  # fmt: skip


def test_converted_qat_model_computes_what_training_saw(rng):
    """After fine-tuning, the INT8 model equals the fake-quantized float model up to float32 sums."""
    model = prepare_qat(qat_cnn())
    data = [autograd.tensor(rng.standard_normal((8, 3, 8, 8)).astype(np.float32)) for _ in range(3)]
    for x in data:  # three plain SGD steps through the fake quantizers
        model.zero_grad()
        (model(x) ** 2).mean().backward()
        for p in model.parameters():
            p.data = p.data - 0.05 * p.grad
    model.eval()
    int8 = convert(model)
    assert isinstance(int8[0], QuantizedConv2d) and int8[0].mode == "static"
    assert isinstance(int8[6], QuantizedLinear) and isinstance(model[6], QATLinear)  # a copy was converted
    model.apply(disable_observer)
    with autograd.no_grad():
        expected = model(data[0]).numpy()
    assert np.allclose(int8(data[0]).numpy(), expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())
    layer, fq = int8[6], model[6].weight_fake_quant
    wq = np.rint(model[6].weight.detach().numpy() / fq.scale.numpy()[:, None])
    assert np.array_equal(layer.weight_int8.numpy(), np.clip(wq, -128, 127))  # the integers training saw
    assert np.array_equal(layer.weight_scale.numpy(), fq.scale.numpy())


def test_qat_calibration_without_rounding_converts_like_static_quantization(rng):
    """Same observers, fake quantization off during calibration: convert gives static PTQ's model exactly."""
    float_model = qat_cnn()
    qconfig = QConfig(
        activation=partial(FakeQuantize, MinMaxObserver),
        weight=partial(FakeQuantize, PerChannelMinMaxObserver, ch_axis=0),
    )
    qat = prepare_qat(float_model, qconfig=qconfig)
    qat.apply(disable_fake_quant)
    static = prepare(float_model.eval())
    x = autograd.tensor(rng.standard_normal((16, 3, 8, 8)).astype(np.float32))
    with autograd.no_grad():
        qat(x)
        static(x)
    a, b = convert(qat.eval()), convert(static)
    state_a, state_b = a.state_dict(), b.state_dict()
    assert state_a.keys() == state_b.keys()
    for key in state_a:
        assert np.array_equal(state_a[key].numpy(), state_b[key].numpy()), key
    assert np.array_equal(a(x).numpy(), b(x).numpy())


def test_convert_refuses_a_qat_layer_that_never_ran():
    model = prepare_qat(nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 2)))
    with pytest.raises(RuntimeError, match="convert: QAT layer 0 has not run yet"):
        convert(model.eval())


def test_weight_observer_must_be_symmetric():
    observer = MovingAverageMinMaxObserver()
    observer(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="QuantizedLinear.from_float: the weight observer must be symmetric"):
        QuantizedLinear.from_float(nn.Linear(2, 2), weight_observer=observer)


def test_model_size_counts_tied_weights_once():
    model = nn.Sequential(nn.Linear(4, 4, bias=False), nn.Linear(4, 4, bias=False))
    assert model_size_bytes(model) == 2 * 16 * 4
    model[1].weight = model[0].weight
    assert model_size_bytes(model) == 16 * 4


def test_a_per_tensor_weight_quantizer_converts_to_one_shared_scale(rng):
    qconfig = QConfig(
        activation=partial(FakeQuantize, MovingAverageMinMaxObserver),
        weight=partial(FakeQuantize, MinMaxObserver, qscheme="symmetric"),
    )
    model = prepare_qat(nn.Sequential(nn.Linear(5, 4)), qconfig=qconfig)
    x = autograd.tensor(rng.standard_normal((6, 5)).astype(np.float32))
    model(x)
    int8 = convert(model.eval())
    scale = model[0].weight_fake_quant.scale.numpy()
    assert scale.shape == (1,) and np.array_equal(int8[0].weight_scale.numpy(), np.repeat(scale, 4))
    model.apply(disable_observer)
    with autograd.no_grad():
        assert np.allclose(int8(x).numpy(), model(x).numpy(), atol=1e-5)
