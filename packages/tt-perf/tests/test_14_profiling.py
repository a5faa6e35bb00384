"""Module 14: parameter and FLOP counts checked against hand-worked formulas; the profiler's bookkeeping."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_perf.profiling import (
    FLOP_RULES,
    count_flops,
    count_parameters,
    layer_flops,
    profile,
    register_flop_rule,
    timing,
)
from tt_text import GPT, CausalSelfAttention, GPTConfig, MultiheadAttention
from tt_vision import AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Conv2d, MaxPool2d


def reference_small_cnn():
    """The reference small CNN of PERF-NOTES: 20.7 MFLOP per image in its matmuls."""
    return nn.Sequential(
        Conv2d(3, 32, 3, padding=1), nn.ReLU(), MaxPool2d(2),
        Conv2d(32, 64, 3, padding=1), nn.ReLU(), MaxPool2d(2),
        Conv2d(64, 128, 3, padding=1), nn.ReLU(), MaxPool2d(2),
        nn.Flatten(), nn.Linear(2048, 10),
    )  # fmt: skip


def test_parameters_are_counted_once_even_when_shared():
    model = GPT(GPTConfig(vocab_size=50, block_size=8, n_layer=1, n_head=2, n_embd=16))
    assert model.lm_head.weight is model.transformer.wte.weight
    assert count_parameters(model) == sum(int(np.prod(p.shape)) for p in model.parameters())
    frozen = nn.Linear(4, 3)
    frozen.bias.requires_grad_(False)
    assert count_parameters(frozen) == 15 and count_parameters(frozen, trainable_only=True) == 12


def test_the_reference_cnn_matches_the_formulas():
    report = count_flops(reference_small_cnn(), autograd.zeros(2, 3, 32, 32))
    convs = [row.flops for row in report.rows if row.kind == "Conv2d"]
    # 2 · N · H · W · C_out · C_in · 9, plus one add per output for the bias
    assert convs == [
        2 * (2 * 32 * 32 * 32 * 27) + 2 * 32 * 32 * 32,
        2 * (2 * 16 * 16 * 64 * 288) + 2 * 16 * 16 * 64,
        2 * (2 * 8 * 8 * 128 * 576) + 2 * 8 * 8 * 128,
    ]
    matmuls = sum(convs) + report.rows[-1].flops
    assert 20.7e6 <= matmuls / 2 <= 20.9e6  # per image, as PERF-NOTES counts it
    assert [row.kind for row in report.rows][:3] == ["Conv2d", "ReLU", "MaxPool2d"]
    assert report.rows[0].output_shape == (2, 32, 32, 32) and report.rows[0].parameters == 896
    assert report.not_counted == [] and "total" in report.table()
    assert all(type(row.flops) is int for row in report.rows)  # counts, exact at any size


def test_a_registered_rule_counts_a_new_layer_type_and_its_subclasses():
    class Doubler(nn.Module):
        def forward(self, x):
            return x * 2

    class LoudDoubler(Doubler):
        pass

    model = nn.Sequential(Doubler(), LoudDoubler())
    assert count_flops(model, autograd.zeros(2, 3)).not_counted == ["0 (Doubler)", "1 (LoudDoubler)"]
    register_flop_rule(Doubler, lambda module, inputs, output: 7 * int(np.prod(output.shape)))
    try:
        report = count_flops(model, autograd.zeros(2, 3))
        assert [row.flops for row in report.rows] == [42, 42] and report.not_counted == []
    finally:
        del FLOP_RULES[Doubler]
    with pytest.raises(TypeError, match="register_flop_rule"):
        register_flop_rule("Doubler", len)


def test_linear_on_sequences_counts_every_position():
    linear = nn.Linear(8, 4, bias=False)
    report = count_flops(linear, autograd.zeros(3, 5, 8))
    assert report.total_flops == 2 * 15 * 8 * 4


def test_grouped_and_strided_convolutions():
    conv = Conv2d(8, 16, 3, stride=2, padding=1, groups=4, bias=False)
    report = count_flops(conv, autograd.zeros(1, 8, 10, 10))
    assert report.total_flops == 5 * 5 * 16 * 2 * (8 // 4) * 9


def test_attention_counts_its_two_matmuls_and_its_projections_separately():
    attention = CausalSelfAttention(n_embd=16, n_head=4)
    report = count_flops(attention, autograd.zeros(2, 6, 16))
    by_name = {row.name: row.flops for row in report.rows}
    assert by_name["c_attn"] == 2 * 12 * 16 * 48 + 12 * 48
    assert by_name["c_proj"] == 2 * 12 * 16 * 16 + 12 * 16
    assert by_name["CausalSelfAttention"] == 4 * 2 * 6 * 6 * 16 + 5 * 2 * 4 * 6 * 6


def test_unknown_layers_are_listed_not_zeroed():
    class Mystery(nn.Module):
        def forward(self, x):
            return x * 2

    report = count_flops(nn.Sequential(nn.Linear(3, 3), Mystery()), autograd.zeros(1, 3))
    assert report.not_counted == ["1 (Mystery)"]
    assert layer_flops(Mystery(), (autograd.zeros(1),), autograd.zeros(1)) is None
    assert "not counted" in report.table()


def test_hooks_are_removed_even_when_forward_fails():
    model = nn.Sequential(nn.Linear(3, 3))
    with pytest.raises(RuntimeError):
        count_flops(model, autograd.zeros(1, 4))
    assert all(not m._forward_hooks for m in model.modules())


def test_profile_times_every_layer_and_every_backward_operation():
    model = nn.Sequential(Conv2d(3, 8, 3, padding=1, bias=False), BatchNorm2d(8), nn.ReLU(), nn.Flatten(),
                          nn.Linear(8 * 8 * 8, 4))  # fmt: skip
    x, y = autograd.randn(4, 3, 8, 8), autograd.randint(0, 4, (4,))
    loss = nn.CrossEntropyLoss()
    conv_function = type(model[0](x).grad_fn)  # tt_vision's Function for Conv2d, found by its public effect
    original_backward = conv_function.__dict__["backward"]
    report = profile(model, x, lambda out: loss(out, y), steps=2)
    assert [row.name for row in report.forward] == ["0", "1", "2", "3", "4"]
    assert all(row.ms > 0 for row in report.forward)
    linear_function = type(model[4](model[3](model[2](model[1](model[0](x))))).grad_fn)
    loss_function = type(loss(model(x), y).grad_fn)
    kinds = {row.kind for row in report.backward}
    assert {conv_function.__name__, linear_function.__name__, loss_function.__name__} <= kinds
    shares = report.by_kind()
    assert "Conv2d" in shares and conv_function.__name__ not in shares  # backward joined to its layer
    assert report.peak_bytes > x.numpy().nbytes and report.step_ms > 0 and report.unprofiled_step_ms > 0
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert conv_function.__dict__["backward"] is original_backward  # the wrapped backward is put back


def test_profile_counts_a_layer_inside_another_once(fake_clock):
    clock = fake_clock(timing)

    class Work(nn.Module):  # a leaf that "takes" 1 s per call
        def forward(self, x):
            clock.now += 1.0
            return x

    attention = CausalSelfAttention(n_embd=8, n_head=2)  # hooked itself, and so are its c_attn/c_proj
    attention.c_attn = nn.Sequential(attention.c_attn, Work())
    report = profile(nn.Sequential(attention, Work()), autograd.zeros(1, 3, 8), steps=2)
    ms = {row.name: row.ms for row in report.forward}
    assert ms["0.c_attn.1"] == ms["1"] == 1000.0  # 1 s per step, averaged over the steps
    assert ms["0"] == 0.0  # the attention's own time excludes its children's
    assert sum(ms.values()) == 2000.0 and report.step_ms == 2000.0  # nothing counted twice


def test_profile_charges_a_nested_call_to_its_direct_parent_only(fake_clock):
    clock = fake_clock(timing)

    class Work(nn.Module):
        def forward(self, x):
            clock.now += 1.0
            return x

    class Inside(nn.Module):  # not hooked itself (it has children): runs ``inner`` on (1, rows, C)
        def __init__(self, inner, after):
            super().__init__()
            self.inner, self.after = inner, after

        def forward(self, x):
            return self.after(self.inner(x.reshape(1, -1, x.shape[-1])).reshape(x.shape))

    outer, inner = CausalSelfAttention(n_embd=8, n_head=2), CausalSelfAttention(n_embd=8, n_head=2)
    inner.c_attn = nn.Sequential(inner.c_attn, Work())
    outer.c_proj = Inside(inner, outer.c_proj)  # three hooked levels: outer > inner > Work
    ms = {row.name: row.ms for row in profile(outer, autograd.zeros(1, 3, 8), steps=1).forward}
    assert ms["c_proj.inner.c_attn.1"] == 1000.0
    assert ms["c_proj.inner"] == 0.0 and ms["CausalSelfAttention"] == 0.0


def test_profile_puts_everything_back_when_patching_fails_part_way(monkeypatch):
    class Refuses(type):
        def __setattr__(cls, name, value):
            raise AttributeError(f"{cls.__name__}.{name} is read-only")

    class Locked(metaclass=Refuses):
        backward = staticmethod(lambda ctx, grad: (grad,))

    real = timing._function_classes()
    before = {cls: cls.__dict__["backward"] for cls in real if "backward" in cls.__dict__}
    monkeypatch.setattr(timing, "_function_classes", lambda: [*real, Locked])  # the last one fails
    model = nn.Sequential(nn.Linear(3, 3), nn.ReLU())
    with pytest.raises(AttributeError, match="read-only"):
        profile(model, autograd.randn(2, 3), lambda out: out.sum(), steps=1)
    assert len(before) > 5 and all(cls.__dict__["backward"] is fn for cls, fn in before.items())
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert not tracemalloc.is_tracing()


def test_profile_refuses_zero_steps():
    with pytest.raises(ValueError, match="steps"):
        profile(nn.Linear(2, 2), autograd.zeros(1, 2), steps=0)


@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention_counts_scores_against_the_key_length(batch_first):
    n, length, source, width, heads = 2, 5, 7, 8, 2  # cross-attention: L query positions, S keys
    attention = MultiheadAttention(width, heads, batch_first=batch_first)

    def seq(t):
        return autograd.zeros(n, t, width) if batch_first else autograd.zeros(t, n, width)

    query, memory = seq(length), seq(source)
    report = count_flops(attention, query, memory, memory)
    row = next(row for row in report.rows if row.kind == "MultiheadAttention")
    # in-projection: q for N·L rows, k and v for N·S rows, (2E + 1)·E each with the bias;
    # QKᵀ and AV: 2·N·L·S·E each (summed over heads), softmax: 5 per score of N·H·L·S
    projections = (2 * width + 1) * width * n * (length + 2 * source)
    assert row.flops == projections + 4 * n * length * source * width + 5 * n * heads * length * source
    assert row.output_shape == tuple(query.shape)  # the attention output, not the weights
    assert row.parameters == 3 * width * width + 3 * width  # its own in-projection, not out_proj's
    out = attention(query, query, query)
    self_flops = 4 * n * length * length * width + 5 * n * heads * length * length
    self_projections = (2 * width + 1) * width * n * 3 * length
    assert layer_flops(attention, (query,), out) == self_projections + self_flops
    unbiased = MultiheadAttention(width, heads, bias=False, batch_first=batch_first)
    assert layer_flops(unbiased, (query,), out) == 2 * width * width * n * 3 * length + self_flops


def test_pooling_and_element_wise_layers():
    x = autograd.zeros(1, 2, 6, 9)
    assert count_flops(MaxPool2d((2, 3)), x).total_flops == 2 * 3 * 3 * (2 * 3)  # per window element
    assert count_flops(AvgPool2d(3), x).total_flops == 2 * 2 * 3 * 9
    assert count_flops(AdaptiveAvgPool2d(1), x).total_flops == x.numel()  # one add per input element
    model = nn.Sequential(nn.GELU(), nn.LayerNorm(9), nn.Flatten(), nn.Dropout(0.5))
    report = count_flops(model, x)
    assert [row.flops for row in report.rows] == [8 * 108, 8 * 108, 0, 0]  # Flatten: free, not "unknown"


def test_profile_times_backward_operations_by_their_function(fake_clock):
    clock = fake_clock(timing)

    class SlowBackwardFunction(autograd.Function):  # "takes" 1 s in backward
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            clock.now += 1.0
            return (grad,)

    class Layer(nn.Module):
        def forward(self, x):
            return SlowBackwardFunction.apply(x)

    x = autograd.randn(2, 3, requires_grad=True)
    report = profile(Layer(), x, lambda out: out.sum(), steps=2)
    ms = {row.kind: row.ms for row in report.backward}
    assert ms["SlowBackwardFunction"] == 1000.0 and report.step_ms == 1000.0


def test_multihead_attention_rule_counts_unbatched_inputs_as_one_batch():
    # layer_flops reads (L, E) / (S, E) query and key like PyTorch's unbatched attention
    width, heads, length, source = 8, 2, 5, 7
    attention = MultiheadAttention(width, heads)
    query, key = autograd.zeros(length, width), autograd.zeros(source, width)
    projections = (2 * width + 1) * width * (length + 2 * source)
    expected = projections + 4 * length * source * width + 5 * heads * length * source
    assert layer_flops(attention, (query, key, key), autograd.zeros(length, width)) == expected
