"""Depthwise convolutions (``depthwise_conv.py``: one filter per channel): the chapter's results, gradients.

The fast path is a sum of shifted copies; with ``fast_convolutions(False)`` the same call runs
module 09's im2col and batched GEMMs, which the tests take as the reference.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_vision
from tt_vision import depthwise_conv
from tt_vision import functional as F


def _run(x, weight, bias, grad, *, fast: bool, needs=(True, True, True), **conv):
    """conv2d's output and its gradients (None where not asked), by the depthwise sum or by im2col."""
    leaves = [
        None if a is None else autograd.tensor(a, requires_grad=need)
        for a, need in zip((x, weight, bias), needs)
    ]
    with tt_vision.fast_convolutions(fast):
        out = F.conv2d(*leaves, groups=x.shape[1], **conv)
        out.backward(autograd.tensor(grad))
    grads = [None if leaf is None or leaf.grad is None else leaf.grad.numpy() for leaf in leaves]
    return out.detach().numpy(), grads


# (N, C, H, W, kernel size, conv2d's keywords)
CASES = [
    (2, 6, 11, 13, 3, {"padding": 1}),
    (3, 5, 10, 9, 7, {"padding": 3}),  # ConvNeXt's 7×7
    (2, 4, 12, 11, 5, {"stride": 2, "padding": 2}),  # EfficientNet's strided 5×5
    (2, 3, 13, 12, 3, {"dilation": 2}),
    (1, 4, 9, 8, 3, {"padding": (0, 2), "stride": (1, 2)}),
    (2, 3, 9, 10, 4, {"padding": "same"}),  # an even kernel: padding (1, 2, 1, 2)
    (2, 4, 8, 9, 4, {"stride": 3, "padding": 1}),  # windows that stop short of the padded edge
    (2, 3, 7, 6, (2, 1), {"padding": "same"}),  # padding on the bottom alone: (0, 1, 0, 0)
    (2, 3, 6, 7, (1, 2), {"padding": "same"}),  # on the right alone: (0, 0, 0, 1)
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[1]}ch-k{c[4]}-{c[5]}")
def test_the_depthwise_sum_gives_im2cols_output_and_gradients(rng, case):
    n, c, h, w, k, conv = case
    kernel = k if isinstance(k, tuple) else (k, k)
    x, weight, bias = rng.normal(size=(n, c, h, w)), rng.normal(size=(c, 1, *kernel)), rng.normal(size=c)
    with tt_vision.fast_convolutions(False):
        shape = F.conv2d(autograd.tensor(x), autograd.tensor(weight), groups=c, **conv).shape
    grad = rng.normal(size=tuple(shape))
    out, grads = _run(x, weight, bias, grad, fast=True, **conv)
    reference, reference_grads = _run(x, weight, bias, grad, fast=False, **conv)
    np.testing.assert_allclose(out, reference, rtol=1e-12, atol=1e-12)
    for ours, theirs in zip(grads, reference_grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("rows", [0, 1, 2, 3])
def test_output_rows_summed_in_blocks_give_the_same_output(rng, monkeypatch, rows):
    # blocks of 1, 2 or 3 output rows (the last one shorter where Ho is not a multiple; a budget below
    # one row still takes one): im2col's output
    for n, c, h, w, k, conv in CASES:
        kernel = k if isinstance(k, tuple) else (k, k)
        x, weight, bias = rng.normal(size=(n, c, h, w)), rng.normal(size=(c, 1, *kernel)), rng.normal(size=c)
        x, weight, bias = (autograd.tensor(a) for a in (x, weight, bias))
        with tt_vision.fast_convolutions(False):
            reference = F.conv2d(x, weight, bias, groups=c, **conv).numpy()
        wo = reference.shape[3]
        monkeypatch.setattr(depthwise_conv, "BLOCK_BYTES", max(1, rows * n * wo * c * 8))
        out = F.conv2d(x, weight, bias, groups=c, **conv).numpy()
        np.testing.assert_allclose(out, reference, rtol=1e-12, atol=1e-12)
        out = F.conv2d(x, weight, None, groups=c, **conv).numpy()
        with tt_vision.fast_convolutions(False):
            reference = F.conv2d(x, weight, None, groups=c, **conv).numpy()
        np.testing.assert_allclose(out, reference, rtol=1e-12, atol=1e-12)


def test_without_a_bias(rng):
    x, weight = rng.normal(size=(2, 4, 6, 5)), rng.normal(size=(4, 1, 3, 3))
    grad = rng.normal(size=(2, 4, 6, 5))
    out, (dx, dw, _) = _run(x, weight, None, grad, fast=True, padding=1)
    reference, (rdx, rdw, _) = _run(x, weight, None, grad, fast=False, padding=1)
    np.testing.assert_allclose(out, reference, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, rdx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw, rdw, rtol=1e-12, atol=1e-12)


def test_the_depthwise_sum_is_taken_only_for_one_filter_per_channel():
    one_per_channel = ((3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 8)
    assert depthwise_conv.applies(one_per_channel, 8, 8)
    assert not depthwise_conv.applies(one_per_channel, 8, 16)  # a channel multiplier of 2: im2col's
    assert not depthwise_conv.applies(((3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 4), 8, 8)  # 2 channels a group
    assert not depthwise_conv.applies(((3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1), 1, 1)  # a plain convolution


@pytest.mark.parametrize("needs", [(True, False, False), (False, True, False), (False, False, True)])
def test_each_gradient_alone(rng, needs):
    x, weight, bias = rng.normal(size=(2, 3, 7, 8)), rng.normal(size=(3, 1, 3, 3)), rng.normal(size=3)
    grad = rng.normal(size=(2, 3, 7, 8))
    _, grads = _run(x, weight, bias, grad, fast=True, needs=needs, padding=1)
    _, reference = _run(x, weight, bias, grad, fast=False, needs=needs, padding=1)
    for ours, theirs, need in zip(grads, reference, needs):
        assert (ours is None) == (not need)
        if need:
            np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_depthwise_gradients_match_central_differences(check_grad, rng):
    x = autograd.tensor(rng.normal(size=(2, 3, 6, 7)), requires_grad=True)
    weight = autograd.tensor(rng.normal(size=(3, 1, 3, 3)), requires_grad=True)
    bias = autograd.tensor(rng.normal(size=3), requires_grad=True)
    check_grad(lambda a, b, c: F.conv2d(a, b, c, stride=(2, 1), padding=1, groups=3), x, weight, bias)


def test_float32_stays_float32_and_within_rounding_of_float64(rng):
    x, weight = rng.normal(size=(4, 8, 9, 9)), rng.normal(size=(8, 1, 5, 5))
    as32 = F.conv2d(
        autograd.tensor(x.astype(np.float32)), autograd.tensor(weight.astype(np.float32)), padding=2, groups=8
    )
    as64 = F.conv2d(autograd.tensor(x), autograd.tensor(weight), padding=2, groups=8)
    assert as32.dtype == autograd.float32
    np.testing.assert_allclose(as32.numpy(), as64.numpy(), rtol=1e-4, atol=1e-4)
