"""Module 17: the fused kernels agree with the composed layers and have the right gradients."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_perf.acceleration import fused_bias_dropout_residual, fused_linear_gelu
from tt_perf.acceleration.fused import TILE_ELEMENTS

F = nn.functional


def tensor(rng, *shape, dtype=autograd.float64, grad=True):
    return autograd.tensor(rng.standard_normal(shape), dtype=dtype, requires_grad=grad)


# ------------------------------------------------------------------ fused_linear_gelu


@pytest.mark.parametrize("shape", [(2, 5, 8), (7, 8), (TILE_ELEMENTS // 12 + 3, 8)])  # last: several tiles
def test_fused_linear_gelu_matches_the_composed_layers(shape, rng):
    x = autograd.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    linear = nn.Linear(8, 12)
    composed = F.gelu(linear(x), approximate="tanh")
    fused = fused_linear_gelu(x, linear.weight, linear.bias)
    assert fused.shape == shape[:-1] + (12,) and fused.dtype == autograd.float32
    np.testing.assert_allclose(fused.detach().numpy(), composed.detach().numpy(), rtol=1e-5, atol=1e-6)
    upstream = autograd.tensor(rng.standard_normal(fused.shape).astype(np.float32))
    grads = []
    for out in (composed, fused):
        x.grad = linear.weight.grad = linear.bias.grad = None
        (out * upstream).sum().backward()
        grads.append([t.grad.numpy() for t in (x, linear.weight, linear.bias)])
    for composed_grad, fused_grad in zip(*grads):
        np.testing.assert_allclose(fused_grad, composed_grad, rtol=2e-4, atol=2e-4)


def test_fused_linear_gelu_without_grad_matches_and_records_nothing(rng):
    x, w, b = tensor(rng, 3, 4, grad=False), tensor(rng, 6, 4), tensor(rng, 6)
    with autograd.no_grad():
        out = fused_linear_gelu(x, w, b)
    assert out.grad_fn is None and not out.requires_grad
    h = x.detach().numpy() @ w.detach().numpy().T + b.detach().numpy()
    expected = 0.5 * h * (1 + np.tanh(np.sqrt(2 / np.pi) * (h + 0.044715 * h**3)))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("x_shape", [(4,), (3, 4), (3, 2, 4)])  # unbatched, batch, batch of sequences
def test_fused_linear_gelu_gradients(x_shape, with_bias, rng, check_grad):
    x, w = tensor(rng, *x_shape), tensor(rng, 5, 4)
    inputs = (x, w, tensor(rng, 5)) if with_bias else (x, w)
    check_grad(lambda *t: fused_linear_gelu(*t), *inputs)


def test_fused_linear_gelu_saves_one_array_where_the_composition_keeps_two(rng):
    x = tensor(rng, 16, 4, dtype=autograd.float32)
    linear = nn.Linear(4, 32)
    node = fused_linear_gelu(x, linear.weight, linear.bias).grad_fn
    big = [a for a in node.saved_tensors if a is not None and a.shape == (16, 32)]
    assert len(big) == 1  # gelu'(h), and not h and tanh(...)


def test_fused_linear_gelu_checks_shapes():
    with pytest.raises(ValueError, match=r"input \(2, 3\) does not fit weight \(4, 5\)"):
        fused_linear_gelu(autograd.zeros(2, 3), autograd.zeros(4, 5))
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\)"):
        fused_linear_gelu(autograd.zeros(2, 3), autograd.zeros(4, 3), autograd.zeros(3))


# ------------------------------------------------------------------ fused_bias_dropout_residual


def test_bias_dropout_residual_keeps_or_drops_each_element(rng):
    x, bias, residual = tensor(rng, 64, 50, 8), tensor(rng, 8), tensor(rng, 64, 50, 8)
    p = 0.25
    out = fused_bias_dropout_residual(x, bias, residual, p, generator=autograd.Generator(0)).detach().numpy()
    kept_value = residual.detach().numpy() + (x.detach().numpy() + bias.detach().numpy()) / (1 - p)
    kept = np.isclose(out, kept_value, rtol=1e-12)
    dropped = out == residual.detach().numpy()
    assert (kept | dropped).all() and not (kept & dropped).any()
    # 25,600 Bernoulli(0.75) draws: the kept fraction is within 5 standard deviations (0.0135) of 0.75
    assert abs(kept.mean() - (1 - p)) < 0.0135
    again = (
        fused_bias_dropout_residual(x, bias, residual, p, generator=autograd.Generator(0)).detach().numpy()
    )
    np.testing.assert_array_equal(again, out)  # one seed, one mask


def test_bias_dropout_residual_in_eval_mode_or_with_p_0_is_a_sum(rng):
    x, bias, residual = tensor(rng, 3, 4), tensor(rng, 4), tensor(rng, 3, 4)
    expected = residual.detach().numpy() + x.detach().numpy() + bias.detach().numpy()
    for options in ({"p": 0.5, "training": False}, {"p": 0.0}):
        out = fused_bias_dropout_residual(x, bias, residual, **options)
        np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
    dropped_all = fused_bias_dropout_residual(x, bias, residual, p=1.0)
    np.testing.assert_array_equal(dropped_all.detach().numpy(), residual.detach().numpy())


def test_bias_dropout_residual_matches_the_composition_on_its_mask(rng):
    """Given the mask the fused kernel drew, the composed ops give the same values and gradients."""
    x, bias, residual = tensor(rng, 4, 6, 5), tensor(rng, 5), tensor(rng, 4, 6, 5)
    p = 0.4
    fused = fused_bias_dropout_residual(x, bias, residual, p, generator=autograd.Generator(5))
    (keep,) = fused.grad_fn.saved_tensors
    assert keep.dtype == np.bool_  # one byte per element
    mask = autograd.tensor(keep / (1 - round(p * 65536) / 65536))
    composed = residual + (x + bias) * mask
    np.testing.assert_allclose(fused.detach().numpy(), composed.detach().numpy(), rtol=1e-12)
    upstream = autograd.tensor(rng.standard_normal(fused.shape))
    grads = []
    for out in (composed, fused):
        for t in (x, bias, residual):
            t.grad = None
        (out * upstream).sum().backward()
        grads.append([t.grad.numpy() for t in (x, bias, residual)])
    for composed_grad, fused_grad in zip(*grads):
        np.testing.assert_allclose(fused_grad, composed_grad, rtol=1e-12)


@pytest.mark.parametrize(
    "x_shape, bias_shape, residual_shape",
    [((3, 4), (4,), (3, 4)), ((2, 3, 4), (4,), (3, 4)), ((2, 3, 4), (1, 3, 1), (2, 1, 4))],
)
def test_bias_dropout_residual_gradients(x_shape, bias_shape, residual_shape, rng, check_grad):
    inputs = (tensor(rng, *x_shape), tensor(rng, *bias_shape), tensor(rng, *residual_shape))

    def fn(x, bias, residual):  # the same generator seed on every call: the same mask
        return fused_bias_dropout_residual(x, bias, residual, p=0.3, generator=autograd.Generator(1))

    check_grad(fn, *inputs)
    check_grad(lambda x, r: fused_bias_dropout_residual(x, None, r, p=0.3, generator=autograd.Generator(2)),
               inputs[0], inputs[2])  # fmt: skip


def test_bias_dropout_residual_gradient_arrays_are_not_shared(rng):
    x, bias, residual = tensor(rng, 3, 4), tensor(rng, 3, 4), tensor(rng, 3, 4)
    fused_bias_dropout_residual(x, bias, residual, p=0.5).sum().backward()
    assert not np.shares_memory(x.grad.numpy(), bias.grad.numpy())
    x.grad.numpy()[...] += 1.0  # accumulating into one must leave the other alone
    assert not np.allclose(x.grad.numpy(), bias.grad.numpy())


def test_bias_dropout_residual_checks_its_arguments(rng):
    x = tensor(rng, 3, 4)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        fused_bias_dropout_residual(x, None, x, p=1.5)
    with pytest.raises(
        ValueError, match=r"bias of shape \(3,\) does not broadcast to the input's shape \(3, 4\)"
    ):
        fused_bias_dropout_residual(x, tensor(rng, 3), x)
    with pytest.raises(ValueError, match="residual is required"):
        fused_bias_dropout_residual(x, None, None)


@pytest.mark.parametrize("out_features", [0, TILE_ELEMENTS + 5])  # no output; an output row wider than a tile
def test_fused_linear_gelu_at_the_extremes_of_the_output_width(out_features, rng):
    x = autograd.tensor(rng.standard_normal((3, 2)).astype(np.float32), requires_grad=True)
    weight = autograd.tensor(rng.standard_normal((out_features, 2)).astype(np.float32), requires_grad=True)
    fused = fused_linear_gelu(x, weight)
    h = x.detach().numpy().astype(np.float64) @ weight.detach().numpy().T.astype(np.float64)
    expected = 0.5 * h * (1 + np.tanh(np.sqrt(2 / np.pi) * (h + 0.044715 * h**3)))
    assert fused.shape == (3, out_features)
    np.testing.assert_allclose(fused.detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    fused.sum().backward()
    assert x.grad.shape == (3, 2) and weight.grad.shape == (out_features, 2)
    if out_features == 0:
        assert not x.grad.numpy().any()


def test_bias_dropout_residual_drops_a_rare_fraction_at_its_rate():
    """p = 1/65536, the smallest rate above 0: about p·n of n elements dropped (here 64 of 2^22)."""
    n = 1 << 22
    ones = autograd.ones(n)
    out = fused_bias_dropout_residual(ones, None, autograd.zeros(n), p=1 / 65536,
                                      generator=autograd.Generator(0)).numpy()  # fmt: skip
    dropped = int((out == 0).sum())
    assert 32 <= dropped <= 96, f"{dropped} dropped, 64 expected (standard deviation 8)"
    assert np.all(out[out != 0] == np.float32(65536 / 65535))


def test_bias_dropout_residual_gradients_without_dropout(rng, check_grad):
    inputs = (tensor(rng, 2, 3), tensor(rng, 3), tensor(rng, 2, 3))
    check_grad(lambda x, b, r: fused_bias_dropout_residual(x, b, r, p=0.0), *inputs)
    check_grad(lambda x, b, r: fused_bias_dropout_residual(x, b, r, p=0.5, training=False), *inputs)


def test_bias_dropout_residual_with_p_0_draws_nothing_from_the_generator(rng):
    """As PyTorch's dropout on the CPU: p = 0 returns the sum without touching the random stream."""
    x, residual = tensor(rng, 3, 4), tensor(rng, 3, 4)
    used, fresh = autograd.Generator(3), autograd.Generator(3)
    fused_bias_dropout_residual(x, None, residual, p=0.0, generator=used)
    assert np.array_equal(autograd.rand(5, generator=used).numpy(), autograd.rand(5, generator=fresh).numpy())
