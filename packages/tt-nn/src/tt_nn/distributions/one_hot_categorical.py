"""``OneHotCategorical``: a ``Categorical`` whose draws are one-hot vectors (``torch.distributions``).

Same parameters and normalisation as :class:`Categorical` (it holds one);
a draw is a float vector of ``K`` zeros with a single 1, so
``event_shape == (K,)``. ``log_prob`` reads the position of the 1.
"""

from __future__ import annotations

import tt_autograd as autograd

from ..functional import one_hot as one_hot_encode
from . import constraints
from .categorical import Categorical
from .distribution import Distribution


class OneHotCategorical(Distribution):
    """One-hot draws of ``K`` categories; give exactly one of ``probs`` or ``logits``.

    Shape:
        ``sample(sample_shape)``: ``sample_shape + batch_shape + (K,)``, in the parameter's dtype.

    Example:
        >>> import tt_autograd as autograd
        >>> OneHotCategorical(probs=autograd.tensor([0.0, 1.0, 0.0])).sample()
        tensor([0., 1., 0.])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(
        self, probs: object = None, logits: object = None, validate_args: bool | None = None
    ) -> None:
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        super().__init__(
            self._categorical.batch_shape, self._categorical.param_shape[-1:], validate_args=validate_args
        )

    def _parameter_names(self) -> list[str]:
        return []  # checked by the Categorical inside, and not shown (PyTorch prints OneHotCategorical())

    @property
    def probs(self) -> autograd.Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> autograd.Tensor:
        return self._categorical.logits

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._categorical.param_shape

    @property
    def mean(self) -> autograd.Tensor:
        return self.probs

    @property
    def mode(self) -> autograd.Tensor:
        """The most probable category, one-hot."""
        return self._one_hot(self._categorical.mode)

    @property
    def variance(self) -> autograd.Tensor:
        return self.probs * (1 - self.probs)

    def _one_hot(self, indices: autograd.Tensor) -> autograd.Tensor:
        return one_hot_encode(indices, self._event_shape[0]).to(self.probs.dtype)

    def sample(self, sample_shape: object = ()) -> autograd.Tensor:
        return self._one_hot(self._categorical.sample(sample_shape))

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """The log-probability of the category where ``value`` has its 1."""
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.argmax(dim=-1))

    def entropy(self) -> autograd.Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> autograd.Tensor:
        """The ``K`` one-hot vectors: shape ``(K,) + batch_shape + (K,)`` (``(K, 1, ..., K)`` unexpanded)."""
        k = self._event_shape[0]
        values = autograd.eye(k, dtype=self.probs.dtype).reshape((k,) + (1,) * len(self._batch_shape) + (k,))
        return values.expand(k, *self._batch_shape, k) if expand else values
