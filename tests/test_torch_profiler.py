"""``tinytorch.profiler`` and the legacy ``tinytorch.autograd.profiler``: PyTorch's import paths and names."""

from __future__ import annotations

import json

import pytest

import tinytorch as torch
from tinytorch.autograd.profiler import profile as legacy_profile
from tinytorch.profiler import ProfilerActivity, profile, record_function, schedule, tensorboard_trace_handler


def step(model, x):
    with record_function("train_step"):
        model(x).sum().backward()


def test_the_pytorch_recipe_runs_unchanged(tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.ReLU())
    x = torch.randn(3, 8)
    with profile(
        activities=[ProfilerActivity.CPU],
        record_shapes=True,
        profile_memory=True,
        schedule=schedule(wait=1, warmup=1, active=3, repeat=1),
        on_trace_ready=tensorboard_trace_handler(str(tmp_path / "log")),
    ) as prof:
        for _ in range(6):
            step(model, x)
            prof.step()
    table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10)
    assert "train_step" in table and "tt::Linear" in table and "AddmmBackward0" in table
    rows = {row.key: row.count for row in prof.key_averages()}
    assert rows["train_step"] == rows["ProfilerStep*"] == rows["tt::Linear"] == 3  # the three active steps
    shapes = prof.key_averages(group_by_input_shape=True).table(sort_by="cpu_time_total", row_limit=20)
    assert "Input Shapes" in shapes and "[[3, 8], [4, 8], [4]]" in shapes
    (trace,) = (tmp_path / "log").iterdir()
    assert json.loads(trace.read_text(encoding="utf-8"))["traceEvents"]
    prof.export_chrome_trace(str(tmp_path / "t.json"))
    assert json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))["traceEvents"]


def test_the_legacy_autograd_profiler_records_its_with_block():
    x = torch.ones(2, 2, requires_grad=True)
    with torch.autograd.profiler.profile(record_shapes=True) as prof:
        with torch.autograd.profiler.record_function("block"):
            (x * x).sum().backward()
    names = [event.name for event in prof.function_events]
    assert names[0] == "block" and "tt::Mul" in names and "MulBackward0" in names
    assert len(prof.table().splitlines()) == len(names) + 5  # one row per event
    assert {row.key for row in prof.key_averages()} == set(names)
    assert prof.self_cpu_time_total == pytest.approx(prof.total_average().self_cpu_time_total)
    assert legacy_profile is torch.autograd.profiler.profile
    assert torch.autograd.profiler.record_function is record_function


def test_a_disabled_legacy_profiler_records_nothing_and_device_profiling_is_refused():
    with legacy_profile(enabled=False) as prof:
        torch.ones(2) + 1
    with pytest.raises(RuntimeError, match="nothing has been recorded"):
        prof.function_events  # noqa: B018
    with pytest.raises(RuntimeError, match="CPU only"):
        legacy_profile(use_device="cuda")
    with pytest.raises(RuntimeError, match="not reentrant"):
        with legacy_profile() as outer:
            with outer:
                pass


def test_names_torch_profiler_lacks_say_so():
    with pytest.raises(AttributeError, match=r"^torch\.profiler\.itt is not part of TinyTorch"):
        torch.profiler.itt  # noqa: B018


def test_the_flamegraph_and_memory_exports_run_from_both_profilers(tmp_path):
    model = torch.nn.Linear(8, 4)
    x = torch.randn(3, 8)
    with profile(record_shapes=True, profile_memory=True, with_stack=True) as prof:
        model(x).sum().backward()
    prof.export_stacks(str(tmp_path / "profiler.stacks"), metric="self_cpu_time_total")
    lines = (tmp_path / "profiler.stacks").read_text().splitlines()
    assert lines and all(__file__ in line for line in lines)
    with pytest.warns(FutureWarning):
        prof.export_memory_timeline(str(tmp_path / "memory.json"))
    times, sizes = json.loads((tmp_path / "memory.json").read_text(encoding="utf-8"))
    assert len(times) == len(sizes) > 0 and times == sorted(times)
    with legacy_profile(with_stack=True) as legacy:
        model(x).sum().backward()
    legacy.export_stacks(tmp_path / "legacy.stacks")
    lines = (tmp_path / "legacy.stacks").read_text().splitlines()
    assert lines and all(__file__ in line for line in lines)
    assert any(line.split(";")[-1].startswith(f"{__file__}(") for line in lines)  # backward's: innermost last
    assert all("/<frozen" not in line for line in lines)  # "<frozen runpy>" is no path
    legacy.export_stacks(tmp_path / "device.stacks", "self_cuda_time_total")
    assert (tmp_path / "device.stacks").read_text() == ""
