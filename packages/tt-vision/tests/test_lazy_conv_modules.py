"""The lazy convolutions and 2-d/3-d batch norms (``LazyConv2d``, ``LazyBatchNorm2d``, ...) against
their eager classes; and lazy layers with an optimizer built before their first forward."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
import tt_optim
import tt_vision as vision
from tt_nn.parameter import is_lazy


def values(tensor) -> np.ndarray:
    return tensor.detach().numpy().copy()


CONVS = [
    # lazy class, eager class, lazy arguments, eager arguments (in_channels 4 first), input shape
    (vision.LazyConv1d, vision.Conv1d, (6, 3), (4, 6, 3), (2, 4, 9)),
    (vision.LazyConv1d, vision.Conv1d, (6, 3), (4, 6, 3), (4, 9)),
    (vision.LazyConv2d, vision.Conv2d, (6, 3), (4, 6, 3), (2, 4, 6, 7)),
    (vision.LazyConv2d, vision.Conv2d, (6, (2, 3)), (4, 6, (2, 3)), (4, 6, 7)),
    (vision.LazyConv3d, vision.Conv3d, (6, 2), (4, 6, 2), (1, 4, 3, 4, 5)),
    (vision.LazyConvTranspose1d, vision.ConvTranspose1d, (6, 3), (4, 6, 3), (2, 4, 5)),
    (vision.LazyConvTranspose2d, vision.ConvTranspose2d, (6, 3), (4, 6, 3), (2, 4, 3, 4)),
    (vision.LazyConvTranspose3d, vision.ConvTranspose3d, (6, 2), (4, 6, 2), (1, 4, 2, 3, 2)),
]


@pytest.mark.parametrize(("lazy_class", "eager_class", "lazy_args", "eager_args", "shape"), CONVS)
def test_a_lazy_convolution_draws_what_its_eager_class_draws_and_becomes_it(
    lazy_class, eager_class, lazy_args, eager_args, shape, rng
):
    x = autograd.tensor(rng.standard_normal(shape), dtype=autograd.float32)
    autograd.manual_seed(5)
    lazy = lazy_class(*lazy_args, groups=2)
    lazy(x)
    autograd.manual_seed(5)
    eager = eager_class(*eager_args, groups=2)
    assert type(lazy) is eager_class and lazy.in_channels == 4 and repr(lazy) == repr(eager)
    assert lazy.weight.shape == eager.weight.shape
    np.testing.assert_array_equal(values(lazy.weight), values(eager.weight))
    np.testing.assert_array_equal(values(lazy.bias), values(eager.bias))
    np.testing.assert_array_equal(values(lazy(x)), values(eager(x)))


def test_lazy_conv_repr_before_the_first_forward():
    assert repr(vision.LazyConv2d(16, 3, padding=1)) == (
        "LazyConv2d(0, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    )
    assert repr(vision.LazyConvTranspose2d(3, 2, stride=2, bias=False)) == (
        "LazyConvTranspose2d(0, 3, kernel_size=(2, 2), stride=(2, 2), bias=False)"
    )


def test_a_lazy_conv_without_bias_materializes_only_its_weight():
    conv = vision.LazyConv2d(3, 1, bias=False)
    assert [type(p) for p in conv.parameters()] == [nn.UninitializedParameter]
    conv(autograd.randn(1, 2, 4, 4))
    assert conv.bias is None and conv.weight.shape == (3, 2, 1, 1)


def test_gradients_through_a_materialized_lazy_conv(leaf, check_grad):
    conv = vision.LazyConv2d(2, 2, stride=1, dtype=autograd.float64)
    x = leaf(2, 3, 4, 4)
    conv(x)
    check_grad(lambda a, w, b: vision.functional.conv2d(a, w, b) * 1.0, x, conv.weight, conv.bias)
    check_grad(lambda a: conv(a), x)
    assert autograd.gradgradcheck(lambda a: (conv(a) ** 2).sum(), [x])


@pytest.mark.parametrize(
    ("make", "shape", "message"),
    [
        (lambda: vision.LazyConv2d(3, 3), (2, 4, 6), None),  # a 3-d input is an unbatched (C, H, W)
        (
            lambda: vision.LazyConv2d(3, 3),
            (1, 2, 4, 6, 6),
            r"LazyConv2d: expected a 3-d .* \(1, 2, 4, 6, 6\)",
        ),
        (lambda: vision.LazyConv1d(3, 3), (7,), r"LazyConv1d: expected a 2-d .*or 3-d .* \(7,\)"),
        (lambda: vision.LazyConvTranspose3d(3, 1), (2, 2, 2), r"LazyConvTranspose3d: .*\(2, 2, 2\)"),
        (
            lambda: vision.LazyConv2d(4, 3, groups=2),
            (1, 3, 5, 5),
            r"in_channels \(3, .*\(1, 3, 5, 5\)\).*\(2\)",
        ),
    ],
)
def test_a_lazy_conv_refuses_an_input_it_cannot_read_naming_itself_and_the_shape(make, shape, message):
    conv = make()
    if message is None:
        conv(autograd.randn(*shape))
        assert conv.in_channels == 2 and type(conv) is vision.Conv2d
        return
    with pytest.raises((RuntimeError, ValueError), match=message):
        conv(autograd.randn(*shape))
    assert conv.has_uninitialized_params()


def test_a_lazy_conv_refuses_an_input_that_is_not_a_tensor():
    with pytest.raises(TypeError, match="LazyConv1d"):
        vision.LazyConv1d(2, 1)([[1.0, 2.0]])


def test_lazy_conv_transpose_forwards_output_size_on_its_first_call():
    up = vision.LazyConvTranspose2d(2, 3, stride=2, padding=1)
    assert up(autograd.randn(1, 3, 4, 4), (8, 8)).shape == (1, 2, 8, 8)
    assert up.weight.shape == (3, 2, 3, 3)


@pytest.mark.parametrize(
    ("lazy_class", "eager_class", "shape"),
    [
        (vision.LazyBatchNorm2d, vision.BatchNorm2d, (4, 3, 2, 5)),
        (vision.LazyBatchNorm3d, vision.BatchNorm3d, (2, 3, 2, 2, 3)),
    ],
)
def test_lazy_batch_norms_match_their_eager_classes(lazy_class, eager_class, shape, rng):
    x = autograd.tensor(rng.standard_normal(shape), dtype=autograd.float32)
    lazy, eager = lazy_class(momentum=None), eager_class(3, momentum=None)
    assert repr(lazy).startswith(f"{lazy_class.__name__}(0, eps=1e-05, momentum=None")
    for _ in range(2):
        np.testing.assert_allclose(values(lazy(x * 2)), values(eager(x * 2)), rtol=1e-5, atol=1e-6)
    assert type(lazy) is eager_class and repr(lazy) == repr(eager)
    for name, buffer in eager.named_buffers():
        np.testing.assert_allclose(values(getattr(lazy, name)), values(buffer), rtol=1e-6)


def test_lazy_batch_norm_2d_refuses_a_3d_input_naming_itself_and_the_shape():
    with pytest.raises(ValueError, match=r"LazyBatchNorm2d: .*\(3, 4, 4\)"):
        vision.LazyBatchNorm2d()(autograd.randn(3, 4, 4))


# ----------------------------------------------------------------- optimizers and checkpoints
def test_an_optimizer_built_before_the_first_forward_trains_the_materialized_parameters():
    model = nn.Sequential(vision.LazyConv2d(4, 3), vision.LazyBatchNorm2d(), nn.Flatten(), nn.LazyLinear(2))
    optimizer = tt_optim.Adam(model.parameters(), lr=0.1)
    held = [p for group in optimizer.param_groups for p in group["params"]]
    assert len(held) == 6 and all(is_lazy(p) for p in held)
    x, target = autograd.randn(5, 3, 6, 6), autograd.randint(0, 2, (5,))
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), target)
        loss.backward()
        before = [values(p) for p in held]
        optimizer.step()
        losses.append(loss.item())
        assert all(not np.array_equal(b, values(p)) for b, p in zip(before, held))
    assert all(a is b for a, b in zip(held, model.parameters()))
    assert losses[-1] < losses[0]
    assert [type(m).__name__ for m in model] == ["Conv2d", "BatchNorm2d", "Flatten", "Linear"]


def test_saving_an_uninitialized_state_dict_is_refused_naming_the_parameter(tmp_path):
    conv = vision.LazyConv2d(3, 3)
    with pytest.raises(TypeError, match="cannot store a LazyConv2d"):  # modules are not saved (no pickle)
        tt_optim.save(conv, tmp_path / "module.tt")
    with pytest.raises(RuntimeError, match=r"LazyConv2d\.weight .*run a forward pass"):
        tt_optim.save(conv.state_dict(), tmp_path / "lazy.tt")
    conv(autograd.randn(1, 2, 5, 5))
    tt_optim.save(conv.state_dict(), tmp_path / "conv.tt")
    restored = vision.LazyConv2d(3, 3)
    restored.load_state_dict(tt_optim.load(tmp_path / "conv.tt"))
    x = autograd.randn(2, 2, 5, 5)
    np.testing.assert_array_equal(values(restored(x)), values(conv(x)))
    assert type(restored) is vision.Conv2d and restored.in_channels == 2
