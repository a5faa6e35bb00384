"""``DataParallel``: the batch cut over worker threads gives the whole batch's outputs and gradients."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
import tt_tensor
from tt_autograd import Function
from tt_autograd.gradients import grad


def mlp(dtype=autograd.float64) -> nn.Module:
    tt_tensor.manual_seed(3)
    return nn.Sequential(nn.Linear(6, 12), nn.GELU(), nn.LayerNorm(12), nn.Linear(12, 4)).to(dtype=dtype)


def grads(model: nn.Module) -> list[np.ndarray]:
    return [p.grad.array.copy() for p in model.parameters()]


def batch(rows: int, dtype=np.float64):
    rng = np.random.default_rng(rows)
    x = rng.standard_normal((rows, 6)).astype(dtype)
    return autograd.tensor(x), autograd.tensor(rng.integers(0, 4, rows))


@pytest.mark.parametrize(("rows", "slices"), [(8, 2), (7, 3), (5, 5), (9, 4)])
def test_outputs_and_gradients_equal_the_whole_batch(rows, slices):
    x, y = batch(rows)
    model = mlp()
    loss = nn.CrossEntropyLoss()(model(x), y)
    loss.backward()
    expected_out, expected = model(x).array, grads(model)
    model.zero_grad()
    parallel = nn.DataParallel(model, device_ids=list(range(slices)))
    out = parallel(x)
    assert out.grad_fn is not None and out.grad_fn.name() == "GatherBackward0"
    np.testing.assert_allclose(out.array, expected_out, rtol=1e-12, atol=1e-12)
    parallel_loss = nn.CrossEntropyLoss()(out, y)
    np.testing.assert_allclose(float(parallel_loss), float(loss), rtol=1e-12)
    parallel_loss.backward()
    for got, want in zip(grads(model), expected):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    # the replicas' own gradients were handed over and cleared
    assert all(p.grad is None for replica in parallel._replicas for p in replica.parameters())


def test_gradients_accumulate_across_calls_like_the_module():
    x, y = batch(6)
    model = mlp()
    for _ in range(2):
        nn.CrossEntropyLoss()(model(x), y).backward()
    expected = grads(model)
    model.zero_grad()
    parallel = nn.DataParallel(model, device_ids=[0, 1])
    for _ in range(2):
        nn.CrossEntropyLoss()(parallel(x), y).backward()
    for got, want in zip(grads(model), expected):
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_tied_weights_get_both_uses():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(5, 5, bias=False)
            self.b = nn.Linear(5, 5, bias=False)
            self.b.weight = self.a.weight  # one Parameter in two modules

        def forward(self, x):
            return self.b(self.a(x).tanh())

    tt_tensor.manual_seed(0)
    model = Tied().to(dtype=autograd.float64)
    x = autograd.tensor(np.random.default_rng(0).standard_normal((6, 5)))
    (model(x) ** 2).sum().backward()
    expected = model.a.weight.grad.array.copy()
    model.zero_grad()
    (nn.DataParallel(model, device_ids=[0, 1, 2])(x) ** 2).sum().backward()
    np.testing.assert_allclose(model.a.weight.grad.array, expected, rtol=1e-10)
    assert len(list(model.parameters())) == 1


def test_parameters_the_optimizer_replaced_are_used():
    x, _ = batch(4)
    model = mlp()
    parallel = nn.DataParallel(model, device_ids=[0, 1])
    parallel(x)  # replicas made
    first = model[0]
    first.weight.array = first.weight.array * 2  # a new array, not an in-place update
    first.weight.requires_grad = False
    np.testing.assert_allclose(parallel(x).array, model(x).array, rtol=1e-12)
    parallel(x).sum().backward()
    assert first.weight.grad is None and model[3].weight.grad is not None


def test_replicas_are_made_once_and_again_only_when_the_tree_changes():
    model = mlp()
    parallel = nn.DataParallel(model, device_ids=[0, 1, 2])
    x, _ = batch(9)
    parallel(x).sum().backward()
    made = list(parallel._replicas)
    assert len(made) == 2  # replicas 1 and 2; replica 0 is the model
    parallel(x).sum().backward()
    assert all(a is b for a, b in zip(parallel._replicas, made))
    for change in (
        lambda: setattr(model[3], "bias", nn.Parameter(autograd.tensor(np.ones(4)))),  # a new Parameter
        lambda: model.__setitem__(1, nn.Tanh()),  # a submodule without parameters
        lambda: model[1].register_buffer("extra", autograd.tensor([1.0])),  # a buffer
    ):
        change()
        made = list(parallel._replicas)
        model.zero_grad()
        parallel(x).sum().backward()
        assert not any(a is b for a, b in zip(parallel._replicas, made))
    np.testing.assert_allclose(model[3].bias.grad.array, np.full(4, 9.0))
    np.testing.assert_allclose(parallel(x).array, model(x).array, rtol=1e-12)


def test_replicas_follow_the_modules_attributes():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.net, self.scale = mlp(), 1.0

        def forward(self, x):
            return self.net(x) * self.scale

    model, (x, _) = Scaled(), batch(8)
    parallel = nn.DataParallel(model, device_ids=[0, 1])
    parallel(x)
    model.scale = 3.0  # a plain attribute, after the replicas were made
    model.eval()
    np.testing.assert_allclose(parallel(x).array, model(x).array, rtol=1e-12)
    assert all(not m.training for replica in parallel._replicas for m in replica.modules())


def test_zero_dim_outputs_are_stacked_and_tuples_gathered():
    class LossAndLogits(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = mlp()

        def forward(self, x, y):
            logits = self.net(x)
            return logits, nn.functional.cross_entropy(logits, y, reduction="sum")

    x, y = batch(6)
    model = LossAndLogits()
    logits, total = model(x, y)
    total.backward()
    expected = grads(model)
    model.zero_grad()
    logits_p, totals = nn.DataParallel(model, device_ids=[0, 1, 2])(x, y)
    assert totals.shape == (3,)
    np.testing.assert_allclose(float(totals.sum()), float(total), rtol=1e-12)
    np.testing.assert_allclose(logits_p.array, logits.array, rtol=1e-12)
    totals.sum().backward()
    for got, want in zip(grads(model), expected):
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_batch_norm_keeps_replica_zeros_running_statistics():
    tt_tensor.manual_seed(0)
    model = nn.BatchNorm1d(3).to(dtype=autograd.float64)
    x = autograd.tensor(np.random.default_rng(1).standard_normal((8, 3)) * 3 + 1)
    parallel = nn.DataParallel(model, device_ids=[0, 1])
    parallel(x)
    reference = nn.BatchNorm1d(3).to(dtype=autograd.float64)
    reference(autograd.tensor(x.array[:4]))  # replica 0 saw the first half
    np.testing.assert_allclose(model.running_mean.array, reference.running_mean.array, rtol=1e-12)
    np.testing.assert_allclose(model.running_var.array, reference.running_var.array, rtol=1e-12)
    model.eval()
    with autograd.no_grad():
        out = parallel(x)
    assert out.grad_fn is None
    np.testing.assert_allclose(out.array, model(x).array, rtol=1e-12)  # replicas use the module's statistics


def test_replicas_run_on_worker_threads_under_the_callers_grad_mode():
    seen = []

    class Probe(nn.Module):
        def forward(self, x):
            seen.append((threading.current_thread().name, autograd.is_grad_enabled(), x.shape[0]))
            return x * 2

    x = autograd.tensor(np.ones((4, 2)))
    with autograd.no_grad():
        nn.DataParallel(Probe(), device_ids=[0, 1])(x)
    assert sorted(rows for *_, rows in seen) == [2, 2]
    assert not any(enabled for _, enabled, _ in seen)
    assert tt_tensor.threads.workers() > 1, "the CI machine has 2 cores: the pool has 2 workers"
    assert all(name.startswith("tt-worker") for name, _, _ in seen)


def test_one_slice_calls_the_module_itself():
    x, _ = batch(1)
    model = mlp()
    out = nn.DataParallel(model, device_ids=[0, 1])(x)  # a batch of one: nothing to split
    assert out.grad_fn is not None and out.grad_fn.name() != "GatherBackward0"
    out = nn.DataParallel(model, device_ids=[0])(batch(4)[0])
    assert out.grad_fn.name() != "GatherBackward0"


def test_errors_are_clear():
    model = mlp()
    with pytest.raises(TypeError, match="DataParallel: expected a Module"):
        nn.DataParallel(lambda x: x)
    with pytest.raises(ValueError, match="output_device"):
        nn.DataParallel(model, output_device=1)
    with pytest.raises(ValueError, match="device_ids is empty"):
        nn.DataParallel(model, device_ids=[])
    x = autograd.tensor(np.ones((4, 6)), requires_grad=True)
    with pytest.raises(ValueError, match="input requires grad"):
        nn.DataParallel(model, device_ids=[0, 1])(x)

    class Text(nn.Module):
        def forward(self, x):
            return "not a tensor"

    with pytest.raises(TypeError, match="only tensors"):
        nn.DataParallel(Text(), device_ids=[0, 1])(autograd.tensor(np.ones((4, 6))))

    class Fails(Function):
        @staticmethod
        def forward(ctx, x):
            raise FloatingPointError("replica failed")

    class Bad(nn.Module):
        def forward(self, x):
            return Fails.apply(x)

    with pytest.raises(FloatingPointError, match="replica failed"):
        nn.DataParallel(Bad(), device_ids=[0, 1])(autograd.tensor(np.ones((4, 6))))


def test_buffers_follow_a_change_of_dtype():
    tt_tensor.manual_seed(0)
    model = nn.BatchNorm1d(3)
    parallel = nn.DataParallel(model, device_ids=[0, 1])
    x = autograd.tensor(np.random.default_rng(2).standard_normal((6, 3)))
    parallel(x.float())
    model.double().eval()
    with autograd.no_grad():
        out = parallel(x)
    assert out.dtype == autograd.float64
    np.testing.assert_allclose(out.array, model(x).array, rtol=1e-12)


def test_buffers_follow_a_change_of_shape():
    class Shifted(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("offset", autograd.tensor([1.0]))

        def forward(self, x):
            return x + self.offset

    model, x = Shifted(), autograd.tensor(np.zeros((4, 3)))
    parallel = nn.DataParallel(model, device_ids=[0, 1])
    parallel(x)
    model.offset = autograd.tensor([1.0, 2.0, 3.0])  # the same buffer, another shape
    np.testing.assert_allclose(parallel(x).array, np.tile([1.0, 2.0, 3.0], (4, 1)))


def test_functional_form_matches_the_module_and_scatters_keyword_arguments():
    x, y = batch(8)
    model = mlp()
    nn.CrossEntropyLoss()(model(x), y).backward()
    expected_out, expected = model(x).array, grads(model)
    model.zero_grad()
    out = nn.data_parallel(model, x, device_ids=[0, 1])  # one input, not a tuple: one argument
    assert out.grad_fn.name() == "GatherBackward0"
    nn.CrossEntropyLoss()(out, y).backward()
    np.testing.assert_allclose(out.array, expected_out, rtol=1e-12)
    for got, want in zip(grads(model), expected):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)

    seen = []

    class Scaled(nn.Module):
        def forward(self, a, scale=None):
            seen.append((a.shape, scale.shape))
            return a * scale

    out = nn.data_parallel(Scaled(), (x,), device_ids=[0, 1], module_kwargs={"scale": x})
    np.testing.assert_allclose(out.array, x.array * x.array)
    assert sorted(seen) == [((4, 6), (4, 6)), ((4, 6), (4, 6))]
    with pytest.raises(TypeError, match="module_kwargs must be a dict"):
        nn.data_parallel(model, x, module_kwargs=[x])


def penalty_gradients(run, model):
    """A gradient penalty's gradients: backward(create_graph=True), then the sum of the squared .grads."""
    model.zero_grad()
    run().backward(create_graph=True)
    first = [p.grad for p in model.parameters()]
    assert all(g.grad_fn is not None for g in first)
    values = [g.array.copy() for g in first]
    model.zero_grad()
    sum((g * g).sum() for g in first).backward()
    return values, grads(model)


@pytest.mark.parametrize(("rows", "slices"), [(8, 2), (7, 3)])
def test_a_gradient_penalty_equals_the_whole_batchs(rows, slices):
    x, y = batch(rows)
    model = mlp()
    parallel = nn.DataParallel(model, device_ids=list(range(slices)))
    expected = penalty_gradients(lambda: nn.CrossEntropyLoss()(model(x), y), model)
    got = penalty_gradients(lambda: nn.CrossEntropyLoss()(parallel(x), y), model)
    for got_list, want_list in zip(got, expected):
        for g, w in zip(got_list, want_list):
            np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12)
    # then a first-order step runs on the worker threads as before, replicas' gradients handed over
    model.zero_grad()
    nn.CrossEntropyLoss()(parallel(x), y).backward()
    assert all(p.grad is None for replica in parallel._replicas for p in replica.parameters())
    model.zero_grad()
    nn.CrossEntropyLoss()(model(x), y).backward()
    # autograd.grad with create_graph reaches the owners through every replica
    want = grads(model)
    found = grad(nn.CrossEntropyLoss()(parallel(x), y), list(model.parameters()), create_graph=True)
    for g, w in zip(found, want):
        assert g.grad_fn is not None
        np.testing.assert_allclose(g.array, w, rtol=1e-10, atol=1e-12)
    # and without create_graph: the model's gradients, walked in this thread, .grad left alone
    model.zero_grad()
    found = grad(nn.CrossEntropyLoss()(parallel(x), y), list(model.parameters()))
    for g, w in zip(found, want):
        assert g.grad_fn is None
        np.testing.assert_allclose(g.array, w, rtol=1e-10, atol=1e-12)
    assert all(p.grad is None for p in model.parameters())
    assert all(p.grad is None for replica in parallel._replicas for p in replica.parameters())


@pytest.mark.parametrize("dim", [0, 1])
def test_gather_gradgradcheck(dim):
    tt_tensor.manual_seed(5)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    parallel = nn.DataParallel(model, device_ids=[0, 1, 2], dim=dim)
    x = autograd.tensor(np.random.default_rng(1).standard_normal((5, 3) if dim == 0 else (2, 5, 3)))

    def logits(*params):
        return parallel(x)

    def logits_and_losses(*params):  # tuple outputs; 0-d ones stacked
        class Both(nn.Module):
            def forward(self, inputs):
                out = model(inputs)
                return out, (out * out).sum()

        return nn.DataParallel(Both(), device_ids=[0, 1], dim=dim)(x)

    params = list(model.parameters())
    assert autograd.gradgradcheck(logits, params)
    assert autograd.gradgradcheck(logits_and_losses, params)


def test_the_threaded_backward_adds_into_the_replicas_own_parameters():
    x, y = batch(9)
    model = mlp()
    parallel = nn.DataParallel(model, device_ids=[0, 1, 2])
    nn.CrossEntropyLoss()(parallel(x), y).backward(create_graph=True)  # the graphs then hold the owners
    threads_seen = []
    model[0].weight.register_post_accumulate_grad_hook(lambda p: threads_seen.append(threading.get_ident()))
    model.zero_grad()
    nn.CrossEntropyLoss()(parallel(x), y).backward()
    # no worker added into the owner (its pass would have run the hook): once, in the caller's pass
    assert threads_seen == [threading.get_ident()]


def test_a_parameter_only_other_replicas_use_gets_their_gradient():
    class ScaledWhenLong(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(autograd.tensor([2.0]))

        def forward(self, x):
            return x * self.w if x.shape[0] > 2 else x * 1.0

    model = ScaledWhenLong()
    x = autograd.tensor(np.arange(7.0)[:, None])
    nn.DataParallel(model, device_ids=[0, 1, 2])(x).sum().backward()  # slices of 2, 2 and 3 rows
    np.testing.assert_allclose(model.w.grad.array, [4.0 + 5.0 + 6.0])


def test_autograd_grad_through_outputs_stacked_from_zero_d_replica_results():
    class Loss(nn.Module):  # each replica returns a 0-d loss: the gather stacks them
        def __init__(self):
            super().__init__()
            self.net = mlp()

        def forward(self, x):
            return (self.net(x) ** 2).sum()

    x, _ = batch(8)
    model = Loss()
    parallel = nn.DataParallel(model, device_ids=[0, 1])
    stacked = parallel(x)
    assert stacked.shape == (2,)
    found = grad(stacked.sum(), list(model.parameters()))
    want = grad(model(x), list(model.parameters()))
    for g, w in zip(found, want):
        np.testing.assert_allclose(g.array, w.array, rtol=1e-10, atol=1e-12)
