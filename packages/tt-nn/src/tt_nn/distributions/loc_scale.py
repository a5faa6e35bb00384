"""``LocScale``: the shared part of the distributions with a location ``loc`` and a positive ``scale``.

``Normal``, ``Laplace``, ``Cauchy``, ``Gumbel`` and ``LogNormal`` take the same two
parameters the same way: numbers or tensors broadcast to one shape (the batch shape),
``scale`` checked positive, ``expand`` to a larger batch, and ``mode`` at ``loc``
(``LogNormal`` overrides it). Each subclass keeps only its formulas. PyTorch writes
these pieces once per class; the values and errors are the same.
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

    def __init_subclass__(cls, **kwargs: object) -> None:
        """Give each subclass its own ``__init__``, so a missing argument's error names the class.

        Python's ``TypeError`` for a missing ``scale`` names the function's ``__qualname__``:
        ``Normal.__init__() missing ...`` (as PyTorch's), not ``LocScale.__init__() ...``.
        """
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            return

        def __init__(self: LocScale, loc: object, scale: object, validate_args: bool | None = None) -> None:
            LocScale.__init__(self, loc, scale, validate_args)

        __init__.__qualname__ = f"{cls.__qualname__}.__init__"
        __init__.__doc__ = LocScale.__init__.__doc__
        cls.__init__ = __init__

    def expand(self, batch_shape: tuple[int, ...]) -> LocScale:
        """The same distribution repeated over a larger ``batch_shape``."""
        shape = tuple(batch_shape)
        return type(self)(self.loc.expand(*shape), self.scale.expand(*shape), self._validate_args)

    @property
    def mode(self) -> autograd.Tensor:
        return self.loc
