"""Module 14: self and inclusive times on a fake clock, patches undone on errors, nesting, the trace file."""

from __future__ import annotations

import json
import os
import threading
import tracemalloc

import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_perf.profiling import chrome_events, profile, timing
from tt_text import MultiheadAttention


def slow_parts(clock):
    """A Function taking 2 s forward and 3 s backward, and a layer taking 1 s of its own around it."""

    class SlowFunction(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            clock.now += 2.0
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            clock.now += 3.0
            return (grad,)

    class Layer(nn.Module):
        def forward(self, x):
            clock.now += 1.0
            return SlowFunction.apply(x)

    return SlowFunction, Layer


def rows(table):
    return {row.name: (row.ms, row.inclusive_ms, row.calls) for row in table}


def test_self_times_add_up_to_the_step_and_inclusive_times_contain_their_children(fake_clock):
    clock = fake_clock(timing)
    slow, layer = slow_parts(clock)

    def loss(out):  # 0.5 s of loss glue: inside no frame
        clock.now += 0.5
        return out.sum()

    x = autograd.randn(2, 3, requires_grad=True)
    report = profile(nn.Sequential(layer(), layer()), x, loss, steps=2)
    assert rows(report.forward) == {"0": (1000.0, 3000.0, 1.0), "1": (1000.0, 3000.0, 1.0)}
    assert rows(report.ops)["SlowFunction"] == (4000.0, 4000.0, 2.0)
    assert rows(report.backward)["SlowFunction"] == (6000.0, 6000.0, 2.0)
    assert report.step_ms == 12500.0 and report.self_ms == 12000.0 and report.untracked_ms == 500.0
    assert abs(report.self_ms - report.step_ms) <= 0.05 * report.step_ms  # nothing counted twice
    assert report.by_kind()["Layer"] == 2000.0  # the layer's own time; its op is a row of its own
    assert "untracked" in report.table() and "SlowFunction" in report.table()


def test_a_layer_inside_another_is_in_its_inclusive_time_only(fake_clock):
    clock = fake_clock(timing)
    _, layer = slow_parts(clock)

    class Block(MultiheadAttention):  # hooked although it has children, like every attention block
        def __init__(self):
            super().__init__(4, 1)
            self.inner = layer()

        def forward(self, x):
            clock.now += 0.25
            return self.inner(x)

    report = profile(Block(), autograd.zeros(1, 1, 4), steps=1)
    assert rows(report.forward) == {"Block": (250.0, 3250.0, 1.0), "inner": (1000.0, 3000.0, 1.0)}
    assert report.self_ms == report.step_ms == 3250.0


def test_a_raising_backward_leaves_no_patch_and_no_hook(fake_clock):
    fake_clock(timing)

    class Fails(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            raise FloatingPointError("backward blew up")

    class Layer(nn.Module):
        def forward(self, x):
            return Fails.apply(x)

    before = {
        (cls, m): cls.__dict__[m] for cls in timing._function_classes() for m in ("forward", "backward")
        if m in cls.__dict__
    }  # fmt: skip
    model = nn.Sequential(nn.Linear(3, 3), Layer())
    x = autograd.randn(2, 3)
    model(x).sum()  # fine forward: the warm-up's backward is what raises
    with pytest.raises(FloatingPointError, match="blew up"):
        profile(model, x, lambda out: out.sum(), steps=1)
    after = {(cls, m): cls.__dict__[m] for (cls, m) in before}
    assert after == before and len(before) > 10
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert not tracemalloc.is_tracing()


def test_a_failure_inside_the_profiled_steps_undoes_everything(fake_clock):
    fake_clock(timing)
    calls = []

    class FailsThird(nn.Module):  # warm-up and unprofiled step pass, the profiled one raises
        def forward(self, x):
            calls.append(1)
            if len(calls) == 3:
                raise KeyError("third call")
            return x

    model = nn.Sequential(nn.Linear(2, 2), FailsThird())
    forward_before = {cls: cls.__dict__.get("forward") for cls in timing._function_classes()}
    with pytest.raises(KeyError, match="third call"):
        profile(model, autograd.zeros(1, 2), steps=1)
    assert {cls: cls.__dict__.get("forward") for cls in timing._function_classes()} == forward_before
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert not tracemalloc.is_tracing()


def test_profile_inside_a_profiled_model_keeps_both_reports_right(fake_clock):
    clock = fake_clock(timing)
    slow, layer = slow_parts(clock)
    inner_reports = []

    class ProfilesItsChild(nn.Module):  # not hooked (it has a child); its child is profiled twice over
        def __init__(self):
            super().__init__()
            self.inner = layer()

        def forward(self, x):
            inner_reports.append(profile(self.inner, x, steps=1))  # warm-up, unprofiled, profiled: 3 calls
            return x

    original = slow.__dict__["forward"]
    outer = profile(nn.Sequential(ProfilesItsChild()), autograd.zeros(1, 2), steps=2)
    inner = inner_reports[-1]
    assert rows(inner.forward) == {"Layer": (1000.0, 3000.0, 1.0)}
    assert rows(inner.ops)["SlowFunction"] == (2000.0, 2000.0, 1.0)
    assert rows(outer.forward) == {"0.inner": (3000.0, 9000.0, 3.0)}  # all three inner calls, every step
    assert rows(outer.ops)["SlowFunction"] == (6000.0, 6000.0, 3.0)
    assert outer.step_ms == outer.self_ms == 9000.0
    assert slow.__dict__["forward"] is original


def test_the_trace_is_chrome_trace_event_json(fake_clock, tmp_path):
    clock = fake_clock(timing)
    _, layer = slow_parts(clock)
    clock.now = 100.0  # timestamps are relative to the start of the profiled steps
    report = profile(nn.Sequential(layer(), layer()), autograd.randn(2, 3), steps=2)
    path = tmp_path / "trace.json"
    report.export_chrome_trace(path)
    trace = json.loads(path.read_text())
    assert set(trace) == {"traceEvents", "displayTimeUnit"}
    events = trace["traceEvents"]
    for event in events:  # the complete-event fields of the Trace Event Format
        assert set(event) == {"name", "cat", "ph", "ts", "dur", "pid", "tid"} and event["ph"] == "X"
        assert isinstance(event["name"], str) and isinstance(event["cat"], str)
        assert event["ts"] >= 0 and event["dur"] >= 0
        assert event["pid"] == os.getpid() and event["tid"] == threading.get_ident()
    # 2 steps × (2 layers + 2 ops): parent first, its child inside it, in microseconds
    assert [(e["name"], e["cat"], e["ts"], e["dur"]) for e in events[:4]] == [
        ("0", "forward", 0.0, 3e6),
        ("SlowFunction", "ops", 1e6, 2e6),
        ("1", "forward", 3e6, 3e6),
        ("SlowFunction", "ops", 4e6, 2e6),
    ]
    assert len(events) == 8 and events[-1]["ts"] == 10e6
    assert [e["ts"] for e in events] == sorted(e["ts"] for e in events)


def test_chrome_events_orders_a_parent_before_a_child_starting_with_it():
    frames = [
        {"name": "child", "cat": "ops", "start": 0.5, "dur": 0.25, "tid": 1},
        {"name": "parent", "cat": "forward", "start": 0.5, "dur": 1.0, "tid": 1},
        {"name": "first", "cat": "forward", "start": 0.0, "dur": 0.5, "tid": 2},
    ]
    events = chrome_events(frames, pid=9)
    assert [(e["name"], e["ts"], e["dur"], e["pid"], e["tid"]) for e in events] == [
        ("first", 0.0, 5e5, 9, 2),
        ("parent", 5e5, 1e6, 9, 1),
        ("child", 5e5, 2.5e5, 9, 1),
    ]
    assert {e["ph"] for e in events} == {"X"} and events[1]["cat"] == "forward"


def test_a_function_with_a_plain_forward_is_timed_and_put_back(fake_clock):
    clock = fake_clock(timing)

    class PlainFunction(autograd.Function):  # forward without @staticmethod: apply calls cls.forward
        def forward(ctx, x):
            clock.now += 0.5
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            return (grad,)

    class Layer(nn.Module):
        def forward(self, x):
            return PlainFunction.apply(x)

    original = PlainFunction.__dict__["forward"]
    report = profile(Layer(), autograd.randn(2, 3, requires_grad=True), lambda out: out.sum(), steps=1)
    assert rows(report.ops)["PlainFunction"] == (500.0, 500.0, 1.0)
    assert PlainFunction.__dict__["forward"] is original
