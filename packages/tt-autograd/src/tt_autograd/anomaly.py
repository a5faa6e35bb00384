"""Anomaly detection: ``detect_anomaly()``, ``set_detect_anomaly(mode)``, ``is_anomaly_enabled()``.

While the mode is on, every node recorded in forward keeps the place in the
user's code that created it (a traceback, trimmed of TinyTorch's own frames),
and backward checks each node's returned gradients: one holding NaN raises
``RuntimeError("Function 'SqrtBackward0' returned nan values in its 0th output.")``.
When a node's backward step fails while the mode is on (NaN, any other error of
its rule, or a failing hook of its output), a ``UserWarning`` at the user's
``backward()`` call shows the forward traceback of that node first, as PyTorch does::

    with tt.autograd.detect_anomaly():
        loss = model(x).sum()
        loss.backward()   # raises at the first node that produced NaN, naming it

The mode is checked where it matters, as in PyTorch: at forward time for the
traceback (a node created outside the mode has none, and the warning says so),
at backward time for the NaN check.

A node recorded while another node's backward runs (a ``create_graph=True``
pass: the ``graph_backward`` rule's operations) also remembers that node, and a
failure in a later pass through it (a second derivative that is NaN) warns once
per link of that chain, innermost first, as PyTorch does: where the failing
node was created (the ``grad(..., create_graph=True)`` call), then
``Previous calculation was induced by PowBackward0. Traceback of forward call
that induced the previous calculation: ...`` (the forward line of the
operation being differentiated), and so on for a third derivative.

Cost: nothing while off (the forward recorder is in ``Function``'s call-hook
list only while on; backward wraps nodes only while on). While on: one stack
walk per recorded operation and one ``isnan`` pass per gradient.
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
import threading
import traceback
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from tt_tensor.checks import check_bool

from .function import _CALL_HOOKS

F = TypeVar("F", bound=Callable[..., object])

#: The folders of the frames a forward traceback starts after: the recording machinery's own.
_OWN = tuple(os.path.dirname(path) + os.sep for path in (__file__, sys.modules["tt_tensor"].__file__))


class _AnomalyState:
    enabled = False
    check_nan = True


_state = _AnomalyState()


class _Running(threading.local):
    """Per thread (as PyTorch's engine): the node whose backward is running, while the mode is on."""

    node: Any = None


_running = _Running()


def is_anomaly_enabled() -> bool:
    """True while anomaly detection is on (``torch.is_anomaly_enabled``)."""
    return _state.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """True while anomaly detection also checks backward's gradients for NaN."""
    return _state.check_nan


def _record(function_class: type, inputs: tuple, params: dict, output: Any) -> None:
    """Call hook: keep on the new node where the user's code created it."""
    node = getattr(output, "grad_fn", None)
    if node is None or node.forward_trace is not None:  # not recorded, or an earlier result's node
        return
    frames = itertools.dropwhile(_own, traceback.walk_stack(None))  # innermost first
    node.forward_trace = traceback.StackSummary.extract(reversed(list(frames)), lookup_lines=False)
    node.induced_by = _running.node


def _own(frame_line: tuple) -> bool:
    """Whether a ``(frame, line)`` of ``traceback.walk_stack`` is in the recording machinery's code."""
    return frame_line[0].f_code.co_filename.startswith(_OWN)


def _caller_level() -> int:
    """The ``stacklevel`` that points a warning of the caller at the first frame outside TinyTorch's code."""
    return 1 + sum(1 for _ in itertools.takewhile(_own, traceback.walk_stack(sys._getframe(1))))


def _switch(mode: bool, check_nan: bool) -> None:
    _state.enabled, _state.check_nan = bool(mode), bool(check_nan)
    if _record in _CALL_HOOKS:
        _CALL_HOOKS.remove(_record)
    if _state.enabled:
        _CALL_HOOKS.append(_record)


class set_detect_anomaly:  # noqa: N801  (PyTorch's name; usable as a function or a context)
    """Turn anomaly detection on or off: ``set_detect_anomaly(True)``, or ``with set_detect_anomaly(m):``."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        mode = check_bool("set_detect_anomaly", "mode", mode)
        check_nan = check_bool("set_detect_anomaly", "check_nan", check_nan)
        self.previous = (_state.enabled, _state.check_nan)
        _switch(mode, check_nan)

    def __enter__(self) -> None:  # (PyTorch's gives None to ``as`` too)
        pass

    def __exit__(self, *exc: object) -> None:
        _switch(*self.previous)


class detect_anomaly:  # noqa: N801
    """A context (and decorator) that turns anomaly detection on, warning that it slows everything down."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
            "enabled for debugging.",
            stacklevel=2,
        )

    def __enter__(self) -> None:
        self.previous = (_state.enabled, _state.check_nan)
        _switch(True, self.check_nan)

    def __exit__(self, *exc: object) -> None:
        _switch(*self.previous)

    def __call__(self, function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: object, **kwargs: object) -> object:
            with self:
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def checked(node: Any, run: Callable[[], tuple]) -> tuple:
    """``run()`` (the node's backward); while the mode is on, its gradients are checked for NaN and
    an error comes with a warning that shows where forward created the node."""
    if not _state.enabled:
        return run()
    outer, _running.node = _running.node, node
    try:
        grads = run()
        if _state.check_nan:
            for position, grad in enumerate(grads):
                array = getattr(grad, "array", grad)
                if array is not None and np.isnan(array).any():
                    raise RuntimeError(
                        f"Function '{node.name()}' returned nan values in its {position}th output."
                    )
    except Exception:
        report(node)
        raise
    finally:
        _running.node = outer
    return grads


def report(node: Any) -> None:
    """While the mode is on, warn (at the user's backward() call) where forward created ``node``, whose
    backward step (its rule, or a hook of its output) is failing; then, one warning each, the nodes
    whose backward recorded it, and so on (PyTorch's "Previous calculation was induced by")."""
    if not _state.enabled:
        return
    level = _caller_level()
    warnings.warn(_forward_report(node, induced=False), stacklevel=level)
    while node.induced_by is not None:
        node = node.induced_by
        warnings.warn(_forward_report(node, induced=True), stacklevel=level)


def _forward_report(node: Any, induced: bool) -> str:
    trace = node.forward_trace
    if trace is None:  # (PyTorch's wording for a parent too)
        return (
            f"Error detected in {node.name()}. No forward pass information available. Enable detect "
            "anomaly during forward pass for more information."
        )
    lines = "".join(trace.format()).rstrip("\n")
    if induced:
        return (
            f"\n\nPrevious calculation was induced by {node.name()}. Traceback of forward call that induced "
            f"the previous calculation:\n{lines}"
        )
    return f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n{lines}"


__all__ = ["detect_anomaly", "is_anomaly_check_nan_enabled", "is_anomaly_enabled", "set_detect_anomaly"]
