"""``rms_norm``, ``group_norm`` and ``instance_norm``: normalisations beyond module 04's two, fused.

Not course material. Each normalises *rows* of the input, viewed as a 2-d
``(R, F)`` array without copying, and then applies a per-feature or
per-channel affine map:

* ``rms_norm``: each sample over its trailing ``normalized_shape`` (``F``
  values a row), scaled by the root mean square, not centred:
  ``y = x / sqrt(mean(x²) + eps) * weight``.
* ``group_norm``: each sample's channels in ``G`` groups, a row per
  ``(sample, group)`` of ``C/G · spatial`` values, centred and scaled as in
  ``layer_norm``; ``weight`` and ``bias`` are per channel.
* ``instance_norm``: ``group_norm`` with one group per channel, plus optional
  running statistics (updated from the batch, or used instead of it).

Backward, with ``d = g * weight`` (per feature or per channel), ``x̂`` the
normalised rows and means along each row::

    centred (group, instance):  dx = (d - mean(d) - x̂ · mean(d · x̂)) / std
    rms:                        dx = (d - x̂ · mean(d · x̂)) / rms

one pass each instead of the ~8 recorded primitives of the composed formula.
``local_response_norm`` is in ``local_response_norm.py``.
"""

from __future__ import annotations

import math

import numpy as np
from tt_autograd import Function, no_grad
from tt_autograd.forward_ad import result_of
from tt_autograd.higher_order import composite_gradients
from tt_tensor.checks import bool_args

from ._checks import float_arg, number_args, tensor_arg
from .half_precision import in_float32, is_half
from .normalization import batch_norm, normalized_rows, recorded_row_tangents
from .row_passes import column_dot, row_dot, row_sum


def normalize_rows(rows: np.ndarray, eps: float, centre: bool) -> tuple[np.ndarray, np.ndarray]:
    """``x̂`` (a new array) and ``1/std`` per row of an (R, F) array; ``centre=False`` skips the mean (RMS)."""
    features = max(rows.shape[1], 1)  # empty rows (normalized_shape with a 0) give empty output, not 0/0
    x_hat = rows - (row_sum(rows) / features)[:, None] if centre else rows.copy()
    inv_std = 1.0 / np.sqrt(row_dot(x_hat, x_hat) / features + eps)
    x_hat *= inv_std.astype(rows.dtype)[:, None]
    return x_hat, inv_std


def rows_input_grad(d: np.ndarray, x_hat: np.ndarray, inv_std: np.ndarray, centre: bool) -> np.ndarray:
    """``(d - [mean(d)] - x̂ · mean(d · x̂)) / std`` along each row of (R, F) arrays, in one new array."""
    features = max(d.shape[1], 1)
    grad_x = x_hat * (-row_dot(d, x_hat) / features).astype(d.dtype)[:, None]
    grad_x += d
    if centre:
        grad_x -= (row_sum(d) / features)[:, None]
    grad_x *= inv_std.astype(d.dtype)[:, None]
    return grad_x


class RMSNormFunction(Function):
    """``x / sqrt(mean(x²) + eps) * weight`` over the last ``ndim`` axes; ``weight`` that shape or None.

    Cost: forward writes two arrays (the saved ``x̂`` and the output, which never
    aliases it), backward two (``d`` and ``dx``).
    """

    @staticmethod
    def forward(ctx, x, weight, ndim, eps):
        split = x.ndim - ndim
        rows = x.reshape(math.prod(x.shape[:split]), math.prod(x.shape[split:]))
        x_hat, inv_rms = normalize_rows(rows, eps, centre=False)
        ctx.param_shape = x.shape[x.ndim - ndim :]
        ctx.save_for_backward(x_hat, inv_rms, weight)
        out = x_hat.copy() if weight is None else x_hat * weight.reshape(-1)
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_rms, weight = ctx.saved_tensors
        g = grad.reshape(x_hat.shape)
        grad_x = grad_weight = None
        if ctx.needs_input_grad[0]:
            d = g if weight is None else g * weight.reshape(-1)
            grad_x = rows_input_grad(d, x_hat, inv_rms, centre=False).reshape(grad.shape)
        if ctx.needs_input_grad[1]:
            grad_weight = column_dot(g, x_hat).reshape(ctx.param_shape)
        return grad_x, grad_weight

    @staticmethod
    def graph_backward(ctx, grad):  # through the composite formula (tt_autograd.higher_order)
        x_hat, inv_rms, weight = ctx.saved_tensors
        rows, normalise = normalized_rows(x_hat, inv_rms, centre=False)

        def composite(x, weight):
            out = normalise(x.reshape(x_hat.shape))
            return (out if weight is None else out * weight.reshape(-1)).reshape(grad.shape)

        return composite_gradients(ctx, grad, composite, (rows.reshape(grad.shape), weight))


class GroupNormFunction(Function):
    """Normalise ``(N, C, *)`` per sample and group of ``C/G`` channels; ``weight``, ``bias`` ``(C,)``/None.

    The input is viewed as ``(N·G, C/G · S)`` rows (``S`` the spatial size) for
    the statistics and as ``(N, C, S)`` for the per-channel affine map and its
    gradients (``einsum`` sums over ``N`` and ``S``, no temporaries). Cost:
    forward writes two arrays (``x̂``, the output), backward two (``d``, ``dx``).
    """

    @staticmethod
    def forward(ctx, x, weight, bias, groups, eps):
        n, c, spatial = x.shape[0], x.shape[1], math.prod(x.shape[2:])
        rows = x.reshape(n * groups, c // groups * spatial)
        x_hat, inv_std = normalize_rows(rows, eps, centre=True)
        ctx.save_for_backward(x_hat, inv_std, weight)
        channels = x_hat.reshape(n, c, spatial)
        out = channels.copy() if weight is None else channels * weight[:, None]
        if bias is not None:
            out += bias[:, None]
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_std, weight = ctx.saved_tensors
        g = grad.reshape(grad.shape[0], grad.shape[1], math.prod(grad.shape[2:]))  # (N, C, S)
        x_channels = x_hat.reshape(g.shape)
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            d = g if weight is None else g * weight[:, None]
            grad_x = rows_input_grad(d.reshape(x_hat.shape), x_hat, inv_std, centre=True).reshape(grad.shape)
        if ctx.needs_input_grad[1]:
            grad_weight = np.einsum("ncs,ncs->c", g, x_channels)
        if ctx.needs_input_grad[2]:
            grad_bias = g.sum(axis=(0, 2))
        return grad_x, grad_weight, grad_bias

    @staticmethod
    def graph_backward(ctx, grad):  # through the composite formula (tt_autograd.higher_order)
        x_hat, inv_std, weight = ctx.saved_tensors
        rows, normalise = normalized_rows(x_hat, inv_std)
        channels = (grad.shape[0], grad.shape[1], -1)

        def composite(x, weight, bias):
            out = normalise(x.reshape(x_hat.shape)).reshape(*channels)
            out = out if weight is None else out * weight.reshape(-1, 1)
            return (out if bias is None else out + bias.reshape(-1, 1)).reshape(grad.shape)

        bias = np.zeros(grad.shape[1], x_hat.dtype) if ctx.needs_input_grad[2] else None  # (value moot)
        return composite_gradients(ctx, grad, composite, (rows.reshape(grad.shape), weight, bias))

    @staticmethod
    def jvp(ctx, tangent_x, tangent_weight, tangent_bias, *_):
        """``dx̂ · weight + x̂ · tw + tb`` per channel; ``dx̂`` of a row (its group) is layer norm's:
        ``(t - mean(t) - x̂ · mean(x̂ t)) / std``."""
        x_hat, inv_std, weight = ctx.saved_tensors
        shape = result_of(ctx).shape
        channels = (shape[0], shape[1], -1)
        out = np.zeros(x_hat.shape, x_hat.dtype).reshape(channels)
        if tangent_x is not None:
            t = tangent_x.reshape(x_hat.shape)
            d_hat = t - t.mean(axis=1, keepdims=True) - x_hat * (x_hat * t).mean(axis=1, keepdims=True)
            d_hat = (d_hat * inv_std[:, None]).reshape(channels)
            out += d_hat if weight is None else d_hat * weight[:, None]
        if tangent_weight is not None:
            out += x_hat.reshape(channels) * tangent_weight[:, None]
        if tangent_bias is not None:
            out += tangent_bias[:, None]
        return out.reshape(shape)

    @staticmethod
    def graph_jvp(ctx, tangent_x, tangent_weight, tangent_bias, *_):
        """``jvp``'s formula in recorded operations, ``x̂`` and ``1 / std`` recomputed from the input
        joined to its graph (as layer norm's ``graph_jvp``), so the tangent is differentiable."""
        x_hat, inv_std, weight = ctx.saved_tensors
        shape = result_of(ctx).shape
        channels = (shape[0], shape[1], -1)
        terms = []
        hat, d_hat = recorded_row_tangents(ctx, x_hat, inv_std, shape, tangent_x, tangent_weight is not None)
        if d_hat is not None:
            d_hat = d_hat.reshape(*channels)
            terms.append(d_hat if weight is None else d_hat * ctx.input_tensor(1, weight).reshape(-1, 1))
        if tangent_weight is not None:
            terms.append(hat.reshape(*channels) * tangent_weight.reshape(-1, 1))
        if tangent_bias is not None:
            terms.append(tangent_bias.reshape(-1, 1))
        return sum(terms).expand(shape[0], shape[1], x_hat.size // (shape[0] * shape[1])).reshape(*shape)


def normalized_shape_arg(op: str, input, normalized_shape, weight=None) -> tuple[int, ...]:  # noqa: A002
    """``normalized_shape`` as a tuple, checked against the input's trailing shape and ``weight``'s shape."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not shape:
        raise RuntimeError(f"{op}: normalized_shape must have at least one dim, got {shape}")
    if input.ndim < len(shape) or input.shape[input.ndim - len(shape) :] != shape:
        raise RuntimeError(
            f"{op}: input of shape {input.shape} does not end in normalized_shape {shape}; expected input "
            f"of shape (*, {', '.join(map(str, shape))})"
        )
    if weight is not None and tensor_arg(op, weight, "weight").shape != shape:
        raise RuntimeError(f"{op}: weight must have shape normalized_shape {shape}, got {weight.shape}")
    return shape


def rms_norm(input, normalized_shape, weight=None, eps: float | None = None):  # noqa: A002
    """Scale each sample by the root mean square over its trailing ``normalized_shape``, then by ``weight``.

    ``y = x / sqrt(mean(x²) + eps) * weight``: layer norm without the centring
    and the bias (LLaMA's normalisation).

    Args:
        input: ``(*, *normalized_shape)``.
        normalized_shape: an int or a tuple: the trailing shape to normalise over.
        weight: a tensor of shape ``normalized_shape``, or None.
        eps: added to the mean square; None (the default) is ``finfo(input.dtype).eps``, as in PyTorch
            (float32's for a float16 input, whose statistics are computed in float32).

    Shape:
        output: the input's shape and dtype.

    Cost: one fused ``Function``: two passes forward, two backward.

    Example:
        >>> rms_norm(tt_autograd.tensor([[3.0, 4.0]]), (2,))  # doctest: +SKIP
        tensor([[0.8485, 1.1314]])
    """
    x = float_arg("rms_norm", input)
    shape = normalized_shape_arg("rms_norm", x, normalized_shape, weight)
    if is_half(x, weight):  # float32 statistics and float32's eps, float16 result (as PyTorch on the CPU)
        return in_float32(lambda x32, w: rms_norm(x32, shape, w, eps), x, (weight,))
    eps = float(np.finfo(x.array.dtype).eps) if eps is None else float(eps)
    return RMSNormFunction.apply(x, weight, ndim=len(shape), eps=eps)


def _check_channels(op: str, x, named) -> int:
    """The channel count ``C`` of an ``(N, C, *)`` input, checked against the ``(C,)`` tensors ``named``."""
    if x.ndim < 2:
        raise ValueError(f"{op}: expected an input of shape (N, C, *), got shape {x.shape}")
    channels = x.shape[1]
    for name, value in named:
        if value is not None and tensor_arg(op, value, name).shape != (channels,):
            raise RuntimeError(
                f"{op}: input of shape {x.shape} has {channels} channels (dim 1), so {name} must have shape "
                f"({channels},), got {value.shape}"
            )
    return channels


@number_args("group_norm", "eps")
def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5):  # noqa: A002
    """Normalise each sample over groups of ``C / num_groups`` channels (and all spatial positions).

    Args:
        input: ``(N, C, *)``, ``C`` divisible by ``num_groups``.
        num_groups: the number of groups ``G`` (1: like layer norm over ``(C, *)``; ``C``: instance norm).
        weight, bias: per-channel ``(C,)`` tensors, or None.
        eps: added to the variance (biased: divided by the count).

    Shape:
        output: the input's shape and dtype.

    Cost: one fused ``Function``: two passes forward, two backward.

    Example:
        >>> group_norm(tt_autograd.randn(4, 6, 8, 8), 3).shape  # doctest: +SKIP
        (4, 6, 8, 8)
    """
    x = float_arg("group_norm", input)
    channels = _check_channels("group_norm", x, (("weight", weight), ("bias", bias)))
    if isinstance(num_groups, bool) or not isinstance(num_groups, int) or num_groups < 1:
        raise ValueError(f"group_norm: num_groups must be a positive int, got {num_groups!r}")
    if channels % num_groups:
        raise RuntimeError(
            f"group_norm: the {channels} channels of the input (shape {x.shape}) are not divisible by "
            f"num_groups={num_groups}; pick a num_groups that divides {channels}"
        )
    if is_half(x, weight, bias):  # float32 statistics, float16 result
        return in_float32(lambda x32, w, b: group_norm(x32, num_groups, w, b, eps), x, (weight, bias))
    return GroupNormFunction.apply(x, weight, bias, groups=num_groups, eps=float(eps))


@number_args("instance_norm", "momentum", "eps")
@bool_args("instance_norm", "use_input_stats")
def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,  # noqa: A002
                  use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5):  # fmt: skip
    """Normalise each channel of each sample over its spatial positions (``group_norm`` with ``G = C``).

    With ``use_input_stats`` (the default) each instance's own mean and
    (biased) variance are used, and the running statistics, if given, are
    updated in place with the batch average of the instance statistics:
    ``running = (1 - momentum) · running + momentum · mean_N(stat)``, the
    variance *unbiased*, as in PyTorch. Without it, the running statistics
    replace them (``y = (x - running_mean) / sqrt(running_var + eps) · weight + bias``).

    Args:
        input: ``(N, C, *)`` with at least one spatial dim.
        running_mean, running_var: ``(C,)`` tensors or None.
        weight, bias: ``(C,)`` tensors or None.
        use_input_stats: normalise with each instance's statistics (else the running ones).
        momentum: weight of the new batch in the running statistics.
        eps: added to the variance.

    Shape:
        output: the input's shape and dtype.

    Example:
        >>> instance_norm(tt_autograd.randn(2, 3, 16)).shape  # doctest: +SKIP
        (2, 3, 16)
    """
    x = float_arg("instance_norm", input)
    named = (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias))
    channels = _check_channels("instance_norm", x, named)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError(
                "instance_norm: running_mean and running_var are needed when use_input_stats=False"
            )
        return batch_norm(x, running_mean, running_var, weight, bias, training=False, eps=eps)
    if math.prod(x.shape[2:]) <= 1:
        raise ValueError(
            f"instance_norm: expected more than 1 spatial element when training, got input of shape {x.shape}"
        )
    if running_mean is not None or running_var is not None:
        _update_running_stats(x, running_mean, running_var, float(momentum))
    return group_norm(x, channels, weight, bias, eps)


def _update_running_stats(x, running_mean, running_var, momentum: float) -> None:
    """Fold the batch average of the instances' mean and unbiased variance into the running buffers."""
    with no_grad():
        values = x.array.reshape(x.shape[0], x.shape[1], -1)  # a view; float64 sums, no float64 copy
        stats = (
            (running_mean, values.mean(axis=2, dtype=np.float64)),
            (running_var, values.var(axis=2, ddof=1, dtype=np.float64)),
        )
        for buffer, stat in stats:
            if buffer is not None:
                array = buffer.array
                np.copyto(array, (1.0 - momentum) * array + momentum * stat.mean(axis=0), casting="same_kind")
