"""``torch.func.jacfwd``'s computation: a Jacobian by forward-mode AD, one jvp per input basis vector.

What: the Jacobian of ``func`` with respect to the chosen arguments, ``output.shape + argument.shape``
per (output, argument) pair, the same values as ``jacrev``.

How (as PyTorch's ``vmap(jvp)``): for each chosen argument ``x`` with ``n`` elements, the ``n`` basis
vectors (the rows of ``eye(n)``, each shaped like ``x``) are the tangents of ONE vmapped call of
``func``: inside it ``make_dual`` batches the primal alike (:mod:`tt_autograd.forward_ad`), each
operation runs once on the physical arrays through its batching rule, and its tangent rule pushes
all ``n`` tangents at once (an operation without a batching rule loops over the samples, with
vmap's warning). Tangent ``k`` of an output is column ``k`` of its Jacobian; the columns are moved
to the back. ``aux`` is taken from the same call (every sample has the same one).

Cost: one forward pass of ``func`` on ``n``-fold batched arrays per chosen argument (with the ops'
own jvp rules, about twice the work of ``func`` on that batch), against ``jacrev``'s one backward
pass per *output* element: cheaper when the outputs outnumber the inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tt_tensor import Tensor as PlainTensor

from . import forward_ad
from .creation import eye, zeros_like
from .functional_ad import _tuple_postprocess
from .vmap_transform import vmap


def jacobian(
    func: Callable, args: tuple, numbers: tuple, split_aux: Callable, randomness: str, argnums_tuple: bool
) -> tuple:
    """``(Jacobian, aux)`` of ``func`` at ``args`` w.r.t. the arguments ``numbers`` (module docstring).

    ``split_aux(result)`` gives ``(output, aux)`` of one call; the Jacobian has ``jacrev``'s structure
    (a tuple per output for a tuple output, per argument for a tuple ``argnums``).
    """
    per_argument, seen = [], {}
    for i in numbers:
        x = args[i]
        count = x.numel()
        basis = eye(count, dtype=x.dtype).reshape(count, *x.shape)
        tangents, aux_tensors = vmap(_pushed(func, args, i, split_aux, seen), randomness=randomness)(basis)
        # tangents[k] has shape (count, *output.shape): row j is column j of the Jacobian
        per_argument.append(
            tuple(t.permute(*range(1, t.ndim), 0).reshape(*t.shape[1:], *x.shape) for t in tangents)
        )
    blocks = tuple(zip(*per_argument))  # outputs outside, arguments inside
    aux = _rebuilt(seen["aux"], iter(a[0] for a in aux_tensors))
    return _tuple_postprocess(blocks, (seen["tuple"], argnums_tuple)), aux


def _pushed(func: Callable, args: tuple, i: int, split_aux: Callable, seen: dict) -> Callable:
    """The vmapped function: the output tangents of ``func`` with argument ``i`` dual along ``tangent``."""

    def push(tangent: PlainTensor) -> tuple:
        with forward_ad.nested_level():  # (inside an open level too: forward over forward)
            duals = list(args)
            duals[i] = forward_ad.make_dual(args[i], tangent)
            output, aux = split_aux(func(*duals))
            outputs = output if isinstance(output, tuple) else (output,)
            if not outputs or not all(isinstance(o, PlainTensor) for o in outputs):
                raise TypeError(
                    f"jacfwd: func must return a tensor or a tuple of tensors, got {type(output).__name__}"
                )
            seen["tuple"], seen["aux"] = isinstance(output, tuple), aux
            found = tuple(forward_ad.unpack_dual(o).tangent for o in outputs)
            return (
                tuple(zeros_like(o) if t is None else t for o, t in zip(outputs, found)),
                _tensor_leaves(aux),
            )

    return push


def _tensor_leaves(value: Any) -> list:
    """The tensors in ``value`` (in tuples, lists and dicts too), in order."""
    if isinstance(value, PlainTensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in _tensor_leaves(v)]
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _tensor_leaves(v)]
    return []


def _rebuilt(value: Any, leaves: Any) -> Any:
    """``value`` with its tensors replaced, in order, by the next ones of ``leaves``."""
    if isinstance(value, PlainTensor):
        return next(leaves)
    if isinstance(value, (tuple, list)):
        return type(value)(_rebuilt(v, leaves) for v in value)
    if isinstance(value, dict):
        return {k: _rebuilt(v, leaves) for k, v in value.items()}
    return value
