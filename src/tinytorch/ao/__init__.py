"""``tt.ao``: PyTorch's ``torch.ao`` — eager-mode quantization (``tt.ao.quantization``, ``tt.ao.nn``).

Built on module 15 (``tt_perf.quantization``); see ``tt.ao.quantization`` for what a PyTorch
quantization tutorial runs unchanged and where it differs.
"""

from __future__ import annotations

from . import nn, quantization

__all__ = ["nn", "quantization"]
