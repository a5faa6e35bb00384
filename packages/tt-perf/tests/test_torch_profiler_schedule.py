"""``torch.profiler``'s schedule: the action of each step, and what each recorded cycle holds.

The action strings are PyTorch 2.13's (``torch.profiler.schedule``), written out
step by step: N none, W warmup, R record, S record and save.
"""

from __future__ import annotations

import warnings

import pytest
import tt_autograd as autograd
from tt_autograd.functions.linalg import MatMulFunction
from tt_perf.profiling.profiler import ProfilerAction, profile, record_function, schedule

LETTERS = {
    ProfilerAction.NONE: "N",
    ProfilerAction.WARMUP: "W",
    ProfilerAction.RECORD: "R",
    ProfilerAction.RECORD_AND_SAVE: "S",
}


def actions(steps: int, **arguments) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = schedule(**arguments)
    return "".join(LETTERS[plan(step)] for step in range(steps))


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"wait": 1, "warmup": 1, "active": 3, "repeat": 1}, "NWRRSNNNNNNN"),
        ({"wait": 2, "warmup": 0, "active": 2}, "NNRSNNRSNNRS"),
        ({"wait": 0, "warmup": 2, "active": 1, "repeat": 2, "skip_first": 3}, "NNNWWSWWSNNN"),
        ({"wait": 3, "warmup": 1, "active": 2, "skip_first": 2, "skip_first_wait": 1}, "NNWRSNNNWRSN"),
        ({"wait": 1, "warmup": 1, "active": 2, "repeat": 2, "skip_first_wait": 1}, "WRSNWRSNNNNN"),
        ({"wait": 0, "warmup": 0, "active": 1}, "SSSSSSSSSSSS"),
    ],
)
def test_each_step_gets_pytorchs_action(arguments, expected):
    assert actions(12, **arguments) == expected


@pytest.mark.parametrize(
    "arguments",
    [
        {"wait": -1, "warmup": 1, "active": 1},
        {"wait": 0, "warmup": -1, "active": 1},
        {"wait": 0, "warmup": 1, "active": 0},
        {"wait": 0, "warmup": 1, "active": 1, "repeat": -1},
        {"wait": 0, "warmup": 1, "active": 1, "skip_first": -2},
    ],
)
def test_invalid_schedules_are_refused(arguments):
    with pytest.raises(ValueError, match="invalid arguments"):
        schedule(**arguments)


def test_schedule_arguments_are_ints_and_steps_not_negative():
    with pytest.raises(TypeError, match="active must be an int"):
        schedule(wait=0, warmup=1, active=1.5)
    with pytest.raises(TypeError, match="wait must be an int"):
        schedule(wait=True, warmup=1, active=1)
    with pytest.raises(ValueError, match="step must be >= 0"):
        schedule(wait=0, warmup=1, active=1)(-1)
    with pytest.warns(UserWarning, match="won't be using warmup") as caught:
        schedule(wait=0, warmup=0, active=1)
    assert caught[0].filename == __file__  # the warning points at the caller's line


def run(prof: profile, steps: int, body=None) -> None:
    """``steps`` steps, each a ``record_function("s{i}")`` range around one matmul."""
    x = autograd.ones(2, 2)
    with prof:
        for step in range(steps):
            with record_function(f"s{step}"):
                if body is not None:
                    body(step)
                x @ x
            prof.step()


def names(prof: profile) -> list[str]:
    return [event.trace_name for event in prof.events()]


def test_each_cycle_holds_its_active_steps_and_is_handed_over_at_the_next_step():
    cycles = []

    def handler(prof):
        steps = sorted(e.trace_name for e in prof.events() if e.trace_name.startswith("ProfilerStep#"))
        ranges = sorted(e.name for e in prof.events() if e.name.startswith("s"))
        cycles.append((prof.step_num, steps, ranges))

    plan = schedule(wait=1, warmup=1, active=2, repeat=2)
    run(profile(schedule=plan, on_trace_ready=handler), 10)
    assert cycles == [
        (4, ["ProfilerStep#2", "ProfilerStep#3"], ["s2", "s3"]),
        (8, ["ProfilerStep#6", "ProfilerStep#7"], ["s6", "s7"]),
    ]


def test_events_are_the_last_cycles_unless_acc_events_keeps_them_all():
    plan = schedule(wait=1, warmup=1, active=2, repeat=2)
    prof = profile(schedule=plan)
    run(prof, 10)
    assert sorted(name for name in names(prof) if name[0] == "s") == ["s6", "s7"]
    assert [(row.key, row.count) for row in prof.key_averages() if row.key == "ProfilerStep*"] == [
        ("ProfilerStep*", 2)
    ]
    keeper = profile(schedule=plan, acc_events=True)
    run(keeper, 10)
    assert sorted(name for name in names(keeper) if name[0] == "s") == ["s2", "s3", "s6", "s7"]


def test_without_a_schedule_everything_is_recorded_and_handed_over_once_at_stop():
    calls = []
    prof = profile(on_trace_ready=lambda p: calls.append(p.step_num))
    run(prof, 3)
    assert calls == [3]
    assert [name for name in names(prof) if name[0] == "s"] == ["s0", "s1", "s2"]
    assert not any(name.startswith("ProfilerStep") for name in names(prof))  # step markers need a schedule
    assert [row.count for row in prof.key_averages() if row.key == "tt::MatMul"] == [3]


def test_stopping_while_recording_hands_over_the_steps_so_far():
    calls = []
    prof = profile(schedule=schedule(wait=0, warmup=1, active=5), on_trace_ready=lambda p: calls.append(p))
    run(prof, 3)
    assert calls == [prof]
    assert sorted(name for name in names(prof) if name[0] == "s") == ["s1", "s2"]
    steps = sorted(name for name in names(prof) if name.startswith("ProfilerStep#"))
    assert steps == ["ProfilerStep#1", "ProfilerStep#2", "ProfilerStep#3"]  # the last closed by stop()


def test_a_schedule_recording_from_step_0_records_its_first_step_marker():
    plan = {0: ProfilerAction.RECORD, 1: ProfilerAction.RECORD_AND_SAVE}
    prof = profile(schedule=lambda step: plan.get(step, ProfilerAction.NONE))
    run(prof, 2)
    assert sorted(name for name in names(prof) if name.startswith("ProfilerStep#")) == [
        "ProfilerStep#0",
        "ProfilerStep#1",
    ]


def test_nothing_is_patched_or_recorded_while_waiting():
    original = MatMulFunction.__dict__["forward"]
    patched = []

    def body(step):
        patched.append(MatMulFunction.__dict__["forward"] is not original)

    run(profile(schedule=schedule(wait=2, warmup=1, active=1, repeat=1)), 5, body)
    assert patched == [False, False, False, True, False]
    assert MatMulFunction.__dict__["forward"] is original


def test_incorrect_schedules_warn_like_pytorch_and_a_bad_action_is_refused():
    plan = {0: ProfilerAction.WARMUP, 1: ProfilerAction.NONE}
    prof = profile(schedule=lambda step: plan.get(step, ProfilerAction.NONE))
    prof.start()
    with pytest.warns(UserWarning, match="Incorrect schedule: WARMUP followed by NONE") as caught:
        prof.step()
    prof.stop()
    assert caught[0].filename == __file__  # at the caller's prof.step(), here
    prof = profile(schedule=lambda step: ProfilerAction.RECORD if step == 0 else ProfilerAction.WARMUP)
    with pytest.warns(UserWarning, match="Incorrect schedule: RECORD followed by WARMUP"):
        run(prof, 1)
    with pytest.raises(TypeError, match="not a ProfilerAction"):
        profile(schedule=lambda step: "record")
    with pytest.raises(TypeError, match="schedule must be callable"):
        profile(schedule=3)


def test_nothing_recorded_yet_is_an_error_not_an_empty_table():
    prof = profile(schedule=schedule(wait=5, warmup=1, active=1))
    run(prof, 2)
    with pytest.raises(RuntimeError, match="nothing has been recorded yet"):
        prof.key_averages()


def test_a_new_cycle_clears_the_last_ones_events_even_if_it_records_nothing():
    prof = profile(schedule=schedule(wait=0, warmup=1, active=2))  # step 3 begins a second cycle's warmup
    run(prof, 3)
    assert len(prof.events()) == 0  # as PyTorch: the warmup-then-stop cycle replaced the first one
