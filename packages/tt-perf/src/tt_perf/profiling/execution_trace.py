"""``torch.profiler.ExecutionTraceObserver``: the operations run from ``start()`` to ``stop()``, as a graph.

An execution trace (PyTorch's, in the Chakra schema ``1.1.1-chakra.0.0.4``) is one JSON object::

    {"schema": "1.1.1-chakra.0.0.4", "pid": ..., "time": "2026-12-06 10:00:00", "start_ts": ...,
     "nodes": [...], "finish_ts": ...}

with a node per operation's forward (``tt::Mul``), backward node (``MulBackward0``) and
``record_function`` range, each with PyTorch's fields: ``id``, ``name``, ``ctrl_deps`` (the node it
ran inside: the enclosing range or operation, else the thread's root node, id 2, itself under the
process's, id 1), ``inputs`` and ``outputs`` (``values``, ``shapes``, ``types``, ``strides``) and
``attrs`` (``rf_id``, ``fw_parent``, ``seq_id``, ``scope``, ``tid``, ``fw_tid``, ``op_schema``,
``kernel_backend``, ``kernel_file``, ``tensor_range``). A tensor's value is PyTorch's
``[tensor id, storage id, offset, numel, itemsize, "cpu"]``, so a replay tool can tell which
operations share memory (a view has its base's storage id); its type is ``Tensor(float)``,
``Tensor(long int)``, ... as PyTorch names them; numbers are ``Int``/``Double``/``Bool``, None is
``"<None>"``, and tuples are ``GenericList[...]``. Nodes are listed as they end (children before
their parent), as PyTorch's. Start and finish times are milliseconds of a monotonic clock.

How: while running, every ``Function``'s forward and backward is wrapped (module 14's
``patch_functions``) around a recorder that is the ``torch.profiler`` recorder's frame stack
(``profiler._Recorder``), so names and nesting are the profiler's. Unlike PyTorch, whose file is
complete only once ``unregister_callback()`` runs, each ``stop()`` writes the whole trace so far, and
``unregister_callback()`` writes it one last time: each write goes to a temporary file that is renamed
(gzip-compressed when the path ends in ``.gz``), so a reader never sees half a trace. A
``torch.profiler.profile(execution_trace_observer=...)`` starts and stops the observer with its
recording and unregisters it when its ``with`` block ends, as PyTorch's.

Differences: operations are TinyTorch's ``Function``s (``tt::MatMul`` where PyTorch lists
``aten::mm``, ``aten::empty``, ...), with their arguments as the ``Function`` sees them (arrays and
keyword parameters), and ``op_schema`` is empty. Observers and profilers must stop in the reverse
order of their starts (each wraps what the one before it wrapped); stopping out of order is refused.
Only the thread that called ``start()`` is recorded. Cost: the profiler recorder's per operation,
plus describing its arguments; the nodes are kept in memory until the observer is unregistered.
"""

from __future__ import annotations

import json
import os
import threading
import time
import warnings
import weakref
from collections.abc import Iterable

import numpy as np

from . import profiler
from .events import write_whole
from .timing import _unpatch, patch_functions

SCHEMA = "1.1.1-chakra.0.0.4"
PROCESS_ID, THREAD_ID = 1, 2  # the two root nodes' ids, as PyTorch's

#: NumPy's dtypes by the names PyTorch's traces give their scalar types (``Tensor(float)``).
_TYPE_NAMES = {
    "float32": "float",
    "float64": "double",
    "float16": "c10::Half",
    "int64": "long int",
    "int32": "int",
    "int16": "short int",
    "int8": "signed char",
    "uint8": "unsigned char",
    "bool": "bool",
    "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
}

_ATTRS = ("rf_id", "fw_parent", "seq_id", "scope", "tid", "fw_tid")


def _attrs(rf_id: int, scope: int, tid: int, fw_parent: int = 0, fw_tid: int = 0) -> list[dict]:
    numbers = dict(zip(_ATTRS, (rf_id, fw_parent, -1, scope, tid, fw_tid)))
    listed = [
        {"name": name, "type": "int64" if name == "seq_id" else "uint64", "value": numbers[name]}
        for name in _ATTRS
    ]
    strings = ("op_schema", "kernel_backend", "kernel_file", "tensor_range")
    return listed + [{"name": name, "type": "string", "value": ""} for name in strings]


def _node(node_id: int, name: str, parent: int, inputs: dict, outputs: dict, attrs: list[dict]) -> dict:
    return {
        "id": node_id,
        "name": name,
        "ctrl_deps": parent,
        "inputs": inputs,
        "outputs": outputs,
        "attrs": attrs,
    }


def _no_values() -> dict:
    return {"values": [], "shapes": [], "types": [], "strides": []}


class _TraceRecorder(profiler._Recorder):
    """The profiler's recorder, turning each finished frame into a node of ``observer``'s trace."""

    def __init__(self, observer: ExecutionTraceObserver) -> None:
        options = {"record_shapes": False, "profile_memory": False, "with_stack": False, "with_flops": False}
        super().__init__(time.perf_counter(), options)
        self.observer = observer
        self.node_ids: dict[int, int] = {}  # a running event's id -> its node's id
        self.seen: dict[int, tuple] = {}  # a running event's id -> (its inputs, its outputs)

    def enter(self, table: str, name: str, kind: str) -> None:
        if threading.get_ident() != self.thread:
            return
        super().enter(table, name, kind)
        self.node_ids[self.open[-1][0].id] = self.observer._new_id()

    def note(self, ctx, args: tuple, params: dict, result: object) -> None:
        if threading.get_ident() == self.thread:
            self.seen[self.open[-1][0].id] = ((*args, *params.values()), result)

    def leave(self) -> None:
        if threading.get_ident() != self.thread:
            return
        super().leave()
        event = self.finished.pop()  # (the trace keeps the node instead)
        inputs, result = self.seen.pop(event.id, ((), None))
        outputs = () if result is None else result if isinstance(result, tuple) else (result,)
        parent = self.node_ids[event.cpu_parent.id] if event.cpu_parent is not None else THREAD_ID
        node_id = self.node_ids.pop(event.id)
        self.observer._nodes.append(
            _node(
                node_id,
                event.name,
                parent,
                self.observer._values(inputs),
                self.observer._values(outputs),
                _attrs(node_id, 0, 1),
            )
        )


class ExecutionTraceObserver:
    """Records the operations run between :meth:`start` and :meth:`stop` to a JSON execution trace.

    Example::

        et = ExecutionTraceObserver().register_callback("trace.et.json")
        et.start()
        loss = model(x).sum(); loss.backward()
        et.stop()
        et.unregister_callback()  # the file: schema, pid, time, start_ts, nodes, finish_ts

    The trace's format and how it is recorded: :mod:`tt_perf.profiling.execution_trace`.
    """

    def __init__(self) -> None:
        self._registered = False
        self._execution_trace_running = False
        self.output_file_path = ""
        self._recorder: _TraceRecorder | None = None
        self._originals: list = []
        self._installed: list = []  # the wrappers patch_functions put in place, in its order
        self._start_ts: int | None = None
        self._time = ""
        self._next_id = THREAD_ID
        self._nodes: list[dict] = []
        self._tensor_ids: dict[int, tuple[weakref.ref, int]] = {}

    def __del__(self) -> None:
        try:
            self.unregister_callback()
        except Exception:  # noqa: BLE001  (at interpreter exit the modules it needs may be gone)
            pass

    # -- PyTorch's API
    def register_callback(self, output_file_path: str | os.PathLike) -> ExecutionTraceObserver:
        """Write the trace to ``output_file_path`` (``.gz``: compressed); returns this observer.

        Registering again while registered changes nothing, as in PyTorch. A path whose directory
        does not exist leaves the observer unregistered, with a warning (PyTorch logs an error).
        """
        if not isinstance(output_file_path, (str, os.PathLike)):
            raise TypeError(
                "ExecutionTraceObserver.register_callback: output_file_path must be a str or os.PathLike, "
                f"got {type(output_file_path).__name__}"
            )
        if self._registered:
            return self
        path = os.fspath(output_file_path)
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            warnings.warn(
                f"ExecutionTraceObserver: failed to open '{path}': no directory {directory}; nothing will "
                "be recorded",
                stacklevel=2,
            )
            return self
        self.output_file_path, self._registered = path, True
        self._start_ts, self._time = _now_ms(), time.strftime("%Y-%m-%d %H:%M:%S")
        self._next_id, self._nodes, self._tensor_ids = THREAD_ID, [], {}
        return self

    @property
    def is_registered(self) -> bool:
        """Whether the observer is registered (a file to write to)."""
        return self._registered

    def is_running(self) -> bool:
        """Whether the observer is recording (between :meth:`start` and :meth:`stop`)."""
        return self._execution_trace_running

    def start(self) -> None:
        """Start recording (nothing happens unless registered and not yet running, as in PyTorch)."""
        if not self._registered or self._execution_trace_running:
            return
        self._recorder = _TraceRecorder(self)
        try:
            patch_functions(self._recorder, self._originals)
        except BaseException:
            self._unpatch()
            raise
        self._installed = [cls.__dict__[method] for cls, method, _ in self._originals]
        profiler._RECORDING.append(self._recorder)  # record_function ranges become nodes too
        self._execution_trace_running = True

    def stop(self) -> None:
        """Stop recording and write the trace so far (a complete file, replaced whole)."""
        if not self._execution_trace_running:
            return
        wrapped = (cls.__dict__[method] for cls, method, _ in self._originals)
        if any(now is not ours for now, ours in zip(wrapped, self._installed)):
            raise RuntimeError(
                "ExecutionTraceObserver.stop: a profiler or observer started after this one is still "
                "recording; stop it first (they stop in the reverse order of their starts)"
            )
        self._unpatch()
        self._execution_trace_running = False
        self._write()

    def unregister_callback(self) -> None:
        """Stop, write the finished trace, and forget the file (``register_callback`` may start anew)."""
        if not self._registered:
            return
        self.stop()
        self._write()
        self._registered = False

    def cleanup(self) -> None:
        """:meth:`unregister_callback`, as PyTorch's."""
        self.unregister_callback()

    def get_output_file_path(self) -> str | None:
        """The path given to :meth:`register_callback`, or None before it."""
        return self.output_file_path or None

    # -- recording
    def _unpatch(self) -> None:
        if self._recorder in profiler._RECORDING:
            profiler._RECORDING.remove(self._recorder)
        _unpatch([], self._originals)
        self._originals.clear()
        self._installed, self._recorder = [], None

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _tensor_id(self, array: np.ndarray) -> int:
        known = self._tensor_ids.get(id(array))
        if known is not None and known[0]() is array:
            return known[1]
        number = self._new_id()
        self._tensor_ids[id(array)] = (weakref.ref(array), number)
        return number

    def _describe(self, value: object) -> tuple[object, object, str, object]:
        """``value`` as PyTorch's trace writes an argument: (value, shape, type, strides)."""
        if isinstance(value, np.ndarray):
            base = value
            while isinstance(base.base, np.ndarray):
                base = base.base
            size = value.itemsize
            offset = (value.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // size
            tensor = [self._tensor_id(value), self._tensor_id(base), offset, int(value.size), size, "cpu"]
            name = _TYPE_NAMES.get(value.dtype.name, value.dtype.name)
            return tensor, list(value.shape), f"Tensor({name})", [s // size for s in value.strides]
        if isinstance(value, (tuple, list)):
            parts = [self._describe(item) for item in value]
            kinds = ",".join(part[2] for part in parts)
            return (
                [p[0] for p in parts],
                [p[1] for p in parts],
                f"GenericList[{kinds}]",
                [p[3] for p in parts],
            )
        if value is None:
            return "<None>", [], "None", []
        if isinstance(value, (bool, np.bool_)):
            return bool(value), [], "Bool", []
        if isinstance(value, (int, np.integer)):
            return int(value), [], "Int", []
        if isinstance(value, (float, np.floating)):
            return float(value), [], "Double", []
        if isinstance(value, str):
            return value, [], "String", []
        return f"<{type(value).__name__}>", [], type(value).__name__, []

    def _values(self, values: Iterable) -> dict:
        described = [self._describe(value) for value in values]
        return {
            key: [d[i] for d in described] for i, key in enumerate(("values", "shapes", "types", "strides"))
        }

    def _write(self) -> None:
        thread = _node(
            THREAD_ID,
            "[pytorch|profiler|execution_trace|thread]",
            PROCESS_ID,
            _no_values(),
            _no_values(),
            _attrs(0, 7, 1),
        )
        process = _node(
            PROCESS_ID,
            "[pytorch|profiler|execution_trace|process]",
            PROCESS_ID,
            _no_values(),
            _no_values(),
            _attrs(0, 7, 0),
        )
        trace = {
            "schema": SCHEMA,
            "pid": os.getpid(),
            "time": self._time,
            "start_ts": self._start_ts,
            "nodes": [thread, *self._nodes, process],
            "finish_ts": _now_ms(),
        }
        write_whole(json.dumps(trace) + "\n", self.output_file_path)


def _now_ms() -> int:
    return time.monotonic_ns() // 1_000_000
