"""Weight initialisation (module 04), with ``torch.nn.init``'s names, gains and fan conventions.

Every function fills a tensor in place, without recording a graph, draws
from TinyTorch's default generator (``tt.manual_seed``) unless a
``generator`` is given, and returns the tensor.

Fans: for a weight of shape ``(out, in, *kernel)``, ``fan_in = in * prod(kernel)``
and ``fan_out = out * prod(kernel)`` (a ``Linear`` weight is ``(out, in)``).
The Kaiming initialisers keep the variance of activations (``fan_in``) or of
gradients (``fan_out``) constant through a stack of layers followed by the
``nonlinearity``; the Xavier ones compromise between both.

Example:
    >>> w = tt_autograd.empty(256, 784)  # doctest: +SKIP
    >>> kaiming_normal_(w, nonlinearity="relu")  # std = sqrt(2 / 784)  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable

from tt_autograd import Tensor, no_grad
from tt_tensor.checks import check_number, check_tensor
from tt_tensor.random import Generator

_LINEAR_LIKE = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
)


def filler(*numbers: str) -> Callable[[Callable], Callable]:
    """Decorate an ``init`` function: its ``tensor`` must be a tensor and the ``numbers`` numbers.

    A clear ``TypeError`` naming the function (``init.uniform_: tensor must be …``) instead of
    ``'NoneType' object has no attribute 'uniform_'``. Cost: one signature bind per call.
    """

    def decorate(function: Callable) -> Callable:
        signature, op = inspect.signature(function), f"init.{function.__name__}"

        @functools.wraps(function)
        def checked(*args, **kwargs):
            try:
                given = signature.bind(*args, **kwargs).arguments
            except TypeError as error:  # a missing or extra argument
                raise TypeError(f"{op}{signature}: {error}") from None
            check_tensor(op, given.get("tensor"), "tensor")
            for name in numbers:
                if name in given:
                    check_number(op, name, given[name])
            return function(*args, **kwargs)

        return checked

    return decorate


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain PyTorch recommends for ``nonlinearity``: the factor on the standard deviation.

    ============================  =====================================
    linear, conv*, sigmoid        1
    tanh                          5/3
    relu                          sqrt(2)
    leaky_relu                    sqrt(2 / (1 + negative_slope^2)) (slope ``param``, default 0.01)
    selu                          3/4
    ============================  =====================================

    Example:
        >>> calculate_gain("leaky_relu", 0.2)  # doctest: +ELLIPSIS
        1.3867...
    """
    # BEGIN SOLUTION 04
    # TODO: PyTorch's gain for each nonlinearity (§ How it is built, "init"): linear-like and sigmoid 1,
    #   tanh 5/3, relu sqrt(2), leaky_relu sqrt(2 / (1 + slope^2)) (slope 0.01 by default), selu 3/4.
    if nonlinearity in _LINEAR_LIKE or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")
    # END SOLUTION


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight ``(out, in, *kernel)`` (PyTorch's private helper, same name)."""
    # BEGIN SOLUTION 04
    # TODO: (fan_in, fan_out) of a weight (out, in, *kernel): in and out times the kernel's size.
    # EXAMPLE: a conv weight (16, 3, 5, 5) has fan_in 75 and fan_out 400; fewer than 2 dims is an error.
    if tensor.ndim < 2:
        raise ValueError(
            "fan in and fan out can not be computed for a tensor with fewer than 2 dimensions "
            f"(shape {tensor.shape})"
        )
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field
    # END SOLUTION


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} is not supported; use 'fan_in' or 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


@filler("a", "b")
def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill with values drawn uniformly from ``[a, b)``."""
    # BEGIN SOLUTION 04
    # TODO: fill tensor in place from U(a, b) without recording a graph (no_grad); return it.
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)
    # END SOLUTION


@filler("mean", "std")
def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Fill with values drawn from ``N(mean, std^2)``."""
    # BEGIN SOLUTION 04
    # TODO: fill tensor in place from N(mean, std^2) without recording a graph (no_grad); return it.
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)
    # END SOLUTION


@filler("val")
def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    # BEGIN SOLUTION 04
    # TODO: fill tensor in place with val without recording a graph (no_grad); return it.
    with no_grad():
        return tensor.fill_(val)
    # END SOLUTION


@filler()
def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    return constant_(tensor, 1.0)


@filler()
def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0."""
    return constant_(tensor, 0.0)


@filler("gain")
def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot uniform: ``U(-a, a)`` with ``a = gain * sqrt(6 / (fan_in + fan_out))``."""
    # BEGIN SOLUTION 04
    # TODO: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (§ How it is built, "init").
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)
    # END SOLUTION


@filler("gain")
def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot normal: ``N(0, std^2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    # BEGIN SOLUTION 04
    # TODO: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)) (§ How it is built, "init").
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)
    # END SOLUTION


@filler("a")
def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: Generator | None = None) -> Tensor:  # fmt: skip
    """He uniform: ``U(-bound, bound)`` with ``bound = gain * sqrt(3 / fan)``.

    Args:
        tensor: at least 2-D.
        a: the negative slope of the ``leaky_relu`` that follows (the gain's ``param``).
        mode: ``"fan_in"`` (preserve forward variance) or ``"fan_out"`` (backward).
        nonlinearity: passed to :func:`calculate_gain`.

    ``Linear``'s default, ``kaiming_uniform_(w, a=sqrt(5))``, gives ``bound = 1 / sqrt(fan_in)``.
    """
    # BEGIN SOLUTION 04
    # TODO: U(-bound, bound) with bound = sqrt(3) * gain /
    #   sqrt(fan), fan from mode (§ How it is built, "init").
    # HINT: an empty tensor has nothing to fill (and a fan of 0): return it as is.
    if 0 in tensor.shape:
        return tensor  # nothing to fill (and a fan of 0)
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)
    # END SOLUTION


@filler("a")
def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None) -> Tensor:  # fmt: skip
    """He normal: ``N(0, std^2)`` with ``std = gain / sqrt(fan)``; arguments as :func:`kaiming_uniform_`."""
    # BEGIN SOLUTION 04
    # TODO: N(0, std^2) with std = gain / sqrt(fan), fan from mode; an empty tensor is returned as is.
    if 0 in tensor.shape:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)
    # END SOLUTION


# The rest of torch.nn.init (trunc_normal_, orthogonal_, eye_, dirac_, sparse_), outside the course,
# lives in init_extra.py; it imports nothing from this file.
from .init_extra import dirac_, eye_, orthogonal_, sparse_, trunc_normal_  # noqa: E402, F401
