"""``biject_to`` and ``transform_to``: from the reals onto a constraint's set (``torch.distributions``).

``transform_to(constraint)(x)`` lies in ``constraint`` for any real ``x``: optimise an
unconstrained tensor and map it, e.g. a positive scale as ``transform_to(positive)(raw)``.
``biject_to(constraint)`` is the same but a bijection (it has a log-Jacobian), as Hamiltonian
Monte Carlo and variational inference need. They differ for the simplex
(``StickBreakingTransform`` vs ``SoftmaxTransform``) and for Cholesky factors and positive-definite
matrices (``transform_to`` only). Lookup is by the constraint's exact class, as PyTorch's:
``register(constraint, factory)`` adds a class (or overrides one).

    >>> from tt_nn.distributions import constraints, transform_to
    >>> transform_to(constraints.interval(-1.0, 3.0))
    ComposeTransform(
        SigmoidTransform(),
        AffineTransform()
    )
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

from . import constraints
from .transforms import (
    AffineTransform,
    ComposeTransform,
    ExpTransform,
    IndependentTransform,
    SigmoidTransform,
    Transform,
    identity_transform,
)
from .transforms_join import CatTransform, StackTransform, _Cat, _Stack
from .transforms_matrix import (
    CorrCholeskyTransform,
    LowerCholeskyTransform,
    PositiveDefiniteTransform,
    SoftmaxTransform,
    StickBreakingTransform,
)

__all__ = ["ConstraintRegistry", "biject_to", "transform_to"]


class ConstraintRegistry:
    """A table from constraint classes to factories ``factory(constraint) -> Transform``."""

    def __init__(self) -> None:
        self._registry: dict[type, Callable[[constraints.Constraint], Transform]] = {}

    def register(self, constraint: object, factory: Callable | None = None) -> Callable:
        """Register ``factory`` for ``constraint``'s class (class or instance); a decorator without it."""
        if factory is None:
            return lambda factory: self.register(constraint, factory)
        if isinstance(constraint, constraints.Constraint):
            constraint = type(constraint)
        if not isinstance(constraint, type) or not issubclass(constraint, constraints.Constraint):
            raise TypeError(f"register: expected a Constraint subclass or instance, but got {constraint!r}")
        self._registry[constraint] = factory
        return factory

    def __call__(self, constraint: constraints.Constraint) -> Transform:
        """The transform from reals onto ``constraint`` (``NotImplementedError`` for unregistered classes)."""
        try:
            factory = self._registry[type(constraint)]
        except KeyError:
            raise NotImplementedError(f"Cannot transform {type(constraint).__name__} constraints") from None
        return factory(constraint)


biject_to = ConstraintRegistry()
transform_to = ConstraintRegistry()


def _both(constraint: object, factory: Callable) -> None:
    biject_to.register(constraint, factory)
    transform_to.register(constraint, factory)


def _to_greater_than(constraint) -> Transform:
    return ComposeTransform([ExpTransform(), AffineTransform(constraint.lower_bound, 1)])


def _to_less_than(constraint) -> Transform:
    return ComposeTransform([ExpTransform(), AffineTransform(constraint.upper_bound, -1)])


def _to_interval(constraint) -> Transform:
    lower, upper = constraint.lower_bound, constraint.upper_bound
    if isinstance(lower, numbers.Number) and lower == 0 and isinstance(upper, numbers.Number) and upper == 1:
        return SigmoidTransform()
    return ComposeTransform([SigmoidTransform(), AffineTransform(lower, upper - lower)])


# ``positive`` is ``greater_than(0.0)`` and ``nonnegative`` ``greater_than_eq(0.0)``: one class each,
# so both map through exp then a shift by the bound (PyTorch gives the same ComposeTransform)
_both(constraints.real, lambda c: identity_transform)
_both(constraints.real_vector, lambda c: IndependentTransform(identity_transform, 1))
_both(
    constraints.independent,
    lambda c: IndependentTransform(biject_to(c.base_constraint), c.reinterpreted_batch_ndims),
)
_both(constraints.greater_than, _to_greater_than)
_both(constraints.greater_than_eq, _to_greater_than)
_both(constraints.less_than, _to_less_than)
_both(constraints.interval, _to_interval)
_both(constraints.half_open_interval, _to_interval)
_both(type(constraints.corr_cholesky), lambda c: CorrCholeskyTransform())
biject_to.register(constraints.simplex, lambda c: StickBreakingTransform())
transform_to.register(constraints.simplex, lambda c: SoftmaxTransform())
transform_to.register(constraints.lower_cholesky, lambda c: LowerCholeskyTransform())
transform_to.register(constraints.positive_definite, lambda c: PositiveDefiniteTransform())
# the parts of cat / stack each go through the same registry
transform_to.register(
    constraints.independent,
    lambda c: IndependentTransform(transform_to(c.base_constraint), c.reinterpreted_batch_ndims),
)
biject_to.register(_Cat, lambda c: CatTransform([biject_to(p) for p in c.cseq], c.dim, c.lengths))
transform_to.register(_Cat, lambda c: CatTransform([transform_to(p) for p in c.cseq], c.dim, c.lengths))
biject_to.register(_Stack, lambda c: StackTransform([biject_to(p) for p in c.cseq], c.dim))
transform_to.register(_Stack, lambda c: StackTransform([transform_to(p) for p in c.cseq], c.dim))
