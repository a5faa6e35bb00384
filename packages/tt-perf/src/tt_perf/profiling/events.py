"""``torch.profiler``'s results: events, their averages by key, and the table that prints them.

A :class:`FunctionEvent` is one timed interval of a ``torch.profiler.profile``
run (``profiler.py``): an operation's forward (``tt::MatMul``), a backward
node (``MmBackward0``), a ``record_function`` range or a ``ProfilerStep#N``.
Times are in **microseconds**, as in PyTorch; ``cpu_time_total`` is the
interval, ``self_cpu_time_total`` the interval minus its children's, so that
the self times of all events add up to the recorded time without counting an
instant twice (module 14's self time, ``timing.py``). Memory is the same
split: ``cpu_memory_usage`` is the net bytes allocated during the event
(``tracemalloc``), ``self_cpu_memory_usage`` minus its children's; a self
figure can be negative (a range that frees what its children allocated).

:meth:`EventList.key_averages` sums events that share a key (the name, and with
``group_by_input_shape`` the input shapes, with ``group_by_stack_n`` the top
stack entries) into :class:`FunctionEventAvg` rows; :meth:`EventList.table`
prints them in PyTorch's layout (same columns, widths and unit formatting).

Example:
    >>> events = EventList([FunctionEvent(0, "tt::Add", 0.0, 5.0), FunctionEvent(1, "tt::Add", 6.0, 9.0)])
    >>> row = events.key_averages()[0]
    >>> (row.key, row.count, row.cpu_time_total, row.cpu_time)
    ('tt::Add', 2, 8.0, 4.0)
"""

from __future__ import annotations

import gzip
import json
import math
import os
from collections import defaultdict
from pathlib import Path

from .trace import chrome_events

#: The sort keys :meth:`EventList.table` accepts (PyTorch's, device columns being always 0 here).
SORT_KEYS = (
    "cpu_time",
    "cpu_time_total",
    "self_cpu_time_total",
    "cpu_memory_usage",
    "self_cpu_memory_usage",
    "count",
    "flops",
    "device_time",
    "device_time_total",
    "self_device_time_total",
    "cuda_time",
    "cuda_time_total",
    "self_cuda_time_total",
    "xpu_time_total",
    "self_xpu_time_total",
    "device_memory_usage",
    "self_device_memory_usage",
    "cuda_memory_usage",
    "self_cuda_memory_usage",
)

#: The metrics :meth:`EventList.export_stacks` accepts (PyTorch's; the device ones are 0 here: no line).
STACK_METRICS = (
    "self_cpu_time_total",
    "self_cuda_time_total",
    "self_xpu_time_total",
    "self_privateuse1_time_total",
)


def format_time(time_us: float) -> str:
    """``12.345us``, ``1.234ms`` or ``2.000s``, as PyTorch's tables print times."""
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def format_memory(nbytes: int) -> str:
    """``96 B``, ``1.50 KB``, ``2.00 MB`` (powers of 1024, sign kept), as PyTorch's tables print memory."""
    for unit, size in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if abs(nbytes) >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{nbytes} B"


def _share(time_us: float, total_us: float) -> str:
    return "NaN" if total_us == 0 else f"{time_us * 100.0 / total_us:.2f}%"


class _Times:
    """The averaged and formatted views both event kinds share (PyTorch's ``FormattedTimesMixin``)."""

    count: int
    cpu_time_total: float
    self_cpu_time_total: float
    device_time_total = 0.0
    self_device_time_total = 0.0
    device_memory_usage = 0
    self_device_memory_usage = 0
    cuda_time_total = xpu_time_total = 0.0
    self_cuda_time_total = self_xpu_time_total = 0.0
    cuda_memory_usage = self_cuda_memory_usage = 0
    device_time = cuda_time = 0.0

    @property
    def cpu_time(self) -> float:
        """Mean microseconds per call."""
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    @property
    def cpu_time_str(self) -> str:
        return format_time(self.cpu_time)

    @property
    def cpu_time_total_str(self) -> str:
        return format_time(self.cpu_time_total)

    @property
    def self_cpu_time_total_str(self) -> str:
        return format_time(self.self_cpu_time_total)


class FunctionEvent(_Times):
    """One recorded interval: ``name``, ``start_us``/``end_us`` (microseconds from the profiler's start).

    ``trace_name`` is the name as recorded (``ProfilerStep#3``), ``name`` and ``key``
    the one it is counted under (``ProfilerStep*``), as in PyTorch.

    Its children (``cpu_children``) are the events that ran inside it on the same
    thread, its parent (``cpu_parent``) the innermost event around it.
    """

    count = 1

    def __init__(
        self,
        id: int,  # noqa: A002  (PyTorch's name)
        name: str,
        start_us: float,
        end_us: float,
        *,
        thread: int = 0,
        input_shapes: list | None = None,
        cpu_memory_usage: int = 0,
        flops: int = 0,
        stack: list[str] | None = None,
        is_user_annotation: bool = False,
    ) -> None:
        self.id, self.thread, self.trace_name = id, thread, name
        self.name = "ProfilerStep*" if name.startswith("ProfilerStep#") else name  # every step, one name
        self.start_us, self.end_us = start_us, end_us
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.cpu_memory_usage, self.flops = cpu_memory_usage, flops
        self.stack = stack if stack is not None else []
        self.is_user_annotation = is_user_annotation
        self.cpu_children: list[FunctionEvent] = []
        self.cpu_parent: FunctionEvent | None = None

    @property
    def key(self) -> str:
        """The name events are grouped by (``ProfilerStep*`` for the step whose ``trace_name`` is ``#3``)."""
        return self.name

    @property
    def cpu_time_total(self) -> float:
        return self.end_us - self.start_us

    @property
    def self_cpu_time_total(self) -> float:
        return self.cpu_time_total - sum(child.cpu_time_total for child in self.cpu_children)

    @property
    def self_cpu_memory_usage(self) -> int:
        return self.cpu_memory_usage - sum(child.cpu_memory_usage for child in self.cpu_children)

    def __repr__(self) -> str:
        return (
            f"<FunctionEvent id={self.id} name={self.name} cpu_time={self.cpu_time_total_str} "
            f"start_us={self.start_us:.3f} end_us={self.end_us:.3f} input_shapes={self.input_shapes} "
            f"cpu_memory_usage={self.cpu_memory_usage}>"
        )


class FunctionEventAvg(_Times):
    """Events of one key added up: totals, ``count``, and ``cpu_time`` (the mean per call)."""

    def __init__(self) -> None:
        self.key: str | None = None
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.flops = 0
        self.input_shapes: list | str | None = None
        self.stack: list[str] = []
        self.is_user_annotation = False
        self.cpu_parent: FunctionEvent | None = None

    def add(self, other: FunctionEvent | FunctionEventAvg) -> FunctionEventAvg:
        """Add one event (or another average of the same key) in."""
        if not isinstance(other, (FunctionEvent, FunctionEventAvg)):
            raise TypeError(f"FunctionEventAvg.add: expected a FunctionEvent, got {type(other).__name__}")
        if self.key is None:
            self.key, self.input_shapes, self.stack = other.key, other.input_shapes, list(other.stack)
            self.cpu_parent = other.cpu_parent  # the first event's: top_level_events_only reads it
            self.is_user_annotation = other.is_user_annotation
        elif other.key != self.key:
            raise ValueError(f"FunctionEventAvg.add: key {other.key!r} added to an average of {self.key!r}")
        self.count += other.count
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.cpu_memory_usage += other.cpu_memory_usage
        self.self_cpu_memory_usage += other.self_cpu_memory_usage
        self.flops += other.flops
        return self

    def __iadd__(self, other: FunctionEvent | FunctionEventAvg) -> FunctionEventAvg:
        return self.add(other)

    def __repr__(self) -> str:
        return (
            f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str} "
            f"cpu_time={self.cpu_time_str} input_shapes={self.input_shapes} "
            f"cpu_memory_usage={self.cpu_memory_usage}>"
        )


class EventList(list):
    """A list of events (or of averages) with PyTorch's summaries: ``key_averages``, ``table``."""

    def __init__(self, events=(), *, profile_memory: bool = False, with_flops: bool = False) -> None:
        super().__init__(events)
        self._profile_memory, self._with_flops = profile_memory, with_flops

    @property
    def self_cpu_time_total(self) -> float:
        """The self times added up: the recorded time, each instant once."""
        return sum(event.self_cpu_time_total for event in self)

    def key_averages(
        self,
        group_by_input_shapes: bool = False,
        group_by_stack_n: int = 0,
        group_by_overload_name: bool = False,
    ) -> EventList:
        """One :class:`FunctionEventAvg` per key, in order of first appearance.

        The key is the event's name (``ProfilerStep*`` for every step), and with
        ``group_by_input_shapes`` its input shapes, with ``group_by_stack_n`` its
        innermost ``n`` stack entries (``with_stack=True``). Overload names do not
        exist here (TinyTorch's operations have none): that flag changes nothing.
        """
        if (
            isinstance(group_by_stack_n, bool)
            or not isinstance(group_by_stack_n, int)
            or group_by_stack_n < 0
        ):
            raise ValueError(f"key_averages: group_by_stack_n must be an int >= 0, got {group_by_stack_n!r}")
        stats: dict[tuple, FunctionEventAvg] = defaultdict(FunctionEventAvg)
        for event in self:
            key = (event.key, event.is_user_annotation)
            if group_by_input_shapes:
                key += (str(event.input_shapes),)
            if group_by_stack_n:
                key += tuple(event.stack[:group_by_stack_n])
            stats[key].add(event)
        averages = EventList(stats.values(), profile_memory=self._profile_memory, with_flops=self._with_flops)
        for row in averages:
            row.stack = row.stack[:group_by_stack_n]
            if not group_by_input_shapes:
                row.input_shapes = ""
        return averages

    def total_average(self) -> FunctionEventAvg:
        """Every event added into one row keyed ``Total``."""
        total = FunctionEventAvg()
        for event in self:
            total.key = None
            total.add(event)
        total.key = "Total"
        return total

    def export_chrome_trace(self, path) -> None:
        """These events as a Chrome trace JSON (``torch.profiler.profile.export_chrome_trace``'s format)."""
        write_events(self, path)

    def export_stacks(self, path: str | os.PathLike, metric: str) -> None:
        """The events' stacks in the flamegraph's folded format, one line per event that has one.

        Each line is the event's stack from the outermost frame in (``;``-separated;
        spaces, ``;``, tabs and newlines in an entry become ``_``), a space, and the
        event's ``metric`` as an int (microseconds); events whose figure is under 1 us
        are left out, as PyTorch's ``EventList.export_stacks`` leaves them out.
        ``flamegraph.pl`` or speedscope reads the file.
        """
        if not isinstance(path, (str, os.PathLike)):  # open(3) would write to file descriptor 3
            raise TypeError(f"export_stacks: path must be a str or os.PathLike, got {path!r}")
        if metric not in STACK_METRICS:
            raise ValueError("metric should be one of: " + str(list(STACK_METRICS)))
        attribute = metric.replace("cuda", "device").replace("xpu", "device").replace("privateuse1", "device")
        translate = str.maketrans(" ;\t\n", "____")
        lines = []
        for event in self:
            value = int(getattr(event, attribute))
            if event.stack and value > 0:
                frames = ";".join(entry.translate(translate) for entry in reversed(event.stack))
                lines.append(f"{frames} {value}\n")
        with open(path, "w", encoding="utf-8") as handle:
            handle.writelines(lines)

    def table(
        self,
        sort_by: str | None = None,
        row_limit: int = 100,
        max_src_column_width: int = 75,
        max_name_column_width: int = 55,
        max_shapes_column_width: int = 80,
        header: str | None = None,
        top_level_events_only: bool = False,
        time_unit: str | None = None,
    ) -> str:
        """PyTorch's table: ``Name``, self and total CPU time (and %), mean, memory, calls, shapes, FLOPs.

        ``sort_by``: a column's attribute (``self_cpu_time_total``, ``cpu_time_total``,
        ``cpu_memory_usage``, ``count``, ...), largest first; ``row_limit`` rows at most;
        ``time_unit``: ``"s"``, ``"ms"`` or ``"us"`` for every time (default: each its own).
        The last line is the self times added up (``Self CPU time total``), the
        denominator of both percentage columns.
        """
        if sort_by is not None and sort_by not in SORT_KEYS:
            raise ValueError(f"table: sort_by must be one of {', '.join(SORT_KEYS)}; got {sort_by!r}")
        if time_unit not in (None, "s", "ms", "us"):
            raise ValueError(f"table: time_unit must be 's', 'ms', 'us' or None, got {time_unit!r}")
        return build_table(
            self,
            sort_by=sort_by,
            row_limit=row_limit,
            header=header,
            widths=(max_name_column_width, max_shapes_column_width, max_src_column_width),
            profile_memory=self._profile_memory,
            with_flops=self._with_flops,
            top_level_events_only=top_level_events_only,
            time_unit=time_unit,
        )

    def __str__(self) -> str:
        return self.table()


def _time(time_us: float, unit: str | None) -> str:
    scale = {"s": 1e6, "ms": 1e3, "us": 1.0}
    return format_time(time_us) if unit is None else f"{time_us / scale[unit]:.3f}{unit}"


def _flops_scale(smallest: int) -> tuple[float, str]:
    """The unit of the FLOPs column, chosen by the smallest positive count (PyTorch's auto-scaling)."""
    names = ["FLOPs", "KFLOPs", "MFLOPs", "GFLOPs", "TFLOPs", "PFLOPs"]
    power = int(max(0, min(math.log10(smallest) / 3, len(names) - 1)))
    return 10.0 ** (-3 * power), names[power]


def build_table(
    events,
    *,
    sort_by,
    row_limit,
    header,
    widths,
    profile_memory,
    with_flops,
    top_level_events_only,
    time_unit,
):
    """The text of :meth:`EventList.table` (PyTorch's ``_build_table``, CPU columns only)."""
    if len(events) == 0:
        return ""
    max_name, max_shapes, max_src = widths
    if sort_by is not None:
        attribute = sort_by.replace("cuda", "device").replace("xpu", "device")
        events = sorted(events, key=lambda event: getattr(event, attribute), reverse=True)
    has_shapes = any(event.input_shapes is not None and len(event.input_shapes) > 0 for event in events)
    name_width = max(len(event.key) for event in events) + 4
    name_width = min(name_width, max_name) if max_name is not None else name_width
    shapes_width = max(len(str(event.input_shapes)) for event in events) + 4
    shapes_width = min(shapes_width, max_shapes) if max_shapes is not None else shapes_width
    stacks = [event.stack for event in events if event.stack]
    src_width = max(len(entry) for stack in stacks for entry in stack) + 4 if stacks else 0
    src_width = min(src_width, max_src) if max_src is not None else src_width
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    headers += ["CPU Mem", "Self CPU Mem"] if profile_memory else []
    headers.append("# of Calls")
    columns = [(name_width, ">")] + [(12, ">")] * (len(headers) - 1)
    if has_shapes:
        headers.append("Input Shapes")
        columns.append((shapes_width, ">"))
    if stacks:
        headers.append("Source Location")
        columns.append((src_width, "<"))
    counted = [event.flops for event in events if event.flops > 0]
    with_flops = with_flops and bool(counted)
    if with_flops:
        scale, unit = _flops_scale(min(counted))
        headers.append(f"Total {unit}")
        columns.append((12, ">"))
    row_format = "".join("{: " + side + str(width) + "}  " for width, side in columns)
    separator = "".join("-" * width + "  " for width, _ in columns)
    line_length = sum(width + 2 for width, _ in columns) - 2
    total = sum(event.self_cpu_time_total for event in events)
    lines = []
    if header is not None:
        lines += ["=" * line_length, header]
    if top_level_events_only:
        lines += ["=" * line_length, "This report only display top-level ops statistics"]
    lines += [separator, row_format.format(*headers), separator]
    shown = 0
    for event in events:
        if shown == row_limit:
            break
        if top_level_events_only and event.cpu_parent is not None:
            continue
        shown += 1
        name = event.key
        if max_name is not None and len(name) >= max_name - 3:
            name = name[: max_name - 3] + "..."
        values = [
            name,
            _share(event.self_cpu_time_total, total),
            _time(event.self_cpu_time_total, time_unit),
            _share(event.cpu_time_total, total),
            _time(event.cpu_time_total, time_unit),
            _time(event.cpu_time, time_unit),
        ]
        if profile_memory:
            values += [format_memory(event.cpu_memory_usage), format_memory(event.self_cpu_memory_usage)]
        values.append(event.count)
        if has_shapes:
            values.append(str(event.input_shapes)[:shapes_width])
        # PyTorch 2.13's order, not its headers': with both, the FLOPs value comes before the source
        # location and a stack's further entries go to the last column (as it prints them)
        if with_flops:
            values.append("--" if event.flops <= 0 else f"{event.flops * scale:8.3f}")
        if stacks:
            values.append(_trim(event.stack[0], src_width) if event.stack else "")
        lines.append(row_format.format(*values))
        if stacks:
            blank = [""] * (len(headers) - 1)
            lines += [row_format.format(*blank, _trim(entry, src_width)) for entry in event.stack[1:]]
            lines.append(row_format.format(*[""] * len(headers)))
    lines += [separator, f"Self CPU time total: {_time(total, time_unit)}"]
    return "\n".join(lines) + "\n"


def _trim(path: str, width: int) -> str:
    if len(path) > width:
        path = path[len(path) - width :]
        path = "..." + path[3:] if len(path) > 3 else path
    return path


def write_events(events: list[FunctionEvent], path: str | os.PathLike) -> Path:
    """``events`` as Chrome trace JSON at ``path``, written whole or not at all (a temporary file, renamed).

    Module 14's trace events (``trace.py``), with PyTorch's categories (``cpu_op``,
    ``user_annotation``) and each event's id and input shapes in ``args``.
    """
    ordered = sorted(events, key=lambda event: (event.start_us, event.start_us - event.end_us, event.id))
    frames = [
        {
            "name": event.trace_name,
            "cat": "user_annotation" if event.is_user_annotation else "cpu_op",
            "start": event.start_us / 1e6,
            "dur": (event.end_us - event.start_us) / 1e6,
            "tid": event.thread,
        }
        for event in ordered
    ]
    trace = chrome_events(frames)  # sorted the same way: stable, by the same order of start and duration
    for row, event in zip(trace, ordered):
        row["args"] = {"External id": event.id, "Input Dims": event.input_shapes}
    text = json.dumps({"schemaVersion": 1, "traceEvents": trace, "displayTimeUnit": "ms"}) + "\n"
    return write_whole(text, path)


def write_whole(text: str, path: str | os.PathLike) -> Path:
    """``text`` at ``path`` (gzip-compressed when it ends in ``.gz``), written whole or not at all: into a
    temporary file beside it, then renamed over it."""
    path = Path(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with opener(temporary, "wt", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path
