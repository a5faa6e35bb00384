"""RMSNorm, GroupNorm, InstanceNorm1d/2d/3d, LocalResponseNorm and their functional forms (tt-nn extras).

Covers forward values against float64 NumPy references written from the
documented formulas (and a few values pinned from PyTorch 2.13), gradients
against central differences for every affine option, running statistics,
unbatched inputs, dtypes, reprs, state-dict keys and error messages.
Not course material (outside module 04's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_nn import functional as F

# ----------------------------------------------------------------- references (NumPy, float64)


def rms_reference(x, ndim, weight=None, eps=None):
    axes = tuple(range(x.ndim - ndim, x.ndim))
    eps = np.finfo(x.dtype).eps if eps is None else eps
    y = x / np.sqrt((x.astype(np.float64) ** 2).mean(axis=axes, keepdims=True) + eps)
    return y if weight is None else y * weight


def group_reference(x, groups, weight=None, bias=None, eps=1e-5):
    n, c = x.shape[:2]
    rows = x.reshape(n, groups, -1)
    y = ((rows - rows.mean(axis=2, keepdims=True)) / np.sqrt(rows.var(axis=2, keepdims=True) + eps)).reshape(
        x.shape
    )
    per_channel = (1, c) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(per_channel)
    if bias is not None:
        y = y + bias.reshape(per_channel)
    return y


def lrn_reference(x, size, alpha, beta, k):
    channels = x.shape[1]
    out = np.empty_like(x)
    for c in range(channels):  # the window of channel c, cut at the edges, divided by size
        window = x[:, max(0, c - size // 2) : min(channels, c + (size - 1) // 2 + 1)]
        out[:, c] = x[:, c] / (k + alpha / size * (window**2).sum(axis=1)) ** beta
    return out


def tensor(array, requires_grad=False):
    return autograd.tensor(np.asarray(array), requires_grad=requires_grad)


# ----------------------------------------------------------------- RMSNorm


@pytest.mark.parametrize("shape, normalized", [((2, 3, 4), (4,)), ((2, 3, 4), (3, 4)), ((5,), 5)])
def test_rms_norm_values(rng, check, shape, normalized):
    x = rng.standard_normal(shape)
    ndim = 1 if isinstance(normalized, int) else len(normalized)
    weight = rng.standard_normal(x.shape[x.ndim - ndim :])
    check(F.rms_norm(tensor(x), normalized, tensor(weight), eps=1e-3), rms_reference(x, ndim, weight, 1e-3))
    check(F.rms_norm(tensor(x), normalized), rms_reference(x, ndim))


def test_rms_norm_default_eps_is_the_dtype_epsilon(check):
    """eps=None is finfo(dtype).eps: it matters for small inputs; the float32 value pinned from PyTorch."""
    x32 = np.array([[1e-4, -2e-4, 3e-4]], dtype=np.float32)
    out = F.rms_norm(tensor(x32), (3,))
    assert out.dtype == autograd.float32
    np.testing.assert_allclose(
        out.numpy(), [[0.2455320954322815, -0.491064190864563, 0.7365963459014893]], rtol=1e-5
    )
    x64 = np.array([1e-8, -2e-8, 3e-8])
    check(F.rms_norm(tensor(x64), 3), rms_reference(x64, 1, eps=np.finfo(np.float64).eps))
    assert not np.allclose(F.rms_norm(tensor(x64), 3).numpy(), rms_reference(x64, 1, eps=0.0))


@pytest.mark.parametrize("normalized", [(4,), (3, 4)])
@pytest.mark.parametrize("affine", [True, False])
def test_rms_norm_gradients(leaf, check_grad, normalized, affine):
    x = leaf(2, 3, 4)
    if affine:
        check_grad(lambda x, w: F.rms_norm(x, normalized, w, eps=1e-3), x, leaf(*normalized))
    else:
        check_grad(lambda x: F.rms_norm(x, normalized, eps=1e-3), x)


def test_rms_norm_weight_gradient_only(leaf, check_grad):
    x = leaf(3, 5, requires_grad=False)
    check_grad(lambda w: F.rms_norm(x, (5,), w), leaf(5))


def test_rms_norm_module(rng, check):
    norm = nn.RMSNorm((3, 4), eps=1e-4)
    assert repr(norm) == "RMSNorm((3, 4), eps=0.0001, elementwise_affine=True)"
    assert repr(nn.RMSNorm(4)) == "RMSNorm((4,), eps=None, elementwise_affine=True)"
    assert list(norm.state_dict()) == ["weight"]
    np.testing.assert_array_equal(norm.weight.detach().numpy(), np.ones((3, 4)))
    x = rng.standard_normal((2, 3, 4))
    with autograd.no_grad():
        norm.weight.copy_(rng.standard_normal((3, 4)))
    check(norm(tensor(x)), rms_reference(x, 2, norm.weight.detach().numpy(), 1e-4))
    plain = nn.RMSNorm(4, elementwise_affine=False)
    assert plain.weight is None and list(plain.state_dict()) == []
    assert nn.RMSNorm(4, dtype=autograd.float64).weight.dtype == autograd.float64


def test_rms_norm_keeps_dtype(rng):
    x = autograd.tensor(rng.standard_normal((2, 4)).astype(np.float32), requires_grad=True)
    out = nn.RMSNorm(4)(x)
    out.sum().backward()
    assert out.dtype == autograd.float32 and x.grad.dtype == autograd.float32
    half = F.rms_norm(autograd.tensor(rng.standard_normal((2, 4)) * 300).half(), (4,))
    assert half.dtype == autograd.float16 and np.isfinite(half.numpy()).all()
    # Small float16 activations: the default eps is float32's (1.2e-7), not float16's (9.8e-4), as in
    # PyTorch 2.13 (rms_norm of 1e-3 everywhere gives 0.9453 there; float16's eps would give 0.032).
    small = F.rms_norm(autograd.full((2, 4), 1e-3, dtype=autograd.float16), (4,))
    np.testing.assert_allclose(small.numpy().astype(np.float64), 0.9453125, rtol=1e-3)


def test_rms_norm_errors():
    x = autograd.randn(2, 6, 3)
    with pytest.raises(
        RuntimeError, match=r"rms_norm: input of shape \(2, 6, 3\) does not end in normalized_shape \(4,\)"
    ):
        F.rms_norm(x, (4,))
    with pytest.raises(
        RuntimeError, match=r"rms_norm: weight must have shape normalized_shape \(3,\), got \(4,\)"
    ):
        F.rms_norm(x, (3,), autograd.ones(4))
    with pytest.raises(RuntimeError, match="does not end in normalized_shape"):
        F.rms_norm(autograd.randn(3), (2, 3))
    with pytest.raises(TypeError, match="rms_norm: 'input' must be a floating-point tensor"):
        F.rms_norm(autograd.tensor([1, 2]), 2)


# ----------------------------------------------------------------- GroupNorm


@pytest.mark.parametrize("shape, groups", [((2, 6, 3, 2), 3), ((3, 4), 2), ((2, 6, 5), 1), ((2, 6, 5), 6)])
def test_group_norm_values(rng, check, shape, groups):
    x = rng.standard_normal(shape) * 2 + 1
    weight, bias = rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    check(F.group_norm(tensor(x), groups, tensor(weight), tensor(bias), eps=1e-3),
          group_reference(x, groups, weight, bias, 1e-3))  # fmt: skip
    check(F.group_norm(tensor(x), groups), group_reference(x, groups))


def test_group_norm_pinned_from_pytorch():
    x = [[[1.0, 2, 4], [0, -1, 3]], [[2.0, 2, 5], [1, 1, -1]]]
    expected = [
        [[-0.29276952, 0.29276952, 1.46384764], [-0.87830853, -1.46384764, 0.87830853]],
        [[0.18569501, 0.18569501, 1.85695052], [-0.37139013, -0.37139013, -1.48556042]],
    ]
    np.testing.assert_allclose(
        F.group_norm(tensor(np.array(x, dtype=np.float32)), 1).numpy(), expected, rtol=1e-6
    )


@pytest.mark.parametrize("options", ["weight+bias", "weight", "bias", "none"])
def test_group_norm_gradients(leaf, check_grad, options):
    x = leaf(2, 6, 3)
    weight = leaf(6) if "weight" in options else None
    bias = leaf(6) if "bias" in options else None
    params = [p for p in (weight, bias) if p is not None]

    def fn(x, *given):
        supplied = iter(given)
        w = next(supplied) if weight is not None else None
        b = next(supplied) if bias is not None else None
        return F.group_norm(x, 3, w, b, eps=1e-3)

    check_grad(fn, x, *params)


def test_group_norm_parameter_gradients_without_input_grad(leaf, check_grad):
    x = leaf(2, 4, 2, 3, requires_grad=False)
    check_grad(lambda w, b: F.group_norm(x, 2, w, b), leaf(4), leaf(4))


def test_group_norm_module(rng, check):
    norm = nn.GroupNorm(2, 6)
    assert repr(norm) == "GroupNorm(2, 6, eps=1e-05, affine=True, bias=True)"
    assert (
        repr(nn.GroupNorm(2, 6, eps=1e-3, affine=False))
        == "GroupNorm(2, 6, eps=0.001, affine=False, bias=False)"
    )
    assert repr(nn.GroupNorm(3, 6, bias=False)) == "GroupNorm(3, 6, eps=1e-05, affine=True, bias=False)"
    assert list(norm.state_dict()) == ["weight", "bias"]
    assert list(nn.GroupNorm(3, 6, bias=False).state_dict()) == ["weight"]
    assert list(nn.GroupNorm(3, 6, affine=False).state_dict()) == []
    np.testing.assert_array_equal(norm.weight.detach().numpy(), np.ones(6))
    np.testing.assert_array_equal(norm.bias.detach().numpy(), np.zeros(6))
    x = rng.standard_normal((4, 6, 3)).astype(np.float32)
    with autograd.no_grad():
        norm.weight.copy_(rng.standard_normal(6))
        norm.bias.copy_(rng.standard_normal(6))
    out = norm(tensor(x))
    assert out.dtype == autograd.float32
    check(
        out,
        group_reference(x.astype(np.float64), 2, norm.weight.detach().numpy(), norm.bias.detach().numpy()),
        rtol=1e-5,
        atol=1e-5,
    )


def test_layer_sizes_must_be_positive():
    with pytest.raises(ValueError, match="RMSNorm: normalized_shape must be at least 1, got 0"):
        nn.RMSNorm((3, 0))
    with pytest.raises(ValueError, match="GroupNorm: num_groups must be at least 1, got 0"):
        nn.GroupNorm(0, 6)
    with pytest.raises(ValueError, match="GroupNorm: num_channels must be at least 1, got 0"):
        nn.GroupNorm(2, 0)
    with pytest.raises(ValueError, match="InstanceNorm2d: num_features must be at least 1, got 0"):
        nn.InstanceNorm2d(0)


def test_group_norm_errors():
    with pytest.raises(
        ValueError, match=r"GroupNorm: num_channels \(6\) must be divisible by num_groups \(4\)"
    ):
        nn.GroupNorm(4, 6)
    x = autograd.randn(2, 6, 3)
    with pytest.raises(
        RuntimeError, match=r"group_norm: the 6 channels .*\(2, 6, 3\).* not divisible by num_groups=4"
    ):
        F.group_norm(x, 4)
    with pytest.raises(
        RuntimeError,
        match=r"group_norm: input of shape \(2, 6, 3\) has 6 channels .* weight must have shape \(6,\), got",
    ):
        F.group_norm(x, 2, autograd.ones(5))
    with pytest.raises(RuntimeError, match=r"bias must have shape \(6,\)"):
        F.group_norm(x, 2, None, autograd.ones(3))
    with pytest.raises(
        ValueError, match=r"group_norm: expected an input of shape \(N, C, \*\), got shape \(6,\)"
    ):
        F.group_norm(autograd.randn(6), 2)
    with pytest.raises(ValueError, match="group_norm: num_groups must be a positive int, got 0"):
        F.group_norm(x, 0)


# ----------------------------------------------------------------- InstanceNorm


@pytest.mark.parametrize("layer, shape", [(nn.InstanceNorm1d, (2, 3, 5)), (nn.InstanceNorm2d, (2, 3, 4, 2)),
                                          (nn.InstanceNorm3d, (2, 3, 2, 2, 3))])  # fmt: skip
def test_instance_norm_values_and_unbatched(rng, check, layer, shape):
    x = rng.standard_normal(shape)
    norm = layer(3, affine=True)
    with autograd.no_grad():
        norm.weight.copy_(rng.standard_normal(3))
        norm.bias.copy_(rng.standard_normal(3))
    expected = group_reference(x, 3, norm.weight.detach().numpy(), norm.bias.detach().numpy())
    check(norm(tensor(x)), expected)
    check(norm(tensor(x[1])), expected[1])  # one unbatched sample: as a batch of one
    with pytest.raises(
        ValueError, match=rf"{layer.__name__}: expected {len(shape) - 1}D or {len(shape)}D input"
    ):
        norm(tensor(x[0, 0]))


def test_instance_norm_running_stats_pinned_from_pytorch():
    x = tensor(np.array([[[1.0, 2, 4], [0, -1, 3]], [[2.0, 2, 5], [1, 1, -1]]], dtype=np.float32))
    norm = nn.InstanceNorm1d(2, momentum=0.3, track_running_stats=True)
    assert list(norm.state_dict()) == ["running_mean", "running_var", "num_batches_tracked"]
    norm(x)
    np.testing.assert_allclose(norm.running_mean.numpy(), [0.8, 0.15], rtol=1e-6)
    np.testing.assert_allclose(norm.running_var.numpy(), [1.5, 1.55], rtol=1e-6)
    assert norm.num_batches_tracked.item() == 0  # PyTorch's InstanceNorm does not count batches
    norm.eval()
    expected = [
        [[0.16329879, 0.97979265, 2.61278033], [-0.12048252, -0.92369926, 2.28916764]],
        [[0.97979265, 0.97979265, 3.42927432], [0.68273425, 0.68273425, -0.92369926]],
    ]
    np.testing.assert_allclose(norm(x).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(norm.running_mean.numpy(), [0.8, 0.15], rtol=1e-6)  # eval leaves them


def test_instance_norm_running_stats_formula(rng):
    x = rng.standard_normal((4, 3, 6))
    mean, var = autograd.zeros(3, dtype=autograd.float64) + 0.5, autograd.ones(3, dtype=autograd.float64) * 2
    F.instance_norm(tensor(x), mean, var, momentum=0.25)
    np.testing.assert_allclose(mean.numpy(), 0.75 * 0.5 + 0.25 * x.mean(axis=2).mean(axis=0))
    np.testing.assert_allclose(var.numpy(), 0.75 * 2 + 0.25 * x.var(axis=2, ddof=1).mean(axis=0))
    only_mean = autograd.zeros(3, dtype=autograd.float64)
    F.instance_norm(tensor(x), only_mean, None, momentum=1.0)
    np.testing.assert_allclose(only_mean.numpy(), x.mean(axis=(0, 2)))


def test_instance_norm_without_tracking_uses_instance_stats_in_eval(rng, check):
    x = rng.standard_normal((2, 3, 5))
    norm = nn.InstanceNorm1d(3).eval()
    check(norm(tensor(x)), group_reference(x, 3))
    assert norm.running_mean is None and list(norm.state_dict()) == []


def test_instance_norm_momentum_none_leaves_running_stats(rng):
    norm = nn.InstanceNorm1d(3, momentum=None, track_running_stats=True)
    norm(tensor(rng.standard_normal((2, 3, 5))))
    np.testing.assert_array_equal(norm.running_mean.numpy(), np.zeros(3))
    np.testing.assert_array_equal(norm.running_var.numpy(), np.ones(3))


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("use_input_stats", [True, False])
def test_instance_norm_gradients(leaf, check_grad, rng, affine, use_input_stats):
    x = leaf(2, 3, 4)
    stats = (tensor(rng.standard_normal(3)), tensor(rng.random(3) + 0.5))
    if affine:
        check_grad(
            lambda x, w, b: F.instance_norm(x, *stats, w, b, use_input_stats, 0.0, 1e-3), x, leaf(3), leaf(3)
        )
    else:
        check_grad(lambda x: F.instance_norm(x, *stats, None, None, use_input_stats, 0.0, 1e-3), x)


def test_instance_norm_eval_values(rng, check):
    x = rng.standard_normal((2, 3, 4))
    mean, var, w, b = (
        rng.standard_normal(3),
        rng.random(3) + 0.5,
        rng.standard_normal(3),
        rng.standard_normal(3),
    )
    out = F.instance_norm(
        tensor(x), tensor(mean), tensor(var), tensor(w), tensor(b), use_input_stats=False, eps=0.1
    )
    check(out, (x - mean[:, None]) / np.sqrt(var[:, None] + 0.1) * w[:, None] + b[:, None])


def test_instance_norm_module_repr_and_state():
    assert repr(nn.InstanceNorm1d(3)) == (
        "InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)"
    )
    norm = nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
    assert (
        repr(norm)
        == "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    )
    assert list(norm.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    np.testing.assert_array_equal(norm.weight.detach().numpy(), np.ones(3))
    np.testing.assert_array_equal(norm.running_var.numpy(), np.ones(3))
    assert list(nn.InstanceNorm3d(3, affine=True, bias=False).state_dict()) == ["weight"]
    norm.running_var.fill_(3.0)
    norm.running_mean.fill_(2.0)
    norm.reset_parameters()
    np.testing.assert_array_equal(norm.running_var.numpy(), np.ones(3))
    np.testing.assert_array_equal(norm.running_mean.numpy(), np.zeros(3))


def test_instance_norm_keeps_dtype(rng):
    x = autograd.tensor(rng.standard_normal((2, 3, 4)).astype(np.float32), requires_grad=True)
    out = nn.InstanceNorm1d(3, affine=True)(x)
    out.sum().backward()
    assert out.dtype == autograd.float32 and x.grad.dtype == autograd.float32


def test_instance_norm_errors(rng):
    with pytest.raises(
        ValueError, match=r"InstanceNorm1d\(3\): input of shape \(4, 5\) has 4 channels in dim 0"
    ):
        nn.InstanceNorm1d(3, affine=True)(autograd.randn(4, 5))
    with pytest.warns(UserWarning, match="has 4 channels in dim 1, expected num_features=3"):
        nn.InstanceNorm1d(3)(autograd.randn(2, 4, 5))
    with pytest.raises(
        ValueError,
        match=r"instance_norm: expected more than 1 spatial element when training, got input of shape \(2, 3",
    ):
        F.instance_norm(autograd.randn(2, 3, 1))
    with pytest.raises(ValueError, match="instance_norm: running_mean and running_var are needed"):
        F.instance_norm(autograd.randn(2, 3, 4), use_input_stats=False)
    with pytest.raises(
        RuntimeError, match=r"instance_norm: .* running_mean must have shape \(3,\), got \(2,\)"
    ):
        F.instance_norm(autograd.randn(2, 3, 4), autograd.zeros(2))


# ----------------------------------------------------------------- LocalResponseNorm


def test_local_response_norm_pinned_from_pytorch():
    x = tensor(np.array([[[1.0, 2], [0.5, -1], [3, 0.25], [-2, 1.5]]]))
    size2 = [
        [[0.5632110346230359, 0.9767872557491274], [0.27797706046831855, -0.46827446852752624]]
        + [[1.2014668064009844, 0.1403440344200635], [-0.7138092539782174, 0.7910861662226404]]
    ]
    size3 = [
        [[0.5681732712391572, 1.0059467437463483], [0.2179846788489922, -0.5020323550610317]]
        + [[1.218365288873559, 0.1325099139053936], [-0.816854189401786, 0.8216371811715975]]
    ]
    np.testing.assert_allclose(F.local_response_norm(x, 2, 0.3, 0.75, 2.0).numpy(), size2, rtol=1e-12)
    np.testing.assert_allclose(F.local_response_norm(x, 3, 0.3, 0.75, 2.0).numpy(), size3, rtol=1e-12)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 7])
def test_local_response_norm_values(rng, check, size):
    x = rng.standard_normal((2, 5, 3, 2))
    check(nn.LocalResponseNorm(size, 0.2, 0.6, 1.5)(tensor(x)), lrn_reference(x, size, 0.2, 0.6, 1.5))
    check(F.local_response_norm(tensor(x), size), lrn_reference(x, size, 1e-4, 0.75, 1.0))


@pytest.mark.parametrize("size", [2, 3])
def test_local_response_norm_gradients(leaf, check_grad, size):
    check_grad(lambda x: F.local_response_norm(x, size, 0.5, 0.75, 1.0), leaf(2, 4, 3))


def test_local_response_norm_module_and_errors(rng):
    assert repr(nn.LocalResponseNorm(2)) == "LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)"
    assert (
        repr(nn.LocalResponseNorm(3, 1e-3, 0.5, 2.0)) == "LocalResponseNorm(3, alpha=0.001, beta=0.5, k=2.0)"
    )
    x32 = autograd.tensor(rng.standard_normal((2, 3, 4)).astype(np.float32))
    assert nn.LocalResponseNorm(2)(x32).dtype == autograd.float32
    with pytest.raises(
        ValueError, match=r"local_response_norm: expected an input of 3 or more dims .*got shape \(2, 3\)"
    ):
        F.local_response_norm(autograd.randn(2, 3), 2)
    with pytest.raises(ValueError, match="local_response_norm: size must be a positive int, got 0"):
        F.local_response_norm(autograd.randn(2, 3, 4), 0)
    with pytest.raises(ValueError, match="local_response_norm: size must be a positive int, got True"):
        F.local_response_norm(autograd.randn(2, 3, 4), True)
    with pytest.raises(ValueError, match="local_response_norm: size must be a positive int, got 2.5"):
        F.local_response_norm(autograd.randn(2, 3, 4), 2.5)


# ----------------------------------------------------------------- edge cases and resets


@pytest.mark.filterwarnings("error")
def test_empty_inputs_keep_their_shape():
    """Empty batches and empty normalised shapes give empty outputs, as in PyTorch (no division by zero)."""
    empty = autograd.zeros(2, 0, requires_grad=True)
    F.rms_norm(empty, (0,)).sum().backward()
    assert F.rms_norm(empty, (0,)).shape == (2, 0) and empty.grad.shape == (2, 0)
    assert F.rms_norm(autograd.zeros(0, 4), 4).shape == (0, 4)
    x = autograd.zeros(0, 6, 3, requires_grad=True)
    out = F.group_norm(x, 2, autograd.ones(6), autograd.zeros(6))
    assert out.shape == (0, 6, 3)
    out.sum().backward()
    assert x.grad.shape == (0, 6, 3)
    assert F.instance_norm(autograd.zeros(0, 3, 4)).shape == (0, 3, 4)


def test_argument_type_errors():
    with pytest.raises(
        RuntimeError, match=r"rms_norm: normalized_shape must have at least one dim, got \(\)"
    ):
        F.rms_norm(autograd.randn(2, 3), ())
    with pytest.raises(ValueError, match="group_norm: num_groups must be a positive int, got True"):
        F.group_norm(autograd.randn(2, 6, 3), True)
    with pytest.raises(ValueError, match="group_norm: num_groups must be a positive int, got 2.0"):
        F.group_norm(autograd.randn(2, 6, 3), 2.0)
    with pytest.raises(ValueError, match="instance_norm: running_mean and running_var are needed"):
        F.instance_norm(autograd.randn(2, 3, 4), autograd.zeros(3), None, use_input_stats=False)
    with pytest.raises(ValueError, match="instance_norm: running_mean and running_var are needed"):
        F.instance_norm(autograd.randn(2, 3, 4), None, autograd.ones(3), use_input_stats=False)


def test_group_norm_half_uses_float32_statistics(rng):
    x = rng.standard_normal((2, 4, 8)) * 300
    out = F.group_norm(autograd.tensor(x).half(), 2)
    assert out.dtype == autograd.float16
    np.testing.assert_allclose(out.numpy().astype(np.float64), group_reference(x, 2), atol=2e-2)


@pytest.mark.parametrize(
    "make", [lambda: nn.RMSNorm(3), lambda: nn.GroupNorm(1, 3), lambda: nn.InstanceNorm1d(3, affine=True)]
)
def test_reset_parameters_restores_ones_and_zeros(make):
    layer = make()
    with autograd.no_grad():
        for param in layer.parameters():
            param.fill_(5.0)
    layer.reset_parameters()
    np.testing.assert_array_equal(layer.weight.detach().numpy(), np.ones(3))
    if getattr(layer, "bias", None) is not None:
        np.testing.assert_array_equal(layer.bias.detach().numpy(), np.zeros(3))
