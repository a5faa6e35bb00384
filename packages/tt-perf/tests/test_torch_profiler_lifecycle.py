"""``torch.profiler``'s lifecycle: what starting and stopping leaves behind, even on errors."""

from __future__ import annotations

import tracemalloc

import pytest
import tt_autograd as autograd
from tt_autograd.functions.linalg import MatMulFunction
from tt_perf.profiling import profiler, timing
from tt_perf.profiling.profiler import profile, record_function, schedule


def test_memory_tracing_runs_only_while_recording_and_a_callers_own_is_left_running():
    assert not tracemalloc.is_tracing()
    with profile():
        assert not tracemalloc.is_tracing()  # profile_memory off: no tracemalloc
    with profile(profile_memory=True):
        assert tracemalloc.is_tracing()
    assert not tracemalloc.is_tracing()
    tracemalloc.start()
    try:
        with profile(profile_memory=True):
            pass
        assert tracemalloc.is_tracing()  # the caller's tracing: not the profiler's to stop
    finally:
        tracemalloc.stop()


def test_a_caller_tracing_from_the_second_cycle_on_keeps_its_tracing():
    prof = profile(schedule=schedule(wait=0, warmup=1, active=1, repeat=2), profile_memory=True)
    try:
        with prof:
            for step in range(4):
                if step == 2:  # the first cycle is over: the profiler stopped its own tracing
                    assert not tracemalloc.is_tracing()
                    tracemalloc.start()
                prof.step()
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()


def test_stopping_leaves_no_recorder_no_patch_and_no_duplicate_events():
    original = MatMulFunction.__dict__["forward"]
    a = autograd.ones(2, 2)
    prof = profile()
    prof.start()
    a @ a
    prof.stop()
    assert profiler._RECORDING == [] and MatMulFunction.__dict__["forward"] is original
    count = len(prof.events())
    prof.stop()  # again: nothing more to hand over
    assert len(prof.events()) == count == 1
    with record_function("outside"):  # no profiler records it
        a @ a
    assert len(prof.events()) == 1


def test_a_failure_while_patching_undoes_what_was_done(monkeypatch):
    original = MatMulFunction.__dict__["forward"]
    real = profiler.patch_functions

    def fails_after_patching(frames, originals):
        real(frames, originals)
        raise RuntimeError("patching failed part-way")

    monkeypatch.setattr(profiler, "patch_functions", fails_after_patching)
    with pytest.raises(RuntimeError, match="patching failed part-way"):
        profile(profile_memory=True).start()
    assert MatMulFunction.__dict__["forward"] is original
    assert profiler._RECORDING == [] and not tracemalloc.is_tracing()


def test_stopping_twice_with_a_schedule_closes_the_step_marker_once():
    prof = profile(schedule=schedule(wait=0, warmup=1, active=2))
    prof.start()
    prof.step()
    prof.stop()
    prof.stop()
    assert [event.trace_name for event in prof.events()] == ["ProfilerStep#1"]


def test_events_starting_together_come_parent_first(fake_clock):
    clock = fake_clock(timing)  # time moves only here: each range starts with its operation
    with profile() as prof:
        with record_function("outer"):
            autograd.ones(1) + 1
            clock.now += 1.0  # the longer one first
        with record_function("still"):
            autograd.ones(1) * 2  # both of no length: the one that began first
    assert [event.name for event in prof.events()] == ["outer", "tt::Add", "still", "tt::Mul"]


def test_stop_before_start_is_pytorchs_assertion_and_hands_nothing_over():
    handed = []
    prof = profile(on_trace_ready=handed.append)
    with pytest.raises(AssertionError, match="Profiler must be initialized before stopping trace"):
        prof.stop()
    assert handed == [] and profiler._RECORDING == []
    with pytest.raises(RuntimeError, match="nothing has been recorded yet"):
        prof.events()
    a = autograd.ones(2, 2)
    prof.start()  # still usable: a normal cycle afterwards
    a @ a
    prof.stop()
    assert handed == [prof] and [event.name for event in prof.events()] == ["tt::MatMul"]


def test_stop_before_start_with_a_warmup_schedule_fails_starting_as_pytorch():
    prof = profile(schedule=schedule(wait=0, warmup=1, active=1))
    with pytest.raises(AssertionError, match="Profiler must be initialized before starting trace"):
        prof.stop()  # PyTorch's WARMUP -> end: start the trace, then stop it
    assert profiler._RECORDING == [] and MatMulFunction.__dict__["forward"].__name__ == "forward"
