"""``Independent``: some batch dims of a distribution read as event dims (``torch.distributions``).

``Independent(Normal(loc, scale), 1)`` with ``loc`` of shape ``(B, D)`` is one
``D``-dimensional diagonal Gaussian per row: ``batch_shape (B,)``,
``event_shape (D,)``, and ``log_prob``/``entropy`` summed over the ``D`` dim
(the log-density of independent coordinates is the sum of theirs).
"""

from __future__ import annotations

import tt_autograd as autograd

from .distribution import Distribution, sum_rightmost


class Independent(Distribution):
    """``base_distribution`` with its ``reinterpreted_batch_ndims`` rightmost batch dims made event dims.

    Args:
        base_distribution: any distribution.
        reinterpreted_batch_ndims: how many batch dims to move into the event: an int from 0 to all
            of them (PyTorch also takes a bool as 0/1 and a negative count; both are refused here
            with an error, since neither says what it means).
        validate_args: passed on to the checks of this wrapper (the base checks its own).

    Example:
        >>> import tt_autograd as autograd
        >>> from tt_nn.distributions import Normal
        >>> Independent(Normal(autograd.zeros(4, 3), 1.0), 1).log_prob(autograd.zeros(4, 3)).shape
        tt.Size([4])
    """

    arg_constraints: dict = {}

    def __init__(
        self,
        base_distribution: Distribution,
        reinterpreted_batch_ndims: int,
        validate_args: bool | None = None,
    ) -> None:
        if not isinstance(base_distribution, Distribution):
            raise TypeError(
                "Independent: base_distribution must be a Distribution, got "
                f"{type(base_distribution).__name__}"
            )
        batch = base_distribution.batch_shape
        n = reinterpreted_batch_ndims
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= len(batch):
            raise ValueError(
                f"Independent: reinterpreted_batch_ndims must be an int from 0 to the base distribution's "
                f"batch dims ({len(batch)}, batch_shape {batch}), got {n!r}"
            )
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = n
        shape = batch + base_distribution.event_shape
        cut = len(batch) - n
        super().__init__(shape[:cut], shape[cut:], validate_args=validate_args)

    @property
    def has_rsample(self) -> bool:
        return self.base_dist.has_rsample

    @property
    def has_enumerate_support(self) -> bool:
        return self.reinterpreted_batch_ndims == 0 and self.base_dist.has_enumerate_support

    @property
    def support(self):
        return self.base_dist.support

    @property
    def mean(self) -> autograd.Tensor:
        return self.base_dist.mean

    @property
    def mode(self) -> autograd.Tensor:
        return self.base_dist.mode

    @property
    def variance(self) -> autograd.Tensor:
        return self.base_dist.variance

    def sample(self, sample_shape: object = ()) -> autograd.Tensor:
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """The base's ``log_prob`` summed over the reinterpreted dims (the base validates ``value``)."""
        return sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self) -> autograd.Tensor:
        return sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def enumerate_support(self, expand: bool = True) -> autograd.Tensor:
        if self.reinterpreted_batch_ndims > 0:
            raise NotImplementedError(
                "Independent: enumerate_support over several event dims is not available"
            )
        return self.base_dist.enumerate_support(expand=expand)

    def __repr__(self) -> str:
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"
