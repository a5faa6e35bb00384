"""Gradients through complex tensors: PyTorch's convention, and which Functions may carry them.

The convention (PyTorch's): for a real loss ``L`` and a complex tensor
``z = x + iy``, the gradient is ``dL/dx + i dL/dy`` (twice the conjugate
Wirtinger derivative). A real tensor's gradient stays real: where a real input
meets a complex op, it gets the real part.

For a holomorphic op with derivative ``f'(z)`` this gives
``grad_in = grad_out * conj(f'(z))``. Most of the existing rules are written
as ``grad * f'(inputs)`` (mul, div, exp, ``grad @ B.T``) or as a real linear
map of ``grad`` (sum, reshape, indexing, cat); such a rule becomes right for
complex when it is called with ``conj(grad)`` and its results are conjugated:
``conj(conj(g) * f') = g * conj(f')``. A Function says which kind it is with
its class attribute ``complex_gradient``:

* ``"conjugate"``: its rules are of that form; :func:`route` records it as a
  node of a subclass (:func:`conjugated`) whose ``backward`` and
  ``graph_backward`` wrap the original ones that way;
* ``"own"``: its rules handle complex themselves (``real``, ``abs``, ``angle``,
  ``view_as_real``, ... in :mod:`tt_autograd.functions.complex`, which are not
  holomorphic);
* None (the default): it refuses complex tensors with an error that names it,
  so no rule written for real numbers silently gives a wrong gradient.

Cost: real tensors pay one dtype test per op (``Function.apply`` looks at the
output's kind), plus one look at the inputs' kinds for a Function with no
complex rule (so it refuses before computing anything).
"""

from __future__ import annotations

import numpy as np
from tt_tensor import Tensor as PlainTensor

from .grad_mode import _state

CONJUGATE, OWN = "conjugate", "own"


def has_complex_input(inputs: tuple) -> bool:
    """Whether any tensor among ``inputs`` is complex."""
    for x in inputs:
        if isinstance(x, PlainTensor) and x.array.dtype.kind == "c":
            return True
    return False


def refuse(cls: type) -> None:
    """Raise the error of a Function with no complex rule, naming its op."""
    name = cls.__name__.removesuffix("Function")
    raise TypeError(
        f"{name}: complex tensors are not supported by this operation in TinyTorch (it has no complex "
        "gradient rule); use .real / .imag / .abs() or view_as_real() to work on real tensors"
    )


def route(cls: type, ctx: object, inputs: tuple, output: object) -> object:
    """``apply``'s complex path: refuse, or record ``ctx`` with the rule its Function's kind calls for."""
    kind = cls.complex_gradient
    if kind is None:
        refuse(cls)
    if output.grad_fn is not ctx:  # a complex output: apply recorded nothing; record it here
        parents = [
            (x.grad_fn or x) if isinstance(x, PlainTensor) and _state.enabled and x._requires_grad else None
            for x in inputs
        ]
        if not any(parent is not None for parent in parents):
            return output
        ctx.needs_input_grad = [parent is not None for parent in parents]
        ctx.parents = parents
        ctx.input_shapes = [None if parent is None else tuple(x.shape) for parent, x in zip(parents, inputs)]
        output._requires_grad = True
        output.grad_fn = ctx
    if kind == CONJUGATE:
        ctx.real_inputs = [isinstance(x, PlainTensor) and x.array.dtype.kind != "c" for x in inputs]
        ctx.__class__ = conjugated(cls)
    return output


_CONJUGATED: dict[type, type] = {}


def conjugated(cls: type) -> type:
    """``cls`` with its rules called on ``conj(grad)``, their results conjugated (real inputs: real part)."""
    made = _CONJUGATED.get(cls)
    if made is not None:
        return made
    rule, graph_rule = cls.backward, cls.graph_backward

    def backward(ctx, grad):
        grads = rule(ctx, np.conj(grad))
        return tuple(
            None if g is None else (np.real(g) if real else np.conj(g))
            for g, real in zip(grads, ctx.real_inputs)
        )

    def graph_backward(ctx, grad):
        grads = graph_rule(ctx, grad.conj())
        return tuple(
            None if g is None else (g.real if real or not g.is_complex() else g.conj())
            for g, real in zip(grads, ctx.real_inputs)
        )

    namespace = {
        "backward": staticmethod(backward),
        "graph_backward": None if graph_rule is None else staticmethod(graph_backward),
        "__doc__": f"{cls.__name__} on complex tensors (:func:`tt_autograd.complex_grad.conjugated`).",
        "__module__": cls.__module__,
    }
    made = _CONJUGATED[cls] = type(cls.__name__, (cls,), namespace)
    return made
