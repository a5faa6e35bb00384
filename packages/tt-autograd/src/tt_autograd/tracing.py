"""``record_calls``: watch every ``Function.apply`` of a forward pass, for exporters and debuggers.

The autograd graph (``tensor.grad_fn`` and each node's ``parents``) holds only
what backward needs: the inputs that require grad. An exporter needs the rest
too — the data batch, index arrays, masks, and the keyword parameters of each
call (a convolution's stride, a softmax's ``dim``) — and it needs ops that
record no node at all (integer results, calls under ``no_grad``). Inside
``with record_calls() as calls:`` every ``apply`` appends one :class:`Call`
to ``calls``, in execution order (a topological order of the graph).

Cost: outside the block, one loop over an empty list per ``apply``; inside,
one small tuple per call, which keeps the call's inputs and output alive until
the list is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from .function import _CALL_HOOKS


class Call(NamedTuple):
    """One ``Function.apply``: the class, its positional inputs and keyword params as given, and the output.

    ``inputs`` holds what was passed: tensors, NumPy arrays, Python scalars or
    ``None``; ``output`` is the result tensor.
    """

    function: type
    inputs: tuple[Any, ...]
    params: dict[str, Any]
    output: Any


@contextmanager
def record_calls() -> Iterator[list[Call]]:
    """Record every ``Function.apply`` made inside the block into the list it yields.

    Blocks nest; each sees the calls made while it is open. Recording does
    not change what is computed, nor whether a graph is recorded.

    Example:
        >>> import tt_autograd as autograd
        >>> from tt_autograd.tracing import record_calls
        >>> x = autograd.ones(2, 3)
        >>> with record_calls() as calls:
        ...     y = (x * 2).sum()
        >>> [call.function.__name__ for call in calls]
        ['MulFunction', 'SumFunction']
    """
    calls: list[Call] = []

    def hook(function: type, inputs: tuple, params: dict, output: Any) -> None:
        calls.append(Call(function, inputs, dict(params), output))

    _CALL_HOOKS.append(hook)
    try:
        yield calls
    finally:
        _CALL_HOOKS.remove(hook)
