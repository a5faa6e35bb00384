"""``DataParallel`` and hooks: every hook on the model sees what it sees when the model is called directly.

PyTorch's ``DataParallel`` on a machine without CUDA calls the module itself, so the reference for each
case is the same model, same seed, same batch, called without ``DataParallel``.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
import tt_tensor
from tt_autograd.gradients import grad


def mlp() -> nn.Module:
    tt_tensor.manual_seed(5)
    return nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2)).to(dtype=np.float64)


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
