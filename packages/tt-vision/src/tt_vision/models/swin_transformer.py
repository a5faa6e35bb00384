"""Swin Transformer (Liu et al., 2021; V2 2022): torchvision's ``SwinTransformer``, ``swin_[v2_]t/s/b``.

A hierarchical transformer on a channels-last map ``(B, H, W, C)``: a 4×4 stride-4 patch
embedding, four stages of :class:`SwinTransformerBlock` (window attention, every second
block with windows shifted by half a window, then an MLP, each a stochastic-depth residual)
and, between stages, :class:`PatchMerging` (each 2×2 neighbourhood's ``4C`` values → ``2C``),
then a norm, average pool and ``head``. V2 normalises after the attention and the MLP
instead of before (:class:`SwinTransformerBlockV2`, :class:`PatchMergingV2`) and uses
:class:`~tt_vision.models.swin_attention.ShiftedWindowAttentionV2`.

Cost: ``swin_t`` is 4.49 GFLOPs at 224×224 (torchvision's figure); every layer's windows are
one batch of matrix products (see :mod:`~tt_vision.models.swin_attention`).

Example:
    >>> import tt_autograd
    >>> model = SwinTransformer([4, 4], 8, [1, 1], [2, 2], [2, 2], num_classes=10)
    >>> tuple(model(tt_autograd.randn(1, 3, 32, 32)).shape)  # swin_t(num_classes=10) alike
    (1, 10)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import tt_nn as nn
from tt_nn import functional as F

from ..layers import AdaptiveAvgPool2d, Conv2d
from ..ops.misc import MLP, Permute
from ..ops.stochastic_depth import StochasticDepth
from .builders import refuse_weights, register_model
from .swin_attention import ShiftedWindowAttention, ShiftedWindowAttentionV2, shifted_window_attention

__all__ = [
    "PatchMerging",
    "PatchMergingV2",
    "ShiftedWindowAttention",
    "ShiftedWindowAttentionV2",
    "SwinTransformer",
    "SwinTransformerBlock",
    "SwinTransformerBlockV2",
    "shifted_window_attention",
    "swin_b",
    "swin_s",
    "swin_t",
    "swin_v2_b",
    "swin_v2_s",
    "swin_v2_t",
]


def patch_merging_pad(x):
    """``(..., H, W, C)`` to ``(..., ceil(H/2), ceil(W/2), 4C)``: each 2×2 neighbourhood's channels side by
    side in torchvision's order (top-left, bottom-left, top-right, bottom-right);
    odd sizes are zero-padded."""
    *lead, height, width, channels = x.shape
    x = F.pad(x, (0, 0, 0, width % 2, 0, height % 2))
    half_h, half_w = (height + 1) // 2, (width + 1) // 2
    x = x.reshape(*lead, half_h, 2, half_w, 2, channels)
    n = len(lead)  # (..., h, dy, w, dx, C) to (..., h, w, dx, dy, C)
    x = x.permute(*range(n), n, n + 2, n + 3, n + 1, n + 4)
    return x.reshape(*lead, half_h, half_w, 4 * channels)


class PatchMerging(nn.Module):
    """Halve the map and double the channels: ``reduction(norm(merged))`` with ``reduction = Linear(4C, 2C,
    bias=False)`` and ``norm = norm_layer(4C)``.

    Shape:
        ``(..., H, W, C)`` to ``(..., ceil(H/2), ceil(W/2), 2C)``.
    """

    def __init__(self, dim: int, norm_layer: Callable[..., nn.Module] = nn.LayerNorm) -> None:
        super().__init__()
        self.dim = dim
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = norm_layer(4 * dim)

    def forward(self, x):
        return self.reduction(self.norm(patch_merging_pad(x)))


class PatchMergingV2(nn.Module):
    """Swin V2's :class:`PatchMerging`: ``norm(reduction(merged))`` with ``norm = norm_layer(2C)``."""

    def __init__(self, dim: int, norm_layer: Callable[..., nn.Module] = nn.LayerNorm) -> None:
        super().__init__()
        self.dim = dim
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = norm_layer(2 * dim)

    def forward(self, x):
        return self.norm(self.reduction(patch_merging_pad(x)))


class SwinTransformerBlock(nn.Module):
    """``x + sd(attn(norm1(x)))``, then ``x + sd(mlp(norm2(x)))`` (pre-norm, Swin V1).

    Args:
        dim: channels ``C``; num_heads: attention heads.
        window_size, shift_size: the attention's (``[Wh, Ww]``, ``[sh, sw]``).
        mlp_ratio: the MLP's hidden width is ``int(C · mlp_ratio)`` (default 4.0).
        dropout: the attention output's and the MLP's dropout; attention_dropout: the weights'.
        stochastic_depth_prob: probability of dropping each branch for a sample (``"row"`` mode).
        norm_layer: default ``LayerNorm``; attn_layer: default :class:`ShiftedWindowAttention`.

    The MLP (:class:`~tt_vision.ops.MLP` with GELU) starts ``xavier_uniform_`` with ``N(0, 1e-12)``
    biases (:class:`SwinTransformer` then draws every ``Linear`` again).

    Shape:
        ``(B, H, W, C)`` to ``(B, H, W, C)``.
    """

    def __init__(
        self,
        dim: int,
        num_heads: int,
        window_size: list[int],
        shift_size: list[int],
        mlp_ratio: float = 4.0,
        dropout: float = 0.0,
        attention_dropout: float = 0.0,
        stochastic_depth_prob: float = 0.0,
        norm_layer: Callable[..., nn.Module] = nn.LayerNorm,
        attn_layer: Callable[..., nn.Module] = ShiftedWindowAttention,
    ) -> None:
        super().__init__()
        self.norm1 = norm_layer(dim)
        self.attn = attn_layer(
            dim, window_size, shift_size, num_heads, attention_dropout=attention_dropout, dropout=dropout
        )
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.norm2 = norm_layer(dim)
        self.mlp = MLP(
            dim, [int(dim * mlp_ratio), dim], activation_layer=nn.GELU, inplace=None, dropout=dropout
        )
        for module in self.mlp.modules():
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                if module.bias is not None:
                    nn.init.normal_(module.bias, std=1e-6)

    def forward(self, x):
        x = x + self.stochastic_depth(self.attn(self.norm1(x)))
        return x + self.stochastic_depth(self.mlp(self.norm2(x)))


class SwinTransformerBlockV2(SwinTransformerBlock):
    """Swin V2's block: ``x + sd(norm1(attn(x)))``, then ``x + sd(norm2(mlp(x)))`` (post-norm); arguments as
    :class:`SwinTransformerBlock`'s, ``attn_layer`` defaulting to :class:`ShiftedWindowAttentionV2`."""

    def __init__(
        self,
        dim: int,
        num_heads: int,
        window_size: list[int],
        shift_size: list[int],
        mlp_ratio: float = 4.0,
        dropout: float = 0.0,
        attention_dropout: float = 0.0,
        stochastic_depth_prob: float = 0.0,
        norm_layer: Callable[..., nn.Module] = nn.LayerNorm,
        attn_layer: Callable[..., nn.Module] = ShiftedWindowAttentionV2,
    ) -> None:
        super().__init__(
            dim, num_heads, window_size, shift_size, mlp_ratio=mlp_ratio, dropout=dropout,
            attention_dropout=attention_dropout, stochastic_depth_prob=stochastic_depth_prob,
            norm_layer=norm_layer, attn_layer=attn_layer,
        )  # fmt: skip

    def forward(self, x):
        x = x + self.stochastic_depth(self.norm1(self.attn(x)))
        return x + self.stochastic_depth(self.norm2(self.mlp(x)))


class SwinTransformer(nn.Module):
    """Swin Transformer: patch embedding, stages and merging layers in ``features``; ``norm``, pool, ``head``.

    Args:
        patch_size: ``[ph, pw]``, the embedding convolution's kernel and stride.
        embed_dim: the first stage's channels ``C``; stage ``i`` has ``C · 2^i``.
        depths: blocks per stage; num_heads: heads per stage.
        window_size: ``[Wh, Ww]``; block ``j`` of a stage shifts by ``[Wh // 2, Ww // 2]`` when ``j`` is odd.
        mlp_ratio, dropout, attention_dropout: the blocks'.
        stochastic_depth_prob: block ``i`` of ``n`` (over all stages) drops with ``p · i / (n - 1)``
            (default 0.1).
        num_classes: outputs (default 1000).
        norm_layer: default ``LayerNorm`` (``eps=1e-5``); block: default :class:`SwinTransformerBlock`;
        downsample_layer: default :class:`PatchMerging`.

    Initialisation (torchvision's): every ``Linear`` weight ``trunc_normal_(std=0.02)``, its bias zero.

    Shape:
        input ``(N, 3, H, W)``, output ``(N, num_classes)``; each stage after the first halves the map (ceil).
    """

    def __init__(
        self,
        patch_size: list[int],
        embed_dim: int,
        depths: list[int],
        num_heads: list[int],
        window_size: list[int],
        mlp_ratio: float = 4.0,
        dropout: float = 0.0,
        attention_dropout: float = 0.0,
        stochastic_depth_prob: float = 0.1,
        num_classes: int = 1000,
        norm_layer: Callable[..., nn.Module] | None = None,
        block: Callable[..., nn.Module] | None = None,
        downsample_layer: Callable[..., nn.Module] = PatchMerging,
    ) -> None:
        super().__init__()
        if len(depths) != len(num_heads):
            raise ValueError(
                f"SwinTransformer: depths {list(depths)} and num_heads {list(num_heads)} must have one entry "
                "per stage"
            )
        self.num_classes = num_classes
        if block is None:
            block = SwinTransformerBlock
        if norm_layer is None:
            norm_layer = partial(nn.LayerNorm, eps=1e-5)
        patch = (patch_size[0], patch_size[1])
        layers: list[nn.Module] = [
            nn.Sequential(
                Conv2d(3, embed_dim, kernel_size=patch, stride=patch),
                Permute([0, 2, 3, 1]),
                norm_layer(embed_dim),
            )
        ]
        total_blocks = sum(depths)
        block_id = 0
        for stage_index, depth in enumerate(depths):
            dim = embed_dim * 2**stage_index
            stage = []
            for layer in range(depth):
                probability = stochastic_depth_prob * float(block_id) / (total_blocks - 1)
                shift = [0 if layer % 2 == 0 else w // 2 for w in window_size]
                stage.append(
                    block(
                        dim,
                        num_heads[stage_index],
                        window_size=window_size,
                        shift_size=shift,
                        mlp_ratio=mlp_ratio,
                        dropout=dropout,
                        attention_dropout=attention_dropout,
                        stochastic_depth_prob=probability,
                        norm_layer=norm_layer,
                    )  # fmt: skip
                )
                block_id += 1
            layers.append(nn.Sequential(*stage))
            if stage_index < len(depths) - 1:
                layers.append(downsample_layer(dim, norm_layer))
        self.features = nn.Sequential(*layers)
        num_features = embed_dim * 2 ** (len(depths) - 1)
        self.norm = norm_layer(num_features)
        self.permute = Permute([0, 3, 1, 2])
        self.avgpool = AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten(1)
        self.head = nn.Linear(num_features, num_classes)
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.trunc_normal_(module.weight, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def forward(self, x):
        x = self.permute(self.norm(self.features(x)))
        return self.head(self.flatten(self.avgpool(x)))


#: Each builder's (embed_dim, depths, num_heads, window, stochastic depth, V2).
_SETTINGS: dict[str, tuple[int, list[int], list[int], int, float, bool]] = {
    "swin_t": (96, [2, 2, 6, 2], [3, 6, 12, 24], 7, 0.2, False),
    "swin_s": (96, [2, 2, 18, 2], [3, 6, 12, 24], 7, 0.3, False),
    "swin_b": (128, [2, 2, 18, 2], [4, 8, 16, 32], 7, 0.5, False),
    "swin_v2_t": (96, [2, 2, 6, 2], [3, 6, 12, 24], 8, 0.2, True),
    "swin_v2_s": (96, [2, 2, 18, 2], [3, 6, 12, 24], 8, 0.3, True),
    "swin_v2_b": (128, [2, 2, 18, 2], [4, 8, 16, 32], 8, 0.5, True),
}


def _swin_transformer(name: str, weights, progress: bool, **kwargs) -> SwinTransformer:
    refuse_weights(name, weights, kwargs)
    embed_dim, depths, num_heads, window, probability, v2 = _SETTINGS[name]
    fixed = {"block": SwinTransformerBlockV2, "downsample_layer": PatchMergingV2} if v2 else {}
    return SwinTransformer(  # an argument given here and in kwargs is a TypeError, as in torchvision
        patch_size=[4, 4],
        embed_dim=embed_dim,
        depths=depths,
        num_heads=num_heads,
        window_size=[window, window],
        stochastic_depth_prob=probability,
        **fixed,
        **kwargs,
    )


@register_model()
def swin_t(*, weights=None, progress: bool = True, **kwargs) -> SwinTransformer:
    """Swin-T, 28,288,354 parameters: embedding 96, depths 2-2-6-2, 7×7 windows, stochastic depth up to 0.2.

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: accepted for torchvision's signature; nothing is downloaded.
        **kwargs: :class:`SwinTransformer`'s other arguments (``num_classes``, ``mlp_ratio``, ``dropout``,
            ``attention_dropout``, ``norm_layer``, ``block``, ``downsample_layer``); giving one the builder
            sets (``stochastic_depth_prob``, ``window_size``, ...) is a ``TypeError``, as in torchvision.
    """
    return _swin_transformer("swin_t", weights, progress, **kwargs)


@register_model()
def swin_s(*, weights=None, progress: bool = True, **kwargs) -> SwinTransformer:
    """Swin-S, 49,606,258 parameters: depths 2-2-18-2, stochastic depth up to 0.3; arguments as swin_t's."""
    return _swin_transformer("swin_s", weights, progress, **kwargs)


@register_model()
def swin_b(*, weights=None, progress: bool = True, **kwargs) -> SwinTransformer:
    """Swin-B, 87,768,224 parameters: embedding 128, depths 2-2-18-2, up to 0.5; arguments as swin_t's."""
    return _swin_transformer("swin_b", weights, progress, **kwargs)


@register_model()
def swin_v2_t(*, weights=None, progress: bool = True, **kwargs) -> SwinTransformer:
    """Swin-V2-T, 28,351,570 parameters: as :func:`swin_t` with V2 blocks and merging, 8×8 windows."""
    return _swin_transformer("swin_v2_t", weights, progress, **kwargs)


@register_model()
def swin_v2_s(*, weights=None, progress: bool = True, **kwargs) -> SwinTransformer:
    """Swin-V2-S, 49,737,442 parameters: as :func:`swin_s` with V2 blocks and merging, 8×8 windows."""
    return _swin_transformer("swin_v2_s", weights, progress, **kwargs)


@register_model()
def swin_v2_b(*, weights=None, progress: bool = True, **kwargs) -> SwinTransformer:
    """Swin-V2-B, 87,930,848 parameters: as :func:`swin_b` with V2 blocks and merging, 8×8 windows."""
    return _swin_transformer("swin_v2_b", weights, progress, **kwargs)
