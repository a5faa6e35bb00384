"""``TransformedDistribution``: a base distribution pushed through transforms (``torch.distributions``).

``y = t_n(...t_1(x))`` for ``x`` drawn from ``base_distribution``. Sampling applies
the transforms to a base draw; ``log_prob(y)`` inverts them one by one and
subtracts each log-Jacobian (the change of variables). A tanh-squashed Gaussian
policy, as in SAC:

    >>> import tt_autograd as autograd
    >>> from tt_nn.distributions import Normal, TanhTransform, TransformedDistribution
    >>> pi = TransformedDistribution(Normal(autograd.zeros(2), 1.0), [TanhTransform(cache_size=1)])
    >>> a = pi.rsample()
    >>> pi.log_prob(a).shape  # inverts through the cache: no atanh of a value rounded to 1
    tt.Size([2])

Shapes: the transforms may add event dims (``IndependentTransform``, a vector map
such as ``StickBreakingTransform``): the base is then wrapped in ``Independent`` so
its event covers the first transform's domain, and the result's ``event_shape`` has
as many dims as the last codomain needs. Costs: one pass through the transforms per
``sample``; one inverse pass and one log-Jacobian per transform per ``log_prob``.
"""

from __future__ import annotations

import tt_autograd as autograd

from . import constraints
from .distribution import Distribution, extended_shape, sum_rightmost
from .independent import Independent
from .transforms import ComposeTransform, Transform


def expand_distribution(distribution: Distribution, batch_shape: tuple[int, ...]) -> Distribution:
    """``distribution.expand(batch_shape)``; an ``Independent`` is expanded through its base."""
    if isinstance(distribution, Independent):
        n = distribution.reinterpreted_batch_ndims
        base_batch = tuple(batch_shape) + distribution.event_shape[:n]
        base = expand_distribution(distribution.base_dist, base_batch)
        return Independent(base, n, validate_args=distribution._validate_args)
    if hasattr(distribution, "expand"):
        return distribution.expand(tuple(batch_shape))
    return _rebuilt(distribution, tuple(batch_shape))


def _rebuilt(distribution: Distribution, batch_shape: tuple[int, ...]) -> Distribution:
    """A distribution with no ``expand`` made again from its parameters expanded to ``batch_shape``."""
    params = {}
    for name in distribution._parameter_names():
        value = distribution.__dict__[name]
        event_dim = distribution.arg_constraints[name].event_dim
        params[name] = value.expand(*(batch_shape + tuple(value.shape)[value.dim() - event_dim :]))
    try:
        new = type(distribution)(**params, validate_args=distribution._validate_args)
    except (TypeError, ValueError):  # its constructor wants more than the parameters
        new = None
    if new is None or new.batch_shape != batch_shape:
        raise NotImplementedError(
            f"{type(distribution).__name__} has no expand: give it parameters of batch_shape {batch_shape}"
        )
    return new


class TransformedDistribution(Distribution):
    """``base_distribution`` pushed through ``transforms`` (applied in list order).

    Args:
        base_distribution: the distribution of ``x``.
        transforms: a :class:`Transform` or a list of them.
        validate_args: check ``log_prob``'s values against ``support`` (default: on).

    Shape:
        ``batch_shape + event_shape`` is the transforms' ``forward_shape`` of the base's
        ``batch_shape + event_shape``; the split is where the last codomain's event dims start.
    """

    arg_constraints: dict = {}

    def __init__(
        self,
        base_distribution: Distribution,
        transforms: Transform | list[Transform],
        validate_args: bool | None = None,
    ) -> None:
        name = type(self).__name__
        if not isinstance(base_distribution, Distribution):
            raise TypeError(
                f"{name}: base_distribution must be a Distribution, got {type(base_distribution).__name__}"
            )
        if isinstance(transforms, Transform):
            transforms = [transforms]
        elif isinstance(transforms, (list, tuple)):
            if not all(isinstance(t, Transform) for t in transforms):
                raise ValueError(f"{name}: transforms must be a Transform or a list of Transforms")
            transforms = list(transforms)
        else:
            raise ValueError(f"{name}: transforms must be a Transform or a list, but was {transforms!r}")
        self.transforms = transforms
        base_shape = base_distribution.batch_shape + base_distribution.event_shape
        base_event_dim = len(base_distribution.event_shape)
        transform = ComposeTransform(transforms)
        if len(base_shape) < transform.domain.event_dim:
            raise ValueError(
                f"{name}: base_distribution needs a shape of at least {transform.domain.event_dim} dims for "
                f"these transforms, but got {base_shape}"
            )
        forward_shape = transform.forward_shape(base_shape)
        expanded_base_shape = transform.inverse_shape(forward_shape)
        if base_shape != expanded_base_shape:
            base_batch = expanded_base_shape[: len(expanded_base_shape) - base_event_dim]
            base_distribution = expand_distribution(base_distribution, base_batch)
        reinterpreted = transform.domain.event_dim - base_event_dim
        if reinterpreted > 0:
            base_distribution = Independent(base_distribution, reinterpreted)
        self.base_dist = base_distribution
        change = transform.codomain.event_dim - transform.domain.event_dim
        event_dim = max(transform.codomain.event_dim, base_event_dim + change)
        cut = len(forward_shape) - event_dim
        super().__init__(forward_shape[:cut], forward_shape[cut:], validate_args=validate_args)

    def expand(self, batch_shape: tuple[int, ...]) -> TransformedDistribution:
        """The same distribution over a larger ``batch_shape`` (the base expanded to match)."""
        batch_shape = extended_shape(batch_shape)
        shape = batch_shape + self._event_shape
        for transform in reversed(self.transforms):
            shape = transform.inverse_shape(shape)
        base_batch = shape[: len(shape) - len(self.base_dist.event_shape)]
        new = TransformedDistribution.__new__(type(self))
        new.base_dist = expand_distribution(self.base_dist, base_batch)
        new.transforms = self.transforms
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def support(self) -> constraints.Constraint:
        """The last transform's codomain, made to span the whole event."""
        if not self.transforms:
            return self.base_dist.support
        support = self.transforms[-1].codomain
        if len(self._event_shape) > support.event_dim:
            support = constraints.independent(support, len(self._event_shape) - support.event_dim)
        return support

    @property
    def has_rsample(self) -> bool:
        return self.base_dist.has_rsample

    def sample(self, sample_shape: object = ()) -> autograd.Tensor:
        """A base draw pushed through the transforms, with no gradient."""
        with autograd.no_grad():
            x = self.base_dist.sample(sample_shape)
            for transform in self.transforms:
                x = transform(x)
            return x

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """A reparameterised base draw pushed through the transforms (gradients flow through both)."""
        x = self.base_dist.rsample(sample_shape)
        for transform in self.transforms:
            x = transform(x)
        return x

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``base.log_prob(x) - Σ log|det J|`` with ``x`` the transforms' inverse of ``value``."""
        if self._validate_args:
            self._validate_sample(value)
        event_dim = len(self._event_shape)
        log_prob = 0.0
        y = value
        for transform in reversed(self.transforms):
            x = transform.inv(y)
            event_dim += transform.domain.event_dim - transform.codomain.event_dim
            log_prob = log_prob - sum_rightmost(
                transform.log_abs_det_jacobian(x, y), event_dim - transform.domain.event_dim
            )
            y = x
        return log_prob + sum_rightmost(
            self.base_dist.log_prob(y), event_dim - len(self.base_dist.event_shape)
        )

    def _monotonize_cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """``value``, or ``1 - value`` where the transforms are decreasing (their signs multiply)."""
        sign = 1
        for transform in self.transforms:
            sign = sign * transform.sign
        if isinstance(sign, int) and sign == 1:
            return value
        return sign * (value - 0.5) + 0.5

    def cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """The base's ``cdf`` of the inverse image (monotone element-wise transforms only)."""
        for transform in reversed(self.transforms):
            value = transform.inv(value)
        if self._validate_args:
            self.base_dist._validate_sample(value)
        return self._monotonize_cdf(self.base_dist.cdf(value))

    def icdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """The transforms applied to the base's ``icdf`` (monotone element-wise transforms only)."""
        value = self.base_dist.icdf(self._monotonize_cdf(value))
        for transform in self.transforms:
            value = transform(value)
        return value

    def _parameter_names(self) -> list[str]:
        return []

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
