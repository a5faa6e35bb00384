"""``MultivariateNormal``: the Gaussian over vectors (``torch.distributions.MultivariateNormal``).

Give the mean ``loc`` (``(*, n)``) and exactly one of ``covariance_matrix``
``Σ``, ``precision_matrix`` ``Σ⁻¹`` or ``scale_tril`` ``L`` (lower triangular,
``Σ = L Lᵀ``), each ``(*, n, n)``; the batch shape is the broadcast of ``loc``'s
and the matrix's leading dims. Everything goes through the Cholesky factor
``L``, never through an explicit inverse:

* ``rsample``: ``loc + L @ eps`` with ``eps`` standard normal noise (reparameterised);
* ``log_prob(x)``: ``-(n log 2π + |L⁻¹(x - loc)|²) / 2 - Σᵢ log Lᵢᵢ`` with ``L⁻¹(x - loc)``
  from one triangular solve;
* ``entropy``: ``n (1 + log 2π) / 2 + Σᵢ log Lᵢᵢ``;
* a precision matrix ``P`` is factored as PyTorch does: the Cholesky factor of
  ``P`` with its rows and columns reversed gives ``L⁻¹`` as a flipped lower
  triangle, and one triangular solve against the identity gives ``L``.

Gradients reach ``loc`` and the matrix through ``tt_autograd.linalg``'s
``cholesky`` and ``solve_triangular``. As in PyTorch, a covariance's gradient
is symmetric (Cholesky reads the matrix as symmetric).

Cost: one ``O(n³)`` Cholesky per matrix at construction; ``log_prob`` one
triangular solve (``O(n²)`` per value, though tt-autograd's solver is a general
LU, ``O(n³)``); ``rsample`` one batched matrix-vector product.
"""

from __future__ import annotations

import math

import numpy as np
import tt_autograd as autograd
from tt_autograd import linalg

from . import constraints
from .distribution import Distribution, extended_shape

_LOG_2PI = math.log(2 * math.pi)


def _identity_like(matrix: autograd.Tensor) -> autograd.Tensor:
    size = matrix.shape[-1]
    return autograd.eye(size, dtype=matrix.dtype).expand(*matrix.shape[:-2], size, size)


def precision_to_scale_tril(precision: autograd.Tensor) -> autograd.Tensor:
    """The lower Cholesky factor ``L`` of ``P⁻¹`` (``L Lᵀ = P⁻¹``), without inverting ``P``.

    With ``J`` the reversal permutation, ``cholesky(J P J) = C`` gives ``P = (J C J)(J C J)ᵀ``
    where ``U = J C J`` is upper triangular; then ``P⁻¹ = U⁻ᵀ U⁻¹`` and ``L = U⁻ᵀ`` is lower
    triangular: ``L`` solves ``Uᵀ L = I``.
    """
    flipped_factor = linalg.cholesky(precision.flip((-2, -1)))
    inverse_transposed = flipped_factor.flip((-2, -1)).mT  # U^T, lower triangular
    return linalg.solve_triangular(inverse_transposed, _identity_like(precision), upper=False)


def batch_mahalanobis(scale_tril: autograd.Tensor, difference: autograd.Tensor) -> autograd.Tensor:
    """``|L⁻¹ d|²`` along the last dim: the squared Mahalanobis distance for ``Σ = L Lᵀ``.

    ``L`` is ``(*, n, n)`` and ``d`` ``(*, n)``; the leading dims broadcast.
    """
    whitened = linalg.solve_triangular(scale_tril, difference.unsqueeze(-1), upper=False)
    return whitened.squeeze(-1).pow(2).sum(dim=-1)


def half_log_det(scale_tril: autograd.Tensor) -> autograd.Tensor:
    """``log det(L) = Σᵢ log Lᵢᵢ`` (half of ``log det Σ``)."""
    return scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(dim=-1)


def one_matrix(
    op: str, covariance_matrix: object, precision_matrix: object, scale_tril: object
) -> tuple[str, object]:
    """The name and value of the one matrix given of the three; a ``ValueError`` (starting ``op``) else."""
    given = {"covariance_matrix": covariance_matrix, "precision_matrix": precision_matrix}
    given["scale_tril"] = scale_tril
    given = {name: matrix for name, matrix in given.items() if matrix is not None}
    if len(given) != 1:
        raise ValueError(
            f"{op}: pass exactly one of covariance_matrix, precision_matrix or scale_tril"
            f" (got {', '.join(given) or 'none'})"
        )
    ((name, matrix),) = given.items()
    return name, matrix


def scale_tril_of(name: str, matrix: autograd.Tensor) -> autograd.Tensor:
    """``L`` with ``L Lᵀ = Σ`` from the matrix given as ``name`` (``Σ``, ``Σ⁻¹`` or ``L`` itself)."""
    if name == "scale_tril":
        return matrix
    if name == "covariance_matrix":
        return linalg.cholesky(matrix)
    return precision_to_scale_tril(matrix)


class _CachedProperty:
    """A property computed on first use and stored on the instance (PyTorch's ``lazy_property``).

    The stored value hides the descriptor afterwards, so a matrix given to the
    constructor is simply an attribute, and the two derived from it are computed
    only when asked for.
    """

    def __init__(self, compute) -> None:
        self.compute = compute
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type) -> object:
        if instance is None:
            return self
        value = self.compute(instance)
        instance.__dict__[self.name] = value
        return value


class CholeskyMatrices:
    """``scale_tril``, ``covariance_matrix`` and ``precision_matrix`` from ``_unbroadcasted_scale_tril``.

    For a distribution parametrised by one of the three (``MultivariateNormal``, ``Wishart``):
    each is expanded to ``batch_shape + (n, n)`` and computed once, on first use.
    """

    # ------------------------------------------------------------------ the three matrices
    @_CachedProperty
    def scale_tril(self) -> autograd.Tensor:
        """``L``, lower triangular with ``L Lᵀ = Σ``, shape ``batch_shape + (n, n)``."""
        return self._unbroadcasted_scale_tril.expand(*self._batch_shape, *self._matrix_shape())

    @_CachedProperty
    def covariance_matrix(self) -> autograd.Tensor:
        """``Σ = L Lᵀ``, shape ``batch_shape + (n, n)``."""
        factor = self._unbroadcasted_scale_tril
        return (factor @ factor.mT).expand(*self._batch_shape, *self._matrix_shape())

    @_CachedProperty
    def precision_matrix(self) -> autograd.Tensor:
        """``Σ⁻¹ = L⁻ᵀ L⁻¹`` (``L⁻¹`` by a triangular solve), shape ``batch_shape + (n, n)``."""
        factor = self._unbroadcasted_scale_tril
        inverse = linalg.solve_triangular(factor, _identity_like(factor), upper=False)
        return (inverse.mT @ inverse).expand(*self._batch_shape, *self._matrix_shape())

    def _matrix_shape(self) -> tuple[int, ...]:
        return self._unbroadcasted_scale_tril.shape[-2:]


class MultivariateNormal(CholeskyMatrices, Distribution):
    """The normal distribution over ``n``-vectors with mean ``loc`` and covariance ``Σ = L Lᵀ``.

    Args:
        loc: the mean, shape ``(*, n)``.
        covariance_matrix: ``Σ``, symmetric positive-definite, ``(*, n, n)``.
        precision_matrix: ``Σ⁻¹``, symmetric positive-definite, ``(*, n, n)``.
        scale_tril: ``L``, lower triangular with a positive diagonal, ``(*, n, n)``.
        validate_args: check the parameters and ``log_prob``'s values (default: on).

    Shape:
        ``batch_shape`` is the broadcast of ``loc.shape[:-1]`` and the matrix's ``shape[:-2]``;
        ``event_shape`` is ``(n,)``. ``rsample(sample_shape)``: ``sample_shape + batch_shape + (n,)``;
        ``log_prob(value)``: ``value`` ``(*, n)`` broadcast against ``batch_shape + (n,)``.

    Example:
        >>> import tt_autograd as autograd
        >>> m = MultivariateNormal(autograd.zeros(2), covariance_matrix=autograd.eye(2))
        >>> m.log_prob(autograd.zeros(2))
        tensor(-1.8379)
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self,
        loc: autograd.Tensor,
        covariance_matrix: autograd.Tensor | None = None,
        precision_matrix: autograd.Tensor | None = None,
        scale_tril: autograd.Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        name, matrix = one_matrix("MultivariateNormal", covariance_matrix, precision_matrix, scale_tril)
        for what, value, dims in (("loc", loc, 1), (name, matrix, 2)):
            if not isinstance(value, autograd.Tensor):
                raise TypeError(f"MultivariateNormal: {what} must be a tensor, got {type(value).__name__}")
            if value.dim() < dims:
                raise ValueError(
                    f"MultivariateNormal: {what} must be at least {dims}-dimensional, with optional leading "
                    f"batch dims, got shape {value.shape}"
                )
        size = loc.shape[-1]
        if matrix.shape[-2:] != (size, size):
            raise ValueError(
                f"MultivariateNormal: {name} must be ({size}, {size}) to match loc of shape {loc.shape}, "
                f"got shape {matrix.shape}"
            )
        try:
            batch_shape = np.broadcast_shapes(loc.shape[:-1], matrix.shape[:-2])
        except ValueError:
            raise ValueError(
                f"MultivariateNormal: the batch dims of loc {loc.shape} and of {name} {matrix.shape} "
                "do not broadcast"
            ) from None
        self._given = name
        setattr(self, name, matrix.expand(*batch_shape, size, size))
        self.loc = loc.expand(*batch_shape, size)
        super().__init__(batch_shape, (size,), validate_args=validate_args)
        self._unbroadcasted_scale_tril = scale_tril_of(name, matrix)

    # ------------------------------------------------------------------ moments
    @property
    def mean(self) -> autograd.Tensor:
        return self.loc

    @property
    def mode(self) -> autograd.Tensor:
        return self.loc

    @property
    def variance(self) -> autograd.Tensor:
        """The diagonal of ``Σ``: the squared row norms of ``L``."""
        variances = self._unbroadcasted_scale_tril.pow(2).sum(dim=-1)
        return variances.expand(*self._batch_shape, *self._event_shape)

    # ------------------------------------------------------------------ sampling and densities
    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """``loc + L @ eps``, ``eps`` standard normal noise of shape ``sample_shape + batch_shape + (n,)``."""
        shape = extended_shape(sample_shape) + self._batch_shape + self._event_shape
        noise = autograd.randn(shape, dtype=self.loc.dtype)
        return self.loc + (self._unbroadcasted_scale_tril @ noise.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value: autograd.Tensor) -> autograd.Tensor:
        """``-(n log 2π + |L⁻¹(x - loc)|²) / 2 - log det L``, one value per vector."""
        if self._validate_args:
            self._validate_sample(value)
        distance = batch_mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        size = self._event_shape[0]
        return -0.5 * (size * _LOG_2PI + distance) - half_log_det(self._unbroadcasted_scale_tril)

    def entropy(self) -> autograd.Tensor:
        """``n (1 + log 2π) / 2 + log det L``, shape ``batch_shape``."""
        size = self._event_shape[0]
        entropy = 0.5 * size * (1.0 + _LOG_2PI) + half_log_det(self._unbroadcasted_scale_tril)
        return entropy.expand(*self._batch_shape)
