"""Higher-order gradients through ``conv2d`` (and what is built on it): ``create_graph=True``.

``Conv2dFunction.graph_backward`` rebuilds the convolution from ``unfold`` and a
grouped matmul (:mod:`tt_vision.conv_graph`); these tests check its first and
second derivatives against central differences (``gradgradcheck``) over the
geometries conv2d accepts, that the fast kernels (Winograd, thin first layers)
and the recorded rule agree, and a WGAN-GP penalty on a convolutional critic.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_vision.functional as F
from tt_autograd import gradcheck, gradgradcheck
from tt_autograd.gradients import grad


@pytest.mark.parametrize(
    "stride, padding, dilation, groups, c_in, c_out, kernel",
    [
        (1, 1, 1, 1, 3, 4, (3, 3)),
        (2, 0, 1, 1, 2, 3, (3, 2)),
        (1, 2, 2, 2, 4, 6, (3, 3)),
        (2, 1, 1, 3, 3, 3, (2, 3)),
        ((2, 1), (0, 1), (1, 2), 1, 2, 2, (2, 2)),
        (1, "same", 1, 1, 2, 3, (2, 4)),  # even kernel: 'same' pads unevenly
    ],
)
def test_conv2d_twice(stride, padding, dilation, groups, c_in, c_out, kernel, leaf):
    x, w, b = leaf(2, c_in, 6, 5), leaf(c_out, c_in // groups, *kernel), leaf(c_out)

    def conv(x, w, b):
        return F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups).tanh()

    assert gradgradcheck(conv, [x, w, b])


def test_conv2d_twice_with_only_some_inputs_requiring_grad(leaf):
    x, w = leaf(1, 2, 5, 5), leaf(3, 2, 3, 3)
    data, weights = leaf(1, 2, 5, 5, requires_grad=False), leaf(3, 2, 3, 3, requires_grad=False)
    assert gradgradcheck(lambda x: F.conv2d(x, weights, padding=1).sin(), [x])
    assert gradgradcheck(lambda w: F.conv2d(data, w, stride=2).sin(), [w])


def test_unbatched_conv1d_and_conv3d_ride_on_it(leaf):
    assert gradgradcheck(lambda x, w: F.conv2d(x, w, padding=1).tanh(), [leaf(2, 4, 4), leaf(2, 2, 3, 3)])
    assert gradgradcheck(lambda x, w: F.conv1d(x, w, stride=2).tanh(), [leaf(2, 3, 7), leaf(2, 3, 3)])
    assert gradgradcheck(
        lambda x, w: F.conv3d(x, w, stride=(1, 2, 1)).tanh(), [leaf(1, 2, 3, 4, 3), leaf(2, 2, 2, 2, 2)]
    )


def test_fold_and_unfold_twice(leaf):
    x = leaf(2, 2, 5, 4)
    assert gradgradcheck(lambda x: F.unfold(x, (2, 3), dilation=1, padding=1, stride=(2, 1)) ** 2, [x])
    columns = leaf(1, 2 * 2 * 2, 12)
    assert gradgradcheck(lambda c: F.fold(c, (4, 5), (2, 2), stride=1, padding=0) ** 2, [columns])


@pytest.mark.parametrize("shape, c_out", [((2, 32, 8, 8), 32), ((16, 3, 32, 32), 8)])  # Winograd; thin
def test_the_fast_kernels_and_the_recorded_rule_agree(shape, c_out, rng):
    x = autograd.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    w = autograd.tensor(
        rng.standard_normal((c_out, shape[1], 3, 3)).astype(np.float32) * 0.1, requires_grad=True
    )
    out = F.conv2d(x, w, padding=1)
    seed = autograd.tensor(rng.standard_normal(out.shape).astype(np.float32))
    recorded = grad(out, [x, w], grad_outputs=seed, create_graph=True)
    plain = grad(F.conv2d(x, w, padding=1), [x, w], grad_outputs=seed)
    for r, p in zip(recorded, plain):
        assert r.grad_fn is not None and r.dtype == autograd.float32
        np.testing.assert_allclose(r.detach().numpy(), p.numpy(), rtol=2e-4, atol=2e-4)


def test_gradient_penalty_of_a_convolutional_critic(leaf):
    # WGAN-GP on images: |d critic / d image| penalised; its gradient reaches the conv weights.
    images = leaf(3, 2, 6, 6)
    bias = leaf(4)
    head = leaf(4 * 3 * 3, requires_grad=False)

    def penalty(kernel, bias):
        with autograd.enable_grad():
            features = F.conv2d(images, kernel, bias, stride=2, padding=1)
            scores = (features * 0.2).maximum(features).reshape(3, -1) @ head  # leaky ReLU, linear head
            (slopes,) = grad(scores.sum(), images, create_graph=True)
            return ((slopes * slopes).sum(dim=(1, 2, 3)).sqrt() - 1.0) ** 2

    assert gradcheck(penalty, [leaf(4, 2, 3, 3), bias])


@pytest.mark.parametrize(
    "stride, padding, output_padding, dilation, groups, c_in, c_out",
    [
        (1, 0, 0, 1, 1, 3, 4),
        (2, 1, 1, 1, 1, 2, 3),  # output_padding inside the trimmed padding
        (2, 0, 1, 2, 2, 4, 6),  # output_padding beyond it: rows no patch reaches
        (3, 1, 2, 1, 1, 2, 2),  # partly inside, partly beyond
        ((3, 2), (2, 0), (1, 1), (1, 2), 1, 2, 2),
        ((3, 2), (2, 0), (0, 1), (1, 2), 1, 2, 2),  # per axis: inside the padding on neither, beyond on W
        ((2, 3), (0, 1), (1, 2), 1, 1, 2, 2),  # beyond the padding on both axes, by different amounts
        ((2, 1), 0, (0, 1), (1, 2), 1, 2, 2),  # W: output_padding = stride < dilation, a block too many
    ],
)
def test_conv_transpose2d_twice(stride, padding, output_padding, dilation, groups, c_in, c_out, leaf):
    x, w, b = leaf(2, c_in, 4, 3), leaf(c_in, c_out // groups, 3, 2), leaf(c_out)

    def deconv(x, w, b):
        return F.conv_transpose2d(
            x,
            w,
            b,
            stride=stride,
            padding=padding,
            output_padding=output_padding,
            dilation=dilation,
            groups=groups,
        ).tanh()

    assert gradgradcheck(deconv, [x, w, b])


def test_conv_transpose1d_twice(leaf):
    assert gradgradcheck(
        lambda x, w: F.conv_transpose1d(x, w, stride=2, output_padding=1).tanh(),
        [leaf(2, 2, 4), leaf(2, 3, 3)],
    )


def test_a_bias_made_by_another_node(leaf):
    # the recorded rule joins the bias to the node that made it: its shape must be the channels'
    x, w, b = leaf(2, 2, 5, 4), leaf(3, 2, 3, 3), leaf(3)
    assert gradgradcheck(lambda x, w, b: F.conv2d(x, w, (b * b).sin(), padding=1).tanh(), [x, w, b])
    assert gradgradcheck(
        lambda x, w, b: F.conv_transpose2d(x, w.transpose(0, 1), b.exp(), stride=2).tanh(), [x, w, b]
    )
