"""``torch.profiler``'s events: nesting and self times, counts, shapes, memory, FLOPs, stacks."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn.functional as F
import tt_vision
from tt_autograd.functions.linalg import MatMulFunction
from tt_perf.profiling import timing
from tt_perf.profiling.profiler import profile, record_function
from tt_vision.functional import Conv2dFunction  # the class conv2d applies


def slow_function(clock, forward_s: float, backward_s: float):
    class SlowFunction(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            clock.now += forward_s
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            clock.now += backward_s
            return (grad,)

    return SlowFunction


def by_name(prof) -> dict:
    return {event.name: event for event in prof.events()}


def test_nested_ranges_have_exact_self_and_total_times(fake_clock):
    clock = fake_clock(timing)
    slow = slow_function(clock, 2.0, 3.0)
    x = autograd.ones(2, requires_grad=True)
    with profile() as prof:
        with record_function("outer"):
            clock.now += 1.0
            with record_function("inner"):
                clock.now += 0.5
                y = slow.apply(x)
            clock.now += 0.25
        y.sum().backward()
    events = by_name(prof)
    names = ("outer", "inner", "tt::Slow", "SlowFunctionBackward")  # a user Function's grad_fn.name()
    outer, inner, op, back = (events[name] for name in names)
    assert (outer.cpu_time_total, outer.self_cpu_time_total) == (3.75e6, 1.25e6)
    assert (inner.cpu_time_total, inner.self_cpu_time_total) == (2.5e6, 0.5e6)
    assert (op.cpu_time_total, op.self_cpu_time_total) == (2e6, 2e6)
    assert back.cpu_time_total == 3e6 and back.cpu_parent is None
    assert op.cpu_parent is inner and inner.cpu_parent is outer and outer.cpu_parent is None
    assert outer.cpu_children == [inner] and inner.cpu_children == [op]
    assert op.start_us == 1.5e6 and op.end_us == 3.5e6  # microseconds from the start
    total = prof.events().self_cpu_time_total
    assert total == 3.75e6 + 3e6  # every instant once: the self times add up to the recorded time
    assert prof.key_averages().total_average().self_cpu_time_total == total


def test_self_times_are_at_most_totals_and_children_sum_to_the_difference():
    w = autograd.randn(6, 5, requires_grad=True)
    with profile() as prof:
        for _ in range(3):
            with record_function("step"):
                with record_function("forward"):
                    loss = (autograd.randn(4, 6) @ w).relu().sum()
                loss.backward()
    for event in prof.events():
        children = sum(child.cpu_time_total for child in event.cpu_children)
        assert event.self_cpu_time_total <= event.cpu_time_total
        assert event.self_cpu_time_total == pytest.approx(event.cpu_time_total - children, abs=1e-6)
        assert children <= event.cpu_time_total + 1e-6
        for child in event.cpu_children:
            assert event.start_us <= child.start_us and child.end_us <= event.end_us + 1e-6
    rows = {row.key: row for row in prof.key_averages()}
    assert {"step": 3, "forward": 3, "tt::MatMul": 3, "tt::ReLU": 3, "MmBackward0": 3}.items() <= {
        key: row.count for key, row in rows.items()
    }.items()
    assert rows["step"].cpu_time == pytest.approx(rows["step"].cpu_time_total / 3)
    assert rows["step"].cpu_time_total >= rows["forward"].cpu_time_total


def test_a_decorated_function_is_a_range_each_call_and_ranges_outside_a_profiler_record_nothing():
    @record_function("work")
    def work(x):
        return x + 1

    work(autograd.ones(1))  # no profiler: nothing happens
    with profile() as prof:
        work(work(autograd.ones(1)))
    rows = {row.key: row.count for row in prof.key_averages()}
    assert rows == {"work": 2, "tt::Add": 2}
    assert all(event.cpu_parent.name == "work" for event in prof.events() if event.name == "tt::Add")


def test_input_shapes_are_kept_with_record_shapes_and_group_the_rows():
    w = autograd.ones(3, 4)
    with profile(record_shapes=True) as prof:
        for rows in (2, 5, 2):
            autograd.ones(rows, 3) @ w
    grouped = {str(row.input_shapes): row.count for row in prof.key_averages(group_by_input_shape=True)}
    assert grouped == {"[[2, 3], [3, 4]]": 2, "[[5, 3], [3, 4]]": 1}
    (plain,) = prof.key_averages()
    assert (plain.count, plain.input_shapes) == (3, "")
    with profile() as unshaped:
        autograd.ones(2, 3) @ w
    assert unshaped.events()[0].input_shapes == []


def test_memory_is_the_bytes_an_operation_keeps_and_only_with_profile_memory():
    a = autograd.ones(100, 100)
    with profile(profile_memory=True) as prof:
        np.ones(10**6).sum()  # 8 MB allocated and freed: the peak, which no event may count
        with record_function("range"):
            product = a @ a
    events = by_name(prof)
    nbytes = product.array.nbytes
    assert nbytes <= events["tt::MatMul"].cpu_memory_usage < 2 * nbytes  # its result, allocated and kept
    assert events["tt::MatMul"].self_cpu_memory_usage == events["tt::MatMul"].cpu_memory_usage  # a leaf
    assert events["range"].cpu_memory_usage >= nbytes
    assert events["range"].self_cpu_memory_usage == (
        events["range"].cpu_memory_usage - events["tt::MatMul"].cpu_memory_usage
    )
    with profile() as plain:
        a @ a
    assert plain.events()[0].cpu_memory_usage == 0
    assert "CPU Mem" in prof.key_averages().table() and "CPU Mem" not in plain.key_averages().table()


def test_flops_follow_module_14s_rules_with_with_flops():
    x, w3, b = autograd.ones(5, 3), autograd.ones(4, 3), autograd.ones(4)
    image, kernel, bias = autograd.ones(1, 2, 5, 5), autograd.ones(3, 2, 3, 3), autograd.ones(3)
    with profile(with_flops=True) as prof:
        x @ autograd.ones(3, 4)  # 2 * 5 * 3 * 4
        autograd.ones(2, 5, 3) @ autograd.ones(3, 4)  # batched: 2 * 10 * 3 * 4
        autograd.ones(3) @ autograd.ones(3)  # a dot product: 2 * 3
        autograd.ones(2, 3, 4) @ autograd.ones(2, 4, 7)  # both batched (bmm): 2 * 2 * 3 * 4 * 7
        autograd.ones(3, 4) @ autograd.ones(4)  # a matrix times a vector: 2 * 3 * 4
        F.linear(x, w3, b)  # 2 * 5 * 3 * 4 + 5 * 4 (the bias)
        tt_vision.functional.conv2d(image, kernel, bias)  # 27 outputs * 2 * (2 * 3 * 3) + 27
        F.linear(autograd.ones(2, 5, 3), w3, b)  # batched rows: 2 * 10 * 3 * 4 + 40
        grouped, geometry = autograd.ones(4, 1, 3, 3), ((1, 1), (0, 0, 0, 0), (1, 1))
        Conv2dFunction.apply(image, grouped, bias[:1].expand(4), *geometry, 2)  # groups given by position
        Conv2dFunction.apply(image, grouped, bias[:1].expand(4), *geometry, groups=2)  # ... and by name
        x + x  # not counted
    flops = [(event.name, event.flops) for event in prof.events()]
    assert ("tt::MatMul", 120) in flops and ("tt::MatMul", 240) in flops and ("tt::MatMul", 6) in flops
    assert ("tt::MatMul", 336) in flops and ("tt::MatMul", 24) in flops
    assert ("tt::Linear", 280) in flops
    assert [count for name, count in flops if name == "tt::Conv2d"] == [999, 36 * 2 * 9 + 36, 36 * 2 * 9 + 36]
    assert ("tt::Linear", 140) in flops and ("tt::Conv2d", 999) in flops and ("tt::Add", 0) in flops
    table = prof.key_averages().table()
    assert "Total FLOPs" in table.splitlines()[1]
    with profile() as plain:
        x @ autograd.ones(3, 4)
    assert plain.events()[0].flops == 0


def test_backward_nodes_are_rows_named_like_their_grad_fn():
    w = autograd.randn(3, 2, requires_grad=True)
    with profile() as prof:
        out = (autograd.randn(4, 3) @ w).tanh().sum()
        out.backward()
    names = [row.key for row in prof.key_averages()]
    for node in ("MmBackward0", "TanhBackward0", "SumBackward0"):
        assert node in names
    assert out.grad_fn.name() == "SumBackward0"


def test_with_stack_keeps_the_call_site_and_group_by_stack_n_splits_by_it():
    a = autograd.ones(2, 2)
    with profile(with_stack=True) as prof:
        for _ in range(2):
            a @ a  # site one
        a @ a  # site two
    (row,) = prof.key_averages()
    assert row.count == 3 and row.stack == []
    sites = prof.key_averages(group_by_stack_n=1)
    assert sorted(row.count for row in sites) == [1, 2]
    assert all(__file__ in row.stack[0] and "test_with_stack" in row.stack[0] for row in sites)
    assert "Source Location" in sites.table()
    with pytest.raises(ValueError, match="group_by_stack_n"):
        prof.key_averages(group_by_stack_n=-1)


def test_other_threads_are_not_recorded_and_do_not_disturb_the_stack():
    a = autograd.ones(2, 2)
    with profile() as prof:
        with record_function("main"):
            worker = threading.Thread(target=lambda: [a + a for _ in range(20)])
            worker.start()
            worker.join()
            a @ a
    rows = {row.key: row.count for row in prof.key_averages()}
    assert rows == {"main": 1, "tt::MatMul": 1}


def test_patches_are_undone_even_when_the_body_raises():
    original = MatMulFunction.__dict__["forward"]
    with pytest.raises(ZeroDivisionError):
        with profile():
            assert MatMulFunction.__dict__["forward"] is not original
            raise ZeroDivisionError
    assert MatMulFunction.__dict__["forward"] is original
    assert np.array_equal((autograd.ones(2, 2) @ autograd.ones(2, 2)).array, np.full((2, 2), 2.0))


def test_a_range_that_does_not_nest_is_dropped_without_breaking_the_others():
    prof = profile()
    prof.start()
    loose = record_function("loose")
    loose.__enter__()
    with record_function("tight"):
        inner = record_function("inner")
        inner.__enter__()
        loose.__exit__(None, None, None)  # ends before the ranges opened inside it
        inner.__exit__(None, None, None)
        autograd.ones(1) + 1  # inside "tight" only: the dropped range is no parent of anything
    autograd.ones(1) * 2
    prof.stop()
    assert sorted(event.name for event in prof.events()) == ["inner", "tight", "tt::Add", "tt::Mul"]
    assert by_name(prof)["inner"].cpu_parent.name == "tight"
    assert by_name(prof)["tt::Add"].cpu_parent.name == "tight" and by_name(prof)["tt::Mul"].cpu_parent is None


def test_events_are_numbered_in_the_order_they_begin():
    with profile() as prof:
        with record_function("outer"):
            autograd.ones(2) + 1
        autograd.ones(2) * 2
    assert [(event.id, event.name) for event in prof.events()] == [
        (0, "outer"),
        (1, "tt::Add"),
        (2, "tt::Mul"),
    ]


def test_record_function_returns_itself_lets_errors_through_and_checks_its_arguments():
    with profile() as prof:
        with pytest.raises(KeyError):
            with record_function("failing", args="note") as opened:
                assert isinstance(opened, record_function) and opened.name == "failing"
                raise KeyError("inside")
    assert [event.name for event in prof.events()] == ["failing"]  # closed on the way out
    with pytest.raises(TypeError, match="args must be a str or None"):
        record_function("x", args=3)
