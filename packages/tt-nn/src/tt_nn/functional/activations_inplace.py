"""PyTorch's in-place activations (``F.relu_``, ``F.elu_``, ...) and ``F.gumbel_softmax``.

Not course material.

**In-place forms.** ``F.relu_(x)`` changes ``x`` and returns it, as in PyTorch, through
:func:`~tt_nn.functional.in_place.write_in_place` (its module docstring: what happens to a tensor
that is not recorded, a leaf, a non-leaf, a view). ``inplace=True`` of the out-of-place forms
takes the same path.

**Gumbel-softmax** (Jang et al., 2017; Maddison et al., 2017): a differentiable
sample from the categorical distribution ``softmax(logits)``,
``softmax((logits + g) / tau)`` with Gumbel noise ``g = -log(E)``, ``E``
standard exponential, drawn from ``tt.manual_seed``'s generator in float64 (a
seeded run repeats; the stream is not PyTorch's). With ``hard=True`` the
result is the one-hot of its argmax, with the soft sample's gradient
(straight-through: ``y_hard - y_soft.detach() + y_soft``).
"""

from __future__ import annotations

import warnings

import numpy as np
from tt_tensor.checks import check_number, normalize_dim
from tt_tensor.random import default_generator

from ._checks import float_arg
from .activations import leaky_relu, relu, softmax
from .activations_extra import celu, elu, selu
from .activations_piecewise import hardtanh, rrelu
from .activations_piecewise import threshold as threshold_function
from .in_place import write_in_place


def relu_(input):  # noqa: A002
    """In-place :func:`relu`: ``max(x, 0)`` written into ``x``; returns ``x``.

    Example:
        >>> x = tt_autograd.tensor([-1.0, 2.0]); F.relu_(x); x  # doctest: +SKIP
        tensor([0., 2.])
    """
    return write_in_place("relu_", input, relu)


def leaky_relu_(input, negative_slope: float = 0.01):  # noqa: A002
    """In-place :func:`leaky_relu` (``negative_slope * x`` where ``x < 0``); returns ``x``."""
    return write_in_place("leaky_relu_", input, lambda x: leaky_relu(x, negative_slope))


def elu_(input, alpha: float = 1.0):  # noqa: A002
    """In-place :func:`elu` (``alpha * (exp(x) - 1)`` where ``x <= 0``); returns ``x``."""
    return write_in_place("elu_", input, lambda x: elu(x, alpha))


def celu_(input, alpha: float = 1.0):  # noqa: A002
    """In-place :func:`celu` (``alpha * (exp(x / alpha) - 1)`` where ``x <= 0``); returns ``x``."""
    return write_in_place("celu_", input, lambda x: celu(x, alpha))


def selu_(input):  # noqa: A002
    """In-place :func:`selu`; returns ``x``."""
    return write_in_place("selu_", input, selu)


def hardtanh_(input, min_val: float = -1.0, max_val: float = 1.0):  # noqa: A002
    """In-place :func:`hardtanh` (a clamp to ``[min_val, max_val]``); returns ``x``."""
    return write_in_place("hardtanh_", input, lambda x: hardtanh(x, min_val, max_val))


def threshold_(input, threshold: float, value: float):  # noqa: A002
    """In-place :func:`threshold` (``value`` where ``x <= threshold``); returns ``x``."""
    return write_in_place("threshold_", input, lambda x: threshold_function(x, threshold, value))


def rrelu_(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False):  # noqa: A002
    """In-place :func:`rrelu` (random negative slopes in training, their mean otherwise); returns ``x``."""
    return write_in_place("rrelu_", input, lambda x: rrelu(x, lower, upper, training))


def gumbel_softmax(logits, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1):
    """A differentiable sample of the categorical distribution ``softmax(logits)`` along ``dim``.

    ``softmax((logits + g) / tau)`` with Gumbel noise ``g = -log(E)``, ``E ~ Exp(1)``;
    with ``hard=True`` the one-hot of its argmax, whose gradient is the soft sample's. The hard
    result is exactly one-hot: it is formed as ``(y_soft - y_soft.detach()) + y_hard``, where
    PyTorch's ``y_hard - y_soft.detach() + y_soft`` can leave a rounding error of ~1e-8.

    Args:
        logits: unnormalised log-probabilities, any shape.
        tau: the temperature, ``> 0`` (unchecked, as in PyTorch): small is near one-hot, large near uniform.
        hard: return one-hot vectors (straight-through gradient).
        eps: deprecated and unused, as in PyTorch (which warns when it is given).
        dim: the categories' dim.

    Shape:
        input ``(*)``, output ``(*)``. Cost: one draw, ~6 passes (+2 with ``hard``).

    Example:
        >>> tt.manual_seed(0); F.gumbel_softmax(logits, tau=0.5, hard=True)  # doctest: +SKIP
    """
    op = "gumbel_softmax"
    x = float_arg(op, logits, "logits")
    tau = check_number(op, "tau", tau)
    if eps != 1e-10:
        warnings.warn(f"{op}: the eps argument is deprecated and has no effect", UserWarning, stacklevel=2)
    axis = normalize_dim(op, dim, x.ndim)
    gumbels = -np.log(default_generator.numpy.standard_exponential(tuple(x.shape)))
    soft = softmax((x + gumbels.astype(x.dtype.numpy)) / tau, dim=axis)
    if not hard:
        return soft
    values = soft.detach().array
    one_hot = np.zeros_like(values)
    if values.size:
        np.put_along_axis(one_hot, np.expand_dims(values.argmax(axis), axis), 1, axis)
    return soft - soft.detach() + one_hot
