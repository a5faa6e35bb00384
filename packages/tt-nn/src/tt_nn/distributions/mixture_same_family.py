"""``MixtureSameFamily``: a mixture of ``k`` components of one family (``torch.distributions``).

The components are one distribution whose rightmost batch dim (``k``) indexes them; a
``Categorical`` over ``k`` gives the weights. A Gaussian mixture in one line:

    >>> import tt_autograd as autograd
    >>> from tt_nn.distributions import Categorical, MixtureSameFamily, Normal
    >>> gmm = MixtureSameFamily(Categorical(autograd.ones(3)), Normal(autograd.tensor([-2.0, 0.0, 2.0]), 1.0))
    >>> gmm.log_prob(autograd.zeros(4)).shape
    tt.Size([4])

``log_prob`` is ``logsumexp_k(log w_k + log p_k(x))`` (stable where every ``p_k`` underflows);
``sample`` draws a component index and every component's sample, and keeps the chosen one
(vectorised: ``k`` times the work of one draw, no Python loop); ``mean`` and ``variance`` follow
the laws of total expectation and variance; ``cdf`` is the weighted sum of the components'.
No ``rsample``: the choice of component is discrete (as PyTorch).
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd

from . import constraints
from .categorical import Categorical
from .distribution import Distribution, extended_shape
from .transformed_distribution import expand_distribution


class _MixtureSameFamilyConstraint(constraints.Constraint):
    """A value in the support of every component (whose bounds may differ component by component)."""

    def __init__(self, base_constraint: constraints.Constraint, event_dim: int) -> None:
        self.base_constraint = base_constraint
        self.event_dim = event_dim  # the components' event dims (an Independent's support may span fewer)
        self.is_discrete = base_constraint.is_discrete
        self.hint = base_constraint.hint

    def check(self, value: np.ndarray) -> np.ndarray:
        value = np.asarray(value)
        result = np.asarray(self.base_constraint.check(np.expand_dims(value, -1 - self.event_dim)))
        keep = value.ndim - self.event_dim
        return result.reshape(result.shape[:keep] + (-1,)).all(axis=-1)

    def __repr__(self) -> str:
        return f"MixtureSameFamilyConstraint({self.base_constraint!r})"


class MixtureSameFamily(Distribution):
    """A mixture of the components of ``component_distribution``, weighted by ``mixture_distribution``.

    Args:
        mixture_distribution: a ``Categorical`` over the ``k`` components (batch shape broadcasting
            with the components').
        component_distribution: any distribution whose last batch dim has size ``k``.
        validate_args: check ``log_prob``'s values against ``support`` (default: on).

    Shape:
        ``batch_shape`` is the components' batch shape without its last dim; ``event_shape`` theirs.
    """

    arg_constraints: dict = {}
    has_rsample = False

    def __init__(
        self,
        mixture_distribution: Categorical,
        component_distribution: Distribution,
        validate_args: bool | None = None,
    ) -> None:
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(
                "MixtureSameFamily: mixture_distribution must be a Categorical, got "
                f"{type(mixture_distribution).__name__}"
            )
        if not isinstance(component_distribution, Distribution):
            raise ValueError(
                "MixtureSameFamily: component_distribution must be a Distribution, got "
                f"{type(component_distribution).__name__}"
            )
        mdbs = mixture_distribution.batch_shape
        if not component_distribution.batch_shape:
            raise ValueError(
                "MixtureSameFamily: component_distribution needs a batch dim indexing the components "
                "(its batch_shape is ())"
            )
        cdbs = component_distribution.batch_shape[:-1]
        for size1, size2 in zip(reversed(mdbs), reversed(cdbs)):
            if size1 != 1 and size2 != 1 and size1 != size2:
                raise ValueError(
                    f"MixtureSameFamily: mixture_distribution.batch_shape ({mdbs}) is not compatible with "
                    f"component_distribution.batch_shape[:-1] ({cdbs})"
                )
        km = mixture_distribution.logits.shape[-1]
        kc = component_distribution.batch_shape[-1]
        if km != kc:
            raise ValueError(
                f"MixtureSameFamily: the mixture has {km} components but "
                f"component_distribution.batch_shape[-1] is {kc}"
            )
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        self._num_component = km
        self._event_ndims = len(component_distribution.event_shape)
        super().__init__(cdbs, component_distribution.event_shape, validate_args=validate_args)

    @property
    def mixture_distribution(self) -> Categorical:
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        return self._component_distribution

    def expand(self, batch_shape: tuple[int, ...]) -> MixtureSameFamily:
        """The same mixture over a larger ``batch_shape``."""
        batch_shape = extended_shape(batch_shape)
        component = expand_distribution(self._component_distribution, batch_shape + (self._num_component,))
        mixture = expand_distribution(self._mixture_distribution, batch_shape)
        new = MixtureSameFamily.__new__(type(self))
        new._component_distribution, new._mixture_distribution = component, mixture
        new._num_component, new._event_ndims = self._num_component, self._event_ndims
        Distribution.__init__(new, batch_shape, component.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def support(self) -> constraints.Constraint:
        return _MixtureSameFamilyConstraint(self._component_distribution.support, self._event_ndims)

    def _pad(self, x: autograd.Tensor) -> autograd.Tensor:
        """``x`` with a component dim before its event dims (broadcasts against the components)."""
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, x: autograd.Tensor) -> autograd.Tensor:
        """The weights reshaped to ``(..., k, 1, ..., 1)`` against the components' batch and event dims."""
        dist_batch, cat_batch = len(self._batch_shape), len(self._mixture_distribution.batch_shape)
        pad = 0 if cat_batch == 1 else dist_batch - cat_batch
        shape = tuple(x.shape)
        return x.reshape(shape[:-1] + (1,) * pad + shape[-1:] + (1,) * self._event_ndims)

    @property
    def mean(self) -> autograd.Tensor:
        """``Σ_k w_k mean_k``."""
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        return (probs * self._component_distribution.mean).sum(dim=-1 - self._event_ndims)

    @property
    def variance(self) -> autograd.Tensor:
        """The law of total variance: ``Σ_k w_k var_k + Σ_k w_k (mean_k - mean)²``."""
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        dim = -1 - self._event_ndims
        components = self._component_distribution
        mean_cond_var = (probs * components.variance).sum(dim=dim)
        var_cond_mean = (probs * (components.mean - self._pad(self.mean)).pow(2.0)).sum(dim=dim)
        return mean_cond_var + var_cond_mean

    def cdf(self, x: autograd.Tensor) -> autograd.Tensor:
        """``Σ_k w_k cdf_k(x)``."""
        cdf_x = self._component_distribution.cdf(self._pad(x))
        return (cdf_x * self._mixture_distribution.probs).sum(dim=-1)

    def log_prob(self, x: autograd.Tensor) -> autograd.Tensor:
        """``logsumexp_k(log w_k + log p_k(x))``."""
        if self._validate_args:
            self._validate_sample(x)
        log_prob_x = self._component_distribution.log_prob(self._pad(x))  # [S, B, k]
        log_mix_prob = self._mixture_distribution.logits.log_softmax(dim=-1)  # [B, k]
        return (log_prob_x + log_mix_prob).logsumexp(dim=-1)

    def sample(self, sample_shape: object = ()) -> autograd.Tensor:
        """A component index per draw, every component's draw, and the chosen one kept (no gradient)."""
        sample_shape = extended_shape(sample_shape)
        with autograd.no_grad():
            gather_dim = len(sample_shape) + len(self._batch_shape)
            index = self._mixture_distribution.sample(sample_shape).numpy()  # [n, B]
            components = self._component_distribution.sample(sample_shape)  # [n, B, k, E]
            # [n, 1.., B_mix, 1, 1..]: a mixture with fewer batch dims than the components is broadcast
            # (PyTorch's gather refuses that case)
            pad = len(self._batch_shape) - len(self._mixture_distribution.batch_shape)
            index = index.reshape(sample_shape + (1,) * pad + index.shape[len(sample_shape) :])
            index = index.reshape(index.shape + (1,) * (self._event_ndims + 1))
            chosen = np.take_along_axis(components.numpy(), index.astype(np.int64), axis=gather_dim)
            return autograd.tensor(np.squeeze(chosen, axis=gather_dim), dtype=components.dtype)

    def _parameter_names(self) -> list[str]:
        return []

    def __repr__(self) -> str:
        return f"MixtureSameFamily(\n  {self._mixture_distribution!r},\n  {self._component_distribution!r})"
