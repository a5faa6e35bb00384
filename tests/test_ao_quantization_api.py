"""PyTorch's eager-mode quantization tutorials on ``import tinytorch as torch`` (``torch.ao.quantization``).

The static tutorial's model (QuantStub → Conv-BN-ReLU blocks with a residual
``FloatFunctional`` add → mean → Dropout + Linear → DeQuantStub) is fused, prepared,
calibrated and converted with the tutorial's exact calls; the dynamic tutorial's
``quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)`` runs on a word-LM-like model.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from by_path import ROOT, load_file

import tinytorch as torch

nn = torch.nn
Q = torch.ao.quantization


def _tensor(rng, *shape, scale=1.0):
    return torch.tensor((rng.normal(0.0, scale, shape)).astype(np.float32))


TUTORIALS = load_file("quantization_tutorials_example", ROOT / "examples" / "quantization_tutorials.py")


@pytest.fixture
def tutorial_model():
    return TUTORIALS.tutorial_model()


@pytest.mark.parametrize("backend", ["x86", "qnnpack"])
def test_the_static_tutorial_quantizes_its_model(tutorial_model, backend):
    model, x, calibration = tutorial_model
    with torch.no_grad():
        reference = model(x).numpy()
    model.fuse_model()
    with torch.no_grad():
        np.testing.assert_allclose(model(x).numpy(), reference, atol=1e-5)  # folding is exact up to rounding
    assert isinstance(model.features[0][0], nn.intrinsic.ConvReLU2d) and isinstance(
        model.features[0][1], nn.Identity
    )
    model.qconfig = Q.get_default_qconfig(backend)
    Q.prepare(model, inplace=True)
    assert isinstance(model.quant.activation_post_process, Q.HistogramObserver)
    with torch.no_grad():
        model(calibration)
    with pytest.warns(UserWarning, match=r"features\.2\.skip_add saw no data") as record:  # as PyTorch warns
        Q.convert(model, inplace=True)
    assert record[0].filename == __file__  # the warning points at the call
    assert (model.features[2].skip_add.scale, model.features[2].skip_add.zero_point) == (1.0, 0)  # PyTorch's
    quantized = torch.ao.nn.quantized
    assert isinstance(model.quant, quantized.Quantize) and isinstance(model.dequant, quantized.DeQuantize)
    assert isinstance(model.features[0][0], torch.ao.nn.intrinsic.quantized.ConvReLU2d)
    assert isinstance(model.features[1].conv[2], quantized.Conv2d)
    assert isinstance(model.features[1].skip_add, quantized.QFunctional)
    assert isinstance(model.classifier[1], quantized.Linear) and type(model.classifier[0]) is nn.Dropout
    assert not any("qconfig" in vars(m) for m in model.modules())
    with torch.no_grad():
        out = model(x).numpy()
    # Eight quantization points, each rounding by up to half a step (1/510 of its range, 1/254 on x86's
    # reduce_range; the histogram clips a little more), carried through six layers: a few per cent of
    # the output's range at most
    # (examples/quantization_tutorials.py prints the error; PyTorch's own is of the same size).
    assert 1e-3 < TUTORIALS.relative_error(out, reference) < 0.05
    scale, zero_point = model.classifier[1].scale, model.classifier[1].zero_point
    steps = out / scale + zero_point
    np.testing.assert_allclose(steps, np.rint(steps), atol=1e-3)  # the output lies on its grid


def test_a_converted_linear_computes_int8_arithmetic():
    rng = np.random.default_rng(1)
    model = nn.Sequential(Q.QuantStub(), nn.Linear(6, 3), Q.DeQuantStub()).eval()
    model.qconfig = Q.QConfig(
        activation=Q.MinMaxObserver.with_args(dtype=torch.quint8, qscheme=torch.per_tensor_affine),
        weight=Q.default_per_channel_weight_observer,
    )
    prepared = Q.prepare(model)
    assert not hasattr(model[1], "activation_post_process")  # inplace=False copies
    x = _tensor(rng, 20, 6)
    with torch.no_grad():
        prepared(x)
    converted = Q.convert(prepared)
    assert hasattr(prepared[1], "activation_post_process")  # the prepared model is kept
    layer = converted[1]
    x_np, w = x.numpy(), model[1].weight.detach().numpy()
    s_in = (x_np.max() - x_np.min()) / 255
    z_in = np.rint(-x_np.min() / s_in)
    assert np.isclose(converted[0].scale, s_in, rtol=1e-6) and converted[0].zero_point == z_in
    q_x = np.clip(np.rint(x_np / s_in) + z_in, 0, 255) - z_in
    s_w = np.abs(w).max(axis=1) / 127.5
    q_w = np.clip(np.rint(w / s_w[:, None]), -128, 127)
    y = (q_x @ q_w.T) * s_in * s_w + model[1].bias.detach().numpy()
    with torch.no_grad():
        y_float = model[1](x).numpy()  # calibration observes the float model's output
    s_out = (max(y_float.max(), 0) - min(y_float.min(), 0)) / 255
    z_out = np.rint(-min(y_float.min(), 0) / s_out)
    assert np.isclose(layer.scale, s_out, rtol=1e-4) and layer.zero_point == z_out
    expected = (np.clip(np.rint(y / s_out) + z_out, 0, 255) - z_out) * s_out
    with torch.no_grad():
        np.testing.assert_allclose(converted(x).numpy(), expected, atol=1e-5)


def test_qconfig_none_keeps_a_child_float():
    model = nn.Sequential(Q.QuantStub(), nn.Linear(4, 4), nn.ReLU(), Q.DeQuantStub(), nn.Linear(4, 2)).eval()
    model.qconfig = Q.default_qconfig
    model[4].qconfig = None
    prepared = Q.prepare(model)
    assert not hasattr(prepared[4], "activation_post_process") and not hasattr(
        prepared[2], "activation_post_process"
    )
    with torch.no_grad():
        prepared(torch.randn(8, 4))
    converted = Q.convert(prepared)
    assert type(converted[4]) is nn.Linear and isinstance(converted[1], torch.ao.nn.quantized.Linear)
    np.testing.assert_array_equal(converted[4].weight.detach().numpy(), model[4].weight.detach().numpy())
    assert type(converted[2]) is nn.ReLU


def test_the_dynamic_tutorial_quantizes_the_linear_layers_only():
    model = TUTORIALS.WordLM().eval()
    quantized = Q.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    dynamic = torch.ao.nn.quantized.dynamic.Linear
    assert isinstance(quantized.hidden, dynamic) and isinstance(quantized.decoder, dynamic)
    assert type(quantized.encoder) is nn.Embedding
    mixed = Q.quantize_dynamic(
        nn.Sequential(nn.Conv2d(1, 1, 1), nn.Linear(2, 2)), {nn.Linear}, dtype=torch.qint8
    )
    assert type(mixed[0]) is nn.Conv2d and isinstance(mixed[1], torch.ao.nn.quantized.dynamic.Linear)
    assert type(model.hidden) is nn.Linear  # inplace=False
    tokens = torch.tensor(np.random.default_rng(2).integers(0, 30, (4, 7)))
    with torch.no_grad():
        reference, out = model(tokens).numpy(), quantized(tokens).numpy()
    # int8 weights (per tensor, default_dynamic_qconfig) and inputs, two layers: about 1/255 of the range.
    assert 1e-4 < TUTORIALS.relative_error(out, reference) < 0.02
    weight = quantized.hidden.weight().numpy()
    scale = np.abs(model.hidden.weight.detach().numpy()).max() / 127.5  # one scale per tensor, as PyTorch
    np.testing.assert_allclose(quantized.hidden.weight_scale.numpy(), scale, rtol=1e-6)
    np.testing.assert_allclose(weight, model.hidden.weight.detach().numpy(), atol=scale / 2 + 1e-7)
    assert quantized.hidden.mode == "dynamic"


def test_quantize_dynamic_by_name_default_and_root():
    model = TUTORIALS.WordLM().eval()
    only = Q.quantize_dynamic(model, {"decoder": Q.default_dynamic_qconfig})
    assert type(only.hidden) is nn.Linear and isinstance(only.decoder, torch.ao.nn.quantized.dynamic.Linear)
    default = Q.quantize_dynamic(model)
    assert isinstance(default.hidden, torch.ao.nn.quantized.dynamic.Linear)
    assert not any("qconfig" in vars(m) for m in default.modules())
    root = nn.Linear(3, 3)
    assert Q.quantize_dynamic(root) is not root and type(Q.quantize_dynamic(root)) is nn.Linear  # as PyTorch
    same = Q.quantize_dynamic(model, {nn.Linear}, inplace=True)
    assert same is model and isinstance(model.hidden, torch.ao.nn.quantized.dynamic.Linear)
    with pytest.warns(UserWarning, match="RNN has no dynamic INT8 version in TinyTorch; it stays float"):
        kept = Q.quantize_dynamic(nn.Sequential(nn.RNN(4, 4)), {nn.RNN, nn.Linear}, dtype=torch.qint8)
    assert type(kept[0]) is nn.RNN  # PyTorch has no dynamic RNN either
    with pytest.raises(ValueError, match="Don't know how to quantize with default settings for tt.quint8"):
        Q.quantize_dynamic(model, {nn.Linear}, dtype=torch.quint8)


def test_fuse_modules_kinds_and_modes():
    model = nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.Conv2d(3, 3, 1), nn.ReLU(), nn.Flatten(),
                          nn.Linear(12, 4), nn.ReLU()).eval()  # fmt: skip
    model[1].running_mean.numpy()[...] = [0.1, -0.2, 0.3]
    model[1].running_var.numpy()[...] = [0.5, 2.0, 1.5]
    x = torch.randn(2, 2, 4, 4)
    fused = Q.fuse_modules(model, [["0", "1"], ["2", "3"], ["5", "6"]])
    assert type(fused[0]) is nn.Conv2d and type(fused[1]) is nn.Identity and type(model[1]) is nn.BatchNorm2d
    assert isinstance(fused[2], torch.ao.nn.intrinsic.ConvReLU2d) and isinstance(
        fused[5], nn.intrinsic.LinearReLU
    )
    with torch.no_grad():
        np.testing.assert_allclose(fused(x).numpy(), model(x).numpy(), atol=1e-5)
    model.train()
    qat = Q.fuse_modules_qat(model, ["0", "1"])
    assert isinstance(qat[0], torch.ao.nn.intrinsic.ConvBn2d) and qat[0][1] is not model[1]
    with pytest.raises(RuntimeError, match="eval mode"):
        Q.fuse_modules(model, ["0", "1"])
    with pytest.raises(NotImplementedError, match=r"Cannot fuse modules: \('Conv2d', 'Flatten'\)"):
        Q.fuse_modules(model.eval(), ["2", "4"])
    with pytest.raises(AttributeError, match="has no submodule 'nope'"):
        Q.fuse_modules(model, ["nope", "1"])


def test_errors_name_the_fix():
    model = nn.Sequential(Q.QuantStub(), nn.Linear(2, 2), Q.DeQuantStub())
    model.qconfig = Q.get_default_qconfig("fbgemm")
    with pytest.raises(RuntimeError, match=r"no observers; call torch.ao.quantization.prepare\(model\)"):
        Q.convert(model)
    plain = nn.Sequential(nn.Linear(2, 2))
    assert type(Q.convert(plain)[0]) is nn.Linear  # no qconfig anywhere: nothing to do, as PyTorch
    with pytest.raises(
        AssertionError, match=r"backend: arm not supported. backend must be one of \['fbgemm'"
    ):
        Q.get_default_qconfig("arm")
    with pytest.raises(AssertionError, match="backend: arm not supported"):
        Q.get_default_qat_qconfig("arm")
    with pytest.raises(AssertionError, match="Version number: 1 in get_default_qconfig is not supported"):
        Q.get_default_qconfig("x86", version=1)
    with pytest.raises(ValueError, match="QConfig received observer instance"):
        Q.QConfig(activation=Q.MinMaxObserver(), weight=Q.default_weight_observer)
    message = r"MinMaxObserver: dtype tt.qint8 with qscheme tt.per_tensor_affine is not supported; use dtype="
    with pytest.raises(ValueError, match=message + r"torch.quint8 with torch.per_tensor_affine"):
        Q.MinMaxObserver(dtype=torch.qint8)
    with pytest.raises(
        ValueError, match=r"PerChannelMinMaxObserver: .* torch.per_channel_symmetric \(weights\)"
    ):
        Q.PerChannelMinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric)
    message = r"MinMaxObserver: quant_min/quant_max \(0, 300\) must include 0, differ, and lie in quint8's"
    with pytest.raises(ValueError, match=message + r" range \[0, 255\]"):
        Q.MinMaxObserver(quant_min=0, quant_max=300)
    bad = nn.Sequential(nn.Linear(2, 2))
    bad.qconfig = Q.QConfig(activation=Q.default_weight_observer, weight=Q.default_weight_observer)
    with pytest.raises(ValueError, match="static quantization needs an affine torch.quint8 observer"):
        Q.prepare(bad)
    with pytest.raises(RuntimeError, match="FloatFunctional is not intended to be called directly"):
        nn.quantized.FloatFunctional()(torch.ones(1))
    with pytest.raises(NotImplementedError, match="allow_list"):
        Q.prepare(model, allow_list={nn.Linear})
    with pytest.raises(AttributeError, match=r"torch.ao.quantization.quantize_fx is not part of TinyTorch"):
        Q.quantize_fx  # noqa: B018
    with pytest.warns(UserWarning, match="None of the submodule got qconfig applied") as record:
        Q.prepare(nn.Sequential(nn.Linear(2, 2)))
    assert record[0].filename == __file__
    functional_only = nn.Sequential(nn.quantized.FloatFunctional())
    functional_only.qconfig = Q.default_qconfig
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a module got an observer: no warning
        Q.prepare(functional_only)
        Q.prepare(model)


def test_observers_and_qconfigs_take_pytorchs_arguments():
    observer = Q.MinMaxObserver.with_args(dtype=torch.quint8, qscheme=torch.per_tensor_affine)()
    observer(torch.tensor([0.0, 2.0, 5.1]))
    scale, zero_point = observer.calculate_qparams()
    assert np.isclose(float(scale), 0.02) and int(zero_point) == 0 and observer.max_val == pytest.approx(5.1)
    assert observer.min_val == 0.0
    halved = Q.MinMaxObserver(
        dtype=torch.qint8, qscheme=torch.per_tensor_symmetric, quant_min=-64, quant_max=63
    )
    assert (halved.quant_min, halved.quant_max) == (-64, 63)  # PyTorch's reduced qint8 range, used as given
    with pytest.raises(ValueError, match=r"\(-129, 63\) must include 0, differ, and lie in qint8's range"):
        Q.MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric, quant_min=-129, quant_max=63)
    with pytest.raises(ValueError, match=r"\(1, 62\) must include 0"):
        Q.MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric, quant_min=1, quant_max=62)
    assert Q.get_default_qconfig("x86").activation().reduce_range is True
    assert Q.get_default_qconfig("qnnpack").activation().reduce_range is False
    assert Q.get_default_qat_qconfig("fbgemm").activation().observer_module.reduce_range is True
    assert Q.get_default_qat_qconfig("onednn").activation().observer_module.reduce_range is False
    weights = Q.default_per_channel_weight_observer()
    weights(torch.tensor([[1.0, -2.55], [0.5, 0.25]]))
    np.testing.assert_allclose(weights.calculate_qparams()[0].numpy(), [0.02, 0.5 / 127.5], rtol=1e-6)
    assert (
        weights.ch_axis == 0
        and weights.dtype == torch.qint8
        and weights.qscheme is torch.per_channel_symmetric
    )
    moving = Q.MovingAverageMinMaxObserver(averaging_constant=0.5)
    moving(torch.tensor([0.0, 2.0]))
    moving(torch.tensor([0.0, 4.0]))
    assert moving.max_val == 3.0
    histogram = Q.HistogramObserver.with_args(reduce_range=True)()
    histogram(torch.tensor(np.linspace(0, 1, 1001).astype(np.float32)))
    assert histogram.calculate_qparams()[0].item() == pytest.approx(1 / 127, rel=0.01)  # the halved range
    chained = Q.MovingAveragePerChannelMinMaxObserver.with_args(ch_axis=1).with_args(
        dtype=torch.qint8, qscheme=torch.per_channel_symmetric)()  # fmt: skip
    assert chained.ch_axis == 1 and chained.observer.averaging_constant == 0.01
    assert Q.get_default_qconfig("qnnpack").weight is Q.default_weight_observer
    assert Q.get_default_qconfig("x86").weight is Q.default_per_channel_weight_observer
    assert Q.get_default_qat_qconfig("qnnpack").weight is Q.default_weight_fake_quant
    fake = Q.get_default_qat_qconfig("x86", version=0).activation()
    assert type(fake) is Q.FakeQuantize and isinstance(fake.observer_module, Q.MovingAverageMinMaxObserver)
    assert isinstance(Q.get_default_qat_qconfig("onednn").activation(), Q.FusedMovingAvgObsFakeQuantize)
    assert Q.default_dynamic_qconfig.activation().is_dynamic and Q.PlaceholderObserver()(3) == 3
    with pytest.raises(RuntimeError, match="PlaceholderObserver: calculate_qparams should not be called"):
        Q.default_placeholder_observer().calculate_qparams()
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Linear(2, 2)))
    Q.propagate_qconfig_(model, {nn.Linear: Q.default_qconfig, "1.1": Q.default_per_channel_qconfig})
    assert model[0].qconfig is Q.default_qconfig and model[1][0].qconfig is None
    assert model[1][1].qconfig is Q.default_per_channel_qconfig and model.qconfig is None


def test_quant_wrapper_and_legacy_paths():
    inner = nn.Linear(3, 3)
    inner.qconfig = Q.default_qconfig
    wrapped = Q.QuantWrapper(inner.eval())
    assert wrapped.quant.qconfig is Q.default_qconfig and not wrapped.training
    Q.prepare(wrapped, inplace=True)
    x = torch.randn(4, 3)
    with torch.no_grad():
        wrapped(x)  # calibrate on the batch checked below
    Q.convert(wrapped, inplace=True)
    assert (
        isinstance(wrapped.module, torch.ao.nn.quantized.Linear)
        and isinstance(wrapped.quant, Q.QuantStub) is False
    )
    with torch.no_grad():
        assert np.abs(wrapped(x).numpy() - inner(x).numpy()).max() < 0.05
    assert torch.quantization.prepare is Q.prepare and torch.quantization.QuantStub is Q.QuantStub
    assert nn.quantized.dynamic.Linear is torch.ao.nn.quantized.dynamic.Linear
    assert (
        nn.qat.Linear is torch.ao.nn.qat.Linear
        and nn.intrinsic.qat.LinearReLU is torch.ao.nn.intrinsic.qat.LinearReLU
    )
    assert nn.intrinsic.quantized.ConvReLU2d is torch.ao.nn.intrinsic.quantized.ConvReLU2d
    from tinytorch.ao.quantization import DeQuantStub

    assert DeQuantStub is Q.DeQuantStub
    functional = nn.quantized.FloatFunctional()
    one = torch.ones(2)
    assert functional.add(one, one).tolist() == [2.0, 2.0] and functional.mul_scalar(one, 3.0).tolist() == [
        3.0,
        3.0,
    ]
    assert functional.cat([one, one]).shape == (4,) and functional.add_relu(one, -3 * one).tolist() == [
        0.0,
        0.0,
    ]
    assert functional.add_scalar(one, 1.0).tolist() == [2.0, 2.0] and functional.mul(
        one, 2 * one
    ).tolist() == [2.0, 2.0]
    assert functional.matmul(one, one).item() == 2.0
    q = nn.quantized.QFunctional(0.5, 1)
    assert q.add(one, torch.tensor([0.3, -2.0])).tolist() == [1.5, -0.5]  # on the grid, clipped at q = 0


def test_quantized_tensors_at_the_top_level():
    x = torch.tensor([-1.0, 0.0, 0.26, 30.0])
    q = torch.quantize_per_tensor(x, 0.1, 10, torch.quint8)
    assert q.is_quantized and q.dtype == torch.quint8 and q.dtype != torch.uint8 and q.shape == (4,)
    assert q.int_repr().tolist() == [0, 10, 13, 255] and q.int_repr().dtype == torch.uint8
    assert q.q_scale() == 0.1 and q.q_zero_point() == 10 and q.qscheme() is torch.per_tensor_affine
    np.testing.assert_allclose(q.dequantize().numpy(), [-1.0, 0.0, 0.3, 24.5], rtol=1e-6)
    assert torch.dequantize(q).tolist() == q.dequantize().tolist() and q.size() == (4,) and q.size(0) == 4
    assert q.dim() == 1 and q.numel() == 4 and "dtype=tt.quint8" in repr(q) and "zero_point=10" in repr(q)
    signed = torch.quantize_per_tensor(x, 0.01, 0, torch.qint8)
    assert signed.int_repr().tolist() == [-100, 0, 26, 127] and signed.dtype == torch.qint8
    wide = torch.quantize_per_tensor(x, 0.01, 5, torch.qint32)
    assert wide.int_repr().tolist() == [-95, 5, 31, 3005] and wide.q_zero_point() == 5
    with pytest.raises(ValueError, match="scale must be positive"):
        torch.quantize_per_tensor(x, 0.0, 0, torch.qint32)
    with pytest.raises(RuntimeError, match="q_scale: the tensor is quantized per channel"):
        torch.quantize_per_channel(torch.ones(2, 2), torch.tensor([0.1, 0.2]), torch.tensor([0, 0]), 0,
                                   torch.qint8).q_scale()  # fmt: skip
    channels = torch.quantize_per_channel(
        torch.tensor([[1.0, -1.0], [0.5, 2.0]]),
        torch.tensor([0.1, 0.2]),
        torch.tensor([0, 1]),
        0,
        torch.qint8,
    )
    assert channels.int_repr().tolist() == [[10, -10], [3, 11]]  # 2.5 rounds to even, as PyTorch's
    assert channels.q_per_channel_axis() == 0
    assert (
        channels.q_per_channel_zero_points().tolist() == [0, 1]
        and channels.qscheme() is torch.per_channel_affine
    )
    np.testing.assert_allclose(channels.q_per_channel_scales().numpy(), [0.1, 0.2], rtol=1e-6)
    assert "axis=0" in repr(channels)
    with pytest.raises(RuntimeError, match="q_per_channel_axis: the tensor is quantized per tensor"):
        q.q_per_channel_axis()
    with pytest.raises(TypeError, match="dtype must be torch.qint8, torch.quint8 or torch.qint32"):
        torch.quantize_per_tensor(x, 0.1, 0, torch.float32)
    with pytest.raises(TypeError, match="qint32 is not supported"):
        torch.quantize_per_channel(x, torch.ones(4), torch.zeros(4), 0, torch.qint32)
    with pytest.raises(TypeError, match="dequantize: expected a quantized tensor, got list"):
        torch.dequantize([1.0])
    assert (
        torch.dequantize(x) is x and torch.ao.nn.quantized.DeQuantize()(q).tolist() == q.dequantize().tolist()
    )


def test_the_example_prints_both_tutorials(capsys):
    with pytest.warns(UserWarning, match="skip_add saw no data"):  # the last block has no residual sum
        TUTORIALS.main()
    printed = capsys.readouterr().out
    assert printed.count("fused vs unfused max |diff|") == 2 and "classifier QLinear" in printed
    assert (
        "dynamic ({nn.LSTM, nn.Linear}): rnn DynamicLSTM" in printed and "first block QConvReLU2d" in printed
    )
    gaps = [float(part.split()[0]) for part in printed.split("fake-quantized model it trained ")[1:]]
    # qnnpack trains on quint8's full range: the converted model computes what training did. x86's
    # reduce_range trains clamped at quant_max 127 and converts to quint8 clamped at 255 (as PyTorch):
    # the models part where training saturated.
    assert gaps[1] < 1e-5 and gaps[0] > 1e-2
    static = [float(line.split("INT8 vs float ")[1].split("%")[0]) for line in printed.splitlines()[:2]]
    assert all(0.1 < error < 5 for error in static)
    for line in printed.splitlines()[4:]:
        before, after = line.split("size ")[1].split(" bytes")[0].split(" -> ")
        assert int(after) < int(before)


def test_reprs_copies_and_constructor_checks():
    import copy

    assert copy.copy(torch.per_tensor_affine) is torch.per_tensor_affine
    assert (
        torch.quint8 == "quint8"
        and torch.quint8 != "qint8"
        and torch.quint8 != 3
        and torch.qint8 != torch.int8
    )
    assert {torch.quint8: 1}["quint8"] == 1 and hash(torch.qint32) == hash("qint32")
    with pytest.raises(
        TypeError, match="quantize_per_tensor: dtype must be torch.qint8, torch.quint8 or torch.qint32"
    ):
        torch.quantize_per_tensor(torch.ones(2), 0.1, 0, "int8")
    assert copy.deepcopy(torch.quint8) is torch.quint8 and copy.copy(torch.qint8) is torch.qint8
    assert repr(Q.default_observer) == repr(Q.default_observer.factory) and "quant_max=127" in repr(
        Q.default_observer
    )
    observer = Q.MinMaxObserver()
    observer(torch.tensor([-1.0, 3.0]))
    assert "min_val=-1.0, max_val=3.0" in repr(observer)
    quantize = torch.ao.nn.quantized.Quantize(0.5, 3)
    assert "scale=tensor([0.5]), zero_point=tensor([3]), dtype=torch.quint8" in repr(quantize)
    assert quantize(torch.tensor([0.26, -5.0])).tolist() == [0.5, -1.5]  # on the grid, clipped at q = 0
    assert "scale=0.5, zero_point=1" in repr(nn.quantized.QFunctional(0.5, 1))
    layer = torch.ao.nn.quantized.Linear(2, 3)
    assert (layer.scale, layer.zero_point) == (1.0, 0)
    layer.set_output_qparams(0.25, 7)
    assert repr(layer).endswith("scale=0.25, zero_point=7)") and layer.mode == "static"
    conv = torch.ao.nn.quantized.Conv2d(2, 4, 3, padding=1)
    assert (conv.scale, conv.zero_point, conv.padding) == (1.0, 0, (1, 1))
    with pytest.raises(ValueError, match="QConv2d: padding_mode 'reflect' is not supported, only 'zeros'"):
        torch.ao.nn.quantized.Conv2d(2, 4, 3, padding_mode="reflect")
    with pytest.raises(
        TypeError, match=r"ConvReLU2d: expected modules \['Conv2d', 'ReLU'\], got \['Linear', 'ReLU'\]"
    ):
        nn.intrinsic.ConvReLU2d(nn.Linear(2, 2), nn.ReLU())
    with pytest.raises(
        TypeError, match=r"LinearReLU: expected modules \['Linear', 'ReLU'\], got \['Linear'\]"
    ):
        nn.intrinsic.LinearReLU(nn.Linear(2, 2))
    assert torch.ao.nn.quantized.dynamic.Linear(3, 2).mode == "dynamic"
    assert torch.ao.nn.quantized.Quantize(0.1, 0, torch.qint8).dtype == "qint8"
    with pytest.raises(TypeError, match="Quantize: dtype must be torch.qint8"):
        torch.ao.nn.quantized.Quantize(0.1, 0, torch.float32)
    q = torch.quantize_per_channel(
        torch.ones(2, 2), torch.tensor([0.1, 0.2]), torch.tensor([0, 0]), 1, torch.qint8
    )
    with pytest.raises(RuntimeError, match=r"q_zero_point: .*per channel; use q_per_channel_zero_points\(\)"):
        q.q_zero_point()
    with pytest.raises(RuntimeError, match=r"q_scale: .*per channel; use q_per_channel_scales\(\)"):
        q.q_scale()
    with pytest.raises(
        RuntimeError, match=r"q_per_channel_scales: the tensor is quantized per tensor; use q_scale"
    ):
        torch.quantize_per_tensor(torch.ones(2), 0.1, 0, torch.quint8).q_per_channel_scales()
    with pytest.raises(RuntimeError, match=r"q_per_channel_zero_points: the tensor is quantized per tensor"):
        torch.quantize_per_tensor(torch.ones(2), 0.1, 0, torch.quint8).q_per_channel_zero_points()


def test_a_fused_relu_comes_before_the_output_rounding():
    layer = torch.ao.nn.intrinsic.quantized.LinearReLU(2, 2, bias_=False)
    layer.set_weight(np.array([[1.0, 0.0], [-1.0, 0.0]], np.float32), None)
    layer.set_input_qparams(0.01, 128)
    layer.set_output_qparams(0.01, 100)  # a grid that reaches below zero: only the ReLU clips there
    out = layer(torch.tensor([[0.5, 0.0]])).numpy()
    np.testing.assert_allclose(out, [[0.5, 0.0]], atol=1e-6)
    assert isinstance(nn.quantized.QFunctional().activation_post_process, nn.Identity)  # as PyTorch's


def test_flow_options_and_their_refusals():
    def model_with(qconfig):
        model = nn.Sequential(Q.QuantStub(), nn.Linear(3, 2), Q.DeQuantStub()).eval()
        model.qconfig = qconfig
        return model

    for option in ({"observer_non_leaf_module_list": {nn.Linear}}, {"prepare_custom_config_dict": {"a": 1}}):
        with pytest.raises(NotImplementedError, match="prepare_custom_config_dict are not supported"):
            Q.prepare(model_with(Q.default_qconfig), **option)
    prepared = Q.prepare(model_with(Q.default_qconfig))
    with torch.no_grad():
        prepared(torch.randn(6, 3))
    for option in ({"is_reference": True}, {"convert_custom_config_dict": {"a": 1}}):
        with pytest.raises(NotImplementedError, match="is_reference and convert_custom_config_dict"):
            Q.convert(prepared, **option)
    stubs_only = Q.convert(prepared, mapping={Q.QuantStub: torch.ao.nn.quantized.Quantize})
    assert isinstance(stubs_only[0], torch.ao.nn.quantized.Quantize) and type(stubs_only[1]) is nn.Linear
    kept = Q.convert(prepared, remove_qconfig=False)
    assert isinstance(kept.qconfig, Q.QConfig) and isinstance(kept[1], torch.ao.nn.quantized.Linear)
    late = Q.prepare(model_with(Q.default_qconfig))
    late.add_module("3", nn.Linear(2, 2))
    late[3].qconfig = Q.default_qconfig
    with torch.no_grad():
        late(torch.randn(6, 3))
    with pytest.raises(RuntimeError, match=r"convert: 3 \(Linear\) has a qconfig but no observer: call"):
        Q.convert(late)
    affine_weights = Q.prepare(model_with(Q.QConfig(activation=Q.default_observer, weight=Q.MinMaxObserver)))
    with torch.no_grad():
        affine_weights(torch.randn(6, 3))
    with pytest.raises(ValueError, match=r"convert: 1: weights must be observed as torch.qint8 symmetric"):
        Q.convert(affine_weights)
    with pytest.raises(NotImplementedError, match="prepare_qat: a custom mapping is not supported"):
        Q.prepare_qat(model_with(Q.default_qat_qconfig).train(), mapping={})
    assert isinstance(
        Q.quantize_dynamic(nn.Sequential(nn.Linear(2, 2)), dtype="qint8")[0], nn.quantized.dynamic.Linear
    )
    with pytest.raises(ValueError, match="Don't know how to quantize with default settings for tt.float16"):
        Q.quantize_dynamic(nn.Sequential(nn.Linear(2, 2)), dtype=torch.float16)
    with pytest.warns(
        UserWarning, match=r"LSTM has no dynamic INT8 version in TinyTorch; .*\['Linear'\]"
    ) as record:
        only_linear = Q.quantize_dynamic(
            nn.Sequential(nn.LSTM(2, 2), nn.Linear(2, 2)), {nn.LSTM, nn.Linear},
            mapping={nn.Linear: nn.quantized.dynamic.Linear},
        )  # fmt: skip
    assert type(only_linear[0]) is nn.LSTM and isinstance(only_linear[1], nn.quantized.dynamic.Linear)
    assert record[0].filename == __file__
    conv, bn = nn.Conv2d(1, 2, 1).train(), nn.BatchNorm2d(2).eval()
    with pytest.raises(AssertionError, match=r"Conv and BN both must be in the same mode \(train or eval\)"):
        Q.fuse_known_modules([conv, bn])
    groups = Q.fuse_modules(nn.Sequential(nn.Linear(2, 2), nn.ReLU()).eval(), (("0", "1"),))
    assert isinstance(groups[0], nn.intrinsic.LinearReLU)
    assert len(Q.fuse_known_modules([nn.Linear(2, 2), nn.ReLU()])) == 2
    mixed = Q.fuse_known_modules([conv.eval(), bn, nn.ReLU().train()])  # only conv and bn must agree
    assert isinstance(mixed[0], nn.intrinsic.ConvReLU2d)
    nested = nn.Sequential(nn.Sequential(nn.Conv2d(1, 2, 1), nn.ReLU())).eval()
    assert isinstance(Q.fuse_modules(nested, ["0.0", "0.1"])[0][0], nn.intrinsic.ConvReLU2d)  # dotted names


def test_convert_finishes_before_it_warns_even_when_warnings_are_errors(tutorial_model):
    # convert records the "saw no data" warnings while it swaps and re-issues them at the caller: under
    # a filter that makes warnings errors the model is still converted whole when the error is raised.
    model, _, calibration = tutorial_model
    model.fuse_model()
    model.qconfig = Q.get_default_qconfig("x86")
    Q.prepare(model, inplace=True)
    with torch.no_grad():
        model(calibration)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match=r"features\.2\.skip_add saw no data"):
            Q.convert(model, inplace=True)
    assert isinstance(model.classifier[1], torch.ao.nn.quantized.Linear)  # swapped after features.2
