"""``LocScale``: the shared part of the distributions with a location ``loc`` and a positive ``scale``.

``Normal``, ``Laplace``, ``Cauchy``, ``Gumbel`` and ``LogNormal`` take the same two
parameters the same way: numbers or tensors broadcast to one shape (the batch shape),
``scale`` checked positive, ``expand`` to a larger batch, and ``mode`` at ``loc``
(``LogNormal`` overrides it). Each subclass keeps only its formulas, and an ``__init__``
that passes its arguments on: Python names the function in a missing argument's error,
so ``Normal(loc=0.0)`` says ``Normal.__init__() missing ... 'scale'``, as PyTorch's.
"""

from __future__ import annotations

import tt_autograd as autograd

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all


class LocScale(Distribution):
    """The base of a distribution with parameters ``loc`` (real) and ``scale`` (positive).

    Args:
        loc: the location (a number or a tensor).
        scale: the spread, positive (a number or a tensor).
        validate_args: check ``scale > 0`` and ``log_prob``'s values (default: on).
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: object, scale: object, validate_args: bool | None = None) -> None:
        """Broadcast ``loc`` and ``scale`` to one shape, the batch shape, and check them."""
        self.loc, self.scale = broadcast_all(loc, scale, op=type(self).__name__)
        super().__init__(self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape: tuple[int, ...]) -> LocScale:
        """The same distribution repeated over a larger ``batch_shape``."""
        shape = tuple(batch_shape)
        return type(self)(self.loc.expand(*shape), self.scale.expand(*shape), self._validate_args)

    @property
    def mode(self) -> autograd.Tensor:
        return self.loc
