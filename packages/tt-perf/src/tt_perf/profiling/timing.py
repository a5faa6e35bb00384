"""Where the time goes: forward time per layer, backward time per operation, and peak memory.

``profile(model, inputs, loss_fn)`` runs training steps (forward, loss,
backward) with

* a pre- and a post-forward hook on every leaf module (and attention
  blocks), which time each layer's forward pass with ``perf_counter``. A
  row holds the layer's *own* time: an attention block's row excludes its
  ``c_attn``/``c_proj`` children, which have rows of their own, so the rows
  add up to the forward time without counting anything twice;
* every ``tt_autograd.Function`` subclass's ``backward`` wrapped in a timer,
  so the backward time is attributed to operation types (``Conv2d``'s
  gradient, ``BatchNormFunction``'s, ...), the way ``torch.profiler`` lists
  ``ConvolutionBackward``;
* ``tracemalloc`` tracing the peak of memory allocated during a step (NumPy
  reports its array buffers to it).

Everything is restored afterwards, even if a step fails. The profiler's own
cost is a few microseconds per layer call and per backward node, so it
matters only for models of many tiny layers; the report also gives the
unprofiled step time measured in the same run, to show the overhead.

Example:
    >>> import tt_autograd as autograd, tt_nn as nn
    >>> model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    >>> report = profile(model, autograd.randn(4, 8), lambda out: out.sum(), steps=2)
    >>> sorted(row.name for row in report.forward)
    ['0', '1', '2']
"""

from __future__ import annotations

import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from tt_autograd import Function
from tt_nn import Module
from tt_text import CausalSelfAttention, MultiheadAttention


@dataclass
class TimeRow:
    """A layer (or an operation type) and its mean milliseconds per step."""

    name: str
    kind: str
    ms: float


@dataclass
class ProfileReport:
    """Forward time per layer, backward time per operation type, step times and peak memory."""

    forward: list[TimeRow] = field(default_factory=list)
    backward: list[TimeRow] = field(default_factory=list)
    step_ms: float = 0.0
    unprofiled_step_ms: float = 0.0
    peak_bytes: int = 0

    def by_kind(self) -> dict[str, float]:
        """Milliseconds per step for each layer type, forward and backward together.

        Backward rows are named after their ``Function`` (``Conv2dFunction``,
        ``BatchNormFunction``); both sides are matched by their stem
        (``conv``, ``batchnorm``), so ``Conv2d`` collects ``Conv2dFunction``'s time.
        """
        totals: dict[str, float] = defaultdict(float)
        names: dict[str, str] = {}
        for row in self.forward:
            names.setdefault(_stem(row.kind), row.kind)
            totals[names[_stem(row.kind)]] += row.ms
        for row in self.backward:
            totals[names.get(_stem(row.kind), row.kind)] += row.ms
        return dict(sorted(totals.items(), key=lambda item: -item[1]))

    def table(self) -> str:
        head = f"step {self.step_ms:.2f} ms profiled, {self.unprofiled_step_ms:.2f} ms without the profiler"
        lines = [f"{head}; peak memory {self.peak_bytes / 2**20:.1f} MiB"]
        lines.append(f"{'forward, per layer':36s} {'ms':>9s} {'share':>7s}")
        total = sum(r.ms for r in self.forward) or 1.0
        for row in sorted(self.forward, key=lambda r: -r.ms):
            lines.append(f"{row.name + ' (' + row.kind + ')':36s} {row.ms:9.3f} {100 * row.ms / total:6.1f}%")
        lines.append(f"{'backward, per operation':36s} {'ms':>9s} {'share':>7s}")
        total = sum(r.ms for r in self.backward) or 1.0
        for row in sorted(self.backward, key=lambda r: -r.ms):
            lines.append(f"{row.kind:36s} {row.ms:9.3f} {100 * row.ms / total:6.1f}%")
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


def profile(model: Module, inputs: object, loss_fn: Callable | None = None, steps: int = 5) -> ProfileReport:
    """Profile ``steps`` steps of ``loss_fn(model(inputs)).backward()`` (forward only without ``loss_fn``).

    Args:
        model: any module.
        inputs: one input, or a tuple of them.
        loss_fn: maps the output to a scalar loss; None profiles forward passes only.
        steps: steps to average over (after one unprofiled warm-up step).
    """
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    if steps < 1:
        raise ValueError(f"profile: steps must be at least 1, got {steps}")
    _step(model, inputs, loss_fn)  # warm-up: first-call costs are not the model's
    start = time.perf_counter()
    for _ in range(steps):
        _step(model, inputs, loss_fn)
    unprofiled = (time.perf_counter() - start) / steps
    forward: dict[str, list] = {}
    backward: dict[str, float] = defaultdict(float)
    handles, originals, running = [], {}, []

    # BEGIN SOLUTION 14
    def before(name: str):
        def hook(module: Module, args: tuple) -> None:
            running.append([name, time.perf_counter(), 0.0])  # [layer, start, time in hooked children]

        return hook

    def after(name: str):
        def hook(module: Module, args: tuple, output: object) -> None:
            _, begin, in_children = running.pop()
            elapsed = time.perf_counter() - begin
            if running:  # the parent's own time excludes this call
                running[-1][2] += elapsed
            entry = forward.setdefault(name, [type(module).__name__, 0.0])
            entry[1] += elapsed - in_children

        return hook

    def timed_backward(kind: str, original):
        def run(ctx, grad):
            begin = time.perf_counter()
            try:
                return original(ctx, grad)
            finally:
                backward[kind] += time.perf_counter() - begin

        return staticmethod(run)

    # END SOLUTION

    tracing_already = tracemalloc.is_tracing()  # a caller's own tracing is left running
    tracemalloc.start()
    try:
        # every patch is made inside the try: if one fails, those made so far are undone below
        for name, module in model.named_modules():
            if not module._modules or isinstance(module, (CausalSelfAttention, MultiheadAttention)):
                label = name or type(module).__name__
                handles.append(module.register_forward_pre_hook(before(label)))
                handles.append(module.register_forward_hook(after(label)))
        for cls in _function_classes():
            if "backward" in cls.__dict__:
                original = cls.__dict__["backward"]
                cls.backward = timed_backward(cls.__name__, original.__func__)
                originals[cls] = original
        tracemalloc.reset_peak()
        start = time.perf_counter()
        for _ in range(steps):
            _step(model, inputs, loss_fn)
        step = (time.perf_counter() - start) / steps
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not tracing_already:
            tracemalloc.stop()
        for handle in handles:
            handle.remove()
        for cls, original in originals.items():
            cls.backward = original
    return ProfileReport(
        forward=[TimeRow(name, kind, 1e3 * seconds / steps) for name, (kind, seconds) in forward.items()],
        backward=[TimeRow(kind, kind, 1e3 * seconds / steps) for kind, seconds in backward.items()],
        step_ms=1e3 * step,
        unprofiled_step_ms=1e3 * unprofiled,
        peak_bytes=peak,
    )
