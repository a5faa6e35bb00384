"""float16 element-wise kernels run in float32 and round once, as PyTorch's CPU kernels do.

Before, GELU (exact), erf, erfc and ndtr gave NaN on float16 inputs beyond |x| ~ 3-6 (Cody's
polynomials overflow float16's 65504), sinc(1) was 3e-4, hardswish(60000) was inf, sigmoid and
selu were off by several ulps. Each op's
float16 result must be its float32 result rounded to float16 (within one float16 ulp), on a
dense grid; gradients are float16 and follow the float32 derivative the same way.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_autograd.gradients import grad
from tt_nn import functional as F
from tt_nn import special

GRID = np.concatenate([np.linspace(-12.0, 12.0, 2401), [0.0, -0.0, 1e-4, -1e-4, 6.0e4, -6.0e4]]).astype(
    np.float16
)

OPS = {
    "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "GELU": nn.GELU(),
    "silu": F.silu,
    "mish": F.mish,
    "hardswish": F.hardswish,
    "tanhshrink": F.tanhshrink,
    "erf": special.erf,
    "erfc": special.erfc,
    "ndtr": special.ndtr,
    "sinc": special.sinc,
    "sigmoid": F.sigmoid,
    "selu": F.selu,
}


def _within_one_ulp(half: np.ndarray, reference: np.ndarray) -> np.ndarray:
    rounded = reference.astype(np.float16).astype(np.float64)
    half = half.astype(np.float64)
    ulp = np.spacing(np.abs(rounded).astype(np.float16)).astype(np.float64)
    return (half == rounded) | (np.isnan(half) & np.isnan(rounded)) | (np.abs(half - rounded) <= ulp)


@pytest.mark.parametrize("name", sorted(OPS))
def test_float16_values_are_the_float32_values_rounded(name):
    op = OPS[name]
    half = op(autograd.tensor(GRID))
    assert half.dtype == autograd.float16
    reference = op(autograd.tensor(GRID.astype(np.float32))).numpy()
    good = _within_one_ulp(half.numpy(), reference)
    assert good.all(), (
        f"{name}: x={GRID[~good][:4]} gives {half.numpy()[~good][:4]}, want {reference[~good][:4]}"
    )


@pytest.mark.parametrize("name", sorted(OPS))
def test_float16_gradients_follow_the_float32_ones(name):
    op = OPS[name]
    points = GRID[np.abs(GRID) < 1000]
    x16 = autograd.tensor(points, requires_grad=True)
    (g16,) = grad(op(x16).sum(), x16)
    x32 = autograd.tensor(points.astype(np.float32), requires_grad=True)
    (g32,) = grad(op(x32).sum(), x32)
    assert g16.dtype == autograd.float16
    # The gradient's own float16 rounding of the upstream ones and of the product: two ulps.
    rounded = g32.numpy().astype(np.float16).astype(np.float64)
    np.testing.assert_allclose(g16.numpy().astype(np.float64), rounded, rtol=2e-3, atol=1e-6)


def test_the_values_that_were_wrong():
    x = autograd.tensor(np.array([-6.0, 3.0, 1.0, 6.0e4], dtype=np.float16))
    assert F.gelu(x).numpy()[0] == 0.0  # was NaN
    np.testing.assert_array_equal(special.erf(x).numpy()[:2], [-1.0, 1.0])  # were NaN
    np.testing.assert_array_equal(special.erfc(x).numpy()[:1], [2.0])
    assert special.sinc(x).numpy()[2] == 0.0  # was 3e-4
    assert F.hardswish(x).numpy()[3] == np.float16(6.0e4)  # was inf


def test_a_float32_input_is_not_cast():
    x = autograd.tensor(np.linspace(-3, 3, 7, dtype=np.float32), requires_grad=True)
    y = F.gelu(x)
    assert y.dtype == autograd.float32 and type(y.grad_fn).__name__.startswith("GELU")
