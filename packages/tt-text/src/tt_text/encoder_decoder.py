"""PyTorch's encoder-decoder transformer layers: ``TransformerEncoderLayer`` ... ``Transformer``.

The original architecture ("Attention Is All You Need") with ``torch.nn``'s
names, defaults, parameter names and masks, built on this package's
:class:`MultiheadAttention`, so a ``state_dict`` moves between the two
frameworks. (The GPT of module 13 uses its own pre-norm decoder-only
``TransformerBlock``; these layers are for programs written against
``torch.nn.Transformer``, such as ``pytorch/examples``' word-language model.)

Each layer is post-norm by default (``x = norm(x + sublayer(x))``), or
pre-norm with ``norm_first=True`` (``x = x + sublayer(norm(x))``). Masks
follow ``MultiheadAttention``: bool ``True`` = blocked, or a float bias added
to the scores (``generate_square_subsequent_mask`` gives ``-inf`` above the
diagonal).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
from tt_autograd import Tensor
from tt_nn import Dropout, LayerNorm, Linear, Module, ModuleList, init
from tt_nn import functional as F
from tt_tensor.checks import check_tensor
from tt_tensor.devices import check_cpu

from .multihead import MultiheadAttention


def _activation(activation: str | Callable) -> Callable:
    if callable(activation):
        return activation
    if activation not in ("relu", "gelu"):
        raise ValueError(f"activation should be 'relu' or 'gelu' (or a callable), not {activation!r}")
    return F.relu if activation == "relu" else F.gelu


class _Layer(Module):
    """What both layers share: construction (PyTorch's signature and parameter order), the feed-forward
    block and the residual wiring. ``CROSS_ATTENTION`` adds the decoder's attention over the memory."""

    CROSS_ATTENTION = False

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable = F.relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        check_cpu(type(self).__name__, device)
        factory = dict(device=device, dtype=dtype)
        attention = dict(dropout=dropout, bias=bias, batch_first=batch_first, **factory)
        self.self_attn = MultiheadAttention(d_model, nhead, **attention)
        if self.CROSS_ATTENTION:
            self.multihead_attn = MultiheadAttention(d_model, nhead, **attention)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first, self.activation, self.layer_norm_eps = (
            norm_first,
            _activation(activation),
            layer_norm_eps,
        )
        sublayers = 3 if self.CROSS_ATTENTION else 2
        for k in range(1, sublayers + 1):
            setattr(self, f"norm{k}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory))
        for k in range(1, sublayers + 1):
            setattr(self, f"dropout{k}", Dropout(dropout))

    def _ff_block(self, x):
        return self.linear2(self.dropout(self.activation(self.linear1(x))))

    @staticmethod
    def _attend(attention, mask, padding, causal, memory=None):
        """The attention sublayer: ``x`` over itself, or over ``memory`` (the decoder's second)."""

        def sublayer(x):
            source = x if memory is None else memory
            options = dict(attn_mask=mask, key_padding_mask=padding, need_weights=False, is_causal=causal)
            return attention(x, source, source, **options)[0]

        return sublayer

    def _residual(self, x, norm, sublayer, dropout):
        """``x + sublayer(norm(x))`` (pre-norm) or ``norm(x + sublayer(x))`` (post-norm)."""
        if self.norm_first:
            return x + dropout(sublayer(norm(x)))
        return norm(x + dropout(sublayer(x)))


class TransformerEncoderLayer(_Layer):
    """Self-attention then a feed-forward block, like ``torch.nn.TransformerEncoderLayer``.

    Args:
        d_model: width of the model; nhead: attention heads; dim_feedforward:
            hidden width of the feed-forward block (default 2048); dropout (0.1);
            activation: ``"relu"``, ``"gelu"`` or a callable (default ``F.relu``); layer_norm_eps;
            batch_first: ``(N, S, E)`` inputs (default False: ``(S, N, E)``);
            norm_first: pre-norm (default False: post-norm); bias; device (the CPU only); dtype.

    Shape: ``src`` ``(S, N, E)`` (or ``(N, S, E)``) -> same shape.
    """

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal: bool = False):
        check_tensor(type(self).__name__, src, "src")
        attend = self._attend(self.self_attn, src_mask, src_key_padding_mask, is_causal)
        x = self._residual(src, self.norm1, attend, self.dropout1)
        return self._residual(x, self.norm2, self._ff_block, self.dropout2)


class TransformerDecoderLayer(_Layer):
    """Self-attention, attention over the encoder's output, a feed-forward block (``torch.nn``'s layer).

    Args: as :class:`TransformerEncoderLayer`.

    Shape: ``tgt`` ``(T, N, E)``, ``memory`` ``(S, N, E)`` -> ``(T, N, E)`` (batch first if asked).
    """

    CROSS_ATTENTION = True

    def forward(
        self,
        tgt,
        memory,
        tgt_mask=None,
        memory_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ):
        check_tensor(type(self).__name__, tgt, "tgt")
        check_tensor(type(self).__name__, memory, "memory")
        attend_self = self._attend(self.self_attn, tgt_mask, tgt_key_padding_mask, tgt_is_causal)
        attend_memory = self._attend(
            self.multihead_attn, memory_mask, memory_key_padding_mask, memory_is_causal, memory=memory
        )
        x = self._residual(tgt, self.norm1, attend_self, self.dropout1)
        x = self._residual(x, self.norm2, attend_memory, self.dropout2)
        return self._residual(x, self.norm3, self._ff_block, self.dropout3)


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer``, then ``norm`` if given (torch.nn.TransformerEncoder).

    ``enable_nested_tensor`` and ``mask_check`` are kept as attributes, as PyTorch's are. They steer
    PyTorch's inference fast path, which packs a padded batch into a nested tensor (and then outputs
    zeros at the padded positions); TinyTorch has no nested tensors, so ``use_nested_tensor`` is
    False and every call computes what PyTorch's path without nesting computes (its training mode,
    or any call that records a graph).
    """

    def __init__(
        self,
        encoder_layer: TransformerEncoderLayer,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm
        self.enable_nested_tensor, self.mask_check = enable_nested_tensor, mask_check
        self.use_nested_tensor = False

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal: bool | None = None):
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer``, then ``norm`` if given (torch.nn.TransformerDecoder)."""

    def __init__(
        self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None
    ) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm

    def forward(
        self,
        tgt,
        memory,
        tgt_mask=None,
        memory_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ):
        x = tgt
        for layer in self.layers:
            x = layer(
                x,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=bool(tgt_is_causal),
                memory_is_causal=memory_is_causal,
            )
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """The encoder-decoder transformer, like ``torch.nn.Transformer`` (same defaults and parameters).

    Matrices are initialised Xavier-uniform, as PyTorch does.

    Shape: ``src`` ``(S, N, E)``, ``tgt`` ``(T, N, E)`` -> ``(T, N, E)`` (batch first if asked).
    """

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable = F.relu,
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        check_cpu("Transformer", device)
        factory = dict(device=device, dtype=dtype)
        options = dict(
            dropout=dropout,
            activation=activation,
            layer_norm_eps=layer_norm_eps,
            batch_first=batch_first,
            norm_first=norm_first,
            bias=bias,
            **factory,
        )
        if custom_encoder is None:
            layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, **options)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
            custom_encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is None:
            layer = TransformerDecoderLayer(d_model, nhead, dim_feedforward, **options)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
            custom_decoder = TransformerDecoder(layer, num_decoder_layers, norm)
        self.encoder, self.decoder = custom_encoder, custom_decoder
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)

    def forward(
        self,
        src,
        tgt,
        src_mask=None,
        tgt_mask=None,
        memory_mask=None,
        src_key_padding_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ):
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: object = None, dtype: object = None) -> Tensor:
        """A ``(sz, sz)`` float mask: 0 on and below the diagonal, ``-inf`` above (no looking ahead).

        ``device``: the CPU only (any other is refused); ``dtype``: the mask's (default float32)."""
        check_cpu("generate_square_subsequent_mask", device)
        mask = np.triu(np.full((sz, sz), -np.inf, dtype=np.float32), k=1)
        out = Tensor.from_array(mask)
        return out if dtype is None else out.to(dtype)
