"""``tt.ao.nn.quantized``: the modules ``torch.ao.quantization.convert`` makes (module 15's INT8 layers).

``Linear`` and ``Conv2d`` are :class:`~tt_perf.quantization.eager_modules.QLinear` /
``QConv2d`` (module 15's ``QuantizedLinear`` / ``QuantizedConv2d`` in static mode, with the
output's ``scale`` and ``zero_point``); see ``eager_modules.py`` for where they differ from PyTorch's.
"""

from __future__ import annotations

from tt_perf.quantization.eager_modules import (
    DeQuantize,
    FloatFunctional,
    FXFloatFunctional,
    QConv2d,
    QFunctional,
    QLinear,
    Quantize,
)

from . import dynamic

Linear = QLinear
Conv2d = QConv2d

__all__ = [
    "Conv2d",
    "DeQuantize",
    "FXFloatFunctional",
    "FloatFunctional",
    "Linear",
    "QFunctional",
    "Quantize",
    "dynamic",
]
