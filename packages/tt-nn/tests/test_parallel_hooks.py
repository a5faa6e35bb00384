"""``DataParallel`` and hooks: every hook on the model sees what it sees when the model is called directly.

PyTorch's ``DataParallel`` on a machine without CUDA calls the module itself, so the reference for each
case is the same model, same seed, same batch, called without ``DataParallel``.
"""

from __future__ import annotations

import threading
import time
import warnings

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
import tt_tensor
from tt_autograd.gradients import grad
from tt_nn.hooked_norms import spectral_norm, weight_norm


def mlp() -> nn.Module:
    tt_tensor.manual_seed(5)
    return nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2)).to(dtype=autograd.float64)


def batch(rows: int = 8):
    return autograd.tensor(np.random.default_rng(rows).standard_normal((rows, 3)))


def grads(model: nn.Module) -> list:
    return [None if p.grad is None else p.grad.array.copy() for p in model.parameters()]


def assert_same(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        if w is None:
            assert g is None
        else:
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def both(case, slices: int = 2):
    """``case(model, call)`` run on the model itself, then through ``DataParallel``; (log, grads) of each."""
    results = []
    for parallel in (False, True):
        model, log = mlp(), []
        call = nn.DataParallel(model, device_ids=list(range(slices))) if parallel else model
        case(model, call, log)
        results.append((log, grads(model)))
    return results


@pytest.mark.parametrize("slices", [2, 3])
def test_a_parameter_hook_runs_once_on_the_whole_gradient(slices):
    def case(model, call, log):
        model[0].weight.register_hook(lambda g: log.append(g.array.copy()))
        call(batch()).sum().backward()

    (plain, want), (log, got) = both(case, slices)
    assert len(plain) == len(log) == 1
    assert_same(log, plain)
    assert_same(got, want)


def test_a_hook_that_returns_a_new_gradient_changes_what_lands_in_grad():
    def case(model, call, log):
        model[0].weight.register_hook(lambda g: g * 2)
        model[2].bias.register_hook(lambda g: g + 1)
        call(batch()).sum().backward()

    (_, want), (_, got) = both(case)
    assert_same(got, want)
    (_, unhooked), _ = both(lambda model, call, log: call(batch()).sum().backward())
    np.testing.assert_allclose(got[0], 2 * unhooked[0], rtol=1e-12)
    np.testing.assert_allclose(got[3], unhooked[3] + 1, rtol=1e-12)


def test_a_post_accumulate_hook_runs_once_after_grad_holds_the_sum():
    def case(model, call, log):
        model[0].weight.register_post_accumulate_grad_hook(
            lambda p: log.append((threading.get_ident(), p.grad.array.copy()))
        )
        call(batch()).sum().backward()

    (plain, want), (log, got) = both(case)
    assert len(plain) == len(log) == 1
    assert log[0][0] == threading.get_ident()  # in the caller's pass, not on a worker
    assert_same([log[0][1]], [plain[0][1]])
    assert_same(got, want)


def test_hooks_and_gradients_over_two_backward_calls():
    def case(model, call, log):
        weight = model[0].weight
        weight.register_hook(lambda g: log.append(g.array.copy()) or g * 3)  # sees each pass's own total
        weight.register_post_accumulate_grad_hook(lambda p: log.append(p.grad.array.copy()))
        x = batch()
        call(x).sum().backward()
        (call(x) ** 2).sum().backward()

    (plain, want), (log, got) = both(case)
    assert len(plain) == len(log) == 4
    assert_same(log, plain)
    assert_same(got, want)


def test_retain_grad_on_tensors_made_after_the_gather():
    def case(model, call, log):
        out = call(batch())
        out.retain_grad()
        squared = out * out
        squared.retain_grad()
        squared.sum().backward()
        log.extend([out.grad.array, squared.grad.array])

    (plain, want), (log, got) = both(case)
    assert_same(log, plain)
    assert_same(got, want)


def test_autograd_grad_runs_a_parameter_hook_once_and_returns_its_result():
    def case(model, call, log):
        model[0].weight.register_hook(lambda g: log.append(g.array.copy()) or g * 2)
        found = grad((call(batch()) ** 2).sum(), [model[0].weight, model[2].bias])
        log.extend(g.array for g in found)

    (plain, want), (log, got) = both(case)
    assert len(plain) == len(log) == 3
    assert_same(log, plain)
    assert_same(got, want)  # .grad untouched: all None
    assert got == [None] * 4


def test_a_gradient_penalty_with_a_hooked_parameter():
    def case(model, call, log):
        weight = model[0].weight
        weight.register_hook(lambda g: log.append(g.array.copy()) or g * 2)
        (call(batch()) ** 2).sum().backward(create_graph=True)
        penalty = (weight.grad**2).sum() + (model[2].weight.grad ** 2).sum()
        model.zero_grad()
        penalty.backward()  # walks the gather again: a threaded backward under the recorded pass

    (plain, want), (log, got) = both(case)
    assert len(plain) == len(log) == 2
    assert_same(log, plain)
    assert_same(got, want)


def test_autograd_grad_with_create_graph_then_backward():
    def case(model, call, log):
        weight = model[0].weight
        weight.register_post_accumulate_grad_hook(lambda p: log.append(p.grad.array.copy()))
        (found,) = grad((call(batch()) ** 2).sum(), [weight], create_graph=True)
        (found**2).sum().backward()

    (plain, want), (log, got) = both(case)
    assert len(plain) == len(log) == 1
    assert_same(log, plain)
    assert_same(got, want)


def test_a_forward_under_no_grad_records_nothing():
    def case(model, call, log):
        model[0].weight.register_hook(lambda g: log.append("hook"))
        with autograd.no_grad():
            out = call(batch())
        log.append((out.requires_grad, out.grad_fn))
        log.append(out.array)

    (plain, want), (log, got) = both(case)
    assert log[0] == plain[0] == (False, None)
    np.testing.assert_allclose(log[1], plain[1], rtol=1e-12)
    assert got == want == [None] * 4


@pytest.mark.parametrize("rows", [8, 1])  # a batch of one calls no replica
def test_the_wrapped_modules_forward_hooks_run_once_on_the_whole_batch(rows):
    def case(model, call, log):
        def before(module, inputs):
            log.append(("pre", module is model, threading.get_ident(), inputs[0].array.copy()))
            return (inputs[0] * 2,)

        def after(module, inputs, output):
            log.append(("post", module is model, threading.get_ident(), inputs[0].array, output.array.copy()))
            return output + 1

        model.register_forward_pre_hook(before)
        model.register_forward_hook(after)
        out = call(batch(rows))
        log.append(out.array)
        out.sum().backward()

    (plain, want), (log, got) = both(case)
    assert [entry[:3] for entry in log[:2]] == [("pre", True, threading.get_ident())] + [
        ("post", True, threading.get_ident())
    ]
    assert_same(log[0][3:] + log[1][3:] + (log[2],), plain[0][3:] + plain[1][3:] + (plain[2],))
    assert_same(got, want)


def test_the_wrapped_modules_full_backward_hooks_run_once_on_the_whole_gradient():
    def case(model, call, log):
        def before(module, grad_output):
            log.append(("pre", module is model, threading.get_ident(), grad_output[0].array.copy()))
            return (grad_output[0] * 2,)

        def after(module, grad_input, grad_output):
            log.append(("post", module is model, grad_input, grad_output[0].array.copy()))

        model.register_full_backward_pre_hook(before)
        model.register_full_backward_hook(after)
        out = call(batch())
        with pytest.warns(UserWarning, match="no inputs require gradients") as caught:
            (out * out).sum().backward()  # the input needs no gradient: the hooks fire from the output side
        log.append(len(caught))

    (plain, want), (log, got) = both(case)
    assert len(log) == len(plain) == 3
    assert log[0][:3] == ("pre", True, threading.get_ident())
    assert log[1][:3] == ("post", True, (None,))
    assert log[2] == plain[2] == 1
    assert_same([log[0][3], log[1][3]], [plain[0][3], plain[1][3]])
    assert_same(got, want)


@pytest.mark.parametrize("norm", [weight_norm, spectral_norm])
def test_a_weight_norm_on_the_wrapped_module_is_made_in_every_replica(norm):
    results = []
    for parallel in (False, True):
        tt_tensor.manual_seed(2)
        model = norm(nn.Linear(3, 2).to(dtype=autograd.float64))
        calls = []
        model.register_forward_pre_hook(lambda module, inputs: calls.append(len(inputs[0])))  # noqa: B023
        call = nn.DataParallel(model, device_ids=[0, 1]) if parallel else model
        x = batch()
        for _ in range(3):  # each step's weight from that step's parameters, in every replica
            model.zero_grad()
            call(x).sum().backward()
            with autograd.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
        results.append((calls, grads(model)))
    (plain_calls, want), (calls, got) = results
    assert calls == plain_calls == [8, 8, 8]  # the user's pre-hook: once per call, on the whole batch
    assert_same(got, want)


def test_a_submodules_hooks_run_in_every_replica_on_its_slice():
    model, rows = mlp(), []
    model[0].register_forward_hook(lambda module, inputs, output: rows.append(inputs[0].shape[0]))
    nn.DataParallel(model, device_ids=[0, 1, 2])(batch(7))
    assert sorted(rows) == [2, 2, 3]  # as PyTorch's replicas on GPUs carry them


@pytest.mark.parametrize("kind", ["register_full_backward_hook", "register_full_backward_pre_hook"])
def test_either_backward_hook_alone_runs_once(kind):
    def case(model, call, log):
        getattr(model, kind)(lambda module, *grads: log.append(grads[-1][0].array.copy()))
        with warnings.catch_warnings(record=True) as caught:  # the full hook warns: no input requires grad
            warnings.simplefilter("always")
            call(batch()).sum().backward()
        log.append(len(caught))

    (plain, want), (log, got) = both(case)
    assert len(plain) == len(log) == 2
    assert log[1] == plain[1]
    assert_same(log[:1], plain[:1])
    assert_same(got, want)


def test_gradients_follow_a_change_of_the_parameters_dtype():
    model = mlp()
    parallel = nn.DataParallel(model, device_ids=[0, 1])
    parallel(batch()).sum().backward()
    model.to(dtype=autograd.float32)
    model.zero_grad()
    parallel(batch().to(dtype=autograd.float32)).sum().backward()
    assert {p.grad.array.dtype for p in model.parameters()} == {np.dtype(np.float32)}


@pytest.mark.parametrize("raising_rows", [3, 4])  # the first replica's pass raises, or the last one's
def test_a_replica_whose_backward_raises_leaves_no_gradient_for_the_next_pass(raising_rows):
    class Flaky(nn.Module):  # while failing: one slice's backward raises, the other's is slow
        def __init__(self):
            super().__init__()
            self.net, self.failing = mlp(), [True]  # a list: the replicas share it

        def forward(self, x):
            out = self.net(x)
            if self.failing[0]:
                raising = x.shape[0] == raising_rows
                out.register_hook(lambda g: 1 / 0 if raising else slow.append(time.sleep(0.1)))
            return out

    model, slow = Flaky(), []
    parallel = nn.DataParallel(model, device_ids=[0, 1])
    x = batch(7)  # slices of 3 and 4 rows
    with pytest.raises(ZeroDivisionError):
        parallel(x).sum().backward()
    assert slow == [None]  # raised once the slow slice had finished too, even when it was second
    model.failing[0] = False
    model.zero_grad()
    parallel(x).sum().backward()
    want = [g.array for g in grad(model(x).sum(), list(model.parameters()))]
    assert_same(grads(model), want)


class Shifted(nn.Module):
    """``linear(x) + shift``, ``shift`` a keyword argument (what ``with_kwargs`` hooks see and replace)."""

    def __init__(self) -> None:
        super().__init__()
        tt_tensor.manual_seed(5)
        self.linear = nn.Linear(3, 2).to(dtype=autograd.float64)

    def forward(self, x, *, shift=0.0):
        return self.linear(x) + shift


@pytest.mark.parametrize("rows", [8, 1])  # a batch of one calls no replica
def test_the_wrapped_modules_with_kwargs_hooks_see_and_replace_the_calls_keyword_arguments(rows):
    results = []
    for parallel in (False, True):
        model, seen = Shifted(), []
        model.register_forward_pre_hook(
            lambda m, args, kwargs, seen=seen: (
                seen.append(dict(kwargs)) or (args, {"shift": kwargs["shift"] + 1})
            ),
            with_kwargs=True,
        )
        model.register_forward_hook(
            lambda m, args, kwargs, out, seen=seen: seen.append(dict(kwargs)), with_kwargs=True
        )
        call = nn.DataParallel(model, device_ids=[0, 1]) if parallel else model
        results.append((seen, call(batch(rows), shift=2.0).array))
    (plain_seen, plain_out), (seen, out) = results
    assert seen == plain_seen == [{"shift": 2.0}, {"shift": 3.0}]
    np.testing.assert_allclose(out, plain_out, rtol=1e-12)
