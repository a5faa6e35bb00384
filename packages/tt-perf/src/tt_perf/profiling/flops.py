"""Counting a model: parameters, and floating-point operations per forward pass, layer by layer.

``count_flops(model, x)`` runs one forward pass under ``no_grad`` with a
forward hook on every module, and counts each layer's work from the shapes it
actually saw. The convention is the usual one for networks: a multiply–add
is **2 FLOPs**, so a matmul ``(M, K) @ (K, N)`` is ``2·M·K·N``. Counted:

* ``Linear``: ``2 · rows · in · out`` (+ ``rows · out`` for the bias);
* ``Conv2d``: ``2 · N · H_out · W_out · C_out · (C_in / groups) · kh · kw`` (+ bias);
* attention (tt-text's ``CausalSelfAttention``, ``MultiheadAttention``): the
  ``QKᵀ`` and ``AV`` matmuls, ``2 · 2 · B · H · T · S · D``, plus a softmax of
  ``5`` per score; projections that are ``Linear`` children are counted as such,
  ``MultiheadAttention``'s own in-projection (``in_proj_weight``) with the attention;
* element-wise layers (activations, batch/layer norm, pooling, dropout):
  a few FLOPs per element, listed with their per-element cost below;
* containers and shape-only layers (``Sequential``, ``Flatten``,
  ``Identity``, ``Embedding`` lookups): 0.

Any other module with no children is listed as **not counted** in the
report, never silently as 0.

Layers that later modules add teach the counter themselves: a
:data:`FLOP_RULES` entry ``{type: rule(module, inputs, output) -> FLOPs}``,
added with :func:`register_flop_rule`, is looked up (by the layer's class
and then its bases) before the built-in cases. Module 15's INT8-weight
layers register :func:`linear_flops` and :func:`conv2d_flops`: they do
their float twins' arithmetic.

Example:
    >>> import tt_autograd as autograd, tt_nn as nn
    >>> report = count_flops(nn.Sequential(nn.Linear(10, 20), nn.ReLU()), autograd.zeros(4, 10))
    >>> report.total_flops  # 2*4*10*20 + 4*20 (bias) + 4*20 (ReLU)
    1760
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import tt_nn
from tt_autograd import no_grad
from tt_nn import Module
from tt_text import CausalSelfAttention, Embedding, MultiheadAttention
from tt_vision import AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Conv2d, MaxPool2d

#: A FLOP rule: ``rule(module, inputs, output) -> FLOPs`` of one call (``output``: the main output).
FlopRule = Callable[[Module, tuple, object], "int | None"]

#: FLOPs per output element of element-wise layers (compare, exp/tanh counted as one).
PER_ELEMENT = {
    tt_nn.ReLU: 1,
    tt_nn.LeakyReLU: 2,
    tt_nn.GELU: 8,
    tt_nn.SiLU: 4,
    tt_nn.Sigmoid: 4,
    tt_nn.Tanh: 1,
    tt_nn.Softmax: 5,
    tt_nn.LogSoftmax: 5,
    tt_nn.Dropout: 0,  # counted as 0: a no-op at inference
    tt_nn.BatchNorm1d: 2,  # eval mode: one multiply-add per element
    BatchNorm2d: 2,
    tt_nn.LayerNorm: 8,  # mean, variance, normalise, scale and shift
}
FREE = (
    tt_nn.Sequential,
    tt_nn.ModuleList,
    tt_nn.ModuleDict,
    tt_nn.Flatten,
    tt_nn.Unflatten,
    tt_nn.Identity,
    Embedding,
)


def count_parameters(model: Module, trainable_only: bool = False) -> int:
    """Number of parameter elements (a shared parameter once); ``trainable_only``: those requiring grad."""
    # BEGIN SOLUTION 14
    # TODO: the number of parameter elements, a shared parameter counted once; trainable_only: only those
    #   requiring grad (§ How it is built, flops.py).
    # HINT: model.parameters() already skips repeats within one walk; track id()s to be sure.
    seen, total = set(), 0
    for parameter in model.parameters():
        if id(parameter) in seen or (trainable_only and not parameter.requires_grad):
            continue
        seen.add(id(parameter))
        total += int(np.prod(parameter.shape))
    return total
    # END SOLUTION


def _size(x: object) -> int:
    return int(np.prod(x.shape)) if hasattr(x, "shape") else 0


def linear_flops(module: Module, inputs: tuple, output: object) -> int:
    """``Linear``: ``2 · rows · in · out`` (leading dimensions are rows), + ``rows · out`` for the bias."""
    # BEGIN SOLUTION 14
    # TODO: Linear's FLOPs: 2 * rows * in * out (a multiply and an add per weight per row), + rows * out
    #   for the bias; rows = every leading dim of the output (§ How it is built, flops.py).
    # EXAMPLE: Linear(3, 4) on (2, 5, 3): rows 10, 2 * 10 * 3 * 4 + 40 = 280.
    out = _size(output)
    rows = out // module.out_features
    return 2 * rows * module.in_features * module.out_features + (out if module.bias is not None else 0)
    # END SOLUTION


def conv2d_flops(module: Module, inputs: tuple, output: object) -> int:
    """``Conv2d``: a dot product of length ``(C_in / groups) · kh · kw`` per output element, plus the bias."""
    # BEGIN SOLUTION 14
    # TODO: Conv2d's FLOPs: each output element is a dot product of length (C_in / groups) * kh * kw
    #   (2 FLOPs per term), + 1 per output element for the bias.
    kh, kw = module.kernel_size
    out = _size(output)
    per_output = 2 * (module.in_channels // module.groups) * kh * kw
    return out * per_output + (out if module.bias is not None else 0)
    # END SOLUTION


#: Rules by layer type, looked up along the layer's MRO before the built-in cases of :func:`layer_flops`.
FLOP_RULES: dict[type, FlopRule] = {tt_nn.Linear: linear_flops, Conv2d: conv2d_flops}


def register_flop_rule(kind: type, rule: FlopRule) -> None:
    """Count every call of a ``kind`` layer (or a subclass) as ``rule(module, inputs, output)`` FLOPs.

    How a later module's layers join the counter without module 14 naming
    them: ``register_flop_rule(QuantizedLinear, linear_flops)``.
    """
    if not isinstance(kind, type) or not callable(rule):
        raise TypeError(f"register_flop_rule: expected a class and a callable, got {kind!r} and {rule!r}")
    FLOP_RULES[kind] = rule


def layer_flops(module: Module, inputs: tuple, output: object) -> int | None:
    """FLOPs of one call of ``module`` (inputs and output as it saw them); ``None`` if unknown."""
    if isinstance(output, tuple):  # MultiheadAttention returns (output, weights)
        output = output[0]
    for kind in type(module).__mro__:
        if kind in FLOP_RULES:
            return FLOP_RULES[kind](module, inputs, output)
    # BEGIN SOLUTION 14
    # TODO: one call's FLOPs by layer type: attention (the projections are Linear children; count the
    #   score and weighted-sum matmuls and the softmax), element-wise layers one per element, others None.
    # HINT: self-attention of (B, T, C): QK^T and PV are 2 * B * T * T * C each.
    out = _size(output)
    if isinstance(module, CausalSelfAttention):  # (B, T, C), self-attention
        batch, length, width = inputs[0].shape
        return 4 * batch * length * length * width + 5 * batch * module.n_head * length * length
    if isinstance(module, MultiheadAttention):  # query (L, N, E) and key (S, N, E), or batch first
        query, key = inputs[0], inputs[1] if len(inputs) > 1 else inputs[0]
        seq = 0 if not module.batch_first else 1
        batch = query.shape[1 - seq] if query.ndim == 3 else 1
        length, source = query.shape[seq if query.ndim == 3 else 0], key.shape[seq if key.ndim == 3 else 0]
        scores = batch * module.num_heads * length * source
        width = module.embed_dim  # its in-projection is its own (3E, E) weight, not a Linear child:
        bias = module.in_proj_bias is not None  # q from the L query rows, k and v from the S key rows
        projections = (2 * width + bias) * width * batch * (length + 2 * source)
        return projections + 4 * batch * length * source * width + 5 * scores
    if isinstance(module, (MaxPool2d, AvgPool2d)):
        kernel = module.kernel_size if isinstance(module.kernel_size, tuple) else (module.kernel_size,) * 2
        return out * kernel[0] * kernel[1]
    if isinstance(module, AdaptiveAvgPool2d):
        return _size(inputs[0])
    for kind, per_element in PER_ELEMENT.items():
        if type(module) is kind:
            return per_element * out
    if isinstance(module, FREE):
        return 0
    return None
    # END SOLUTION


@dataclass
class FlopRow:
    """One module call: its dotted name, type, output shape, parameters, FLOPs (None: not counted)."""

    name: str
    kind: str
    output_shape: tuple
    parameters: int
    flops: int | None


@dataclass
class FlopReport:
    """Per-module FLOPs of one forward pass, and their total."""

    rows: list[FlopRow] = field(default_factory=list)

    @property
    def total_flops(self) -> int:
        return sum(row.flops or 0 for row in self.rows)

    @property
    def not_counted(self) -> list[str]:
        """Modules whose work this counter does not know (their FLOPs are missing from the total)."""
        return [f"{row.name} ({row.kind})" for row in self.rows if row.flops is None]

    def table(self) -> str:
        """An aligned text table with a share column and the total."""
        total = self.total_flops or 1
        lines = [f"{'module':28s} {'type':22s} {'output':>18s} {'params':>10s} {'FLOPs':>14s} {'share':>6s}"]
        for row in self.rows:
            flops = "not counted" if row.flops is None else f"{row.flops:,}"
            share = "" if row.flops is None else f"{100 * row.flops / total:5.1f}%"
            shape = "×".join(map(str, row.output_shape))
            lines.append(
                f"{row.name:28s} {row.kind:22s} {shape:>18s} {row.parameters:>10,} {flops:>14s} {share:>6s}"
            )
        lines.append(f"{'total':28s} {'':22s} {'':>18s} {'':>10s} {self.total_flops:>14,}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"total_flops": self.total_flops, "rows": [row.__dict__ for row in self.rows]}


def count_flops(model: Module, *inputs: object) -> FlopReport:
    """FLOPs of ``model(*inputs)``, per module that did work (leaves, and attention blocks).

    Runs one forward pass in the model's current mode, without a graph; all
    hooks are removed afterwards, even if the forward pass fails.
    """
    report = FlopReport()

    def record(name: str):
        def hook(module: Module, args: tuple, output: object) -> None:
            # BEGIN SOLUTION 14
            # TODO: the forward hook: append one FlopRow (name, type,
            #   output shape, own parameters, layer_flops).
            # HINT: own parameters only:
            #   module.parameters(recurse=False); a tuple output shows
            #   its first element.
            shown = output[0] if isinstance(output, tuple) else output
            own = sum(int(np.prod(p.shape)) for p in module.parameters(recurse=False))
            flops = layer_flops(module, args, output)
            report.rows.append(FlopRow(name, type(module).__name__, tuple(shown.shape), own, flops))
            # END SOLUTION

        return hook

    forward_with_hooks(model, inputs, record)
    return report


def measured_layers(model: Module) -> list[tuple[str, Module]]:
    """``(name, module)`` of the layers a profiler looks at: every leaf, and attention blocks.

    Attention blocks are included although they have children: their ``QKᵀ``
    and ``AV`` matmuls happen inside them, in no child layer. The root's name
    is its type's.
    """
    return [
        (name or type(module).__name__, module)
        for name, module in model.named_modules()
        if not module._modules or isinstance(module, (CausalSelfAttention, MultiheadAttention))
    ]


def forward_with_hooks(model: Module, inputs: tuple, make_hook: Callable[[str], Callable]) -> None:
    """Run ``model(*inputs)`` without a graph, ``make_hook(name)`` a forward hook on each measured layer.

    Every hook is removed afterwards, even if the forward pass fails.
    """
    handles = []
    try:
        for name, module in measured_layers(model):
            handles.append(module.register_forward_hook(make_hook(name)))
        with no_grad():
            model(*inputs)
    finally:
        for handle in handles:
            handle.remove()


def operation_flops(kind: type, args: tuple, params: dict, result: object) -> int:
    """The FLOPs of one recorded operation (a Function call: its class, array arguments and result) by the
    rules above (a multiply–add is 2), 0 for the operations they do not cover; the profiler's ``with_flops``.

    The rules take a layer; a stand-in carries what they read, from the arrays' shapes.
    """
    name = kind.__name__
    if name == "MatMulFunction":
        b_shape = np.shape(args[1])  # (..., M, K) @ (..., K, N): a Linear(K, N) without bias on M rows
        columns = b_shape[-1] if len(b_shape) > 1 else 1
        layer = SimpleNamespace(in_features=np.shape(args[0])[-1], out_features=columns, bias=None)
        return linear_flops(layer, args, np.asarray(result))
    if name == "LinearFunction":
        weight = args[1]
        layer = SimpleNamespace(in_features=weight.shape[1], out_features=weight.shape[0], bias=args[2])
        return linear_flops(layer, args, np.asarray(result))
    if name == "Conv2dFunction":
        weight, groups = args[1], args[6] if len(args) > 6 else params.get("groups", 1)
        layer = SimpleNamespace(
            kernel_size=tuple(weight.shape[2:]),
            in_channels=weight.shape[1] * groups,
            groups=groups,
            bias=args[2],
        )
        return conv2d_flops(layer, args, np.asarray(result))
    return 0
