"""Quantization-aware training and dynamic LSTMs with PyTorch's ``torch.ao.quantization`` calls.

The static tutorial's QAT section (``fuse_modules_qat`` → ``prepare_qat`` with
``get_default_qat_qconfig`` → training with ``freeze_bn_stats`` / ``disable_observer`` →
``convert``), the one-call ``quantize`` / ``quantize_qat``, and the LSTM word-language-model
tutorial's ``quantize_dynamic(model, {nn.LSTM, nn.Linear}, dtype=torch.qint8)``.
"""

from __future__ import annotations

import numpy as np
import pytest
from by_path import ROOT, load_file

import tinytorch as torch

nn = torch.nn
Q = torch.ao.quantization
TUTORIALS = load_file("quantization_tutorials_example", ROOT / "examples" / "quantization_tutorials.py")


def _tensor(rng, *shape, scale=1.0):
    return torch.tensor((rng.normal(0.0, scale, shape)).astype(np.float32))


def test_quantization_aware_training_converts_to_what_it_trained():
    rng = np.random.default_rng(3)
    model = nn.Sequential(Q.QuantStub(), nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(64, 5),
                          Q.DeQuantStub())  # fmt: skip
    Q.fuse_modules(model.eval(), [["1", "2"]], inplace=True)
    with pytest.raises(RuntimeError, match="prepare_qat only works on models in training mode"):
        Q.prepare_qat(model)
    model.train()
    # onednn: per-channel weights as x86, activations on quint8's full range (x86's reduce_range trains
    # clamped at 127 and converts clamped at 255, as PyTorch's: test_ao_quantization_reduce_range.py)
    model.qconfig = Q.get_default_qat_qconfig("onednn")
    copied = Q.prepare_qat(model)
    assert isinstance(copied[4], torch.ao.nn.qat.Linear) and type(model[4]) is nn.Linear  # inplace=False
    assert Q.prepare_qat(model, inplace=True) is model
    assert isinstance(model[1], torch.ao.nn.intrinsic.qat.ConvReLU2d) and isinstance(
        model[4], torch.ao.nn.qat.Linear
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(3):
        loss = model(_tensor(rng, 8, 3, 6, 6)).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.apply(Q.disable_observer)
    x = _tensor(rng, 8, 3, 6, 6)
    with torch.no_grad():
        trained = model.eval()(x).numpy()
    converted = Q.convert(model)
    assert isinstance(converted[1], torch.ao.nn.intrinsic.quantized.ConvReLU2d)
    assert isinstance(converted[4], torch.ao.nn.quantized.Linear)
    with torch.no_grad():
        np.testing.assert_allclose(converted(x).numpy(), trained, atol=1e-5)  # the integers training saw


@pytest.mark.parametrize("relu", [True, False])
def test_the_qat_tutorial_trains_conv_bn_and_converts_it_folded(relu):
    rng = np.random.default_rng(6)
    parts = [nn.Conv2d(3, 4, 3, bias=not relu), nn.BatchNorm2d(4)] + ([nn.ReLU()] if relu else [])
    model = nn.Sequential(Q.QuantStub(), *parts, nn.Flatten(), nn.Linear(64, 5), Q.DeQuantStub()).train()
    names = ["1", "2", "3"] if relu else ["1", "2"]
    Q.fuse_modules_qat(model, names, inplace=True)  # the tutorial's fuse_model(is_qat=True)
    assert isinstance(model[1], nn.intrinsic.ConvBnReLU2d if relu else nn.intrinsic.ConvBn2d)
    model.qconfig = Q.get_default_qat_qconfig("onednn")  # x86's weights, quint8's full range (see above)
    Q.prepare_qat(model, inplace=True)
    qat = torch.ao.nn.intrinsic.qat
    assert type(model[1]) is (qat.ConvBnReLU2d if relu else qat.ConvBn2d)
    gamma = model[1].bn.weight.detach().numpy().copy()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(4):
        if step == 2:
            model.apply(qat.freeze_bn_stats)  # as the tutorial does after a few epochs
        loss = model(_tensor(rng, 8, 3, 6, 6)).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert not np.allclose(model[1].bn.weight.detach().numpy(), gamma)  # the gradient reached gamma through s
    assert not model[1].bn.training and model[1].training  # frozen: stays in eval in train mode
    assert not model[1].train().bn.training
    running = model[1].bn.running_mean.numpy().copy()
    model.train()  # each epoch of the tutorial starts so; the frozen statistics stay
    model(_tensor(rng, 8, 3, 6, 6))
    np.testing.assert_array_equal(model[1].bn.running_mean.numpy(), running)
    model.apply(Q.disable_observer)
    x = _tensor(rng, 8, 3, 6, 6)
    with torch.no_grad():
        trained = model.eval()(x).numpy()
    converted = Q.convert(model)
    quantized = torch.ao.nn.intrinsic.quantized.ConvReLU2d if relu else torch.ao.nn.quantized.Conv2d
    assert type(converted[1]) is quantized
    with torch.no_grad():
        np.testing.assert_allclose(converted(x).numpy(), trained, atol=1e-5)  # the integers training saw
    model.apply(qat.update_bn_stats)
    assert model.train()[1].bn.training


def test_qat_conv_bn_in_training_uses_batch_statistics():
    conv, bn = nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3)
    fused = torch.ao.nn.intrinsic.ConvBn2d(conv, bn)
    fused.qconfig = Q.QConfig(activation=Q.default_fake_quant, weight=Q.default_per_channel_weight_fake_quant)
    layer = torch.ao.nn.intrinsic.qat.ConvBn2d.from_float(fused)
    layer.activation_fake_quant.fake_quant_enabled = layer.weight_fake_quant.fake_quant_enabled = False
    x = torch.randn(4, 2, 5, 5)
    out = layer(x).detach().numpy()
    float_out = torch.nn.functional.batch_norm(conv(x), None, None, bn.weight, bn.bias, training=True)
    np.testing.assert_allclose(out, float_out.detach().numpy(), atol=1e-5)  # bn(conv(x)), batch statistics
    with pytest.raises(
        TypeError, match="expected a Conv2d and an affine BatchNorm2d, got Conv2d and BatchNorm2d"
    ):
        torch.ao.nn.intrinsic.qat.ConvBn2d(conv, nn.BatchNorm2d(3, affine=False), fused.qconfig)
    with pytest.raises(ValueError, match="the batch norm must track running statistics"):
        torch.ao.nn.intrinsic.qat.ConvBn2d(conv, nn.BatchNorm2d(3, track_running_stats=False), fused.qconfig)
    affine = Q.QConfig(activation=Q.default_fake_quant, weight=Q.default_fake_quant)
    with pytest.raises(ValueError, match="the weight fake quantizer must be symmetric qint8"):
        torch.ao.nn.intrinsic.qat.ConvBn2d(conv, bn, affine)


@pytest.mark.parametrize("options", [{}, {"bidirectional": True, "proj_size": 5, "bias": False}])
def test_the_lstm_tutorial_quantizes_lstm_and_linear(options):
    torch.manual_seed(4)
    model = TUTORIALS.LSTMModel(**options).eval()
    quantized = Q.quantize_dynamic(model, {nn.LSTM, nn.Linear}, dtype=torch.qint8)
    dynamic = torch.ao.nn.quantized.dynamic
    assert isinstance(quantized.rnn, dynamic.LSTM) and isinstance(quantized.decoder, dynamic.Linear)
    assert nn.quantized.dynamic.LSTM is dynamic.LSTM and type(model.rnn) is nn.LSTM
    state = quantized.rnn.state_dict()
    assert state["weight_ih_l0_int8"].dtype == torch.int8 and "weight_ih_l0" not in state
    assert ("weight_hr_l1_reverse_int8" in state) == bool(options)
    assert ("bias_ih_l0" in state) != bool(options)  # options: bias=False
    assert list(quantized.rnn.parameters()) == [] and not quantized.rnn(torch.randn(2, 1, 8))[0].requires_grad
    for name, parameter in model.rnn.named_parameters():
        array = parameter.detach().numpy()
        if name.startswith("bias"):
            np.testing.assert_array_equal(state[name].numpy(), array)
            continue
        scale = np.abs(array).max() / 127.5  # per tensor: default_dynamic_qconfig
        np.testing.assert_allclose(state[f"{name}_scale"].numpy(), scale, rtol=1e-6)
        restored = state[f"{name}_int8"].numpy() * state[f"{name}_scale"].numpy()[:, None]
        np.testing.assert_allclose(restored, array, atol=scale / 2 + 1e-7)
    tokens = torch.tensor(np.random.default_rng(5).integers(0, 30, (6, 3)))
    with torch.no_grad():
        reference, out = model(tokens).numpy(), quantized(tokens).numpy()
    assert 1e-5 < TUTORIALS.relative_error(out, reference) < 0.02
    default = Q.quantize_dynamic(model)  # PyTorch's default set includes LSTM
    assert isinstance(default.rnn, dynamic.LSTM)


def test_dynamic_lstm_per_channel_and_errors():
    lstm = nn.LSTM(3, 4)
    per_row = Q.per_channel_dynamic_qconfig
    quantized = Q.quantize_dynamic(nn.Sequential(lstm), {nn.LSTM: per_row})[0]
    rows = np.abs(lstm.weight_hh_l0.detach().numpy()).max(axis=1) / 127.5
    np.testing.assert_allclose(quantized.weight_hh_l0_scale.numpy(), rows, rtol=1e-6)
    x = torch.randn(5, 2, 3)
    with torch.no_grad():
        assert np.abs(quantized(x)[0].numpy() - lstm(x)[0].numpy()).max() < 0.01
    assert not quantized.training or lstm.training
    affine = Q.QConfig(activation=Q.default_dynamic_quant_observer, weight=Q.MinMaxObserver)
    with pytest.raises(ValueError, match="weight_ih_l0 must be observed as torch.qint8 symmetric"):
        Q.quantize_dynamic(nn.Sequential(lstm), {nn.LSTM: affine})
    direct = torch.ao.nn.quantized.dynamic.LSTM.from_float(lstm)  # no observer: per tensor, from the range
    scale = np.abs(lstm.weight_ih_l0.detach().numpy()).max() / 127.5
    np.testing.assert_allclose(direct.weight_ih_l0_scale.numpy(), scale, rtol=1e-6)
    assert direct.training and not torch.ao.nn.quantized.dynamic.LSTM.from_float(lstm.eval()).training
    with pytest.raises(TypeError, match="DynamicLSTM.from_float: expected an LSTM, got GRU"):
        torch.ao.nn.quantized.dynamic.LSTM.from_float(nn.GRU(3, 4))


def test_quantize_and_quantize_qat_in_one_call():
    calls = []

    def calibrate(model, batches):
        calls.append(len(batches))
        with torch.no_grad():
            for batch in batches:
                model(batch)

    def train(model, batches):
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        for batch in batches:
            loss = model(batch).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    model = nn.Sequential(Q.QuantStub(), nn.Linear(4, 3), Q.DeQuantStub()).train()
    model.qconfig = Q.default_qconfig
    batches = [torch.randn(8, 4) for _ in range(2)]
    quantized = Q.quantize(model, calibrate, [batches])
    assert isinstance(quantized[1], torch.ao.nn.quantized.Linear) and type(model[1]) is nn.Linear
    assert calls == [2] and quantized[0].scale != 1.0  # calibrated by run_fn
    assert model.training and not quantized.training
    model.qconfig = Q.default_qat_qconfig
    trained = Q.quantize_qat(model.eval(), train, [batches])
    assert isinstance(trained[1], torch.ao.nn.quantized.Linear) and not trained.training
    assert type(model[1]) is nn.Linear  # inplace=False
    assert not np.allclose(
        trained[1].weight().numpy(), quantized[1].weight().numpy(), atol=1e-3
    )  # it trained
    same = Q.quantize(model, calibrate, [batches], inplace=True)
    assert same is model and isinstance(model[1], torch.ao.nn.quantized.Linear)
    inplace = nn.Sequential(Q.QuantStub(), nn.Linear(4, 3), Q.DeQuantStub())
    inplace.qconfig = Q.default_qat_qconfig
    assert Q.quantize_qat(inplace, train, [batches], inplace=True) is inplace
    assert isinstance(inplace[1], torch.ao.nn.quantized.Linear)


def test_freeze_and_update_bn_stats_switch_the_batch_norm():
    qat = torch.ao.nn.intrinsic.qat
    fused = nn.intrinsic.ConvBnReLU2d(nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3), nn.ReLU())
    fused.qconfig = Q.get_default_qat_qconfig("qnnpack")
    layer = qat.ConvBnReLU2d.from_float(fused)
    assert layer.training and layer.bn.training and not layer.freeze_bn
    qat.freeze_bn_stats(layer)
    assert layer.freeze_bn and not layer.bn.training
    layer.train(False)
    assert not layer.training and not layer.conv.training
    layer.train(True)
    assert layer.training and layer.conv.training and not layer.bn.training  # frozen stays in eval
    qat.update_bn_stats(layer)
    assert not layer.freeze_bn and layer.bn.training
    running = layer.bn.running_mean.numpy().copy()
    layer(torch.randn(4, 2, 3, 3))
    assert not np.array_equal(layer.bn.running_mean.numpy(), running)  # batch statistics again
    qat.freeze_bn_stats(nn.ReLU())  # other modules: nothing to do
    qat.update_bn_stats(nn.ReLU())
    evaluated = nn.intrinsic.ConvBn2d(nn.Conv2d(2, 3, 1).eval(), nn.BatchNorm2d(3).eval())
    evaluated.qconfig = fused.qconfig
    assert not qat.ConvBn2d.from_float(evaluated).training  # the float modules' mode
    with pytest.raises(
        TypeError, match="expected a Conv2d and an affine BatchNorm2d, got Linear and BatchNorm2d"
    ):
        qat.ConvBn2d(nn.Linear(2, 3), nn.BatchNorm2d(3), fused.qconfig)
