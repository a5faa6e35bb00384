"""Timers around every autograd Function's forward and backward: where a training step's time goes.

The benchmarks' profiles (``text.py``'s GPT step, which ``dist.py`` reuses on a
rank; ``vision.py``'s and ``cnn_rank_step.py``'s CNN steps) time whole
training steps, optimizer included, and sort the operations into groups of
their own ("Linear (GEMMs)", "attention"; "wide convs", "first conv"). They
share this one helper. ``tt_perf.profile`` (module 14) is the course's
profiler: per layer and per operation, for a model and a loss, with a trace
and peak memory, which these benchmarks do not need.

Example:
    >>> import tt_autograd as autograd
    >>> with function_timers(lambda cls, args: cls.__name__) as spent:
    ...     (autograd.ones(3, requires_grad=True) * 2).sum().backward()
    >>> sorted(spent)
    ['MulFunction', 'SumFunction']
"""

from __future__ import annotations

import collections
import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from tt_autograd import Function

#: ``group_of(cls, args)``: the group a call of ``cls.forward(ctx, *args)`` is counted in, None for none.
GroupOf = Callable[[type, tuple], "str | None"]


def function_classes() -> list[type]:
    """Every ``Function`` subclass defined so far, at any depth (import the packages first)."""
    found, todo = [], [Function]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.append(sub)
                todo.append(sub)
    return found


@contextlib.contextmanager
def function_timers(group_of: GroupOf) -> Iterator[dict[str, float]]:
    """Yield ``{group: seconds}``, summed over the Function calls made inside the ``with`` block.

    Each Function that defines both ``forward`` and ``backward`` gets both wrapped
    in a timer: forward asks ``group_of`` for its group (with the arguments after
    ``ctx``, so a group may depend on shapes) and keeps it on ``ctx`` for its
    backward; a group of None is not timed. The methods are put back afterwards,
    even if the block raises. Cost: two ``perf_counter`` calls and a function call
    per operation, a few microseconds.
    """
    spent: dict[str, float] = collections.defaultdict(float)
    originals = []

    def timed(method: Callable, group_of_call: Callable[[Any, tuple], str | None]) -> staticmethod:
        """``method`` with its seconds added to the group ``group_of_call(ctx, args)`` names."""

        def run(ctx, *args, **kwargs):
            group = group_of_call(ctx, args)
            if group is None:
                return method(ctx, *args, **kwargs)
            start = time.perf_counter()
            try:
                return method(ctx, *args, **kwargs)
            finally:
                spent[group] += time.perf_counter() - start

        return staticmethod(run)

    def forward_group(cls: type) -> Callable[[Any, tuple], str | None]:
        def ask(ctx, args):
            ctx.benchmark_group = group_of(cls, args)  # kept for the node's backward
            return ctx.benchmark_group

        return ask

    def backward_group(ctx, args) -> str | None:
        return getattr(ctx, "benchmark_group", None)

    try:
        for cls in function_classes():
            methods = cls.__dict__
            if "forward" in methods and "backward" in methods:
                originals.append((cls, methods["forward"], methods["backward"]))
                cls.forward = timed(methods["forward"].__func__, forward_group(cls))
                cls.backward = timed(methods["backward"].__func__, backward_group)
        yield spent
    finally:
        for cls, forward, backward in originals:
            cls.forward, cls.backward = forward, backward


@contextlib.contextmanager
def timed_attribute(owner: object, name: str, spent: dict[str, float], group: str) -> Iterator[None]:
    """Inside the block, calls of ``owner.name`` (a function, or a method of a class) add to ``spent[group]``.

    For work that is no Function: ``tt_optim.AdamW.step``, ``tt_optim.clip_grad_norm_``.
    """
    original = getattr(owner, name)

    def run(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[group] += time.perf_counter() - start

    setattr(owner, name, run)
    try:
        yield
    finally:
        setattr(owner, name, original)
