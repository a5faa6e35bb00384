"""``Distribution``: the base class of every probability distribution (``torch.distributions.Distribution``).

A distribution holds its parameters as tensors and answers: ``sample`` (no
gradient), ``rsample`` (a reparameterised sample that gradients flow through,
where the distribution has one: ``has_rsample``), ``log_prob(value)``,
``entropy()``, and the moments ``mean``, ``mode``, ``variance``, ``stddev``.

Shapes follow PyTorch: ``batch_shape`` is the shape of independent
distributions held side by side (the parameters' broadcast shape);
``event_shape`` is the shape of one draw (``()`` for scalars, ``(k,)`` for a
one-hot vector). ``sample(sample_shape)`` has shape
``sample_shape + batch_shape + event_shape``; ``log_prob(value)`` broadcasts
``value`` against ``batch_shape + event_shape`` and returns one number per
draw (the event dims summed away).

Validation (on by default, as in PyTorch; ``validate_args=False`` or
``Distribution.set_default_validate_args(False)`` turns it off): a parameter
outside its constraint (``arg_constraints``) raises ``ValueError`` when the
distribution is made, and so does a ``log_prob`` value outside ``support``.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd


def extended_shape(sample_shape: object) -> tuple[int, ...]:
    """``sample_shape`` as a tuple of ints (an int ``n`` means ``(n,)``; PyTorch wants a tuple)."""
    if isinstance(sample_shape, (int, np.integer)) and not isinstance(sample_shape, bool):
        return (int(sample_shape),)
    try:
        shape = tuple(int(n) for n in sample_shape)
    except TypeError:
        raise TypeError(
            f"sample: sample_shape must be a tuple of ints such as (10,), got {type(sample_shape).__name__}"
        ) from None
    if any(n < 0 for n in shape):
        raise ValueError(f"sample: sample_shape must not be negative, got {shape}")
    return shape


def sum_rightmost(value: autograd.Tensor, dims: int) -> autograd.Tensor:
    """``value`` summed over its ``dims`` rightmost dims (none when ``dims`` is 0)."""
    return value.sum(dim=tuple(range(-dims, 0))) if dims > 0 else value


def _show(values: np.ndarray) -> str:
    """A few invalid values for an error message."""
    return np.array2string(values.reshape(-1)[:6], precision=4) + (" ..." if values.size > 6 else "")


class Distribution:
    """The base class: shapes, validation, ``sample`` from ``rsample``, ``stddev`` from ``variance``.

    A subclass sets ``arg_constraints`` (parameter name -> constraint) and
    ``support``, calls ``super().__init__(batch_shape, event_shape, validate_args)``
    after storing its parameters as attributes, and defines the methods it has.

    Args:
        batch_shape: the shape of the batch of distributions.
        event_shape: the shape of one draw.
        validate_args: check parameters now and values in ``log_prob``
            (``None``: the class default, True unless ``set_default_validate_args(False)``).
    """

    has_rsample = False
    has_enumerate_support = False
    arg_constraints: dict = {}
    support = None
    _validate_args = True

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn validation on or off for every distribution made without ``validate_args``."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args: expected True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(
        self, batch_shape: tuple[int, ...] = (), event_shape: tuple[int, ...] = (), validate_args=None
    ) -> None:
        self._batch_shape = tuple(batch_shape)
        self._event_shape = tuple(event_shape)
        if validate_args is not None:
            self._validate_args = bool(validate_args)
        if self._validate_args:
            for name in self._parameter_names():
                self._check_parameter(name, self.arg_constraints[name])

    # ------------------------------------------------------------------ shapes and parameters
    @property
    def batch_shape(self) -> tuple[int, ...]:
        """The shape over which the parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        """The shape of a single draw."""
        return self._event_shape

    def _parameter_names(self) -> list[str]:
        """The parameters given to the constructor (the ones validated and shown by ``repr``)."""
        return [name for name in self.arg_constraints if name in self.__dict__]

    def _extended_shape(self, sample_shape: object = ()) -> tuple[int, ...]:
        return extended_shape(sample_shape) + self._batch_shape + self._event_shape

    def _check_parameter(self, name: str, constraint: object) -> None:
        value = self.__dict__[name].detach().numpy()
        valid = constraint.check(value)
        if not np.all(valid):
            raise ValueError(
                f"{type(self).__name__}: parameter {name} (tensor of shape {value.shape}) must satisfy "
                f"{constraint!r}, but found invalid values: {_show(value[~valid])}. Pass {constraint.hint}, "
                "or validate_args=False to skip the check"
            )

    def _validate_sample(self, value: object) -> None:
        """Check that ``value`` is a tensor whose shape fits and whose entries lie in ``support``."""
        name = type(self).__name__
        if not isinstance(value, autograd.Tensor):
            raise ValueError(f"{name}: the value must be a tensor, got {type(value).__name__}")
        shape, expected = value.shape, self._batch_shape + self._event_shape
        event = len(self._event_shape)
        if event and shape[len(shape) - event :] != self._event_shape:
            raise ValueError(
                f"{name}: the rightmost dims of the value {shape} must match event_shape {self._event_shape}"
            )
        try:
            np.broadcast_shapes(shape, expected)
        except ValueError:
            raise ValueError(
                f"{name}: a value of shape {shape} does not broadcast with "
                f"batch_shape + event_shape {expected}"
            ) from None
        array = value.detach().numpy()
        valid = self.support.check(array)
        if not np.all(valid):
            try:
                invalid = array[~valid]
            except IndexError:  # bounds broadcast the check beyond the value's shape: show the value
                invalid = array
            raise ValueError(
                f"{name}: the value must lie in the support {self.support!r} of {self!r}, but found "
                f"invalid values: {_show(invalid)}. Pass {self.support.hint}"
            )

    # ------------------------------------------------------------------ sampling
    def sample(self, sample_shape: object = ()) -> autograd.Tensor:
        """A draw of shape ``sample_shape + batch_shape + event_shape``, with no gradient."""
        with autograd.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """A reparameterised draw: a differentiable function of the parameters and parameter-free noise."""
        raise NotImplementedError(
            f"{type(self).__name__} has no rsample: its draws are not differentiable (use sample(), and "
            "log_prob for a score-function gradient as in REINFORCE)"
        )

    # ------------------------------------------------------------------ what subclasses define
    def _missing(self, what: str) -> NotImplementedError:
        return NotImplementedError(f"{type(self).__name__} does not define {what}")

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """The log of the density (or mass) at ``value``."""
        raise self._missing("log_prob")

    def cdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """The cumulative distribution function at ``value``."""
        raise self._missing("cdf")

    def icdf(self, value: autograd.Tensor) -> autograd.Tensor:
        """The inverse of the cumulative distribution function at ``value``."""
        raise self._missing("icdf")

    def entropy(self) -> autograd.Tensor:
        """The entropy (in nats), one per distribution of the batch."""
        raise self._missing("entropy")

    def enumerate_support(self, expand: bool = True) -> autograd.Tensor:
        """Every value of a discrete support, along a new first dim."""
        raise self._missing("enumerate_support")

    @property
    def mean(self) -> autograd.Tensor:
        raise self._missing("mean")

    @property
    def mode(self) -> autograd.Tensor:
        raise self._missing("mode")

    @property
    def variance(self) -> autograd.Tensor:
        raise self._missing("variance")

    @property
    def stddev(self) -> autograd.Tensor:
        """The standard deviation: the square root of ``variance``."""
        return self.variance.sqrt()

    def perplexity(self) -> autograd.Tensor:
        """``exp(entropy())``."""
        return self.entropy().exp()

    def __repr__(self) -> str:
        """PyTorch's form: one-element parameters by value, others by shape (``Normal(loc: (3,), ...)``)."""
        shown = []
        for name in self._parameter_names():
            value = self.__dict__[name]
            if value.numel() != 1:
                shown.append(f"{name}: {value.shape}")
            else:
                shown.append(f"{name}: {value.item() if value.dim() == 0 else value.detach()!r}")
        return f"{type(self).__name__}({', '.join(shown)})"
