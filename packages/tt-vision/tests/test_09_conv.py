"""Module 09: ``conv2d`` — values against a loop-by-loop reference, gradients by ``gradcheck``.

Every option is covered: stride, padding (int, pair, 'same', 'valid'),
dilation, groups (incl. depthwise), bias off, non-square kernels and
inputs, 3-d unbatched input. Gradients are checked in float64 on small shapes
for the input, the weight and the bias; both backward routes for the input
gradient (col2im, and the flipped-kernel convolution) are exercised.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import functional as F
from tt_vision._layout import conv_padding

CASES = [
    # (C_in, C_out, groups, kernel, stride, padding, dilation)
    (3, 4, 1, (3, 3), 1, 0, 1),
    (3, 4, 1, (3, 3), 1, 1, 1),
    (2, 3, 1, (3, 3), 2, 1, 1),
    (2, 3, 1, (2, 3), (1, 2), (2, 1), 1),
    (2, 2, 1, (3, 3), 1, 2, 2),
    (4, 6, 2, (3, 3), 1, 1, 1),
    (4, 4, 4, (3, 3), 1, 1, 1),  # depthwise
    (3, 5, 1, (1, 1), 1, 0, 1),
    (3, 2, 1, (3, 3), 1, "same", 1),
    (3, 2, 1, (4, 2), 1, "same", (1, 2)),  # even kernel: PyTorch's extra pad goes right/bottom
    (3, 2, 1, (3, 3), 1, "valid", 1),
    (8, 4, 1, (3, 3), 1, 1, 1),  # C_out < C_in: the flipped-kernel route for dX
    (2, 3, 1, (2, 4), 1, "same", 1),  # C_out > C_in: dX by col2im, with unequal left/right padding
    (2, 4, 1, (3, 3), 1, 2, 1),  # padding wider than 'same', dX by col2im
]


def pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def _pads(kernel, stride, padding, dilation):
    return conv_padding("test", padding, kernel, pair(dilation), pair(stride))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_forward_matches_reference(case, rng, reference):
    c_in, c_out, groups, kernel, stride, padding, dilation = case
    x = rng.standard_normal((2, c_in, 7, 6))
    w = rng.standard_normal((c_out, c_in // groups, *kernel))
    b = rng.standard_normal(c_out)
    out = F.conv2d(
        autograd.tensor(x), autograd.tensor(w), autograd.tensor(b), stride, padding, dilation, groups
    )
    expected = reference.conv2d(
        x, w, b, pair(stride), _pads(kernel, stride, padding, dilation), pair(dilation), groups
    )
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case, leaf, check_grad):
    c_in, c_out, groups, kernel, stride, padding, dilation = case
    x, w, b = leaf(2, c_in, 5, 6), leaf(c_out, c_in // groups, *kernel), leaf(c_out)

    def conv(x, w, b):
        return F.conv2d(x, w, b, stride, padding, dilation, groups)

    check_grad(conv, x, w, b)


def test_no_bias_and_input_without_grad(leaf, check_grad):
    x = leaf(2, 3, 5, 5, requires_grad=False)
    w = leaf(4, 3, 3, 3)
    check_grad(lambda w: F.conv2d(x, w, None, padding=1), w)
    out = F.conv2d(x, w)
    out.sum().backward()
    assert x.grad is None and w.grad is not None


def test_float32_matches_float64(rng):
    x = rng.standard_normal((4, 8, 9, 9))
    w = rng.standard_normal((16, 8, 3, 3)) * 0.1
    out32 = F.conv2d(autograd.tensor(x.astype(np.float32)), autograd.tensor(w.astype(np.float32)), padding=1)
    out64 = F.conv2d(autograd.tensor(x), autograd.tensor(w), padding=1)
    assert out32.dtype == autograd.float32
    np.testing.assert_allclose(out32.numpy(), out64.numpy(), rtol=1e-4, atol=1e-4)


def test_unbatched_input(rng):
    x = autograd.tensor(rng.standard_normal((3, 6, 6)))
    w = autograd.tensor(rng.standard_normal((2, 3, 3, 3)))
    assert F.conv2d(x, w).shape == (2, 4, 4)
    np.testing.assert_allclose(F.conv2d(x, w).numpy(), F.conv2d(x.unsqueeze(0), w)[0].numpy())


def test_chained_layers_keep_values_whatever_the_memory_layout(rng, reference):
    """Outputs are channels-last underneath; a second conv, an add and a reshape must not notice."""
    x = rng.standard_normal((2, 3, 6, 6))
    w1, w2 = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal((5, 4, 3, 3))
    h = F.conv2d(autograd.tensor(x), autograd.tensor(w1), padding=1)
    y = F.conv2d(h.relu() + 1.0, autograd.tensor(w2), padding=1)
    h_ref = reference.conv2d(x, w1, padding=(1, 1, 1, 1))
    y_ref = reference.conv2d(np.maximum(h_ref, 0) + 1.0, w2, padding=(1, 1, 1, 1))
    np.testing.assert_allclose(y.numpy(), y_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(y.reshape(2, -1).numpy(), y_ref.reshape(2, -1), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(
        y.permute(0, 2, 3, 1).numpy(), y_ref.transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-10
    )


def test_two_layer_gradients_through_relu(leaf, check_grad):
    x, w1, w2 = leaf(2, 2, 6, 6), leaf(3, 2, 3, 3), leaf(2, 3, 3, 3)
    check_grad(lambda x, w1, w2: F.conv2d(F.conv2d(x, w1, padding=1).tanh(), w2, stride=2), x, w1, w2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weight_shape": (4, 2, 3, 3)}, "channels"),
        ({"groups": 3}, "groups"),
        ({"padding": "same", "stride": 2}, "same"),
        ({"padding": "full"}, "padding"),
        ({"stride": 0}, "stride"),
        ({"weight_shape": (4, 3, 9, 9)}, "smaller than the kernel"),
    ],
)
def test_errors_name_the_problem(kwargs, message, rng):
    shape = kwargs.pop("weight_shape", (4, 3, 3, 3))
    x = autograd.tensor(rng.standard_normal((1, 3, 5, 5)))
    w = autograd.tensor(rng.standard_normal(shape))
    with pytest.raises((ValueError, TypeError), match=message):
        F.conv2d(x, w, **kwargs)


def test_mixed_dtypes_are_refused(rng):
    x = autograd.tensor(rng.standard_normal((1, 3, 5, 5)))
    w = autograd.tensor(rng.standard_normal((2, 3, 3, 3)).astype(np.float32))
    with pytest.raises(TypeError, match="float64"):
        F.conv2d(x, w)


@pytest.mark.parametrize("stride, c_out", [(2, 8), (1, 4)])  # (1, 4): dX as the flipped-kernel convolution
def test_chunks_and_worker_threads_do_not_change_the_result(stride, c_out, rng, monkeypatch):
    """The batch is cut into cache-sized chunks and shared between threads; any cut gives the same numbers."""
    from tt_tensor import threads
    from tt_vision import _tuning

    x = rng.standard_normal((6, 4, 9, 9))
    w, b = rng.standard_normal((c_out, 4, 3, 3)), rng.standard_normal(c_out)
    ho = (9 + 2 - 3) // stride + 1
    g = rng.standard_normal((6, c_out, ho, ho))

    def run():
        xt, wt, bt = (autograd.tensor(a, requires_grad=True) for a in (x, w, b))
        out = F.conv2d(xt, wt, bt, stride=stride, padding=1)
        out.backward(autograd.tensor(g))
        return [out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()]

    default = run()
    monkeypatch.setattr(_tuning, "CHUNK_BYTES", 1)  # one image per chunk
    monkeypatch.setattr(threads, "workers", lambda: 3)  # three slices of two images
    for got, expected in zip(run(), default):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    monkeypatch.setattr(threads, "workers", lambda: 1)  # one slice: everything in this thread
    for got, expected in zip(run(), default):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
