"""``torch.profiler``'s traces: Chrome JSON (``export_chrome_trace``), the TensorBoard handler."""

from __future__ import annotations

import gzip
import json
import os
import re
import socket

import pytest
import tt_autograd as autograd
from tt_perf.profiling import events as events_module
from tt_perf.profiling import profiler
from tt_perf.profiling.events import EventList, FunctionEvent
from tt_perf.profiling.profiler import (
    ProfilerActivity,
    profile,
    record_function,
    schedule,
    tensorboard_trace_handler,
)


def train(prof: profile, steps: int) -> None:
    w = autograd.randn(4, 3, requires_grad=True)
    with prof:
        for _ in range(steps):
            with record_function("train_step"):
                (autograd.randn(2, 4) @ w).sum().backward()
            prof.step()


def test_the_chrome_trace_is_valid_json_with_nested_complete_events(tmp_path):
    prof = profile(schedule=schedule(wait=0, warmup=1, active=2, repeat=1), record_shapes=True)
    train(prof, 3)
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(path)
    trace = json.loads(path.read_text(encoding="utf-8"))
    events = trace["traceEvents"]
    assert {event["ph"] for event in events} == {"X"}
    assert [event["ts"] for event in events] == sorted(event["ts"] for event in events)
    names = [event["name"] for event in events]
    assert names.count("ProfilerStep#1") == names.count("ProfilerStep#2") == 1  # steps keep their number
    assert names.count("train_step") == 2 and names.count("tt::MatMul") == 2
    by_name = {event["name"]: event for event in events}
    step, matmul = by_name["train_step"], by_name["tt::MatMul"]
    assert step["cat"] == "user_annotation" and matmul["cat"] == "cpu_op"
    assert matmul["args"]["Input Dims"] == [[2, 4], [4, 3]]
    last_step = [event for event in events if event["name"] == "train_step"][-1]
    assert (
        last_step["ts"] <= matmul["ts"] and matmul["ts"] + matmul["dur"] <= last_step["ts"] + last_step["dur"]
    )
    assert all(event["dur"] >= 0 and event["pid"] == os.getpid() for event in events)
    recorded = {event.id: event for event in prof.events()}  # the same intervals, in microseconds
    for event in events:
        source = recorded[event["args"]["External id"]]
        assert event["name"] == source.trace_name
        assert event["ts"] == pytest.approx(source.start_us) and event["dur"] == pytest.approx(
            source.end_us - source.start_us
        )
    prof.events().export_chrome_trace(tmp_path / "list.json")  # EventList's export: the same trace
    assert json.loads((tmp_path / "list.json").read_text(encoding="utf-8")) == trace
    assert trace["schemaVersion"] == 1  # PyTorch's


def test_events_that_start_together_keep_their_own_ids_longest_first(tmp_path):
    short, long = FunctionEvent(0, "short", 5.0, 6.0), FunctionEvent(1, "long", 5.0, 9.0)
    EventList([short, long]).export_chrome_trace(tmp_path / "t.json")
    rows = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))["traceEvents"]
    assert [(row["name"], row["args"]["External id"]) for row in rows] == [("long", 1), ("short", 0)]
    assert events_module.write_events([short], tmp_path / "w.json") == tmp_path / "w.json"  # the path written


def test_the_handler_writes_one_file_per_cycle_named_like_pytorchs(tmp_path):
    prof = profile(
        schedule=schedule(wait=1, warmup=1, active=1, repeat=2),
        on_trace_ready=tensorboard_trace_handler(tmp_path),
    )
    train(prof, 7)
    files = sorted(os.listdir(tmp_path))
    worker = re.escape(f"{socket.gethostname()}_{os.getpid()}")
    assert len(files) == 2 and all(re.fullmatch(rf"{worker}\.\d+\.pt\.trace\.json", name) for name in files)
    steps = set()
    for name in files:
        trace = json.loads((tmp_path / name).read_text(encoding="utf-8"))
        steps |= {event["name"] for event in trace["traceEvents"] if event["name"].startswith("ProfilerStep")}
    assert steps == {"ProfilerStep#2", "ProfilerStep#5"}
    blocked = tmp_path / "a_file"
    blocked.write_text("")
    with pytest.raises(RuntimeError, match="Can't create directory: .*a_file"):  # PyTorch's message
        train(profile(on_trace_ready=tensorboard_trace_handler(str(blocked / "log"))), 1)


def test_the_handler_compresses_names_workers_and_makes_its_directory(tmp_path):
    target = tmp_path / "new" / "log"
    train(
        profile(on_trace_ready=tensorboard_trace_handler(str(target), worker_name="rank0", use_gzip=True)), 1
    )
    (name,) = os.listdir(target)
    assert name.startswith("rank0.") and name.endswith(".pt.trace.json.gz")
    with gzip.open(target / name, "rt", encoding="utf-8") as handle:
        assert any(event["name"] == "train_step" for event in json.load(handle)["traceEvents"])


def test_a_failed_write_leaves_neither_a_partial_trace_nor_a_temporary_file(tmp_path, monkeypatch):
    prof = profile()
    train(prof, 1)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(events_module.json, "dumps", broken)
    with pytest.raises(OSError, match="disk full"):
        prof.export_chrome_trace(tmp_path / "trace.json")
    assert os.listdir(tmp_path) == []
    monkeypatch.undo()
    monkeypatch.setattr(events_module.os, "replace", broken)  # the temporary file written, then no rename
    with pytest.raises(OSError, match="disk full"):
        prof.export_chrome_trace(tmp_path / "trace.json")
    assert os.listdir(tmp_path) == []
    monkeypatch.undo()
    prof.export_chrome_trace(tmp_path / "trace.json")
    assert os.listdir(tmp_path) == ["trace.json"]


def test_only_the_cpu_can_be_profiled():
    assert profiler.supported_activities() == {ProfilerActivity.CPU}
    assert profile(activities=[ProfilerActivity.CPU]).activities == {ProfilerActivity.CPU}
    with pytest.raises(RuntimeError, match=r"ProfilerActivity\.CUDA cannot be profiled: .*CPU only"):
        profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA])
    with pytest.raises(RuntimeError, match="CUDA cannot be profiled"):
        profile(use_cuda=True)
    with pytest.raises(TypeError, match="ProfilerActivity members"):
        profile(activities=["cpu"])
    with pytest.raises(TypeError, match="list of ProfilerActivity"):
        profile(activities="CPU")
    with pytest.raises(TypeError, match="name must be a str"):
        record_function(3)
    with pytest.raises(TypeError, match="dir_name must be a path"):
        tensorboard_trace_handler(None)
    with pytest.raises(TypeError, match="worker_name must be a str or None, got 3"):
        tensorboard_trace_handler("log", worker_name=3)
    with pytest.raises(TypeError, match="execution_trace_observer must be an ExecutionTraceObserver"):
        profile(execution_trace_observer=object())
