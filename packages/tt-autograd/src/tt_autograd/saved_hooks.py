"""Saved-tensor hooks: ``torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook)``.

Inside the context, each array a recorded node saves for backward goes through
``pack_hook(tensor)``, and the node keeps whatever that returns (a tensor, a
file name, a compressed copy, ...); when backward reads the saved arrays,
``unpack_hook(packed)`` must give a tensor back, once per read. That is how
activations are offloaded to disk or compressed between forward and backward.
As in PyTorch: only the innermost pair of a nesting applies; the hooks are per
thread; a node made under ``no_grad`` (not recorded) calls neither; a
pack hook may not modify its input in place; and a packed array is not checked
for in-place changes by backward (the hooks own it).

What goes through the hooks here: every array saved with ``ctx.save_for_backward``
and read back through ``ctx.saved_tensors``. What does not: arrays a Function keeps
as attributes of ``ctx`` (``ctx.bias = ...`` in attention with a float mask), which
PyTorch would route too. :func:`census` counts both routes on a graph;
``benchmarks/saved_tensor_hooks.py`` prints them for an MLP, a CNN and a GPT step
(all of their saved bytes go through the hooks), and
``tests/test_saved_tensors_hooks_coverage.py`` checks that a counting hook sees
every ``save_for_backward`` array of an MLP and a GPT step.

``save_on_cpu()`` is this pair with a pack that moves a tensor to the CPU and
an unpack that moves it back: on this CPU-only framework a pass-through, but it
runs through the same hooks. ``disable_saved_tensors_hooks(message)`` makes any
use of ``saved_tensors_hooks`` inside it raise ``RuntimeError(message)``.

Cost: nothing while no hooks are set (one list test per saved node); with
hooks, one tensor wrap and one call per saved array at save time and per read.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from tt_tensor import Tensor as PlainTensor
from tt_tensor import versions


class _State(threading.local):
    """Per thread: ``stack``, the ``(pack, unpack)`` pairs entered; ``disabled``, the message of an
    enclosing ``disable_saved_tensors_hooks`` (None when there is none)."""

    def __init__(self) -> None:
        self.stack: list[tuple[Callable, Callable]] = []
        self.disabled: str | None = None


_state = _State()

_INPLACE = (
    "A saved tensor pack hook is modifying its input in place. Tensors provided as input to pack hook "
    "cannot be modified by in-place operations as this can lead to unexpected side-effects."
)


class saved_tensors_hooks:  # noqa: N801  (PyTorch's name)
    """Context manager: arrays saved for backward inside it go through ``pack_hook`` / ``unpack_hook``.

    Args:
        pack_hook: ``pack_hook(tensor) -> Any``, called when a recorded node saves ``tensor``.
        unpack_hook: ``unpack_hook(packed) -> Tensor``, called each time backward reads it.

    Example:
        >>> import tinytorch as torch
        >>> x = torch.ones(2, requires_grad=True)
        >>> with torch.autograd.graph.saved_tensors_hooks(lambda t: t * 1, lambda t: t):
        ...     y = (x * x).sum()
        >>> y.backward()
        >>> x.grad
        tensor([2., 2.])
    """

    def __init__(self, pack_hook: Callable[[Any], Any], unpack_hook: Callable[[Any], Any]) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> saved_tensors_hooks:
        if _state.disabled is not None:
            raise RuntimeError(_state.disabled)
        for role, hook in (("pack_hook", self.pack_hook), ("unpack_hook", self.unpack_hook)):
            if not callable(hook):
                raise TypeError(f"saved_tensors_hooks: {role} must be callable, got {type(hook).__name__}")
        _state.stack.append((self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc: object) -> None:
        _state.stack.pop()


def current_hooks() -> tuple[Callable[[Any], Any], Callable[[Any], Any]] | None:
    """The ``(pack_hook, unpack_hook)`` pair that applies now (the innermost entered), None if none.

    For code that enters a pair of its own and hands what it does not keep to the enclosing
    pair (FSDP's FULL_SHARD release); PyTorch keeps this in
    ``torch._C._autograd._top_saved_tensors_default_hooks``.
    """
    return _state.stack[-1] if _state.stack else None


class save_on_cpu(saved_tensors_hooks):  # noqa: N801  (PyTorch's name)
    """Saved tensors are packed on the CPU and moved back to their device when backward reads them.

    Every tensor here is on the CPU, so the pair passes tensors through; it exists so that
    PyTorch code using it runs, and it goes through the same hooks (it nests like them).
    ``pin_memory`` and ``device_type`` are accepted and have no effect.
    """

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        def pack_to_cpu(tensor: Any) -> tuple[Any, Any]:
            return tensor.device, tensor.cpu()

        def unpack_from_cpu(packed: tuple[Any, Any]) -> Any:
            device, tensor = packed
            return tensor.to(device)

        super().__init__(pack_to_cpu, unpack_from_cpu)


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message: str) -> Iterator[None]:
    """Inside it, entering ``saved_tensors_hooks`` raises ``RuntimeError(error_message)``.

    Entering it while saved-tensor hooks are active raises that error at once, as in PyTorch.
    """
    if not isinstance(error_message, str):
        raise TypeError(
            f"disable_saved_tensors_hooks: error_message must be a str, got {type(error_message).__name__}"
        )
    if _state.stack:
        raise RuntimeError(error_message)
    previous, _state.disabled = _state.disabled, error_message
    try:
        yield
    finally:
        _state.disabled = previous


class Packed(tuple):
    """A node's saved values as the innermost pack hook left them, with the unpack hook to read them.

    Each element is ``(True, packed)`` for an array that went through the pack hook,
    ``(False, value)`` for anything else saved (None, a number), kept as it was.
    """

    unpack_hook: Callable[[Any], Any]

    def unpack(self) -> tuple:
        """The saved arrays again: ``unpack_hook`` on each packed one (a call per read, as in PyTorch)."""
        arrays = []
        for was_packed, value in self:
            if was_packed:
                tensor = self.unpack_hook(value)
                if not isinstance(tensor, PlainTensor):
                    raise TypeError(
                        "Output of saved tensor unpack_hook expected to be a Tensor but got result of type "
                        f"{type(tensor).__name__}"
                    )
                value = tensor.array
            arrays.append(value)
        return tuple(arrays)


def pack(arrays: tuple) -> Packed:
    """``arrays`` through the innermost pack hook (each as a tensor sharing its memory)."""
    from .tensor import Tensor

    pack_hook, unpack_hook = _state.stack[-1]
    items = []
    for array in arrays:
        if isinstance(array, np.ndarray):
            before = versions.version(array)
            packed = pack_hook(Tensor.from_array(array))
            if versions.version(array) != before:
                raise RuntimeError(_INPLACE)
            items.append((True, packed))
        else:
            items.append((False, array))
    saved = Packed(items)
    saved.unpack_hook = unpack_hook
    return saved


#: Node attributes that are the graph's bookkeeping, not values saved for backward.
_BOOKKEEPING = {"_saved", "_saved_versions", "parents", "input_shapes", "needs_input_grad", "_next_functions"}


def census(root: Any) -> dict[str, Any]:
    """What the graph under ``root`` (a ``grad_fn``) keeps for backward, and by which route.

    Returns ``{"nodes", "hooked", "hooked_bytes", "attributes", "attribute_bytes", "holders"}``:
    the arrays saved through ``save_for_backward`` (which the hooks see; counted packed or
    not), the arrays nodes hold as attributes (a tuple or list of arrays counts each), which
    the hooks do not see, and ``holders``, ``{node name: attribute arrays}``. Walks
    ``next_functions``, as torchviz does.
    """
    counts: dict[str, Any] = dict.fromkeys(
        ("nodes", "hooked", "hooked_bytes", "attributes", "attribute_bytes"), 0
    )
    counts["holders"] = {}
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen or not hasattr(node, "parents"):  # (None, an AccumulateGrad node)
            continue
        seen.add(id(node))
        counts["nodes"] += 1
        saved = node._saved or ()
        for array in saved.unpack() if type(saved) is Packed else saved:
            if isinstance(array, np.ndarray):
                counts["hooked"] += 1
                counts["hooked_bytes"] += array.nbytes
        for key, value in vars(node).items():
            items = value if isinstance(value, (tuple, list)) else (value,)
            for item in items if key not in _BOOKKEEPING else ():
                if isinstance(item, np.ndarray):
                    counts["attributes"] += 1
                    counts["attribute_bytes"] += item.nbytes
                    counts["holders"][node.name()] = counts["holders"].get(node.name(), 0) + 1
        stack.extend(parent for parent, _ in node.next_functions)
    return counts
