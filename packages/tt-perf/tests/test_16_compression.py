"""Module 16: pruning masks (PyTorch's bookkeeping), channel removal, distillation and low rank."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as ag
import tt_nn as nn
from tt_perf.compression import (
    choose_rank,
    distillation_loss,
    global_unstructured,
    is_pruned,
    keep_channels,
    l1_unstructured,
    ln_structured,
    low_rank_linear,
    random_unstructured,
    remove,
    shrink_channels,
    sparsity,
)
from tt_vision import BatchNorm2d, Conv2d, MaxPool2d


def linear_with(values):
    layer = nn.Linear(values.shape[1], values.shape[0], bias=False)
    layer.weight.data = ag.tensor(values.astype(np.float32))
    return layer


def test_l1_unstructured_masks_the_smallest_entries_and_reparametrises():
    layer = linear_with(np.array([[0.1, -3.0, 0.5], [2.0, -0.2, 1.0]]))
    l1_unstructured(layer, "weight", amount=0.5)
    assert layer.weight_mask.numpy().tolist() == [[0, 1, 0], [1, 0, 1]]
    assert [n for n, _ in layer.named_parameters()] == ["weight_orig"] and is_pruned(layer)
    np.testing.assert_allclose(layer.weight.detach().numpy(), [[0, -3.0, 0], [2.0, 0, 1.0]])
    out = layer(ag.ones(1, 3))  # forward uses the masked weight
    np.testing.assert_allclose(out.detach().numpy(), [[-3.0, 3.0]])


def test_gradients_reach_the_original_only_where_kept(rng):
    layer = linear_with(rng.standard_normal((4, 5)))
    l1_unstructured(layer, "weight", amount=8)
    x = ag.tensor(rng.standard_normal((3, 5)).astype(np.float32))
    (layer(x) ** 2).sum().backward()
    grad = layer.weight_orig.grad.numpy()
    mask = layer.weight_mask.numpy()
    assert np.all(grad[mask == 0] == 0) and np.all(grad[mask == 1] != 0)


def test_masks_compose_and_amounts_apply_to_what_is_left():
    layer = linear_with(np.arange(1, 11, dtype=np.float32).reshape(2, 5))
    l1_unstructured(layer, "weight", amount=0.5)  # 5 of 10
    l1_unstructured(layer, "weight", amount=0.4)  # 2 of the 5 left
    assert int(layer.weight_mask.numpy().sum()) == 3
    assert layer.weight_mask.numpy().reshape(-1).tolist() == [0] * 7 + [1] * 3
    random_unstructured(layer, "weight", amount=1, seed=0)
    assert int(layer.weight_mask.numpy().sum()) == 2


def test_ln_structured_removes_whole_rows():
    layer = linear_with(np.array([[1.0, 1.0], [0.1, 0.1], [3.0, -3.0]]))
    ln_structured(layer, "weight", amount=1, n=2, dim=0)
    assert layer.weight_mask.numpy().tolist() == [[1, 1], [0, 0], [1, 1]]


def test_global_pruning_ranks_across_layers_and_sparsity_reports_it():
    model = nn.Sequential(linear_with(np.full((2, 2), 0.01)), nn.ReLU(), linear_with(np.full((2, 2), 5.0)))
    global_unstructured([(model[0], "weight"), (model[2], "weight")], amount=0.5)
    assert model[0].weight_mask.numpy().sum() == 0 and model[2].weight_mask.numpy().sum() == 4
    report = sparsity(model)
    assert report["0.weight"] == 1.0 and report["2.weight"] == 0.0 and report["global"] == 0.5


def test_remove_makes_it_permanent():
    layer = linear_with(np.array([[1.0, -0.1], [0.2, 4.0]]))
    l1_unstructured(layer, "weight", amount=2)
    remove(layer, "weight")
    assert [n for n, _ in layer.named_parameters()] == ["weight"] and not is_pruned(layer)
    np.testing.assert_allclose(layer.weight.detach().numpy(), [[1.0, 0.0], [0.0, 4.0]])
    assert not layer._forward_pre_hooks
    with pytest.raises(ValueError, match="not pruned"):
        remove(layer, "weight")


def test_bad_amounts_are_refused():
    layer = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        l1_unstructured(layer, "weight", 1.5)
    with pytest.raises(ValueError, match="cannot prune 7"):
        l1_unstructured(layer, "weight", 7)
    with pytest.raises(AttributeError, match="no parameter 'kernel'"):
        l1_unstructured(layer, "kernel", 0.5)


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
    conv.weight.data = ag.tensor(weight)
    for name in ("bias",):
        values = getattr(conv, name).detach().numpy().copy()
        values[dead] = 0
        getattr(conv, name).data = ag.tensor(values)
    bias = bn.bias.detach().numpy().copy()
    bias[dead] = 0
    bn.bias.data = ag.tensor(bias)  # running mean is 0: BN keeps a dead channel at 0
    x = ag.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32))
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
    assert small(ag.zeros(1, 3, 8, 8)).shape == (1, 5)
    with pytest.raises(ValueError, match="amount"):
        shrink_channels(model, 1.0)


def test_distillation_loss_against_its_definition_and_its_gradient(rng, check_grad):
    student = ag.tensor(rng.standard_normal((4, 5)), dtype=ag.float64, requires_grad=True)
    teacher = ag.tensor(rng.standard_normal((4, 5)), dtype=ag.float64)
    target = ag.tensor(rng.integers(0, 5, 4))
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


def test_low_rank_error_is_the_first_dropped_singular_value(rng):
    linear = nn.Linear(12, 10)
    factored = low_rank_linear(linear, rank=4)
    first, second = factored[0], factored[1]
    product = second.weight.detach().numpy() @ first.weight.detach().numpy()
    singular = np.linalg.svd(linear.weight.detach().numpy().astype(np.float64), compute_uv=False)
    error = np.linalg.norm(linear.weight.detach().numpy() - product, ord=2)
    assert error == pytest.approx(singular[4], rel=1e-4)  # Eckart–Young
    x = ag.tensor(rng.standard_normal((3, 12)).astype(np.float32))
    np.testing.assert_allclose(
        low_rank_linear(linear, 10)(x).detach().numpy(), linear(x).detach().numpy(), atol=1e-5
    )
    with pytest.raises(ValueError, match="rank"):
        low_rank_linear(linear, 11)


def test_choose_rank_keeps_the_energy_asked_for():
    weight = np.diag([3.0, 2.0, 1.0, 0.1])  # energies 9, 4, 1, 0.01 of 14.01
    assert choose_rank(weight, 0.6) == 1 and choose_rank(weight, 0.9) == 2 and choose_rank(weight, 1.0) == 4
