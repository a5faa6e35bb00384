"""Module backward hooks: ``register_full_backward_hook`` and ``register_full_backward_pre_hook``.

``module.register_full_backward_hook(hook)`` calls ``hook(module, grad_input,
grad_output)`` in backward, once the gradients w.r.t. the module's outputs
(``grad_output``) and w.r.t. its positional tensor inputs (``grad_input``, None
for an argument that is not a tensor requiring grad) are known; a tuple it
returns replaces ``grad_input``. ``register_full_backward_pre_hook(hook)`` calls
``hook(module, grad_output)`` before the module's own backward; a tuple it
returns replaces ``grad_output``. Grad-CAM and gradient clipping per layer are
written this way.

How (PyTorch's design, on tensor hooks): while a module has such hooks, its
call packs the tensor inputs into one flat tensor by a :class:`PackFunction`
node and hands forward views of it, and packs the outputs the same way. The
graph then has one node where every output gradient arrives together and one
where every input gradient does, and a tensor hook
(:mod:`tt_autograd.tensor_hooks`) on each packed tensor sees the whole set at
once; an output that got no gradient (unused) shows as None, as in PyTorch. A
module none of whose inputs requires grad calls its full backward hooks from the
output side, with ``grad_input`` all None, as PyTorch does. Keyword arguments
are not part of ``grad_input`` (as in PyTorch).

Cost: two copies of the inputs and outputs (the packing) per call while a module
has backward hooks; nothing otherwise.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import tt_tensor
from tt_autograd import Function, is_grad_enabled


class PackFunction(Function):
    """Tensors → one flat tensor (in the first one's dtype); backward cuts the gradient back."""

    @staticmethod
    def forward(ctx, *arrays):
        ctx.shapes = [(a.shape, a.dtype) for a in arrays]
        return np.concatenate([a.reshape(-1).astype(arrays[0].dtype, copy=False) for a in arrays])

    @staticmethod
    def backward(ctx, grad):
        return tuple(piece.array for piece in _cut(tt_tensor.Tensor.from_array(grad), ctx.shapes))

    @staticmethod
    def graph_backward(ctx, grad):  # the same cuts, recorded
        return tuple(_cut(grad, ctx.shapes))


def _cut(flat: Any, shapes: list) -> list:
    """``flat`` cut into consecutive pieces of ``shapes`` (``(shape, dtype)`` pairs), each in its dtype."""
    pieces, start = [], 0
    for shape, dtype in shapes:
        size = int(np.prod(shape, dtype=np.int64))
        piece = flat[start : start + size].reshape(shape)
        pieces.append(piece if piece.array.dtype == dtype else piece.to(tt_tensor.dtypes.as_dtype(dtype)))
        start += size
    return pieces


def _tracked(value: Any) -> bool:
    return isinstance(value, tt_tensor.Tensor) and getattr(value, "requires_grad", False)


def call_with_backward_hooks(module: Any, args: tuple, kwargs: dict, run: Any) -> Any:
    """``run(args, **kwargs)`` (forward with its forward hooks) wired so the module's backward hooks fire."""
    if not is_grad_enabled():
        return run(args, **kwargs)
    positions = [i for i, a in enumerate(args) if _tracked(a)]
    state: dict[str, Any] = {"grad_output": None}
    if positions:
        packed_in = PackFunction.apply(*(args[i] for i in positions))
        views = _cut(packed_in, [(args[i].shape, args[i].array.dtype) for i in positions])
        args = tuple(views[positions.index(i)] if i in positions else a for i, a in enumerate(args))
    output = run(args, **kwargs)
    single = isinstance(output, tt_tensor.Tensor)
    items = [output] if single else list(output) if isinstance(output, (tuple, list)) else []
    slots = [i for i, item in enumerate(items) if _tracked(item)]
    if not slots:
        return output
    outputs = [items[i] for i in slots]
    shapes = [(o.shape, o.array.dtype) for o in outputs]
    packed_out = PackFunction.apply(*outputs)

    arrived = [False] * len(outputs)  # which outputs' views got a gradient in this backward pass

    def on_output_gradient(grad: Any) -> Any:
        grads = tuple(piece if got else None for piece, got in zip(_cut(grad, shapes), arrived))
        arrived[:] = [False] * len(outputs)
        changed = False
        for hook in list(module._backward_pre_hooks.values()):
            result = hook(module, grads)
            if result is not None:
                grads, changed = _checked(result, grads, "full backward pre hook", "output", shapes), True
        state["grad_output"] = grads
        if not positions and module._backward_hooks:  # no input requires grad: the hooks fire now
            warnings.warn(
                "Full backward hook is firing when gradients are computed with respect to module outputs "
                "since no inputs require gradients (as in PyTorch); grad_input is all None",
                UserWarning,
                stacklevel=2,
            )
            for hook in list(module._backward_hooks.values()):
                hook(module, (None,) * len(args), grads)
        return _packed(grads, shapes) if changed else None

    packed_out.register_hook(on_output_gradient)
    if positions:
        in_shapes = [(a.shape, None) if _tracked(a) else None for a in args]

        def on_input_gradient(grad: Any) -> Any:
            pieces = _cut(grad, [(args[i].shape, args[i].array.dtype) for i in positions])
            grad_input = tuple(
                pieces[positions.index(i)] if i in positions else None for i in range(len(args))
            )
            changed = False
            for hook in list(module._backward_hooks.values()):
                result = hook(module, grad_input, state["grad_output"])
                if result is not None:
                    grad_input = _checked(result, grad_input, "full backward hook", "input", in_shapes)
                    changed = True
            if not changed:
                return None
            return _packed(tuple(grad_input[i] for i in positions), None)

        packed_in.register_hook(on_input_gradient)
    new_items = list(items)
    for k, (slot, view) in enumerate(zip(slots, _cut(packed_out, shapes))):
        view.register_hook(lambda grad, k=k: arrived.__setitem__(k, True))  # fires before packed_out's
        new_items[slot] = view
    if single:
        return new_items[0]
    return type(output)(new_items)


def _checked(result: Any, like: tuple, kind: str, side: str, shapes: list) -> tuple:
    """A hook's ``result`` as a tuple like ``like``, None entries kept from ``like``; shapes checked."""
    result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    if len(result) != len(like):
        raise RuntimeError(
            f"{kind} returned {len(result)} gradient(s) where the module has {len(like)}; return a tuple of "
            "the same length (None to keep an entry), or None to keep them all"
        )
    for k, (new, expected) in enumerate(zip(result, shapes)):
        if new is not None and expected is not None and tuple(new.shape) != tuple(expected[0]):
            raise RuntimeError(
                f"{kind} returned a gradient of shape {tuple(new.shape)} for {side} {k} of shape "
                f"{tuple(expected[0])}; a replacement must have the shape of the gradient it replaces"
            )
    return tuple(old if new is None else new for new, old in zip(result, like))


def _packed(grads: tuple, shapes: list | None) -> Any:
    """The gradients as one flat tensor; an entry left None (an unused output) counts as zeros."""
    flat = [
        tt_tensor.zeros(int(np.prod(shapes[k][0])), dtype=tt_tensor.dtypes.as_dtype(shapes[k][1]))
        if g is None
        else g.reshape(-1)
        for k, g in enumerate(grads)
    ]
    return flat[0] if len(flat) == 1 else tt_tensor.cat([f.to(flat[0].dtype) for f in flat])
