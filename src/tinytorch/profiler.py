"""``tinytorch.profiler``: PyTorch's ``torch.profiler`` over module 14's profiler (tt-perf).

``profile`` (with ``schedule``, ``on_trace_ready``, ``record_shapes``, ``profile_memory``,
``with_stack``, ``with_flops``), ``record_function``, ``ProfilerActivity`` (CPU only),
``ProfilerAction``, ``tensorboard_trace_handler`` and ``ExecutionTraceObserver``; results are PyTorch's
``key_averages().table(...)`` and a Chrome trace. Operations are named ``tt::MatMul``
where PyTorch says ``aten::mm`` (see :mod:`tt_perf.profiling.profiler`).

Example:
    >>> import tinytorch as torch
    >>> from tinytorch.profiler import profile, record_function
    >>> with profile() as prof:
    ...     with record_function("double"):
    ...         y = torch.ones(3) * 2
    >>> [row.key for row in prof.key_averages()]
    ['double', 'tt::Mul']
"""

from __future__ import annotations

from tt_perf.profiling.events import EventList, FunctionEvent, FunctionEventAvg
from tt_perf.profiling.execution_trace import ExecutionTraceObserver
from tt_perf.profiling.profiler import (
    ProfilerAction,
    ProfilerActivity,
    profile,
    record_function,
    schedule,
    supported_activities,
    tensorboard_trace_handler,
)

from ._unsupported import unsupported as _not_in_tinytorch

__all__ = [
    "EventList",
    "ExecutionTraceObserver",
    "FunctionEvent",
    "FunctionEventAvg",
    "ProfilerAction",
    "ProfilerActivity",
    "profile",
    "record_function",
    "schedule",
    "supported_activities",
    "tensorboard_trace_handler",
]


def __getattr__(name: str) -> object:
    """``torch.profiler.<name>`` that TinyTorch lacks (``itt``, ...): an error that names it."""
    raise _not_in_tinytorch("torch.profiler", name, globals())
