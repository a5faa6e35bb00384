"""Window attention of the Swin Transformer (Liu et al., 2021; V2: Liu et al., 2022), as torchvision's.

* :func:`shifted_window_attention`: cut a channels-last map ``(B, H, W, C)`` into
  ``window_size`` windows (after padding to a multiple of it and, for the shifted layers,
  rolling the map by ``-shift_size``), attend within every window at once with a relative
  position bias, and put the windows back. Tokens that the roll brought together from
  opposite borders are kept apart by a ``-100`` mask, as in the paper. V2 attends by cosine
  similarity scaled by ``exp(min(logit_scale, log 100))`` instead of scaled dot products.
* :class:`ShiftedWindowAttention`: its parameters, a learned bias table of
  ``(2·Wh - 1)·(2·Ww - 1)`` relative offsets per head, and the buffer
  ``relative_position_index`` that reads the ``N × N`` bias of an ``N = Wh·Ww`` window from it.
* :class:`ShiftedWindowAttentionV2`: the bias comes from a small MLP (``cpb_mlp``) of the
  log-spaced offsets (buffer ``relative_coords_table``), squashed to ``16·sigmoid``; a
  per-head ``logit_scale``; the key's third of the ``qkv`` bias is held at zero.

Everything is batched: the windows of all images are one batch of matrix products, the bias
and the mask are gathered / built with NumPy indexing, with no loop over windows or positions.

Cost per layer: ``B·H·W`` tokens × (``4·C²`` for the projections + ``2·N·C`` for the window's
scores and mixing) multiply-adds; the mask is ``nW·N²`` floats, rebuilt per call.
"""

from __future__ import annotations

import math

import numpy as np
import tt_autograd
import tt_nn as nn
from tt_nn import functional as F

__all__ = ["ShiftedWindowAttention", "ShiftedWindowAttentionV2", "shifted_window_attention"]

#: The score given to pairs of tokens that share a shifted window but not a place in the image.
MASKED = -100.0


def shift_mask(height: int, width: int, window_size: list[int], shift_size: list[int]) -> np.ndarray:
    """The additive mask ``(nW, N, N)`` of a map of ``height × width`` (multiples of the window) rolled by
    ``-shift_size``: ``-100`` between two tokens of a window of which one was wrapped around by the roll
    (the last ``sh`` rows or ``sw`` columns came from the first ones) and the other not, else 0.

    Only the last band of windows holds both kinds; the others are all zeros.
    """
    wrapped_rows = np.arange(height) >= height - shift_size[0]
    wrapped_cols = np.arange(width) >= width - shift_size[1]
    kinds = []
    for wrapped in (np.repeat(wrapped_rows[:, None], width, 1), np.repeat(wrapped_cols[None, :], height, 0)):
        grid = wrapped.reshape(
            height // window_size[0], window_size[0], width // window_size[1], window_size[1]
        )
        kinds.append(grid.transpose(0, 2, 1, 3).reshape(-1, window_size[0] * window_size[1]))
    apart = np.zeros(kinds[0].shape + kinds[0].shape[-1:], dtype=bool)
    for kind in kinds:  # rows, then columns
        apart |= kind[:, :, None] != kind[:, None, :]
    return np.where(apart, MASKED, 0.0)


def shifted_window_attention(
    input,  # noqa: A002
    qkv_weight,
    proj_weight,
    relative_position_bias,
    window_size: list[int],
    num_heads: int,
    shift_size: list[int],
    attention_dropout: float = 0.0,
    dropout: float = 0.0,
    qkv_bias=None,
    proj_bias=None,
    logit_scale=None,
    training: bool = True,
):
    """Multi-head self-attention within (shifted) windows, with a relative position bias (torchvision's).

    Args:
        input: ``(B, H, W, C)``, channels last.
        qkv_weight: ``(3C, C)``: queries, keys and values in that order; ``qkv_bias``: ``(3C,)`` or None.
        proj_weight: ``(C, C)``, the output projection; ``proj_bias``: ``(C,)`` or None.
        relative_position_bias: added to the scores: ``(1, num_heads, N, N)`` or anything broadcasting.
        window_size: ``[Wh, Ww]``; the map is padded at the bottom and right to multiples of it.
        num_heads: heads; ``C`` must divide by it.
        shift_size: ``[sh, sw]``: roll by ``-shift`` before, ``+shift`` after; a dimension that fits in
            one window is not shifted.
        attention_dropout, dropout: dropout of the attention weights and of the output (in training).
        logit_scale: V2's ``(num_heads, 1, 1)`` log-temperature: cosine attention; also zeroes the
            keys' third of ``qkv_bias`` (gradient zero there).
        training: apply the dropouts.

    Returns:
        ``(B, H, W, C)``.
    """
    batch, height, width, channels = input.shape
    if channels % num_heads:
        raise ValueError(
            f"shifted_window_attention: the {channels} channels must divide among num_heads={num_heads}"
        )
    pad_bottom = (window_size[0] - height % window_size[0]) % window_size[0]
    pad_right = (window_size[1] - width % window_size[1]) % window_size[1]
    x = F.pad(input, (0, 0, 0, pad_right, 0, pad_bottom))
    padded_h, padded_w = height + pad_bottom, width + pad_right
    shift_size = [
        0 if window_size[0] >= padded_h else shift_size[0],
        0 if window_size[1] >= padded_w else shift_size[1],
    ]
    shifted = sum(shift_size) > 0
    if shifted:
        x = tt_autograd.roll(x, (-shift_size[0], -shift_size[1]), (1, 2))
    rows, cols = padded_h // window_size[0], padded_w // window_size[1]
    num_windows, size = rows * cols, window_size[0] * window_size[1]
    x = x.reshape(batch, rows, window_size[0], cols, window_size[1], channels)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(batch * num_windows, size, channels)
    if logit_scale is not None and qkv_bias is not None:
        keep = np.ones(qkv_bias.shape[0], dtype=qkv_bias.dtype.numpy)
        keep[qkv_bias.shape[0] // 3 : 2 * qkv_bias.shape[0] // 3] = 0
        qkv_bias = qkv_bias * tt_autograd.from_numpy(keep)
    head_dim = channels // num_heads
    qkv = F.linear(x, qkv_weight, qkv_bias).reshape(x.shape[0], size, 3, num_heads, head_dim)
    q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
    if logit_scale is not None:
        attn = F.normalize(q, dim=-1).matmul(F.normalize(k, dim=-1).transpose(-2, -1))
        attn = attn * tt_autograd.clamp(logit_scale, max=math.log(100.0)).exp()
    else:
        attn = (q * head_dim**-0.5).matmul(k.transpose(-2, -1))
    attn = attn + relative_position_bias
    if shifted:
        mask = shift_mask(padded_h, padded_w, window_size, shift_size).astype(attn.dtype.numpy)
        mask = tt_autograd.from_numpy(mask[None, :, None])
        attn = attn.reshape(batch, num_windows, num_heads, size, size) + mask
        attn = attn.reshape(-1, num_heads, size, size)
    attn = F.dropout(F.softmax(attn, dim=-1), p=attention_dropout, training=training)
    x = attn.matmul(v).transpose(1, 2).reshape(x.shape[0], size, channels)
    x = F.dropout(F.linear(x, proj_weight, proj_bias), p=dropout, training=training)
    x = x.reshape(batch, rows, cols, window_size[0], window_size[1], channels)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(batch, padded_h, padded_w, channels)
    if shifted:
        x = tt_autograd.roll(x, (shift_size[0], shift_size[1]), (1, 2))
    return x[:, :height, :width, :]


def relative_position_index(window_size: list[int]) -> np.ndarray:
    """``(N·N,)`` int64: for tokens ``i, j`` of a window, the row of the bias table of their offset
    ``(dy + Wh - 1)·(2·Ww - 1) + dx + Ww - 1`` (``dy``, ``dx``: ``i``'s row and column minus ``j``'s)."""
    rows, cols = np.meshgrid(np.arange(window_size[0]), np.arange(window_size[1]), indexing="ij")
    dy = rows.reshape(-1)[:, None] - rows.reshape(-1)[None, :]
    dx = cols.reshape(-1)[:, None] - cols.reshape(-1)[None, :]
    return ((dy + window_size[0] - 1) * (2 * window_size[1] - 1) + dx + window_size[1] - 1).reshape(-1)


def gather_bias(table, index, window_size: list[int]):
    """``table[index]`` ``(N·N, heads)`` as the ``(1, heads, N, N)`` bias of a window."""
    size = window_size[0] * window_size[1]
    return table[index].reshape(size, size, -1).permute(2, 0, 1).unsqueeze(0)


class ShiftedWindowAttention(nn.Module):
    """Window attention with a learned table of relative position biases (Swin V1).

    See :func:`shifted_window_attention`.

    Args:
        dim: channels ``C``.
        window_size, shift_size: ``[Wh, Ww]`` and ``[sh, sw]`` (two each).
        num_heads: heads.
        qkv_bias, proj_bias: biases of ``qkv`` (``Linear(C, 3C)``) and ``proj`` (``Linear(C, C)``).
        attention_dropout, dropout: as :func:`shifted_window_attention`'s.

    Attributes:
        relative_position_bias_table: ``((2Wh - 1)(2Ww - 1), num_heads)``, ``trunc_normal_(std=0.02)``.
        relative_position_index: buffer ``(N·N,)`` int64 (:func:`relative_position_index`).

    Shape:
        ``(B, H, W, C)`` to ``(B, H, W, C)``.
    """

    def __init__(
        self,
        dim: int,
        window_size: list[int],
        shift_size: list[int],
        num_heads: int,
        qkv_bias: bool = True,
        proj_bias: bool = True,
        attention_dropout: float = 0.0,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if len(window_size) != 2 or len(shift_size) != 2:
            raise ValueError(
                "window_size and shift_size must be of length 2, "
                f"got {list(window_size)} and {list(shift_size)}"
            )
        self.window_size = list(window_size)
        self.shift_size = list(shift_size)
        self.num_heads = num_heads
        self.attention_dropout = attention_dropout
        self.dropout = dropout
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim, bias=proj_bias)
        self.define_relative_position_bias_table()
        self.define_relative_position_index()

    def define_relative_position_bias_table(self) -> None:
        """The learned table, one row per relative offset and one column per head."""
        offsets = (2 * self.window_size[0] - 1) * (2 * self.window_size[1] - 1)
        self.relative_position_bias_table = nn.Parameter(tt_autograd.zeros(offsets, self.num_heads))
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)

    def define_relative_position_index(self) -> None:
        """Register the buffer ``relative_position_index``."""
        index = tt_autograd.from_numpy(relative_position_index(self.window_size))
        self.register_buffer("relative_position_index", index)

    def get_relative_position_bias(self):
        """The ``(1, num_heads, N, N)`` bias added to every window's scores."""
        return gather_bias(self.relative_position_bias_table, self.relative_position_index, self.window_size)

    def forward(self, x):
        return shifted_window_attention(
            x,
            self.qkv.weight,
            self.proj.weight,
            self.get_relative_position_bias(),
            self.window_size,
            self.num_heads,
            shift_size=self.shift_size,
            attention_dropout=self.attention_dropout,
            dropout=self.dropout,
            qkv_bias=self.qkv.bias,
            proj_bias=self.proj.bias,
            logit_scale=self.cosine_logit_scale(),
            training=self.training,
        )

    def cosine_logit_scale(self):
        """None: V1 attends by scaled dot products (:class:`ShiftedWindowAttentionV2` returns its scale)."""
        return None


class ShiftedWindowAttentionV2(ShiftedWindowAttention):
    """Swin V2's window attention: cosine scores, a continuous position bias from ``cpb_mlp``.

    Args: as :class:`ShiftedWindowAttention`'s.

    Attributes:
        logit_scale: ``(num_heads, 1, 1)``, initially ``log 10``.
        cpb_mlp: ``Linear(2, 512)``, ``ReLU``, ``Linear(512, num_heads, bias=False)``.
        relative_coords_table: buffer ``(1, 2Wh - 1, 2Ww - 1, 2)``: the offsets scaled to ``[-8, 8]``
            and mapped by ``sign(t)·log2(|t| + 1) / 3``.

    Shape:
        ``(B, H, W, C)`` to ``(B, H, W, C)``.
    """

    def __init__(
        self,
        dim: int,
        window_size: list[int],
        shift_size: list[int],
        num_heads: int,
        qkv_bias: bool = True,
        proj_bias: bool = True,
        attention_dropout: float = 0.0,
        dropout: float = 0.0,
    ) -> None:
        super().__init__(
            dim,
            window_size,
            shift_size,
            num_heads,
            qkv_bias=qkv_bias,
            proj_bias=proj_bias,
            attention_dropout=attention_dropout,
            dropout=dropout,
        )
        self.logit_scale = nn.Parameter(tt_autograd.full((num_heads, 1, 1), math.log(10.0)))
        self.cpb_mlp = nn.Sequential(
            nn.Linear(2, 512, bias=True), nn.ReLU(inplace=True), nn.Linear(512, num_heads, bias=False)
        )
        if qkv_bias:
            with tt_autograd.no_grad():
                self.qkv.bias[dim : 2 * dim] = 0.0

    def define_relative_position_bias_table(self) -> None:
        """Register the buffer ``relative_coords_table`` (V2 has no learned table)."""
        dy = np.arange(-(self.window_size[0] - 1), self.window_size[0], dtype=np.float32)
        dx = np.arange(-(self.window_size[1] - 1), self.window_size[1], dtype=np.float32)
        table = np.stack(np.meshgrid(dy, dx, indexing="ij"), axis=-1)[None]
        table /= np.array([self.window_size[0] - 1, self.window_size[1] - 1], dtype=np.float32)
        table *= 8
        table = np.sign(table) * np.log2(np.abs(table) + 1.0) / 3.0
        self.register_buffer("relative_coords_table", tt_autograd.from_numpy(table.astype(np.float32)))

    def get_relative_position_bias(self):
        """``16·sigmoid`` of ``cpb_mlp``'s bias, gathered as :class:`ShiftedWindowAttention`'s."""
        table = self.cpb_mlp(self.relative_coords_table).reshape(-1, self.num_heads)
        return 16 * tt_autograd.sigmoid(gather_bias(table, self.relative_position_index, self.window_size))

    def cosine_logit_scale(self):
        """``logit_scale``: V2 attends by cosine similarity."""
        return self.logit_scale
