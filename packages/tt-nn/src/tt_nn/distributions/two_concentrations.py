"""``TwoConcentrations``: the shared part of ``Beta`` and ``Kumaraswamy`` (two shape parameters on [0, 1]).

Both take ``concentration1`` (``a``) and ``concentration0`` (``b``), positive numbers or
tensors broadcast to one shape (the batch shape), are supported on the unit interval, have
``rsample`` and ``expand`` to a larger batch the same way; each subclass keeps only its
formulas (``Beta`` also builds its two-category ``Dirichlet`` after this ``__init__``).
"""

from __future__ import annotations

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all


class TwoConcentrations(Distribution):
    """The base of a law on [0, 1] with positive ``concentration1`` (``a``) and ``concentration0`` (``b``).

    Args:
        concentration1: ``a > 0`` (a number or a tensor).
        concentration0: ``b > 0`` (a number or a tensor).
        validate_args: check the parameters and ``log_prob``'s values (default: on).
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(
        self, concentration1: object, concentration0: object, validate_args: bool | None = None
    ) -> None:
        """Broadcast the two concentrations to one shape, the batch shape, and check them."""
        self.concentration1, self.concentration0 = broadcast_all(
            concentration1, concentration0, op=type(self).__name__
        )
        super().__init__(self.concentration1.shape, validate_args=validate_args)

    def expand(self, batch_shape: tuple[int, ...]) -> TwoConcentrations:
        """The same distribution repeated over a larger ``batch_shape``."""
        shape = tuple(batch_shape)
        return type(self)(
            self.concentration1.expand(*shape), self.concentration0.expand(*shape), self._validate_args
        )
