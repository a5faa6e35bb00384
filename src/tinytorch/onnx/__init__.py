"""``tt.onnx``: export a model as an ONNX graph, like ``torch.onnx`` (``pip install tinytorch[onnx]``).

``tt.onnx.export(model, example_input, "model.onnx", input_names=...,
output_names=..., dynamic_axes=...)`` runs the model, records every autograd
Function it calls (:func:`tt_autograd.tracing.record_calls`) and writes each
as ONNX nodes through a registry of exporters, one per Function class: enough
for milestone 03's MLP, 04's CNN and 05's GPT (Linear, Conv2d, BatchNorm,
pooling, ReLU/GELU/softmax, LayerNorm, Embedding, causal attention, reshapes
and residual adds). The result passes ``onnx.checker`` and runs in ONNX
Runtime. It lives in the meta-package because it needs every package's
Functions, as ``torch.onnx`` covers all of ``torch``.
"""

from __future__ import annotations

from .export import DEFAULT_OPSET, export
from .registry import OnnxExporterError, UnsupportedOperatorError, register_exporter

__all__ = ["DEFAULT_OPSET", "OnnxExporterError", "UnsupportedOperatorError", "export", "register_exporter"]
