"""``quantize_dynamic`` on ``GRU``, ``RNNCell``, ``LSTMCell`` and ``GRUCell`` (PyTorch's default set).

Each converted module must compute exactly what its float original computes with every weight
matrix rounded onto its int8 grid (``default_dynamic_qconfig``: per tensor, ``scale = max|W| /
127.5``, ``q = clamp(round(W / scale), -128, 127)``) and the biases left float: the test replays
that rounding in NumPy on a copy of the float module and compares the outputs.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import tinytorch as torch

nn = torch.nn
Q = torch.ao.quantization
dynamic = torch.ao.nn.quantized.dynamic


def _rounded(module: nn.Module, per_channel: bool = False) -> nn.Module:
    """A copy of ``module`` whose weight matrices lie on their int8 grid (the replay)."""
    twin = copy.deepcopy(module)
    for name, parameter in twin.named_parameters():
        if name.rpartition(".")[2].startswith("weight"):
            w = parameter.detach().numpy()
            peak = np.abs(w).max(axis=1, keepdims=True) if per_channel else np.abs(w).max()
            scale = np.float32(peak / 127.5)
            parameter.data = torch.tensor(np.clip(np.rint(w / scale), -128, 127).astype(np.float32) * scale)
    return twin


def _numpy(out):
    return [o.detach().numpy() for o in out] if isinstance(out, tuple) else [out.detach().numpy()]


CASES = [
    (lambda: nn.GRU(5, 7), dynamic.GRU, (6, 3, 5)),
    (lambda: nn.GRU(5, 7, num_layers=2, bidirectional=True, batch_first=True), dynamic.GRU, (3, 6, 5)),
    (lambda: nn.RNNCell(5, 7), dynamic.RNNCell, (3, 5)),
    (lambda: nn.RNNCell(5, 7, nonlinearity="relu", bias=False), dynamic.RNNCell, (3, 5)),
    (lambda: nn.LSTMCell(5, 7), dynamic.LSTMCell, (3, 5)),
    (lambda: nn.GRUCell(5, 7), dynamic.GRUCell, (5,)),
]


@pytest.mark.parametrize(("make", "kind", "shape"), CASES)
def test_a_dynamic_recurrent_module_is_its_float_module_on_int8_weights(make, kind, shape):
    torch.manual_seed(0)
    model = nn.Sequential(make()).eval()
    x = torch.randn(*shape)
    converted = Q.quantize_dynamic(model, dtype=torch.qint8)  # PyTorch's default set covers the type
    assert type(converted[0]) is kind and type(model[0]) is not kind  # a copy, the original kept
    assert list(converted.parameters()) == []  # INT8 buffers and float biases: an inference module
    with torch.no_grad():
        got, want, plain = _numpy(converted(x)), _numpy(_rounded(model)(x)), _numpy(model(x))
    for g, w, p in zip(got, want, plain):
        np.testing.assert_array_equal(g, w)  # exactly the int8-rounded float module
        assert 0 < np.abs(g - p).max() < 0.05  # and not the float module itself
    weights = [name for name in converted[0].state_dict() if name.endswith("_int8")]
    assert weights and all(converted[0].state_dict()[name].dtype == np.int8 for name in weights)
    assert converted[0].training is False


def test_a_cell_steps_with_its_state_and_a_per_channel_qconfig():
    torch.manual_seed(1)
    cell = nn.LSTMCell(4, 6)
    converted = Q.quantize_dynamic(nn.Sequential(cell), {nn.LSTMCell: Q.per_channel_dynamic_qconfig})[0]
    assert converted.weight_ih_scale.shape == (24,)  # one scale per row
    twin = _rounded(cell, per_channel=True)
    x, h, c = torch.randn(3, 4), torch.randn(3, 6), torch.randn(3, 6)
    with torch.no_grad():
        for _ in range(3):  # the caller's loop over time
            h_q, c_q = converted(x, (h, c))
            h_f, c_f = twin(x, (h, c))
            np.testing.assert_array_equal(h_q.numpy(), h_f.numpy())
            np.testing.assert_array_equal(c_q.numpy(), c_f.numpy())
            h, c = h_f, c_f


def test_only_the_chosen_types_are_swapped_and_bad_inputs_are_named():
    model = nn.Sequential(nn.GRU(3, 4), nn.GRUCell(3, 4), nn.RNN(3, 4))
    converted = Q.quantize_dynamic(model, {nn.GRUCell})
    assert type(converted[0]) is nn.GRU and type(converted[1]) is dynamic.GRUCell
    with pytest.warns(UserWarning, match="RNN has no dynamic INT8 version in TinyTorch"):
        assert type(Q.quantize_dynamic(model, {nn.RNN})[2]) is nn.RNN  # PyTorch has no dynamic RNN either
    with pytest.raises(TypeError, match="DynamicGRUCell.from_float: expected a GRUCell, got LSTMCell"):
        dynamic.GRUCell.from_float(nn.LSTMCell(3, 4))
    with pytest.raises(TypeError, match="DynamicRNNCell.from_float: expected an RNNCell, got GRUCell"):
        dynamic.RNNCell.from_float(nn.GRUCell(3, 4))
    affine = Q.MinMaxObserver.with_args(dtype=torch.quint8, qscheme=torch.per_tensor_affine)
    with pytest.raises(
        ValueError, match="DynamicRNNCell.from_float: weight_ih must be observed as torch.qint8"
    ):
        dynamic.RNNCell.from_float(nn.RNNCell(3, 4), affine)
    cell = dynamic.RNNCell.from_float(nn.RNNCell(3, 4, nonlinearity="relu"))
    assert "nonlinearity=relu" in repr(cell) and cell.bias_ih.shape == (4,)
    with pytest.raises(ValueError, match=r"DynamicRNNCell: expected input of shape \(N, 3\)"):
        cell(torch.randn(2, 5))
