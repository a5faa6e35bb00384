"""``torch.profiler.ExecutionTraceObserver``: the execution trace JSON (PyTorch's Chakra schema, fields
checked against a trace PyTorch 2.13 wrote in a scratch script), its lifecycle, atomic writes, and the
profiler's ``execution_trace_observer=``.

Not course material (outside module 14's solution regions), so no module number.
"""

from __future__ import annotations

import gc
import gzip
import json
import os

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.functions.linalg import MatMulFunction
from tt_perf.profiling import profiler
from tt_perf.profiling.execution_trace import ExecutionTraceObserver
from tt_perf.profiling.profiler import profile, record_function


def nodes_by_name(path) -> dict:
    return {node["name"]: node for node in json.loads(path.read_text(encoding="utf-8"))["nodes"]}


def attr(node: dict, name: str) -> object:
    return next(entry["value"] for entry in node["attrs"] if entry["name"] == name)


def test_the_trace_has_pytorchs_schema_and_root_nodes(tmp_path):
    path = tmp_path / "et.json"
    observer = ExecutionTraceObserver().register_callback(str(path))
    observer.start()
    autograd.ones(2) + 1
    observer.stop()
    observer.unregister_callback()
    trace = json.loads(path.read_text(encoding="utf-8"))
    assert list(trace) == ["schema", "pid", "time", "start_ts", "nodes", "finish_ts"]
    assert trace["schema"] == "1.1.1-chakra.0.0.4" and trace["pid"] == os.getpid()
    assert trace["start_ts"] <= trace["finish_ts"] and len(trace["time"]) == len("2026-12-06 10:00:00")
    assert type(trace["start_ts"]) is type(trace["finish_ts"]) is int  # whole milliseconds, as PyTorch's
    first, *ops, last = trace["nodes"]
    assert (first["id"], first["name"], first["ctrl_deps"]) == (
        2,
        "[pytorch|profiler|execution_trace|thread]",
        1,
    )
    assert (last["id"], last["name"], last["ctrl_deps"]) == (
        1,
        "[pytorch|profiler|execution_trace|process]",
        1,
    )
    assert attr(first, "scope") == attr(last, "scope") == 7
    assert [node["name"] for node in ops] == ["tt::Add"]
    for node in trace["nodes"]:
        assert list(node) == ["id", "name", "ctrl_deps", "inputs", "outputs", "attrs"]
        assert list(node["inputs"]) == list(node["outputs"]) == ["values", "shapes", "types", "strides"]
        assert [entry["name"] for entry in node["attrs"]] == [
            "rf_id", "fw_parent", "seq_id", "scope", "tid", "fw_tid",
            "op_schema", "kernel_backend", "kernel_file", "tensor_range",
        ]  # fmt: skip


def test_arguments_are_described_as_pytorch_does(tmp_path):
    path = tmp_path / "et.json"
    observer = ExecutionTraceObserver().register_callback(path)  # (a Path is taken too)
    a = autograd.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), requires_grad=True)
    observer.start()
    doubled = a * 2
    doubled.sum().backward()
    observer.stop()
    nodes = nodes_by_name(path)
    mul = nodes["tt::Mul"]
    assert mul["inputs"]["types"] == ["Tensor(float)", "Int"]
    assert mul["inputs"]["shapes"] == [[2, 3], []] and mul["inputs"]["strides"] == [[3, 1], []]
    tensor, number = mul["inputs"]["values"]
    assert tensor[2:] == [0, 6, 4, "cpu"] and number == 2  # offset, numel, itemsize, device
    product = mul["outputs"]["values"][0]
    assert nodes["tt::Sum"]["inputs"]["values"][0] == product  # the same tensor: the same ids
    assert nodes["tt::Sum"]["inputs"]["types"] == ["Tensor(float)", "None", "Bool"]
    assert nodes["tt::Sum"]["inputs"]["values"][1:] == ["<None>", False]
    backward = nodes["SumBackward0"]
    spread = backward["outputs"]["values"][0]  # the gradient broadcast from one element: a view of it
    assert spread[1] == backward["inputs"]["values"][0][1] and spread[3] == 6
    assert backward["outputs"]["strides"] == [[0, 0]]
    assert nodes["MulBackward0"]["outputs"]["types"] == ["Tensor(float)", "None"]
    assert all(node["ctrl_deps"] == 2 for node in nodes.values() if node["id"] > 2)
    observer.unregister_callback()


def test_ranges_and_nesting_give_the_control_dependencies(tmp_path):
    path = tmp_path / "et.json"
    observer = ExecutionTraceObserver().register_callback(str(path))
    observer.start()
    with record_function("block"):
        autograd.ones(2, 2) @ autograd.ones(2, 2)
    observer.stop()
    trace = json.loads(path.read_text(encoding="utf-8"))
    names = [node["name"] for node in trace["nodes"]]
    assert names.index("tt::MatMul") < names.index("block")  # a node is listed when it ends
    nodes = nodes_by_name(path)
    assert nodes["tt::MatMul"]["ctrl_deps"] == nodes["block"]["id"] and nodes["block"]["ctrl_deps"] == 2
    assert nodes["block"]["id"] < nodes["tt::MatMul"]["id"]  # ids are given when a node starts
    assert attr(nodes["tt::MatMul"], "rf_id") == nodes["tt::MatMul"]["id"]
    observer.unregister_callback()


def test_only_what_runs_between_start_and_stop_is_recorded_over_several_cycles(tmp_path):
    path = tmp_path / "et.json"
    observer = ExecutionTraceObserver().register_callback(str(path))
    autograd.ones(1) + 1  # before start
    observer.start()
    autograd.ones(1) * 2
    observer.stop()
    autograd.ones(1) - 1  # between cycles
    observer.start()
    autograd.ones(1) / 2
    observer.stop()
    observer.unregister_callback()
    autograd.ones(1) + 1  # after
    names = [node["name"] for node in json.loads(path.read_text(encoding="utf-8"))["nodes"]]
    assert [name for name in names if name.startswith("tt::")] == ["tt::Mul", "tt::Div"]
    assert observer.get_output_file_path() == str(path) and not observer.is_registered


def test_the_file_is_whole_after_each_stop_and_compressed_for_gz(tmp_path):
    path = tmp_path / "et.json.gz"
    observer = ExecutionTraceObserver().register_callback(str(path))
    observer.start()
    autograd.ones(1) * 3
    observer.stop()
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        assert "tt::Mul" in [node["name"] for node in json.load(handle)["nodes"]]
    assert sorted(os.listdir(tmp_path)) == ["et.json.gz"]  # the temporary file was renamed
    observer.unregister_callback()


def test_state_queries_and_calls_that_change_nothing(tmp_path):
    observer = ExecutionTraceObserver()
    assert (
        observer.get_output_file_path() is None and not observer.is_registered and not observer.is_running()
    )
    observer.start()  # not registered: nothing starts, as in PyTorch
    assert not observer.is_running() and profiler._RECORDING == []
    observer.stop()
    observer.unregister_callback()
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert observer.register_callback(str(first)) is observer
    observer.register_callback(str(second))  # registered already: ignored, as PyTorch's
    assert observer.get_output_file_path() == str(first)
    observer.start()
    observer.start()
    assert observer.is_running() and len(profiler._RECORDING) == 1
    observer.cleanup()
    assert not observer.is_running() and not observer.is_registered and first.exists() and not second.exists()


def test_stopping_leaves_no_patch_and_no_recorder(tmp_path):
    original = MatMulFunction.__dict__["forward"]
    observer = ExecutionTraceObserver().register_callback(str(tmp_path / "et.json"))
    observer.start()
    assert MatMulFunction.__dict__["forward"] is not original
    observer.stop()
    assert MatMulFunction.__dict__["forward"] is original and profiler._RECORDING == []
    observer.unregister_callback()


def test_an_observer_and_a_profiler_stop_in_reverse_order(tmp_path):
    original = MatMulFunction.__dict__["forward"]
    observer = ExecutionTraceObserver().register_callback(str(tmp_path / "et.json"))
    prof = profile()
    observer.start()
    prof.start()
    with pytest.raises(RuntimeError, match="stop it first"):
        observer.stop()
    assert observer.is_running()
    prof.stop()
    observer.stop()
    assert MatMulFunction.__dict__["forward"] is original and profiler._RECORDING == []
    observer.unregister_callback()


def test_the_profiler_runs_its_observer_and_finishes_it(tmp_path):
    path = tmp_path / "et.json"
    observer = ExecutionTraceObserver().register_callback(str(path))
    with profile(execution_trace_observer=observer) as prof:
        assert observer.is_running()
        autograd.ones(2) + 1
    assert not observer.is_registered  # unregistered when the block ends, as PyTorch's
    assert [event.name for event in prof.events()] == ["tt::Add"]
    assert "tt::Add" in nodes_by_name(path)


def test_bad_paths(tmp_path):
    with pytest.raises(TypeError, match="output_file_path must be a str or os.PathLike, got int"):
        ExecutionTraceObserver().register_callback(3)
    missing = tmp_path / "no" / "et.json"
    with pytest.warns(UserWarning, match="failed to open .*nothing will be recorded"):
        observer = ExecutionTraceObserver().register_callback(str(missing))
    assert not observer.is_registered and observer.get_output_file_path() is None


def test_numbers_lists_views_and_other_arguments(tmp_path):
    path = tmp_path / "et.json"
    observer = ExecutionTraceObserver().register_callback(str(path))
    a = autograd.tensor(np.arange(6.0).reshape(2, 3))
    observer.start()
    a.sum(dim=(0, 1))
    a * 2.5
    a.float()
    a[1:] + 0  # a view at an offset into a's storage
    observer.stop()
    observer.unregister_callback()
    nodes = nodes_by_name(path)
    total = nodes["tt::Sum"]["inputs"]
    assert total["types"][1:] == ["GenericList[Int,Int]", "Bool"] and total["values"][1:] == [[0, 1], False]
    assert total["shapes"][1] == [[], []] and total["strides"][1] == [[], []]
    assert (
        nodes["tt::Mul"]["inputs"]["types"][1] == "Double" and nodes["tt::Mul"]["inputs"]["values"][1] == 2.5
    )
    kind = nodes["tt::Cast"]["inputs"]["types"][1]  # a NumPy dtype: named by its class
    assert kind not in ("Int", "Double", "Bool", "String", "None")
    assert nodes["tt::Cast"]["inputs"]["values"][1] == f"<{kind}>"
    (view, _), strides = nodes["tt::Add"]["inputs"]["values"], nodes["tt::Add"]["inputs"]["strides"]
    source = nodes["tt::Sum"]["inputs"]["values"][0]
    assert view[1] == source[1] and view[2:5] == [3, 3, 8] and strides[0] == [3, 1]  # storage, offset, numel
    assert all(type(number) is int for number in [*view[:5], *strides[0]])  # whole elements, not bytes / size
    described = observer._describe(("mean", [np.zeros(2, np.int64)]))  # (what a str and nested tensors give)
    assert described[2] == "GenericList[String,GenericList[Tensor(long int)]]"
    assert described[1] == [[], [[2]]] and described[3] == [[], [[1]]] and described[0][0] == "mean"


def test_attributes_are_pytorchs(tmp_path):
    path = tmp_path / "et.json"
    observer = ExecutionTraceObserver().register_callback(str(path))
    observer.start()
    with record_function("block"):
        autograd.ones(2, 2) @ autograd.ones(2, 2)
    observer.stop()
    observer.unregister_callback()
    nodes = nodes_by_name(path)
    types = {entry["name"]: entry["type"] for entry in nodes["tt::MatMul"]["attrs"]}
    assert types["seq_id"] == "int64" and types["rf_id"] == types["tid"] == "uint64"
    assert types["op_schema"] == "string"
    matmul = nodes["tt::MatMul"]
    assert [attr(matmul, name) for name in ("fw_parent", "seq_id", "scope", "tid", "fw_tid")] == [
        0,
        -1,
        0,
        1,
        0,
    ]
    assert matmul["inputs"]["shapes"] == [[2, 2], [2, 2]] and nodes["block"]["inputs"]["values"] == []
    thread = nodes["[pytorch|profiler|execution_trace|thread]"]
    process = nodes["[pytorch|profiler|execution_trace|process]"]
    assert [attr(thread, "rf_id"), attr(thread, "tid"), attr(process, "rf_id"), attr(process, "tid")] == [
        0,
        1,
        0,
        0,
    ]


def test_registering_anew_starts_a_new_trace_and_unregistering_writes_even_an_empty_one(tmp_path):
    first, second, empty = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    observer = ExecutionTraceObserver().register_callback(str(first))
    assert observer.is_registered is True and observer.register_callback(str(second)) is observer
    observer.start()
    autograd.ones(1) * 2
    observer.unregister_callback()  # (stops first)
    assert observer.is_registered is False
    observer.register_callback(str(second))
    observer.start()
    autograd.ones(1) - 1
    observer.unregister_callback()
    assert [name for name in nodes_by_name(second) if name.startswith("tt::")] == ["tt::Sub"]
    idle = ExecutionTraceObserver().register_callback(str(empty))
    idle.unregister_callback()  # never started: the two root nodes only
    assert len(json.loads(empty.read_text(encoding="utf-8"))["nodes"]) == 2


def test_an_observer_dropped_while_registered_finishes_its_file(tmp_path):
    path = tmp_path / "et.json"
    observer = ExecutionTraceObserver().register_callback(str(path))
    del observer
    gc.collect()
    assert path.exists()


def test_the_missing_directory_warning_points_at_the_caller(tmp_path):
    with pytest.warns(UserWarning, match="failed to open") as record:
        ExecutionTraceObserver().register_callback(str(tmp_path / "no" / "et.json"))
    assert record[0].filename == __file__


def test_a_failure_while_patching_undoes_what_was_done(tmp_path, monkeypatch):
    from tt_perf.profiling import execution_trace

    original = MatMulFunction.__dict__["forward"]
    real = execution_trace.patch_functions

    def fails_after_patching(frames, originals):
        real(frames, originals)
        raise RuntimeError("patching failed part-way")

    monkeypatch.setattr(execution_trace, "patch_functions", fails_after_patching)
    observer = ExecutionTraceObserver().register_callback(str(tmp_path / "et.json"))
    with pytest.raises(RuntimeError, match="patching failed part-way"):
        observer.start()
    assert MatMulFunction.__dict__["forward"] is original and profiler._RECORDING == []
    assert not observer.is_running()
    observer.unregister_callback()
