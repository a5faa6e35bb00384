"""``tt.ao.quantization`` (and the legacy ``tt.quantization``): PyTorch's eager-mode quantization API.

PyTorch's two tutorials run unchanged: "Dynamic Quantization"
(``quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)``) and "Static Quantization with
Eager Mode" (``QuantStub``/``DeQuantStub`` in the model, ``model.qconfig =
get_default_qconfig('x86')``, ``fuse_modules``, ``prepare``, calibration, ``convert``; and
``prepare_qat`` with ``get_default_qat_qconfig``). The flows are
:mod:`tt_perf.quantization.eager_flows`, the observers and qconfigs
:mod:`tt_perf.quantization.eager_observers`, the modules
:mod:`tt_perf.quantization.eager_modules`, on module 15's INT8 layers. Their docstrings say
where the behaviour differs from PyTorch (float values on the quantization grid pass between
converted layers instead of quantized tensors; ``reduce_range`` computes with the full range).

Example:
    >>> import tinytorch as torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    >>> int8 = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    >>> isinstance(int8[0], torch.ao.nn.quantized.dynamic.Linear)
    True
"""

from __future__ import annotations

from tt_perf.quantization.eager_flows import (
    convert,
    fuse_known_modules,
    fuse_modules,
    fuse_modules_qat,
    prepare,
    prepare_qat,
    propagate_qconfig_,
    quantize,
    quantize_dynamic,
    quantize_qat,
)
from tt_perf.quantization.eager_modules import DeQuantStub, QuantStub, QuantWrapper
from tt_perf.quantization.eager_observers import (
    FakeQuantize,
    FusedMovingAvgObsFakeQuantize,
    HistogramObserver,
    MinMaxObserver,
    MovingAverageMinMaxObserver,
    MovingAveragePerChannelMinMaxObserver,
    ObserverBase,
    PerChannelMinMaxObserver,
    PlaceholderObserver,
    QConfig,
    default_dynamic_qconfig,
    default_dynamic_quant_observer,
    default_fake_quant,
    default_histogram_observer,
    default_observer,
    default_per_channel_qconfig,
    default_per_channel_weight_fake_quant,
    default_per_channel_weight_observer,
    default_placeholder_observer,
    default_qat_qconfig,
    default_qconfig,
    default_weight_fake_quant,
    default_weight_observer,
    get_default_qat_qconfig,
    get_default_qconfig,
    per_channel_dynamic_qconfig,
)
from tt_perf.quantization.fake_quant import (
    disable_fake_quant,
    disable_observer,
    enable_fake_quant,
    enable_observer,
)

from .._unsupported import unsupported as _not_in_tinytorch

__all__ = [
    "DeQuantStub",
    "FakeQuantize",
    "FusedMovingAvgObsFakeQuantize",
    "HistogramObserver",
    "MinMaxObserver",
    "MovingAverageMinMaxObserver",
    "MovingAveragePerChannelMinMaxObserver",
    "ObserverBase",
    "PerChannelMinMaxObserver",
    "PlaceholderObserver",
    "QConfig",
    "QuantStub",
    "QuantWrapper",
    "convert",
    "default_dynamic_qconfig",
    "default_dynamic_quant_observer",
    "default_fake_quant",
    "default_histogram_observer",
    "default_observer",
    "default_per_channel_qconfig",
    "default_per_channel_weight_fake_quant",
    "default_per_channel_weight_observer",
    "default_placeholder_observer",
    "default_qat_qconfig",
    "default_qconfig",
    "default_weight_fake_quant",
    "default_weight_observer",
    "disable_fake_quant",
    "disable_observer",
    "enable_fake_quant",
    "enable_observer",
    "fuse_known_modules",
    "fuse_modules",
    "fuse_modules_qat",
    "get_default_qat_qconfig",
    "get_default_qconfig",
    "per_channel_dynamic_qconfig",
    "prepare",
    "prepare_qat",
    "propagate_qconfig_",
    "quantize",
    "quantize_dynamic",
    "quantize_qat",
]


def __getattr__(name: str) -> object:
    """``torch.ao.quantization.<name>`` that TinyTorch lacks: an error that names it."""
    raise _not_in_tinytorch("torch.ao.quantization", name, globals())
