"""Weight averaging (``tt_optim.swa_utils``) against the formulas of ``torch.optim.swa_utils``' page.

References are written in float64 NumPy from the documented updates. Not course
material (no solution regions), so no module number: ``nox -s tests`` runs it.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_optim import SGD
from tt_optim.swa_utils import (
    SWALR,
    AveragedModel,
    get_ema_avg_fn,
    get_ema_multi_avg_fn,
    get_swa_avg_fn,
    get_swa_multi_avg_fn,
    update_bn,
)


def set_weights(model, rng):
    """New random values in every parameter of ``model``; returns them (float64 copies)."""
    values = []
    with autograd.no_grad():
        for p in model.parameters():
            value = rng.standard_normal(tuple(p.shape))
            p.copy_(value)
            values.append(p.detach().numpy().astype(np.float64))
    return values


def weights(model):
    return [p.detach().numpy().astype(np.float64) for p in model.parameters()]


def test_default_is_the_equal_weight_mean_of_every_update():
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    swa = AveragedModel(model)
    seen = [set_weights(model, rng) for _ in range(5)]
    swa_seen = []
    for _ in range(5):
        swa_seen.append(set_weights(model, rng))
        swa.update_parameters(model)
    assert int(swa.n_averaged.item()) == 5
    for got, *snapshots in zip(weights(swa.module), *swa_seen):
        np.testing.assert_allclose(got, np.mean(snapshots, axis=0), rtol=1e-5, atol=1e-6)
    assert seen  # the weights before the first update are not part of the mean


def test_the_copy_is_independent_of_the_live_model():
    model = nn.Linear(3, 2)
    swa = AveragedModel(model)
    before = weights(swa.module)
    with autograd.no_grad():
        model.weight.fill_(7.0)
    np.testing.assert_array_equal(weights(swa.module)[0], before[0])  # a deep copy, not views
    swa.update_parameters(model)  # the first update copies
    np.testing.assert_array_equal(swa.module.weight.detach().numpy(), 7.0)
    with autograd.no_grad():
        model.weight.fill_(1.0)
    assert float(swa.module.weight.detach().numpy()[0, 0]) == 7.0


def test_forward_runs_the_averaged_copy():
    rng = np.random.default_rng(1)
    model = nn.Linear(3, 2)
    swa = AveragedModel(model)
    set_weights(model, rng)
    swa.update_parameters(model)
    set_weights(model, rng)  # the live model moves on; the copy keeps the first weights
    x = autograd.tensor(rng.standard_normal((5, 3)).astype(np.float32))
    np.testing.assert_array_equal(swa(x).detach().numpy(), swa.module(x).detach().numpy())
    assert not np.allclose(swa(x).detach().numpy(), model(x).detach().numpy())


@pytest.mark.parametrize("kind", ["multi", "single"])
def test_ema_follows_the_documented_recurrence(kind):
    rng = np.random.default_rng(2)
    decay = 0.8
    model = nn.Linear(4, 3)
    if kind == "multi":
        ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay))
    else:
        ema = AveragedModel(model, avg_fn=get_ema_avg_fn(decay))
    expected = None
    for _ in range(6):
        current = set_weights(model, rng)
        ema.update_parameters(model)
        expected = (
            current if expected is None else [decay * e + (1 - decay) * c for e, c in zip(expected, current)]
        )
    for got, want in zip(weights(ema.module), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_swa_single_and_multi_functions_agree():
    rng = np.random.default_rng(3)
    model = nn.Linear(4, 3)
    single, multi = (
        AveragedModel(model, avg_fn=get_swa_avg_fn()),
        AveragedModel(model, multi_avg_fn=get_swa_multi_avg_fn()),
    )
    default = AveragedModel(model)
    for _ in range(4):
        set_weights(model, rng)
        for averaged in (single, multi, default):
            averaged.update_parameters(model)
    for a, b, c in zip(weights(single.module), weights(multi.module), weights(default.module)):
        np.testing.assert_allclose(a, b, rtol=1e-6)
        np.testing.assert_allclose(c, b, rtol=1e-6)


def test_avg_fn_sees_the_count_of_updates_averaged_so_far():
    counts = []

    def keep_latest(averaged, current, num_averaged):
        counts.append(int(num_averaged.item()))
        return current

    model = nn.Linear(2, 2)  # weight and bias: two calls per update
    swa = AveragedModel(model, avg_fn=keep_latest)
    for _ in range(4):
        swa.update_parameters(model)
    assert counts == [1, 1, 2, 2, 3, 3]  # the first update copies, without calling avg_fn


def test_buffers_follow_the_live_model_by_default_and_are_averaged_with_use_buffers():
    rng = np.random.default_rng(4)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    follow, averaged = AveragedModel(model), AveragedModel(model, use_buffers=True)
    means = []
    for _ in range(3):
        model(autograd.tensor(rng.standard_normal((8, 3)).astype(np.float32)))  # training mode: stats move
        means.append(model[1].running_mean.numpy().astype(np.float64))
        follow.update_parameters(model)
        averaged.update_parameters(model)
    np.testing.assert_array_equal(follow.module[1].running_mean.numpy(), means[-1])
    np.testing.assert_allclose(averaged.module[1].running_mean.numpy(), np.mean(means, axis=0), rtol=1e-5)
    assert int(follow.module[1].num_batches_tracked.item()) == 3  # the live count, copied
    # an integer buffer is averaged in floats and cast back at each update (PyTorch too): 1, 1.5->1, 1.67->1
    assert int(averaged.module[1].num_batches_tracked.item()) == 1


def test_ema_of_an_integer_buffer_is_computed_in_floats_and_cast_back():
    model = nn.BatchNorm1d(2)
    ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.5), use_buffers=True)
    x = autograd.tensor(np.arange(8, dtype=np.float32).reshape(4, 2))
    counts = []
    for _ in range(4):
        model(x)
        ema.update_parameters(model)
        counts.append(int(ema.module.num_batches_tracked.item()))
    assert counts == [1, 1, 2, 3]  # 1; 0.5*1 + 0.5*2 = 1.5 -> 1; 0.5*1 + 0.5*3 = 2; 0.5*2 + 0.5*4 = 3


def test_state_dict_holds_the_count_and_the_copy_under_module():
    model = nn.Linear(2, 3)
    swa = AveragedModel(model)
    swa.update_parameters(model)
    swa.update_parameters(model)
    state = swa.state_dict()
    assert set(state) == {"n_averaged", "module.weight", "module.bias"}
    restored = AveragedModel(nn.Linear(2, 3))
    restored.load_state_dict(state)
    assert int(restored.n_averaged.item()) == 2
    np.testing.assert_array_equal(restored.module.weight.detach().numpy(), model.weight.detach().numpy())


def test_bad_arguments_are_named():
    model = nn.Linear(2, 3)
    with pytest.raises(ValueError, match="avg_fn or multi_avg_fn, not both"):
        AveragedModel(model, avg_fn=get_swa_avg_fn(), multi_avg_fn=get_swa_multi_avg_fn())
    with pytest.raises(ValueError, match="'cuda'.*cpu"):
        AveragedModel(model, device="cuda")
    with pytest.raises(TypeError, match="must be a Module"):
        AveragedModel([model])
    swa = AveragedModel(model)
    with pytest.raises(ValueError, match=r"shape \(3, 2\) in the averaged copy but \(4, 2\)"):
        swa.update_parameters(nn.Linear(2, 4))
    with pytest.raises(ValueError, match="has 2 tensors, the model given 4"):
        swa.update_parameters(nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 3)))
    assert int(swa.n_averaged.item()) == 0  # a refused update counts nothing


def batches(rng, count, size=16, features=3):
    return [
        (
            autograd.tensor((rng.standard_normal((size, features)) * 2 + 5).astype(np.float32)),
            autograd.tensor(np.zeros(size, dtype=np.int64)),
        )
        for _ in range(count)
    ]


def test_update_bn_recomputes_running_statistics_as_plain_means_over_the_batches():
    rng = np.random.default_rng(5)
    norm = nn.BatchNorm1d(3, momentum=0.3)
    model = nn.Sequential(norm, nn.Linear(3, 2))
    data = batches(rng, 4)
    model(data[0][0])  # some stale statistics to be thrown away
    model.eval()
    update_bn(data, model)
    x = [b[0].numpy().astype(np.float64) for b in data]
    np.testing.assert_allclose(
        norm.running_mean.numpy(), np.mean([b.mean(axis=0) for b in x], axis=0), rtol=1e-5
    )
    np.testing.assert_allclose(
        norm.running_var.numpy(), np.mean([b.var(axis=0, ddof=1) for b in x], axis=0), rtol=1e-5
    )
    assert norm.momentum == 0.3 and not model.training and not norm.training  # both restored
    assert int(norm.num_batches_tracked.item()) == 4


def test_update_bn_takes_bare_inputs_a_slice_of_a_loader_and_skips_models_without_batch_norm():
    rng = np.random.default_rng(6)
    norm = nn.BatchNorm1d(3)
    data = batches(rng, 5)
    update_bn(itertools.islice((x for x, _ in data), 2), nn.Sequential(norm))
    expected = np.mean([x.numpy().astype(np.float64).mean(axis=0) for x, _ in data[:2]], axis=0)
    np.testing.assert_allclose(norm.running_mean.numpy(), expected, rtol=1e-5)
    assert norm.training  # it was training before

    def never():
        raise AssertionError("update_bn read a batch for a model without batch norm")
        yield

    update_bn(never(), nn.Linear(3, 2))
    update_bn(never(), nn.Sequential(nn.BatchNorm1d(3, track_running_stats=False)))  # no statistics to redo


def test_update_bn_restores_the_momenta_when_a_batch_fails():
    norm = nn.BatchNorm1d(3, momentum=0.2)
    model = nn.Sequential(norm).eval()
    with pytest.raises(ValueError):
        update_bn([autograd.tensor(np.zeros((4, 5), dtype=np.float32))], model)  # 5 features, not 3
    assert norm.momentum == 0.2 and not model.training


def swalr_reference(lr0, swa_lr, anneal_epochs, strategy, steps):
    alpha = (lambda t: t) if strategy == "linear" else (lambda t: (1 - math.cos(math.pi * t)) / 2)
    out = []
    for s in range(steps):
        t = 1.0 if anneal_epochs == 0 else min(1.0, s / anneal_epochs)
        out.append(alpha(t) * swa_lr + (1 - alpha(t)) * lr0)
    return out


@pytest.mark.parametrize(
    ("anneal_epochs", "strategy"), [(4, "cos"), (5, "linear"), (1, "cos"), (0, "linear")]
)
def test_swalr_anneals_to_swa_lr_then_holds_it(anneal_epochs, strategy):
    optimizer = SGD([nn.Parameter(autograd.zeros(2))], lr=0.5)
    scheduler = SWALR(optimizer, swa_lr=0.05, anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    lrs = [optimizer.param_groups[0]["lr"]]
    for _ in range(8):
        optimizer.step()
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    np.testing.assert_allclose(lrs, swalr_reference(0.5, 0.05, anneal_epochs, strategy, 9), rtol=1e-12)
    assert scheduler.get_last_lr() == [lrs[-1]]


def test_swalr_per_group_values_and_a_json_state():
    groups = [
        {"params": [nn.Parameter(autograd.zeros(1))], "lr": 1.0},
        {"params": [nn.Parameter(autograd.zeros(1))]},
    ]
    optimizer = SGD(groups, lr=0.1)
    scheduler = SWALR(optimizer, swa_lr=[0.2, 0.01], anneal_epochs=2, anneal_strategy="linear")
    scheduler.step()
    assert [g["lr"] for g in optimizer.param_groups] == pytest.approx([0.6, 0.055])
    state = json.loads(json.dumps(scheduler.state_dict()))
    assert state["anneal_strategy"] == "linear" and state["anneal_epochs"] == 2


def test_swalr_refuses_bad_arguments():
    optimizer = SGD([nn.Parameter(autograd.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy must be 'cos' or 'linear', got 'step'"):
        SWALR(optimizer, 0.05, anneal_strategy="step")
    with pytest.raises(ValueError, match="anneal_epochs must be an integer >= 0, got -1"):
        SWALR(optimizer, 0.05, anneal_epochs=-1)
    with pytest.raises(ValueError, match="swa_lr has 2 values but the optimizer has 1 param groups"):
        SWALR(optimizer, [0.05, 0.01])
