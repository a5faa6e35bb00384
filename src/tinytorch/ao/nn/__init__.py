"""``tt.ao.nn``: the module types of PyTorch's eager-mode quantization (``torch.ao.nn``).

``quantized`` (what ``convert`` makes: ``Linear``, ``Conv2d``, ``Quantize``, ``DeQuantize``,
``FloatFunctional``, ``QFunctional``; ``quantized.dynamic.Linear``), ``intrinsic`` (the fused
float modules ``ConvReLU2d``, ``LinearReLU``, ``ConvBn2d``, ``ConvBnReLU2d``, and their
``intrinsic.quantized`` and ``intrinsic.qat`` versions) and ``qat`` (module 15's QAT layers).
"""

from __future__ import annotations

from . import intrinsic, qat, quantized

__all__ = ["intrinsic", "qat", "quantized"]
