"""Winograd F(2×2, 3×3) (``winograd.py``): the same convolution and gradients as im2col, where it applies."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_tensor import threads
from tt_vision import _tuning, winograd
from tt_vision import functional as F

#: The library's size rule, before the fixture below lifts it.
DEFAULT_MIN_PIXELS = winograd.MIN_PIXELS


@pytest.fixture(autouse=True)
def small_images_take_winograd(monkeypatch):
    """The tests' small images (below MIN_PIXELS output pixels) run Winograd too, unless a test says not."""
    monkeypatch.setattr(winograd, "MIN_PIXELS", 1)


def _run(x, weight, bias, grad, *, wide: bool):
    """conv2d's output and (dx, dw, db), by Winograd (``wide``) or forced onto im2col."""
    saved = winograd.MIN_CHANNELS
    winograd.MIN_CHANNELS = saved if wide else 10**9
    try:
        leaves = [autograd.tensor(a, requires_grad=True) for a in (x, weight, bias)]
        out = F.conv2d(leaves[0], leaves[1], leaves[2], padding=1)
        out.backward(autograd.tensor(grad))
        return out.detach().numpy(), [leaf.grad.numpy() for leaf in leaves]
    finally:
        winograd.MIN_CHANNELS = saved


SHAPES = [(2, 16, 5, 5, 16), (3, 17, 8, 6, 20), (1, 16, 1, 1, 16), (2, 16, 3, 2, 32)]  # (N, C, H, W, C_out)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_winograd_equals_im2col_forward_and_backward(shape, dtype, rng):
    n, c, h, w, c_out = shape
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    weight = rng.standard_normal((c_out, c, 3, 3)).astype(dtype)
    bias = rng.standard_normal(c_out).astype(dtype)
    grad = rng.standard_normal((n, c_out, h, w)).astype(dtype)
    assert winograd.applies(((3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1), c, c_out, winograd.MIN_PIXELS)
    out, grads = _run(x, weight, bias, grad, wide=True)
    ref, ref_grads = _run(x, weight, bias, grad, wide=False)
    tolerance = 1e-12 if dtype == np.float64 else 2e-5
    scale = np.abs(ref).max()
    np.testing.assert_allclose(out / scale, ref / scale, rtol=0, atol=tolerance)
    for mine, theirs in zip(grads, ref_grads):
        np.testing.assert_allclose(mine / np.abs(theirs).max(), theirs / np.abs(theirs).max(), atol=tolerance)


def test_small_outputs_stay_on_im2col(rng, monkeypatch):
    """Below MIN_PIXELS output pixels (N·H·W) the kernel transform costs more than it saves."""
    monkeypatch.setattr(winograd, "MIN_PIXELS", DEFAULT_MIN_PIXELS)
    same = ((3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1)
    pixels = DEFAULT_MIN_PIXELS
    assert winograd.applies(same, 16, 16, pixels) and not winograd.applies(same, 16, 16, pixels - 1)
    assert not winograd.applies(same, 15, 256, 10**6) and not winograd.applies(same, 256, 15, 10**6)

    def refuse(*args, **kwargs):
        raise AssertionError("Winograd ran")

    monkeypatch.setattr(winograd, "convolve", refuse)
    weight = autograd.tensor(rng.standard_normal((16, 16, 3, 3)))
    small = autograd.tensor(rng.standard_normal((1, 16, 8, 8)))  # a pyramid's small level: 64 pixels
    F.conv2d(small, weight, padding=1)
    with pytest.raises(AssertionError, match="Winograd ran"):
        F.conv2d(autograd.tensor(rng.standard_normal((1, 16, 32, 32))), weight, padding=1)


def test_chunks_of_a_batch_keep_their_own_share(rng, monkeypatch):
    """Five images in chunks of one: the kept transformed input and the gradients, chunk by chunk."""
    monkeypatch.setattr(_tuning, "CHUNK_BYTES", 1)  # one image per chunk
    n, c, h, w, c_out = 5, 16, 7, 6, 20
    x, weight = rng.standard_normal((n, c, h, w)), rng.standard_normal((c_out, c, 3, 3))
    bias, grad = rng.standard_normal(c_out), rng.standard_normal((n, c_out, h, w))
    assert len(_tuning.chunks(n, 1)) == n
    out, grads = _run(x, weight, bias, grad, wide=True)
    ref, ref_grads = _run(x, weight, bias, grad, wide=False)
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-10)
    for mine, theirs in zip(grads, ref_grads):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-10)


def test_backward_without_the_kept_input_transforms_it_again(rng):
    x = np.ascontiguousarray(rng.standard_normal((3, 9, 6, 16)))  # channels-last, as the kernels take it
    weight, dy = rng.standard_normal((24, 16, 3, 3)), rng.standard_normal((3, 9, 6, 24))
    out = np.empty((3, 9, 6, 24))
    u, kept = winograd.convolve(x, weight, None, out, keep=True)
    with_kept = winograd.backward(dy, x, weight, True, True, True, kept, u)
    without = winograd.backward(dy, x, weight, True, True, True, None)
    for a, b in zip(with_kept, without):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    ref, ref_grads = _run(x.transpose(0, 3, 1, 2), weight, np.zeros(24), dy.transpose(0, 3, 1, 2), wide=False)
    np.testing.assert_allclose(out.transpose(0, 3, 1, 2), ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(without[0].transpose(0, 3, 1, 2), ref_grads[0], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(without[1], ref_grads[1], rtol=1e-10, atol=1e-10)


def test_winograd_gradients_against_finite_differences(rng):
    x = autograd.tensor(rng.standard_normal((1, 16, 3, 5)), requires_grad=True)
    weight = autograd.tensor(rng.standard_normal((16, 16, 3, 3)) * 0.3, requires_grad=True)
    bias = autograd.tensor(rng.standard_normal(16), requires_grad=True)
    assert autograd.gradcheck(lambda *a: F.conv2d(*a, padding=1), [x, weight, bias]) is True


def test_only_3x3_same_convolutions_of_wide_layers_take_it(rng, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("Winograd ran where it does not apply")

    monkeypatch.setattr(winograd, "convolve", refuse)
    x = autograd.tensor(rng.standard_normal((2, 16, 6, 6)))
    for kwargs, weight in (
        ({"stride": 2, "padding": 1}, (16, 16, 3, 3)),
        ({"dilation": 2, "padding": 2}, (16, 16, 3, 3)),
        ({"padding": 0}, (16, 16, 3, 3)),
        ({"padding": 1, "groups": 2}, (16, 8, 3, 3)),
        ({"padding": 1}, (8, 16, 3, 3)),  # too few output channels
        ({"padding": 2}, (16, 16, 5, 5)),
    ):
        F.conv2d(x, autograd.tensor(rng.standard_normal(weight)), **kwargs)
    with pytest.raises(AssertionError, match="Winograd ran"):
        F.conv2d(x, autograd.tensor(rng.standard_normal((16, 16, 3, 3))), padding=1)


def test_the_transformed_input_is_kept_only_for_a_weight_gradient(rng):
    x = autograd.tensor(rng.standard_normal((2, 16, 4, 4)), requires_grad=True)
    trained = autograd.tensor(rng.standard_normal((16, 16, 3, 3)), requires_grad=True)
    frozen = autograd.tensor(rng.standard_normal((16, 16, 3, 3)))
    assert F.conv2d(x, trained, padding=1).grad_fn.kept.shape == (4, 4, 2, 2, 2, 16)
    assert F.conv2d(x, frozen, padding=1).grad_fn.kept is None
    out = F.conv2d(x, frozen, padding=1)
    out.sum().backward()
    assert x.grad.shape == x.shape and frozen.grad is None


def test_slices_on_worker_threads_give_the_same_result(rng, monkeypatch):
    """A batch cut into slices (as over two worker threads), each in chunks: im2col's results."""
    split = threads.split
    monkeypatch.setattr(threads, "split", lambda n, parts=None: split(n, 2))
    monkeypatch.setattr(_tuning, "CHUNK_BYTES", 1)  # and one image per chunk within each slice
    n, c, h, w, c_out = 5, 16, 6, 8, 24
    x, weight = rng.standard_normal((n, c, h, w)), rng.standard_normal((c_out, c, 3, 3))
    bias, grad = rng.standard_normal(c_out), rng.standard_normal((n, c_out, h, w))
    assert winograd.applies(((3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1), c, c_out, winograd.MIN_PIXELS)
    out, grads = _run(x, weight, bias, grad, wide=True)
    ref, ref_grads = _run(x, weight, bias, grad, wide=False)
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-10)
    for mine, theirs in zip(grads, ref_grads):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-10)
