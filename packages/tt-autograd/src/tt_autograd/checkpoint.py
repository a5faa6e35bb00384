"""Activation checkpointing (``torch.utils.checkpoint``): trade compute for memory.

Backward needs what forward saved: for a deep network, every block's
activations stay alive from its forward until its backward. ``checkpoint(fn,
*args)`` runs ``fn`` without recording a graph, keeps only its inputs, and
runs ``fn`` again in backward, this time recording, to get the gradients. The
activations inside ``fn`` then live only during that second run, so a network
of ``n`` checkpointed blocks holds ``n`` block inputs between forward and
backward instead of every activation of every block — for about one more
forward pass of compute.

How it is built:

* **Forward** runs ``fn`` under ``no_grad`` on detached copies of the tensor
  arguments, and watches every ``Function.apply`` it makes (the hook of
  :mod:`tt_autograd.tracing`) for tensors that require grad but were not
  passed in: the parameters of the modules ``fn`` calls, and tensors it
  captured from outside. Those become inputs of the graph node too, so
  their gradients flow through the ordinary backward pass (its hooks, such as
  ``DistributedDataParallel``'s, included) even when no argument requires
  grad — PyTorch's non-reentrant semantics.
* **Backward** restores the random generator to its state at the forward
  (so ``dropout`` draws the same mask), reruns ``fn`` with the graph on and
  takes the gradients of its outputs with respect to the arguments and the
  watched tensors with :func:`tt_autograd.gradients.grad`.

Cost: one extra forward of ``fn`` per backward; memory between forward and
backward: ``fn``'s tensor arguments and outputs only.

Differences from PyTorch: one implementation, with the semantics of
``use_reentrant=False`` (the argument is accepted either way); ``context_fn``
is not supported. As in PyTorch, a layer that updates state in forward (a
``BatchNorm`` in training mode: its running statistics) updates it again when
backward reruns it.

Example:
    >>> import tt_autograd as autograd
    >>> from tt_autograd.checkpoint import checkpoint
    >>> w = autograd.tensor([2.0, 3.0], requires_grad=True)
    >>> x = autograd.tensor([1.0, 0.5])
    >>> checkpoint(lambda t: (t * w).exp().sum(), x).backward()  # d/dw = x exp(x w)
    >>> [round(float(g), 3) for g in w.grad.numpy()]
    [7.389, 2.241]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
from tt_tensor import Tensor as PlainTensor
from tt_tensor import random

from .function import _CALL_HOOKS, Function
from .grad_mode import _state, enable_grad, no_grad
from .gradients import grad as gradients_of
from .tensor import Tensor


def checkpoint(
    function: Callable,
    *args: object,
    use_reentrant: bool | None = None,
    context_fn: Callable | None = None,
    determinism_check: str = "default",
    debug: bool = False,
    preserve_rng_state: bool = True,
    **kwargs: object,
):
    """``function(*args, **kwargs)``, keeping only its inputs for backward and recomputing the rest.

    Args:
        function: what to run; returns a tensor, or a tuple/list of them (other values pass through).
        *args, **kwargs: its arguments; positional tensors get gradients like any op's inputs.
        use_reentrant: accepted for compatibility; the semantics are PyTorch's ``False`` (above).
        preserve_rng_state: rerun ``function`` with the random state of the forward pass.
        determinism_check: ``"default"`` checks that the rerun gives outputs of the same shapes
            and dtypes (else a ``RuntimeError``); ``"none"`` skips it.
        context_fn, debug: PyTorch's options; only their defaults are supported.

    Returns:
        what ``function`` returns, with a graph back to ``args`` and to the tensors it used.
    """
    if not callable(function):
        raise TypeError(
            f"checkpoint: function must be callable (a module or a function), got {type(function).__name__}; "
            "pass it first: checkpoint(function, *args)"
        )
    if context_fn is not None:
        raise NotImplementedError("checkpoint: context_fn is not supported by TinyTorch; leave it None")
    if determinism_check not in ("default", "none"):
        raise ValueError(
            f"checkpoint: determinism_check must be 'default' or 'none', got {determinism_check!r}"
        )
    del use_reentrant, debug  # one implementation: see the module docstring
    if not _state.enabled:
        return function(*args, **kwargs)
    state = random.get_rng_state() if preserve_rng_state else None
    detached = [_detached(a) for a in args]
    with no_grad(), _watching(detached) as watched:
        result = function(*detached, **kwargs)
    outputs, rebuild = _flatten(result)
    tensor_args = [a for a in args if isinstance(a, PlainTensor)]
    node_inputs = (*tensor_args, *watched)
    if not any(getattr(t, "_requires_grad", False) for t in node_inputs) or not outputs:
        return result
    packed = CheckpointFunction.apply(
        *node_inputs,
        run=(function, args, kwargs, len(tensor_args), state, determinism_check == "default", watched),
        outputs=outputs,
    )
    return rebuild(_unpack(packed, outputs))


def checkpoint_sequential(
    functions, segments: int, input: object, use_reentrant: bool | None = None, **kwargs
):
    """Run ``functions`` (an ``nn.Sequential`` or a list of callables) in order, checkpointing chunks.

    As PyTorch: the modules are cut into ``segments`` runs of ``len(functions) // segments``;
    every run but the last is checkpointed (the last one's backward comes first, so keeping its
    activations costs nothing extra), and the remainder joins the last run.
    """
    layers = list(functions.children()) if hasattr(functions, "children") else list(functions)
    if not 1 <= segments <= max(1, len(layers)):
        raise ValueError(
            f"checkpoint_sequential: segments must be between 1 and the number of modules ({len(layers)}), "
            f"got {segments}"
        )
    size = len(layers) // segments

    def run(chunk: Sequence) -> Callable:
        def forward(x):
            for layer in chunk:
                x = layer(x)
            return x

        return forward

    for start in range(0, size * (segments - 1), max(size, 1)):  # (no layers: no checkpointed run)
        input = checkpoint(run(layers[start : start + size]), input, use_reentrant=use_reentrant, **kwargs)
    return run(layers[size * (segments - 1) :])(input)


class CheckpointFunction(Function):
    """One graph node for a checkpointed call: inputs are its tensor arguments, then the watched tensors.

    The output is the call's float outputs, flattened and joined (one output per node); backward
    reruns the call and returns a gradient for every input.
    """

    @staticmethod
    def forward(ctx, *arrays, run, outputs):
        ctx.run = run
        ctx.shapes = [(o.shape, o.dtype) for o in outputs]
        ctx.save_for_backward(*arrays[: run[3]])  # the tensor arguments: what the rerun starts from
        return (
            np.concatenate([o.array.reshape(-1) for o in outputs]) if len(outputs) > 1 else outputs[0].array
        )

    @staticmethod
    def backward(ctx, grad):
        saved, needs = iter(ctx.saved_tensors), iter(ctx.needs_input_grad)

        def argument(array: np.ndarray) -> Tensor:
            tensor = Tensor.from_array(array)
            tensor.requires_grad = next(needs)
            return tensor

        found = _rerun_gradients(ctx, grad, lambda: argument(next(saved)), create_graph=False)
        return tuple(_array_or_none(g) for g in found)

    @staticmethod
    def graph_backward(ctx, grad):
        """Recorded: the rerun starts from the arguments joined to their graphs and keeps its own graph.

        So the gradients are differentiable again, with respect to the arguments, the
        watched tensors (a module's parameters) and ``grad``: PyTorch's non-reentrant
        checkpoint under ``create_graph=True``. Each argument enters through a copy, so
        one tensor passed twice gets each of its gradients once.
        """
        saved, positions = iter(ctx.saved_tensors), iter(range(len(ctx.saved_tensors)))
        found = _rerun_gradients(
            ctx, grad, lambda: ctx.input_tensor(next(positions), next(saved)).clone(), create_graph=True
        )
        return tuple(found)


def _rerun_gradients(ctx, grad, argument: Callable, create_graph: bool) -> list:
    """Rerun the checkpointed call (``argument()`` makes each tensor argument, in order) and take the
    gradients of its outputs, seeded with ``grad``, for every node input (None where none is asked)."""
    function, args, kwargs, count, state, check, watched = ctx.run
    inputs = [argument() if isinstance(a, PlainTensor) else a for a in args]
    with _rng_restored(state), enable_grad():
        outputs, _ = _flatten(function(*inputs, **kwargs))
    if check and [(o.shape, o.dtype) for o in outputs] != ctx.shapes:
        raise RuntimeError(
            "checkpoint: the recomputed outputs differ from the forward pass's: "
            f"{[(tuple(o.shape), str(o.dtype)) for o in outputs]} vs "
            f"{[(tuple(s), str(d)) for s, d in ctx.shapes]}; the function must compute the same "
            "thing each call (pass determinism_check='none' to skip this check)"
        )
    node_inputs = [a for a, given in zip(inputs, args) if isinstance(given, PlainTensor)] + list(watched)
    asked = [t for t, need in zip(node_inputs, ctx.needs_input_grad) if need]
    seeds = [g for o, g in zip(outputs, _split(grad, ctx.shapes)) if o.requires_grad]
    differentiable = [o for o in outputs if o.requires_grad]
    found = iter(
        gradients_of(differentiable, asked, seeds, allow_unused=True, create_graph=create_graph)
        if differentiable and asked
        else ()
    )
    return [next(found, None) if need else None for need in ctx.needs_input_grad]


# ----------------------------------------------------------------------------------- helpers
def _detached(value: object) -> object:
    """A tensor argument without its graph (same array, no copy); anything else as it is."""
    return Tensor.from_array(value.array) if isinstance(value, PlainTensor) else value


@contextmanager
def _watching(own: list) -> Iterator[list]:
    """Collect the tensors requiring grad that ``Function.apply`` calls read but ``own`` does not hold.

    Only inputs that require grad are kept, once each (by identity), in the order first seen.
    Under ``no_grad`` the calls' own results do not require grad, so what is collected is what
    came from outside: module parameters and captured tensors.
    """
    mine = {id(t) for t in own if isinstance(t, PlainTensor)}
    seen: list = []

    def hook(function: type, inputs: tuple, params: dict, output: object) -> None:
        for x in inputs:
            if getattr(x, "_requires_grad", False) and id(x) not in mine:
                mine.add(id(x))
                seen.append(x)

    _CALL_HOOKS.append(hook)
    try:
        yield seen
    finally:
        _CALL_HOOKS.remove(hook)


@contextmanager
def _rng_restored(state: object) -> Iterator[None]:
    """Run the block with the default generator at ``state``, then put the current state back."""
    if state is None:
        yield
        return
    current = random.get_rng_state()
    random.set_rng_state(state)
    try:
        yield
    finally:
        random.set_rng_state(current)


def _flatten(result: object) -> tuple[list, Callable]:
    """The float tensors of ``result`` (a tensor, or a tuple/list), and how to put replacements back."""
    if isinstance(result, PlainTensor):
        if result.array.dtype.kind == "f":
            return [result], lambda new: new[0]
        return [], lambda new: result
    if isinstance(result, (tuple, list)):
        slots = [i for i, r in enumerate(result) if isinstance(r, PlainTensor) and r.array.dtype.kind == "f"]

        def rebuild(new: list) -> object:
            items = list(result)
            for i, n in zip(slots, new):
                items[i] = n
            return type(result)(items)

        return [result[i] for i in slots], rebuild
    return [], lambda new: result


def _unpack(packed: Tensor, outputs: list) -> list:
    """The checkpointed outputs as views of the node's one output (itself when there is one)."""
    return _pieces(packed, [o.shape for o in outputs])


def _split(grad: np.ndarray, shapes: list) -> list[np.ndarray]:
    """The node's gradient cut back into one gradient per output (``shapes``: ``(shape, dtype)`` pairs)."""
    return _pieces(grad, [shape for shape, _ in shapes])


def _pieces(flat, shapes: list) -> list:
    """``flat`` (a tensor or an array) cut into consecutive pieces of ``shapes``; itself for one shape."""
    if len(shapes) == 1:
        return [flat]
    ends = np.cumsum([math.prod(shape) for shape in shapes])
    return [flat[end - math.prod(shape) : end].reshape(shape) for shape, end in zip(shapes, ends)]


def _array_or_none(tensor: object) -> np.ndarray | None:
    return None if tensor is None else tensor.array
