"""``tt.nn.utils.fusion``: batch norm folded into a convolution or linear layer, against the unfused pair.

References: the two modules run one after the other in eval mode (the definition of
the fusion), the folding formula ``w·s``, ``(b − mean)·s + β`` with ``s = γ/sqrt(var + ε)``,
and values pinned from PyTorch 2.13's ``torch.nn.utils.fuse_*`` on the same inputs.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinytorch as torch
from tinytorch import nn
from tinytorch.nn.utils import (
    fuse_conv_bn_eval,
    fuse_conv_bn_weights,
    fuse_linear_bn_eval,
    fuse_linear_bn_weights,
)


def trained_norm(norm, rng):
    """Give a batch norm non-trivial statistics and affine parameters, then switch it to eval mode."""
    channels = norm.num_features
    norm.running_mean.copy_(torch.tensor(rng.standard_normal(channels).astype(np.float32)))
    norm.running_var.copy_(torch.tensor(rng.uniform(0.5, 2.0, channels).astype(np.float32)))
    if norm.weight is not None:
        with torch.no_grad():
            norm.weight.copy_(torch.tensor(rng.standard_normal(channels).astype(np.float32)))
            norm.bias.copy_(torch.tensor(rng.standard_normal(channels).astype(np.float32)))
    return norm.eval()


CASES = [
    ("Conv1d", (3, 4, 3), {"bias": False}, "BatchNorm1d", 4, False, (2, 3, 7)),
    ("Conv2d", (3, 4, 3), {}, "BatchNorm2d", 4, False, (2, 3, 5, 5)),
    ("Conv2d", (4, 6, 3), {"groups": 2}, "BatchNorm2d", 6, False, (2, 4, 5, 5)),
    ("Conv3d", (2, 3, 2), {}, "BatchNorm3d", 3, False, (1, 2, 4, 4, 4)),
    ("ConvTranspose1d", (3, 4, 3), {}, "BatchNorm1d", 4, True, (2, 3, 5)),
    ("ConvTranspose2d", (3, 4, 3), {"stride": 2}, "BatchNorm2d", 4, True, (2, 3, 4, 4)),
]


@pytest.mark.parametrize("conv_name,args,kwargs,norm_name,channels,transpose,shape", CASES)
@pytest.mark.parametrize("affine", [True, False])
def test_fused_convolution_computes_the_batch_norm_of_the_convolution(
    conv_name, args, kwargs, norm_name, channels, transpose, shape, affine
):
    rng = np.random.default_rng(len(shape) + channels)
    conv = getattr(nn, conv_name)(*args, **kwargs).eval()
    norm = trained_norm(getattr(nn, norm_name)(channels, affine=affine), rng)
    fused = fuse_conv_bn_eval(conv, norm, transpose=transpose)
    assert type(fused) is type(conv) and fused is not conv and fused.bias is not None
    x = torch.tensor(rng.standard_normal(shape).astype(np.float32))
    np.testing.assert_allclose(
        fused(x).detach().numpy(), norm(conv(x)).detach().numpy(), rtol=1e-5, atol=1e-5
    )
    assert conv.bias is None or conv.bias is not fused.bias  # the original is left alone


def test_the_weights_follow_the_folding_formula_and_pytorchs_values():
    weight, bias = fuse_conv_bn_weights(
        torch.ones(2, 1, 1, 1), torch.tensor([1.0, 2.0]), torch.tensor([0.5, 1.0]), torch.tensor([4.0, 0.25]),
        0.0, torch.tensor([2.0, 3.0]), torch.tensor([0.1, 0.2]),
    )  # fmt: skip
    # s = γ/sqrt(var) = [1, 6]; b' = (b − mean)·s + β = [0.6, 6.2]  (PyTorch 2.13: the same, in float32)
    assert weight.flatten().tolist() == [1.0, 6.0]
    np.testing.assert_allclose(bias.tolist(), [0.6000000238418579, 6.199999809265137], rtol=1e-7)
    weight, bias = fuse_conv_bn_weights(
        torch.ones(1, 2, 1), None, torch.tensor([0.5, 1.0]), torch.tensor([4.0, 0.25]), 0.0,
        torch.tensor([2.0, 3.0]), torch.tensor([0.1, 0.2]), transpose=True,
    )  # fmt: skip
    assert weight.flatten().tolist() == [1.0, 6.0]  # the output channels are dim 1 of a transposed weight
    np.testing.assert_allclose(bias.tolist(), [-0.4000000059604645, -5.800000190734863], rtol=1e-7)


def test_new_parameters_keep_requires_grad_and_dtypes_as_pytorchs():
    weight, bias = fuse_conv_bn_weights(
        torch.ones(2, 3, dtype=torch.float64), None, torch.zeros(2), torch.ones(2), 1e-5, None, None
    )
    assert isinstance(weight, nn.Parameter) and isinstance(bias, nn.Parameter)
    assert (weight.dtype, bias.dtype) == (torch.float64, torch.float64)
    assert (
        weight.requires_grad is False and bias.requires_grad is False
    )  # a plain tensor, a bias from nothing
    weight, bias = fuse_conv_bn_weights(
        nn.Parameter(torch.ones(2, 3)),
        nn.Parameter(torch.zeros(2)),
        torch.zeros(2),
        torch.ones(2),
        0.0,
        None,
        None,
    )
    assert weight.requires_grad and bias.requires_grad


@pytest.mark.parametrize("features", [4, 1])
def test_fused_linear_computes_the_batch_norm_of_the_linear_layer(features):
    rng = np.random.default_rng(features)
    linear = nn.Linear(5, 4).eval()
    norm = trained_norm(nn.BatchNorm1d(features), rng)
    fused = fuse_linear_bn_eval(linear, norm)
    shape = (3, 5) if features == 4 else (3, 1, 5)  # one feature: (N, 1, L), the norm over dim 1
    x = torch.tensor(rng.standard_normal(shape).astype(np.float32))
    np.testing.assert_allclose(
        fused(x).detach().numpy(), norm(linear(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


def test_linear_weights_with_one_batch_norm_feature_are_pytorchs():
    weight, bias = fuse_linear_bn_weights(
        torch.ones(3, 2), None, torch.tensor([0.5]), torch.tensor([4.0]), 0.0, torch.tensor([2.0]),
        torch.tensor([0.1]),
    )  # fmt: skip
    # PyTorch 2.13: weight all ones (s = 2/2), bias [-0.4] with one value (made like the statistics)
    assert weight.tolist() == [[1.0, 1.0]] * 3
    np.testing.assert_allclose(bias.tolist(), [-0.4000000059604645], rtol=1e-7)


def test_training_mode_missing_statistics_and_mismatches_are_refused():
    conv, norm = nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3)
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        fuse_conv_bn_eval(conv, norm.eval())
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        fuse_linear_bn_eval(nn.Linear(2, 3).eval(), norm.train())
    with pytest.raises(AssertionError, match="running_mean and bn.running_var must not be None"):
        fuse_conv_bn_eval(conv.eval(), nn.BatchNorm2d(3, track_running_stats=False).eval())
    for missing in ("running_mean", "running_var"):  # one of the two is enough to refuse
        half = nn.BatchNorm2d(3).eval()
        setattr(half, missing, None)
        with pytest.raises(AssertionError, match="running_mean and bn.running_var must not be None"):
            fuse_conv_bn_eval(conv.eval(), half)
    with pytest.raises(
        AssertionError, match="linear.out_features == bn.num_features or bn.num_features == 1"
    ):
        fuse_linear_bn_eval(nn.Linear(2, 3).eval(), nn.BatchNorm1d(2).eval())
    with pytest.raises(ValueError, match="bn_rm has 2 values for 3 output channels"):
        fuse_conv_bn_weights(torch.ones(3, 2), None, torch.zeros(2), torch.ones(3), 0.0, None, None)
    with pytest.raises(ValueError, match="conv_w must have at least 2 dimensions"):
        fuse_conv_bn_weights(torch.ones(3), None, torch.zeros(3), torch.ones(3), 0.0, None, None)
    with pytest.raises(TypeError, match="bn_rm must be a Tensor, got NoneType"):  # PyTorch: a TypeError too
        fuse_conv_bn_weights(torch.ones(3, 2), torch.zeros(3), None, torch.ones(3), 0.0, None, None)
    with pytest.raises(TypeError, match="bn_rv must be a Tensor, got float"):
        fuse_conv_bn_weights(torch.ones(3, 2), torch.zeros(3), torch.zeros(3), 1.0, 0.0, None, None)
