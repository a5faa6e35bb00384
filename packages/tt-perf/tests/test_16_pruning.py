"""Module 16: pruning masks with ``torch.nn.utils.prune``'s functions, rules and bookkeeping."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
import tt_optim
from tt_perf.compression import (
    L1Unstructured,
    LnStructured,
    RandomUnstructured,
    custom_from_mask,
    global_unstructured,
    identity,
    is_pruned,
    l1_unstructured,
    ln_structured,
    random_unstructured,
    remove,
    sparsity,
)
from tt_tensor.dtypes import from_numpy_dtype
from tt_vision import Conv2d


def linear_with(values, dtype=np.float32):
    layer = nn.Linear(values.shape[1], values.shape[0], bias=False)
    layer.to(from_numpy_dtype(np.dtype(dtype)))
    layer.weight.data = autograd.tensor(np.asarray(values, dtype=dtype))
    return layer


def test_l1_unstructured_masks_the_smallest_entries_and_reparametrises():
    layer = linear_with(np.array([[0.1, -3.0, 0.5], [2.0, -0.2, 1.0]]))
    original = layer.weight
    l1_unstructured(layer, "weight", amount=0.5)
    assert layer.weight_mask.numpy().tolist() == [[0, 1, 0], [1, 0, 1]]
    assert [n for n, _ in layer.named_parameters()] == ["weight_orig"] and is_pruned(layer)
    assert layer.weight_orig is original  # the same Parameter: an optimizer built before still holds it
    assert sorted(layer.state_dict()) == ["weight_mask", "weight_orig"]
    np.testing.assert_allclose(layer.weight.detach().numpy(), [[0, -3.0, 0], [2.0, 0, 1.0]])
    out = layer(autograd.ones(1, 3))  # forward uses the masked weight
    np.testing.assert_allclose(out.detach().numpy(), [[-3.0, 3.0]])


def test_gradients_reach_the_original_exactly_where_kept(rng, check_grad):
    values = rng.standard_normal((4, 5))
    layer = linear_with(values, np.float64)
    l1_unstructured(layer, "weight", amount=8)
    mask = layer.weight_mask.numpy().copy()
    x = autograd.tensor(rng.standard_normal((3, 5)))
    (layer(x) ** 2).sum().backward()
    dense = linear_with(
        values * mask, np.float64
    )  # the same function with the masked weight as a plain layer
    (dense(x) ** 2).sum().backward()
    np.testing.assert_allclose(layer.weight_orig.grad.numpy(), mask * dense.weight.grad.numpy(), rtol=1e-12)
    assert np.all(layer.weight_orig.grad.numpy()[mask == 0] == 0)

    def through_the_pruned_layer(weight):  # the layer's forward, pre-hook included, as a function of _orig
        layer._parameters["weight_orig"] = weight
        return (layer(x) ** 2).sum()

    check_grad(through_the_pruned_layer, autograd.tensor(values, requires_grad=True))


def test_iterative_pruning_composes_and_amounts_apply_to_what_is_left():
    layer = linear_with(np.arange(1, 11, dtype=np.float32).reshape(2, 5))
    l1_unstructured(layer, "weight", amount=0.5)  # 5 of 10
    l1_unstructured(layer, "weight", amount=0.4)  # 2 of the 5 left
    assert layer.weight_mask.numpy().reshape(-1).tolist() == [0] * 7 + [1] * 3
    autograd.manual_seed(0)
    random_unstructured(layer, "weight", amount=1)
    assert int(layer.weight_mask.numpy().sum()) == 2 and layer.weight_mask.numpy().reshape(-1)[:7].sum() == 0
    assert len(layer._forward_pre_hooks) == 1  # one hook per parameter, whatever the number of rounds


def test_amounts_follow_pytorchs_rules():
    layer = linear_with(np.arange(1, 11, dtype=np.float32).reshape(2, 5))
    pruned = l1_unstructured(copy.deepcopy(layer), "weight", amount=0.25)  # round(2.5) = 2: half to even
    assert int((pruned.weight_mask.numpy() == 0).sum()) == 2
    pruned = l1_unstructured(copy.deepcopy(layer), "weight", amount=0.35)  # round(3.5) = 4
    assert int((pruned.weight_mask.numpy() == 0).sum()) == 4
    pruned = l1_unstructured(copy.deepcopy(layer), "weight", amount=1)  # an int is a count
    assert int((pruned.weight_mask.numpy() == 0).sum()) == 1
    pruned = l1_unstructured(copy.deepcopy(layer), "weight", amount=1.0)  # a float 1.0 is everything
    assert pruned.weight_mask.numpy().sum() == 0
    with pytest.raises(ValueError, match="float in the range \\[0, 1\\] or a non-negative integer"):
        l1_unstructured(layer, "weight", 1.5)
    with pytest.raises(ValueError, match="non-negative integer"):
        l1_unstructured(layer, "weight", -1)
    with pytest.raises(TypeError, match="must be int or float"):
        l1_unstructured(layer, "weight", "half")
    with pytest.raises(
        ValueError, match="amount=11 should be smaller than the number of parameters to prune=10"
    ):
        l1_unstructured(layer, "weight", 11)
    with pytest.raises(AttributeError, match="no parameter 'kernel'"):
        l1_unstructured(layer, "kernel", 0.5)


def test_ln_structured_removes_whole_channels_by_norm():
    layer = linear_with(np.array([[1.0, 1.0], [0.1, 0.1], [3.0, -3.0], [0.0, 1.5]]))
    ln_structured(layer, "weight", amount=1, n=2, dim=0)
    assert layer.weight_mask.numpy().tolist() == [[1, 1], [0, 0], [1, 1], [1, 1]]
    ln_structured(layer, "weight", amount=0.4, n=1, dim=0)  # round(1.2) = 1 of the 3 rows left (L1 2, 6, 1.5)
    assert layer.weight_mask.numpy()[:, 0].tolist() == [1, 0, 1, 0]
    columns = linear_with(np.array([[1.0, 5.0, 0.2], [1.0, 5.0, 0.2]]))
    ln_structured(columns, "weight", amount=1, n=np.inf, dim=1)
    assert columns.weight_mask.numpy().tolist() == [[1, 1, 0], [1, 1, 0]]


def test_ln_structured_on_a_conv_against_a_slow_reference(rng):
    conv = Conv2d(3, 8, 3)
    weight = conv.weight.detach().numpy().copy()
    ln_structured(conv, "weight", amount=3, n=2, dim=0)
    norms = [float(np.sqrt(sum(v * v for v in weight[c].reshape(-1).tolist()))) for c in range(8)]
    dropped = sorted(sorted(range(8), key=lambda c: norms[c])[:3])
    mask = conv.weight_mask.numpy()
    assert [c for c in range(8) if mask[c].sum() == 0] == dropped
    assert all(mask[c].min() == 1 for c in range(8) if c not in dropped)


def test_structured_after_unstructured_keeps_the_earlier_zeros():
    layer = linear_with(np.array([[1.0, 2.0], [3.0, 4.0], [0.5, 0.6]]))
    l1_unstructured(layer, "weight", amount=1)  # the 0.5 goes
    ln_structured(layer, "weight", amount=1, n=2, dim=0)  # norms from the original values: row 2 goes
    assert layer.weight_mask.numpy().tolist() == [[1, 1], [1, 1], [0, 0]]
    layer = linear_with(np.array([[1.0, 2.0], [3.0, 4.0], [0.5, 0.6]]))
    l1_unstructured(layer, "weight", amount=1)
    ln_structured(layer, "weight", amount=1, n=2, dim=1)
    assert layer.weight_mask.numpy().tolist() == [[0, 1], [0, 1], [0, 1]]


def test_structured_pruning_again_ranks_the_channels_still_alive():
    layer = linear_with(np.array([[0.1, 5.0, 1.0], [0.1, 5.0, 1.0]]))
    ln_structured(layer, "weight", amount=1, n=1, dim=1)  # column 0 goes
    ln_structured(layer, "weight", amount=1, n=1, dim=-1)  # of columns 1 and 2 (norms as before), 2 goes
    assert layer.weight_mask.numpy().tolist() == [[0, 1, 0], [0, 1, 0]]


def test_importance_scores_and_custom_masks():
    layer = linear_with(np.array([[1.0, 2.0, 3.0]]))
    l1_unstructured(layer, "weight", amount=1, importance_scores=np.array([[5.0, 0.1, 9.0]]))
    assert layer.weight_mask.numpy().tolist() == [[1, 0, 1]]
    custom_from_mask(layer, "weight", np.array([[0, 1, 1]]))
    assert layer.weight_mask.numpy().tolist() == [[0, 0, 1]]  # combined with the earlier mask
    fresh = identity(linear_with(np.ones((2, 2))), "weight")
    assert is_pruned(fresh) and fresh.weight_mask.numpy().sum() == 4
    with pytest.raises(ValueError, match="importance_scores of shape \\(2,\\)"):
        l1_unstructured(layer, "weight", 1, importance_scores=np.ones(2))


def test_global_pruning_ranks_across_layers_and_sparsity_reports_it():
    model = nn.Sequential(linear_with(np.full((2, 2), 0.01)), nn.ReLU(), linear_with(np.full((2, 2), 5.0)))
    global_unstructured([(model[0], "weight"), (model[2], "weight")], L1Unstructured, amount=0.5)
    assert model[0].weight_mask.numpy().sum() == 0 and model[2].weight_mask.numpy().sum() == 4
    report = sparsity(model)
    assert report == {"0.weight": 1.0, "2.weight": 0.0, "global": 0.5}
    global_unstructured(
        [(model[0], "weight"), (model[2], "weight")], L1Unstructured, amount=2
    )  # of the 4 left
    assert model[2].weight_mask.numpy().sum() == 2 and sparsity(model)["global"] == 0.75


def test_global_pruning_matches_a_slow_reference(rng):
    layers = [linear_with(rng.standard_normal((3, 4))), linear_with(rng.standard_normal((5, 2)))]
    values = [layer.weight.detach().numpy().copy() for layer in layers]
    global_unstructured([(layer, "weight") for layer in layers], pruning_method=L1Unstructured, amount=0.4)
    everything = sorted(abs(v) for w in values for v in w.reshape(-1).tolist())
    threshold = everything[round(0.4 * len(everything)) - 1]  # the largest magnitude pruned
    for layer, weight in zip(layers, values):
        np.testing.assert_array_equal(
            layer.weight_mask.numpy(), (np.abs(weight) > threshold).astype(np.float32)
        )
    with pytest.raises(TypeError, match='only "unstructured"'):
        global_unstructured([(layers[0], "weight")], LnStructured, amount=1, n=2, dim=0)
    with pytest.raises(TypeError, match="\\(module, name\\) pairs"):
        global_unstructured([layers[0]], L1Unstructured, amount=1)


def test_remove_makes_it_permanent_and_keeps_the_parameter_object():
    layer = linear_with(np.array([[1.0, -0.1], [0.2, 4.0]]))
    original = layer.weight
    l1_unstructured(layer, "weight", amount=2)
    assert remove(layer, "weight") is layer  # like torch.nn.utils.prune.remove
    assert [n for n, _ in layer.named_parameters()] == ["weight"] and not is_pruned(layer)
    assert layer.weight is original and not layer._buffers
    np.testing.assert_allclose(layer.weight.detach().numpy(), [[1.0, 0.0], [0.0, 4.0]])
    assert not layer._forward_pre_hooks
    with pytest.raises(ValueError, match="has to be pruned before pruning can be removed"):
        remove(layer, "weight")


def test_a_pruned_model_trains_saves_and_copies(tmp_path, rng):
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
    l1_unstructured(model[0], "weight", amount=0.5)
    optimizer = tt_optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = (
        autograd.tensor(rng.standard_normal((16, 6)).astype(np.float32)),
        autograd.tensor(rng.integers(0, 3, 16)),
    )
    for _ in range(3):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    mask = model[0].weight_mask.numpy()
    assert np.all(model[0].weight.detach().numpy()[mask == 0] == 0)  # pruned entries stay at zero
    copied = copy.deepcopy(model)
    copied[0].weight_mask.numpy()[...] = 1  # the copy's hook reads the copy's mask, not the original's
    copied(x)
    assert np.count_nonzero(copied[0].weight.detach().numpy()) > np.count_nonzero(
        model[0].weight.detach().numpy()
    )
    tt_optim.save(model.state_dict(), tmp_path / "pruned.npz")
    fresh = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
    identity(fresh[0], "weight")
    fresh.load_state_dict(tt_optim.load(tmp_path / "pruned.npz"))
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())


def test_method_classes_compute_masks_directly():
    t = np.array([3.0, -1.0, 2.0, 0.5])
    assert L1Unstructured(0.5).compute_mask(t, np.ones(4)).tolist() == [1, 0, 1, 0]
    autograd.manual_seed(1)
    first = RandomUnstructured(2).compute_mask(t, np.ones(4))
    autograd.manual_seed(1)
    assert RandomUnstructured(2).compute_mask(t, np.ones(4)).tolist() == first.tolist() and first.sum() == 2
    mask = LnStructured(1, n=1, dim=0).compute_mask(np.array([[1.0, 1.0], [0.5, 0.4]]), np.ones((2, 2)))
    assert mask.tolist() == [[1, 1], [0, 0]]


def test_masks_survive_optimizer_steps_with_weight_decay_and_momentum(rng):
    """Fine-tuning after pruning: the optimizer updates ``weight_orig``, the forward sees ``orig * mask``."""
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
    global_unstructured([(model[0], "weight"), (model[2], "weight")], L1Unstructured, amount=0.6)
    masks = [model[i].weight_mask.numpy().copy() for i in (0, 2)]
    before = [model[i].weight_orig.detach().numpy().copy() for i in (0, 2)]
    x = autograd.tensor(rng.standard_normal((16, 6)).astype(np.float32))
    y = autograd.tensor(rng.integers(0, 3, 16))
    for optimizer in (
        tt_optim.AdamW(model.parameters(), lr=0.05, weight_decay=0.1),
        tt_optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4),
    ):
        for _ in range(4):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
    model(x)  # the pre-hook recomputes weight from the updated weight_orig
    for i, mask, start in zip((0, 2), masks, before):
        np.testing.assert_array_equal(model[i].weight_mask.numpy(), mask)  # the mask is a buffer: untouched
        weight = model[i].weight.detach().numpy()
        assert np.all(weight[mask == 0] == 0) and np.all(weight[mask == 1] != start[mask == 1])
        np.testing.assert_array_equal(weight, model[i].weight_orig.detach().numpy() * mask)
    assert sparsity(model)["global"] == round(0.6 * 72) / (72 + 8 + 3)  # the biases are not pruned


def test_a_pruned_module_under_data_parallel_trains_as_called_directly():
    # the pruning pre-hook makes the weight from each replica's own parameters (per_replica)
    results = []
    for parallel in (False, True):
        autograd.manual_seed(0)
        layer = nn.Linear(3, 4).to(dtype=autograd.float64)
        l1_unstructured(layer, "weight", amount=0.5)
        call = nn.DataParallel(layer, device_ids=[0, 1]) if parallel else layer
        x = autograd.tensor(np.random.default_rng(0).standard_normal((8, 3)))
        for _ in range(3):
            layer.zero_grad()
            call(x).sum().backward()
            with autograd.no_grad():
                for p in layer.parameters():
                    p -= 0.1 * p.grad
        results.append([p.grad.array.copy() for p in layer.parameters()])
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
