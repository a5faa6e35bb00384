"""``torch.autograd.profiler``: the legacy profiler, a ``with`` block around :mod:`tinytorch.profiler`.

``profile(enabled=True, record_shapes=..., profile_memory=..., with_stack=..., with_flops=...)``
records from ``__enter__`` to ``__exit__`` (no schedule); its results are
``function_events``, ``key_averages()``, ``table()`` (one row per event, as
PyTorch's legacy table), ``total_average()``, ``self_cpu_time_total``,
``export_chrome_trace(path)`` and ``export_stacks(path)``. ``record_function`` is ``torch.profiler``'s.

Example:
    >>> import tinytorch as torch
    >>> with torch.autograd.profiler.profile() as prof:
    ...     y = torch.ones(2) + 1
    >>> [event.name for event in prof.function_events]
    ['tt::Add']
"""

from __future__ import annotations

import os

from tt_perf.profiling.events import EventList, FunctionEventAvg
from tt_perf.profiling.profiler import profile as _profile
from tt_perf.profiling.profiler import record_function

__all__ = ["profile", "record_function"]


class profile:  # noqa: N801  (PyTorch's name)
    """Record every operation, backward node and ``record_function`` range inside the ``with`` block."""

    def __init__(
        self,
        enabled: bool = True,
        *,
        use_cuda: bool = False,
        use_device: str | None = None,
        record_shapes: bool = False,
        with_flops: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_modules: bool = False,
        use_kineto: bool = False,
        use_cpu: bool = True,
        experimental_config: object = None,
        acc_events: bool = False,
        custom_trace_id_callback: object = None,
    ) -> None:
        if use_device not in (None, "cpu"):
            raise RuntimeError(f"profile: use_device={use_device!r}: TinyTorch runs on the CPU only")
        self.enabled = enabled
        self._profiler = _profile(
            use_cuda=use_cuda,
            record_shapes=record_shapes,
            with_flops=with_flops,
            profile_memory=profile_memory,
            with_stack=with_stack,
            acc_events=acc_events,
        )
        self._entered = False

    def __enter__(self) -> profile:
        if not self.enabled:
            return self
        if self._entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self._entered = True
        self._profiler.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.enabled:
            self._profiler.stop()

    @property
    def function_events(self) -> EventList:
        """Every recorded event, in order of start."""
        return self._profiler.events()

    def key_averages(
        self,
        group_by_input_shape: bool = False,
        group_by_stack_n: int = 0,
        group_by_overload_name: bool = False,
    ) -> EventList:
        return self.function_events.key_averages(
            group_by_input_shape, group_by_stack_n, group_by_overload_name
        )

    def table(self, sort_by: str | None = None, row_limit: int = 100, **options: object) -> str:
        """One row per event (``key_averages().table()`` for one row per name)."""
        return self.function_events.table(sort_by=sort_by, row_limit=row_limit, **options)

    def total_average(self) -> FunctionEventAvg:
        return self.function_events.total_average()

    @property
    def self_cpu_time_total(self) -> float:
        return self.function_events.self_cpu_time_total

    def export_chrome_trace(self, path: str | os.PathLike) -> None:
        self._profiler.export_chrome_trace(path)

    def export_stacks(self, path: str | os.PathLike, metric: str = "self_cpu_time_total") -> None:
        """The events' stacks in the flamegraph's folded format (``with_stack=True``), as torch.profiler's."""
        self._profiler.export_stacks(path, metric)

    def __str__(self) -> str:
        return self.table()
