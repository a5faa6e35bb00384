"""``tt.nn``: every layer, whichever package defines it — PyTorch's ``torch.nn`` in shape.

Plain imports gather the layers: tt-nn's own (Module, Linear, LayerNorm,
losses, ...), tt-vision's (Conv2d, pooling, BatchNorm2d) and tt-text's
(Embedding, MultiheadAttention). Nothing is patched: each package's own
namespace stays valid for those who install one piece.
"""

from __future__ import annotations

from tt_nn import *  # noqa: F403
from tt_nn import __all__ as _nn_names
from tt_text import Embedding, MultiheadAttention
from tt_vision import AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Conv2d, MaxPool2d

del functional, init  # noqa: F821  (tt-nn's own, from the * import; replaced by the gathered ones below)
from . import functional, init, parallel, utils  # noqa: E402

__all__ = [*_nn_names]
__all__ += ["Embedding", "MultiheadAttention"]  # from tt-text
__all__ += ["AdaptiveAvgPool2d", "AvgPool2d", "BatchNorm2d", "Conv2d", "MaxPool2d"]  # from tt-vision
__all__ += ["functional", "init", "parallel", "utils"]
