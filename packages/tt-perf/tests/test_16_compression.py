"""Module 16: structured channel removal, distillation and low rank (pruning masks: test_16_pruning.py)."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
import tt_optim
from tt_perf.compression import (
    choose_rank,
    distillation_loss,
    distillation_step,
    keep_channels,
    l1_unstructured,
    ln_structured,
    low_rank_linear,
    remove,
    shrink_channels,
)
from tt_vision import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, MaxPool2d


def cnn():
    return nn.Sequential(
        Conv2d(3, 6, 3, padding=1), BatchNorm2d(6), nn.ReLU(), MaxPool2d(2),
        Conv2d(6, 8, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 4 * 4, 5),
    ).eval()  # fmt: skip


def test_removing_dead_channels_changes_nothing(rng):
    model = cnn()
    dead = [1, 4]
    conv, bn = model[0], model[1]
    weight = conv.weight.detach().numpy().copy()
    weight[dead] = 0
    conv.weight.data = autograd.tensor(weight)
    for name in ("bias",):
        values = getattr(conv, name).detach().numpy().copy()
        values[dead] = 0
        getattr(conv, name).data = autograd.tensor(values)
    bias = bn.bias.detach().numpy().copy()
    bias[dead] = 0
    bn.bias.data = autograd.tensor(bias)  # running mean is 0: BN keeps a dead channel at 0
    x = autograd.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32))
    expected = model(x).detach().numpy()
    keep_channels(model, 0, np.array([0, 2, 3, 5]))
    assert model[0].out_channels == 4 and model[1].num_features == 4 and model[4].in_channels == 4
    np.testing.assert_allclose(model(x).detach().numpy(), expected, rtol=1e-5, atol=1e-5)


def test_shrink_channels_narrows_every_layer_and_keeps_the_strongest(rng):
    model = cnn()
    small = shrink_channels(model, 0.5)
    assert [small[0].out_channels, small[4].in_channels, small[4].out_channels, small[7].in_features] == [
        3,
        3,
        4,
        64,
    ]
    assert model[0].out_channels == 6  # the original is untouched
    norms = np.abs(model[0].weight.detach().numpy()).reshape(6, -1).sum(1)
    strongest = np.sort(np.argsort(-norms)[:3])
    np.testing.assert_array_equal(
        small[0].weight.detach().numpy(), model[0].weight.detach().numpy()[strongest]
    )
    assert small(autograd.zeros(1, 3, 8, 8)).shape == (1, 5)
    with pytest.raises(ValueError, match="amount"):
        shrink_channels(model, 1.0)


def test_channels_zeroed_by_ln_structured_can_be_cut_out(rng):
    model = cnn()
    model[0].bias.data = autograd.zeros(6)
    model[1].bias.data = autograd.zeros(6)  # with running mean 0, batch norm keeps a zero channel at zero
    ln_structured(model[0], "weight", amount=2, n=1, dim=0)
    x = autograd.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32))
    with pytest.raises(ValueError, match="remove\\(module, name\\) first"):
        keep_channels(model, 0, [0, 1, 2, 3])
    remove(model[0], "weight")
    expected = model(x).detach().numpy()
    alive = np.flatnonzero(np.abs(model[0].weight.detach().numpy()).reshape(6, -1).sum(1) > 0)
    keep_channels(model, 0, alive)
    assert model[0].weight.shape == (4, 3, 3, 3) and model[4].weight.shape == (8, 4, 3, 3)
    np.testing.assert_allclose(model(x).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_removing_channels_before_flatten_keeps_their_whole_maps(rng):
    model = cnn()  # Conv2d 4 feeds Flatten: each of its channels is a 4x4 block of the Linear's columns
    conv = model[4]
    dead = [2, 5]
    for name in ("weight", "bias"):
        values = getattr(conv, name).detach().numpy().copy()
        values[dead] = 0
        getattr(conv, name).data = autograd.tensor(values)
    x = autograd.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32))
    expected = model(x).detach().numpy()
    keep = np.array([0, 1, 3, 4, 6, 7])
    weight = model[7].weight.detach().numpy().copy()
    keep_channels(model, 4, keep)
    assert model[4].out_channels == 6 and model[7].in_features == 6 * 16
    np.testing.assert_array_equal(  # (out, C, H·W) with the dead channels' maps taken out
        model[7].weight.detach().numpy(), weight.reshape(5, 8, 16)[:, keep].reshape(5, -1)
    )
    np.testing.assert_allclose(model(x).detach().numpy(), expected, rtol=1e-5, atol=1e-5)


def test_keep_channels_stops_at_a_layer_that_mixes_channels():
    model = nn.Sequential(Conv2d(3, 4, 3), nn.Flatten(), nn.Softmax(dim=1))
    with pytest.raises(ValueError, match="cannot pass channel removal through Softmax"):
        keep_channels(model, 0, [0, 1])
    assert model[0].out_channels == 4 and model[0].weight.shape == (4, 3, 3, 3)  # refused: nothing changed
    unflattened = nn.Sequential(Conv2d(3, 4, 3), nn.ReLU(), nn.Linear(6, 2))  # the Linear reads the width
    with pytest.raises(ValueError, match="without a Flatten acts on the last \\(width\\) axis"):
        keep_channels(unflattened, 0, [0, 1])
    assert unflattened[0].out_channels == 4
    assert shrink_channels(unflattened, 0.5)[0].out_channels == 4  # left alone: nothing it can narrow
    pooled = nn.Sequential(Conv2d(3, 4, 3), AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))
    keep_channels(pooled, 0, [1, 3])  # a 1×1 map: one column per channel
    assert pooled[3].weight.shape == (2, 2) and pooled[3].in_features == 2


def test_keep_channels_refuses_bad_arguments():
    model = cnn()
    with pytest.raises(ValueError, match="distinct channel indices in \\[0, 6\\)"):
        keep_channels(model, 0, [0, 6])
    with pytest.raises(ValueError, match="distinct"):
        keep_channels(model, 0, [])
    with pytest.raises(TypeError, match="must be a Conv2d"):
        keep_channels(model, 1, [0])
    l1_unstructured(model[7], "weight", 0.5)
    with pytest.raises(ValueError, match="masked"):
        shrink_channels(model, 0.5)


def test_distillation_loss_against_its_definition_and_its_gradient(rng, check_grad):
    student = autograd.tensor(rng.standard_normal((4, 5)), dtype=autograd.float64, requires_grad=True)
    teacher = autograd.tensor(rng.standard_normal((4, 5)), dtype=autograd.float64)
    target = autograd.tensor(rng.integers(0, 5, 4))
    value = float(distillation_loss(student, teacher, target, temperature=3.0, alpha=0.7).item())

    def softmax(z):
        e = np.exp(z - z.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    p, q = softmax(teacher.numpy() / 3), softmax(student.detach().numpy() / 3)
    kl = np.mean(np.sum(p * (np.log(p) - np.log(q)), axis=1))
    ce = -np.mean(np.log(softmax(student.detach().numpy())[np.arange(4), target.numpy()]))
    assert value == pytest.approx(0.7 * 9 * kl + 0.3 * ce)
    check_grad(lambda s: distillation_loss(s, teacher, target, temperature=3.0, alpha=0.7), student)
    with pytest.raises(ValueError, match="temperature"):
        distillation_loss(student, teacher, target, temperature=0)
    with pytest.raises(ValueError, match="alpha"):
        distillation_loss(student, teacher, target, alpha=1.5)
    with pytest.raises(ValueError, match="same shape \\(batch, classes\\)"):
        distillation_loss(student, teacher[:2], target)


def test_distillation_loss_of_a_batch_is_the_mean_of_its_samples(rng, check_grad):
    student = autograd.tensor(rng.standard_normal((6, 4)) * 3, dtype=autograd.float64, requires_grad=True)
    teacher = autograd.tensor(rng.standard_normal((6, 4)) * 3, dtype=autograd.float64)
    target = autograd.tensor(rng.integers(0, 4, 6))
    batch = float(distillation_loss(student, teacher, target).item())
    singles = [
        float(distillation_loss(student[i : i + 1], teacher[i : i + 1], target[i : i + 1]).item())
        for i in range(6)
    ]
    assert batch == pytest.approx(np.mean(singles))
    assert float(distillation_loss(student, student.detach(), target, alpha=1.0).item()) == pytest.approx(
        0.0, abs=1e-12
    )
    loss = distillation_loss(student, teacher, target)
    loss.backward()
    assert student.grad.shape == (6, 4)
    np.testing.assert_allclose(
        student.grad.numpy().sum(1), 0, atol=1e-12
    )  # softmax gradients sum to 0 per row
    check_grad(lambda s: distillation_loss(s, teacher, target, temperature=1.5, alpha=1.0), student)
    # alpha = 1: the soft term alone, so no target is needed
    soft = distillation_loss(student, teacher, target, temperature=1.5, alpha=1.0)
    assert float(distillation_loss(student, teacher, None, temperature=1.5, alpha=1.0).item()) == float(
        soft.item()
    )


def test_low_rank_error_is_the_first_dropped_singular_value(rng):
    linear = nn.Linear(12, 10)
    factored = low_rank_linear(linear, rank=4)
    first, second = factored[0], factored[1]
    product = second.weight.detach().numpy() @ first.weight.detach().numpy()
    singular = np.linalg.svd(linear.weight.detach().numpy().astype(np.float64), compute_uv=False)
    error = np.linalg.norm(linear.weight.detach().numpy() - product, ord=2)
    assert error == pytest.approx(singular[4], rel=1e-4)  # Eckart–Young
    x = autograd.tensor(rng.standard_normal((3, 12)).astype(np.float32))
    np.testing.assert_allclose(
        low_rank_linear(linear, 10)(x).detach().numpy(), linear(x).detach().numpy(), atol=1e-5
    )
    with pytest.raises(ValueError, match="rank"):
        low_rank_linear(linear, 11)
    no_bias = nn.Linear(12, 10, bias=False)
    factored = low_rank_linear(no_bias, 10)
    assert factored[0].bias is None and factored[1].bias is None
    np.testing.assert_allclose(factored(x).detach().numpy(), no_bias(x).detach().numpy(), atol=1e-5)


def test_choose_rank_keeps_the_energy_asked_for():
    weight = np.diag([3.0, 2.0, 1.0, 0.1])  # energies 9, 4, 1, 0.01 of 14.01
    assert choose_rank(weight, 0.6) == 1 and choose_rank(weight, 0.9) == 2 and choose_rank(weight, 1.0) == 4


def test_distillation_step_trains_the_student_towards_the_teacher(rng):
    autograd.manual_seed(0)
    teacher = nn.Sequential(nn.Linear(8, 16), nn.Dropout(0.5), nn.ReLU(), nn.Linear(16, 4))
    teacher.train()  # the step must run it in eval mode (no dropout) and put the mode back
    frozen = [p.detach().numpy().copy() for p in teacher.parameters()]
    student = nn.Linear(8, 4)
    optimizer = tt_optim.SGD(student.parameters(), lr=0.5)
    x = autograd.tensor(rng.standard_normal((64, 8)).astype(np.float32))
    with autograd.no_grad():
        teacher.eval()
        y = teacher(x).argmax(dim=1)
        teacher.train()
    losses = [
        distillation_step(student, teacher, x, y, optimizer, temperature=2.0, alpha=0.7) for _ in range(40)
    ]
    assert losses[-1] < 0.5 * losses[0] and all(b <= a + 1e-6 for a, b in zip(losses, losses[1:]))
    assert teacher.training and all(p.grad is None for p in teacher.parameters())
    for p, start in zip(teacher.parameters(), frozen):
        np.testing.assert_array_equal(p.detach().numpy(), start)
    with autograd.no_grad():
        teacher.eval()
        expected = float(distillation_loss(student(x), teacher(x), y, temperature=2.0, alpha=0.7).item())
    assert distillation_step(student, teacher, x, y, optimizer, temperature=2.0, alpha=0.7) == pytest.approx(
        expected, rel=1e-6
    )  # the loss returned is the one of the step's own forward, before the update
