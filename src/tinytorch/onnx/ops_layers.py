"""Exporters for the fused layer Functions of tt-nn, tt-vision and tt-text.

Linear → ``Gemm`` (2-D) or ``MatMul`` + ``Add``; GELU → its formula through
``Erf`` or ``Tanh`` (ONNX's own ``Gelu`` needs opset 20); LayerNorm →
``LayerNormalization`` (opset 17); BatchNorm (evaluation) →
``BatchNormalization``; Conv2d → ``Conv``; pooling → ``MaxPool`` /
``AveragePool`` with explicit pads; Embedding → ``Gather``; attention → the
two matmuls, scale, mask bias and ``Softmax`` it is made of.
"""

from __future__ import annotations

import math

import numpy as np
from tt_nn.functional.activations import (
    GELUFunction,
    LeakyReLUFunction,
    LogSoftmaxFunction,
    SiLUFunction,
    SoftmaxFunction,
)
from tt_nn.functional.batch_norm_relu import BatchNormReLUFunction
from tt_nn.functional.dropout import DropoutFunction
from tt_nn.functional.linear import LinearFunction
from tt_nn.functional.normalization import BatchNormFunction, LayerNormFunction
from tt_text.embedding import EmbeddingFunction
from tt_text.sdpa import PackedSelfAttentionFunction, ScaledDotProductAttentionFunction
from tt_vision.batch_norm_relu_pool import BatchNormReLUMaxPoolFunction
from tt_vision.functional import (
    AdaptiveAvgPool2dFunction,
    AvgPool2dFunction,
    Conv2dFunction,
    MaxPool2dFunction,
)

from .graph import NodeContext
from .ops_core import finish, option, same_type
from .registry import OnnxExporterError, register_exporter


# ----------------------------------------------------------------- tt-nn
@register_exporter(LinearFunction)
def linear(node: NodeContext) -> str:
    """``x @ W.T + b``: one ``Gemm`` for a 2-D input, else ``MatMul`` with the transposed weight."""
    x, weight, bias = node.input(0), node.input(1), node.input(2)
    if len(node.shape(0)) == 2:
        inputs = [x, weight] if bias is None else [x, weight, bias]
        return finish(node, node.add("Gemm", inputs, transB=1))
    out = node.add("MatMul", [x, node.add("Transpose", [weight], perm=[1, 0])])
    return finish(node, out if bias is None else node.add("Add", [out, bias]))


@register_exporter(GELUFunction)
def gelu(node: NodeContext) -> str:
    """Exact ``x/2 · (1 + erf(x/√2))`` or tanh's ``x/2 · (1 + tanh(√(2/π)(x + 0.044715x³)))``."""
    x = node.input(0)
    dtype = node.out_dtype
    if option(node, 1, "approximate", "none") == "tanh":
        cube = node.add("Mul", [node.add("Mul", [x, x]), x])
        inner = node.add("Add", [x, node.add("Mul", [cube, node.const(np.asarray(0.044715, dtype))])])
        core = node.add(
            "Tanh", [node.add("Mul", [inner, node.const(np.asarray(math.sqrt(2 / math.pi), dtype))])]
        )
    else:
        core = node.add("Erf", [node.add("Div", [x, node.const(np.asarray(math.sqrt(2.0), dtype))])])
    half = node.add("Mul", [x, node.const(np.asarray(0.5, dtype))])
    return finish(node, node.add("Mul", [half, node.add("Add", [core, node.const(np.asarray(1.0, dtype))])]))


@register_exporter(SiLUFunction)
def silu(node: NodeContext) -> str:
    """``x · sigmoid(x)``."""
    x = node.input(0)
    return finish(node, node.add("Mul", [x, node.add("Sigmoid", [x])]))


@register_exporter(LeakyReLUFunction)
def leaky_relu(node: NodeContext) -> str:
    """``LeakyRelu`` with the recorded slope."""
    return finish(
        node, node.add("LeakyRelu", [node.input(0)], alpha=float(option(node, 1, "negative_slope")))
    )


@register_exporter(SoftmaxFunction, LogSoftmaxFunction)
def softmax(node: NodeContext) -> str:
    """``Softmax`` / ``LogSoftmax`` along the recorded dim."""
    op = "Softmax" if node.function is SoftmaxFunction else "LogSoftmax"
    axis = int(option(node, 1, "dim")) % len(node.out_shape)
    return finish(node, node.add(op, [node.input(0)], axis=axis))


@register_exporter(DropoutFunction)
def dropout(node: NodeContext) -> str:
    """Dropout exports as the identity: an exported model runs inference."""
    return finish(node, node.add("Identity", [node.input(0)]))


@register_exporter(LayerNormFunction)
def layer_norm(node: NodeContext) -> str:
    """``LayerNormalization`` over the last ``ndim`` axes (opset 17)."""
    ndim = int(option(node, 3, "ndim"))
    trailing = node.out_shape[len(node.out_shape) - ndim :]
    scale = node.input(1) or node.const(np.ones(trailing, node.out_dtype))
    eps = float(option(node, 4, "eps"))
    return finish(
        node, node.add("LayerNormalization", [node.input(0), scale, node.input(2)], axis=-ndim, epsilon=eps)
    )


def _batch_normalization(node: NodeContext) -> str:
    """The ``BatchNormalization`` node of a batch-norm call (evaluation mode only); its output's name."""
    if option(node, 5, "training"):
        raise OnnxExporterError(
            f"tt.onnx.export: {node.where} normalises with batch statistics (training mode); export runs "
            "the model in eval() mode, so this call bypassed it: pass training=False"
        )
    channels = node.out_shape[1]
    scale = node.input(1) or node.const(np.ones(channels, node.out_dtype))
    shift = node.input(2) or node.const(np.zeros(channels, node.out_dtype))
    mean, var = node.param_input("running_mean"), node.param_input("running_var")
    eps = float(option(node, 7, "eps"))
    return node.add("BatchNormalization", [node.input(0), scale, shift, mean, var], epsilon=eps)


@register_exporter(BatchNormFunction)
def batch_norm(node: NodeContext) -> str:
    """``BatchNormalization`` with the running statistics (evaluation mode only)."""
    return finish(node, _batch_normalization(node))


@register_exporter(BatchNormReLUFunction)
def batch_norm_relu(node: NodeContext) -> str:
    """tt-nn's fused batch norm + ReLU: ``BatchNormalization`` then ``Relu`` (evaluation mode only)."""
    return finish(node, node.add("Relu", [_batch_normalization(node)]))


# ----------------------------------------------------------------- tt-vision
@register_exporter(BatchNormReLUMaxPoolFunction)
def batch_norm_relu_max_pool(node: NodeContext) -> str:
    """tt-vision's fused batch norm + ReLU + 2×2 max-pool: ``BatchNormalization``, ``Relu``, ``MaxPool``."""
    relu = node.add("Relu", [_batch_normalization(node)])
    return finish(node, node.add("MaxPool", [relu], kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 0, 0]))


@register_exporter(Conv2dFunction)
def conv2d(node: NodeContext) -> str:
    """``Conv`` with stride, dilation, groups and the (top, bottom, left, right) padding."""
    top, bottom, left, right = (int(p) for p in option(node, 4, "padding"))
    inputs = [node.input(0), node.input(1)] + ([node.input(2)] if node.arg(2) is not None else [])
    return finish(
        node,
        node.add(
            "Conv",
            inputs,
            kernel_shape=list(node.shape(1)[2:]),
            strides=[int(s) for s in option(node, 3, "stride")],
            pads=[top, left, bottom, right],
            dilations=[int(d) for d in option(node, 5, "dilation")],
            group=int(option(node, 6, "groups")),
        ),
    )


def pool_pads(node: NodeContext, kernel, stride, padding, dilation) -> list[int]:
    """Explicit pads that give the recorded output size (covers ``ceil_mode``'s extra bottom/right rows)."""
    pads_begin, pads_end = [], []
    for axis in range(2):
        size, out = node.shape(0)[2 + axis], node.out_shape[2 + axis]
        needed = (out - 1) * stride[axis] + dilation[axis] * (kernel[axis] - 1) + 1
        pads_begin.append(int(padding[axis]))
        pads_end.append(max(int(padding[axis]), needed - size - int(padding[axis])))
    return pads_begin + pads_end


def pool(node: NodeContext, op: str, pads: list[int], **attributes: object) -> str:
    kernel, stride = option(node, 1, "kernel"), option(node, 2, "stride")
    out = node.add(
        op, [node.input(0)], kernel_shape=list(kernel), strides=list(stride), pads=pads, **attributes
    )
    return finish(node, out)


@register_exporter(MaxPool2dFunction)
def max_pool2d(node: NodeContext) -> str:
    """``MaxPool`` (padding never wins a maximum, as in PyTorch)."""
    dilation = option(node, 4, "dilation")
    pads = pool_pads(
        node, option(node, 1, "kernel"), option(node, 2, "stride"), option(node, 3, "padding"), dilation
    )
    return pool(node, "MaxPool", pads, dilations=list(dilation))


@register_exporter(AvgPool2dFunction)
def avg_pool2d(node: NodeContext) -> str:
    """``AveragePool``; ``ceil_mode`` and ``divisor_override`` are refused."""
    if option(node, 4, "ceil_mode") or option(node, 6, "divisor_override") is not None:
        raise OnnxExporterError(
            f"tt.onnx.export: {node.where}: avg_pool2d with ceil_mode=True or divisor_override has no ONNX "
            "AveragePool equivalent here"
        )
    padding = [int(p) for p in option(node, 3, "padding")]
    include = int(bool(option(node, 5, "count_include_pad")))
    return pool(node, "AveragePool", padding + padding, count_include_pad=include)


@register_exporter(AdaptiveAvgPool2dFunction)
def adaptive_avg_pool2d(node: NodeContext) -> str:
    """``GlobalAveragePool`` to 1×1, else ``AveragePool`` when the output size divides the input's."""
    (h, w), (ho, wo) = node.shape(0)[2:], node.out_shape[2:]
    if (ho, wo) == (1, 1):
        return finish(node, node.add("GlobalAveragePool", [node.input(0)]))
    if h % ho or w % wo:
        raise OnnxExporterError(
            f"tt.onnx.export: {node.where}: adaptive_avg_pool2d from {h}×{w} to {ho}×{wo} uses windows of "
            "unequal sizes, which ONNX's AveragePool cannot express"
        )
    kernel = [h // ho, w // wo]
    return finish(node, node.add("AveragePool", [node.input(0)], kernel_shape=kernel, strides=kernel))


# ----------------------------------------------------------------- tt-text
@register_exporter(EmbeddingFunction)
def embedding(node: NodeContext) -> str:
    """``Gather`` rows of the weight by int64 ids."""
    ids = node.cast(node.input(1), np.int64)
    return finish(node, node.add("Gather", [node.input(0), ids], axis=0))


def attention(node: NodeContext, q: str, k: str, v: str, bias: str | None, scale: float) -> str:
    """``softmax(q @ kᵀ · scale + bias) @ v`` on ``(…, L, E)`` values."""
    ndim = len(node.builder.info[q][0])
    perm = list(range(ndim - 2)) + [ndim - 1, ndim - 2]
    scores = node.add("MatMul", [q, node.add("Transpose", [k], perm=perm)])
    scores = node.add("Mul", [scores, node.const(np.asarray(scale, node.out_dtype))])
    if bias is not None:
        scores = node.add("Add", [scores, bias])
    return node.add("MatMul", [node.add("Softmax", [scores], axis=-1), v])


def mask_bias(node: NodeContext, mask: str | None, causal: tuple[int, int] | None) -> str | None:
    """The additive bias of a causal mask (constant) and/or a boolean or float mask (any value)."""
    dtype = node.out_dtype
    bias = None
    if causal is not None:
        allowed = np.tri(*causal, dtype=bool)
        bias = node.const(np.where(allowed, 0, -np.inf).astype(dtype), "causal_bias")
    if mask is not None:
        if node.dtype(mask) == np.bool_:
            zero, blocked = node.const(np.asarray(0, dtype)), node.const(np.asarray(-np.inf, dtype))
            mask = node.add("Where", [mask, zero, blocked])
        else:
            mask = node.cast(mask, dtype)
        bias = mask if bias is None else node.add("Add", [bias, mask])
    return bias


def fixed_length(node: NodeContext, name: str, axis: int) -> int:
    if axis in node.dynamic(name):
        raise OnnxExporterError(
            f"tt.onnx.export: {node.where}: a causal mask over a dynamic sequence length is not supported; "
            "make only the batch dimension dynamic"
        )
    return node.builder.info[name][0][axis]


@register_exporter(ScaledDotProductAttentionFunction)
def scaled_dot_product_attention(node: NodeContext) -> str:
    """Attention over separate ``q, k, v``, with the recorded mask or causal flag and scale."""
    q, k, v = same_type(node, 0, 1, 2)
    causal = None
    if node.arg(4):
        causal = (
            fixed_length(node, q, len(node.shape(0)) - 2),
            fixed_length(node, k, len(node.shape(1)) - 2),
        )
    bias = mask_bias(node, node.input(3) if node.arg(3) is not None else None, causal)
    return finish(node, attention(node, q, k, v, bias, float(node.arg(5))))


@register_exporter(PackedSelfAttentionFunction)
def packed_self_attention(node: NodeContext) -> str:
    """Split ``(B, T, 3C)`` into heads, attend, merge back to ``(B, T, C)``; the batch may be dynamic."""
    qkv = node.input(0)
    (batch, length, width3), (batch_b, length_b, _) = node.builder.info[qkv][:2]
    n_head = int(node.arg(1))
    head_dim = width3 // 3 // n_head
    split_a, split_b = (batch, length, 3, n_head, head_dim), (batch_b, length_b, 3, n_head, head_dim)
    heads = node.add(
        "Transpose", [node.reshape(qkv, split_a, split_b)], perm=[2, 0, 3, 1, 4]
    )  # (3, B, H, T, D)
    q, k, v = (node.add("Gather", [heads, node.const(np.asarray(i, np.int64))], axis=0) for i in range(3))
    node.builder.note(
        q, (batch, n_head, length, head_dim), (batch_b, n_head, length_b, head_dim), node.out_dtype
    )
    causal = (fixed_length(node, qkv, 1),) * 2 if node.arg(2) else None
    mask = node.input(5) if node.arg(5) is not None else None
    merged = node.add(
        "Transpose",
        [attention(node, q, k, v, mask_bias(node, mask, causal), 1 / math.sqrt(head_dim))],
        perm=[0, 2, 1, 3],
    )
    node.builder.note(
        merged, split_a[:2] + (n_head, head_dim), split_b[:2] + (n_head, head_dim), node.out_dtype
    )
    return node.reshape(merged, node.out_shape, node.out_shape_b)
