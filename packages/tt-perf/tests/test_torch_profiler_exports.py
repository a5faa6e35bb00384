"""``torch.profiler``'s flamegraph stacks (``export_stacks``) and its memory timeline."""

from __future__ import annotations

import gzip
import json
import os
import sys
import tracemalloc

import numpy as np
import pytest
import tt_autograd as autograd
from tt_perf.profiling import timing
from tt_perf.profiling.events import EventList, FunctionEvent
from tt_perf.profiling.memory_timeline import raw_events, timeline, write_memory_timeline
from tt_perf.profiling.profiler import profile, record_function

MEMORY = {"record_shapes": True, "profile_memory": True, "with_stack": True}


def slow_function(clock, seconds: float):
    """An operation that takes ``seconds`` of ``clock`` (forward only: these tests run no backward)."""

    def forward(ctx, x):
        clock.now += seconds
        return x * 1

    return type("SlowFunction", (autograd.Function,), {"forward": staticmethod(forward)})


def here() -> int:
    return sys._getframe(1).f_lineno


def test_export_stacks_writes_each_stack_outermost_first_with_its_self_microseconds(fake_clock, tmp_path):
    clock = fake_clock(timing)
    slow = slow_function(clock, 0.25)
    x = autograd.ones(2)

    def inner():
        return slow.apply(x), here()

    with profile(with_stack=True) as prof:
        range_line = here() + 1
        with record_function("range"):
            clock.now += 1.0
            (_, line), outer_line = inner(), here()
    path = tmp_path / "stacks.txt"
    prof.export_stacks(path)
    lines = path.read_text().splitlines()
    assert len(lines) == 2  # the range and the operation (its forward computes on arrays: no more events)
    stacks = dict(line.rsplit(" ", 1) for line in lines)
    me = "test_export_stacks_writes_each_stack_outermost_first_with_its_self_microseconds"
    range_stack, op_stack = (f"{__file__}({range_line}):_{me}", f"{__file__}({outer_line}):_{me}")
    [op] = [entry for entry in stacks if entry.endswith(f"({line}):_inner")]
    assert op.split(";")[-2:] == [op_stack, f"{__file__}({line}):_inner"]  # outermost first
    assert stacks[op] == "250000"  # the operation's self time, whole microseconds
    [outer] = [entry for entry in stacks if entry.endswith(range_stack)]
    assert stacks[outer] == "1000000" and op.startswith(outer.removesuffix(range_stack))  # one caller chain
    assert all(" " not in entry for entry in stacks)  # the spaces of "file(n): name" became "_"


def test_export_stacks_follows_pytorchs_rules(tmp_path):
    def event(name, start, end, stack):
        return FunctionEvent(0, name, start, end, stack=stack)

    events = EventList(
        [
            event("a", 0.0, 7.9, ["in ner(2): f;g\th\ni", "out(1): main"]),
            event("b", 0.0, 0.9, ["out(1): main"]),  # under 1 us: int 0, left out
            event("c", 0.0, 5.0, []),  # no stack: left out
            event("d", 2.0, 3.0, ["d(4): k"]),  # exactly 1 us: written
        ]
    )
    path = tmp_path / "s.txt"
    events.export_stacks(path, "self_cpu_time_total")
    assert path.read_text() == "out(1):_main;in_ner(2):_f_g_h_i 7\nd(4):_k 1\n"
    for metric in ("self_cuda_time_total", "self_xpu_time_total", "self_privateuse1_time_total"):
        events.export_stacks(path, metric)  # no device here: every figure 0, nothing written
        assert path.read_text() == ""
    with pytest.raises(ValueError, match=r"metric should be one of: \['self_cpu_time_total', "):
        events.export_stacks(path, "cpu_time_total")
    with pytest.raises(TypeError, match="path must be a str or os.PathLike, got 3"):
        events.export_stacks(3, "self_cpu_time_total")


def test_export_stacks_needs_with_stack_and_a_recording(tmp_path):
    with profile() as prof:
        autograd.ones(2) * 2
    with pytest.raises(AssertionError, match="requires with_stack=True"):
        prof.export_stacks(tmp_path / "s.txt")
    with pytest.raises(RuntimeError, match="nothing has been recorded"):
        profile(with_stack=True).export_stacks(tmp_path / "s.txt")
    with profile(with_stack=True) as prof:
        autograd.ones(2) * 2
    with pytest.raises(ValueError, match="metric should be one of"):
        prof.export_stacks(tmp_path / "s.txt", metric="count")


def test_memory_timeline_coalesces_points_by_microsecond_into_the_unknown_category():
    times, sizes = timeline([(3.2, 10), (3.9, 30), (5.0, -4), (5.5, 2), (7.5, 8)])
    assert times == [3, 5, 7]  # an instant's last size: 3.9's, 5.5's
    assert sizes == [[0] * 8 + [30], [0] * 8 + [2], [0] * 8 + [8]]
    assert timeline([]) == ([], [])
    assert raw_events([(1.5, 10), (2.0, 10), (2.25, 4), (3.0, 0), (3.5, 1)]) == [
        [1500, 2, 10, 7],  # CREATE, 10 bytes, category 7 (unknown), at 1500 ns
        [2250, 4, -6, 7],  # DESTROY, 6 bytes less
        [3000, 4, -4, 7],
        [3500, 2, 1, 7],  # one byte more: a CREATE too
    ]


def profile_memory_run(fake_clock, **options):
    clock = fake_clock(timing)
    slow = slow_function(clock, 0.001)
    x = autograd.tensor(np.ones(1000))
    with profile(**options) as prof:
        clock.now += 0.002
        kept = slow.apply(x)  # its result, 8000 bytes, is kept
        clock.now += 0.003
    return prof, kept


def test_export_memory_timeline_json_holds_the_bytes_each_event_began_and_ended_with(fake_clock, tmp_path):
    prof, _ = profile_memory_run(fake_clock, **MEMORY)
    path = tmp_path / "timeline.json"
    with pytest.warns(FutureWarning, match="`export_memory_timeline` is deprecated") as caught:
        prof.export_memory_timeline(str(path))
    assert caught[0].filename == __file__
    times, sizes = json.loads(path.read_text())
    assert times[0] == 2000  # the operation began 2 ms after the start; it ended 1 ms later
    assert times[-1] == 3000 and len(times) == 2  # the x * 1 inside it, at the same fake instants, coalesced
    assert all(row[:8] == [0] * 8 for row in sizes)
    assert 8000 <= sizes[-1][8] - sizes[0][8] < 16000  # the result it keeps
    path_gz = tmp_path / "timeline.json.gz"
    with pytest.warns(FutureWarning):
        prof.export_memory_timeline(path_gz)
    with gzip.open(path_gz, "rt") as handle:
        assert json.load(handle) == [times, sizes]
    raw = tmp_path / "timeline.raw.json.gz"
    with pytest.warns(FutureWarning):
        prof.export_memory_timeline(raw)
    with gzip.open(raw, "rt") as handle:
        rows = json.load(handle)
    assert sum(row[2] for row in rows) == sizes[-1][8] and rows[-1][0] == 3000000  # ns
    with pytest.warns(FutureWarning):
        prof.export_memory_timeline(tmp_path / "cuda.json", device="cuda:0")  # held nothing there
    assert json.loads((tmp_path / "cuda.json").read_text()) == [[], []]
    with pytest.warns(FutureWarning):
        prof.export_memory_timeline(tmp_path / "cpu.json", device="cpu")
    assert json.loads((tmp_path / "cpu.json").read_text()) == [times, sizes]


def test_export_memory_timeline_html_draws_the_steps(fake_clock, tmp_path):
    prof, _ = profile_memory_run(fake_clock, **MEMORY)
    path = tmp_path / "timeline.html"
    with pytest.warns(FutureWarning):
        prof.export_memory_timeline(path)
    page = path.read_text()
    assert page.startswith("<html>") and "<svg" in page and "Time (1.000 ms across)" in page
    points = page.split('points="')[1].split('"')[0].split()
    assert len(points) == 3  # two sizes: the first, a step across, then up
    (x0, y0), (x1, y1), (x2, y2) = ([float(v) for v in p.split(",")] for p in points)
    assert (x0, x1, x2) == (60.0, 740.0, 740.0) and y1 == y0 and y2 < y1  # memory grew: the line goes up


def test_export_memory_timeline_needs_the_three_options_and_checks_its_arguments(fake_clock, tmp_path):
    prof, _ = profile_memory_run(fake_clock, profile_memory=True)
    with (
        pytest.warns(FutureWarning),
        pytest.raises(ValueError, match=r"^record_shapes=True, with_stack=True req"),
    ):
        prof.export_memory_timeline(tmp_path / "t.json")
    prof, _ = profile_memory_run(fake_clock, record_shapes=True, with_stack=True)
    with pytest.warns(FutureWarning), pytest.raises(ValueError, match=r"^profile_memory=True required"):
        prof.export_memory_timeline(tmp_path / "t.json")
    with pytest.warns(FutureWarning), pytest.raises(RuntimeError, match="nothing has been recorded"):
        profile(**MEMORY).export_memory_timeline(tmp_path / "t.json")
    prof, _ = profile_memory_run(fake_clock, **MEMORY)
    with pytest.warns(FutureWarning), pytest.raises(TypeError, match="path must be"):
        prof.export_memory_timeline(3)
    with pytest.warns(FutureWarning), pytest.raises(TypeError, match="device must be"):
        prof.export_memory_timeline(tmp_path / "t.json", device=0)


def test_memory_timeline_counts_from_the_recordings_start_and_keeps_cycles_only_with_acc_events(fake_clock):
    hold = np.ones(100000)  # allocated before: not in the timeline
    prof, _ = profile_memory_run(fake_clock, **MEMORY)
    assert 0 <= prof._memory_points[0][1] < hold.nbytes
    unmeasured, _ = profile_memory_run(fake_clock, record_shapes=True)
    assert unmeasured._memory_points == []  # only with profile_memory
    x = autograd.ones(2)
    for acc_events, muls in ((False, 0), (True, 2)):  # the last cycle is the step stop() closed: no Mul
        prof = profile(schedule=_every_step, acc_events=acc_events, **MEMORY)
        with prof:
            for _ in range(2):
                x * 2
                prof.step()
        names = [event.name for event in prof.events()]
        assert names.count("tt::Mul") == muls
        assert len(prof._memory_points) == 2 * len(names)  # each event's start and end, of the kept cycles


def _every_step(step):
    from tt_perf.profiling.profiler import ProfilerAction

    return ProfilerAction.RECORD_AND_SAVE


def test_memory_points_count_from_what_a_callers_tracing_held_when_recording_began(fake_clock):
    tracemalloc.start()
    try:
        peak = np.ones(500000)  # 4 MB traced, then freed: the peak stays above what is held
        del peak
        held = np.ones(100000)  # 800 kB held throughout
        prof, kept = profile_memory_run(fake_clock, **MEMORY)
        assert tracemalloc.is_tracing()  # the caller's tracing is left running
    finally:
        tracemalloc.stop()
    values = [nbytes for _, nbytes in prof._memory_points]
    assert 0 <= min(values) and max(values) < held.nbytes  # neither what was held before nor the old peak
    assert max(values) >= kept.numpy().nbytes


def test_stacks_name_files_by_their_absolute_path_and_pseudo_files_as_they_are():
    x = autograd.ones(2)
    with profile(with_stack=True) as prof:
        exec(compile("x * 2", os.path.join("relative", "made.py"), "exec"), {"x": x})
        exec(compile("x * 3", "<generated>", "exec"), {"x": x})
    made, generated = (event.stack[0] for event in prof.events())
    assert made == f"{os.path.abspath(os.path.join('relative', 'made.py'))}(1): <module>"
    assert generated == "<generated>(1): <module>"  # not a path: kept, as "<frozen runpy>" is


def test_memory_points_are_at_each_events_own_start_and_end(fake_clock):
    clock = fake_clock(timing)
    slow, x = slow_function(clock, 0.001), autograd.ones(2)
    with profile(**MEMORY) as prof:
        clock.now += 0.001
        with record_function("range"):
            clock.now += 0.001
            slow.apply(x)
            clock.now += 0.001
    times = [time_us for time_us, _ in prof._memory_points]
    assert times == pytest.approx([1000, 2000, 3000, 4000])  # range, op begin; op, range end


def test_the_html_plot_places_each_step_by_time_and_bytes(tmp_path):
    def corners(points):
        path = tmp_path / "t.html"
        assert write_memory_timeline(points, path) == path
        page = path.read_text()
        return page.split('points="')[1].split('"')[0].split(), page

    # 800 x 400 pixels, 60 of margin: x from 60 to 740, y from 340 (the lowest) up to 60 (the highest)
    assert corners([(0, 2), (1000, 4)])[0] == ["60.0,200.0", "740.0,200.0", "740.0,60.0"]
    assert corners([(0, -4), (500, 4), (1000, 0)])[0] == [
        "60.0,340.0",
        "400.0,340.0",
        "400.0,60.0",
        "740.0,60.0",
        "740.0,200.0",
    ]
    assert corners([(5, 0)])[0] == ["60.0,340.0"]  # one instant, nothing held: no division by zero
    empty, page = corners([])
    assert empty == [] and "Time (0.001 ms across)" in page and "0.00 MiB" in page
