"""Vision Transformer (Dosovitskiy et al., 2021): torchvision's ``VisionTransformer``, ``vit_*`` builders.

The image is cut into ``patch_size × patch_size`` patches by one strided convolution
(``conv_proj``; or a stack of ``Conv2dNormActivation`` given as ``conv_stem_configs``, Xiao et al.,
2021), each patch becomes a token of ``hidden_dim`` features, a learned ``class_token`` is put
in front, a learned ``pos_embedding`` is added, and ``num_layers`` pre-norm transformer
:class:`EncoderBlock` layers (self-attention, then an MLP, each residual) run over the
sequence; the class token's final features go to ``heads``.

The attention of :class:`EncoderBlock` is :class:`EncoderSelfAttention`: PyTorch's
``nn.MultiheadAttention`` parameters (``in_proj_weight``, ``in_proj_bias``, ``out_proj``), so
torchvision's state-dict keys and checkpoints carry over, computed by tt-vision's one attention
function, :func:`~tt_vision.models.swin_attention.shifted_window_attention`, with the whole
sequence as one window. tt-vision (module 09) comes before tt-text (module 12), whose
``MultiheadAttention`` it may not import.

Cost per layer and image: ``L = (image_size / patch_size)² + 1`` tokens, ``12·L·D²`` multiply-adds
for the projections and the MLP (``mlp_dim = 4D``) and ``2·L²·D`` for the attention;
``vit_b_16`` at 224×224 is 17.56 GFLOPs (torchvision's figure).

Example:
    >>> import tt_autograd
    >>> model = VisionTransformer(64, 32, num_layers=1, num_heads=2, hidden_dim=8, mlp_dim=16, num_classes=10)
    >>> tuple(model(tt_autograd.randn(1, 3, 64, 64)).shape)  # vit_b_32(image_size=64, num_classes=10) alike
    (1, 10)
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import tt_autograd
import tt_nn as nn
from tt_nn.linear import NonDynamicallyQuantizableLinear

from ..layers import BatchNorm2d, Conv2d
from ..ops.misc import MLP, Conv2dNormActivation
from .builders import refuse_weights, register_model
from .swin_attention import shifted_window_attention

__all__ = [
    "ConvStemConfig",
    "Encoder",
    "EncoderBlock",
    "EncoderSelfAttention",
    "MLPBlock",
    "VisionTransformer",
    "vit_b_16",
    "vit_b_32",
    "vit_h_14",
    "vit_l_16",
    "vit_l_32",
]


#: The encoder's default norm: ``LayerNorm`` with ``eps=1e-6``.
LAYER_NORM = partial(nn.LayerNorm, eps=1e-6)


class ConvStemConfig(NamedTuple):
    """One layer of a convolutional stem: a ``Conv2dNormActivation`` of these settings."""

    out_channels: int
    kernel_size: int
    stride: int
    norm_layer: Callable[..., nn.Module] = BatchNorm2d
    activation_layer: Callable[..., nn.Module] = nn.ReLU


class MLPBlock(MLP):
    """The encoder's MLP: ``Linear(in_dim, mlp_dim)``, GELU, ``Dropout``, ``Linear(mlp_dim, in_dim)``,
    ``Dropout``.

    Weights ``xavier_uniform_``, biases ``N(0, 1e-12)``. State dicts of torchvision before 0.13
    (keys ``linear_1.*`` and ``linear_2.*``, no version or version 1) load: their keys are renamed
    to ``0.*`` and ``3.*``, as torchvision does.
    """

    _version = 2

    def __init__(self, in_dim: int, mlp_dim: int, dropout: float) -> None:
        super().__init__(in_dim, [mlp_dim, in_dim], activation_layer=nn.GELU, inplace=None, dropout=dropout)
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                if module.bias is not None:
                    nn.init.normal_(module.bias, std=1e-6)
        self.register_load_state_dict_pre_hook(_rename_legacy_mlp_keys)


def _rename_legacy_mlp_keys(module, state_dict, prefix, local_metadata, *rest) -> None:
    version = local_metadata.get("version", None)
    if version is None or version < 2:
        for index in range(2):
            for kind in ("weight", "bias"):
                old = f"{prefix}linear_{index + 1}.{kind}"
                if old in state_dict:
                    state_dict[f"{prefix}{3 * index}.{kind}"] = state_dict.pop(old)


class EncoderSelfAttention(nn.Module):
    """Multi-head self-attention with ``torch.nn.MultiheadAttention``'s parameters (``batch_first=True``).

    ``out_proj(softmax(q kᵀ / √d) v)`` per head, ``q, k, v = x @ in_proj_weightᵀ + in_proj_bias``
    split in three. Only what the encoder uses: self-attention without masks, no attention
    weights returned; see the module docstring for why it is not tt-text's ``MultiheadAttention``.

    Args:
        embed_dim: ``D``; num_heads: heads (``D`` must divide by it).
        dropout: dropout of the attention weights (training only).

    Initialisation (PyTorch's): ``in_proj_weight`` ``xavier_uniform_`` over the whole ``(3D, D)``,
    biases zero, ``out_proj.weight`` as a ``Linear``'s.

    Shape:
        ``(B, L, D)`` to ``(B, L, D)``.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(
                f"EncoderSelfAttention: embed_dim={embed_dim} must be divisible by num_heads={num_heads}"
            )
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.in_proj_weight = nn.Parameter(tt_autograd.empty(3 * embed_dim, embed_dim))
        self.in_proj_bias = nn.Parameter(tt_autograd.zeros(3 * embed_dim))
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim)
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.zeros_(self.out_proj.bias)

    def forward(self, x):
        length = x.shape[1]
        out = shifted_window_attention(
            x.unsqueeze(1), self.in_proj_weight, self.out_proj.weight, 0.0, [1, length], self.num_heads,
            [0, 0],
            attention_dropout=self.dropout, qkv_bias=self.in_proj_bias, proj_bias=self.out_proj.bias,
            training=self.training,
        )  # fmt: skip
        return out.squeeze(1)


class EncoderBlock(nn.Module):
    """``x = x + dropout(self_attention(ln_1(x)))``, then ``x + mlp(ln_2(x))``.

    Args:
        num_heads, hidden_dim, mlp_dim: the attention's heads, the width ``D``, the MLP's hidden width.
        dropout: after the attention and in the MLP; attention_dropout: on the attention weights.
        norm_layer: default ``LayerNorm`` with ``eps=1e-6``.

    Shape:
        ``(B, L, D)`` to ``(B, L, D)``.
    """

    def __init__(
        self,
        num_heads: int,
        hidden_dim: int,
        mlp_dim: int,
        dropout: float,
        attention_dropout: float,
        norm_layer: Callable[..., nn.Module] = LAYER_NORM,
    ) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.ln_1 = norm_layer(hidden_dim)
        self.self_attention = EncoderSelfAttention(hidden_dim, num_heads, dropout=attention_dropout)
        self.dropout = nn.Dropout(dropout)
        self.ln_2 = norm_layer(hidden_dim)
        self.mlp = MLPBlock(hidden_dim, mlp_dim, dropout)

    def forward(self, input):  # noqa: A002
        _check_sequence("EncoderBlock", input)
        x = self.dropout(self.self_attention(self.ln_1(input))) + input
        return x + self.mlp(self.ln_2(x))


def _check_sequence(op: str, input) -> None:  # noqa: A002
    if input.ndim != 3:
        raise ValueError(f"{op}: expected (batch_size, seq_length, hidden_dim) got {tuple(input.shape)}")


class Encoder(nn.Module):
    """Position embedding, dropout, ``num_layers`` :class:`EncoderBlock` layers (``layers.encoder_layer_i``),
    final norm ``ln``.

    Attributes:
        pos_embedding: ``(1, seq_length, hidden_dim)``, ``N(0, 0.02²)``.

    Shape:
        ``(B, seq_length, D)`` to ``(B, seq_length, D)``.
    """

    def __init__(
        self,
        seq_length: int,
        num_layers: int,
        num_heads: int,
        hidden_dim: int,
        mlp_dim: int,
        dropout: float,
        attention_dropout: float,
        norm_layer: Callable[..., nn.Module] = LAYER_NORM,
    ) -> None:
        super().__init__()
        self.pos_embedding = nn.Parameter(tt_autograd.empty(1, seq_length, hidden_dim))
        nn.init.normal_(self.pos_embedding, std=0.02)
        self.dropout = nn.Dropout(dropout)
        layers = OrderedDict(
            (
                f"encoder_layer_{i}",
                EncoderBlock(num_heads, hidden_dim, mlp_dim, dropout, attention_dropout, norm_layer),
            )
            for i in range(num_layers)
        )
        self.layers = nn.Sequential(layers)
        self.ln = norm_layer(hidden_dim)

    def forward(self, input):  # noqa: A002
        _check_sequence("Encoder", input)
        return self.ln(self.layers(self.dropout(input + self.pos_embedding)))


class VisionTransformer(nn.Module):
    """ViT: patch embedding ``conv_proj``, ``class_token``, ``encoder``, ``heads``.

    Args:
        image_size: the (square) input's side; fixes the sequence length ``(image_size // patch_size)² + 1``.
        patch_size: the patches' side; must divide ``image_size``.
        num_layers, num_heads, hidden_dim, mlp_dim: the encoder's.
        dropout, attention_dropout: the encoder's (default 0.0).
        num_classes: outputs (default 1000).
        representation_size: if given, ``heads`` is ``pre_logits`` (``Linear`` to it), ``act`` (Tanh),
            ``head``; else just ``head``.
        norm_layer: default ``LayerNorm`` with ``eps=1e-6``.
        conv_stem_configs: a list of :class:`ConvStemConfig`: the patch embedding becomes those
            layers (``conv_bn_relu_i``) and a 1×1 ``conv_last`` to ``hidden_dim``.

    Initialisation (torchvision's): ``conv_proj`` ``trunc_normal_(std=sqrt(1 / fan_in))`` with zero
    bias (or ``conv_last`` ``N(0, 2 / hidden_dim)``), ``class_token`` zero, ``pre_logits``
    ``trunc_normal_(std=sqrt(1 / fan_in))``, ``head`` all zero (so a new model outputs zeros).

    Raises:
        ValueError: ``image_size`` not divisible by ``patch_size``; an input that is not
            ``image_size × image_size`` (torchvision raises ``AssertionError`` for both).

    Shape:
        input ``(N, 3, image_size, image_size)``, output ``(N, num_classes)``.
    """

    def __init__(
        self,
        image_size: int,
        patch_size: int,
        num_layers: int,
        num_heads: int,
        hidden_dim: int,
        mlp_dim: int,
        dropout: float = 0.0,
        attention_dropout: float = 0.0,
        num_classes: int = 1000,
        representation_size: int | None = None,
        norm_layer: Callable[..., nn.Module] = LAYER_NORM,
        conv_stem_configs: list[ConvStemConfig] | None = None,
    ) -> None:
        super().__init__()
        if image_size % patch_size:
            raise ValueError(
                f"VisionTransformer: image_size={image_size} is not divisible by patch_size={patch_size} "
                f"(input shape indivisible by patch size); use a multiple of {patch_size}"
            )
        self.image_size, self.patch_size = image_size, patch_size
        self.hidden_dim, self.mlp_dim = hidden_dim, mlp_dim
        self.attention_dropout, self.dropout = attention_dropout, dropout
        self.num_classes, self.representation_size = num_classes, representation_size
        self.norm_layer = norm_layer
        if conv_stem_configs is not None:
            stem = nn.Sequential()
            channels = 3
            for i, config in enumerate(conv_stem_configs):
                stem.add_module(
                    f"conv_bn_relu_{i}",
                    Conv2dNormActivation(
                        channels, config.out_channels, kernel_size=config.kernel_size, stride=config.stride,
                        norm_layer=config.norm_layer, activation_layer=config.activation_layer,
                    ),
                )  # fmt: skip
                channels = config.out_channels
            stem.add_module("conv_last", Conv2d(channels, hidden_dim, kernel_size=1))
            self.conv_proj: nn.Module = stem
        else:
            self.conv_proj = Conv2d(3, hidden_dim, kernel_size=patch_size, stride=patch_size)
        seq_length = (image_size // patch_size) ** 2 + 1  # the patches and the class token
        self.class_token = nn.Parameter(tt_autograd.zeros(1, 1, hidden_dim))
        self.encoder = Encoder(
            seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout, attention_dropout, norm_layer
        )
        self.seq_length = seq_length
        heads: OrderedDict[str, nn.Module] = OrderedDict()
        if representation_size is None:
            heads["head"] = nn.Linear(hidden_dim, num_classes)
        else:
            heads["pre_logits"] = nn.Linear(hidden_dim, representation_size)
            heads["act"] = nn.Tanh()
            heads["head"] = nn.Linear(representation_size, num_classes)
        self.heads = nn.Sequential(heads)
        self._init_weights()

    def _init_weights(self) -> None:
        if isinstance(self.conv_proj, Conv2d):
            fan_in = (
                self.conv_proj.in_channels * self.conv_proj.kernel_size[0] * self.conv_proj.kernel_size[1]
            )
            nn.init.trunc_normal_(self.conv_proj.weight, std=math.sqrt(1 / fan_in))
            nn.init.zeros_(self.conv_proj.bias)
        else:
            last = self.conv_proj.conv_last
            nn.init.normal_(last.weight, mean=0.0, std=math.sqrt(2.0 / last.out_channels))
            nn.init.zeros_(last.bias)
        if "pre_logits" in self.heads._modules:
            pre_logits = self.heads.pre_logits
            nn.init.trunc_normal_(pre_logits.weight, std=math.sqrt(1 / pre_logits.in_features))
            nn.init.zeros_(pre_logits.bias)
        nn.init.zeros_(self.heads.head.weight)
        nn.init.zeros_(self.heads.head.bias)

    def _process_input(self, x):
        """``(N, 3, S, S)`` to the patch tokens ``(N, (S / p)², hidden_dim)``."""
        n, _, height, width = x.shape
        if height != self.image_size or width != self.image_size:
            raise ValueError(
                f"VisionTransformer: wrong image size {height}x{width}; this model was built for "
                f"{self.image_size}x{self.image_size} (its image_size, which fixes pos_embedding's length)"
            )
        patches = (height // self.patch_size) * (width // self.patch_size)
        x = self.conv_proj(x).reshape(n, self.hidden_dim, patches)
        return x.permute(0, 2, 1)

    def forward(self, x):
        x = self._process_input(x)
        class_token = self.class_token.expand(x.shape[0], -1, -1)
        x = self.encoder(tt_autograd.cat([class_token, x], dim=1))
        return self.heads(x[:, 0])


#: Each builder's (patch_size, num_layers, num_heads, hidden_dim, mlp_dim).
_SETTINGS: dict[str, tuple[int, int, int, int, int]] = {
    "vit_b_16": (16, 12, 12, 768, 3072),
    "vit_b_32": (32, 12, 12, 768, 3072),
    "vit_l_16": (16, 24, 16, 1024, 4096),
    "vit_l_32": (32, 24, 16, 1024, 4096),
    "vit_h_14": (14, 32, 16, 1280, 5120),
}


def _vision_transformer(name: str, weights, progress: bool, **kwargs) -> VisionTransformer:
    refuse_weights(name, weights, kwargs)
    patch_size, num_layers, num_heads, hidden_dim, mlp_dim = _SETTINGS[name]
    image_size = kwargs.pop("image_size", 224)
    return VisionTransformer(
        image_size=image_size, patch_size=patch_size, num_layers=num_layers, num_heads=num_heads,
        hidden_dim=hidden_dim, mlp_dim=mlp_dim, **kwargs,
    )  # fmt: skip


@register_model()
def vit_b_16(*, weights=None, progress: bool = True, **kwargs) -> VisionTransformer:
    """ViT-B/16, 86,567,656 parameters at 224×224: 12 layers, 12 heads, width 768, MLP 3072, 16×16 patches.

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: accepted for torchvision's signature; nothing is downloaded.
        **kwargs: ``image_size`` (default 224) and :class:`VisionTransformer`'s other arguments
            (``num_classes``, ``dropout``, ``attention_dropout``, ``representation_size``, ...).
    """
    return _vision_transformer("vit_b_16", weights, progress, **kwargs)


@register_model()
def vit_b_32(*, weights=None, progress: bool = True, **kwargs) -> VisionTransformer:
    """ViT-B/32, 88,224,232 parameters at 224×224: as ViT-B/16 with 32×32 patches."""
    return _vision_transformer("vit_b_32", weights, progress, **kwargs)


@register_model()
def vit_l_16(*, weights=None, progress: bool = True, **kwargs) -> VisionTransformer:
    """ViT-L/16, 304,326,632 parameters at 224×224: 24 layers, 16 heads, width 1024, MLP 4096."""
    return _vision_transformer("vit_l_16", weights, progress, **kwargs)


@register_model()
def vit_l_32(*, weights=None, progress: bool = True, **kwargs) -> VisionTransformer:
    """ViT-L/32, 306,535,400 parameters at 224×224: as ViT-L/16 with 32×32 patches."""
    return _vision_transformer("vit_l_32", weights, progress, **kwargs)


@register_model()
def vit_h_14(*, weights=None, progress: bool = True, **kwargs) -> VisionTransformer:
    """ViT-H/14, 632,045,800 parameters at 224×224: 32 layers, 16 heads, width 1280, MLP 5120, 14×14
    patches."""
    return _vision_transformer("vit_h_14", weights, progress, **kwargs)


def interpolate_embeddings(
    image_size: int,
    patch_size: int,
    model_state: OrderedDict,
    interpolation_mode: str = "bicubic",
    reset_heads: bool = False,
) -> OrderedDict:
    """Resize a ViT state dict's ``encoder.pos_embedding`` to a new ``image_size`` (torchvision's function).

    The class token's embedding (position 0) is kept; the others, a ``g × g`` grid of patches,
    are resized as an image of ``hidden_dim`` channels to ``n × n``, ``n = image_size // patch_size``,
    by :func:`tt_nn.functional.interpolate` with ``interpolation_mode`` and
    ``align_corners=True`` (the grid's corner patches stay where they are). As torchvision's:
    ``model_state`` is changed in place and returned; with ``reset_heads`` (and only when the
    size changes) a new ``OrderedDict`` without the ``heads*`` entries is returned instead, for a
    model with another number of classes; an unchanged size returns ``model_state`` untouched.

    Shape:
        ``encoder.pos_embedding`` ``(1, 1 + g², D)`` -> ``(1, 1 + n², D)``.

    Cost: one resize of a ``(1, D, g, g)`` map, ``4·n²·D`` multiply-adds per axis for bicubic.

    Example:
        >>> state = VisionTransformer(32, 16, 1, 2, 8, 16).state_dict()  # 2×2 patches
        >>> tuple(interpolate_embeddings(64, 16, state)["encoder.pos_embedding"].shape)  # 4×4
        (1, 17, 8)
    """
    op = "interpolate_embeddings"
    if "encoder.pos_embedding" not in model_state:
        raise KeyError(f"{op}: model_state has no 'encoder.pos_embedding' (is it a VisionTransformer's?)")
    pos_embedding = model_state["encoder.pos_embedding"]
    n, seq_length, hidden_dim = pos_embedding.shape
    if n != 1:
        raise ValueError(
            f"{op}: Unexpected position embedding shape: {tuple(pos_embedding.shape)}, wanted (1, L, D)"
        )
    new_side = image_size // patch_size
    if new_side * new_side + 1 == seq_length:
        return model_state
    side = math.isqrt(seq_length - 1)
    if side * side != seq_length - 1 or side == 0:
        raise ValueError(
            f"{op}: seq_length is not a perfect square! The embedding has {seq_length - 1} patch positions "
            "(after the class token), which is no square grid"
        )
    grid = pos_embedding[:, 1:, :].permute(0, 2, 1).reshape(1, hidden_dim, side, side)
    resized = nn.functional.interpolate(grid, size=new_side, mode=interpolation_mode, align_corners=True)
    patches = resized.reshape(1, hidden_dim, new_side * new_side).permute(0, 2, 1)
    model_state["encoder.pos_embedding"] = tt_autograd.cat([pos_embedding[:, :1, :], patches], dim=1)
    if reset_heads:
        return OrderedDict((k, v) for k, v in model_state.items() if not k.startswith("heads"))
    return model_state
