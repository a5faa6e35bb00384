"""PyTorch's ``torch.profiler`` API on module 14's profiler: ``profile``, ``record_function``, ``schedule``.

What a PyTorch script writes runs unchanged::

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True, profile_memory=True,
                 schedule=schedule(wait=1, warmup=1, active=3),
                 on_trace_ready=tensorboard_trace_handler("log")) as prof:
        for step in range(6):
            with record_function("train_step"):
                train_step()
            prof.step()
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))

How: while a cycle records, every ``Function``'s forward and backward is wrapped
by module 14's :func:`~tt_perf.profiling.timing.patch_functions` around a
:class:`_Recorder`, which is module 14's frame stack (``_Frames``: one timer,
self time = elapsed minus the children's) keeping each frame as a
:class:`~tt_perf.profiling.events.FunctionEvent` too, with its input shapes,
net memory (``tracemalloc``), FLOPs (module 14's rules) and Python stack when asked.
``record_function`` ranges and the ``ProfilerStep#N`` markers are frames of the
same stack, so they nest with the operations they contain.

Names differ from PyTorch's: an operation is its ``Function``'s name in a ``tt::``
namespace (``tt::MatMul``, ``tt::ReLU`` where PyTorch says ``aten::mm``,
``aten::relu``), a backward node its ``grad_fn`` name (``MmBackward0``, as PyTorch's);
there is no separate
``autograd::engine::evaluate_function`` row. Only the thread that started the
profiler is recorded. The schedule, its step counting and which steps land in
which cycle are PyTorch's (``profiler.py`` in torch 2.13).

Cost: a few microseconds per operation call while recording (nothing while
waiting); ``profile_memory`` runs ``tracemalloc``, which slows every allocation.
"""

from __future__ import annotations

import contextlib
import enum
import os
import socket
import sys
import threading
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterable

import numpy as np
import tt_autograd
from tt_autograd.graph import node_name

from . import timing
from .events import EventList, FunctionEvent, write_events
from .flops import operation_flops
from .memory_timeline import write_memory_timeline
from .timing import _Frames, _function_classes, _unpatch, patch_functions


class ProfilerActivity(enum.Enum):
    """What to record: TinyTorch runs on the CPU only, so ``CPU`` is the one a profile accepts."""

    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    """What a schedule asks of a step: nothing, warm up, record, or record and hand the cycle over."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def supported_activities() -> set[ProfilerActivity]:
    """The activities this profiler records: ``{ProfilerActivity.CPU}``."""
    return {ProfilerActivity.CPU}


def schedule(
    *, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0, skip_first_wait: int = 0
) -> Callable[[int], ProfilerAction]:
    """A step → :class:`ProfilerAction` function: ``skip_first`` steps, then cycles of wait, warmup, active.

    Each cycle is ``wait`` steps of nothing, ``warmup`` steps of :attr:`~ProfilerAction.WARMUP`,
    ``active`` steps recorded, the last of them :attr:`~ProfilerAction.RECORD_AND_SAVE`
    (the profiler then hands the cycle to ``on_trace_ready``). ``repeat`` cycles
    (0: no end); ``skip_first_wait`` non-zero drops the first cycle's ``wait``.
    """
    values = {"wait": wait, "warmup": warmup, "active": active, "repeat": repeat, "skip_first": skip_first}
    for name, value in (*values.items(), ("skip_first_wait", skip_first_wait)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"schedule: {name} must be an int, got {value!r}")
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise ValueError(
            f"schedule: invalid arguments: wait={wait} (need >= 0), warmup={warmup} (need >= 0), "
            f"active={active} (need > 0), repeat={repeat} (need >= 0), skip_first={skip_first} (need >= 0)"
        )
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)

    def schedule_fn(step: int) -> ProfilerAction:
        if step < 0:
            raise ValueError(f"schedule: the step must be >= 0, got {step}")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        cycle = wait + warmup + active
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        position = step % cycle
        if position < wait:
            return ProfilerAction.NONE
        if position < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if position < cycle - 1 else ProfilerAction.RECORD_AND_SAVE

    return schedule_fn


def _default_schedule(step: int) -> ProfilerAction:
    """Without a schedule the profiler records from start to stop."""
    return ProfilerAction.RECORD


#: Frames a stack leaves out: the profiler's own, and tt-autograd's (tensor methods and ``Function.apply``,
#: the dispatch that PyTorch's stacks do not show either).
_HIDDEN = (os.path.dirname(os.path.abspath(__file__)), os.path.dirname(os.path.abspath(tt_autograd.__file__)))


def _python_stack() -> list[str]:
    """The calling Python frames, innermost first, as ``file(line): function`` (the dispatch left out)."""
    stack, frame = [], sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith("<"):  # <frozen runpy>, <stdin>: no path
            filename = os.path.abspath(filename)
        if not filename.startswith(_HIDDEN):
            stack.append(f"{filename}({frame.f_lineno}): {frame.f_code.co_name}")
        frame = frame.f_back
    return stack


class _Recorder(_Frames):
    """Module 14's frame stack that also keeps each finished frame as a :class:`FunctionEvent`.

    Frames from other threads than the one that started it are ignored (a frame
    stack is one thread's). ``open`` parallels ``running``: the event of each
    running frame and the traced memory when it began.
    """

    def __init__(self, origin: float, options: dict) -> None:
        super().__init__()
        self.origin, self.options = origin, options
        self.thread = threading.get_ident()
        self.open: list[tuple[FunctionEvent, int]] = []
        self.finished: list[FunctionEvent] = []
        self.next_id = 0
        #: with profile_memory: (microseconds, bytes traced above memory_base) at each frame's start, end
        self.memory_points: list[tuple[float, int]] = []
        self.memory_base = 0
        #: a Function class's name -> its backward node's name, as ``grad_fn.name()`` gives it
        self.node_names = {cls.__name__: node_name(cls) for cls in _function_classes()}

    def enter(self, table: str, name: str, kind: str) -> None:
        if threading.get_ident() != self.thread:
            return
        super().enter(table, name, kind)
        stem = name.removesuffix("Function")
        backward = self.node_names.get(name, f"{stem}Backward")
        shown = {"ops": f"tt::{stem}", "backward": backward}.get(table, name)
        event = FunctionEvent(
            self.next_id, shown, 0.0, 0.0, thread=self.thread, is_user_annotation=table == "user"
        )
        event.is_backward = table == "backward"
        self.next_id += 1
        if self.options["with_stack"]:
            event.stack = _python_stack()
        memory = 0
        if self.options["profile_memory"]:
            memory = tracemalloc.get_traced_memory()[0]
            self.memory_points.append((1e6 * (self.running[-1][3] - self.origin), memory - self.memory_base))
        self.open.append((event, memory))

    def note(self, ctx, args: tuple, params: dict, result: object) -> None:
        if threading.get_ident() != self.thread:
            return
        event = self.open[-1][0]
        if self.options["record_shapes"]:
            event.input_shapes = [list(np.shape(a)) if isinstance(a, np.ndarray) else [] for a in args]
        if self.options["with_flops"] and not event.is_backward:
            event.flops = operation_flops(type(ctx), args, params, result)

    def leave(self) -> None:
        if threading.get_ident() != self.thread:
            return
        super().leave()
        _, _, start, elapsed = self.events[-1]
        event, memory = self.open.pop()
        event.start_us = 1e6 * (start - self.origin)
        event.end_us = 1e6 * (start + elapsed - self.origin)
        if self.options["profile_memory"]:
            now = tracemalloc.get_traced_memory()[0]
            event.cpu_memory_usage = now - memory
            self.memory_points.append((event.end_us, now - self.memory_base))
        if self.open:
            event.cpu_parent = self.open[-1][0]
            event.cpu_parent.cpu_children.append(event)
        self.finished.append(event)

    def close(self, event: FunctionEvent) -> None:
        """End ``event``'s frame; one that is not the innermost (ranges that overlap) is dropped instead."""
        if self.open and self.open[-1][0] is event:
            self.leave()
            return
        for position, (candidate, _) in enumerate(self.open):
            if candidate is event:
                del self.open[position], self.running[position]
                return


#: The recorders recording now: ``record_function`` opens its range in each of them.
_RECORDING: list[_Recorder] = []


class record_function(contextlib.ContextDecorator):  # noqa: N801  (PyTorch's name)
    """A named range: a row in the table and a span in the trace, around what runs inside it.

    A context manager (``with record_function("forward"): ...``) or a decorator
    (``@record_function("step")``); ranges nest. Outside a recording profiler it
    costs one list lookup and records nothing. ``args``: accepted, as in PyTorch, and not kept.
    """

    def __init__(self, name: str, args: str | None = None) -> None:
        if not isinstance(name, str):
            raise TypeError(f"record_function: name must be a str, got {type(name).__name__}")
        if args is not None and not isinstance(args, str):
            raise TypeError(f"record_function: args must be a str or None, got {type(args).__name__}")
        self.name, self.args = name, args
        self._opened: list[list[tuple[_Recorder, FunctionEvent]]] = []

    def __enter__(self) -> record_function:
        opened = []
        for recorder in _RECORDING:
            if recorder.thread == threading.get_ident():
                recorder.enter("user", self.name, self.name)
                opened.append((recorder, recorder.open[-1][0]))
        self._opened.append(opened)
        return self

    def __exit__(self, *exc_info: object) -> bool:
        for recorder, event in reversed(self._opened.pop()):
            if recorder in _RECORDING:
                recorder.close(event)
        return False


def _activities(activities: Iterable | None, use_cuda: bool | None) -> set[ProfilerActivity]:
    if activities is None:
        activities = [ProfilerActivity.CPU]
    elif isinstance(activities, (str, bytes)) or not isinstance(activities, Iterable):
        raise TypeError(f"profile: activities must be a list of ProfilerActivity, got {activities!r}")
    chosen = set()
    for activity in activities:
        for item in activity if isinstance(activity, dict) else (activity,):
            if not isinstance(item, ProfilerActivity):
                raise TypeError(f"profile: activities must be ProfilerActivity members, got {item!r}")
            chosen.add(item)
    if use_cuda:
        chosen.add(ProfilerActivity.CUDA)
    devices = sorted(item.name for item in chosen - supported_activities())
    if devices:
        raise RuntimeError(
            f"profile: ProfilerActivity.{devices[0]} cannot be profiled: TinyTorch runs on NumPy, on the CPU "
            "only (torch.cuda.is_available() is False); use activities=[ProfilerActivity.CPU]"
        )
    return chosen


class profile:  # noqa: N801  (PyTorch's name)
    """Records operations, backward nodes and ``record_function`` ranges, by schedule or from start to stop.

    Args:
        activities: ``[ProfilerActivity.CPU]`` (the default); a device activity is refused.
        schedule: a step → :class:`ProfilerAction` function (:func:`schedule`); None: record throughout.
        on_trace_ready: called with the profiler at the end of each recorded cycle.
        record_shapes: keep each operation's input shapes (``key_averages(group_by_input_shape=True)``).
        profile_memory: keep the bytes allocated during each event (``tracemalloc``).
        with_stack: keep each event's Python stack (``key_averages(group_by_stack_n=n)``).
        with_flops: count FLOPs of matmuls, linear layers and convolutions (module 14's rules).
        acc_events: keep the events of every cycle, not only the last one's.

    An ``execution_trace_observer`` (``ExecutionTraceObserver``) records while the profiler records
    and is unregistered when its ``with`` block ends. ``with_modules``, ``experimental_config``,
    ``custom_trace_id_callback`` and
    ``post_processing_timeout_s`` are accepted and change nothing here.
    """

    def __init__(
        self,
        *,
        activities: Iterable | None = None,
        schedule: Callable[[int], ProfilerAction] | None = None,
        on_trace_ready: Callable[[profile], object] | None = None,
        record_shapes: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_flops: bool = False,
        with_modules: bool = False,
        experimental_config: object = None,
        execution_trace_observer: object = None,
        acc_events: bool = False,
        use_cuda: bool | None = None,
        custom_trace_id_callback: Callable[[], str] | None = None,
        post_processing_timeout_s: float | None = None,
    ) -> None:
        self.activities = _activities(activities, use_cuda)
        for name, value in (("schedule", schedule), ("on_trace_ready", on_trace_ready)):
            if value is not None and not callable(value):
                raise TypeError(f"profile: {name} must be callable or None, got {value!r}")
        observer = execution_trace_observer
        if observer is not None and not callable(getattr(observer, "start", None)):
            raise TypeError(
                "profile: execution_trace_observer must be an ExecutionTraceObserver (registered with "
                f"register_callback(path)) or None, got {observer!r}"
            )
        self.execution_trace_observer = observer
        self.options = {
            "record_shapes": bool(record_shapes),
            "profile_memory": bool(profile_memory),
            "with_stack": bool(with_stack),
            "with_flops": bool(with_flops),
        }
        self.record_shapes, self.profile_memory = (
            self.options["record_shapes"],
            self.options["profile_memory"],
        )
        self.with_stack, self.with_flops, self.with_modules = with_stack, with_flops, with_modules
        self.acc_events, self.on_trace_ready = acc_events, on_trace_ready
        self.schedule = schedule if schedule is not None else _default_schedule
        self.record_steps = schedule is not None  # ProfilerStep#N ranges, only with a schedule (as PyTorch)
        self.step_num = 0
        self.current_action = self._action(0)
        self._origin: float | None = None
        self._collected: list[FunctionEvent] | None = None
        self._memory_points: list[tuple[float, int]] = []
        self._recorder: _Recorder | None = None
        self._originals: list = []
        self._started_tracemalloc = False
        self._step_range: record_function | None = None

    def _action(self, step: int) -> ProfilerAction:
        action = self.schedule(step)
        if not isinstance(action, ProfilerAction):
            raise TypeError(
                f"profile: the schedule returned {action!r} for step {step}, not a ProfilerAction"
            )
        return action

    # -- the cycle's four actions, as PyTorch names them
    def prepare_trace(self) -> None:
        if self._origin is None:
            self._origin = timing.time.perf_counter()  # the frames' own clock: event times count from here
        if not self.acc_events or self._collected is None:
            self._collected, self._memory_points = [], []

    def _check_prepared(self, doing: str) -> None:
        if self._collected is None:  # PyTorch's assertion: no cycle was prepared (stop() before start())
            raise AssertionError(f"Profiler must be initialized before {doing} trace")

    def start_trace(self) -> None:
        self._check_prepared("starting")
        self._recorder = _Recorder(self._origin, self.options)
        if self.profile_memory and not tracemalloc.is_tracing():
            tracemalloc.start()
            self._started_tracemalloc = True
        if self.profile_memory:
            self._recorder.memory_base = tracemalloc.get_traced_memory()[0]
        try:
            patch_functions(self._recorder, self._originals)
        except BaseException:
            self._unpatch()
            raise
        _RECORDING.append(self._recorder)
        if self.execution_trace_observer is not None:  # started after the recorder: stopped before it
            self.execution_trace_observer.start()

    def stop_trace(self) -> None:
        if self.execution_trace_observer is not None:
            self.execution_trace_observer.stop()
        self._check_prepared("stopping")
        if self._recorder is None:
            return
        recorder = self._recorder
        self._unpatch()
        self._collected.extend(recorder.finished)
        self._memory_points.extend(recorder.memory_points)

    def _unpatch(self) -> None:
        if self._recorder in _RECORDING:
            _RECORDING.remove(self._recorder)
        _unpatch([], self._originals)
        self._originals.clear()
        self._recorder = None
        if self._started_tracemalloc:
            tracemalloc.stop()
            self._started_tracemalloc = False

    def _trace_ready(self) -> None:
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def _transit(self, previous: ProfilerAction, current: ProfilerAction | None) -> None:
        """PyTorch's action map: what moving from one step's action to the next does."""
        none, warmup, record, save = (
            ProfilerAction.NONE,
            ProfilerAction.WARMUP,
            ProfilerAction.RECORD,
            ProfilerAction.RECORD_AND_SAVE,
        )

        def wrong(message: str) -> Callable[[], None]:
            return lambda: warnings.warn(f"Incorrect schedule: {message}", stacklevel=4)

        begin = [self.prepare_trace, self.start_trace]
        handover = [self.stop_trace, self._trace_ready]
        steps = {
            (none, warmup): [self.prepare_trace],
            (none, record): begin,
            (none, save): begin,
            (warmup, none): [wrong("WARMUP followed by NONE"), self.start_trace, self.stop_trace],
            (warmup, record): [self.start_trace],
            (warmup, save): [self.start_trace],
            (record, none): [wrong("RECORD followed by NONE"), self.stop_trace],
            (record, warmup): [wrong("RECORD followed by WARMUP"), self.stop_trace],
            (save, none): handover,
            (save, warmup): [*handover, self.prepare_trace],
            (save, record): handover + begin,
            (save, save): handover + begin,
            (warmup, None): [self.start_trace, self.stop_trace],
            (record, None): handover,
            (save, None): handover,
        }
        for action in steps.get((previous, current), []):
            action()

    def start(self) -> None:
        """Begin: act on step 0's action (and open ``ProfilerStep#0`` with a schedule)."""
        self._transit(ProfilerAction.NONE, self.current_action)
        self._open_step()

    def stop(self) -> None:
        """End: close the step range, stop recording, hand over a cycle that was recording."""
        self._close_step()
        self._transit(self.current_action, None)

    def step(self) -> None:
        """The next step begins: the schedule's action for it decides what starts, stops or is handed over."""
        self._close_step()
        previous = self.current_action
        action = self._action(self.step_num + 1)
        self.step_num += 1
        self.current_action = action
        self._transit(previous, action)
        self._open_step()

    def _open_step(self) -> None:
        if self.record_steps:
            self._step_range = record_function(f"ProfilerStep#{self.step_num}")
            self._step_range.__enter__()

    def _close_step(self) -> None:
        if self._step_range is not None:
            self._step_range.__exit__(None, None, None)
            self._step_range = None

    def __enter__(self) -> profile:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        if self.execution_trace_observer is not None:  # the trace is finished with the block, as PyTorch's
            self.execution_trace_observer.cleanup()

    # -- results
    def events(self) -> EventList:
        """The recorded events, in order of start: the last cycle's (every cycle's with ``acc_events``)."""
        if self._collected is None:
            raise RuntimeError(
                "profile.events: nothing has been recorded yet: results are ready when a recorded cycle "
                "ends (at stop(), or at the step after a RECORD_AND_SAVE step with a schedule)"
            )
        ordered = sorted(
            self._collected, key=lambda e: (e.start_us, e.start_us - e.end_us, e.id)
        )  # parents first
        return EventList(ordered, profile_memory=self.profile_memory, with_flops=self.with_flops)

    def key_averages(
        self,
        group_by_input_shape: bool = False,
        group_by_stack_n: int = 0,
        group_by_overload_name: bool = False,
    ) -> EventList:
        """The events averaged by name (and shapes, and top stack entries): ``EventList.key_averages``."""
        return self.events().key_averages(group_by_input_shape, group_by_stack_n, group_by_overload_name)

    def export_chrome_trace(self, path: str | os.PathLike) -> None:
        """The recorded events as Chrome trace JSON (gzip-compressed when ``path`` ends in ``.gz``)."""
        write_events(self.events(), path)

    def export_stacks(self, path: str | os.PathLike, metric: str = "self_cpu_time_total") -> None:
        """Each event's Python stack and self time, in the flamegraph's folded format (``with_stack=True``).

        One line per operation: ``outer(12):_main;inner(5):_step 431`` (the stack from
        the outermost frame in, then the microseconds); ``EventList.export_stacks``.
        """
        if not self.with_stack:
            raise AssertionError("export_stacks() requires with_stack=True")
        self.events().export_stacks(path, metric)

    def export_memory_timeline(self, path: str | os.PathLike, device: str | None = None) -> None:
        """The traced bytes over time, as JSON, gzipped JSON, raw events or HTML by ``path``'s suffix.

        Needs ``record_shapes``, ``profile_memory`` and ``with_stack``, as PyTorch's does;
        deprecated in PyTorch 2.13 (a ``FutureWarning``), as here. ``device``: ``"cpu"``
        (the default); another device held nothing, its timeline is empty. The format:
        :mod:`tt_perf.profiling.memory_timeline`.
        """
        warnings.warn(
            "`export_memory_timeline` is deprecated and will be removed in a future version. Please use "
            "`torch.cuda.memory._record_memory_history` and `torch.cuda.memory._export_memory_snapshot` "
            "instead.",
            FutureWarning,
            stacklevel=2,
        )
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"export_memory_timeline: path must be a str or os.PathLike, got {path!r}")
        if device is not None and not isinstance(device, str):
            raise TypeError(f"export_memory_timeline: device must be a str or None, got {device!r}")
        required = ("record_shapes", "profile_memory", "with_stack")
        missing = [f"{name}=True" for name in required if not getattr(self, name)]
        if missing:
            raise ValueError(f"{', '.join(missing)} required for memory profiling.")
        self.events()  # nothing recorded yet: its error
        on_cpu = device is None or device.split(":")[0] == "cpu"
        write_memory_timeline(self._memory_points if on_cpu else [], path)


def tensorboard_trace_handler(
    dir_name: str, worker_name: str | None = None, use_gzip: bool = False, use_python_export: bool = False
) -> Callable[[profile], None]:
    """An ``on_trace_ready`` that writes each cycle to ``dir_name/{worker}.{time_ns}.pt.trace.json[.gz]``.

    ``worker_name`` defaults to ``{hostname}_{pid}``, as PyTorch's; each file is
    written to a temporary name and renamed, so a reader never sees half a trace.
    """
    if not isinstance(dir_name, (str, os.PathLike)):
        raise TypeError(f"tensorboard_trace_handler: dir_name must be a path, got {dir_name!r}")
    if worker_name is not None and not isinstance(worker_name, str):
        raise TypeError(f"tensorboard_trace_handler: worker_name must be a str or None, got {worker_name!r}")

    def handler_fn(prof: profile) -> None:
        try:
            os.makedirs(dir_name, exist_ok=True)
        except OSError as error:
            raise RuntimeError(f"Can't create directory: {dir_name}") from error
        worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        name = f"{worker}.{time.time_ns()}.pt.trace.json" + (".gz" if use_gzip else "")
        prof.export_chrome_trace(os.path.join(dir_name, name))

    return handler_fn
