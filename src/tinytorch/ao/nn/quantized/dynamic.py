"""``tt.ao.nn.quantized.dynamic``: ``Linear`` and the recurrent modules with INT8 weights."""

from __future__ import annotations

from tt_perf.quantization.eager_dynamic_rnn import (
    DynamicGRU,
    DynamicGRUCell,
    DynamicLSTM,
    DynamicLSTMCell,
    DynamicRNNCell,
)
from tt_perf.quantization.eager_modules import DynamicLinear

Linear = DynamicLinear
LSTM = DynamicLSTM
GRU = DynamicGRU
RNNCell = DynamicRNNCell
LSTMCell = DynamicLSTMCell
GRUCell = DynamicGRUCell

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "Linear", "RNNCell"]
