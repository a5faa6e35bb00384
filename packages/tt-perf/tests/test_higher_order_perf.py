"""Higher-order gradients through tt-perf's fused kernels and fake quantisation (``create_graph=True``).

Not a course module's test file: the recorded rules live outside the chapters' regions.
``fused_linear_gelu`` records the unfused ``gelu(linear(...), "tanh")`` (so ``gradgradcheck``'s
first check, recorded first derivatives against central differences of the *fused* forward,
also catches a wrong GELU form); the bias–dropout–residual exit and fake quantisation are linear
in the incoming gradient, with a constant mask.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import gradgradcheck
from tt_autograd.gradients import grad
from tt_perf.acceleration.fused import fused_bias_dropout_residual, fused_linear_gelu
from tt_perf.quantization.fake_quant import fake_quantize_per_tensor_affine


def leaf(rng, *shape):
    return autograd.tensor(rng.standard_normal(shape), dtype=autograd.float64, requires_grad=True)


@pytest.mark.parametrize("with_bias", [True, False])
def test_fused_linear_gelu_twice(with_bias):
    rng = np.random.default_rng(0)
    x, w, b = leaf(rng, 2, 3, 4), leaf(rng, 5, 4), leaf(rng, 5)
    if with_bias:
        assert gradgradcheck(lambda x, w, b: fused_linear_gelu(x, w, b), [x, w, b])
    else:
        assert gradgradcheck(lambda x, w: fused_linear_gelu(x, w), [x, w])


def test_fused_linear_gelu_gives_the_unfused_hessian_vector_product():
    rng = np.random.default_rng(1)
    x, w, b = leaf(rng, 6, 4), leaf(rng, 3, 4), leaf(rng, 3)
    c = 0.7978845608028654  # sqrt(2 / pi)

    def unfused(x, w, b):  # the tanh form, written out
        h = x @ w.T + b
        return 0.5 * h * (1 + (c * (h + 0.044715 * h**3)).tanh())

    v = autograd.tensor(rng.standard_normal((6, 4)))
    results = []
    for fn in (fused_linear_gelu, unfused):
        (gx,) = grad((fn(x, w, b) ** 2).sum(), [x], create_graph=True)
        results.append([h.numpy() for h in grad((gx * v).sum(), [x, w, b])])
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("p", [0.0, 0.4])
def test_bias_dropout_residual_twice_with_broadcast_bias_and_residual(p):
    rng = np.random.default_rng(2)
    x, bias, residual = leaf(rng, 2, 3, 4), leaf(rng, 4), leaf(rng, 3, 1)

    def exit_(x, bias, residual):  # one seeded generator per call: the same mask every time
        generator = autograd.Generator().manual_seed(5)
        return fused_bias_dropout_residual(x, bias, residual, p=p, generator=generator).tanh()

    assert gradgradcheck(exit_, [x, bias, residual])


def test_fake_quantize_records_the_straight_through_mask():
    x = autograd.tensor([-3.0, -0.26, 0.1, 0.74, 2.0], dtype=autograd.float64, requires_grad=True)
    y = fake_quantize_per_tensor_affine(x, scale=0.5, zero_point=0, quant_min=-1, quant_max=1)
    np.testing.assert_array_equal(y.detach().numpy(), [-0.5, -0.5, 0.0, 0.5, 0.5])
    seed = autograd.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=autograd.float64, requires_grad=True)
    (gx,) = grad(y, [x], grad_outputs=seed, create_graph=True)
    mask = np.array([0.0, 1.0, 1.0, 1.0, 0.0])  # round(x / 0.5) in [-1, 1]: -6 and 4 are out of range
    np.testing.assert_array_equal(gx.detach().numpy(), seed.detach().numpy() * mask)
    u = np.array([0.5, -1.0, 2.0, 3.0, 7.0])
    (by_seed, by_x) = grad((gx * autograd.tensor(u)).sum(), [seed, x], allow_unused=True)
    np.testing.assert_array_equal(by_seed.numpy(), u * mask)
    assert by_x is None  # the mask is a constant of x: no second derivative, as in PyTorch
