"""Element-wise transforms: exp, powers, sigmoid, tanh, softplus, abs and affine maps.

Each maps every entry on its own, so its Jacobian is diagonal and ``log_abs_det_jacobian``
is element-wise (``AffineTransform`` sums it over its ``event_dim`` dims). All but
``AbsTransform`` are bijective and monotone (``sign``). Defined as in
``torch.distributions.transforms``, where they are importable too.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import tt_autograd as autograd

from ..functional import softplus
from . import constraints
from .distribution import sum_rightmost
from .transforms import Transform

__all__ = [
    "AbsTransform",
    "AffineTransform",
    "ExpTransform",
    "PowerTransform",
    "SigmoidTransform",
    "SoftplusTransform",
    "TanhTransform",
]


class _ElementwiseTransform(Transform):
    """A parameter-free monotone increasing element-wise map: equal to any instance of its class."""

    bijective = True
    sign = 1

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    __hash__ = object.__hash__


class ExpTransform(_ElementwiseTransform):
    """``y = exp(x)``; log-det ``x``."""

    codomain = constraints.positive

    def _call(self, x: autograd.Tensor) -> autograd.Tensor:
        return x.exp()

    def _inverse(self, y: autograd.Tensor) -> autograd.Tensor:
        return y.log()

    def log_abs_det_jacobian(self, x: autograd.Tensor, y: autograd.Tensor) -> autograd.Tensor:
        return x


def _finfo(dtype: object) -> np.finfo:
    return np.finfo(dtype.numpy)


class SigmoidTransform(_ElementwiseTransform):
    """``y = sigmoid(x)``, clamped to ``[tiny, 1 - eps]``; log-det ``-softplus(-x) - softplus(x)``."""

    codomain = constraints.unit_interval

    def _call(self, x: autograd.Tensor) -> autograd.Tensor:
        info = _finfo(x.dtype)
        return x.sigmoid().clamp(min=float(info.tiny), max=1.0 - float(info.eps))

    def _inverse(self, y: autograd.Tensor) -> autograd.Tensor:
        info = _finfo(y.dtype)
        y = y.clamp(min=float(info.tiny), max=1.0 - float(info.eps))
        return y.log() - (-y).log1p()

    def log_abs_det_jacobian(self, x: autograd.Tensor, y: autograd.Tensor) -> autograd.Tensor:
        return -softplus(-x) - softplus(x)


class TanhTransform(_ElementwiseTransform):
    """``y = tanh(x)``; log-det ``2 (log 2 - x - softplus(-2x))``, stable where ``1 - tanh² x`` underflows.

    The inverse ``atanh`` is not clamped: ``±1`` give ``±inf``. Use ``cache_size=1`` to score
    one's own samples (a tanh-squashed policy), as PyTorch advises.
    """

    codomain = constraints.interval(-1.0, 1.0)

    def _call(self, x: autograd.Tensor) -> autograd.Tensor:
        return x.tanh()

    def _inverse(self, y: autograd.Tensor) -> autograd.Tensor:
        return y.atanh()

    def log_abs_det_jacobian(self, x: autograd.Tensor, y: autograd.Tensor) -> autograd.Tensor:
        return 2.0 * (math.log(2.0) - x - softplus(-2.0 * x))


class SoftplusTransform(_ElementwiseTransform):
    """``y = log(1 + exp(x))``; inverse ``y + log(-expm1(-y))``; log-det ``-softplus(-x)``."""

    codomain = constraints.positive

    def _call(self, x: autograd.Tensor) -> autograd.Tensor:
        return softplus(x)

    def _inverse(self, y: autograd.Tensor) -> autograd.Tensor:
        return (-(-y).expm1()).log() + y

    def log_abs_det_jacobian(self, x: autograd.Tensor, y: autograd.Tensor) -> autograd.Tensor:
        return -softplus(-x)


class AbsTransform(Transform):
    """``y = |x|``: not bijective (its "inverse" returns ``y``, the positive preimage), no log-det."""

    codomain = constraints.positive

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AbsTransform)

    __hash__ = object.__hash__

    def _call(self, x: autograd.Tensor) -> autograd.Tensor:
        return x.abs()

    def _inverse(self, y: autograd.Tensor) -> autograd.Tensor:
        return y


def _param_shape(value: object) -> tuple[int, ...]:
    return tuple(value.shape) if isinstance(value, autograd.Tensor) else ()


def _check_param(name: str, what: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, autograd.Tensor)):
        raise TypeError(f"{name}: {what} must be a number or a tensor, got {type(value).__name__}")


def _same(a: object, b: object) -> bool:
    if isinstance(a, autograd.Tensor) or isinstance(b, autograd.Tensor):
        try:
            return bool(np.all(np.asarray(_numpy(a)) == np.asarray(_numpy(b))))
        except ValueError:  # shapes that do not broadcast
            return False
    return a == b


def _numpy(value: object) -> object:
    return value.detach().numpy() if isinstance(value, autograd.Tensor) else value


class PowerTransform(Transform):
    """``y = x ** exponent`` on positive numbers; log-det ``log |exponent · y / x|``."""

    domain = constraints.positive
    codomain = constraints.positive
    bijective = True

    def __init__(self, exponent: object, cache_size: int = 0) -> None:
        _check_param("PowerTransform", "exponent", exponent)
        super().__init__(cache_size=cache_size)
        if not isinstance(exponent, autograd.Tensor):
            exponent = autograd.tensor(float(exponent), dtype=autograd.get_default_dtype())
        self.exponent = exponent

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return PowerTransform(self.exponent, cache_size=cache_size)

    @property
    def sign(self) -> autograd.Tensor:
        return self.exponent.sign()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PowerTransform) and _same(self.exponent, other.exponent)

    __hash__ = object.__hash__

    def _call(self, x: autograd.Tensor) -> autograd.Tensor:
        return x.pow(self.exponent)

    def _inverse(self, y: autograd.Tensor) -> autograd.Tensor:
        return y.pow(1 / self.exponent)

    def log_abs_det_jacobian(self, x: autograd.Tensor, y: autograd.Tensor) -> autograd.Tensor:
        return (self.exponent * y / x).abs().log()

    def forward_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(np.broadcast_shapes(tuple(shape), _param_shape(self.exponent)))

    inverse_shape = forward_shape


class AffineTransform(Transform):
    """``y = loc + scale · x``, element-wise, read as events of ``event_dim`` dims.

    ``log_abs_det_jacobian`` is ``log |scale|`` broadcast to ``x`` and summed over the event dims.
    (PyTorch sums only the entries ``scale`` holds, so a ``scale`` that broadcasts over an event
    dim undercounts there; TinyTorch gives the true log-determinant, checked against the Jacobian.)

    Args:
        loc, scale: numbers or tensors (broadcast with ``x``).
        event_dim: how many rightmost dims make one event (0: element-wise).
        cache_size: 0 or 1.
    """

    bijective = True

    def __init__(self, loc: object, scale: object, event_dim: int = 0, cache_size: int = 0) -> None:
        _check_param("AffineTransform", "loc", loc)
        _check_param("AffineTransform", "scale", scale)
        if isinstance(event_dim, bool) or not isinstance(event_dim, int) or event_dim < 0:
            raise ValueError(f"AffineTransform: event_dim must be an int >= 0, got {event_dim!r}")
        super().__init__(cache_size=cache_size)
        self.loc, self.scale = loc, scale
        self._event_dim = event_dim

    @property
    def event_dim(self) -> int:
        return self._event_dim

    @property
    def domain(self) -> constraints.Constraint:
        return (
            constraints.real
            if self._event_dim == 0
            else constraints.independent(constraints.real, self._event_dim)
        )

    codomain = domain

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return AffineTransform(self.loc, self.scale, self._event_dim, cache_size=cache_size)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, AffineTransform)
            and _same(self.loc, other.loc)
            and _same(self.scale, other.scale)
        )

    __hash__ = object.__hash__

    @property
    def sign(self) -> object:
        if isinstance(self.scale, numbers.Real):
            return 1 if self.scale > 0 else -1 if self.scale < 0 else 0
        return self.scale.sign()

    def _call(self, x: autograd.Tensor) -> autograd.Tensor:
        return self.loc + self.scale * x

    def _inverse(self, y: autograd.Tensor) -> autograd.Tensor:
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x: autograd.Tensor, y: autograd.Tensor) -> autograd.Tensor:
        if isinstance(self.scale, numbers.Real):
            result = autograd.full_like(x, math.log(abs(self.scale)))
        else:
            result = self.scale.abs().log()
            result = result.expand(*np.broadcast_shapes(tuple(x.shape), tuple(result.shape)))
        return sum_rightmost(result, self._event_dim)

    def forward_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(np.broadcast_shapes(tuple(shape), _param_shape(self.loc), _param_shape(self.scale)))

    inverse_shape = forward_shape
