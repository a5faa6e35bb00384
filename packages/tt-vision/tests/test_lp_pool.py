"""lp_pool1d / lp_pool2d and LPPool1d / LPPool2d: window p-norms, gradients, reprs, errors.

Values against a window-by-window NumPy loop of PyTorch's definition (the mean
of ``xᵖ`` over the window's real size, times the full kernel area, to the
``1/p``; ``±inf``: the max / min of ``|x|``), values pinned from PyTorch 2.13,
gradients by float64 central differences on positive inputs (no kinks), the
zero gradient of an all-zero window. Not course material (outside module 09's
solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import LPPool1d, LPPool2d
from tt_vision import functional as F


def lp_reference(x, p, kernel, stride, ceil_mode=False):
    n, c, h, w = x.shape

    def size(length, k, s):
        out = (-(-(length - k) // s) if ceil_mode else (length - k) // s) + 1
        return out - 1 if ceil_mode and (out - 1) * s >= length else out

    ho, wo = size(h, kernel[0], stride[0]), size(w, kernel[1], stride[1])
    out = np.zeros((n, c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            window = x[
                :, :, i * stride[0] : i * stride[0] + kernel[0], j * stride[1] : j * stride[1] + kernel[1]
            ]
            if p == np.inf:
                out[:, :, i, j] = np.abs(window).max(axis=(2, 3))
            elif p == -np.inf:
                out[:, :, i, j] = np.abs(window).min(axis=(2, 3))
            else:
                mean = (window**p).mean(axis=(2, 3))  # over the real (possibly cut) window
                out[:, :, i, j] = (mean * kernel[0] * kernel[1]) ** (1 / p)
    return out


CASES = [
    dict(kernel=(2, 2), stride=(2, 2)),
    dict(kernel=(3, 2), stride=(2, 1), ceil_mode=True),
    dict(kernel=(3, 3), stride=(2, 2), ceil_mode=True),
    dict(kernel=(2, 3), stride=(1, 1)),
]


@pytest.mark.parametrize("p", [1, 2, 3, 1.5, 0.5, -1, np.inf, -np.inf])
@pytest.mark.parametrize("case", CASES)
def test_lp_pool2d_matches_the_definition(rng, p, case):
    x = rng.uniform(0.1, 2.0, (2, 3, 7, 8))
    stride = case["stride"] if case["stride"] != case["kernel"] else None  # None: the kernel size
    got = F.lp_pool2d(autograd.tensor(x), p, case["kernel"], stride, case.get("ceil_mode", False))
    want = lp_reference(x, p, case["kernel"], case["stride"], case.get("ceil_mode", False))
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


def test_lp_pool2d_defaults(rng):
    x = rng.uniform(0.1, 2.0, (2, 3, 7, 8))
    got = F.lp_pool2d(autograd.tensor(x), 2, 3)  # stride = kernel, floor mode: 2×2, not 3×3
    np.testing.assert_allclose(got.numpy(), lp_reference(x, 2, (3, 3), (3, 3)), rtol=1e-12)


@pytest.mark.parametrize("p", [1, 2, 3, 1.5, np.inf, -np.inf])
def test_lp_pool1d_matches_the_definition(rng, p):
    x = rng.uniform(0.1, 2.0, (2, 3, 11))
    got = F.lp_pool1d(autograd.tensor(x), p, 3, 2, ceil_mode=True)
    want = lp_reference(x[:, :, None], p, (1, 3), (1, 2), ceil_mode=True)[:, :, 0]
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)
    assert tuple(F.lp_pool1d(autograd.tensor(x[0]), p, 3).shape) == (3, 3)  # (C, L), stride = kernel


@pytest.mark.parametrize("p", [1, 2, 3, 1.5, -1, np.inf, -np.inf])
def test_lp_pool_gradients(leaf, check_grad, p):
    x = leaf(2, 3, 7, 8, low=0.2, high=2.0)  # positive: xᵖ smooth; random: no ties for ±inf
    check_grad(lambda t: F.lp_pool2d(t, p, (3, 2), (2, 1), ceil_mode=True), x)
    check_grad(lambda t: F.lp_pool1d(t, p, 3, 2, ceil_mode=True), leaf(2, 3, 11, low=0.2, high=2.0))


@pytest.mark.filterwarnings("ignore:invalid value encountered in power:RuntimeWarning")
def test_lp_pool_values_pinned_against_pytorch():
    y = autograd.tensor([[[[1.0, -2, 3], [4, 5, -6], [0, 1, 2]]]])
    # PyTorch 2.13 values; NaN where a negative window sum meets a fractional root.
    np.testing.assert_allclose(
        F.lp_pool2d(y, 2, 2, ceil_mode=True).numpy(), [[[[6.7823, 9.4868], [1.4142, 4.0]]]], atol=1e-4
    )
    np.testing.assert_allclose(F.lp_pool2d(y, 1, 2, 1).numpy(), [[[[8.0, 0.0], [10.0, 2.0]]]])
    np.testing.assert_allclose(
        F.lp_pool2d(y, 3, 2, 1).numpy(), [[[[5.6671, np.nan], [5.7489, np.nan]]]], atol=1e-4
    )
    line = autograd.tensor([[1.0, -2, 3, 4, 5]])
    np.testing.assert_allclose(F.lp_pool1d(line, 2, 2).numpy(), [[2.2361, 5.0]], atol=1e-4)
    np.testing.assert_allclose(
        F.lp_pool1d(line, 2, 2, ceil_mode=True).numpy(), [[2.2361, 5.0, 7.0711]], atol=1e-4
    )


@pytest.mark.filterwarnings("ignore:divide by zero encountered in power:RuntimeWarning")
def test_an_all_zero_window_has_a_zero_gradient():
    # PyTorch 2.13: lp_pool2d(z, 2, 2) of [[0, 0, 1, 1], [0, 0, 1, 1]] -> [0, 2], gradient 0 on the zeros.
    z = autograd.tensor(np.array([[[[0.0, 0, 1, 1], [0, 0, 1, 1]]]]), requires_grad=True)
    out = F.lp_pool2d(z, 2, 2)
    assert out.detach().numpy().tolist() == [[[[0.0, 2.0]]]]
    out.sum().backward()
    assert z.grad.numpy().tolist() == [[[[0.0, 0.0, 0.5, 0.5], [0.0, 0.0, 0.5, 0.5]]]]
    assert F.lp_pool2d(z.detach(), -1, 2).numpy().tolist() == [[[[0.0, 0.25]]]]  # PyTorch: 1/(4·(1/0)) = 0


def test_lp_pool_modules_dtype_and_repr(rng):
    x = autograd.tensor(rng.uniform(0.1, 1, (2, 3, 6, 6)).astype(np.float32))
    out = LPPool2d(2, 3, stride=2)(x)
    assert out.dtype == autograd.float32
    np.testing.assert_allclose(
        out.numpy(), lp_reference(x.numpy().astype(np.float64), 2, (3, 3), (2, 2)), rtol=1e-5
    )
    out1 = LPPool1d(1.5, 3, 2, ceil_mode=True)(x[:, :, 0])
    assert out1.dtype == autograd.float32
    np.testing.assert_allclose(out1.numpy(), F.lp_pool1d(x[:, :, 0], 1.5, 3, 2, ceil_mode=True).numpy())
    assert F.lp_pool1d(x[:, :, 0], np.inf, 2).dtype == autograd.float32
    assert repr(LPPool2d(2, 3)) == "LPPool2d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"
    assert (
        repr(LPPool2d(2, (2, 3), stride=1))
        == "LPPool2d(norm_type=2, kernel_size=(2, 3), stride=1, ceil_mode=False)"
    )
    assert (
        repr(LPPool1d(1.5, 3, 2, ceil_mode=True))
        == "LPPool1d(norm_type=1.5, kernel_size=3, stride=2, ceil_mode=True)"
    )


def test_lp_pool_errors(rng):
    x = autograd.tensor(rng.uniform(0.1, 1, (2, 3, 6, 6)))
    with pytest.raises(ValueError, match="lp_pool2d: norm_type must be nonzero"):
        F.lp_pool2d(x, 0, 2)
    with pytest.raises(ValueError, match="lp_pool1d: norm_type must be nonzero"):
        F.lp_pool1d(x[:, :, 0], float("nan"), 2)
    with pytest.raises(TypeError, match="lp_pool2d: norm_type must be a number, got '2'"):
        F.lp_pool2d(x, "2", 2)
    with pytest.raises(TypeError, match="lp_pool1d: norm_type must be a number, got True"):
        F.lp_pool1d(x[:, :, 0], True, 2)
    with pytest.raises(ValueError, match="lp_pool2d: kernel_size must be >= 1"):
        F.lp_pool2d(x, 2, 0)
    with pytest.raises(ValueError, match="lp_pool2d: stride must be >= 1"):
        F.lp_pool2d(x, 2, 2, stride=(1, 0))
    with pytest.raises(ValueError, match="lp_pool1d: kernel_size must be an int or a 1-tuple"):
        F.lp_pool1d(x[:, :, 0], 2, (2, 2))
    with pytest.raises(ValueError, match="lp_pool1d: stride must be >= 1"):
        F.lp_pool1d(x[:, :, 0], 2, 2, 0)
    with pytest.raises(ValueError, match="LPPool2d: kernel_size must be an int or a pair"):
        LPPool2d(2, (1, 2, 3))
    with pytest.raises(ValueError, match="LPPool2d: stride must be >= 1"):
        LPPool2d(2, 2, 0)
    with pytest.raises(ValueError, match="LPPool1d: norm_type must be nonzero"):
        LPPool1d(0, 2)
    with pytest.raises(ValueError, match="LPPool1d: stride must be an int or a 1-tuple"):
        LPPool1d(2, 2, (1, 1))
