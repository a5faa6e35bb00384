"""``add_graph``'s GraphDef: one forward pass recorded by ``record_calls``, as TensorBoard's graph protos.

PyTorch traces the model with TorchScript; TinyTorch records every autograd
Function the forward pass calls (:func:`tt_autograd.tracing.record_calls`,
as ``tt.onnx.export`` does) and which module was running at each call. Nodes,
named by module scope as PyTorch names them (``Net/Linear[fc1]/...``):

* ``input/input.N`` and ``output/output.N`` (op ``IO Node``), one per tensor
  the model takes and returns;
* one per parameter or buffer a call reads (op ``prim::GetAttr``), under its
  module's scope;
* one per Function call (op: the Function's class name), its inputs the nodes
  that produced its tensor arguments, its other arguments in the ``attr``
  string, its output's shape in ``_output_shapes``. A tensor the forward pass
  made from nothing recorded (a constant) becomes a ``prim::Constant`` node.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tt_autograd
import tt_tensor
from tt_autograd.tracing import record_calls


def _array(value: Any) -> np.ndarray | None:
    if isinstance(value, tt_tensor.Tensor):
        return value.array
    return value if isinstance(value, np.ndarray) else None


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, (tuple, list)):
        return [item for part in value for item in _flatten(part)]
    return [value]


def _scopes(model: Any) -> dict[int, str]:
    """Each module's scope name, by ``id``: ``Net``, ``Net/Linear[fc1]``, ``Net/Sequential[body]/ReLU[1]``."""
    scopes = {}
    for name, module in model.named_modules():
        path = [type(model).__name__]
        owner = model
        for part in name.split(".") if name else []:
            owner = getattr(owner, part) if not part.isdigit() else owner[int(part)]
            path.append(f"{type(owner).__name__}[{part}]")
        scopes[id(module)] = "/".join(path)
    return scopes


def _record(model: Any, args: tuple) -> tuple[list, list[str], Any]:
    """Run ``model(*args)`` in eval mode without grad; the calls, each call's scope, and the output."""
    scopes = _scopes(model)
    stack = [scopes[id(model)]]
    owners: list[str] = []
    handles = []
    training = model.training
    with record_calls() as calls:

        def enter(module: Any, inputs: Any) -> None:
            owners.extend([stack[-1]] * (len(calls) - len(owners)))
            stack.append(scopes[id(module)])

        def leave(module: Any, inputs: Any, output: Any) -> None:
            owners.extend([stack[-1]] * (len(calls) - len(owners)))
            stack.pop()

        try:
            for module in model.modules():
                handles.append(module.register_forward_pre_hook(enter))
                handles.append(module.register_forward_hook(leave))
            model.train(False)
            with tt_autograd.no_grad():
                output = model(*args)
        finally:
            model.train(training)
            for handle in handles:
                handle.remove()
    owners.extend([stack[-1]] * (len(calls) - len(owners)))
    return calls, owners, output


def _describe(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_describe(v) for v in value) + "]"
    if _array(value) is not None:
        return f"tensor{tuple(_array(value).shape)}"
    return repr(value)


def graph_def(model: Any, input_to_model: Any = None, verbose: bool = False):
    """``(GraphDef, RunMetadata)`` of one forward pass of ``model`` on ``input_to_model``."""
    from tensorboard.compat.proto import (
        attr_value_pb2,
        config_pb2,
        graph_pb2,
        node_def_pb2,
        step_stats_pb2,
        tensor_shape_pb2,
        versions_pb2,
    )

    if not callable(model) or not hasattr(model, "named_modules"):
        raise TypeError(f"add_graph: model must be an nn.Module, got {type(model).__name__}")
    if input_to_model is None:
        args = ()
    elif isinstance(input_to_model, (tuple, list)):
        args = tuple(input_to_model)
    else:
        args = (input_to_model,)
    calls, owners, output = _record(model, args)

    nodes: list = []
    producer: dict[int, str] = {}

    def add(name: str, op: str, inputs: list[str], shape: Any = None, attr: str | None = None) -> str:
        attrs = {}
        if attr is not None:
            attrs["attr"] = attr_value_pb2.AttrValue(s=attr.encode("utf-8"))
        if shape is not None:
            dims = [tensor_shape_pb2.TensorShapeProto.Dim(size=int(n)) for n in shape]
            shapes = attr_value_pb2.AttrValue.ListValue(shape=[tensor_shape_pb2.TensorShapeProto(dim=dims)])
            attrs["_output_shapes"] = attr_value_pb2.AttrValue(list=shapes)
        nodes.append(node_def_pb2.NodeDef(name=name, op=op, input=inputs, attr=attrs))
        return name

    for i, value in enumerate(a for a in _flatten(args) if _array(a) is not None):
        producer[id(_array(value))] = add(f"input/input.{i}", "IO Node", [], _array(value).shape)
    scopes = _scopes(model)
    attributes = {}
    for module in model.modules():
        for name, tensor in [*module.named_parameters(recurse=False), *module.named_buffers(recurse=False)]:
            if tensor is not None:
                attributes[id(tensor.array)] = (f"{scopes[id(module)]}/{name}", tensor.array.shape)

    def source(value: Any) -> str:
        key = id(_array(value))
        if key not in producer:
            if key in attributes:
                name, shape = attributes[key]
                producer[key] = add(name, "prim::GetAttr", [], shape)
            else:
                producer[key] = add(
                    f"constant/Constant.{len(producer)}", "prim::Constant", [], _array(value).shape
                )
        return producer[key]

    for index, (call, owner) in enumerate(zip(calls, owners)):
        tensors = [v for v in _flatten([*call.inputs, *call.params.values()]) if _array(v) is not None]
        inputs = [source(v) for v in tensors]
        others = [_describe(v) for v in call.inputs if _array(v) is None]
        others += [f"{key}={_describe(v)}" for key, v in call.params.items() if _array(v) is None]
        out = _array(call.output)
        name = add(
            f"{owner}/{call.function.__name__}.{index}",
            call.function.__name__,
            inputs,
            None if out is None else out.shape,
            "{" + ", ".join(others) + "}",
        )
        if out is not None:
            producer[id(out)] = name
    for i, value in enumerate(v for v in _flatten(output) if _array(v) is not None):
        add(f"output/output.{i}", "IO Node", [source(value)], _array(value).shape)
    graph = graph_pb2.GraphDef(node=nodes, versions=versions_pb2.VersionDef(producer=22))
    if verbose:
        print(graph)
    stats = step_stats_pb2.StepStats(dev_stats=[step_stats_pb2.DeviceStepStats(device="/device:CPU:0")])
    return graph, config_pb2.RunMetadata(step_stats=stats)
