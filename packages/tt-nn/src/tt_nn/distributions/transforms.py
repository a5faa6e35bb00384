"""Transforms: invertible maps with a log-Jacobian, to build new distributions from old ones.

A :class:`Transform` ``t`` maps ``x`` to ``y = t(x)``, maps back with ``t.inv(y)``,
and gives ``t.log_abs_det_jacobian(x, y)``, the log of ``|det dy/dx|``: with it
:class:`TransformedDistribution` has the density of ``y`` by the change of
variables ``log p(y) = log p(x) - log|det dy/dx|``. As ``torch.distributions.transforms``:

* ``domain`` and ``codomain`` are constraints; their ``event_dim`` says how many
  rightmost dims one input (output) spans: ``log_abs_det_jacobian`` returns one
  number per such block (0 for element-wise maps, whose log-Jacobian is element-wise).
* ``bijective`` says ``inv`` is an exact inverse; ``sign`` is ``+1``/``-1`` for
  monotone element-wise maps (``TransformedDistribution.cdf`` flips with it).
* ``cache_size=1`` keeps the last ``(x, y)`` pair: ``t.inv(t(x))`` then returns
  ``x`` itself (the object), which is how a tanh-squashed policy's ``log_prob`` of
  its own sample avoids ``atanh(±1)``.
* ``forward_shape`` / ``inverse_shape`` give the shape a map returns (broadcasting
  with its parameters).

TinyTorch keeps a transform's inverse with a plain reference (PyTorch a weak one):
``t.inv.inv is t``; the reference cycle is collected by Python's garbage collector.
"""

from __future__ import annotations

import math

import tt_autograd as autograd

from . import constraints
from .distribution import sum_rightmost

__all__ = [
    "ComposeTransform",
    "IndependentTransform",
    "ReshapeTransform",
    "Transform",
    "identity_transform",
]


class Transform:
    """The base class: a map ``x -> y`` with its inverse and the log of its Jacobian determinant.

    A subclass sets ``domain``, ``codomain`` (constraints), ``bijective`` and, for monotone
    element-wise maps, ``sign``, and defines ``_call(x)``, ``_inverse(y)`` and
    ``log_abs_det_jacobian(x, y)``.

    Args:
        cache_size: 0 (no cache) or 1 (keep the last ``(x, y)`` pair, so ``t.inv(t(x))`` is ``x``).
    """

    bijective = False
    domain: constraints.Constraint = constraints.real
    codomain: constraints.Constraint = constraints.real

    def __init__(self, cache_size: int = 0) -> None:
        if cache_size not in (0, 1) or isinstance(cache_size, bool):
            raise ValueError(f"{type(self).__name__}: cache_size must be 0 or 1, got {cache_size!r}")
        self._cache_size = cache_size
        self._cached_x_y = (None, None)
        self._inv: Transform | None = None

    @property
    def event_dim(self) -> int:
        """The event dims of input and output (a transform that changes them has no single one)."""
        if self.domain.event_dim == self.codomain.event_dim:
            return self.domain.event_dim
        raise ValueError(
            f"{type(self).__name__}: domain and codomain have different event dims "
            f"({self.domain.event_dim} and {self.codomain.event_dim}); use .domain.event_dim or "
            ".codomain.event_dim"
        )

    @property
    def inv(self) -> Transform:
        """The inverse transform: ``t.inv(y)`` is ``x``; ``t.inv.inv`` is ``t``."""
        if self._inv is None:
            self._inv = _InverseTransform(self)
        return self._inv

    @property
    def sign(self) -> object:
        """``+1`` or ``-1`` (a tensor when it varies): whether a monotone element-wise map rises or falls."""
        raise NotImplementedError(f"{type(self).__name__} has no sign (it is not monotone element-wise)")

    def with_cache(self, cache_size: int = 1) -> Transform:
        """This transform with another ``cache_size`` (itself when it already has that one)."""
        if self._cache_size == cache_size:
            return self
        if type(self).__init__ is Transform.__init__:
            return type(self)(cache_size=cache_size)
        raise NotImplementedError(f"{type(self).__name__}.with_cache is not implemented")

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = object.__hash__

    def __call__(self, x: autograd.Tensor) -> autograd.Tensor:
        """``y = t(x)``; with ``cache_size=1`` the same ``x`` object gives back the cached ``y``."""
        if self._cache_size == 0:
            return self._call(x)
        x_old, y_old = self._cached_x_y
        if x is x_old:
            return y_old
        y = self._call(x)
        self._cached_x_y = (x, y)
        return y

    def _inv_call(self, y: autograd.Tensor) -> autograd.Tensor:
        """``x = t.inv(y)``; with ``cache_size=1`` the ``y`` of the last call gives back its ``x``."""
        if self._cache_size == 0:
            return self._inverse(y)
        x_old, y_old = self._cached_x_y
        if y is y_old:
            return x_old
        x = self._inverse(y)
        self._cached_x_y = (x, y)
        return x

    def _call(self, x: autograd.Tensor) -> autograd.Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not define its forward map")

    def _inverse(self, y: autograd.Tensor) -> autograd.Tensor:
        raise NotImplementedError(f"{type(self).__name__} is not invertible")

    def log_abs_det_jacobian(self, x: autograd.Tensor, y: autograd.Tensor) -> autograd.Tensor:
        """``log |det dy/dx|`` at the pair ``(x, y = t(x))``, summed over ``domain.event_dim`` dims."""
        raise NotImplementedError(f"{type(self).__name__} has no log_abs_det_jacobian")

    def forward_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of ``t(x)`` for an ``x`` of ``shape``."""
        return tuple(shape)

    def inverse_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of ``t.inv(y)`` for a ``y`` of ``shape``."""
        return tuple(shape)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _InverseTransform(Transform):
    """``t.inv``: the same transform read backwards (its domain is ``t``'s codomain)."""

    def __init__(self, transform: Transform) -> None:
        super().__init__(cache_size=transform._cache_size)
        self._inv = transform

    @property
    def domain(self) -> constraints.Constraint:
        return self._inv.codomain

    @property
    def codomain(self) -> constraints.Constraint:
        return self._inv.domain

    @property
    def bijective(self) -> bool:
        return self._inv.bijective

    @property
    def sign(self) -> object:
        return self._inv.sign

    @property
    def inv(self) -> Transform:
        return self._inv

    def with_cache(self, cache_size: int = 1) -> Transform:
        return self._inv.with_cache(cache_size).inv

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _InverseTransform) and self._inv == other._inv

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._inv!r})"

    def __call__(self, x: autograd.Tensor) -> autograd.Tensor:
        return self._inv._inv_call(x)

    def log_abs_det_jacobian(self, x: autograd.Tensor, y: autograd.Tensor) -> autograd.Tensor:
        return -self._inv.log_abs_det_jacobian(y, x)

    def forward_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return self._inv.inverse_shape(shape)

    def inverse_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return self._inv.forward_shape(shape)


def _is_transform_list(parts: object) -> bool:
    return isinstance(parts, (list, tuple)) and all(isinstance(p, Transform) for p in parts)


class ComposeTransform(Transform):
    """``parts`` applied in order: ``ComposeTransform([f, g])(x) == g(f(x))``; empty: the identity.

    Its event dims are the largest any part needs, counted through the chain: an element-wise
    part after a vector part is summed over the vector's dim in ``log_abs_det_jacobian``.

    Args:
        parts: a list of transforms.
        cache_size: 0 or 1, given to every part.
    """

    def __init__(self, parts: list[Transform], cache_size: int = 0) -> None:
        if not _is_transform_list(parts):
            raise TypeError(f"ComposeTransform: parts must be a list of Transforms, got {parts!r}")
        if cache_size:
            parts = [part.with_cache(cache_size) for part in parts]
        super().__init__(cache_size=cache_size)
        self.parts = list(parts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ComposeTransform) and self.parts == other.parts

    __hash__ = object.__hash__

    @property
    def domain(self) -> constraints.Constraint:
        if not self.parts:
            return constraints.real
        domain = self.parts[0].domain
        event_dim = self.parts[-1].codomain.event_dim
        for part in reversed(self.parts):
            event_dim = max(
                event_dim + part.domain.event_dim - part.codomain.event_dim, part.domain.event_dim
            )
        if event_dim > domain.event_dim:
            domain = constraints.independent(domain, event_dim - domain.event_dim)
        return domain

    @property
    def codomain(self) -> constraints.Constraint:
        if not self.parts:
            return constraints.real
        codomain = self.parts[-1].codomain
        event_dim = self.parts[0].domain.event_dim
        for part in self.parts:
            event_dim = max(
                event_dim + part.codomain.event_dim - part.domain.event_dim, part.codomain.event_dim
            )
        if event_dim > codomain.event_dim:
            codomain = constraints.independent(codomain, event_dim - codomain.event_dim)
        return codomain

    @property
    def bijective(self) -> bool:
        return all(part.bijective for part in self.parts)

    @property
    def sign(self) -> object:
        sign = 1
        for part in self.parts:
            sign = sign * part.sign
        return sign

    @property
    def inv(self) -> Transform:
        if self._inv is None:
            self._inv = ComposeTransform([part.inv for part in reversed(self.parts)])
            self._inv._inv = self
        return self._inv

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return ComposeTransform(self.parts, cache_size=cache_size)

    def __call__(self, x: autograd.Tensor) -> autograd.Tensor:
        for part in self.parts:
            x = part(x)
        return x

    def log_abs_det_jacobian(self, x: autograd.Tensor, y: autograd.Tensor) -> autograd.Tensor:
        """The parts' log-Jacobians at the intermediate values, each summed to the chain's event dims."""
        if not self.parts:
            return autograd.zeros_like(x)
        xs = [x]
        for part in self.parts[:-1]:
            xs.append(part(xs[-1]))
        xs.append(y)
        total = None
        event_dim = self.domain.event_dim
        for part, x_in, y_out in zip(self.parts, xs[:-1], xs[1:]):
            term = sum_rightmost(part.log_abs_det_jacobian(x_in, y_out), event_dim - part.domain.event_dim)
            total = term if total is None else total + term
            event_dim += part.codomain.event_dim - part.domain.event_dim
        return total

    def forward_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        for part in self.parts:
            shape = part.forward_shape(shape)
        return tuple(shape)

    def inverse_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        for part in reversed(self.parts):
            shape = part.inverse_shape(shape)
        return tuple(shape)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(\n    " + ",\n    ".join(repr(p) for p in self.parts) + "\n)"


identity_transform = ComposeTransform([])


class IndependentTransform(Transform):
    """``base_transform`` with ``reinterpreted_batch_ndims`` more rightmost dims in each event.

    The map is the base's; ``log_abs_det_jacobian`` is the base's summed over those dims
    (a map applied to independent blocks has the product of their determinants).
    """

    def __init__(
        self, base_transform: Transform, reinterpreted_batch_ndims: int, cache_size: int = 0
    ) -> None:
        if not isinstance(base_transform, Transform):
            raise TypeError(
                "IndependentTransform: base_transform must be a Transform, got "
                f"{type(base_transform).__name__}"
            )
        n = reinterpreted_batch_ndims
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(
                f"IndependentTransform: reinterpreted_batch_ndims must be an int >= 0, got {n!r}"
            )
        super().__init__(cache_size=cache_size)
        self.base_transform = base_transform.with_cache(cache_size)
        self.reinterpreted_batch_ndims = n

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return IndependentTransform(
            self.base_transform, self.reinterpreted_batch_ndims, cache_size=cache_size
        )

    @property
    def domain(self) -> constraints.Constraint:
        return constraints.independent(self.base_transform.domain, self.reinterpreted_batch_ndims)

    @property
    def codomain(self) -> constraints.Constraint:
        return constraints.independent(self.base_transform.codomain, self.reinterpreted_batch_ndims)

    @property
    def bijective(self) -> bool:
        return self.base_transform.bijective

    @property
    def sign(self) -> object:
        return self.base_transform.sign

    def _check_dims(self, value: autograd.Tensor, constraint: constraints.Constraint) -> None:
        if value.dim() < constraint.event_dim:
            raise ValueError(
                f"IndependentTransform: too few dimensions on input: {value.dim()} (shape "
                f"{tuple(value.shape)}) "
                f"for an event of {constraint.event_dim} dims"
            )

    def _call(self, x: autograd.Tensor) -> autograd.Tensor:
        self._check_dims(x, self.domain)
        return self.base_transform(x)

    def _inverse(self, y: autograd.Tensor) -> autograd.Tensor:
        self._check_dims(y, self.codomain)
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x: autograd.Tensor, y: autograd.Tensor) -> autograd.Tensor:
        return sum_rightmost(self.base_transform.log_abs_det_jacobian(x, y), self.reinterpreted_batch_ndims)

    def forward_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return self.base_transform.forward_shape(shape)

    def inverse_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return self.base_transform.inverse_shape(shape)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_transform!r}, {self.reinterpreted_batch_ndims})"


def _shape_tuple(name: str, what: str, shape: object) -> tuple[int, ...]:
    try:
        return tuple(int(n) for n in shape)
    except TypeError:
        raise TypeError(f"{name}: {what} must be a tuple of ints, got {shape!r}") from None


class ReshapeTransform(Transform):
    """Reshape the rightmost ``in_shape`` dims to ``out_shape`` (the same number of elements); log-det 0."""

    bijective = True

    def __init__(self, in_shape: tuple[int, ...], out_shape: tuple[int, ...], cache_size: int = 0) -> None:
        self.in_shape = _shape_tuple("ReshapeTransform", "in_shape", in_shape)
        self.out_shape = _shape_tuple("ReshapeTransform", "out_shape", out_shape)
        if math.prod(self.in_shape) != math.prod(self.out_shape):
            raise ValueError(
                f"ReshapeTransform: in_shape {self.in_shape} and out_shape {self.out_shape} have different "
                "numbers of elements"
            )
        super().__init__(cache_size=cache_size)

    @property
    def domain(self) -> constraints.Constraint:
        return constraints.independent(constraints.real, len(self.in_shape))

    @property
    def codomain(self) -> constraints.Constraint:
        return constraints.independent(constraints.real, len(self.out_shape))

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return ReshapeTransform(self.in_shape, self.out_shape, cache_size=cache_size)

    def _call(self, x: autograd.Tensor) -> autograd.Tensor:
        return x.reshape(self.forward_shape(x.shape))

    def _inverse(self, y: autograd.Tensor) -> autograd.Tensor:
        return y.reshape(self.inverse_shape(y.shape))

    def log_abs_det_jacobian(self, x: autograd.Tensor, y: autograd.Tensor) -> autograd.Tensor:
        batch = tuple(x.shape)[: x.dim() - len(self.in_shape)]
        return autograd.zeros(batch, dtype=x.dtype)

    @staticmethod
    def _swap(shape: tuple[int, ...], old: tuple[int, ...], new: tuple[int, ...]) -> tuple[int, ...]:
        shape = tuple(shape)
        if len(shape) < len(old):
            raise ValueError(
                f"ReshapeTransform: too few dimensions on input: shape {shape}, expected (..., *{old})"
            )
        cut = len(shape) - len(old)
        if shape[cut:] != old:
            raise ValueError(f"ReshapeTransform: shape mismatch: expected (..., *{old}) but got {shape}")
        return shape[:cut] + new

    def forward_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return self._swap(shape, self.in_shape, self.out_shape)

    def inverse_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return self._swap(shape, self.out_shape, self.in_shape)


# PyTorch's torch.distributions.transforms holds every transform: the others live in files beside this one
from . import transforms_elementwise, transforms_join, transforms_matrix  # noqa: E402
from .transforms_elementwise import *  # noqa: E402, F403
from .transforms_join import *  # noqa: E402, F403
from .transforms_matrix import *  # noqa: E402, F403

__all__ += transforms_elementwise.__all__ + transforms_join.__all__ + transforms_matrix.__all__
