"""``tt.nn``: every layer, whichever package defines it — PyTorch's ``torch.nn`` in shape.

Plain imports gather the layers: tt-nn's own (Module, Linear, LayerNorm,
losses, ...), tt-vision's (Conv2d, pooling, BatchNorm2d) and tt-text's
(Embedding, MultiheadAttention). Nothing is patched: each package's own
namespace stays valid for those who install one piece.
"""

from __future__ import annotations

from tt_dist import SyncBatchNorm
from tt_nn import *  # noqa: F403
from tt_nn import __all__ as _nn_names
from tt_text import (
    GRU,
    LSTM,
    RNN,
    Embedding,
    EmbeddingBag,
    GRUCell,
    LSTMCell,
    MultiheadAttention,
    RNNBase,
    RNNCell,
    RNNCellBase,
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from tt_vision import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AdaptiveMaxPool3d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    BatchNorm2d,
    BatchNorm3d,
    ChannelShuffle,
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
    Fold,
    FractionalMaxPool2d,
    FractionalMaxPool3d,
    LazyBatchNorm2d,
    LazyBatchNorm3d,
    LazyConv1d,
    LazyConv2d,
    LazyConv3d,
    LazyConvTranspose1d,
    LazyConvTranspose2d,
    LazyConvTranspose3d,
    LPPool1d,
    LPPool2d,
    LPPool3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
    MaxUnpool1d,
    MaxUnpool2d,
    MaxUnpool3d,
    PixelShuffle,
    PixelUnshuffle,
    Unfold,
)

del functional, init  # noqa: F821  (tt-nn's own, from the * import; replaced by the gathered ones below)
from .._unsupported import unsupported as _not_in_tinytorch  # noqa: E402
from . import functional, init, parallel, utils  # noqa: E402

__all__ = [*_nn_names]
__all__ += ["Embedding", "GRU", "LSTM", "MultiheadAttention", "RNN", "RNNBase"]  # from tt-text
__all__ += ["EmbeddingBag"]  # from tt-text
__all__ += ["GRUCell", "LSTMCell", "RNNCell", "RNNCellBase"]  # from tt-text
__all__ += [
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
]  # from tt-text
__all__ += [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "BatchNorm2d",
    "BatchNorm3d",
    "ChannelShuffle",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "Fold",
    "FractionalMaxPool2d",
    "FractionalMaxPool3d",
    "LazyBatchNorm2d",
    "LazyBatchNorm3d",
    "LazyConv1d",
    "LazyConv2d",
    "LazyConv3d",
    "LazyConvTranspose1d",
    "LazyConvTranspose2d",
    "LazyConvTranspose3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "MaxUnpool3d",
    "PixelShuffle",
    "PixelUnshuffle",
    "Unfold",
]  # from tt-vision
__all__ += ["SyncBatchNorm"]  # from tt-dist
__all__ += ["functional", "init", "parallel", "utils"]


def __getattr__(name: str) -> object:
    """``torch.nn.<name>`` that TinyTorch lacks: an error that names it."""
    raise _not_in_tinytorch("torch.nn", name, globals())
