"""Convolutions of few input channels (``thin_conv.py``): the same results and gradients as im2col."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_tensor import threads
from tt_vision import functional as F
from tt_vision import thin_conv


def _run(x, weight, bias, grad, *, thin: bool, needs=(True, True, True), **conv):
    """conv2d's output and its gradients (None where not asked), channels-first columns or im2col."""
    saved = thin_conv.MIN_PIXELS
    thin_conv.MIN_PIXELS = 1 if thin else 10**12
    try:
        leaves = [
            None if a is None else autograd.tensor(a, requires_grad=need)
            for a, need in zip((x, weight, bias), needs)
        ]
        out = F.conv2d(*leaves, **conv)
        out.backward(autograd.tensor(grad))
        grads = [None if leaf is None or leaf.grad is None else leaf.grad.numpy() for leaf in leaves]
        return out.detach().numpy(), grads
    finally:
        thin_conv.MIN_PIXELS = saved


# (N, C, H, W, C_out, conv2d's keywords, kernel size)
CASES = [
    (4, 3, 8, 8, 5, {"padding": 1}, 3),
    (2, 3, 7, 6, 4, {"padding": "same"}, 2),  # the long recipe's whitening: padding (0, 1, 0, 1)
    (3, 1, 9, 7, 2, {"stride": 2, "padding": 2}, 5),
    (2, 4, 9, 9, 3, {"dilation": 2, "padding": (1, 2)}, 3),
    (2, 2, 6, 5, 3, {"stride": (2, 1)}, 3),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[1]}ch-k{c[6]}-{c[5]}")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_equals_im2col_forward_and_backward(case, dtype, rng):
    n, c, h, w, c_out, conv, k = case
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    weight = rng.standard_normal((c_out, c, k, k)).astype(dtype)
    bias = rng.standard_normal(c_out).astype(dtype)
    out_shape = F.conv2d(autograd.tensor(x), autograd.tensor(weight), **conv).shape
    grad = rng.standard_normal(out_shape).astype(dtype)
    out, grads = _run(x, weight, bias, grad, thin=True, **conv)
    ref, ref_grads = _run(x, weight, bias, grad, thin=False, **conv)
    tolerance = 1e-12 if dtype == np.float64 else 2e-6
    np.testing.assert_allclose(out, ref, rtol=tolerance, atol=tolerance * np.abs(ref).max())
    for mine, theirs in zip(grads, ref_grads):
        np.testing.assert_allclose(mine, theirs, rtol=tolerance, atol=tolerance * np.abs(theirs).max())


@pytest.mark.parametrize(
    "needs", [(False, True, True), (False, True, False), (True, False, True), (False, False, True)]
)
def test_each_gradient_only_when_asked(needs, rng):
    """A first layer: no dX, so the kept columns give dW; a frozen weight (the whitening) keeps none."""
    x, weight = rng.standard_normal((3, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3))
    bias, grad = rng.standard_normal(4), rng.standard_normal((3, 4, 6, 6))
    out, grads = _run(x, weight, bias, grad, thin=True, needs=needs, padding=1)
    ref, ref_grads = _run(x, weight, bias, grad, thin=False, padding=1)
    np.testing.assert_allclose(out, ref, rtol=1e-12)
    for need, mine, theirs in zip(needs, grads, ref_grads):
        assert (mine is not None) == need
        if need:
            np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)


def test_without_bias_and_on_a_channels_last_input(rng):
    """The input as a data loader or an earlier layer may give it: NCHW shape over NHWC memory."""
    x = rng.standard_normal((3, 6, 6, 2)).transpose(0, 3, 1, 2)  # (N, C, H, W) shape, NHWC memory
    assert not x.flags.c_contiguous
    weight, grad = rng.standard_normal((5, 2, 3, 3)), rng.standard_normal((3, 5, 6, 6))
    out, grads = _run(x, weight, None, grad, thin=True, padding=1)
    ref, ref_grads = _run(x, weight, None, grad, thin=False, padding=1)
    np.testing.assert_allclose(out, ref, rtol=1e-12)
    np.testing.assert_allclose(grads[1], ref_grads[1], rtol=1e-12, atol=1e-12)
    assert grads[2] is None


def test_slices_on_worker_threads_add_up(rng, monkeypatch):
    """Cut over two workers, each slice's columns and weight-gradient share are its own."""
    monkeypatch.setattr(threads, "workers", lambda: 2)
    x, weight = rng.standard_normal((5, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3))
    grad = rng.standard_normal((5, 4, 6, 6))
    assert len(threads.split(5)) == 2
    out, grads = _run(x, weight, None, grad, thin=True, needs=(False, True, False), padding=1)
    monkeypatch.setattr(threads, "workers", lambda: 1)
    ref, ref_grads = _run(x, weight, None, grad, thin=False, padding=1)
    np.testing.assert_allclose(out, ref, rtol=1e-12)
    np.testing.assert_allclose(grads[1], ref_grads[1], rtol=1e-12, atol=1e-12)


def test_gradients_against_finite_differences(rng, monkeypatch):
    monkeypatch.setattr(thin_conv, "MIN_PIXELS", 1)
    x = autograd.tensor(rng.standard_normal((2, 3, 4, 5)), requires_grad=True)
    weight = autograd.tensor(rng.standard_normal((2, 3, 2, 3)), requires_grad=True)
    bias = autograd.tensor(rng.standard_normal(2), requires_grad=True)
    assert autograd.gradcheck(lambda *a: F.conv2d(*a, stride=(1, 2), padding=1), [x, weight, bias]) is True


def test_only_few_input_channels_and_enough_pixels_take_it():
    geometry = ((3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1)
    assert thin_conv.applies(geometry, 3, 64, 32, 32)
    assert thin_conv.applies(geometry, 4, 16, 32, 32)
    assert not thin_conv.applies(geometry, 5, 64, 32, 32)  # wide enough for channels-last runs
    assert not thin_conv.applies(geometry, 3, 2, 8, 8)  # too little work
    assert not thin_conv.applies(((3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 3), 3, 64, 32, 32)  # groups


def test_the_columns_forward_laid_out_serve_the_weight_gradient(rng, monkeypatch):
    """A trained first layer lays its columns out once per step; a frozen one keeps none."""
    monkeypatch.setattr(thin_conv, "MIN_PIXELS", 1)
    calls = []
    columns = thin_conv.columns
    monkeypatch.setattr(thin_conv, "columns", lambda *a: calls.append(1) or columns(*a))
    x = autograd.tensor(rng.standard_normal((2, 3, 6, 6)))
    for trained in (True, False):
        calls.clear()
        weight = autograd.tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=trained)
        out = F.conv2d(x, weight, padding=1)
        assert (out.grad_fn is not None) == trained
        if trained:
            assert len(out.grad_fn.kept) == len(threads.split(2))
            out.sum().backward()
            assert weight.grad is not None and out.grad_fn.kept is None
        assert len(calls) == len(threads.split(2))  # forward's only: backward reused them


def test_fast_paths_off_within_the_block_only(rng, monkeypatch):
    """``fast_convolutions(False)``: the chapter's im2col for every convolution, until the block ends."""
    import tt_vision

    monkeypatch.setattr(thin_conv, "MIN_PIXELS", 1)
    ran = []
    convolve = thin_conv.convolve
    monkeypatch.setattr(thin_conv, "convolve", lambda *a, **k: ran.append(1) or convolve(*a, **k))
    x, weight = (
        autograd.tensor(rng.standard_normal((2, 3, 6, 6))),
        autograd.tensor(rng.standard_normal((4, 3, 3, 3))),
    )
    with tt_vision.fast_convolutions(False):
        plain = F.conv2d(x, weight, padding=1)
        with tt_vision.fast_convolutions(True):
            F.conv2d(x, weight, padding=1)
        assert len(ran) == 1  # the inner block only
        F.conv2d(x, weight, padding=1)
    assert len(ran) == 1
    fast = F.conv2d(x, weight, padding=1)
    assert len(ran) == 2
    np.testing.assert_allclose(fast.numpy(), plain.numpy(), rtol=1e-12, atol=1e-12)
