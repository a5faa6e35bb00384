"""``torch.profiler``'s table: PyTorch's layout, sorting, limits, units, and the value formats.

``PYTORCH_TABLE`` is what PyTorch 2.13's ``EventList.key_averages(group_by_input_shapes=True)
.table(sort_by="self_cpu_time_total")`` printed for the events of :func:`events` (built
there as ``torch.autograd.profiler_util.FunctionEvent`` objects with the same times,
shapes and memory), split into short pieces for line length; ``PYTORCH_FLOPS_TABLE`` the
same events but the long-named one, with FLOPs, sorted by ``cpu_time_total``, 4 rows.
"""

from __future__ import annotations

import pytest
from tt_perf.profiling.events import EventList, FunctionEvent, FunctionEventAvg, format_memory, format_time

PYTORCH_TABLE = (
    "-------------------------------------------------------  ------------  ------------  -----"
    "-------  ------------  ------------  ------------  ------------  ------------  -----------"
    "---------  \n"
    "                                                   Name    Self CPU %      Self CPU   CPU "
    "total %     CPU total  CPU time avg       CPU Mem  Self CPU Mem    # of Calls          Inp"
    "ut Shapes  \n"
    "-------------------------------------------------------  ------------  ------------  -----"
    "-------  ------------  ------------  ------------  ------------  ------------  -----------"
    "---------  \n"
    "                                             tt::MatMul        33.37%     500.500us       "
    " 33.37%     500.500us     500.500us       2.00 KB       2.00 KB             1      [[3, 8]"
    ", [8, 4]]  \n"
    "                                         MatMulBackward        33.33%     500.000us       "
    " 33.33%     500.000us     500.000us        -112 B        -112 B             1             "
    " [[3, 4]]  \n"
    "                                             train_step        19.28%     289.250us       "
    " 92.67%       1.390ms       1.390ms       4.00 KB         112 B             1             "
    "       []  \n"
    "                                             tt::MatMul         6.68%     100.250us       "
    "  6.68%     100.250us     100.250us       2.00 KB       2.00 KB             1      [[5, 8]"
    ", [8, 4]]  \n"
    "                                          ProfilerStep*         4.67%      70.000us       "
    "100.00%       1.500ms       1.500ms           0 B      -4.00 KB             1             "
    "       []  \n"
    "a_very_long_name_a_very_long_name_a_very_long_name_a...         2.67%      40.000us       "
    "  2.67%      40.000us      40.000us           0 B           0 B             1             "
    "       []  \n"
    "-------------------------------------------------------  ------------  ------------  -----"
    "-------  ------------  ------------  ------------  ------------  ------------  -----------"
    "---------  \n"
    "Self CPU time total: 1.500ms\n"
)

PYTORCH_FLOPS_TABLE = (
    "------------------  ------------  ------------  ------------  ------------  ------------  "
    "------------  --------------------  ------------  \n"
    "              Name    Self CPU %      Self CPU   CPU total %     CPU total  CPU time avg  "
    "  # of Calls          Input Shapes   Total FLOPs  \n"
    "------------------  ------------  ------------  ------------  ------------  ------------  "
    "------------  --------------------  ------------  \n"
    "     ProfilerStep*         4.79%      70.000us       102.74%       1.500ms       1.500ms  "
    "           1                    []            --  \n"
    "        train_step        19.81%     289.250us        95.21%       1.390ms       1.390ms  "
    "           1                    []            --  \n"
    "        tt::MatMul        34.28%     500.500us        34.28%     500.500us     500.500us  "
    "           1      [[3, 8], [8, 4]]       192.000  \n"
    "    MatMulBackward        34.25%     500.000us        34.25%     500.000us     500.000us  "
    "           1              [[3, 4]]            --  \n"
    "------------------  ------------  ------------  ------------  ------------  ------------  "
    "------------  --------------------  ------------  \n"
    "Self CPU time total: 1.460ms\n"
)


def events(profile_memory: bool = True, with_flops: bool = False) -> EventList:
    """A step holding a range that holds two matmuls and a backward node, and a long-named range."""
    spec = [  # id, name, start, end, parent, input shapes, memory, FLOPs
        (0, "ProfilerStep#3", 0.0, 1500.0, None, [], 0, 0),
        (1, "train_step", 10.0, 1400.0, 0, [], 4096, 0),
        (2, "tt::MatMul", 20.0, 520.5, 1, [[3, 8], [8, 4]], 2048, 192),
        (3, "tt::MatMul", 600.0, 700.25, 1, [[5, 8], [8, 4]], 2048, 320),
        (4, "MatMulBackward", 800.0, 1300.0, 1, [[3, 4]], -112, 0),
        (5, "a_very_long_name_" * 4, 1410.0, 1450.0, 0, [], 0, 0),
    ]
    made: dict[int, FunctionEvent] = {}
    for id, name, start, end, parent, shapes, memory, flops in spec:
        event = FunctionEvent(id, name, start, end, input_shapes=shapes, cpu_memory_usage=memory, flops=flops)
        if parent is not None:
            event.cpu_parent = made[parent]
            made[parent].cpu_children.append(event)
        made[id] = event
    return EventList(made.values(), profile_memory=profile_memory, with_flops=with_flops)


def test_the_table_is_pytorchs_character_for_character():
    assert (
        events().key_averages(group_by_input_shapes=True).table(sort_by="self_cpu_time_total")
        == PYTORCH_TABLE
    )


def test_columns_follow_the_options():
    header = events(profile_memory=False).key_averages().table().splitlines()[1].split("  ")
    assert [cell.strip() for cell in header if cell.strip()] == [
        "Name",
        "Self CPU %",
        "Self CPU",
        "CPU total %",
        "CPU total",
        "CPU time avg",
        "# of Calls",
    ]
    flops = events(with_flops=True).key_averages().table()
    assert flops.splitlines()[1].rstrip().endswith("Total FLOPs")
    assert "     512.000  " in flops  # the two matmuls' 192 + 320, in the unit of the smallest count


def test_rows_are_sorted_limited_and_named_within_the_width():
    table = events().key_averages().table(sort_by="cpu_time_total", row_limit=2, max_name_column_width=20)
    rows = table.splitlines()[3:-2]
    assert [row.split()[0] for row in rows] == ["ProfilerStep*", "train_step"]
    counts = events().key_averages().table(sort_by="count").splitlines()[3]
    assert counts.split()[0] == "tt::MatMul" and counts.split()[-1] == "2"
    long = events().key_averages().table(max_name_column_width=20).splitlines()
    assert any(line.startswith("a_very_long_name_...  ") for line in long)


def test_time_units_and_the_total_line():
    table = events().key_averages().table(time_unit="ms")
    assert table.endswith("Self CPU time total: 1.500ms\n")
    assert " 0.601ms " in table and "us" not in table
    assert events().table().endswith("Self CPU time total: 1.500ms\n")
    assert events().key_averages().table(time_unit="s").endswith("Self CPU time total: 0.002s\n")
    micro = events().key_averages().table(time_unit="us")
    assert micro.endswith("Self CPU time total: 1500.000us\n") and "ms " not in micro
    assert str(events()) == events().table()  # an EventList prints as its table


def test_values_are_formatted_like_pytorchs():
    assert [format_time(t) for t in (999.9994, 1500.0, 2.5e6)] == ["999.999us", "1.500ms", "2.500s"]
    assert [format_memory(n) for n in (1023, 2048, -112, 3 * 2**20, 5 * 2**30)] == [
        "1023 B",
        "2.00 KB",
        "-112 B",
        "3.00 MB",
        "5.00 GB",
    ]
    # the boundaries, as PyTorch 2.13's _format_time and _format_memory print them (checked in scratch)
    assert [format_time(t) for t in (1e6, 1.5e6, 999999.9, 1000.0)] == [
        "1.000s",
        "1.500s",
        "1000.000ms",
        "1.000ms",
    ]
    assert [format_memory(n) for n in (1024, -1024, 2**20, 2**30)] == [
        "1.00 KB",
        "-1.00 KB",
        "1.00 MB",
        "1.00 GB",
    ]


def test_percentages_of_a_one_microsecond_and_of_an_empty_total():
    one = EventList([FunctionEvent(0, "a", 0.0, 0.5), FunctionEvent(1, "b", 0.5, 1.0)]).table()
    assert one.count(" 50.00% ") == 2 * 2  # self and total share of each: 0.5 us of 1 us
    empty = EventList([FunctionEvent(0, "a", 2.0, 2.0)]).table()
    assert empty.count(" NaN ") == 2 and empty.endswith("Self CPU time total: 0.000us\n")  # PyTorch's NaN


def test_averages_and_the_total_add_the_events_up():
    rows = {row.key: row for row in events().key_averages()}
    matmul = rows["tt::MatMul"]
    assert (matmul.count, matmul.cpu_time_total, matmul.cpu_time) == (2, 600.75, 300.375)
    assert (matmul.cpu_memory_usage, matmul.flops) == (4096, 512)
    step = rows["ProfilerStep*"]
    assert (step.self_cpu_time_total, step.self_cpu_memory_usage) == (70.0, -4096)
    total = events().total_average()
    assert total.key == "Total" and total.count == 6 and total.self_cpu_time_total == 1500.0
    assert events().self_cpu_time_total == 1500.0
    assert events().table().count("\n") == 6 + 5  # one row per event: three rules, header, total


def test_bad_table_arguments_say_what_is_allowed():
    with pytest.raises(ValueError, match="sort_by must be one of"):
        events().table(sort_by="speed")
    with pytest.raises(ValueError, match="time_unit"):
        events().table(time_unit="ns")
    assert EventList().table() == ""


def test_an_empty_average_and_the_reprs_show_pytorchs_fields():
    empty = FunctionEventAvg()
    assert (empty.key, empty.count, empty.input_shapes, empty.stack, empty.cpu_parent) == (
        None,
        0,
        None,
        [],
        None,
    )
    assert (empty.is_user_annotation, empty.cpu_time, empty.flops) == (False, 0.0, 0)
    event = FunctionEvent(7, "tt::Add", 1.0, 3.5, input_shapes=[[2]], cpu_memory_usage=8)
    assert repr(event) == (
        "<FunctionEvent id=7 name=tt::Add cpu_time=2.500us start_us=1.000 end_us=3.500 input_shapes=[[2]] "
        "cpu_memory_usage=8>"
    )
    assert repr(EventList([event]).key_averages()[0]) == (
        "<FunctionEventAvg key=tt::Add self_cpu_time=2.500us cpu_time=2.500us "
        "input_shapes= cpu_memory_usage=8>"
    )


def test_averages_add_only_events_of_their_key_and_keep_the_first_ones_parent():
    average = FunctionEventAvg()
    first = FunctionEvent(0, "range", 0.0, 2.0, is_user_annotation=True)
    assert average.add(first) is average
    same = average
    same += FunctionEvent(1, "range", 3.0, 4.0)
    assert same is average and (average.count, average.cpu_time_total, average.is_user_annotation) == (
        2,
        3.0,
        True,
    )
    with pytest.raises(ValueError, match="key 'other' added to an average of 'range'"):
        average.add(FunctionEvent(2, "other", 0.0, 1.0))
    with pytest.raises(TypeError, match="expected a FunctionEvent"):
        average.add(3)
    top = events(profile_memory=False).key_averages().table(top_level_events_only=True).splitlines()
    assert [line.split()[0] for line in top[5:-2]] == [
        "ProfilerStep*"
    ]  # the only row whose event has no parent
    for bad in (1.5, True, -1):
        with pytest.raises(ValueError, match="group_by_stack_n must be an int >= 0"):
            events().key_averages(group_by_stack_n=bad)


def test_the_flops_table_with_names_of_their_own_width_is_pytorchs_too():
    short = EventList(list(events(profile_memory=False))[:5], with_flops=True)
    table = short.key_averages(group_by_input_shapes=True).table(sort_by="cpu_time_total", row_limit=4)
    assert table == PYTORCH_FLOPS_TABLE


def test_a_header_and_the_top_level_banner_come_first_as_in_pytorch():
    lines = (
        events(profile_memory=False)
        .key_averages()
        .table(header="HEAD", top_level_events_only=True)
        .splitlines()
    )
    rule = "=" * (len(lines[4]) - 2)  # the width of the columns without the last two spaces
    assert lines[:4] == [rule, "HEAD", rule, "This report only display top-level ops statistics"]
    assert lines[4] == lines[6] and set(lines[4]) == {"-", " "}


#: What PyTorch 2.13 printed for :func:`stack_events` (``FunctionEvent`` objects with the same times,
#: shapes, stacks and FLOPs): ``table(max_shapes_column_width=12)`` and ``table(max_src_column_width=9)``.
#: With FLOPs and stacks both, PyTorch writes the FLOPs value before the source location (not in its
#: header's order) and a stack's further entries in the last column: these tables keep that.
PYTORCH_STACKS_TABLE_NARROW_SHAPES = (
    "--------  ------------  ------------  ------------  ------------  ------------  ----------"
    "--  ------------  ------------------  ------------  \n"
    "    Name    Self CPU %      Self CPU   CPU total %     CPU total  CPU time avg    # of Cal"
    "ls  Input Shapes  Source Location     Total KFLOPs  \n"
    "--------  ------------  ------------  ------------  ------------  ------------  ----------"
    "--  ------------  ------------------  ------------  \n"
    "      mm        66.67%      10.000us        66.67%      10.000us      10.000us            "
    " 1      [[2, 3]]  2500.000              a.py(1): f  \n"
    "                                                                                          "
    "                                      main.py(22): g  \n"
    "                                                                                          "
    "                                                    \n"
    "    relu        33.33%       5.000us        33.33%       5.000us       5.000us            "
    " 1  [[2, 3, 4, 5     4.000              b.py(3): h  \n"
    "                                                                                          "
    "                                                    \n"
    "--------  ------------  ------------  ------------  ------------  ------------  ----------"
    "--  ------------  ------------------  ------------  \n"
    "Self CPU time total: 15.000us\n"
)
PYTORCH_STACKS_TABLE_NARROW_SOURCE = (
    "--------  ------------  ------------  ------------  ------------  ------------  ----------"
    "--  ------------------------------  ---------  ------------  \n"
    "    Name    Self CPU %      Self CPU   CPU total %     CPU total  CPU time avg    # of Cal"
    "ls                    Input Shapes  Source Location  Total KFLOPs  \n"
    "--------  ------------  ------------  ------------  ------------  ------------  ----------"
    "--  ------------------------------  ---------  ------------  \n"
    "      mm        66.67%      10.000us        66.67%      10.000us      10.000us            "
    " 1                        [[2, 3]]  2500.000      ...(1): f  \n"
    "                                                                                          "
    "                                                  ...22): g  \n"
    "                                                                                          "
    "                                                             \n"
    "    relu        33.33%       5.000us        33.33%       5.000us       5.000us            "
    " 1      [[2, 3, 4, 5, 6, 7, 8, 9]]     4.000      ...(3): h  \n"
    "                                                                                          "
    "                                                             \n"
    "--------  ------------  ------------  ------------  ------------  ------------  ----------"
    "--  ------------------------------  ---------  ------------  \n"
    "Self CPU time total: 15.000us\n"
)


def stack_events() -> EventList:
    """A matmul called from two frames (2.5 MFLOPs) and a relu of one input of 8 dims (4 KFLOPs)."""
    matmul = FunctionEvent(0, "mm", 0.0, 10.0, input_shapes=[[2, 3]], stack=["a.py(1): f", "main.py(22): g"])
    relu = FunctionEvent(1, "relu", 10.0, 15.0, input_shapes=[[2, 3, 4, 5, 6, 7, 8, 9]], stack=["b.py(3): h"])
    matmul.flops, relu.flops = 2500000, 4000
    return EventList([matmul, relu], with_flops=True)


def test_stacks_one_input_shapes_and_kilo_flops_are_pytorchs_within_narrow_columns():
    assert stack_events().table(max_shapes_column_width=12) == PYTORCH_STACKS_TABLE_NARROW_SHAPES
    assert stack_events().table(max_src_column_width=9) == PYTORCH_STACKS_TABLE_NARROW_SOURCE
    huge = FunctionEvent(0, "mm", 0.0, 1.0)
    huge.flops = 10**20  # beyond PyTorch's last unit: counted in PFLOPs (its auto_scale_flops caps the power)
    table = EventList([huge], with_flops=True).table().splitlines()
    assert table[1].endswith("Total PFLOPs  ") and table[3].endswith(" 100000.000  ")


def test_names_from_three_short_of_the_width_are_cut_and_flops_need_one_positive_count():
    lengths_flops = [(51, 1), (52, 0), (56, 0)]
    made = [FunctionEvent(i, chr(97 + i) * n, 0.0, 1.0) for i, (n, _) in enumerate(lengths_flops)]
    for event, (_, flops) in zip(made, lengths_flops):
        event.flops = flops
    table = EventList(made, with_flops=True).table().splitlines()  # PyTorch 2.13's, checked in scratch
    assert [line.split()[0] for line in table[3:6]] == ["a" * 51, "b" * 52 + "...", "c" * 52 + "..."]
    assert table[1].endswith("# of Calls   Total FLOPs  ")
    assert table[3].endswith("       1.000  ") and table[4].endswith("          --  ")
    uncounted = EventList(made[1:], with_flops=True).table().splitlines()
    assert uncounted[1].endswith("# of Calls  ")  # no positive count: no FLOPs column


def test_source_locations_are_cut_from_the_left_as_pytorchs():
    events = EventList([FunctionEvent(0, "mm", 0.0, 1.0, stack=["abcdefghij", "xyz"])])
    cells = {}
    for width in (3, 4, 10):
        lines = events.table(max_src_column_width=width).splitlines()
        cells[width] = [line.rstrip().split("  ")[-1] for line in lines[3:5]]
    assert cells == {3: ["hij", "xyz"], 4: ["...j", "xyz"], 10: ["abcdefghij", "xyz"]}  # PyTorch 2.13's
