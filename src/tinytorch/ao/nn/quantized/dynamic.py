"""``tt.ao.nn.quantized.dynamic``: ``Linear`` and ``LSTM`` with INT8 weights (from ``quantize_dynamic``)."""

from __future__ import annotations

from tt_perf.quantization.eager_dynamic_rnn import DynamicLSTM
from tt_perf.quantization.eager_modules import DynamicLinear

Linear = DynamicLinear
LSTM = DynamicLSTM

__all__ = ["LSTM", "Linear"]
