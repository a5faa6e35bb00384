"""Activation checkpointing (``tt_autograd.checkpoint``): the same values and gradients as the plain run."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.checkpoint import CheckpointFunction, checkpoint, checkpoint_sequential
from tt_autograd.function import _CALL_HOOKS


def leaf(rng, *shape):
    return autograd.tensor(rng.standard_normal(shape), dtype=autograd.float64, requires_grad=True)


def grads(*tensors):
    return [None if t.grad is None else t.grad.numpy().copy() for t in tensors]


def clear(*tensors):
    for t in tensors:
        t.grad = None


def block(w, b):
    """A small layer that captures its 'parameters' w (4, 3) and b (3,): tanh(x @ w + b) * x.sum."""

    def run(x):
        return (x @ w + b).tanh() * x.sum(dim=-1, keepdim=True)

    return run


def test_values_and_gradients_equal_the_plain_run_inputs_and_captured_parameters():
    rng = np.random.default_rng(0)
    w, b, x = leaf(rng, 4, 3), leaf(rng, 3), leaf(rng, 2, 5, 4)  # b broadcasts over (2, 5)
    fn = block(w, b)
    plain = fn(x)
    (plain * plain).sum().backward()
    expected = grads(x, w, b)
    clear(x, w, b)
    out = checkpoint(fn, x, use_reentrant=False)
    np.testing.assert_array_equal(out.detach().numpy(), plain.detach().numpy())
    (out * out).sum().backward()
    for got, want in zip(grads(x, w, b), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_gradients_match_central_differences():
    rng = np.random.default_rng(1)
    w, b, x = leaf(rng, 4, 3), leaf(rng, 3), leaf(rng, 3, 4)
    assert autograd.gradcheck(lambda x, w, b: checkpoint(block(w, b), x), [x, w, b])


def test_nothing_inside_is_recorded_and_the_function_runs_again_in_backward():
    rng = np.random.default_rng(2)
    w, x = leaf(rng, 4, 3), leaf(rng, 2, 4)
    scale = autograd.tensor(rng.standard_normal(3))  # read inside, needs no gradient
    calls = []

    def fn(t):
        calls.append(autograd.is_grad_enabled())
        return (t @ w * scale + 1.0).exp() * (t @ w)  # w read twice

    hooks = len(_CALL_HOOKS)
    out = checkpoint(fn, x)
    assert calls == [False]  # forward without a graph
    assert len(_CALL_HOOKS) == hooks  # the watch ended with the forward
    assert isinstance(out.grad_fn, CheckpointFunction)
    assert out.grad_fn.parents == [x, w]  # the argument, then the parameter it read (once)
    assert len(out.grad_fn.saved_tensors) == 1  # only the input is kept, not exp's result
    out.sum().backward()
    assert calls == [False, True]  # rerun with the graph in backward
    xv, wv, sv = x.detach().numpy(), w.detach().numpy(), scale.numpy()
    z = xv @ wv
    dz = np.exp(z * sv + 1.0) * (z * sv + 1.0)  # d/dz of exp(z s + 1) z, summed
    np.testing.assert_allclose(w.grad.numpy(), xv.T @ dz, rtol=1e-12)


def test_parameters_get_gradients_when_no_argument_requires_grad():
    rng = np.random.default_rng(3)
    w, b = leaf(rng, 4, 3), leaf(rng, 3)
    x = autograd.tensor(rng.standard_normal((2, 4)))
    checkpoint(block(w, b), x).sum().backward()
    plain = grads(w, b)
    clear(w, b)
    block(w, b)(x).sum().backward()
    for got, want in zip(plain, grads(w, b)):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_a_captured_intermediate_tensor_passes_its_gradient_on():
    rng = np.random.default_rng(4)
    x, y = leaf(rng, 3), leaf(rng, 3)
    h = y * 2.0  # made outside the checkpoint, read inside it
    checkpoint(lambda t: (t * h).exp().sum(), x).backward()
    np.testing.assert_allclose(
        y.grad.numpy(), 2.0 * x.detach().numpy() * np.exp(x.detach().numpy() * h.detach().numpy())
    )
    np.testing.assert_allclose(
        x.grad.numpy(), h.detach().numpy() * np.exp(x.detach().numpy() * h.detach().numpy())
    )


def test_a_parameter_used_inside_and_outside_sums_both_paths():
    rng = np.random.default_rng(5)
    w, x = leaf(rng, 3), leaf(rng, 3)
    (checkpoint(lambda t: (t * w).sum(), x) + (w * w).sum()).backward()
    np.testing.assert_allclose(w.grad.numpy(), x.detach().numpy() + 2 * w.detach().numpy())


def test_the_rerun_draws_the_same_random_numbers_and_leaves_the_generator_where_it_was():
    rng = np.random.default_rng(6)
    x = leaf(rng, 50)

    def noisy(t):
        return t * autograd.rand(50, dtype=autograd.float64)

    autograd.manual_seed(7)
    plain = noisy(x)
    plain.sum().backward()
    mask, after_plain = plain.detach().numpy() / x.detach().numpy(), autograd.get_rng_state().numpy()
    clear(x)
    autograd.manual_seed(7)
    out = checkpoint(noisy, x)
    np.testing.assert_array_equal(autograd.get_rng_state().numpy(), after_plain)  # the forward drew once
    autograd.rand(3)  # draws between forward and backward
    state = autograd.get_rng_state().numpy()
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), mask)  # the backward's mask is the forward's
    np.testing.assert_array_equal(autograd.get_rng_state().numpy(), state)  # and the generator is put back
    clear(x)
    autograd.manual_seed(7)
    checkpoint(noisy, x, preserve_rng_state=False).sum().backward()
    assert not np.allclose(x.grad.numpy(), mask)  # without it, the rerun draws a new mask


def test_tuples_keep_their_non_float_items_and_each_output_gets_its_gradient():
    rng = np.random.default_rng(8)
    a, b = leaf(rng, 3), leaf(rng, 2, 2)

    def fn(u, v):
        return u.exp(), 7, (v * v).sum(dim=0), autograd.tensor([1, 2])

    p, seven, q, ints = checkpoint(fn, a, b)
    assert seven == 7 and ints.dtype == autograd.int64 and not ints.requires_grad
    (2 * p.sum() + (q * q).sum()).backward()
    av, bv = a.detach().numpy(), b.detach().numpy()
    np.testing.assert_allclose(a.grad.numpy(), 2 * np.exp(av))
    np.testing.assert_allclose(b.grad.numpy(), 4 * (bv**2).sum(axis=0) * bv)


def test_non_tensor_arguments_and_keywords_reach_the_function_both_times():
    rng = np.random.default_rng(9)
    x = leaf(rng, 4)
    seen = []

    def fn(t, power, scale=1.0):
        seen.append((power, scale))
        return (t**power).sum() * scale

    checkpoint(fn, x, 3, scale=0.5).backward()
    assert seen == [(3, 0.5), (3, 0.5)]
    np.testing.assert_allclose(x.grad.numpy(), 1.5 * x.detach().numpy() ** 2)


def test_retain_graph_lets_backward_run_twice():
    rng = np.random.default_rng(10)
    x = leaf(rng, 3)
    out = checkpoint(lambda t: (t * t).sum(), x)
    out.backward(retain_graph=True)
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * x.detach().numpy())


def test_a_rerun_of_another_shape_is_reported_unless_the_check_is_off():
    rng = np.random.default_rng(11)
    x = leaf(rng, 4)
    lengths = iter([4, 3, 4, 3])

    def shrinking(t):
        return t[: next(lengths)] * 2.0

    with pytest.raises(RuntimeError, match=r"checkpoint: the recomputed outputs differ.*\(3,\).*\(4,\)"):
        checkpoint(shrinking, x).sum().backward()
    with pytest.raises(
        RuntimeError, match=r"autograd.grad: grad_outputs of shape \(4,\) for an output of shape"
    ):
        checkpoint(shrinking, x, determinism_check="none").sum().backward()  # unchecked: fails further on


def test_without_grad_mode_it_just_calls_the_function():
    rng = np.random.default_rng(12)
    x, calls = leaf(rng, 3), []
    with autograd.no_grad():
        out = checkpoint(lambda t: calls.append(1) or t * 2, x)
    assert calls == [1] and out.grad_fn is None and not out.requires_grad


def test_checkpoint_sequential_equals_running_the_layers():
    rng = np.random.default_rng(13)
    ws = [leaf(rng, 3, 3) for _ in range(5)]
    layers = [lambda t, w=w: (t @ w).tanh() for w in ws]
    x = leaf(rng, 2, 3)
    y = x
    for layer in layers:
        y = layer(y)
    y.sum().backward()
    expected = grads(x, *ws)
    clear(x, *ws)
    out = checkpoint_sequential(layers, 2, x, use_reentrant=False)  # 2 + 3 layers: the first 2 checkpointed
    np.testing.assert_allclose(out.detach().numpy(), y.detach().numpy(), rtol=1e-14)
    assert isinstance(out.grad_fn, CheckpointFunction) is False  # the last segment runs plainly
    out.sum().backward()
    for got, want in zip(grads(x, *ws), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("segments", [0, 6])
def test_checkpoint_sequential_rejects_impossible_segment_counts(segments):
    with pytest.raises(
        ValueError, match=rf"checkpoint_sequential: segments must be between 1 and .*5.*got {segments}"
    ):
        checkpoint_sequential([abs] * 5, segments, autograd.tensor([1.0]))


def test_unsupported_options_say_so():
    x = autograd.tensor([1.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="context_fn is not supported"):
        checkpoint(abs, x, context_fn=lambda: None)
    with pytest.raises(ValueError, match="determinism_check must be 'default' or 'none'"):
        checkpoint(abs, x, determinism_check="strict")


def test_a_function_that_is_not_callable_is_named_in_the_error():
    x = autograd.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"checkpoint: function must be callable .*got Tensor"):
        checkpoint(x, abs)


def test_when_nothing_requires_grad_the_functions_own_result_comes_back():
    rng = np.random.default_rng(14)
    x, made = autograd.tensor(rng.standard_normal(3)), []

    def fn(t):
        made.append((t * 2.0, 5))
        return made[-1]

    result = checkpoint(fn, x)
    assert result is made[0] and not result[0].requires_grad


@pytest.mark.parametrize("kind", ["integer tensor", "python number", "mapping"])
def test_results_without_float_tensors_pass_through(kind):
    x = autograd.tensor([1.5, -2.0], requires_grad=True)
    fn = {
        "integer tensor": lambda t: (t > 0).long(),
        "python number": lambda t: float(t.detach().sum()),
        "mapping": lambda t: {"n": 3},
    }[kind]
    result = checkpoint(fn, x)
    expected = fn(x)
    if kind == "integer tensor":
        np.testing.assert_array_equal(result.numpy(), expected.numpy())
    else:
        assert result == expected


def test_an_argument_the_output_does_not_use_gets_no_gradient():
    rng = np.random.default_rng(15)
    a, b = leaf(rng, 3), leaf(rng, 3)
    checkpoint(lambda u, v: (u * u).sum(), a, b).backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * a.detach().numpy())
    assert b.grad is None


def test_an_output_that_no_longer_depends_on_the_inputs_sends_them_nothing():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    out = checkpoint(lambda t: autograd.ones(2, dtype=autograd.float32), x)
    out.sum().backward()
    assert x.grad is None


@pytest.mark.parametrize("segments", [1, 5])
def test_checkpoint_sequential_takes_one_segment_up_to_one_per_layer(segments):
    rng = np.random.default_rng(16)
    ws = [leaf(rng, 2, 2) for _ in range(5)]
    x = leaf(rng, 1, 2)
    out = checkpoint_sequential([lambda t, w=w: t @ w for w in ws], segments, x)
    expected = x.detach().numpy()
    for w in ws:
        expected = expected @ w.detach().numpy()
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-14)
    assert checkpoint_sequential([], 1, x) is x  # no layers: the input itself
