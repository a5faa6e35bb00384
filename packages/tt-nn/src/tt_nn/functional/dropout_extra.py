"""Channel-wise and self-normalising dropout: ``dropout1d/2d/3d``, ``(feature_)alpha_dropout``.

``F.dropout`` zeroes single elements. Neighbouring pixels of a feature map are
strongly correlated, so dropping single pixels barely regularises a CNN;
*channel-wise* dropout (``dropout1d``/``2d``/``3d``) zeroes whole channels
instead: one keep/drop draw per ``(sample, channel)``, broadcast over the
spatial dims, and the kept channels are scaled by ``1 / (1 - p)``.

*Alpha dropout* keeps a SELU network self-normalising (mean 0, variance 1).
Setting a unit to 0 would shift the mean, so it is set to SELU's negative
saturation value ``-alpha'`` (``alpha' = scale * alpha ~= 1.7581``), then an
affine map ``a * x + b`` restores mean 0 and variance 1 for standard-normal
input::

    a = 1 / sqrt((1 - p) * (1 + p * alpha'^2)),   b = a * alpha' * p
    kept: a * x + b                                dropped: b - a * alpha'

``feature_alpha_dropout`` does the same per channel. Masks come from
TinyTorch's default generator (``tt.manual_seed`` repeats them) as
``F.dropout``'s do. Every function is the identity when not ``training`` or
when ``p = 0``, and returns zeros when ``p = 1`` (as PyTorch). The output is
``x * mask (+ b)``, composed from recorded primitives, so the gradient is the
scaled mask. Cost: one draw per channel (per element for ``alpha_dropout``)
and one or two passes over the input.
"""

from __future__ import annotations

import numpy as np
from tt_tensor.checks import bool_args, check_number
from tt_tensor.random import default_generator

from ._checks import float_arg
from .in_place import write_in_place

SELU_SATURATION = 1.0507009873554805 * 1.6732632423543772  # alpha' = SELU's scale * alpha


def _check_probability(op: str, p: float) -> None:
    if not 0.0 <= check_number(op, "p", p) <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")


def _keep(shape: tuple, p: float, dtype) -> np.ndarray:
    """A ``shape`` array of ones (probability ``1 - p``) and zeros, in ``dtype``."""
    draw_dtype = dtype if dtype in (np.float32, np.float64) else np.float64
    return (default_generator.numpy.random(shape, dtype=draw_dtype) >= p).astype(dtype)


def _dropped(x, p: float, mask_shape: tuple, alpha: bool):
    """``x`` with ``mask_shape``'s draws applied (plain or alpha); ``p`` strictly between 0 and 1."""
    dtype = x.array.dtype
    keep = _keep(mask_shape, p, dtype)
    if not alpha:
        return x * (keep * dtype.type(1.0 / (1.0 - p)))
    a = 1.0 / np.sqrt((1.0 - p) * (1.0 + p * SELU_SATURATION**2))
    shift = (SELU_SATURATION * a * (keep - 1.0 + p)).astype(
        dtype
    )  # b on kept units, b - a * alpha' on dropped
    return x * (keep * dtype.type(a)) + shift


def _apply(op: str, input, p: float, training: bool, channel_dim: int | None, alpha: bool):  # noqa: A002
    """Drop in ``input``: a draw per element, or per channel (dims up to ``channel_dim``), broadcast."""
    x = float_arg(op, input)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * np.zeros((), dtype=x.array.dtype)
    if channel_dim is None:
        mask_shape = x.shape
    else:
        mask_shape = tuple(x.shape[: channel_dim + 1]) + (1,) * (x.ndim - channel_dim - 1)
    return _dropped(x, float(p), mask_shape, alpha)


def _channel_dropout(op: str, input, p: float, training: bool, spatial: int):  # noqa: A002
    """``dropout{spatial}d``: ``(C, *spatial)`` or ``(N, C, *spatial)`` input."""
    _check_probability(op, p)
    x = float_arg(op, input)
    dims = ("L", "H, W", "D, H, W")[spatial - 1]
    if x.ndim not in (spatial + 1, spatial + 2) or (spatial == 2 and x.ndim == 3):
        hint = ""
        if spatial == 2 and x.ndim == 3:
            hint = (
                " (PyTorch reads a 3-D input as (N, C, L) with a warning: use dropout1d for that, or "
                "input.unsqueeze(0) for an unbatched (C, H, W) image)"
            )
        raise ValueError(
            f"{op}: expected "
            + (f"a {spatial + 1}-D (C, {dims}) or " if spatial != 2 else "")
            + f"a {spatial + 2}-D (N, C, {dims}) input, got shape {tuple(x.shape)}{hint}"
        )
    channel_dim = 1 if x.ndim == spatial + 2 else 0
    return _apply(op, x, p, training, channel_dim, alpha=False)


def dropout1d(input, p: float = 0.5, training: bool = True, inplace: bool = False):  # noqa: A002
    """Zero whole channels of ``(N, C, L)`` or unbatched ``(C, L)`` input, scale the rest by ``1 / (1 - p)``.

    Args:
        input: a float tensor ``(N, C, L)`` or ``(C, L)``.
        p: probability of zeroing a channel, in ``[0, 1]``.
        training: apply dropout; when False the input is returned unchanged.
        inplace: write the result into ``input`` and return it (PyTorch's in-place form).

    Example:
        >>> dropout1d(tt_autograd.ones(2, 3, 4), p=0.5)  # doctest: +SKIP
    """
    if inplace:  # PyTorch's in-place form: the input changes and is returned (in_place.py)
        return write_in_place("dropout1d(inplace=True)", input, lambda x: dropout1d(x, p, training))
    return _channel_dropout("dropout1d", input, p, training, spatial=1)


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False):  # noqa: A002
    """Zero whole channels of ``(N, C, H, W)`` input, scale the rest by ``1 / (1 - p)``.

    Differs from PyTorch on other ranks: PyTorch warns and carries on (reading a
    3-D input as ``(N, C, L)``, not as an unbatched image); here they are errors.

    Args:
        input: a float tensor ``(N, C, H, W)``.
        p: probability of zeroing a channel, in ``[0, 1]``.
        training: apply dropout; when False the input is returned unchanged.
        inplace: write the result into ``input`` and return it (PyTorch's in-place form).
    """
    if inplace:  # PyTorch's in-place form: the input changes and is returned (in_place.py)
        return write_in_place("dropout2d(inplace=True)", input, lambda x: dropout2d(x, p, training))
    return _channel_dropout("dropout2d", input, p, training, spatial=2)


def dropout3d(input, p: float = 0.5, training: bool = True, inplace: bool = False):  # noqa: A002
    """Zero whole channels of ``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)`` input (scale ``1 / (1 - p)``).

    Other ranks, which PyTorch accepts with a deprecation warning, are errors here.

    Args:
        input: a float tensor ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        p: probability of zeroing a channel, in ``[0, 1]``.
        training: apply dropout; when False the input is returned unchanged.
        inplace: write the result into ``input`` and return it (PyTorch's in-place form).
    """
    if inplace:  # PyTorch's in-place form: the input changes and is returned (in_place.py)
        return write_in_place("dropout3d(inplace=True)", input, lambda x: dropout3d(x, p, training))
    return _channel_dropout("dropout3d", input, p, training, spatial=3)


@bool_args("alpha_dropout", "training")
def alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):  # noqa: A002
    """Alpha dropout for SELU networks: keeps mean 0 and variance 1 of standard-normal input.

    Each element is set to SELU's saturation ``-alpha'`` with probability ``p``,
    then ``a * x + b`` restores the statistics (see the module docstring).
    ``training`` defaults to False, as in PyTorch.

    Args:
        input: a float tensor of any shape.
        p: probability of dropping an element, in ``[0, 1]``.
        training: apply dropout; when False the input is returned unchanged.
        inplace: write the result into ``input`` and return it (PyTorch's in-place form).
    """
    if inplace:  # PyTorch's in-place form: the input changes and is returned (in_place.py)
        return write_in_place("alpha_dropout(inplace=True)", input, lambda x: alpha_dropout(x, p, training))
    _check_probability("alpha_dropout", p)
    return _apply("alpha_dropout", input, p, training, None, alpha=True)


def feature_dropout(input, p: float = 0.5, training: bool = True):  # noqa: A002
    """Plain dropout of whole channels: one draw per ``(N, C)`` of ``(N, C, *)`` input (feature_dropout).

    Like ``dropout1d``/``2d``/``3d`` but for any rank from 2 up; ``(N, C)`` input is plain dropout.
    PyTorch has it at the top level only (``tinytorch.feature_dropout``).
    """
    _check_probability("feature_dropout", p)
    x = float_arg("feature_dropout", input)
    if x.ndim < 2:
        raise ValueError(
            f"feature_dropout: expected an input (N, C, *) with at least 2 dims, got shape {tuple(x.shape)}"
        )
    return _apply("feature_dropout", x, p, training, 1, alpha=False)


@bool_args("feature_alpha_dropout", "training")
def feature_alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):  # noqa: A002
    """Alpha dropout of whole channels: one draw per ``(N, C)`` of ``(N, C, *)`` input.

    ``training`` defaults to False, as in PyTorch.

    Args:
        input: a float tensor with at least 2 dims ``(N, C, *)``.
        p: probability of dropping a channel, in ``[0, 1]``.
        training: apply dropout; when False the input is returned unchanged.
        inplace: write the result into ``input`` and return it (PyTorch's in-place form).
    """
    if inplace:  # PyTorch's in-place form: the input changes and is returned (in_place.py)
        return write_in_place(
            "feature_alpha_dropout(inplace=True)", input, lambda x: feature_alpha_dropout(x, p, training)
        )
    _check_probability("feature_alpha_dropout", p)
    x = float_arg("feature_alpha_dropout", input)
    if x.ndim < 2:
        raise ValueError(
            "feature_alpha_dropout: expected an input (N, C, *) with at least 2 dims, "
            f"got shape {tuple(x.shape)}"
        )
    return _apply("feature_alpha_dropout", x, p, training, 1, alpha=True)
