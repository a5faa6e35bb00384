"""The recurrent and attention layers refuse a dropout that is not a number by name.

``RNN(4, 3, 2, dropout=None)`` failed inside a comparison (``'<=' not supported``) and
``MultiheadAttention(4, 2, dropout="abc")`` inside ``float()`` (PyTorch refuses both by name;
checked in a scratch script). The transformer layers build a ``MultiheadAttention``, which names itself.
"""

from __future__ import annotations

import pytest
import tt_autograd as autograd
from tt_text import GRU, LSTM, RNN, MultiheadAttention, TransformerDecoderLayer, TransformerEncoderLayer

JUNK = [(None, "NoneType"), ("abc", "str"), (autograd.tensor([0.1, 0.2]), "Tensor")]


@pytest.mark.parametrize("layer", [RNN, LSTM, GRU])
@pytest.mark.parametrize("junk, shown", JUNK)
def test_recurrent_layers_refuse_a_junk_dropout_by_name(layer, junk, shown):
    with pytest.raises(TypeError, match=rf"^{layer.__name__}: dropout must be a number, got {shown}"):
        layer(4, 3, 2, dropout=junk)


@pytest.mark.parametrize("layer", [RNN, LSTM, GRU])
def test_recurrent_layers_still_take_a_dropout_in_0_1_and_refuse_one_outside(layer):
    assert [layer(4, 3, 2, dropout=p).dropout for p in (0, 0.5, 1)] == [0, 0.5, 1]
    with pytest.raises(ValueError, match=rf"^{layer.__name__}: dropout must be in \[0, 1\], got 1.5"):
        layer(4, 3, 2, dropout=1.5)


@pytest.mark.parametrize(
    "make",
    [
        lambda v: MultiheadAttention(4, 2, dropout=v),
        lambda v: TransformerEncoderLayer(4, 2, 8, dropout=v),
        lambda v: TransformerDecoderLayer(4, 2, 8, dropout=v),
    ],
)
@pytest.mark.parametrize("junk, shown", JUNK)
def test_attention_layers_refuse_a_junk_dropout_by_name(make, junk, shown):
    with pytest.raises(TypeError, match=rf"^MultiheadAttention: dropout must be a number, got {shown}"):
        make(junk)


def test_attention_still_takes_a_number_or_a_one_element_tensor_as_dropout():
    assert MultiheadAttention(4, 2, dropout=0.25).dropout == 0.25
    assert MultiheadAttention(4, 2, dropout=autograd.tensor(0.5)).dropout == 0.5
