"""The graph under construction: ONNX value names for traced arrays, initializers, nodes, and a node's view.

:class:`GraphBuilder` gives every array the trace met a name, by identity:

* a model input: the graph input of that name;
* a parameter or buffer: an initializer named by its state-dict key (a tied
  weight, one array under two keys, becomes one initializer);
* the output of an exported call: the name its exporter returned;
* anything else (an index array, a mask, the result of a call on constants
  only): a constant initializer, after checking that the second trace, run
  with a different batch, saw the same value — a "constant" that changes with
  the input is an error, not a silently wrong model.

Every value has two recorded shapes, one per trace; the dimensions where they
differ are the dynamic ones (``dynamic_axes``), which is how a reshape knows
to write ``0`` (copy the input's dimension) or ``-1`` instead of a fixed size.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import tt_tensor

from .registry import OnnxExporterError


def array_of(value: Any) -> np.ndarray | None:
    """The NumPy array inside a tensor, an array itself, or None (scalars, None, other objects)."""
    if isinstance(value, tt_tensor.Tensor):
        return value.array
    return value if isinstance(value, np.ndarray) else None


class GraphBuilder:
    """Names, initializers and nodes of one export; see the module docstring."""

    def __init__(self, onnx: Any, opset: int, parameters: dict[int, tuple[str, np.ndarray]]) -> None:
        self.onnx, self.opset = onnx, opset
        self.parameters = parameters  # id(array) -> (state-dict key, array)
        self.names: dict[int, str] = {}  # id(array) -> ONNX value name
        self.info: dict[str, tuple[tuple, tuple, np.dtype]] = {}  # name -> (shape A, shape B, dtype)
        self.initializers: dict[str, np.ndarray] = {}
        self.nodes: list = []
        self.inputs: list = []
        self.reserved: set[str] = set()  # the graph's input and output names
        self._counter = itertools.count()
        self._constant_ids: dict[int, str] = {}

    def fresh(self, hint: str) -> str:
        """A value name not used yet, from ``hint``."""
        while True:
            name = f"{hint}_{next(self._counter)}"
            if name not in self.info and name not in self.initializers and name not in self.reserved:
                return name

    def note(self, name: str, shape_a: tuple, shape_b: tuple, dtype: np.dtype) -> None:
        self.info[name] = (tuple(shape_a), tuple(shape_b), np.dtype(dtype))

    def dynamic(self, name: str) -> set[int]:
        """The dimensions of value ``name`` that differ between the two traces."""
        a, b, _ = self.info[name]
        return {i for i, (m, n) in enumerate(zip(a, b)) if m != n}

    def constant(self, array: np.ndarray, hint: str = "const") -> str:
        """An initializer holding ``array`` (a copy), by a fresh name."""
        name = self.fresh(hint)
        self.initializers[name] = np.array(array)
        self.note(name, array.shape, array.shape, array.dtype)
        return name

    def name_of(self, a: np.ndarray, b: np.ndarray | None, where: str) -> str:
        """The ONNX name of array ``a`` (trace A), whose twin in trace B is ``b``; see the module doc."""
        key = id(a)
        if key in self.names:
            return self.names[key]
        if key in self.parameters:
            name, array = self.parameters[key]
            if name not in self.initializers:
                self.initializers[name] = np.array(array)
                self.note(name, array.shape, array.shape, array.dtype)
            self.names[key] = name
            return name
        if b is None or a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
            seen = "a different shape" if b is None or a.shape != b.shape else "different values"
            raise OnnxExporterError(
                f"tt.onnx.export: {where} takes an array of shape {a.shape} that is neither a model input, a "
                f"parameter nor the result of a traced op, and a second trace with a different batch saw "
                f"{seen} for it: it was computed from the input by something that records no autograd "
                "Function (a comparison such as x > 0, NumPy code in forward) or depends on a dynamic axis, "
                "so it cannot be a constant of the graph. Compute it with differentiable tensor ops, or "
                "export without that dynamic axis"
            )
        if key not in self._constant_ids:
            self._constant_ids[key] = self.constant(a)
            self.names[key] = self._constant_ids[key]
        return self._constant_ids[key]

    def add(
        self, op: str, inputs: list[str], outputs: int | list[str] = 1, domain: str = "", **attributes: Any
    ) -> list[str]:
        """Append an ONNX node ``op``; returns its output names (fresh ones unless given)."""
        names = [self.fresh(op.lower()) for _ in range(outputs)] if isinstance(outputs, int) else outputs
        self.nodes.append(self.onnx.helper.make_node(op, inputs, names, domain=domain or None, **attributes))
        return names


class NodeContext:
    """What an exporter sees of one recorded call: inputs as ONNX names, params, shapes; ``add`` emits nodes.

    ``call`` and ``twin`` are the call as recorded in the two traces (the
    second with a different batch); ``layer`` the module path that made it.
    """

    def __init__(self, builder: GraphBuilder, call: Any, twin: Any, layer: str) -> None:
        self.builder, self.call, self.twin, self.layer = builder, call, twin, layer
        self.function = call.function
        out = array_of(call.output)
        out_b = array_of(twin.output)
        self.out_shape, self.out_shape_b = tuple(out.shape), tuple(out_b.shape)
        self.out_dtype = out.dtype
        self.opset = builder.opset

    @property
    def where(self) -> str:
        return f"{self.function.__name__} (in layer {self.layer!r})"

    def arg(self, index: int) -> Any:
        """The raw ``index``-th positional input (trace A): a tensor, array, scalar or None."""
        return self.call.inputs[index] if index < len(self.call.inputs) else None

    def param(self, name: str, default: Any = None) -> Any:
        """The keyword parameter ``name`` of the call (trace A)."""
        return self.call.params.get(name, default)

    def input(self, index: int, dtype: Any = None) -> str | None:
        """The ONNX name of positional input ``index``; a Python number becomes a constant of ``dtype``.

        ``dtype`` defaults to the output's; None inputs give None.
        """
        value = self.arg(index)
        if value is None:
            return None
        array = array_of(value)
        if array is None:
            return self.const(np.asarray(value, dtype=dtype or self.out_dtype))
        twin = array_of(self.twin.inputs[index]) if index < len(self.twin.inputs) else None
        return self.builder.name_of(array, twin, self.where)

    def param_input(self, name: str) -> str | None:
        """The ONNX name of an array passed as keyword ``name`` (a BatchNorm's running statistics)."""
        value = self.param(name)
        if value is None:
            return None
        return self.builder.name_of(array_of(value), array_of(self.twin.params.get(name)), self.where)

    def shape(self, index: int) -> tuple[int, ...]:
        """The shape of positional input ``index`` in trace A."""
        return tuple(
            np.shape(array_of(self.arg(index)) if array_of(self.arg(index)) is not None else self.arg(index))
        )

    def dtype(self, name: str) -> np.dtype:
        return self.builder.info[name][2]

    def dynamic(self, name: str) -> set[int]:
        """Dimensions of value ``name`` that change with the dynamic axes."""
        return self.builder.dynamic(name)

    def const(self, array: Any, hint: str = "const") -> str:
        return self.builder.constant(np.asarray(array), hint)

    def ints(self, values: Any, hint: str = "shape") -> str:
        """An int64 constant (shapes, axes)."""
        return self.const(np.asarray(values, dtype=np.int64).reshape(-1), hint)

    def add(self, op: str, inputs: list[str | None], outputs: int = 1, **attributes: Any) -> Any:
        """Emit ``op`` on ``inputs`` (None for an omitted optional input); one output name, or a list."""
        names = self.builder.add(op, ["" if i is None else i for i in inputs], outputs, **attributes)
        return names[0] if outputs == 1 else names

    def cast(self, name: str, dtype: Any) -> str:
        """``name`` converted to ``dtype`` (no node when it already has it)."""
        dtype = np.dtype(dtype)
        if name in self.builder.info and self.dtype(name) == dtype:
            return name
        to = self.builder.onnx.helper.np_dtype_to_tensor_dtype(dtype)
        out = self.add("Cast", [name], to=to)
        a, b, _ = self.builder.info.get(name, ((), (), dtype))
        self.builder.note(out, a, b, dtype)
        return out

    def reshape_target(self, source: str, out_a: tuple, out_b: tuple) -> str:
        """Reshape's target for ``source`` → ``out_a``: ``0`` copies a dynamic dim, one ``-1`` infers."""
        in_a, in_b, _ = self.builder.info[source]
        moving = self.dynamic(source)
        target, free = [], False
        for i, (a, b) in enumerate(zip(out_a, out_b)):
            if a == b:
                target.append(a)
            elif i in moving and in_a[i] == a and in_b[i] == b:
                target.append(0)
            elif not free:
                free = True
                target.append(-1)
            else:
                raise OnnxExporterError(
                    f"tt.onnx.export: {self.where} reshapes {in_a} to {tuple(out_a)} with two dimensions "
                    "that change with the dynamic axes; ONNX's Reshape can infer only one"
                )
        if 0 in out_a:
            raise OnnxExporterError(f"tt.onnx.export: {self.where}: a reshape to a 0-sized shape {out_a}")
        return self.ints(target)

    def reshape(self, source: str, out_a: tuple, out_b: tuple) -> str:
        """Emit a Reshape of ``source`` to ``out_a`` (``out_b`` in trace B) and record its shapes."""
        out = self.add("Reshape", [source, self.reshape_target(source, out_a, out_b)])
        self.builder.note(out, out_a, out_b, self.dtype(source))
        return out
