"""Where the time goes: inclusive and self time per layer and per operation, a trace, peak memory.

``profile(model, inputs, loss_fn)`` runs training steps (forward, loss,
backward) with

* a pre- and a post-forward hook on every leaf module (and attention blocks);
* every ``tt_autograd.Function`` subclass's ``forward`` and ``backward``
  wrapped in a timer, so operations are timed by type (``Conv2dFunction``'s
  forward, ``BatchNormFunction``'s backward), the way ``torch.profiler``
  lists ``aten::conv2d`` and ``ConvolutionBackward``;
* ``tracemalloc`` tracing the peak of memory allocated during a step.

Every timed interval is a **frame** on one stack. When a frame ends, its
elapsed time is its **inclusive** time; minus the inclusive times of the
frames that ran inside it, its **self** (exclusive) time. A layer's
self time is the Python around its operations, an attention block's self
time excludes its ``c_attn``/``c_proj``: each instant of the step belongs to
exactly one innermost frame (or to none: the loss's glue, the autograd
engine's bookkeeping), so the self times add up to the step time without
counting anything twice — :attr:`ProfileReport.untracked_ms` is the rest.

Each frame is also kept as a Chrome trace event: :meth:`ProfileReport.export_chrome_trace`
writes the JSON that ``chrome://tracing`` and https://ui.perfetto.dev load.

Everything is restored afterwards, even if a step fails or patching fails
part-way, and ``profile`` may run inside a profiled model (each call keeps
its own stack and restores what it found). The profiler's own cost is a few
microseconds per frame; the report gives the unprofiled step time measured
in the same run to show it.

Example:
    >>> import tt_autograd as autograd, tt_nn as nn
    >>> model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    >>> report = profile(model, autograd.randn(4, 8), lambda out: out.sum(), steps=2)
    >>> sorted(row.name for row in report.forward)
    ['0', '1', '2']
"""

from __future__ import annotations

import threading
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from tt_autograd import Function
from tt_nn import Module

from .flops import measured_layers
from .trace import write_chrome_trace


@dataclass
class TimeRow:
    """A layer or an operation type: mean self and inclusive milliseconds per step, calls per step."""

    name: str
    kind: str
    ms: float  # self (exclusive) time
    inclusive_ms: float = 0.0
    calls: float = 0.0


@dataclass
class ProfileReport:
    """Self and inclusive time per layer and per operation type, step times, peak memory and a trace.

    ``forward``: one row per layer (its name); ``ops``: forward time per ``Function``
    type; ``backward``: backward time per ``Function`` type. ``events``: the frames of
    the profiled steps as Chrome trace events (``ts``/``dur`` in microseconds).
    """

    forward: list[TimeRow] = field(default_factory=list)
    backward: list[TimeRow] = field(default_factory=list)
    ops: list[TimeRow] = field(default_factory=list)
    step_ms: float = 0.0
    unprofiled_step_ms: float = 0.0
    peak_bytes: int = 0
    events: list[dict] = field(default_factory=list)

    @property
    def self_ms(self) -> float:
        """The self times of every row added up: at most ``step_ms``, since no instant is counted twice."""
        return sum(row.ms for row in (*self.forward, *self.ops, *self.backward))

    @property
    def untracked_ms(self) -> float:
        """Step time inside no timed frame (loss glue, the autograd engine, the profiler's own hooks)."""
        return self.step_ms - self.self_ms

    def by_kind(self) -> dict[str, float]:
        """Self milliseconds per step for each layer type, its operations' forward and backward included.

        Operation rows are named after their ``Function`` (``Conv2dFunction``);
        both sides are matched by their stem (``conv``, ``batchnorm``), so
        ``Conv2d`` collects ``Conv2dFunction``'s time.
        """
        totals: dict[str, float] = defaultdict(float)
        names: dict[str, str] = {}
        for row in self.forward:
            names.setdefault(_stem(row.kind), row.kind)
            totals[names[_stem(row.kind)]] += row.ms
        for row in (*self.ops, *self.backward):
            totals[names.get(_stem(row.kind), row.kind)] += row.ms
        return dict(sorted(totals.items(), key=lambda item: -item[1]))

    def export_chrome_trace(self, path) -> None:
        """Write the trace as Chrome trace-event JSON (open it in ui.perfetto.dev or chrome://tracing)."""
        write_chrome_trace(self.events, path)

    def table(self) -> str:
        head = f"step {self.step_ms:.2f} ms profiled, {self.unprofiled_step_ms:.2f} ms without the profiler"
        lines = [f"{head}; peak memory {self.peak_bytes / 2**20:.1f} MiB"]
        total = self.step_ms or 1.0
        for title, rows in (
            ("forward, per layer", self.forward),
            ("forward, per operation", self.ops),
            ("backward, per operation", self.backward),
        ):
            lines.append(f"{title:40s} {'self ms':>9s} {'incl. ms':>9s} {'self %':>7s}")
            for row in sorted(rows, key=lambda r: -r.ms):
                label = row.name if row.name == row.kind else f"{row.name} ({row.kind})"
                lines.append(
                    f"{label:40s} {row.ms:9.3f} {row.inclusive_ms:9.3f} {100 * row.ms / total:6.1f}%"
                )
        lines.append(
            f"{'untracked':40s} {self.untracked_ms:9.3f} {'':9s} {100 * self.untracked_ms / total:6.1f}%"
        )
        return "\n".join(lines)


def _stem(kind: str) -> str:
    """``Conv2dFunction`` → ``conv``, ``BatchNorm2d`` → ``batchnorm``, ``ReLU`` → ``relu``."""
    stem = kind.lower().replace("function", "").replace("backward", "")
    return stem[:-2] if stem[-2:] in ("1d", "2d", "3d") else stem


def _function_classes() -> list[type]:
    """Every ``Function`` subclass defined so far, at any depth."""
    found, stack = [], [Function]
    while stack:
        for sub in stack.pop().__subclasses__():
            found.append(sub)
            stack.append(sub)
    return found


def _step(model: Module, inputs: tuple, loss_fn: Callable | None) -> None:
    out = model(*inputs)
    if loss_fn is not None:
        model.zero_grad()
        loss_fn(out).backward()


class _Frames:
    """The stack of running frames and the totals of the finished ones, for one ``profile`` call.

    ``totals[(table, name)] = [kind, self seconds, inclusive seconds, calls]``;
    ``events``: ``(name, table, start, elapsed)`` of every finished frame.
    """

    def __init__(self) -> None:
        self.running: list[list] = []  # [table, name, kind, start, time in child frames]
        self.totals: dict[tuple[str, str], list] = {}
        self.events: list[tuple[str, str, float, float]] = []

    def enter(self, table: str, name: str, kind: str) -> None:
        # BEGIN SOLUTION 14
        # TODO: push a running frame [table, name, kind, start time, time spent in children so far (0)].
        self.running.append([table, name, kind, time.perf_counter(), 0.0])
        # END SOLUTION

    def leave(self) -> None:
        # BEGIN SOLUTION 14
        # TODO: pop the frame: add its self time (elapsed minus its children's) and its inclusive time to the
        #   totals, count one call, and charge its elapsed time to the parent frame's children.
        # HINT: time.perf_counter(); the frames nest like calls, so a list used as a stack is enough.
        table, name, kind, start, in_children = self.running.pop()
        elapsed = time.perf_counter() - start
        if self.running:  # the parent's self time excludes this frame, its inclusive time does not
            self.running[-1][4] += elapsed
        entry = self.totals.setdefault((table, name), [kind, 0.0, 0.0, 0])
        entry[1] += elapsed - in_children
        entry[2] += elapsed
        entry[3] += 1
        self.events.append((name, table, start, elapsed))
        # END SOLUTION

    def note(self, ctx, args: tuple, params: dict, result: object) -> None:
        """What an operation frame saw (its ``ctx``, inputs, keyword arguments and result).

        Called by the wrapped ``Function`` methods just before their frame ends;
        :func:`profile` keeps nothing of it, ``torch.profiler``'s recorder
        (``profiler.py``) keeps input shapes and FLOPs.
        """

    def rows(self, table: str, steps: int) -> list[TimeRow]:
        return [
            TimeRow(name, kind, 1e3 * own / steps, 1e3 * inclusive / steps, calls / steps)
            for (where, name), (kind, own, inclusive, calls) in self.totals.items()
            if where == table
        ]


def _hooks(frames: _Frames, name: str, kind: str) -> tuple[Callable, Callable]:
    """The pre- and post-forward hooks that time one layer as a frame."""

    def before(module: Module, args: tuple) -> None:
        frames.enter("forward", name, kind)

    def after(module: Module, args: tuple, output: object) -> None:
        frames.leave()

    return before, after


def _timed(frames: _Frames, table: str, kind: str, original: Callable) -> staticmethod:
    """``original`` (a ``Function``'s forward or backward) run inside a frame, closed even if it raises."""

    def run(ctx, *args, **params):
        frames.enter(table, kind, kind)
        try:
            result = original(ctx, *args, **params)
            frames.note(ctx, args, params, result)
            return result
        finally:
            frames.leave()

    return staticmethod(run)


def _patch(frames: _Frames, model: Module, handles: list, originals: list) -> None:
    """Hook every timed layer and wrap every ``Function``; what is done is recorded as it is done."""
    for name, module in measured_layers(model):
        before, after = _hooks(frames, name, type(module).__name__)
        handles.append(module.register_forward_pre_hook(before))
        handles.append(module.register_forward_hook(after))
    patch_functions(frames, originals)


def patch_functions(frames: _Frames, originals: list) -> None:
    """Wrap every ``Function``'s forward (table ``ops``) and backward (table ``backward``) in ``frames``.

    Each replaced method is appended to ``originals`` as it is replaced, for :func:`_unpatch`.
    """
    for cls in _function_classes():
        for method, table in (("forward", "ops"), ("backward", "backward")):
            original = cls.__dict__.get(method)
            if isinstance(original, classmethod) or not callable(getattr(original, "__func__", original)):
                continue  # not defined here (inherited: timed where defined), or not a plain function
            function = original.__func__ if isinstance(original, staticmethod) else original
            setattr(cls, method, _timed(frames, table, cls.__name__, function))
            originals.append((cls, method, original))


def _unpatch(handles: list, originals: list) -> None:
    for handle in handles:
        handle.remove()
    for cls, method, original in reversed(originals):
        setattr(cls, method, original)


def profile(model: Module, inputs: object, loss_fn: Callable | None = None, steps: int = 5) -> ProfileReport:
    """Profile ``steps`` steps of ``loss_fn(model(inputs)).backward()`` (forward only without ``loss_fn``).

    Args:
        model: any module.
        inputs: one input, or a tuple of them.
        loss_fn: maps the output to a scalar loss; None profiles forward passes only.
        steps: steps to average over (after one unprofiled warm-up step).

    Cost: the steps run twice (once unprofiled, for the overhead), plus a few
    microseconds per layer call and per operation call.
    """
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    if steps < 1:
        raise ValueError(f"profile: steps must be at least 1, got {steps}")
    _step(model, inputs, loss_fn)  # warm-up: first-call costs are not the model's
    start = time.perf_counter()
    for _ in range(steps):
        _step(model, inputs, loss_fn)
    unprofiled = (time.perf_counter() - start) / steps
    frames, handles, originals = _Frames(), [], []
    tracing_already = tracemalloc.is_tracing()  # a caller's own tracing is left running
    tracemalloc.start()
    try:
        _patch(frames, model, handles, originals)  # inside the try: a failure part-way is undone below
        tracemalloc.reset_peak()
        start = time.perf_counter()
        for _ in range(steps):
            _step(model, inputs, loss_fn)
        step = (time.perf_counter() - start) / steps
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not tracing_already:
            tracemalloc.stop()
        _unpatch(handles, originals)
    thread = threading.get_ident()
    events = [
        {"name": name, "cat": table, "start": begin - start, "dur": elapsed, "tid": thread}
        for name, table, begin, elapsed in frames.events
    ]
    return ProfileReport(
        forward=frames.rows("forward", steps),
        backward=frames.rows("backward", steps),
        ops=frames.rows("ops", steps),
        step_ms=1e3 * step,
        unprofiled_step_ms=1e3 * unprofiled,
        peak_bytes=peak,
        events=events,
    )
