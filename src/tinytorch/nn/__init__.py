"""``tt.nn``: every layer, whichever package defines it — PyTorch's ``torch.nn`` in shape.

Plain imports gather the layers: tt-nn's own (Module, Linear, LayerNorm,
losses, ...), and, as they land, tt-vision's (Conv2d, pooling, BatchNorm2d)
and tt-text's (Embedding, MultiheadAttention). Nothing is patched: each
package's own namespace stays valid for those who install one piece.
"""

from __future__ import annotations

from tt_nn import *  # noqa: F403
from tt_nn import __all__ as _nn_names

from . import functional, init, utils

__all__ = [*_nn_names, "functional", "init", "utils"]
