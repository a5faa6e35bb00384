"""PyTorch 2.13's constructor arguments on tt-text's layers (found by tools/parity/sweep_signatures.py).

``device=`` and ``dtype=`` on the recurrent layers and cells, ``MultiheadAttention`` and the
encoder-decoder layers: the dtype of every parameter, the CPU accepted, any other device refused by
the layer's name; ``nn.GRU``'s and ``nn.RNN``'s eighth positional argument is ``device``, as in
PyTorch (``proj_size`` keyword-only: PyTorch takes it through ``**kwargs`` and refuses non-zero).
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn import functional as F
from tt_text import (
    GRU,
    LSTM,
    RNN,
    GRUCell,
    LSTMCell,
    MultiheadAttention,
    RNNCell,
    Transformer,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

LAYERS = {
    "RNN": lambda **kw: RNN(3, 4, **kw),
    "LSTM": lambda **kw: LSTM(3, 4, proj_size=2, bidirectional=True, **kw),
    "GRU": lambda **kw: GRU(3, 4, num_layers=2, **kw),
    "RNNCell": lambda **kw: RNNCell(3, 4, **kw),
    "LSTMCell": lambda **kw: LSTMCell(3, 4, **kw),
    "GRUCell": lambda **kw: GRUCell(3, 4, **kw),
    "MultiheadAttention": lambda **kw: MultiheadAttention(4, 2, kdim=3, add_bias_kv=True, **kw),
    "TransformerEncoderLayer": lambda **kw: TransformerEncoderLayer(4, 2, 8, **kw),
    "TransformerDecoderLayer": lambda **kw: TransformerDecoderLayer(4, 2, 8, **kw),
    "Transformer": lambda **kw: Transformer(4, 2, 1, 1, 8, **kw),
}


@pytest.mark.parametrize("name", LAYERS)
def test_dtype_makes_every_parameter_of_that_dtype(name):
    module = LAYERS[name](dtype=autograd.float64)
    dtypes = {str(p.dtype) for p in module.parameters()}
    assert dtypes == {str(autograd.float64)}, (name, dtypes)


@pytest.mark.parametrize("name", LAYERS)
def test_without_dtype_parameters_are_float32(name):
    assert {str(p.dtype) for p in LAYERS[name]().parameters()} == {str(autograd.float32)}


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("device", ["cpu", "cpu:0", autograd.device("cpu")])
def test_the_cpu_is_accepted(name, device):
    assert list(LAYERS[name](device=device).parameters())


@pytest.mark.parametrize("name", LAYERS)
def test_another_device_is_refused_by_the_layer_name(name):
    with pytest.raises(RuntimeError, match=rf"{name}: device 'cuda:1' is not available.*CPU only"):
        LAYERS[name](device="cuda:1")


def test_a_float64_lstm_runs_in_float64():
    lstm = LSTM(3, 4, dtype=autograd.float64)
    out, (h, c) = lstm(autograd.tensor(np.ones((2, 1, 3))))
    assert str(out.dtype) == str(h.dtype) == str(c.dtype) == str(autograd.float64)


def test_gru_and_rnn_take_device_and_dtype_in_pytorchs_positions():
    # GRU(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device, dtype)
    gru = GRU(3, 4, 1, True, False, 0.0, False, "cpu", autograd.float64)
    rnn = RNN(3, 4, 1, "relu", True, False, 0.0, False, "cpu", autograd.float64)
    for module in (gru, rnn):
        assert module.proj_size == 0
        assert {str(p.dtype) for p in module.parameters()} == {str(autograd.float64)}


def test_lstm_keeps_proj_size_as_its_eighth_positional_argument():
    lstm = LSTM(3, 4, 1, True, False, 0.0, False, 2)
    assert lstm.proj_size == 2 and tuple(lstm.weight_hr_l0.shape) == (2, 4)


@pytest.mark.parametrize("layer", [GRU, RNN])
def test_proj_size_on_gru_and_rnn_is_refused_as_pytorch_does(layer):
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        layer(3, 4, proj_size=2)


def test_the_encoder_decoder_layers_default_activation_is_f_relu():
    for layer in (TransformerEncoderLayer, TransformerDecoderLayer, Transformer):
        assert inspect.signature(layer).parameters["activation"].default is F.relu
    assert TransformerEncoderLayer(4, 2, 8).activation is F.relu


def test_transformer_without_bias_gives_its_final_norms_none():
    # PyTorch 2.13: Transformer(bias=False)'s encoder and decoder norms are LayerNorm(bias=False)
    model = Transformer(4, 2, 1, 1, 8, bias=False)
    assert model.encoder.norm.bias is None and model.decoder.norm.bias is None
    assert not any(name.endswith("bias") for name, _ in model.named_parameters())


def test_transformer_encoder_keeps_the_nested_tensor_switches():
    layer = TransformerEncoderLayer(4, 2, 8)
    encoder = TransformerEncoder(layer, 2, enable_nested_tensor=False, mask_check=False)
    assert not (encoder.enable_nested_tensor or encoder.mask_check or encoder.use_nested_tensor)
    default = TransformerEncoder(layer, 2)
    assert (default.enable_nested_tensor, default.mask_check) == (True, True)


def test_generate_square_subsequent_mask_refuses_another_device():
    mask = Transformer.generate_square_subsequent_mask(3, device="cpu", dtype=autograd.float64)
    assert str(mask.dtype) == str(autograd.float64) and mask[0, 1].item() == float("-inf")
    with pytest.raises(RuntimeError, match="generate_square_subsequent_mask: device 'cuda' is not available"):
        Transformer.generate_square_subsequent_mask(3, device="cuda")


def test_the_layers_children_are_pytorchs():
    # PyTorch 2.13's named_children of TransformerEncoderLayer(4, 2, 8) and TransformerDecoderLayer(4, 2, 8)
    encoder = ["self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2"]
    decoder = ["self_attn", "multihead_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "norm3"]
    decoder += ["dropout1", "dropout2", "dropout3"]
    assert [n for n, _ in TransformerEncoderLayer(4, 2, 8).named_children()] == encoder
    assert [n for n, _ in TransformerDecoderLayer(4, 2, 8).named_children()] == decoder


def test_the_encoder_and_the_decoder_have_their_own_final_norm():
    model = Transformer(4, 2, 1, 1, 8, dtype=autograd.float64)
    assert model.encoder.norm is not model.decoder.norm
    assert str(model.decoder.norm.weight.dtype) == str(autograd.float64)


def test_a_dropout_outside_zero_one_is_refused_and_one_is_taken():
    with pytest.raises(ValueError, match=r"LSTM: dropout must be in \[0, 1\], got 1.5"):
        LSTM(3, 4, dropout=1.5)
    assert LSTM(3, 4, num_layers=2, dropout=1.0).dropout == 1.0
