"""``export``: trace a model's forward pass twice and write the recorded ops as an ONNX graph.

How it works:

1. The model runs in ``eval()`` mode under ``no_grad()``, inside
   :func:`tt_autograd.tracing.record_calls`, once on ``args`` (trace A) and
   once on a variant with one more row along every dynamic axis and shifted
   values (trace B). Forward hooks on every submodule note which layer made
   each call. The two traces must call the same Functions in the same order.
2. From the outputs, the recorded calls are walked backwards (through the
   arrays they consumed) to find the ones the outputs need.
3. Each needed call that depends on a model input is handed to the exporter
   registered for its Function class (``ops_core.py``, ``ops_layers.py``);
   a call on parameters and constants only (a position table's lookup, a
   mask built with tensor ops) is folded into a constant.
   A Function with no exporter is an :class:`UnsupportedOperatorError`
   naming it and the layer.
4. Parameters and buffers become initializers under their state-dict names;
   dimensions that differ between the traces become symbolic
   (``dynamic_axes``). ``onnx.checker.check_model`` (with shape inference)
   checks the model before it is written, atomically.

Cost: two forward passes plus ``O(number of ops)`` bookkeeping, and one copy
of the parameters in the ONNX file.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import tt_autograd
from tt_autograd.tracing import record_calls
from tt_nn.serialization import atomic_write_bytes

from . import ops_core, ops_layers  # noqa: F401  (registers the exporters)
from .graph import GraphBuilder, NodeContext, array_of
from .registry import OnnxExporterError, UnsupportedOperatorError, exporter_for

DEFAULT_OPSET = 17
INSTALL = "pip install tinytorch[onnx] (or pip install onnx)"


def import_onnx() -> Any:
    """The ``onnx`` package, or an ImportError that says how to install it."""
    try:
        import onnx
        import onnx.checker
        import onnx.helper
        import onnx.numpy_helper
    except ImportError:
        raise ImportError(f"tt.onnx.export needs the onnx package: {INSTALL}") from None
    return onnx


def _axes(dynamic_axes: Mapping[str, Any] | None) -> dict[str, dict[int, str]]:
    """``dynamic_axes`` in its dict form: value name → {axis: symbolic name}."""
    result = {}
    for name, axes in (dynamic_axes or {}).items():
        if isinstance(axes, Mapping):
            result[name] = {int(axis): str(label) for axis, label in axes.items()}
        else:
            result[name] = {int(axis): f"{name}_dynamic_axes_{int(axis)}" for axis in axes}
    return result


def _variant(array: np.ndarray, axes: Sequence[int]) -> np.ndarray:
    """Trace B's input: values shifted by one place, one more row along each dynamic axis."""
    out = np.roll(array.reshape(-1), 1).reshape(array.shape)
    for axis in axes:
        out = np.concatenate([out, np.take(out, [0], axis=axis)], axis=axis)
    return out


def _trace(model: Any, args: tuple, calls_owner: list[str]) -> tuple[list, Any]:
    """Run ``model(*args)`` recording every Function call and, in ``calls_owner``, the layer that made it."""
    handles, starts = [], []
    with record_calls() as calls:

        def before(module: Any, inputs: Any) -> None:
            starts.append(len(calls))

        def after_for(label: str):
            def after(module: Any, inputs: Any, output: Any) -> None:
                start = starts.pop()
                calls_owner.extend([""] * (len(calls) - len(calls_owner)))
                for i in range(start, len(calls)):
                    calls_owner[i] = calls_owner[i] or label

            return after

        try:
            for name, module in model.named_modules():
                label = f"{name or '<model>'} ({type(module).__name__})"
                handles.append(module.register_forward_pre_hook(before))
                handles.append(module.register_forward_hook(after_for(label)))
            with tt_autograd.no_grad():
                output = model(*args)
        finally:
            for handle in handles:
                handle.remove()
    calls_owner.extend([""] * (len(calls) - len(calls_owner)))
    return calls, output


def _flatten(output: Any) -> list[Any]:
    if isinstance(output, (tuple, list)):
        return [item for part in output for item in _flatten(part)]
    return [output]


def _needed(calls: list, outputs: list[np.ndarray]) -> list[int]:
    """Indices of the calls the outputs depend on, in execution order."""
    producer = {id(array_of(call.output)): i for i, call in enumerate(calls)}
    needed, stack = set(), [id(a) for a in outputs]
    while stack:
        index = producer.get(stack.pop())
        if index is None or index in needed:
            continue
        needed.add(index)
        call = calls[index]
        for value in (*call.inputs, *call.params.values()):
            if array_of(value) is not None:
                stack.append(id(array_of(value)))
    return sorted(needed)


def export(
    model: Any,
    args: Any,
    f: str | os.PathLike[str] | io.IOBase,
    export_params: bool = True,
    verbose: bool = False,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    opset_version: int | None = None,
    dynamic_axes: Mapping[str, Any] | None = None,
) -> Any:
    """Export ``model`` to an ONNX file by tracing ``model(*args)``, like ``torch.onnx.export``.

    Args:
        model: a module (run in eval mode, then put back in its mode).
        args: an example input tensor, or a tuple of them (arrays are converted).
        f: a path (written atomically) or a binary file object.
        export_params: must be True: the weights are stored in the file as initializers.
        verbose: print the graph.
        input_names, output_names: names of the graph's inputs and outputs
            (default ``input``/``output``, numbered when there are several).
        opset_version: ONNX opset (default 17, the first with LayerNormalization).
        dynamic_axes: ``{name: {axis: label}}`` or ``{name: [axis, ...]}``,
            e.g. ``{"input": {0: "batch"}, "output": {0: "batch"}}``.

    Returns:
        The checked ``onnx.ModelProto``.

    Example:
        >>> tt.onnx.export(model, tt.randn(1, 784), "mlp.onnx", input_names=["x"],
        ...                dynamic_axes={"x": {0: "batch"}})  # doctest: +SKIP
    """
    onnx = import_onnx()
    if not export_params:
        raise NotImplementedError("tt.onnx.export: export_params=False is not supported; weights are stored")
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if opset < DEFAULT_OPSET:
        raise ValueError(
            f"tt.onnx.export: opset_version={opset} is below {DEFAULT_OPSET}, the oldest supported"
        )
    args = args if isinstance(args, tuple) else (args,)
    args = tuple(
        a
        if isinstance(a, tt_autograd.Tensor) or not isinstance(a, (np.ndarray, list))
        else tt_autograd.Tensor.from_array(np.asarray(a))
        for a in args
    )
    tensors = [i for i, a in enumerate(args) if isinstance(a, tt_autograd.Tensor)]
    names_in = list(input_names or (["input"] if len(tensors) == 1 else [f"input_{i}" for i in tensors]))
    if len(names_in) != len(tensors):
        raise ValueError(f"tt.onnx.export: {len(names_in)} input_names for {len(tensors)} tensor inputs")
    axes = _axes(dynamic_axes)
    args_b = list(args)
    for name, i in zip(names_in, tensors):
        args_b[i] = tt_autograd.Tensor.from_array(_variant(args[i].array, sorted(axes.get(name, {}))))
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        owners: list[str] = []
        calls, output = _trace(model, args, owners)
        calls_b, output_b = _trace(model, tuple(args_b), [])
    finally:
        model.train(was_training)
    if [c.function for c in calls] != [c.function for c in calls_b]:
        raise OnnxExporterError(
            "tt.onnx.export: the forward pass called different ops for a second input of another batch size "
            "or values (data-dependent control flow), so one traced graph cannot stand for it"
        )
    outputs, outputs_b = _flatten(output), _flatten(output_b)
    if any(array_of(o) is None for o in outputs):
        raise OnnxExporterError("tt.onnx.export: the model must return a tensor or a tuple/list of tensors")
    names_out = list(
        output_names or (["output"] if len(outputs) == 1 else [f"output_{i}" for i in range(len(outputs))])
    )
    if len(names_out) != len(outputs):
        raise ValueError(f"tt.onnx.export: {len(names_out)} output_names for {len(outputs)} outputs")
    unknown = sorted(set(axes) - set(names_in) - set(names_out))
    if unknown:
        raise ValueError(
            f"tt.onnx.export: dynamic_axes names {unknown}, which are neither inputs {names_in} nor outputs "
            f"{names_out}; name them with input_names/output_names"
        )

    parameters: dict[int, tuple[str, np.ndarray]] = {}
    for key, value in model.state_dict(keep_vars=True).items():
        parameters.setdefault(id(value.array), (key, value.array))
    builder = GraphBuilder(onnx, opset, parameters)
    builder.reserved.update(names_in + names_out)
    helper = onnx.helper

    def value_info(name: str, a: np.ndarray, b: np.ndarray) -> Any:
        labels = axes.get(name, {})
        dims = [
            labels.get(i, f"{name}_dim_{i}") if m != n or i in labels else m
            for i, (m, n) in enumerate(zip(a.shape, b.shape))
        ]
        return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(a.dtype), dims)

    graph_inputs = []
    for name, i in zip(names_in, tensors):
        a, b = args[i].array, args_b[i].array
        builder.names[id(a)] = name
        builder.note(name, a.shape, b.shape, a.dtype)
        graph_inputs.append(value_info(name, a, b))
    live = {id(args[i].array) for i in tensors}
    for index in _needed(calls, [array_of(o) for o in outputs]):
        call, twin = calls[index], calls_b[index]
        consumed = [array_of(v) for v in (*call.inputs, *call.params.values()) if array_of(v) is not None]
        if not any(id(a) in live for a in consumed):
            continue  # parameters and constants only: folded into a constant where it is used
        exporter = exporter_for(call.function)
        if exporter is None:
            raise UnsupportedOperatorError(
                f"tt.onnx.export: no ONNX exporter for {call.function.__name__}, called in layer "
                f"{owners[index] or '<outside any module>'}. Register one with "
                f"@tinytorch.onnx.register_exporter({call.function.__name__})"
            )
        result = exporter(NodeContext(builder, call, twin, owners[index] or "<outside any module>"))
        produced = array_of(call.output)
        if result not in builder.info:
            builder.note(result, produced.shape, array_of(twin.output).shape, produced.dtype)
        builder.names[id(produced)] = result
        live.add(id(produced))
    graph_outputs = []
    for name, a, b in zip(names_out, outputs, outputs_b):
        a, b = array_of(a), array_of(b)
        builder.add("Identity", [builder.name_of(a, b, f"output {name!r}")], [name])
        graph_outputs.append(value_info(name, a, b))
    used = {i for node in builder.nodes for i in node.input}
    initializers = [
        onnx.numpy_helper.from_array(array, name)
        for name, array in builder.initializers.items()
        if name in used
    ]
    graph = helper.make_graph(builder.nodes, type(model).__name__, graph_inputs, graph_outputs, initializers)
    opsets = [helper.make_opsetid("", opset)]
    proto = helper.make_model(
        graph,
        opset_imports=opsets,
        producer_name="tinytorch",
        ir_version=helper.find_min_ir_version_for(opsets),
    )
    onnx.checker.check_model(proto, full_check=True)
    if verbose:
        print(helper.printable_graph(proto.graph))
    data = proto.SerializeToString()
    if isinstance(f, (str, os.PathLike)):
        atomic_write_bytes(Path(f), data)
    else:
        f.write(data)
    return proto
